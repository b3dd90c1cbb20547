"""Log stream operations: create, delete, describe."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from cloudlet.services.logs import store
from cloudlet.services.logs.engine import stream_arn
from cloudlet.services.logs.errors import InvalidParameterException
from cloudlet.services.logs.operations.common import (
    check_group_name,
    check_stream_name,
    decode_token,
    encode_token,
    group_of,
    state,
)
from cloudlet.services.logs.store import GroupRow, StreamRow

if TYPE_CHECKING:
    from cloudlet.gateway.context import RequestContext

DEFAULT_LIMIT = 50


def create_log_stream(ctx: RequestContext, request: dict[str, Any]) -> None:
    state(ctx).create_stream(
        ctx.account_id,
        ctx.region,
        check_group_name(request["logGroupName"]),
        check_stream_name(request["logStreamName"]),
    )


def delete_log_stream(ctx: RequestContext, request: dict[str, Any]) -> None:
    state(ctx).delete_stream(
        ctx.account_id,
        ctx.region,
        check_group_name(request["logGroupName"]),
        check_stream_name(request["logStreamName"]),
    )


def describe_log_streams(ctx: RequestContext, request: dict[str, Any]) -> dict[str, Any]:
    prefix = request.get("logStreamNamePrefix")
    order_by = request.get("orderBy") or "LogStreamName"
    if order_by == "LastEventTime" and prefix:
        raise InvalidParameterException("Cannot order by LastEventTime with a logStreamNamePrefix.")
    group = group_of(ctx, request)
    offset = decode_token(request.get("nextToken")) or 0
    if not isinstance(offset, int) or offset < 0:
        raise InvalidParameterException("The specified nextToken is invalid.")
    limit = request.get("limit") or DEFAULT_LIMIT
    with state(ctx).db.read() as conn:
        streams = store.list_streams(conn, group.id, prefix)
    descending = bool(request.get("descending"))
    if order_by == "LastEventTime":
        streams.sort(key=lambda s: (s.last_ts or 0, s.name), reverse=descending)
    elif descending:
        streams.reverse()
    page = streams[offset : offset + limit]
    out: dict[str, Any] = {"logStreams": [_render(group, s) for s in page]}
    if offset + limit < len(streams):
        out["nextToken"] = encode_token(offset + limit)
    return out


def _render(group: GroupRow, stream: StreamRow) -> dict[str, Any]:
    out: dict[str, Any] = {"logStreamName": stream.name, "creationTime": stream.created_ms}
    if stream.first_ts is not None:
        out["firstEventTimestamp"] = stream.first_ts
        out["lastEventTimestamp"] = stream.last_ts
    if stream.last_ingestion_ms is not None:
        out["lastIngestionTime"] = stream.last_ingestion_ms
    out["uploadSequenceToken"] = f"{10**55 + stream.uploads + 1:056d}"
    out["arn"] = stream_arn(group, stream)
    # Deprecated for streams since 2019 and always reported as zero (DescribeLogStreams API reference).
    out["storedBytes"] = 0
    return out
