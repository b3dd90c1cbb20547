"""Layer operations: publish, read, list and delete layer versions, and their resource policies."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from cloudlet.services.lambda_.operations.common import listing, state

if TYPE_CHECKING:
    from cloudlet.gateway.context import RequestContext


def publish_layer_version(ctx: RequestContext, request: dict[str, Any]) -> dict[str, Any]:
    return state(ctx).layers.publish(ctx.account_id, ctx.region, request)


def get_layer_version(ctx: RequestContext, request: dict[str, Any]) -> dict[str, Any]:
    return state(ctx).layers.get(ctx.account_id, ctx.region, request["LayerName"], request["VersionNumber"])


def get_layer_version_by_arn(ctx: RequestContext, request: dict[str, Any]) -> dict[str, Any]:
    return state(ctx).layers.get_by_arn(ctx.account_id, request["Arn"])


def list_layers(ctx: RequestContext, request: dict[str, Any]) -> dict[str, Any]:
    layers = state(ctx).layers.list_layers(
        ctx.account_id, ctx.region, request.get("CompatibleRuntime"), request.get("CompatibleArchitecture")
    )
    return listing("Layers", layers, request, 50)


def list_layer_versions(ctx: RequestContext, request: dict[str, Any]) -> dict[str, Any]:
    versions = state(ctx).layers.list_versions(
        ctx.account_id,
        ctx.region,
        request["LayerName"],
        request.get("CompatibleRuntime"),
        request.get("CompatibleArchitecture"),
    )
    return listing("LayerVersions", versions, request, 50)


def delete_layer_version(ctx: RequestContext, request: dict[str, Any]) -> None:
    state(ctx).layers.delete(ctx.account_id, ctx.region, request["LayerName"], request["VersionNumber"])


def add_layer_version_permission(ctx: RequestContext, request: dict[str, Any]) -> dict[str, Any]:
    return state(ctx).layers.add_permission(ctx.account_id, ctx.region, request)


def remove_layer_version_permission(ctx: RequestContext, request: dict[str, Any]) -> None:
    state(ctx).layers.remove_permission(ctx.account_id, ctx.region, request)


def get_layer_version_policy(ctx: RequestContext, request: dict[str, Any]) -> dict[str, Any]:
    return state(ctx).layers.policy(
        ctx.account_id, ctx.region, request["LayerName"], request["VersionNumber"]
    )
