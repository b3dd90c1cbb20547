"""Every SQL statement on the `lambda_*` tables, and their DDL.

A function's `$LATEST` configuration, each published version's snapshot, aliases, resource policies,
event-invoke configs and event source mappings are rows; configurations are JSON documents in the
shape of Lambda's FunctionConfiguration.
"""

from __future__ import annotations

import json
import sqlite3
from typing import Any

from cloudlet.core.db import Tx

MIGRATIONS: tuple[str, ...] = (
    """
    CREATE TABLE lambda_function (
        account TEXT NOT NULL,
        region TEXT NOT NULL,
        name TEXT NOT NULL,
        config TEXT NOT NULL,        -- $LATEST FunctionConfiguration (JSON)
        code TEXT NOT NULL,          -- {"dir": ..., "sha": ..., "size": ..., "hot": bool}
        tags TEXT NOT NULL,
        concurrency INTEGER,         -- reserved concurrency, NULL when unreserved
        next_version INTEGER NOT NULL DEFAULT 1,
        created_at REAL NOT NULL,
        PRIMARY KEY (account, region, name)
    ) WITHOUT ROWID;
    CREATE TABLE lambda_version (
        account TEXT NOT NULL,
        region TEXT NOT NULL,
        name TEXT NOT NULL,
        version TEXT NOT NULL,
        config TEXT NOT NULL,
        code TEXT NOT NULL,
        PRIMARY KEY (account, region, name, version)
    ) WITHOUT ROWID;
    CREATE TABLE lambda_alias (
        account TEXT NOT NULL,
        region TEXT NOT NULL,
        name TEXT NOT NULL,
        alias TEXT NOT NULL,
        config TEXT NOT NULL,        -- AliasConfiguration (JSON)
        PRIMARY KEY (account, region, name, alias)
    ) WITHOUT ROWID;
    CREATE TABLE lambda_policy (
        account TEXT NOT NULL,
        region TEXT NOT NULL,
        name TEXT NOT NULL,
        qualifier TEXT NOT NULL,     -- '' for the unqualified function
        policy TEXT NOT NULL,
        PRIMARY KEY (account, region, name, qualifier)
    ) WITHOUT ROWID;
    CREATE TABLE lambda_invoke_config (
        account TEXT NOT NULL,
        region TEXT NOT NULL,
        name TEXT NOT NULL,
        qualifier TEXT NOT NULL,
        config TEXT NOT NULL,
        PRIMARY KEY (account, region, name, qualifier)
    ) WITHOUT ROWID;
    CREATE TABLE lambda_esm (
        uuid TEXT PRIMARY KEY,
        account TEXT NOT NULL,
        region TEXT NOT NULL,
        function_name TEXT NOT NULL,
        source_arn TEXT NOT NULL,
        config TEXT NOT NULL
    );
    CREATE INDEX lambda_esm_source ON lambda_esm (source_arn);
    """,
)

Key = tuple[str, str, str]


def get_function(conn: sqlite3.Connection | Tx, key: Key) -> sqlite3.Row | None:
    return conn.execute(
        "SELECT * FROM lambda_function WHERE account = ? AND region = ? AND name = ?", key
    ).fetchone()


def insert_function(
    tx: Tx, key: Key, config: dict[str, Any], code: dict[str, Any], tags: dict[str, str], now: float
) -> None:
    tx.execute(
        "INSERT INTO lambda_function (account, region, name, config, code, tags, created_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?)",
        (*key, json.dumps(config), json.dumps(code), json.dumps(tags), now),
    )


def update_function(tx: Tx, key: Key, **columns: Any) -> None:
    sets = ", ".join(f"{name} = ?" for name in columns)
    values = [json.dumps(v) if isinstance(v, dict) else v for v in columns.values()]
    tx.execute(
        f"UPDATE lambda_function SET {sets} WHERE account = ? AND region = ? AND name = ?", (*values, *key)
    )


def delete_function(tx: Tx, key: Key) -> None:
    for table in ("lambda_version", "lambda_alias", "lambda_policy", "lambda_invoke_config"):
        tx.execute(f"DELETE FROM {table} WHERE account = ? AND region = ? AND name = ?", key)
    tx.execute("DELETE FROM lambda_function WHERE account = ? AND region = ? AND name = ?", key)


def list_functions(conn: sqlite3.Connection | Tx, account: str, region: str) -> list[sqlite3.Row]:
    return conn.execute(
        "SELECT * FROM lambda_function WHERE account = ? AND region = ? ORDER BY name", (account, region)
    ).fetchall()


def next_version(tx: Tx, key: Key) -> int:
    row = tx.fetchone(
        "UPDATE lambda_function SET next_version = next_version + 1 WHERE account = ? AND region = ? "
        "AND name = ? RETURNING next_version",
        key,
    )
    assert row is not None
    return int(row[0]) - 1


def insert_version(tx: Tx, key: Key, version: str, config: dict[str, Any], code: dict[str, Any]) -> None:
    tx.execute(
        "INSERT INTO lambda_version (account, region, name, version, config, code) VALUES (?, ?, ?, ?, ?, ?)",
        (*key, version, json.dumps(config), json.dumps(code)),
    )


def get_version(conn: sqlite3.Connection | Tx, key: Key, version: str) -> sqlite3.Row | None:
    return conn.execute(
        "SELECT * FROM lambda_version WHERE account = ? AND region = ? AND name = ? AND version = ?",
        (*key, version),
    ).fetchone()


def list_versions(conn: sqlite3.Connection | Tx, key: Key) -> list[sqlite3.Row]:
    return conn.execute(
        "SELECT * FROM lambda_version WHERE account = ? AND region = ? AND name = ? ORDER BY "
        "CAST(version AS INTEGER)",
        key,
    ).fetchall()


def delete_version(tx: Tx, key: Key, version: str) -> None:
    tx.execute(
        "DELETE FROM lambda_version WHERE account = ? AND region = ? AND name = ? AND version = ?",
        (*key, version),
    )


# -- aliases, policies, event-invoke configs --------------------------------------------------------


def get_doc(
    conn: sqlite3.Connection | Tx, table: str, column: str, key: Key, sub: str
) -> dict[str, Any] | None:
    """A JSON document of `table` keyed by function and `sub` (alias name or qualifier)."""
    sub_column = "alias" if table == "lambda_alias" else "qualifier"
    row = conn.execute(
        f"SELECT {column} FROM {table} WHERE account = ? AND region = ? AND name = ? AND {sub_column} = ?",
        (*key, sub),
    ).fetchone()
    return None if row is None else json.loads(row[0])


def put_doc(tx: Tx, table: str, column: str, key: Key, sub: str, doc: dict[str, Any]) -> None:
    sub_column = "alias" if table == "lambda_alias" else "qualifier"
    tx.execute(
        f"INSERT OR REPLACE INTO {table} (account, region, name, {sub_column}, {column}) VALUES (?, ?, "
        f"?, ?, ?)",
        (*key, sub, json.dumps(doc)),
    )


def delete_doc(tx: Tx, table: str, key: Key, sub: str) -> int:
    sub_column = "alias" if table == "lambda_alias" else "qualifier"
    return tx.execute(
        f"DELETE FROM {table} WHERE account = ? AND region = ? AND name = ? AND {sub_column} = ?", (*key, sub)
    ).rowcount


def list_docs(conn: sqlite3.Connection | Tx, table: str, column: str, key: Key) -> list[dict[str, Any]]:
    sub_column = "alias" if table == "lambda_alias" else "qualifier"
    rows = conn.execute(
        f"SELECT {column} FROM {table} WHERE account = ? AND region = ? AND name = ? ORDER BY {sub_column}",
        key,
    ).fetchall()
    return [json.loads(r[0]) for r in rows]


# -- event source mappings ---------------------------------------------------------------------------


def put_esm(
    tx: Tx, uuid: str, account: str, region: str, function_name: str, source_arn: str, config: dict[str, Any]
) -> None:
    tx.execute(
        "INSERT OR REPLACE INTO lambda_esm (uuid, account, region, function_name, source_arn, config) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        (uuid, account, region, function_name, source_arn, json.dumps(config)),
    )


def get_esm(conn: sqlite3.Connection | Tx, uuid: str) -> sqlite3.Row | None:
    return conn.execute("SELECT * FROM lambda_esm WHERE uuid = ?", (uuid,)).fetchone()


def list_esms(
    conn: sqlite3.Connection | Tx, account: str | None = None, region: str | None = None
) -> list[sqlite3.Row]:
    if account is None:
        return conn.execute("SELECT * FROM lambda_esm ORDER BY uuid").fetchall()
    return conn.execute(
        "SELECT * FROM lambda_esm WHERE account = ? AND region = ? ORDER BY uuid", (account, region)
    ).fetchall()


def delete_esm(tx: Tx, uuid: str) -> None:
    tx.execute("DELETE FROM lambda_esm WHERE uuid = ?", (uuid,))
