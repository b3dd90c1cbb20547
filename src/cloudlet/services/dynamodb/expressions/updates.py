"""Applying update expressions: SET (with `+`/`-`, if_not_exists, list_append), REMOVE, ADD and DELETE.
Values on the right of SET are computed from the item as it was before the update."""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from decimal import Context, Decimal
from typing import Any

from cloudlet.services.dynamodb import values as typed
from cloudlet.services.dynamodb.errors import ValidationException
from cloudlet.services.dynamodb.expressions.ast import Arithmetic, Call, Literal, Operand, Path, UpdateActions
from cloudlet.services.dynamodb.expressions.conditions import resolve

Value = dict[str, Any]
_EXACT = Context(prec=400, Emin=-999999, Emax=999999)
INVALID_PATH = "The document path provided in the update expression is invalid for update"
MISSING = "The provided expression refers to an attribute that does not exist in the item"
WRONG_TYPE = "An operand in the update expression has an incorrect data type"


@dataclass
class Update:
    """A parsed UpdateExpression."""

    actions: UpdateActions
    names_used: set[str] = field(default_factory=set)
    values_used: set[str] = field(default_factory=set)

    @property
    def targets(self) -> list[Path]:
        """Every path the expression writes or removes, in the order written."""
        a = self.actions
        return [p for p, _ in a.set] + list(a.remove) + [p for p, _ in a.add] + [p for p, _ in a.delete]

    def check_keys(self, key_names: list[str] | tuple[str, ...]) -> None:
        """DynamoDB's refusal to update a key attribute."""
        for path in self.targets:
            if path.elements[0] in key_names:
                raise ValidationException(
                    "One or more parameter values were invalid: Cannot update attribute "
                    f"{path.elements[0]}. This attribute is part of the key"
                )

    def apply(self, item: dict[str, Value] | None) -> dict[str, Value]:
        """The item after the update (a new dict); `item` None or {} for an item that does not exist."""
        old = item or {}
        new = copy.deepcopy(old)
        computed = [(path, compute(old, operand)) for path, operand in self.actions.set]
        for path, value in computed:
            assign(new, path, value)
        for path in sorted(self.actions.remove, key=lambda p: p.elements, reverse=True):
            remove(new, path)
        for path, literal in self.actions.add:
            add(new, path, literal.value)
        for path, literal in self.actions.delete:
            delete(new, path, literal.value)
        return new


def compute(item: dict[str, Value], operand: Operand) -> Value:
    """The value of a SET operand against the item before the update."""
    if isinstance(operand, Literal):
        return copy.deepcopy(operand.value)
    if isinstance(operand, Path):
        value = resolve(item, operand)
        if value is None:
            raise ValidationException(MISSING)
        return copy.deepcopy(value)
    if isinstance(operand, Call):
        if operand.name == "if_not_exists":
            existing = resolve(item, operand.args[0])
            return copy.deepcopy(existing) if existing is not None else compute(item, operand.args[1])
        first, second = (compute(item, arg) for arg in operand.args)
        if "L" not in first or "L" not in second:
            raise ValidationException(WRONG_TYPE)
        return {"L": first["L"] + second["L"]}
    if isinstance(operand, Arithmetic):
        left, right = compute(item, operand.left), compute(item, operand.right)
        if "N" not in left or "N" not in right:
            raise ValidationException(WRONG_TYPE)
        x, y = Decimal(left["N"]), Decimal(right["N"])
        result = _EXACT.add(x, y) if operand.op == "+" else _EXACT.subtract(x, y)
        return {"N": typed.check_number(result)}
    raise TypeError(f"not an update operand: {operand!r}")


def _container(item: dict[str, Value], path: Path) -> Any:
    """The dict (map or item) or list that holds the last element of `path`, or INVALID_PATH."""
    if len(path.elements) == 1:
        return item
    parent = resolve(item, Path(path.elements[:-1]))
    last = path.elements[-1]
    if parent is not None:
        if isinstance(last, int) and "L" in parent:
            return parent["L"]
        if isinstance(last, str) and "M" in parent:
            return parent["M"]
    raise ValidationException(INVALID_PATH)


def assign(item: dict[str, Value], path: Path, value: Value) -> None:
    container = _container(item, path)
    last = path.elements[-1]
    if isinstance(container, list):
        assert isinstance(last, int)
        if last < len(container):
            container[last] = value
        else:
            container.append(value)
    else:
        container[last] = value


def remove(item: dict[str, Value], path: Path) -> None:
    container = _container(item, path)
    last = path.elements[-1]
    if isinstance(container, list):
        assert isinstance(last, int)
        if last < len(container):
            del container[last]
    else:
        container.pop(last, None)


def add(item: dict[str, Value], path: Path, value: Value) -> None:
    existing = resolve(item, path)
    if existing is None:
        assign(item, path, copy.deepcopy(value))
        return
    tag = typed.type_of(value)
    if typed.type_of(existing) != tag:
        raise ValidationException(WRONG_TYPE)
    if tag == "N":
        total = _EXACT.add(Decimal(existing["N"]), Decimal(value["N"]))
        assign(item, path, {"N": typed.check_number(total)})
        return
    present = {typed.set_key(tag, member) for member in existing[tag]}
    merged = list(existing[tag])
    for member in value[tag]:
        key = typed.set_key(tag, member)
        if key not in present:
            present.add(key)
            merged.append(member)
    assign(item, path, {tag: merged})


def delete(item: dict[str, Value], path: Path, value: Value) -> None:
    existing = resolve(item, path)
    if existing is None:
        _container(item, path)
        return
    tag = typed.type_of(value)
    if typed.type_of(existing) != tag:
        raise ValidationException(WRONG_TYPE)
    dropped = {typed.set_key(tag, member) for member in value[tag]}
    kept = [member for member in existing[tag] if typed.set_key(tag, member) not in dropped]
    if kept:
        assign(item, path, {tag: kept})
    else:
        remove(item, path)
