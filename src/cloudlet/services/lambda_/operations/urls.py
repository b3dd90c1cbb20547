"""Function URL configs: Create/Get/Update/Delete/ListFunctionUrlConfig(s). The URLs themselves are
served by `cloudlet.services.lambda_.urls`, which the gateway calls before AWS API routing."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from cloudlet.services.lambda_ import urls
from cloudlet.services.lambda_.operations.common import listing, state

if TYPE_CHECKING:
    from cloudlet.gateway.context import RequestContext


def create_function_url_config(ctx: RequestContext, request: dict[str, Any]) -> dict[str, Any]:
    return urls.create(state(ctx), ctx.account_id, ctx.region, request, ctx.endpoint)


def get_function_url_config(ctx: RequestContext, request: dict[str, Any]) -> dict[str, Any]:
    return urls.get(
        state(ctx),
        ctx.account_id,
        ctx.region,
        request["FunctionName"],
        request.get("Qualifier"),
        ctx.endpoint,
    )


def update_function_url_config(ctx: RequestContext, request: dict[str, Any]) -> dict[str, Any]:
    return urls.update(state(ctx), ctx.account_id, ctx.region, request, ctx.endpoint)


def delete_function_url_config(ctx: RequestContext, request: dict[str, Any]) -> None:
    urls.delete(state(ctx), ctx.account_id, ctx.region, request["FunctionName"], request.get("Qualifier"))


def list_function_url_configs(ctx: RequestContext, request: dict[str, Any]) -> dict[str, Any]:
    configs = urls.list_configs(state(ctx), ctx.account_id, ctx.region, request["FunctionName"], ctx.endpoint)
    return listing("FunctionUrlConfigs", configs, request, 50)
