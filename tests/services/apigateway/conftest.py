"""API Gateway test fixtures: control-plane clients, Lambda functions from source, and a plain HTTP
client for invoke URLs (requests to an API travel over real HTTP, never through boto3)."""

from __future__ import annotations

import http.client
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest

from tests.services.lambda_.conftest import ROLE, package

ACCOUNT = "000000000000"
REGION = "us-east-1"


@pytest.fixture
def apigw(cloudlet: Any) -> Any:
    """The v1 (REST APIs) control plane."""
    return cloudlet.client("apigateway")


@pytest.fixture
def apigw2(cloudlet: Any) -> Any:
    """The v2 (HTTP APIs) control plane."""
    return cloudlet.client("apigatewayv2")


@pytest.fixture
def lam(cloudlet: Any) -> Any:
    return cloudlet.client("lambda")


@pytest.fixture
def sqs(cloudlet: Any) -> Any:
    return cloudlet.client("sqs")


@pytest.fixture
def make_function(lam: Any) -> Callable[..., str]:
    """Create a Python function from `source` (module `app`, handler `app.handler`); returns its ARN."""

    def make(name: str, source: str, **kwargs: Any) -> str:
        return lam.create_function(
            FunctionName=name,
            Runtime="python3.11",
            Role=ROLE,
            Handler=kwargs.pop("Handler", "app.handler"),
            Code={"ZipFile": package({"app.py": source})},
            **kwargs,
        )["FunctionArn"]

    return make


def lambda_uri(function_arn: str, region: str = REGION) -> str:
    """An integration URI that invokes `function_arn` (AWS_PROXY and AWS Lambda integrations)."""
    return f"arn:aws:apigateway:{region}:lambda:path/2015-03-31/functions/{function_arn}/invocations"


@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    """Lower-cased names; repeated headers joined with ', '."""
    body: bytes
    raw_headers: list[tuple[str, str]] = field(default_factory=list)

    def json(self) -> Any:
        return json.loads(self.body)


class InvokeClient:
    """Plain HTTP/1.1 requests to invoke URLs on the test server: by path
    (`/_aws/execute-api/<api-id>/<stage>/<path>`) or, with `host=True`, by Host header
    (`<api-id>.execute-api.localhost:<port>`)."""

    def __init__(self, port: int) -> None:
        self.port = port

    def __call__(
        self,
        method: str,
        api_id: str,
        path: str,
        *,
        body: bytes | str | None = None,
        headers: dict[str, str] | list[tuple[str, str]] | None = None,
        host: bool = False,
    ) -> Reply:
        """`path` starts with the stage (`/prod/items?x=1`), or is the whole path for `$default`."""
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        try:
            target = path if host else f"/_aws/execute-api/{api_id}{path}"
            conn.putrequest(method, target, skip_host=True, skip_accept_encoding=True)
            conn.putheader(
                "Host", f"{api_id}.execute-api.localhost:{self.port}" if host else f"127.0.0.1:{self.port}"
            )
            items = list(headers.items()) if isinstance(headers, dict) else list(headers or [])
            data = body.encode() if isinstance(body, str) else body
            for name, value in items:
                conn.putheader(name, value)
            if data is not None:
                conn.putheader("Content-Length", str(len(data)))
            conn.endheaders(data)
            response = conn.getresponse()
            raw = response.getheaders()
            joined: dict[str, str] = {}
            for name, value in raw:
                key = name.lower()
                joined[key] = f"{joined[key]}, {value}" if key in joined else value
            return Reply(response.status, joined, response.read(), raw)
        finally:
            conn.close()


@pytest.fixture
def invoke(cloudlet: Any) -> InvokeClient:
    return InvokeClient(cloudlet.port)
