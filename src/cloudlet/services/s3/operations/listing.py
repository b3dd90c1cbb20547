"""Object listings: ListObjects (V1), ListObjectsV2 and ListObjectVersions.

One scan serves all three: keys in UTF-8 byte order (SQLite's BINARY collation), keys sharing the part
of their name between `Prefix` and the first `Delimiter` rolled up into one common prefix, and every
entry strictly after the marker. Common prefixes count toward MaxKeys like keys; a page that ends on a
common prefix continues after every key under it, so no prefix is returned twice.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable
from typing import Any
from urllib.parse import quote_plus

from cloudlet.gateway.context import RequestContext
from cloudlet.services.s3 import store
from cloudlet.services.s3.errors import InvalidArgument
from cloudlet.services.s3.operations.buckets import owner_of
from cloudlet.services.s3.operations.common import bucket_name, state

__all__ = ["list_object_versions", "list_objects", "list_objects_v2"]

MAX_KEYS = 1000
"""Most entries one page holds, whatever MaxKeys asks for."""
MAX_KEYS_ARGUMENT = 2**31 - 1
_BATCH = 256
_TOKEN_VERSION = b"\x01"

Entry = store.ObjectVersion | str
"""One listing entry: an object version, or a common prefix (str)."""


# --- the scan -------------------------------------------------------------------------------------


def _rollup(key: str, prefix: str, delimiter: str) -> str | None:
    """The common prefix `key` rolls up into, or None."""
    if not delimiter:
        return None
    at = key.find(delimiter, len(prefix))
    return None if at < 0 else key[: at + len(delimiter)]


def _scan(
    fetch: Callable[[str, int | None, bool], list[store.ObjectVersion]],
    prefix: str,
    delimiter: str,
    after: str,
    start: tuple[str, int | None],
    max_keys: int,
) -> tuple[list[Entry], bool]:
    """Up to `max_keys` entries in order, and whether more follow.

    `fetch(key, seq, inclusive)` returns the next rows after that position; `start` is the first
    position; a common prefix is an entry only when it sorts after `after`.
    """
    entries: list[Entry] = []
    if max_keys == 0:  # S3 answers an empty, untruncated page
        return entries, False
    key, seq = start
    inclusive = False
    while True:
        rows = fetch(key, seq, inclusive)
        jumped = False
        for row in rows:
            common = _rollup(row.key, prefix, delimiter)
            if common is None:
                if len(entries) == max_keys:
                    return entries, True
                entries.append(row)
                key, seq, inclusive = row.key, row.seq, False
                continue
            if common > after:
                if len(entries) == max_keys:
                    return entries, True
                entries.append(common)
            following = store.prefix_end(common)
            if following is None:
                return entries, False
            key, seq, inclusive = following, None, True
            jumped = True
            break
        if not jumped and len(rows) < _BATCH:
            return entries, False


def _latest_fetch(conn: Any, bucket: str, prefix: str) -> Callable[..., list[store.ObjectVersion]]:
    def fetch(key: str, seq: int | None, inclusive: bool) -> list[store.ObjectVersion]:
        return store.list_latest(conn, bucket, prefix, key, _BATCH, inclusive=inclusive)

    return fetch


def _versions_fetch(conn: Any, bucket: str, prefix: str) -> Callable[..., list[store.ObjectVersion]]:
    def fetch(key: str, seq: int | None, inclusive: bool) -> list[store.ObjectVersion]:
        return store.list_versions(conn, bucket, prefix, key, seq, _BATCH, inclusive=inclusive)

    return fetch


# --- request members ------------------------------------------------------------------------------


def _max_keys(req: dict[str, Any]) -> tuple[int, int]:
    """(MaxKeys as echoed, entries a page may hold). Raises: InvalidArgument."""
    asked = req.get("MaxKeys")
    if asked is None:
        return MAX_KEYS, MAX_KEYS
    if not 0 <= asked <= MAX_KEYS_ARGUMENT:
        raise InvalidArgument(
            "Argument maxKeys must be an integer between 0 and 2147483647",
            ArgumentName="maxKeys",
            ArgumentValue=str(asked),
        )
    return asked, min(asked, MAX_KEYS)


def encoder(req: dict[str, Any], safe: str = "/") -> Callable[[str], str]:
    """How names appear in the response: as they are, or URL-encoded for `EncodingType=url` (space as
    `+`, `safe` kept, as S3 writes them). Other encoding types are refused in `requests.prepare`."""
    if req.get("EncodingType") is None:
        return lambda text: text
    return lambda text: quote_plus(text, safe=safe)


def encode_token(after: str) -> str:
    return base64.b64encode(_TOKEN_VERSION + after.encode("utf-8")).decode("ascii")


def decode_token(token: str) -> str:
    """The position a NextContinuationToken stands for. Raises: InvalidArgument."""
    try:
        raw = base64.b64decode(token.encode("ascii"), validate=True)
        if not raw.startswith(_TOKEN_VERSION):
            raise ValueError(token)
        return raw[len(_TOKEN_VERSION) :].decode("utf-8")
    except (ValueError, UnicodeError, binascii.Error):
        raise InvalidArgument(
            "The continuation token provided is incorrect",
            ArgumentName="continuation-token",
            ArgumentValue=token,
        ) from None


# --- rendering ------------------------------------------------------------------------------------


def _object(obj: store.ObjectVersion, encode: Callable[[str], str], owner: bool) -> dict[str, Any]:
    out: dict[str, Any] = {
        "Key": encode(obj.key),
        "LastModified": obj.last_modified,
        "ETag": obj.etag,
        "Size": obj.size,
        "StorageClass": obj.headers.get("StorageClass", "STANDARD"),
    }
    if obj.checksum:
        out["ChecksumAlgorithm"] = [obj.checksum["algorithm"]]
        out["ChecksumType"] = obj.checksum.get("type", "FULL_OBJECT")
    if owner:
        out["Owner"] = owner_of(obj.owner)
    return out


def _split(entries: list[Entry], encode: Callable[[str], str], owner: bool) -> dict[str, Any]:
    out: dict[str, Any] = {}
    contents = [_object(e, encode, owner) for e in entries if not isinstance(e, str)]
    prefixes = [{"Prefix": encode(e)} for e in entries if isinstance(e, str)]
    if contents:
        out["Contents"] = contents
    if prefixes:
        out["CommonPrefixes"] = prefixes
    return out


def _last_position(entries: list[Entry]) -> str:
    last = entries[-1]
    return last if isinstance(last, str) else last.key


# --- operations -----------------------------------------------------------------------------------


def list_objects(ctx: RequestContext, req: dict[str, Any]) -> dict[str, Any]:
    """ListObjects (V1): `Marker` in, `NextMarker` out only when a delimiter is given (API_ListObjects:
    otherwise the last Key is the next marker)."""
    s3 = state(ctx)
    echoed, limit = _max_keys(req)
    encode = encoder(req)
    prefix, delimiter, marker = req.get("Prefix") or "", req.get("Delimiter") or "", req.get("Marker") or ""
    with s3.db.read() as conn:
        bucket = s3.bucket(conn, bucket_name(req))
        fetch = _latest_fetch(conn, bucket.name, prefix)
        entries, truncated = _scan(fetch, prefix, delimiter, marker, (marker, None), limit)
    out: dict[str, Any] = {
        "Name": bucket.name,
        "Prefix": encode(prefix),
        "Marker": encode(marker),
        "MaxKeys": echoed,
        "IsTruncated": truncated,
        **_split(entries, encode, owner=True),
    }
    if delimiter:
        out["Delimiter"] = encode(delimiter)
        if truncated:
            out["NextMarker"] = encode(_last_position(entries))
    if req.get("EncodingType"):
        out["EncodingType"] = req["EncodingType"]
    return out


def list_objects_v2(ctx: RequestContext, req: dict[str, Any]) -> dict[str, Any]:
    s3 = state(ctx)
    echoed, limit = _max_keys(req)
    encode = encoder(req)
    prefix, delimiter = req.get("Prefix") or "", req.get("Delimiter") or ""
    token = req.get("ContinuationToken")
    start_after = req.get("StartAfter") or ""
    after = decode_token(token) if token is not None else start_after
    with s3.db.read() as conn:
        bucket = s3.bucket(conn, bucket_name(req))
        fetch = _latest_fetch(conn, bucket.name, prefix)
        entries, truncated = _scan(fetch, prefix, delimiter, after, (after, None), limit)
    out: dict[str, Any] = {
        "Name": bucket.name,
        "Prefix": encode(prefix),
        "MaxKeys": echoed,
        "KeyCount": len(entries),
        "IsTruncated": truncated,
        **_split(entries, encode, owner=bool(req.get("FetchOwner"))),
    }
    if delimiter:
        out["Delimiter"] = encode(delimiter)
    if token is not None:
        out["ContinuationToken"] = token
    if truncated:
        out["NextContinuationToken"] = encode_token(_last_position(entries))
    if req.get("StartAfter"):
        out["StartAfter"] = encode(start_after)
    if req.get("EncodingType"):
        out["EncodingType"] = req["EncodingType"]
    return out


def list_object_versions(ctx: RequestContext, req: dict[str, Any]) -> dict[str, Any]:
    """ListObjectVersions: versions of a key newest first; `KeyMarker` alone continues after every
    version of that key, with `VersionIdMarker` after that version."""
    s3 = state(ctx)
    echoed, limit = _max_keys(req)
    encode = encoder(req)
    prefix, delimiter = req.get("Prefix") or "", req.get("Delimiter") or ""
    key_marker, version_marker = req.get("KeyMarker") or "", req.get("VersionIdMarker")
    if version_marker is not None and not key_marker:
        raise InvalidArgument(
            "A version-id marker cannot be specified without a key marker.",
            ArgumentName="version-id-marker",
            ArgumentValue=version_marker,
        )
    with s3.db.read() as conn:
        bucket = s3.bucket(conn, bucket_name(req))
        seq: int | None = None
        if version_marker:
            marked = store.version(conn, bucket.name, key_marker, version_marker)
            if marked is None:
                raise InvalidArgument(
                    "Invalid version id specified",
                    ArgumentName="version-id-marker",
                    ArgumentValue=version_marker,
                )
            seq = marked.seq
        fetch = _versions_fetch(conn, bucket.name, prefix)
        entries, truncated = _scan(fetch, prefix, delimiter, key_marker, (key_marker, seq), limit)
    versions: list[dict[str, Any]] = []
    markers: list[dict[str, Any]] = []
    for entry in entries:
        if isinstance(entry, str):
            continue
        if entry.delete_marker:
            markers.append(
                {
                    "Owner": owner_of(entry.owner),
                    "Key": encode(entry.key),
                    "VersionId": entry.version_id,
                    "IsLatest": entry.is_latest,
                    "LastModified": entry.last_modified,
                }
            )
        else:
            item = _object(entry, encode, owner=True)
            item.update(VersionId=entry.version_id, IsLatest=entry.is_latest)
            versions.append(item)
    out: dict[str, Any] = {
        "Name": bucket.name,
        "Prefix": encode(prefix),
        "KeyMarker": encode(key_marker),
        "VersionIdMarker": version_marker or "",
        "MaxKeys": echoed,
        "IsTruncated": truncated,
    }
    if versions:
        out["Versions"] = versions
    if markers:
        out["DeleteMarkers"] = markers
    prefixes = [{"Prefix": encode(e)} for e in entries if isinstance(e, str)]
    if prefixes:
        out["CommonPrefixes"] = prefixes
    if delimiter:
        out["Delimiter"] = encode(delimiter)
    if truncated:
        last = entries[-1]
        out["NextKeyMarker"] = encode(last if isinstance(last, str) else last.key)
        if not isinstance(last, str):
            out["NextVersionIdMarker"] = last.version_id
    if req.get("EncodingType"):
        out["EncodingType"] = req["EncodingType"]
    return out
