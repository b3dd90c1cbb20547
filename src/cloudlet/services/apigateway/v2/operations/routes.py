"""HTTP API routes (`METHOD /path` or `$default`, targeting `integrations/<id>`) and route responses."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from cloudlet.services.apigateway import store
from cloudlet.services.apigateway.errors import BadRequestException, ConflictException, NotFoundException
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
from cloudlet.services.apigateway.v2.responses import ROUTE_RESPONSES

if TYPE_CHECKING:
    from cloudlet.core.db import Tx
    from cloudlet.gateway.context import RequestContext

__all__ = [
    "create_route",
    "create_route_response",
    "delete_route",
    "delete_route_request_parameter",
    "delete_route_response",
    "get_route",
    "get_route_response",
    "get_route_responses",
    "get_routes",
    "update_route",
    "update_route_response",
]

METHODS = ("ANY", "DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT")
_SEGMENT = re.compile(r"^(?:\{[A-Za-z0-9._:-]+\+?\}|[A-Za-z0-9._~:@!$&'()*+,;=-]+)$")
_TARGET = re.compile(r"^integrations/([a-z0-9]+)$")


def check_route_key(protocol: str, route_key: str) -> None:
    """AWS's rules for an HTTP API route key: `$default`, or `METHOD /path` where a path segment is a
    literal, `{param}`, or (last segment only) `{proxy+}`."""
    if protocol != "HTTP" or route_key == "$default":
        return
    method, _, path = route_key.partition(" ")
    ok = method in METHODS and path.startswith("/")
    if ok and path != "/":
        segments = path[1:].split("/")
        ok = all(_SEGMENT.match(s) for s in segments) and all(not s.endswith("+}") for s in segments[:-1])
    if not ok:
        raise BadRequestException(
            f"Unable to create route {route_key}. Route key must be '$default' or of the form "
            f"'<HTTP method> <resource path>', with an HTTP method of {', '.join(METHODS)}"
        )


def check_target(tx: Any, ctx: RequestContext, api_id: str, target: str | None) -> None:
    if target is None:
        return
    found = _TARGET.match(target)
    if found is None:
        raise BadRequestException(f"Invalid target {target}. Target must be of the form integrations/<id>")
    if store.get(tx, ctx.account_id, ctx.region, "integration", api_id, found.group(1)) is None:
        raise NotFoundException(f"Invalid Integration identifier specified {found.group(1)}")


def check_authorization(tx: Any, ctx: RequestContext, api_id: str, doc: dict[str, Any]) -> None:
    """The route's authorizationType, authorizerId and authorizationScopes fit together."""
    kind = doc.get("authorizationType", "NONE")
    authorizer_id = doc.get("authorizerId")
    if kind in ("JWT", "CUSTOM"):
        if not authorizer_id:
            raise BadRequestException(f"AuthorizerId is required when AuthorizationType is {kind}")
        authorizer = store.get(tx, ctx.account_id, ctx.region, "authorizer2", api_id, authorizer_id)
        if authorizer is None:
            raise NotFoundException(f"Invalid Authorizer identifier specified {authorizer_id}")
        wanted = "JWT" if kind == "JWT" else "REQUEST"
        if authorizer.get("authorizerType") != wanted:
            raise BadRequestException(
                f"AuthorizationType {kind} requires an authorizer of type {wanted}, "
                f"authorizer {authorizer_id} is of type {authorizer.get('authorizerType')}"
            )
    elif authorizer_id:
        raise BadRequestException(f"AuthorizerId is not supported for AuthorizationType {kind}")
    if doc.get("authorizationScopes") and kind != "JWT":
        raise BadRequestException("AuthorizationScopes are only supported for JWT authorizers")


def key_taken(tx: Any, ctx: RequestContext, api_id: str, route_key: str, route_id: str | None = None) -> None:
    for other_id, other in store.list_docs(tx, ctx.account_id, ctx.region, "route", api_id):
        if other.get("routeKey") == route_key and other_id != route_id:
            raise ConflictException(f"Route with key {route_key} already exists for this API")


def insert(tx: Tx, ctx: RequestContext, api: dict[str, Any], fields: dict[str, Any]) -> dict[str, Any]:
    """Validate and store a new route (fields in wire names); returns its document."""
    gw, account, region = where(ctx)
    api_id = api["apiId"]
    check_route_key(api["protocolType"], fields["routeKey"])
    check_target(tx, ctx, api_id, fields.get("target"))
    key_taken(tx, ctx, api_id, fields["routeKey"])
    route_id = gw.new_id(tx, "route", 7)
    doc: dict[str, Any] = {
        "apiKeyRequired": False,
        "authorizationType": "NONE",
        **fields,
        "routeId": route_id,
    }
    check_authorization(tx, ctx, api_id, doc)
    store.put(tx, account, region, "route", api_id, route_id, doc)
    return doc


def create_route(ctx: RequestContext, request: dict[str, Any]) -> dict[str, Any]:
    gw, _, _ = where(ctx)
    with gw.db.transaction() as tx:
        api = api_or_404(tx, ctx, request["ApiId"])
        doc = insert(tx, ctx, api, body(ctx, request))
        changed(tx, ctx, api["apiId"])
    return out(ctx, doc)


def get_route(ctx: RequestContext, request: dict[str, Any]) -> dict[str, Any]:
    return get_one(ctx, request, "route", "RouteId")


def get_routes(ctx: RequestContext, request: dict[str, Any]) -> dict[str, Any]:
    return get_all(ctx, request, "route")


def update_route(ctx: RequestContext, request: dict[str, Any]) -> dict[str, Any]:
    gw, account, region = where(ctx)
    api_id = request["ApiId"]
    with gw.db.transaction() as tx:
        api = api_or_404(tx, ctx, api_id)
        doc = child_or_404(tx, ctx, "route", api_id, request["RouteId"])
        fields = body(ctx, request)
        if "routeKey" in fields:
            check_route_key(api["protocolType"], fields["routeKey"])
            key_taken(tx, ctx, api_id, fields["routeKey"], doc["routeId"])
        if fields.get("target") == "":
            del fields["target"]
            doc.pop("target", None)
        if "target" in fields:
            check_target(tx, ctx, api_id, fields["target"])
        for name in ("requestModels", "requestParameters"):
            if name in fields:
                fields[name] = {**doc.get(name, {}), **fields[name]}
        doc.update(fields)
        if fields.get("authorizationType") == "NONE":
            doc.pop("authorizerId", None)
            doc.pop("authorizationScopes", None)
        check_authorization(tx, ctx, api_id, doc)
        store.put(tx, account, region, "route", api_id, doc["routeId"], doc)
        changed(tx, ctx, api_id)
    return out(ctx, doc)


def delete_route(ctx: RequestContext, request: dict[str, Any]) -> None:
    gw, account, region = where(ctx)
    api_id, route_id = request["ApiId"], request["RouteId"]
    with gw.db.transaction() as tx:
        api_or_404(tx, ctx, api_id)
        child_or_404(tx, ctx, "route", api_id, route_id)
        store.delete(tx, account, region, "route", api_id, route_id)
        store.delete_scope(tx, account, region, f"{api_id}/{route_id}")
        changed(tx, ctx, api_id)


def delete_route_request_parameter(ctx: RequestContext, request: dict[str, Any]) -> None:
    gw, account, region = where(ctx)
    api_id, key = request["ApiId"], request["RequestParameterKey"]
    with gw.db.transaction() as tx:
        api_or_404(tx, ctx, api_id)
        doc = child_or_404(tx, ctx, "route", api_id, request["RouteId"])
        params = doc.get("requestParameters") or {}
        if key not in params:
            raise NotFoundException(f"Invalid request parameter key specified {key}")
        del params[key]
        doc["requestParameters"] = params
        store.put(tx, account, region, "route", api_id, doc["routeId"], doc)
        changed(tx, ctx, api_id)


# -- route responses -----------------------------------------------------------------------------------------


def create_route_response(ctx: RequestContext, request: dict[str, Any]) -> dict[str, Any]:
    return ROUTE_RESPONSES.create(ctx, request)


def get_route_response(ctx: RequestContext, request: dict[str, Any]) -> dict[str, Any]:
    return ROUTE_RESPONSES.get(ctx, request)


def get_route_responses(ctx: RequestContext, request: dict[str, Any]) -> dict[str, Any]:
    return ROUTE_RESPONSES.list(ctx, request)


def update_route_response(ctx: RequestContext, request: dict[str, Any]) -> dict[str, Any]:
    return ROUTE_RESPONSES.update(ctx, request)


def delete_route_response(ctx: RequestContext, request: dict[str, Any]) -> None:
    ROUTE_RESPONSES.delete(ctx, request)
