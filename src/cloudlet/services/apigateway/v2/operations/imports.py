"""OpenAPI import (ImportApi, ReimportApi) and export (ExportApi) of HTTP APIs; definitions are read and
written by `v2/openapi.py`."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from cloudlet.services.apigateway import snapshot, store
from cloudlet.services.apigateway.errors import BadRequestException, NotFoundException
from cloudlet.services.apigateway.v1.openapi_parse import check_warnings, load
from cloudlet.services.apigateway.v2.common import api_or_404, changed, out, where
from cloudlet.services.apigateway.v2.openapi import HttpBuilt, HttpImporter, export, render
from cloudlet.services.apigateway.v2.operations.apis import HTTP_ROUTE_SELECTION, api_endpoint

if TYPE_CHECKING:
    from cloudlet.core.db import Tx
    from cloudlet.gateway.context import RequestContext

__all__ = ["export_api", "import_api", "reimport_api"]

KINDS = ("route", "integration", "authorizer2", "model2")
"""What a definition describes (stages and deployments survive a reimport)."""


def _build(tx: Tx, ctx: RequestContext, request: dict[str, Any]) -> HttpBuilt:
    document, version = load(request.get("Body"))
    if version != 3:
        raise BadRequestException("Only OpenAPI 3.0 definitions can be imported into HTTP APIs")
    gw, _, _ = where(ctx)
    built = HttpImporter(document, lambda kind, n: gw.new_id(tx, kind, n), request.get("Basepath")).build()
    check_warnings(built.warnings, request.get("FailOnWarnings"))
    return built


def _write(tx: Tx, ctx: RequestContext, api: dict[str, Any], built: HttpBuilt) -> None:
    account, region, api_id = ctx.account_id, ctx.region, api["apiId"]
    store.put(tx, account, region, "httpapi", "", api_id, api)
    for doc in built.authorizers:
        store.put(tx, account, region, "authorizer2", api_id, doc["authorizerId"], doc)
    for doc in built.integrations:
        store.put(tx, account, region, "integration", api_id, doc["integrationId"], doc)
    for doc in built.routes:
        store.put(tx, account, region, "route", api_id, doc["routeId"], doc)
    changed(tx, ctx, api_id)


def _output(ctx: RequestContext, api: dict[str, Any], built: HttpBuilt) -> dict[str, Any]:
    result = dict(api)
    if built.warnings:
        result["warnings"] = built.warnings
    return out(ctx, result)


def import_api(ctx: RequestContext, request: dict[str, Any]) -> dict[str, Any]:
    gw, _, _ = where(ctx)
    with gw.db.transaction() as tx:
        built = _build(tx, ctx, request)
        api_id = gw.new_id(tx, "httpapi", 10)
        api: dict[str, Any] = {
            "apiId": api_id,
            "apiEndpoint": api_endpoint(ctx, api_id, "HTTP"),
            "apiKeySelectionExpression": "$request.header.x-api-key",
            "createdDate": gw.clock.now(),
            "disableExecuteApiEndpoint": False,
            "ipAddressType": "ipv4",
            "protocolType": "HTTP",
            "routeSelectionExpression": HTTP_ROUTE_SELECTION,
            "tags": {},
            **built.fields,
        }
        _write(tx, ctx, api, built)
    return _output(ctx, api, built)


def reimport_api(ctx: RequestContext, request: dict[str, Any]) -> dict[str, Any]:
    gw, account, region = where(ctx)
    with gw.db.transaction() as tx:
        api = api_or_404(tx, ctx, request["ApiId"])
        if api.get("protocolType") != "HTTP":
            raise BadRequestException("Reimport is only supported for HTTP APIs")
        built = _build(tx, ctx, request)
        api_id = api["apiId"]
        children = {"route": "routeresponse", "integration": "integrationresponse"}
        for kind in KINDS:
            for id_, _ in store.list_docs(tx, account, region, kind, api_id):
                store.delete(tx, account, region, kind, api_id, id_)
                if kind in children:
                    scope = f"{api_id}/{id_}"
                    for child_id, _ in store.list_docs(tx, account, region, children[kind], scope):
                        store.delete(tx, account, region, children[kind], scope, child_id)
        for key in ("description", "version", "corsConfiguration"):
            api.pop(key, None)
        api.update(built.fields)
        _write(tx, ctx, api, built)
    return _output(ctx, api, built)


def export_api(ctx: RequestContext, request: dict[str, Any]) -> dict[str, Any]:
    gw, account, region = where(ctx)
    api_id, stage_name = request["ApiId"], request.get("StageName")
    version = request.get("ExportVersion")
    if version is not None and version != "1.0":
        raise BadRequestException(f"Unsupported export version {version}. Only 1.0 is supported")
    with gw.db.read() as conn:
        api = api_or_404(conn, ctx, api_id)
        if api.get("protocolType") != "HTTP":
            raise BadRequestException("Export is only supported for HTTP APIs")
        created = float(api.get("createdDate") or 0)
        if stage_name is None:
            snap = snapshot.http(conn, account, region, api_id)
        else:
            stage = store.get(conn, account, region, "stage2", api_id, stage_name)
            if stage is None:
                raise NotFoundException(
                    f"Invalid Stage identifier specified {stage_name}", ResourceType="Stage"
                )
            deployment_id = str(stage.get("deploymentId") or "")
            snap = store.get(conn, account, region, "snapshot2", api_id, deployment_id)
            if snap is None:
                raise BadRequestException(f"Stage {stage_name} has no deployment to export")
            deployment = store.get(conn, account, region, "deployment2", api_id, deployment_id) or {}
            created = float(deployment.get("createdDate") or created)
            snap = {**snap, "api": {**snap["api"], "apiEndpoint": api.get("apiEndpoint")}}
    include = request.get("IncludeExtensions")
    definition = export(snap, stage_name, True if include is None else bool(include), created)
    return {"body": render(definition, request["OutputType"])}
