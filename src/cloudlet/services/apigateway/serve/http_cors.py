"""CORS for HTTP APIs with a `corsConfiguration`: API Gateway answers preflight requests (OPTIONS with
`Origin` and `Access-Control-Request-Method`) itself with 204, whatever the routes, and puts its own
`access-control-*` headers on every other response to an allowed origin, replacing the integration's."""

from __future__ import annotations

from typing import Any

from cloudlet.protocol.http import HttpRequest


def is_preflight(request: HttpRequest) -> bool:
    return (
        request.method == "OPTIONS"
        and "origin" in request.headers
        and "access-control-request-method" in request.headers
    )


def _allowed_origin(cors: dict[str, Any], origin: str) -> str | None:
    allowed = cors.get("allowOrigins") or []
    if "*" in allowed:
        return "*"
    lowered = origin.lower()
    return origin if any(o.lower() == lowered for o in allowed) else None


def response_headers(cors: dict[str, Any], origin: str | None) -> list[tuple[str, str]]:
    """The CORS headers of an actual request from `origin` (none for other origins)."""
    allow = _allowed_origin(cors, origin) if origin else None
    if allow is None:
        return []
    headers = [("access-control-allow-origin", allow)]
    if cors.get("allowCredentials"):
        headers.append(("access-control-allow-credentials", "true"))
    if cors.get("exposeHeaders"):
        headers.append(("access-control-expose-headers", ",".join(cors["exposeHeaders"])))
    if allow != "*":
        headers.append(("vary", "origin"))
    return headers


def preflight_headers(cors: dict[str, Any], request: HttpRequest) -> list[tuple[str, str]]:
    origin = request.headers.get("origin") or ""
    allow = _allowed_origin(cors, origin)
    if allow is None:
        return []
    headers = [("access-control-allow-origin", allow)]
    if cors.get("allowCredentials"):
        headers.append(("access-control-allow-credentials", "true"))
    if cors.get("allowMethods"):
        headers.append(("access-control-allow-methods", ",".join(cors["allowMethods"])))
    if cors.get("allowHeaders"):
        headers.append(("access-control-allow-headers", ",".join(cors["allowHeaders"])))
    if cors.get("maxAge") is not None:
        headers.append(("access-control-max-age", str(cors["maxAge"])))
    if allow != "*":
        headers.append(("vary", "origin"))
    return headers


def replace(headers: list[tuple[str, str]], added: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """`headers` without any `access-control-*` of their own, plus `added`."""
    kept = [(k, v) for k, v in headers if not k.lower().startswith("access-control-")]
    return kept + added
