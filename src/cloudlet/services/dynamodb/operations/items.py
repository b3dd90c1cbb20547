"""Single-item operations: PutItem, GetItem, UpdateItem, DeleteItem. Each write is one transaction in
which the current item is read, the condition evaluated and the change stored with its index entries
and stream record."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from cloudlet.services.dynamodb import items, legacy, store, throttle
from cloudlet.services.dynamodb.errors import ValidationException
from cloudlet.services.dynamodb.operations import requests as rq
from cloudlet.services.dynamodb.operations.common import state

if TYPE_CHECKING:
    from cloudlet.gateway.context import RequestContext

__all__ = ["delete_item", "get_item", "put_item", "update_item"]


def _table(ctx: RequestContext, conn: Any, name: str) -> store.Table:
    table = state(ctx).table(conn, ctx.account_id, ctx.region, name)
    throttle.check(ctx, table)
    return table


def _respond(
    req: dict[str, Any], table: store.Table, attributes: dict[str, Any] | None, units: float, index_units: Any
) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if attributes is not None:
        out["Attributes"] = attributes
    capacity = rq.consumed(req.get("ReturnConsumedCapacity"), table, units, index_units)
    if capacity is not None:
        out["ConsumedCapacity"] = capacity
    return out


def put_item(ctx: RequestContext, req: dict[str, Any]) -> dict[str, Any]:
    dynamo = state(ctx)
    rq.check_return_values(req)
    exprs = rq.expressions(req)
    check = rq.condition(req, exprs)
    exprs.done()
    with dynamo.db.transaction() as tx:
        table = _table(ctx, tx, req["TableName"])
        new = items.item(table, req["Item"])
        old = items.read(tx, table, new)
        if check is not None and not check(old or {}):
            raise rq.check_failed(req, old)
        items.write(dynamo, tx, table, old, new)
    units = rq.write_units(items.item_size(new), items.item_size(old or {}))
    index_units = rq.index_write_units(table, old, new)
    return _respond(req, table, rq.return_values(req.get("ReturnValues"), old, None), units, index_units)


def delete_item(ctx: RequestContext, req: dict[str, Any]) -> dict[str, Any]:
    dynamo = state(ctx)
    rq.check_return_values(req)
    exprs = rq.expressions(req)
    check = rq.condition(req, exprs)
    exprs.done()
    with dynamo.db.transaction() as tx:
        table = _table(ctx, tx, req["TableName"])
        key = items.key(table, req["Key"])
        old = items.read(tx, table, key)
        if check is not None and not check(old or {}):
            raise rq.check_failed(req, old)
        if old is not None:
            items.write(dynamo, tx, table, old, None)
    units = rq.write_units(items.item_size(old or {}))
    index_units = rq.index_write_units(table, old, None)
    return _respond(req, table, rq.return_values(req.get("ReturnValues"), old, None), units, index_units)


def get_item(ctx: RequestContext, req: dict[str, Any]) -> dict[str, Any]:
    dynamo = state(ctx)
    exprs = rq.expressions(req)
    project = rq.projection(req, exprs)
    exprs.done()
    with dynamo.db.read() as conn:
        table = _table(ctx, conn, req["TableName"])
        key = items.key(table, req["Key"])
        found = items.read(conn, table, key)
    out: dict[str, Any] = {}
    if found is not None:
        out["Item"] = items.to_wire(project(found) if project else found)
    units = rq.read_units(items.item_size(found or {}), bool(req.get("ConsistentRead")))
    capacity = rq.consumed(req.get("ReturnConsumedCapacity"), table, units)
    if capacity is not None:
        out["ConsumedCapacity"] = capacity
    return out


class Update:
    """A parsed UpdateItem-style change: UpdateExpression, legacy AttributeUpdates, or neither."""

    def __init__(self, req: dict[str, Any], exprs: rq.Expressions) -> None:
        self.expression = None
        self.attribute_updates = req.get("AttributeUpdates")
        text = req.get("UpdateExpression")
        if text is not None:
            self.expression = rq.ex().update(text, exprs.names, exprs.values)
            exprs.parsed.append(self.expression)

    def apply(self, table: store.Table, key: dict[str, Any], old: dict[str, Any] | None) -> dict[str, Any]:
        """The item after the update (validated). Raises ValidationException."""
        base = dict(old) if old is not None else dict(key)
        if self.attribute_updates:
            for name in items.key_names(table):
                if name in self.attribute_updates:
                    raise ValidationException(
                        items.INVALID + f"Cannot update attribute {name}. This attribute is part of the key"
                    )
            new = legacy.attribute_updates(base, self.attribute_updates)
        elif self.expression is not None:
            self.expression.check_keys(list(items.key_names(table)))  # even `SET pk = :same` is refused
            new = dict(self.expression.apply(base))
        else:
            new = base
        for name in items.key_names(table):
            if new.get(name) != key[name]:
                raise ValidationException(
                    items.INVALID + f"Cannot update attribute {name}. This attribute is part of the key"
                )
        if items.item_size(new) > items.MAX_ITEM_BYTES:
            raise ValidationException("Item size to update has exceeded the maximum allowed size")
        items.check_item(table, new)
        return new


def update_item(ctx: RequestContext, req: dict[str, Any]) -> dict[str, Any]:
    dynamo = state(ctx)
    exprs = rq.expressions(req)
    update = Update(req, exprs)
    check = rq.condition(req, exprs)
    exprs.done()
    with dynamo.db.transaction() as tx:
        table = _table(ctx, tx, req["TableName"])
        key = items.key(table, req["Key"])
        old = items.read(tx, table, key)
        if check is not None and not check(old or {}):
            raise rq.check_failed(req, old)
        new = update.apply(table, key, old)
        items.write(dynamo, tx, table, old, new)
    units = rq.write_units(items.item_size(new), items.item_size(old or {}))
    index_units = rq.index_write_units(table, old, new)
    mode = req.get("ReturnValues")
    if mode in ("UPDATED_OLD", "UPDATED_NEW"):
        attributes = rq.return_values(mode, old if old is not None else key, new)
    else:
        attributes = rq.return_values(mode, old, new)
    return _respond(req, table, attributes, units, index_units)
