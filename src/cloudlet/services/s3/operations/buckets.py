"""Bucket lifecycle: CreateBucket, DeleteBucket, HeadBucket, ListBuckets, GetBucketLocation, and
versioning (Put/GetBucketVersioning)."""

from __future__ import annotations

import base64
import functools
import hashlib
from typing import Any

from cloudlet.gateway.context import RequestContext
from cloudlet.services.s3 import store, uploads
from cloudlet.services.s3.errors import (
    BucketAlreadyExists,
    BucketAlreadyOwnedByYou,
    BucketNotEmpty,
    IllegalLocationConstraintException,
    InvalidArgument,
    InvalidBucketState,
    InvalidLocationConstraint,
    MalformedXML,
)
from cloudlet.services.s3.names import check_bucket_name
from cloudlet.services.s3.operations.common import bucket_name, state

__all__ = [
    "create_bucket",
    "delete_bucket",
    "get_bucket_location",
    "get_bucket_versioning",
    "head_bucket",
    "list_buckets",
    "put_bucket_versioning",
]

US_EAST_1 = "us-east-1"
DEFAULT_MAX_BUCKETS = 10_000


@functools.cache
def _known_regions() -> frozenset[str]:
    """Every region botocore's endpoint data knows for S3 (any partition), and S3's legacy `EU`."""
    from botocore.session import get_session

    session = get_session()
    regions = {"EU"}
    for partition in session.get_available_partitions():
        regions.update(session.get_available_regions("s3", partition))
    return frozenset(regions)


def owner_of(account: str) -> dict[str, str]:
    """The canonical user of an account (S3's 64-hex owner ID), as Owner elements carry it."""
    return {"DisplayName": f"account-{account}", "ID": hashlib.sha256(account.encode()).hexdigest()}


def create_bucket(ctx: RequestContext, req: dict[str, Any]) -> dict[str, Any]:
    s3 = state(ctx)
    name = req["Bucket"]
    check_bucket_name(name)
    region = ctx.region
    constraint = (req.get("CreateBucketConfiguration") or {}).get("LocationConstraint")
    if constraint and constraint not in _known_regions():
        raise InvalidLocationConstraint(
            "The specified location-constraint is not valid", LocationConstraint=constraint
        )
    if region == US_EAST_1:
        if constraint == US_EAST_1:
            raise InvalidLocationConstraint(
                "The specified location-constraint is not valid", LocationConstraint=constraint
            )
        if constraint:
            raise IllegalLocationConstraintException(
                f"The {constraint} location constraint is incompatible for the region specific endpoint this"
                " request was sent to."
            )
    elif not constraint:
        raise IllegalLocationConstraintException(
            "The unspecified location constraint is incompatible for the region specific endpoint this"
            " request was sent to."
        )
    elif constraint != region:
        raise IllegalLocationConstraintException(
            f"The {constraint} location constraint is incompatible for the region specific endpoint this"
            " request was sent to."
        )
    location = f"/{name}" if region == US_EAST_1 else f"http://{name}.s3.amazonaws.com/"
    with s3.db.transaction() as tx:
        existing = store.get_bucket(tx, name)
        if existing is not None:
            if existing.account != ctx.account_id:
                raise BucketAlreadyExists(
                    "The requested bucket name is not available. The bucket namespace is shared by all users"
                    " of the system. Please select a different name and try again.",
                    BucketName=name,
                )
            if existing.region == US_EAST_1 and region == US_EAST_1:
                # us-east-1 answers 200 to its owner re-creating a bucket (legacy behaviour).
                return {"Location": location, "BucketArn": existing.arn}
            raise BucketAlreadyOwnedByYou(
                "Your previous request to create the named bucket succeeded and you already own it.",
                BucketName=name,
            )
        lock = bool(req.get("ObjectLockEnabledForBucket"))
        bucket = store.Bucket(name, ctx.account_id, region, s3.clock.now(), "Enabled" if lock else "", lock)
        store.insert_bucket(tx, bucket)
        ownership = req.get("ObjectOwnership")
        if ownership:
            store.put_config(tx, name, "ownership", {"Rules": [{"ObjectOwnership": ownership}]})
    return {"Location": location, "BucketArn": bucket.arn}


def delete_bucket(ctx: RequestContext, req: dict[str, Any]) -> None:
    s3 = state(ctx)
    name = bucket_name(req)
    with s3.db.transaction() as tx:
        bucket = s3.bucket(tx, name)
        if store.bucket_has_objects(tx, name):
            message = "The bucket you tried to delete is not empty"
            if bucket.versioning:
                message += ". You must delete all versions in the bucket."
            raise BucketNotEmpty(message, BucketName=name)
        # Uploads in progress do not keep a bucket (S3 removes them with it).
        s3.release_blobs(tx, uploads.discard_bucket(tx, name))
        store.delete_bucket(tx, name)
    return None


def head_bucket(ctx: RequestContext, req: dict[str, Any]) -> dict[str, Any]:
    s3 = state(ctx)
    with s3.db.read() as conn:
        bucket = s3.bucket(conn, bucket_name(req))
    return {"BucketRegion": bucket.region, "BucketArn": bucket.arn, "AccessPointAlias": False}


def list_buckets(ctx: RequestContext, req: dict[str, Any]) -> dict[str, Any]:
    s3 = state(ctx)
    with s3.db.read() as conn:
        buckets = store.list_buckets(conn, ctx.account_id)
    prefix = req.get("Prefix")
    if prefix:
        buckets = [b for b in buckets if b.name.startswith(prefix)]
    region = req.get("BucketRegion")
    if region:
        buckets = [b for b in buckets if b.region == region]
    token = req.get("ContinuationToken")
    if token:
        try:
            after = base64.urlsafe_b64decode(token.encode()).decode()
        except (ValueError, UnicodeDecodeError):
            raise InvalidArgument(
                "The continuation token provided is incorrect", ArgumentName="continuation-token"
            ) from None
        buckets = [b for b in buckets if b.name > after]
    limit = req.get("MaxBuckets")
    if limit is not None and not 1 <= limit <= DEFAULT_MAX_BUCKETS:
        raise InvalidArgument(
            "Argument max-buckets must be an integer between 1 and 10000",
            ArgumentName="max-buckets",
            ArgumentValue=str(limit),
        )
    out: dict[str, Any] = {"Owner": owner_of(ctx.account_id)}
    if limit is not None and len(buckets) > limit:
        buckets = buckets[:limit]
        out["ContinuationToken"] = base64.urlsafe_b64encode(buckets[-1].name.encode()).decode()
    out["Buckets"] = [
        {"Name": b.name, "CreationDate": b.created_at, "BucketRegion": b.region, "BucketArn": b.arn}
        for b in buckets
    ]
    if prefix:
        out["Prefix"] = prefix
    return out


def get_bucket_location(ctx: RequestContext, req: dict[str, Any]) -> dict[str, Any]:
    s3 = state(ctx)
    with s3.db.read() as conn:
        bucket = s3.bucket(conn, bucket_name(req))
    # us-east-1 buckets answer an empty LocationConstraint.
    return {"LocationConstraint": "" if bucket.region == US_EAST_1 else bucket.region}


def put_bucket_versioning(ctx: RequestContext, req: dict[str, Any]) -> None:
    s3 = state(ctx)
    config = req.get("VersioningConfiguration") or {}
    status = config.get("Status")
    if status not in ("Enabled", "Suspended"):
        raise MalformedXML(
            "The XML you provided was not well-formed or did not validate against our published schema"
        )
    with s3.db.transaction() as tx:
        bucket = s3.bucket(tx, bucket_name(req))
        if bucket.object_lock and status == "Suspended":
            raise InvalidBucketState(
                "An Object Lock configuration is present on this bucket, so the versioning state cannot be"
                " changed."
            )
        store.set_versioning(tx, bucket.name, status)
        mfa = config.get("MFADelete")
        if mfa:
            store.put_config(tx, bucket.name, "versioning-mfa", mfa)
    return None


def get_bucket_versioning(ctx: RequestContext, req: dict[str, Any]) -> dict[str, Any]:
    s3 = state(ctx)
    with s3.db.read() as conn:
        bucket = s3.bucket(conn, bucket_name(req))
        mfa = store.get_config(conn, bucket.name, "versioning-mfa")
    out: dict[str, Any] = {}
    if bucket.versioning:
        out["Status"] = bucket.versioning
        if mfa:
            out["MFADelete"] = mfa
    return out
