"""Access control lists of buckets and objects: canned ACLs, `x-amz-grant-*` headers and
AccessControlPolicy bodies turned into grant lists, and S3 Object Ownership's "ACLs disabled" rule.

ACLs are stored and returned, never enforced ("Access control list (ACL) overview", "Canned ACL" and
"Controlling ownership of objects" in the S3 User Guide).
"""

from __future__ import annotations

import re
import sqlite3
from typing import Any

from cloudlet.core.db import Tx
from cloudlet.services.s3 import store
from cloudlet.services.s3.errors import (
    AccessControlListNotSupported,
    InvalidArgument,
    InvalidRequest,
    MissingSecurityHeader,
)

ALL_USERS = "http://acs.amazonaws.com/groups/global/AllUsers"
AUTHENTICATED_USERS = "http://acs.amazonaws.com/groups/global/AuthenticatedUsers"
LOG_DELIVERY = "http://acs.amazonaws.com/groups/s3/LogDelivery"
GROUPS = (ALL_USERS, AUTHENTICATED_USERS, LOG_DELIVERY)
OWNERSHIP_KIND = "ownership"
"""`s3_bucket_config` kind of the OwnershipControls document; `{}` records a deletion."""
DEFAULT_OWNERSHIP = "BucketOwnerEnforced"
"""New buckets have ACLs disabled (S3 default since April 2023)."""
GRANT_HEADERS = {
    "GrantFullControl": "FULL_CONTROL",
    "GrantRead": "READ",
    "GrantReadACP": "READ_ACP",
    "GrantWrite": "WRITE",
    "GrantWriteACP": "WRITE_ACP",
}
_GRANTEE_RE = re.compile(r'\s*(id|uri|emailAddress)\s*=\s*"?([^",]*)"?\s*(?:,|$)')


def _user(owner: dict[str, str]) -> dict[str, str]:
    return {"Type": "CanonicalUser", "ID": owner["ID"], "DisplayName": owner["DisplayName"]}


def _group(uri: str) -> dict[str, str]:
    return {"Type": "Group", "URI": uri}


def canned(acl: str, owner: dict[str, str], bucket_owner: dict[str, str]) -> list[dict[str, Any]]:
    """The grants a canned ACL stands for."""
    grants: list[dict[str, Any]] = [{"Grantee": _user(owner), "Permission": "FULL_CONTROL"}]
    extra: list[tuple[dict[str, str], str]] = {
        "public-read": [(_group(ALL_USERS), "READ")],
        "public-read-write": [(_group(ALL_USERS), "READ"), (_group(ALL_USERS), "WRITE")],
        "authenticated-read": [(_group(AUTHENTICATED_USERS), "READ")],
        "log-delivery-write": [(_group(LOG_DELIVERY), "WRITE"), (_group(LOG_DELIVERY), "READ_ACP")],
        "bucket-owner-read": [(_user(bucket_owner), "READ")] if bucket_owner != owner else [],
        "bucket-owner-full-control": [(_user(bucket_owner), "FULL_CONTROL")] if bucket_owner != owner else [],
    }.get(acl, [])
    grants += [{"Grantee": grantee, "Permission": permission} for grantee, permission in extra]
    return grants


def _from_headers(req: dict[str, Any]) -> list[dict[str, Any]]:
    grants: list[dict[str, Any]] = []
    for member, permission in GRANT_HEADERS.items():
        text = req.get(member)
        if not text:
            continue
        found = _GRANTEE_RE.findall(text)
        if not found:
            raise InvalidArgument("Argument format not recognized", ArgumentName=member, ArgumentValue=text)
        for kind, value in found:
            if kind == "id":
                grantee = {"Type": "CanonicalUser", "ID": value}
            elif kind == "uri":
                grantee = _check_group(value)
            else:
                grantee = {"Type": "AmazonCustomerByEmail", "EmailAddress": value}
            grants.append({"Grantee": grantee, "Permission": permission})
    return grants


def _check_group(uri: str) -> dict[str, str]:
    if uri not in GROUPS:
        raise InvalidArgument("Invalid group uri", ArgumentName="uri", ArgumentValue=uri)
    return _group(uri)


def _from_body(policy: dict[str, Any]) -> list[dict[str, Any]]:
    grants = []
    for grant in policy.get("Grants") or []:
        grantee = dict(grant.get("Grantee") or {})
        kind = grantee.get("Type")
        if kind == "CanonicalUser" and not grantee.get("ID"):
            raise InvalidArgument("Invalid id", ArgumentName="CanonicalUser/ID", ArgumentValue="")
        if kind == "Group":
            grantee = _check_group(grantee.get("URI", ""))
        grants.append({"Grantee": grantee, "Permission": grant.get("Permission")})
    return grants


def from_request(
    req: dict[str, Any], owner: dict[str, str], bucket_owner: dict[str, str]
) -> list[dict[str, Any]]:
    """The grants a PutBucketAcl/PutObjectAcl request sets (canned ACL, grant headers or body).

    Raises: InvalidRequest (canned ACL and grant headers together), MissingSecurityHeader (none of
    the three), InvalidArgument.
    """
    headers = _from_headers(req)
    if req.get("ACL"):
        if headers:
            raise InvalidRequest("Specifying both Canned ACLs and Header Grants is not allowed")
        return canned(req["ACL"], owner, bucket_owner)
    if headers:
        return headers
    if req.get("AccessControlPolicy") is not None:
        return _from_body(req["AccessControlPolicy"])
    raise MissingSecurityHeader("Your request was missing a required header", MissingHeaderName="x-amz-acl")


def owner_only(grants: list[dict[str, Any]], owner: dict[str, str]) -> bool:
    """True when the grants give the owner full control and nothing else (allowed with ACLs disabled)."""
    return all(
        grant.get("Permission") == "FULL_CONTROL"
        and (grant.get("Grantee") or {}).get("Type") == "CanonicalUser"
        and grant["Grantee"].get("ID") == owner["ID"]
        for grant in grants
    )


def ownership(conn: sqlite3.Connection | Tx, bucket: str) -> str | None:
    """The bucket's ObjectOwnership setting (None once its ownership controls were deleted)."""
    document = store.get_config(conn, bucket, OWNERSHIP_KIND)
    if document is None:
        return DEFAULT_OWNERSHIP
    rules = document.get("Rules") or []
    return rules[0].get("ObjectOwnership") if rules else None


def check_acls_enabled(
    conn: sqlite3.Connection | Tx, bucket: str, grants: list[dict[str, Any]], owner: dict[str, str]
) -> None:
    """Raises: AccessControlListNotSupported when the bucket has ACLs disabled (BucketOwnerEnforced)
    and the grants are more than the owner's full control."""
    if ownership(conn, bucket) == "BucketOwnerEnforced" and not owner_only(grants, owner):
        raise AccessControlListNotSupported("The bucket does not allow ACLs")
