"""Function operations: create, read, list, update code and configuration, versions, delete, tags,
concurrency, account settings."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from cloudlet.core.arns import parse_arn
from cloudlet.services.lambda_.errors import InvalidParameterValueException, ResourceNotFoundException
from cloudlet.services.lambda_.functions import function_arn, parse_name
from cloudlet.services.lambda_.operations.common import listing, state

if TYPE_CHECKING:
    from cloudlet.gateway.context import RequestContext


def create_function(ctx: RequestContext, request: dict[str, Any]) -> dict[str, Any]:
    return state(ctx).functions.create(ctx.account_id, ctx.region, request)


def get_function(ctx: RequestContext, request: dict[str, Any]) -> dict[str, Any]:
    lam = state(ctx)
    resolved = lam.functions.resolve(
        ctx.account_id, ctx.region, request["FunctionName"], request.get("Qualifier")
    )
    row = lam.functions.row(resolved.key)
    out: dict[str, Any] = {
        "Configuration": resolved.config,
        "Code": {"RepositoryType": "S3", "Location": f"file://{resolved.code.dir}"},
    }
    tags = json.loads(row["tags"])
    if tags:
        out["Tags"] = tags
    if row["concurrency"] is not None:
        out["Concurrency"] = {"ReservedConcurrentExecutions": row["concurrency"]}
    return out


def get_function_configuration(ctx: RequestContext, request: dict[str, Any]) -> dict[str, Any]:
    lam = state(ctx)
    return lam.functions.resolve(
        ctx.account_id, ctx.region, request["FunctionName"], request.get("Qualifier")
    ).config


def list_functions(ctx: RequestContext, request: dict[str, Any]) -> dict[str, Any]:
    functions = state(ctx).functions.list(ctx.account_id, ctx.region, request.get("FunctionVersion") == "ALL")
    return listing("Functions", functions, request, 50)


def update_function_code(ctx: RequestContext, request: dict[str, Any]) -> dict[str, Any]:
    return state(ctx).functions.update_code(ctx.account_id, ctx.region, request)


def update_function_configuration(ctx: RequestContext, request: dict[str, Any]) -> dict[str, Any]:
    return state(ctx).functions.update_configuration(ctx.account_id, ctx.region, request)


def publish_version(ctx: RequestContext, request: dict[str, Any]) -> dict[str, Any]:
    return state(ctx).functions.publish(ctx.account_id, ctx.region, request)


def list_versions_by_function(ctx: RequestContext, request: dict[str, Any]) -> dict[str, Any]:
    versions = state(ctx).functions.versions(ctx.account_id, ctx.region, request["FunctionName"])
    return listing("Versions", versions, request, 50)


def delete_function(ctx: RequestContext, request: dict[str, Any]) -> None:
    state(ctx).functions.delete(ctx.account_id, ctx.region, request["FunctionName"], request.get("Qualifier"))


# -- tags -----------------------------------------------------------------------------------------


def _tag_key(ctx: RequestContext, resource: str) -> Any:
    try:
        parts = parse_arn(resource)
    except ValueError:
        raise InvalidParameterValueException(f"Invalid resource ARN: {resource}") from None
    if parts.service != "lambda" or not parts.resource.startswith("function:"):
        raise InvalidParameterValueException(f"Invalid resource ARN: {resource}")
    key, qualifier = parse_name(resource, ctx.account_id, ctx.region)
    if qualifier:
        raise InvalidParameterValueException("Tags are not supported on function versions or aliases.")
    return key


def tag_resource(ctx: RequestContext, request: dict[str, Any]) -> None:
    lam = state(ctx)
    key = _tag_key(ctx, request["Resource"])
    with lam.db.transaction() as tx:
        from cloudlet.services.lambda_ import store

        row = store.get_function(tx, key)
        if row is None:
            raise ResourceNotFoundException(f"Function not found: {function_arn(key)}")
        store.update_function(tx, key, tags=json.loads(row["tags"]) | dict(request.get("Tags") or {}))


def untag_resource(ctx: RequestContext, request: dict[str, Any]) -> None:
    lam = state(ctx)
    key = _tag_key(ctx, request["Resource"])
    with lam.db.transaction() as tx:
        from cloudlet.services.lambda_ import store

        row = store.get_function(tx, key)
        if row is None:
            raise ResourceNotFoundException(f"Function not found: {function_arn(key)}")
        drop = set(request.get("TagKeys") or [])
        store.update_function(
            tx, key, tags={k: v for k, v in json.loads(row["tags"]).items() if k not in drop}
        )


def list_tags(ctx: RequestContext, request: dict[str, Any]) -> dict[str, Any]:
    row = state(ctx).functions.row(_tag_key(ctx, request["Resource"]))
    return {"Tags": json.loads(row["tags"])}


# -- concurrency and account ------------------------------------------------------------------------


def put_function_concurrency(ctx: RequestContext, request: dict[str, Any]) -> dict[str, Any]:
    from cloudlet.services.lambda_ import store
    from cloudlet.services.lambda_.engine import UNRESERVED_MINIMUM

    lam = state(ctx)
    key, _ = parse_name(request["FunctionName"], ctx.account_id, ctx.region)
    wanted = int(request["ReservedConcurrentExecutions"])
    with lam.db.transaction() as tx:
        if store.get_function(tx, key) is None:
            raise ResourceNotFoundException(f"Function not found: {function_arn(key)}")
        reserved = sum(
            r["concurrency"] or 0 for r in store.list_functions(tx, key[0], key[1]) if r["name"] != key[2]
        )
        if reserved + wanted > lam.account_concurrency - UNRESERVED_MINIMUM:
            raise InvalidParameterValueException(
                f"Specified ReservedConcurrentExecutions for function decreases account's "
                f"UnreservedConcurrentExecution "
                f"below its minimum value of [{UNRESERVED_MINIMUM}]."
            )
        store.update_function(tx, key, concurrency=wanted)
    return {"ReservedConcurrentExecutions": wanted}


def get_function_concurrency(ctx: RequestContext, request: dict[str, Any]) -> dict[str, Any]:
    key, _ = parse_name(request["FunctionName"], ctx.account_id, ctx.region)
    row = state(ctx).functions.row(key)
    return {} if row["concurrency"] is None else {"ReservedConcurrentExecutions": row["concurrency"]}


def delete_function_concurrency(ctx: RequestContext, request: dict[str, Any]) -> None:
    from cloudlet.services.lambda_ import store

    lam = state(ctx)
    key, _ = parse_name(request["FunctionName"], ctx.account_id, ctx.region)
    lam.functions.row(key)
    with lam.db.transaction() as tx:
        store.update_function(tx, key, concurrency=None)


def get_account_settings(ctx: RequestContext, request: dict[str, Any]) -> dict[str, Any]:
    from cloudlet.services.lambda_ import store

    lam = state(ctx)
    with lam.db.read() as conn:
        rows = store.list_functions(conn, ctx.account_id, ctx.region)
    reserved = sum(r["concurrency"] or 0 for r in rows)
    code_size = sum(json.loads(r["code"]).get("size", 0) for r in rows)
    return {
        "AccountLimit": {
            "TotalCodeSize": 80_530_636_800,
            "CodeSizeUnzipped": 262_144_000,
            "CodeSizeZipped": 52_428_800,
            "ConcurrentExecutions": lam.account_concurrency,
            "UnreservedConcurrentExecutions": lam.account_concurrency - reserved,
        },
        "AccountUsage": {"TotalCodeSize": code_size, "FunctionCount": len(rows)},
    }
