"""Every SQL statement on the `ddb_*` tables, and their DDL.

A table is a row keyed by ARN with its definition (the CreateTable members, AWS names) as JSON and a
small integer id. Items are rows keyed by (table id, partition key bytes, sort key bytes) — key bytes
from `keys.encode`, so SQLite's BLOB order is DynamoDB's key order — holding the item in DynamoDB's
typed JSON. Secondary index entries are rows of their own, maintained on every write. Stream records
are rows in write order. Modules that own a noun add their SQL below its section heading.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass, field
from typing import Any

from cloudlet.core.db import Tx

MIGRATIONS: tuple[str, ...] = (
    """
    CREATE TABLE ddb_table (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        arn TEXT NOT NULL UNIQUE,
        account TEXT NOT NULL,
        region TEXT NOT NULL,
        name TEXT NOT NULL,
        status TEXT NOT NULL,            -- CREATING | ACTIVE | UPDATING | DELETING
        definition TEXT NOT NULL,        -- JSON: KeySchema, AttributeDefinitions, indexes, billing, stream...
        created_at REAL NOT NULL,
        table_uuid TEXT NOT NULL,
        stream_label TEXT,               -- current stream (None: no stream)
        ttl_attribute TEXT,              -- TimeToLive attribute when enabled
        tags TEXT NOT NULL DEFAULT '[]'
    );
    CREATE UNIQUE INDEX ddb_table_name ON ddb_table (account, region, name);
    CREATE TABLE ddb_item (
        table_id INTEGER NOT NULL,
        pk BLOB NOT NULL,
        sk BLOB NOT NULL,                -- x'' for tables without a sort key
        item TEXT NOT NULL,              -- the item, DynamoDB typed JSON
        size INTEGER NOT NULL,           -- DynamoDB's item size in bytes
        expires_at REAL,                 -- TTL attribute value when the table has TTL enabled
        PRIMARY KEY (table_id, pk, sk)
    ) WITHOUT ROWID;
    CREATE INDEX ddb_item_expiry ON ddb_item (table_id, expires_at) WHERE expires_at IS NOT NULL;
    CREATE TABLE ddb_index_item (
        table_id INTEGER NOT NULL,
        index_name TEXT NOT NULL,
        ipk BLOB NOT NULL,               -- index partition key bytes
        isk BLOB NOT NULL,               -- index sort key bytes (x'' when none)
        pk BLOB NOT NULL,                -- the table key, so entries are unique and point back
        sk BLOB NOT NULL,
        item TEXT NOT NULL,              -- the projected item
        PRIMARY KEY (table_id, index_name, ipk, isk, pk, sk)
    ) WITHOUT ROWID;
    CREATE INDEX ddb_index_item_base ON ddb_index_item (table_id, pk, sk);
    CREATE TABLE ddb_stream_record (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        table_id INTEGER NOT NULL,
        stream_label TEXT NOT NULL,
        created_at REAL NOT NULL,
        record TEXT NOT NULL             -- the stream record's `dynamodb` part and eventName, JSON
    );
    CREATE INDEX ddb_stream_record_stream ON ddb_stream_record (table_id, stream_label, seq);
    CREATE TABLE ddb_transaction_token (
        account TEXT NOT NULL,
        region TEXT NOT NULL,
        token TEXT NOT NULL,
        digest TEXT NOT NULL,            -- of the request, for IdempotentParameterMismatch
        response TEXT NOT NULL,
        expires_at REAL NOT NULL,
        PRIMARY KEY (account, region, token)
    ) WITHOUT ROWID;
    """,
)


@dataclass(slots=True)
class Table:
    id: int
    arn: str
    account: str
    region: str
    name: str
    status: str
    definition: dict[str, Any]
    created_at: float
    table_uuid: str
    stream_label: str | None = None
    ttl_attribute: str | None = None
    tags: list[list[str]] = field(default_factory=list)

    @property
    def key_schema(self) -> list[dict[str, str]]:
        return list(self.definition["KeySchema"])

    def attribute_type(self, name: str) -> str:
        for attribute in self.definition["AttributeDefinitions"]:
            if attribute["AttributeName"] == name:
                return str(attribute["AttributeType"])
        raise KeyError(name)

    @property
    def hash_key(self) -> str:
        return next(k["AttributeName"] for k in self.key_schema if k["KeyType"] == "HASH")

    @property
    def range_key(self) -> str | None:
        return next((k["AttributeName"] for k in self.key_schema if k["KeyType"] == "RANGE"), None)


_TABLE_COLUMNS = (
    "id, arn, account, region, name, status, definition, created_at, table_uuid, stream_label, ttl_attribute,"
    " tags"
)


def _table(row: sqlite3.Row | tuple[Any, ...]) -> Table:
    return Table(
        row[0],
        row[1],
        row[2],
        row[3],
        row[4],
        row[5],
        json.loads(row[6]),
        row[7],
        row[8],
        row[9],
        row[10],
        json.loads(row[11]),
    )


# --- tables -------------------------------------------------------------------------------------------


def get_table(conn: sqlite3.Connection | Tx, account: str, region: str, name: str) -> Table | None:
    row = conn.execute(
        f"SELECT {_TABLE_COLUMNS} FROM ddb_table WHERE account = ? AND region = ? AND name = ?",
        (account, region, name),
    ).fetchone()
    return _table(row) if row else None


def get_table_by_arn(conn: sqlite3.Connection | Tx, arn: str) -> Table | None:
    row = conn.execute(f"SELECT {_TABLE_COLUMNS} FROM ddb_table WHERE arn = ?", (arn,)).fetchone()
    return _table(row) if row else None


def list_tables(conn: sqlite3.Connection, account: str, region: str) -> list[Table]:
    rows = conn.execute(
        f"SELECT {_TABLE_COLUMNS} FROM ddb_table WHERE account = ? AND region = ? ORDER BY name",
        (account, region),
    ).fetchall()
    return [_table(row) for row in rows]


def insert_table(tx: Tx, table: Table) -> Table:
    cursor = tx.execute(
        "INSERT INTO ddb_table (arn, account, region, name, status, definition, created_at, table_uuid,"
        " stream_label, ttl_attribute, tags) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            table.arn,
            table.account,
            table.region,
            table.name,
            table.status,
            json.dumps(table.definition),
            table.created_at,
            table.table_uuid,
            table.stream_label,
            table.ttl_attribute,
            json.dumps(table.tags),
        ),
    )
    table.id = int(cursor.lastrowid or 0)
    return table


def update_table(tx: Tx, table: Table) -> None:
    tx.execute(
        "UPDATE ddb_table SET status = ?, definition = ?, stream_label = ?, ttl_attribute = ?, tags = ?"
        " WHERE id = ?",
        (
            table.status,
            json.dumps(table.definition),
            table.stream_label,
            table.ttl_attribute,
            json.dumps(table.tags),
            table.id,
        ),
    )


def delete_table(tx: Tx, table_id: int) -> None:
    tx.execute("DELETE FROM ddb_index_item WHERE table_id = ?", (table_id,))
    tx.execute("DELETE FROM ddb_item WHERE table_id = ?", (table_id,))
    tx.execute("DELETE FROM ddb_table WHERE id = ?", (table_id,))


def table_stats(conn: sqlite3.Connection | Tx, table_id: int) -> tuple[int, int]:
    """(ItemCount, TableSizeBytes)."""
    row = conn.execute(
        "SELECT COUNT(*), COALESCE(SUM(size), 0) FROM ddb_item WHERE table_id = ?", (table_id,)
    ).fetchone()
    return int(row[0]), int(row[1])


# --- items ----------------------------------------------------------------------------------------------


def get_item(conn: sqlite3.Connection | Tx, table_id: int, pk: bytes, sk: bytes) -> dict[str, Any] | None:
    row = conn.execute(
        "SELECT item FROM ddb_item WHERE table_id = ? AND pk = ? AND sk = ?", (table_id, pk, sk)
    ).fetchone()
    return json.loads(row[0]) if row else None


def put_item(
    tx: Tx, table_id: int, pk: bytes, sk: bytes, item: dict[str, Any], size: int, expires_at: float | None
) -> None:
    tx.execute(
        "INSERT OR REPLACE INTO ddb_item (table_id, pk, sk, item, size, expires_at)"
        " VALUES (?, ?, ?, ?, ?, ?)",
        (table_id, pk, sk, json.dumps(item, separators=(",", ":")), size, expires_at),
    )


def delete_item(tx: Tx, table_id: int, pk: bytes, sk: bytes) -> None:
    tx.execute("DELETE FROM ddb_item WHERE table_id = ? AND pk = ? AND sk = ?", (table_id, pk, sk))
