"""REST API data plane features, each on an API built with the control plane and called over HTTP:
routing, gateway responses, request validation, MOCK, HTTP_PROXY, AWS_IAM, API keys, canaries, gzip.
Routing and proxy-response parsing are also tested directly."""

from __future__ import annotations

import gzip
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import quote

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cloudlet.protocol.http import Headers, HttpRequest
from cloudlet.services.apigateway.serve import proxy_event, rest_routing

CORS_OPTIONS = {
    "httpMethod": "OPTIONS",
    "authorizationType": "NONE",
    "apiKeyRequired": False,
    "methodResponses": {"200": {"statusCode": "200"}},
    "methodIntegration": {
        "type": "MOCK",
        "requestTemplates": {"application/json": '{"statusCode": 200}'},
        "passthroughBehavior": "WHEN_NO_MATCH",
        "integrationResponses": {
            "200": {
                "statusCode": "200",
                "responseParameters": {
                    "method.response.header.Access-Control-Allow-Origin": "'*'",
                    "method.response.header.Access-Control-Allow-Methods": "'GET,OPTIONS'",
                },
                "responseTemplates": {"application/json": ""},
            }
        },
    },
}


def mock_method(http_method: str, status: int = 200, template: str = '{"ok": true}', **extra: Any) -> dict:
    return {
        "httpMethod": http_method,
        "authorizationType": "NONE",
        "apiKeyRequired": False,
        **extra,
        "methodIntegration": {
            "type": "MOCK",
            "requestTemplates": {"application/json": json.dumps({"statusCode": status})},
            "passthroughBehavior": "WHEN_NO_MATCH",
            "integrationResponses": {
                str(status): {"statusCode": str(status), "responseTemplates": {"application/json": template}}
            },
        },
    }


def install(
    apigw: Any,
    resources: list[dict[str, Any]],
    *,
    stage: str = "prod",
    variables: dict[str, str] | None = None,
    api: dict[str, Any] | None = None,
    canary: dict[str, Any] | None = None,
    gatewayResponses: dict[str, dict[str, Any]] | None = None,
    validators: dict[str, dict[str, Any]] | None = None,
    models: dict[str, dict[str, Any]] | None = None,
) -> str:
    """Build a REST API with the control plane from Resource documents (`path`, `resourceMethods` in
    GetResource's embedded shape) and deploy it to `stage`; returns the API id."""
    api_id = apigw.create_rest_api(name="features", **(api or {}))["id"]
    ids = {"/": next(r["id"] for r in apigw.get_resources(restApiId=api_id)["items"] if r["path"] == "/")}
    for model in (models or {}).values():
        apigw.create_model(
            restApiId=api_id, name=model["name"], contentType=model["contentType"], schema=model["schema"]
        )
    validator_ids = {
        key: apigw.create_request_validator(
            restApiId=api_id,
            name=doc["name"],
            validateRequestBody=doc["validateRequestBody"],
            validateRequestParameters=doc["validateRequestParameters"],
        )["id"]
        for key, doc in (validators or {}).items()
    }
    for response in (gatewayResponses or {}).values():
        apigw.put_gateway_response(restApiId=api_id, **response)
    for resource in resources:
        parent = "/"
        for part in [p for p in resource["path"].split("/") if p]:
            path = f"{parent.rstrip('/')}/{part}"
            if path not in ids:
                ids[path] = apigw.create_resource(restApiId=api_id, parentId=ids[parent], pathPart=part)["id"]
            parent = path
        for http_method, method in (resource.get("resourceMethods") or {}).items():
            put_method(apigw, api_id, ids[resource["path"]], http_method, method, validator_ids)
    apigw.create_deployment(restApiId=api_id, stageName=stage, variables=variables or {})
    if canary is not None:
        apigw.create_deployment(restApiId=api_id, stageName=stage, canarySettings=canary)
    return api_id


def put_method(
    apigw: Any,
    api_id: str,
    resource_id: str,
    http_method: str,
    method: dict[str, Any],
    validators: dict[str, str],
) -> None:
    where = {"restApiId": api_id, "resourceId": resource_id, "httpMethod": http_method}
    options = {k: method[k] for k in ("apiKeyRequired", "requestParameters", "requestModels") if k in method}
    if method.get("requestValidatorId"):
        options["requestValidatorId"] = validators[method["requestValidatorId"]]
    apigw.put_method(**where, authorizationType=method.get("authorizationType", "NONE"), **options)
    integration = dict(method["methodIntegration"])
    responses = integration.pop("integrationResponses", {})
    if "httpMethod" in integration:
        integration["integrationHttpMethod"] = integration.pop("httpMethod")
    apigw.put_integration(**where, **integration)
    for status, response in responses.items():
        headers = {k: False for k in response.get("responseParameters") or {}}
        apigw.put_method_response(**where, statusCode=status, responseParameters=headers)
        apigw.put_integration_response(**where, **response)


# -- routing (pure) ---------------------------------------------------------------------------------------

PATHS = ["/", "/items", "/items/{id}", "/items/{id}/tags", "/items/special", "/{proxy+}", "/files/{path+}"]


def tree() -> rest_routing.Node:
    return rest_routing.compile_resources(
        [{"id": p, "path": p, "resourceMethods": {"GET": {"httpMethod": "GET"}}} for p in PATHS]
    )


@pytest.mark.parametrize(
    ("path", "resource", "params"),
    [
        ("/", "/", {}),
        ("/items", "/items", {}),
        ("/items/", "/items", {}),
        ("/items/special", "/items/special", {}),
        ("/items/42", "/items/{id}", {"id": "42"}),
        ("/items/a%20b", "/items/{id}", {"id": "a%20b"}),
        ("/items/42/tags", "/items/{id}/tags", {"id": "42"}),
        ("/items/42/other", "/{proxy+}", {"proxy": "items/42/other"}),
        ("/files/a/b/c.txt", "/files/{path+}", {"path": "a/b/c.txt"}),
        ("/anything", "/{proxy+}", {"proxy": "anything"}),
    ],
)
def test_most_specific_resource_wins(path: str, resource: str, params: dict[str, str]) -> None:
    found = rest_routing.match(tree(), path, "GET")
    assert found is not None
    assert (found.resource["path"], found.path_params) == (resource, params)


@given(st.lists(st.text(alphabet="abcxyz019-_.", min_size=1, max_size=6), min_size=1, max_size=4))
def test_greedy_proxy_takes_the_rest_of_the_path(segments: list[str]) -> None:
    only_proxy = rest_routing.compile_resources([{"path": "/{proxy+}", "resourceMethods": {"ANY": {}}}])
    found = rest_routing.match(only_proxy, "/" + "/".join(segments), "DELETE")
    assert found is not None and found.method == {}
    assert found.path_params == {"proxy": "/".join(segments)}


def test_method_falls_back_to_any_and_root_needs_its_own_resource() -> None:
    root = rest_routing.compile_resources(
        [{"path": "/x", "resourceMethods": {"ANY": {"a": 1}, "GET": {"g": 1}}}, {"path": "/{proxy+}"}]
    )
    assert rest_routing.match(root, "/x", "GET").method == {"g": 1}  # type: ignore[union-attr]
    assert rest_routing.match(root, "/x", "PATCH").method == {"a": 1}  # type: ignore[union-attr]
    assert rest_routing.match(root, "/", "GET") is None


# -- proxy response parsing (pure) ------------------------------------------------------------------------


def test_proxy_response_merges_headers_and_decodes_base64() -> None:
    payload = {
        "statusCode": "201",
        "headers": {"X-One": "1", "Set-Cookie": "ignored"},
        "multiValueHeaders": {"Set-Cookie": ["a=1", "b=2"]},
        "body": "aGk=",
        "isBase64Encoded": True,
    }
    status, headers, body = proxy_event.parse_v1_response(json.dumps(payload).encode())
    assert (status, body) == (201, b"hi")
    assert headers == [("X-One", "1"), ("Set-Cookie", "a=1"), ("Set-Cookie", "b=2")]


@pytest.mark.parametrize(
    "payload",
    [
        b"not json",
        b"[]",
        b'"text"',
        b"{}",
        b'{"statusCode": 200, "body": {"a": 1}}',
        b'{"statusCode": 200, "extra": 1}',
        b'{"statusCode": "abc"}',
        b'{"statusCode": 200, "headers": {"a": {"b": 1}}}',
        b'{"statusCode": 200, "body": "!!", "isBase64Encoded": true}',
    ],
)
def test_malformed_proxy_responses_are_rejected(payload: bytes) -> None:
    with pytest.raises(ValueError):
        proxy_event.parse_v1_response(payload)


# -- over HTTP --------------------------------------------------------------------------------------------


def test_unknown_stage_is_forbidden_and_unknown_route_wants_a_token(apigw: Any, invoke: Any) -> None:
    api_id = install(
        apigw,
        [
            {"path": "/", "resourceMethods": {}},
            {"path": "/a", "resourceMethods": {"GET": mock_method("GET")}},
        ],
    )
    reply = invoke("GET", api_id, "/nostage/a")
    assert (reply.status, reply.json()) == (403, {"message": "Forbidden"})
    for method, path in (("GET", "/prod/b"), ("POST", "/prod/a"), ("GET", "/prod/")):
        reply = invoke(method, api_id, path)
        assert (reply.status, reply.json()) == (403, {"message": "Missing Authentication Token"})
        assert reply.headers["x-amzn-errortype"] == "MissingAuthenticationTokenException"
    reply = invoke("GET", api_id, "/prod/a", host=True)
    assert (reply.status, reply.json()) == (200, {"ok": True})
    assert reply.headers["content-type"] == "application/json"
    assert reply.headers["x-amzn-requestid"] and reply.headers["x-amz-apigw-id"]


def test_mock_cors_preflight(apigw: Any, invoke: Any) -> None:
    api_id = install(apigw, [{"path": "/", "resourceMethods": {"OPTIONS": CORS_OPTIONS}}])
    reply = invoke(
        "OPTIONS", api_id, "/prod", headers={"Origin": "http://x", "Access-Control-Request-Method": "GET"}
    )
    assert reply.status == 200
    assert reply.headers["access-control-allow-origin"] == "*"
    assert reply.headers["access-control-allow-methods"] == "GET,OPTIONS"
    assert reply.body == b""


def test_customized_gateway_response(apigw: Any, invoke: Any) -> None:
    responses = {
        "MISSING_AUTHENTICATION_TOKEN": {
            "responseType": "MISSING_AUTHENTICATION_TOKEN",
            "statusCode": "404",
            "responseParameters": {
                "gatewayresponse.header.X-Why": "'no route'",
                "gatewayresponse.header.X-Q": "method.request.querystring.q",
            },
            "responseTemplates": {
                "application/json": '{"error": $context.error.messageString,'
                ' "type": "$context.error.responseType"}'
            },
        },
        "DEFAULT_4XX": {
            "responseType": "DEFAULT_4XX",
            "responseParameters": {"gatewayresponse.header.Access-Control-Allow-Origin": "'*'"},
        },
    }
    validators = {
        "v1": {"id": "v1", "name": "params", "validateRequestParameters": True, "validateRequestBody": False}
    }
    get = mock_method(
        "GET",
        requestValidatorId="v1",
        requestParameters={"method.request.querystring.name": True, "method.request.header.X-Req": True},
    )
    api_id = install(
        apigw,
        [{"path": "/", "resourceMethods": {"GET": get}}],
        gatewayResponses=responses,
        validators=validators,
    )
    reply = invoke("GET", api_id, "/prod/nothing?q=7")
    assert reply.status == 404
    assert reply.json() == {"error": "Missing Authentication Token", "type": "MISSING_AUTHENTICATION_TOKEN"}
    assert reply.headers["x-why"] == "no route" and reply.headers["x-q"] == "7"
    reply = invoke("GET", api_id, "/prod")
    assert reply.status == 400
    assert reply.json() == {"message": "Missing required request parameters: [name, X-Req]"}
    assert reply.headers["access-control-allow-origin"] == "*"
    assert invoke("GET", api_id, "/prod?name=a", headers={"X-Req": "1"}).status == 200


SCHEMA = {
    "$schema": "http://json-schema.org/draft-04/schema#",
    "type": "object",
    "required": ["name", "owner"],
    "properties": {
        "name": {"type": "string"},
        "owner": {"$ref": "https://apigateway.amazonaws.com/restapis/any/models/Owner"},
    },
}


def test_request_body_validation_with_model_references(apigw: Any, invoke: Any) -> None:
    models = {
        "Item": {"id": "m1", "name": "Item", "contentType": "application/json", "schema": json.dumps(SCHEMA)},
        "Owner": {
            "id": "m2",
            "name": "Owner",
            "contentType": "application/json",
            "schema": json.dumps(
                {"type": "object", "required": ["id"], "properties": {"id": {"type": "integer"}}}
            ),
        },
    }
    validators = {
        "v": {"id": "v", "name": "body", "validateRequestBody": True, "validateRequestParameters": False}
    }
    post = mock_method("POST", requestValidatorId="v", requestModels={"application/json": "Item"})
    api_id = install(
        apigw,
        [{"path": "/", "resourceMethods": {"POST": post}}],
        models=models,
        validators=validators,
    )
    good = {"name": "n", "owner": {"id": 1}}
    assert (
        invoke(
            "POST", api_id, "/prod", body=json.dumps(good), headers={"Content-Type": "application/json"}
        ).status
        == 200
    )
    for bad in ({"name": "n"}, {"name": "n", "owner": {"id": "x"}}, "[", {"name": 1, "owner": {"id": 1}}):
        body = bad if isinstance(bad, str) else json.dumps(bad)
        reply = invoke("POST", api_id, "/prod", body=body, headers={"Content-Type": "application/json"})
        assert (reply.status, reply.json()) == (400, {"message": "Invalid request body"})
        assert reply.headers["x-amzn-errortype"] == "BadRequestException"


def test_passthrough_never_is_unsupported_media_type(apigw: Any, invoke: Any) -> None:
    post = mock_method("POST")
    post["methodIntegration"]["passthroughBehavior"] = "NEVER"
    api_id = install(apigw, [{"path": "/", "resourceMethods": {"POST": post}}])
    reply = invoke("POST", api_id, "/prod", body="<a/>", headers={"Content-Type": "application/xml"})
    assert (reply.status, reply.json()) == (415, {"message": "Unsupported Media Type"})
    assert (
        invoke("POST", api_id, "/prod", body="{}", headers={"Content-Type": "application/json"}).status == 200
    )


def test_gzip_response_when_accepted_and_large_enough(apigw: Any, invoke: Any) -> None:
    big = json.dumps({"data": "x" * 2000})
    post = mock_method("POST", status=201, template='{"created": true}')
    post["methodIntegration"]["requestTemplates"]["application/json"] = (
        "{\"statusCode\": $input.json('$.code')}"
    )
    post = mock_method("POST", status=201, template='{"created": true}')
    post["methodIntegration"]["requestTemplates"]["application/json"] = (
        "{\"statusCode\": $input.json('$.code')}"
    )
    api_id = install(
        apigw,
        [
            {
                "path": "/",
                "resourceMethods": {
                    "GET": mock_method("GET", template=big),
                    "POST": post,
                },
            }
        ],
        api={"minimumCompressionSize": 1000},
    )
    plain = invoke("GET", api_id, "/prod")
    assert "content-encoding" not in plain.headers and plain.body == big.encode()
    zipped = invoke("GET", api_id, "/prod", headers={"Accept-Encoding": "gzip, deflate"})
    assert zipped.headers["content-encoding"] == "gzip"
    assert gzip.decompress(zipped.body) == big.encode()
    assert int(zipped.headers["content-length"]) == len(zipped.body)
    # a gzip request body is decompressed before the mapping template sees it
    reply = invoke(
        "POST",
        api_id,
        "/prod",
        body=gzip.compress(b'{"code": 201}'),
        headers={"Content-Encoding": "gzip", "Content-Type": "application/json"},
    )
    assert (reply.status, reply.json()) == (201, {"created": True})
    reply = invoke("POST", api_id, "/prod", body=b"not gzip", headers={"Content-Encoding": "gzip"})
    assert reply.status == 415


@pytest.fixture
def upstream() -> Iterator[tuple[str, list[dict[str, Any]]]]:
    """A local HTTP server that records requests and echoes them back as JSON."""
    seen: list[dict[str, Any]] = []

    class Handler(BaseHTTPRequestHandler):
        def _answer(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            record = {
                "method": self.command,
                "path": self.path,
                "headers": {k.lower(): v for k, v in self.headers.items()},
                "body": self.rfile.read(length).decode(),
            }
            seen.append(record)
            data = json.dumps(record).encode()
            self.send_response(207)
            self.send_header("Content-Type", "application/json")
            self.send_header("X-Upstream", "yes")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        do_GET = do_POST = do_PUT = do_DELETE = _answer

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", seen
    finally:
        server.shutdown()
        server.server_close()


def test_http_proxy_forwards_greedy_path_query_headers_and_body(
    apigw: Any, invoke: Any, upstream: tuple[str, list[dict[str, Any]]]
) -> None:
    base, seen = upstream
    method = {
        "httpMethod": "ANY",
        "authorizationType": "NONE",
        "requestParameters": {"method.request.path.proxy": True},
        "methodIntegration": {
            "type": "HTTP_PROXY",
            "httpMethod": "ANY",
            "uri": "http://${stageVariables.backend}/up/{proxy}",
            "requestParameters": {
                "integration.request.path.proxy": "method.request.path.proxy",
                "integration.request.header.X-Stage": "context.stage",
            },
        },
    }
    api_id = install(
        apigw,
        [{"path": "/{proxy+}", "resourceMethods": {"ANY": method}}],
        variables={"backend": base.removeprefix("http://")},
    )
    reply = invoke("PUT", api_id, "/prod/a/b%20c?x=1&x=2", body="payload", headers={"X-Client": "c"})
    assert reply.status == 207
    assert reply.headers["x-upstream"] == "yes"
    record = reply.json()
    assert record["method"] == "PUT"
    assert record["path"] == "/up/a/b%20c?x=1&x=2"
    assert record["body"] == "payload"
    assert record["headers"]["x-client"] == "c" and record["headers"]["x-stage"] == "prod"
    assert record["headers"]["x-forwarded-for"] == "127.0.0.1"
    assert seen and reply.headers["x-amzn-requestid"]


def test_http_proxy_to_nothing_is_a_gateway_error(apigw: Any, invoke: Any) -> None:
    method = {
        "httpMethod": "GET",
        "authorizationType": "NONE",
        "methodIntegration": {"type": "HTTP_PROXY", "httpMethod": "GET", "uri": "http://127.0.0.1:9/x"},
    }
    api_id = install(apigw, [{"path": "/", "resourceMethods": {"GET": method}}])
    reply = invoke("GET", api_id, "/prod")
    assert reply.status == 504
    assert reply.headers["x-amzn-errortype"] == "InternalServerErrorException"


CONTEXT_TEMPLATE = (
    '{"stage": "$context.stage", "resourcePath": "$context.resourcePath",'
    ' "accessKey": "$context.identity.accessKey",'
    ' "caller": "$context.identity.caller", "id": "$input.params(\'id\')", "var": "$stageVariables.color",'
    ' "requestId": "$context.requestId"}'
)


def test_aws_iam_wants_a_signed_request_and_names_the_caller(apigw: Any, invoke: Any) -> None:
    get = mock_method("GET", template=CONTEXT_TEMPLATE)
    get["authorizationType"] = "AWS_IAM"
    api_id = install(
        apigw,
        [{"path": "/things/{id}", "resourceMethods": {"GET": get}}],
        variables={"color": "red"},
    )
    reply = invoke("GET", api_id, "/prod/things/7")
    assert (reply.status, reply.json()) == (403, {"message": "Missing Authentication Token"})
    signature = (
        "AWS4-HMAC-SHA256 Credential=111122223333/20260101/us-east-1/execute-api/aws4_request, "
        "SignedHeaders=host;x-amz-date, Signature=abc"
    )
    reply = invoke("GET", api_id, "/prod/things/7", headers={"Authorization": signature})
    assert reply.status == 200
    assert reply.json() == {
        "stage": "prod",
        "resourcePath": "/things/{id}",
        "accessKey": "111122223333",
        "caller": "111122223333",
        "id": "7",
        "var": "red",
        "requestId": reply.headers["x-amzn-requestid"],
    }


def test_api_key_required_method_meters_the_key(apigw: Any, invoke: Any) -> None:
    template = '{"keyId": "$context.identity.apiKeyId", "key": "$context.identity.apiKey"}'
    api_id = install(
        apigw,
        [
            {
                "path": "/",
                "resourceMethods": {"GET": mock_method("GET", template=template, apiKeyRequired=True)},
            }
        ],
    )
    key = apigw.create_api_key(name="k", enabled=True, value="secret-key-value-0123456789")
    plan = apigw.create_usage_plan(
        name="p", apiStages=[{"apiId": api_id, "stage": "prod"}], quota={"limit": 2, "period": "DAY"}
    )
    apigw.create_usage_plan_key(usagePlanId=plan["id"], keyId=key["id"], keyType="API_KEY")
    reply = invoke("GET", api_id, "/prod")
    assert (reply.status, reply.json()) == (403, {"message": "Forbidden"})
    assert reply.headers["x-amzn-errortype"] == "ForbiddenException"
    reply = invoke("GET", api_id, "/prod", headers={"x-api-key": key["value"]})
    assert (reply.status, reply.json()) == (200, {"keyId": key["id"], "key": key["value"]})
    assert invoke("GET", api_id, "/prod", headers={"x-api-key": key["value"]}).status == 200
    reply = invoke("GET", api_id, "/prod", headers={"x-api-key": key["value"]})
    assert (reply.status, reply.json()) == (429, {"message": "Limit Exceeded"})


def test_canary_deployment_serves_its_share_with_variable_overrides(apigw: Any, invoke: Any) -> None:
    get = mock_method("GET", template='{"color": "$stageVariables.color"}')
    api_id = install(
        apigw,
        [{"path": "/", "resourceMethods": {"GET": get}}],
        variables={"color": "red"},
        canary={"percentTraffic": 100.0, "stageVariableOverrides": {"color": "blue"}},
    )
    assert invoke("GET", api_id, "/prod").json() == {"color": "blue"}
    apigw.update_stage(
        restApiId=api_id,
        stageName="prod",
        patchOperations=[{"op": "replace", "path": "/canarySettings/percentTraffic", "value": "0"}],
    )
    assert invoke("GET", api_id, "/prod").json() == {"color": "red"}


NAMES = st.text(alphabet="abcXYZ-_", min_size=1, max_size=5)
VALUES = st.text(alphabet="ab c&=+%/é", max_size=6)


@given(st.lists(st.tuples(NAMES, VALUES), max_size=6), st.lists(st.tuples(NAMES, VALUES), max_size=6))
def test_proxy_event_keeps_every_value_and_the_last_one_singly(
    query: list[tuple[str, str]], headers: list[tuple[str, str]]
) -> None:
    raw_query = "&".join(f"{quote(k)}={quote(v)}" for k, v in query)
    request = HttpRequest("GET", "/prod/x", raw_query, Headers(headers))
    event = proxy_event.v1_event(
        request,
        resource="/x",
        path="/x",
        path_params=None,
        stage_variables=None,
        request_context={},
        binary_types=[],
    )
    multi: dict[str, list[str]] = {}
    for name, value in query:
        multi.setdefault(name, []).append(value)
    assert event["multiValueQueryStringParameters"] == (multi or None)
    assert event["queryStringParameters"] == ({k: v[-1] for k, v in multi.items()} or None)
    multi_headers: dict[str, list[str]] = {}
    for name, value in headers:
        multi_headers.setdefault(name, []).append(value)
    assert event["multiValueHeaders"] == (multi_headers or None)
    assert event["headers"] == ({k: v[-1] for k, v in multi_headers.items()} or None)
    assert (event["pathParameters"], event["stageVariables"], event["body"]) == (None, None, None)
