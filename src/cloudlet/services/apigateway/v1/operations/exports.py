"""OpenAPI import (ImportRestApi, PutRestApi in `merge` or `overwrite` mode) and export (GetExport) of
REST APIs; the definitions are read and written by `v1/openapi.py` and `v1/openapi_export.py`."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import yaml

from cloudlet.protocol import catalog
from cloudlet.services.apigateway import store
from cloudlet.services.apigateway.engine import state
from cloudlet.services.apigateway.errors import BadRequestException, NotFoundException
from cloudlet.services.apigateway.v1.openapi import Existing, Importer
from cloudlet.services.apigateway.v1.openapi_export import Exporter, iso
from cloudlet.services.apigateway.v1.openapi_parse import check_warnings, load

if TYPE_CHECKING:
    from cloudlet.core.db import Tx
    from cloudlet.gateway.context import RequestContext

__all__ = ["get_export", "import_rest_api", "put_rest_api"]

KINDS = ("resource", "authorizer", "model", "validator", "gatewayresponse")
"""What an API definition describes (deployments and stages are not part of it)."""
EXPORT_TYPES = {"oas30": 3, "swagger": 2}


def _gateway_response_types() -> tuple[str, ...]:
    shape = catalog.service_model("apigateway").shape_for("GatewayResponseType")
    return tuple(shape.enum)


def _not_found(ctx: RequestContext, api_id: str) -> NotFoundException:
    return NotFoundException(f"Invalid API identifier specified {ctx.account_id}:{api_id}")


def _write(tx: Tx, ctx: RequestContext, api_id: str, built: Any) -> None:
    account, region = ctx.account_id, ctx.region
    known = _gateway_response_types()
    for doc in built.gateway_responses:
        if doc["responseType"] not in known:
            raise BadRequestException(
                "Errors found during import:\n\tInvalid gateway response type specified: "
                f"{doc['responseType']}"
            )
    store.put(tx, account, region, "restapi", "", api_id, built.api)
    for doc in built.resources:
        store.put(tx, account, region, "resource", api_id, doc["id"], doc)
    for kind, items in (
        ("authorizer", built.authorizers),
        ("model", built.models),
        ("validator", built.validators),
    ):
        for doc in items:
            store.put(tx, account, region, kind, api_id, doc["id"], doc)
    for doc in built.gateway_responses:
        store.put(tx, account, region, "gatewayresponse", api_id, doc["responseType"], doc)
    state(ctx.app).invalidate(tx, api_id)


def _output(api: dict[str, Any], warnings: list[str]) -> dict[str, Any]:
    out = {k: v for k, v in api.items() if not k.startswith("_")}
    if warnings:
        out["warnings"] = warnings
    return out


def import_rest_api(ctx: RequestContext, request: dict[str, Any]) -> dict[str, Any]:
    document, version = load(request.get("body"))
    gw = state(ctx.app)
    with gw.db.transaction() as tx:
        api_id = gw.new_id(tx, "restapi", 10)
        api: dict[str, Any] = {
            "id": api_id,
            "createdDate": float(int(gw.clock.now())),
            "apiKeySource": "HEADER",
            "endpointConfiguration": {"types": ["EDGE"], "ipAddressType": "ipv4"},
            "disableExecuteApiEndpoint": False,
            "rootResourceId": gw.new_id(tx, "resource", 10),
            "apiStatus": "AVAILABLE",
        }
        importer = Importer(
            document, version, api, request.get("parameters"), lambda kind, n: gw.new_id(tx, kind, n)
        )
        built = importer.build()
        check_warnings(built.warnings, request.get("failOnWarnings"))
        api = {"id": api_id, "name": api.pop("name"), **{k: v for k, v in api.items() if k != "id"}}
        built.api = api
        _write(tx, ctx, api_id, built)
    return _output(api, built.warnings)


def put_rest_api(ctx: RequestContext, request: dict[str, Any]) -> dict[str, Any]:
    api_id = request["restApiId"]
    mode = request.get("mode") or "merge"
    gw = state(ctx.app)
    with gw.db.transaction() as tx:
        api = store.get(tx, ctx.account_id, ctx.region, "restapi", "", api_id)
        if api is None:
            raise _not_found(ctx, api_id)
        document, version = load(request.get("body"))
        existing = Existing()
        if mode == "merge":
            for doc in _docs(tx, ctx, "resource", api_id):
                existing.resources[doc["path"]] = doc
            existing.authorizers = {d["name"]: d for d in _docs(tx, ctx, "authorizer", api_id)}
            existing.models = {d["name"]: d for d in _docs(tx, ctx, "model", api_id)}
            existing.validators = {d["name"]: d for d in _docs(tx, ctx, "validator", api_id)}
        else:
            kept = {
                k: api[k] for k in ("id", "createdDate", "rootResourceId", "tags", "apiStatus") if k in api
            }
            api = {
                **kept,
                "apiKeySource": "HEADER",
                "endpointConfiguration": api.get("endpointConfiguration") or {"types": ["EDGE"]},
                "disableExecuteApiEndpoint": False,
            }
            for kind in KINDS:
                for id_, _ in store.list_docs(tx, ctx.account_id, ctx.region, kind, api_id):
                    store.delete(tx, ctx.account_id, ctx.region, kind, api_id, id_)
        importer = Importer(
            document,
            version,
            api,
            request.get("parameters"),
            lambda kind, n: gw.new_id(tx, kind, n),
            existing,
        )
        built = importer.build()
        check_warnings(built.warnings, request.get("failOnWarnings"))
        _write(tx, ctx, api_id, built)
    return _output(built.api, built.warnings)


def _docs(conn: Any, ctx: RequestContext, kind: str, api_id: str) -> list[dict[str, Any]]:
    return [doc for _, doc in store.list_docs(conn, ctx.account_id, ctx.region, kind, api_id)]


def get_export(ctx: RequestContext, request: dict[str, Any]) -> dict[str, Any]:
    api_id, stage_name, export_type = request["restApiId"], request["stageName"], request["exportType"]
    gw = state(ctx.app)
    with gw.db.read() as conn:
        if store.get(conn, ctx.account_id, ctx.region, "restapi", "", api_id) is None:
            raise _not_found(ctx, api_id)
        stage = store.get(conn, ctx.account_id, ctx.region, "stage", api_id, stage_name)
        if stage is None:
            raise NotFoundException("Invalid stage identifier specified")
        deployment_id = str(stage.get("deploymentId") or "")
        snap = store.get(conn, ctx.account_id, ctx.region, "snapshot", api_id, deployment_id)
        deployment = store.get(conn, ctx.account_id, ctx.region, "deployment", api_id, deployment_id) or {}
    if export_type not in EXPORT_TYPES:
        raise BadRequestException(f"No export type found for name: {export_type}")
    if snap is None:
        raise NotFoundException("Invalid deployment identifier specified")
    accepts = (request.get("accepts") or "application/json").split(";")[0].strip().lower()
    if accepts in ("", "*/*", "application/*"):
        accepts = "application/json"
    if accepts not in ("application/json", "application/yaml"):
        raise BadRequestException(
            f"Unsupported content type: {accepts}. Supported: application/json, application/yaml"
        )
    params = request.get("parameters") or {}
    extensions = {e.strip().lower() for e in str(params.get("extensions") or "").split(",") if e.strip()}
    deployed = float(deployment.get("createdDate") or 0)
    definition = Exporter(
        snap, stage_name, deployed, ctx.endpoint, EXPORT_TYPES[export_type], extensions
    ).build()
    if accepts == "application/yaml":
        text = yaml.safe_dump(definition, sort_keys=False, allow_unicode=True)
        extension = "yaml"
    else:
        text = json.dumps(definition, indent=2)
        extension = "json"
    name = f"{export_type}_{iso(deployed)}.{extension}"
    return {
        "contentType": accepts,
        "contentDisposition": f'attachment; filename="{name}"',
        "body": text.encode(),
    }
