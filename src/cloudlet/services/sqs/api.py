"""What other services may use of SQS: commands that take the caller's transaction, and hub events.

SNS, EventBridge and Lambda destinations deliver into queues with `enqueue`, inside their own
transaction, so "message stored + delivery marked done" commit together.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from cloudlet.services.sqs.errors import InvalidParameterValue, QueueDoesNotExist

if TYPE_CHECKING:
    from cloudlet.app import App
    from cloudlet.core.db import Tx


@dataclass(frozen=True, slots=True)
class MessagesAvailable:
    """Messages were committed to a queue (sent, redriven or made visible again early)."""

    queue_arn: str


@dataclass(frozen=True, slots=True)
class Enqueued:
    message_id: str
    sequence_number: str | None


def is_fifo_queue(app: App, queue_arn: str) -> bool | None:
    """True/False for an existing queue, None when the queue does not exist."""
    if "sqs" not in app.specs:
        return None
    queue = app.service("sqs").state.queues.by_arn(queue_arn)
    return None if queue is None else queue.fifo


def enqueue(
    app: App,
    tx: Tx,
    queue_arn: str,
    body: str,
    *,
    attributes: dict[str, dict[str, Any]] | None = None,
    group_id: str | None = None,
    dedup_id: str | None = None,
    sender_id: str,
) -> Enqueued:
    """Send one message to the queue `queue_arn` inside `tx`.

    Raises: QueueDoesNotExist; InvalidParameterValue when the message does not fit the queue (size,
    FIFO parameters) — the caller treats both as client-side delivery errors.
    """
    from cloudlet.services.sqs import validation
    from cloudlet.services.sqs.messages import Outgoing

    if "sqs" not in app.specs:
        raise QueueDoesNotExist()
    sqs = app.service("sqs").state
    queue = sqs.queues.by_arn(queue_arn)
    if queue is None:
        raise QueueDoesNotExist()
    validation.check_size(body, validation.check_attributes(attributes), queue.cache["max_size"])
    if queue.fifo and group_id is None:
        raise InvalidParameterValue("The request must contain the parameter MessageGroupId.")
    if queue.fifo and dedup_id is None and not queue.cache["content_dedup"]:
        raise InvalidParameterValue(
            "The queue should either have ContentBasedDeduplication enabled or MessageDeduplicationId "
            "provided explicitly"
        )
    outgoing = Outgoing(
        body,
        attributes or None,
        None,
        group_id,
        dedup_id if queue.fifo else None,
    )
    (sent,) = sqs.messages.send(queue, [outgoing], sender_id, tx=tx)
    return Enqueued(sent.message_id, sent.sequence_number)


@dataclass(frozen=True, slots=True)
class Delivered:
    """A received message, in SQS's terms (consumers such as Lambda shape it into their events)."""

    message_id: str
    receipt_handle: str
    body: str
    md5_of_body: str
    attributes: dict[str, str]
    """System attributes: SenderId, SentTimestamp, ApproximateReceiveCount, ... (strings)."""
    message_attributes: dict[str, dict[str, Any]]
    md5_of_message_attributes: str | None


async def receive(
    app: App, queue_arn: str, max_messages: int, wait_s: int, visibility: int | None = None
) -> list[Delivered]:
    """Long-poll receive from `queue_arn` (as ReceiveMessage does). Raises QueueDoesNotExist."""
    from cloudlet.core.clock import epoch_ms
    from cloudlet.services.sqs.messages import decode_attributes

    if "sqs" not in app.specs:
        raise QueueDoesNotExist()
    sqs = app.service("sqs").state
    queue = sqs.queues.by_arn(queue_arn)
    if queue is None:
        raise QueueDoesNotExist()
    got = await sqs.messages.receive(queue, max_messages, visibility, wait_s, None)
    out = []
    for item in got:
        row = item.row
        attributes = {
            "ApproximateReceiveCount": str(item.receive_count),
            "SentTimestamp": str(epoch_ms(row["sent_at"])),
            "SenderId": row["sender_id"],
            "ApproximateFirstReceiveTimestamp": str(epoch_ms(item.first_received_at)),
        }
        for name, column in (
            ("SequenceNumber", "sequence_number"),
            ("MessageGroupId", "group_id"),
            ("MessageDeduplicationId", "dedup_id"),
            ("AWSTraceHeader", "trace_header"),
            ("DeadLetterQueueSourceArn", "dlq_source_arn"),
        ):
            if row[column] is not None:
                attributes[name] = row[column]
        out.append(
            Delivered(
                row["message_id"],
                item.receipt_handle,
                row["body"],
                row["md5_body"],
                attributes,
                decode_attributes(row["attributes"]) if row["attributes"] else {},
                row["md5_attributes"],
            )
        )
    return out


def delete(app: App, queue_arn: str, receipt_handles: list[str]) -> None:
    """Delete received messages (stale or unknown handles are ignored)."""
    from cloudlet.protocol.errors import ServiceError

    sqs = app.service("sqs").state
    queue = sqs.queues.by_arn(queue_arn)
    if queue is None:
        return
    with app.db.transaction() as tx:
        for handle in receipt_handles:
            try:
                sqs.messages.delete(tx, queue, handle)
            except ServiceError:
                continue


def visibility_timeout(app: App, queue_arn: str) -> int | None:
    if "sqs" not in app.specs:
        return None
    queue = app.service("sqs").state.queues.by_arn(queue_arn)
    return None if queue is None else int(queue.cache["visibility"])
