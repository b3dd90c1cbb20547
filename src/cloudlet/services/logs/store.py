"""Every SQL statement on the `logs_*` tables, and their DDL. No semantics: the engine decides.

Times are integer epoch milliseconds, as the CloudWatch Logs API speaks them. An event's place in a
stream is `(ts, id)`; `id` is also the ingestion cursor followers of a group read after.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from cloudlet.core.db import Tx

MIGRATIONS: tuple[str, ...] = (
    """
    CREATE TABLE logs_group (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        account TEXT NOT NULL,
        region TEXT NOT NULL,
        name TEXT NOT NULL,
        created_ms INTEGER NOT NULL,
        retention_days INTEGER,
        kms_key_id TEXT,
        log_group_class TEXT NOT NULL,
        tags TEXT NOT NULL,             -- JSON {key: value}
        stored_bytes INTEGER NOT NULL DEFAULT 0,
        expire_at REAL,                 -- due time of this group's `logs.expire` timer, if one is set
        UNIQUE (account, region, name)
    );
    CREATE TABLE logs_stream (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        group_id INTEGER NOT NULL REFERENCES logs_group (id) ON DELETE CASCADE,
        name TEXT NOT NULL,
        created_ms INTEGER NOT NULL,
        first_ts INTEGER,
        last_ts INTEGER,
        last_ingestion_ms INTEGER,
        stored_bytes INTEGER NOT NULL DEFAULT 0,
        uploads INTEGER NOT NULL DEFAULT 0,
        UNIQUE (group_id, name)
    );
    CREATE TABLE logs_event (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        stream_id INTEGER NOT NULL REFERENCES logs_stream (id) ON DELETE CASCADE,
        group_id INTEGER NOT NULL,
        ts INTEGER NOT NULL,
        ingestion_ms INTEGER NOT NULL,
        message TEXT NOT NULL
    );
    CREATE INDEX logs_event_stream ON logs_event (stream_id, ts, id);
    CREATE INDEX logs_event_group ON logs_event (group_id, ts, id);
    CREATE INDEX logs_event_cursor ON logs_event (group_id, id);
    """,
)

Conn = sqlite3.Connection | Tx


@dataclass(slots=True)
class GroupRow:
    id: int
    account: str
    region: str
    name: str
    created_ms: int
    retention_days: int | None
    kms_key_id: str | None
    log_group_class: str
    tags: dict[str, str]
    stored_bytes: int
    expire_at: float | None


@dataclass(slots=True)
class StreamRow:
    id: int
    group_id: int
    name: str
    created_ms: int
    first_ts: int | None
    last_ts: int | None
    last_ingestion_ms: int | None
    stored_bytes: int
    uploads: int


@dataclass(slots=True)
class EventRow:
    id: int
    stream_id: int
    group_id: int
    stream_name: str
    ts: int
    ingestion_ms: int
    message: str


def _group(row: sqlite3.Row) -> GroupRow:
    return GroupRow(
        id=row["id"],
        account=row["account"],
        region=row["region"],
        name=row["name"],
        created_ms=row["created_ms"],
        retention_days=row["retention_days"],
        kms_key_id=row["kms_key_id"],
        log_group_class=row["log_group_class"],
        tags=json.loads(row["tags"]),
        stored_bytes=row["stored_bytes"],
        expire_at=row["expire_at"],
    )


def _stream(row: sqlite3.Row) -> StreamRow:
    return StreamRow(
        id=row["id"],
        group_id=row["group_id"],
        name=row["name"],
        created_ms=row["created_ms"],
        first_ts=row["first_ts"],
        last_ts=row["last_ts"],
        last_ingestion_ms=row["last_ingestion_ms"],
        stored_bytes=row["stored_bytes"],
        uploads=row["uploads"],
    )


def _event(row: sqlite3.Row) -> EventRow:
    return EventRow(
        id=row["id"],
        stream_id=row["stream_id"],
        group_id=row["group_id"],
        stream_name=row["stream_name"],
        ts=row["ts"],
        ingestion_ms=row["ingestion_ms"],
        message=row["message"],
    )


# -- groups ----------------------------------------------------------------------------------------


def get_group(conn: Conn, account: str, region: str, name: str) -> GroupRow | None:
    row = conn.execute(
        "SELECT * FROM logs_group WHERE account = ? AND region = ? AND name = ?", (account, region, name)
    ).fetchone()
    return None if row is None else _group(row)


def get_group_by_id(conn: Conn, group_id: int) -> GroupRow | None:
    row = conn.execute("SELECT * FROM logs_group WHERE id = ?", (group_id,)).fetchone()
    return None if row is None else _group(row)


def groups_named(conn: Conn, name: str, account: str | None, region: str | None) -> list[GroupRow]:
    """Groups called `name` in any account or region unless those are given (the tail endpoint)."""
    sql = "SELECT * FROM logs_group WHERE name = ?"
    params: list[Any] = [name]
    if account:
        sql += " AND account = ?"
        params.append(account)
    if region:
        sql += " AND region = ?"
        params.append(region)
    return [_group(r) for r in conn.execute(sql + " ORDER BY id", params)]


def insert_group(
    tx: Tx,
    account: str,
    region: str,
    name: str,
    created_ms: int,
    kms_key_id: str | None,
    log_group_class: str,
    tags: dict[str, str],
) -> GroupRow:
    cur = tx.execute(
        "INSERT INTO logs_group (account, region, name, created_ms, kms_key_id, log_group_class, tags) "
        "VALUES (?, ?, ?, ?, ?, ?, ?)",
        (account, region, name, created_ms, kms_key_id, log_group_class, json.dumps(tags)),
    )
    group = get_group_by_id(tx, int(cur.lastrowid or 0))
    assert group is not None
    return group


def delete_group(tx: Tx, group_id: int) -> None:
    tx.execute("DELETE FROM logs_event WHERE group_id = ?", (group_id,))
    tx.execute("DELETE FROM logs_group WHERE id = ?", (group_id,))


def list_groups(
    conn: Conn,
    account: str,
    region: str,
    prefix: str | None,
    pattern: str | None,
    log_group_class: str | None,
    after: str | None,
    limit: int,
) -> list[GroupRow]:
    """Groups in name order after `after` (exclusive); `pattern` is a case-sensitive substring."""
    sql = "SELECT * FROM logs_group WHERE account = ? AND region = ?"
    params: list[Any] = [account, region]
    if prefix:
        sql += " AND substr(name, 1, ?) = ?"
        params += [len(prefix), prefix]
    if pattern:
        sql += " AND instr(name, ?) > 0"
        params.append(pattern)
    if log_group_class:
        sql += " AND log_group_class = ?"
        params.append(log_group_class)
    if after is not None:
        sql += " AND name > ?"
        params.append(after)
    sql += " ORDER BY name LIMIT ?"
    params.append(limit)
    return [_group(r) for r in conn.execute(sql, params)]


def set_retention(tx: Tx, group_id: int, days: int | None) -> None:
    tx.execute("UPDATE logs_group SET retention_days = ? WHERE id = ?", (days, group_id))


def set_expire_at(tx: Tx, group_id: int, due: float | None) -> None:
    tx.execute("UPDATE logs_group SET expire_at = ? WHERE id = ?", (due, group_id))


def set_tags(tx: Tx, group_id: int, tags: dict[str, str]) -> None:
    tx.execute("UPDATE logs_group SET tags = ? WHERE id = ?", (json.dumps(tags), group_id))


# -- streams ---------------------------------------------------------------------------------------


def get_stream(conn: Conn, group_id: int, name: str) -> StreamRow | None:
    row = conn.execute(
        "SELECT * FROM logs_stream WHERE group_id = ? AND name = ?", (group_id, name)
    ).fetchone()
    return None if row is None else _stream(row)


def insert_stream(tx: Tx, group_id: int, name: str, created_ms: int) -> StreamRow:
    cur = tx.execute(
        "INSERT INTO logs_stream (group_id, name, created_ms) VALUES (?, ?, ?)", (group_id, name, created_ms)
    )
    row = tx.fetchone("SELECT * FROM logs_stream WHERE id = ?", (int(cur.lastrowid or 0),))
    assert row is not None
    return _stream(row)


def delete_stream(tx: Tx, stream: StreamRow) -> None:
    tx.execute(
        "UPDATE logs_group SET stored_bytes = stored_bytes - ? WHERE id = ?",
        (stream.stored_bytes, stream.group_id),
    )
    tx.execute("DELETE FROM logs_event WHERE stream_id = ?", (stream.id,))
    tx.execute("DELETE FROM logs_stream WHERE id = ?", (stream.id,))


def list_streams(conn: Conn, group_id: int, prefix: str | None = None) -> list[StreamRow]:
    sql = "SELECT * FROM logs_stream WHERE group_id = ?"
    params: list[Any] = [group_id]
    if prefix:
        sql += " AND substr(name, 1, ?) = ?"
        params += [len(prefix), prefix]
    return [_stream(r) for r in conn.execute(sql + " ORDER BY name", params)]


def streams_named(conn: Conn, group_id: int, names: Sequence[str]) -> list[StreamRow]:
    marks = ",".join("?" * len(names))
    rows = conn.execute(
        f"SELECT * FROM logs_stream WHERE group_id = ? AND name IN ({marks}) ORDER BY name",
        (group_id, *names),
    )
    return [_stream(r) for r in rows]


def count_streams(conn: Conn, group_id: int) -> int:
    return int(conn.execute("SELECT COUNT(*) FROM logs_stream WHERE group_id = ?", (group_id,)).fetchone()[0])


# -- events ----------------------------------------------------------------------------------------


def insert_events(
    tx: Tx, stream: StreamRow, events: Sequence[tuple[int, str]], ingestion_ms: int
) -> tuple[int, int]:
    """Insert `(timestamp, message)` pairs into `stream`, updating its summary and the group's bytes.

    Returns (first new id, last new id).
    """
    if not events:
        return (0, 0)
    first_id = 0
    last_id = 0
    for ts, message in events:
        cur = tx.execute(
            "INSERT INTO logs_event (stream_id, group_id, ts, ingestion_ms, message) VALUES (?, ?, ?, ?, ?)",
            (stream.id, stream.group_id, ts, ingestion_ms, message),
        )
        last_id = int(cur.lastrowid or 0)
        first_id = first_id or last_id
    size = sum(len(m.encode("utf-8")) for _, m in events)
    lo = min(ts for ts, _ in events)
    hi = max(ts for ts, _ in events)
    tx.execute(
        "UPDATE logs_stream SET first_ts = min(coalesce(first_ts, ?), ?),"
        " last_ts = max(coalesce(last_ts, ?), ?), last_ingestion_ms = ?,"
        " stored_bytes = stored_bytes + ?, uploads = uploads + 1 WHERE id = ?",
        (lo, lo, hi, hi, ingestion_ms, size, stream.id),
    )
    tx.execute("UPDATE logs_group SET stored_bytes = stored_bytes + ? WHERE id = ?", (size, stream.group_id))
    return (first_id, last_id)


_SELECT_EVENTS = (
    "SELECT e.id, e.stream_id, e.group_id, s.name AS stream_name, e.ts, e.ingestion_ms, e.message "
    "FROM logs_event e JOIN logs_stream s ON s.id = e.stream_id"
)


def stream_events(
    conn: Conn,
    stream_id: int,
    lo: tuple[int, int] | None,
    hi: tuple[int, int] | None,
    start_ms: int | None,
    end_ms: int | None,
    newest_first: bool,
    limit: int,
) -> list[EventRow]:
    """Events of a stream with `lo < (ts, id) < hi` and `start_ms <= ts < end_ms`, in key order
    (`newest_first` reverses it)."""
    sql = f"{_SELECT_EVENTS} WHERE e.stream_id = ?"
    params: list[Any] = [stream_id]
    if lo is not None:
        sql += " AND (e.ts, e.id) > (?, ?)"
        params += list(lo)
    if hi is not None:
        sql += " AND (e.ts, e.id) < (?, ?)"
        params += list(hi)
    if start_ms is not None:
        sql += " AND e.ts >= ?"
        params.append(start_ms)
    if end_ms is not None:
        sql += " AND e.ts < ?"
        params.append(end_ms)
    order = "DESC" if newest_first else "ASC"
    sql += f" ORDER BY e.ts {order}, e.id {order} LIMIT ?"
    params.append(limit)
    return [_event(r) for r in conn.execute(sql, params)]


def group_events(
    conn: Conn,
    group_id: int,
    stream_ids: Iterable[int] | None,
    after: tuple[int, int] | None,
    start_ms: int | None,
    end_ms: int | None,
    limit: int,
) -> list[EventRow]:
    """Events of a group (of `stream_ids`, if given) after `(ts, id)`, with `start_ms <= ts <= end_ms`."""
    sql = f"{_SELECT_EVENTS} WHERE e.group_id = ?"
    params: list[Any] = [group_id]
    if stream_ids is not None:
        ids = list(stream_ids)
        sql += f" AND e.stream_id IN ({','.join('?' * len(ids))})"
        params += ids
    if after is not None:
        sql += " AND (e.ts, e.id) > (?, ?)"
        params += list(after)
    if start_ms is not None:
        sql += " AND e.ts >= ?"
        params.append(start_ms)
    if end_ms is not None:
        sql += " AND e.ts <= ?"
        params.append(end_ms)
    sql += " ORDER BY e.ts, e.id LIMIT ?"
    params.append(limit)
    return [_event(r) for r in conn.execute(sql, params)]


def events_after_cursor(
    conn: Conn, group_ids: Sequence[int], after: int, min_ts: int | None, limit: int
) -> list[EventRow]:
    """Events of the groups with id > `after` (ingestion order) and ts >= `min_ts`."""
    marks = ",".join("?" * len(group_ids))
    sql = f"{_SELECT_EVENTS} WHERE e.group_id IN ({marks}) AND e.id > ?"
    params: list[Any] = [*group_ids, after]
    if min_ts is not None:
        sql += " AND e.ts >= ?"
        params.append(min_ts)
    sql += " ORDER BY e.id LIMIT ?"
    params.append(limit)
    return [_event(r) for r in conn.execute(sql, params)]


def last_event_id(conn: Conn) -> int:
    row = conn.execute("SELECT max(id) FROM logs_event").fetchone()
    return int(row[0] or 0)


def delete_events_before(tx: Tx, group_id: int, cutoff_ms: int) -> None:
    """Delete the group's events with ts < `cutoff_ms`, keeping stored byte counts right."""
    rows = tx.fetchall(
        "SELECT stream_id, sum(length(CAST(message AS BLOB))) AS size FROM logs_event "
        "WHERE group_id = ? AND ts < ? GROUP BY stream_id",
        (group_id, cutoff_ms),
    )
    if not rows:
        return
    total = 0
    for row in rows:
        total += int(row["size"] or 0)
        tx.execute(
            "UPDATE logs_stream SET stored_bytes = max(0, stored_bytes - ?) WHERE id = ?",
            (int(row["size"] or 0), row["stream_id"]),
        )
    tx.execute("DELETE FROM logs_event WHERE group_id = ? AND ts < ?", (group_id, cutoff_ms))
    tx.execute(
        "UPDATE logs_group SET stored_bytes = max(0, stored_bytes - ?) WHERE id = ?", (total, group_id)
    )


def oldest_event_ts(conn: Conn, group_id: int) -> int | None:
    row = conn.execute("SELECT min(ts) FROM logs_event WHERE group_id = ?", (group_id,)).fetchone()
    return None if row[0] is None else int(row[0])
