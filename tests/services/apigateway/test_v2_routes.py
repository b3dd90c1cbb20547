"""HTTP APIs control plane: routes, route responses, integrations, integration responses."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.services.apigateway.conftest import ACCOUNT, REGION, lambda_uri

FUNCTION_ARN = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:handler"


def code(excinfo: pytest.ExceptionInfo[ClientError]) -> str:
    return str(excinfo.value.response["Error"]["Code"])


def message(excinfo: pytest.ExceptionInfo[ClientError]) -> str:
    return str(excinfo.value.response["Error"]["Message"])


@pytest.fixture
def api_id(apigw2: Any) -> str:
    return str(apigw2.create_api(Name="api", ProtocolType="HTTP")["ApiId"])


def lambda_integration(apigw2: Any, api_id: str, **kwargs: Any) -> str:
    return str(
        apigw2.create_integration(
            ApiId=api_id, IntegrationType="AWS_PROXY", IntegrationUri=FUNCTION_ARN, **kwargs
        )["IntegrationId"]
    )


def test_route_round_trip(apigw2: Any, api_id: str) -> None:
    integration_id = lambda_integration(apigw2, api_id, PayloadFormatVersion="2.0")
    route = apigw2.create_route(
        ApiId=api_id, RouteKey="GET /items/{id}", Target=f"integrations/{integration_id}", OperationName="get"
    )
    assert route["ResponseMetadata"]["HTTPStatusCode"] == 201
    assert len(route["RouteId"]) == 7
    assert route["AuthorizationType"] == "NONE"
    assert route["ApiKeyRequired"] is False
    got = apigw2.get_route(ApiId=api_id, RouteId=route["RouteId"])
    assert got["RouteKey"] == "GET /items/{id}"
    assert got["Target"] == f"integrations/{integration_id}"
    assert got["OperationName"] == "get"

    updated = apigw2.update_route(ApiId=api_id, RouteId=route["RouteId"], RouteKey="ANY /items/{proxy+}")
    assert updated["RouteKey"] == "ANY /items/{proxy+}"
    assert updated["OperationName"] == "get"
    assert [r["RouteId"] for r in apigw2.get_routes(ApiId=api_id)["Items"]] == [route["RouteId"]]

    apigw2.delete_route(ApiId=api_id, RouteId=route["RouteId"])
    with pytest.raises(ClientError) as excinfo:
        apigw2.get_route(ApiId=api_id, RouteId=route["RouteId"])
    assert code(excinfo) == "NotFoundException"
    assert message(excinfo) == f"Invalid Route identifier specified {route['RouteId']}"


@pytest.mark.parametrize("key", ["$default", "GET /", "ANY /{proxy+}", "POST /a/{b}/c", "DELETE /a.b/c-d_e"])
def test_valid_route_keys(apigw2: Any, api_id: str, key: str) -> None:
    assert apigw2.create_route(ApiId=api_id, RouteKey=key)["RouteKey"] == key


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    key=st.sampled_from(
        [
            "GET",
            "GET items",
            "FETCH /items",
            "get /items",
            "GET /{proxy+}/more",
            "GET  /x",
            "GET /a//b",
            "/items",
        ]
    )
)
def test_invalid_route_keys(apigw2: Any, api_id: str, key: str) -> None:
    with pytest.raises(ClientError) as excinfo:
        apigw2.create_route(ApiId=api_id, RouteKey=key)
    assert code(excinfo) == "BadRequestException"


def test_duplicate_route_key_conflicts(apigw2: Any, api_id: str) -> None:
    apigw2.create_route(ApiId=api_id, RouteKey="GET /items")
    with pytest.raises(ClientError) as excinfo:
        apigw2.create_route(ApiId=api_id, RouteKey="GET /items")
    assert code(excinfo) == "ConflictException"
    other = apigw2.create_route(ApiId=api_id, RouteKey="POST /items")["RouteId"]
    with pytest.raises(ClientError) as excinfo:
        apigw2.update_route(ApiId=api_id, RouteId=other, RouteKey="GET /items")
    assert code(excinfo) == "ConflictException"


def test_route_target_must_exist(apigw2: Any, api_id: str) -> None:
    with pytest.raises(ClientError) as excinfo:
        apigw2.create_route(ApiId=api_id, RouteKey="GET /x", Target="integrations/abcdefg")
    assert code(excinfo) == "NotFoundException"
    with pytest.raises(ClientError) as excinfo:
        apigw2.create_route(ApiId=api_id, RouteKey="GET /x", Target="lambda")
    assert code(excinfo) == "BadRequestException"


def test_route_authorization(apigw2: Any, api_id: str) -> None:
    jwt = apigw2.create_authorizer(
        ApiId=api_id,
        AuthorizerType="JWT",
        Name="jwt",
        IdentitySource=["$request.header.Authorization"],
        JwtConfiguration={"Issuer": "https://issuer.example.com", "Audience": ["aud"]},
    )["AuthorizerId"]
    with pytest.raises(ClientError) as excinfo:
        apigw2.create_route(ApiId=api_id, RouteKey="GET /x", AuthorizationType="JWT")
    assert code(excinfo) == "BadRequestException"
    with pytest.raises(ClientError) as excinfo:
        apigw2.create_route(ApiId=api_id, RouteKey="GET /x", AuthorizationType="CUSTOM", AuthorizerId=jwt)
    assert code(excinfo) == "BadRequestException"
    route = apigw2.create_route(
        ApiId=api_id,
        RouteKey="GET /x",
        AuthorizationType="JWT",
        AuthorizerId=jwt,
        AuthorizationScopes=["read"],
    )
    assert route["AuthorizationScopes"] == ["read"]
    with pytest.raises(ClientError) as excinfo:
        apigw2.delete_authorizer(ApiId=api_id, AuthorizerId=jwt)
    assert code(excinfo) == "ConflictException"
    cleared = apigw2.update_route(ApiId=api_id, RouteId=route["RouteId"], AuthorizationType="NONE")
    assert "AuthorizerId" not in cleared and "AuthorizationScopes" not in cleared
    apigw2.delete_authorizer(ApiId=api_id, AuthorizerId=jwt)


def test_route_request_parameters_and_responses(apigw2: Any) -> None:
    api_id = apigw2.create_api(
        Name="ws", ProtocolType="WEBSOCKET", RouteSelectionExpression="$request.body.a"
    )["ApiId"]
    route_id = apigw2.create_route(
        ApiId=api_id,
        RouteKey="send",
        RequestParameters={"route.request.header.x": {"Required": True}},
    )["RouteId"]
    apigw2.delete_route_request_parameter(
        ApiId=api_id, RouteId=route_id, RequestParameterKey="route.request.header.x"
    )
    assert apigw2.get_route(ApiId=api_id, RouteId=route_id).get("RequestParameters", {}) == {}
    with pytest.raises(ClientError) as excinfo:
        apigw2.delete_route_request_parameter(ApiId=api_id, RouteId=route_id, RequestParameterKey="nope")
    assert code(excinfo) == "NotFoundException"

    response = apigw2.create_route_response(ApiId=api_id, RouteId=route_id, RouteResponseKey="$default")
    response_id = response["RouteResponseId"]
    with pytest.raises(ClientError) as excinfo:
        apigw2.create_route_response(ApiId=api_id, RouteId=route_id, RouteResponseKey="$default")
    assert code(excinfo) == "ConflictException"
    updated = apigw2.update_route_response(
        ApiId=api_id, RouteId=route_id, RouteResponseId=response_id, ModelSelectionExpression="$default"
    )
    assert updated["ModelSelectionExpression"] == "$default"
    assert [
        r["RouteResponseId"] for r in apigw2.get_route_responses(ApiId=api_id, RouteId=route_id)["Items"]
    ] == [response_id]
    apigw2.delete_route_response(ApiId=api_id, RouteId=route_id, RouteResponseId=response_id)
    with pytest.raises(ClientError) as excinfo:
        apigw2.get_route_response(ApiId=api_id, RouteId=route_id, RouteResponseId=response_id)
    assert code(excinfo) == "NotFoundException"


def test_integration_round_trip(apigw2: Any, api_id: str) -> None:
    created = apigw2.create_integration(
        ApiId=api_id,
        IntegrationType="AWS_PROXY",
        IntegrationUri=lambda_uri(FUNCTION_ARN),
        PayloadFormatVersion="2.0",
    )
    integration_id = created["IntegrationId"]
    assert len(integration_id) == 7
    assert created["TimeoutInMillis"] == 30000
    assert created["ConnectionType"] == "INTERNET"
    assert created["IntegrationMethod"] == "POST"
    updated = apigw2.update_integration(ApiId=api_id, IntegrationId=integration_id, TimeoutInMillis=5000)
    assert updated["TimeoutInMillis"] == 5000
    assert updated["PayloadFormatVersion"] == "2.0"
    assert apigw2.get_integration(ApiId=api_id, IntegrationId=integration_id)["TimeoutInMillis"] == 5000

    route_id = apigw2.create_route(ApiId=api_id, RouteKey="GET /", Target=f"integrations/{integration_id}")[
        "RouteId"
    ]
    with pytest.raises(ClientError) as excinfo:
        apigw2.delete_integration(ApiId=api_id, IntegrationId=integration_id)
    assert code(excinfo) == "ConflictException"
    assert route_id in message(excinfo)
    apigw2.delete_route(ApiId=api_id, RouteId=route_id)
    apigw2.delete_integration(ApiId=api_id, IntegrationId=integration_id)
    with pytest.raises(ClientError) as excinfo:
        apigw2.get_integration(ApiId=api_id, IntegrationId=integration_id)
    assert message(excinfo) == f"Invalid Integration identifier specified {integration_id}"


def test_payload_format_is_required_for_lambda_and_checked(apigw2: Any, api_id: str) -> None:
    proxy = apigw2.create_integration(
        ApiId=api_id,
        IntegrationType="HTTP_PROXY",
        IntegrationUri="https://example.com",
        IntegrationMethod="GET",
    )
    assert proxy["PayloadFormatVersion"] == "1.0"
    for kwargs in (
        {"IntegrationType": "AWS_PROXY", "IntegrationUri": FUNCTION_ARN},  # Lambda: the version is required
        {"IntegrationType": "AWS_PROXY", "IntegrationUri": FUNCTION_ARN, "PayloadFormatVersion": "3.0"},
        {"IntegrationType": "MOCK"},
        {"IntegrationType": "HTTP", "IntegrationUri": "https://example.com", "IntegrationMethod": "GET"},
        {"IntegrationType": "HTTP_PROXY", "IntegrationUri": "https://example.com"},
        {"IntegrationType": "HTTP_PROXY", "IntegrationUri": "not a url", "IntegrationMethod": "GET"},
        {
            "IntegrationType": "HTTP_PROXY",
            "IntegrationUri": "https://example.com",
            "IntegrationMethod": "GET",
            "PayloadFormatVersion": "2.0",
        },
        {"IntegrationType": "AWS_PROXY", "IntegrationUri": "https://example.com"},
    ):
        with pytest.raises(ClientError) as excinfo:
            apigw2.create_integration(ApiId=api_id, **kwargs)
        assert code(excinfo) == "BadRequestException", kwargs
    with pytest.raises(ClientError) as excinfo:
        apigw2.create_integration(
            ApiId=api_id, IntegrationType="AWS_PROXY", IntegrationUri=FUNCTION_ARN, TimeoutInMillis=40000
        )
    assert code(excinfo) == "BadRequestException"


def test_http_proxy_integration(apigw2: Any, api_id: str) -> None:
    created = apigw2.create_integration(
        ApiId=api_id,
        IntegrationType="HTTP_PROXY",
        IntegrationUri="https://example.com/{proxy}",
        IntegrationMethod="ANY",
        RequestParameters={"append:header.x-stage": "$context.stage", "overwrite:path": "/items"},
    )
    assert created["PayloadFormatVersion"] == "1.0"
    assert created["RequestParameters"]["overwrite:path"] == "/items"
    with pytest.raises(ClientError) as excinfo:
        apigw2.update_integration(
            ApiId=api_id, IntegrationId=created["IntegrationId"], RequestParameters={"bad.key": "x"}
        )
    assert code(excinfo) == "BadRequestException"


def test_service_integration_subtypes(apigw2: Any, api_id: str) -> None:
    created = apigw2.create_integration(
        ApiId=api_id,
        IntegrationType="AWS_PROXY",
        IntegrationSubtype="SQS-SendMessage",
        PayloadFormatVersion="1.0",
        CredentialsArn=f"arn:aws:iam::{ACCOUNT}:role/r",
        RequestParameters={"QueueUrl": "$request.header.queue", "MessageBody": "$request.body"},
    )
    assert created["IntegrationSubtype"] == "SQS-SendMessage"
    assert "IntegrationMethod" not in created
    with pytest.raises(ClientError) as excinfo:
        apigw2.create_integration(
            ApiId=api_id,
            IntegrationType="AWS_PROXY",
            IntegrationSubtype="SQS-SendMessage",
            PayloadFormatVersion="1.0",
            RequestParameters={"QueueUrl": "q"},
        )
    assert code(excinfo) == "BadRequestException"
    assert "MessageBody" in message(excinfo)
    with pytest.raises(ClientError) as excinfo:
        apigw2.create_integration(
            ApiId=api_id,
            IntegrationType="AWS_PROXY",
            IntegrationSubtype="S3-PutObject",
            PayloadFormatVersion="1.0",
            RequestParameters={},
        )
    assert code(excinfo) == "BadRequestException"


def test_integration_responses_only_for_websocket(apigw2: Any, api_id: str) -> None:
    integration_id = lambda_integration(apigw2, api_id, PayloadFormatVersion="2.0")
    with pytest.raises(ClientError) as excinfo:
        apigw2.create_integration_response(
            ApiId=api_id, IntegrationId=integration_id, IntegrationResponseKey="$default"
        )
    assert code(excinfo) == "BadRequestException"

    ws = apigw2.create_api(Name="ws", ProtocolType="WEBSOCKET", RouteSelectionExpression="$request.body.a")[
        "ApiId"
    ]
    ws_integration = apigw2.create_integration(ApiId=ws, IntegrationType="MOCK")["IntegrationId"]
    response = apigw2.create_integration_response(
        ApiId=ws,
        IntegrationId=ws_integration,
        IntegrationResponseKey="$default",
        TemplateSelectionExpression="\\$",
    )
    response_id = response["IntegrationResponseId"]
    updated = apigw2.update_integration_response(
        ApiId=ws,
        IntegrationId=ws_integration,
        IntegrationResponseId=response_id,
        ResponseTemplates={"$": "{}"},
    )
    assert updated["ResponseTemplates"] == {"$": "{}"}
    assert len(apigw2.get_integration_responses(ApiId=ws, IntegrationId=ws_integration)["Items"]) == 1
    apigw2.delete_integration_response(
        ApiId=ws, IntegrationId=ws_integration, IntegrationResponseId=response_id
    )
    with pytest.raises(ClientError) as excinfo:
        apigw2.get_integration_response(
            ApiId=ws, IntegrationId=ws_integration, IntegrationResponseId=response_id
        )
    assert code(excinfo) == "NotFoundException"
