"""Authorizers (v1 control plane): create/get/update/delete, validation, TestInvokeAuthorizer."""

from __future__ import annotations

import json
from typing import Any

import pytest
from botocore.exceptions import ClientError
from hypothesis import given
from hypothesis import strategies as st

from tests.services.apigateway.conftest import ACCOUNT, REGION, lambda_uri

FUNCTION_ARN = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:auth"

AUTHORIZER = """
def handler(event, context):
    if event["type"] == "TOKEN":
        token = event["authorizationToken"]
    else:
        token = event["headers"].get("auth", "")
    if token == "bad":
        raise Exception("Unauthorized")
    effect = "Deny" if token == "deny" else "Allow"
    return {
        "principalId": "user-" + token,
        "policyDocument": {
            "Version": "2012-10-17",
            "Statement": [{"Action": "execute-api:Invoke", "Effect": effect, "Resource": event["methodArn"]}],
        },
        "context": {"tier": "gold", "n": 1},
    }
"""


def error(exc: pytest.ExceptionInfo[ClientError]) -> tuple[str, str, int]:
    err = exc.value.response
    return err["Error"]["Code"], err["Error"]["Message"], err["ResponseMetadata"]["HTTPStatusCode"]


@pytest.fixture
def api_id(apigw: Any) -> str:
    return str(apigw.create_rest_api(name="auth")["id"])


def token_authorizer(apigw: Any, api_id: str, **extra: Any) -> dict[str, Any]:
    result: dict[str, Any] = apigw.create_authorizer(
        restApiId=api_id,
        name="tok",
        type="TOKEN",
        authorizerUri=lambda_uri(FUNCTION_ARN),
        identitySource="method.request.header.Authorization",
        **extra,
    )
    return result


def test_authorizer_round_trip(apigw: Any, api_id: str) -> None:
    created = token_authorizer(apigw, api_id, identityValidationExpression="^Bearer .+$")
    assert len(created["id"]) == 6
    assert created["type"] == "TOKEN"
    assert created["authorizerResultTtlInSeconds"] == 300
    assert created["identityValidationExpression"] == "^Bearer .+$"
    got = apigw.get_authorizer(restApiId=api_id, authorizerId=created["id"])
    assert {k: v for k, v in got.items() if k != "ResponseMetadata"} == {
        k: v for k, v in created.items() if k != "ResponseMetadata"
    }
    updated = apigw.update_authorizer(
        restApiId=api_id,
        authorizerId=created["id"],
        patchOperations=[
            {"op": "replace", "path": "/name", "value": "renamed"},
            {"op": "replace", "path": "/authorizerResultTtlInSeconds", "value": "0"},
            {"op": "replace", "path": "/identitySource", "value": "method.request.header.X-Token"},
        ],
    )
    assert updated["name"] == "renamed"
    assert updated["authorizerResultTtlInSeconds"] == 0
    assert updated["identitySource"] == "method.request.header.X-Token"
    request = apigw.create_authorizer(
        restApiId=api_id,
        name="req",
        type="REQUEST",
        authorizerUri=lambda_uri(FUNCTION_ARN),
        identitySource=(
            "method.request.header.auth, method.request.querystring.q, stageVariables.s, context.stage"
        ),
        authorizerResultTtlInSeconds=60,
    )
    assert [a["name"] for a in apigw.get_authorizers(restApiId=api_id)["items"]] == ["renamed", "req"]
    apigw.delete_authorizer(restApiId=api_id, authorizerId=request["id"])
    with pytest.raises(ClientError) as exc:
        apigw.get_authorizer(restApiId=api_id, authorizerId=request["id"])
    assert error(exc) == ("NotFoundException", "Invalid authorizer ID specified", 404)


def test_authorizer_unknown_api(apigw: Any) -> None:
    with pytest.raises(ClientError) as exc:
        apigw.get_authorizers(restApiId="missing")
    assert error(exc) == ("NotFoundException", f"Invalid API identifier specified {ACCOUNT}:missing", 404)
    with pytest.raises(ClientError) as exc:
        token_authorizer(apigw, "missing")
    assert error(exc)[0] == "NotFoundException"


@pytest.mark.parametrize(
    "kwargs",
    [
        {"type": "TOKEN", "identitySource": "method.request.header.A"},  # no authorizerUri
        {
            "type": "TOKEN",
            "authorizerUri": "arn:aws:lambda:nope",
            "identitySource": "method.request.header.A",
        },
        {
            "type": "TOKEN",
            "authorizerUri": lambda_uri(FUNCTION_ARN),
            "identitySource": "method.request.querystring.q",
        },
        {"type": "TOKEN", "authorizerUri": lambda_uri(FUNCTION_ARN)},  # no identity source
        {"type": "REQUEST", "authorizerUri": lambda_uri(FUNCTION_ARN)},  # caching on, no identity source
        {"type": "REQUEST", "authorizerUri": lambda_uri(FUNCTION_ARN), "identitySource": "body.x"},
        {
            "type": "TOKEN",
            "authorizerUri": lambda_uri(FUNCTION_ARN),
            "identitySource": "method.request.header.A",
            "authorizerResultTtlInSeconds": 3601,
        },
        {"type": "COGNITO_USER_POOLS", "identitySource": "method.request.header.A"},  # no providerARNs
    ],
)
def test_create_authorizer_validation(apigw: Any, api_id: str, kwargs: dict[str, Any]) -> None:
    with pytest.raises(ClientError) as exc:
        apigw.create_authorizer(restApiId=api_id, name="x", **kwargs)
    assert error(exc)[0] == "BadRequestException"
    assert error(exc)[2] == 400


def test_request_authorizer_without_cache_needs_no_identity_source(apigw: Any, api_id: str) -> None:
    created = apigw.create_authorizer(
        restApiId=api_id,
        name="open",
        type="REQUEST",
        authorizerUri=lambda_uri(FUNCTION_ARN),
        authorizerResultTtlInSeconds=0,
    )
    assert "identitySource" not in created


def test_cognito_authorizer_definition(apigw: Any, api_id: str) -> None:
    pool = f"arn:aws:cognito-idp:{REGION}:{ACCOUNT}:userpool/{REGION}_abc"
    created = apigw.create_authorizer(
        restApiId=api_id,
        name="pool",
        type="COGNITO_USER_POOLS",
        providerARNs=[pool],
        identitySource="method.request.header.Authorization",
    )
    assert created["providerARNs"] == [pool]


def test_update_authorizer_rejects_invalid_result(apigw: Any, api_id: str) -> None:
    created = token_authorizer(apigw, api_id)
    with pytest.raises(ClientError) as exc:
        apigw.update_authorizer(
            restApiId=api_id,
            authorizerId=created["id"],
            patchOperations=[{"op": "replace", "path": "/authorizerResultTtlInSeconds", "value": "-1"}],
        )
    assert error(exc)[0] == "BadRequestException"
    with pytest.raises(ClientError) as exc:
        apigw.update_authorizer(
            restApiId=api_id,
            authorizerId=created["id"],
            patchOperations=[{"op": "replace", "path": "/id", "value": "x"}],
        )
    assert error(exc)[0] == "BadRequestException"
    assert (
        apigw.get_authorizer(restApiId=api_id, authorizerId=created["id"])["authorizerResultTtlInSeconds"]
        == 300
    )


def test_delete_authorizer_in_use_conflicts(apigw: Any, api_id: str) -> None:
    created = token_authorizer(apigw, api_id)
    root = apigw.get_resources(restApiId=api_id)["items"][0]["id"]
    apigw.put_method(
        restApiId=api_id,
        resourceId=root,
        httpMethod="GET",
        authorizationType="CUSTOM",
        authorizerId=created["id"],
    )
    with pytest.raises(ClientError) as exc:
        apigw.delete_authorizer(restApiId=api_id, authorizerId=created["id"])
    assert error(exc)[0] == "ConflictException"
    assert "GET:/" in error(exc)[1]


def test_test_invoke_authorizer(apigw: Any, api_id: str, make_function: Any) -> None:
    arn = make_function("auth", AUTHORIZER)
    assert arn == FUNCTION_ARN
    created = token_authorizer(apigw, api_id)
    allowed = apigw.test_invoke_authorizer(
        restApiId=api_id, authorizerId=created["id"], headers={"Authorization": "alice"}
    )
    assert allowed["clientStatus"] == 200
    assert allowed["principalId"] == "user-alice"
    policy = json.loads(allowed["policy"])
    assert policy["Statement"][0]["Effect"] == "Allow"
    assert "user-alice" in allowed["log"]
    refused = apigw.test_invoke_authorizer(
        restApiId=api_id, authorizerId=created["id"], headers={"Authorization": "bad"}
    )
    assert refused["clientStatus"] == 401
    missing = apigw.test_invoke_authorizer(restApiId=api_id, authorizerId=created["id"], headers={})
    assert missing["clientStatus"] == 401

    request = apigw.create_authorizer(
        restApiId=api_id,
        name="req",
        type="REQUEST",
        authorizerUri=lambda_uri(FUNCTION_ARN),
        identitySource="method.request.header.auth",
    )
    result = apigw.test_invoke_authorizer(
        restApiId=api_id, authorizerId=request["id"], headers={"auth": "bob"}, pathWithQueryString="/pets?x=1"
    )
    assert result["clientStatus"] == 200
    assert result["principalId"] == "user-bob"


# -- policy evaluation (pure) ------------------------------------------------------------------------

ARN = "arn:aws:execute-api:us-east-1:000000000000:abc123/prod/GET/pets/1"


def statement(effect: str, resource: Any, action: Any = "execute-api:Invoke") -> dict[str, Any]:
    return {"Effect": effect, "Action": action, "Resource": resource}


def allowed(*statements: dict[str, Any]) -> bool:
    from cloudlet.services.apigateway.serve.authorizers import evaluate
    from cloudlet.services.apigateway.serve.gateway_errors import GatewayError

    try:
        evaluate({"Version": "2012-10-17", "Statement": list(statements)}, ARN)
    except GatewayError as exc:
        assert exc.response_type == "ACCESS_DENIED"
        return False
    return True


def test_policy_evaluation() -> None:
    assert allowed(statement("Allow", ARN))
    assert allowed(statement("Allow", "arn:aws:execute-api:us-east-1:000000000000:abc123/*"))
    assert allowed(statement("Allow", "arn:aws:execute-api:*:*:abc123/prod/*/pets/?"))
    assert allowed(statement("Allow", ["arn:other", "*"]))
    assert allowed(statement("Allow", ARN, action="execute-api:*"))
    assert not allowed(statement("Allow", "arn:aws:execute-api:us-east-1:000000000000:abc123/prod/POST/*"))
    assert not allowed(statement("Allow", "*"), statement("Deny", "*/GET/*"))
    assert not allowed(statement("Allow", ARN, action="s3:GetObject"))
    assert not allowed()


@given(st.text(alphabet="abc/*?", max_size=12), st.text(alphabet="abc/", max_size=12))
def test_wildcard_matches_like_fnmatch(pattern: str, value: str) -> None:
    import fnmatch
    import re

    from cloudlet.services.apigateway.serve.authorizers import _pattern

    expected = re.fullmatch(fnmatch.translate(pattern), value, re.S) is not None
    assert (_pattern(pattern, False).fullmatch(value) is not None) == expected
