"""API Gateway HTTP API (v2) resource providers, driven directly and checked through boto3 and real
HTTP requests to invoke URLs."""

from __future__ import annotations

from typing import Any

import pytest

from tests.services.apigateway.conftest import InvokeClient
from tests.services.cloudformation.test_providers_apigateway import Stack
from tests.services.lambda_.conftest import ROLE, package

HANDLER = """
def handler(event, context):
    return {"statusCode": 200, "body": event["rawPath"] + " " + event["routeKey"]}
"""


@pytest.fixture
def stack(cloudlet: Any) -> Stack:
    return Stack(cloudlet)


@pytest.fixture
def function_arn(cloudlet: Any) -> str:
    arn: str = cloudlet.client("lambda").create_function(
        FunctionName="fn",
        Runtime="python3.11",
        Role=ROLE,
        Handler="app.handler",
        Code={"ZipFile": package({"app.py": HANDLER})},
    )["FunctionArn"]
    return arn


def _uri(arn: str) -> str:
    return f"arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/{arn}/invocations"


def test_http_api_from_openapi_body_with_default_stage(
    stack: Stack, cloudlet: Any, function_arn: str
) -> None:
    """What SAM generates for `AWS::Serverless::HttpApi` / `HttpApi` events."""
    apigw2, invoke = cloudlet.client("apigatewayv2"), InvokeClient(cloudlet.port)

    def body(path: str) -> dict[str, Any]:
        integration = {
            "httpMethod": "POST",
            "type": "aws_proxy",
            "uri": _uri(function_arn),
            "payloadFormatVersion": "2.0",
        }
        return {
            "openapi": "3.0.1",
            "info": {"version": "1.0", "title": "apis"},
            "paths": {path: {"get": {"x-amazon-apigateway-integration": integration, "responses": {}}}},
            "tags": [{"name": "httpapi:createdBy", "x-amazon-apigateway-tag-value": "SAM"}],
        }

    api = stack.create("ServerlessHttpApi", "AWS::ApiGatewayV2::Api", {"Body": body("/hello")})
    api_id = api.physical_id
    assert api.attributes["ApiId"] == api_id
    assert api.attributes["ApiEndpoint"] == apigw2.get_api(ApiId=api_id)["ApiEndpoint"]
    stage = stack.create(
        "ServerlessHttpApiApiGatewayDefaultStage",
        "AWS::ApiGatewayV2::Stage",
        {"ApiId": api_id, "StageName": "$default", "Tags": {"httpapi:createdBy": "SAM"}, "AutoDeploy": True},
    )
    assert stage.physical_id == "$default"
    reply = invoke("GET", api_id, "/hello")
    assert (reply.status, reply.body) == (200, b"/hello GET /hello")

    stack.update("ServerlessHttpApi", {"Body": body("/bye"), "Description": "second"})
    assert apigw2.get_api(ApiId=api_id)["Description"] == "second"
    assert invoke("GET", api_id, "/bye").body == b"/bye GET /bye"
    assert invoke("GET", api_id, "/hello").status == 404
    stack.delete("ServerlessHttpApiApiGatewayDefaultStage")
    stack.delete("ServerlessHttpApi")
    assert apigw2.get_apis()["Items"] == []


def test_http_api_quick_create(stack: Stack, cloudlet: Any, function_arn: str) -> None:
    apigw2, invoke = cloudlet.client("apigatewayv2"), InvokeClient(cloudlet.port)
    api = stack.create(
        "Quick",
        "AWS::ApiGatewayV2::Api",
        {"Name": "quick", "ProtocolType": "HTTP", "Target": function_arn, "Tags": {"a": "1"}},
    )
    assert invoke("GET", api.physical_id, "/any/path").body == b"/any/path $default"
    assert apigw2.get_api(ApiId=api.physical_id)["Tags"] == {"a": "1"}
    stack.update(
        "Quick", {"Name": "quick", "ProtocolType": "HTTP", "Target": function_arn, "RouteKey": "GET /x"}
    )
    doc = apigw2.get_api(ApiId=api.physical_id)
    assert doc.get("Tags") in (None, {})
    assert [r["RouteKey"] for r in apigw2.get_routes(ApiId=api.physical_id)["Items"]] == ["GET /x"]


def test_http_api_from_resources(stack: Stack, cloudlet: Any, function_arn: str) -> None:
    apigw2, invoke = cloudlet.client("apigatewayv2"), InvokeClient(cloudlet.port)
    api = stack.create(
        "Api",
        "AWS::ApiGatewayV2::Api",
        {
            "Name": "items",
            "ProtocolType": "HTTP",
            "CorsConfiguration": {"AllowOrigins": ["https://example.com"], "MaxAge": "60"},
        },
    )
    api_id = api.physical_id
    assert apigw2.get_api(ApiId=api_id)["CorsConfiguration"]["MaxAge"] == 60
    integration = stack.create(
        "Integration",
        "AWS::ApiGatewayV2::Integration",
        {
            "ApiId": api_id,
            "IntegrationType": "AWS_PROXY",
            "IntegrationUri": function_arn,
            "PayloadFormatVersion": "2.0",
            "TimeoutInMillis": "10000",
        },
    )
    assert integration.attributes == {"IntegrationId": integration.physical_id}
    authorizer = stack.create(
        "Jwt",
        "AWS::ApiGatewayV2::Authorizer",
        {
            "ApiId": api_id,
            "AuthorizerType": "JWT",
            "Name": "jwt",
            "IdentitySource": ["$request.header.Authorization"],
            "JwtConfiguration": {"Audience": ["me"], "Issuer": "https://issuer.example.com"},
        },
    )
    route = stack.create(
        "Route",
        "AWS::ApiGatewayV2::Route",
        {"ApiId": api_id, "RouteKey": "GET /items/{id}", "Target": f"integrations/{integration.physical_id}"},
    )
    assert route.attributes == {"RouteId": route.physical_id}
    deployment = stack.create(
        "Deployment", "AWS::ApiGatewayV2::Deployment", {"ApiId": api_id, "Description": "one"}
    )
    stack.create(
        "Stage",
        "AWS::ApiGatewayV2::Stage",
        {
            "ApiId": api_id,
            "StageName": "prod",
            "DeploymentId": deployment.physical_id,
            "StageVariables": {"a": "1", "b": "2"},
            "DefaultRouteSettings": {"ThrottlingBurstLimit": "50", "ThrottlingRateLimit": 10},
        },
    )
    reply = invoke("GET", api_id, "/prod/items/7")
    assert (reply.status, reply.body) == (200, b"/prod/items/7 GET /items/{id}")

    # in-place updates: the route now wants the JWT authorizer; the stage drops a variable
    stack.update(
        "Route",
        {
            "ApiId": api_id,
            "RouteKey": "GET /items/{id}",
            "Target": f"integrations/{integration.physical_id}",
            "AuthorizationType": "JWT",
            "AuthorizerId": authorizer.physical_id,
        },
    )
    assert apigw2.get_route(ApiId=api_id, RouteId=route.physical_id)["AuthorizationType"] == "JWT"
    stack.update("Deployment", {"ApiId": api_id, "Description": "two", "StageName": "prod"})
    stack.update(
        "Stage",
        {
            "ApiId": api_id,
            "StageName": "prod",
            "DeploymentId": deployment.physical_id,
            "StageVariables": {"a": "1"},
        },
    )
    doc = apigw2.get_stage(ApiId=api_id, StageName="prod")
    assert doc["StageVariables"] == {"a": "1"}
    assert apigw2.get_deployment(ApiId=api_id, DeploymentId=deployment.physical_id)["Description"] == "two"
    stack.update("Api", {"Name": "items2", "ProtocolType": "HTTP"})
    assert "CorsConfiguration" not in apigw2.get_api(ApiId=api_id)
    assert apigw2.get_api(ApiId=api_id)["Name"] == "items2"

    # deletes in the engine's order (dependents first), each twice
    for logical_id in ("Stage", "Deployment", "Route", "Jwt", "Integration", "Api"):
        stack.delete(logical_id)
    assert apigw2.get_apis()["Items"] == []
