"""Deployments (each freezes the REST API into a snapshot its stages serve) and, re-exported from
`v1/stages.py`, stages."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from cloudlet.services.apigateway import patch, snapshot, store, urls
from cloudlet.services.apigateway.errors import BadRequestException
from cloudlet.services.apigateway.v1.common import docs, get_api, gw_of, now, page, public, put
from cloudlet.services.apigateway.v1.stages import (
    check_stage_name,
    check_variables,
    create_stage,
    delete_stage,
    flush_stage_authorizers_cache,
    flush_stage_cache,
    get_stage,
    get_stages,
    new_stage,
    update_stage,
)
from cloudlet.services.apigateway.v1.stages import (
    get_deployment as load_deployment,
)

if TYPE_CHECKING:
    from cloudlet.gateway.context import RequestContext

__all__ = [
    "create_deployment",
    "create_stage",
    "delete_deployment",
    "delete_stage",
    "flush_stage_authorizers_cache",
    "flush_stage_cache",
    "get_deployment",
    "get_deployments",
    "get_stage",
    "get_stages",
    "update_deployment",
    "update_stage",
]


def _view(doc: dict[str, Any], embed: list[str] | None = None) -> dict[str, Any]:
    out = public(doc)
    if not (embed and "apisummary" in embed):
        out.pop("apiSummary", None)
    return out


def create_deployment(ctx: RequestContext, request: dict[str, Any]) -> dict[str, Any]:
    gw = gw_of(ctx)
    api_id = request["restApiId"]
    stage_name = request.get("stageName")
    with gw.db.transaction() as tx:
        get_api(tx, ctx, api_id)
        resources = docs(tx, ctx, "resource", api_id)
        summary: dict[str, dict[str, Any]] = {}
        for resource in resources:
            for http_method, method in (resource.get("resourceMethods") or {}).items():
                if "methodIntegration" not in method:
                    raise BadRequestException("No integration defined for method")
                summary.setdefault(resource["path"], {})[http_method] = {
                    "authorizationType": method.get("authorizationType", "NONE"),
                    "apiKeyRequired": bool(method.get("apiKeyRequired")),
                }
        if not summary:
            raise BadRequestException("The REST API doesn't contain any methods")
        if stage_name is not None:
            check_stage_name(stage_name)
            check_variables(request.get("variables"))
        deployment_id = gw.new_id(tx, "deployment", 6)
        doc: dict[str, Any] = {"id": deployment_id, "createdDate": now(ctx), "apiSummary": summary}
        if request.get("description") is not None:
            doc["description"] = request["description"]
        put(tx, ctx, "deployment", api_id, deployment_id, doc)
        put(tx, ctx, "snapshot", api_id, deployment_id, snapshot.rest(tx, ctx.account_id, ctx.region, api_id))
        if stage_name:
            stage = store.get(tx, ctx.account_id, ctx.region, "stage", api_id, stage_name)
            if stage is None:
                stage = new_stage(
                    ctx,
                    stage_name,
                    deployment_id,
                    {
                        "description": request.get("stageDescription"),
                        "variables": request.get("variables"),
                        "cacheClusterEnabled": request.get("cacheClusterEnabled"),
                        "cacheClusterSize": request.get("cacheClusterSize"),
                        "tracingEnabled": request.get("tracingEnabled"),
                    },
                )
            elif request.get("canarySettings") is not None:
                # a canary deployment: the stage keeps its deployment, the canary gets the new one
                canary = request["canarySettings"]
                stage["canarySettings"] = {
                    "percentTraffic": float(canary.get("percentTraffic") or 0.0),
                    "deploymentId": deployment_id,
                    "stageVariableOverrides": canary.get("stageVariableOverrides") or {},
                    "useStageCache": bool(canary.get("useStageCache")),
                }
                stage["lastUpdatedDate"] = now(ctx)
            else:
                stage["deploymentId"] = deployment_id
                if request.get("variables"):
                    stage["variables"] = {**(stage.get("variables") or {}), **request["variables"]}
                if request.get("stageDescription") is not None:
                    stage["description"] = request["stageDescription"]
                if request.get("tracingEnabled") is not None:
                    stage["tracingEnabled"] = request["tracingEnabled"]
                stage["lastUpdatedDate"] = now(ctx)
            put(tx, ctx, "stage", api_id, stage_name, stage)
            urls.announce(gw, tx, api_id, stage_name)
        gw.invalidate(tx, api_id)
    return _view(doc)


def get_deployment(ctx: RequestContext, request: dict[str, Any]) -> dict[str, Any]:
    with gw_of(ctx).db.read() as conn:
        doc = load_deployment(conn, ctx, request["restApiId"], request["deploymentId"])
    return _view(doc, request.get("embed"))


def get_deployments(ctx: RequestContext, request: dict[str, Any]) -> dict[str, Any]:
    api_id = request["restApiId"]
    with gw_of(ctx).db.read() as conn:
        get_api(conn, ctx, api_id)
        items = [_view(doc) for doc in docs(conn, ctx, "deployment", api_id)]
    return page(items, request)


def delete_deployment(ctx: RequestContext, request: dict[str, Any]) -> dict[str, Any]:
    gw = gw_of(ctx)
    api_id, deployment_id = request["restApiId"], request["deploymentId"]
    with gw.db.transaction() as tx:
        load_deployment(tx, ctx, api_id, deployment_id)
        for stage in docs(tx, ctx, "stage", api_id):
            canary = stage.get("canarySettings") or {}
            if deployment_id in (stage.get("deploymentId"), canary.get("deploymentId")):
                raise BadRequestException(
                    "Active stages pointing to this deployment must be moved or deleted"
                )
        store.delete(tx, ctx.account_id, ctx.region, "deployment", api_id, deployment_id)
        store.delete(tx, ctx.account_id, ctx.region, "snapshot", api_id, deployment_id)
        gw.invalidate(tx, api_id)
    return {}


def update_deployment(ctx: RequestContext, request: dict[str, Any]) -> dict[str, Any]:
    gw = gw_of(ctx)
    api_id = request["restApiId"]
    with gw.db.transaction() as tx:
        doc = load_deployment(tx, ctx, api_id, request["deploymentId"])
        patch.apply(doc, request.get("patchOperations"), {"description": "str"})
        put(tx, ctx, "deployment", api_id, doc["id"], doc)
    return _view(doc)
