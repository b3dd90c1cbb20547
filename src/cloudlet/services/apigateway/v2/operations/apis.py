"""HTTP APIs (and WebSocket APIs, control plane only): create (with quick create: `Target` makes an
integration, a route and an auto-deploying `$default` stage), get, list, update, delete, and their CORS
configuration."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from cloudlet.services.apigateway import store
from cloudlet.services.apigateway.errors import BadRequestException
from cloudlet.services.apigateway.v2.common import api_or_404, body, changed, out, page, where
from cloudlet.services.apigateway.v2.operations import integrations, routes, stages

if TYPE_CHECKING:
    from cloudlet.core.db import Tx
    from cloudlet.gateway.context import RequestContext

__all__ = ["create_api", "delete_api", "delete_cors_configuration", "get_api", "get_apis", "update_api"]

HTTP_ROUTE_SELECTION = "$request.method $request.path"
CORS_METHODS = ("*", "GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS")


def api_endpoint(ctx: RequestContext, api_id: str, protocol: str) -> str:
    scheme = "ws" if protocol == "WEBSOCKET" else "http"
    return f"{scheme}://{api_id}.execute-api.localhost.localstack.cloud:{ctx.app.settings.port}"


def check_cors(cors: dict[str, Any] | None) -> None:
    if not cors:
        return
    for method in cors.get("allowMethods") or ():
        if method.upper() not in CORS_METHODS:
            raise BadRequestException(f"Invalid CORS method specified {method}")
    for origin in cors.get("allowOrigins") or ():
        if origin != "*" and "://" not in origin:
            raise BadRequestException(f"Invalid CORS origin specified {origin}")
    if cors.get("allowCredentials") and "*" in (cors.get("allowOrigins") or ()):
        raise BadRequestException(
            "allowCredentials is not supported when allowOrigins contains a wildcard (*)"
        )


def _quick_target(target: str, credentials: str | None) -> dict[str, Any]:
    """The integration a quick create's `Target` makes."""
    if integrations.is_lambda(target):
        integration = {
            "integrationType": "AWS_PROXY",
            "integrationUri": target,
            "integrationMethod": "POST",
            "payloadFormatVersion": "2.0",
        }
    elif target.startswith(("http://", "https://")):
        integration = {
            "integrationType": "HTTP_PROXY",
            "integrationUri": target,
            "integrationMethod": "ANY",
            "payloadFormatVersion": "1.0",
        }
    else:
        raise BadRequestException(
            f"Invalid target specified {target}. Target must be a Lambda function ARN or an HTTP URL"
        )
    if credentials is not None:
        integration["credentialsArn"] = credentials
    integration["apiGatewayManaged"] = True
    return integration


def _managed(tx: Any, ctx: RequestContext, kind: str, api_id: str) -> dict[str, Any] | None:
    for _, doc in store.list_docs(tx, ctx.account_id, ctx.region, kind, api_id):
        if doc.get("apiGatewayManaged"):
            return doc
    return None


def _quick_create(tx: Tx, ctx: RequestContext, api: dict[str, Any], quick: dict[str, Any]) -> None:
    target, route_key = quick.get("target"), quick.get("routeKey")
    integration = None
    if target is not None:
        integration = integrations.insert(tx, ctx, api, _quick_target(target, quick.get("credentialsArn")))
    route: dict[str, Any] = {"routeKey": route_key or "$default", "apiGatewayManaged": True}
    if integration is not None:
        route["target"] = f"integrations/{integration['integrationId']}"
    routes.insert(tx, ctx, api, route)
    if target is not None:
        stages.insert(tx, ctx, api, {"stageName": "$default", "autoDeploy": True, "apiGatewayManaged": True})


def create_api(ctx: RequestContext, request: dict[str, Any]) -> dict[str, Any]:
    gw, _, _ = where(ctx)
    fields = body(ctx, request)
    quick = {k: fields.pop(k) for k in ("target", "routeKey", "credentialsArn") if k in fields}
    protocol = fields["protocolType"]
    if protocol == "HTTP":
        selection = fields.setdefault("routeSelectionExpression", HTTP_ROUTE_SELECTION)
        if selection not in (HTTP_ROUTE_SELECTION, "${request.method} ${request.path}"):
            raise BadRequestException(
                f"Unsupported route selection expression for HTTP APIs: {selection}. "
                f"Only {HTTP_ROUTE_SELECTION} is supported"
            )
        check_cors(fields.get("corsConfiguration"))
        if quick and "target" not in quick and "routeKey" not in quick:
            raise BadRequestException("CredentialsArn is only supported with Target")
    else:
        if quick:
            raise BadRequestException("Target, RouteKey and CredentialsArn are only supported for HTTP APIs")
        if "corsConfiguration" in fields:
            raise BadRequestException("CORS configuration is only supported for HTTP APIs")
        if "routeSelectionExpression" not in fields:
            raise BadRequestException("RouteSelectionExpression is required for WebSocket APIs")
    with gw.db.transaction() as tx:
        doc = insert(tx, ctx, fields)
        if quick:
            _quick_create(tx, ctx, doc, quick)
    return out(ctx, doc)


def insert(tx: Tx, ctx: RequestContext, fields: dict[str, Any]) -> dict[str, Any]:
    """Store a new API (fields in wire names, already checked) with AWS's defaults; returns it."""
    gw, account, region = where(ctx)
    api_id = gw.new_id(tx, "httpapi", 10)
    doc: dict[str, Any] = {
        "apiId": api_id,
        "apiEndpoint": api_endpoint(ctx, api_id, fields["protocolType"]),
        "apiKeySelectionExpression": "$request.header.x-api-key",
        "createdDate": gw.clock.now(),
        "disableExecuteApiEndpoint": False,
        "ipAddressType": "ipv4",
        "tags": {},
        **fields,
    }
    store.put(tx, account, region, "httpapi", "", api_id, doc)
    return doc


def get_api(ctx: RequestContext, request: dict[str, Any]) -> dict[str, Any]:
    gw, _, _ = where(ctx)
    with gw.db.read() as conn:
        return out(ctx, api_or_404(conn, ctx, request["ApiId"]))


def get_apis(ctx: RequestContext, request: dict[str, Any]) -> dict[str, Any]:
    gw, account, region = where(ctx)
    with gw.db.read() as conn:
        docs = [doc for _, doc in store.list_docs(conn, account, region, "httpapi", "")]
    return out(ctx, page(request, docs))


def _quick_update(tx: Tx, ctx: RequestContext, api: dict[str, Any], quick: dict[str, Any]) -> None:
    """UpdateApi's `Target`/`RouteKey`/`CredentialsArn` change what a quick create made."""
    api_id = api["apiId"]
    integration = _managed(tx, ctx, "integration", api_id)
    route = _managed(tx, ctx, "route", api_id)
    if integration is None or route is None:
        raise BadRequestException(
            "Target, RouteKey and CredentialsArn can only be updated on APIs created with quick create"
        )
    if "target" in quick or "credentialsArn" in quick:
        changes = _quick_target(
            quick.get("target", integration["integrationUri"]), quick.get("credentialsArn")
        )
        if "target" not in quick:
            changes = {"credentialsArn": quick["credentialsArn"]}
        integrations.update(tx, ctx, api, integration, changes)
    if "routeKey" in quick:
        routes.check_route_key(api["protocolType"], quick["routeKey"])
        routes.key_taken(tx, ctx, api_id, quick["routeKey"], route["routeId"])
        route["routeKey"] = quick["routeKey"]
        store.put(tx, ctx.account_id, ctx.region, "route", api_id, route["routeId"], route)


def update_api(ctx: RequestContext, request: dict[str, Any]) -> dict[str, Any]:
    gw, account, region = where(ctx)
    fields = body(ctx, request)
    quick = {k: fields.pop(k) for k in ("target", "routeKey", "credentialsArn") if k in fields}
    with gw.db.transaction() as tx:
        doc = api_or_404(tx, ctx, request["ApiId"])
        if doc["protocolType"] == "HTTP":
            selection = fields.get("routeSelectionExpression")
            if selection is not None and selection not in (
                HTTP_ROUTE_SELECTION,
                "${request.method} ${request.path}",
            ):
                raise BadRequestException(
                    f"Unsupported route selection expression for HTTP APIs: {selection}. "
                    f"Only {HTTP_ROUTE_SELECTION} is supported"
                )
            check_cors(fields.get("corsConfiguration"))
        elif quick or "corsConfiguration" in fields:
            raise BadRequestException(
                "Target, RouteKey, CredentialsArn and CORS are only supported for HTTP APIs"
            )
        doc.update(fields)
        store.put(tx, account, region, "httpapi", "", doc["apiId"], doc)
        if quick:
            _quick_update(tx, ctx, doc, quick)
        changed(tx, ctx, doc["apiId"])
    return out(ctx, doc)


def delete_api(ctx: RequestContext, request: dict[str, Any]) -> None:
    gw, account, region = where(ctx)
    api_id = request["ApiId"]
    with gw.db.transaction() as tx:
        api_or_404(tx, ctx, api_id)
        store.delete(tx, account, region, "httpapi", "", api_id)
        store.delete_scope(tx, account, region, api_id)
        gw.invalidate(tx, api_id)
    cache = gw.runtime.get("authorizer_cache2")
    if cache:
        for key in [k for k in cache if k and k[0] == api_id]:
            cache.pop(key, None)


def delete_cors_configuration(ctx: RequestContext, request: dict[str, Any]) -> None:
    gw, account, region = where(ctx)
    with gw.db.transaction() as tx:
        doc = api_or_404(tx, ctx, request["ApiId"])
        doc.pop("corsConfiguration", None)
        store.put(tx, account, region, "httpapi", "", doc["apiId"], doc)
        changed(tx, ctx, doc["apiId"])
