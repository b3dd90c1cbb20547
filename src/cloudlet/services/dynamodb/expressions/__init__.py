"""DynamoDB's expression languages: condition and filter, projection, update and key condition
expressions, parsed by a recursive-descent parser and evaluated over items in DynamoDB typed JSON
(`{"name": {"S": "x"}}`).

    cond = condition(text, names, values)               # .evaluate(item) -> bool
    proj = projection(text, names)                      # .apply(item) -> projected item
    upd = update(text, names, values)                   # .apply(item) -> new item
    kc = key_condition(text, names, values, "pk", "sk") # (hash_value, sort predicate or None)
    check_unused(names, values, cond, proj, upd)        # unused ExpressionAttributeNames/Values

Every error is a `ValidationException` with DynamoDB's message ("Invalid UpdateExpression: ...").
Items are never modified in place. Binary values may be bytes or base64 text; they stay as given.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from cloudlet.services.dynamodb.errors import ValidationException
from cloudlet.services.dynamodb.expressions import keyconditions as _keyconditions
from cloudlet.services.dynamodb.expressions.ast import Path
from cloudlet.services.dynamodb.expressions.conditions import Condition
from cloudlet.services.dynamodb.expressions.keyconditions import KeyCondition, SortPredicate
from cloudlet.services.dynamodb.expressions.parser import Parser
from cloudlet.services.dynamodb.expressions.projections import Projection
from cloudlet.services.dynamodb.expressions.updates import Update

__all__ = [
    "Condition",
    "KeyCondition",
    "Path",
    "Projection",
    "SortPredicate",
    "Update",
    "check_maps",
    "check_unused",
    "condition",
    "key_condition",
    "projection",
    "update",
]

Names = Mapping[str, str] | None
Values = Mapping[str, dict[str, Any]] | None


def condition(text: str, names: Names, values: Values, kind: str = "ConditionExpression") -> Condition:
    """A ConditionExpression (or, with `kind="FilterExpression"`, a filter) → `.evaluate(item) -> bool`."""
    parser = Parser(text, names, values, kind)
    return Condition(parser.parse_condition(), parser.names_used, parser.values_used)


def projection(text: str, names: Names) -> Projection:
    """A ProjectionExpression → `.apply(item) -> dict` holding only the projected paths."""
    parser = Parser(text, names, None, "ProjectionExpression")
    return Projection(parser.parse_projection(), parser.names_used)


def update(text: str, names: Names, values: Values) -> Update:
    """An UpdateExpression → `.apply(item) -> new item`; `.targets` are the paths it writes."""
    parser = Parser(text, names, values, "UpdateExpression")
    return Update(parser.parse_update(), parser.names_used, parser.values_used)


def key_condition(
    text: str, names: Names, values: Values, hash_key: str, range_key: str | None
) -> KeyCondition:
    """A KeyConditionExpression for a key schema → `KeyCondition(hash_value, sort)`; `sort` is a
    `SortPredicate` (op, values, `.matches(value)`) or None. Unpacks as a pair."""
    parser = Parser(text, names, values, "KeyConditionExpression")
    tree = parser.parse_condition()
    return _keyconditions.build(tree, hash_key, range_key, parser.names_used, parser.values_used)


def check_unused(names: Names, values: Values, *parsed: Any) -> None:
    """Raise DynamoDB's error when ExpressionAttributeNames/Values hold keys no expression used.
    `parsed` are the objects built above (None entries are skipped)."""
    used_names: set[str] = set()
    used_values: set[str] = set()
    for item in parsed:
        if item is None:
            continue
        used_names |= item.names_used
        used_values |= getattr(item, "values_used", set())
    unused_names = sorted(set(names or ()) - used_names)
    if unused_names:
        raise ValidationException(
            "Value provided in ExpressionAttributeNames unused in expressions: keys: {"
            + ", ".join(unused_names)
            + "}"
        )
    unused_values = sorted(set(values or ()) - used_values)
    if unused_values:
        raise ValidationException(
            "Value provided in ExpressionAttributeValues unused in expressions: keys: {"
            + ", ".join(unused_values)
            + "}"
        )


def check_maps(names: Names, values: Values) -> None:
    """DynamoDB's checks of the ExpressionAttributeNames/Values maps themselves, made before any
    expression is parsed: not empty, keys spelled `#name`/`:value`, values valid attribute values."""
    from cloudlet.services.dynamodb import values as typed

    if names is not None:
        if not names:
            raise ValidationException("ExpressionAttributeNames must not be empty")
        for key in names:
            if not _is_placeholder(key, "#"):
                raise ValidationException(
                    f'ExpressionAttributeNames contains invalid key: Syntax error; key: "{key}"'
                )
            if not names[key]:
                raise ValidationException(
                    f"ExpressionAttributeNames contains invalid value: Empty attribute name for key {key}"
                )
    if values is not None:
        if not values:
            raise ValidationException("ExpressionAttributeValues must not be empty")
        for key, value in values.items():
            if not _is_placeholder(key, ":"):
                raise ValidationException(
                    f'ExpressionAttributeValues contains invalid key: Syntax error; key: "{key}"'
                )
            try:
                typed.validate(value)
            except ValidationException as error:
                raise ValidationException(
                    f"ExpressionAttributeValues contains invalid value: {error.message} for key {key}"
                ) from None


def _is_placeholder(key: str, sigil: str) -> bool:
    return (
        len(key) > 1 and key[0] == sigil and all(c.isalnum() or c == "_" for c in key[1:]) and key.isascii()
    )
