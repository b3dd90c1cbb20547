"""Function code on disk: zip archives extracted once per content hash (no path traversal, size
limits), or a local directory used in place for hot reload (`S3Bucket: "hot-reload"`, `S3Key` = path).
"""

from __future__ import annotations

import base64
import hashlib
import io
import os
import shutil
import tempfile
import zipfile
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from cloudlet.services.lambda_.errors import (
    InvalidParameterValueException,
    InvalidZipFileException,
    RequestTooLargeException,
)

HOT_RELOAD_BUCKET = "hot-reload"
MAX_ZIP_BYTES = 50 * 1024 * 1024
MAX_UNZIPPED_BYTES = 250 * 1024 * 1024


@dataclass(frozen=True)
class Code:
    dir: str
    sha: str
    """CodeSha256: base64 of the SHA-256 of the deployment package."""
    size: int
    hot: bool = False

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    @staticmethod
    def from_dict(doc: dict[str, Any]) -> Code:
        return Code(**doc)

    def fingerprint(self) -> str:
        """Changes whenever the code changes; a hot-reload directory is fingerprinted by its files' mtimes."""
        if not self.hot:
            return self.sha
        latest = 0.0
        for root, _dirs, files in os.walk(self.dir):
            for name in files:
                try:
                    latest = max(latest, os.stat(os.path.join(root, name)).st_mtime)
                except OSError:
                    continue
        return f"{self.sha}:{latest}"


def code_root(data_dir: Path | None) -> Path:
    if data_dir is None:
        return Path(tempfile.mkdtemp(prefix="cloudlet-lambda-"))
    root = data_dir / "lambda" / "code"
    root.mkdir(parents=True, exist_ok=True)
    return root


def from_request(root: Path, code: dict[str, Any]) -> Code:
    """The code a CreateFunction/UpdateFunctionCode request names. Raises InvalidParameterValueException,
    InvalidZipFileException, RequestTooLargeException."""
    if code.get("ZipFile") is not None:
        return store_zip(root, bytes(code["ZipFile"]))
    bucket, key = code.get("S3Bucket"), code.get("S3Key")
    if bucket == HOT_RELOAD_BUCKET and key:
        path = Path(key)
        if not path.is_absolute() or not path.is_dir():
            raise InvalidParameterValueException(f"Hot-reload code must be an absolute directory path: {key}")
        digest = base64.b64encode(hashlib.sha256(str(path).encode()).digest()).decode()
        return Code(str(path), digest, 0, hot=True)
    if bucket:
        raise InvalidParameterValueException(
            f"Error occurred while GetObject. S3 Error Code: NoSuchBucket. S3 Error Message: The "
            f"specified bucket "
            f"does not exist ({bucket}; cloudlet does not serve S3 yet)"
        )
    if code.get("ImageUri"):
        raise InvalidParameterValueException(
            "Container images are not supported by cloudlet; use a .zip package"
        )
    raise InvalidParameterValueException("Please provide a source for function code.")


def store_zip(root: Path, data: bytes) -> Code:
    if len(data) > MAX_ZIP_BYTES:
        raise RequestTooLargeException(
            "Request must be smaller than 52428800 bytes for the CreateFunction operation"
        )
    digest = hashlib.sha256(data)
    target = root / digest.hexdigest()
    sha = base64.b64encode(digest.digest()).decode()
    if target.is_dir():
        return Code(str(target), sha, len(data))
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = archive.infolist()
    except (zipfile.BadZipFile, ValueError):
        raise InvalidZipFileException(
            "Could not unzip uploaded file. Please check your file, then try to upload again."
        ) from None
    total = sum(m.file_size for m in members)
    if total > MAX_UNZIPPED_BYTES:
        raise InvalidParameterValueException(f"Unzipped size must be smaller than {MAX_UNZIPPED_BYTES} bytes")
    staging = Path(tempfile.mkdtemp(prefix=".staging-", dir=root))
    try:
        for member in members:
            name = member.filename
            parts = Path(name).parts
            if name.startswith(("/", "\\")) or ".." in parts or (parts and ":" in parts[0]):
                raise InvalidZipFileException(f"Could not unzip uploaded file: unsafe path {name!r}")
            archive.extract(member, staging)
        for path in staging.rglob("*"):
            if path.is_file():
                path.chmod(0o555 if os.access(path, os.X_OK) else 0o444)
        os.replace(staging, target)  # atomic: another request may have won the race, which is fine
    except OSError:
        if not target.is_dir():
            raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return Code(str(target), sha, len(data))
