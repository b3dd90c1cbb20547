"""Reading multipart state: ListParts and ListMultipartUploads (uploads in progress), and
GetObjectAttributes (an object's ETag, checksum, size, storage class and its parts, paged).

Answers follow the ListParts, ListMultipartUploads and GetObjectAttributes pages: markers echo as given,
page sizes cap at 1000, and the next markers name the last entry listed.
"""

from __future__ import annotations

from typing import Any

from cloudlet.gateway.context import RequestContext
from cloudlet.services.s3 import checksums, store, uploads
from cloudlet.services.s3.errors import InvalidArgument
from cloudlet.services.s3.operations.buckets import owner_of
from cloudlet.services.s3.operations.common import bucket_name, reject_sse_c, state
from cloudlet.services.s3.operations.listing import encoder
from cloudlet.services.s3.operations.multipart import MAX_LISTED, abort_headers, bounded, find_upload
from cloudlet.services.s3.operations.objects import find_version

__all__ = ["get_object_attributes", "list_multipart_uploads", "list_parts"]


# --- ListParts / ListMultipartUploads -------------------------------------------------------------


def _part_entry(part: uploads.Part) -> dict[str, Any]:
    out: dict[str, Any] = {
        "PartNumber": part.part_number,
        "LastModified": part.last_modified,
        "ETag": part.etag,
        "Size": part.size,
    }
    if part.checksum:
        out[checksums.member_name(part.checksum["algorithm"])] = part.checksum["value"]
    return out


def list_parts(ctx: RequestContext, req: dict[str, Any]) -> dict[str, Any]:
    s3 = state(ctx)
    name, key, upload_id = bucket_name(req), req["Key"], req["UploadId"]
    reject_sse_c(req)
    with s3.db.read() as conn:
        s3.bucket(conn, name)
        upload = find_upload(conn, name, key, upload_id)
        limit = min(bounded(req, "MaxParts", "max-parts", MAX_LISTED), MAX_LISTED)
        marker = bounded(req, "PartNumberMarker", "part-number-marker", 0)
        rows = uploads.parts(conn, upload_id, after=marker, limit=limit + 1)
    listed = rows[:limit]
    owner = owner_of(upload.owner)
    out: dict[str, Any] = {
        "Bucket": name,
        "Key": key,
        "UploadId": upload_id,
        "PartNumberMarker": marker,
        "NextPartNumberMarker": listed[-1].part_number if listed else marker,
        "MaxParts": limit,
        "IsTruncated": limit > 0 and len(rows) > limit,
        "Initiator": owner,
        "Owner": owner,
        "StorageClass": upload.headers.get("StorageClass", "STANDARD"),
    }
    if listed:
        out["Parts"] = [_part_entry(part) for part in listed]
    if upload.checksum_algorithm:
        out["ChecksumAlgorithm"], out["ChecksumType"] = upload.checksum_algorithm, upload.checksum_type
    out.update(abort_headers(s3, upload))
    return out


def _upload_entry(upload: uploads.Upload, encode: Any) -> dict[str, Any]:
    owner = owner_of(upload.owner)
    out: dict[str, Any] = {
        "UploadId": upload.upload_id,
        "Key": encode(upload.key),
        "Initiated": upload.initiated,
        "StorageClass": upload.headers.get("StorageClass", "STANDARD"),
        "Owner": owner,
        "Initiator": owner,
    }
    if upload.checksum_algorithm:
        out["ChecksumAlgorithm"], out["ChecksumType"] = upload.checksum_algorithm, upload.checksum_type
    return out


def list_multipart_uploads(ctx: RequestContext, req: dict[str, Any]) -> dict[str, Any]:
    s3 = state(ctx)
    name = bucket_name(req)
    prefix, delimiter = req.get("Prefix") or "", req.get("Delimiter") or ""
    key_marker = req.get("KeyMarker") or ""
    id_marker = (req.get("UploadIdMarker") or "") if key_marker else ""
    limit = min(bounded(req, "MaxUploads", "max-uploads", MAX_LISTED), MAX_LISTED)
    encode = encoder(req, safe="/*")
    entries: list[tuple[str, uploads.Upload | None]] = []
    """(key or common prefix, upload or None for a common prefix), at most limit + 1."""
    with s3.db.read() as conn:
        s3.bucket(conn, name)
        after: tuple[str, float, str] | None = None
        if id_marker:
            marked = uploads.get(conn, id_marker)
            if marked is None or marked.bucket != name or marked.key != key_marker:
                raise InvalidArgument(
                    "Invalid uploadId marker", ArgumentName="upload-id-marker", ArgumentValue=id_marker
                )
            after = (marked.key, marked.initiated, marked.upload_id)
        after_key: str | None = key_marker or None
        while len(entries) <= limit:
            batch = uploads.page(conn, name, prefix, after, after_key, MAX_LISTED)
            if not batch:
                break
            for upload in batch:
                rolled = _rollup(upload.key, prefix, delimiter)
                if rolled is None:
                    entries.append((upload.key, upload))
                elif not key_marker.startswith(rolled) and (not entries or entries[-1][0] != rolled):
                    entries.append((rolled, None))
                if len(entries) > limit:
                    break
            last = batch[-1]
            after, after_key = (last.key, last.initiated, last.upload_id), None
    truncated = limit > 0 and len(entries) > limit
    entries = entries[:limit]
    last_key, last_upload = entries[-1] if entries else ("", None)
    out: dict[str, Any] = {
        "Bucket": name,
        "KeyMarker": encode(key_marker),
        "UploadIdMarker": id_marker,
        "NextKeyMarker": encode(last_key),
        "NextUploadIdMarker": last_upload.upload_id if last_upload is not None else "",
        "Prefix": encode(prefix),
        "MaxUploads": limit,
        "IsTruncated": truncated,
    }
    if delimiter:
        out["Delimiter"] = encode(delimiter)
    found = [_upload_entry(upload, encode) for _, upload in entries if upload is not None]
    if found:
        out["Uploads"] = found
    prefixes = [{"Prefix": encode(key)} for key, upload in entries if upload is None]
    if prefixes:
        out["CommonPrefixes"] = prefixes
    if req.get("EncodingType"):
        out["EncodingType"] = req["EncodingType"]
    return out


def _rollup(key: str, prefix: str, delimiter: str) -> str | None:
    """The common prefix `key` rolls up into, or None."""
    if not delimiter:
        return None
    at = key.find(delimiter, len(prefix))
    return key[: at + len(delimiter)] if at >= 0 else None


# --- GetObjectAttributes --------------------------------------------------------------------------


def get_object_attributes(ctx: RequestContext, req: dict[str, Any]) -> dict[str, Any]:
    s3 = state(ctx)
    reject_sse_c(req)
    with s3.db.read() as conn:
        bucket, obj = find_version(s3, conn, req)
    wanted = set(req.get("ObjectAttributes") or ())
    out: dict[str, Any] = {"LastModified": obj.last_modified}
    if bucket.versioning:
        out["VersionId"] = obj.version_id
    if "ETag" in wanted:
        out["ETag"] = obj.etag.strip('"')
    if "Checksum" in wanted and obj.checksum:
        kind = obj.checksum.get("type", "FULL_OBJECT")
        value = obj.checksum["value"]
        if kind == "COMPOSITE":
            value = value.rsplit("-", 1)[0]
        out["Checksum"] = {checksums.member_name(obj.checksum["algorithm"]): value, "ChecksumType": kind}
    if "ObjectParts" in wanted and obj.parts is not None:
        out["ObjectParts"] = _object_parts(req, obj)
    if "StorageClass" in wanted:
        out["StorageClass"] = obj.headers.get("StorageClass", "STANDARD")
    if "ObjectSize" in wanted:
        out["ObjectSize"] = obj.size
    return out


def _object_parts(req: dict[str, Any], obj: store.ObjectVersion) -> dict[str, Any]:
    """ObjectParts of a multipart object, paged by MaxParts/PartNumberMarker. `Parts` are listed only
    when the parts have checksums (GetObjectAttributes page)."""
    sizes = obj.parts or []
    limit = min(bounded(req, "MaxParts", "max-parts", MAX_LISTED), MAX_LISTED)
    marker = bounded(req, "PartNumberMarker", "part-number-marker", 0)
    numbers = list(range(marker + 1, len(sizes) + 1))
    listed = numbers[:limit]
    out: dict[str, Any] = {
        "TotalPartsCount": len(sizes),
        "PartNumberMarker": marker,
        "NextPartNumberMarker": listed[-1] if listed else marker,
        "MaxParts": limit,
        "IsTruncated": limit > 0 and len(numbers) > limit,
    }
    algorithm = (obj.checksum or {}).get("algorithm")
    if algorithm and any(part[1] for part in sizes):
        member = checksums.member_name(algorithm)
        out["Parts"] = [
            {
                "PartNumber": n,
                "Size": sizes[n - 1][0],
                **({member: sizes[n - 1][1]} if sizes[n - 1][1] else {}),
            }
            for n in listed
        ]
    return out
