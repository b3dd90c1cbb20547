"""Render rest-json and rest-xml responses: status code, header and prefix-header members, payload
(raw bytes, text, structure or event stream) and body members; rest-json documents and errors here,
rest-xml ones in xml.py. Mirrors botocore's BaseRestParser/RestJSONParser. Where each member goes,
with which formatter or compiled encoder, is planned once per operation (and error shape).
"""

from __future__ import annotations

import datetime as dt
import json
import math
from collections.abc import AsyncIterator, Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar

from botocore.model import OperationModel, ServiceModel, Shape

from cloudlet.protocol import eventstream
from cloudlet.protocol.errors import ServiceError, error_info
from cloudlet.protocol.http import HttpResponse
from cloudlet.protocol.scalars import b64encode, format_float, format_timestamp, timestamp_format
from cloudlet.protocol.serializers.base import ResponseSerializer
from cloudlet.protocol.shapes import Converter, ShapeCompiler

Format = Callable[[Any], str]
Encoder = Callable[[Mapping[str, Any]], bytes]
_NO_BODY_STATUS = (204, 304)
STATUS_KEY = "@status"
"""Output key (never a member name) overriding the HTTP status of a rest response."""
HEADERS_KEY = "@headers"
"""Output key (never a member name): extra response headers, a list of (name, value)."""
_EVENT_STREAM_TYPE = "application/vnd.amazon.eventstream"
_OCTETS = "application/octet-stream"


@dataclass(slots=True)
class _Plan:
    """Where each member of one output (or error) shape travels."""

    status: int = 200
    status_member: str | None = None
    headers: dict[str, tuple[str, Format]] = field(default_factory=dict)
    """Member → (header name, formatter)."""
    prefix_maps: dict[str, str] = field(default_factory=dict)
    """Member → header-name prefix."""
    payload: tuple[str, Shape] | None = None
    body: Encoder | None = None
    """Encoder of the structure payload, or of the body members when there is no payload."""
    binds_content_type: bool = False


class BaseRestResponseSerializer(ResponseSerializer):
    """Status, headers and payload; subclasses encode documents (bodies, structures) and errors."""

    content_type: ClassVar[str] = "application/json"
    event_content_type: ClassVar[str] = "application/json"

    def __init__(self, service: ServiceModel) -> None:
        super().__init__(service)
        self._plans: dict[str, _Plan] = {}
        self._event_encoders: dict[tuple[str, str], tuple[Any, ...]] = {}

    # --- interface --------------------------------------------------------------------------------

    def serialize_response(
        self, operation: OperationModel, output: Mapping[str, Any], request_id: str
    ) -> HttpResponse:
        plan = self._plans.get(operation.name)
        if plan is None:
            plan = self._plans[operation.name] = self._plan(
                operation.output_shape, operation.http.get("responseCode")
            )
        headers = self.request_id_headers(request_id)
        status = plan.status
        if plan.status_member is not None:
            value = output.get(plan.status_member)
            if value is not None:
                status = int(value)
        self._add_headers(plan, output, headers)
        if STATUS_KEY in output:  # a status the model cannot express (S3's 206 for a Range GET)
            status = int(output[STATUS_KEY])
        if HEADERS_KEY in output:  # headers outside the model (CORS on S3 responses)
            headers.extend(output[HEADERS_KEY])
        body: bytes | AsyncIterator[bytes] = b""
        if plan.payload is not None:
            body = self._payload(plan, output, headers)
        elif plan.body is not None:
            body = plan.body(output)
            if not plan.binds_content_type:
                headers.append(("Content-Type", self.content_type))
        if status in _NO_BODY_STATUS or operation.http.get("method") == "HEAD":
            body = b""
        return HttpResponse(status, headers, body)

    def serialize_error(
        self, error: ServiceError, operation: OperationModel | None, request_id: str
    ) -> HttpResponse:
        raise NotImplementedError

    # --- hooks for rest-json / rest-xml -----------------------------------------------------------

    def request_id_headers(self, request_id: str) -> list[tuple[str, str]]:
        return [("x-amzn-RequestId", request_id)]

    def compile_document(self, shape: Shape, root: str | None = None) -> Encoder:
        """An encoder of structure `shape` as a whole document; located members are left out.
        `root` names the XML root element (default: the shape's `locationName`, else its name)."""
        raise NotImplementedError

    # --- planning ---------------------------------------------------------------------------------

    def error_plan(self, shape: Shape) -> _Plan:
        key = "error:" + shape.name
        plan = self._plans.get(key)
        if plan is None:
            plan = self._plans[key] = self._plan(shape, None)
        return plan

    def _plan(self, shape: Shape | None, response_code: int | None) -> _Plan:
        plan = _Plan(status=int(response_code or 200))
        if shape is None:
            return plan
        payload = shape.serialization.get("payload")
        body_members = False
        for name, member in shape.members.items():
            location = member.serialization.get("location")
            wire = member.serialization.get("name", name)
            if location == "statusCode":
                plan.status_member = name
            elif location == "header":
                plan.headers[name] = (wire, self._header_formatter(member))
                if wire.lower() == "content-type":
                    plan.binds_content_type = True
            elif location == "headers":
                plan.prefix_maps[name] = wire
            elif location is None and name != payload:
                body_members = True
        if payload is not None:
            member = shape.members[payload]
            plan.payload = (payload, member)
            if member.type_name == "structure" and not member.serialization.get("eventstream"):
                plan.body = self.compile_document(member, member.serialization.get("name", member.name))
        elif body_members:
            plan.body = self.compile_document(shape)
        return plan

    def _header_formatter(self, shape: Shape) -> Format:
        kind = shape.type_name
        if kind == "string":
            if shape.serialization.get("jsonvalue"):
                return lambda v: b64encode(json.dumps(v, separators=(",", ":")))
            return _header_text
        if kind == "boolean":
            return lambda v: "true" if v else "false"
        if kind in ("integer", "long", "short", "byte"):
            return lambda v: str(int(v))
        if kind in ("float", "double"):
            return lambda v: format_float(float(v))
        if kind == "timestamp":
            fmt = timestamp_format(shape, self.protocol, "header")
            if fmt == "rfc822":
                return http_date
            return lambda v: str(format_timestamp(v, fmt))
        if kind == "blob":
            return b64encode
        if kind == "list":
            item = self._header_formatter(shape.member)
            if shape.member.type_name == "string":
                return lambda v: ",".join(_quote_item(item(x)) for x in v if x is not None)
            return lambda v: ",".join(item(x) for x in v if x is not None)
        return _header_text

    # --- headers and payload ----------------------------------------------------------------------

    def _add_headers(self, plan: _Plan, output: Mapping[str, Any], headers: list[tuple[str, str]]) -> None:
        index, prefix_maps = plan.headers, plan.prefix_maps
        for name, value in output.items():
            if value is None:
                continue
            entry = index.get(name)
            if entry is not None:
                if value != []:  # an empty list is no header (as botocore sends it)
                    headers.append((entry[0], entry[1](value)))
                continue
            prefix = prefix_maps.get(name)
            if prefix is not None:
                for key, item in value.items():
                    if item is not None:
                        headers.append((prefix + key, _header_text(item)))

    def _payload(
        self, plan: _Plan, output: Mapping[str, Any], headers: list[tuple[str, str]]
    ) -> bytes | AsyncIterator[bytes]:
        """The one place a payload member becomes the body (a stream later, for large objects)."""
        assert plan.payload is not None
        name, shape = plan.payload
        value = output.get(name)
        if shape.serialization.get("eventstream"):
            if not plan.binds_content_type:
                headers.append(("Content-Type", _EVENT_STREAM_TYPE))
            return self._event_stream(shape, value)
        if value is None:
            return b""
        kind = shape.type_name
        if kind == "blob":
            if isinstance(value, bytes) or hasattr(value, "__aiter__"):
                return value  # an async iterator of bytes streams as it is
            return value.encode("utf-8") if isinstance(value, str) else bytes(value)
        if kind == "string":
            return value.encode("utf-8") if isinstance(value, str) else bytes(value)
        if not plan.binds_content_type:
            headers.append(("Content-Type", self.content_type))
        assert plan.body is not None
        return plan.body(value)

    # --- event streams ----------------------------------------------------------------------------

    def _event_stream(self, shape: Shape, events: Any) -> bytes | AsyncIterator[bytes]:
        if events is None:
            return b""
        if isinstance(events, list | tuple):
            return b"".join(self.event_messages(shape, events))
        return self._live_events(shape, events)

    async def _live_events(self, shape: Shape, events: Any) -> AsyncIterator[bytes]:
        if hasattr(events, "__aiter__"):
            async for event in events:
                for message in self.event_messages(shape, [event]):
                    yield message
        else:
            for message in self.event_messages(shape, events):
                yield message

    def event_messages(self, stream: Shape, events: Iterable[Mapping[str, Any]]) -> Iterable[bytes]:
        """One message per `{EventName: {...members}}` item; exception members as exception messages."""
        for event in events:
            for name, value in event.items():
                if value is None:
                    continue
                encoder = self._event_encoder(stream, name)
                if encoder is None:
                    continue
                is_exception, headers_of, payload_of, content_type = encoder
                payload = payload_of(value)
                if is_exception:
                    kind = content_type or self.event_content_type
                    yield eventstream.exception_message(name, payload, kind)
                    continue
                message_headers = {":message-type": "event", ":event-type": name}
                if content_type:
                    message_headers[":content-type"] = content_type
                message_headers.update(headers_of(value))
                yield eventstream.encode_message(message_headers, payload)

    def _event_encoder(self, stream: Shape, name: str) -> tuple[Any, ...] | None:
        key = (stream.name, name)
        cached = self._event_encoders.get(key)
        if cached is not None or key in self._event_encoders:
            return cached
        member = stream.members.get(name)
        encoder = None if member is None else self._compile_event(member, name)
        self._event_encoders[key] = encoder
        return encoder

    def _compile_event(self, shape: Shape, name: str) -> tuple[Any, ...]:
        """(is exception, headers of value, payload of value, :content-type) for one event type."""
        header_formats: list[tuple[str, Format]] = []
        payload_of: Callable[[Any], bytes] | None = None
        content_type: str | None = None
        body_members = False
        for member_name, member in shape.members.items():
            if member.serialization.get("eventheader"):
                # eventstream.py writes string headers only; other types travel as their text form.
                header_formats.append((member_name, self._header_formatter(member)))
            elif member.serialization.get("eventpayload") and payload_of is None:
                payload_of, content_type = self._event_payload(member, member_name)
            else:
                body_members = True
        if payload_of is None:
            if body_members:
                payload_of, content_type = self.compile_document(shape, name), self.event_content_type
            else:
                payload_of = _no_payload

        def headers_of(value: Mapping[str, Any]) -> dict[str, str]:
            return {n: fmt(value[n]) for n, fmt in header_formats if value.get(n) is not None}

        return bool(shape.metadata.get("exception")), headers_of, payload_of, content_type

    def _event_payload(self, member: Shape, name: str) -> tuple[Callable[[Any], bytes], str]:
        kind = member.type_name
        if kind == "blob":
            return lambda v: _as_bytes(v.get(name)), _OCTETS
        if kind == "string":
            return lambda v: (v.get(name) or "").encode("utf-8"), "text/plain"
        encode = self.compile_document(member, member.serialization.get("name", member.name))
        return lambda v: encode(v.get(name) or {}), self.event_content_type


def has_error_body(status: int, operation: OperationModel | None) -> bool:
    """HEAD responses and 204/304 carry no body (RFC 9110 §9.3.2, §15.3.5, §15.4.5)."""
    if status in _NO_BODY_STATUS:
        return False
    return operation is None or operation.http.get("method") != "HEAD"


def _no_payload(value: Any) -> bytes:
    return b""


def _as_bytes(value: Any) -> bytes:
    if value is None:
        return b""
    return value.encode("utf-8") if isinstance(value, str) else bytes(value)


def _header_text(value: Any) -> str:
    text = value if isinstance(value, str) else str(value)
    if "\r" in text or "\n" in text:  # no header injection
        text = text.replace("\r", " ").replace("\n", " ")
    return text


def _quote_item(text: str) -> str:
    if '"' in text or "," in text:
        return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return text


_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def http_date(value: Any) -> str:
    """RFC 7231 IMF-fixdate (`Mon, 01 Jan 2024 00:00:00 GMT`), the default for header timestamps."""
    if type(value) is not dt.datetime or value.tzinfo is None:
        return str(format_timestamp(value, "rfc822"))
    when = value.astimezone(dt.UTC)
    return (
        f"{_DAYS[when.weekday()]}, {when.day:02d} {_MONTHS[when.month - 1]} {when.year:04d} "
        f"{when.hour:02d}:{when.minute:02d}:{when.second:02d} GMT"
    )


# --- rest-json --------------------------------------------------------------------------------------


class RestJSONResponseSerializer(BaseRestResponseSerializer):
    """rest-json: JSON bodies; errors as `x-amzn-ErrorType` + `{"message": ..., <members>}`."""

    protocol = "rest-json"
    content_type = "application/json"
    event_content_type = "application/json"

    def __init__(self, service: ServiceModel) -> None:
        super().__init__(service)
        self._compiler = _JSONOutputCompiler()

    def compile_document(self, shape: Shape, root: str | None = None) -> Encoder:
        convert = self._compiler.converter(shape)
        return lambda value: _dumps(convert(value))

    def serialize_error(
        self, error: ServiceError, operation: OperationModel | None, request_id: str
    ) -> HttpResponse:
        info = error_info(self.service, error)
        headers = self.request_id_headers(request_id)
        headers.append(("x-amzn-ErrorType", info.code))
        document: dict[str, Any] = {}
        message_key = "message"
        shape = info.shape
        if shape is not None:
            self._add_headers(self.error_plan(shape), error.fields, headers)
            document = self._compiler.converter(shape)(error.fields)
            for name, member in shape.members.items():
                if name.lower() == "message" and not member.serialization.get("location"):
                    message_key = member.serialization.get("name", name)
                    break
        document[message_key] = error.message
        body = b""
        if has_error_body(info.status, operation):
            headers.append(("Content-Type", self.content_type))
            body = _dumps(document)
        return HttpResponse(info.status, headers, body)


def _dumps(document: Any) -> bytes:
    try:
        return json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    except UnicodeEncodeError:  # lone surrogates: let JSON escape them
        return json.dumps(document, separators=(",", ":")).encode("ascii")


class _JSONOutputCompiler(ShapeCompiler):
    """Converters from output values to JSON-ready values; structures leave located members out."""

    def build_structure(self, shape: Shape) -> Converter:
        table: dict[str, tuple[str, Converter | None]] = {}
        for name, member in shape.members.items():
            if not member.serialization.get("location"):
                table[name] = (member.serialization.get("name", name), self._value(member))

        def structure(value: Mapping[str, Any]) -> dict[str, Any]:
            out: dict[str, Any] = {}
            for name, item in value.items():
                if item is None:
                    continue
                entry = table.get(name)
                if entry is not None:
                    convert = entry[1]
                    out[entry[0]] = item if convert is None else convert(item)
            return out

        return structure

    def _value(self, shape: Shape) -> Converter | None:
        """None for shapes whose Python values are already JSON values."""
        if shape.type_name in ("string", "integer", "long", "short", "byte", "boolean"):
            return None
        if shape.type_name == "structure" and getattr(shape, "is_document_type", False):
            return None
        return self.converter(shape)

    def build_document(self, shape: Shape) -> Converter:
        return _identity

    def build_list(self, shape: Shape) -> Converter:
        convert = self._value(shape.member)
        if convert is None:
            return list
        return lambda value: [None if item is None else convert(item) for item in value]

    def build_map(self, shape: Shape) -> Converter:
        convert = self._value(shape.value)
        if convert is None:
            return lambda value: {str(k): v for k, v in value.items()}
        return lambda value: {str(k): None if v is None else convert(v) for k, v in value.items()}

    def build_scalar(self, shape: Shape) -> Converter:
        kind = shape.type_name
        if kind == "timestamp":
            fmt = timestamp_format(shape, "rest-json")
            return lambda value: format_timestamp(value, fmt)
        if kind == "blob":
            return b64encode
        if kind in ("float", "double"):
            return _json_float
        return _identity


def _identity(value: Any) -> Any:
    return value


def _json_float(value: Any) -> Any:
    number = float(value)
    return number if math.isfinite(number) else format_float(number)
