"""Payload format 2.0 for HTTP APIs: the event a Lambda proxy integration (or a Lambda authorizer)
receives, and how the function's answer becomes the HTTP response.

Event: header names lower-cased, repeated headers and query parameters joined with commas, `Cookie`
headers moved to `cookies`, `rawPath` as sent (with the stage for a named stage), the body as text for
textual content types and base64 otherwise. Response: a JSON object with `statusCode` is a response
(`headers`, `cookies` → `Set-Cookie`, `body`, `isBase64Encoded`); any other valid JSON is a 200
`application/json` response whose body is that JSON (a string's own text).
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl

from cloudlet.core import ids
from cloudlet.core.clock import epoch_ms
from cloudlet.protocol.http import HttpRequest

_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_TEXT_TYPES = ("json", "xml", "javascript", "yaml", "text/", "html", "csv")
JSON_TYPE = "application/json"


@dataclass(slots=True)
class Call:
    """One request being served, with what routing and authorization learned about it."""

    request: HttpRequest
    account: str
    region: str
    api_id: str
    stage: str
    raw_path: str
    """The path the client used after the API (with the stage for a named stage): `rawPath`."""
    route_key: str
    request_id: str
    now: float
    domain_name: str
    path_params: dict[str, str] = field(default_factory=dict)
    stage_variables: dict[str, str] = field(default_factory=dict)
    authorizer: dict[str, Any] | None = None
    """`requestContext.authorizer` of payload 2.0 (`{"jwt": ...}`, `{"lambda": ...}`, `{"iam": ...}`)."""
    authorizer_v1: dict[str, Any] | None = None
    """`requestContext.authorizer` of payload 1.0 (flat: the Lambda authorizer's context and
    principalId, or `{"claims": ..., "scopes": ...}` for JWT)."""


def request_time(now: float) -> str:
    """`12/Mar/2020:19:03:58 +0000`."""
    dt = datetime.fromtimestamp(now, tz=UTC)
    return f"{dt:%d}/{_MONTHS[dt.month - 1]}/{dt:%Y:%H:%M:%S} +0000"


def joined_headers(request: HttpRequest) -> tuple[dict[str, str], list[str]]:
    """(lower-cased headers, repeated ones comma-joined, without `Cookie`; the cookies)."""
    headers: dict[str, str] = {}
    cookies: list[str] = []
    for name, value in request.headers.items():
        name = name.lower()
        if name == "cookie":
            cookies += [c.strip() for c in value.split(";") if c.strip()]
        else:
            headers[name] = f"{headers[name]},{value}" if name in headers else value
    return headers, cookies


def forwarded_headers(call: Call, headers: dict[str, str]) -> dict[str, str]:
    """`headers` with what API Gateway adds on the way to an integration."""
    request = call.request
    headers.setdefault("x-forwarded-for", request.client)
    headers.setdefault("x-forwarded-proto", "http")
    port = (request.headers.get("host") or "").rpartition(":")[2]
    if port.isdigit():
        headers.setdefault("x-forwarded-port", port)
    headers.setdefault("x-amzn-trace-id", f"Root=1-{int(call.now):08x}-{ids.hex_id(24)}")
    if request.body:
        headers.setdefault("content-length", str(len(request.body)))
    return headers


def query_params(query_string: str) -> dict[str, str]:
    params: dict[str, str] = {}
    for name, value in parse_qsl(query_string, keep_blank_values=True):
        params[name] = f"{params[name]},{value}" if name in params else value
    return params


def request_context(call: Call) -> dict[str, Any]:
    request = call.request
    context: dict[str, Any] = {
        "accountId": call.account,
        "apiId": call.api_id,
    }
    if call.authorizer is not None:
        context["authorizer"] = call.authorizer
    context.update(
        {
            "domainName": call.domain_name,
            "domainPrefix": call.domain_name.split(".", 1)[0],
            "http": {
                "method": request.method,
                "path": call.raw_path,
                "protocol": "HTTP/1.1",
                "sourceIp": request.client,
                "userAgent": request.headers.get("user-agent") or "",
            },
            "requestId": call.request_id,
            "routeKey": call.route_key,
            "stage": call.stage,
            "time": request_time(call.now),
            "timeEpoch": epoch_ms(call.now),
        }
    )
    return context


def is_text(content_type: str) -> bool:
    content_type = content_type.lower()
    return any(t in content_type for t in _TEXT_TYPES)


def encode_body(body: bytes, content_type: str) -> tuple[str, bool]:
    """(body as event text, isBase64Encoded)."""
    if is_text(content_type):
        try:
            return body.decode("utf-8"), False
        except UnicodeDecodeError:
            pass
    return base64.b64encode(body).decode(), True


def event(call: Call) -> dict[str, Any]:
    """The payload format 2.0 event of a Lambda proxy integration."""
    request = call.request
    headers, cookies = joined_headers(request)
    out: dict[str, Any] = {
        "version": "2.0",
        "routeKey": call.route_key,
        "rawPath": call.raw_path,
        "rawQueryString": request.query_string,
    }
    if cookies:
        out["cookies"] = cookies
    out["headers"] = forwarded_headers(call, headers)
    if request.query_string:
        out["queryStringParameters"] = query_params(request.query_string)
    out["requestContext"] = request_context(call)
    if request.body:
        out["body"], encoded = encode_body(request.body, request.headers.get("content-type") or "")
    else:
        encoded = False
    if call.path_params:
        out["pathParameters"] = dict(call.path_params)
    out["isBase64Encoded"] = encoded
    if call.stage_variables:
        out["stageVariables"] = dict(call.stage_variables)
    return out


def authorizer_event(call: Call, route_arn: str, identity: list[str]) -> dict[str, Any]:
    """The payload format 2.0 event of a Lambda REQUEST authorizer."""
    request = call.request
    headers, cookies = joined_headers(request)
    out: dict[str, Any] = {
        "version": "2.0",
        "type": "REQUEST",
        "routeArn": route_arn,
        "identitySource": identity,
        "routeKey": call.route_key,
        "rawPath": call.raw_path,
        "rawQueryString": request.query_string,
    }
    if cookies:
        out["cookies"] = cookies
    out["headers"] = forwarded_headers(call, headers)
    if request.query_string:
        out["queryStringParameters"] = query_params(request.query_string)
    out["requestContext"] = request_context(call)
    if call.path_params:
        out["pathParameters"] = dict(call.path_params)
    if call.stage_variables:
        out["stageVariables"] = dict(call.stage_variables)
    return out


def parse_response(payload: bytes) -> tuple[int, list[tuple[str, str]], bytes]:
    """(status, headers, body) of a payload format 2.0 answer. Raises ValueError when unusable."""
    try:
        value = json.loads(payload)
    except ValueError as exc:
        raise ValueError("the function's answer is not JSON") from exc
    if not isinstance(value, dict) or "statusCode" not in value:
        body = value.encode() if isinstance(value, str) else payload
        return 200, [("content-type", JSON_TYPE)], body
    status = value["statusCode"]
    if isinstance(status, str) and status.isdigit():
        status = int(status)
    if isinstance(status, bool) or not isinstance(status, int) or not 100 <= status <= 599:
        raise ValueError(f"invalid status code {status!r}")
    headers: list[tuple[str, str]] = []
    raw_headers = value.get("headers") or {}
    if not isinstance(raw_headers, dict):
        raise ValueError("headers is not an object")
    for name, header_value in raw_headers.items():
        text = _header_text(header_value)
        check_header(name, text)
        headers.append((name, text))
    cookies = value.get("cookies") or []
    if not isinstance(cookies, list):
        raise ValueError("cookies is not a list")
    for cookie in cookies:
        check_header("set-cookie", str(cookie))
        headers.append(("set-cookie", str(cookie)))
    raw = value.get("body")
    if raw is None:
        body = b""
    elif not isinstance(raw, str):
        body = json.dumps(raw).encode()
    elif value.get("isBase64Encoded"):
        try:
            body = base64.b64decode(raw, validate=True)
        except binascii.Error as exc:
            raise ValueError("body is not base64") from exc
    else:
        body = raw.encode()
    if not any(name.lower() == "content-type" for name, _ in headers) and body:
        headers.insert(0, ("content-type", JSON_TYPE))
    return status, headers, body


def _header_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return ",".join(_header_text(v) for v in value)
    return str(value)


def check_header(name: str, value: str) -> None:
    if not name or any(c in name for c in " :\r\n\t") or "\r" in value or "\n" in value:
        raise ValueError(f"invalid header {name!r}")
    name.encode("latin-1")
    value.encode("latin-1")  # UnicodeEncodeError is a ValueError


class Refusal(Exception):
    """API Gateway answers the request itself: `{"message": message}` with `status`."""

    def __init__(self, status: int, message: str, headers: list[tuple[str, str]] | None = None) -> None:
        super().__init__(f"{status} {message}")
        self.status = status
        self.message = message
        self.headers = headers or []


NOT_FOUND = (404, "Not Found")
UNAUTHORIZED = (401, "Unauthorized")
FORBIDDEN = (403, "Forbidden")
INTERNAL = (500, "Internal Server Error")
UNAVAILABLE = (503, "Service Unavailable")
THROTTLED = (429, "Too Many Requests")
