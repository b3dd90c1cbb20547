"""Render rest-xml (S3) response bodies and errors; status, headers and payload are handled by
BaseRestResponseSerializer (rest.py). Mirrors botocore's RestXMLParser. Roots take the shape's
`locationName` (else its name) and `xmlNamespace` (else the service's `metadata.xmlNamespace`, from
extras). Errors are S3's `<Error><Code/><Message/>…<RequestId/><HostId/></Error>` with no namespace.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Callable, Mapping
from typing import Any

from botocore.model import OperationModel, ServiceModel, Shape

from cloudlet.protocol.errors import ServiceError, error_info
from cloudlet.protocol.http import HttpResponse
from cloudlet.protocol.scalars import b64encode, format_float, format_timestamp, iso8601
from cloudlet.protocol.serializers.rest import BaseRestResponseSerializer, Encoder, has_error_body
from cloudlet.protocol.shapes import Converter, ShapeCompiler
from cloudlet.protocol.xmltext import escape, escape_attribute

Parts = list[str]
_DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>\n'


def host_id(request_id: str) -> str:
    """A stable `x-amz-id-2` for a request id (S3's extended request id is opaque base64)."""
    return base64.b64encode(hashlib.sha256(request_id.encode()).digest()).decode("ascii")


class RestXMLResponseSerializer(BaseRestResponseSerializer):
    protocol = "rest-xml"
    content_type = "application/xml"
    event_content_type = "text/xml"

    def __init__(self, service: ServiceModel) -> None:
        super().__init__(service)
        namespace = service.metadata.get("xmlNamespace")
        if isinstance(namespace, dict):
            namespace = namespace.get("uri")
        self._namespace: str | None = namespace
        self._compiler = _XMLOutputCompiler()

    def request_id_headers(self, request_id: str) -> list[tuple[str, str]]:
        return [("x-amz-request-id", request_id), ("x-amz-id-2", host_id(request_id))]

    def compile_document(self, shape: Shape, root: str | None = None) -> Encoder:
        tag = root or shape.serialization.get("name", shape.name)
        write = self._compiler.converter(shape)
        # The root carries the namespace: the shape's own, else the service's (extras metadata).
        namespace = "" if _namespace_attribute(shape) or not self._namespace else self._namespace
        text_root = _text_root(shape, tag)

        def encode(value: Mapping[str, Any]) -> bytes:
            parts: Parts = [_DECLARATION]
            if text_root is not None and value.get(text_root[0]) is not None:
                name, member = text_root
                parts.append(f"<{tag}{_ns(namespace)}>{escape(_text(member, value[name]))}</{tag}>")
            else:
                write(value, parts, tag, namespace)
            return "".join(parts).encode("utf-8")

        return encode

    def serialize_error(
        self, error: ServiceError, operation: OperationModel | None, request_id: str
    ) -> HttpResponse:
        info = error_info(self.service, error)
        headers = self.request_id_headers(request_id)
        shape = info.shape
        parts: Parts = [_DECLARATION, "<Error><Code>", escape(info.code), "</Code><Message>"]
        parts += [escape(error.message), "</Message>"]
        if shape is not None:
            self._add_headers(self.error_plan(shape), error.fields, headers)
        members = shape.members if shape is not None else {}
        for name, value in error.fields.items():
            if value is None or name in ("Code", "Message", "RequestId", "HostId"):
                continue
            member = members.get(name)
            if member is None:
                # S3 adds unmodeled details (BucketName, Key, Resource, ...) as plain elements.
                text = value if isinstance(value, str) else str(value)
                parts.append(f"<{name}>{escape(text)}</{name}>")
            elif not member.serialization.get("location"):
                self._compiler.member_writer(name, member)(value, parts)
        parts += ["<RequestId>", escape(request_id), "</RequestId><HostId>", host_id(request_id)]
        parts.append("</HostId></Error>")
        body = b""
        if has_error_body(info.status, operation):
            headers.append(("Content-Type", self.content_type))
            body = "".join(parts).encode("utf-8")
        return HttpResponse(info.status, headers, body)


# --- writers --------------------------------------------------------------------------------------
# A writer appends the complete element for `value` under `tag` to `parts`; `namespace` is an extra
# default namespace for a document's root element.
Writer = Callable[[Any, Parts, str, str], None]
MemberWriter = Callable[[Any, Parts], None]


def _ns(namespace: str) -> str:
    return f' xmlns="{escape_attribute(namespace)}"' if namespace else ""


def _namespace_attribute(shape: Shape) -> str:
    namespace = shape.serialization.get("xmlNamespace")
    if not namespace:
        return ""
    if isinstance(namespace, str):
        return f' xmlns="{escape_attribute(namespace)}"'
    prefix = namespace.get("prefix")
    name = f"xmlns:{prefix}" if prefix else "xmlns"
    return f' {name}="{escape_attribute(namespace.get("uri", ""))}"'


def _text_root(shape: Shape, tag: str) -> tuple[str, Shape] | None:
    """A document whose root is named as its only, scalar, body member is that member's text:
    S3's `<LocationConstraint>eu-west-1</LocationConstraint>` (with `locationName` from extras)."""
    if shape.type_name != "structure":
        return None
    body = [(n, m) for n, m in shape.members.items() if not m.serialization.get("location")]
    if len(body) != 1:
        return None
    name, member = body[0]
    if member.type_name in ("structure", "list", "map") or member.serialization.get("name", name) != tag:
        return None
    return name, member


class _XMLOutputCompiler(ShapeCompiler):
    """Writers from output values to XML elements; structures leave located members out."""

    def member_writer(self, name: str, member: Shape) -> MemberWriter:
        """How a structure member is written: flattened lists and maps repeat their element."""
        serialization = member.serialization
        wire = serialization.get("name", name)
        if serialization.get("flattened") and member.type_name == "list":
            item_tag = member.member.serialization.get("name", wire)
            write_item = self.converter(member.member)

            def flat_list(value: Any, parts: Parts) -> None:
                for item in value:
                    if item is not None:
                        write_item(item, parts, item_tag, "")

            return flat_list
        if serialization.get("flattened") and member.type_name == "map":
            write_entry = self._entry(member)

            def flat_map(value: Any, parts: Parts) -> None:
                for key, item in value.items():
                    parts.append(f"<{wire}>")
                    write_entry(key, item, parts)
                    parts.append(f"</{wire}>")

            return flat_map
        if member.type_name not in ("structure", "list", "map"):
            render = _renderer(member)
            open_tag, close_tag = f"<{wire}{_namespace_attribute(member)}>", f"</{wire}>"

            def scalar(value: Any, parts: Parts) -> None:
                parts.append(open_tag + escape(render(value)) + close_tag)

            return scalar
        write = self.converter(member)
        return lambda value, parts: write(value, parts, wire, "")

    def build_structure(self, shape: Shape) -> Converter:
        if getattr(shape, "is_document_type", False):
            return self.build_scalar(shape)
        own = _namespace_attribute(shape)
        writers: list[tuple[str, MemberWriter]] = []
        attributes: list[tuple[str, str, Shape]] = []
        for name, member in shape.members.items():
            serialization = member.serialization
            if serialization.get("location"):  # in the status line or headers
                continue
            if serialization.get("xmlAttribute"):
                attributes.append((name, serialization.get("name", name), member))
            else:
                writers.append((name, self.member_writer(name, member)))

        def structure(value: Mapping[str, Any], parts: Parts, tag: str, namespace: str) -> None:
            attrs = own + _ns(namespace) if namespace else own
            for name, wire, member in attributes:
                item = value.get(name)
                if item is not None:
                    attrs += f' {wire}="{escape_attribute(_text(member, item))}"'
            start = len(parts)
            parts.append("")
            for name, write in writers:  # model order, as AWS writes them
                item = value.get(name)
                if item is not None:
                    write(item, parts)
            if len(parts) == start + 1:
                parts[start] = f"<{tag}{attrs}/>"
            else:
                parts[start] = f"<{tag}{attrs}>"
                parts.append(f"</{tag}>")

        return structure

    def build_list(self, shape: Shape) -> Converter:
        own = _namespace_attribute(shape)
        item_tag = shape.member.serialization.get("name", "member")
        write_item = self.converter(shape.member)

        def list_(value: Any, parts: Parts, tag: str, namespace: str) -> None:
            parts.append(f"<{tag}{own}{_ns(namespace)}>")
            for item in value:
                if item is not None:
                    write_item(item, parts, item_tag, "")
            parts.append(f"</{tag}>")

        return list_

    def build_map(self, shape: Shape) -> Converter:
        own = _namespace_attribute(shape)
        write_entry = self._entry(shape)

        def map_(value: Any, parts: Parts, tag: str, namespace: str) -> None:
            parts.append(f"<{tag}{own}{_ns(namespace)}>")
            for key, item in value.items():
                parts.append("<entry>")
                write_entry(key, item, parts)
                parts.append("</entry>")
            parts.append(f"</{tag}>")

        return map_

    def _entry(self, shape: Shape) -> Callable[[Any, Any, Parts], None]:
        key_shape, value_shape = shape.key, shape.value
        key_tag = key_shape.serialization.get("name", "key")
        value_tag = value_shape.serialization.get("name", "value")
        write_key, write_value = self.converter(key_shape), self.converter(value_shape)

        def entry(key: Any, value: Any, parts: Parts) -> None:
            write_key(key, parts, key_tag, "")
            if value is not None:
                write_value(value, parts, value_tag, "")

        return entry

    def build_scalar(self, shape: Shape) -> Converter:
        own = _namespace_attribute(shape)
        render = _renderer(shape)

        def scalar(value: Any, parts: Parts, tag: str, namespace: str) -> None:
            parts.append(f"<{tag}{own}{_ns(namespace)}>{escape(render(value))}</{tag}>")

        return scalar


def _renderer(shape: Shape) -> Callable[[Any], str]:
    kind = shape.type_name
    if kind == "string":
        return str
    if kind == "boolean":
        return lambda v: "true" if v else "false"
    if kind in ("integer", "long", "short", "byte"):
        return lambda v: str(int(v))
    if kind in ("float", "double"):
        return lambda v: format_float(float(v))
    if kind == "timestamp":
        fmt = shape.serialization.get("timestampFormat")
        if fmt in (None, "iso8601"):
            return _iso8601_ms
        return lambda v: str(format_timestamp(v, fmt))
    if kind == "blob":
        return b64encode
    return str


def _text(shape: Shape, value: Any) -> str:
    return _renderer(shape)(value)


def _iso8601_ms(value: Any) -> str:
    """S3 always writes milliseconds (`2024-01-01T00:00:00.000Z`)."""
    return iso8601(value, always_ms=True)
