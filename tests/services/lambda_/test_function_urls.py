"""Lambda function URLs: the config operations, and requests to the URLs (path form and host form),
through boto3 and plain HTTP."""

from __future__ import annotations

import base64
import http.client
import json
import re
import urllib.error
import urllib.request
from typing import Any
from urllib.parse import urlsplit

import pytest

from cloudlet.gateway.routing import FunctionUrlTarget, function_url_target, parse_host
from cloudlet.protocol.http import Headers, HttpRequest
from cloudlet.services.lambda_.urls import function_url

ECHO = """
def handler(event, context):
    return {"event": event, "request_id": context.aws_request_id}
"""

URL_RE = re.compile(r"^http://([a-z0-9]{32})\.lambda-url\.us-east-1\.localhost:\d+/$")


def url_id(config: dict[str, Any]) -> str:
    match = URL_RE.match(config["FunctionUrl"])
    assert match, config["FunctionUrl"]
    return match.group(1)


def call(
    cloudlet: Any,
    config: dict[str, Any],
    path: str = "/",
    method: str = "GET",
    body: bytes | None = None,
    headers: dict[str, str] | None = None,
) -> tuple[int, Any, bytes]:
    """(status, headers, body) of a request to the URL's path form `/_aws/lambda-url/<url-id><path>`."""
    target = f"{cloudlet.endpoint}/_aws/lambda-url/{url_id(config)}{path}"
    request = urllib.request.Request(target, data=body, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.headers, exc.read()


def raw_call(cloudlet: Any, host: str, path: str = "/", method: str = "GET") -> tuple[int, Any, bytes]:
    """A request to the endpoint with `Host: host` (the host form, without DNS)."""
    endpoint = urlsplit(cloudlet.endpoint)
    connection = http.client.HTTPConnection(endpoint.hostname, endpoint.port, timeout=30)
    try:
        connection.request(method, path, headers={"Host": host})
        response = connection.getresponse()
        return response.status, response.headers, response.read()
    finally:
        connection.close()


def event_of(body: bytes) -> dict[str, Any]:
    return json.loads(body)["event"]


@pytest.fixture
def echo(lam: Any, make_function: Any) -> dict[str, Any]:
    make_function("echo", ECHO)
    return lam.create_function_url_config(FunctionName="echo", AuthType="NONE")


# -- configs ------------------------------------------------------------------------------------------


def test_create_get_update_list_and_delete_a_url_config(lam, make_function):
    created = make_function("echo", ECHO)
    config = lam.create_function_url_config(FunctionName="echo", AuthType="NONE")
    assert config["ResponseMetadata"]["HTTPStatusCode"] == 201
    url_id(config)
    assert config["FunctionArn"] == created["FunctionArn"]
    assert (config["AuthType"], config["InvokeMode"]) == ("NONE", "BUFFERED")
    assert "CreationTime" in config and "LastModifiedTime" not in config and "Cors" not in config

    with pytest.raises(lam.exceptions.ResourceConflictException, match="FunctionUrlConfig exists"):
        lam.create_function_url_config(FunctionName="echo", AuthType="NONE")

    got = lam.get_function_url_config(FunctionName="echo")
    assert got["FunctionUrl"] == config["FunctionUrl"]
    assert got["LastModifiedTime"] == got["CreationTime"]

    cors = {"AllowOrigins": ["https://example.com"], "AllowMethods": ["GET"], "MaxAge": 60}
    updated = lam.update_function_url_config(
        FunctionName="echo", AuthType="AWS_IAM", Cors=cors, InvokeMode="RESPONSE_STREAM"
    )
    assert updated["FunctionUrl"] == config["FunctionUrl"]
    assert (updated["AuthType"], updated["Cors"], updated["InvokeMode"]) == (
        "AWS_IAM",
        cors,
        "RESPONSE_STREAM",
    )
    assert lam.get_function_url_config(FunctionName="echo")["Cors"] == cors

    lam.publish_version(FunctionName="echo")
    lam.create_alias(FunctionName="echo", Name="live", FunctionVersion="1")
    aliased = lam.create_function_url_config(FunctionName="echo", Qualifier="live", AuthType="NONE")
    assert aliased["FunctionArn"] == created["FunctionArn"] + ":live"
    assert aliased["FunctionUrl"] != config["FunctionUrl"]
    listed = lam.list_function_url_configs(FunctionName="echo")["FunctionUrlConfigs"]
    assert sorted(c["FunctionArn"] for c in listed) == [created["FunctionArn"], aliased["FunctionArn"]]
    assert lam.list_function_url_configs(FunctionName="echo", MaxItems=1)["NextMarker"]

    lam.delete_function_url_config(FunctionName="echo")
    with pytest.raises(lam.exceptions.ResourceNotFoundException):
        lam.get_function_url_config(FunctionName="echo")
    with pytest.raises(lam.exceptions.ResourceNotFoundException):
        lam.delete_function_url_config(FunctionName="echo")
    lam.delete_alias(FunctionName="echo", Name="live")  # an alias takes its URL with it
    assert lam.list_function_url_configs(FunctionName="echo")["FunctionUrlConfigs"] == []


def test_url_configs_need_a_function_and_an_alias_qualifier(lam, make_function):
    with pytest.raises(lam.exceptions.ResourceNotFoundException):
        lam.create_function_url_config(FunctionName="missing", AuthType="NONE")
    make_function("echo", ECHO)
    with pytest.raises(lam.exceptions.ResourceNotFoundException):
        lam.create_function_url_config(FunctionName="echo", Qualifier="nope", AuthType="NONE")
    with pytest.raises(lam.exceptions.InvalidParameterValueException):
        lam.create_function_url_config(FunctionName="echo", Qualifier="1", AuthType="NONE")
    with pytest.raises(lam.exceptions.ClientError):
        lam.create_function_url_config(FunctionName="echo", AuthType="OPEN")


def test_deleting_the_function_deletes_its_url(cloudlet, lam, echo):
    lam.delete_function(FunctionName="echo")
    status, headers, body = call(cloudlet, echo)
    assert (status, body) == (403, b'{"Message":null}')
    assert headers["x-amzn-ErrorType"] == "AccessDeniedException"


# -- requests -----------------------------------------------------------------------------------------


def test_get_with_query_string_headers_and_cookies(cloudlet, echo):
    status, headers, body = call(
        cloudlet,
        echo,
        "/a/b%20c?x=1&x=2&y=&z=%2F",
        headers={"X-Custom": "Value", "Cookie": "a=1; b=2", "User-Agent": "tests/1.0"},
    )
    assert status == 200
    assert headers["Content-Type"] == "application/json"
    event = event_of(body)
    assert event["version"] == "2.0" and event["routeKey"] == "$default"
    assert event["rawPath"] == "/a/b%20c"
    assert event["rawQueryString"] == "x=1&x=2&y=&z=%2F"
    assert event["queryStringParameters"] == {"x": "1,2", "y": "", "z": "/"}
    assert event["cookies"] == ["a=1", "b=2"]
    assert event["headers"]["x-custom"] == "Value"
    assert "cookie" not in event["headers"]
    assert event["isBase64Encoded"] is False and "body" not in event
    context = event["requestContext"]
    uid = url_id(echo)
    assert context["apiId"] == context["domainPrefix"] == uid
    assert context["domainName"] == f"{uid}.lambda-url.us-east-1.localhost"
    assert context["accountId"] == "anonymous"
    assert context["http"] == {
        "method": "GET",
        "path": "/a/b%20c",
        "protocol": "HTTP/1.1",
        "sourceIp": "127.0.0.1",
        "userAgent": "tests/1.0",
    }
    assert (context["routeKey"], context["stage"]) == ("$default", "$default")
    assert context["requestId"] == json.loads(body)["request_id"] == headers["x-amzn-RequestId"]
    assert re.fullmatch(r"\d\d/[A-Z][a-z]{2}/\d{4}:\d\d:\d\d:\d\d \+0000", context["time"])
    assert isinstance(context["timeEpoch"], int)


def test_post_with_a_json_body_and_a_binary_body(cloudlet, echo):
    payload = json.dumps({"hello": "wörld"}).encode()
    status, _, body = call(
        cloudlet, echo, "/items", "POST", payload, {"Content-Type": "application/json; charset=utf-8"}
    )
    event = event_of(body)
    assert status == 200
    assert event["requestContext"]["http"]["method"] == "POST"
    assert (event["body"], event["isBase64Encoded"]) == (payload.decode(), False)
    assert "queryStringParameters" not in event

    binary = bytes(range(256))
    status, _, body = call(cloudlet, echo, "/", "PUT", binary, {"Content-Type": "application/octet-stream"})
    event = event_of(body)
    assert event["isBase64Encoded"] is True
    assert base64.b64decode(event["body"]) == binary


def test_a_response_dict_sets_status_headers_cookies_and_body(cloudlet, lam, make_function):
    make_function(
        "web",
        """
import base64

def handler(event, context):
    if event["rawPath"] == "/png":
        return {"statusCode": 200, "headers": {"Content-Type": "image/png"},
                "body": base64.b64encode(b"\\x89PNG\\x00\\xff").decode(), "isBase64Encoded": True}
    return {"statusCode": 201, "headers": {"Content-Type": "text/plain", "X-Out": "yes", "X-Num": 3},
            "cookies": ["a=1; Path=/", "b=2"], "body": "created"}
""",
    )
    config = lam.create_function_url_config(FunctionName="web", AuthType="NONE")
    status, headers, body = call(cloudlet, config, "/things", "POST", b"x")
    assert (status, body) == (201, b"created")
    assert headers["Content-Type"] == "text/plain"
    assert (headers["X-Out"], headers["X-Num"]) == ("yes", "3")
    assert headers.get_all("Set-Cookie") == ["a=1; Path=/", "b=2"]

    status, headers, body = call(cloudlet, config, "/png")
    assert (status, headers["Content-Type"], body) == (200, "image/png", b"\x89PNG\x00\xff")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ('{"hello": "world"}', {"hello": "world"}),
        ('{"body": "not a response without statusCode"}', {"body": "not a response without statusCode"}),
        ("[1, 'two', True]", [1, "two", True]),
        ("3", 3),
        ("None", None),
    ],
)
def test_any_other_json_value_is_a_200_json_body(cloudlet, lam, make_function, value, expected):
    make_function("plain", f"def handler(event, context):\n    return {value}\n")
    config = lam.create_function_url_config(FunctionName="plain", AuthType="NONE")
    status, headers, body = call(cloudlet, config)
    assert (status, headers["Content-Type"], json.loads(body)) == (200, "application/json", expected)


def test_a_string_is_the_body_itself(cloudlet, lam, make_function):
    make_function("plain", "def handler(event, context):\n    return 'hello'\n")
    config = lam.create_function_url_config(FunctionName="plain", AuthType="NONE")
    assert call(cloudlet, config)[::2] == (200, b"hello")


def test_an_error_or_a_timeout_answers_502(cloudlet, lam, make_function):
    make_function(
        "fail",
        """
import time

def handler(event, context):
    if event["rawPath"] == "/slow":
        time.sleep(10)
    if event["rawPath"] == "/bad":
        return {"statusCode": "teapot"}
    raise ValueError("boom")
""",
        Timeout=1,
    )
    config = lam.create_function_url_config(FunctionName="fail", AuthType="NONE")
    for path in ("/", "/slow", "/bad"):
        status, headers, body = call(cloudlet, config, path)
        assert (status, body) == (502, b"Internal Server Error"), path
        assert headers["x-amzn-RequestId"]


def test_cors_preflight_and_response_headers(cloudlet, lam, make_function):
    make_function("api", "def handler(event, context):\n    return {'statusCode': 200, 'body': 'ok'}\n")
    config = lam.create_function_url_config(
        FunctionName="api",
        AuthType="NONE",
        Cors={
            "AllowOrigins": ["https://app.example.com"],
            "AllowMethods": ["GET", "POST"],
            "AllowHeaders": ["x-custom", "content-type"],
            "ExposeHeaders": ["x-out"],
            "MaxAge": 300,
            "AllowCredentials": True,
        },
    )
    preflight = {"Origin": "https://app.example.com", "Access-Control-Request-Method": "POST"}
    status, headers, body = call(cloudlet, config, "/x", "OPTIONS", headers=preflight)
    assert (status, body) == (200, b"")
    assert headers["Access-Control-Allow-Origin"] == "https://app.example.com"
    assert headers["Access-Control-Allow-Methods"] == "GET,POST"
    assert headers["Access-Control-Allow-Headers"] == "x-custom,content-type"
    assert headers["Access-Control-Max-Age"] == "300"
    assert headers["Access-Control-Allow-Credentials"] == "true"

    status, headers, body = call(cloudlet, config, "/x", headers={"Origin": "https://app.example.com"})
    assert (status, body) == (200, b"ok")
    assert headers["Access-Control-Allow-Origin"] == "https://app.example.com"
    assert headers["Access-Control-Expose-Headers"] == "x-out"

    status, headers, _ = call(cloudlet, config, "/x", headers={"Origin": "https://evil.example.com"})
    assert status == 200 and "Access-Control-Allow-Origin" not in headers
    other = dict(preflight, Origin="https://evil.example.com")
    status, headers, _ = call(cloudlet, config, "/x", "OPTIONS", headers=other)
    assert status == 200 and "Access-Control-Allow-Origin" not in headers


def test_aws_iam_urls_need_an_authorization_header(cloudlet, lam, make_function):
    make_function("private", ECHO)
    config = lam.create_function_url_config(FunctionName="private", AuthType="AWS_IAM")
    status, headers, body = call(cloudlet, config)
    assert (status, json.loads(body)) == (403, {"Message": "Forbidden"})
    assert headers["x-amzn-ErrorType"] == "AccessDeniedException"

    signed = {
        "Authorization": "AWS4-HMAC-SHA256 Credential=111122223333/20240101/us-east-1/lambda/aws4_request, "
        "SignedHeaders=host, Signature=0"
    }
    status, _, body = call(cloudlet, config, headers=signed)
    assert status == 200
    context = event_of(body)["requestContext"]
    assert context["accountId"] == "111122223333"
    assert context["authorizer"]["iam"]["accessKey"] == "111122223333"


def test_host_form_under_localhost_and_localstack_cloud(cloudlet, echo):
    uid, port = url_id(echo), urlsplit(cloudlet.endpoint).port
    for domain in ("localhost", "localhost.localstack.cloud"):
        status, _, body = raw_call(cloudlet, f"{uid}.lambda-url.us-east-1.{domain}:{port}", "/p/q?n=1")
        assert status == 200
        event = event_of(body)
        assert (event["rawPath"], event["rawQueryString"]) == ("/p/q", "n=1")
        assert event["requestContext"]["domainName"] == f"{uid}.lambda-url.us-east-1.{domain}"
    status, _, body = raw_call(cloudlet, f"{uid}.lambda-url.eu-west-1.localhost:{port}")
    assert (status, body) == (403, b'{"Message":null}')
    status, _, body = raw_call(cloudlet, f"{'0' * 32}.lambda-url.us-east-1.localhost:{port}")
    assert (status, body) == (403, b'{"Message":null}')


def test_function_url_uses_the_scheme_domain_and_port_the_client_used():
    assert function_url("abc", "eu-west-1", "http://127.0.0.1:4566") == (
        "http://abc.lambda-url.eu-west-1.localhost:4566/"
    )
    assert function_url("abc", "us-east-1", "https://localhost.localstack.cloud:4566") == (
        "https://abc.lambda-url.us-east-1.localhost.localstack.cloud:4566/"
    )
    assert (
        function_url("abc", "us-east-1", "http://localhost") == "http://abc.lambda-url.us-east-1.localhost/"
    )


@pytest.mark.parametrize("domain", ["localhost", "localhost.localstack.cloud"])
def test_function_url_addresses(domain):
    def target(host: str, path: str) -> FunctionUrlTarget | None:
        return function_url_target(HttpRequest("GET", path, headers=Headers([("Host", host)])))

    host = parse_host(f"abc123.lambda-url.eu-west-1.{domain}")
    assert (host.service, host.region, host.hints) == ("lambda-url", "eu-west-1", (("url_id", "abc123"),))
    assert target(f"abc123.lambda-url.eu-west-1.{domain}:4566", "/a/b") == FunctionUrlTarget(
        "abc123", "eu-west-1", "/a/b"
    )
    assert target("localhost:4566", "/_aws/lambda-url/abc123/a/b") == FunctionUrlTarget(
        "abc123", None, "/a/b"
    )
    assert target("localhost:4566", "/_aws/lambda-url/abc123") == FunctionUrlTarget("abc123", None, "/")
    assert target("localhost:4566", "/2015-03-31/functions/") is None
    assert target(f"lambda.eu-west-1.{domain}", "/") is None


def test_reserved_concurrency_applies(cloudlet, lam, echo):
    lam.put_function_concurrency(FunctionName="echo", ReservedConcurrentExecutions=0)
    status, _, body = call(cloudlet, echo)
    assert (status, json.loads(body)) == (429, {"Message": "Rate Exceeded."})
    lam.delete_function_concurrency(FunctionName="echo")
    assert call(cloudlet, echo)[0] == 200


def test_a_url_survives_a_restart_and_the_lambda_service_loads_on_its_first_request(cloudlet, echo):
    cloudlet.restart()  # the new App has not loaded Lambda yet: the URL request loads it
    status, _, body = call(cloudlet, echo, "/after")
    assert status == 200 and event_of(body)["rawPath"] == "/after"
    assert (
        cloudlet.client("lambda").get_function_url_config(FunctionName="echo")["FunctionUrl"]
        == (echo["FunctionUrl"])
    )
