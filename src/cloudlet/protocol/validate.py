"""Input validation from botocore shapes, before any service code runs.

Checks required members, enums, string/blob/list/map lengths and numeric ranges at every depth, and
reports them the way AWS's request validation does:
`2 validation errors detected: Value null at 'queueUrl' failed to satisfy constraint: Member must not
be null; Value '...' at '...' failed to satisfy constraint: ...`. Regex `pattern` traits are not checked
(they are Java regexes; a near-miss translation would reject valid input).
Checks are compiled once per operation into closures.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from botocore.model import OperationModel, Shape

from cloudlet.protocol.errors import CodedError

Check = Callable[[Any, str, list[str]], None]
_MAX_REPORTED = 10


def _camel(name: str) -> str:
    return name[:1].lower() + name[1:]


def _render(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, bytes):
        return "java.nio.HeapByteBuffer"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_render_inner(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}={_render_inner(v)}" for k, v in value.items()) + "}"
    if isinstance(value, int | float):
        return str(value)
    return f"'{value}'"


def _render_inner(value: Any) -> str:
    rendered = _render(value)
    return rendered[1:-1] if isinstance(value, str) else rendered


def _fail(errors: list[str], value: Any, path: str, constraint: str) -> None:
    errors.append(f"Value {_render(value)} at '{path}' failed to satisfy constraint: {constraint}")


class _Compiler:
    """Builds checks per shape name; recursive shapes (DynamoDB AttributeValue) resolve lazily."""

    def __init__(self, check_enums: bool = True) -> None:
        self._memo: dict[str, Check | None] = {}
        self._building: set[str] = set()
        self._check_enums = check_enums

    def check_for(self, shape: Shape) -> Check | None:
        key = shape.name
        if key in self._memo:
            return self._memo[key]
        if key in self._building:
            memo = self._memo
            return lambda value, path, errors: (memo.get(key) or _noop)(value, path, errors)
        self._building.add(key)
        check = self._build(shape)
        self._building.discard(key)
        self._memo[key] = check
        return check

    def _build(self, shape: Shape) -> Check | None:
        kind = shape.type_name
        if getattr(shape, "is_document_type", False):
            return None
        if kind == "structure":
            return self._structure(shape)
        if kind == "list":
            return self._sized(shape, self.check_for(shape.member), is_map=False)
        if kind == "map":
            return self._sized(shape, self.check_for(shape.value), is_map=True)
        if kind in ("string", "blob"):
            return self._scalar_length(shape)
        if kind in ("integer", "long", "float", "double", "short", "byte"):
            return self._range(shape)
        return None

    def _structure(self, shape: Shape) -> Check | None:
        required = [(name, _camel(name)) for name in shape.required_members]
        members: list[tuple[str, str, Check]] = []
        for name, member in shape.members.items():
            check = self.check_for(member)
            if check is not None:
                members.append((name, _camel(name), check))
        if not required and not members:
            return None

        def check(value: Any, path: str, errors: list[str]) -> None:
            if not isinstance(value, dict):
                return
            prefix = path + "." if path else ""
            for name, camel in required:
                if value.get(name) is None:
                    _fail(errors, None, prefix + camel, "Member must not be null")
            for name, camel, member_check in members:
                member_value = value.get(name)
                if member_value is not None:
                    member_check(member_value, prefix + camel, errors)

        return check

    def _sized(self, shape: Shape, inner: Check | None, *, is_map: bool) -> Check | None:
        lo, hi = shape.metadata.get("min"), shape.metadata.get("max")
        if lo is None and hi is None and inner is None:
            return None

        def check(value: Any, path: str, errors: list[str]) -> None:
            size = len(value)
            if lo is not None and size < lo:
                _fail(errors, value, path, f"Member must have length greater than or equal to {lo}")
            if hi is not None and size > hi:
                _fail(errors, value, path, f"Member must have length less than or equal to {hi}")
            if inner is None:
                return
            if is_map:
                for key, item in value.items():
                    if item is not None:
                        inner(item, f"{path}.{key}.member", errors)
            else:
                for index, item in enumerate(value, 1):
                    if item is not None:
                        inner(item, f"{path}.{index}.member", errors)

        return check

    def _scalar_length(self, shape: Shape) -> Check | None:
        lo, hi = shape.metadata.get("min"), shape.metadata.get("max")
        enum = list(shape.enum) if shape.type_name == "string" and shape.enum and self._check_enums else None
        if lo is None and hi is None and enum is None:
            return None
        allowed = set(enum) if enum else None

        def check(value: Any, path: str, errors: list[str]) -> None:
            if not isinstance(value, str | bytes):
                return
            size = len(value)
            if lo is not None and size < lo:
                _fail(errors, value, path, f"Member must have length greater than or equal to {lo}")
            if hi is not None and size > hi:
                _fail(errors, value, path, f"Member must have length less than or equal to {hi}")
            if allowed is not None and value not in allowed:
                _fail(errors, value, path, f"Member must satisfy enum value set: [{', '.join(enum or [])}]")

        return check

    def _range(self, shape: Shape) -> Check | None:
        lo, hi = shape.metadata.get("min"), shape.metadata.get("max")
        if lo is None and hi is None:
            return None

        def check(value: Any, path: str, errors: list[str]) -> None:
            if isinstance(value, bool) or not isinstance(value, int | float):
                return
            if lo is not None and value < lo:
                _fail(errors, value, path, f"Member must have value greater than or equal to {lo}")
            if hi is not None and value > hi:
                _fail(errors, value, path, f"Member must have value less than or equal to {hi}")

        return check


def _noop(value: Any, path: str, errors: list[str]) -> None:
    return None


class Validator:
    """Validates operation inputs of one service; raises that service's validation error code."""

    def __init__(self, error_code: str = "ValidationException", check_enums: bool = True) -> None:
        self.error_code = error_code
        self._compiler = _Compiler(check_enums)
        self._by_operation: dict[str, Check | None] = {}

    def validate(self, operation: OperationModel, params: dict[str, Any]) -> None:
        """Raises: the service's validation error (e.g. ValidationException) listing every violation."""
        try:
            check = self._by_operation[operation.name]
        except KeyError:
            shape = operation.input_shape
            check = self._compiler.check_for(shape) if shape is not None else None
            self._by_operation[operation.name] = check
        if check is None:
            return
        errors: list[str] = []
        check(params, "", errors)
        if errors:
            count = len(errors)
            noun = "error" if count == 1 else "errors"
            shown = "; ".join(errors[:_MAX_REPORTED])
            raise CodedError(self.error_code, f"{count} validation {noun} detected: {shown}")


def default_validation_error(protocol: str) -> str:
    """The validation error code AWS services of a protocol family answer with, by default."""
    return "ValidationError" if protocol == "query" else "ValidationException"
