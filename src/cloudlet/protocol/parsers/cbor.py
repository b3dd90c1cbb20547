"""smithy-rpc-v2-cbor request parsing (`POST /service/{Service}/operation/{Op}`, `application/cbor`).

The body is one CBOR map decoded with `cbor2`, then walked like a JSON body (parsers/json.py) with CBOR's
scalar rules: blobs are byte strings, timestamps are tag 1 epoch seconds (integer or float). Anything
undecodable or of the wrong type raises `SerializationException`.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, ClassVar

import cbor2
from botocore.model import Shape

from cloudlet.protocol.errors import SerializationException
from cloudlet.protocol.parsers.json import JSONInputCompiler, JSONRequestParser, mismatch
from cloudlet.protocol.scalars import parse_timestamp
from cloudlet.protocol.shapes import Converter

_UTC = dt.UTC


class CBORInputCompiler(JSONInputCompiler):
    def build_float(self, shape: Shape) -> Converter:
        def float_(value: Any) -> float:
            kind = type(value)
            if kind is float or kind is int:
                return float(value)
            raise mismatch(value, shape)

        return float_

    build_double = build_float

    def build_blob(self, shape: Shape) -> Converter:
        def blob(value: Any) -> bytes:
            kind = type(value)
            if kind is bytes:
                return value
            if kind is bytearray:
                return bytes(value)
            raise mismatch(value, shape)

        return blob

    def build_timestamp(self, shape: Shape) -> Converter:
        def timestamp(value: Any) -> dt.datetime:
            # cbor2 turns tag 1 (epoch) and tag 0 (RFC 3339 text) into datetimes; accept untagged epochs too.
            kind = type(value)
            if kind is dt.datetime:
                return value.astimezone(_UTC) if value.tzinfo is not None else value.replace(tzinfo=_UTC)
            if kind is int or kind is float:
                try:
                    return parse_timestamp(value)
                except ValueError:
                    raise SerializationException(
                        f"Value {value} cannot be converted to a timestamp"
                    ) from None
            raise mismatch(value, shape)

        return timestamp


class CBORRequestParser(JSONRequestParser):
    protocol: ClassVar[str] = "smithy-rpc-v2-cbor"
    compiler_class: ClassVar[type[JSONInputCompiler]] = CBORInputCompiler

    def decode(self, body: bytes) -> Any:
        """The CBOR data item of the body; None for an empty body (or CBOR null/undefined)."""
        if not body:
            return None
        try:
            data = cbor2.loads(body)
        except (cbor2.CBORError, ValueError, TypeError, OverflowError, RecursionError, MemoryError) as exc:
            raise SerializationException(f"Malformed CBOR: {exc}") from None
        if data is cbor2.undefined:
            return None
        return data
