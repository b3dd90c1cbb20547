"""HTTP API OpenAPI import (ImportApi), reimport (ReimportApi) and export (ExportApi)."""

from __future__ import annotations

import json
from typing import Any

import pytest
import yaml
from botocore.exceptions import ClientError

from tests.services.apigateway.conftest import lambda_uri

FN_ARN = "arn:aws:lambda:us-east-1:000000000000:function:orders"
AUTH_ARN = "arn:aws:lambda:us-east-1:000000000000:function:auth"

DEFINITION = f"""
openapi: "3.0.1"
info:
  title: Orders
  description: Orders over HTTP
  version: "1.2"
x-amazon-apigateway-cors:
  allowOrigins: ["https://example.com"]
  allowMethods: ["GET", "POST"]
  maxAge: 300
x-amazon-apigateway-importexport-version: "1.0"
paths:
  /orders:
    get:
      operationId: ListOrders
      responses:
        default:
          description: ok
      security:
        - jwt-auth: ["orders/read"]
      x-amazon-apigateway-integration:
        $ref: "#/components/x-amazon-apigateway-integrations/orders-fn"
    post:
      responses:
        default:
          description: ok
      security:
        - lambda-auth: []
      x-amazon-apigateway-integration:
        $ref: "#/components/x-amazon-apigateway-integrations/orders-fn"
  /orders/{{id}}:
    get:
      responses:
        default:
          description: ok
      security:
        - sigv4: []
      x-amazon-apigateway-integration:
        type: http_proxy
        httpMethod: GET
        uri: https://backend.example.com/orders/{{id}}
        payloadFormatVersion: "1.0"
        timeoutInMillis: 5000
  /$default:
    x-amazon-apigateway-any-method:
      responses:
        default:
          description: ok
      x-amazon-apigateway-integration:
        type: aws_proxy
        httpMethod: POST
        uri: {lambda_uri(FN_ARN)}
        payloadFormatVersion: "1.0"
components:
  securitySchemes:
    jwt-auth:
      type: oauth2
      flows: {{}}
      x-amazon-apigateway-authorizer:
        type: jwt
        identitySource: "$request.header.Authorization"
        jwtConfiguration:
          issuer: https://issuer.example.com
          audience: ["orders-api"]
    lambda-auth:
      type: apiKey
      name: Authorization
      in: header
      x-amazon-apigateway-authorizer:
        type: request
        identitySource: "$request.header.Authorization, $request.querystring.token"
        authorizerUri: {lambda_uri(AUTH_ARN)}
        authorizerPayloadFormatVersion: "2.0"
        authorizerResultTtlInSeconds: 60
        enableSimpleResponses: true
    sigv4:
      type: apiKey
      name: Authorization
      in: header
      x-amazon-apigateway-authtype: awsSigv4
  x-amazon-apigateway-integrations:
    orders-fn:
      type: aws_proxy
      httpMethod: POST
      uri: {lambda_uri(FN_ARN)}
      payloadFormatVersion: "2.0"
"""


def error_of(call: Any) -> tuple[str, str]:
    with pytest.raises(ClientError) as caught:
        call()
    return caught.value.response["Error"]["Code"], caught.value.response["Error"]["Message"]


def routes_of(apigw2: Any, api_id: str) -> dict[str, dict[str, Any]]:
    return {r["RouteKey"]: r for r in apigw2.get_routes(ApiId=api_id)["Items"]}


def view(apigw2: Any, api_id: str) -> dict[str, Any]:
    """Routes with their integration and authorizer, by value (ids left out)."""
    integrations = {i["IntegrationId"]: i for i in apigw2.get_integrations(ApiId=api_id)["Items"]}
    authorizers = {a["AuthorizerId"]: a for a in apigw2.get_authorizers(ApiId=api_id)["Items"]}
    out: dict[str, Any] = {}
    for key, route in routes_of(apigw2, api_id).items():
        integration = dict(integrations[route["Target"].split("/")[1]]) if route.get("Target") else {}
        integration.pop("IntegrationId", None)
        authorizer = dict(authorizers.get(route.get("AuthorizerId", ""), {}))
        authorizer.pop("AuthorizerId", None)
        out[key] = {
            "auth": route["AuthorizationType"],
            "scopes": route.get("AuthorizationScopes"),
            "integration": integration,
            "authorizer": authorizer,
        }
    return out


def test_import_api_builds_routes_integrations_authorizers(apigw2: Any) -> None:
    api = apigw2.import_api(Body=DEFINITION)
    api_id = api["ApiId"]
    assert api["Name"] == "Orders"
    assert api["Description"] == "Orders over HTTP"
    assert api["Version"] == "1.2"
    assert api["ProtocolType"] == "HTTP"
    assert api["RouteSelectionExpression"] == "$request.method $request.path"
    assert api["CorsConfiguration"] == {
        "AllowOrigins": ["https://example.com"],
        "AllowMethods": ["GET", "POST"],
        "MaxAge": 300,
    }
    assert api_id in api["ApiEndpoint"]
    assert apigw2.get_api(ApiId=api_id)["Name"] == "Orders"

    routes = routes_of(apigw2, api_id)
    assert sorted(routes) == ["$default", "GET /orders", "GET /orders/{id}", "POST /orders"]
    assert routes["GET /orders"]["OperationName"] == "ListOrders"
    assert routes["GET /orders"]["Target"] == routes["POST /orders"]["Target"]
    assert routes["GET /orders/{id}"]["AuthorizationType"] == "AWS_IAM"
    assert routes["$default"]["AuthorizationType"] == "NONE"

    integrations = {i["IntegrationId"]: i for i in apigw2.get_integrations(ApiId=api_id)["Items"]}
    assert len(integrations) == 3
    shared = integrations[routes["GET /orders"]["Target"].split("/")[1]]
    assert shared["IntegrationType"] == "AWS_PROXY"
    assert shared["IntegrationUri"] == lambda_uri(FN_ARN)
    assert shared["PayloadFormatVersion"] == "2.0"
    backend = integrations[routes["GET /orders/{id}"]["Target"].split("/")[1]]
    assert backend["IntegrationType"] == "HTTP_PROXY"
    assert backend["IntegrationMethod"] == "GET"
    assert backend["TimeoutInMillis"] == 5000
    assert integrations[routes["$default"]["Target"].split("/")[1]]["PayloadFormatVersion"] == "1.0"

    authorizers = {a["Name"]: a for a in apigw2.get_authorizers(ApiId=api_id)["Items"]}
    jwt = authorizers["jwt-auth"]
    assert jwt["AuthorizerType"] == "JWT"
    assert jwt["JwtConfiguration"] == {"Issuer": "https://issuer.example.com", "Audience": ["orders-api"]}
    assert jwt["IdentitySource"] == ["$request.header.Authorization"]
    assert routes["GET /orders"]["AuthorizationType"] == "JWT"
    assert routes["GET /orders"]["AuthorizerId"] == jwt["AuthorizerId"]
    assert routes["GET /orders"]["AuthorizationScopes"] == ["orders/read"]
    request = authorizers["lambda-auth"]
    assert request["AuthorizerType"] == "REQUEST"
    assert request["IdentitySource"] == ["$request.header.Authorization", "$request.querystring.token"]
    assert request["AuthorizerPayloadFormatVersion"] == "2.0"
    assert request["EnableSimpleResponses"] is True
    assert request["AuthorizerResultTtlInSeconds"] == 60
    assert routes["POST /orders"]["AuthorizationType"] == "CUSTOM"


@pytest.mark.parametrize("output_type", ["YAML", "JSON"])
def test_export_round_trip(apigw2: Any, output_type: str) -> None:
    api_id = apigw2.import_api(Body=DEFINITION)["ApiId"]
    body = apigw2.export_api(ApiId=api_id, Specification="OAS30", OutputType=output_type)["body"].read()
    definition = yaml.safe_load(body) if output_type == "YAML" else json.loads(body)
    assert definition["openapi"] == "3.0.1"
    assert definition["info"]["title"] == "Orders"
    assert definition["x-amazon-apigateway-importexport-version"] == "1.0"
    assert definition["x-amazon-apigateway-cors"]["allowOrigins"] == ["https://example.com"]
    assert "x-amazon-apigateway-any-method" in definition["paths"]["/$default"]
    get_one = definition["paths"]["/orders/{id}"]["get"]
    assert get_one["parameters"][0]["name"] == "id"
    assert get_one["x-amazon-apigateway-integration"]["type"] == "http_proxy"
    assert definition["paths"]["/orders"]["get"]["security"] == [{"jwt-auth": ["orders/read"]}]

    copy_id = apigw2.import_api(Body=body.decode())["ApiId"]
    assert view(apigw2, copy_id) == view(apigw2, api_id)

    bare = json.loads(
        apigw2.export_api(ApiId=api_id, Specification="OAS30", OutputType="JSON", IncludeExtensions=False)[
            "body"
        ].read()
    )
    assert "x-amazon-apigateway-integration" not in bare["paths"]["/orders"]["post"]
    assert "x-amazon-apigateway-cors" not in bare


def test_reimport_replaces_the_definition(apigw2: Any) -> None:
    api = apigw2.import_api(Body=DEFINITION)
    api_id = api["ApiId"]
    replacement = {
        "openapi": "3.0.1",
        "info": {"title": "Orders v2"},
        "paths": {
            "/health": {
                "get": {
                    "responses": {"default": {"description": "ok"}},
                    "x-amazon-apigateway-integration": {
                        "type": "http_proxy",
                        "httpMethod": "GET",
                        "uri": "https://backend.example.com/health",
                        "payloadFormatVersion": "1.0",
                    },
                }
            }
        },
    }
    again = apigw2.reimport_api(ApiId=api_id, Body=json.dumps(replacement))
    assert again["ApiId"] == api_id and again["Name"] == "Orders v2"
    assert "CorsConfiguration" not in again
    assert again["ApiEndpoint"] == api["ApiEndpoint"]
    assert sorted(routes_of(apigw2, api_id)) == ["GET /health"]
    assert len(apigw2.get_integrations(ApiId=api_id)["Items"]) == 1
    assert apigw2.get_authorizers(ApiId=api_id)["Items"] == []

    code, message = error_of(lambda: apigw2.reimport_api(ApiId="nope123456", Body=json.dumps(replacement)))
    assert code == "NotFoundException"
    assert message == "Invalid API identifier specified 000000000000:nope123456"


def test_export_of_a_stage_serves_its_deployment(apigw2: Any) -> None:
    api_id = apigw2.import_api(Body=DEFINITION)["ApiId"]
    apigw2.create_stage(ApiId=api_id, StageName="prod")
    deployment = apigw2.create_deployment(ApiId=api_id, StageName="prod")
    assert deployment["DeploymentId"]
    apigw2.delete_route(ApiId=api_id, RouteId=routes_of(apigw2, api_id)["POST /orders"]["RouteId"])
    staged = json.loads(
        apigw2.export_api(ApiId=api_id, Specification="OAS30", OutputType="JSON", StageName="prod")[
            "body"
        ].read()
    )
    assert "post" in staged["paths"]["/orders"]
    assert staged["servers"][0]["variables"]["basePath"]["default"] == "prod"
    current = json.loads(
        apigw2.export_api(ApiId=api_id, Specification="OAS30", OutputType="JSON")["body"].read()
    )
    assert "post" not in current["paths"]["/orders"]
    code, _ = error_of(
        lambda: apigw2.export_api(ApiId=api_id, Specification="OAS30", OutputType="JSON", StageName="nope")
    )
    assert code == "NotFoundException"


@pytest.mark.parametrize(
    "body",
    [
        "",
        "{not json",
        json.dumps({"swagger": "2.0", "info": {"title": "x"}, "paths": {}}),
        json.dumps({"openapi": "3.0.1", "paths": {}}),
        json.dumps(
            {
                "openapi": "3.0.1",
                "info": {"title": "x"},
                "paths": {"/a": {"get": {"x-amazon-apigateway-integration": {"type": "mock"}}}},
            }
        ),
        json.dumps(
            {
                "openapi": "3.0.1",
                "info": {"title": "x"},
                "paths": {"/$default": {"get": {"x-amazon-apigateway-integration": {"$ref": "#/nope"}}}},
            }
        ),
    ],
)
def test_import_api_rejects_bad_definitions(apigw2: Any, body: str) -> None:
    code, _ = error_of(lambda: apigw2.import_api(Body=body))
    assert code == "BadRequestException"
    assert apigw2.get_apis()["Items"] == []


def test_fail_on_warnings(apigw2: Any) -> None:
    body = json.dumps({"openapi": "3.0.1", "info": {"title": "w"}, "paths": {"/a": {"get": {}}}})
    code, message = error_of(lambda: apigw2.import_api(Body=body, FailOnWarnings=True))
    assert code == "BadRequestException" and message.startswith("Warnings found during import")
    api = apigw2.import_api(Body=body)
    assert api["Warnings"]
    route = apigw2.get_routes(ApiId=api["ApiId"])["Items"][0]
    assert route["RouteKey"] == "GET /a" and "Target" not in route


ECHO = """
import json

def handler(event, context):
    return {"statusCode": 200, "body": json.dumps({"route": event["routeKey"], "path": event["rawPath"]})}
"""


def test_imported_api_serves_lambda_proxy(apigw2: Any, make_function: Any, invoke: Any) -> None:
    arn = make_function("echo", ECHO)
    definition = {
        "openapi": "3.0.1",
        "info": {"title": "served"},
        "paths": {
            "/items/{id}": {
                "get": {
                    "responses": {"default": {"description": "ok"}},
                    "x-amazon-apigateway-integration": {
                        "type": "aws_proxy",
                        "httpMethod": "POST",
                        "uri": lambda_uri(arn),
                        "payloadFormatVersion": "2.0",
                    },
                }
            }
        },
    }
    api_id = apigw2.import_api(Body=json.dumps(definition))["ApiId"]
    apigw2.create_stage(ApiId=api_id, StageName="$default", AutoDeploy=True)
    reply = invoke("GET", api_id, "/items/42")
    assert reply.status == 200
    assert reply.json() == {"route": "GET /items/{id}", "path": "/items/42"}
