"""awsJson 1.0/1.1 request parsing: the JSON body (empty = `{}`) walked against the input shape.

Wrong JSON types and malformed JSON raise `SerializationException`, worded like AWS's JSON
deserializer; constraint checks are left to `protocol/validate.py`. `cbor.py` reuses the walk with
CBOR's scalar rules.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, ClassVar

from botocore.model import OperationModel, ServiceModel, Shape

from cloudlet.protocol.errors import SerializationException
from cloudlet.protocol.http import HttpRequest
from cloudlet.protocol.parsers.base import RequestParser
from cloudlet.protocol.scalars import b64decode, parse_timestamp
from cloudlet.protocol.shapes import Converter, ShapeCompiler, wire_name

# Java type names as AWS's deserializer reports them.
_TYPE_NAMES = {
    "string": "String",
    "integer": "Integer",
    "long": "Long",
    "short": "Short",
    "byte": "Byte",
    "float": "Float",
    "double": "Double",
    "boolean": "Boolean",
    "blob": "ByteBuffer",
    "timestamp": "Date",
    "structure": "Structure",
    "list": "List",
    "map": "Map",
}
_SPECIAL_FLOATS = frozenset({"NaN", "Infinity", "-Infinity"})


def mismatch(value: Any, shape: Shape) -> SerializationException:
    """The error AWS's JSON deserializer gives for a value of the wrong JSON type."""
    if isinstance(value, dict):
        return SerializationException("Start of structure or map found where not expected.")
    if isinstance(value, list):
        return SerializationException("Start of list found where not expected")
    if isinstance(value, bool):
        token = "TRUE_VALUE" if value else "FALSE_VALUE"
    elif isinstance(value, int | float):
        token = "NUMBER_VALUE"
    elif isinstance(value, str):
        token = "STRING_VALUE"
    elif isinstance(value, bytes | bytearray):
        token = "BYTE_STRING"
    else:
        token = type(value).__name__.upper()
    return SerializationException(
        f"{token} cannot be converted to {_TYPE_NAMES.get(shape.type_name, 'Value')}"
    )


class JSONInputCompiler(ShapeCompiler):
    """Converters from decoded JSON values to input values; raise SerializationException."""

    def build_structure(self, shape: Shape) -> Converter:
        table: dict[str, tuple[str, Converter]] = {}
        for name, member in shape.members.items():
            table[self.member_key(member, name)] = (name, self.converter(member))

        def structure(value: Any) -> dict[str, Any]:
            if type(value) is not dict:
                raise mismatch(value, shape)
            out: dict[str, Any] = {}
            for key, item in value.items():
                entry = table.get(key)
                if entry is not None and item is not None:
                    out[entry[0]] = entry[1](item)
            return out

        return structure

    def member_key(self, member: Shape, name: str) -> str:
        return wire_name(member, name)

    def build_list(self, shape: Shape) -> Converter:
        convert = self.converter(shape.member)

        def list_(value: Any) -> list[Any]:
            if type(value) is not list:
                raise mismatch(value, shape)
            return [None if item is None else convert(item) for item in value]

        return list_

    def build_map(self, shape: Shape) -> Converter:
        convert_key = self.converter(shape.key)
        convert = self.converter(shape.value)

        def map_(value: Any) -> dict[Any, Any]:
            if type(value) is not dict:
                raise mismatch(value, shape)
            return {convert_key(key): None if item is None else convert(item) for key, item in value.items()}

        return map_

    def build_document(self, shape: Shape) -> Converter:
        return _identity

    def build_string(self, shape: Shape) -> Converter:
        def string(value: Any) -> str:
            if type(value) is str:
                return value
            raise mismatch(value, shape)

        return string

    def build_integer(self, shape: Shape) -> Converter:
        def integer(value: Any) -> int:
            kind = type(value)
            if kind is int:
                return value
            if kind is float and value.is_integer():
                return int(value)
            raise mismatch(value, shape)

        return integer

    build_long = build_short = build_byte = build_integer

    def build_float(self, shape: Shape) -> Converter:
        def float_(value: Any) -> float:
            kind = type(value)
            if kind is float or kind is int:
                return float(value)
            if kind is str and value in _SPECIAL_FLOATS:
                return float(value)
            raise mismatch(value, shape)

        return float_

    build_double = build_float

    def build_boolean(self, shape: Shape) -> Converter:
        def boolean(value: Any) -> bool:
            if type(value) is bool:
                return value
            raise mismatch(value, shape)

        return boolean

    def build_blob(self, shape: Shape) -> Converter:
        def blob(value: Any) -> bytes:
            if type(value) is not str:
                raise mismatch(value, shape)
            try:
                return b64decode(value)
            except ValueError:
                raise SerializationException(f"Base64 encoded value '{value[:64]}' is invalid") from None

        return blob

    def build_timestamp(self, shape: Shape) -> Converter:
        def timestamp(value: Any) -> Any:
            kind = type(value)
            if kind is not int and kind is not float and kind is not str:
                raise mismatch(value, shape)
            try:
                return parse_timestamp(value)
            except ValueError:
                raise SerializationException(f"Value '{value}' cannot be converted to a timestamp") from None

        return timestamp

    def build_scalar(self, shape: Shape) -> Converter:
        return _identity


def _identity(value: Any) -> Any:
    return value


class JSONRequestParser(RequestParser):
    protocol: ClassVar[str] = "json"
    compiler_class: ClassVar[type[JSONInputCompiler]] = JSONInputCompiler

    def __init__(self, service: ServiceModel) -> None:
        super().__init__(service)
        self.compiler = self.compiler_class()

    def parse(
        self,
        operation: OperationModel,
        request: HttpRequest,
        uri_params: Mapping[str, str] | None = None,
    ) -> dict[str, Any]:
        convert = self.compiler.for_operation(operation, "input")
        data = self.decode(request.body)
        if data is None:
            return {}
        if convert is None:
            if type(data) is not dict:
                raise SerializationException("Start of structure or map expected")
            return {}
        try:
            return convert(data)
        except RecursionError:
            raise SerializationException("The request body is nested too deeply") from None

    def decode(self, body: bytes) -> Any:
        """The JSON document of the body; None for an empty body (or JSON `null`)."""
        if not body or body.isspace():
            return None
        try:
            return json.loads(body)
        except json.JSONDecodeError as exc:
            raise SerializationException(
                f"Malformed JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})"
            ) from None
        except (ValueError, RecursionError) as exc:
            # UnicodeDecodeError, integers longer than Python's digit limit, absurd nesting.
            raise SerializationException(f"Malformed JSON: {type(exc).__name__}") from None
