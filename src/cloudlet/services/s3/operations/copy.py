"""Server-side copies: CopyObject and UploadPartCopy, and what they share: the copy source
(`bucket/key?versionId=`, URL-encoded), its `x-amz-copy-source-if-*` conditions and byte ranges.

A CopyObject shares the source's blob file (blobs are immutable; `S3.release_blobs` deletes a file
only once nothing refers to it). UploadPartCopy writes the copied range to a new part blob.
"""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import parse_qs, unquote_plus

from cloudlet.gateway.context import RequestContext
from cloudlet.services.s3 import checksums, conditions, lifecycle, store, tags, uploads
from cloudlet.services.s3.engine import S3, Origin
from cloudlet.services.s3.errors import (
    InvalidArgument,
    InvalidRequest,
    PreconditionFailed,
    no_such_key,
    no_such_version,
)
from cloudlet.services.s3.names import check_key
from cloudlet.services.s3.operations.common import bucket_name, reject_sse_c, state
from cloudlet.services.s3.operations.multipart import check_part_number, find_upload
from cloudlet.services.s3.operations.objects import STORED_HEADERS, now_seconds, stored_headers

__all__ = ["copy_object", "upload_part_copy"]

MAX_COPY_BYTES = 5 * 1024**3
"""Largest source a CopyObject (or one UploadPartCopy) copies; larger objects copy in parts."""
NOT_COPIED = (
    "StorageClass",
    "WebsiteRedirectLocation",
    "ServerSideEncryption",
    "SSEKMSKeyId",
    "BucketKeyEnabled",
    "ObjectLockMode",
    "ObjectLockRetainUntilDate",
    "ObjectLockLegalHoldStatus",
)
"""Stored headers a copy takes from its own request, never from the source (CopyObject page)."""
_RANGE_RE = re.compile(r"^bytes=(\d+)-(\d+)$")
_PRECONDITION = "At least one of the pre-conditions you specified did not hold"


# --- the copy source ------------------------------------------------------------------------------


@dataclass(slots=True)
class Source:
    bucket: store.Bucket
    obj: store.ObjectVersion

    @property
    def version_header(self) -> str | None:
        """`x-amz-copy-source-version-id`: sent when the source bucket has versioning."""
        if self.bucket.versioning and self.obj.version_id != "null":
            return self.obj.version_id
        return None


def parse_copy_source(text: str) -> tuple[str, str, str | None]:
    """`[/]bucket/key[?versionId=id]`, the path URL-encoded → (bucket, key, version id or None).

    Raises: InvalidArgument when the bucket or the key is missing.
    """
    path, _, query = text.partition("?")
    bucket, _, key = unquote_plus(path).lstrip("/").partition("/")
    if not bucket or not key:
        raise InvalidArgument(
            "Copy Source must mention the source bucket and key: sourcebucket/sourcekey",
            ArgumentName="x-amz-copy-source",
            ArgumentValue=text,
        )
    version_ids = parse_qs(query, keep_blank_values=True).get("versionId")
    return bucket, key, version_ids[0] if version_ids else None


def resolve_source(s3: S3, conn: Any, req: dict[str, Any]) -> Source:
    """The object `CopySource` names.

    Raises: NoSuchBucket, NoSuchKey (absent, or a delete marker is current), NoSuchVersion,
    InvalidRequest (the version named is a delete marker), InvalidArgument (malformed source).
    """
    name, key, version_id = parse_copy_source(req["CopySource"])
    bucket = s3.bucket(conn, name)
    if version_id is not None:
        obj = store.version(conn, name, key, version_id)
        if obj is None:
            raise no_such_version(key, version_id)
        if obj.delete_marker:
            raise InvalidRequest(
                "The source of a copy request may not specifically refer to a delete marker by version id."
            )
        return Source(bucket, obj)
    obj = store.latest(conn, name, key)
    if obj is None or obj.delete_marker:
        raise no_such_key(key)
    return Source(bucket, obj)


def still_there(tx: Any, source: Source) -> None:
    """Inside the write's transaction: the source version was not deleted meanwhile (its blob is
    shared or was read). Raises NoSuchKey."""
    obj = source.obj
    now = store.version(tx, obj.bucket, obj.key, obj.version_id)
    if now is None or now.seq != obj.seq:
        raise no_such_key(obj.key)


def _epoch(value: Any) -> float | None:
    if value is None:
        return None
    return value.timestamp() if isinstance(value, datetime) else float(value)


def check_source_conditions(req: dict[str, Any], obj: store.ObjectVersion, now: float) -> None:
    """`x-amz-copy-source-if-*`, with the precedence of the CopyObject page: If-Match true wins over
    If-Unmodified-Since false, If-None-Match false over If-Modified-Since true. Every failure is 412.

    Raises: PreconditionFailed.
    """
    if_match, if_none_match = req.get("CopySourceIfMatch"), req.get("CopySourceIfNoneMatch")
    unmodified, modified = (
        _epoch(req.get("CopySourceIfUnmodifiedSince")),
        _epoch(req.get("CopySourceIfModifiedSince")),
    )
    stamp = int(obj.last_modified)
    failed: str | None = None
    if if_match is not None:
        if not conditions._etag_matches(if_match, obj.etag):
            failed = "x-amz-copy-source-If-Match"
    elif unmodified is not None and stamp > unmodified:
        failed = "x-amz-copy-source-If-Unmodified-Since"
    if failed is None:
        if if_none_match is not None:
            if conditions._etag_matches(if_none_match, obj.etag):
                failed = "x-amz-copy-source-If-None-Match"
        elif modified is not None and modified <= now and stamp <= modified:
            failed = "x-amz-copy-source-If-Modified-Since"
    if failed is not None:
        raise PreconditionFailed(_PRECONDITION, Condition=failed)


def copy_range(header: str | None, size: int) -> tuple[int, int] | None:
    """(first, last) of `x-amz-copy-source-range` (`bytes=first-last`), None for the whole source.

    Raises: InvalidArgument (malformed, or outside the source).
    """
    if header is None:
        return None
    match = _RANGE_RE.match(header.strip())
    if match is None:
        raise InvalidArgument(
            "The x-amz-copy-source-range value must be of the form bytes=first-last where first and last are"
            " the zero-based offsets of the first and last bytes to copy",
            ArgumentName="x-amz-copy-source-range",
            ArgumentValue=header,
        )
    first, last = int(match.group(1)), int(match.group(2))
    if first > last or last >= size:
        raise InvalidArgument(
            f"Range specified is not valid for source object of size: {size}",
            ArgumentName="x-amz-copy-source-range",
            ArgumentValue=header,
        )
    return first, last


def _too_large() -> InvalidRequest:
    return InvalidRequest(
        "The specified copy source is larger than the maximum allowable size for a copy source:"
        f" {MAX_COPY_BYTES}"
    )


def _reject_source_sse_c(req: dict[str, Any]) -> None:
    reject_sse_c(req)
    reject_sse_c(
        {
            "SSECustomerAlgorithm": req.get("CopySourceSSECustomerAlgorithm"),
            "SSECustomerKey": req.get("CopySourceSSECustomerKey"),
        }
    )


# --- CopyObject -----------------------------------------------------------------------------------


def _directive(req: dict[str, Any], member: str, header: str) -> str:
    value = req.get(member) or "COPY"
    if value not in ("COPY", "REPLACE"):
        kind = "metadata" if member == "MetadataDirective" else "tagging"
        raise InvalidArgument(f"Unknown {kind} directive.", ArgumentName=header, ArgumentValue=value)
    return value


def _changes_something(req: dict[str, Any], source: store.ObjectVersion, metadata_directive: str) -> bool:
    """Whether a copy onto the source's own key changes anything S3 counts (CopyObject page: metadata,
    storage class, website redirect location, encryption; or the checksum algorithm)."""
    if metadata_directive == "REPLACE":
        return True
    if any(req.get(m) is not None for m in ("StorageClass", "WebsiteRedirectLocation", "SSEKMSKeyId")):
        return True
    if req.get("ServerSideEncryption") is not None:
        return True
    algorithm = (req.get("ChecksumAlgorithm") or "").upper()
    return bool(algorithm) and (source.checksum or {}).get("algorithm") != algorithm


def _copied_headers(req: dict[str, Any], source: store.ObjectVersion, directive: str) -> dict[str, Any]:
    own = stored_headers(req)
    if directive == "REPLACE":
        return own
    headers = {k: v for k, v in source.headers.items() if k not in NOT_COPIED and k in STORED_HEADERS}
    headers.update({k: v for k, v in own.items() if k in NOT_COPIED})
    return headers


async def _copy_checksum(s3: S3, req: dict[str, Any], source: store.ObjectVersion) -> dict[str, str]:
    """The copy's checksum: the source's, or a new full-object one when the request names another
    algorithm (or the source has none: S3 adds CRC64NVME)."""
    algorithm = (req.get("ChecksumAlgorithm") or "").upper()
    current = source.checksum
    if current is not None and (not algorithm or current.get("algorithm") == algorithm):
        return dict(current)
    algorithm = algorithm or "CRC64NVME"
    if algorithm not in checksums.ALGORITHMS:
        raise InvalidRequest(f"Checksum algorithm {algorithm} is not supported.")
    values = await asyncio.to_thread(s3.blobs.digest, source.blob or "", [algorithm]) if source.size else {}
    value = values.get(algorithm) or checksums.compute(algorithm, b"")
    return {"algorithm": algorithm, "value": value, "type": "FULL_OBJECT"}


async def copy_object(ctx: RequestContext, req: dict[str, Any]) -> dict[str, Any]:
    s3 = state(ctx)
    name, key = bucket_name(req), req["Key"]
    check_key(key)
    _reject_source_sse_c(req)
    metadata_directive = _directive(req, "MetadataDirective", "x-amz-metadata-directive")
    tagging_directive = _directive(req, "TaggingDirective", "x-amz-tagging-directive")
    with s3.db.read() as conn:
        s3.bucket(conn, name)
        source = resolve_source(s3, conn, req)
        current = store.latest(conn, source.obj.bucket, source.obj.key)
    src = source.obj
    check_source_conditions(req, src, s3.clock.now())
    if src.size > MAX_COPY_BYTES:
        raise _too_large()
    same_key = src.bucket == name and src.key == key
    if (
        same_key
        and current is not None
        and current.seq == src.seq
        and not _changes_something(req, src, metadata_directive)
    ):
        raise InvalidRequest(
            "This copy request is illegal because it is trying to copy an object to itself without changing"
            " the object's metadata, storage class, website redirect location or encryption attributes."
        )
    object_tags = (
        tags.parse_header(req.get("Tagging"))
        if tagging_directive == "REPLACE"
        else [list(t) for t in src.tags]
    )
    metadata = dict(req.get("Metadata") or {}) if metadata_directive == "REPLACE" else dict(src.metadata)
    checksum = await _copy_checksum(s3, req, src)
    parts = src.parts
    if parts is not None and checksum.get("algorithm") != (src.checksum or {}).get("algorithm"):
        parts = [[part[0], None] for part in parts]
    with s3.db.transaction() as tx:
        bucket = s3.bucket(tx, name)
        still_there(tx, source)
        conditions.check_write(req, store.latest(tx, name, key), key)
        obj = s3.new_object(
            bucket,
            key,
            size=src.size,
            etag=src.etag,
            blob=src.blob,
            headers=_copied_headers(req, src, metadata_directive),
            metadata=metadata,
            checksum=checksum,
            parts=parts,
            tags=object_tags,
            owner=ctx.account_id,
        )
        obj = s3.put_version(tx, bucket, obj)
        s3.notify(tx, bucket, "ObjectCreated:Copy", obj, Origin.of(ctx))
    result: dict[str, Any] = {"ETag": obj.etag, "LastModified": obj.last_modified}
    result[checksums.member_name(checksum["algorithm"])] = checksum["value"]
    result["ChecksumType"] = checksum.get("type", "FULL_OBJECT")
    out: dict[str, Any] = {"CopyObjectResult": result}
    out["ServerSideEncryption"] = obj.headers.get("ServerSideEncryption")
    if "SSEKMSKeyId" in obj.headers:
        out["SSEKMSKeyId"] = obj.headers["SSEKMSKeyId"]
    if bucket.versioning:
        out["VersionId"] = obj.version_id
    if source.version_header is not None:
        out["CopySourceVersionId"] = source.version_header
    expiration = lifecycle.expiration(s3, name, obj)
    if expiration:
        out["Expiration"] = expiration
    return out


# --- UploadPartCopy -------------------------------------------------------------------------------


async def upload_part_copy(ctx: RequestContext, req: dict[str, Any]) -> dict[str, Any]:
    s3 = state(ctx)
    name, key, upload_id = bucket_name(req), req["Key"], req["UploadId"]
    _reject_source_sse_c(req)
    with s3.db.read() as conn:
        s3.bucket(conn, name)
        source = resolve_source(s3, conn, req)
        upload = find_upload(conn, name, key, upload_id)
    part_number = check_part_number(req.get("PartNumber"))
    src = source.obj
    span = copy_range(req.get("CopySourceRange"), src.size)
    first, last = span if span is not None else (0, src.size - 1)
    check_source_conditions(req, src, s3.clock.now())
    if last - first + 1 > MAX_COPY_BYTES:
        raise _too_large()
    algorithms = [upload.checksum_algorithm] if upload.checksum_algorithm else []
    if src.size == 0:
        written = await s3.blobs.write(b"", algorithms)
    else:
        try:
            written = await asyncio.to_thread(
                s3.blobs.concatenate, [(src.blob or "", first, last)], algorithms
            )
        except FileNotFoundError:  # the source was deleted while we copied
            raise no_such_key(src.key) from None
    try:
        checksum = (
            {"algorithm": algorithms[0], "value": written.checksums[algorithms[0]]} if algorithms else None
        )
        with s3.db.transaction() as tx:
            find_upload(tx, name, key, upload_id)
            part = uploads.Part(
                upload_id=upload_id,
                part_number=part_number,
                size=written.size,
                etag=written.etag,
                md5=written.md5,
                last_modified=now_seconds(s3),
                blob=written.name,
                checksum=checksum,
            )
            replaced = uploads.put_part(tx, part)
            if replaced:
                s3.release_blobs(tx, [replaced])
    except BaseException:
        s3.blobs.delete(written.name)
        raise
    result: dict[str, Any] = {"ETag": part.etag, "LastModified": part.last_modified}
    if checksum is not None:
        result[checksums.member_name(checksum["algorithm"])] = checksum["value"]
    out: dict[str, Any] = {"CopyPartResult": result}
    out["ServerSideEncryption"] = upload.headers.get("ServerSideEncryption")
    if source.version_header is not None:
        out["CopySourceVersionId"] = source.version_header
    return out
