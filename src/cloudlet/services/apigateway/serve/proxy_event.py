"""Lambda proxy integrations, payload format 1.0: the event a function receives (`v1_event`) and the
answer it gives (`parse_v1_response`). REST APIs' AWS_PROXY integrations use it, and so do HTTP APIs
whose integration has `payloadFormatVersion` 1.0.

Event (AWS's order): `resource, path, httpMethod, headers, multiValueHeaders, queryStringParameters,
multiValueQueryStringParameters, pathParameters, stageVariables, requestContext, body, isBase64Encoded`.
Single-value `headers`/`queryStringParameters` hold the last value of a repeated name; the multi-value
maps hold them all. Empty maps are `null`, an empty body is `null`. The body is base64 (and
`isBase64Encoded` true) when the request's Content-Type matches one of the API's binary media types.

Response: a JSON object with only `statusCode` (required; an integer or a string of digits), `headers`,
`multiValueHeaders` (merged with `headers`; a name in both takes the multi-value list), `body` (a string
or null) and `isBase64Encoded`. Anything else is a malformed proxy response (`ValueError`), which API
Gateway answers with 502.
"""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any
from urllib.parse import unquote_plus

from cloudlet.protocol.http import Headers, HttpRequest

__all__ = ["is_binary", "parse_v1_output", "parse_v1_response", "query_pairs", "v1_event", "with_headers"]

_RESPONSE_KEYS = frozenset({"statusCode", "headers", "multiValueHeaders", "body", "isBase64Encoded"})
_SCALARS = (str, int, float, bool)


def v1_event(
    request: HttpRequest,
    *,
    resource: str,
    path: str,
    path_params: dict[str, str] | None,
    stage_variables: dict[str, str] | None,
    request_context: dict[str, Any],
    binary_types: list[str],
) -> dict[str, Any]:
    """The payload format 1.0 event of `request` routed to `resource` (`/items/{id}`); `path` is the
    request path without the stage (as sent: percent-encoding kept)."""
    headers: dict[str, str] = {}
    multi_headers: dict[str, list[str]] = {}
    for name, value in request.headers.items():
        headers[name] = value
        multi_headers.setdefault(name, []).append(value)
    query: dict[str, str] = {}
    multi_query: dict[str, list[str]] = {}
    for name, value in query_pairs(request.query_string):
        query[name] = value
        multi_query.setdefault(name, []).append(value)
    body: str | None = None
    encoded = False
    if request.body:
        if is_binary(request.headers.get("content-type"), binary_types):
            body, encoded = base64.b64encode(request.body).decode(), True
        else:
            body = request.body.decode("utf-8", errors="replace")
    return {
        "resource": resource,
        "path": path,
        "httpMethod": request.method,
        "headers": headers or None,
        "multiValueHeaders": multi_headers or None,
        "queryStringParameters": query or None,
        "multiValueQueryStringParameters": multi_query or None,
        "pathParameters": dict(path_params) if path_params else None,
        "stageVariables": dict(stage_variables) if stage_variables else None,
        "requestContext": request_context,
        "body": body,
        "isBase64Encoded": encoded,
    }


def parse_v1_response(payload: bytes) -> tuple[int, list[tuple[str, str]], bytes]:
    """(status, headers, body) of a function's proxy response; the body is decoded when
    `isBase64Encoded` is true. Raises ValueError when `payload` is not a valid proxy response."""
    status, headers, body, _ = parse_v1_output(payload)
    return status, headers, body


def parse_v1_output(payload: bytes) -> tuple[int, list[tuple[str, str]], bytes, bool]:
    """`parse_v1_response` and whether the function sent the body base64-encoded."""
    try:
        value = json.loads(payload)
    except (ValueError, UnicodeDecodeError) as exc:
        raise ValueError("the function's output is not JSON") from exc
    if not isinstance(value, dict):
        raise ValueError("the function's output is not a JSON object")
    unknown = set(value) - _RESPONSE_KEYS
    if unknown:
        raise ValueError(f"unexpected fields {sorted(unknown)}")
    status = _status(value.get("statusCode"))
    single = _header_map(value.get("headers"), multi=False)
    multi = _header_map(value.get("multiValueHeaders"), multi=True)
    headers: list[tuple[str, str]] = []
    multi_names = {name.lower() for name in multi}
    for name, values in single.items():
        if name.lower() not in multi_names:
            headers += [(name, v) for v in values]
    for name, values in multi.items():
        headers += [(name, v) for v in values]
    raw = value.get("body")
    encoded = _flag(value.get("isBase64Encoded"))
    if raw is None:
        body = b""
    elif not isinstance(raw, str):
        raise ValueError("body is not a string")
    elif encoded:
        try:
            body = base64.b64decode(raw, validate=True)
        except binascii.Error as exc:
            raise ValueError("body is not base64") from exc
    else:
        body = raw.encode()
    return status, headers, body, encoded


def is_binary(content_type: str | None, binary_types: list[str]) -> bool:
    """True when the media type `content_type` matches one of `binary_types` (`image/png`, `image/*`,
    `*/*`)."""
    if not content_type or not binary_types:
        return False
    kind = content_type.split(";", 1)[0].strip().lower()
    major, _, minor = kind.partition("/")
    for entry in binary_types:
        e_major, _, e_minor = entry.strip().lower().partition("/")
        if (e_major in ("*", major)) and (e_minor in ("*", minor)):
            return True
    return False


def query_pairs(raw: str) -> list[tuple[str, str]]:
    """Decoded (name, value) pairs of a raw query string, in order, blank values kept."""
    pairs: list[tuple[str, str]] = []
    for part in raw.split("&") if raw else ():
        if not part:
            continue
        name, _, value = part.partition("=")
        pairs.append((unquote_plus(name), unquote_plus(value)))
    return pairs


def with_headers(request: HttpRequest, extra: list[tuple[str, str]]) -> HttpRequest:
    """A copy of `request` with `extra` headers appended (those the request has not got already), as
    API Gateway adds `X-Forwarded-For`, `X-Amzn-Trace-Id` ... before the integration sees it."""
    added = [(name, value) for name, value in extra if name not in request.headers]
    if not added:
        return request
    return HttpRequest(
        request.method,
        request.raw_path,
        request.query_string,
        Headers([*request.headers.items(), *added]),
        request.body,
        request.client,
    )


def _status(value: Any) -> int:
    if isinstance(value, bool):
        raise ValueError("statusCode is not a number")
    if isinstance(value, int):
        status = value
    elif isinstance(value, str) and value.strip().isdigit():
        status = int(value)
    else:
        raise ValueError("statusCode is missing or not a number")
    if not 100 <= status <= 599:
        raise ValueError(f"statusCode {status} out of range")
    return status


def _header_map(value: Any, *, multi: bool) -> dict[str, list[str]]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise ValueError("headers is not an object")
    out: dict[str, list[str]] = {}
    for name, item in value.items():
        items = item if multi else [item]
        if not isinstance(items, list):
            raise ValueError(f"multiValueHeaders[{name!r}] is not a list")
        texts = []
        for one in items:
            if one is None:
                continue
            if not isinstance(one, _SCALARS):
                raise ValueError(f"header {name!r} has a non-scalar value")
            text = str(one).lower() if isinstance(one, bool) else str(one)
            _check_header(name, text)
            texts.append(text)
        out[name] = texts
    return out


def _check_header(name: str, value: str) -> None:
    if not name or any(c in name for c in " :\r\n\t") or "\r" in value or "\n" in value:
        raise ValueError(f"invalid header {name!r}")
    name.encode("latin-1")
    value.encode("latin-1")  # UnicodeEncodeError is a ValueError


def _flag(value: Any) -> bool:
    if isinstance(value, str):
        return value.lower() == "true"
    return bool(value)
