"""REST API OpenAPI import (ImportRestApi, PutRestApi merge/overwrite) and export (GetExport)."""

from __future__ import annotations

import json
from typing import Any

import pytest
import yaml
from botocore.exceptions import ClientError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.services.apigateway.conftest import lambda_uri

FN_ARN = "arn:aws:lambda:us-east-1:000000000000:function:pets"
AUTH_ARN = "arn:aws:lambda:us-east-1:000000000000:function:auth"

PETSTORE = f"""
openapi: "3.0.1"
info:
  title: PetStore
  description: Pets, imported
  version: "2026-01-01"
servers:
  - url: https://example.com/{{basePath}}
    variables:
      basePath:
        default: v1
x-amazon-apigateway-binary-media-types: ["image/png"]
x-amazon-apigateway-api-key-source: HEADER
x-amazon-apigateway-request-validators:
  all:
    validateRequestBody: true
    validateRequestParameters: true
  params-only:
    validateRequestBody: false
    validateRequestParameters: true
x-amazon-apigateway-request-validator: params-only
x-amazon-apigateway-gateway-responses:
  DEFAULT_4XX:
    responseParameters:
      gatewayresponse.header.Access-Control-Allow-Origin: "'*'"
    responseTemplates:
      application/json: '{{"message": $context.error.messageString}}'
paths:
  /pets:
    get:
      operationId: ListPets
      parameters:
        - name: type
          in: query
          required: true
          schema: {{type: string}}
        - name: page
          in: query
          schema: {{type: string}}
      responses:
        "200":
          description: ok
          headers:
            Access-Control-Allow-Origin:
              schema: {{type: string}}
          content:
            application/json:
              schema: {{$ref: "#/components/schemas/Pets"}}
      security:
        - api_key: []
      x-amazon-apigateway-integration:
        type: http
        httpMethod: GET
        uri: http://petstore.example.com/petstore/pets
        requestParameters:
          integration.request.querystring.type: method.request.querystring.type
        passthroughBehavior: when_no_match
        responses:
          default:
            statusCode: "200"
            responseParameters:
              method.response.header.Access-Control-Allow-Origin: "'*'"
    post:
      operationId: CreatePet
      x-amazon-apigateway-request-validator: all
      requestBody:
        required: true
        content:
          application/json:
            schema: {{$ref: "#/components/schemas/NewPet"}}
      responses:
        "200":
          description: created
      security:
        - lambda-auth: []
      x-amazon-apigateway-integration:
        type: aws_proxy
        httpMethod: POST
        uri: {lambda_uri(FN_ARN)}
        timeoutInMillis: 10000
  /pets/{{petId}}:
    get:
      parameters:
        - name: petId
          in: path
          required: true
          schema: {{type: string}}
      responses:
        "200":
          description: ok
        "404":
          description: missing
      x-amazon-apigateway-integration:
        type: mock
        requestTemplates:
          application/json: '{{"statusCode": 200}}'
        responses:
          "4\\\\d{{2}}":
            statusCode: "404"
          default:
            statusCode: "200"
            responseTemplates:
              application/json: '{{"id": 1}}'
  /{{proxy+}}:
    x-amazon-apigateway-any-method:
      responses: {{}}
      security:
        - sigv4: []
      x-amazon-apigateway-integration:
        type: http_proxy
        httpMethod: ANY
        uri: http://backend.example.com/{{proxy}}
        requestParameters:
          integration.request.path.proxy: method.request.path.proxy
components:
  schemas:
    Pet:
      type: object
      properties:
        id: {{type: integer}}
        type: {{type: string}}
    Pets:
      type: array
      items: {{$ref: "#/components/schemas/Pet"}}
    NewPet:
      type: object
      required: [type]
      properties:
        type: {{type: string}}
  securitySchemes:
    api_key:
      type: apiKey
      name: x-api-key
      in: header
    sigv4:
      type: apiKey
      name: Authorization
      in: header
      x-amazon-apigateway-authtype: awsSigv4
    lambda-auth:
      type: apiKey
      name: Authorization
      in: header
      x-amazon-apigateway-authtype: custom
      x-amazon-apigateway-authorizer:
        type: token
        authorizerUri: {lambda_uri(AUTH_ARN)}
        authorizerResultTtlInSeconds: 60
        identityValidationExpression: "^Bearer .+$"
"""

SWAGGER = {
    "swagger": "2.0",
    "info": {"title": "Swagger Pets", "version": "1.0"},
    "basePath": "/api/v2",
    "consumes": ["application/json"],
    "produces": ["application/json"],
    "paths": {
        "/items": {
            "post": {
                "parameters": [
                    {
                        "name": "body",
                        "in": "body",
                        "required": True,
                        "schema": {"$ref": "#/definitions/Item"},
                    },
                    {"name": "X-Trace", "in": "header", "required": False, "type": "string"},
                ],
                "responses": {"201": {"description": "made", "schema": {"$ref": "#/definitions/Item"}}},
                "x-amazon-apigateway-integration": {
                    "type": "mock",
                    "requestTemplates": {"application/json": '{"statusCode": 201}'},
                    "responses": {"default": {"statusCode": "201"}},
                },
            }
        }
    },
    "definitions": {"Item": {"type": "object", "properties": {"name": {"type": "string"}}}},
    "securityDefinitions": {
        "pool": {
            "type": "apiKey",
            "name": "Authorization",
            "in": "header",
            "x-amazon-apigateway-authtype": "cognito_user_pools",
            "x-amazon-apigateway-authorizer": {
                "type": "cognito_user_pools",
                "providerARNs": ["arn:aws:cognito-idp:us-east-1:000000000000:userpool/us-east-1_abc"],
            },
        }
    },
}


def by_path(apigw: Any, api_id: str) -> dict[str, dict[str, Any]]:
    items = apigw.get_resources(restApiId=api_id, embed=["methods"], limit=500)["items"]
    return {item["path"]: item for item in items}


def error_of(call: Any) -> tuple[str, str]:
    with pytest.raises(ClientError) as caught:
        call()
    return caught.value.response["Error"]["Code"], caught.value.response["Error"]["Message"]


def test_import_openapi3_yaml_builds_the_api(apigw: Any) -> None:
    api = apigw.import_rest_api(body=PETSTORE.encode())
    api_id = api["id"]
    assert api["name"] == "PetStore"
    assert api["description"] == "Pets, imported"
    assert api["version"] == "2026-01-01"
    assert api["binaryMediaTypes"] == ["image/png"]
    assert api["apiKeySource"] == "HEADER"
    assert api["endpointConfiguration"]["types"] == ["EDGE"]
    assert "warnings" not in api
    assert apigw.get_rest_api(restApiId=api_id)["name"] == "PetStore"

    resources = by_path(apigw, api_id)
    assert sorted(resources) == ["/", "/pets", "/pets/{petId}", "/{proxy+}"]
    root = resources["/"]
    assert api["rootResourceId"] == root["id"] and "parentId" not in root
    assert resources["/pets/{petId}"]["parentId"] == resources["/pets"]["id"]
    assert resources["/pets/{petId}"]["pathPart"] == "{petId}"
    assert sorted(resources["/pets"]["resourceMethods"]) == ["GET", "POST"]

    validators = {v["name"]: v for v in apigw.get_request_validators(restApiId=api_id)["items"]}
    assert validators["all"]["validateRequestBody"] is True
    assert validators["params-only"]["validateRequestBody"] is False

    get_pets = apigw.get_method(restApiId=api_id, resourceId=resources["/pets"]["id"], httpMethod="GET")
    assert get_pets["operationName"] == "ListPets"
    assert get_pets["apiKeyRequired"] is True
    assert get_pets["authorizationType"] == "NONE"
    assert get_pets["requestValidatorId"] == validators["params-only"]["id"]
    assert get_pets["requestParameters"] == {
        "method.request.querystring.type": True,
        "method.request.querystring.page": False,
    }
    assert get_pets["methodResponses"]["200"]["responseModels"] == {"application/json": "Pets"}
    assert get_pets["methodResponses"]["200"]["responseParameters"] == {
        "method.response.header.Access-Control-Allow-Origin": False
    }
    integration = apigw.get_integration(
        restApiId=api_id, resourceId=resources["/pets"]["id"], httpMethod="GET"
    )
    assert integration["type"] == "HTTP"
    assert integration["httpMethod"] == "GET"
    assert integration["uri"] == "http://petstore.example.com/petstore/pets"
    assert integration["passthroughBehavior"] == "WHEN_NO_MATCH"
    assert integration["requestParameters"] == {
        "integration.request.querystring.type": "method.request.querystring.type"
    }
    response = integration["integrationResponses"]["200"]
    assert "selectionPattern" not in response
    assert response["responseParameters"] == {"method.response.header.Access-Control-Allow-Origin": "'*'"}

    authorizers = apigw.get_authorizers(restApiId=api_id)["items"]
    assert len(authorizers) == 1
    auth = authorizers[0]
    assert auth["name"] == "lambda-auth" and auth["type"] == "TOKEN"
    assert auth["authorizerUri"] == lambda_uri(AUTH_ARN)
    assert auth["identitySource"] == "method.request.header.Authorization"
    assert auth["authorizerResultTtlInSeconds"] == 60
    assert auth["identityValidationExpression"] == "^Bearer .+$"
    post = apigw.get_method(restApiId=api_id, resourceId=resources["/pets"]["id"], httpMethod="POST")
    assert post["authorizationType"] == "CUSTOM" and post["authorizerId"] == auth["id"]
    assert post["requestModels"] == {"application/json": "NewPet"}
    assert post["requestValidatorId"] == validators["all"]["id"]
    assert post["methodIntegration"]["type"] == "AWS_PROXY"
    assert post["methodIntegration"]["timeoutInMillis"] == 10000

    mock = apigw.get_integration(
        restApiId=api_id, resourceId=resources["/pets/{petId}"]["id"], httpMethod="GET"
    )
    assert mock["type"] == "MOCK"
    assert mock["integrationResponses"]["404"]["selectionPattern"] == "4\\d{2}"
    assert mock["integrationResponses"]["200"]["responseTemplates"] == {"application/json": '{"id": 1}'}
    get_pet = resources["/pets/{petId}"]["resourceMethods"]["GET"]
    assert get_pet["requestParameters"] == {"method.request.path.petId": True}
    assert sorted(get_pet["methodResponses"]) == ["200", "404"]

    proxy = resources["/{proxy+}"]["resourceMethods"]["ANY"]
    assert proxy["authorizationType"] == "AWS_IAM"
    assert proxy["methodIntegration"]["type"] == "HTTP_PROXY"

    models = {m["name"]: m for m in apigw.get_models(restApiId=api_id)["items"]}
    assert {"Pet", "Pets", "NewPet"} <= set(models)
    pets_schema = json.loads(models["Pets"]["schema"])
    assert pets_schema["items"]["$ref"] == f"https://apigateway.amazonaws.com/restapis/{api_id}/models/Pet"

    gateway = apigw.get_gateway_response(restApiId=api_id, responseType="DEFAULT_4XX")
    assert gateway["responseParameters"] == {"gatewayresponse.header.Access-Control-Allow-Origin": "'*'"}


def test_import_swagger2_json(apigw: Any) -> None:
    api = apigw.import_rest_api(
        body=json.dumps(SWAGGER).encode(), parameters={"endpointConfigurationTypes": "REGIONAL"}
    )
    api_id = api["id"]
    assert api["endpointConfiguration"]["types"] == ["REGIONAL"]
    resources = by_path(apigw, api_id)
    assert sorted(resources) == ["/", "/items"]
    post = resources["/items"]["resourceMethods"]["POST"]
    assert post["requestModels"] == {"application/json": "Item"}
    assert post["requestParameters"] == {"method.request.header.X-Trace": False}
    assert post["methodResponses"]["201"]["responseModels"] == {"application/json": "Item"}
    authorizer = apigw.get_authorizers(restApiId=api_id)["items"][0]
    assert authorizer["type"] == "COGNITO_USER_POOLS"
    assert authorizer["providerARNs"] == ["arn:aws:cognito-idp:us-east-1:000000000000:userpool/us-east-1_abc"]


@pytest.mark.parametrize(
    ("mode", "expected"),
    [
        ("ignore", ["/", "/items"]),
        ("prepend", ["/", "/api", "/api/v2", "/api/v2/items"]),
        ("split", ["/", "/v2", "/v2/items"]),
    ],
)
def test_import_basepath_modes(apigw: Any, mode: str, expected: list[str]) -> None:
    api = apigw.import_rest_api(body=json.dumps(SWAGGER).encode(), parameters={"basepath": mode})
    assert sorted(by_path(apigw, api["id"])) == expected


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"not: [valid",
        b"[1, 2]",
        b'{"info": {"title": "x"}, "paths": {}}',
        b'{"openapi": "3.0.1", "paths": {}}',
        json.dumps(
            {
                "openapi": "3.0.1",
                "info": {"title": "x"},
                "paths": {
                    "/a": {"get": {"responses": {}, "x-amazon-apigateway-integration": {"type": "nope"}}}
                },
            }
        ).encode(),
        json.dumps({"openapi": "3.0.1", "info": {"title": "x"}, "paths": {"/a b": {}}}).encode(),
        json.dumps(
            {"openapi": "3.0.1", "info": {"title": "x"}, "paths": {"/a/{x}": {}, "/a/{y}": {}}}
        ).encode(),
        json.dumps({"openapi": "3.0.1", "info": {"title": "x"}, "paths": {"/{p+}/a": {}}}).encode(),
        json.dumps(
            {
                "openapi": "3.0.1",
                "info": {"title": "x"},
                "paths": {
                    "/a": {"post": {"responses": {}, "x-amazon-apigateway-integration": {"type": "http"}}}
                },
            }
        ).encode(),
    ],
)
def test_import_rejects_bad_definitions(apigw: Any, body: bytes) -> None:
    code, _ = error_of(lambda: apigw.import_rest_api(body=body))
    assert code == "BadRequestException"
    assert apigw.get_rest_apis()["items"] == []


def test_warnings_and_fail_on_warnings(apigw: Any) -> None:
    body = json.dumps(
        {"openapi": "3.0.1", "info": {"title": "w"}, "paths": {"/a": {"get": {"operationId": "a"}}}}
    ).encode()
    code, message = error_of(lambda: apigw.import_rest_api(body=body, failOnWarnings=True))
    assert code == "BadRequestException" and message.startswith("Warnings found during import")
    api = apigw.import_rest_api(body=body)
    assert api["warnings"] and "responses" in api["warnings"][0]


def test_put_rest_api_merge_and_overwrite(apigw: Any) -> None:
    api = apigw.import_rest_api(body=PETSTORE.encode())
    api_id = api["id"]
    extra = {
        "openapi": "3.0.1",
        "info": {"title": "PetStore v2"},
        "paths": {
            "/pets": {"delete": {"responses": {"204": {"description": "gone"}}}},
            "/owners": {"get": {"responses": {}}},
        },
    }
    merged = apigw.put_rest_api(restApiId=api_id, mode="merge", body=json.dumps(extra).encode())
    assert merged["name"] == "PetStore v2"
    assert merged["rootResourceId"] == api["rootResourceId"]
    resources = by_path(apigw, api_id)
    assert sorted(resources) == ["/", "/owners", "/pets", "/pets/{petId}", "/{proxy+}"]
    assert sorted(resources["/pets"]["resourceMethods"]) == ["DELETE", "GET", "POST"]
    assert len(apigw.get_authorizers(restApiId=api_id)["items"]) == 1

    apigw.put_rest_api(restApiId=api_id, mode="overwrite", body=json.dumps(extra).encode())
    resources = by_path(apigw, api_id)
    assert sorted(resources) == ["/", "/owners", "/pets"]
    assert resources["/"]["id"] == api["rootResourceId"]
    assert sorted(resources["/pets"]["resourceMethods"]) == ["DELETE"]
    assert apigw.get_authorizers(restApiId=api_id)["items"] == []
    assert apigw.get_request_validators(restApiId=api_id)["items"] == []
    assert apigw.get_rest_api(restApiId=api_id).get("binaryMediaTypes") is None

    code, message = error_of(
        lambda: apigw.put_rest_api(restApiId="nope123456", body=json.dumps(extra).encode())
    )
    assert code == "NotFoundException"
    assert message == "Invalid API identifier specified 000000000000:nope123456"


def _methods_view(apigw: Any, api_id: str) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for path, resource in by_path(apigw, api_id).items():
        for verb, method in (resource.get("resourceMethods") or {}).items():
            integration = dict(method.get("methodIntegration") or {})
            integration.pop("cacheNamespace", None)
            out[f"{verb} {path}"] = {
                "authorizationType": method["authorizationType"],
                "apiKeyRequired": method["apiKeyRequired"],
                "requestParameters": method.get("requestParameters"),
                "requestModels": method.get("requestModels"),
                "methodResponses": method.get("methodResponses"),
                "integration": integration,
            }
    return out


@pytest.mark.parametrize(
    ("export_type", "accepts"), [("oas30", "application/yaml"), ("swagger", "application/json")]
)
def test_export_round_trip(apigw: Any, export_type: str, accepts: str) -> None:
    api_id = apigw.import_rest_api(body=PETSTORE.encode())["id"]
    apigw.create_deployment(restApiId=api_id, stageName="prod")
    exported = apigw.get_export(
        restApiId=api_id,
        stageName="prod",
        exportType=export_type,
        accepts=accepts,
        parameters={"extensions": "apigateway"},
    )
    assert exported["contentType"] == accepts
    assert "attachment" in exported["contentDisposition"]
    text = exported["body"].read()
    definition = yaml.safe_load(text) if accepts == "application/yaml" else json.loads(text)
    if export_type == "oas30":
        assert definition["openapi"].startswith("3.0")
        assert definition["servers"][0]["variables"]["basePath"]["default"] == "prod"
        assert f"{api_id}.execute-api" in definition["servers"][0]["url"]
        assert "lambda-auth" in definition["components"]["securitySchemes"]
    else:
        assert definition["swagger"] == "2.0"
        assert definition["basePath"] == "/prod"
        assert definition["host"].startswith(f"{api_id}.execute-api.")
    assert definition["info"]["title"] == "PetStore"
    assert "x-amazon-apigateway-any-method" in definition["paths"]["/{proxy+}"]
    get_pets = definition["paths"]["/pets"]["get"]
    assert get_pets["x-amazon-apigateway-integration"]["type"] == "http"
    assert get_pets["security"] == [{"api_key": []}]

    copy_id = apigw.import_rest_api(body=text)["id"]
    assert _methods_view(apigw, copy_id) == _methods_view(apigw, api_id)
    assert {v["name"] for v in apigw.get_request_validators(restApiId=copy_id)["items"]} == {
        "all",
        "params-only",
    }
    copy_auth = apigw.get_authorizers(restApiId=copy_id)["items"][0]
    assert copy_auth["authorizerUri"] == lambda_uri(AUTH_ARN)


def test_export_without_extensions_and_errors(apigw: Any) -> None:
    api_id = apigw.import_rest_api(body=PETSTORE.encode())["id"]
    apigw.create_deployment(restApiId=api_id, stageName="dev")
    plain = json.loads(apigw.get_export(restApiId=api_id, stageName="dev", exportType="oas30")["body"].read())
    assert "x-amazon-apigateway-integration" not in plain["paths"]["/pets"]["get"]
    assert "x-amazon-apigateway-authorizer" not in plain["components"]["securitySchemes"]["lambda-auth"]
    assert plain["components"]["schemas"]["Pets"]["items"] == {"$ref": "#/components/schemas/Pet"}
    code, _ = error_of(lambda: apigw.get_export(restApiId=api_id, stageName="nope", exportType="oas30"))
    assert code == "NotFoundException"
    code, _ = error_of(lambda: apigw.get_export(restApiId="missing123", stageName="dev", exportType="oas30"))
    assert code == "NotFoundException"
    code, _ = error_of(lambda: apigw.get_export(restApiId=api_id, stageName="dev", exportType="raml"))
    assert code == "BadRequestException"


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    parts=st.lists(
        st.from_regex(r"[a-z][a-z0-9_-]{0,8}", fullmatch=True), min_size=1, max_size=4, unique=True
    )
)
def test_import_any_path_makes_every_ancestor(apigw: Any, parts: list[str]) -> None:
    path = "/" + "/".join(parts)
    body = {"openapi": "3.0.1", "info": {"title": "t"}, "paths": {path: {"get": {"responses": {}}}}}
    api_id = apigw.import_rest_api(body=json.dumps(body).encode())["id"]
    resources = by_path(apigw, api_id)
    expected = {"/"} | {"/" + "/".join(parts[: i + 1]) for i in range(len(parts))}
    assert set(resources) == expected
    for resource in resources.values():
        if resource["path"] != "/":
            parent = next(r for r in resources.values() if r["id"] == resource["parentId"])
            assert resource["path"] == (parent["path"].rstrip("/") + "/" + resource["pathPart"])
    apigw.delete_rest_api(restApiId=api_id)


def test_imported_mock_api_serves_requests(apigw: Any, invoke: Any) -> None:
    api_id = apigw.import_rest_api(body=PETSTORE.encode())["id"]
    apigw.create_deployment(restApiId=api_id, stageName="prod")
    reply = invoke("GET", api_id, "/prod/pets/7")
    assert reply.status == 200
    assert reply.json() == {"id": 1}
