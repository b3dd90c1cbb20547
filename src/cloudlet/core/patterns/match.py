"""Compiled pattern nodes and how they are evaluated against a parsed JSON event.

Owns matching only; validation and construction live in `compile.py` / `operators.py`. Semantics follow
https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-event-patterns.html (fields AND, values OR),
https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-event-patterns-arrays.html (an event array
matches if any element matches) and
https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-create-pattern-operators.html (operators only on
leaf nodes; ``exists`` works on the presence of a leaf).
"""

from __future__ import annotations

import ipaddress
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, Protocol

__all__ = [
    "AnyOf",
    "AnythingButValues",
    "Cidr",
    "EqualsIgnoreCase",
    "FieldRule",
    "Not",
    "NumericRange",
    "ObjectNode",
    "Prefix",
    "Suffix",
    "ValueMatcher",
    "Wildcard",
    "is_number",
    "leaf_values",
    "quantize",
]

_EMPTY: Mapping[str, Any] = MappingProxyType({})
_MISSING: Any = object()


def quantize(number: int | float, decimals: int) -> int | None:
    """A number as an integer count of ``10**-decimals`` units, or None if it is not finite.

    AWS compares numbers to a fixed number of decimals (six for EventBridge, five for SNS), so 1e-7 and 0 are
    equal for EventBridge.
    """
    scaled = number * 10**decimals
    if isinstance(scaled, float):
        if not math.isfinite(scaled):
            return None
        return round(scaled)
    return scaled


def is_number(value: Any) -> bool:
    """JSON numbers only: Python's bool is an int, but ``true`` is not a number in JSON."""
    return isinstance(value, int | float) and not isinstance(value, bool)


class ValueMatcher(Protocol):
    """One match expression applied to one leaf value of the event."""

    def match(self, value: Any) -> bool: ...


@dataclass(frozen=True, slots=True)
class Prefix:
    text: str
    ignore_case: bool = False

    def match(self, value: Any) -> bool:
        if not isinstance(value, str):
            return False
        return (value.lower() if self.ignore_case else value).startswith(self.text)


@dataclass(frozen=True, slots=True)
class Suffix:
    text: str
    ignore_case: bool = False

    def match(self, value: Any) -> bool:
        if not isinstance(value, str):
            return False
        return (value.lower() if self.ignore_case else value).endswith(self.text)


@dataclass(frozen=True, slots=True)
class EqualsIgnoreCase:
    text: str  # already lower-cased

    def match(self, value: Any) -> bool:
        return isinstance(value, str) and value.lower() == self.text


@dataclass(frozen=True, slots=True)
class Wildcard:
    regex: re.Pattern[str]

    def match(self, value: Any) -> bool:
        return isinstance(value, str) and self.regex.fullmatch(value) is not None


@dataclass(frozen=True, slots=True)
class NumericRange:
    """A one- or two-sided range on quantized numbers; None means unbounded."""

    low: int | None
    low_open: bool
    high: int | None
    high_open: bool
    decimals: int

    def match(self, value: Any) -> bool:
        if not is_number(value):
            return False
        q = quantize(value, self.decimals)
        if q is None:
            return False
        if self.low is not None and (q <= self.low if self.low_open else q < self.low):
            return False
        return not (self.high is not None and (q >= self.high if self.high_open else q > self.high))


@dataclass(frozen=True, slots=True)
class Cidr:
    """An address range ``[address, address | host bits]`` (event-ruler does not zero the host bits)."""

    version: int
    low: int
    high: int

    def match(self, value: Any) -> bool:
        if not isinstance(value, str):
            return False
        try:
            address = ipaddress.ip_address(value)
        except ValueError:
            return False
        return address.version == self.version and self.low <= int(address) <= self.high


@dataclass(frozen=True, slots=True)
class AnyOf:
    matchers: tuple[ValueMatcher, ...]

    def match(self, value: Any) -> bool:
        return any(m.match(value) for m in self.matchers)


@dataclass(frozen=True, slots=True)
class Not:
    """``anything-but`` around prefix/suffix/wildcard/equals-ignore-case: true for every value (of any
    type) the inner expression rejects. The field must still be present."""

    inner: ValueMatcher

    def match(self, value: Any) -> bool:
        return not self.inner.match(value)


@dataclass(frozen=True, slots=True)
class AnythingButValues:
    """``anything-but`` with literal strings or numbers: any present value not among them."""

    strings: frozenset[str]
    numbers: frozenset[int]
    decimals: int

    def match(self, value: Any) -> bool:
        if isinstance(value, str):
            return value not in self.strings
        if is_number(value):
            return quantize(value, self.decimals) not in self.numbers
        return True


def leaf_values(value: Any) -> list[Any]:
    """The leaf values an event value offers: scalars, with arrays flattened and objects dropped."""
    if isinstance(value, list):
        out: list[Any] = []
        for item in value:
            if isinstance(item, list):
                out.extend(leaf_values(item))
            elif not isinstance(item, dict):
                out.append(item)
        return out
    if isinstance(value, dict):
        return []
    return [value]


@dataclass(frozen=True, slots=True)
class FieldRule:
    """The array of match values for one leaf field: true if any of them matches any leaf value.

    Exact literals are kept in sets so the common case is a hash lookup.
    """

    key: str
    strings: frozenset[str]
    numbers: frozenset[int]
    match_true: bool
    match_false: bool
    match_null: bool
    matchers: tuple[ValueMatcher, ...]
    exists: bool  # {"exists": true}
    absent: bool  # {"exists": false}
    decimals: int

    def match_value(self, value: Any) -> bool:
        if isinstance(value, str):
            if value in self.strings:
                return True
        elif value is None:
            if self.match_null:
                return True
        elif isinstance(value, bool):
            if self.match_true if value else self.match_false:
                return True
        elif is_number(value) and self.numbers and quantize(value, self.decimals) in self.numbers:
            return True
        return any(m.match(value) for m in self.matchers)

    def matches(self, obj: Mapping[str, Any]) -> bool:
        raw = obj.get(self.key, _MISSING)
        values = [] if raw is _MISSING else leaf_values(raw)
        if not values:
            return self.absent
        if self.exists:
            return True
        return any(self.match_value(v) for v in values)


@dataclass(frozen=True, slots=True)
class ObjectNode:
    """One object level of a pattern: every field, child object and ``$or`` group must match."""

    fields: tuple[FieldRule, ...]
    children: tuple[tuple[str, ObjectNode], ...]
    alternatives: tuple[tuple[ObjectNode, ...], ...]

    def matches(self, obj: Mapping[str, Any]) -> bool:
        for rule in self.fields:
            if not rule.matches(obj):
                return False
        for key, child in self.children:
            if not _child_matches(child, obj.get(key)):
                return False
        return all(any(branch.matches(obj) for branch in group) for group in self.alternatives)


def _child_matches(child: ObjectNode, value: Any) -> bool:
    """A nested pattern object against the event's value at that key.

    An object is matched directly; an array matches if one of its objects matches the whole nested pattern
    (fields of one element stay together). Anything else counts as an empty object, so only
    ``{"exists": false}`` conditions can hold there.
    """
    if isinstance(value, dict):
        return child.matches(value)
    if isinstance(value, list):
        objects = _objects_in(value)
        if objects:
            return any(child.matches(o) for o in objects)
    return child.matches(_EMPTY)


def _objects_in(values: list[Any]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for item in values:
        if isinstance(item, dict):
            out.append(item)
        elif isinstance(item, list):
            out.extend(_objects_in(item))
    return out
