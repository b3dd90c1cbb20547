"""BatchGetItem and BatchWriteItem. The whole request is validated before anything is read or written;
a batch write then runs in one transaction (each item write is atomic, as in DynamoDB)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from cloudlet.services.dynamodb import items, store, throttle
from cloudlet.services.dynamodb.errors import ResourceNotFoundException, ValidationException
from cloudlet.services.dynamodb.operations import requests as rq
from cloudlet.services.dynamodb.operations.common import state

if TYPE_CHECKING:
    import sqlite3

    from cloudlet.core.db import Tx
    from cloudlet.gateway.context import RequestContext

__all__ = ["batch_get_item", "batch_write_item"]

MAX_GET_KEYS = 100
MAX_WRITES = 25
MAX_GET_BYTES = 16 * 1024 * 1024
DUPLICATES = "Provided list of item keys contains duplicates"


def _table(ctx: RequestContext, conn: sqlite3.Connection | Tx, name: str) -> store.Table:
    try:
        return state(ctx).table(conn, ctx.account_id, ctx.region, name)
    except ResourceNotFoundException:
        raise ResourceNotFoundException("Requested resource not found") from None


def batch_get_item(ctx: RequestContext, req: dict[str, Any]) -> dict[str, Any]:
    dynamo = state(ctx)
    requested = req["RequestItems"]
    if sum(len(spec["Keys"]) for spec in requested.values()) > MAX_GET_KEYS:
        raise ValidationException("Too many items requested for the BatchGetItem call")
    plans = []
    with dynamo.db.read() as conn:
        for name, spec in requested.items():
            table = _table(ctx, conn, name)
            exprs = rq.expressions(spec)
            project = rq.projection(spec, exprs)
            exprs.done()
            stored = [items.key(table, key) for key in spec["Keys"]]
            positions = [items.key_bytes(table, key) for key in stored]
            if len(set(positions)) != len(positions):
                raise ValidationException(DUPLICATES)
            plans.append((name, spec, table, project, stored))
        responses: dict[str, list[dict[str, Any]]] = {}
        unprocessed: dict[str, Any] = {}
        capacity = []
        total = 0
        throttled = throttle.throttled_tables(ctx, [plan[2] for plan in plans])
        for name, spec, table, project, stored in plans:
            if table.name in throttled:
                unprocessed[name] = {**spec, "Keys": [items.to_wire(k) for k in stored]}
                continue
            found = responses.setdefault(name, [])
            units = 0.0
            for position, key in enumerate(stored):
                if total >= MAX_GET_BYTES:
                    rest = {k: v for k, v in spec.items() if k != "Keys"}
                    rest["Keys"] = [items.to_wire(k) for k in stored[position:]]
                    unprocessed[name] = rest
                    break
                item = items.read(conn, table, key)
                size = items.item_size(item or {})
                total += size
                units += rq.read_units(size, bool(spec.get("ConsistentRead")))
                if item is not None:
                    found.append(items.to_wire(project(item) if project else item))
            used = rq.consumed(req.get("ReturnConsumedCapacity"), table, units)
            if used is not None:
                capacity.append(used)
    out: dict[str, Any] = {"Responses": responses, "UnprocessedKeys": unprocessed}
    if capacity:
        out["ConsumedCapacity"] = capacity
    return out


def batch_write_item(ctx: RequestContext, req: dict[str, Any]) -> dict[str, Any]:
    dynamo = state(ctx)
    requested = req["RequestItems"]
    if sum(len(entries) for entries in requested.values()) > MAX_WRITES:
        raise ValidationException("Too many items requested for the BatchWriteItem call")
    capacity = []
    unprocessed: dict[str, Any] = {}
    with dynamo.db.transaction() as tx:
        plans = []
        for name, entries in requested.items():
            table = _table(ctx, tx, name)
            seen: set[tuple[bytes, bytes]] = set()
            writes = []
            for entry in entries:
                put, delete = entry.get("PutRequest"), entry.get("DeleteRequest")
                if (put is None) == (delete is None):
                    raise ValidationException(
                        "Supplied AttributeValue has more than one datatypes set, must contain exactly one of"
                        " the supported datatypes"
                    )
                if put is not None:
                    new = items.item(table, put["Item"])
                    key = items.key_of(table, new)
                else:
                    new = None
                    key = items.key(table, delete["Key"])
                position = items.key_bytes(table, key)
                if position in seen:
                    raise ValidationException(DUPLICATES)
                seen.add(position)
                writes.append((key, new))
            plans.append((table, writes))
        throttled = throttle.throttled_tables(ctx, [plan[0] for plan in plans])
        for (name, entries), (table, writes) in zip(requested.items(), plans, strict=True):
            if table.name in throttled:
                unprocessed[name] = entries
                continue
            units = 0.0
            for key, new in writes:
                old = items.read(tx, table, key)
                if new is not None or old is not None:
                    items.write(dynamo, tx, table, old, new)
                units += rq.write_units(items.item_size(new or {}), items.item_size(old or {}))
            used = rq.consumed(req.get("ReturnConsumedCapacity"), table, units)
            if used is not None:
                capacity.append(used)
    out: dict[str, Any] = {"UnprocessedItems": unprocessed}
    if capacity:
        out["ConsumedCapacity"] = capacity
    return out
