"""Digests and checksums in the encodings AWS puts on the wire (hex, base64 of big-endian bytes).

CRC32C uses awscrt when installed (as botocore does) and a table-driven pure-Python fallback otherwise.
"""

from __future__ import annotations

import base64
import hashlib
import zlib
from collections.abc import Callable

__all__ = [
    "crc32_b64",
    "crc32c",
    "crc32c_b64",
    "md5_b64",
    "md5_hex",
    "sha1_b64",
    "sha256_b64",
    "sha256_hex",
]


def md5_hex(data: bytes) -> str:
    return hashlib.md5(data, usedforsecurity=False).hexdigest()


def md5_b64(data: bytes) -> str:
    """Content-MD5 form."""
    return _b64(hashlib.md5(data, usedforsecurity=False).digest())


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def sha256_b64(data: bytes) -> str:
    return _b64(hashlib.sha256(data).digest())


def sha1_b64(data: bytes) -> str:
    return _b64(hashlib.sha1(data, usedforsecurity=False).digest())


def crc32_b64(data: bytes) -> str:
    """`x-amz-checksum-crc32` form."""
    return _b64(zlib.crc32(data).to_bytes(4, "big"))


def crc32c_b64(data: bytes) -> str:
    """`x-amz-checksum-crc32c` form."""
    return _b64(crc32c(data).to_bytes(4, "big"))


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")


def _make_table() -> tuple[int, ...]:
    poly = 0x82F63B78  # Castagnoli, reflected
    table = []
    for n in range(256):
        crc = n
        for _ in range(8):
            crc = (crc >> 1) ^ poly if crc & 1 else crc >> 1
        table.append(crc)
    return tuple(table)


_CRC32C_TABLE = _make_table()  # immutable


def crc32c_py(data: bytes, crc: int = 0) -> int:
    """Pure-Python CRC32C; `crc` continues a previous value (incremental use)."""
    table = _CRC32C_TABLE
    crc ^= 0xFFFFFFFF
    for byte in data:
        crc = table[(crc ^ byte) & 0xFF] ^ (crc >> 8)
    return crc ^ 0xFFFFFFFF


def _pick_crc32c() -> Callable[[bytes, int], int]:
    try:
        from awscrt import checksums  # type: ignore[import-not-found]
    except ImportError:
        return crc32c_py
    return lambda data, crc: int(checksums.crc32c(data, crc))


_CRC32C_IMPL = _pick_crc32c()


def crc32c(data: bytes, crc: int = 0) -> int:
    """CRC32C (Castagnoli) of `data`, continuing from `crc` (default 0)."""
    return _CRC32C_IMPL(data, crc)
