"""Per-shape compilation shared by the rpc protocols (query, json, cbor parsers and serializers).

A `ShapeCompiler` turns a botocore shape into a converter function once and caches it under the shape's
name *and* traits (member references can add `locationName`, `flattened`, `timestampFormat`), safely for
recursive shapes (DynamoDB `AttributeValue`) and across threads. It knows no protocol.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from botocore.model import OperationModel, Shape

Converter = Callable[..., Any]


def shape_key(shape: Shape) -> tuple[str, str, str]:
    """Identity of a shape as used on the wire: name, type and every trait a member reference adds.

    botocore creates Shape objects per lookup, so `id(shape)` is no key.
    """
    traits = repr(sorted(shape.serialization.items())) + repr(sorted(shape.metadata.items()))
    return shape.name, shape.type_name, traits


def wire_name(member: Shape, member_name: str) -> str:
    """The member's name on the wire (`locationName`), else its model name."""
    return member.serialization.get("name", member_name)


def event_stream_member(shape: Shape | None) -> str | None:
    """Name of the event-stream member of an output structure, if any."""
    if shape is None or shape.type_name != "structure":
        return None
    for name, member in shape.members.items():
        if member.type_name == "structure" and member.serialization.get("eventstream"):
            return name
    return None


class ShapeCompiler:
    """Builds one converter per shape with `build_<type>` methods of a subclass; caches them.

    Subclasses implement `build_structure`, `build_list`, `build_map` and the scalar builders they need
    (`build_string`, `build_integer`, ..., falling back to `build_scalar`). Builders call `converter()`
    for member shapes; a recursive reference gets a late-bound trampoline.
    """

    def __init__(self) -> None:
        self._cache: dict[tuple[str, str, str], Converter] = {}
        self._building: set[tuple[str, str, str]] = set()
        self._lock = threading.RLock()
        self._operations: dict[tuple[str, str], Converter | None] = {}

    def for_operation(self, operation: OperationModel, direction: str) -> Converter | None:
        """The converter of the operation's `input` or `output` shape (None when it has none)."""
        key = (operation.name, direction)
        try:
            return self._operations[key]
        except KeyError:
            pass
        shape = operation.input_shape if direction == "input" else operation.output_shape
        fn = self.converter(shape) if shape is not None else None
        self._operations[key] = fn
        return fn

    def converter(self, shape: Shape) -> Converter:
        key = shape_key(shape)
        fn = self._cache.get(key)
        if fn is not None:
            return fn
        with self._lock:
            return self._compile(key, shape)

    def _compile(self, key: tuple[str, str, str], shape: Shape) -> Converter:
        fn = self._cache.get(key)
        if fn is not None:
            return fn
        if key in self._building:
            cache = self._cache

            def late(*args: Any) -> Any:
                return cache[key](*args)

            return late
        self._building.add(key)
        try:
            fn = self.build(shape)
        finally:
            self._building.discard(key)
        self._cache[key] = fn
        return fn

    def build(self, shape: Shape) -> Converter:
        kind = shape.type_name
        if kind == "structure" and getattr(shape, "is_document_type", False):
            return self.build_document(shape)
        method = getattr(self, f"build_{kind}", None)
        if method is None:
            return self.build_scalar(shape)
        return method(shape)

    def build_document(self, shape: Shape) -> Converter:
        return self.build_scalar(shape)

    def build_scalar(self, shape: Shape) -> Converter:
        raise NotImplementedError(f"{type(self).__name__} cannot handle {shape.type_name}")
