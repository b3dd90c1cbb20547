"""API Gateway REST API providers for authorizers, API keys, usage plans, models, validators, gateway
responses and the account settings, driven directly and checked through boto3 and invoke URLs."""

from __future__ import annotations

from typing import Any

import pytest

from cloudlet.protocol.errors import ServiceError
from tests.services.apigateway.conftest import InvokeClient
from tests.services.cloudformation.test_providers_apigateway import Stack


@pytest.fixture
def stack(cloudlet: Any) -> Stack:
    return Stack(cloudlet)


def _mock_api(stack: Stack, **method: Any) -> tuple[str, str]:
    """An API with `GET /` answering `{"ok": true}` (MOCK); (api id, root resource id)."""
    api = stack.create("Api", "AWS::ApiGateway::RestApi", {"Name": "keys"})
    root = api.attributes["RootResourceId"]
    stack.create(
        "Get",
        "AWS::ApiGateway::Method",
        {
            "RestApiId": api.physical_id,
            "ResourceId": root,
            "HttpMethod": "GET",
            "MethodResponses": [{"StatusCode": "200"}],
            "Integration": {
                "Type": "MOCK",
                "RequestTemplates": {"application/json": '{"statusCode": 200}'},
                "IntegrationResponses": [
                    {"StatusCode": "200", "ResponseTemplates": {"application/json": '{"ok": true}'}}
                ],
            },
            **method,
        },
    )
    return api.physical_id, root


def test_api_keys_and_usage_plans(stack: Stack, cloudlet: Any) -> None:
    apigw, invoke = cloudlet.client("apigateway"), InvokeClient(cloudlet.port)
    api_id, _ = _mock_api(stack, ApiKeyRequired="true")
    stack.create("Deployment", "AWS::ApiGateway::Deployment", {"RestApiId": api_id, "StageName": "prod"})
    key = stack.create(
        "Key",
        "AWS::ApiGateway::ApiKey",
        {"Enabled": True, "Value": "k" * 30, "StageKeys": [{"RestApiId": api_id, "StageName": "prod"}]},
    )
    assert key.attributes == {"APIKeyId": key.physical_id}
    doc = apigw.get_api_key(apiKey=key.physical_id, includeValue=True)
    assert doc["name"].startswith("apis-Key-") and doc["enabled"] is True and doc["value"] == "k" * 30
    assert doc["stageKeys"] == [f"{api_id}/prod"]
    plan = stack.create(
        "Plan",
        "AWS::ApiGateway::UsagePlan",
        {
            "UsagePlanName": "gold",
            "ApiStages": [{"ApiId": api_id, "Stage": "prod"}],
            "Throttle": {"BurstLimit": "10", "RateLimit": 5},
            "Quota": {"Limit": 100, "Period": "DAY"},
        },
    )
    assert plan.attributes == {"Id": plan.physical_id}
    doc = apigw.get_usage_plan(usagePlanId=plan.physical_id)
    assert (doc["name"], doc["throttle"], doc["quota"]["limit"]) == (
        "gold",
        {"burstLimit": 10, "rateLimit": 5.0},
        100,
    )
    plan_key = stack.create(
        "PlanKey",
        "AWS::ApiGateway::UsagePlanKey",
        {"KeyId": key.physical_id, "KeyType": "API_KEY", "UsagePlanId": plan.physical_id},
    )
    assert plan_key.physical_id == key.physical_id
    assert invoke("GET", api_id, "/prod/", headers={"x-api-key": "k" * 30}).json() == {"ok": True}
    assert invoke("GET", api_id, "/prod/").status == 403

    stack.update("Key", {"Enabled": False, "Value": "k" * 30, "Description": "off"})
    doc = apigw.get_api_key(apiKey=key.physical_id)
    assert (doc["enabled"], doc["description"], doc["stageKeys"]) == (False, "off", [])
    stack.update(
        "Plan",
        {"UsagePlanName": "silver", "Quota": {"Limit": 50, "Period": "WEEK"}, "Description": "d"},
    )
    doc = apigw.get_usage_plan(usagePlanId=plan.physical_id)
    assert (doc["name"], doc["description"], doc["quota"]["period"], doc["apiStages"]) == (
        "silver",
        "d",
        "WEEK",
        [],
    )
    assert "throttle" not in doc
    for logical_id in ("PlanKey", "Plan", "Key"):
        stack.delete(logical_id)
    assert apigw.get_usage_plans()["items"] == [] and apigw.get_api_keys()["items"] == []


def test_authorizer_model_validator_gateway_response_account(stack: Stack, cloudlet: Any) -> None:
    apigw, invoke = cloudlet.client("apigateway"), InvokeClient(cloudlet.port)
    api = stack.create("Api", "AWS::ApiGateway::RestApi", {"Name": "shapes"})
    api_id = api.physical_id
    fn = "arn:aws:lambda:us-east-1:000000000000:function:auth"
    uri = f"arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/{fn}/invocations"
    authorizer = stack.create(
        "Auth",
        "AWS::ApiGateway::Authorizer",
        {
            "RestApiId": api_id,
            "Name": "tokens",
            "Type": "TOKEN",
            "IdentitySource": "method.request.header.Authorization",
            "AuthorizerUri": uri,
            "AuthorizerResultTtlInSeconds": "60",
        },
    )
    assert (
        apigw.get_authorizer(restApiId=api_id, authorizerId=authorizer.physical_id)[
            "authorizerResultTtlInSeconds"
        ]
        == 60
    )
    stack.update(
        "Auth",
        {**stack.live["Auth"].properties, "Name": "renamed", "AuthorizerResultTtlInSeconds": 0},
    )
    doc = apigw.get_authorizer(restApiId=api_id, authorizerId=authorizer.physical_id)
    assert (doc["name"], doc["authorizerResultTtlInSeconds"]) == ("renamed", 0)

    model = stack.create(
        "PetModel",
        "AWS::ApiGateway::Model",
        {"RestApiId": api_id, "ContentType": "application/json", "Schema": {"type": "object"}},
    )
    assert model.physical_id.startswith("PetModel")
    stack.update(
        "PetModel",
        {
            "RestApiId": api_id,
            "ContentType": "application/json",
            "Schema": {"type": "array"},
            "Description": "x",
        },
    )
    doc = apigw.get_model(restApiId=api_id, modelName=model.physical_id)
    assert (doc["schema"], doc["description"]) == ('{"type": "array"}', "x")

    validator = stack.create(
        "Validator",
        "AWS::ApiGateway::RequestValidator",
        {"RestApiId": api_id, "Name": "params", "ValidateRequestParameters": True},
    )
    stack.update("Validator", {"RestApiId": api_id, "Name": "params", "ValidateRequestBody": "true"})
    doc = apigw.get_request_validator(restApiId=api_id, requestValidatorId=validator.physical_id)
    assert (doc["validateRequestBody"], doc["validateRequestParameters"]) == (True, False)

    response = stack.create(
        "NotFound",
        "AWS::ApiGateway::GatewayResponse",
        {
            "RestApiId": api_id,
            "ResponseType": "MISSING_AUTHENTICATION_TOKEN",
            "StatusCode": 404,
            "ResponseTemplates": {"application/json": '{"error": "no such path"}'},
        },
    )
    assert response.attributes == {"Id": response.physical_id}
    _ = stack.create(
        "Get",
        "AWS::ApiGateway::Method",
        {
            "RestApiId": api_id,
            "ResourceId": api.attributes["RootResourceId"],
            "HttpMethod": "GET",
            "RequestValidatorId": validator.physical_id,
            "Integration": {"Type": "MOCK", "RequestTemplates": {"application/json": '{"statusCode": 200}'}},
        },
    )
    stack.create("Deployment", "AWS::ApiGateway::Deployment", {"RestApiId": api_id, "StageName": "v1"})
    reply = invoke("GET", api_id, "/v1/nowhere")
    assert (reply.status, reply.json()) == (404, {"error": "no such path"})

    role = "arn:aws:iam::000000000000:role/apigw-logs"
    account = stack.create("Account", "AWS::ApiGateway::Account", {"CloudWatchRoleArn": role})
    assert account.attributes == {"Id": account.physical_id}
    assert apigw.get_account()["cloudwatchRoleArn"] == role

    stack.delete("NotFound")
    assert apigw.get_gateway_response(restApiId=api_id, responseType="MISSING_AUTHENTICATION_TOKEN")[
        "defaultResponse"
    ]
    for logical_id in ("Get", "Validator", "PetModel", "Auth", "Account"):
        stack.delete(logical_id)
    assert apigw.get_authorizers(restApiId=api_id)["items"] == []
    assert [m["name"] for m in apigw.get_models(restApiId=api_id)["items"]] == ["Error", "Empty"]


def test_failed_stage_settings_leave_nothing(stack: Stack, cloudlet: Any) -> None:
    apigw = cloudlet.client("apigateway")
    api_id, _ = _mock_api(stack)
    bad = {"StageName": "dev", "StageDescription": {"LoggingLevel": "LOUD"}}
    with pytest.raises(ServiceError) as failure:
        stack.create("Deployment", "AWS::ApiGateway::Deployment", {"RestApiId": api_id, **bad})
    assert failure.value.code == "BadRequestException"
    assert apigw.get_deployments(restApiId=api_id)["items"] == []
    assert apigw.get_stages(restApiId=api_id)["item"] == []
    deployment = stack.create("Good", "AWS::ApiGateway::Deployment", {"RestApiId": api_id})
    with pytest.raises(ServiceError):
        stack.create(
            "Stage",
            "AWS::ApiGateway::Stage",
            {
                "RestApiId": api_id,
                "StageName": "prod",
                "DeploymentId": deployment.physical_id,
                "MethodSettings": [{"ResourcePath": "/*", "HttpMethod": "*", "LoggingLevel": "LOUD"}],
            },
        )
    assert apigw.get_stages(restApiId=api_id)["item"] == []
