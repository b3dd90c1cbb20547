"""Lossy wire rules of the rpc protocols (query, json, smithy-rpc-v2-cbor); see lossy.py.

Each rule below names what the wire (as botocore writes or reads it, and as AWS sees it) cannot carry.
Both sides of a comparison go through the same rule, so a real bug still shows as a difference.
"""

from __future__ import annotations

from typing import Any

from botocore.model import OperationModel, Shape

from tests.protocol.lossy_rest import drop_empty_flattened

_GONE: Any = object()


def normalize_request(protocol: str, operation: OperationModel, value: Any) -> Any:
    shape = operation.input_shape
    if shape is None:
        return value
    if protocol == "query":
        # Query rule: a value that serializes to no `Name=value` pair at all (an empty map, an empty
        # structure, a list whose every element is such a value) is not on the wire; see _query_request.
        result = _query_request(value, shape)
        return {} if result is _GONE else result
    if protocol in ("json", "smithy-rpc-v2-cbor"):
        # json/cbor rule: botocore's serializers write timestamps as whole epoch seconds
        # (`_timestamp_unixtimestamp` at the default precision: `int(calendar.timegm(...))`), so
        # sub-second precision never reaches the server (AWS receives the same seconds).
        return _map_timestamps(value, shape, lambda when: when.replace(microsecond=0))
    return value


def normalize_response(protocol: str, operation: OperationModel, value: Any) -> Any:
    shape = operation.output_shape
    if shape is None:
        return value
    if protocol == "query":
        # Query rule: a flattened list or map is its repeated elements with no wrapper element, so an
        # empty one leaves nothing in the XML and the client sees the member as absent.
        return drop_empty_flattened(value, shape)
    if protocol in ("json", "smithy-rpc-v2-cbor") and isinstance(value, dict):
        # Event-stream rule: the response body *is* the stream, so the stream member is always there
        # (an empty stream when no events were sent): absent and [] are the same on the wire.
        for name, member in shape.members.items():
            if member.serialization.get("eventstream") and name not in value:
                value = {**value, name: []}
    return value


def _is_document(shape: Shape) -> bool:
    return bool(getattr(shape, "is_document_type", False))


def _query_request(value: Any, shape: Shape) -> Any:
    kind = shape.type_name
    if kind == "structure" and not _is_document(shape) and isinstance(value, dict):
        out = {}
        for key, item in value.items():
            result = _query_request(item, shape.members[key])
            if result is not _GONE:
                out[key] = result
        return out or _GONE
    if kind == "list" and isinstance(value, list):
        if not value:
            return []  # an empty list is sent as `Name=`
        items = [r for r in (_query_request(item, shape.member) for item in value) if r is not _GONE]
        return items or _GONE
    if kind == "map" and isinstance(value, dict):
        if not value:
            return _GONE
        out = {}
        for key, item in value.items():
            result = _query_request(item, shape.value)
            if result is _GONE:
                # The entry's key is still sent; a value of structure or map type that sent nothing
                # is that type's empty value, any other value without parameters has no entry.
                if shape.value.type_name in ("structure", "map"):
                    out[key] = {}
                continue
            out[key] = result
        return out
    return value


def _map_timestamps(value: Any, shape: Shape, fn: Any) -> Any:
    kind = shape.type_name
    if kind == "timestamp":
        return fn(value)
    if kind == "structure" and not _is_document(shape) and isinstance(value, dict):
        return {
            key: _map_timestamps(item, shape.members[key], fn) if key in shape.members else item
            for key, item in value.items()
        }
    if kind == "list" and isinstance(value, list):
        return [_map_timestamps(item, shape.member, fn) for item in value]
    if kind == "map" and isinstance(value, dict):
        return {key: _map_timestamps(item, shape.value, fn) for key, item in value.items()}
    return value
