"""Queue lifecycle: create (name and type rules, QueueAlreadyExists, the 60-second rule), look-up by
name/URL/ARN with a per-App cache, attributes, tags, purge, delete, dead-letter wiring checks.

Messages are not handled here (see `messages.py`).
"""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING, Any

from cloudlet.core.arns import build_arn, parse_arn
from cloudlet.services.sqs import attributes as attrs
from cloudlet.services.sqs import store
from cloudlet.services.sqs.errors import (
    InvalidAttributeName,
    InvalidParameterValue,
    PurgeQueueInProgress,
    QueueDeletedRecently,
    QueueDoesNotExist,
    QueueNameExists,
)
from cloudlet.services.sqs.store import QueueRow

if TYPE_CHECKING:
    from cloudlet.core.db import Tx
    from cloudlet.services.sqs.engine import Sqs

_NAME = re.compile(r"[A-Za-z0-9_-]{1,80}")
_FIFO_NAME = re.compile(r"[A-Za-z0-9_-]{1,75}\.fifo")
DELETE_WAIT_S = 60.0
PURGE_WAIT_S = 60.0


def arn_of(queue: QueueRow) -> str:
    return build_arn("sqs", queue.region, queue.account, queue.name)


class Queues:
    def __init__(self, sqs: Sqs) -> None:
        self._sqs = sqs
        self._cache: dict[tuple[str, str, str], QueueRow] = {}

    def clear_cache(self) -> None:
        self._cache.clear()

    # -- look-up --------------------------------------------------------------------------------
    def find(self, account: str, region: str, name: str) -> QueueRow | None:
        key = (account, region, name)
        queue = self._cache.get(key)
        if queue is None:
            with self._sqs.db.read() as conn:
                queue = store.get_queue(conn, account, region, name)
            if queue is not None:
                _parse(queue)
                self._cache[key] = queue
        return queue

    def get(self, account: str, region: str, name: str) -> QueueRow:
        queue = self.find(account, region, name)
        if queue is None:
            raise QueueDoesNotExist()
        return queue

    def by_arn(self, arn: str) -> QueueRow | None:
        try:
            parts = parse_arn(arn)
        except ValueError:
            return None
        if parts.service != "sqs":
            return None
        return self.find(parts.account, parts.region, parts.resource)

    def _forget(self, queue: QueueRow) -> None:
        self._cache.pop((queue.account, queue.region, queue.name), None)

    # -- create / delete --------------------------------------------------------------------------
    def create(
        self, account: str, region: str, name: str, attributes: dict[str, str], tags: dict[str, str]
    ) -> QueueRow:
        """Raises: InvalidParameterValue (name), InvalidAttributeName/Value, QueueNameExists,
        QueueDeletedRecently."""
        fifo_requested = str(attributes.get("FifoQueue", "")).lower() == "true"
        if fifo_requested and not _FIFO_NAME.fullmatch(name):
            raise InvalidParameterValue(
                "The name of a FIFO queue can only include alphanumeric characters, hyphens, or underscores, "
                "must end with .fifo suffix and be 1 to 80 in length."
            )
        if not fifo_requested and not _NAME.fullmatch(name):
            raise InvalidParameterValue(
                "Can only include alphanumeric characters, hyphens, or underscores. 1 to 80 in length"
            )
        fifo = fifo_requested
        values = {k: attrs.validate(k, v, fifo) for k, v in attributes.items()}
        _check_encryption(values)
        existing = self.find(account, region, name)
        if existing is not None:
            for key, value in values.items():
                if existing.attributes.get(key, _absent_default(key)) != value:
                    raise QueueNameExists(
                        f"A queue already exists with the same name and a different value for attribute {key}"
                    )
            return existing
        now = self._sqs.clock.now()
        merged = attrs.defaults(fifo) | values
        _normalize_encryption(merged, values)
        dlq_arn = self._check_redrive(merged, account, region, name, fifo)
        for key in [
            k for k, v in merged.items() if v == "" and k in ("Policy", "RedrivePolicy", "RedriveAllowPolicy")
        ]:
            del merged[key]
        with self._sqs.db.transaction() as tx:
            deleted = store.deleted_at(tx, account, region, name)
            if deleted is not None and now - deleted < DELETE_WAIT_S:
                raise QueueDeletedRecently(
                    "You must wait 60 seconds after deleting a queue before you can create another with the "
                    "same name."
                )
            store.insert_queue(tx, account, region, name, fifo, merged, tags, dlq_arn, now)
        return self.get(account, region, name)

    def delete(self, queue: QueueRow) -> None:
        with self._sqs.db.transaction() as tx:
            store.delete_queue(tx, queue, self._sqs.clock.now())
            tx.after_commit(lambda: self._sqs.queue_changed(queue))
        self._forget(queue)

    def list(self, account: str, region: str, prefix: str, after: str = "") -> list[QueueRow]:
        with self._sqs.db.read() as conn:
            return store.list_queues(conn, account, region, prefix, after)

    def dead_letter_sources(self, queue: QueueRow) -> list[QueueRow]:
        with self._sqs.db.read() as conn:
            return store.dead_letter_sources(conn, arn_of(queue))

    # -- attributes and tags ------------------------------------------------------------------------
    def set_attributes(self, queue: QueueRow, attributes: dict[str, str]) -> None:
        if "FifoQueue" in attributes and str(attributes["FifoQueue"]).lower() != (
            "true" if queue.fifo else "false"
        ):
            if queue.fifo:
                raise attrs.InvalidAttributeValue(
                    "Invalid value for the parameter FifoQueue. Reason: Modifying queue type is not "
                    "supported."
                )
            raise InvalidAttributeName("Unknown Attribute FifoQueue.")
        values = {k: attrs.validate(k, v, queue.fifo) for k, v in attributes.items()}
        _check_encryption(values)
        merged = dict(queue.attributes) | values
        _normalize_encryption(merged, values)
        dlq_arn = self._check_redrive(merged, queue.account, queue.region, queue.name, queue.fifo)
        for key in ("Policy", "RedrivePolicy", "RedriveAllowPolicy", "KmsMasterKeyId"):
            if merged.get(key) == "":
                del merged[key]
        if "KmsMasterKeyId" not in merged:
            merged.pop("KmsDataKeyReusePeriodSeconds", None)
        now = self._sqs.clock.now()
        with self._sqs.db.transaction() as tx:
            store.update_attributes(tx, queue.id, merged, dlq_arn, now)
            if merged["MessageRetentionPeriod"] != queue.attributes["MessageRetentionPeriod"]:
                # Lowering retention expires messages at once: let the expiry timer recompute now.
                self._sqs.timers.schedule(tx, "sqs.expire", now, {"queue_id": queue.id}, key=str(queue.id))
            tx.after_commit(lambda: self._sqs.queue_changed(queue))
        self._forget(queue)

    def tag(self, queue: QueueRow, tags: dict[str, str]) -> None:
        for key in tags:
            if not 1 <= len(key) <= 128:
                raise InvalidParameterValue("Tag keys must be between 1 and 128 characters in length.")
        merged = dict(queue.tags) | tags
        if len(merged) > 50:
            raise InvalidParameterValue(f"Too many tags added for queue {queue.name}.")
        with self._sqs.db.transaction() as tx:
            store.update_tags(tx, queue.id, merged)
        self._forget(queue)

    def untag(self, queue: QueueRow, keys: list[str]) -> None:
        remaining = {k: v for k, v in queue.tags.items() if k not in set(keys)}
        with self._sqs.db.transaction() as tx:
            store.update_tags(tx, queue.id, remaining)
        self._forget(queue)

    def set_policy(self, tx: Tx, queue: QueueRow, policy: dict[str, Any] | None) -> None:
        merged = dict(queue.attributes)
        if policy is None:
            merged.pop("Policy", None)
        else:
            merged["Policy"] = json.dumps(policy, separators=(",", ":"))
        dlq = queue.cache.get("redrive")
        store.update_attributes(tx, queue.id, merged, dlq[0] if dlq else None, self._sqs.clock.now())
        tx.after_commit(lambda: self._forget(queue))

    # -- purge --------------------------------------------------------------------------------------
    def purge(self, queue: QueueRow) -> None:
        now = self._sqs.clock.now()
        with self._sqs.db.transaction() as tx:
            row = tx.fetchone("SELECT purged_at FROM sqs_queue WHERE id = ?", (queue.id,))
            if row is not None and row[0] is not None and now - float(row[0]) < PURGE_WAIT_S:
                raise PurgeQueueInProgress(
                    f"Only one PurgeQueue operation on {queue.name} is allowed every 60 seconds."
                )
            store.delete_all_messages(tx, queue.id)
            store.set_purged(tx, queue.id, now)

    # -- dead-letter wiring -------------------------------------------------------------------------
    def _check_redrive(
        self, merged: dict[str, str], account: str, region: str, name: str, fifo: bool
    ) -> str | None:
        text = merged.get("RedrivePolicy") or ""
        if not text:
            return None
        target_arn, _count = attrs.parse_redrive_policy(text)

        def fail(reason: str) -> InvalidParameterValue:
            return InvalidParameterValue(
                f"Value {text} for parameter RedrivePolicy is invalid. Reason: {reason}"
            )

        try:
            target = parse_arn(target_arn)
        except ValueError:
            raise fail("Invalid value for deadLetterTargetArn.") from None
        if target.service != "sqs":
            raise fail("Invalid value for deadLetterTargetArn.")
        if target.account != account:
            raise fail("Dead-letter target owner should be same as the source.")
        dlq = self.find(target.account, target.region, target.resource) if target.region == region else None
        if dlq is None:
            raise fail("Dead letter target does not exist.")
        if dlq.fifo != fifo:
            raise fail("Dead-letter queue must be same type of queue as the source.")
        allow = dlq.attributes.get("RedriveAllowPolicy")
        if allow:
            permission, sources = attrs.parse_redrive_allow_policy(allow)
            source_arn = build_arn("sqs", region, account, name)
            if permission == "denyAll" or (permission == "byQueue" and source_arn not in sources):
                raise fail(
                    f"Queue {target_arn} does not allow this queue to use it as a dead-letter queue: see its "
                    "RedriveAllowPolicy."
                )
        return target_arn


def _absent_default(key: str) -> str | None:
    return {"FifoQueue": "false"}.get(key)


def _check_encryption(values: dict[str, str]) -> None:
    if values.get("KmsMasterKeyId") and values.get("SqsManagedSseEnabled") == "true":
        raise InvalidAttributeName(
            "You can use one type of server-side encryption (SSE) at one time. You can either enable KMS SSE "
            "or SQS SSE."
        )


def _normalize_encryption(merged: dict[str, str], values: dict[str, str]) -> None:
    """SSE-KMS replaces SSE-SQS (and brings its data-key reuse period); enabling SSE-SQS drops KMS."""
    if values.get("KmsMasterKeyId"):
        merged["SqsManagedSseEnabled"] = "false"
        merged.setdefault("KmsDataKeyReusePeriodSeconds", "300")
    elif values.get("SqsManagedSseEnabled") == "true":
        merged.pop("KmsMasterKeyId", None)
        merged.pop("KmsDataKeyReusePeriodSeconds", None)


def _parse(queue: QueueRow) -> None:
    """Fill `queue.cache` with the parsed attributes the message path reads."""
    a = queue.attributes
    redrive = attrs.parse_redrive_policy(a["RedrivePolicy"]) if a.get("RedrivePolicy") else None
    queue.cache.update(
        arn=arn_of(queue),
        visibility=int(a["VisibilityTimeout"]),
        delay=int(a["DelaySeconds"]),
        retention=int(a["MessageRetentionPeriod"]),
        max_size=int(a["MaximumMessageSize"]),
        wait=int(a["ReceiveMessageWaitTimeSeconds"]),
        redrive=redrive,
        content_dedup=a.get("ContentBasedDeduplication") == "true",
        group_scope=a.get("DeduplicationScope") == "messageGroup",
    )
