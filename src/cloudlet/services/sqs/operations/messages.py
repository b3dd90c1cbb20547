"""Message operations: send, receive (long polling), delete, change visibility, and their batches."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from cloudlet.core.clock import epoch_ms
from cloudlet.protocol.errors import ServiceError, error_info
from cloudlet.services.sqs import validation as check
from cloudlet.services.sqs.checksums import md5_of_attributes
from cloudlet.services.sqs.errors import InvalidParameterValue, MissingParameter
from cloudlet.services.sqs.messages import Outgoing, Received, Sent, decode_attributes
from cloudlet.services.sqs.operations.common import queue_of, state
from cloudlet.services.sqs.store import QueueRow

if TYPE_CHECKING:
    from cloudlet.gateway.context import RequestContext

SYSTEM_ATTRIBUTES = (
    "SenderId",
    "SentTimestamp",
    "ApproximateReceiveCount",
    "ApproximateFirstReceiveTimestamp",
    "SequenceNumber",
    "MessageDeduplicationId",
    "MessageGroupId",
    "AWSTraceHeader",
    "DeadLetterQueueSourceArn",
)


# -- send ------------------------------------------------------------------------------------------


def _outgoing(queue: QueueRow, entry: dict[str, Any], batch: bool) -> tuple[Outgoing, int]:
    """Validate one message for `queue`; returns it and its size. Raises the AWS error for the entry."""
    body = check.check_body(entry.get("MessageBody"))
    attributes = entry.get("MessageAttributes") or None
    size = check.check_size(body, check.check_attributes(attributes), queue.cache["max_size"])
    trace = check.check_system_attributes(entry.get("MessageSystemAttributes"))
    delay = check.check_delay(entry.get("DelaySeconds"), queue.fifo)
    group = check.check_token("MessageGroupId", entry.get("MessageGroupId"))
    dedup = check.check_token("MessageDeduplicationId", entry.get("MessageDeduplicationId"))
    if queue.fifo:
        if group is None:
            message = "The request must contain the parameter MessageGroupId."
            raise InvalidParameterValue(message) if batch else MissingParameter(message)
        if dedup is None and not queue.cache["content_dedup"]:
            raise InvalidParameterValue(
                "The queue should either have ContentBasedDeduplication enabled or MessageDeduplicationId "
                "provided explicitly"
            )
    elif dedup is not None:
        raise InvalidParameterValue(
            f"Value {dedup} for parameter MessageDeduplicationId is invalid. Reason: The request includes a "
            "parameter that is not valid for this queue type."
        )
    return Outgoing(body, attributes, delay, group, dedup, trace), size


def _sent(sent: Sent) -> dict[str, Any]:
    out: dict[str, Any] = {"MessageId": sent.message_id, "MD5OfMessageBody": sent.md5_body}
    if sent.md5_attributes:
        out["MD5OfMessageAttributes"] = sent.md5_attributes
    if sent.md5_system:
        out["MD5OfMessageSystemAttributes"] = sent.md5_system
    if sent.sequence_number:
        out["SequenceNumber"] = sent.sequence_number
    return out


def send_message(ctx: RequestContext, request: dict[str, Any]) -> dict[str, Any]:
    queue = queue_of(ctx, request)
    message, _ = _outgoing(queue, request, batch=False)
    (sent,) = state(ctx).messages.send(queue, [message], ctx.account_id)
    return _sent(sent)


def send_message_batch(ctx: RequestContext, request: dict[str, Any]) -> dict[str, Any]:
    queue = queue_of(ctx, request)
    entries = check.check_batch(request.get("Entries"), "SendMessageBatchRequestEntry")
    valid: list[tuple[str, Outgoing]] = []
    failed: list[dict[str, Any]] = []
    total = 0
    for entry in entries:
        try:
            message, size = _outgoing(queue, entry, batch=True)
        except ServiceError as exc:
            # FIFO group/deduplication problems fail the whole request, as SQS does.
            if (
                queue.fifo
                and isinstance(exc, InvalidParameterValue)
                and ("MessageGroupId" in exc.message or "ContentBasedDeduplication" in exc.message)
            ):
                raise
            failed.append(_failure(ctx, entry["Id"], exc))
            continue
        total += size
        valid.append((entry["Id"], message))
    check.check_batch_size(total)
    sent = state(ctx).messages.send(queue, [m for _, m in valid], ctx.account_id) if valid else []
    successful = [{"Id": entry_id, **_sent(s)} for (entry_id, _), s in zip(valid, sent, strict=True)]
    return {"Successful": successful, "Failed": failed}


def _failure(ctx: RequestContext, entry_id: str, exc: ServiceError) -> dict[str, Any]:
    info = error_info(ctx.model, exc)
    code = "EmptyValue" if isinstance(exc, MissingParameter) else info.query_code
    return {"Id": entry_id, "SenderFault": info.sender_fault, "Code": code, "Message": exc.message}


# -- receive ---------------------------------------------------------------------------------------


async def receive_message(ctx: RequestContext, request: dict[str, Any]) -> dict[str, Any]:
    queue = queue_of(ctx, request)
    max_messages = request.get("MaxNumberOfMessages", 1)
    if not 1 <= max_messages <= 10:
        raise InvalidParameterValue(
            f"Value {max_messages} for parameter MaxNumberOfMessages is invalid. Reason: Must be between 1 "
            "and 10, if provided."
        )
    wait = request.get("WaitTimeSeconds")
    if wait is None:
        wait = queue.cache["wait"]
    elif not 0 <= wait <= 20:
        raise InvalidParameterValue(
            f"Value {wait} for parameter WaitTimeSeconds is invalid. Reason: Must be >= 0 and <= 20, if "
            "provided."
        )
    visibility = request.get("VisibilityTimeout")
    if visibility is not None and not 0 <= visibility <= 43_200:
        raise InvalidParameterValue(
            f"Value {visibility} for parameter VisibilityTimeout is invalid. Reason: Must be between 0 and "
            "43200, if provided."
        )
    attempt = check.check_token("ReceiveRequestAttemptId", request.get("ReceiveRequestAttemptId"))
    got = await state(ctx).messages.receive(queue, max_messages, visibility, wait, attempt)
    if not got:
        return {}
    system = set(request.get("AttributeNames") or ()) | set(request.get("MessageSystemAttributeNames") or ())
    if "All" in system:
        system = set(SYSTEM_ATTRIBUTES)
    wanted = list(request.get("MessageAttributeNames") or ())
    return {"Messages": [_render(r, queue, system, wanted) for r in got]}


def _render(item: Received, queue: QueueRow, system: set[str], wanted: list[str]) -> dict[str, Any]:
    row = item.row
    out: dict[str, Any] = {
        "MessageId": row["message_id"],
        "ReceiptHandle": item.receipt_handle,
        "MD5OfBody": row["md5_body"],
        "Body": row["body"],
    }
    if system:
        values = {
            "SenderId": row["sender_id"],
            "SentTimestamp": str(epoch_ms(row["sent_at"])),
            "ApproximateReceiveCount": str(item.receive_count),
            "ApproximateFirstReceiveTimestamp": str(epoch_ms(item.first_received_at)),
            "SequenceNumber": row["sequence_number"],
            "MessageDeduplicationId": row["dedup_id"],
            "MessageGroupId": row["group_id"],
            "AWSTraceHeader": row["trace_header"],
            "DeadLetterQueueSourceArn": row["dlq_source_arn"],
        }
        out["Attributes"] = {k: v for k, v in values.items() if k in system and v is not None}
    if wanted and row["attributes"]:
        attributes = decode_attributes(row["attributes"])
        chosen = {k: v for k, v in attributes.items() if _wanted(k, wanted)}
        if chosen:
            out["MessageAttributes"] = chosen
            out["MD5OfMessageAttributes"] = (
                row["md5_attributes"] if len(chosen) == len(attributes) else md5_of_attributes(chosen)
            )
    return out


def _wanted(name: str, wanted: list[str]) -> bool:
    for pattern in wanted:
        if pattern in ("All", ".*") or pattern == name:
            return True
        if pattern.endswith(".*") and name.startswith(pattern[:-1]):
            return True
    return False


# -- delete and visibility ---------------------------------------------------------------------------


def delete_message(ctx: RequestContext, request: dict[str, Any]) -> None:
    sqs = state(ctx)
    queue = queue_of(ctx, request)
    with sqs.db.transaction() as tx:
        sqs.messages.delete(tx, queue, request["ReceiptHandle"])


def delete_message_batch(ctx: RequestContext, request: dict[str, Any]) -> dict[str, Any]:
    sqs = state(ctx)
    queue = queue_of(ctx, request)
    entries = check.check_batch(request.get("Entries"), "DeleteMessageBatchRequestEntry")
    successful, failed = [], []
    with sqs.db.transaction() as tx:
        for entry in entries:
            try:
                sqs.messages.delete(tx, queue, entry["ReceiptHandle"])
            except ServiceError as exc:
                failed.append(_failure(ctx, entry["Id"], exc))
            else:
                successful.append({"Id": entry["Id"]})
    return {"Successful": successful, "Failed": failed}


def change_message_visibility(ctx: RequestContext, request: dict[str, Any]) -> None:
    sqs = state(ctx)
    queue = queue_of(ctx, request)
    with sqs.db.transaction() as tx:
        sqs.messages.change_visibility(tx, queue, request["ReceiptHandle"], request["VisibilityTimeout"])


def change_message_visibility_batch(ctx: RequestContext, request: dict[str, Any]) -> dict[str, Any]:
    sqs = state(ctx)
    queue = queue_of(ctx, request)
    entries = check.check_batch(request.get("Entries"), "ChangeMessageVisibilityBatchRequestEntry")
    successful, failed = [], []
    with sqs.db.transaction() as tx:
        for entry in entries:
            try:
                timeout = entry.get("VisibilityTimeout")
                if timeout is None:
                    raise MissingParameter("The request must contain the parameter VisibilityTimeout.")
                sqs.messages.change_visibility(tx, queue, entry["ReceiptHandle"], timeout)
            except ServiceError as exc:
                failed.append(_failure(ctx, entry["Id"], exc))
            else:
                successful.append({"Id": entry["Id"]})
    return {"Successful": successful, "Failed": failed}
