"""Every SQL statement on the `cloudformation_*` tables, and their DDL.

Stacks, their resources (one row per logical id, with the physical id, resolved properties and
attributes, and `previous`: what the row held before the update in progress, for rollback), events,
change sets, exports and imports. JSON columns hold lists and maps.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass, field
from typing import Any

from cloudlet.core.db import Tx

MIGRATIONS: tuple[str, ...] = (
    """
    CREATE TABLE cloudformation_stack (
        stack_id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        account TEXT NOT NULL,
        region TEXT NOT NULL,
        status TEXT NOT NULL,
        status_reason TEXT,
        description TEXT,
        template TEXT,               -- the body as submitted
        processed TEXT,              -- JSON of the template after transforms
        parameters TEXT NOT NULL,    -- JSON [{ParameterKey, ParameterValue, ...}]
        capabilities TEXT NOT NULL,
        outputs TEXT NOT NULL,       -- JSON [{OutputKey, OutputValue, Description, ExportName}]
        tags TEXT NOT NULL,
        notification_arns TEXT NOT NULL,
        timeout INTEGER,
        disable_rollback INTEGER NOT NULL DEFAULT 0,
        on_failure TEXT,
        termination_protection INTEGER NOT NULL DEFAULT 0,
        policy TEXT,
        role_arn TEXT,
        change_set_id TEXT,
        template_dir TEXT,
        previous TEXT,               -- JSON snapshot of the stack before the update in progress
        created_at REAL NOT NULL,
        updated_at REAL,
        deleted_at REAL
    );
    CREATE INDEX cloudformation_stack_name ON cloudformation_stack (account, region, name);
    CREATE TABLE cloudformation_resource (
        stack_id TEXT NOT NULL,
        logical_id TEXT NOT NULL,
        type TEXT NOT NULL,
        physical_id TEXT,
        status TEXT NOT NULL,
        status_reason TEXT,
        properties TEXT NOT NULL,
        attributes TEXT NOT NULL,
        ref TEXT,
        previous TEXT,
        seq INTEGER NOT NULL,
        updated_at REAL NOT NULL,
        PRIMARY KEY (stack_id, logical_id)
    ) WITHOUT ROWID;
    CREATE TABLE cloudformation_event (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        stack_id TEXT NOT NULL,
        event_id TEXT NOT NULL,
        logical_id TEXT NOT NULL,
        physical_id TEXT,
        type TEXT NOT NULL,
        status TEXT NOT NULL,
        reason TEXT,
        properties TEXT,
        client_token TEXT,
        timestamp REAL NOT NULL
    );
    CREATE INDEX cloudformation_event_stack ON cloudformation_event (stack_id, seq);
    CREATE TABLE cloudformation_change_set (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        stack_id TEXT NOT NULL,
        type TEXT NOT NULL,
        status TEXT NOT NULL,
        status_reason TEXT,
        execution_status TEXT NOT NULL,
        description TEXT,
        request TEXT NOT NULL,       -- JSON: template, parameters, capabilities, tags ... as submitted
        changes TEXT NOT NULL,
        created_at REAL NOT NULL
    );
    CREATE INDEX cloudformation_change_set_stack ON cloudformation_change_set (stack_id, name);
    CREATE TABLE cloudformation_export (
        account TEXT NOT NULL,
        region TEXT NOT NULL,
        name TEXT NOT NULL,
        value TEXT NOT NULL,
        stack_id TEXT NOT NULL,
        PRIMARY KEY (account, region, name)
    ) WITHOUT ROWID;
    CREATE TABLE cloudformation_import (
        account TEXT NOT NULL,
        region TEXT NOT NULL,
        name TEXT NOT NULL,
        stack_id TEXT NOT NULL,
        PRIMARY KEY (account, region, name, stack_id)
    ) WITHOUT ROWID;
    """,
)

_JSON_STACK = ("parameters", "capabilities", "outputs", "tags", "notification_arns")


@dataclass
class Stack:
    stack_id: str
    name: str
    account: str
    region: str
    status: str
    created_at: float
    status_reason: str | None = None
    description: str | None = None
    template: str | None = None
    processed: dict[str, Any] | None = None
    parameters: list[dict[str, Any]] = field(default_factory=list)
    capabilities: list[str] = field(default_factory=list)
    outputs: list[dict[str, Any]] = field(default_factory=list)
    tags: list[dict[str, str]] = field(default_factory=list)
    notification_arns: list[str] = field(default_factory=list)
    timeout: int | None = None
    disable_rollback: bool = False
    on_failure: str | None = None
    termination_protection: bool = False
    policy: str | None = None
    role_arn: str | None = None
    change_set_id: str | None = None
    template_dir: str | None = None
    previous: dict[str, Any] | None = None
    updated_at: float | None = None
    deleted_at: float | None = None


_STACK_COLUMNS = tuple(Stack.__dataclass_fields__)


def _stack(row: sqlite3.Row) -> Stack:
    values = dict(row)
    for key in _JSON_STACK:
        values[key] = json.loads(values[key])
    for key in ("processed", "previous"):
        values[key] = json.loads(values[key]) if values[key] else None
    values["disable_rollback"] = bool(values["disable_rollback"])
    values["termination_protection"] = bool(values["termination_protection"])
    return Stack(**values)


def save_stack(tx: Tx, stack: Stack) -> None:
    values: dict[str, Any] = {name: getattr(stack, name) for name in _STACK_COLUMNS}
    for key in _JSON_STACK:
        values[key] = json.dumps(values[key])
    for key in ("processed", "previous"):
        values[key] = None if values[key] is None else json.dumps(values[key])
    values["disable_rollback"] = int(stack.disable_rollback)
    values["termination_protection"] = int(stack.termination_protection)
    columns = ", ".join(_STACK_COLUMNS)
    marks = ", ".join(f":{name}" for name in _STACK_COLUMNS)
    tx.execute(f"INSERT OR REPLACE INTO cloudformation_stack ({columns}) VALUES ({marks})", values)


def stack_by_id(tx: Tx | sqlite3.Connection, stack_id: str) -> Stack | None:
    row = tx.execute("SELECT * FROM cloudformation_stack WHERE stack_id = ?", (stack_id,)).fetchone()
    return None if row is None else _stack(row)


def live_stack_by_name(tx: Tx | sqlite3.Connection, account: str, region: str, name: str) -> Stack | None:
    row = tx.execute(
        "SELECT * FROM cloudformation_stack WHERE account = ? AND region = ? AND name = ? "
        "AND status != 'DELETE_COMPLETE' ORDER BY created_at DESC LIMIT 1",
        (account, region, name),
    ).fetchone()
    return None if row is None else _stack(row)


def stacks(tx: Tx | sqlite3.Connection, account: str, region: str, *, deleted: bool) -> list[Stack]:
    sql = "SELECT * FROM cloudformation_stack WHERE account = ? AND region = ?"
    if not deleted:
        sql += " AND status != 'DELETE_COMPLETE'"
    rows = tx.execute(sql + " ORDER BY created_at DESC", (account, region)).fetchall()
    return [_stack(row) for row in rows]


def stacks_in_progress(tx: Tx | sqlite3.Connection) -> list[Stack]:
    rows = tx.execute(
        "SELECT * FROM cloudformation_stack "
        "WHERE status LIKE '%IN_PROGRESS' AND status != 'REVIEW_IN_PROGRESS'"
    ).fetchall()
    return [_stack(row) for row in rows]


# -- resources --------------------------------------------------------------------------------------


@dataclass
class ResourceRow:
    stack_id: str
    logical_id: str
    type: str
    status: str
    updated_at: float
    physical_id: str | None = None
    status_reason: str | None = None
    properties: dict[str, Any] = field(default_factory=dict)
    attributes: dict[str, Any] = field(default_factory=dict)
    ref: str | None = None
    previous: dict[str, Any] | None = None
    seq: int = 0


_RESOURCE_COLUMNS = tuple(ResourceRow.__dataclass_fields__)


def _resource(row: sqlite3.Row) -> ResourceRow:
    values = dict(row)
    values["properties"] = json.loads(values["properties"])
    values["attributes"] = json.loads(values["attributes"])
    values["previous"] = json.loads(values["previous"]) if values["previous"] else None
    return ResourceRow(**values)


def save_resource(tx: Tx, row: ResourceRow) -> None:
    values: dict[str, Any] = {name: getattr(row, name) for name in _RESOURCE_COLUMNS}
    values["properties"] = json.dumps(row.properties)
    values["attributes"] = json.dumps(row.attributes, default=str)
    values["previous"] = None if row.previous is None else json.dumps(row.previous, default=str)
    columns = ", ".join(_RESOURCE_COLUMNS)
    marks = ", ".join(f":{name}" for name in _RESOURCE_COLUMNS)
    tx.execute(f"INSERT OR REPLACE INTO cloudformation_resource ({columns}) VALUES ({marks})", values)


def delete_resource(tx: Tx, stack_id: str, logical_id: str) -> None:
    tx.execute(
        "DELETE FROM cloudformation_resource WHERE stack_id = ? AND logical_id = ?", (stack_id, logical_id)
    )


def resources(tx: Tx | sqlite3.Connection, stack_id: str) -> list[ResourceRow]:
    rows = tx.execute(
        "SELECT * FROM cloudformation_resource WHERE stack_id = ? ORDER BY seq, logical_id", (stack_id,)
    ).fetchall()
    return [_resource(row) for row in rows]


def resource(tx: Tx | sqlite3.Connection, stack_id: str, logical_id: str) -> ResourceRow | None:
    row = tx.execute(
        "SELECT * FROM cloudformation_resource WHERE stack_id = ? AND logical_id = ?", (stack_id, logical_id)
    ).fetchone()
    return None if row is None else _resource(row)


def resources_by_physical_id(tx: Tx | sqlite3.Connection, physical_id: str) -> list[ResourceRow]:
    rows = tx.execute(
        "SELECT * FROM cloudformation_resource WHERE physical_id = ?", (physical_id,)
    ).fetchall()
    return [_resource(row) for row in rows]


# -- events -----------------------------------------------------------------------------------------


def add_event(tx: Tx, stack_id: str, values: dict[str, Any]) -> None:
    tx.execute(
        "INSERT INTO cloudformation_event (stack_id, event_id, logical_id, physical_id, type, status, "
        "reason, properties, client_token, timestamp) "
        "VALUES (:stack_id, :event_id, :logical_id, :physical_id, :type, "
        ":status, :reason, :properties, :client_token, :timestamp)",
        {"stack_id": stack_id, **values},
    )


def events(tx: Tx | sqlite3.Connection, stack_id: str) -> list[dict[str, Any]]:
    rows = tx.execute(
        "SELECT * FROM cloudformation_event WHERE stack_id = ? ORDER BY seq DESC", (stack_id,)
    ).fetchall()
    return [dict(row) for row in rows]


# -- change sets ------------------------------------------------------------------------------------


def save_change_set(tx: Tx, values: dict[str, Any]) -> None:
    row = dict(values)
    row["request"] = json.dumps(row["request"])
    row["changes"] = json.dumps(row["changes"])
    columns = ", ".join(row)
    marks = ", ".join(f":{name}" for name in row)
    tx.execute(f"INSERT OR REPLACE INTO cloudformation_change_set ({columns}) VALUES ({marks})", row)


def _change_set(row: sqlite3.Row) -> dict[str, Any]:
    values = dict(row)
    values["request"] = json.loads(values["request"])
    values["changes"] = json.loads(values["changes"])
    return values


def change_set_by_id(tx: Tx | sqlite3.Connection, change_set_id: str) -> dict[str, Any] | None:
    row = tx.execute("SELECT * FROM cloudformation_change_set WHERE id = ?", (change_set_id,)).fetchone()
    return None if row is None else _change_set(row)


def change_set_by_name(tx: Tx | sqlite3.Connection, stack_id: str, name: str) -> dict[str, Any] | None:
    row = tx.execute(
        "SELECT * FROM cloudformation_change_set WHERE stack_id = ? AND name = ?", (stack_id, name)
    ).fetchone()
    return None if row is None else _change_set(row)


def change_sets(tx: Tx | sqlite3.Connection, stack_id: str) -> list[dict[str, Any]]:
    rows = tx.execute(
        "SELECT * FROM cloudformation_change_set WHERE stack_id = ? ORDER BY created_at", (stack_id,)
    ).fetchall()
    return [_change_set(row) for row in rows]


def delete_change_set(tx: Tx, change_set_id: str) -> None:
    tx.execute("DELETE FROM cloudformation_change_set WHERE id = ?", (change_set_id,))


def delete_change_sets(tx: Tx, stack_id: str) -> None:
    tx.execute("DELETE FROM cloudformation_change_set WHERE stack_id = ?", (stack_id,))


# -- exports and imports ----------------------------------------------------------------------------


def exports(tx: Tx | sqlite3.Connection, account: str, region: str) -> list[dict[str, Any]]:
    rows = tx.execute(
        "SELECT * FROM cloudformation_export WHERE account = ? AND region = ? ORDER BY name",
        (account, region),
    ).fetchall()
    return [dict(row) for row in rows]


def export(tx: Tx | sqlite3.Connection, account: str, region: str, name: str) -> dict[str, Any] | None:
    row = tx.execute(
        "SELECT * FROM cloudformation_export WHERE account = ? AND region = ? AND name = ?",
        (account, region, name),
    ).fetchone()
    return None if row is None else dict(row)


def set_exports(tx: Tx, stack: Stack, values: dict[str, str]) -> None:
    tx.execute("DELETE FROM cloudformation_export WHERE stack_id = ?", (stack.stack_id,))
    tx.executemany(
        "INSERT INTO cloudformation_export (account, region, name, value, stack_id) VALUES (?, ?, ?, ?, ?)",
        [(stack.account, stack.region, name, value, stack.stack_id) for name, value in values.items()],
    )


def importers(tx: Tx | sqlite3.Connection, account: str, region: str, name: str) -> list[str]:
    """Stack ids importing export `name`."""
    rows = tx.execute(
        "SELECT stack_id FROM cloudformation_import WHERE account = ? AND region = ? AND name = ? "
        "ORDER BY stack_id",
        (account, region, name),
    ).fetchall()
    return [row[0] for row in rows]


def set_imports(tx: Tx, stack: Stack, names: set[str]) -> None:
    tx.execute("DELETE FROM cloudformation_import WHERE stack_id = ?", (stack.stack_id,))
    tx.executemany(
        "INSERT INTO cloudformation_import (account, region, name, stack_id) VALUES (?, ?, ?, ?)",
        [(stack.account, stack.region, name, stack.stack_id) for name in sorted(names)],
    )
