"""Bucket event notification configuration: Put/GetBucketNotificationConfiguration.

The legacy PutBucketNotification/GetBucketNotification share these operations' request URI and are
deprecated, so requests route here. Validation, normalization and delivery live in `notifications.py`.
"""

from __future__ import annotations

from typing import Any

from cloudlet.gateway.context import RequestContext
from cloudlet.services.s3 import notifications, store
from cloudlet.services.s3.operations.common import bucket_name, state

__all__ = [
    "get_bucket_notification_configuration",
    "put_bucket_notification_configuration",
]


def put_bucket_notification_configuration(ctx: RequestContext, req: dict[str, Any]) -> None:
    """Replace the bucket's configuration. Unless `SkipDestinationValidation`, every destination must
    exist and each queue or topic not in the previous configuration receives an `s3:TestEvent`.

    Raises: NoSuchBucket, InvalidArgument.
    """
    s3 = state(ctx)
    name = bucket_name(req)
    with s3.db.read() as conn:
        bucket = s3.bucket(conn, name)
    document = notifications.normalize(req.get("NotificationConfiguration"))
    validate = not req.get("SkipDestinationValidation")
    if validate:
        notifications.check_destinations(ctx.app, bucket.region, document)
    with s3.db.transaction() as tx:
        s3.bucket(tx, name)
        previous = {
            arn
            for _, arn in notifications.destinations(store.get_config(tx, name, notifications.CONFIG_KIND))
        }
        if document:
            store.put_config(tx, name, notifications.CONFIG_KIND, document)
        else:
            store.delete_config(tx, name, notifications.CONFIG_KIND)
        if validate:
            added = [(dest, arn) for dest, arn in notifications.destinations(document) if arn not in previous]
            notifications.send_test_events(ctx.app, tx, name, added, ctx.request_id, s3.clock.now())
    return None


def get_bucket_notification_configuration(ctx: RequestContext, req: dict[str, Any]) -> dict[str, Any]:
    """The stored configuration (empty when none). Raises: NoSuchBucket."""
    s3 = state(ctx)
    with s3.db.read() as conn:
        bucket = s3.bucket(conn, bucket_name(req))
        document = store.get_config(conn, bucket.name, notifications.CONFIG_KIND)
    return dict(document or {})
