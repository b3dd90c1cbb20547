"""HTTP APIs served over real HTTP: Lambda proxy integrations (payload formats 2.0 and 1.0), event
fields, response shaping, routing, stages and integration errors."""

from __future__ import annotations

import base64
from typing import Any

from tests.services.apigateway.conftest import ACCOUNT

ECHO = """
import base64, json, time

def handler(event, context):
    path = event.get("rawPath") or event.get("path") or ""
    if path.endswith("/sleep"):
        time.sleep(0.5)
    if path.endswith("/text"):
        return "plain words"
    if path.endswith("/object"):
        return {"a": [1, 2]}
    if path.endswith("/shaped"):
        return {
            "statusCode": 201,
            "headers": {"x-custom": "yes", "content-type": "application/octet-stream"},
            "cookies": ["c1=v1; Path=/", "c2=v2"],
            "body": base64.b64encode(bytes([0, 1, 2, 255])).decode(),
            "isBase64Encoded": True,
        }
    if path.endswith("/fail"):
        raise RuntimeError("boom")
    if path.endswith("/malformed"):
        return {"statusCode": "teapot"}
    if event.get("version") == "1.0":
        return {"statusCode": 200, "headers": {"content-type": "application/json"}, "body": json.dumps(event)}
    return {"statusCode": 200, "body": json.dumps(event)}
"""


def _quick_api(apigw2: Any, make_function: Any, name: str = "echo") -> tuple[str, str]:
    arn = make_function(name, ECHO)
    api = apigw2.create_api(Name="quick", ProtocolType="HTTP", Target=arn)
    return api["ApiId"], arn


def test_payload_2_event_fields(apigw2: Any, make_function: Any, invoke: Any) -> None:
    api_id, _ = _quick_api(apigw2, make_function)
    reply = invoke(
        "GET",
        api_id,
        "/items/a%20b?x=1&x=2&y=&z=%3D",
        headers=[("Cookie", "k1=v1; k2=v2"), ("X-Multi", "a"), ("X-Multi", "b"), ("User-Agent", "tests/1")],
        host=True,
    )
    assert reply.status == 200, reply.body
    assert reply.headers["apigw-requestid"]
    assert reply.headers["content-type"] == "application/json"
    assert "date" in reply.headers
    event = reply.json()
    assert event["version"] == "2.0"
    assert event["routeKey"] == "$default"
    assert event["rawPath"] == "/items/a%20b"
    assert event["rawQueryString"] == "x=1&x=2&y=&z=%3D"
    assert event["cookies"] == ["k1=v1", "k2=v2"]
    assert event["queryStringParameters"] == {"x": "1,2", "y": "", "z": "="}
    headers = event["headers"]
    assert "cookie" not in headers
    assert headers["x-multi"] == "a,b"
    assert headers["user-agent"] == "tests/1"
    assert headers["x-forwarded-for"] == "127.0.0.1"
    assert headers["x-forwarded-proto"] == "http"
    context = event["requestContext"]
    assert context["accountId"] == ACCOUNT
    assert context["apiId"] == api_id
    assert context["domainPrefix"] == api_id
    assert context["domainName"].startswith(f"{api_id}.execute-api.")
    assert context["http"] == {
        "method": "GET",
        "path": "/items/a%20b",
        "protocol": "HTTP/1.1",
        "sourceIp": "127.0.0.1",
        "userAgent": "tests/1",
    }
    assert context["requestId"] == reply.headers["apigw-requestid"]
    assert context["routeKey"] == "$default"
    assert context["stage"] == "$default"
    assert isinstance(context["timeEpoch"], int)
    assert context["time"].endswith(" +0000")
    assert "authorizer" not in context
    assert event["isBase64Encoded"] is False
    assert "body" not in event and "pathParameters" not in event and "stageVariables" not in event


def test_payload_2_bodies_and_responses(apigw2: Any, make_function: Any, invoke: Any) -> None:
    api_id, _ = _quick_api(apigw2, make_function)
    text = invoke("POST", api_id, "/echo", body='{"k": "v"}', headers={"Content-Type": "application/json"})
    assert text.json()["body"] == '{"k": "v"}'
    assert text.json()["isBase64Encoded"] is False
    binary = bytes(range(256))
    raw = invoke("POST", api_id, "/echo", body=binary, headers={"Content-Type": "application/octet-stream"})
    assert raw.json()["isBase64Encoded"] is True
    assert base64.b64decode(raw.json()["body"]) == binary
    form = invoke(
        "POST", api_id, "/echo", body="a=1", headers={"Content-Type": "application/x-www-form-urlencoded"}
    )
    assert form.json()["isBase64Encoded"] is True

    plain = invoke("GET", api_id, "/text")
    assert (plain.status, plain.body, plain.headers["content-type"]) == (
        200,
        b"plain words",
        "application/json",
    )
    obj = invoke("GET", api_id, "/object")
    assert (obj.status, obj.json(), obj.headers["content-type"]) == (200, {"a": [1, 2]}, "application/json")
    shaped = invoke("GET", api_id, "/shaped")
    assert shaped.status == 201
    assert shaped.body == bytes([0, 1, 2, 255])
    assert shaped.headers["x-custom"] == "yes"
    assert shaped.headers["content-type"] == "application/octet-stream"
    assert [v for k, v in shaped.raw_headers if k.lower() == "set-cookie"] == ["c1=v1; Path=/", "c2=v2"]

    for path in ("/fail", "/malformed"):
        failed = invoke("GET", api_id, path)
        assert (failed.status, failed.json()) == (500, {"message": "Internal Server Error"})
        assert failed.headers["apigw-requestid"]


def test_routes_stages_and_payload_1(apigw2: Any, make_function: Any, invoke: Any) -> None:
    arn = make_function("echo", ECHO)
    api_id = apigw2.create_api(Name="routes", ProtocolType="HTTP")["ApiId"]
    v2 = apigw2.create_integration(
        ApiId=api_id, IntegrationType="AWS_PROXY", IntegrationUri=arn, PayloadFormatVersion="2.0"
    )["IntegrationId"]
    v1 = apigw2.create_integration(
        ApiId=api_id, IntegrationType="AWS_PROXY", IntegrationUri=arn, PayloadFormatVersion="1.0"
    )["IntegrationId"]
    for key, target in (
        ("GET /pets/{id}", v2),
        ("GET /pets/dog", v2),
        ("ANY /pets/{proxy+}", v2),
        ("POST /legacy/{name}", v1),
    ):
        apigw2.create_route(ApiId=api_id, RouteKey=key, Target=f"integrations/{target}")
    apigw2.create_stage(ApiId=api_id, StageName="prod", AutoDeploy=True, StageVariables={"color": "blue"})

    dog = invoke("GET", api_id, "/prod/pets/dog").json()
    assert dog["routeKey"] == "GET /pets/dog" and "pathParameters" not in dog
    assert dog["rawPath"] == "/prod/pets/dog"
    assert dog["requestContext"]["stage"] == "prod"
    assert dog["stageVariables"] == {"color": "blue"}
    cat = invoke("GET", api_id, "/prod/pets/c%20t").json()
    assert (cat["routeKey"], cat["pathParameters"]) == ("GET /pets/{id}", {"id": "c t"})
    deep = invoke("DELETE", api_id, "/prod/pets/a/b/c").json()
    assert (deep["routeKey"], deep["pathParameters"]) == ("ANY /pets/{proxy+}", {"proxy": "a/b/c"})
    nested = invoke("GET", api_id, "/prod/pets/a/b").json()
    assert nested["routeKey"] == "ANY /pets/{proxy+}"

    for method, path in (
        ("GET", "/prod/other"),
        ("GET", "/prod/pets"),
        ("GET", "/dev/pets/dog"),
        ("GET", "/"),
    ):
        missing = invoke(method, api_id, path)
        assert (missing.status, missing.json()) == (404, {"message": "Not Found"}), path

    legacy = invoke(
        "POST",
        api_id,
        "/prod/legacy/n1?q=1&q=2",
        body="hello",
        headers=[("Content-Type", "text/plain"), ("X-Two", "a"), ("X-Two", "b")],
    )
    assert legacy.status == 200, legacy.body
    event = legacy.json()
    assert event["version"] == "1.0"
    assert event["resource"] == "/legacy/{name}"
    assert event["httpMethod"] == "POST"
    assert event["pathParameters"] == {"name": "n1"}
    assert event["multiValueQueryStringParameters"] == {"q": ["1", "2"]}
    assert event["body"] == "hello" and event["isBase64Encoded"] is False
    assert event["stageVariables"] == {"color": "blue"}
    assert event["requestContext"]["stage"] == "prod"
    assert event["requestContext"]["apiId"] == api_id
    assert event["requestContext"]["resourcePath"] == "/legacy/{name}"

    slow = apigw2.create_integration(
        ApiId=api_id,
        IntegrationType="AWS_PROXY",
        IntegrationUri=arn,
        PayloadFormatVersion="2.0",
        TimeoutInMillis=100,
    )["IntegrationId"]
    apigw2.create_route(ApiId=api_id, RouteKey="GET /sleep", Target=f"integrations/{slow}")
    timed_out = invoke("GET", api_id, "/prod/sleep")
    assert (timed_out.status, timed_out.json()) == (503, {"message": "Service Unavailable"})

    # $default route and stage next to the named one
    apigw2.create_route(ApiId=api_id, RouteKey="$default", Target=f"integrations/{v2}")
    apigw2.create_stage(ApiId=api_id, StageName="$default", AutoDeploy=True)
    anything = invoke("PATCH", api_id, "/whatever/here").json()
    assert (anything["routeKey"], anything["requestContext"]["stage"]) == ("$default", "$default")
    assert anything["rawPath"] == "/whatever/here"
    assert invoke("GET", api_id, "/prod/zzz").json()["requestContext"]["stage"] == "prod"
