"""awsQuery request parsing: `Action=…&Name.member.1=…` form bodies (or URL parameters), split on "."
into a tree that compiled per-shape converters walk: lists `Name.member.N` (flattened: `Name.N` under the
member's `locationName`), maps `Name.entry.N.key/value` (flattened: `Name.N.<key name>`), structures
`A.B.C`, `Name=` an empty list; a member's extras `queryName` is accepted too. Undecodable forms raise
`MalformedQueryString`, unconvertible values `InvalidParameterValue`."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar
from urllib.parse import unquote

from botocore.model import OperationModel, ServiceModel, Shape

from cloudlet.protocol.errors import CodedError, MalformedQueryString
from cloudlet.protocol.http import HttpRequest
from cloudlet.protocol.parsers.base import RequestParser
from cloudlet.protocol.scalars import b64decode, parse_bool, parse_timestamp
from cloudlet.protocol.shapes import Converter, ShapeCompiler, wire_name

# A tree node: children by name segment; the parameter's own value, if sent, under the key None.
Node = dict[str | None, Any]
_MISSING: Any = object()
_MAX_FIELDS = 10_000


class _BadValue(Exception):
    """A parameter value that does not convert to its shape's type (path filled in on the way up)."""

    def __init__(self, value: str, expected: str) -> None:
        super().__init__(value)
        self.value = value
        self.expected = expected
        self.path: list[str] = []


def _indexed(node: Node) -> list[tuple[str, Any]]:
    """(index, child) for children named by a decimal index, in index order (`Name.member.N`, `Name.N`)."""
    found = [(k, child) for k, child in node.items() if k is not None and k.isdigit() and k.isascii()]
    found.sort(key=lambda pair: int(pair[0]))
    return found


class QueryInputCompiler(ShapeCompiler):
    """Converters from a parameter tree node to an input value; `_MISSING` when nothing was sent."""

    def build_structure(self, shape: Shape) -> Converter:
        table: dict[str, tuple[str, Converter]] = {}
        aliases: list[tuple[str, tuple[str, Converter]]] = []
        for name, member in shape.members.items():
            entry = (name, self.converter(member))
            table[wire_name(member, name)] = entry
            query_name = member.serialization.get("queryName")
            if query_name:
                # A name only the query protocol uses (extras: where json and query disagree).
                aliases.append((query_name, entry))
            if member.type_name == "list" and member.serialization.get("flattened"):
                # botocore names the elements of a flattened list after the member's locationName
                # (`Name.1`), but an empty list keeps the member's own name (`Original=`).
                item_name = member.member.serialization.get("name")
                if item_name:
                    aliases.append((item_name, entry))
        for alias, entry in aliases:
            table.setdefault(alias, entry)

        def structure(node: Node) -> Any:
            out: dict[str, Any] = {}
            for key, child in node.items():
                entry = table.get(key)  # type: ignore[arg-type]
                if entry is None:
                    continue
                try:
                    value = entry[1](child)
                except _BadValue as exc:
                    exc.path.insert(0, key)
                    raise
                if value is not _MISSING:
                    out[entry[0]] = value
            return out

        return structure

    def build_list(self, shape: Shape) -> Converter:
        convert = self.converter(shape.member)
        flattened = bool(shape.serialization.get("flattened"))
        item_name = shape.member.serialization.get("name", "member")

        def list_(node: Node) -> Any:
            items = node if flattened else node.get(item_name)
            if items is None:
                return [] if None in node else _MISSING
            out = []
            for index, child in _indexed(items):
                try:
                    value = convert(child)
                except _BadValue as exc:
                    exc.path.insert(0, index if flattened else f"{item_name}.{index}")
                    raise
                if value is not _MISSING:
                    out.append(value)
            return out

        return list_

    def build_map(self, shape: Shape) -> Converter:
        convert_key = self.converter(shape.key)
        convert = self.converter(shape.value)
        flattened = bool(shape.serialization.get("flattened"))
        key_name = shape.key.serialization.get("name", "key")
        value_name = shape.value.serialization.get("name", "value")
        # A value that puts no parameter on the wire (an empty structure or map) leaves only the key.
        empty = dict if shape.value.type_name in ("structure", "map") else None

        def map_(node: Node) -> Any:
            entries = node if flattened else node.get("entry")
            if entries is None:
                return {} if None in node else _MISSING
            out: dict[Any, Any] = {}
            for index, entry in _indexed(entries):
                key_node = entry.get(key_name)
                value_node = entry.get(value_name)
                if key_node is None:
                    continue
                part = key_name
                try:
                    key = convert_key(key_node)
                    if key is _MISSING:
                        continue
                    part = value_name
                    value = _MISSING if value_node is None else convert(value_node)
                except _BadValue as exc:
                    exc.path.insert(0, f"{index}.{part}" if flattened else f"entry.{index}.{part}")
                    raise
                if value is _MISSING:
                    if empty is None:
                        continue
                    value = empty()
                out[key] = value
            return out

        return map_

    def build_string(self, shape: Shape) -> Converter:
        def string(node: Node) -> Any:
            return node.get(None, _MISSING)

        return string

    def _scalar(self, parse: Any, expected: str) -> Converter:
        def scalar(node: Node) -> Any:
            text = node.get(None)
            if text is None:
                return _MISSING
            try:
                return parse(text)
            except (ValueError, OverflowError):
                raise _BadValue(text, expected) from None

        return scalar

    def build_integer(self, shape: Shape) -> Converter:
        return self._scalar(int, "an integer")

    build_long = build_short = build_byte = build_integer

    def build_float(self, shape: Shape) -> Converter:
        return self._scalar(float, "a number")

    build_double = build_float

    def build_boolean(self, shape: Shape) -> Converter:
        return self._scalar(parse_bool, "a boolean")

    def build_blob(self, shape: Shape) -> Converter:
        return self._scalar(b64decode, "base64-encoded binary data")

    def build_timestamp(self, shape: Shape) -> Converter:
        return self._scalar(parse_timestamp, "a timestamp")

    def build_scalar(self, shape: Shape) -> Converter:
        return self.build_string(shape)


def build_tree(pairs: list[tuple[str, str]]) -> Node:
    root: Node = {}
    for key, value in pairs:
        node = root
        for part in key.split("."):
            child = node.get(part)
            if child is None:
                child = node[part] = {}
            node = child
        node[None] = value
    return root


def decode_form(text: str) -> list[tuple[str, str]]:
    """`application/x-www-form-urlencoded` pairs (blank values kept); UnicodeDecodeError, ValueError."""
    if text.count("&") >= _MAX_FIELDS:
        raise ValueError("too many fields")
    pairs = []
    for field in text.split("&"):
        if not field:
            continue
        name, _, value = field.partition("=")
        if "+" in name:
            name = name.replace("+", " ")
        if "%" in name:
            name = unquote(name, errors="strict")
        if "+" in value:
            value = value.replace("+", " ")
        if "%" in value:
            value = unquote(value, errors="strict")
        pairs.append((name, value))
    return pairs


def form_pairs(request: HttpRequest) -> list[tuple[str, str]]:
    """Parameters of the URL query string, then of the form body (later ones win)."""
    try:
        pairs = decode_form(request.query_string) if request.query_string else []
        if request.body:
            pairs += decode_form(request.body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise MalformedQueryString("The query string is malformed or not valid UTF-8.") from None
    return pairs


class QueryRequestParser(RequestParser):
    protocol: ClassVar[str] = "query"

    def __init__(self, service: ServiceModel) -> None:
        super().__init__(service)
        self.compiler = QueryInputCompiler()

    def parse(
        self,
        operation: OperationModel,
        request: HttpRequest,
        uri_params: Mapping[str, str] | None = None,
    ) -> dict[str, Any]:
        convert = self.compiler.for_operation(operation, "input")
        pairs = form_pairs(request)
        if convert is None:
            return {}
        try:
            return convert(build_tree(pairs))
        except _BadValue as exc:
            name = ".".join(exc.path)
            raise CodedError(
                "InvalidParameterValue",
                f"Value ({exc.value}) for parameter {name} is invalid. Must be {exc.expected}.",
            ) from None
