"""awsQuery responses: `<OpResponse xmlns=…><OpResult>…</OpResult><ResponseMetadata>…` XML; lists as
`<member>` (or repeated elements when flattened), maps `<entry><key/><value/>`, iso8601 timestamps,
base64 blobs. Errors: `<ErrorResponse><Error><Type/><Code/><Message/>…</Error><RequestId/>` with the
query code and the model's status. Writers, compiled per shape, append each element to a list of parts.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from botocore.model import OperationModel, ServiceModel, Shape

from cloudlet.protocol.errors import ServiceError, error_info
from cloudlet.protocol.http import HttpResponse
from cloudlet.protocol.scalars import b64encode, format_float, format_timestamp, iso8601, timestamp_format
from cloudlet.protocol.serializers.base import ResponseSerializer
from cloudlet.protocol.shapes import Converter, ShapeCompiler, wire_name
from cloudlet.protocol.xmltext import escape, escape_attribute

Parts = list[str]
CONTENT_TYPE = "text/xml"


def xml_namespace(service: ServiceModel) -> str:
    """`metadata.xmlNamespace`, else AWS's `https://{endpointPrefix}.amazonaws.com/doc/{apiVersion}/`."""
    namespace = service.metadata.get("xmlNamespace")
    if isinstance(namespace, dict):
        namespace = namespace.get("uri")
    return namespace or f"https://{service.endpoint_prefix}.amazonaws.com/doc/{service.api_version}/"


def element_name(member: Shape, name: str) -> str:
    """Tag of a structure member: a flattened list's elements take its member's locationName; else the
    member's `queryName` (extras: the query name where a service's query and json names differ), its
    locationName, or its name."""
    if member.type_name == "list" and member.serialization.get("flattened"):
        item_name = member.member.serialization.get("name")
        if item_name:
            return item_name
    return member.serialization.get("queryName") or wire_name(member, name)


def _is_text(shape: Shape) -> bool:
    return shape.type_name == "string"


def _entries(write_key: Converter, write_value: Converter, key_name: str, value_name: str) -> Converter:
    """Writer of map entries, each as `<tag><key/><value/></tag>`."""

    def entries(value: Mapping[Any, Any], parts: Parts, tag: str) -> None:
        for key, item in value.items():
            if item is not None:
                parts.append(f"<{tag}>")
                write_key(key, parts, key_name)
                write_value(item, parts, value_name)
                parts.append(f"</{tag}>")

    return entries


def _text_entries(key_name: str, value_name: str) -> Converter:
    """`_entries` for string keys and values, one part per entry."""

    def entries(value: Mapping[Any, Any], parts: Parts, tag: str) -> None:
        for key, item in value.items():
            if item is not None:
                parts.append(
                    f"<{tag}><{key_name}>{escape(str(key))}</{key_name}>"
                    f"<{value_name}>{escape(str(item))}</{value_name}></{tag}>"
                )

    return entries


class QueryOutputCompiler(ShapeCompiler):
    """Writers `(value, parts, tag) -> None`; `members(shape)` writes a structure's members only."""

    def members(self, shape: Shape) -> Converter:
        # String members (most of them) are written inline: a `None` writer.
        table: dict[str, tuple[str, Converter | None]] = {
            name: (element_name(member, name), None if _is_text(member) else self.converter(member))
            for name, member in shape.members.items()
        }

        def write_members(value: Mapping[str, Any], parts: Parts) -> None:
            for key, item in value.items():
                if item is None:
                    continue
                entry = table.get(key)
                if entry is None:
                    continue
                tag, write = entry
                if write is None:
                    parts.append(f"<{tag}>{escape(item if type(item) is str else str(item))}</{tag}>")
                else:
                    write(item, parts, tag)

        return write_members

    def build_structure(self, shape: Shape) -> Converter:
        write_members = self.members(shape)

        def structure(value: Mapping[str, Any], parts: Parts, tag: str) -> None:
            parts.append(f"<{tag}>")
            write_members(value, parts)
            parts.append(f"</{tag}>")

        return structure

    def build_list(self, shape: Shape) -> Converter:
        write = self.converter(shape.member)
        if shape.serialization.get("flattened"):

            def flattened(value: list[Any], parts: Parts, tag: str) -> None:
                for item in value:
                    if item is not None:
                        write(item, parts, tag)

            return flattened
        item_name = shape.member.serialization.get("name", "member")

        def list_(value: list[Any], parts: Parts, tag: str) -> None:
            parts.append(f"<{tag}>")
            for item in value:
                if item is not None:
                    write(item, parts, item_name)
            parts.append(f"</{tag}>")

        return list_

    def build_map(self, shape: Shape) -> Converter:
        key_name = shape.key.serialization.get("name", "key")
        value_name = shape.value.serialization.get("name", "value")
        if _is_text(shape.key) and _is_text(shape.value):
            entries = _text_entries(key_name, value_name)  # attributes, tags: one part per entry
        else:
            entries = _entries(self.converter(shape.key), self.converter(shape.value), key_name, value_name)
        if shape.serialization.get("flattened"):
            return entries

        def map_(value: Mapping[Any, Any], parts: Parts, tag: str) -> None:
            parts.append(f"<{tag}>")
            entries(value, parts, "entry")
            parts.append(f"</{tag}>")

        return map_

    def _text(self, render: Any) -> Converter:
        def text(value: Any, parts: Parts, tag: str) -> None:
            parts.append(f"<{tag}>{render(value)}</{tag}>")

        return text

    def build_string(self, shape: Shape) -> Converter:
        def string(value: Any, parts: Parts, tag: str) -> None:
            parts.append(f"<{tag}>{escape(value if type(value) is str else str(value))}</{tag}>")

        return string

    def build_integer(self, shape: Shape) -> Converter:
        return self._text(lambda value: str(int(value)))

    build_long = build_short = build_byte = build_integer

    def build_float(self, shape: Shape) -> Converter:
        return self._text(format_float)

    build_double = build_float

    def build_boolean(self, shape: Shape) -> Converter:
        return self._text(lambda value: "true" if value else "false")

    def build_blob(self, shape: Shape) -> Converter:
        return self._text(b64encode)

    def build_timestamp(self, shape: Shape) -> Converter:
        fmt = timestamp_format(shape, "query")
        if fmt == "iso8601":
            return self._text(iso8601)
        return self._text(lambda value: format_timestamp(value, fmt))

    def build_scalar(self, shape: Shape) -> Converter:
        return self.build_string(shape)


class QueryResponseSerializer(ResponseSerializer):
    protocol: ClassVar[str] = "query"

    def __init__(self, service: ServiceModel) -> None:
        super().__init__(service)
        self.compiler = QueryOutputCompiler()
        self.xmlns = escape_attribute(xml_namespace(service))
        self._outputs: dict[str, tuple[str | None, Converter | None]] = {}
        self._errors: dict[str, Converter] = {}

    def _error_writer(self, shape: Shape) -> Converter:
        writer = self._errors.get(shape.name)
        if writer is None:
            writer = self._errors[shape.name] = self.compiler.members(shape)
        return writer

    def _output_writer(self, operation: OperationModel) -> tuple[str | None, Converter | None]:
        try:
            return self._outputs[operation.name]
        except KeyError:
            pass
        shape = operation.output_shape
        if shape is None:
            found: tuple[str | None, Converter | None] = (None, None)
        else:
            found = (shape.serialization.get("resultWrapper"), self.compiler.members(shape))
        self._outputs[operation.name] = found
        return found

    def serialize_response(
        self, operation: OperationModel, output: Mapping[str, Any], request_id: str
    ) -> HttpResponse:
        wrapper, write_members = self._output_writer(operation)
        name = operation.name
        parts: Parts = [f'<{name}Response xmlns="{self.xmlns}">']
        if write_members is not None:
            if wrapper:
                parts.append(f"<{wrapper}>")
                write_members(output, parts)
                parts.append(f"</{wrapper}>")
            else:
                write_members(output, parts)
        parts.append(
            f"<ResponseMetadata><RequestId>{escape(request_id)}</RequestId></ResponseMetadata></{name}Response>"
        )
        return HttpResponse(200, self._headers(request_id), "".join(parts).encode("utf-8"))

    def serialize_error(
        self, error: ServiceError, operation: OperationModel | None, request_id: str
    ) -> HttpResponse:
        info = error_info(self.service, error)
        parts: Parts = [
            f'<ErrorResponse xmlns="{self.xmlns}"><Error>',
            f"<Type>{'Sender' if info.sender_fault else 'Receiver'}</Type>",
            f"<Code>{escape(info.query_code)}</Code>",
            f"<Message>{escape(error.message)}</Message>",
        ]
        if info.shape is not None and error.fields:
            members = info.shape.members
            extras = {
                k: v
                for k, v in error.fields.items()
                if k in members and k not in ("message", "Message", "Code", "Type")
            }
            if extras:
                self._error_writer(info.shape)(extras, parts)
        parts.append(f"</Error><RequestId>{escape(request_id)}</RequestId></ErrorResponse>")
        return HttpResponse(info.status, self._headers(request_id), "".join(parts).encode("utf-8"))

    def _headers(self, request_id: str) -> list[tuple[str, str]]:
        return [("Content-Type", CONTENT_TYPE), ("x-amzn-RequestId", request_id)]
