"""Every SQL statement on the `sqs_*` tables, and their DDL. No semantics: the engine decides.

Messages carry their state as columns read at query time: `visible_at` (delay and visibility),
`retain_from` (retention), `receive_count`, and `receipt` (the nonce of the latest receive).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from cloudlet.core.db import Tx

MIGRATIONS: tuple[str, ...] = (
    """
    CREATE TABLE sqs_queue (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        account TEXT NOT NULL,
        region TEXT NOT NULL,
        name TEXT NOT NULL,
        fifo INTEGER NOT NULL,
        attributes TEXT NOT NULL,   -- JSON {name: string value}, AWS's rendering
        tags TEXT NOT NULL,         -- JSON {key: value}
        dlq_arn TEXT,               -- RedrivePolicy.deadLetterTargetArn, for ListDeadLetterSourceQueues
        created_at REAL NOT NULL,
        modified_at REAL NOT NULL,
        purged_at REAL,
        next_seq INTEGER NOT NULL DEFAULT 1,
        UNIQUE (account, region, name)
    );
    CREATE INDEX sqs_queue_dlq ON sqs_queue (dlq_arn) WHERE dlq_arn IS NOT NULL;
    CREATE TABLE sqs_deleted_queue (
        account TEXT NOT NULL,
        region TEXT NOT NULL,
        name TEXT NOT NULL,
        deleted_at REAL NOT NULL,
        PRIMARY KEY (account, region, name)
    );
    CREATE TABLE sqs_message (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        queue_id INTEGER NOT NULL,
        message_id TEXT NOT NULL,
        body TEXT NOT NULL,
        md5_body TEXT NOT NULL,
        attributes TEXT,            -- JSON message attributes (binary values base64), NULL if none
        md5_attributes TEXT,
        trace_header TEXT,          -- AWSTraceHeader system attribute
        md5_system TEXT,
        sender_id TEXT NOT NULL,
        sent_at REAL NOT NULL,
        retain_from REAL NOT NULL,  -- retention counts from here
        visible_at REAL NOT NULL,
        receive_count INTEGER NOT NULL DEFAULT 0,
        first_received_at REAL,
        received_at REAL,
        receipt TEXT,
        group_id TEXT,
        dedup_id TEXT,
        sequence_number TEXT,
        dlq_source_arn TEXT
    );
    CREATE INDEX sqs_message_visible ON sqs_message (queue_id, visible_at);
    CREATE INDEX sqs_message_group ON sqs_message (queue_id, group_id) WHERE group_id IS NOT NULL;
    CREATE TABLE sqs_dedup (
        queue_id INTEGER NOT NULL,
        scope TEXT NOT NULL,        -- '' (queue scope) or the message group id
        dedup_id TEXT NOT NULL,
        message_id TEXT NOT NULL,
        sequence_number TEXT,
        expires_at REAL NOT NULL,
        PRIMARY KEY (queue_id, scope, dedup_id)
    ) WITHOUT ROWID;
    CREATE TABLE sqs_receive_attempt (
        queue_id INTEGER NOT NULL,
        attempt_id TEXT NOT NULL,
        expires_at REAL NOT NULL,
        receipts TEXT NOT NULL,     -- JSON [[message row id, receipt nonce], ...]
        PRIMARY KEY (queue_id, attempt_id)
    ) WITHOUT ROWID;
    CREATE TABLE sqs_move_task (
        handle TEXT PRIMARY KEY,
        source_queue_id INTEGER NOT NULL,
        source_arn TEXT NOT NULL,
        destination_arn TEXT,
        max_per_second INTEGER,
        status TEXT NOT NULL,
        started_at REAL NOT NULL,
        to_move INTEGER NOT NULL,
        moved INTEGER NOT NULL DEFAULT 0,
        failure_reason TEXT,
        cutoff_id INTEGER NOT NULL  -- messages up to this row id (at start) are moved
    );
    CREATE INDEX sqs_move_task_source ON sqs_move_task (source_arn, started_at);
    """,
)


@dataclass(slots=True)
class QueueRow:
    id: int
    account: str
    region: str
    name: str
    fifo: bool
    attributes: dict[str, str]
    tags: dict[str, str]
    created_at: float
    modified_at: float
    purged_at: float | None
    cache: dict[str, Any] = field(default_factory=dict)
    """Parsed forms of attributes, filled by the engine."""


def _queue(row: sqlite3.Row) -> QueueRow:
    return QueueRow(
        id=row["id"],
        account=row["account"],
        region=row["region"],
        name=row["name"],
        fifo=bool(row["fifo"]),
        attributes=json.loads(row["attributes"]),
        tags=json.loads(row["tags"]),
        created_at=row["created_at"],
        modified_at=row["modified_at"],
        purged_at=row["purged_at"],
    )


# -- queues ----------------------------------------------------------------------------------------


def get_queue(conn: sqlite3.Connection | Tx, account: str, region: str, name: str) -> QueueRow | None:
    row = conn.execute(
        "SELECT * FROM sqs_queue WHERE account = ? AND region = ? AND name = ?", (account, region, name)
    ).fetchone()
    return None if row is None else _queue(row)


def insert_queue(
    tx: Tx,
    account: str,
    region: str,
    name: str,
    fifo: bool,
    attributes: dict[str, str],
    tags: dict[str, str],
    dlq_arn: str | None,
    now: float,
) -> None:
    tx.execute(
        "INSERT INTO sqs_queue (account, region, name, fifo, attributes, tags, dlq_arn, created_at, "
        "modified_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (account, region, name, int(fifo), json.dumps(attributes), json.dumps(tags), dlq_arn, now, now),
    )


def update_attributes(
    tx: Tx, queue_id: int, attributes: dict[str, str], dlq_arn: str | None, now: float
) -> None:
    tx.execute(
        "UPDATE sqs_queue SET attributes = ?, dlq_arn = ?, modified_at = ? WHERE id = ?",
        (json.dumps(attributes), dlq_arn, now, queue_id),
    )


def update_tags(tx: Tx, queue_id: int, tags: dict[str, str]) -> None:
    tx.execute("UPDATE sqs_queue SET tags = ? WHERE id = ?", (json.dumps(tags), queue_id))


def set_purged(tx: Tx, queue_id: int, now: float) -> None:
    tx.execute("UPDATE sqs_queue SET purged_at = ? WHERE id = ?", (now, queue_id))


def delete_queue(tx: Tx, queue: QueueRow, now: float) -> None:
    for table in ("sqs_message", "sqs_dedup", "sqs_receive_attempt"):
        tx.execute(f"DELETE FROM {table} WHERE queue_id = ?", (queue.id,))
    tx.execute("DELETE FROM sqs_queue WHERE id = ?", (queue.id,))
    tx.execute(
        "INSERT OR REPLACE INTO sqs_deleted_queue (account, region, name, deleted_at) VALUES (?, ?, ?, ?)",
        (queue.account, queue.region, queue.name, now),
    )


def deleted_at(tx: Tx, account: str, region: str, name: str) -> float | None:
    row = tx.fetchone(
        "SELECT deleted_at FROM sqs_deleted_queue WHERE account = ? AND region = ? AND name = ?",
        (account, region, name),
    )
    return None if row is None else float(row[0])


def list_queues(
    conn: sqlite3.Connection | Tx, account: str, region: str, prefix: str, after: str
) -> list[QueueRow]:
    rows = conn.execute(
        "SELECT * FROM sqs_queue WHERE account = ? AND region = ? AND name >= ? AND name > ? ORDER BY name",
        (account, region, prefix, after),
    )
    result = []
    for row in rows:
        if not row["name"].startswith(prefix):
            break
        result.append(_queue(row))
    return result


def dead_letter_sources(conn: sqlite3.Connection | Tx, dlq_arn: str) -> list[QueueRow]:
    rows = conn.execute("SELECT * FROM sqs_queue WHERE dlq_arn = ? ORDER BY name", (dlq_arn,)).fetchall()
    return [_queue(r) for r in rows]


def next_sequence(tx: Tx, queue_id: int, count: int) -> int:
    """Reserve `count` FIFO sequence numbers; returns the first."""
    row = tx.fetchone(
        "UPDATE sqs_queue SET next_seq = next_seq + ? WHERE id = ? RETURNING next_seq", (count, queue_id)
    )
    assert row is not None
    return int(row[0]) - count


# -- messages --------------------------------------------------------------------------------------

MESSAGE_COLUMNS = (
    "queue_id, message_id, body, md5_body, attributes, md5_attributes, trace_header, md5_system, sender_id, "
    "sent_at, retain_from, visible_at, receive_count, group_id, dedup_id, sequence_number, dlq_source_arn"
)
_INSERT = f"INSERT INTO sqs_message ({MESSAGE_COLUMNS}) VALUES ({', '.join('?' * 17)})"


def insert_messages(tx: Tx, rows: Iterable[Sequence[Any]]) -> None:
    """Rows in MESSAGE_COLUMNS order."""
    tx.executemany(_INSERT, rows)


def ready(tx: Tx, queue_id: int, now: float, retained_after: float, limit: int) -> list[sqlite3.Row]:
    """Visible, unexpired messages of a queue, oldest-visible first."""
    return tx.fetchall(
        "SELECT * FROM sqs_message WHERE queue_id = ? AND visible_at <= ? AND retain_from > ? "
        "ORDER BY visible_at, id LIMIT ?",
        (queue_id, now, retained_after, limit),
    )


def group_heads(tx: Tx, queue_id: int) -> list[sqlite3.Row]:
    """(group_id, first row id) of every message group of a FIFO queue, oldest head first."""
    return tx.fetchall(
        "SELECT group_id, MIN(id) AS head FROM sqs_message WHERE queue_id = ? AND group_id IS NOT NULL "
        "GROUP BY group_id ORDER BY head",
        (queue_id,),
    )


def group_messages(tx: Tx, queue_id: int, group_id: str, limit: int) -> list[sqlite3.Row]:
    return tx.fetchall(
        "SELECT * FROM sqs_message WHERE queue_id = ? AND group_id = ? ORDER BY id LIMIT ?",
        (queue_id, group_id, limit),
    )


def mark_received(tx: Tx, updates: Iterable[tuple[float, str, float, int]]) -> None:
    """(visible_at, receipt, now, row id) per message."""
    tx.executemany(
        "UPDATE sqs_message SET visible_at = ?, receipt = ?, receive_count = receive_count + 1, "
        "received_at = ?3, first_received_at = COALESCE(first_received_at, ?3) WHERE id = ?",
        updates,
    )


def get_message(tx: Tx, row_id: int) -> sqlite3.Row | None:
    return tx.fetchone("SELECT * FROM sqs_message WHERE id = ?", (row_id,))


def set_visible_at(tx: Tx, row_id: int, visible_at: float) -> None:
    tx.execute("UPDATE sqs_message SET visible_at = ? WHERE id = ?", (visible_at, row_id))


def delete_messages(tx: Tx, row_ids: Iterable[int]) -> None:
    tx.executemany("DELETE FROM sqs_message WHERE id = ?", ((i,) for i in row_ids))


def delete_all_messages(tx: Tx, queue_id: int, up_to_id: int | None = None) -> int:
    if up_to_id is None:
        return tx.execute("DELETE FROM sqs_message WHERE queue_id = ?", (queue_id,)).rowcount
    return tx.execute("DELETE FROM sqs_message WHERE queue_id = ? AND id <= ?", (queue_id, up_to_id)).rowcount


def delete_expired(tx: Tx, queue_id: int, retained_after: float) -> int:
    return tx.execute(
        "DELETE FROM sqs_message WHERE queue_id = ? AND retain_from <= ?", (queue_id, retained_after)
    ).rowcount


def oldest_retain_from(tx: Tx, queue_id: int) -> float | None:
    row = tx.fetchone("SELECT MIN(retain_from) FROM sqs_message WHERE queue_id = ?", (queue_id,))
    return None if row is None or row[0] is None else float(row[0])


def counts(
    conn: sqlite3.Connection | Tx, queue_id: int, now: float, retained_after: float
) -> tuple[int, int, int]:
    """(visible, in flight, delayed) unexpired messages."""
    row = conn.execute(
        "SELECT COALESCE(SUM(visible_at <= ?1), 0), COALESCE(SUM(visible_at > ?1 AND receive_count > 0), 0), "
        "COALESCE(SUM(visible_at > ?1 AND receive_count = 0), 0) "
        "FROM sqs_message WHERE queue_id = ?2 AND retain_from > ?3",
        (now, queue_id, retained_after),
    ).fetchone()
    return int(row[0]), int(row[1]), int(row[2])


def next_visible_at(conn: sqlite3.Connection | Tx, queue_id: int, now: float) -> float | None:
    row = conn.execute(
        "SELECT MIN(visible_at) FROM sqs_message WHERE queue_id = ? AND visible_at > ?", (queue_id, now)
    ).fetchone()
    return None if row is None or row[0] is None else float(row[0])


def max_message_id(tx: Tx, queue_id: int) -> int:
    row = tx.fetchone("SELECT MAX(id) FROM sqs_message WHERE queue_id = ?", (queue_id,))
    return 0 if row is None or row[0] is None else int(row[0])


# -- FIFO deduplication and receive attempts --------------------------------------------------------


def find_dedup(tx: Tx, queue_id: int, scope: str, dedup_id: str, now: float) -> sqlite3.Row | None:
    return tx.fetchone(
        "SELECT message_id, sequence_number FROM sqs_dedup WHERE queue_id = ? AND scope = ? AND dedup_id = ? "
        "AND expires_at > ?",
        (queue_id, scope, dedup_id, now),
    )


def record_dedup(
    tx: Tx, queue_id: int, scope: str, dedup_id: str, message_id: str, sequence_number: str, expires_at: float
) -> None:
    tx.execute(
        "INSERT OR REPLACE INTO sqs_dedup (queue_id, scope, dedup_id, message_id, sequence_number, "
        "expires_at) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        (queue_id, scope, dedup_id, message_id, sequence_number, expires_at),
    )


def forget_expired_dedup(tx: Tx, queue_id: int, now: float) -> None:
    tx.execute("DELETE FROM sqs_dedup WHERE queue_id = ? AND expires_at <= ?", (queue_id, now))
    tx.execute("DELETE FROM sqs_receive_attempt WHERE queue_id = ? AND expires_at <= ?", (queue_id, now))


def find_attempt(tx: Tx, queue_id: int, attempt_id: str, now: float) -> list[list[Any]] | None:
    row = tx.fetchone(
        "SELECT receipts FROM sqs_receive_attempt WHERE queue_id = ? AND attempt_id = ? AND expires_at > ?",
        (queue_id, attempt_id, now),
    )
    return None if row is None else json.loads(row[0])


def record_attempt(
    tx: Tx, queue_id: int, attempt_id: str, expires_at: float, receipts: list[list[Any]]
) -> None:
    tx.execute(
        "INSERT OR REPLACE INTO sqs_receive_attempt (queue_id, attempt_id, expires_at, receipts) "
        "VALUES (?, ?, ?, ?)",
        (queue_id, attempt_id, expires_at, json.dumps(receipts)),
    )


# -- message move tasks ----------------------------------------------------------------------------


def insert_move_task(
    tx: Tx,
    handle: str,
    queue_id: int,
    source_arn: str,
    destination_arn: str | None,
    max_per_second: int | None,
    now: float,
    to_move: int,
    cutoff_id: int,
) -> None:
    tx.execute(
        "INSERT INTO sqs_move_task (handle, source_queue_id, source_arn, destination_arn, max_per_second, "
        "status, started_at, to_move, cutoff_id) VALUES (?, ?, ?, ?, ?, 'RUNNING', ?, ?, ?)",
        (handle, queue_id, source_arn, destination_arn, max_per_second, now, to_move, cutoff_id),
    )


def get_move_task(conn: sqlite3.Connection | Tx, handle: str) -> sqlite3.Row | None:
    return conn.execute("SELECT * FROM sqs_move_task WHERE handle = ?", (handle,)).fetchone()


def running_move_task(tx: Tx, source_arn: str) -> sqlite3.Row | None:
    return tx.fetchone(
        "SELECT * FROM sqs_move_task WHERE source_arn = ? AND status IN ('RUNNING', 'CANCELLING')",
        (source_arn,),
    )


def list_move_tasks(conn: sqlite3.Connection | Tx, source_arn: str, limit: int) -> list[sqlite3.Row]:
    return conn.execute(
        "SELECT * FROM sqs_move_task WHERE source_arn = ? ORDER BY started_at DESC, rowid DESC LIMIT ?",
        (source_arn, limit),
    ).fetchall()


def update_move_task(tx: Tx, handle: str, status: str, moved: int, failure_reason: str | None = None) -> None:
    tx.execute(
        "UPDATE sqs_move_task SET status = ?, moved = ?, failure_reason = ? WHERE handle = ?",
        (status, moved, failure_reason, handle),
    )


def movable(tx: Tx, queue_id: int, cutoff_id: int, now: float, limit: int) -> list[sqlite3.Row]:
    """Messages of the source queue up to the cutoff that are not in flight, oldest first."""
    return tx.fetchall(
        "SELECT * FROM sqs_message WHERE queue_id = ? AND id <= ? AND visible_at <= ? ORDER BY id LIMIT ?",
        (queue_id, cutoff_id, now, limit),
    )


def move_to_dead_letter(
    tx: Tx,
    row_id: int,
    dlq_id: int,
    now: float,
    retain_from: float,
    source_arn: str,
    dedup_id: str | None,
    sequence_number: str | None,
) -> None:
    """Re-home a message in its dead-letter queue, keeping id, body, attributes and receive count."""
    tx.execute(
        "UPDATE sqs_message SET queue_id = ?, visible_at = ?, retain_from = ?, dlq_source_arn = ?, "
        "dedup_id = ?, sequence_number = ?, receipt = NULL WHERE id = ?",
        (dlq_id, now, retain_from, source_arn, dedup_id, sequence_number, row_id),
    )


def next_expiry(tx: Tx, queue_id: int) -> float | None:
    """Earliest expiry of the queue's dedup and receive-attempt records."""
    row = tx.fetchone(
        "SELECT MIN(e) FROM (SELECT MIN(expires_at) AS e FROM sqs_dedup WHERE queue_id = ?1 "
        "UNION ALL SELECT MIN(expires_at) FROM sqs_receive_attempt WHERE queue_id = ?1)",
        (queue_id,),
    )
    return None if row is None or row[0] is None else float(row[0])


def queue_retention(tx: Tx, queue_id: int) -> int | None:
    row = tx.fetchone("SELECT attributes FROM sqs_queue WHERE id = ?", (queue_id,))
    return None if row is None else int(json.loads(row[0])["MessageRetentionPeriod"])
