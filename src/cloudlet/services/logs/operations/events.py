"""Log event operations: PutLogEvents, GetLogEvents, FilterLogEvents."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from cloudlet.services.logs.errors import InvalidParameterException
from cloudlet.services.logs.operations.common import check_group_name, check_stream_name, group_of, state

if TYPE_CHECKING:
    from cloudlet.gateway.context import RequestContext


def put_log_events(ctx: RequestContext, request: dict[str, Any]) -> dict[str, Any]:
    # The sequence token is ignored (PutLogEvents API reference, since January 2023).
    return state(ctx).events.put(
        ctx.account_id,
        ctx.region,
        check_group_name(request["logGroupName"]),
        check_stream_name(request["logStreamName"]),
        request["logEvents"],
    )


def get_log_events(ctx: RequestContext, request: dict[str, Any]) -> dict[str, Any]:
    logs = state(ctx)
    group = group_of(ctx, request)
    stream = logs.find_stream(group, check_stream_name(request["logStreamName"]))
    return logs.events.get(
        group,
        stream,
        request.get("startTime"),
        request.get("endTime"),
        request.get("nextToken"),
        request.get("limit"),
        bool(request.get("startFromHead")),
    )


def filter_log_events(ctx: RequestContext, request: dict[str, Any]) -> dict[str, Any]:
    names = request.get("logStreamNames")
    prefix = request.get("logStreamNamePrefix")
    if names and prefix:
        raise InvalidParameterException(
            "logStreamNames and logStreamNamePrefix are mutually exclusive parameters."
        )
    logs = state(ctx)
    group = group_of(ctx, request)
    return logs.events.filter(
        group,
        list(names) if names else None,
        prefix,
        request.get("startTime"),
        request.get("endTime"),
        request.get("filterPattern"),
        request.get("nextToken"),
        request.get("limit"),
    )
