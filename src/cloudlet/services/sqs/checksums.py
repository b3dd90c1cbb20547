"""MD5OfMessageBody, MD5OfMessageAttributes and MD5OfMessageSystemAttributes, computed as AWS does.

The attribute digest covers, for each attribute sorted by name: the name, the data type, a transport
byte (1 for String/Number values, 2 for Binary) and the value, each length-prefixed with a 4-byte
big-endian length (https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/
sqs-message-metadata.html#sqs-attributes-md5-message-digest-calculation). SDKs verify these and fail
the call when they differ.
"""

from __future__ import annotations

import hashlib
import struct
from collections.abc import Mapping
from typing import Any

__all__ = ["md5_of_attributes", "md5_of_body"]

_STRING_TRANSPORT = b"\x01"
_BINARY_TRANSPORT = b"\x02"
_LEN = struct.Struct(">I")


def md5_of_body(body: str) -> str:
    return hashlib.md5(body.encode("utf-8"), usedforsecurity=False).hexdigest()


def md5_of_attributes(attributes: Mapping[str, Mapping[str, Any]]) -> str:
    """Digest of message (or message system) attributes in AWS's wire form (`DataType`, `StringValue`
    or `BinaryValue` as bytes)."""
    digest = hashlib.md5(usedforsecurity=False)
    for name in sorted(attributes):
        value = attributes[name]
        data_type = value["DataType"]
        _update(digest, name.encode("utf-8"))
        _update(digest, data_type.encode("utf-8"))
        if value.get("BinaryValue") is not None:
            digest.update(_BINARY_TRANSPORT)
            _update(digest, bytes(value["BinaryValue"]))
        else:
            digest.update(_STRING_TRANSPORT)
            _update(digest, str(value.get("StringValue", "")).encode("utf-8"))
    return digest.hexdigest()


def _update(digest: Any, data: bytes) -> None:
    digest.update(_LEN.pack(len(data)))
    digest.update(data)
