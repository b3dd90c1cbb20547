"""S3's additional checksums: CRC32, CRC32C, CRC64NVME, SHA1, SHA256, SHA512 and MD5, as base64 of the
big-endian digest (what `x-amz-checksum-*` headers carry), and the composite form of a multipart
upload (checksum of the part checksums, suffixed `-<parts>`).

CRC32 comes from zlib; CRC32C and CRC64NVME from awscrt (the AWS Common Runtime, the same code botocore
uses for them), as is the XXHASH family (xxhash64, xxhash3-64, xxhash3-128).
"""

from __future__ import annotations

import base64
import hashlib
import zlib
from typing import Any

ALGORITHMS = (
    "CRC32",
    "CRC32C",
    "CRC64NVME",
    "SHA1",
    "SHA256",
    "SHA512",
    "MD5",
    "XXHASH64",
    "XXHASH3",
    "XXHASH128",
)
FULL_OBJECT_ONLY = ("CRC64NVME",)
"""Algorithms whose multipart checksum is always FULL_OBJECT (the CRCs may be either)."""
CRCS = ("CRC32", "CRC32C", "CRC64NVME")


def header_name(algorithm: str) -> str:
    return f"x-amz-checksum-{algorithm.lower()}"


def member_name(algorithm: str) -> str:
    """The request/response member carrying it: `ChecksumCRC32` ..."""
    return f"Checksum{algorithm}"


class _Crc:
    __slots__ = ("_fn", "_value", "_width")

    def __init__(self, fn: Any, width: int) -> None:
        self._fn = fn
        self._value = 0
        self._width = width

    def update(self, data: bytes) -> None:
        self._value = self._fn(data, self._value)

    def digest(self) -> bytes:
        return self._value.to_bytes(self._width, "big")

    def b64digest(self) -> str:
        return base64.b64encode(self.digest()).decode("ascii")

    @property
    def value(self) -> int:
        return self._value


class _Hash:
    __slots__ = ("_hash",)

    def __init__(self, name: str) -> None:
        self._hash = hashlib.new(name)

    def update(self, data: bytes) -> None:
        self._hash.update(data)

    def digest(self) -> bytes:
        return self._hash.digest()

    def b64digest(self) -> str:
        return base64.b64encode(self._hash.digest()).decode("ascii")


class _XX:
    __slots__ = ("_hash",)

    def __init__(self, native: Any) -> None:
        self._hash = native

    def update(self, data: bytes) -> None:
        self._hash.update(data)

    def digest(self) -> bytes:
        return bytes(self._hash.finalize())

    def b64digest(self) -> str:
        return base64.b64encode(self.digest()).decode("ascii")


_XXHASH = {"XXHASH64": "new_xxhash64", "XXHASH3": "new_xxhash3_64", "XXHASH128": "new_xxhash3_128"}


def hasher(algorithm: str) -> Any:
    """A fresh incremental hasher with `update(bytes)`, `digest()` and `b64digest()`."""
    if algorithm == "CRC32":
        return _Crc(zlib.crc32, 4)
    if algorithm == "CRC32C":
        from awscrt import checksums as crt

        return _Crc(crt.crc32c, 4)
    if algorithm == "CRC64NVME":
        from awscrt import checksums as crt

        return _Crc(crt.crc64nvme, 8)
    if algorithm in ("SHA1", "SHA256", "SHA512", "MD5"):
        return _Hash(algorithm.lower())
    if algorithm in _XXHASH:
        from awscrt.checksums import XXHash

        return _XX(getattr(XXHash, _XXHASH[algorithm])())
    raise ValueError(f"unsupported checksum algorithm {algorithm}")


def compute(algorithm: str, data: bytes) -> str:
    h = hasher(algorithm)
    h.update(data)
    return h.b64digest()


def composite(algorithm: str, part_values: list[str]) -> str:
    """COMPOSITE multipart checksum: the checksum of the concatenated raw part checksums, `-N`."""
    h = hasher(algorithm)
    for value in part_values:
        h.update(base64.b64decode(value))
    return f"{h.b64digest()}-{len(part_values)}"


def is_valid_encoding(algorithm: str, value: str) -> bool:
    """Whether `value` is base64 of a digest of the algorithm's length."""
    sizes = {"CRC32": 4, "CRC32C": 4, "CRC64NVME": 8, "SHA1": 20, "SHA256": 32, "SHA512": 64, "MD5": 16}
    sizes.update(XXHASH64=8, XXHASH3=8, XXHASH128=16)
    try:
        return len(base64.b64decode(value, validate=True)) == sizes[algorithm]
    except (ValueError, KeyError):
        return False
