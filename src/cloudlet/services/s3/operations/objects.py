"""Object reads and writes: PutObject, GetObject, HeadObject, DeleteObject, DeleteObjects.

Bytes stream in from the request into a blob file and out of it into the response; the object row,
its version bookkeeping and its notifications commit in one transaction.
"""

from __future__ import annotations

import hashlib
import math
from typing import Any

from cloudlet.gateway.context import RequestContext
from cloudlet.services.s3 import checksums, conditions, integrity, lifecycle, store, tags
from cloudlet.services.s3.engine import S3, Origin
from cloudlet.services.s3.errors import (
    BadDigest,
    EntityTooLarge,
    InvalidArgument,
    InvalidRequest,
    MalformedXML,
    MethodNotAllowed,
    NoSuchKey,
    PreconditionFailed,
    S3Error,
    no_such_key,
    no_such_version,
)
from cloudlet.services.s3.names import check_key
from cloudlet.services.s3.operations.common import bucket_name, reject_sse_c, state

__all__ = [
    "delete_object",
    "delete_objects",
    "get_object",
    "head_object",
    "put_object",
]

MAX_PUT_BYTES = 5 * 1024**3
"""Largest single PutObject (5 GB); larger objects need a multipart upload."""
MAX_DELETE_OBJECTS = 1000
DEFAULT_CONTENT_TYPE = "binary/octet-stream"

STORED_HEADERS = (
    "ContentType",
    "ContentEncoding",
    "ContentDisposition",
    "ContentLanguage",
    "CacheControl",
    "Expires",
    "WebsiteRedirectLocation",
    "StorageClass",
    "ServerSideEncryption",
    "SSEKMSKeyId",
    "BucketKeyEnabled",
    "ObjectLockMode",
    "ObjectLockRetainUntilDate",
    "ObjectLockLegalHoldStatus",
)
"""Request members kept with an object and returned by GetObject/HeadObject under the same names."""
_OVERRIDES = {
    "ResponseContentType": "ContentType",
    "ResponseContentLanguage": "ContentLanguage",
    "ResponseExpires": "Expires",
    "ResponseCacheControl": "CacheControl",
    "ResponseContentDisposition": "ContentDisposition",
    "ResponseContentEncoding": "ContentEncoding",
}


def stored_headers(req: dict[str, Any]) -> dict[str, Any]:
    """The content headers of a write request, with S3's defaults (content type, SSE-S3)."""
    headers = {name: req[name] for name in STORED_HEADERS if req.get(name) is not None}
    headers.setdefault("ContentType", DEFAULT_CONTENT_TYPE)
    headers.setdefault("ServerSideEncryption", "AES256")
    if headers.get("StorageClass") == "STANDARD":
        del headers["StorageClass"]
    if "Expires" in headers and hasattr(headers["Expires"], "timestamp"):
        headers["Expires"] = headers["Expires"].timestamp()
    if "ObjectLockRetainUntilDate" in headers and hasattr(headers["ObjectLockRetainUntilDate"], "timestamp"):
        headers["ObjectLockRetainUntilDate"] = headers["ObjectLockRetainUntilDate"].timestamp()
    return headers


def now_seconds(s3: S3) -> float:
    """S3 keeps LastModified to the second."""
    return float(math.floor(s3.clock.now()))


# --- PutObject ------------------------------------------------------------------------------------


async def put_object(ctx: RequestContext, req: dict[str, Any]) -> dict[str, Any]:
    s3 = state(ctx)
    name, key = bucket_name(req), req["Key"]
    check_key(key)
    reject_sse_c(req)
    body = req.get("Body")
    declared = getattr(body, "length", None)
    if declared is not None and declared > MAX_PUT_BYTES:
        raise EntityTooLarge(
            "Your proposed upload exceeds the maximum allowed size",
            ProposedSize=str(declared),
            MaxSizeAllowed=str(MAX_PUT_BYTES),
        )
    with s3.db.read() as conn:
        s3.bucket(conn, name)
    object_tags = tags.parse_header(req.get("Tagging"))
    plan = integrity.plan(req, ctx.request)
    md5 = integrity.content_md5(req)
    written = await integrity.receive(s3.blobs, body, plan.compute)
    try:
        checksum = integrity.verify(plan, written, req, body, md5)
        if written.size > MAX_PUT_BYTES:
            raise EntityTooLarge("Your proposed upload exceeds the maximum allowed size")
        with s3.db.transaction() as tx:
            bucket = s3.bucket(tx, name)
            conditions.check_write(req, store.latest(tx, name, key), key)
            obj = s3.new_object(
                bucket,
                key,
                size=written.size,
                etag=written.etag,
                blob=written.name,
                headers=stored_headers(req),
                metadata=dict(req.get("Metadata") or {}),
                checksum=checksum,
                tags=object_tags,
                owner=ctx.account_id,
            )
            obj = s3.put_version(tx, bucket, obj)
            s3.notify(tx, bucket, "ObjectCreated:Put", obj, Origin.of(ctx))
    except BaseException:
        s3.blobs.delete(written.name)
        raise
    out: dict[str, Any] = {"ETag": obj.etag, "ServerSideEncryption": obj.headers.get("ServerSideEncryption")}
    if bucket.versioning:
        out["VersionId"] = obj.version_id
    if checksum and plan.algorithm:
        out[checksums.member_name(checksum["algorithm"])] = checksum["value"]
        out["ChecksumType"] = checksum["type"]
    if "SSEKMSKeyId" in obj.headers:
        out["SSEKMSKeyId"] = obj.headers["SSEKMSKeyId"]
    out["Size"] = obj.size
    expiration = lifecycle.expiration(s3, name, obj)
    if expiration:
        out["Expiration"] = expiration
    return out


# --- GetObject / HeadObject -----------------------------------------------------------------------


def find_version(
    s3: S3, conn: Any, req: dict[str, Any], method: str = "GET"
) -> tuple[store.Bucket, store.ObjectVersion]:
    """The object a read addresses (VersionId or the latest).

    Raises: NoSuchBucket, NoSuchKey (absent or a delete marker is current), NoSuchVersion,
    MethodNotAllowed (the version is a delete marker).
    """
    bucket = s3.bucket(conn, bucket_name(req))
    key = req["Key"]
    version_id = req.get("VersionId")
    if version_id is not None:
        obj = store.version(conn, bucket.name, key, version_id)
        if obj is None:
            if not version_id:
                raise InvalidArgument(
                    "Version id cannot be the empty string", ArgumentName="versionId", ArgumentValue=""
                )
            raise no_such_version(key, version_id)
        if obj.delete_marker:
            raise MethodNotAllowed(
                "The specified method is not allowed against this resource.",
                Method=method,
                ResourceType="DeleteMarker",
            )
        return bucket, obj
    obj = store.latest(conn, bucket.name, key)
    if obj is None:
        raise no_such_key(key)
    if obj.delete_marker:
        error = no_such_key(key)
        error.fields.update(DeleteMarker=True, VersionId=obj.version_id)
        raise error
    return bucket, obj


def _describe(bucket: store.Bucket, obj: store.ObjectVersion, req: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {
        "AcceptRanges": "bytes",
        "LastModified": obj.last_modified,
        "ContentLength": obj.size,
        "ETag": obj.etag,
    }
    out.update(obj.headers)
    if obj.metadata:
        out["Metadata"] = obj.metadata
    if bucket.versioning:
        out["VersionId"] = obj.version_id
    if obj.tags:
        out["TagCount"] = len(obj.tags)
    for override, member in _OVERRIDES.items():
        if req.get(override) is not None:
            value = req[override]
            out[member] = value.timestamp() if hasattr(value, "timestamp") else value
    if req.get("ChecksumMode") == "ENABLED" and obj.checksum:
        out[checksums.member_name(obj.checksum["algorithm"])] = obj.checksum["value"]
        out["ChecksumType"] = obj.checksum.get("type", "FULL_OBJECT")
    return out


def _part_range(obj: store.ObjectVersion, part_number: int) -> tuple[int, int]:
    """(first, last) bytes of part `part_number` of a multipart object (the whole object is part 1
    of a single-part one). Raises InvalidPartNumber (416)."""
    sizes = [int(part[0]) for part in obj.parts] if obj.parts else [obj.size]
    if not 1 <= part_number <= len(sizes):
        raise _invalid_part_number()
    first = sum(sizes[: part_number - 1])
    return first, first + sizes[part_number - 1] - 1


def _invalid_part_number() -> S3Error:
    from cloudlet.services.s3.errors import InvalidRange

    error = InvalidRange("The requested partnumber is not satisfiable")
    error.code = "InvalidPartNumber"  # type: ignore[misc]
    return error


def _read(ctx: RequestContext, req: dict[str, Any], with_body: bool) -> dict[str, Any]:
    s3 = state(ctx)
    reject_sse_c(req)
    with s3.db.read() as conn:
        bucket, obj = find_version(s3, conn, req, ctx.request.method)
    conditions.check_read(req, obj.etag, obj.last_modified)
    out = _describe(bucket, obj, req)
    expiration = lifecycle.expiration(s3, bucket.name, obj)
    if expiration:
        out["Expiration"] = expiration
    span: tuple[int, int] | None = None
    part_number = req.get("PartNumber")
    if part_number is not None:
        if req.get("Range"):
            raise InvalidArgument(
                "Cannot specify both Range header and partNumber query parameter", ArgumentName="partNumber"
            )
        span = _part_range(obj, part_number)
        out["PartsCount"] = len(obj.parts) if obj.parts else 1
    else:
        span = conditions.byte_range(req.get("Range"), obj.size)
    if span is not None:
        first, last = span
        out["ContentLength"] = last - first + 1 if obj.size else 0
        out["ContentRange"] = f"bytes {first}-{last}/{obj.size}"
        out["@status"] = 206
        for member in [m for m in out if m.startswith("Checksum") and m != "ChecksumType"]:
            part_value = obj.parts[part_number - 1][1] if obj.parts and part_number is not None else None
            if part_value:  # a part read carries that part's checksum, when it has one
                out[member] = part_value
            else:
                del out[member]
    if with_body:
        if obj.size == 0:
            out["Body"] = b""
        elif span is None:
            out["Body"] = s3.blobs.read(obj.blob or "")
        else:
            out["Body"] = s3.blobs.read(obj.blob or "", span[0], span[1])
    return out


def get_object(ctx: RequestContext, req: dict[str, Any]) -> dict[str, Any]:
    return _read(ctx, req, with_body=True)


def head_object(ctx: RequestContext, req: dict[str, Any]) -> dict[str, Any]:
    return _read(ctx, req, with_body=False)


# --- DeleteObject / DeleteObjects -----------------------------------------------------------------


def _delete_one(
    s3: S3,
    tx: Any,
    bucket: store.Bucket,
    key: str,
    version_id: str | None,
    ctx: RequestContext,
    req: dict[str, Any],
) -> dict[str, Any]:
    """Delete one key or version inside `tx`; the DeleteObject response members."""
    origin = Origin.of(ctx)
    if version_id is not None:
        obj = store.version(tx, bucket.name, key, version_id)
        if obj is None:
            return {"VersionId": version_id}
        _check_delete_conditions(req, obj)
        s3.delete_version(tx, obj)
        s3.notify(tx, bucket, "ObjectRemoved:Delete", obj, origin)
        out: dict[str, Any] = {"VersionId": version_id}
        if obj.delete_marker:
            out["DeleteMarker"] = True
        return out
    current = store.latest(tx, bucket.name, key)
    if current is not None and not current.delete_marker:
        _check_delete_conditions(req, current)
    elif req.get("IfMatch") is not None:
        raise no_such_key(key)
    removed, marker = s3.delete_key(tx, bucket, key, ctx.account_id)
    if marker is not None:
        s3.notify(tx, bucket, "ObjectRemoved:DeleteMarkerCreated", marker, origin)
        return {"DeleteMarker": True, "VersionId": marker.version_id}
    if removed is not None:
        s3.notify(tx, bucket, "ObjectRemoved:Delete", removed, origin)
    return {}


def _check_delete_conditions(req: dict[str, Any], obj: store.ObjectVersion) -> None:
    if req.get("IfMatch") is not None and not conditions._etag_matches(req["IfMatch"], obj.etag):
        raise PreconditionFailed(
            "At least one of the pre-conditions you specified did not hold", Condition="If-Match"
        )
    size = req.get("IfMatchSize")
    if size is not None and size != obj.size:
        raise PreconditionFailed(
            "At least one of the pre-conditions you specified did not hold", Condition="x-amz-if-match-size"
        )
    when = req.get("IfMatchLastModifiedTime")
    if when is not None and int(when.timestamp() if hasattr(when, "timestamp") else when) != int(
        obj.last_modified
    ):
        raise PreconditionFailed(
            "At least one of the pre-conditions you specified did not hold",
            Condition="x-amz-if-match-last-modified-time",
        )


def delete_object(ctx: RequestContext, req: dict[str, Any]) -> dict[str, Any]:
    s3 = state(ctx)
    with s3.db.transaction() as tx:
        bucket = s3.bucket(tx, bucket_name(req))
        return _delete_one(s3, tx, bucket, req["Key"], req.get("VersionId"), ctx, req)


def _check_body_integrity(ctx: RequestContext) -> None:
    """DeleteObjects requires Content-MD5 or an `x-amz-checksum-*` of its body (API_DeleteObjects);
    the model declares neither header, so they are read from the request.

    Raises: InvalidRequest (neither sent), InvalidDigest, BadDigest.
    """
    headers = ctx.request.headers
    sent = {a: headers.get(checksums.header_name(a)) for a in checksums.ALGORITHMS}
    sent = {a: v for a, v in sent.items() if v is not None}
    md5 = integrity.content_md5({"ContentMD5": headers.get("content-md5")})
    if md5 is None and not sent and not headers.get("x-amz-trailer"):
        raise InvalidRequest("Missing required header for this request: Content-MD5")
    body = ctx.request.body
    if md5 is not None and hashlib.md5(body).digest() != md5:
        raise BadDigest("The Content-MD5 you specified did not match what we received.")
    for algorithm, value in sent.items():
        if checksums.compute(algorithm, body) != value:
            raise BadDigest(f"The {algorithm} you specified did not match the calculated checksum.")


def delete_objects(ctx: RequestContext, req: dict[str, Any]) -> dict[str, Any]:
    s3 = state(ctx)
    _check_body_integrity(ctx)
    spec = req.get("Delete") or {}
    entries = spec.get("Objects") or []
    if not entries or len(entries) > MAX_DELETE_OBJECTS:
        raise MalformedXML(
            "The XML you provided was not well-formed or did not validate against our published schema"
        )
    quiet = bool(spec.get("Quiet"))
    deleted: list[dict[str, Any]] = []
    errors: list[dict[str, Any]] = []
    with s3.db.transaction() as tx:
        bucket = s3.bucket(tx, bucket_name(req))
        for entry in entries:
            key = entry.get("Key", "")
            version_id = entry.get("VersionId")
            conditions_of = {
                "IfMatch": entry.get("ETag"),
                "IfMatchSize": entry.get("Size"),
                "IfMatchLastModifiedTime": entry.get("LastModifiedTime"),
            }
            try:
                result = _delete_one(s3, tx, bucket, key, version_id, ctx, conditions_of)
            except (NoSuchKey, PreconditionFailed) as exc:
                error = {"Key": key, "Code": exc.code, "Message": exc.message}
                if version_id is not None:
                    error["VersionId"] = version_id
                errors.append(error)
                continue
            if quiet:
                continue
            item: dict[str, Any] = {"Key": key}
            if version_id is not None:
                item["VersionId"] = version_id
                if result.get("DeleteMarker"):
                    item["DeleteMarker"] = True
                    item["DeleteMarkerVersionId"] = version_id
            elif result.get("DeleteMarker"):
                item["DeleteMarker"] = True
                item["DeleteMarkerVersionId"] = result["VersionId"]
            deleted.append(item)
    out: dict[str, Any] = {}
    if deleted:
        out["Deleted"] = deleted
    if errors:
        out["Errors"] = errors
    return out
