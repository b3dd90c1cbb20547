"""HTTP API authorizers (JWT, and Lambda `REQUEST` authorizers with payload format 1.0 or 2.0) and
ResetAuthorizersCache."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from cloudlet.services.apigateway import store
from cloudlet.services.apigateway.errors import BadRequestException, ConflictException
from cloudlet.services.apigateway.v2.common import (
    api_or_404,
    body,
    changed,
    child_or_404,
    get_all,
    get_one,
    out,
    where,
)

if TYPE_CHECKING:
    from cloudlet.core.db import Tx
    from cloudlet.gateway.context import RequestContext

__all__ = [
    "create_authorizer",
    "delete_authorizer",
    "get_authorizer",
    "get_authorizers",
    "reset_authorizers_cache",
    "update_authorizer",
]

CACHE = "authorizer_cache2"
"""`gw.runtime` key of the data plane's Lambda authorizer cache: {(api id, stage, ...): result}."""

_HTTP_SOURCE = re.compile(r"^\$(request\.(header|querystring)|context|stageVariables)\.[^\s.][^\s]*$")
_WS_SOURCE = re.compile(r"^(route\.request\.(header|querystring)|context|stageVariables)\.[^\s]+$")
_AUTHORIZER_URI = re.compile(
    r"^arn:aws[a-z-]*:apigateway:[a-z0-9-]+:lambda:path/2015-03-31/functions/"
    r"arn:aws[a-z-]*:lambda:[a-z0-9-]+:\d{12}:function:[A-Za-z0-9_-]+(:[A-Za-z0-9$_-]+)?/invocations$"
)


def _check_http(doc: dict[str, Any]) -> None:
    kind = doc["authorizerType"]
    sources = doc.get("identitySource") or []
    for source in sources:
        if not _HTTP_SOURCE.match(source):
            raise BadRequestException(
                f"Invalid identity source specified {source}. Identity sources must be of the form "
                "$request.header.<name>, $request.querystring.<name>, $context.<name> or "
                "$stageVariables.<name>"
            )
    if kind == "JWT":
        jwt = doc.get("jwtConfiguration") or {}
        if not jwt.get("issuer"):
            raise BadRequestException("JwtConfiguration.Issuer is required for JWT authorizers")
        if not jwt.get("audience"):
            raise BadRequestException("JwtConfiguration.Audience is required for JWT authorizers")
        if len(sources) != 1 or not sources[0].startswith(("$request.header.", "$request.querystring.")):
            raise BadRequestException(
                "JWT authorizers take exactly one identity source, a $request.header or "
                "$request.querystring value"
            )
        for name in ("authorizerUri", "authorizerPayloadFormatVersion", "enableSimpleResponses"):
            if doc.get(name) is not None:
                raise BadRequestException(f"{name[0].upper()}{name[1:]} is not supported for JWT authorizers")
        if doc.get("authorizerResultTtlInSeconds"):
            raise BadRequestException("AuthorizerResultTtlInSeconds is not supported for JWT authorizers")
        return
    uri = doc.get("authorizerUri")
    if not uri:
        raise BadRequestException("AuthorizerUri is required for REQUEST authorizers")
    if not _AUTHORIZER_URI.match(uri):
        raise BadRequestException(f"Invalid authorizer URI specified {uri}")
    version = doc.get("authorizerPayloadFormatVersion")
    if version is None:
        raise BadRequestException("AuthorizerPayloadFormatVersion is required for REQUEST authorizers")
    if version not in ("1.0", "2.0"):
        raise BadRequestException(
            f"Invalid authorizer payload format version {version}. Supported values are 1.0 and 2.0"
        )
    if doc.get("enableSimpleResponses") and version != "2.0":
        raise BadRequestException("EnableSimpleResponses is only supported for payload format version 2.0")
    if doc.get("jwtConfiguration"):
        raise BadRequestException("JwtConfiguration is only supported for JWT authorizers")
    if doc.get("authorizerResultTtlInSeconds") and not sources:
        raise BadRequestException("IdentitySource is required when authorizer caching is enabled")


def _check(api: dict[str, Any], doc: dict[str, Any]) -> None:
    if api["protocolType"] == "HTTP":
        _check_http(doc)
        return
    if doc["authorizerType"] != "REQUEST":
        raise BadRequestException("Only REQUEST authorizers are supported for WebSocket APIs")
    if not doc.get("authorizerUri"):
        raise BadRequestException("AuthorizerUri is required for REQUEST authorizers")
    for source in doc.get("identitySource") or []:
        if not _WS_SOURCE.match(source):
            raise BadRequestException(f"Invalid identity source specified {source}")


def insert(tx: Tx, ctx: RequestContext, api: dict[str, Any], fields: dict[str, Any]) -> dict[str, Any]:
    """Validate and store a new authorizer (fields in wire names); returns its document."""
    gw, account, region = where(ctx)
    doc: dict[str, Any] = dict(fields)
    if doc["authorizerType"] == "REQUEST":
        doc.setdefault("authorizerResultTtlInSeconds", 0)
        if api["protocolType"] == "HTTP" and doc.get("authorizerPayloadFormatVersion") == "2.0":
            doc.setdefault("enableSimpleResponses", False)
    _check(api, doc)
    doc["authorizerId"] = gw.new_id(tx, "authorizer2", 6)
    store.put(tx, account, region, "authorizer2", api["apiId"], doc["authorizerId"], doc)
    return doc


def create_authorizer(ctx: RequestContext, request: dict[str, Any]) -> dict[str, Any]:
    gw, _, _ = where(ctx)
    with gw.db.transaction() as tx:
        api = api_or_404(tx, ctx, request["ApiId"])
        doc = insert(tx, ctx, api, body(ctx, request))
        changed(tx, ctx, api["apiId"])
    return out(ctx, doc)


def get_authorizer(ctx: RequestContext, request: dict[str, Any]) -> dict[str, Any]:
    return get_one(ctx, request, "authorizer2", "AuthorizerId")


def get_authorizers(ctx: RequestContext, request: dict[str, Any]) -> dict[str, Any]:
    return get_all(ctx, request, "authorizer2")


def update_authorizer(ctx: RequestContext, request: dict[str, Any]) -> dict[str, Any]:
    gw, account, region = where(ctx)
    api_id = request["ApiId"]
    with gw.db.transaction() as tx:
        api = api_or_404(tx, ctx, api_id)
        doc = child_or_404(tx, ctx, "authorizer2", api_id, request["AuthorizerId"])
        fields = body(ctx, request)
        if "jwtConfiguration" in fields:
            fields["jwtConfiguration"] = {**doc.get("jwtConfiguration", {}), **fields["jwtConfiguration"]}
        doc.update(fields)
        _check(api, doc)
        store.put(tx, account, region, "authorizer2", api_id, doc["authorizerId"], doc)
        changed(tx, ctx, api_id)
    _forget(gw.runtime, api_id, None)
    return out(ctx, doc)


def delete_authorizer(ctx: RequestContext, request: dict[str, Any]) -> None:
    gw, account, region = where(ctx)
    api_id, authorizer_id = request["ApiId"], request["AuthorizerId"]
    with gw.db.transaction() as tx:
        api_or_404(tx, ctx, api_id)
        child_or_404(tx, ctx, "authorizer2", api_id, authorizer_id)
        users = [
            route_id
            for route_id, route in store.list_docs(tx, account, region, "route", api_id)
            if route.get("authorizerId") == authorizer_id
        ]
        if users:
            raise ConflictException(
                "Cannot delete Authorizer because it is referenced by the following Routes with Ids: "
                f"[{', '.join(users)}]"
            )
        store.delete(tx, account, region, "authorizer2", api_id, authorizer_id)
        changed(tx, ctx, api_id)
    _forget(gw.runtime, api_id, None)


def reset_authorizers_cache(ctx: RequestContext, request: dict[str, Any]) -> None:
    gw, _, _ = where(ctx)
    with gw.db.read() as conn:
        api_or_404(conn, ctx, request["ApiId"])
        child_or_404(conn, ctx, "stage2", request["ApiId"], request["StageName"])
    _forget(gw.runtime, request["ApiId"], request["StageName"])


def _forget(runtime: dict[str, Any], api_id: str, stage: str | None) -> None:
    """Drop cached authorizer results of an API (one stage, or all of them)."""
    cache = runtime.get(CACHE)
    if not cache:
        return
    for key in list(cache):
        if isinstance(key, tuple) and key[:1] == (api_id,) and (stage is None or key[1:2] == (stage,)):
            cache.pop(key, None)
