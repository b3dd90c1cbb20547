"""Encode AWS event-stream messages (`application/vnd.amazon.eventstream`), as used by streaming
outputs (Lambda InvokeWithResponseStream, S3 SelectObjectContent, Kinesis SubscribeToShard, Logs
StartLiveTail).

Wire format: total length (u32) | headers length (u32) | prelude CRC32 | headers | payload |
message CRC32; every header here is a string (type 7): name length (u8), name, 7, value length (u16),
value.
"""

from __future__ import annotations

import struct
import zlib


def encode_headers(headers: dict[str, str]) -> bytes:
    out = bytearray()
    for name, value in headers.items():
        name_bytes = name.encode("utf-8")
        value_bytes = value.encode("utf-8")
        out += struct.pack("!B", len(name_bytes)) + name_bytes
        out += struct.pack("!BH", 7, len(value_bytes)) + value_bytes
    return bytes(out)


def encode_message(headers: dict[str, str], payload: bytes) -> bytes:
    header_bytes = encode_headers(headers)
    total = 12 + len(header_bytes) + len(payload) + 4
    prelude = struct.pack("!II", total, len(header_bytes))
    prelude += struct.pack("!I", zlib.crc32(prelude) & 0xFFFFFFFF)
    message = prelude + header_bytes + payload
    return message + struct.pack("!I", zlib.crc32(message) & 0xFFFFFFFF)


def event_message(event_type: str, payload: bytes, content_type: str | None = None) -> bytes:
    headers = {":message-type": "event", ":event-type": event_type}
    if content_type:
        headers[":content-type"] = content_type
    return encode_message(headers, payload)


def exception_message(exception_type: str, payload: bytes, content_type: str) -> bytes:
    return encode_message(
        {":message-type": "exception", ":exception-type": exception_type, ":content-type": content_type},
        payload,
    )


def error_message(code: str, message: str) -> bytes:
    return encode_message({":message-type": "error", ":error-code": code, ":error-message": message}, b"")
