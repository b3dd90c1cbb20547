"""TransactWriteItems and TransactGetItems: all-or-nothing in one SQLite transaction. Every condition is
evaluated before anything is written; any failure cancels the whole transaction with one reason per
action, in order. ClientRequestToken makes a write transaction idempotent for 10 minutes."""

from __future__ import annotations

import base64
import hashlib
import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from cloudlet.services.dynamodb import items, store, throttle
from cloudlet.services.dynamodb.errors import (
    IdempotentParameterMismatchException,
    ResourceNotFoundException,
    TransactionCanceledException,
    ValidationException,
)
from cloudlet.services.dynamodb.operations import requests as rq
from cloudlet.services.dynamodb.operations.common import state
from cloudlet.services.dynamodb.operations.items import Update

if TYPE_CHECKING:
    import sqlite3

    from cloudlet.core.db import Tx
    from cloudlet.gateway.context import RequestContext

__all__ = ["transact_get_items", "transact_write_items"]

TOKEN_TTL_S = 600.0
SAME_ITEM = "Transaction request cannot include multiple operations on one item"
_ACTIONS = ("ConditionCheck", "Put", "Delete", "Update")


def _table(ctx: RequestContext, conn: sqlite3.Connection | Tx, name: str) -> store.Table:
    try:
        return state(ctx).table(conn, ctx.account_id, ctx.region, name)
    except ResourceNotFoundException:
        raise ResourceNotFoundException("Requested resource not found") from None


@dataclass(slots=True)
class Action:
    kind: str
    spec: dict[str, Any]
    table: store.Table
    key: dict[str, Any]
    new: dict[str, Any] | None
    check: rq.Predicate | None
    update: Update | None


def _plan(ctx: RequestContext, tx: Tx, entry: dict[str, Any]) -> Action:
    present = [kind for kind in _ACTIONS if entry.get(kind) is not None]
    if not present:
        raise ValidationException(
            "Invalid Request: TransactWriteRequest should contain Delete or Put or Update request"
        )
    if len(present) > 1:
        raise ValidationException("TransactItems can only contain one of Check, Put, Update or Delete")
    kind = present[0]
    spec = entry[kind]
    table = _table(ctx, tx, spec["TableName"])
    exprs = rq.expressions(spec)
    update = Update(spec, exprs) if kind == "Update" else None
    check = rq.condition(spec, exprs)
    exprs.done()
    new = None
    if kind == "Put":
        new = items.item(table, spec["Item"])
        key = items.key_of(table, new)
    else:
        key = items.key(table, spec["Key"])
    return Action(kind, spec, table, key, new, check, update)


def _digest(req: dict[str, Any]) -> str:
    def default(value: Any) -> str:
        if isinstance(value, bytes | bytearray):
            return base64.b64encode(bytes(value)).decode()
        return str(value)

    body = {k: v for k, v in req.items() if k != "ClientRequestToken"}
    return hashlib.sha256(json.dumps(body, sort_keys=True, default=default).encode()).hexdigest()


def transact_write_items(ctx: RequestContext, req: dict[str, Any]) -> dict[str, Any]:
    dynamo = state(ctx)
    token = req.get("ClientRequestToken")
    digest = _digest(req)
    now = dynamo.clock.now()
    with dynamo.db.transaction() as tx:
        if token is not None:
            row = tx.execute(
                "SELECT digest, response FROM ddb_transaction_token WHERE account = ? AND region = ?"
                " AND token = ? AND expires_at > ?",
                (ctx.account_id, ctx.region, token, now),
            ).fetchone()
            if row is not None:
                if row[0] != digest:
                    raise IdempotentParameterMismatchException(
                        "The request uses the same client token as a previous, but non-identical request."
                    )
                return dict(json.loads(row[1]))
        actions = [_plan(ctx, tx, entry) for entry in req["TransactItems"]]
        seen: set[tuple[int, bytes, bytes]] = set()
        for action in actions:
            position = (action.table.id, *items.key_bytes(action.table, action.key))
            if position in seen:
                raise ValidationException(SAME_ITEM)
            seen.add(position)
        throttle.check_transaction(ctx, [action.table for action in actions])
        reasons: list[dict[str, Any]] = []
        changes: list[tuple[Action, dict[str, Any] | None, dict[str, Any] | None]] = []
        for action in actions:
            old = items.read(tx, action.table, action.key)
            if action.check is not None and not action.check(old or {}):
                reason: dict[str, Any] = {
                    "Code": "ConditionalCheckFailed",
                    "Message": "The conditional request failed",
                }
                if action.spec.get("ReturnValuesOnConditionCheckFailure") == "ALL_OLD" and old is not None:
                    reason["Item"] = items.to_wire(old)
                reasons.append(reason)
                continue
            try:
                if action.kind == "Update":
                    assert action.update is not None
                    new = action.update.apply(action.table, action.key, old)
                elif action.kind == "Put":
                    new = action.new
                else:
                    new = None
            except ValidationException as exc:
                reasons.append({"Code": "ValidationError", "Message": exc.message})
                continue
            reasons.append({"Code": "None"})
            if action.kind != "ConditionCheck":
                changes.append((action, old, new))
        if any(reason["Code"] != "None" for reason in reasons):
            codes = ", ".join(reason["Code"] for reason in reasons)
            raise TransactionCanceledException(
                f"Transaction cancelled, please refer cancellation reasons for specific reasons [{codes}]",
                CancellationReasons=reasons,
            )
        units: dict[str, tuple[store.Table, float]] = {}
        for action, old, new in changes:
            if old is not None or new is not None:
                items.write(dynamo, tx, action.table, old, new)
        for action in actions:
            size = max(items.item_size(action.new or {}), 0)
            table, total = units.get(action.table.name, (action.table, 0.0))
            units[action.table.name] = (table, total + 2 * rq.write_units(size))
        out: dict[str, Any] = {}
        capacity = [rq.consumed(req.get("ReturnConsumedCapacity"), t, u) for t, u in units.values()]
        if any(capacity):
            out["ConsumedCapacity"] = capacity
        if token is not None:
            tx.execute(
                "INSERT OR REPLACE INTO ddb_transaction_token"
                " (account, region, token, digest, response, expires_at) VALUES (?, ?, ?, ?, ?, ?)",
                (ctx.account_id, ctx.region, token, digest, json.dumps(out), now + TOKEN_TTL_S),
            )
    return out


def transact_get_items(ctx: RequestContext, req: dict[str, Any]) -> dict[str, Any]:
    dynamo = state(ctx)
    with dynamo.db.read() as conn:
        plans = []
        seen: set[tuple[int, bytes, bytes]] = set()
        for entry in req["TransactItems"]:
            spec = entry["Get"]
            table = _table(ctx, conn, spec["TableName"])
            exprs = rq.expressions(spec)
            project = rq.projection(spec, exprs)
            exprs.done()
            key = items.key(table, spec["Key"])
            position = (table.id, *items.key_bytes(table, key))
            if position in seen:
                raise ValidationException(SAME_ITEM)
            seen.add(position)
            plans.append((table, key, project))
        throttle.check_transaction(ctx, [plan[0] for plan in plans])
        responses = []
        units: dict[str, tuple[store.Table, float]] = {}
        for table, key, project in plans:
            found = items.read(conn, table, key)
            responses.append({"Item": items.to_wire(project(found) if project else found)} if found else {})
            previous = units.get(table.name, (table, 0.0))[1]
            units[table.name] = (table, previous + 2 * rq.read_units(items.item_size(found or {}), True))
    out: dict[str, Any] = {"Responses": responses}
    capacity = [rq.consumed(req.get("ReturnConsumedCapacity"), t, u) for t, u in units.values()]
    if any(capacity):
        out["ConsumedCapacity"] = capacity
    return out
