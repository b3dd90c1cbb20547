"""Publish and PublishBatch: to a topic, or straight to a phone number (SMS)."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from cloudlet.core import ids
from cloudlet.core.arns import parse_arn
from cloudlet.services.sns.errors import (
    BatchEntryIdsNotDistinctException,
    BatchRequestTooLongException,
    EmptyBatchRequestException,
    InvalidBatchEntryIdException,
    NotFoundException,
    TooManyEntriesInBatchRequestException,
    invalid,
)
from cloudlet.services.sns.messages import MAX_MESSAGE_BYTES, parse_publish
from cloudlet.services.sns.operations.common import state, topic_of

if TYPE_CHECKING:
    from cloudlet.gateway.context import RequestContext

_E164 = re.compile(r"\+[1-9][0-9]{6,14}")
_BATCH_ID = re.compile(r"[A-Za-z0-9_-]{1,80}")
MAX_BATCH = 10


def publish(ctx: RequestContext, request: dict[str, Any]) -> dict[str, Any]:
    targets = [k for k in ("TopicArn", "TargetArn", "PhoneNumber") if request.get(k)]
    if len(targets) != 1:
        raise invalid(
            "TopicArn or TargetArn Reason: no value for required parameter"
            if not targets
            else "Only one of TopicArn, TargetArn or PhoneNumber may be given"
        )
    if request.get("PhoneNumber"):
        return _publish_sms(ctx, request)
    arn = request.get("TopicArn") or request["TargetArn"]
    try:
        parts = parse_arn(arn)
    except ValueError:
        raise invalid("TopicArn") from None
    if parts.service != "sns" or ":" in parts.resource:
        raise NotFoundException(
            "Endpoint does not exist" if request.get("TargetArn") else "Topic does not exist"
        )
    sns = state(ctx)
    topic = sns.registry.topic(arn)
    outgoing = parse_publish(request, topic.fifo, topic.attributes.get("ContentBasedDeduplication") == "true")
    message_id, sequence = sns.fanout.publish(topic, outgoing, ctx.endpoint)
    out = {"MessageId": message_id}
    if sequence is not None:
        out["SequenceNumber"] = sequence
    return out


def _publish_sms(ctx: RequestContext, request: dict[str, Any]) -> dict[str, Any]:
    number = request["PhoneNumber"]
    if not _E164.fullmatch(number):
        raise invalid(f"PhoneNumber Reason: {number} is not valid to publish to")
    outgoing = parse_publish(request, fifo=False, content_dedup=False)
    sns = state(ctx)
    message_id = ids.message_id()
    with sns.db.transaction() as tx:
        sns.app.outbox.record(
            tx,
            "sms",
            ctx.account_id,
            ctx.region,
            "Publish",
            number,
            None,
            outgoing.message,
            {"MessageId": message_id, "MessageAttributes": outgoing.envelope_attributes()},
        )
    return {"MessageId": message_id}


def publish_batch(ctx: RequestContext, request: dict[str, Any]) -> dict[str, Any]:
    sns = state(ctx)
    topic = topic_of(ctx, request["TopicArn"])
    entries = list(request.get("PublishBatchRequestEntries") or [])
    if not entries:
        raise EmptyBatchRequestException("The batch request doesn't contain any entries.")
    if len(entries) > MAX_BATCH:
        raise TooManyEntriesInBatchRequestException(
            "The batch request contains more entries than permissible."
        )
    seen: set[str] = set()
    for entry in entries:
        entry_id = entry.get("Id") or ""
        if not _BATCH_ID.fullmatch(entry_id):
            raise InvalidBatchEntryIdException(
                "The Id of a batch entry in a batch request doesn't abide by the specification."
            )
        if entry_id in seen:
            raise BatchEntryIdsNotDistinctException(
                "Two or more batch entries in the request have the same Id."
            )
        seen.add(entry_id)
    total = sum(len((e.get("Message") or "").encode()) for e in entries)
    if total > MAX_MESSAGE_BYTES:
        raise BatchRequestTooLongException(
            "The length of all the messages put together is more than the limit."
        )
    content_dedup = topic.attributes.get("ContentBasedDeduplication") == "true"
    # An invalid entry fails the whole request, as SNS does; `Failed` stays empty.
    outgoing_entries = [parse_publish(entry, topic.fifo, content_dedup) for entry in entries]
    successful: list[dict[str, Any]] = []
    failed: list[dict[str, Any]] = []
    with sns.db.transaction() as tx:
        for entry, outgoing in zip(entries, outgoing_entries, strict=True):
            message_id, sequence = sns.fanout.publish(topic, outgoing, ctx.endpoint, tx)
            item = {"Id": entry["Id"], "MessageId": message_id}
            if sequence is not None:
                item["SequenceNumber"] = sequence
            successful.append(item)
    return {"Successful": successful, "Failed": failed}
