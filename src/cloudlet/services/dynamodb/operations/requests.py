"""Request parts shared by the item, query, batch and transaction operations: expression parameters
(and their legacy counterparts), projections, conditions, ReturnValues and consumed capacity."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from cloudlet.services.dynamodb import items, legacy, store
from cloudlet.services.dynamodb.errors import ConditionalCheckFailedException, ValidationException

Predicate = Callable[[dict[str, Any]], bool]
Projector = Callable[[dict[str, Any]], dict[str, Any]]

_EXPRESSIONS = (
    "ConditionExpression",
    "ProjectionExpression",
    "UpdateExpression",
    "KeyConditionExpression",
    "FilterExpression",
)
_LEGACY = ("Expected", "AttributesToGet", "AttributeUpdates", "KeyConditions", "QueryFilter", "ScanFilter")


def ex() -> Any:
    """The expression package (imported on first use)."""
    from cloudlet.services.dynamodb import expressions

    return expressions


@dataclass(slots=True)
class Expressions:
    """The expression attribute names and values of one request (values in stored form) and what was
    parsed with them, for the unused-name check."""

    names: dict[str, str] | None
    values: dict[str, Any] | None
    parsed: list[Any] = field(default_factory=list)

    def done(self) -> None:
        """Raises ValidationException for names or values no expression used."""
        if self.parsed or self.names or self.values:
            ex().check_unused(self.names, self.values, *self.parsed)


def expressions(req: dict[str, Any]) -> Expressions:
    """Check that expression and legacy parameters are not mixed; returns the names and values."""
    used = [k for k in _EXPRESSIONS if req.get(k) is not None]
    old = [k for k in _LEGACY if req.get(k) is not None]
    if used and old:
        raise ValidationException(
            "Can not use both expression and non-expression parameters in the same request: Non-expression"
            f" parameters: {{{', '.join(old)}}} Expression parameters: {{{', '.join(used)}}}"
        )
    names = req.get("ExpressionAttributeNames")
    values = req.get("ExpressionAttributeValues")
    if not used:
        if names is not None:
            raise ValidationException("ExpressionAttributeNames can only be specified when using expressions")
        if values is not None:
            raise ValidationException(
                "ExpressionAttributeValues can only be specified when using expressions"
            )
    if used:
        ex().check_maps(names, values)
    return Expressions(names, items.expression_values(values))


def condition(req: dict[str, Any], exprs: Expressions) -> Predicate | None:
    """ConditionExpression or Expected as a predicate over the current item ({} when absent)."""
    text = req.get("ConditionExpression")
    if text is not None:
        parsed = ex().condition(text, exprs.names, exprs.values, kind="FilterExpression")
        exprs.parsed.append(parsed)
        return lambda item: bool(parsed.evaluate(item))
    if req.get("Expected"):
        return legacy.expected(req["Expected"], req.get("ConditionalOperator"))
    return None


def filter_(req: dict[str, Any], exprs: Expressions, legacy_name: str) -> Predicate | None:
    """FilterExpression or QueryFilter/ScanFilter as a predicate."""
    text = req.get("FilterExpression")
    if text is not None:
        parsed = ex().condition(text, exprs.names, exprs.values, kind="FilterExpression")
        exprs.parsed.append(parsed)
        return lambda item: bool(parsed.evaluate(item))
    if req.get(legacy_name):
        return legacy.filter_(req[legacy_name], req.get("ConditionalOperator"))
    return None


def projection(req: dict[str, Any], exprs: Expressions) -> Projector | None:
    """ProjectionExpression or AttributesToGet as a function of the item."""
    text = req.get("ProjectionExpression")
    if text is not None:
        parsed = ex().projection(text, exprs.names)
        exprs.parsed.append(parsed)
        return lambda item: dict(parsed.apply(item))
    names = req.get("AttributesToGet")
    if names is not None:
        if len(set(names)) != len(names):
            raise ValidationException(
                f"One or more parameter values were invalid: Duplicate value in attribute name: {names[0]}"
            )
        return lambda item: legacy.attributes_to_get(item, names)
    return None


def check_failed(req: dict[str, Any], old: dict[str, Any] | None) -> ConditionalCheckFailedException:
    """The ConditionalCheckFailedException of a write, with the item when the request asked for it."""
    if req.get("ReturnValuesOnConditionCheckFailure") == "ALL_OLD" and old is not None:
        return ConditionalCheckFailedException("The conditional request failed", Item=items.to_wire(old))
    return ConditionalCheckFailedException("The conditional request failed")


def return_values(
    mode: str | None, old: dict[str, Any] | None, new: dict[str, Any] | None
) -> dict[str, Any] | None:
    """The `Attributes` of a write's response for ReturnValues `mode` (None: no member)."""
    if mode in (None, "NONE"):
        return None
    if mode == "ALL_OLD":
        return items.to_wire(old) if old else None
    if mode == "ALL_NEW":
        return items.to_wire(new) if new else None
    old, new = old or {}, new or {}
    changed = {n for n in set(old) | set(new) if old.get(n) != new.get(n)}
    source = old if mode == "UPDATED_OLD" else new
    picked = {n: v for n, v in source.items() if n in changed}
    return items.to_wire(picked) if picked else None


def check_return_values(req: dict[str, Any]) -> None:
    """PutItem and DeleteItem accept ReturnValues NONE and ALL_OLD only."""
    if req.get("ReturnValues") not in (None, "NONE", "ALL_OLD"):
        raise ValidationException("ReturnValues can only be ALL_OLD or NONE")


# --- consumed capacity ---------------------------------------------------------------------------------
# CapacityUnitCalculations: a write is 1 unit per KB of the larger of the old and new item; a strongly
# consistent read is 1 unit per 4 KB, an eventually consistent one half of that.


def write_units(*sizes: int) -> float:
    return float(max(1, math.ceil(max(sizes, default=0) / 1024)))


def read_units(size: int, consistent: bool) -> float:
    units = max(1, math.ceil(size / 4096))
    return float(units) if consistent else units / 2


def consumed(
    mode: str | None, table: store.Table, units: float, index_units: dict[str, float] | None = None
) -> dict[str, Any] | None:
    """The ConsumedCapacity member for ReturnConsumedCapacity `mode` (None for NONE/absent)."""
    if mode not in ("TOTAL", "INDEXES"):
        return None
    index_units = index_units or {}
    out: dict[str, Any] = {"TableName": table.name, "CapacityUnits": units + sum(index_units.values())}
    if mode == "INDEXES":
        out["Table"] = {"CapacityUnits": units}
        from cloudlet.services.dynamodb import indexes

        kinds = {index.name: index.global_ for index in indexes.of(table)}
        for name, amount in index_units.items():
            member = "GlobalSecondaryIndexes" if kinds.get(name) else "LocalSecondaryIndexes"
            out.setdefault(member, {})[name] = {"CapacityUnits": amount}
    return out


def index_write_units(
    table: store.Table, old: dict[str, Any] | None, new: dict[str, Any] | None
) -> dict[str, float]:
    """One unit per index entry written or removed by an item change."""
    from cloudlet.services.dynamodb import indexes

    out: dict[str, float] = {}
    for index in indexes.of(table):
        before = old is not None and indexes.key_bytes(table, index, old) is not None
        after = new is not None and indexes.key_bytes(table, index, new) is not None
        if before or after:
            out[index.name] = float(int(before) + int(after)) if before and after and old != new else 1.0
    return out
