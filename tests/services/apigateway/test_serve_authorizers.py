"""REST API Lambda authorizers over real HTTP: TOKEN and REQUEST authorizers, caching, Deny, missing
identity, the authorizer's context reaching a Lambda proxy backend; and `authorize` called directly."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest

from tests.services.apigateway.conftest import ACCOUNT, REGION, lambda_uri

AUTHORIZER = """
import json

def handler(event, context):
    print("authorizer-invoked " + json.dumps(event))
    if event["type"] == "TOKEN":
        token = event["authorizationToken"]
    else:
        token = event["headers"].get("auth") or event["headers"].get("Auth") or ""
    if token == "bad":
        raise Exception("Unauthorized")
    if token == "broken":
        return {"principalId": "x"}
    effect = "Deny" if token == "deny" else "Allow"
    arn = event["methodArn"]
    resource = arn if token != "wide" else arn.split("/")[0] + "/*"
    return {
        "principalId": "user-" + token,
        "policyDocument": {
            "Version": "2012-10-17",
            "Statement": [{"Action": "execute-api:Invoke", "Effect": effect, "Resource": resource}],
        },
        "context": {"tier": "gold", "count": 3, "admin": True, "eventType": event["type"]},
    }
"""

BACKEND = """
import json

def handler(event, context):
    return {"statusCode": 200, "body": json.dumps({
        "authorizer": event["requestContext"].get("authorizer"),
        "path": event["path"],
    })}
"""


def authorizer_calls(cloudlet: Any) -> list[dict[str, Any]]:
    """The events the authorizer function logged, oldest first."""
    cloudlet.settle()
    logs = cloudlet.client("logs")
    try:
        events = logs.filter_log_events(
            logGroupName="/aws/lambda/authz", filterPattern='"authorizer-invoked"'
        )
    except logs.exceptions.ResourceNotFoundException:
        return []
    return [
        json.loads(e["message"].split("authorizer-invoked ", 1)[1])
        for e in sorted(events["events"], key=lambda e: (e["timestamp"], e["eventId"]))
    ]


def build_api(
    apigw: Any, authorizer: dict[str, Any], backend_arn: str, api_key_source: str | None = None
) -> str:
    """`/pets/{id}` GET (authorized by a new authorizer built from `authorizer`) → Lambda proxy `backend`."""
    kwargs = {"apiKeySource": api_key_source} if api_key_source else {}
    api_id: str = apigw.create_rest_api(name="authz", **kwargs)["id"]
    root = apigw.get_resources(restApiId=api_id)["items"][0]["id"]
    pets = apigw.create_resource(restApiId=api_id, parentId=root, pathPart="pets")["id"]
    pet = apigw.create_resource(restApiId=api_id, parentId=pets, pathPart="{id}")["id"]
    auth_id = apigw.create_authorizer(restApiId=api_id, **authorizer)["id"]
    apigw.put_method(
        restApiId=api_id, resourceId=pet, httpMethod="GET", authorizationType="CUSTOM", authorizerId=auth_id
    )
    apigw.put_integration(
        restApiId=api_id,
        resourceId=pet,
        httpMethod="GET",
        type="AWS_PROXY",
        integrationHttpMethod="POST",
        uri=lambda_uri(backend_arn),
    )
    apigw.create_deployment(restApiId=api_id, stageName="prod")
    return api_id


def message(reply: Any) -> str:
    body = reply.json()
    return str(body.get("message") or body.get("Message"))


def test_token_authorizer_end_to_end(apigw: Any, make_function: Any, invoke: Any, cloudlet: Any) -> None:
    auth_arn = make_function("authz", AUTHORIZER)
    backend = make_function("backend", BACKEND)
    api_id = build_api(
        apigw,
        {
            "name": "token",
            "type": "TOKEN",
            "authorizerUri": lambda_uri(auth_arn),
            "identitySource": "method.request.header.Authorization",
            "identityValidationExpression": "^[a-z]+$",
            "authorizerResultTtlInSeconds": 300,
        },
        backend,
    )
    # missing token → 401 without calling the function
    reply = invoke("GET", api_id, "/prod/pets/1")
    assert reply.status == 401, reply.body
    assert message(reply) == "Unauthorized"
    # a token the validation expression rejects → 401 without calling the function
    assert invoke("GET", api_id, "/prod/pets/1", headers={"Authorization": "Bearer 1"}).status == 401
    assert authorizer_calls(cloudlet) == []

    reply = invoke("GET", api_id, "/prod/pets/1", headers={"Authorization": "alice"})
    assert reply.status == 200, reply.body
    body = reply.json()
    assert body["path"] == "/pets/1"
    authorizer = body["authorizer"]
    assert authorizer["principalId"] == "user-alice"
    assert authorizer["tier"] == "gold"
    assert str(authorizer["count"]) == "3"
    assert str(authorizer["admin"]).lower() == "true"
    calls = authorizer_calls(cloudlet)
    assert calls == [
        {
            "type": "TOKEN",
            "authorizationToken": "alice",
            "methodArn": f"arn:aws:execute-api:{REGION}:{ACCOUNT}:{api_id}/prod/GET/pets/1",
        }
    ]
    # within the TTL the cached result answers, without calling the function again
    assert invoke("GET", api_id, "/prod/pets/1", headers={"Authorization": "alice"}).status == 200
    assert len(authorizer_calls(cloudlet)) == 1
    # the cached policy names /pets/1 only: /pets/2 with the same token is denied, still from the cache
    reply = invoke("GET", api_id, "/prod/pets/2", headers={"Authorization": "alice"})
    assert reply.status == 403, reply.body
    assert message(reply) == "User is not authorized to access this resource"
    assert len(authorizer_calls(cloudlet)) == 1
    # after the TTL the function is called again
    cloudlet.clock.advance(301)
    assert invoke("GET", api_id, "/prod/pets/1", headers={"Authorization": "alice"}).status == 200
    assert len(authorizer_calls(cloudlet)) == 2

    # an explicit Deny → 403
    reply = invoke("GET", api_id, "/prod/pets/1", headers={"Authorization": "deny"})
    assert reply.status == 403
    assert message(reply) == "User is not authorized to access this resource with an explicit deny"
    # the function failing with "Unauthorized" → 401; an invalid output → 500
    reply = invoke("GET", api_id, "/prod/pets/1", headers={"Authorization": "bad"})
    assert reply.status == 401
    assert message(reply) == "Unauthorized"
    reply = invoke("GET", api_id, "/prod/pets/1", headers={"Authorization": "broken"})
    assert reply.status == 500
    assert reply.headers.get("x-amzn-errortype") == "AuthorizerConfigurationException"


def test_request_authorizer_end_to_end(apigw: Any, make_function: Any, invoke: Any, cloudlet: Any) -> None:
    auth_arn = make_function("authz", AUTHORIZER)
    backend = make_function("backend", BACKEND)
    api_id = build_api(
        apigw,
        {
            "name": "request",
            "type": "REQUEST",
            "authorizerUri": lambda_uri(auth_arn),
            "identitySource": "method.request.header.Auth, method.request.querystring.v",
            "authorizerResultTtlInSeconds": 60,
        },
        backend,
    )
    # an identity source missing → 401 without calling the function
    assert invoke("GET", api_id, "/prod/pets/7", headers={"Auth": "wide"}).status == 401
    assert invoke("GET", api_id, "/prod/pets/7?v=1").status == 401
    assert authorizer_calls(cloudlet) == []

    reply = invoke("GET", api_id, "/prod/pets/7?v=1&v=2", headers={"Auth": "wide", "X-Extra": "e"})
    assert reply.status == 200, reply.body
    assert reply.json()["authorizer"]["eventType"] == "REQUEST"
    (event,) = authorizer_calls(cloudlet)
    assert event["type"] == "REQUEST"
    assert event["methodArn"] == f"arn:aws:execute-api:{REGION}:{ACCOUNT}:{api_id}/prod/GET/pets/7"
    assert event["resource"] == "/pets/{id}"
    assert event["path"] == "/pets/7"
    assert event["httpMethod"] == "GET"
    assert {k.lower(): v for k, v in event["headers"].items()}["x-extra"] == "e"
    assert {k.lower(): v for k, v in event["multiValueHeaders"].items()}["auth"] == ["wide"]
    assert event["queryStringParameters"] == {"v": "2"}
    assert event["multiValueQueryStringParameters"] == {"v": ["1", "2"]}
    assert event["pathParameters"] == {"id": "7"}
    assert event["requestContext"]["apiId"] == api_id
    assert event["requestContext"]["stage"] == "prod"

    # the cache key is every identity source: same values → cached (the wide policy covers /pets/8 too)
    assert invoke("GET", api_id, "/prod/pets/8?v=1&v=2", headers={"Auth": "wide"}).status == 200
    assert len(authorizer_calls(cloudlet)) == 1
    # a different query value → called again
    assert invoke("GET", api_id, "/prod/pets/8?v=3", headers={"Auth": "wide"}).status == 200
    assert len(authorizer_calls(cloudlet)) == 2


# -- `authorize` called directly -------------------------------------------------------------------


def run(cloudlet: Any, coroutine: Any) -> Any:
    return asyncio.run_coroutine_threadsafe(coroutine, cloudlet._loop).result(30)


def direct(cloudlet: Any, authorizer: dict[str, Any], headers: list[tuple[str, str]]) -> Any:
    from cloudlet.protocol.http import Headers, HttpRequest
    from cloudlet.services.apigateway.engine import state
    from cloudlet.services.apigateway.serve.authorizers import authorize

    request = HttpRequest("GET", "/prod/pets", headers=Headers(headers))
    return run(
        cloudlet,
        authorize(
            state(cloudlet.app),
            account=ACCOUNT,
            region=REGION,
            api_id="abc123",
            stage="prod",
            authorizer={"id": "au1", "name": "a", **authorizer},
            request=request,
            method_arn=f"arn:aws:execute-api:{REGION}:{ACCOUNT}:abc123/prod/GET/pets",
            resource_path="/pets",
            path_params={},
            stage_variables={},
            request_context={"path": "/prod/pets", "stage": "prod"},
        ),
    )


def gateway_error(cloudlet: Any, authorizer: dict[str, Any], headers: list[tuple[str, str]]) -> str:
    from cloudlet.services.apigateway.serve.gateway_errors import GatewayError

    with pytest.raises(GatewayError) as exc:
        direct(cloudlet, authorizer, headers)
    return exc.value.response_type


def test_authorize_configuration_errors(cloudlet: Any) -> None:
    missing = {
        "type": "TOKEN",
        "authorizerUri": lambda_uri(f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:nothing"),
        "identitySource": "method.request.header.Authorization",
    }
    assert gateway_error(cloudlet, missing, []) == "UNAUTHORIZED"
    assert gateway_error(cloudlet, missing, [("Authorization", "t")]) == "AUTHORIZER_CONFIGURATION_ERROR"
    cognito = {"type": "COGNITO_USER_POOLS", "identitySource": "method.request.header.Authorization"}
    assert gateway_error(cloudlet, cognito, [("Authorization", "t")]) == "AUTHORIZER_CONFIGURATION_ERROR"
    no_cache = {**missing, "type": "REQUEST", "identitySource": "", "authorizerResultTtlInSeconds": 0}
    # without caching a REQUEST authorizer needs no identity source: the function is called
    assert gateway_error(cloudlet, no_cache, []) == "AUTHORIZER_CONFIGURATION_ERROR"


def test_authorizer_cache_is_bounded(cloudlet: Any) -> None:
    from cloudlet.services.apigateway.engine import state
    from cloudlet.services.apigateway.serve import authorizers

    gw = state(cloudlet.app)
    for i in range(authorizers.CACHE_SIZE + 5):
        authorizers._remember(gw, ("api", "prod", "au", "f", (str(i),)), {"principalId": str(i)}, 60)
    cache = gw.runtime["authorizer_cache"]
    assert len(cache) == authorizers.CACHE_SIZE
    assert ("api", "prod", "au", "f", ("0",)) not in cache
    assert authorizers._cached(gw, ("api", "prod", "au", "f", (str(authorizers.CACHE_SIZE + 4),))) is not None
    cloudlet.clock.advance(61)
    assert authorizers._cached(gw, ("api", "prod", "au", "f", (str(authorizers.CACHE_SIZE + 4),))) is None
