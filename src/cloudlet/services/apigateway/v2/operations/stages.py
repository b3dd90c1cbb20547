"""HTTP API stages (named and `$default`, auto-deploying or pointed at a deployment) and
deployments."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from cloudlet.services.apigateway import store, urls
from cloudlet.services.apigateway.errors import BadRequestException, ConflictException, NotFoundException
from cloudlet.services.apigateway.v2 import deploy
from cloudlet.services.apigateway.v2.common import (
    api_or_404,
    body,
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
    "create_deployment",
    "create_stage",
    "delete_access_log_settings",
    "delete_deployment",
    "delete_route_settings",
    "delete_stage",
    "get_deployment",
    "get_deployments",
    "get_stage",
    "get_stages",
    "update_deployment",
    "update_stage",
]

_STAGE_NAME = re.compile(r"^[A-Za-z0-9_-]+$")
_VARIABLE_NAME = re.compile(r"^[A-Za-z0-9_]+$")
_VARIABLE_VALUE = re.compile(r"^[A-Za-z0-9\-._~:/?#&=,]*$")


def _check_variables(variables: dict[str, str] | None) -> None:
    for name, value in (variables or {}).items():
        if not _VARIABLE_NAME.match(name):
            raise BadRequestException(
                f"Stage variable name {name} must only contain alphanumeric characters and underscores"
            )
        if not _VARIABLE_VALUE.match(value):
            raise BadRequestException(
                f"Stage variable value {value} must only contain alphanumeric characters and the "
                "characters -._~:/?#&=,"
            )


def _check_deployment(conn: Any, ctx: RequestContext, api_id: str, deployment_id: str | None) -> None:
    if deployment_id is not None:
        child_or_404(conn, ctx, "deployment2", api_id, deployment_id)


def insert(tx: Tx, ctx: RequestContext, api: dict[str, Any], fields: dict[str, Any]) -> dict[str, Any]:
    """Validate and store a new stage (fields in wire names), deploying it when it auto-deploys."""
    gw, account, region = where(ctx)
    api_id = api["apiId"]
    name = fields["stageName"]
    if name != "$default" and not _STAGE_NAME.match(name):
        raise BadRequestException(
            f"Stage name {name} is invalid. Stage names can only contain alphanumeric characters, hyphens "
            "and underscores, or be $default"
        )
    if store.get(tx, account, region, "stage2", api_id, name) is not None:
        raise ConflictException(f"Stage {name} already exists")
    _check_variables(fields.get("stageVariables"))
    _check_deployment(tx, ctx, api_id, fields.get("deploymentId"))
    now = gw.clock.now()
    doc: dict[str, Any] = {
        "autoDeploy": False,
        "routeSettings": {},
        "stageVariables": {},
        "tags": {},
        **fields,
        "createdDate": now,
        "lastUpdatedDate": now,
        "defaultRouteSettings": {"detailedMetricsEnabled": False, **fields.get("defaultRouteSettings", {})},
    }
    store.put(tx, account, region, "stage2", api_id, name, doc)
    if doc["autoDeploy"]:
        deploy.auto_deploy(tx, gw, account, region, api_id)
        doc = store.get(tx, account, region, "stage2", api_id, name) or doc
    gw.invalidate(tx, api_id)
    return doc


def create_stage(ctx: RequestContext, request: dict[str, Any]) -> dict[str, Any]:
    gw, _, _ = where(ctx)
    with gw.db.transaction() as tx:
        api = api_or_404(tx, ctx, request["ApiId"])
        doc = insert(tx, ctx, api, body(ctx, request))
    return out(ctx, doc)


def get_stage(ctx: RequestContext, request: dict[str, Any]) -> dict[str, Any]:
    return get_one(ctx, request, "stage2", "StageName")


def get_stages(ctx: RequestContext, request: dict[str, Any]) -> dict[str, Any]:
    return get_all(ctx, request, "stage2")


def update_stage(ctx: RequestContext, request: dict[str, Any]) -> dict[str, Any]:
    gw, account, region = where(ctx)
    api_id = request["ApiId"]
    with gw.db.transaction() as tx:
        api_or_404(tx, ctx, api_id)
        doc = child_or_404(tx, ctx, "stage2", api_id, request["StageName"])
        fields = body(ctx, request)
        _check_variables(fields.get("stageVariables"))
        _check_deployment(tx, ctx, api_id, fields.get("deploymentId"))
        if "defaultRouteSettings" in fields:
            fields["defaultRouteSettings"] = {
                **doc.get("defaultRouteSettings", {}),
                **fields["defaultRouteSettings"],
            }
        if "routeSettings" in fields:
            merged = dict(doc.get("routeSettings") or {})
            for key, settings in fields["routeSettings"].items():
                merged[key] = {**merged.get(key, {}), **settings}
            fields["routeSettings"] = merged
        if "stageVariables" in fields:
            merged_vars = {**doc.get("stageVariables", {}), **fields["stageVariables"]}
            fields["stageVariables"] = {k: v for k, v in merged_vars.items() if v != ""}
        switched_on = fields.get("autoDeploy") and not doc.get("autoDeploy")
        doc.update(fields)
        doc["lastUpdatedDate"] = gw.clock.now()
        if not doc.get("autoDeploy"):
            doc.pop("lastDeploymentStatusMessage", None)
        store.put(tx, account, region, "stage2", api_id, doc["stageName"], doc)
        if switched_on:
            deploy.auto_deploy(tx, gw, account, region, api_id)
            doc = store.get(tx, account, region, "stage2", api_id, doc["stageName"]) or doc
        gw.invalidate(tx, api_id)
    return out(ctx, doc)


def delete_stage(ctx: RequestContext, request: dict[str, Any]) -> None:
    gw, account, region = where(ctx)
    api_id = request["ApiId"]
    with gw.db.transaction() as tx:
        api_or_404(tx, ctx, api_id)
        child_or_404(tx, ctx, "stage2", api_id, request["StageName"])
        store.delete(tx, account, region, "stage2", api_id, request["StageName"])
        gw.invalidate(tx, api_id)


def delete_route_settings(ctx: RequestContext, request: dict[str, Any]) -> None:
    gw, account, region = where(ctx)
    api_id, route_key = request["ApiId"], request["RouteKey"]
    with gw.db.transaction() as tx:
        api_or_404(tx, ctx, api_id)
        doc = child_or_404(tx, ctx, "stage2", api_id, request["StageName"])
        settings = doc.get("routeSettings") or {}
        if route_key not in settings:
            raise NotFoundException(
                f"Unable to find Route by key {route_key} within the provided RouteSettings"
            )
        del settings[route_key]
        doc["routeSettings"] = settings
        doc["lastUpdatedDate"] = gw.clock.now()
        store.put(tx, account, region, "stage2", api_id, doc["stageName"], doc)
        gw.invalidate(tx, api_id)


def delete_access_log_settings(ctx: RequestContext, request: dict[str, Any]) -> None:
    gw, account, region = where(ctx)
    api_id = request["ApiId"]
    with gw.db.transaction() as tx:
        api_or_404(tx, ctx, api_id)
        doc = child_or_404(tx, ctx, "stage2", api_id, request["StageName"])
        doc.pop("accessLogSettings", None)
        doc["lastUpdatedDate"] = gw.clock.now()
        store.put(tx, account, region, "stage2", api_id, doc["stageName"], doc)
        gw.invalidate(tx, api_id)


# -- deployments -------------------------------------------------------------------------------------


def create_deployment(ctx: RequestContext, request: dict[str, Any]) -> dict[str, Any]:
    gw, account, region = where(ctx)
    api_id = request["ApiId"]
    with gw.db.transaction() as tx:
        api_or_404(tx, ctx, api_id)
        stage = None
        if request.get("StageName") is not None:
            stage = child_or_404(tx, ctx, "stage2", api_id, request["StageName"])
        doc = deploy.create(tx, gw, account, region, api_id, request.get("Description"))
        if stage is not None:
            deploy.point(stage, doc["deploymentId"], gw.clock.now())
            store.put(tx, account, region, "stage2", api_id, stage["stageName"], stage)
            urls.announce(gw, tx, api_id, stage["stageName"])
        gw.invalidate(tx, api_id)
    return out(ctx, doc)


def get_deployment(ctx: RequestContext, request: dict[str, Any]) -> dict[str, Any]:
    return get_one(ctx, request, "deployment2", "DeploymentId")


def get_deployments(ctx: RequestContext, request: dict[str, Any]) -> dict[str, Any]:
    return get_all(ctx, request, "deployment2")


def update_deployment(ctx: RequestContext, request: dict[str, Any]) -> dict[str, Any]:
    gw, account, region = where(ctx)
    api_id = request["ApiId"]
    with gw.db.transaction() as tx:
        api_or_404(tx, ctx, api_id)
        doc = child_or_404(tx, ctx, "deployment2", api_id, request["DeploymentId"])
        if request.get("Description") is not None:
            doc["description"] = request["Description"]
        store.put(tx, account, region, "deployment2", api_id, doc["deploymentId"], doc)
    return out(ctx, doc)


def delete_deployment(ctx: RequestContext, request: dict[str, Any]) -> None:
    gw, account, region = where(ctx)
    api_id, deployment_id = request["ApiId"], request["DeploymentId"]
    with gw.db.transaction() as tx:
        api_or_404(tx, ctx, api_id)
        child_or_404(tx, ctx, "deployment2", api_id, deployment_id)
        for _, stage in store.list_docs(tx, account, region, "stage2", api_id):
            if stage.get("deploymentId") == deployment_id:
                raise BadRequestException(
                    "Active stages pointing to this deployment must be moved or deleted"
                )
        store.delete(tx, account, region, "deployment2", api_id, deployment_id)
        store.delete(tx, account, region, "snapshot2", api_id, deployment_id)
        gw.invalidate(tx, api_id)
