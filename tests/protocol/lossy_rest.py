"""Lossy wire rules of the rest protocols (rest-json, rest-xml); see lossy.py.

Each rule names what the HTTP message (as botocore writes or reads it, and as AWS sees it) cannot
carry. Both sides of a comparison go through the same rule, so a real bug still shows as a difference.
"""

from __future__ import annotations

from typing import Any

from botocore.model import OperationModel, Shape

from cloudlet.protocol.scalars import timestamp_format


def normalize_request(protocol: str, operation: OperationModel, value: Any) -> Any:
    shape = operation.input_shape
    if shape is None or not isinstance(value, dict):
        return value
    payload = shape.serialization.get("payload")
    out: dict[str, Any] = {}
    for name, item in value.items():
        member = shape.members.get(name)
        if member is None:
            out[name] = item
            continue
        location = member.serialization.get("location")
        wire = member.serialization.get("name", name).lower()
        if location == "header" and wire == "content-length":
            # Framing rule: Content-Length is the body's length, written by the HTTP client for every
            # body (botocore's prepared request sets it when the caller does not).
            continue
        if location in ("header", "querystring") and member.type_name == "list" and not item:
            # Header rule: botocore never sets a header for an empty list (and an empty header value
            # cannot be told from none). Query rule: an empty list is zero `key=value` pairs.
            continue
        if location == "querystring" and member.type_name == "map":
            # Query rule: map entries are bare `key=value` pairs; an entry whose value is an empty
            # list is no pair, and an empty map is no pairs at all.
            item = {k: v for k, v in item.items() if v != []}
            if not item:
                continue
        if location == "headers":
            # Header rule: field names are case-insensitive (RFC 9110 §5.1; HTTP/2 lower-cases them),
            # so prefix-header map keys arrive lower-cased; an empty map is no headers at all.
            item = {k.lower(): v for k, v in item.items()}
            if not item:
                continue
        if name == payload and member.type_name in ("blob", "string") and not item:
            # Payload rule: botocore sends an empty body for an absent blob/string payload, so an
            # empty payload and an absent one are the same message.
            continue
        if name == payload and protocol == "rest-json" and member.type_name == "structure" and item == {}:
            # rest-json payload rule: botocore sends `{}` for an absent structure payload.
            continue
        out[name] = _truncate_timestamps(item, member, protocol, location)
    if protocol == "rest-xml":
        out = drop_empty_flattened(out, shape)
    return out


def normalize_response(protocol: str, operation: OperationModel, value: Any) -> Any:
    shape = operation.output_shape
    if shape is None or not isinstance(value, dict):
        return value
    payload = shape.serialization.get("payload")
    out = dict(value)
    for name, member in shape.members.items():
        location = member.serialization.get("location")
        item = out.get(name)
        if location == "statusCode" and item is None:
            # Status rule: every response has a status line, and botocore always reads the member from
            # it: an absent statusCode member is the operation's default status.
            out[name] = int(operation.http.get("responseCode", 200))
        elif location == "headers" and not item:
            # Header rule: botocore always returns the prefix-header map; no headers is an empty map.
            out.pop(name, None)
        elif location == "header" and member.type_name == "list" and item == []:
            # Header rule: an empty list is no header at all.
            out.pop(name, None)
        elif name == payload and item is None:
            # Payload rule: the body is always there; botocore reads an absent payload as the empty
            # body: b"" (blob), "" (string), {} (structure), [] (event stream).
            out[name] = _empty_payload(member)
        elif name == payload and member.serialization.get("eventstream") and isinstance(item, list):
            out[name] = [_normalize_event(member, event) for event in item]
    if protocol == "rest-xml":
        out = drop_empty_flattened(out, shape)
    return out


def _empty_payload(member: Shape) -> Any:
    if member.serialization.get("eventstream"):
        return []
    return {"blob": b"", "string": ""}.get(member.type_name, {})


def _normalize_event(stream: Shape, event: Any) -> Any:
    """Event payload rule: an event's payload member is its message body, always present; absent is
    the empty body (b"", "", {})."""
    if not isinstance(event, dict):
        return event
    out = {}
    for name, value in event.items():
        member = stream.members.get(name)
        if member is None or not isinstance(value, dict):
            out[name] = value
            continue
        value = dict(value)
        for member_name, item_shape in member.members.items():
            if item_shape.serialization.get("eventpayload") and value.get(member_name) is None:
                value[member_name] = _empty_payload(item_shape)
        out[name] = value
    return out


def _is_document(shape: Shape) -> bool:
    return bool(getattr(shape, "is_document_type", False))


def _truncate_timestamps(value: Any, shape: Shape, protocol: str, location: str | None) -> Any:
    """Timestamp rule: botocore writes unixTimestamp (rest-json bodies) as whole epoch seconds
    (`_timestamp_unixtimestamp` at the default precision), rfc822 without fractions, and every
    header timestamp from whole seconds (`_convert_header_value`), so sub-second precision never
    reaches the server there; iso8601 elsewhere keeps it."""
    kind = shape.type_name
    if kind == "timestamp":
        if location == "header" or timestamp_format(shape, protocol, location) in ("unixTimestamp", "rfc822"):
            return value.replace(microsecond=0)
        return value
    if kind == "structure" and not _is_document(shape) and isinstance(value, dict):
        return {
            k: _truncate_timestamps(v, shape.members[k], protocol, None) if k in shape.members else v
            for k, v in value.items()
        }
    if kind == "list" and isinstance(value, list):
        return [_truncate_timestamps(v, shape.member, protocol, location) for v in value]
    if kind == "map" and isinstance(value, dict):
        return {k: _truncate_timestamps(v, shape.value, protocol, location) for k, v in value.items()}
    return value


def _element_name(member: Shape, name: str) -> str:
    if member.type_name == "list" and member.serialization.get("flattened"):
        item_name = member.member.serialization.get("name")
        if item_name:
            return item_name
    return member.serialization.get("name", name)


def _shared_element_names(shape: Shape) -> set[str]:
    """Members whose XML elements have the same name (S3's deprecated TopicConfigurationDeprecated:
    `Event` and the flattened `Events` are both `<Event>` elements)."""
    seen: dict[str, list[str]] = {}
    for name, member in shape.members.items():
        if not member.serialization.get("location") and not member.serialization.get("xmlAttribute"):
            seen.setdefault(_element_name(member, name), []).append(name)
    return {name for names in seen.values() if len(names) > 1 for name in names}


def drop_empty_flattened(value: Any, shape: Shape) -> Any:
    """XML rule: a flattened list or map is its repeated elements with no wrapper element, so an
    empty one leaves nothing in the document and the client sees the member as absent.
    XML rule: members written as elements of the same name cannot be told apart by any reader."""
    kind = shape.type_name
    if kind == "structure" and not _is_document(shape) and isinstance(value, dict):
        out = {}
        shared = _shared_element_names(shape)
        for key, item in value.items():
            member = shape.members.get(key)
            if member is None:
                out[key] = item
                continue
            if key in shared:
                continue
            flattened = member.type_name in ("list", "map") and member.serialization.get("flattened")
            if flattened and not item and not member.serialization.get("location"):
                continue
            out[key] = drop_empty_flattened(item, member)
        return out
    if kind == "list" and isinstance(value, list):
        return [drop_empty_flattened(item, shape.member) for item in value]
    if kind == "map" and isinstance(value, dict):
        return {key: drop_empty_flattened(item, shape.value) for key, item in value.items()}
    return value
