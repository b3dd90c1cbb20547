"""Parse rest-json and rest-xml requests: uri labels, query string, headers, prefix-header maps,
payload; rest-json bodies here, rest-xml bodies in xml.py.

Mirrors botocore's BaseRestSerializer/RestJSONSerializer. Per-operation work (which member lives
where, with which converter) is planned once per operation and cached on the parser.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar
from urllib.parse import parse_qsl

from botocore.model import OperationModel, Shape

from cloudlet.protocol.errors import SerializationException, ServiceError
from cloudlet.protocol.http import HttpRequest
from cloudlet.protocol.parsers.base import RequestParser
from cloudlet.protocol.scalars import b64decode, parse_bool, parse_timestamp
from cloudlet.protocol.shapes import Converter, ShapeCompiler
from cloudlet.protocol.streams import DecodedStream
from cloudlet.protocol.uri_templates import UNMODELED_QUERY

Convert = Callable[[str], Any]
"""Text (uri, query, header) → value."""
_INTEGERS = ("integer", "long", "short", "byte")
_FLOATS = ("float", "double")
_SPECIAL_FLOATS = {"NaN": math.nan, "Infinity": math.inf, "-Infinity": -math.inf}


def scalar_from_text(shape: Shape, text: str) -> Any:
    """A scalar of `shape` from its text form (uri, query, header, XML); ValueError if malformed.

    Timestamps are parsed leniently (any AWS format), as AWS does.
    """
    kind = shape.type_name
    if kind == "string":
        return text
    if kind in _INTEGERS:
        return int(text.strip())
    if kind == "boolean":
        return parse_bool(text)
    if kind in _FLOATS:
        stripped = text.strip()
        special = _SPECIAL_FLOATS.get(stripped)
        return special if special is not None else float(stripped)
    if kind == "timestamp":
        return parse_timestamp(text)
    if kind == "blob":
        return b64decode(text)
    raise ValueError(f"{kind} has no text form")


def split_header_list(value: str, http_dates: bool = False) -> list[str]:
    """Items of a comma-separated header list (RFC 9110 §5.6.1), honoring "quoted, strings"."""
    if not value.strip():
        return []
    if '"' not in value:
        parts = [part.strip() for part in value.split(",")]
        if http_dates:  # "Mon, 01 Jan 2024 00:00:00 GMT" itself contains a comma
            parts = [f"{parts[i]}, {parts[i + 1]}" for i in range(0, len(parts) - 1, 2)]
        return parts
    items: list[str] = []
    buf: list[str] = []
    quoted = escaped = False
    for char in value:
        if escaped:
            buf.append(char)
            escaped = False
        elif quoted and char == "\\":
            escaped = True
        elif char == '"':
            quoted = not quoted
        elif char == "," and not quoted:
            items.append("".join(buf).strip())
            buf = []
        else:
            buf.append(char)
    items.append("".join(buf).strip())
    return items


@dataclass(slots=True)
class _Plan:
    """Where each input member of one operation travels, with its text converter."""

    uri: list[tuple[str, str, Convert]] = field(default_factory=list)
    query: list[tuple[str, str, Convert, bool]] = field(default_factory=list)
    """(member, key, converter, is_list)."""
    query_maps: list[tuple[str, Convert, bool]] = field(default_factory=list)
    """(member, value converter, values are lists)."""
    reserved_query: frozenset[str] = frozenset()
    """Keys not available to query maps: named members and the template's literals."""
    headers: dict[str, tuple[str, str, Convert]] = field(default_factory=dict)
    """Lower-case header name → (member, header name, converter)."""
    prefix_maps: list[tuple[str, str]] = field(default_factory=list)
    payload: tuple[str, Shape] | None = None
    body_members: bool = False
    body: Any = None
    """The compiled decoder of the structure payload or of the body members (subclass-specific)."""
    content_encoding_member: str | None = None


class BaseRestRequestParser(RequestParser):
    """uri labels, query string, headers and payload; subclasses decode structured bodies."""

    error_class: ClassVar[type[ServiceError]] = SerializationException

    def __init__(self, service: Any) -> None:
        super().__init__(service)
        self._plans: dict[str, _Plan] = {}

    def parse(
        self,
        operation: OperationModel,
        request: HttpRequest,
        uri_params: Mapping[str, str] | None = None,
    ) -> dict[str, Any]:
        plan = self._plans.get(operation.name)
        if plan is None:
            plan = self._plans[operation.name] = self._plan(operation)
        out: dict[str, Any] = {}
        if plan.uri and uri_params:
            for name, wire, convert in plan.uri:
                text = uri_params.get(wire)
                if text is not None:
                    out[name] = self._convert(convert, text, wire)
        if (plan.query or plan.query_maps) and request.query_string:
            self._parse_query(plan, request.query_string, out)
        if plan.headers or plan.prefix_maps:
            self._parse_headers(plan, request, out)
        if plan.payload is not None:
            name, shape = plan.payload
            value = self._parse_payload(shape, plan.body, request)
            if value is not None:
                out[name] = value
        elif plan.body_members:
            out.update(self._parse_body(plan.body, read_body(request, self.error_class)))
        if plan.content_encoding_member and _is_aws_chunked(request):
            self._strip_aws_chunked_coding(plan.content_encoding_member, out)
        return out

    # --- planning ---------------------------------------------------------------------------------

    def _plan(self, operation: OperationModel) -> _Plan:
        plan = _Plan()
        shape = operation.input_shape
        if shape is None:
            return plan
        _, _, template_query = operation.http.get("requestUri", "").partition("?")
        reserved = {part.partition("=")[0] for part in template_query.split("&") if part}
        payload = shape.serialization.get("payload")
        for name, member in shape.members.items():
            location = member.serialization.get("location")
            wire = member.serialization.get("name", name)
            if location == "uri":
                plan.uri.append((name, wire, self._text_converter(member, "uri")))
            elif location == "querystring":
                if member.type_name == "map":
                    value = member.value
                    is_list = value.type_name == "list"
                    inner = value.member if is_list else value
                    plan.query_maps.append((name, self._text_converter(inner, "querystring"), is_list))
                else:
                    is_list = member.type_name == "list"
                    inner = member.member if is_list else member
                    plan.query.append((name, wire, self._text_converter(inner, "querystring"), is_list))
                    reserved.add(wire)
            elif location == "header":
                plan.headers[wire.lower()] = (name, wire, self._text_converter(member, "header"))
                if wire.lower() == "content-encoding":
                    plan.content_encoding_member = name
            elif location == "headers":
                plan.prefix_maps.append((name, wire.lower()))
            elif location is None and name != payload:
                plan.body_members = True
        plan.reserved_query = frozenset(reserved)
        if payload is not None:
            member = shape.members[payload]
            plan.payload = (payload, member)
            plan.body_members = False
            if member.type_name == "structure":
                plan.body = self.compile_body(member)
        elif plan.body_members:
            plan.body = self.compile_body(shape)
        return plan

    def _text_converter(self, shape: Shape, location: str) -> Convert:
        kind = shape.type_name
        if kind == "string":
            if location == "header" and shape.serialization.get("jsonvalue"):
                return _json_value_header
            return _identity
        if kind == "list" and location == "header":
            member = shape.member
            convert = self._text_converter(member, location)
            http_dates = member.type_name == "timestamp" and (
                member.serialization.get("timestampFormat", "rfc822") == "rfc822"
            )
            return lambda text: [convert(item) for item in split_header_list(text, http_dates)]
        return lambda text: scalar_from_text(shape, text)

    def _convert(self, convert: Convert, text: str, wire: str) -> Any:
        try:
            return convert(text)
        except (ValueError, TypeError, OverflowError, RecursionError) as exc:
            raise self.error_class(f"Invalid value for {wire!r}: {text!r}") from exc

    # --- headers and query string -----------------------------------------------------------------

    def _parse_headers(self, plan: _Plan, request: HttpRequest, out: dict[str, Any]) -> None:
        """One pass over the request's headers (usually far fewer than the operation's members)."""
        index = plan.headers
        prefix_maps = plan.prefix_maps
        for key, text in request.headers.lower_items():
            entry = index.get(key)
            if entry is not None:
                name, wire, convert = entry
                out[name] = self._convert(convert, text, wire)
                continue
            for name, prefix in prefix_maps:
                if key.startswith(prefix) and len(key) > len(prefix):
                    out.setdefault(name, {})[key[len(prefix) :]] = text

    def _parse_query(self, plan: _Plan, query_string: str, out: dict[str, Any]) -> None:
        grouped: dict[str, list[str]] = {}
        for key, value in parse_qsl(query_string, keep_blank_values=True):
            grouped.setdefault(key, []).append(value)
        for name, wire, convert, is_list in plan.query:
            values = grouped.get(wire)
            if values is None:
                continue
            if is_list:
                out[name] = [self._convert(convert, v, wire) for v in values]
            else:
                out[name] = self._convert(convert, values[0], wire)
        for name, convert, is_list in plan.query_maps:
            found: dict[str, Any] = {}
            for key, values in grouped.items():
                if key in plan.reserved_query or key in UNMODELED_QUERY:
                    continue
                if is_list:
                    found[key] = [self._convert(convert, v, key) for v in values]
                else:
                    found[key] = self._convert(convert, values[0], key)
            if found:
                out[name] = found

    # --- payload and body -------------------------------------------------------------------------

    def _parse_payload(self, shape: Shape, decoder: Any, request: HttpRequest) -> Any:
        """The payload member: raw bytes/text for blob/string payloads, else a decoded structure.
        An empty body means the member is absent (botocore sends b'' for an absent payload). A body
        the gateway left unread (`request.stream`) is handed over as a stream, decoded from aws-chunked."""
        if request.stream is not None:
            if not _is_aws_chunked(request):
                return request.stream
            decoded = request.headers.get("x-amz-decoded-content-length") or ""
            return DecodedStream(request.stream, int(decoded) if decoded.isdigit() else None)
        body = read_body(request, self.error_class)
        kind = shape.type_name
        if kind == "blob":
            return body if body else None
        if kind == "string":
            if not body:
                return None
            try:
                return body.decode("utf-8")
            except UnicodeDecodeError as exc:
                raise self.error_class("The request body is not valid UTF-8.") from exc
        if not body:
            return None
        return self._parse_payload_structure(decoder, body)

    def compile_body(self, shape: Shape) -> Any:
        """A decoder for the structure `shape` (located members skipped), built once per operation."""
        raise NotImplementedError

    def _parse_payload_structure(self, decoder: Any, body: bytes) -> Any:
        raise NotImplementedError

    def _parse_body(self, decoder: Any, body: bytes) -> dict[str, Any]:
        """The members without a location, from the body."""
        raise NotImplementedError

    def _strip_aws_chunked_coding(self, member: str, out: dict[str, Any]) -> None:
        value = out.get(member)
        if isinstance(value, str):
            codings = [c.strip() for c in value.split(",") if c.strip() and c.strip() != "aws-chunked"]
            if codings:
                out[member] = ",".join(codings)
            else:
                out.pop(member)


def _identity(text: str) -> str:
    return text


def _json_value_header(text: str) -> Any:
    return json.loads(b64decode(text).decode("utf-8"))


# --- aws-chunked (SigV4 streaming) bodies ---------------------------------------------------------


def _is_aws_chunked(request: HttpRequest) -> bool:
    encoding = request.headers.get("content-encoding") or ""
    if "aws-chunked" in encoding:
        return True
    return (request.headers.get("x-amz-content-sha256") or "").startswith("STREAMING-")


def read_body(request: HttpRequest, error_class: type[ServiceError]) -> bytes:
    """The payload bytes: the body, decoded from aws-chunked when a streaming SigV4 client sent it
    so (chunk signatures and trailing checksums are not verified). The one place payload bytes are
    read, so that it can become a stream."""
    body = request.body
    if not body or not _is_aws_chunked(request):
        return body
    try:
        return _decode_aws_chunked(body)
    except ValueError as exc:
        raise error_class("The aws-chunked request body is malformed.") from exc


def _decode_aws_chunked(body: bytes) -> bytes:
    out = bytearray()
    pos = 0
    while True:
        end = body.find(b"\r\n", pos)
        if end < 0:
            raise ValueError("chunk header without CRLF")
        size = int(body[pos:end].split(b";", 1)[0].strip(), 16)
        pos = end + 2
        if size == 0:
            return bytes(out)  # what follows are trailers (x-amz-checksum-*), then CRLF
        if pos + size + 2 > len(body) or body[pos + size : pos + size + 2] != b"\r\n":
            raise ValueError("chunk shorter than declared")
        out += body[pos : pos + size]
        pos += size + 2


# --- rest-json --------------------------------------------------------------------------------------


class RestJSONRequestParser(BaseRestRequestParser):
    """rest-json: JSON object body (empty body = no members); `SerializationException` otherwise."""

    protocol = "rest-json"
    error_class = SerializationException

    def __init__(self, service: Any) -> None:
        super().__init__(service)
        self._compiler = _JSONInputCompiler()

    def _load(self, body: bytes) -> Any:
        try:
            return json.loads(body)
        except (ValueError, RecursionError) as exc:
            raise SerializationException("The request body is not valid JSON.") from exc

    def compile_body(self, shape: Shape) -> Converter:
        return self._compiler.converter(shape)

    def _parse_payload_structure(self, decoder: Converter, body: bytes) -> Any:
        return self._from_json(decoder, self._load(body))

    def _parse_body(self, decoder: Converter, body: bytes) -> dict[str, Any]:
        if not body.strip():
            return {}
        value = self._load(body)
        if not isinstance(value, dict):
            raise SerializationException("Start of structure or map found where not expected.")
        return self._from_json(decoder, value)

    def _from_json(self, decoder: Converter, value: Any) -> Any:
        try:
            return decoder(value)
        except RecursionError as exc:
            raise SerializationException("The request body is nested too deeply.") from exc
        except _JSONTypeError as exc:
            raise SerializationException(str(exc)) from exc


class _JSONTypeError(Exception):
    pass


class _JSONInputCompiler(ShapeCompiler):
    """Converters from decoded JSON to input values, checking JSON types (AWS answers a mismatch
    with SerializationException). Structures skip located members (they are not in the body)."""

    def build_structure(self, shape: Shape) -> Converter:
        table: list[tuple[str, str, Converter]] = []
        for name, member in shape.members.items():
            if member.serialization.get("location"):
                continue
            table.append((name, member.serialization.get("name", name), self.converter(member)))
        label = shape.name

        def structure(value: Any) -> dict[str, Any]:
            if type(value) is not dict:
                raise _JSONTypeError(f"Expected an object for {label}.")
            out: dict[str, Any] = {}
            for name, wire, convert in table:
                raw = value.get(wire)
                if raw is not None:
                    out[name] = convert(raw)
            return out

        return structure

    def build_document(self, shape: Shape) -> Converter:
        return _identity

    def build_list(self, shape: Shape) -> Converter:
        convert = self.converter(shape.member)
        label = shape.name

        def list_(value: Any) -> list[Any]:
            if type(value) is not list:
                raise _JSONTypeError(f"Expected an array for {label}.")
            return [None if item is None else convert(item) for item in value]

        return list_

    def build_map(self, shape: Shape) -> Converter:
        convert = self.converter(shape.value)
        label = shape.name

        def map_(value: Any) -> dict[str, Any]:
            if type(value) is not dict:
                raise _JSONTypeError(f"Expected an object for {label}.")
            return {k: None if v is None else convert(v) for k, v in value.items()}

        return map_

    def build_scalar(self, shape: Shape) -> Converter:
        kind = shape.type_name
        label = shape.name
        if kind == "string":
            return _checked(str, f"Expected a string for {label}.")
        if kind == "boolean":
            return _checked(bool, f"Expected a boolean for {label}.")
        if kind in _INTEGERS:
            return _checked(int, f"Expected an integer for {label}.")
        if kind in _FLOATS:

            def number(value: Any) -> float:
                if type(value) is float or type(value) is int:
                    return float(value)
                if type(value) is str and value in _SPECIAL_FLOATS:
                    return _SPECIAL_FLOATS[value]
                raise _JSONTypeError(f"Expected a number for {label}.")

            return number
        if kind == "blob":

            def blob(value: Any) -> bytes:
                if type(value) is not str:
                    raise _JSONTypeError(f"Expected a base64 string for {label}.")
                try:
                    return b64decode(value)
                except ValueError as exc:
                    raise _JSONTypeError(f"Invalid base64 for {label}.") from exc

            return blob
        if kind == "timestamp":

            def timestamp(value: Any) -> Any:
                if type(value) not in (int, float, str):
                    raise _JSONTypeError(f"Expected a timestamp for {label}.")
                try:
                    return parse_timestamp(value)
                except ValueError as exc:
                    raise _JSONTypeError(f"Invalid timestamp for {label}.") from exc

            return timestamp
        return _identity


def _checked(kind: type, message: str) -> Converter:
    def check(value: Any) -> Any:
        if type(value) is not kind:
            raise _JSONTypeError(message)
        return value

    return check
