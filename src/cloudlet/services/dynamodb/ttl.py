"""Time to Live: the expiry time of an item, and the durable timer that deletes expired items.

Each table with TTL enabled and at least one expiring item has one `dynamodb.ttl` timer row, due at its
earliest `ddb_item.expires_at`. The handler deletes what has expired (with REMOVE stream records by the
DynamoDB service identity) and re-schedules itself for the next expiry. Until the clock reaches an item's
expiry the item is read as usual; AWS deletes expired items "within a few days" (TTL.html), cloudlet as
soon as the clock passes the expiry. The write path fills `expires_at` with `expiry_of` and calls `track`.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from cloudlet.core.db import Tx
from cloudlet.core.timers import Timer
from cloudlet.services.dynamodb import items, store, streams

if TYPE_CHECKING:
    from cloudlet.services.dynamodb.engine import Dynamo

TIMER_KIND = "dynamodb.ttl"
# Items whose TTL value is more than five years in the past are never deleted (howitworks-ttl.html).
MAX_PAST_S = 5 * 365 * 24 * 3600.0
BATCH = 500


def expiry_of(table: store.Table, item: dict[str, Any]) -> float | None:
    """The epoch second at which `item` (typed JSON) expires: its TTL attribute when TTL is enabled and
    the attribute is a Number; None otherwise (items without it, or with another type, never expire)."""
    name = table.ttl_attribute
    if name is None:
        return None
    value = item.get(name)
    if not isinstance(value, dict) or not isinstance(value.get("N"), str):
        return None
    try:
        return float(value["N"])
    except (ValueError, OverflowError):
        return None


def track(tx: Tx, dynamo: Dynamo, table: store.Table, expires_at: float | None) -> None:
    """After writing an item that expires at `expires_at`, make sure the table's TTL timer fires by then."""
    if expires_at is None:
        return
    key = str(table.id)
    current = dynamo.timers.get(tx, TIMER_KIND, key)
    if current is None or current.due_at > expires_at:
        due = max(expires_at, dynamo.clock.now() - MAX_PAST_S)
        dynamo.timers.schedule(tx, TIMER_KIND, due, {"table_id": table.id}, key=key)


def enable(tx: Tx, dynamo: Dynamo, table: store.Table) -> None:
    """Fill `expires_at` of every item from `table.ttl_attribute` (already set) and schedule the timer."""
    rows = tx.execute("SELECT pk, sk, item FROM ddb_item WHERE table_id = ?", (table.id,)).fetchall()
    for pk, sk, text in rows:
        expires_at = expiry_of(table, json.loads(text))
        if expires_at is not None:
            tx.execute(
                "UPDATE ddb_item SET expires_at = ? WHERE table_id = ? AND pk = ? AND sk = ?",
                (expires_at, table.id, pk, sk),
            )
    _reschedule(tx, dynamo, table.id)


def disable(tx: Tx, dynamo: Dynamo, table: store.Table) -> None:
    """Forget every item's expiry and the table's timer."""
    tx.execute(
        "UPDATE ddb_item SET expires_at = NULL WHERE table_id = ? AND expires_at IS NOT NULL", (table.id,)
    )
    dynamo.timers.cancel(tx, TIMER_KIND, str(table.id))


def _reschedule(tx: Tx, dynamo: Dynamo, table_id: int) -> None:
    floor = dynamo.clock.now() - MAX_PAST_S
    row = tx.execute(
        "SELECT MIN(expires_at) FROM ddb_item WHERE table_id = ? AND expires_at >= ?", (table_id, floor)
    ).fetchone()
    if row[0] is None:
        dynamo.timers.cancel(tx, TIMER_KIND, str(table_id))
    else:
        dynamo.timers.schedule(tx, TIMER_KIND, float(row[0]), {"table_id": table_id}, key=str(table_id))


def on_timer(dynamo: Dynamo, timer: Timer) -> None:
    """Delete up to BATCH expired items of one table, then schedule the next run."""
    table_id = int(timer.payload["table_id"])
    now = dynamo.clock.now()
    with dynamo.db.transaction() as tx:
        row = tx.execute("SELECT arn FROM ddb_table WHERE id = ?", (table_id,)).fetchone()
        table = store.get_table_by_arn(tx, row[0]) if row else None
        if table is None or table.ttl_attribute is None:
            return
        expired = tx.execute(
            "SELECT pk, sk, item FROM ddb_item WHERE table_id = ? AND expires_at <= ? AND expires_at >= ?"
            " ORDER BY expires_at LIMIT ?",
            (table_id, now, now - MAX_PAST_S, BATCH),
        ).fetchall()
        for _pk, _sk, text in expired:
            items.write(dynamo, tx, table, json.loads(text), None, streams.TTL_IDENTITY)
        if len(expired) == BATCH:
            dynamo.timers.schedule(tx, TIMER_KIND, now, {"table_id": table_id}, key=str(table_id))
        else:
            _reschedule(tx, dynamo, table_id)
