"""Log group operations: create, delete, describe, retention."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from cloudlet.services.logs import store
from cloudlet.services.logs.engine import group_arn
from cloudlet.services.logs.errors import InvalidParameterException
from cloudlet.services.logs.operations.common import (
    check_group_name,
    decode_token,
    encode_token,
    state,
)
from cloudlet.services.logs.store import GroupRow

if TYPE_CHECKING:
    from cloudlet.gateway.context import RequestContext

DEFAULT_LIMIT = 50
_SCAN = 200


def create_log_group(ctx: RequestContext, request: dict[str, Any]) -> None:
    state(ctx).create_group(
        ctx.account_id,
        ctx.region,
        check_group_name(request["logGroupName"]),
        dict(request.get("tags") or {}),
        request.get("kmsKeyId"),
        request.get("logGroupClass") or "STANDARD",
    )


def delete_log_group(ctx: RequestContext, request: dict[str, Any]) -> None:
    state(ctx).delete_group(ctx.account_id, ctx.region, check_group_name(request["logGroupName"]))


def describe_log_groups(ctx: RequestContext, request: dict[str, Any]) -> dict[str, Any]:
    prefix = request.get("logGroupNamePrefix")
    pattern = request.get("logGroupNamePattern")
    if prefix and pattern:
        raise InvalidParameterException(
            "LogGroup name prefix and LogGroup name pattern are mutually exclusive parameters."
        )
    limit = request.get("limit") or DEFAULT_LIMIT
    after = decode_token(request.get("nextToken"))
    if after is not None and not isinstance(after, str):
        raise InvalidParameterException("The specified nextToken is invalid.")
    wanted = _identifier_names(request.get("logGroupIdentifiers"))
    logs = state(ctx)
    found: list[GroupRow] = []
    more = False
    with logs.db.read() as conn:
        while not more:
            rows = store.list_groups(
                conn, ctx.account_id, ctx.region, prefix, pattern, request.get("logGroupClass"), after, _SCAN
            )
            for row in rows:
                after = row.name
                if wanted is not None and row.name not in wanted:
                    continue
                if len(found) == limit:
                    more = True
                    break
                found.append(row)
            if len(rows) < _SCAN:
                break
    out: dict[str, Any] = {"logGroups": [render_group(logs, g) for g in found]}
    if more:
        out["nextToken"] = encode_token(found[-1].name)
    return out


def _identifier_names(identifiers: list[str] | None) -> set[str] | None:
    if not identifiers:
        return None
    names = set()
    for ident in identifiers:
        if ident.startswith("arn:"):
            _, _, name = ident.partition(":log-group:")
            names.add(name[:-2] if name.endswith(":*") else name)
        else:
            names.add(ident)
    return names


def render_group(logs: Any, group: GroupRow) -> dict[str, Any]:
    arn = group_arn(group)
    out: dict[str, Any] = {
        "logGroupName": group.name,
        "creationTime": group.created_ms,
        "metricFilterCount": 0,
        "arn": arn + ":*",
        "storedBytes": logs.stored_bytes(group),
        "logGroupClass": group.log_group_class,
        "logGroupArn": arn,
    }
    if group.retention_days is not None:
        out["retentionInDays"] = group.retention_days
    if group.kms_key_id:
        out["kmsKeyId"] = group.kms_key_id
    return out


def put_retention_policy(ctx: RequestContext, request: dict[str, Any]) -> None:
    logs = state(ctx)
    group = logs.find_group(ctx.account_id, ctx.region, check_group_name(request["logGroupName"]))
    logs.set_retention(group, int(request["retentionInDays"]))


def delete_retention_policy(ctx: RequestContext, request: dict[str, Any]) -> None:
    logs = state(ctx)
    group = logs.find_group(ctx.account_id, ctx.region, check_group_name(request["logGroupName"]))
    logs.set_retention(group, None)
