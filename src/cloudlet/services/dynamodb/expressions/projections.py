"""Applying projection expressions: the projected item keeps only the named paths; list elements
picked by index keep their relative order, packed together, as DynamoDB returns them."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from cloudlet.services.dynamodb.expressions.ast import Path

Value = dict[str, Any]


@dataclass
class Projection:
    """A parsed ProjectionExpression."""

    paths: list[Path]
    names_used: set[str] = field(default_factory=set)

    @property
    def attributes(self) -> list[str]:
        """The top-level attribute names projected (for index projections and Select checks)."""
        seen: list[str] = []
        for path in self.paths:
            first = path.elements[0]
            if isinstance(first, str) and first not in seen:
                seen.append(first)
        return seen

    def apply(self, item: dict[str, Value]) -> dict[str, Value]:
        """The projection of `item` (a new dict; missing paths are left out)."""
        tree: dict[Any, Any] = {}
        for path in self.paths:
            node = tree
            for element in path.elements[:-1]:
                node = node.setdefault(element, {})
            node.setdefault(path.elements[-1], None)
        result: dict[str, Value] = {}
        for name, sub in tree.items():
            if name in item:
                picked = _pick(item[name], sub)
                if picked is not None:
                    result[name] = picked
        return result


def _pick(value: Value, tree: dict[Any, Any] | None) -> Value | None:
    if tree is None:
        return value
    if "M" in value:
        members = value["M"]
        picked_map: dict[str, Value] = {}
        for key, sub in tree.items():
            if isinstance(key, str) and key in members:
                picked = _pick(members[key], sub)
                if picked is not None:
                    picked_map[key] = picked
        return {"M": picked_map} if picked_map else None
    if "L" in value:
        elements = value["L"]
        picked_list = []
        for index in sorted(k for k in tree if isinstance(k, int)):
            if index < len(elements):
                picked = _pick(elements[index], tree[index])
                if picked is not None:
                    picked_list.append(picked)
        return {"L": picked_list} if picked_list else None
    return None
