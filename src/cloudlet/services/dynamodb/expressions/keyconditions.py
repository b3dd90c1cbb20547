"""Key condition expressions: `=` on the partition key, optionally AND one of `= < <= > >= BETWEEN
begins_with` on the sort key, every right-hand side a `:value`."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from cloudlet.services.dynamodb import values as typed
from cloudlet.services.dynamodb.errors import ValidationException
from cloudlet.services.dynamodb.expressions.ast import (
    Between,
    Compare,
    Function,
    In,
    Literal,
    Logical,
    Node,
    Not,
    Parens,
    Path,
)

Value = dict[str, Any]
_PREFIX = "Invalid KeyConditionExpression: "


class SortPredicate(NamedTuple):
    """The sort key condition: `op` is one of = < <= > >= BETWEEN begins_with; `values` its operands."""

    op: str
    values: tuple[Value, ...]

    def matches(self, value: Value | None) -> bool:
        """Whether a sort key value satisfies the predicate."""
        if value is None:
            return False
        if self.op == "BETWEEN":
            low, high = self.values
            lower, upper = typed.compare(low, value), typed.compare(value, high)
            return lower is not None and upper is not None and lower <= 0 and upper <= 0
        if self.op == "begins_with":
            (prefix,) = self.values
            tag = typed.type_of(value)
            if tag != typed.type_of(prefix):
                return False
            if tag == "S":
                return bool(value["S"].startswith(prefix["S"]))
            return typed.raw_bytes(value["B"]).startswith(typed.raw_bytes(prefix["B"]))
        if self.op == "=":
            return typed.equal(value, self.values[0])
        order = typed.compare(value, self.values[0])
        if order is None:
            return False
        return {"<": order < 0, "<=": order <= 0, ">": order > 0, ">=": order >= 0}[self.op]


@dataclass(frozen=True)
class KeyCondition:
    """The partition key value and the sort key predicate (None when there is none)."""

    hash_value: Value
    sort: SortPredicate | None
    names_used: set[str] = field(default_factory=set)
    values_used: set[str] = field(default_factory=set)

    def __iter__(self) -> Iterator[Any]:
        """Unpacks as `(hash_value, sort)`."""
        return iter((self.hash_value, self.sort))


def build(
    tree: Node, hash_key: str, range_key: str | None, names_used: set[str], values_used: set[str]
) -> KeyCondition:
    """Check a parsed key condition against the key schema and split it into its two parts."""
    parts = _conjuncts(tree)
    if len(parts) > 2:
        raise ValidationException(_PREFIX + "Conditions can be of length 1 or 2 only")
    conditions: dict[str, tuple[str, tuple[Value, ...]]] = {}
    for part in parts:
        name, op, operands = _simple(part)
        if name in conditions:
            raise ValidationException(
                _PREFIX + "KeyConditionExpressions must only contain one condition per key"
            )
        conditions[name] = (op, operands)
    if hash_key not in conditions:
        raise ValidationException(f"Query condition missed key schema element: {hash_key}")
    for name in conditions:
        if name not in (hash_key, range_key):
            raise ValidationException(f"Query condition missed key schema element: {range_key or hash_key}")
    op, operands = conditions[hash_key]
    if op != "=":
        raise ValidationException("Query key condition not supported")
    sort = None
    if range_key is not None and range_key in conditions:
        sort = SortPredicate(*conditions[range_key])
    return KeyCondition(operands[0], sort, names_used, values_used)


def _conjuncts(node: Node) -> list[Node]:
    while isinstance(node, Parens):
        node = node.inner
    if isinstance(node, Logical):
        if node.op != "AND":
            raise ValidationException(_PREFIX + f"Invalid operator used in KeyConditionExpression: {node.op}")
        return _conjuncts(node.left) + _conjuncts(node.right)
    return [node]


def _simple(node: Node) -> tuple[str, str, tuple[Value, ...]]:
    """One key condition as (attribute name, operator, literal operands)."""
    while isinstance(node, Parens):
        node = node.inner
    if isinstance(node, Not):
        raise ValidationException(_PREFIX + "Invalid operator used in KeyConditionExpression: NOT")
    if isinstance(node, In):
        raise ValidationException(_PREFIX + "Invalid operator used in KeyConditionExpression: IN")
    if isinstance(node, Compare):
        if node.op == "<>":
            raise ValidationException(_PREFIX + "Invalid operator used in KeyConditionExpression: <>")
        left, right, op = node.left, node.right, node.op
        if isinstance(left, Literal) and isinstance(right, Path):
            left, right, op = right, left, _MIRROR[op]
        return _attribute(left), op, (_literal(right),)
    if isinstance(node, Between):
        return _attribute(node.operand), "BETWEEN", (_literal(node.low), _literal(node.high))
    if isinstance(node, Function):
        if node.name != "begins_with":
            raise ValidationException(
                _PREFIX + f"Invalid operator used in KeyConditionExpression: {node.name}"
            )
        prefix = _literal(node.args[1])
        return _attribute(node.args[0]), "begins_with", (prefix,)
    raise ValidationException("Query key condition not supported")


_MIRROR = {"=": "=", "<": ">", "<=": ">=", ">": "<", ">=": "<="}


def _attribute(operand: Any) -> str:
    if isinstance(operand, Path) and len(operand.elements) == 1:
        return str(operand.elements[0])
    if isinstance(operand, Path):
        raise ValidationException(_PREFIX + "Key attribute names cannot be nested paths")
    raise ValidationException("Query key condition not supported")


def _literal(operand: Any) -> Value:
    if isinstance(operand, Literal):
        return operand.value
    raise ValidationException("Query key condition not supported")
