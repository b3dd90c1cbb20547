"""smithy-rpc-v2-cbor responses: CBOR bodies (`cbor2`, definite lengths), `smithy-protocol` header.

Timestamps are tag 1 epoch seconds (integer, or a double with milliseconds), blobs byte strings, and
structure keys the model's member names (the protocol has no `locationName`). Errors are
`{"__type", "message"}` maps plus `x-amzn-query-error` for query-compatible services (json.py).
"""

from __future__ import annotations

from typing import Any, ClassVar

import cbor2
from botocore.model import Shape

from cloudlet.protocol.scalars import epoch_seconds
from cloudlet.protocol.serializers.json import JSONOutputCompiler, JSONResponseSerializer
from cloudlet.protocol.shapes import Converter


class CBOROutputCompiler(JSONOutputCompiler):
    protocol = "smithy-rpc-v2-cbor"

    def member_key(self, member: Shape, name: str) -> str:
        # botocore's RpcV2 parser reads members by model name.
        return name

    def build_float(self, shape: Shape) -> Converter:
        return float

    build_double = build_float

    def build_blob(self, shape: Shape) -> Converter:
        return _bytes

    def build_timestamp(self, shape: Shape) -> Converter:
        return lambda value: cbor2.CBORTag(1, epoch_seconds(value))


def _bytes(value: Any) -> bytes:
    if isinstance(value, str):
        return value.encode("utf-8")
    return bytes(value)


class CBORResponseSerializer(JSONResponseSerializer):
    protocol: ClassVar[str] = "smithy-rpc-v2-cbor"
    compiler_class: ClassVar[type[JSONOutputCompiler]] = CBOROutputCompiler
    event_content_type: ClassVar[str] = "application/cbor"

    def encode(self, document: Any) -> bytes:
        return cbor2.dumps(document)

    def base_headers(self, request_id: str) -> list[tuple[str, str]]:
        return [
            ("Content-Type", "application/cbor"),
            ("smithy-protocol", "rpc-v2-cbor"),
            ("x-amzn-RequestId", request_id),
        ]

    def empty_body(self) -> bytes:
        # Smithy rpcv2Cbor: an operation without output answers an empty body.
        return b""
