"""Every SQL statement on the `lambda_*` tables, and their DDL.

A function's `$LATEST` configuration, each published version's snapshot, aliases, resource policies,
event-invoke configs, event source mappings and layer versions are rows; configurations are JSON
documents in the shape of Lambda's FunctionConfiguration.
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
    """
    CREATE TABLE lambda_layer_version (
        account TEXT NOT NULL,
        region TEXT NOT NULL,
        name TEXT NOT NULL,
        version INTEGER NOT NULL,
        config TEXT NOT NULL,        -- the GetLayerVersion answer (JSON)
        code TEXT NOT NULL,          -- {"dir": ..., "sha": ..., "size": ..., "hot": bool}
        policy TEXT,                 -- resource policy (JSON), NULL when it has no statement
        deleted INTEGER NOT NULL DEFAULT 0,  -- kept for the functions that use it; numbers never reused
        PRIMARY KEY (account, region, name, version)
    ) WITHOUT ROWID;
    """,
    """
    CREATE TABLE lambda_url (
        url_id TEXT PRIMARY KEY,     -- the <url-id> of <url-id>.lambda-url.<region>.<domain>
        account TEXT NOT NULL,
        region TEXT NOT NULL,
        name TEXT NOT NULL,
        qualifier TEXT NOT NULL,     -- '' for the unqualified function, else an alias name
        config TEXT NOT NULL,        -- FunctionUrlConfig (JSON) without FunctionUrl (built per request)
        UNIQUE (account, region, name, qualifier)
    );
    -- A function URL goes with its function, and with its alias.
    CREATE TRIGGER lambda_url_function_deleted AFTER DELETE ON lambda_function BEGIN
        DELETE FROM lambda_url WHERE account = OLD.account AND region = OLD.region AND name = OLD.name;
    END;
    CREATE TRIGGER lambda_url_alias_deleted AFTER DELETE ON lambda_alias BEGIN
        DELETE FROM lambda_url
        WHERE account = OLD.account AND region = OLD.region AND name = OLD.name AND qualifier = OLD.alias;
    END;
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


# -- layers --------------------------------------------------------------------------------------------


def next_layer_version(tx: Tx, layer: Key) -> int:
    """The next version number of `layer`: deleted versions count, so a number is never reused."""
    row = tx.fetchone(
        "SELECT COALESCE(MAX(version), 0) + 1 FROM lambda_layer_version WHERE account = ? AND region = ? "
        "AND name = ?",
        layer,
    )
    assert row is not None
    return int(row[0])


def insert_layer_version(
    tx: Tx, layer: Key, version: int, config: dict[str, Any], code: dict[str, Any]
) -> None:
    tx.execute(
        "INSERT INTO lambda_layer_version (account, region, name, version, config, code) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        (*layer, version, json.dumps(config), json.dumps(code)),
    )


def get_layer_version(
    conn: sqlite3.Connection | Tx, layer: Key, version: int, *, deleted: bool = False
) -> sqlite3.Row | None:
    """A layer version; a deleted one only with `deleted=True` (the functions that use it)."""
    return conn.execute(
        "SELECT * FROM lambda_layer_version WHERE account = ? AND region = ? AND name = ? AND version = ?"
        + ("" if deleted else " AND deleted = 0"),
        (*layer, version),
    ).fetchone()


def list_layer_versions(
    conn: sqlite3.Connection | Tx, account: str, region: str, name: str | None = None
) -> list[sqlite3.Row]:
    """The live versions of one layer (or of every layer), by name, newest version first."""
    sql = "SELECT * FROM lambda_layer_version WHERE account = ? AND region = ? AND deleted = 0"
    params: tuple[str, ...] = (account, region)
    if name is not None:
        sql += " AND name = ?"
        params += (name,)
    return conn.execute(sql + " ORDER BY name, version DESC", params).fetchall()


def delete_layer_version(tx: Tx, layer: Key, version: int) -> None:
    tx.execute(
        "UPDATE lambda_layer_version SET deleted = 1, policy = NULL WHERE account = ? AND region = ? "
        "AND name = ? AND version = ?",
        (*layer, version),
    )


def put_layer_policy(tx: Tx, layer: Key, version: int, policy: dict[str, Any] | None) -> None:
    tx.execute(
        "UPDATE lambda_layer_version SET policy = ? WHERE account = ? AND region = ? AND name = ? "
        "AND version = ?",
        (None if policy is None else json.dumps(policy), *layer, version),
    )


# -- function URLs -----------------------------------------------------------------------------------


def insert_url(tx: Tx, url_id: str, key: Key, qualifier: str, config: dict[str, Any]) -> None:
    tx.execute(
        "INSERT INTO lambda_url (url_id, account, region, name, qualifier, config) VALUES (?, ?, ?, ?, ?, ?)",
        (url_id, *key, qualifier, json.dumps(config)),
    )


def update_url(tx: Tx, url_id: str, config: dict[str, Any]) -> None:
    tx.execute("UPDATE lambda_url SET config = ? WHERE url_id = ?", (json.dumps(config), url_id))


def get_url(conn: sqlite3.Connection | Tx, key: Key, qualifier: str) -> sqlite3.Row | None:
    """The function URL of `key` for `qualifier` ('' for the unqualified function)."""
    return conn.execute(
        "SELECT * FROM lambda_url WHERE account = ? AND region = ? AND name = ? AND qualifier = ?",
        (*key, qualifier),
    ).fetchone()


def get_url_by_id(conn: sqlite3.Connection | Tx, url_id: str) -> sqlite3.Row | None:
    return conn.execute("SELECT * FROM lambda_url WHERE url_id = ?", (url_id,)).fetchone()


def list_urls(conn: sqlite3.Connection | Tx, key: Key) -> list[sqlite3.Row]:
    return conn.execute(
        "SELECT * FROM lambda_url WHERE account = ? AND region = ? AND name = ? ORDER BY qualifier", key
    ).fetchall()


def delete_url(tx: Tx, url_id: str) -> None:
    tx.execute("DELETE FROM lambda_url WHERE url_id = ?", (url_id,))
