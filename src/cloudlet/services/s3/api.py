"""What other services may use of S3: reading stored objects (Lambda deployment packages and layers
named by `S3Bucket`/`S3Key`/`S3ObjectVersion`). Errors are S3's own, so callers can quote code and
message as AWS services do ("S3 Error Code: NoSuchKey. S3 Error Message: ...").
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from cloudlet.services.s3 import store
from cloudlet.services.s3.errors import no_such_bucket, no_such_key, no_such_version

if TYPE_CHECKING:
    from cloudlet.app import App


def bucket_region(app: App, bucket: str) -> str | None:
    """The region of `bucket`, or None when it does not exist (or S3 is not enabled)."""
    if "s3" not in app.specs:
        return None
    s3 = app.service("s3").state
    with s3.db.read() as conn:
        found = store.get_bucket(conn, bucket)
    return None if found is None else found.region


def read_object(app: App, bucket: str, key: str, version_id: str | None = None) -> bytes:
    """The whole body of `key` (its current version, or `version_id`).

    Raises: NoSuchBucket, NoSuchKey (absent, or a delete marker is current), NoSuchVersion (also for a
    delete marker's version id).
    """
    if "s3" not in app.specs:
        raise no_such_bucket(bucket)
    s3 = app.service("s3").state
    with s3.db.read() as conn:  # the lock also keeps a concurrent delete from removing the blob meanwhile
        s3.bucket(conn, bucket)
        if version_id is None:
            obj = store.latest(conn, bucket, key)
            if obj is None or obj.delete_marker:
                raise no_such_key(key)
        else:
            obj = store.version(conn, bucket, key, version_id)
            if obj is None or obj.delete_marker:
                raise no_such_version(key, version_id)
        if not obj.blob or obj.size == 0:
            return b""
        try:
            return s3.blobs.read_bytes(obj.blob)
        except FileNotFoundError:
            raise no_such_key(key) from None
