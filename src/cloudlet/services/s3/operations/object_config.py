"""Object sub-resources: tagging (Get/Put/DeleteObjectTagging, with `ObjectTagging:*` events) and
ACLs (Get/PutObjectAcl, stored with the version, not enforced). All address a version by VersionId or
the current one."""

from __future__ import annotations

from typing import Any

from cloudlet.core.db import Tx
from cloudlet.gateway.context import RequestContext
from cloudlet.services.s3 import acl, store, tags
from cloudlet.services.s3.engine import Origin
from cloudlet.services.s3.operations.buckets import owner_of
from cloudlet.services.s3.operations.common import state
from cloudlet.services.s3.operations.objects import find_version

__all__ = [
    "delete_object_tagging",
    "get_object_acl",
    "get_object_tagging",
    "put_object_acl",
    "put_object_tagging",
]

ACL_HEADER = "Grants"
"""Key of an object's grants among its stored headers (absent: the owner's full control)."""


def _version_out(bucket: store.Bucket, obj: store.ObjectVersion) -> dict[str, Any]:
    return {"VersionId": obj.version_id} if bucket.versioning else {}


# --- tagging --------------------------------------------------------------------------------------


def get_object_tagging(ctx: RequestContext, req: dict[str, Any]) -> dict[str, Any]:
    s3 = state(ctx)
    with s3.db.read() as conn:
        bucket, obj = find_version(s3, conn, req, "GET")
    return {**_version_out(bucket, obj), "TagSet": tags.to_tag_set(obj.tags)}


def _set_tags(
    ctx: RequestContext, req: dict[str, Any], pairs: list[list[str]], event: str, method: str
) -> dict[str, Any]:
    s3 = state(ctx)
    with s3.db.transaction() as tx:
        bucket, obj = find_version(s3, tx, req, method)
        store.set_tags(tx, obj.seq, pairs)
        obj.tags = pairs
        s3.notify(tx, bucket, event, obj, Origin.of(ctx))
    return _version_out(bucket, obj)


def put_object_tagging(ctx: RequestContext, req: dict[str, Any]) -> dict[str, Any]:
    pairs = tags.from_tag_set((req.get("Tagging") or {}).get("TagSet") or [], tags.MAX_OBJECT_TAGS)
    return _set_tags(ctx, req, pairs, "ObjectTagging:Put", "PUT")


def delete_object_tagging(ctx: RequestContext, req: dict[str, Any]) -> dict[str, Any]:
    return _set_tags(ctx, req, [], "ObjectTagging:Delete", "DELETE")


# --- ACL ------------------------------------------------------------------------------------------


def get_object_acl(ctx: RequestContext, req: dict[str, Any]) -> dict[str, Any]:
    s3 = state(ctx)
    with s3.db.read() as conn:
        bucket, obj = find_version(s3, conn, req, "GET")
    owner = owner_of(obj.owner or bucket.account)
    grants = obj.headers.get(ACL_HEADER) or acl.canned("private", owner, owner)
    return {"Owner": owner, "Grants": grants}


def put_object_acl(ctx: RequestContext, req: dict[str, Any]) -> dict[str, Any]:
    s3 = state(ctx)
    with s3.db.transaction() as tx:
        bucket, obj = find_version(s3, tx, req, "PUT")
        owner = owner_of(obj.owner or bucket.account)
        grants = acl.from_request(req, owner, owner_of(bucket.account))
        acl.check_acls_enabled(tx, bucket.name, grants, owner_of(bucket.account))
        _store_grants(tx, obj, grants)
        s3.notify(tx, bucket, "ObjectAcl:Put", obj, Origin.of(ctx))
    return {}


def _store_grants(tx: Tx, obj: store.ObjectVersion, grants: list[dict[str, Any]]) -> None:
    headers = dict(obj.headers)
    headers[ACL_HEADER] = grants
    store.set_headers(tx, obj.seq, headers)
