"""DynamoDB's legacy (non-expression) parameters: Expected, QueryFilter/ScanFilter, KeyConditions,
AttributeUpdates and AttributesToGet (LegacyConditionalParameters.html), over stored items.

Values arrive already validated in stored form (`items.attribute_map`); this module only evaluates.
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from cloudlet.services.dynamodb import items
from cloudlet.services.dynamodb.errors import ValidationException

INVALID = items.INVALID
_ARGS = {
    "EQ": 1,
    "NE": 1,
    "LE": 1,
    "LT": 1,
    "GE": 1,
    "GT": 1,
    "NOT_NULL": 0,
    "NULL": 0,
    "CONTAINS": 1,
    "NOT_CONTAINS": 1,
    "BEGINS_WITH": 1,
    "BETWEEN": 2,
}
_KEY_OPERATORS = ("EQ", "LE", "LT", "GE", "GT", "BEGINS_WITH", "BETWEEN")


@dataclass(frozen=True, slots=True)
class SortCondition:
    """A condition on a sort key: `op` is EQ, LT, LE, GT, GE, BETWEEN or BEGINS_WITH; values stored."""

    op: str
    values: tuple[dict[str, Any], ...]


def ordinal(av: dict[str, Any]) -> Any:
    """A Python value ordering as DynamoDB orders scalars of one type (N by value, S/B bytewise)."""
    kind, inner = next(iter(av.items()))
    if kind == "N":
        return Decimal(inner)
    if kind == "S":
        return inner.encode("utf-8")
    if kind == "B":
        return base64.b64decode(inner)
    return inner


def _scalar(av: dict[str, Any] | None) -> bool:
    return av is not None and next(iter(av)) in ("S", "N", "B")


def compare(op: str, actual: dict[str, Any] | None, args: list[dict[str, Any]]) -> bool:
    """One legacy comparison of an attribute value (None: absent) with its argument list."""
    if op == "NULL":
        return actual is None
    if op == "NOT_NULL":
        return actual is not None
    if actual is None:
        return op == "NE" or op == "NOT_CONTAINS"
    kind = next(iter(actual))
    if op in ("EQ", "NE"):
        equal = _equal(actual, args[0])
        return equal if op == "EQ" else not equal
    if op == "IN":
        return any(_equal(actual, arg) for arg in args)
    if op in ("CONTAINS", "NOT_CONTAINS"):
        found = _contains(actual, args[0])
        return found if op == "CONTAINS" else not found
    if not _scalar(actual) or any(next(iter(arg)) != kind for arg in args):
        return False
    value = ordinal(actual)
    if op == "BEGINS_WITH":
        return kind in ("S", "B") and value.startswith(ordinal(args[0]))
    if op == "BETWEEN":
        return bool(ordinal(args[0]) <= value <= ordinal(args[1]))
    other = ordinal(args[0])
    return bool({"LT": value < other, "LE": value <= other, "GT": value > other, "GE": value >= other}[op])


def _equal(a: dict[str, Any], b: dict[str, Any]) -> bool:
    kind = next(iter(a))
    if kind != next(iter(b)):
        return False
    if kind == "N":
        return Decimal(a["N"]) == Decimal(b["N"])
    if kind in ("SS", "NS", "BS"):
        convert = Decimal if kind == "NS" else str
        return {convert(v) for v in a[kind]} == {convert(v) for v in b[kind]}
    return a == b


def _contains(actual: dict[str, Any], arg: dict[str, Any]) -> bool:
    kind, inner = next(iter(actual.items()))
    arg_kind, arg_inner = next(iter(arg.items()))
    if kind == "S" and arg_kind == "S":
        return bool(arg_inner in inner)
    if kind == "B" and arg_kind == "B":
        return ordinal(arg) in ordinal(actual)
    if kind in ("SS", "NS", "BS") and arg_kind == kind[0]:
        return any(_equal({arg_kind: v}, arg) for v in inner)
    if kind == "L":
        return any(_equal(v, arg) for v in inner)
    return False


def _arguments(name: str, spec: dict[str, Any]) -> tuple[str, list[dict[str, Any]]]:
    op = spec["ComparisonOperator"]
    args = list(
        items.attribute_map({str(i): v for i, v in enumerate(spec.get("AttributeValueList") or [])}).values()
    )
    if "Value" in spec:
        args = [items.attribute_map({"v": spec["Value"]})["v"]]
    expected = _ARGS.get(op)
    if (expected is not None and len(args) != expected) or (op == "IN" and not args):
        raise ValidationException(INVALID + f"Invalid number of argument(s) for the {op} ComparisonOperator")
    same_type = op == "BETWEEN" and next(iter(args[0])) == next(iter(args[1])) and _scalar(args[0])
    if same_type and ordinal(args[0]) > ordinal(args[1]):
        raise ValidationException(
            "The BETWEEN condition was provided a range where the lower bound is greater than the upper bound"
        )
    return op, args


def expected(spec: dict[str, Any], operator: str | None) -> Callable[[dict[str, Any]], bool]:
    """The `Expected` map of a write as a predicate over the current item ({} when absent)."""
    checks: list[Callable[[dict[str, Any]], bool]] = []
    for name, entry in spec.items():
        if "ComparisonOperator" in entry:
            if "Exists" in entry:
                raise ValidationException(
                    INVALID + f"Exists and ComparisonOperator cannot be used together for Attribute: {name}"
                )
            op, args = _arguments(name, entry)
            checks.append(lambda item, n=name, o=op, a=args: compare(o, item.get(n), a))
        elif "AttributeValueList" in entry:
            raise ValidationException(
                INVALID
                + f"AttributeValueList can only be used with a ComparisonOperator for Attribute: {name}"
            )
        elif entry.get("Exists", True) is False:
            if "Value" in entry:
                raise ValidationException(
                    INVALID + f"Value cannot be used when Exists is false for Attribute: {name}"
                )
            checks.append(lambda item, n=name: n not in item)
        else:
            if "Value" not in entry:
                raise ValidationException(
                    INVALID + f"Value must be provided when Exists is true for Attribute: {name}"
                )
            value = items.attribute_map({"v": entry["Value"]})["v"]
            checks.append(lambda item, n=name, v=value: compare("EQ", item.get(n), [v]))
    return _combine(checks, operator)


def filter_(spec: dict[str, Any], operator: str | None) -> Callable[[dict[str, Any]], bool]:
    """A QueryFilter/ScanFilter map as a predicate over an item."""
    checks = []
    for name, entry in spec.items():
        op, args = _arguments(name, entry)
        checks.append(lambda item, n=name, o=op, a=args: compare(o, item.get(n), a))
    return _combine(checks, operator)


def _combine(
    checks: list[Callable[[dict[str, Any]], bool]], operator: str | None
) -> Callable[[dict[str, Any]], bool]:
    if operator == "OR":
        return lambda item: any(check(item) for check in checks)
    return lambda item: all(check(item) for check in checks)


def key_conditions(
    spec: dict[str, Any], hash_key: str, range_key: str | None
) -> tuple[dict[str, Any], SortCondition | None]:
    """Legacy KeyConditions → (partition key value, sort key condition or None)."""
    if hash_key not in spec:
        raise ValidationException("Query condition missed key schema element: " + hash_key)
    extra = [name for name in spec if name not in (hash_key, range_key)]
    if extra or len(spec) > 2:
        raise ValidationException("Query key condition not supported")
    op, args = _arguments(hash_key, spec[hash_key])
    if op != "EQ":
        raise ValidationException("Query key condition not supported")
    sort = None
    if range_key is not None and range_key in spec:
        op, sort_args = _arguments(range_key, spec[range_key])
        if op not in _KEY_OPERATORS:
            raise ValidationException("Query key condition not supported")
        sort = SortCondition(op, tuple(sort_args))
    return args[0], sort


def attributes_to_get(item: dict[str, Any], names: list[str]) -> dict[str, Any]:
    return {name: item[name] for name in names if name in item}


def attribute_updates(item: dict[str, Any], updates: dict[str, Any]) -> dict[str, Any]:
    """Apply legacy AttributeUpdates (PUT, ADD, DELETE) to a copy of `item`."""
    out = dict(item)
    for name, update in updates.items():
        action = update.get("Action") or "PUT"
        raw = update.get("Value")
        value = None if raw is None else items.attribute_map({"v": raw})["v"]
        if action == "PUT":
            if value is None:
                raise ValidationException(
                    INVALID + "Only DELETE action is allowed when no attribute value is specified"
                )
            out[name] = value
        elif action == "DELETE":
            if value is None:
                out.pop(name, None)
                continue
            kind = next(iter(value))
            current = out.get(name)
            if kind not in ("SS", "NS", "BS"):
                raise ValidationException(
                    INVALID + "DELETE action with value is not supported for the type " + kind
                )
            if current is not None and kind in current:
                left = [
                    v
                    for v in current[kind]
                    if not any(_equal({kind[0]: v}, {kind[0]: d}) for d in value[kind])
                ]
                if left:
                    out[name] = {kind: left}
                else:
                    out.pop(name)
        else:  # ADD
            if value is None:
                raise ValidationException(
                    INVALID + "Only DELETE action is allowed when no attribute value is specified"
                )
            out[name] = _add(out.get(name), value)
    return out


def _add(current: dict[str, Any] | None, value: dict[str, Any]) -> dict[str, Any]:
    kind = next(iter(value))
    if kind == "N":
        base = Decimal(current["N"]) if current is not None and "N" in current else Decimal(0)
        if current is not None and "N" not in current:
            raise ValidationException("Type mismatch for attribute to update")
        return {"N": items.number(str(base + Decimal(value["N"])))}
    if kind in ("SS", "NS", "BS"):
        if current is None:
            return value
        if kind not in current:
            raise ValidationException("Type mismatch for attribute to update")
        merged = list(current[kind])
        for v in value[kind]:
            if not any(_equal({kind[0]: v}, {kind[0]: m}) for m in merged):
                merged.append(v)
        return {kind: merged}
    if kind == "L" and current is not None and "L" in current:
        return {"L": current["L"] + value["L"]}
    raise ValidationException(INVALID + "ADD action is not supported for the type " + kind)
