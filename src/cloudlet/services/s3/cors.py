"""CORS on S3 buckets: OPTIONS preflight requests evaluated against the bucket's CORS rules, and the
`Access-Control-*` headers added to actual responses to a matching `Origin`.

The first rule whose AllowedOrigins, AllowedMethods and AllowedHeaders all match wins ("Configuring
cross-origin resource sharing", "How does Amazon S3 evaluate the CORS configuration" and
"Troubleshooting CORS" in the S3 User Guide). The gateway calls `preflight_response` for an OPTIONS
request and `decorate` for the response to any S3 request carrying an `Origin`.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

from cloudlet.services.s3 import store
from cloudlet.services.s3.errors import AccessForbidden, BadRequest

if TYPE_CHECKING:
    from cloudlet.app import App
    from cloudlet.protocol.http import HttpRequest, HttpResponse
    from cloudlet.services.s3.engine import S3

KIND = "cors"
VARY = "Origin, Access-Control-Request-Headers, Access-Control-Request-Method"
NOT_ALLOWED = (
    "CORSResponse: This CORS request is not allowed. This is usually because the evalution of Origin,"
    " request method / Access-Control-Request-Method or Access-Control-Request-Headers are not whitelisted"
    " by the resource's CORS spec."
)


def _target(request: HttpRequest, host_bucket: str | None) -> tuple[str, str]:
    """(bucket, key) a request addresses, path-style unless the Host named the bucket."""
    path = request.raw_path.lstrip("/")
    if host_bucket:
        return host_bucket, unquote(path)
    bucket, _, key = path.partition("/")
    return unquote(bucket), unquote(key)


@lru_cache(maxsize=256)
def _pattern(value: str, flags: int = 0) -> re.Pattern[str]:
    """An AllowedOrigin (case-sensitive) or AllowedHeader (`re.IGNORECASE`) value, with at most one
    `*`, as a regular expression."""
    return re.compile(".*".join(re.escape(part) for part in value.split("*")) + r"\Z", flags)


def match(rules: list[dict[str, Any]], origin: str, method: str, headers: list[str]) -> dict[str, Any] | None:
    """The first rule allowing `origin`, `method` and every requested header, or None."""
    for rule in rules:
        if method not in (rule.get("AllowedMethods") or []):
            continue
        origins = rule.get("AllowedOrigins") or []
        if "*" not in origins and not any(_pattern(o).match(origin) for o in origins):
            continue
        allowed = rule.get("AllowedHeaders") or []
        if any(not any(_pattern(a, re.IGNORECASE).match(h) for a in allowed) for h in headers):
            continue
        return rule
    return None


def _allow_headers(rule: dict[str, Any], origin: str, requested: list[str]) -> list[tuple[str, str]]:
    wildcard = "*" in (rule.get("AllowedOrigins") or [])
    out = [("Access-Control-Allow-Origin", "*" if wildcard else origin)]
    if not wildcard:
        out.append(("Access-Control-Allow-Credentials", "true"))
    out.append(("Access-Control-Allow-Methods", ", ".join(rule["AllowedMethods"])))
    if requested:
        out.append(("Access-Control-Allow-Headers", ", ".join(requested)))
    if rule.get("ExposeHeaders"):
        out.append(("Access-Control-Expose-Headers", ", ".join(rule["ExposeHeaders"])))
    if rule.get("MaxAgeSeconds") is not None:
        out.append(("Access-Control-Max-Age", str(rule["MaxAgeSeconds"])))
    out.append(("Vary", VARY))
    return out


def _rules(s3: S3, bucket: str) -> tuple[bool, list[dict[str, Any]] | None]:
    """(bucket exists, its CORS rules or None)."""
    with s3.db.read() as conn:
        if store.get_bucket(conn, bucket) is None:
            return False, None
        document = store.get_config(conn, bucket, KIND)
    return True, (document or {}).get("CORSRules")


def preflight(s3: S3, request: HttpRequest, host_bucket: str | None) -> list[tuple[str, str]]:
    """The headers of a 200 answer to an OPTIONS preflight.

    Raises: BadRequest (no Origin or Access-Control-Request-Method), AccessForbidden (no such bucket,
    no CORS configuration, or no rule allows the request).
    """
    origin = request.headers.get("origin")
    if not origin:
        raise BadRequest("Insufficient information. Origin request header needed.")
    method = request.headers.get("access-control-request-method")
    if not method:
        raise BadRequest("Invalid Access-Control-Request-Method: null")
    bucket, key = _target(request, host_bucket)
    exists, rules = _rules(s3, bucket)
    if not exists:
        raise AccessForbidden("CORSResponse: Bucket not found", Method=method, ResourceType="BUCKET")
    if not rules:
        raise AccessForbidden(
            "CORSResponse: CORS is not enabled for this bucket.", Method=method, ResourceType="BUCKET"
        )
    requested = _requested_headers(request)
    rule = match(rules, origin, method, requested)
    if rule is None:
        raise AccessForbidden(NOT_ALLOWED, Method=method, ResourceType="OBJECT" if key else "BUCKET")
    return _allow_headers(rule, origin, requested)


def _requested_headers(request: HttpRequest) -> list[str]:
    text = request.headers.get("access-control-request-headers") or ""
    return [h.strip().lower() for h in text.split(",") if h.strip()]


def response_headers(s3: S3, request: HttpRequest, host_bucket: str | None) -> list[tuple[str, str]]:
    """`Access-Control-*` headers for the response to an actual request carrying an Origin, when a
    rule of its bucket allows it (none otherwise)."""
    origin = request.headers.get("origin")
    if not origin:
        return []
    bucket, _ = _target(request, host_bucket)
    if not bucket:
        return []
    _, rules = _rules(s3, bucket)
    if not rules:
        return []
    rule = match(rules, origin, request.method, [])
    return _allow_headers(rule, origin, []) if rule is not None else []


def preflight_response(app: App, request: HttpRequest) -> HttpResponse:
    """The answer to an S3 CORS preflight (OPTIONS has no S3 operation): 200 with the allowed headers,
    or S3's error document."""
    from cloudlet.core import ids
    from cloudlet.gateway.routing import parse_host
    from cloudlet.protocol import catalog
    from cloudlet.protocol.errors import ServiceError
    from cloudlet.protocol.http import HttpResponse
    from cloudlet.protocol.serializers.base import create_serializer

    request_id = ids.request_id()
    serializer = create_serializer(catalog.service_model("s3"), "rest-xml")
    host_bucket = dict(parse_host(request.host).hints).get("bucket")
    try:
        headers = preflight(app.service("s3").state, request, host_bucket)
    except ServiceError as exc:
        return serializer.serialize_error(exc, None, request_id)
    return HttpResponse(200, serializer.request_id_headers(request_id) + headers, b"")


def decorate(app: App, request: HttpRequest, host_bucket: str | None, response: HttpResponse) -> None:
    """Add the bucket's CORS headers to the response to a cross-origin S3 request."""
    response.headers.extend(response_headers(app.service("s3").state, request, host_bucket))
