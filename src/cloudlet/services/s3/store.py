"""Every SQL statement on the `s3_*` tables, and their DDL.

Buckets are global by name (as in AWS, across accounts and regions of a partition). Each object
version is a row; `is_latest` marks the current one. Bytes live in blob files (blobs.py) named by
`blob`, never by key. Bucket sub-resources (tagging, CORS, policy, lifecycle, encryption, notification
...) are documents in `s3_bucket_config`, one row per (bucket, kind). Multipart uploads and their parts
have tables of their own. Text compares as bytes (BINARY collation), which is S3's UTF-8 key order.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from cloudlet.core.db import Tx

MIGRATIONS: tuple[str, ...] = (
    """
    CREATE TABLE s3_bucket (
        name TEXT PRIMARY KEY,
        account TEXT NOT NULL,
        region TEXT NOT NULL,
        created_at REAL NOT NULL,
        versioning TEXT NOT NULL DEFAULT '',   -- '' (never enabled) | Enabled | Suspended
        object_lock INTEGER NOT NULL DEFAULT 0
    ) WITHOUT ROWID;
    CREATE INDEX s3_bucket_owner ON s3_bucket (account, name);
    CREATE TABLE s3_bucket_config (
        bucket TEXT NOT NULL,
        kind TEXT NOT NULL,                     -- tagging | cors | policy | lifecycle | encryption ...
        document TEXT NOT NULL,                 -- JSON of the request shape (AWS member names)
        PRIMARY KEY (bucket, kind)
    ) WITHOUT ROWID;
    CREATE TABLE s3_object (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,  -- creation order: newest version of a key is highest
        bucket TEXT NOT NULL,
        key TEXT NOT NULL,
        version_id TEXT NOT NULL,               -- 'null' for unversioned writes
        is_latest INTEGER NOT NULL,
        delete_marker INTEGER NOT NULL DEFAULT 0,
        size INTEGER NOT NULL DEFAULT 0,
        etag TEXT NOT NULL DEFAULT '',          -- quoted, as on the wire
        last_modified REAL NOT NULL,
        blob TEXT,                              -- blob file name; NULL for delete markers
        headers TEXT NOT NULL DEFAULT '{}',     -- ContentType, CacheControl, StorageClass ... (AWS names)
        metadata TEXT NOT NULL DEFAULT '{}',    -- user metadata (x-amz-meta-*)
        checksum TEXT,                          -- JSON {"algorithm", "value", "type"} or NULL
        parts TEXT,                             -- JSON [[size, checksum-or-null], ...] of a multipart object
        tags TEXT NOT NULL DEFAULT '[]',        -- JSON [[key, value], ...]
        owner TEXT NOT NULL DEFAULT ''
    );
    CREATE UNIQUE INDEX s3_object_version ON s3_object (bucket, key, version_id);
    CREATE INDEX s3_object_latest ON s3_object (bucket, key) WHERE is_latest = 1;
    CREATE INDEX s3_object_history ON s3_object (bucket, key, seq);
    CREATE INDEX s3_object_blob ON s3_object (blob) WHERE blob IS NOT NULL;
    CREATE TABLE s3_upload (
        upload_id TEXT PRIMARY KEY,
        bucket TEXT NOT NULL,
        key TEXT NOT NULL,
        initiated REAL NOT NULL,
        headers TEXT NOT NULL DEFAULT '{}',
        metadata TEXT NOT NULL DEFAULT '{}',
        tags TEXT NOT NULL DEFAULT '[]',
        checksum_algorithm TEXT,
        checksum_type TEXT,
        owner TEXT NOT NULL DEFAULT ''
    ) WITHOUT ROWID;
    CREATE INDEX s3_upload_key ON s3_upload (bucket, key, initiated);
    CREATE TABLE s3_part (
        upload_id TEXT NOT NULL,
        part_number INTEGER NOT NULL,
        size INTEGER NOT NULL,
        etag TEXT NOT NULL,
        md5 BLOB NOT NULL,                      -- raw digest, for the multipart ETag
        last_modified REAL NOT NULL,
        blob TEXT NOT NULL,
        checksum TEXT,                          -- JSON {"algorithm", "value"} or NULL
        PRIMARY KEY (upload_id, part_number)
    ) WITHOUT ROWID;
    """,
)


@dataclass(slots=True)
class Bucket:
    name: str
    account: str
    region: str
    created_at: float
    versioning: str
    object_lock: bool

    @property
    def arn(self) -> str:
        return f"arn:aws:s3:::{self.name}"


@dataclass(slots=True)
class ObjectVersion:
    seq: int
    bucket: str
    key: str
    version_id: str
    is_latest: bool
    delete_marker: bool
    size: int
    etag: str
    last_modified: float
    blob: str | None
    headers: dict[str, Any] = field(default_factory=dict)
    metadata: dict[str, str] = field(default_factory=dict)
    checksum: dict[str, str] | None = None
    parts: list[list[Any]] | None = None
    tags: list[list[str]] = field(default_factory=list)
    owner: str = ""

    @property
    def wire_version_id(self) -> str:
        return self.version_id


_OBJECT_COLUMNS = (
    "seq, bucket, key, version_id, is_latest, delete_marker, size, etag, last_modified, blob, headers,"
    " metadata, checksum, parts, tags, owner"
)


def _bucket(row: sqlite3.Row | tuple[Any, ...]) -> Bucket:
    return Bucket(row[0], row[1], row[2], row[3], row[4], bool(row[5]))


def _object(row: sqlite3.Row | tuple[Any, ...]) -> ObjectVersion:
    return ObjectVersion(
        seq=row[0],
        bucket=row[1],
        key=row[2],
        version_id=row[3],
        is_latest=bool(row[4]),
        delete_marker=bool(row[5]),
        size=row[6],
        etag=row[7],
        last_modified=row[8],
        blob=row[9],
        headers=json.loads(row[10]),
        metadata=json.loads(row[11]),
        checksum=json.loads(row[12]) if row[12] else None,
        parts=json.loads(row[13]) if row[13] else None,
        tags=json.loads(row[14]),
        owner=row[15],
    )


# --- buckets --------------------------------------------------------------------------------------


def get_bucket(conn: sqlite3.Connection | Tx, name: str) -> Bucket | None:
    row = conn.execute(
        "SELECT name, account, region, created_at, versioning, object_lock FROM s3_bucket WHERE name = ?",
        (name,),
    ).fetchone()
    return _bucket(row) if row else None


def list_buckets(conn: sqlite3.Connection, account: str) -> list[Bucket]:
    rows = conn.execute(
        "SELECT name, account, region, created_at, versioning, object_lock FROM s3_bucket"
        " WHERE account = ? ORDER BY name",
        (account,),
    ).fetchall()
    return [_bucket(row) for row in rows]


def insert_bucket(tx: Tx, bucket: Bucket) -> None:
    tx.execute(
        "INSERT INTO s3_bucket (name, account, region, created_at, versioning, object_lock)"
        " VALUES (?, ?, ?, ?, ?, ?)",
        (
            bucket.name,
            bucket.account,
            bucket.region,
            bucket.created_at,
            bucket.versioning,
            int(bucket.object_lock),
        ),
    )


def delete_bucket(tx: Tx, name: str) -> None:
    tx.execute("DELETE FROM s3_bucket_config WHERE bucket = ?", (name,))
    tx.execute("DELETE FROM s3_bucket WHERE name = ?", (name,))


def set_versioning(tx: Tx, name: str, status: str) -> None:
    tx.execute("UPDATE s3_bucket SET versioning = ? WHERE name = ?", (status, name))


def bucket_has_objects(conn: sqlite3.Connection | Tx, name: str) -> bool:
    """Any object version or delete marker (AWS's BucketNotEmpty counts versions too)."""
    return conn.execute("SELECT 1 FROM s3_object WHERE bucket = ? LIMIT 1", (name,)).fetchone() is not None


# --- bucket sub-resources ----------------------------------------------------------------------------


def get_config(conn: sqlite3.Connection | Tx, bucket: str, kind: str) -> Any:
    row = conn.execute(
        "SELECT document FROM s3_bucket_config WHERE bucket = ? AND kind = ?", (bucket, kind)
    ).fetchone()
    return json.loads(row[0]) if row else None


def get_config_text(conn: sqlite3.Connection | Tx, bucket: str, kind: str) -> str | None:
    """The stored JSON text of a sub-resource (callers that memoize on it skip the parse)."""
    row = conn.execute(
        "SELECT document FROM s3_bucket_config WHERE bucket = ? AND kind = ?", (bucket, kind)
    ).fetchone()
    return row[0] if row else None


def put_config(tx: Tx, bucket: str, kind: str, document: Any) -> None:
    tx.execute(
        "INSERT OR REPLACE INTO s3_bucket_config (bucket, kind, document) VALUES (?, ?, ?)",
        (bucket, kind, json.dumps(document, default=str)),
    )


def delete_config(tx: Tx, bucket: str, kind: str) -> None:
    tx.execute("DELETE FROM s3_bucket_config WHERE bucket = ? AND kind = ?", (bucket, kind))


def buckets_with_config(conn: sqlite3.Connection | Tx, kind: str) -> list[tuple[str, Any]]:
    rows = conn.execute("SELECT bucket, document FROM s3_bucket_config WHERE kind = ?", (kind,)).fetchall()
    return [(row[0], json.loads(row[1])) for row in rows]


# --- objects ---------------------------------------------------------------------------------------


def latest(conn: sqlite3.Connection | Tx, bucket: str, key: str) -> ObjectVersion | None:
    """The current version of `key` (possibly a delete marker), or None."""
    row = conn.execute(
        f"SELECT {_OBJECT_COLUMNS} FROM s3_object WHERE bucket = ? AND key = ? AND is_latest = 1",
        (bucket, key),
    ).fetchone()
    return _object(row) if row else None


def version(conn: sqlite3.Connection | Tx, bucket: str, key: str, version_id: str) -> ObjectVersion | None:
    row = conn.execute(
        f"SELECT {_OBJECT_COLUMNS} FROM s3_object WHERE bucket = ? AND key = ? AND version_id = ?",
        (bucket, key, version_id),
    ).fetchone()
    return _object(row) if row else None


def insert_version(tx: Tx, obj: ObjectVersion) -> ObjectVersion:
    """Insert `obj` as the latest version of its key (the previous latest is demoted). Returns it with
    its `seq` set."""
    tx.execute(
        "UPDATE s3_object SET is_latest = 0 WHERE bucket = ? AND key = ? AND is_latest = 1",
        (obj.bucket, obj.key),
    )
    cursor = tx.execute(
        "INSERT INTO s3_object (bucket, key, version_id, is_latest, delete_marker, size, etag, last_modified,"
        " blob, headers, metadata, checksum, parts, tags, owner)"
        " VALUES (?, ?, ?, 1, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            obj.bucket,
            obj.key,
            obj.version_id,
            int(obj.delete_marker),
            obj.size,
            obj.etag,
            obj.last_modified,
            obj.blob,
            json.dumps(obj.headers, default=str),
            json.dumps(obj.metadata),
            json.dumps(obj.checksum) if obj.checksum else None,
            json.dumps(obj.parts) if obj.parts is not None else None,
            json.dumps(obj.tags),
            obj.owner,
        ),
    )
    obj.seq = int(cursor.lastrowid or 0)
    obj.is_latest = True
    return obj


def delete_version(tx: Tx, obj: ObjectVersion) -> None:
    """Remove one version; if it was the latest, the newest remaining version becomes latest."""
    tx.execute("DELETE FROM s3_object WHERE seq = ?", (obj.seq,))
    if obj.is_latest:
        tx.execute(
            "UPDATE s3_object SET is_latest = 1 WHERE seq = (SELECT MAX(seq) FROM s3_object"
            " WHERE bucket = ? AND key = ?)",
            (obj.bucket, obj.key),
        )


def set_tags(tx: Tx, seq: int, tags: list[list[str]]) -> None:
    tx.execute("UPDATE s3_object SET tags = ? WHERE seq = ?", (json.dumps(tags), seq))


def set_headers(tx: Tx, seq: int, headers: dict[str, Any]) -> None:
    tx.execute("UPDATE s3_object SET headers = ? WHERE seq = ?", (json.dumps(headers, default=str), seq))


def blob_in_use(conn: sqlite3.Connection | Tx, blob: str) -> bool:
    """True when an object version or an upload part still refers to `blob` (copies share files)."""
    if conn.execute("SELECT 1 FROM s3_object WHERE blob = ? LIMIT 1", (blob,)).fetchone():
        return True
    return conn.execute("SELECT 1 FROM s3_part WHERE blob = ? LIMIT 1", (blob,)).fetchone() is not None


def all_blobs(conn: sqlite3.Connection) -> set[str]:
    names = {row[0] for row in conn.execute("SELECT blob FROM s3_object WHERE blob IS NOT NULL")}
    names.update(row[0] for row in conn.execute("SELECT blob FROM s3_part"))
    return names


def prefix_end(prefix: str) -> str | None:
    """The least string above every string that starts with `prefix` (None: there is none). Code
    point order is UTF-8 byte order, so incrementing the last character is enough."""
    while prefix:
        point = ord(prefix[-1]) + 1
        if point == 0xD800:  # surrogates are not characters of a key
            point = 0xE000
        if point <= 0x10FFFF:
            return prefix[:-1] + chr(point)
        prefix = prefix[:-1]
    return None


def _prefix_clause(prefix: str) -> tuple[str, list[Any]]:
    """Keys starting with `prefix`, as an index range."""
    end = prefix_end(prefix)
    if end is None:
        return " AND key >= ? AND substr(key, 1, ?) = ?", [prefix, len(prefix), prefix]
    return " AND key >= ? AND key < ?", [prefix, end]


def list_latest(
    conn: sqlite3.Connection, bucket: str, prefix: str, after: str, limit: int, *, inclusive: bool = False
) -> list[ObjectVersion]:
    """Current, non-deleted objects with keys > `after` (>= when `inclusive`) starting with `prefix`,
    in key order."""
    sql = (
        f"SELECT {_OBJECT_COLUMNS} FROM s3_object WHERE bucket = ? AND is_latest = 1 AND delete_marker = 0"
        f" AND key {'>=' if inclusive else '>'} ?"
    )
    params: list[Any] = [bucket, after]
    if prefix:
        clause, values = _prefix_clause(prefix)
        sql += clause
        params += values
    sql += " ORDER BY key LIMIT ?"
    params.append(limit)
    return [_object(row) for row in conn.execute(sql, params).fetchall()]


def list_versions(
    conn: sqlite3.Connection,
    bucket: str,
    prefix: str,
    after_key: str,
    after_seq: int | None,
    limit: int,
    *,
    inclusive: bool = False,
) -> list[ObjectVersion]:
    """Every version and delete marker after (`after_key`, `after_seq`) in (key, newest first) order.
    `after_seq` None starts after all versions of `after_key` (at them when `inclusive`)."""
    params: list[Any] = [bucket]
    sql = f"SELECT {_OBJECT_COLUMNS} FROM s3_object WHERE bucket = ?"
    if after_seq is None:
        sql += f" AND key {'>=' if inclusive else '>'} ?"
        params.append(after_key)
    else:
        sql += " AND (key > ? OR (key = ? AND seq < ?))"
        params += [after_key, after_key, after_seq]
    if prefix:
        clause, values = _prefix_clause(prefix)
        sql += clause
        params += values
    sql += " ORDER BY key, seq DESC LIMIT ?"
    params.append(limit)
    return [_object(row) for row in conn.execute(sql, params).fetchall()]


def versions_of(conn: sqlite3.Connection | Tx, bucket: str, key: str) -> list[ObjectVersion]:
    rows = conn.execute(
        f"SELECT {_OBJECT_COLUMNS} FROM s3_object WHERE bucket = ? AND key = ? ORDER BY seq DESC",
        (bucket, key),
    ).fetchall()
    return [_object(row) for row in rows]


def objects_in(conn: sqlite3.Connection | Tx, bucket: str) -> Iterable[ObjectVersion]:
    rows = conn.execute(
        f"SELECT {_OBJECT_COLUMNS} FROM s3_object WHERE bucket = ? ORDER BY key, seq", (bucket,)
    )
    return [_object(row) for row in rows.fetchall()]
