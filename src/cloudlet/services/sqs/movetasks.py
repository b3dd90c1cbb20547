"""Message move tasks (dead-letter queue redrive): StartMessageMoveTask, ListMessageMoveTasks,
CancelMessageMoveTask. A task is a row; a `sqs.move` timer moves one batch per tick, at most
MaxNumberOfMessagesPerSecond per second of the clock.

Redriven messages get a new MessageId and enqueue time (sqs-configure-dead-letter-queue-redrive.html).
"""

from __future__ import annotations

import base64
import binascii
import json
import uuid
from typing import TYPE_CHECKING, Any

from cloudlet.core import ids
from cloudlet.core.arns import parse_arn
from cloudlet.core.clock import epoch_ms
from cloudlet.core.timers import Timer
from cloudlet.services.sqs import store
from cloudlet.services.sqs.errors import InvalidParameterValue, ResourceNotFoundException
from cloudlet.services.sqs.messages import SEQUENCE_BASE

if TYPE_CHECKING:
    import sqlite3

    from cloudlet.core.db import Tx
    from cloudlet.services.sqs.engine import Sqs
    from cloudlet.services.sqs.store import QueueRow

MAX_RATE = 500
UNLIMITED_BATCH = 500


class MoveTasks:
    def __init__(self, sqs: Sqs) -> None:
        self._sqs = sqs

    def start(self, account: str, source_arn: str, destination_arn: str | None, rate: int | None) -> str:
        """Returns the TaskHandle. Raises ResourceNotFoundException, InvalidParameterValue."""
        queues = self._sqs.queues
        source = self._queue_of(account, source_arn)
        if source is None:
            raise ResourceNotFoundException(
                "The resource that you specified for the SourceArn parameter doesn't exist."
            )
        if not queues.dead_letter_sources(source):
            raise InvalidParameterValue("Source queue must be configured as a Dead Letter Queue.")
        if destination_arn is not None:
            destination = self._queue_of(account, destination_arn)
            if destination is None:
                raise ResourceNotFoundException(
                    "The resource that you specified for the DestinationArn parameter doesn't exist."
                )
            if destination.fifo != source.fifo:
                raise InvalidParameterValue(
                    "The destination queue must be the same type of queue as the source."
                )
        if rate is not None and not 1 <= rate <= MAX_RATE:
            raise InvalidParameterValue(
                f"Value {rate} for parameter MaxNumberOfMessagesPerSecond is invalid. Reason: Must be "
                f"between 1 and {MAX_RATE}, if provided."
            )
        handle = base64.b64encode(
            json.dumps({"taskId": str(uuid.uuid4()), "sourceArn": source_arn}, separators=(",", ":")).encode()
        ).decode()
        now = self._sqs.clock.now()
        with self._sqs.db.transaction() as tx:
            if store.running_move_task(tx, source_arn) is not None:
                raise InvalidParameterValue(
                    "There is already a task running. Only one active task is allowed for a source queue arn "
                    "at a given time."
                )
            cutoff = store.max_message_id(tx, source.id)
            visible, in_flight, delayed = store.counts(tx, source.id, now, now - source.cache["retention"])
            store.insert_move_task(
                tx,
                handle,
                source.id,
                source_arn,
                destination_arn,
                rate,
                now,
                visible + in_flight + delayed,
                cutoff,
            )
            self._sqs.timers.schedule(tx, "sqs.move", now, {"handle": handle}, key=handle)
        return handle

    def cancel(self, account: str, handle: str) -> int:
        """Returns ApproximateNumberOfMessagesMoved."""
        try:
            decoded = json.loads(base64.b64decode(handle, validate=True))
            source_arn = str(decoded["sourceArn"])
            str(decoded["taskId"])
        except (ValueError, KeyError, TypeError, binascii.Error):
            raise InvalidParameterValue("Value for parameter TaskHandle is invalid.") from None
        if self._queue_of(account, source_arn) is None:
            raise ResourceNotFoundException(
                "The resource that you specified for the SourceArn parameter doesn't exist."
            )
        with self._sqs.db.transaction() as tx:
            task = store.get_move_task(tx, handle)
            if task is None or task["status"] != "RUNNING":
                raise ResourceNotFoundException("Task does not exist.")
            # A tick moves its batch in one transaction, so stopping between ticks leaves nothing half-moved.
            store.update_move_task(tx, handle, "CANCELLED", task["moved"])
            self._sqs.timers.cancel(tx, "sqs.move", handle)
            return int(task["moved"])

    def list(self, account: str, source_arn: str, max_results: int) -> list[dict[str, Any]]:
        try:
            parse_arn(source_arn)
        except ValueError:
            raise InvalidParameterValue(
                "You must use this format to specify the SourceArn: "
                "arn:<partition>:<service>:<region>:<account-id>:<resource-id>"
            ) from None
        if self._queue_of(account, source_arn) is None:
            raise ResourceNotFoundException(
                "The resource that you specified for the SourceArn parameter doesn't exist."
            )
        with self._sqs.db.read() as conn:
            rows = store.list_move_tasks(conn, source_arn, max_results)
        return [_render(row) for row in rows]

    # -- the mover ------------------------------------------------------------------------------------
    def on_timer(self, timer: Timer) -> None:
        handle = str(timer.payload["handle"])
        sqs = self._sqs
        now = sqs.clock.now()
        notify: dict[int, QueueRow] = {}
        with sqs.db.transaction() as tx:
            task = store.get_move_task(tx, handle)
            if task is None or task["status"] != "RUNNING":
                return
            source = sqs.queues.by_arn(task["source_arn"])
            if source is None or source.id != task["source_queue_id"]:
                store.update_move_task(
                    tx, handle, "FAILED", task["moved"], "AWS.SimpleQueueService.NonExistentQueue"
                )
                return
            batch = task["max_per_second"] or UNLIMITED_BATCH
            rows = store.movable(tx, source.id, task["cutoff_id"], now, batch)
            moved = task["moved"]
            for row in rows:
                target = sqs.queues.by_arn(task["destination_arn"] or row["dlq_source_arn"] or "")
                if target is None:
                    store.update_move_task(
                        tx, handle, "FAILED", moved, "AWS.SimpleQueueService.NonExistentQueue"
                    )
                    return
                self._redrive(tx, row, target, now)
                notify[target.id] = target
                moved += 1
            done = len(rows) < batch
            store.update_move_task(tx, handle, "COMPLETED" if done else "RUNNING", moved)
            if not done:
                due = now + 1.0 if task["max_per_second"] else now
                sqs.timers.schedule(tx, "sqs.move", due, {"handle": handle}, key=handle)
            for target in notify.values():
                tx.after_commit(lambda target=target: sqs.messages_available(target))

    def _redrive(self, tx: Tx, row: sqlite3.Row, target: QueueRow, now: float) -> None:
        sequence = None
        dedup = None
        if target.fifo:
            sequence = str(SEQUENCE_BASE + store.next_sequence(tx, target.id, 1))
            dedup = row["dedup_id"]
        store.insert_messages(
            tx,
            [
                (
                    target.id,
                    ids.message_id(),
                    row["body"],
                    row["md5_body"],
                    row["attributes"],
                    row["md5_attributes"],
                    row["trace_header"],
                    row["md5_system"],
                    row["sender_id"],
                    now,
                    now,
                    now,
                    0,
                    row["group_id"],
                    dedup,
                    sequence,
                    None,
                )
            ],
        )
        store.delete_messages(tx, (row["id"],))

    def _queue_of(self, account: str, arn: str) -> QueueRow | None:
        try:
            parts = parse_arn(arn)
        except ValueError:
            return None
        if parts.account != account:
            return None
        return self._sqs.queues.by_arn(arn)


def _render(row: sqlite3.Row) -> dict[str, Any]:
    out: dict[str, Any] = {
        "SourceArn": row["source_arn"],
        "Status": row["status"],
        "StartedTimestamp": epoch_ms(row["started_at"]),
        "ApproximateNumberOfMessagesMoved": row["moved"],
        "ApproximateNumberOfMessagesToMove": row["to_move"],
    }
    if row["status"] == "RUNNING":
        out["TaskHandle"] = row["handle"]
    if row["destination_arn"]:
        out["DestinationArn"] = row["destination_arn"]
    if row["max_per_second"]:
        out["MaxNumberOfMessagesPerSecond"] = row["max_per_second"]
    if row["failure_reason"]:
        out["FailureReason"] = row["failure_reason"]
    return out
