"""The S3 service state of one App, and the semantics every write shares: versioning (null versions,
delete markers), blob reference counting, event sequencers and the notification hand-off.

`setup(app)` registers the schema and timer kinds and returns the `S3` object operations reach through
`ctx.app.service("s3").state`. Operations compose these functions inside one transaction so that the
object row and its notifications commit together.
"""

from __future__ import annotations

import logging
import math
import secrets
import threading
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from cloudlet.core.db import Tx
from cloudlet.services.s3 import store
from cloudlet.services.s3.blobs import BlobStore
from cloudlet.services.s3.errors import no_such_bucket

if TYPE_CHECKING:
    import sqlite3

    from cloudlet.app import App
    from cloudlet.gateway.context import RequestContext

log = logging.getLogger("cloudlet.s3")


@dataclass(slots=True)
class Origin:
    """Who caused an event, for notification records: request id, caller, source address."""

    request_id: str
    principal: str
    source_ip: str
    region: str

    @classmethod
    def of(cls, ctx: RequestContext) -> Origin:
        return cls(ctx.request_id, ctx.account_id, ctx.request.client, ctx.region)


class S3:
    def __init__(self, app: App) -> None:
        self.app = app
        self.db = app.db
        self.clock = app.clock
        self.blobs = BlobStore.for_data_dir(None if app.settings.in_memory else app.settings.data_dir)
        self._sequence = time.time_ns()
        self._sequence_lock = threading.Lock()

    # -- lookups -----------------------------------------------------------------------------------

    def bucket(self, conn: sqlite3.Connection | Tx, name: str) -> store.Bucket:
        """The bucket `name`. Raises: NoSuchBucket."""
        bucket = store.get_bucket(conn, name)
        if bucket is None:
            raise no_such_bucket(name)
        return bucket

    # -- identities --------------------------------------------------------------------------------

    def sequencer(self) -> str:
        """A value that orders events per key (S3's `sequencer`: hex, compared as strings of equal
        length). Monotonic within and across runs (seeded from the wall clock)."""
        with self._sequence_lock:
            self._sequence = max(self._sequence + 1, time.time_ns())
            return f"{self._sequence:020X}"

    @staticmethod
    def new_version_id(bucket: store.Bucket) -> str:
        """A fresh version id when versioning is Enabled, else `null` (unversioned or Suspended)."""
        if bucket.versioning != "Enabled":
            return "null"
        return secrets.token_urlsafe(24)

    # -- writes ------------------------------------------------------------------------------------

    def new_object(
        self, bucket: store.Bucket, key: str, *, last_modified: float | None = None, **fields: Any
    ) -> store.ObjectVersion:
        """A new current version of `key` (not yet stored): its version id per the bucket's versioning
        and LastModified now, to the second, as S3 keeps it. `fields` are the other ObjectVersion
        members (size, etag, blob, headers, metadata, checksum, parts, tags, owner)."""
        when = math.floor(self.clock.now() if last_modified is None else last_modified)
        return store.ObjectVersion(
            seq=0,
            bucket=bucket.name,
            key=key,
            version_id=self.new_version_id(bucket),
            is_latest=True,
            delete_marker=False,
            last_modified=float(when),
            **fields,
        )

    def put_version(self, tx: Tx, bucket: store.Bucket, obj: store.ObjectVersion) -> store.ObjectVersion:
        """Make `obj` the current version of its key. A `null` version replaces the previous null
        version (unversioned and Suspended buckets keep one); others are kept as history."""
        replaced = store.version(tx, obj.bucket, obj.key, "null") if obj.version_id == "null" else None
        if replaced is not None:
            tx.execute("DELETE FROM s3_object WHERE seq = ?", (replaced.seq,))
        obj = store.insert_version(tx, obj)
        if replaced is not None and replaced.blob:
            self.release_blobs(tx, [replaced.blob])
        return obj

    def delete_key(
        self, tx: Tx, bucket: store.Bucket, key: str, owner: str
    ) -> tuple[store.ObjectVersion | None, store.ObjectVersion | None]:
        """DeleteObject without a version id. Returns (removed current version or None, delete
        marker created or None). Unversioned: the object goes. Enabled: a delete marker is added.
        Suspended: a `null` delete marker replaces the null version."""
        current = store.latest(tx, bucket.name, key)
        if not bucket.versioning:
            if current is not None:
                self.delete_version(tx, current)
            return current, None
        marker = store.ObjectVersion(
            seq=0,
            bucket=bucket.name,
            key=key,
            version_id=self.new_version_id(bucket),
            is_latest=True,
            delete_marker=True,
            size=0,
            etag="",
            last_modified=float(math.floor(self.clock.now())),  # S3 keeps whole seconds
            blob=None,
            owner=owner,
        )
        return None, self.put_version(tx, bucket, marker)

    def delete_version(self, tx: Tx, obj: store.ObjectVersion) -> None:
        """Remove one version (or delete marker) for good, releasing its bytes."""
        store.delete_version(tx, obj)
        if obj.blob:
            self.release_blobs(tx, [obj.blob])

    def release_blobs(self, tx: Tx, names: list[str]) -> None:
        """Delete blob files once nothing refers to them, after the transaction commits."""
        unused = [name for name in names if not store.blob_in_use(tx, name)]
        if unused:
            tx.after_commit(lambda: [self.blobs.delete(name) for name in unused])

    # -- notifications -----------------------------------------------------------------------------

    def notify(
        self,
        tx: Tx,
        bucket: store.Bucket,
        event_name: str,
        obj: store.ObjectVersion,
        origin: Origin,
        **extra: Any,
    ) -> None:
        """Hand an event (`ObjectCreated:Put` ...) to the bucket's notification destinations, inside
        `tx`, so the notification commits with the change that caused it."""
        from cloudlet.services.s3 import notifications

        notifications.emit(self, tx, bucket, event_name, obj, origin, **extra)


def setup(app: App) -> S3:
    app.migrations.register("s3", store.MIGRATIONS)
    s3 = S3(app)
    # Setup runs before any S3 request is served (under the App's load lock), so no write is in flight.
    _sweep(s3)
    app.on_reset(lambda: _sweep(s3))
    app.on_stopping(s3.blobs.close)
    from cloudlet.services.s3 import lifecycle

    lifecycle.register(app, s3)
    return s3


def _sweep(s3: S3) -> None:
    with s3.db.read() as conn:
        exists = conn.execute("SELECT 1 FROM sqlite_master WHERE name = 's3_object'").fetchone()
        referenced = store.all_blobs(conn) if exists else set()
    removed = s3.blobs.sweep(referenced)
    if removed:
        log.info("removed %d unreferenced S3 blob file(s) left by an earlier crash", removed)
