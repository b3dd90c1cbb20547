"""Invoke (RequestResponse, Event, DryRun), InvokeAsync, aliases, permissions and event-invoke configs."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from cloudlet.core.clock import epoch_ms
from cloudlet.services.lambda_ import store
from cloudlet.services.lambda_.errors import (
    InvalidParameterValueException,
    RequestTooLargeException,
    ResourceNotFoundException,
)
from cloudlet.services.lambda_.functions import function_arn, parse_name
from cloudlet.services.lambda_.invoke import MAX_ASYNC_PAYLOAD_B
from cloudlet.services.lambda_.operations.common import listing, state

if TYPE_CHECKING:
    from cloudlet.gateway.context import RequestContext


async def invoke(ctx: RequestContext, request: dict[str, Any]) -> dict[str, Any]:
    lam = state(ctx)
    resolved = lam.functions.resolve(
        ctx.account_id, ctx.region, request["FunctionName"], request.get("Qualifier")
    )
    payload = bytes(request.get("Payload") or b"")
    kind = request.get("InvocationType") or "RequestResponse"
    if kind == "DryRun":
        return {"StatusCode": 204}
    if kind == "Event":
        if len(payload) > MAX_ASYNC_PAYLOAD_B:
            raise RequestTooLargeException(
                f"Request must be smaller than {MAX_ASYNC_PAYLOAD_B} bytes for the InvokeAsync operation"
            )
        lam.invoker.spec(resolved)  # refuses runtimes cloudlet cannot run, as the sync path does
        with lam.db.transaction() as tx:
            lam.async_invoker.enqueue(tx, resolved.key, resolved.qualifier, payload or b"{}", ctx.request_id)
        return {"StatusCode": 202}
    return await lam.invoker.invoke(
        resolved, payload, request.get("LogType"), request.get("ClientContext"), ctx.request_id
    )


def invoke_async(ctx: RequestContext, request: dict[str, Any]) -> dict[str, Any]:
    lam = state(ctx)
    resolved = lam.functions.resolve(ctx.account_id, ctx.region, request["FunctionName"])
    body = request.get("InvokeArgs") or b""
    data = body if isinstance(body, bytes) else b"".join(body)
    with lam.db.transaction() as tx:
        lam.async_invoker.enqueue(tx, resolved.key, None, data or b"{}", ctx.request_id)
    return {"Status": 202}


# -- aliases ----------------------------------------------------------------------------------------


def create_alias(ctx: RequestContext, request: dict[str, Any]) -> dict[str, Any]:
    return state(ctx).aliases.create(ctx.account_id, ctx.region, request)


def get_alias(ctx: RequestContext, request: dict[str, Any]) -> dict[str, Any]:
    return state(ctx).aliases.get(ctx.account_id, ctx.region, request["FunctionName"], request["Name"])


def update_alias(ctx: RequestContext, request: dict[str, Any]) -> dict[str, Any]:
    return state(ctx).aliases.update(ctx.account_id, ctx.region, request)


def delete_alias(ctx: RequestContext, request: dict[str, Any]) -> None:
    state(ctx).aliases.delete(ctx.account_id, ctx.region, request["FunctionName"], request["Name"])


def list_aliases(ctx: RequestContext, request: dict[str, Any]) -> dict[str, Any]:
    aliases = state(ctx).aliases.list(
        ctx.account_id, ctx.region, request["FunctionName"], request.get("FunctionVersion")
    )
    return listing("Aliases", aliases, request, 50)


# -- permissions ------------------------------------------------------------------------------------


def add_permission(ctx: RequestContext, request: dict[str, Any]) -> dict[str, Any]:
    return state(ctx).permissions.add(ctx.account_id, ctx.region, request)


def remove_permission(ctx: RequestContext, request: dict[str, Any]) -> None:
    state(ctx).permissions.remove(ctx.account_id, ctx.region, request)


def get_policy(ctx: RequestContext, request: dict[str, Any]) -> dict[str, Any]:
    return state(ctx).permissions.get(
        ctx.account_id, ctx.region, request["FunctionName"], request.get("Qualifier")
    )


# -- event-invoke configs ---------------------------------------------------------------------------


def _invoke_config_key(ctx: RequestContext, request: dict[str, Any]) -> tuple[store.Key, str]:
    lam = state(ctx)
    key, qualifier = parse_name(request["FunctionName"], ctx.account_id, ctx.region, request.get("Qualifier"))
    lam.functions.resolve(ctx.account_id, ctx.region, request["FunctionName"], qualifier)
    return key, qualifier or ""


def _check_destinations(request: dict[str, Any]) -> None:
    for when in ("OnSuccess", "OnFailure"):
        target = ((request.get("DestinationConfig") or {}).get(when) or {}).get("Destination")
        if target and target.split(":")[2:3] not in (["sqs"], ["sns"], ["lambda"], ["events"], ["s3"]):
            raise InvalidParameterValueException(f"The destination ARN {target} is invalid.")
        if target and when == "OnSuccess" and target.startswith("arn:aws:s3"):
            raise InvalidParameterValueException("S3 is supported as an OnFailure destination only.")


def put_function_event_invoke_config(ctx: RequestContext, request: dict[str, Any]) -> dict[str, Any]:
    _check_destinations(request)
    lam = state(ctx)
    key, qualifier = _invoke_config_key(ctx, request)
    doc = {
        "LastModified": epoch_ms(lam.clock.now()) / 1000,
        "FunctionArn": function_arn(key, qualifier or None),
        "MaximumRetryAttempts": request.get("MaximumRetryAttempts", 2),
        "MaximumEventAgeInSeconds": request.get("MaximumEventAgeInSeconds", 21_600),
        "DestinationConfig": request.get("DestinationConfig") or {"OnSuccess": {}, "OnFailure": {}},
    }
    with lam.db.transaction() as tx:
        store.put_doc(tx, "lambda_invoke_config", "config", key, qualifier, doc)
    return doc


def update_function_event_invoke_config(ctx: RequestContext, request: dict[str, Any]) -> dict[str, Any]:
    _check_destinations(request)
    lam = state(ctx)
    key, qualifier = _invoke_config_key(ctx, request)
    with lam.db.transaction() as tx:
        doc = store.get_doc(tx, "lambda_invoke_config", "config", key, qualifier)
        if doc is None:
            raise ResourceNotFoundException(
                f"The function {function_arn(key, qualifier or None)} doesn't have an EventInvokeConfig"
            )
        for field in ("MaximumRetryAttempts", "MaximumEventAgeInSeconds", "DestinationConfig"):
            if field in request:
                doc[field] = request[field]
        doc["LastModified"] = epoch_ms(lam.clock.now()) / 1000
        store.put_doc(tx, "lambda_invoke_config", "config", key, qualifier, doc)
    return doc


def get_function_event_invoke_config(ctx: RequestContext, request: dict[str, Any]) -> dict[str, Any]:
    lam = state(ctx)
    key, qualifier = _invoke_config_key(ctx, request)
    with lam.db.read() as conn:
        doc = store.get_doc(conn, "lambda_invoke_config", "config", key, qualifier)
    if doc is None:
        raise ResourceNotFoundException(
            f"The function {function_arn(key, qualifier or None)} doesn't have an EventInvokeConfig"
        )
    return doc


def delete_function_event_invoke_config(ctx: RequestContext, request: dict[str, Any]) -> None:
    lam = state(ctx)
    key, qualifier = _invoke_config_key(ctx, request)
    with lam.db.transaction() as tx:
        if not store.delete_doc(tx, "lambda_invoke_config", key, qualifier):
            raise ResourceNotFoundException(
                f"The function {function_arn(key, qualifier or None)} doesn't have an EventInvokeConfig"
            )


def list_function_event_invoke_configs(ctx: RequestContext, request: dict[str, Any]) -> dict[str, Any]:
    lam = state(ctx)
    key, _ = parse_name(request["FunctionName"], ctx.account_id, ctx.region)
    lam.functions.row(key)
    with lam.db.read() as conn:
        docs = store.list_docs(conn, "lambda_invoke_config", "config", key)
    return listing("FunctionEventInvokeConfigs", docs, request, 50)


# -- event source mappings ----------------------------------------------------------------------------


def create_event_source_mapping(ctx: RequestContext, request: dict[str, Any]) -> dict[str, Any]:
    return state(ctx).mappings.create(ctx.account_id, ctx.region, request)


def get_event_source_mapping(ctx: RequestContext, request: dict[str, Any]) -> dict[str, Any]:
    return state(ctx).mappings.get(request["UUID"])


def update_event_source_mapping(ctx: RequestContext, request: dict[str, Any]) -> dict[str, Any]:
    return state(ctx).mappings.update(request)


def delete_event_source_mapping(ctx: RequestContext, request: dict[str, Any]) -> dict[str, Any]:
    return state(ctx).mappings.delete(request["UUID"])


def list_event_source_mappings(ctx: RequestContext, request: dict[str, Any]) -> dict[str, Any]:
    mappings = state(ctx).mappings.list(
        ctx.account_id, ctx.region, request.get("EventSourceArn"), request.get("FunctionName")
    )
    return listing("EventSourceMappings", mappings, request, 100)
