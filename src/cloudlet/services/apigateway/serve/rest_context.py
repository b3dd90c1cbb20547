"""The request context of a REST API request (`requestContext` of a Lambda proxy event, `$context` of
mapping templates) and the parameter expressions of mappings (`method.request.header.X`,
`integration.response.body.a.b`, `stageVariables.x`, `context.requestId`, `'literal'`)."""

from __future__ import annotations

import base64
import json
import os
from datetime import UTC, datetime
from typing import Any

from cloudlet.core import ids
from cloudlet.core.clock import epoch_ms
from cloudlet.gateway.identity import account_for, credential_of
from cloudlet.protocol.http import HttpRequest

__all__ = ["Sources", "build", "domain_name", "extended_request_id", "resolve", "trace_id"]

_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_LOCAL_DOMAINS = ("localhost.localstack.cloud", "localhost")


def extended_request_id() -> str:
    """An id like API Gateway's `x-amz-apigw-id` / `extendedRequestId` (`Fp3kOHKjIAMFtWw=`)."""
    return base64.b64encode(os.urandom(11)).decode()[:15] + "="


def trace_id(now: float) -> str:
    """An X-Ray trace header value for a request that did not bring one."""
    return f"Root=1-{int(now):08x}-{ids.hex_id(24)}"


def domain_name(request: HttpRequest, api_id: str) -> str:
    """The API's host name as the request used it (`<api-id>.execute-api.localhost`), or its
    `localhost.localstack.cloud` form when the request came by path."""
    host = request.host
    if host.startswith(f"{api_id}.execute-api."):
        return host
    return f"{api_id}.execute-api.{_LOCAL_DOMAINS[0]}"


def _request_time(now: float) -> str:
    dt = datetime.fromtimestamp(now, tz=UTC)
    return f"{dt:%d}/{_MONTHS[dt.month - 1]}/{dt:%Y:%H:%M:%S} +0000"


def identity(request: HttpRequest, default_account: str, signed: bool) -> dict[str, Any]:
    """`requestContext.identity`; with `signed` (AWS_IAM) the caller's access key and account."""
    out: dict[str, Any] = {
        "cognitoIdentityPoolId": None,
        "accountId": None,
        "cognitoIdentityId": None,
        "caller": None,
        "sourceIp": request.client,
        "principalOrgId": None,
        "accessKey": None,
        "cognitoAuthenticationType": None,
        "cognitoAuthenticationProvider": None,
        "userArn": None,
        "userAgent": request.headers.get("user-agent"),
        "user": None,
    }
    credential = credential_of(request) if signed else None
    if credential is not None:
        account = account_for(credential.access_key_id, default_account)
        out.update(
            accessKey=credential.access_key_id,
            accountId=account,
            caller=account,
            user=account,
            userArn=f"arn:aws:iam::{account}:root",
        )
    return out


def build(
    request: HttpRequest,
    *,
    account: str,
    api_id: str,
    stage: str,
    deployment_id: str,
    resource: dict[str, Any],
    path: str,
    now: float,
    request_id: str,
    extended_id: str,
    signed: bool,
) -> dict[str, Any]:
    """`requestContext` of a request routed to `resource`; `path` is the request path after the stage."""
    domain = domain_name(request, api_id)
    return {
        "resourceId": resource.get("id"),
        "resourcePath": resource.get("path") or "/",
        "httpMethod": request.method,
        "extendedRequestId": extended_id,
        "requestTime": _request_time(now),
        "path": f"/{stage}{path}",
        "accountId": account,
        "protocol": "HTTP/1.1",
        "stage": stage,
        "domainPrefix": domain.split(".", 1)[0],
        "requestTimeEpoch": epoch_ms(now),
        "requestId": request_id,
        "identity": identity(request, account, signed),
        "domainName": domain,
        "deploymentId": deployment_id,
        "apiId": api_id,
    }


# -- parameter expressions -------------------------------------------------------------------------------


class Sources:
    """What parameter expressions read: the method request (`method.request.*`), the integration
    response (`integration.response.*`), stage variables and the context."""

    __slots__ = (
        "context",
        "path",
        "query",
        "request_body",
        "request_headers",
        "response_body",
        "response_headers",
        "stage",
    )

    def __init__(
        self,
        *,
        request: HttpRequest | None = None,
        path_params: dict[str, str] | None = None,
        query: dict[str, list[str]] | None = None,
        stage_variables: dict[str, str] | None = None,
        context: dict[str, Any] | None = None,
        response_headers: list[tuple[str, str]] | None = None,
        response_body: bytes | None = None,
    ) -> None:
        self.request_headers: dict[str, list[str]] = {}
        self.request_body = request.body if request is not None else None
        if request is not None:
            for name, value in request.headers.items():
                self.request_headers.setdefault(name.lower(), []).append(value)
        self.path = path_params or {}
        self.query = query or {}
        self.stage = stage_variables or {}
        self.context = context or {}
        self.response_headers: dict[str, list[str]] = {}
        for name, value in response_headers or ():
            self.response_headers.setdefault(name.lower(), []).append(value)
        self.response_body = response_body


def resolve(expression: str, sources: Sources) -> str | list[str] | None:
    """The value of a mapping expression; `multivalue*` forms give lists; None when absent."""
    expression = expression.strip()
    if len(expression) >= 2 and expression[0] == "'" and expression[-1] == "'":
        return expression[1:-1]
    if expression.startswith("stageVariables."):
        return sources.stage.get(expression[len("stageVariables.") :])
    if expression.startswith("context."):
        value: Any = sources.context
        for part in expression[len("context.") :].split("."):
            value = value.get(part) if isinstance(value, dict) else None
        return None if value is None else _text(value)
    for prefix, where in (("method.request.", "request"), ("integration.response.", "response")):
        if expression.startswith(prefix):
            kind, _, name = expression[len(prefix) :].partition(".")
            return _resolve_in(where, kind, name, sources)
    return None


def _resolve_in(where: str, kind: str, name: str, sources: Sources) -> str | list[str] | None:
    if where == "request":
        if kind == "header":
            values = sources.request_headers.get(name.lower())
            return values[-1] if values else None
        if kind == "multivalueheader":
            return sources.request_headers.get(name.lower())
        if kind == "querystring":
            values = sources.query.get(name)
            return values[-1] if values else None
        if kind == "multivaluequerystring":
            return sources.query.get(name)
        if kind == "path":
            return sources.path.get(name)
        if kind == "body":
            return _body_value(sources.request_body, name)
        return None
    if kind == "header":
        values = sources.response_headers.get(name.lower())
        return values[-1] if values else None
    if kind == "multivalueheader":
        return sources.response_headers.get(name.lower())
    if kind == "body":
        return _body_value(sources.response_body, name)
    return None


def _body_value(body: bytes | None, path: str) -> str | None:
    """`integration.response.body` (whole body) or `.body.a.b` (a JSON path into it)."""
    if body is None:
        return None
    if not path:
        return body.decode("utf-8", errors="replace")
    try:
        value: Any = json.loads(body)
    except ValueError:
        return None
    for part in path.split("."):
        if part == "$" or not part:
            continue
        if isinstance(value, dict):
            value = value.get(part)
        elif isinstance(value, list) and part.isdigit() and int(part) < len(value):
            value = value[int(part)]
        else:
            return None
    return None if value is None else _text(value)


def _text(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict | list):
        return json.dumps(value, separators=(",", ":"))
    return str(value)
