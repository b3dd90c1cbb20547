"""Multipart uploads: CreateMultipartUpload, UploadPart, CompleteMultipartUpload, AbortMultipartUpload
(ListParts, ListMultipartUploads and GetObjectAttributes read them in parts.py).

Parts stream into blob files as they arrive. Completing concatenates them off the event loop into the
object's blob (computing full-object checksums on the way), then commits the object, its notification
and the removal of the upload in one transaction. Errors and checksum rules follow the
CompleteMultipartUpload page and "Checking object integrity" of the S3 User Guide.
"""

from __future__ import annotations

import asyncio
import hashlib
import math
import secrets
from datetime import datetime
from typing import Any
from urllib.parse import quote

from cloudlet.gateway.context import RequestContext
from cloudlet.services.s3 import checksums, conditions, integrity, lifecycle, store, tags, uploads
from cloudlet.services.s3.engine import S3, Origin
from cloudlet.services.s3.errors import (
    BadDigest,
    EntityTooLarge,
    EntityTooSmall,
    InvalidArgument,
    InvalidPart,
    InvalidPartOrder,
    InvalidRequest,
    MalformedXML,
    NoSuchUpload,
    PreconditionFailed,
)
from cloudlet.services.s3.names import check_key
from cloudlet.services.s3.operations.common import bucket_name, reject_sse_c, state
from cloudlet.services.s3.operations.objects import now_seconds, stored_headers

__all__ = [
    "abort_multipart_upload",
    "complete_multipart_upload",
    "create_multipart_upload",
    "upload_part",
]

MIN_PART_BYTES = 5 * 1024**2
"""Smallest part but the last (5 MiB)."""
MAX_PART_BYTES = 5 * 1024**3
MAX_PART_NUMBER = 10_000
MAX_LISTED = 1000
"""Most parts or uploads one list answer holds (and the default)."""
MAX_ARGUMENT = 2**31 - 1
DEFAULT_ALGORITHM = "CRC64NVME"
"""The full-object checksum S3 gives an upload created without an algorithm."""
FULL_OBJECT_ONLY = ("CRC64NVME",)
EITHER_TYPE = ("CRC32", "CRC32C")
"""Algorithms that take both checksum types (COMPOSITE by default); the others are COMPOSITE only."""
_PRECONDITION = "At least one of the pre-conditions you specified did not hold"


def no_such_upload(upload_id: str) -> NoSuchUpload:
    return NoSuchUpload(
        "The specified upload does not exist. The upload ID may be invalid, or the upload may have been"
        " aborted or completed.",
        UploadId=upload_id,
    )


def find_upload(conn: Any, bucket: str, key: str, upload_id: str) -> uploads.Upload:
    """The upload `upload_id` of `bucket`/`key`. Raises NoSuchUpload."""
    upload = uploads.get(conn, upload_id)
    if upload is None or upload.bucket != bucket or upload.key != key:
        raise no_such_upload(upload_id)
    return upload


def check_part_number(value: Any) -> int:
    """Raises InvalidArgument unless 1 <= `value` <= 10000."""
    if not isinstance(value, int) or not 1 <= value <= MAX_PART_NUMBER:
        raise InvalidArgument(
            "Part number must be an integer between 1 and 10000, inclusive",
            ArgumentName="partNumber",
            ArgumentValue=str(value),
        )
    return value


def bounded(req: dict[str, Any], member: str, argument: str, default: int) -> int:
    value = req.get(member)
    if value is None:
        return default
    if not 0 <= value <= MAX_ARGUMENT:
        raise InvalidArgument(
            f"Argument {argument} must be an integer between 0 and 2147483647",
            ArgumentName=argument,
            ArgumentValue=str(value),
        )
    return int(value)


def _mismatch(expected: str | None, actual: str) -> InvalidRequest:
    return InvalidRequest(
        f"Checksum Type mismatch occurred, expected checksum Type: {(expected or 'null').lower()},"
        f" actual checksum Type: {actual.lower()}"
    )


# --- CreateMultipartUpload ------------------------------------------------------------------------


def _checksum_choice(req: dict[str, Any]) -> tuple[str | None, str | None]:
    """(algorithm, type) of a new upload. Raises InvalidRequest for combinations S3 refuses."""
    algorithm = (req.get("ChecksumAlgorithm") or "").upper() or None
    kind = req.get("ChecksumType")
    if kind is not None and kind not in ("COMPOSITE", "FULL_OBJECT"):
        raise InvalidRequest("Value for x-amz-checksum-type header is invalid.")
    if algorithm is None:
        if kind is not None:
            raise InvalidRequest(
                "The x-amz-checksum-type header can only be used with the x-amz-checksum-algorithm header."
            )
        return None, None
    if algorithm not in checksums.ALGORITHMS:
        raise InvalidRequest(
            "Checksum algorithm provided is unsupported. Please try again with any of the valid types:"
            " [CRC32, CRC32C, CRC64NVME, SHA1, SHA256]"
        )
    if kind is None:
        kind = "FULL_OBJECT" if algorithm in FULL_OBJECT_ONLY else "COMPOSITE"
    allowed = {"FULL_OBJECT"} if algorithm in FULL_OBJECT_ONLY else {"COMPOSITE"}
    if algorithm in EITHER_TYPE:
        allowed = {"COMPOSITE", "FULL_OBJECT"}
    if kind not in allowed:
        raise InvalidRequest(
            f"The {kind} checksum type cannot be used with the {algorithm.lower()} checksum algorithm."
        )
    return algorithm, kind


def create_multipart_upload(ctx: RequestContext, req: dict[str, Any]) -> dict[str, Any]:
    s3 = state(ctx)
    name, key = bucket_name(req), req["Key"]
    check_key(key)
    reject_sse_c(req)
    with s3.db.read() as conn:
        s3.bucket(conn, name)
    algorithm, kind = _checksum_choice(req)
    upload = uploads.Upload(
        upload_id=secrets.token_urlsafe(48),
        bucket=name,
        key=key,
        initiated=s3.clock.now(),
        headers=stored_headers(req),
        metadata=dict(req.get("Metadata") or {}),
        tags=tags.parse_header(req.get("Tagging")),
        checksum_algorithm=algorithm,
        checksum_type=kind,
        owner=ctx.account_id,
    )
    with s3.db.transaction() as tx:
        s3.bucket(tx, name)
        uploads.insert(tx, upload)
    out: dict[str, Any] = {"Bucket": name, "Key": key, "UploadId": upload.upload_id}
    out.update(_encryption(upload.headers))
    if algorithm:
        out["ChecksumAlgorithm"], out["ChecksumType"] = algorithm, kind
    out.update(abort_headers(s3, upload))
    return out


def abort_headers(s3: S3, upload: uploads.Upload) -> dict[str, Any]:
    """AbortDate and AbortRuleId when a lifecycle rule will abort `upload`."""
    due = lifecycle.abort_rule(s3, upload.bucket, upload.key, upload.initiated)
    return {"AbortDate": due[0], "AbortRuleId": due[1]} if due else {}


def _encryption(headers: dict[str, Any]) -> dict[str, Any]:
    return {
        k: headers[k] for k in ("ServerSideEncryption", "SSEKMSKeyId", "BucketKeyEnabled") if k in headers
    }


# --- UploadPart -----------------------------------------------------------------------------------


async def upload_part(ctx: RequestContext, req: dict[str, Any]) -> dict[str, Any]:
    s3 = state(ctx)
    name, key, upload_id = bucket_name(req), req["Key"], req["UploadId"]
    reject_sse_c(req)
    body = req.get("Body")
    with s3.db.read() as conn:
        s3.bucket(conn, name)
        upload = find_upload(conn, name, key, upload_id)
    part_number = check_part_number(req.get("PartNumber"))
    declared = getattr(body, "length", None)
    if declared is not None and declared > MAX_PART_BYTES:
        raise EntityTooLarge(
            "Your proposed upload exceeds the maximum allowed size",
            ProposedSize=str(declared),
            MaxSizeAllowed=str(MAX_PART_BYTES),
        )
    plan = integrity.plan(req, ctx.request, default=False)
    expected = upload.checksum_algorithm
    if expected is not None:
        if plan.algorithm is not None and plan.algorithm != expected:
            raise _mismatch(expected, plan.algorithm)
        if plan.algorithm is None:
            plan.compute.append(expected)
    md5 = integrity.content_md5(req)
    written = await integrity.receive(s3.blobs, body, plan.compute)
    try:
        checksum = integrity.verify(plan, written, req, body, md5)
        if written.size > MAX_PART_BYTES:
            raise EntityTooLarge("Your proposed upload exceeds the maximum allowed size")
        part = uploads.Part(
            upload_id=upload_id,
            part_number=part_number,
            size=written.size,
            etag=written.etag,
            md5=written.md5,
            last_modified=now_seconds(s3),
            blob=written.name,
            checksum={"algorithm": checksum["algorithm"], "value": checksum["value"]} if checksum else None,
        )
        with s3.db.transaction() as tx:
            find_upload(tx, name, key, upload_id)
            replaced = uploads.put_part(tx, part)
            if replaced:
                s3.release_blobs(tx, [replaced])
    except BaseException:
        s3.blobs.delete(written.name)
        raise
    out: dict[str, Any] = {"ETag": part.etag}
    out.update(_encryption(upload.headers))
    if part.checksum:
        out[checksums.member_name(part.checksum["algorithm"])] = part.checksum["value"]
    return out


# --- CompleteMultipartUpload ----------------------------------------------------------------------


def _requested(req: dict[str, Any], upload_id: str) -> list[dict[str, Any]]:
    """The parts list of the request, checked for shape and order.

    Raises: MalformedXML, InvalidArgument (part number below 1), InvalidPartOrder.
    """
    listed = (req.get("MultipartUpload") or {}).get("Parts") or []
    if not listed or any(p.get("PartNumber") is None or p.get("ETag") is None for p in listed):
        raise MalformedXML(
            "The XML you provided was not well-formed or did not validate against our published schema"
        )
    previous = 0
    for part in listed:
        number = part["PartNumber"]
        if number < 1:
            raise InvalidArgument(
                "PartNumber must be >= 1", ArgumentName="PartNumber", ArgumentValue=str(number)
            )
        if number <= previous:
            raise _bad_order(upload_id)
        previous = number
    return listed


def _bad_order(upload_id: str) -> InvalidPartOrder:
    return InvalidPartOrder(
        "The list of parts was not in ascending order. Parts must be ordered by part number.",
        UploadId=upload_id,
    )


def _invalid_part(upload_id: str, number: int, etag: str) -> InvalidPart:
    return InvalidPart(
        "One or more of the specified parts could not be found.  The part may not have been uploaded, or the"
        " specified entity tag may not match the part's entity tag.",
        UploadId=upload_id,
        PartNumber=str(number),
        ETag=etag,
    )


def _part_checksums(part: dict[str, Any]) -> dict[str, str]:
    return {
        a: part[checksums.member_name(a)] for a in checksums.ALGORITHMS if part.get(checksums.member_name(a))
    }


def _assemble(
    upload: uploads.Upload, listed: list[dict[str, Any]], found: dict[int, uploads.Part]
) -> list[uploads.Part]:
    """The stored parts the request names, checked against it (ETags, part checksums, sizes).

    Raises: InvalidPart, InvalidPartOrder, InvalidRequest, EntityTooSmall.
    """
    algorithm, kind = upload.checksum_algorithm, upload.checksum_type
    if algorithm is not None and [p["PartNumber"] for p in listed] != list(range(1, len(listed) + 1)):
        raise _bad_order(upload.upload_id)  # with a checksum algorithm, parts are numbered 1..N
    out: list[uploads.Part] = []
    for index, entry in enumerate(listed):
        number, etag = entry["PartNumber"], entry["ETag"].strip().strip('"')
        part = found.get(number)
        sent = _part_checksums(entry)
        if part is None or part.etag.strip('"') != etag:
            raise _invalid_part(upload.upload_id, number, etag)
        if algorithm is None:
            if sent:
                raise _invalid_part(upload.upload_id, number, etag)
        else:
            value = sent.pop(algorithm, None)
            if sent or (value is not None and value != (part.checksum or {}).get("value")):
                raise _invalid_part(upload.upload_id, number, etag)
            if value is None and kind == "COMPOSITE":
                raise InvalidRequest(
                    f"The upload was created using a {algorithm.lower()} checksum. The complete request must"
                    f" include the checksum for each part. It was missing for part {number} in the request."
                )
        if index < len(listed) - 1 and part.size < MIN_PART_BYTES:
            raise EntityTooSmall(
                "Your proposed upload is smaller than the minimum allowed size",
                ProposedSize=str(part.size),
                MinSizeAllowed=str(MIN_PART_BYTES),
                PartNumber=str(number),
                ETag=etag,
            )
        out.append(part)
    return out


def _check_object_checksum_headers(req: dict[str, Any], upload: uploads.Upload) -> None:
    """The request's checksum type and full-object checksum header must fit the upload's.

    Raises: InvalidRequest (other algorithm, negative size), BadDigest (other checksum type).
    """
    algorithm = upload.checksum_algorithm
    kind = upload.checksum_type or "FULL_OBJECT"
    sent = [a for a in checksums.ALGORITHMS if req.get(checksums.member_name(a)) is not None]
    if sent and sent[0] != algorithm:
        raise _mismatch(algorithm, sent[0])
    asked = req.get("ChecksumType")
    if asked is not None and asked != kind:
        raise BadDigest(
            f"The upload was created using the {kind} checksum mode. The complete request must use the same"
            " checksum mode."
        )
    size = req.get("MpuObjectSize")
    if size is not None and size < 0:
        raise InvalidRequest(f"Value for x-amz-mp-object-size header is less than zero: '{size}'")


def _multipart_etag(md5s: list[bytes]) -> str:
    return f'"{hashlib.md5(b"".join(md5s)).hexdigest()}-{len(md5s)}"'


def _location(ctx: RequestContext, bucket: str, key: str) -> str:
    quoted = quote(key, safe="!'()*")
    if ctx.host_hints.get("bucket") == bucket:
        return f"{ctx.endpoint}/{quoted}"
    return f"{ctx.endpoint}/{bucket}/{quoted}"


def _completed(
    ctx: RequestContext, bucket: store.Bucket, obj: store.ObjectVersion, with_checksum: bool
) -> dict[str, Any]:
    out: dict[str, Any] = {
        "Location": _location(ctx, bucket.name, obj.key),
        "Bucket": bucket.name,
        "Key": obj.key,
        "ETag": obj.etag,
    }
    out.update(_encryption(obj.headers))
    if bucket.versioning:
        out["VersionId"] = obj.version_id
    if with_checksum and obj.checksum:
        out[checksums.member_name(obj.checksum["algorithm"])] = obj.checksum["value"]
        out["ChecksumType"] = obj.checksum.get("type", "FULL_OBJECT")
    return out


def _replay(ctx: RequestContext, conn: Any, bucket: store.Bucket, key: str, req: dict[str, Any]) -> Any:
    """A completed upload asked to complete again with the same parts list answers as the first time
    while its object is the current one (S3 retries CompleteMultipartUpload this way); else None."""
    listed = (req.get("MultipartUpload") or {}).get("Parts") or []
    try:
        etag = _multipart_etag([bytes.fromhex(p["ETag"].strip().strip('"')) for p in listed])
    except (KeyError, TypeError, ValueError, AttributeError):
        return None
    current = store.latest(conn, bucket.name, key)
    if (
        not listed
        or current is None
        or current.delete_marker
        or current.parts is None
        or current.etag != etag
    ):
        return None
    explicit = any(_part_checksums(p) for p in listed) or (current.checksum or {}).get("algorithm") not in (
        None,
        DEFAULT_ALGORITHM,
    )
    return _completed(ctx, bucket, current, explicit)


def _object_checksum(
    upload: uploads.Upload, parts: list[uploads.Part], computed: dict[str, str], req: dict[str, Any]
) -> dict[str, str]:
    """The object's checksum ({"algorithm", "value", "type"}), checked against the request's
    full-object header. Raises BadDigest."""
    algorithm = upload.checksum_algorithm or DEFAULT_ALGORITHM
    kind = upload.checksum_type or "FULL_OBJECT"
    if kind == "COMPOSITE":
        value = checksums.composite(algorithm, [(p.checksum or {}).get("value", "") for p in parts])
    else:
        value = computed[algorithm]
    sent = req.get(checksums.member_name(algorithm))
    if sent is not None and sent != value:
        raise BadDigest(f"The {algorithm} you specified did not match the calculated checksum.")
    return {"algorithm": algorithm, "value": value, "type": kind}


async def complete_multipart_upload(ctx: RequestContext, req: dict[str, Any]) -> dict[str, Any]:
    s3 = state(ctx)
    name, key, upload_id = bucket_name(req), req["Key"], req["UploadId"]
    reject_sse_c(req)
    with s3.db.read() as conn:
        bucket = s3.bucket(conn, name)
        upload = uploads.get(conn, upload_id)
        if upload is None or upload.bucket != name or upload.key != key:
            replayed = _replay(ctx, conn, bucket, key, req)
            if replayed is not None:
                return replayed
            raise no_such_upload(upload_id)
        listed = _requested(req, upload_id)
        found = uploads.parts_numbered(conn, upload_id, [p["PartNumber"] for p in listed])
        current = store.latest(conn, name, key)
    conditions.check_write(req, current, key)
    _check_object_checksum_headers(req, upload)
    parts = _assemble(upload, listed, found)
    total = sum(p.size for p in parts)
    asked_size = req.get("MpuObjectSize")
    if asked_size is not None and asked_size != total:
        raise InvalidRequest(
            f"The provided 'x-amz-mp-object-size' header value {asked_size} does not match what was computed:"
            f" {total}"
        )
    full = [] if upload.checksum_type == "COMPOSITE" else [upload.checksum_algorithm or DEFAULT_ALGORITHM]
    spans = [(p.blob, 0, None) for p in parts]
    try:
        written = await asyncio.to_thread(s3.blobs.concatenate, spans, full, md5=False)
    except FileNotFoundError:  # a part was replaced or the upload aborted meanwhile
        raise _invalid_part(upload_id, parts[0].part_number, parts[0].etag.strip('"')) from None
    try:
        checksum = _object_checksum(upload, parts, written.checksums, req)
        algorithm = checksum["algorithm"]
        with s3.db.transaction() as tx:
            bucket = s3.bucket(tx, name)
            find_upload(tx, name, key, upload_id)
            now_parts = uploads.parts_numbered(tx, upload_id, [p.part_number for p in parts])
            for part in parts:
                if now_parts.get(part.part_number) is None or now_parts[part.part_number].blob != part.blob:
                    raise _invalid_part(upload_id, part.part_number, part.etag.strip('"'))
            conditions.check_write(req, store.latest(tx, name, key), key)
            obj = s3.new_object(
                bucket,
                key,
                size=total,
                etag=_multipart_etag([p.md5 for p in parts]),
                # The creation date of a multipart object is the initiation of its upload ("Working
                # with object metadata", Last-Modified).
                last_modified=float(math.floor(upload.initiated)),
                blob=written.name,
                headers=dict(upload.headers),
                metadata=dict(upload.metadata),
                checksum=checksum,
                parts=[
                    [
                        p.size,
                        (p.checksum or {}).get("value")
                        if (p.checksum or {}).get("algorithm") == algorithm
                        else None,
                    ]
                    for p in parts
                ],
                tags=upload.tags,
                owner=ctx.account_id,
            )
            obj = s3.put_version(tx, bucket, obj)
            s3.release_blobs(tx, uploads.discard(tx, upload_id))
            s3.notify(tx, bucket, "ObjectCreated:CompleteMultipartUpload", obj, Origin.of(ctx))
    except BaseException:
        s3.blobs.delete(written.name)
        raise
    out = _completed(ctx, bucket, obj, upload.checksum_algorithm is not None)
    expiration = lifecycle.expiration(s3, name, obj)
    if expiration:
        out["Expiration"] = expiration
    return out


# --- AbortMultipartUpload -------------------------------------------------------------------------


def _epoch(value: Any) -> float:
    return value.timestamp() if isinstance(value, datetime) else float(value)


def abort_multipart_upload(ctx: RequestContext, req: dict[str, Any]) -> dict[str, Any]:
    s3 = state(ctx)
    name, key, upload_id = bucket_name(req), req["Key"], req["UploadId"]
    with s3.db.transaction() as tx:
        s3.bucket(tx, name)
        upload = find_upload(tx, name, key, upload_id)
        when = req.get("IfMatchInitiatedTime")
        if when is not None and int(_epoch(when)) != int(upload.initiated):
            raise PreconditionFailed(_PRECONDITION, Condition="x-amz-if-match-initiated-time")
        s3.release_blobs(tx, uploads.discard(tx, upload_id))
    return {}
