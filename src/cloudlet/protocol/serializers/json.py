"""awsJson 1.0/1.1 responses: JSON bodies, `{"__type", "message"}` errors, event streams.

Query-compatible services (`awsQueryCompatible`) also get `x-amzn-query-error: <query code>;<fault>` on
errors. Event-stream outputs are an `initial-response` event (the other output members) followed by one
event per `{EventName: {...}}` item of the stream member. `cbor.py` reuses all of it with CBOR encoding.
"""

from __future__ import annotations

import json
import math
from collections.abc import AsyncIterator, Iterable, Mapping
from typing import Any, ClassVar

from botocore.model import OperationModel, ServiceModel, Shape

from cloudlet.protocol import eventstream
from cloudlet.protocol.errors import ServiceError, error_info
from cloudlet.protocol.http import HttpResponse
from cloudlet.protocol.scalars import b64encode, epoch_seconds, format_timestamp, timestamp_format
from cloudlet.protocol.serializers.base import ResponseSerializer
from cloudlet.protocol.shapes import Converter, ShapeCompiler, event_stream_member, wire_name

_ENCODER = json.JSONEncoder(separators=(",", ":"))  # stateless; ASCII-only output never fails to encode


class JSONOutputCompiler(ShapeCompiler):
    """Converters from output values to JSON-ready values. `None` converters mean "as is"."""

    protocol = "json"

    def member_key(self, member: Shape, name: str) -> str:
        return wire_name(member, name)

    def value_converter(self, shape: Shape) -> Converter | None:
        """The converter of `shape`, or None when its values are already wire values."""
        if shape.type_name in ("string", "integer", "long", "short", "byte", "boolean"):
            return None
        if shape.type_name == "structure" and getattr(shape, "is_document_type", False):
            return None
        return self.converter(shape)

    def build_structure(self, shape: Shape) -> Converter:
        table: dict[str, tuple[str, Converter | None]] = {}
        for name, member in shape.members.items():
            table[name] = (self.member_key(member, name), self.value_converter(member))

        def structure(value: Mapping[str, Any]) -> dict[str, Any]:
            out: dict[str, Any] = {}
            for key, item in value.items():
                if item is None:
                    continue
                entry = table.get(key)
                if entry is None:
                    continue
                convert = entry[1]
                out[entry[0]] = item if convert is None else convert(item)
            return out

        return structure

    def build_list(self, shape: Shape) -> Converter:
        convert = self.value_converter(shape.member)
        if convert is None:
            return list
        return lambda value: [None if item is None else convert(item) for item in value]

    def build_map(self, shape: Shape) -> Converter:
        convert = self.value_converter(shape.value)
        if convert is None:
            return lambda value: {key: item for key, item in value.items() if item is not None}
        return lambda value: {key: convert(item) for key, item in value.items() if item is not None}

    def build_float(self, shape: Shape) -> Converter:
        return _float

    build_double = build_float

    def build_blob(self, shape: Shape) -> Converter:
        return b64encode

    def build_timestamp(self, shape: Shape) -> Converter:
        fmt = timestamp_format(shape, self.protocol)
        if fmt == "unixTimestamp":
            return epoch_seconds
        return lambda value: format_timestamp(value, fmt)

    def build_scalar(self, shape: Shape) -> Converter:
        return _identity


def _identity(value: Any) -> Any:
    return value


def _float(value: Any) -> Any:
    value = float(value)
    if math.isfinite(value):
        return value
    if math.isnan(value):
        return "NaN"
    return "Infinity" if value > 0 else "-Infinity"


class JSONResponseSerializer(ResponseSerializer):
    protocol: ClassVar[str] = "json"
    compiler_class: ClassVar[type[JSONOutputCompiler]] = JSONOutputCompiler
    event_content_type: ClassVar[str] = "application/json"

    def __init__(self, service: ServiceModel) -> None:
        super().__init__(service)
        self.compiler = self.compiler_class()
        self.content_type = f"application/x-amz-json-{service.metadata.get('jsonVersion', '1.0')}"
        self.query_compatible = "awsQueryCompatible" in service.metadata
        self._streams: dict[str, str | None] = {}

    # --- encoding hooks (overridden by cbor.py) -------------------------------------------------------

    def encode(self, document: Any) -> bytes:
        return _ENCODER.encode(document).encode("utf-8")

    def base_headers(self, request_id: str) -> list[tuple[str, str]]:
        """Headers of every response; Content-Type first."""
        return [("Content-Type", self.content_type), ("x-amzn-RequestId", request_id)]

    def empty_body(self) -> bytes:
        """Body of an operation without output."""
        return b"{}"

    # --- responses ------------------------------------------------------------------------------------

    def serialize_response(
        self, operation: OperationModel, output: Mapping[str, Any], request_id: str
    ) -> HttpResponse:
        convert = self.compiler.for_operation(operation, "output")
        if convert is None:
            return HttpResponse(200, self.base_headers(request_id), self.empty_body())
        stream = self._stream_member(operation)
        if stream is not None:
            return self._event_stream_response(operation, output, stream, request_id)
        return HttpResponse(200, self.base_headers(request_id), self.encode(convert(output)))

    def serialize_error(
        self, error: ServiceError, operation: OperationModel | None, request_id: str
    ) -> HttpResponse:
        info = error_info(self.service, error)
        headers = self.base_headers(request_id)
        headers.append(("x-amzn-ErrorType", info.code))
        if self.query_compatible:
            fault = "Sender" if info.sender_fault else "Receiver"
            headers.append(("x-amzn-query-error", f"{info.query_code};{fault}"))
        return HttpResponse(
            info.status, headers, self.encode(self.error_document(error, info.code, info.shape))
        )

    def error_document(self, error: ServiceError, code: str, shape: Shape | None) -> dict[str, Any]:
        message_key = "message"
        document: dict[str, Any] = {"__type": code}
        fields = {k: v for k, v in error.fields.items() if v is not None}
        if shape is not None:
            members = shape.members
            if "Message" in members and "message" not in members:
                message_key = "Message"
            extras = {k: v for k, v in fields.items() if k in members and k not in ("message", "Message")}
            if extras:
                document.update(self.compiler.converter(shape)(extras))
        elif fields:
            document.update({k: v for k, v in fields.items() if _jsonable(v)})
        document[message_key] = error.message
        return document

    # --- event streams --------------------------------------------------------------------------------

    def _stream_member(self, operation: OperationModel) -> str | None:
        try:
            return self._streams[operation.name]
        except KeyError:
            name = event_stream_member(operation.output_shape) if operation.has_event_stream_output else None
            self._streams[operation.name] = name
            return name

    def _event_stream_response(
        self, operation: OperationModel, output: Mapping[str, Any], stream: str, request_id: str
    ) -> HttpResponse:
        shape = operation.output_shape
        assert shape is not None
        initial = {k: v for k, v in output.items() if k != stream}
        head = eventstream.event_message(
            "initial-response",
            self.encode(self.compiler.converter(shape)(initial)),
            self.event_content_type,
        )
        stream_shape = shape.members[stream]
        headers = self.base_headers(request_id)
        headers[0] = ("Content-Type", "application/vnd.amazon.eventstream")
        events = output.get(stream) or []
        if isinstance(events, list | tuple):
            body = head + b"".join(self.event_messages(stream_shape, events))
            return HttpResponse(200, headers, body)
        return HttpResponse(200, headers, self._live_stream(head, stream_shape, events))

    async def _live_stream(self, head: bytes, stream_shape: Shape, events: Any) -> AsyncIterator[bytes]:
        yield head
        if hasattr(events, "__aiter__"):
            async for event in events:
                for message in self.event_messages(stream_shape, [event]):
                    yield message
        else:
            for message in self.event_messages(stream_shape, events):
                yield message

    def event_messages(self, stream_shape: Shape, events: Iterable[Mapping[str, Any]]) -> Iterable[bytes]:
        """One event-stream message per `{EventName: {...}}` item (exceptions as exception messages)."""
        for event in events:
            for name, value in event.items():
                member = stream_shape.members.get(name)
                if member is None or value is None:
                    continue
                if member.metadata.get("exception"):
                    document = self.compiler.converter(member)(value)
                    yield eventstream.exception_message(name, self.encode(document), self.event_content_type)
                    continue
                headers, payload = self._event_parts(member, value)
                message_headers = {":message-type": "event", ":event-type": name}
                message_headers.update(headers)
                yield eventstream.encode_message(message_headers, payload)

    def _event_parts(self, shape: Shape, value: Mapping[str, Any]) -> tuple[dict[str, str], bytes]:
        headers: dict[str, str] = {}
        body: dict[str, Any] = {}
        payload: bytes | None = None
        for name, member in shape.members.items():
            item = value.get(name)
            if item is None:
                continue
            if member.serialization.get("eventheader"):
                headers[name] = str(item)
            elif member.serialization.get("eventpayload"):
                if member.type_name == "blob":
                    payload = item if isinstance(item, bytes) else bytes(item)
                    headers[":content-type"] = "application/octet-stream"
                elif member.type_name == "string":
                    payload = item.encode("utf-8")
                    headers[":content-type"] = "text/plain"
                else:
                    payload = self.encode(self.compiler.converter(member)(item))
                    headers[":content-type"] = self.event_content_type
            else:
                body[name] = item
        if payload is None:
            payload = self.encode(self.compiler.converter(shape)(body))
            headers[":content-type"] = self.event_content_type
        return headers, payload


def _jsonable(value: Any) -> bool:
    return isinstance(value, str | int | float | bool | list | dict)
