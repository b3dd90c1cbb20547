"""Every SQL statement on the `apigw_*` tables, and their DDL.

Each API Gateway resource is one row holding its AWS document (the output shape of its Get operation,
JSON), keyed by `(account, region, kind, scope, id)`:

- `kind` names the resource: v1 `restapi`, `resource`, `deployment`, `snapshot`, `stage`, `authorizer`,
  `model`, `validator`, `gatewayresponse`, `apikey`, `usageplan`, `usageplankey`, `tags`; v2 `httpapi`,
  `route`, `integration`, `integrationresponse`, `routeresponse`, `deployment2`, `snapshot2`, `stage2`,
  `authorizer2`, `model2`.
- `scope` is '' for account-level resources (APIs, API keys, usage plans), the API id for what belongs
  to one API, and `<api-id>/<parent-id>` below that (v2 integration and route responses), or the usage
  plan id for usage plan keys.
- v1 methods, method responses, integrations and integration responses live inside their resource's
  document under `resourceMethods` (AWS's `GetResource(embed=methods)` shape).

Insertion order (rowid) is list order. Usage-plan quota counters have a table of their own.
"""

from __future__ import annotations

import json
import sqlite3
from typing import Any

from cloudlet.core.db import Tx

MIGRATIONS: tuple[str, ...] = (
    """
    CREATE TABLE apigw_doc (
        account TEXT NOT NULL,
        region TEXT NOT NULL,
        kind TEXT NOT NULL,
        scope TEXT NOT NULL,
        id TEXT NOT NULL,
        doc TEXT NOT NULL,           -- the resource's AWS document, JSON
        PRIMARY KEY (account, region, kind, scope, id)
    );
    CREATE INDEX apigw_doc_id ON apigw_doc (id, kind);
    CREATE INDEX apigw_doc_scope ON apigw_doc (account, region, scope);
    CREATE TABLE apigw_usage (
        plan_id TEXT NOT NULL,
        key_id TEXT NOT NULL,
        period TEXT NOT NULL,        -- the quota period the count belongs to (e.g. '2026-12-06' for DAY)
        used INTEGER NOT NULL,
        PRIMARY KEY (plan_id, key_id, period)
    ) WITHOUT ROWID;
    """,
)

Conn = sqlite3.Connection | Tx
Where = tuple[str, str, str, str]
"""(account, region, kind, scope)."""


def get(conn: Conn, account: str, region: str, kind: str, scope: str, id_: str) -> dict[str, Any] | None:
    row = conn.execute(
        "SELECT doc FROM apigw_doc WHERE account = ? AND region = ? AND kind = ? AND scope = ? AND id = ?",
        (account, region, kind, scope, id_),
    ).fetchone()
    return json.loads(row[0]) if row else None


def put(tx: Tx, account: str, region: str, kind: str, scope: str, id_: str, doc: dict[str, Any]) -> None:
    """Insert or replace (a replaced row keeps its place in list order)."""
    text = json.dumps(doc, separators=(",", ":"))
    updated = tx.execute(
        "UPDATE apigw_doc SET doc = ? WHERE account = ? AND region = ? AND kind = ? AND scope = ? AND id = ?",
        (text, account, region, kind, scope, id_),
    ).rowcount
    if not updated:
        tx.execute(
            "INSERT INTO apigw_doc (account, region, kind, scope, id, doc) VALUES (?, ?, ?, ?, ?, ?)",
            (account, region, kind, scope, id_, text),
        )


def delete(tx: Tx, account: str, region: str, kind: str, scope: str, id_: str) -> bool:
    return bool(
        tx.execute(
            "DELETE FROM apigw_doc WHERE account = ? AND region = ? AND kind = ? AND scope = ? AND id = ?",
            (account, region, kind, scope, id_),
        ).rowcount
    )


def list_docs(
    conn: Conn, account: str, region: str, kind: str, scope: str
) -> list[tuple[str, dict[str, Any]]]:
    """(id, document) of every `kind` in `scope`, in creation order."""
    rows = conn.execute(
        "SELECT id, doc FROM apigw_doc WHERE account = ? AND region = ? AND kind = ? AND scope = ?"
        " ORDER BY rowid",
        (account, region, kind, scope),
    ).fetchall()
    return [(row[0], json.loads(row[1])) for row in rows]


def delete_scope(tx: Tx, account: str, region: str, scope: str) -> None:
    """Everything that belongs to `scope` (an API id): its resources and theirs (`<scope>/...`)."""
    tx.execute(
        "DELETE FROM apigw_doc WHERE account = ? AND region = ? AND (scope = ? OR scope LIKE ? ESCAPE '\\')",
        (account, region, scope, scope.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "/%"),
    )


def find_api(conn: Conn, api_id: str) -> tuple[str, str, str, dict[str, Any]] | None:
    """(account, region, kind, document) of the REST (`restapi`) or HTTP (`httpapi`) API `api_id`, in
    any account and region (an invoke URL names only the API id)."""
    row = conn.execute(
        "SELECT account, region, kind, doc FROM apigw_doc WHERE id = ? AND kind IN ('restapi', 'httpapi')"
        " AND scope = '' LIMIT 1",
        (api_id,),
    ).fetchone()
    return (row[0], row[1], row[2], json.loads(row[3])) if row else None


def exists_id(conn: Conn, kind: str, id_: str) -> bool:
    """True when any `kind` row has this id (to keep generated ids unique)."""
    return (
        conn.execute("SELECT 1 FROM apigw_doc WHERE id = ? AND kind = ? LIMIT 1", (id_, kind)).fetchone()
        is not None
    )


# -- usage plan quotas -------------------------------------------------------------------------------


def usage_add(tx: Tx, plan_id: str, key_id: str, period: str, n: int = 1) -> int:
    """Add `n` to the count of (plan, key, period); returns the new count."""
    tx.execute(
        "INSERT INTO apigw_usage (plan_id, key_id, period, used) VALUES (?, ?, ?, ?)"
        " ON CONFLICT (plan_id, key_id, period) DO UPDATE SET used = used + excluded.used",
        (plan_id, key_id, period, n),
    )
    return usage_get(tx, plan_id, key_id, period)


def usage_get(conn: Conn, plan_id: str, key_id: str, period: str) -> int:
    row = conn.execute(
        "SELECT used FROM apigw_usage WHERE plan_id = ? AND key_id = ? AND period = ?",
        (plan_id, key_id, period),
    ).fetchone()
    return int(row[0]) if row else 0


def usage_rows(conn: Conn, plan_id: str) -> list[tuple[str, str, int]]:
    """(key id, period, used) of a plan, oldest period first."""
    rows = conn.execute(
        "SELECT key_id, period, used FROM apigw_usage WHERE plan_id = ? ORDER BY period, key_id", (plan_id,)
    ).fetchall()
    return [(row[0], row[1], int(row[2])) for row in rows]


def usage_set(tx: Tx, plan_id: str, key_id: str, period: str, used: int) -> None:
    tx.execute(
        "INSERT INTO apigw_usage (plan_id, key_id, period, used) VALUES (?, ?, ?, ?)"
        " ON CONFLICT (plan_id, key_id, period) DO UPDATE SET used = excluded.used",
        (plan_id, key_id, period, used),
    )


def usage_delete_plan(tx: Tx, plan_id: str) -> None:
    tx.execute("DELETE FROM apigw_usage WHERE plan_id = ?", (plan_id,))
