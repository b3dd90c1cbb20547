"""HTTP APIs over real HTTP without Lambda: HTTP proxy integrations to a local server (path
variables, parameter mapping, timeouts), CORS, stage throttling and the disabled execute-api endpoint."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest


class Backend:
    """A local HTTP server answering every request with a JSON description of it."""

    def __init__(self) -> None:
        class Handler(BaseHTTPRequestHandler):
            def _answer(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length).decode() if length else ""
                if self.path.startswith("/slow"):
                    time.sleep(0.5)
                data = json.dumps(
                    {
                        "method": self.command,
                        "path": self.path,
                        "headers": {k.lower(): v for k, v in self.headers.items()},
                        "body": body,
                    }
                ).encode()
                self.send_response(202 if self.command == "POST" else 200)
                self.send_header("Content-Type", "application/json")
                self.send_header("X-Backend", "yes")
                self.send_header("Access-Control-Allow-Origin", "https://backend.example")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = do_PUT = do_DELETE = _answer

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def backend() -> Iterator[Backend]:
    server = Backend()
    yield server
    server.close()


def _proxy(apigw2: Any, api_id: str, uri: str, **extra: Any) -> str:
    integration = apigw2.create_integration(
        ApiId=api_id,
        IntegrationType="HTTP_PROXY",
        IntegrationMethod=extra.pop("IntegrationMethod", "ANY"),
        IntegrationUri=uri,
        PayloadFormatVersion="1.0",
        **extra,
    )
    return f"integrations/{integration['IntegrationId']}"


def test_http_proxy(apigw2: Any, invoke: Any, backend: Backend) -> None:
    api_id = apigw2.create_api(Name="proxy", ProtocolType="HTTP")["ApiId"]
    greedy = _proxy(apigw2, api_id, backend.url + "/base/{proxy}")
    mapped = _proxy(
        apigw2,
        api_id,
        backend.url + "/ignored",
        RequestParameters={
            "overwrite:path": "/items/$request.path.id",
            "append:header.x-user": "$request.header.x-name",
            "remove:header.x-drop": "''",
            "overwrite:querystring.stage": "$context.stage",
        },
        ResponseParameters={
            "200": {"append:header.x-mapped": "$response.header.x-backend", "remove:header.x-backend": "''"}
        },
    )
    slow = _proxy(apigw2, api_id, backend.url + "/slow", TimeoutInMillis=100)
    apigw2.create_route(ApiId=api_id, RouteKey="ANY /files/{proxy+}", Target=greedy)
    apigw2.create_route(ApiId=api_id, RouteKey="GET /items/{id}", Target=mapped)
    apigw2.create_route(ApiId=api_id, RouteKey="GET /slow", Target=slow)
    apigw2.create_stage(ApiId=api_id, StageName="live", AutoDeploy=True)

    reply = invoke(
        "POST", api_id, "/live/files/a/b%20c.txt?x=1&x=2", body="payload", headers={"X-Thing": "t"}
    )
    assert reply.status == 202, reply.body
    seen = reply.json()
    assert seen["method"] == "POST"
    assert seen["path"] == "/base/a/b%20c.txt?x=1&x=2"
    assert seen["body"] == "payload"
    assert seen["headers"]["x-thing"] == "t"
    assert seen["headers"]["x-forwarded-for"] == "127.0.0.1"
    assert reply.headers["x-backend"] == "yes"
    assert reply.headers["apigw-requestid"]

    item = invoke("GET", api_id, "/live/items/42?keep=1", headers={"X-Name": "bob", "X-Drop": "gone"})
    assert item.status == 200, item.body
    seen = item.json()
    assert seen["path"].startswith("/items/42?")
    assert "keep=1" in seen["path"] and "stage=live" in seen["path"]
    assert seen["headers"]["x-user"] == "bob"
    assert "x-drop" not in seen["headers"]
    assert item.headers["x-mapped"] == "yes" and "x-backend" not in item.headers

    timed_out = invoke("GET", api_id, "/live/slow")
    assert (timed_out.status, timed_out.json()) == (503, {"message": "Service Unavailable"})


def test_cors(apigw2: Any, invoke: Any, backend: Backend) -> None:
    api_id = apigw2.create_api(
        Name="cors",
        ProtocolType="HTTP",
        Target=backend.url + "/",
        CorsConfiguration={
            "AllowOrigins": ["https://app.example"],
            "AllowMethods": ["GET", "POST"],
            "AllowHeaders": ["content-type", "x-token"],
            "ExposeHeaders": ["x-backend"],
            "MaxAge": 600,
            "AllowCredentials": True,
        },
    )["ApiId"]
    preflight = invoke(
        "OPTIONS",
        api_id,
        "/anything",
        headers={"Origin": "https://app.example", "Access-Control-Request-Method": "POST"},
    )
    assert (preflight.status, preflight.body) == (204, b"")
    assert preflight.headers["access-control-allow-origin"] == "https://app.example"
    assert preflight.headers["access-control-allow-methods"] == "GET,POST"
    assert preflight.headers["access-control-allow-headers"] == "content-type,x-token"
    assert preflight.headers["access-control-max-age"] == "600"
    assert preflight.headers["access-control-allow-credentials"] == "true"

    actual = invoke("GET", api_id, "/anything", headers={"Origin": "https://app.example"})
    assert actual.status == 200
    assert actual.headers["access-control-allow-origin"] == "https://app.example"  # not the backend's
    assert actual.headers["access-control-expose-headers"] == "x-backend"
    stranger = invoke("GET", api_id, "/anything", headers={"Origin": "https://evil.example"})
    assert "access-control-allow-origin" not in stranger.headers

    apigw2.delete_cors_configuration(ApiId=api_id)
    plain = invoke("GET", api_id, "/anything", headers={"Origin": "https://app.example"})
    assert plain.headers["access-control-allow-origin"] == "https://backend.example"


def test_throttling_and_disabled_endpoint(cloudlet: Any, apigw2: Any, invoke: Any, backend: Backend) -> None:
    api_id = apigw2.create_api(Name="limits", ProtocolType="HTTP")["ApiId"]
    target = _proxy(apigw2, api_id, backend.url + "/")
    for key in ("GET /limited", "GET /tight", "GET /free"):
        apigw2.create_route(ApiId=api_id, RouteKey=key, Target=target)
    apigw2.create_stage(
        ApiId=api_id,
        StageName="$default",
        AutoDeploy=True,
        DefaultRouteSettings={"ThrottlingBurstLimit": 2, "ThrottlingRateLimit": 1.0},
        RouteSettings={
            "GET /tight": {"ThrottlingBurstLimit": 0, "ThrottlingRateLimit": 0.0},
            "GET /free": {"ThrottlingBurstLimit": 100, "ThrottlingRateLimit": 100.0},
        },
    )
    statuses = [invoke("GET", api_id, "/limited").status for _ in range(3)]
    assert statuses == [200, 200, 429]
    throttled = invoke("GET", api_id, "/limited")
    assert throttled.json() == {"message": "Too Many Requests"}
    assert [invoke("GET", api_id, "/free").status for _ in range(3)] == [200, 200, 200]
    assert invoke("GET", api_id, "/tight").status == 429
    cloudlet.clock.advance(1)
    assert invoke("GET", api_id, "/limited").status == 200
    assert invoke("GET", api_id, "/limited").status == 429

    apigw2.update_api(ApiId=api_id, DisableExecuteApiEndpoint=True)
    disabled = invoke("GET", api_id, "/free")
    assert (disabled.status, disabled.json()) == (403, {"message": "Forbidden"})
    assert invoke("GET", "nosuchapi1", "/free").status == 404


def test_aws_service_integrations(apigw2: Any, sqs: Any, invoke: Any) -> None:
    queue_url = sqs.create_queue(QueueName="inbox")["QueueUrl"]
    api_id = apigw2.create_api(Name="services", ProtocolType="HTTP")["ApiId"]
    send = apigw2.create_integration(
        ApiId=api_id,
        IntegrationType="AWS_PROXY",
        IntegrationSubtype="SQS-SendMessage",
        CredentialsArn="arn:aws:iam::000000000000:role/apigw",
        PayloadFormatVersion="1.0",
        RequestParameters={"QueueUrl": queue_url, "MessageBody": "$request.body.message"},
    )["IntegrationId"]
    put = apigw2.create_integration(
        ApiId=api_id,
        IntegrationType="AWS_PROXY",
        IntegrationSubtype="EventBridge-PutEvents",
        CredentialsArn="arn:aws:iam::000000000000:role/apigw",
        PayloadFormatVersion="1.0",
        RequestParameters={"Source": "orders", "DetailType": "created", "Detail": "$request.body"},
    )["IntegrationId"]
    apigw2.create_route(ApiId=api_id, RouteKey="POST /send", Target=f"integrations/{send}")
    apigw2.create_route(ApiId=api_id, RouteKey="POST /events", Target=f"integrations/{put}")
    apigw2.create_stage(ApiId=api_id, StageName="$default", AutoDeploy=True)

    sent = invoke("POST", api_id, "/send", body=json.dumps({"message": "hello queue"}))
    assert sent.status == 200, sent.body
    messages = sqs.receive_message(QueueUrl=queue_url, WaitTimeSeconds=0)["Messages"]
    assert [m["Body"] for m in messages] == ["hello queue"]

    event = invoke("POST", api_id, "/events", body=json.dumps({"id": 7}))
    assert event.status == 200, event.body
    assert event.json()["FailedEntryCount"] == 0
