"""Every SQL statement on the multipart tables `s3_upload` and `s3_part` (their DDL is in store.py).

An upload row holds what CreateMultipartUpload fixed for the object to come (content headers, user
metadata, tags, checksum algorithm and type); a part row points at the blob file of one part. Uploads
list in (key, initiated, upload id) order, parts by part number.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass, field
from typing import Any

from cloudlet.core.db import Tx


@dataclass(slots=True)
class Upload:
    upload_id: str
    bucket: str
    key: str
    initiated: float
    headers: dict[str, Any] = field(default_factory=dict)
    metadata: dict[str, str] = field(default_factory=dict)
    tags: list[list[str]] = field(default_factory=list)
    checksum_algorithm: str | None = None
    """Set only when the client chose one (CreateMultipartUpload `x-amz-checksum-algorithm`)."""
    checksum_type: str | None = None
    owner: str = ""


@dataclass(slots=True)
class Part:
    upload_id: str
    part_number: int
    size: int
    etag: str
    md5: bytes
    last_modified: float
    blob: str
    checksum: dict[str, str] | None = None
    """{"algorithm", "value"} of the part, when one was sent or the upload has an algorithm."""


_UPLOAD_COLUMNS = (
    "upload_id, bucket, key, initiated, headers, metadata, tags, checksum_algorithm, checksum_type, owner"
)
_PART_COLUMNS = "upload_id, part_number, size, etag, md5, last_modified, blob, checksum"


def _upload(row: sqlite3.Row | tuple[Any, ...]) -> Upload:
    return Upload(
        upload_id=row[0],
        bucket=row[1],
        key=row[2],
        initiated=row[3],
        headers=json.loads(row[4]),
        metadata=json.loads(row[5]),
        tags=json.loads(row[6]),
        checksum_algorithm=row[7],
        checksum_type=row[8],
        owner=row[9],
    )


def _part(row: sqlite3.Row | tuple[Any, ...]) -> Part:
    return Part(
        upload_id=row[0],
        part_number=row[1],
        size=row[2],
        etag=row[3],
        md5=bytes(row[4]),
        last_modified=row[5],
        blob=row[6],
        checksum=json.loads(row[7]) if row[7] else None,
    )


# --- uploads ---------------------------------------------------------------------------------------


def insert(tx: Tx, upload: Upload) -> None:
    tx.execute(
        f"INSERT INTO s3_upload ({_UPLOAD_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            upload.upload_id,
            upload.bucket,
            upload.key,
            upload.initiated,
            json.dumps(upload.headers, default=str),
            json.dumps(upload.metadata),
            json.dumps(upload.tags),
            upload.checksum_algorithm,
            upload.checksum_type,
            upload.owner,
        ),
    )


def get(conn: sqlite3.Connection | Tx, upload_id: str) -> Upload | None:
    row = conn.execute(
        f"SELECT {_UPLOAD_COLUMNS} FROM s3_upload WHERE upload_id = ?", (upload_id,)
    ).fetchone()
    return _upload(row) if row else None


def discard(tx: Tx, upload_id: str) -> list[str]:
    """Remove an upload and its parts. Returns the parts' blob names (for `S3.release_blobs`)."""
    blobs = [row[0] for row in tx.execute("SELECT blob FROM s3_part WHERE upload_id = ?", (upload_id,))]
    tx.execute("DELETE FROM s3_part WHERE upload_id = ?", (upload_id,))
    tx.execute("DELETE FROM s3_upload WHERE upload_id = ?", (upload_id,))
    return blobs


def discard_bucket(tx: Tx, bucket: str) -> list[str]:
    """Remove every upload of `bucket` (DeleteBucket). Returns the parts' blob names."""
    ids = [row[0] for row in tx.execute("SELECT upload_id FROM s3_upload WHERE bucket = ?", (bucket,))]
    blobs: list[str] = []
    for upload_id in ids:
        blobs += discard(tx, upload_id)
    return blobs


def page(
    conn: sqlite3.Connection | Tx,
    bucket: str,
    prefix: str,
    after: tuple[str, float, str] | None,
    after_key: str | None,
    limit: int,
) -> list[Upload]:
    """Uploads of `bucket` whose key starts with `prefix`, in (key, initiated, upload id) order:
    those after the upload `after` (key, initiated, id), else those with keys > `after_key`."""
    sql = f"SELECT {_UPLOAD_COLUMNS} FROM s3_upload WHERE bucket = ?"
    params: list[Any] = [bucket]
    if after is not None:
        sql += " AND (key > ? OR (key = ? AND (initiated > ? OR (initiated = ? AND upload_id > ?))))"
        params += [after[0], after[0], after[1], after[1], after[2]]
    elif after_key is not None:
        sql += " AND key > ?"
        params.append(after_key)
    if prefix:
        sql += " AND key >= ? AND substr(key, 1, ?) = ?"
        params += [prefix, len(prefix), prefix]
    sql += " ORDER BY key, initiated, upload_id LIMIT ?"
    params.append(limit)
    return [_upload(row) for row in conn.execute(sql, params).fetchall()]


# --- parts -----------------------------------------------------------------------------------------


def put_part(tx: Tx, part: Part) -> str | None:
    """Store `part`, replacing an earlier part of the same number. Returns the replaced blob name."""
    row = tx.execute(
        "SELECT blob FROM s3_part WHERE upload_id = ? AND part_number = ?", (part.upload_id, part.part_number)
    ).fetchone()
    tx.execute(
        f"INSERT OR REPLACE INTO s3_part ({_PART_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (
            part.upload_id,
            part.part_number,
            part.size,
            part.etag,
            part.md5,
            part.last_modified,
            part.blob,
            json.dumps(part.checksum) if part.checksum else None,
        ),
    )
    return row[0] if row and row[0] != part.blob else None


def parts(conn: sqlite3.Connection | Tx, upload_id: str, after: int = 0, limit: int = -1) -> list[Part]:
    """Parts numbered above `after`, ascending; `limit` -1 for all."""
    rows = conn.execute(
        f"SELECT {_PART_COLUMNS} FROM s3_part WHERE upload_id = ? AND part_number > ?"
        " ORDER BY part_number LIMIT ?",
        (upload_id, after, limit),
    ).fetchall()
    return [_part(row) for row in rows]


def parts_numbered(conn: sqlite3.Connection | Tx, upload_id: str, numbers: list[int]) -> dict[int, Part]:
    """The parts of `upload_id` among `numbers`, by number."""
    found: dict[int, Part] = {}
    for start in range(0, len(numbers), 500):
        chunk = numbers[start : start + 500]
        marks = ",".join("?" * len(chunk))
        rows = conn.execute(
            f"SELECT {_PART_COLUMNS} FROM s3_part WHERE upload_id = ? AND part_number IN ({marks})",
            (upload_id, *chunk),
        ).fetchall()
        for row in rows:
            part = _part(row)
            found[part.part_number] = part
    return found
