"""What every SQS operation needs: the service state and the queue a request's QueueUrl names."""

from __future__ import annotations

import base64
import binascii
from typing import TYPE_CHECKING, Any

from cloudlet.services.sqs.errors import InvalidAddress, InvalidParameterValue, QueueDoesNotExist
from cloudlet.services.sqs.store import QueueRow
from cloudlet.services.sqs.urls import build_url, parse_url

if TYPE_CHECKING:
    from cloudlet.gateway.context import RequestContext
    from cloudlet.services.sqs.engine import Sqs


def state(ctx: RequestContext) -> Sqs:
    sqs: Sqs = ctx.app.service("sqs").state
    return sqs


def queue_of(ctx: RequestContext, request: dict[str, Any]) -> QueueRow:
    """The queue named by `QueueUrl`. Raises InvalidAddress, QueueDoesNotExist."""
    url = request.get("QueueUrl") or ""
    ref = parse_url(url)
    if ref is None:
        raise InvalidAddress(f"The address {url} is not valid for this endpoint.")
    return find_queue(ctx, ref.account, ref.region or ctx.region, ref.name)


def find_queue(ctx: RequestContext, account: str, region: str, name: str) -> QueueRow:
    """Raises QueueDoesNotExist, worded as each protocol's SQS words it."""
    queue = state(ctx).queues.find(account, region, name)
    if queue is None:
        if ctx.protocol == "query":
            raise QueueDoesNotExist("The specified queue does not exist for this wsdl version.")
        raise QueueDoesNotExist()
    return queue


def queue_url_from_path(ctx: RequestContext, request: dict[str, Any]) -> None:
    """Legacy query requests may post to the queue URL itself and omit the QueueUrl parameter."""
    if "QueueUrl" in request or ctx.protocol != "query" or ctx.operation is None:
        return
    if ctx.operation.input_shape is None or "QueueUrl" not in ctx.operation.input_shape.members:
        return
    path = ctx.request.path
    if parse_url(path) is not None:
        request["QueueUrl"] = ctx.endpoint + path


def url_of(ctx: RequestContext, queue: QueueRow) -> str:
    return build_url(ctx.endpoint, queue.account, queue.name)


def page(names: list[str], request: dict[str, Any], default_all: int = 1000) -> tuple[list[str], str | None]:
    """Slice sorted `names` by NextToken/MaxResults; without MaxResults, up to 1000 and no token."""
    token = request.get("NextToken")
    start = 0
    if token:
        try:
            after = base64.urlsafe_b64decode(token.encode()).decode()
        except (ValueError, binascii.Error):
            raise InvalidParameterValue("Invalid NextToken value.") from None
        start = next((i for i, n in enumerate(names) if n > after), len(names))
    limit = request.get("MaxResults")
    if limit is None:
        return names[start : start + default_all], None
    if not 1 <= limit <= 1000:
        raise InvalidParameterValue(
            f"Value {limit} for parameter MaxResults is invalid. Reason: MaxResults must be an integer "
            "between 1 and 1000."
        )
    chosen = names[start : start + limit]
    more = start + limit < len(names)
    return chosen, (base64.urlsafe_b64encode(chosen[-1].encode()).decode() if more and chosen else None)
