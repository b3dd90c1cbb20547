"""Evaluating condition and filter expressions over an item, and resolving document paths."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from cloudlet.services.dynamodb import values as typed
from cloudlet.services.dynamodb.expressions.ast import (
    Between,
    Call,
    Compare,
    Function,
    In,
    Literal,
    Logical,
    Node,
    Not,
    Operand,
    Parens,
    Path,
)

Value = dict[str, Any]


def resolve(item: dict[str, Value], path: Path) -> Value | None:
    """The value at `path` in `item`, or None when any step is missing or of the wrong kind."""
    first = path.elements[0]
    current: Value | None = item.get(first) if isinstance(first, str) else None
    for element in path.elements[1:]:
        if current is None:
            return None
        if isinstance(element, int):
            members = current.get("L")
            current = members[element] if members is not None and element < len(members) else None
        else:
            members = current.get("M")
            current = members.get(element) if members is not None else None
    return current


def operand_value(item: dict[str, Value], operand: Operand) -> Value | None:
    """The value of a condition operand (None when it refers to a missing attribute)."""
    if isinstance(operand, Literal):
        return operand.value
    if isinstance(operand, Path):
        return resolve(item, operand)
    if isinstance(operand, Call) and operand.name == "size":
        return size(resolve(item, operand.args[0]))
    raise TypeError(f"not a condition operand: {operand!r}")


def size(value: Value | None) -> Value | None:
    """DynamoDB's size(): characters of a string, bytes of a binary, members of a set, list or map."""
    if value is None:
        return None
    tag = typed.type_of(value)
    member = value[tag]
    if tag == "S":
        return {"N": str(len(member))}
    if tag == "B":
        return {"N": str(len(typed.raw_bytes(member)))}
    if tag in ("SS", "NS", "BS", "L", "M"):
        return {"N": str(len(member))}
    return None


def evaluate(node: Node, item: dict[str, Value]) -> bool:
    """Whether `item` satisfies the parsed condition `node`."""
    if isinstance(node, Parens):
        return evaluate(node.inner, item)
    if isinstance(node, Logical):
        if node.op == "AND":
            return evaluate(node.left, item) and evaluate(node.right, item)
        return evaluate(node.left, item) or evaluate(node.right, item)
    if isinstance(node, Not):
        return not evaluate(node.operand, item)
    if isinstance(node, Compare):
        return compare(node.op, operand_value(item, node.left), operand_value(item, node.right))
    if isinstance(node, Between):
        value = operand_value(item, node.operand)
        low, high = operand_value(item, node.low), operand_value(item, node.high)
        lower, upper = typed.compare(low, value), typed.compare(value, high)
        return lower is not None and upper is not None and lower <= 0 and upper <= 0
    if isinstance(node, In):
        value = operand_value(item, node.operand)
        return any(typed.equal(value, operand_value(item, choice)) for choice in node.choices)
    if isinstance(node, Function):
        return function(node, item)
    raise TypeError(f"not a condition: {node!r}")


def compare(op: str, left: Value | None, right: Value | None) -> bool:
    """A comparator over two values; `<>` holds when either side is missing or they differ."""
    if op == "=":
        return typed.equal(left, right)
    if op == "<>":
        return not typed.equal(left, right)
    order = typed.compare(left, right)
    if order is None:
        return False
    return {"<": order < 0, "<=": order <= 0, ">": order > 0, ">=": order >= 0}[op]


def function(node: Function, item: dict[str, Value]) -> bool:
    first = node.args[0]
    assert isinstance(first, Path)
    value = resolve(item, first)
    if node.name == "attribute_exists":
        return value is not None
    if node.name == "attribute_not_exists":
        return value is None
    argument = operand_value(item, node.args[1])
    if value is None or argument is None:
        return False
    tag, arg_tag = typed.type_of(value), typed.type_of(argument)
    if node.name == "attribute_type":
        return arg_tag == "S" and tag == argument["S"]
    if node.name == "begins_with":
        if tag != arg_tag:
            return False
        if tag == "S":
            return bool(value["S"].startswith(argument["S"]))
        if tag == "B":
            return typed.raw_bytes(value["B"]).startswith(typed.raw_bytes(argument["B"]))
        return False
    # contains
    if tag == "S" and arg_tag == "S":
        return argument["S"] in value["S"]
    if tag == "B" and arg_tag == "B":
        return typed.raw_bytes(argument["B"]) in typed.raw_bytes(value["B"])
    if tag in typed.SET_ELEMENT:
        if arg_tag != typed.SET_ELEMENT[tag]:
            return False
        wanted = typed.set_key(tag, argument[arg_tag])
        return any(typed.set_key(tag, member) == wanted for member in value[tag])
    if tag == "L":
        return any(typed.equal(member, argument) for member in value["L"])
    return False


@dataclass
class Condition:
    """A parsed ConditionExpression or FilterExpression."""

    tree: Node
    names_used: set[str] = field(default_factory=set)
    values_used: set[str] = field(default_factory=set)

    def evaluate(self, item: dict[str, Value] | None) -> bool:
        """Whether the item (None or {} for a missing item) satisfies the condition."""
        return evaluate(self.tree, item or {})
