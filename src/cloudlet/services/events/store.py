"""Every SQL statement on the `events_*` tables, and their DDL.

Buses, rules and targets are rows keyed by ARN; a target's configuration is the AWS `Target` document
as sent (JSON). Archives keep their events as rows; replays, connections and API destinations have
tables of their own. Pending deliveries are `events.deliver` timer rows (core/timers), not a table.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass, field
from typing import Any

from cloudlet.core.db import Tx

MIGRATIONS: tuple[str, ...] = (
    """
    CREATE TABLE events_bus (
        arn TEXT PRIMARY KEY,
        account TEXT NOT NULL,
        region TEXT NOT NULL,
        name TEXT NOT NULL,
        description TEXT,
        kms_key TEXT,
        dead_letter TEXT,            -- JSON DeadLetterConfig or NULL
        policy TEXT,                 -- resource policy document (JSON text) or NULL
        tags TEXT NOT NULL DEFAULT '[]',
        created_at REAL NOT NULL,
        modified_at REAL NOT NULL
    ) WITHOUT ROWID;
    CREATE UNIQUE INDEX events_bus_name ON events_bus (account, region, name);
    CREATE TABLE events_rule (
        arn TEXT PRIMARY KEY,
        bus_arn TEXT NOT NULL,
        account TEXT NOT NULL,
        region TEXT NOT NULL,
        name TEXT NOT NULL,
        event_pattern TEXT,
        schedule TEXT,
        state TEXT NOT NULL,         -- ENABLED | DISABLED | ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS
        description TEXT,
        role_arn TEXT,
        managed_by TEXT,
        tags TEXT NOT NULL DEFAULT '[]',
        created_at REAL NOT NULL
    ) WITHOUT ROWID;
    CREATE UNIQUE INDEX events_rule_name ON events_rule (bus_arn, name);
    CREATE TABLE events_target (
        rule_arn TEXT NOT NULL,
        id TEXT NOT NULL,
        position INTEGER NOT NULL,   -- insertion order (ListTargetsByRule)
        arn TEXT NOT NULL,
        config TEXT NOT NULL,        -- the AWS Target document, JSON
        PRIMARY KEY (rule_arn, id)
    ) WITHOUT ROWID;
    CREATE INDEX events_target_arn ON events_target (arn);
    CREATE TABLE events_archive (
        arn TEXT PRIMARY KEY,
        account TEXT NOT NULL,
        region TEXT NOT NULL,
        name TEXT NOT NULL,
        source_arn TEXT NOT NULL,
        description TEXT,
        event_pattern TEXT,
        retention_days INTEGER NOT NULL DEFAULT 0,   -- 0: indefinitely
        state TEXT NOT NULL,
        created_at REAL NOT NULL
    ) WITHOUT ROWID;
    CREATE UNIQUE INDEX events_archive_name ON events_archive (account, region, name);
    CREATE TABLE events_archived (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        archive_arn TEXT NOT NULL,
        time REAL NOT NULL,          -- the event's time (replays select on it)
        archived_at REAL NOT NULL,
        size INTEGER NOT NULL,
        event TEXT NOT NULL          -- the event as delivered (JSON)
    );
    CREATE INDEX events_archived_time ON events_archived (archive_arn, time, seq);
    CREATE TABLE events_replay (
        arn TEXT PRIMARY KEY,
        account TEXT NOT NULL,
        region TEXT NOT NULL,
        name TEXT NOT NULL,
        document TEXT NOT NULL       -- JSON: source, destination, window, state, progress, timestamps
    ) WITHOUT ROWID;
    CREATE UNIQUE INDEX events_replay_name ON events_replay (account, region, name);
    CREATE TABLE events_connection (
        arn TEXT PRIMARY KEY,
        account TEXT NOT NULL,
        region TEXT NOT NULL,
        name TEXT NOT NULL,
        document TEXT NOT NULL       -- JSON: authorization type and parameters, state, timestamps
    ) WITHOUT ROWID;
    CREATE UNIQUE INDEX events_connection_name ON events_connection (account, region, name);
    CREATE TABLE events_api_destination (
        arn TEXT PRIMARY KEY,
        account TEXT NOT NULL,
        region TEXT NOT NULL,
        name TEXT NOT NULL,
        document TEXT NOT NULL       -- JSON: connection, endpoint, method, rate limit, state, timestamps
    ) WITHOUT ROWID;
    CREATE UNIQUE INDEX events_api_destination_name ON events_api_destination (account, region, name);
    """,
)


@dataclass(slots=True)
class Bus:
    arn: str
    account: str
    region: str
    name: str
    description: str | None = None
    kms_key: str | None = None
    dead_letter: dict[str, Any] | None = None
    policy: str | None = None
    tags: list[list[str]] = field(default_factory=list)
    created_at: float = 0.0
    modified_at: float = 0.0


@dataclass(slots=True)
class Rule:
    arn: str
    bus_arn: str
    account: str
    region: str
    name: str
    event_pattern: str | None
    schedule: str | None
    state: str
    description: str | None = None
    role_arn: str | None = None
    managed_by: str | None = None
    tags: list[list[str]] = field(default_factory=list)
    created_at: float = 0.0

    @property
    def bus_name(self) -> str:
        return self.bus_arn.rsplit("/", 1)[-1]


_BUS_COLUMNS = (
    "arn, account, region, name, description, kms_key, dead_letter, policy, tags, created_at, modified_at"
)
_RULE_COLUMNS = (
    "arn, bus_arn, account, region, name, event_pattern, schedule, state, description, role_arn, managed_by,"
    " tags, created_at"
)


def _bus(row: sqlite3.Row | tuple[Any, ...]) -> Bus:
    return Bus(
        row[0],
        row[1],
        row[2],
        row[3],
        row[4],
        row[5],
        json.loads(row[6]) if row[6] else None,
        row[7],
        json.loads(row[8]),
        row[9],
        row[10],
    )


def _rule(row: sqlite3.Row | tuple[Any, ...]) -> Rule:
    return Rule(*row[:11], json.loads(row[11]), row[12])


# --- buses ------------------------------------------------------------------------------------------


def get_bus(conn: sqlite3.Connection | Tx, arn: str) -> Bus | None:
    row = conn.execute(f"SELECT {_BUS_COLUMNS} FROM events_bus WHERE arn = ?", (arn,)).fetchone()
    return _bus(row) if row else None


def list_buses(conn: sqlite3.Connection, account: str, region: str) -> list[Bus]:
    rows = conn.execute(
        f"SELECT {_BUS_COLUMNS} FROM events_bus WHERE account = ? AND region = ? ORDER BY name",
        (account, region),
    ).fetchall()
    return [_bus(row) for row in rows]


def insert_bus(tx: Tx, bus: Bus) -> None:
    tx.execute(
        f"INSERT INTO events_bus ({_BUS_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            bus.arn,
            bus.account,
            bus.region,
            bus.name,
            bus.description,
            bus.kms_key,
            json.dumps(bus.dead_letter) if bus.dead_letter else None,
            bus.policy,
            json.dumps(bus.tags),
            bus.created_at,
            bus.modified_at,
        ),
    )


def update_bus(tx: Tx, bus: Bus) -> None:
    tx.execute(
        "UPDATE events_bus SET description = ?, kms_key = ?, dead_letter = ?, policy = ?, tags = ?,"
        " modified_at = ? WHERE arn = ?",
        (
            bus.description,
            bus.kms_key,
            json.dumps(bus.dead_letter) if bus.dead_letter else None,
            bus.policy,
            json.dumps(bus.tags),
            bus.modified_at,
            bus.arn,
        ),
    )


def delete_bus(tx: Tx, arn: str) -> None:
    tx.execute("DELETE FROM events_bus WHERE arn = ?", (arn,))


# --- rules and targets ---------------------------------------------------------------------------------


def get_rule(conn: sqlite3.Connection | Tx, arn: str) -> Rule | None:
    row = conn.execute(f"SELECT {_RULE_COLUMNS} FROM events_rule WHERE arn = ?", (arn,)).fetchone()
    return _rule(row) if row else None


def rules_of_bus(conn: sqlite3.Connection | Tx, bus_arn: str) -> list[Rule]:
    rows = conn.execute(
        f"SELECT {_RULE_COLUMNS} FROM events_rule WHERE bus_arn = ? ORDER BY name", (bus_arn,)
    ).fetchall()
    return [_rule(row) for row in rows]


def scheduled_rules(conn: sqlite3.Connection | Tx) -> list[Rule]:
    rows = conn.execute(f"SELECT {_RULE_COLUMNS} FROM events_rule WHERE schedule IS NOT NULL").fetchall()
    return [_rule(row) for row in rows]


def upsert_rule(tx: Tx, rule: Rule) -> None:
    tx.execute(
        f"INSERT OR REPLACE INTO events_rule ({_RULE_COLUMNS})"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            rule.arn,
            rule.bus_arn,
            rule.account,
            rule.region,
            rule.name,
            rule.event_pattern,
            rule.schedule,
            rule.state,
            rule.description,
            rule.role_arn,
            rule.managed_by,
            json.dumps(rule.tags),
            rule.created_at,
        ),
    )


def delete_rule(tx: Tx, arn: str) -> None:
    tx.execute("DELETE FROM events_target WHERE rule_arn = ?", (arn,))
    tx.execute("DELETE FROM events_rule WHERE arn = ?", (arn,))


def targets_of(conn: sqlite3.Connection | Tx, rule_arn: str) -> list[dict[str, Any]]:
    rows = conn.execute(
        "SELECT config FROM events_target WHERE rule_arn = ? ORDER BY position", (rule_arn,)
    ).fetchall()
    return [json.loads(row[0]) for row in rows]


def targets_of_bus(conn: sqlite3.Connection | Tx, bus_arn: str) -> dict[str, list[dict[str, Any]]]:
    """rule ARN → its targets, for every rule of the bus (one query)."""
    out: dict[str, list[dict[str, Any]]] = {}
    rows = conn.execute(
        "SELECT t.rule_arn, t.config FROM events_target t JOIN events_rule r ON r.arn = t.rule_arn"
        " WHERE r.bus_arn = ? ORDER BY t.rule_arn, t.position",
        (bus_arn,),
    ).fetchall()
    for rule_arn, config in rows:
        out.setdefault(rule_arn, []).append(json.loads(config))
    return out


def put_target(tx: Tx, rule_arn: str, target: dict[str, Any]) -> None:
    existing = tx.execute(
        "SELECT position FROM events_target WHERE rule_arn = ? AND id = ?", (rule_arn, target["Id"])
    ).fetchone()
    if existing is not None:
        position = existing[0]
    else:
        row = tx.execute(
            "SELECT COALESCE(MAX(position), 0) + 1 FROM events_target WHERE rule_arn = ?", (rule_arn,)
        ).fetchone()
        position = row[0]
    tx.execute(
        "INSERT OR REPLACE INTO events_target (rule_arn, id, position, arn, config) VALUES (?, ?, ?, ?, ?)",
        (rule_arn, target["Id"], position, target["Arn"], json.dumps(target)),
    )


def remove_target(tx: Tx, rule_arn: str, target_id: str) -> bool:
    cursor = tx.execute("DELETE FROM events_target WHERE rule_arn = ? AND id = ?", (rule_arn, target_id))
    return cursor.rowcount > 0


def rules_targeting(conn: sqlite3.Connection, target_arn: str, bus_arn: str) -> list[str]:
    rows = conn.execute(
        "SELECT DISTINCT r.name FROM events_target t JOIN events_rule r ON r.arn = t.rule_arn"
        " WHERE t.arn = ? AND r.bus_arn = ? ORDER BY r.name",
        (target_arn, bus_arn),
    ).fetchall()
    return [row[0] for row in rows]


# --- archives and replays ---------------------------------------------------------------------------------


@dataclass(slots=True)
class Archive:
    arn: str
    account: str
    region: str
    name: str
    source_arn: str
    description: str | None
    event_pattern: str | None
    retention_days: int
    state: str
    created_at: float


_ARCHIVE_COLUMNS = (
    "arn, account, region, name, source_arn, description, event_pattern, retention_days, state, created_at"
)


def get_archive(conn: sqlite3.Connection | Tx, arn: str) -> Archive | None:
    row = conn.execute(f"SELECT {_ARCHIVE_COLUMNS} FROM events_archive WHERE arn = ?", (arn,)).fetchone()
    return Archive(*row) if row else None


def list_archives(conn: sqlite3.Connection | Tx, account: str, region: str) -> list[Archive]:
    rows = conn.execute(
        f"SELECT {_ARCHIVE_COLUMNS} FROM events_archive WHERE account = ? AND region = ? ORDER BY name",
        (account, region),
    ).fetchall()
    return [Archive(*row) for row in rows]


def archives_of_bus(conn: sqlite3.Connection | Tx, bus: Bus) -> list[Archive]:
    rows = conn.execute(
        f"SELECT {_ARCHIVE_COLUMNS} FROM events_archive WHERE account = ? AND region = ? AND source_arn = ?",
        (bus.account, bus.region, bus.arn),
    ).fetchall()
    return [Archive(*row) for row in rows]


def put_archive(tx: Tx, archive: Archive) -> None:
    tx.execute(
        f"INSERT OR REPLACE INTO events_archive ({_ARCHIVE_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            archive.arn,
            archive.account,
            archive.region,
            archive.name,
            archive.source_arn,
            archive.description,
            archive.event_pattern,
            archive.retention_days,
            archive.state,
            archive.created_at,
        ),
    )


def delete_archive(tx: Tx, arn: str) -> None:
    """Delete the archive and every event it holds."""
    tx.execute("DELETE FROM events_archived WHERE archive_arn = ?", (arn,))
    tx.execute("DELETE FROM events_archive WHERE arn = ?", (arn,))


def archive_stats(conn: sqlite3.Connection | Tx, arns: list[str]) -> dict[str, tuple[int, int]]:
    """archive ARN → (EventCount, SizeBytes), for the archives that hold events."""
    if not arns:
        return {}
    marks = ",".join("?" * len(arns))
    rows = conn.execute(
        f"SELECT archive_arn, COUNT(*), COALESCE(SUM(size), 0) FROM events_archived"
        f" WHERE archive_arn IN ({marks}) GROUP BY archive_arn",
        arns,
    ).fetchall()
    return {row[0]: (int(row[1]), int(row[2])) for row in rows}


def insert_archived(tx: Tx, archive_arn: str, time: float, archived_at: float, size: int, event: str) -> None:
    tx.execute(
        "INSERT INTO events_archived (archive_arn, time, archived_at, size, event) VALUES (?, ?, ?, ?, ?)",
        (archive_arn, time, archived_at, size, event),
    )


def oldest_archived_at(conn: sqlite3.Connection | Tx, archive_arn: str) -> float | None:
    row = conn.execute(
        "SELECT MIN(archived_at) FROM events_archived WHERE archive_arn = ?", (archive_arn,)
    ).fetchone()
    return None if row is None or row[0] is None else float(row[0])


def delete_archived_before(tx: Tx, archive_arn: str, cutoff: float) -> int:
    """Delete the archive's events archived at or before `cutoff`; returns how many."""
    cursor = tx.execute(
        "DELETE FROM events_archived WHERE archive_arn = ? AND archived_at <= ?", (archive_arn, cutoff)
    )
    return cursor.rowcount


def archived_window(
    conn: sqlite3.Connection | Tx,
    archive_arn: str,
    start: float,
    end: float,
    after: tuple[float, int] | None,
    limit: int,
) -> list[tuple[int, float, str]]:
    """Up to `limit` (seq, time, event JSON) of the archive with start <= time < end, in (time, seq)
    order, after the `(time, seq)` cursor when one is given."""
    if after is None:
        rows = conn.execute(
            "SELECT seq, time, event FROM events_archived WHERE archive_arn = ? AND time >= ? AND time < ?"
            " ORDER BY time, seq LIMIT ?",
            (archive_arn, start, end, limit),
        ).fetchall()
    else:
        rows = conn.execute(
            "SELECT seq, time, event FROM events_archived WHERE archive_arn = ? AND time < ?"
            " AND (time > ? OR (time = ? AND seq > ?)) AND time >= ? ORDER BY time, seq LIMIT ?",
            (archive_arn, end, after[0], after[0], after[1], start, limit),
        ).fetchall()
    return [(int(row[0]), float(row[1]), str(row[2])) for row in rows]


def get_replay(conn: sqlite3.Connection | Tx, arn: str) -> dict[str, Any] | None:
    row = conn.execute("SELECT document FROM events_replay WHERE arn = ?", (arn,)).fetchone()
    return json.loads(row[0]) if row else None


def list_replays(conn: sqlite3.Connection | Tx, account: str, region: str) -> list[dict[str, Any]]:
    rows = conn.execute(
        "SELECT document FROM events_replay WHERE account = ? AND region = ? ORDER BY name", (account, region)
    ).fetchall()
    return [json.loads(row[0]) for row in rows]


def put_replay(tx: Tx, arn: str, account: str, region: str, name: str, document: dict[str, Any]) -> None:
    tx.execute(
        "INSERT OR REPLACE INTO events_replay (arn, account, region, name, document) VALUES (?, ?, ?, ?, ?)",
        (arn, account, region, name, json.dumps(document)),
    )


# --- connections and API destinations -------------------------------------------------------------------
# Both are JSON documents keyed by ARN; the table names differ, the statements do not.

_DOCUMENT_TABLES = {"connection": "events_connection", "api-destination": "events_api_destination"}


@dataclass(slots=True)
class Document:
    """A connection or API destination row: its key columns and its JSON document."""

    arn: str
    account: str
    region: str
    name: str
    document: dict[str, Any]


def _document(row: sqlite3.Row | tuple[Any, ...]) -> Document:
    return Document(row[0], row[1], row[2], row[3], json.loads(row[4]))


def get_document(
    conn: sqlite3.Connection | Tx, kind: str, account: str, region: str, name: str
) -> Document | None:
    """The connection or API destination (`kind`) named `name`."""
    row = conn.execute(
        f"SELECT arn, account, region, name, document FROM {_DOCUMENT_TABLES[kind]}"
        " WHERE account = ? AND region = ? AND name = ?",
        (account, region, name),
    ).fetchone()
    return _document(row) if row else None


def get_document_by_arn(conn: sqlite3.Connection | Tx, kind: str, arn: str) -> Document | None:
    row = conn.execute(
        f"SELECT arn, account, region, name, document FROM {_DOCUMENT_TABLES[kind]} WHERE arn = ?", (arn,)
    ).fetchone()
    return _document(row) if row else None


def list_documents(conn: sqlite3.Connection | Tx, kind: str, account: str, region: str) -> list[Document]:
    rows = conn.execute(
        f"SELECT arn, account, region, name, document FROM {_DOCUMENT_TABLES[kind]}"
        " WHERE account = ? AND region = ? ORDER BY name",
        (account, region),
    ).fetchall()
    return [_document(row) for row in rows]


def put_document(tx: Tx, kind: str, item: Document) -> None:
    tx.execute(
        f"INSERT OR REPLACE INTO {_DOCUMENT_TABLES[kind]} (arn, account, region, name, document)"
        " VALUES (?, ?, ?, ?, ?)",
        (item.arn, item.account, item.region, item.name, json.dumps(item.document)),
    )


def delete_document(tx: Tx, kind: str, arn: str) -> None:
    tx.execute(f"DELETE FROM {_DOCUMENT_TABLES[kind]} WHERE arn = ?", (arn,))
