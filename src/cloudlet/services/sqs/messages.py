"""Messages: send (delay, FIFO sequence and deduplication), receive (visibility, FIFO group blocking,
dead-lettering at maxReceiveCount, long polling), delete, change visibility, retention expiry.

Visibility, delay and retention are columns compared with the clock at query time; the only timer is
one `sqs.expire` row per queue that physically deletes expired messages.
"""

from __future__ import annotations

import base64
import hashlib
import json
from contextlib import nullcontext
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from cloudlet.core import ids
from cloudlet.core.timers import Timer
from cloudlet.core.waits import wait_until
from cloudlet.services.sqs import receipts, store
from cloudlet.services.sqs.checksums import md5_of_attributes, md5_of_body
from cloudlet.services.sqs.errors import InvalidParameterValue, ReceiptHandleIsInvalid
from cloudlet.services.sqs.store import QueueRow

if TYPE_CHECKING:
    import sqlite3

    from cloudlet.core.db import Tx
    from cloudlet.services.sqs.engine import Sqs

DEDUP_WINDOW_S = 300.0
MAX_VISIBILITY_S = 43_200
SEQUENCE_BASE = 18_000_000_000_000_000_000


@dataclass(slots=True)
class Outgoing:
    body: str
    attributes: dict[str, dict[str, Any]] | None = None
    """Wire form: {name: {"DataType", "StringValue" | "BinaryValue" (bytes)}}."""
    delay: int | None = None
    group_id: str | None = None
    dedup_id: str | None = None
    trace_header: str | None = None


@dataclass(slots=True)
class Sent:
    message_id: str
    md5_body: str
    md5_attributes: str | None
    md5_system: str | None
    sequence_number: str | None


@dataclass(slots=True)
class Received:
    row: sqlite3.Row
    receipt_handle: str
    receive_count: int
    first_received_at: float


def encode_attributes(attributes: dict[str, dict[str, Any]]) -> str:
    stored = {}
    for name, value in attributes.items():
        item = {"DataType": value["DataType"]}
        if value.get("BinaryValue") is not None:
            item["BinaryValue"] = base64.b64encode(bytes(value["BinaryValue"])).decode()
        else:
            item["StringValue"] = value.get("StringValue", "")
        stored[name] = item
    return json.dumps(stored, separators=(",", ":"))


def decode_attributes(text: str) -> dict[str, dict[str, Any]]:
    values = json.loads(text)
    for value in values.values():
        if "BinaryValue" in value:
            value["BinaryValue"] = base64.b64decode(value["BinaryValue"])
    return values


class Messages:
    def __init__(self, sqs: Sqs) -> None:
        self._sqs = sqs
        self._expiry_scheduled: set[int] = set()

    # -- send -------------------------------------------------------------------------------------
    def send(
        self, queue: QueueRow, entries: list[Outgoing], sender_id: str, tx: Tx | None = None
    ) -> list[Sent]:
        """Store `entries` in one transaction (the caller's `tx`, if given); FIFO duplicates inside the
        window are accepted, not stored."""
        sqs = self._sqs
        now = sqs.clock.now()
        c = queue.cache
        results: list[Sent] = []
        rows: list[tuple[Any, ...]] = []
        with sqs.db.transaction() if tx is None else nullcontext(tx) as tx:
            first_seq = store.next_sequence(tx, queue.id, len(entries)) if queue.fifo else 0
            for index, entry in enumerate(entries):
                md5_body = md5_of_body(entry.body)
                attrs_text = md5_attrs = md5_system = None
                if entry.attributes:
                    attrs_text = encode_attributes(entry.attributes)
                    md5_attrs = md5_of_attributes(entry.attributes)
                if entry.trace_header is not None:
                    md5_system = md5_of_attributes(
                        {"AWSTraceHeader": {"DataType": "String", "StringValue": entry.trace_header}}
                    )
                sequence = dedup = None
                if queue.fifo:
                    dedup = entry.dedup_id or hashlib.sha256(entry.body.encode()).hexdigest()
                    scope = (entry.group_id or "") if c["group_scope"] else ""
                    hit = store.find_dedup(tx, queue.id, scope, dedup, now)
                    if hit is not None:
                        results.append(Sent(hit[0], md5_body, md5_attrs, md5_system, hit[1]))
                        continue
                    sequence = str(SEQUENCE_BASE + first_seq + index)
                message_id = ids.message_id()
                if dedup is not None:
                    store.record_dedup(
                        tx, queue.id, scope, dedup, message_id, sequence or "", now + DEDUP_WINDOW_S
                    )
                delay = c["delay"] if entry.delay is None else entry.delay
                rows.append(
                    (
                        queue.id,
                        message_id,
                        entry.body,
                        md5_body,
                        attrs_text,
                        md5_attrs,
                        entry.trace_header,
                        md5_system,
                        sender_id,
                        now,
                        now,
                        now + delay,
                        0,
                        entry.group_id,
                        dedup,
                        sequence,
                        None,
                    )
                )
                results.append(Sent(message_id, md5_body, md5_attrs, md5_system, sequence))
            if rows:
                store.insert_messages(tx, rows)
                self._ensure_expiry(tx, queue, now)
                tx.after_commit(lambda: sqs.messages_available(queue))
        return results

    # -- receive ------------------------------------------------------------------------------------
    async def receive(
        self, queue: QueueRow, max_messages: int, visibility: int | None, wait_s: int, attempt_id: str | None
    ) -> list[Received]:
        """Receive now, or wait (long poll) until a message is receivable or `wait_s` passes."""
        sqs = self._sqs
        clock = sqs.clock
        deadline = clock.now() + wait_s
        while True:
            current = sqs.queues.find(queue.account, queue.region, queue.name)
            if current is None or current.id != queue.id:
                return []
            got = self.receive_now(current, max_messages, visibility, attempt_id)
            now = clock.now()
            if got or now >= deadline or sqs.app.stopping:
                return got
            signal = sqs.signal(current.id)
            fut = signal.future()
            try:
                with sqs.db.read() as conn:
                    upcoming = store.next_visible_at(conn, current.id, now)
                until = deadline if upcoming is None else min(deadline, upcoming)
                if not clock.is_virtual and until < deadline:
                    until += 0.001  # event-loop timers may fire a hair early
                sqs.poller_waiting(+1)
                try:
                    await wait_until(clock, until, fut, sqs.app.work)
                finally:
                    sqs.poller_waiting(-1)
            finally:
                signal.discard(fut)

    def receive_now(
        self, queue: QueueRow, max_messages: int, visibility: int | None, attempt_id: str | None
    ) -> list[Received]:
        sqs = self._sqs
        now = sqs.clock.now()
        vt = queue.cache["visibility"] if visibility is None else visibility
        notify: list[QueueRow] = []
        with sqs.db.transaction() as tx:
            if queue.fifo and attempt_id:
                again = self._retry_attempt(tx, queue, attempt_id, now, vt)
                if again is not None:
                    return again
            if queue.fifo:
                got = self._receive_fifo(tx, queue, max_messages, now, vt, notify)
                if attempt_id:
                    store.record_attempt(
                        tx,
                        queue.id,
                        attempt_id,
                        now + DEDUP_WINDOW_S,
                        [[r.row["id"], r.receipt_handle] for r in got],
                    )
                    self._ensure_expiry(tx, queue, now)
            else:
                got = self._receive_standard(tx, queue, max_messages, now, vt, notify)
            for target in notify:
                tx.after_commit(lambda target=target: sqs.messages_available(target))
        return got

    def _receive_standard(
        self, tx: Tx, queue: QueueRow, wanted: int, now: float, vt: int, notify: list[QueueRow]
    ) -> list[Received]:
        retained_after = now - queue.cache["retention"]
        got: list[Received] = []
        seen: set[int] = set()
        while len(got) < wanted:
            limit = wanted - len(got) + len(seen)
            rows = [r for r in store.ready(tx, queue.id, now, retained_after, limit) if r["id"] not in seen]
            if not rows:
                break
            keep = []
            moved = False
            for row in rows:
                if self._over_receive_limit(queue, row) and self._dead_letter(tx, queue, row, now, notify):
                    moved = True
                    continue
                keep.append(row)
                seen.add(row["id"])
            got.extend(self._mark(tx, queue, keep[: wanted - len(got)], now, vt))
            if not moved:
                break
        return got

    def _receive_fifo(
        self, tx: Tx, queue: QueueRow, wanted: int, now: float, vt: int, notify: list[QueueRow]
    ) -> list[Received]:
        retained_after = now - queue.cache["retention"]
        picked: list[sqlite3.Row] = []
        expired: list[int] = []
        for head in store.group_heads(tx, queue.id):
            if len(picked) >= wanted:
                break
            # Fetch a few extra in case some are expired or dead-lettered along the way.
            for row in store.group_messages(tx, queue.id, head["group_id"], wanted - len(picked) + 10):
                if row["retain_from"] <= retained_after:
                    expired.append(row["id"])
                    continue
                if row["visible_at"] > now:
                    break  # in flight or delayed: the rest of the group waits behind it
                if self._over_receive_limit(queue, row) and self._dead_letter(tx, queue, row, now, notify):
                    continue
                picked.append(row)
                if len(picked) >= wanted:
                    break
        if expired:
            store.delete_messages(tx, expired)
        return self._mark(tx, queue, picked, now, vt)

    def _retry_attempt(
        self, tx: Tx, queue: QueueRow, attempt_id: str, now: float, vt: int
    ) -> list[Received] | None:
        """The batch an earlier receive with this ReceiveRequestAttemptId returned, if none of it changed."""
        previous = store.find_attempt(tx, queue.id, attempt_id, now)
        if previous is None:
            return None
        again: list[Received] = []
        for row_id, handle in previous:
            row = store.get_message(tx, row_id)
            if row is None or row["queue_id"] != queue.id or row["visible_at"] <= now:
                return None
            if receipts.encode(queue.id, row_id, row["receipt"] or "") != handle:
                return None
            again.append(Received(row, handle, row["receive_count"], row["first_received_at"]))
        for item in again:
            store.set_visible_at(tx, item.row["id"], now + vt)
        return again

    def _mark(self, tx: Tx, queue: QueueRow, rows: list[sqlite3.Row], now: float, vt: int) -> list[Received]:
        out: list[Received] = []
        updates = []
        for row in rows:
            nonce = receipts.new_nonce()
            updates.append((now + vt, nonce, now, row["id"]))
            first = row["first_received_at"]
            out.append(
                Received(
                    row,
                    receipts.encode(queue.id, row["id"], nonce),
                    row["receive_count"] + 1,
                    now if first is None else first,
                )
            )
        if updates:
            store.mark_received(tx, updates)
        return out

    # -- dead-letter queues ---------------------------------------------------------------------------
    @staticmethod
    def _over_receive_limit(queue: QueueRow, row: sqlite3.Row) -> bool:
        redrive = queue.cache["redrive"]
        return redrive is not None and row["receive_count"] >= redrive[1]

    def _dead_letter(
        self, tx: Tx, queue: QueueRow, row: sqlite3.Row, now: float, notify: list[QueueRow]
    ) -> bool:
        """Move `row` to the queue's DLQ (False if the DLQ no longer exists: the message stays).

        Standard queues keep the original enqueue time for retention; FIFO queues restart it, and the
        deduplication id becomes the message id (sqs-dead-letter-queues.html).
        """
        dlq = self._sqs.queues.by_arn(queue.cache["redrive"][0])
        if dlq is None:
            return False
        if dlq.fifo:
            sequence = str(SEQUENCE_BASE + store.next_sequence(tx, dlq.id, 1))
            store.move_to_dead_letter(
                tx, row["id"], dlq.id, now, now, queue.cache["arn"], row["message_id"], sequence
            )
        else:
            store.move_to_dead_letter(
                tx, row["id"], dlq.id, now, row["retain_from"], queue.cache["arn"], None, None
            )
        self._ensure_expiry(tx, dlq, now)
        notify.append(dlq)
        return True

    # -- delete and visibility ------------------------------------------------------------------------
    def delete(self, tx: Tx, queue: QueueRow, handle: str) -> None:
        """Delete the message a receipt handle names; deleting an already deleted message succeeds.

        Raises: ReceiptHandleIsInvalid; InvalidParameterValue for an expired FIFO receipt handle.
        """
        receipt = self._decode(queue, handle)
        row = store.get_message(tx, receipt.row_id)
        if row is None or row["queue_id"] != queue.id:
            return
        if queue.fifo and (row["receipt"] != receipt.nonce or row["visible_at"] <= self._sqs.clock.now()):
            raise InvalidParameterValue(
                f"Value {handle} for parameter ReceiptHandle is invalid. Reason: The receipt handle has "
                "expired."
            )
        store.delete_messages(tx, (receipt.row_id,))

    def change_visibility(self, tx: Tx, queue: QueueRow, handle: str, timeout: int) -> None:
        """Raises: ReceiptHandleIsInvalid; InvalidParameterValue (not in flight for this handle, limits)."""
        receipt = self._decode(queue, handle)
        if not 0 <= timeout <= MAX_VISIBILITY_S:
            raise InvalidParameterValue(
                f"Value {timeout} for parameter VisibilityTimeout is invalid. Reason: Must be between 0 and "
                f"{MAX_VISIBILITY_S}, if provided."
            )
        now = self._sqs.clock.now()
        row = store.get_message(tx, receipt.row_id)
        if row is None or row["queue_id"] != queue.id or row["receipt"] != receipt.nonce:
            raise _not_available(handle)
        if row["visible_at"] <= now:
            if queue.fifo:
                raise _not_available(handle)
            return  # a standard queue answers OK and changes nothing once the timeout has passed
        if now + timeout - row["received_at"] > MAX_VISIBILITY_S:
            raise InvalidParameterValue(
                f"Value {timeout} for parameter VisibilityTimeout is invalid. Reason: Total "
                f"VisibilityTimeout for the message is beyond the limit [{MAX_VISIBILITY_S} seconds]"
            )
        store.set_visible_at(tx, receipt.row_id, now + timeout)
        if timeout < row["visible_at"] - now:
            tx.after_commit(lambda: self._sqs.messages_available(queue))

    @staticmethod
    def _decode(queue: QueueRow, handle: str) -> receipts.Receipt:
        receipt = receipts.decode(handle)
        if receipt.queue_id != queue.id:
            raise ReceiptHandleIsInvalid(
                f'The input receipt handle "{handle}" is not a valid receipt handle.'
            )
        return receipt

    def counts(self, queue: QueueRow) -> tuple[int, int, int]:
        """(visible, in flight, delayed): exact, unexpired."""
        now = self._sqs.clock.now()
        with self._sqs.db.read() as conn:
            return store.counts(conn, queue.id, now, now - queue.cache["retention"])

    # -- retention --------------------------------------------------------------------------------------
    def _ensure_expiry(self, tx: Tx, queue: QueueRow, now: float) -> None:
        """One `sqs.expire` timer per queue, due when its oldest message (or dedup record) expires."""
        if queue.id in self._expiry_scheduled:
            return
        oldest = store.oldest_retain_from(tx, queue.id)
        due = (now if oldest is None else oldest) + queue.cache["retention"]
        records = store.next_expiry(tx, queue.id)
        if records is not None:
            due = min(due, records)
        self._sqs.timers.schedule(tx, "sqs.expire", due, {"queue_id": queue.id}, key=str(queue.id))
        scheduled = self._expiry_scheduled
        tx.after_commit(lambda: scheduled.add(queue.id))

    def forget_expiry(self, queue_id: int | None) -> None:
        """The queue's retention changed (or it was deleted): recompute its timer on the next write."""
        if queue_id is None:
            self._expiry_scheduled.clear()
        else:
            self._expiry_scheduled.discard(queue_id)

    def on_expire_timer(self, timer: Timer) -> None:
        queue_id = int(timer.payload["queue_id"])
        now = self._sqs.clock.now()
        with self._sqs.db.transaction() as tx:
            retention = store.queue_retention(tx, queue_id)
            if retention is None:
                return
            store.delete_expired(tx, queue_id, now - retention)
            store.forget_expired_dedup(tx, queue_id, now)
            oldest = store.oldest_retain_from(tx, queue_id)
            dues = [
                d
                for d in (None if oldest is None else oldest + retention, store.next_expiry(tx, queue_id))
                if d
            ]
            if dues:
                self._sqs.timers.schedule(
                    tx, "sqs.expire", min(dues), {"queue_id": queue_id}, key=str(queue_id)
                )
            else:
                scheduled = self._expiry_scheduled
                tx.after_commit(lambda: scheduled.discard(queue_id))


def _not_available(handle: str) -> InvalidParameterValue:
    return InvalidParameterValue(
        f"Value {handle} for parameter ReceiptHandle is invalid. Reason: Message does not exist or is not "
        "available for visibility timeout change."
    )
