"""Parse rest-xml request bodies (S3): XML payloads honoring `locationName`, `flattened`,
`xmlAttribute` and namespaces. Everything outside the body is BaseRestRequestParser's (rest.py).

Any malformed body, or one with a DOCTYPE/ENTITY declaration (entity expansion), is `MalformedXML`.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import Any, ClassVar

from botocore.model import Shape

from cloudlet.protocol.errors import InvalidArgument, MalformedXML, ServiceError
from cloudlet.protocol.parsers.rest import BaseRestRequestParser, scalar_from_text
from cloudlet.protocol.shapes import Converter, ShapeCompiler

_MALFORMED = "The XML you provided was not well-formed or did not validate against our published schema"


class _Invalid(Exception):
    pass


class RestXMLRequestParser(BaseRestRequestParser):
    protocol = "rest-xml"
    error_class: ClassVar[type[ServiceError]] = InvalidArgument
    """For malformed uri/query/header values; bodies raise MalformedXML."""

    def __init__(self, service: Any) -> None:
        super().__init__(service)
        self._compiler = _XMLInputCompiler()

    def compile_body(self, shape: Shape) -> Converter:
        return self._compiler.converter(shape)

    def _parse_payload_structure(self, decoder: Converter, body: bytes) -> Any:
        return _decode(decoder, _load(body))

    def _parse_body(self, decoder: Converter, body: bytes) -> dict[str, Any]:
        if not body.strip():
            return {}
        return _decode(decoder, _load(body))


def _decode(decoder: Converter, root: ET.Element) -> Any:
    try:
        return decoder(root)
    except (_Invalid, ValueError, TypeError, OverflowError, RecursionError) as exc:
        raise MalformedXML(_MALFORMED) from exc


def _load(body: bytes) -> ET.Element:
    # ElementTree expands entities declared in an internal DTD subset (billion laughs): refuse any
    # DTD. AWS rejects them too.
    lowered = body.lower()
    if b"<!doctype" in lowered or b"<!entity" in lowered:
        raise MalformedXML(_MALFORMED)
    try:
        return ET.fromstring(body)
    except (ET.ParseError, ValueError, LookupError, UnicodeError, RecursionError) as exc:
        raise MalformedXML(_MALFORMED) from exc


def _local(tag: Any) -> str:
    if not isinstance(tag, str):  # comments and processing instructions
        return ""
    return tag.rpartition("}")[2]


class _XMLInputCompiler(ShapeCompiler):
    """Decoders from elements to input values. Structures skip located members (not in the body)."""

    def build_structure(self, shape: Shape) -> Converter:
        if getattr(shape, "is_document_type", False):
            return self.build_document(shape)
        elements: list[tuple[str, str, str | None, Converter]] = []
        flat_lists: list[tuple[str, str, str | None, Converter]] = []
        flat_maps: list[tuple[str, str, Converter]] = []
        attributes: list[tuple[str, str, Converter]] = []
        for name, member in shape.members.items():
            serialization = member.serialization
            if serialization.get("location"):
                continue
            wire = serialization.get("name", name)
            if serialization.get("xmlAttribute"):
                attributes.append((name, wire, _text_decoder(member)))
            elif serialization.get("flattened") and member.type_name == "list":
                # botocore's parsers also accept the list member's own locationName.
                alt = member.member.serialization.get("name")
                flat_lists.append((name, wire, alt, self.converter(member.member)))
            elif serialization.get("flattened") and member.type_name == "map":
                flat_maps.append((name, wire, self._entries(member)))
            else:
                elements.append((name, wire, None, self.converter(member)))

        def structure(node: ET.Element) -> dict[str, Any]:
            children: dict[str, list[ET.Element]] = {}
            for child in node:
                children.setdefault(_local(child.tag), []).append(child)
            out: dict[str, Any] = {}
            for name, wire, _, convert in elements:
                found = children.get(wire)
                if found:
                    out[name] = convert(found[0])
            for name, wire, alt, convert in flat_lists:
                found = children.get(wire) or (children.get(alt) if alt else None)
                if found:
                    out[name] = [convert(item) for item in found]
            for name, wire, entries in flat_maps:
                found = children.get(wire)
                if found:
                    out[name] = entries(found)
            for name, wire, convert in attributes:
                text = _attribute(node, wire)
                if text is not None:
                    out[name] = convert(text)
            return out

        return structure

    def build_document(self, shape: Shape) -> Converter:
        def document(node: ET.Element) -> Any:
            raise _Invalid("document types have no XML form")

        return document

    def build_list(self, shape: Shape) -> Converter:
        convert = self.converter(shape.member)
        return lambda node: [convert(item) for item in node if isinstance(item.tag, str)]

    def build_map(self, shape: Shape) -> Converter:
        entries = self._entries(shape)
        return lambda node: entries([entry for entry in node if isinstance(entry.tag, str)])

    def _entries(self, shape: Shape) -> Converter:
        key_shape, value_shape = shape.key, shape.value
        key_name = key_shape.serialization.get("name", "key")
        value_name = value_shape.serialization.get("name", "value")
        convert_key, convert_value = self.converter(key_shape), self.converter(value_shape)

        def entries(found: list[ET.Element]) -> dict[str, Any]:
            out: dict[str, Any] = {}
            for entry in found:
                key = value = None
                for part in entry:
                    tag = _local(part.tag)
                    if tag == key_name:
                        key = part
                    elif tag == value_name:
                        value = part
                if key is None:
                    raise _Invalid("map entry without a key")
                out[convert_key(key)] = None if value is None else convert_value(value)
            return out

        return entries

    def build_scalar(self, shape: Shape) -> Converter:
        decode = _text_decoder(shape)
        return lambda node: decode(node.text or "")


def _text_decoder(shape: Shape) -> Converter:
    if shape.type_name == "string":
        return _identity_text
    return lambda text: scalar_from_text(shape, text)


def _identity_text(text: str) -> str:
    return text


def _attribute(node: ET.Element, wire: str) -> str | None:
    """`xsi:type` arrives as `{http://www.w3.org/2001/XMLSchema-instance}type`: match the local name
    (and an unprefixed name exactly)."""
    if wire in node.attrib:
        return node.attrib[wire]
    _, colon, local = wire.rpartition(":")
    if not colon:
        return None
    for key, value in node.attrib.items():
        if key.startswith("{") and key.rpartition("}")[2] == local:
            return value
    return None
