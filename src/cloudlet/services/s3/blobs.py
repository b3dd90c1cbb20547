"""Object bytes as files: written as they arrive to a temp file, then renamed into place.

A blob is named by a random id, never by its key, so any Unicode key is safe and no key can reach
outside the data directory. `write` hashes while it writes (MD5 for the ETag, plus the checksum the
client asked for), so bytes are touched once. The rename happens before the metadata row commits: a
crash can leave an unreferenced file (swept at start-up), never a row pointing at a torn file.
Durability matches the database's (`synchronous=NORMAL`): it survives a crash of the process.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
import uuid
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cloudlet.services.s3 import checksums

READ_CHUNK = 1024 * 1024
COPY_CHUNK = 1024 * 1024


@dataclass(slots=True)
class Written:
    """A blob just written: its name, size, MD5 and the checksums computed on the way."""

    name: str
    size: int
    md5: bytes
    checksums: dict[str, str] = field(default_factory=dict)
    """algorithm (`CRC32` ...) → base64 value, for the algorithms asked for."""

    @property
    def etag(self) -> str:
        return f'"{self.md5.hex()}"'


class BlobStore:
    """Files under `<root>/blobs/<2 hex>/<id>`; temp files under `<root>/tmp`."""

    def __init__(self, root: Path, *, owned: bool = False) -> None:
        self.root = root
        self.owned = owned
        """True when the root is a throwaway temp directory (in-memory mode), removed on close."""
        self.tmp = root / "tmp"
        self.tmp.mkdir(parents=True, exist_ok=True)
        (root / "blobs").mkdir(exist_ok=True)
        self._tmp = str(self.tmp)
        self._blobs = str(root / "blobs")
        self._folders: set[str] = set()
        """Fan-out folders known to exist (saves a mkdir per write)."""

    @classmethod
    def for_data_dir(cls, data_dir: Path | None) -> BlobStore:
        if data_dir is None:
            return cls(Path(tempfile.mkdtemp(prefix="cloudlet-s3-")), owned=True)
        return cls(data_dir / "s3")

    def path(self, name: str) -> str:
        return f"{self._blobs}/{name[:2]}/{name}"

    def _temp(self, name: str) -> tuple[int, str]:
        """A new, exclusive temp file named as the blob it becomes (cheaper than `tempfile.mkstemp`)."""
        tmp = f"{self._tmp}/{name}"
        return os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), tmp

    async def write(self, body: Any, algorithms: Iterable[str] = ()) -> Written:
        """Write `body` (bytes, None, or an async iterable of bytes) to a new blob.

        Raises:
            ConnectionError / streams.MalformedChunkedBody: the body could not be read whole (the
                temp file is removed).
        """
        name = uuid.uuid4().hex
        md5 = hashlib.md5()
        hashers = {algorithm: checksums.hasher(algorithm) for algorithm in algorithms}
        size = 0
        fd, tmp = self._temp(name)
        try:
            with os.fdopen(fd, "wb", buffering=0) as fh:
                if body is None or isinstance(body, bytes | bytearray | memoryview):
                    chunks: Any = [bytes(body or b"")]
                    for chunk in chunks:
                        size += _consume(fh, chunk, md5, hashers)
                else:
                    async for chunk in body:
                        size += _consume(fh, chunk, md5, hashers)
            self._place(tmp, name)
        except BaseException:
            _unlink(tmp)
            raise
        return Written(name, size, md5.digest(), {a: h.b64digest() for a, h in hashers.items()})

    def concatenate(
        self,
        spans: Iterable[tuple[str, int, int | None]],
        algorithms: Iterable[str] = (),
        *,
        md5: bool = True,
    ) -> Written:
        """A new blob made of byte spans (name, first, last inclusive or None for the end) of existing
        blobs, hashed on the way: CompleteMultipartUpload (whole parts, full-object checksums) and
        UploadPartCopy (a range, with its MD5). Blocking: call it through `asyncio.to_thread`.
        With `md5=False` the MD5 is not computed (`Written.md5` is empty).

        Raises: FileNotFoundError when a source blob is gone.
        """
        name = uuid.uuid4().hex
        digest = hashlib.md5() if md5 else None
        hashers = {algorithm: checksums.hasher(algorithm) for algorithm in algorithms}
        size = 0
        fd, tmp = self._temp(name)
        try:
            with os.fdopen(fd, "wb") as out:
                for source, first, last in spans:
                    with open(self.path(source), "rb") as src:
                        src.seek(first)
                        remaining = None if last is None else last - first + 1
                        while remaining is None or remaining > 0:
                            chunk = src.read(COPY_CHUNK if remaining is None else min(COPY_CHUNK, remaining))
                            if not chunk:
                                break
                            if remaining is not None:
                                remaining -= len(chunk)
                            out.write(chunk)
                            if digest is not None:
                                digest.update(chunk)
                            for hasher in hashers.values():
                                hasher.update(chunk)
                            size += len(chunk)
            self._place(tmp, name)
        except BaseException:
            _unlink(tmp)
            raise
        md5_bytes = digest.digest() if digest is not None else b""
        return Written(name, size, md5_bytes, {a: h.b64digest() for a, h in hashers.items()})

    def digest(self, name: str, algorithms: Iterable[str]) -> dict[str, str]:
        """Checksums of a whole blob (CopyObject with a new checksum algorithm). Blocking."""
        hashers = {algorithm: checksums.hasher(algorithm) for algorithm in algorithms}
        with open(self.path(name), "rb") as src:
            while chunk := src.read(COPY_CHUNK):
                for hasher in hashers.values():
                    hasher.update(chunk)
        return {a: h.b64digest() for a, h in hashers.items()}

    def _place(self, tmp: str, name: str) -> None:
        folder = name[:2]
        if folder not in self._folders:
            os.makedirs(f"{self._blobs}/{folder}", exist_ok=True)
            self._folders.add(folder)
        os.replace(tmp, self.path(name))

    def read(self, name: str, start: int = 0, end: int | None = None) -> AsyncIterator[bytes]:
        """Bytes `start`..`end` (inclusive; None = to the end) of blob `name`, in chunks. The file is
        opened now, so a delete that commits while the response streams does not cut it short."""
        fh = open(self.path(name), "rb")  # noqa: SIM115 - closed by the generator
        return _chunks(fh, start, end)

    def read_bytes(self, name: str) -> bytes:
        with open(self.path(name), "rb") as fh:
            return fh.read()

    def delete(self, name: str) -> None:
        _unlink(self.path(name))

    def sweep(self, referenced: set[str]) -> int:
        """Remove temp files and blobs no row refers to (left by a crash). Returns how many."""
        removed = 0
        for entry in self.tmp.iterdir():
            _unlink(entry)
            removed += 1
        for folder in (self.root / "blobs").iterdir():
            if not folder.is_dir():
                continue
            for entry in folder.iterdir():
                if entry.name not in referenced:
                    _unlink(entry)
                    removed += 1
        return removed

    def close(self) -> None:
        if self.owned:
            shutil.rmtree(self.root, ignore_errors=True)


async def _chunks(fh: Any, start: int, end: int | None) -> AsyncIterator[bytes]:
    with fh:
        fh.seek(start)
        remaining = None if end is None else end - start + 1
        while remaining is None or remaining > 0:
            chunk = fh.read(READ_CHUNK if remaining is None else min(READ_CHUNK, remaining))
            if not chunk:
                return
            if remaining is not None:
                remaining -= len(chunk)
            yield chunk


def _consume(fh: Any, chunk: bytes, md5: Any, hashers: dict[str, Any]) -> int:
    fh.write(chunk)
    md5.update(chunk)
    for hasher in hashers.values():
        hasher.update(chunk)
    return len(chunk)


def _unlink(path: str | Path) -> None:
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass
