"""Function code on disk: zip archives (uploaded, or read from S3 through `s3.api`) extracted once per
content hash (no path traversal, size limits), or a local directory used in place for hot reload
(`S3Bucket: "hot-reload"`, `S3Key` = path).
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
from typing import TYPE_CHECKING, Any

from cloudlet.services.lambda_.errors import (
    InvalidParameterValueException,
    InvalidZipFileException,
    RequestTooLargeException,
)

if TYPE_CHECKING:
    from cloudlet.app import App

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


def from_request(root: Path, code: dict[str, Any], app: App | None = None, region: str | None = None) -> Code:
    """The code a CreateFunction/UpdateFunctionCode request names: a zip, a hot-reload directory, or a
    zip in S3 (read from `app`'s S3, which must be in `region`). Raises InvalidParameterValueException,
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
        data = read_s3(app, region, bucket, key or "", code.get("S3ObjectVersion"))
        return store_zip(root, data, limit=MAX_UNZIPPED_BYTES)
    if code.get("ImageUri"):
        raise InvalidParameterValueException(
            "Container images are not supported by cloudlet; use a .zip package"
        )
    raise InvalidParameterValueException("Please provide a source for function code.")


def read_s3(app: App | None, region: str | None, bucket: str, key: str, version_id: str | None) -> bytes:
    """A deployment package stored in S3, failing as Lambda does when S3 refuses the GetObject.

    Raises: InvalidParameterValueException "Error occurred while GetObject. S3 Error Code: ...".
    """
    from cloudlet.protocol.errors import ServiceError
    from cloudlet.services.s3 import api as s3_api

    def failed(code: str, message: str) -> InvalidParameterValueException:
        return InvalidParameterValueException(
            f"Error occurred while GetObject. S3 Error Code: {code}. S3 Error Message: {message}"
        )

    if app is None:
        raise failed("NoSuchBucket", "The specified bucket does not exist")
    located = s3_api.bucket_region(app, bucket)
    if located is None:
        raise failed("NoSuchBucket", "The specified bucket does not exist")
    if region is not None and located != region:
        raise failed(
            "PermanentRedirect",
            f"The bucket is in this region: {located}. Please use this region to retry the request",
        )
    try:
        return s3_api.read_object(app, bucket, key, version_id)
    except ServiceError as exc:
        raise failed(exc.code, exc.message) from None


def store_zip(root: Path, data: bytes, limit: int = MAX_ZIP_BYTES) -> Code:
    """Extract a .zip package once per content hash. `limit` caps the archive size (50 MB for a direct
    upload, the unzipped maximum for a package read from S3)."""
    if len(data) > limit:
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
