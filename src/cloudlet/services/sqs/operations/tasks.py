"""Message move tasks: redrive from a dead-letter queue back to its sources or to another queue."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from cloudlet.services.sqs.errors import InvalidParameterValue
from cloudlet.services.sqs.operations.common import state

if TYPE_CHECKING:
    from cloudlet.gateway.context import RequestContext


def start_message_move_task(ctx: RequestContext, request: dict[str, Any]) -> dict[str, Any]:
    handle = state(ctx).move_tasks.start(
        ctx.account_id,
        request["SourceArn"],
        request.get("DestinationArn"),
        request.get("MaxNumberOfMessagesPerSecond"),
    )
    return {"TaskHandle": handle}


def cancel_message_move_task(ctx: RequestContext, request: dict[str, Any]) -> dict[str, Any]:
    return {
        "ApproximateNumberOfMessagesMoved": state(ctx).move_tasks.cancel(
            ctx.account_id, request["TaskHandle"]
        )
    }


def list_message_move_tasks(ctx: RequestContext, request: dict[str, Any]) -> dict[str, Any]:
    limit = request.get("MaxResults", 1)
    if not 1 <= limit <= 10:
        raise InvalidParameterValue(
            f"Value {limit} for parameter MaxResults is invalid. Reason: You must enter a number that's "
            "between 1 and 10."
        )
    return {"Results": state(ctx).move_tasks.list(ctx.account_id, request["SourceArn"], limit)}
