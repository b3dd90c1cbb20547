"""Bucket sub-resources stored as documents and returned as sent: tagging, CORS, policy (and its
status), lifecycle, default encryption, ownership controls, public access block, ACL, transfer
acceleration, request payment, website and logging configuration.

Policies, ACLs and public access blocks are stored, not enforced; website and logging settings are
recorded (no website endpoint, no access logs). Each "not found" answers AWS's 404 for that
sub-resource.
"""

from __future__ import annotations

import json
from typing import Any

from cloudlet.gateway.context import RequestContext
from cloudlet.services.s3 import acl, lifecycle, store, tags
from cloudlet.services.s3.errors import (
    CrossLocationLoggingProhibitted,
    InvalidArgument,
    InvalidBucketAclWithObjectOwnership,
    InvalidRequest,
    InvalidTargetBucketForLogging,
    MalformedPolicy,
    MalformedXML,
    NotFoundConfiguration,
)
from cloudlet.services.s3.operations.buckets import owner_of
from cloudlet.services.s3.operations.common import bucket_name, state

__all__ = [
    "delete_bucket_cors",
    "delete_bucket_encryption",
    "delete_bucket_lifecycle",
    "delete_bucket_ownership_controls",
    "delete_bucket_policy",
    "delete_bucket_tagging",
    "delete_bucket_website",
    "delete_public_access_block",
    "get_bucket_accelerate_configuration",
    "get_bucket_acl",
    "get_bucket_cors",
    "get_bucket_encryption",
    "get_bucket_lifecycle_configuration",
    "get_bucket_logging",
    "get_bucket_ownership_controls",
    "get_bucket_policy",
    "get_bucket_policy_status",
    "get_bucket_request_payment",
    "get_bucket_tagging",
    "get_bucket_website",
    "get_public_access_block",
    "put_bucket_accelerate_configuration",
    "put_bucket_acl",
    "put_bucket_cors",
    "put_bucket_encryption",
    "put_bucket_lifecycle_configuration",
    "put_bucket_logging",
    "put_bucket_ownership_controls",
    "put_bucket_policy",
    "put_bucket_request_payment",
    "put_bucket_tagging",
    "put_bucket_website",
    "put_public_access_block",
]

CORS_METHODS = ("GET", "PUT", "HEAD", "POST", "DELETE")
DEFAULT_ENCRYPTION = {
    "Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}, "BucketKeyEnabled": False}]
}
"""Every bucket encrypts with SSE-S3 unless configured otherwise (DeleteBucketEncryption resets to it)."""
DEFAULT_PUBLIC_ACCESS_BLOCK = {
    "BlockPublicAcls": True,
    "IgnorePublicAcls": True,
    "BlockPublicPolicy": True,
    "RestrictPublicBuckets": True,
}
"""New buckets block public access (S3 default since April 2023)."""
DEFAULT_TRANSITION_MINIMUM = "all_storage_classes_128K"
POLICY_VERSIONS = ("2012-10-17", "2008-10-17")


def _malformed() -> MalformedXML:
    return MalformedXML(
        "The XML you provided was not well-formed or did not validate against our published schema"
    )


def _not_found(code: str, message: str, name: str) -> NotFoundConfiguration:
    return NotFoundConfiguration(code, message, BucketName=name)


def _put(ctx: RequestContext, req: dict[str, Any], kind: str, document: Any) -> None:
    s3 = state(ctx)
    with s3.db.transaction() as tx:
        s3.bucket(tx, bucket_name(req))
        store.put_config(tx, bucket_name(req), kind, document)


def _get(ctx: RequestContext, req: dict[str, Any], kind: str) -> Any:
    s3 = state(ctx)
    with s3.db.read() as conn:
        s3.bucket(conn, bucket_name(req))
        return store.get_config(conn, bucket_name(req), kind)


def _delete(ctx: RequestContext, req: dict[str, Any], kind: str) -> None:
    s3 = state(ctx)
    with s3.db.transaction() as tx:
        s3.bucket(tx, bucket_name(req))
        store.delete_config(tx, bucket_name(req), kind)


# --- tagging --------------------------------------------------------------------------------------


def put_bucket_tagging(ctx: RequestContext, req: dict[str, Any]) -> None:
    pairs = tags.from_tag_set((req.get("Tagging") or {}).get("TagSet") or [], tags.MAX_BUCKET_TAGS)
    if not pairs:
        return _delete(ctx, req, "tagging")
    return _put(ctx, req, "tagging", pairs)


def get_bucket_tagging(ctx: RequestContext, req: dict[str, Any]) -> dict[str, Any]:
    pairs = _get(ctx, req, "tagging")
    if not pairs:
        raise _not_found("NoSuchTagSet", "The TagSet does not exist", bucket_name(req))
    return {"TagSet": tags.to_tag_set(pairs)}


def delete_bucket_tagging(ctx: RequestContext, req: dict[str, Any]) -> None:
    return _delete(ctx, req, "tagging")


# --- CORS -----------------------------------------------------------------------------------------


def put_bucket_cors(ctx: RequestContext, req: dict[str, Any]) -> None:
    rules = (req.get("CORSConfiguration") or {}).get("CORSRules") or []
    if not rules:
        raise _malformed()
    for rule in rules:
        if not rule.get("AllowedMethods") or not rule.get("AllowedOrigins"):
            raise _malformed()
        for method in rule["AllowedMethods"]:
            if method not in CORS_METHODS:
                raise InvalidRequest(
                    f"Found unsupported HTTP method in CORS config. Unsupported method is {method}"
                )
        for member, label in (("AllowedOrigins", "AllowedOrigin"), ("AllowedHeaders", "AllowedHeader")):
            for value in rule.get(member) or []:
                if value.count("*") > 1:
                    raise InvalidRequest(f'{label} "{value}" can not have more than one wildcard.')
    return _put(ctx, req, "cors", {"CORSRules": rules})


def get_bucket_cors(ctx: RequestContext, req: dict[str, Any]) -> dict[str, Any]:
    document = _get(ctx, req, "cors")
    if not document:
        raise _not_found("NoSuchCORSConfiguration", "The CORS configuration does not exist", bucket_name(req))
    return document


def delete_bucket_cors(ctx: RequestContext, req: dict[str, Any]) -> None:
    return _delete(ctx, req, "cors")


# --- policy ---------------------------------------------------------------------------------------


def _check_policy(text: str) -> dict[str, Any]:
    """Raises: MalformedPolicy for what AWS's policy parser rejects first."""
    if not text.lstrip().startswith("{"):
        raise MalformedPolicy("Policies must be valid JSON and the first byte must be '{'")
    try:
        policy = json.loads(text)
    except ValueError:
        raise MalformedPolicy("This policy contains invalid Json") from None
    if not isinstance(policy, dict):
        raise MalformedPolicy("Policies must be valid JSON and the first byte must be '{'")
    if "Version" in policy and policy["Version"] not in POLICY_VERSIONS:
        raise MalformedPolicy("The policy must contain a valid version string")
    statements = policy.get("Statement")
    if not statements:
        raise MalformedPolicy("Missing required field Statement")
    for statement in statements if isinstance(statements, list) else [statements]:
        if not isinstance(statement, dict):
            raise MalformedPolicy("This policy contains invalid Json")
        effect = statement.get("Effect")
        if effect not in ("Allow", "Deny"):
            raise MalformedPolicy(f"Invalid effect: {effect}" if effect else "Missing required field Effect")
        for field in ("Principal", "Action", "Resource"):
            if field not in statement and "Not" + field not in statement:
                raise MalformedPolicy(f"Missing required field {field}")
    return policy


def put_bucket_policy(ctx: RequestContext, req: dict[str, Any]) -> None:
    text = req.get("Policy") or ""
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    _check_policy(text)
    return _put(ctx, req, "policy", text)


def get_bucket_policy(ctx: RequestContext, req: dict[str, Any]) -> dict[str, Any]:
    text = _get(ctx, req, "policy")
    if text is None:
        raise _not_found("NoSuchBucketPolicy", "The bucket policy does not exist", bucket_name(req))
    return {"Policy": text}


def delete_bucket_policy(ctx: RequestContext, req: dict[str, Any]) -> None:
    return _delete(ctx, req, "policy")


def _public_principal(principal: Any) -> bool:
    if principal == "*":
        return True
    if isinstance(principal, dict):
        values = principal.get("AWS")
        return values == "*" or (isinstance(values, list) and "*" in values)
    return False


def get_bucket_policy_status(ctx: RequestContext, req: dict[str, Any]) -> dict[str, Any]:
    """IsPublic: an Allow statement open to every principal without conditions ("The meaning of
    public" in the S3 User Guide)."""
    text = _get(ctx, req, "policy")
    if text is None:
        raise _not_found("NoSuchBucketPolicy", "The bucket policy does not exist", bucket_name(req))
    statements = json.loads(text).get("Statement")
    statements = statements if isinstance(statements, list) else [statements]
    public = any(
        s.get("Effect") == "Allow" and _public_principal(s.get("Principal")) and not s.get("Condition")
        for s in statements
    )
    return {"PolicyStatus": {"IsPublic": public}}


# --- lifecycle ------------------------------------------------------------------------------------


def put_bucket_lifecycle_configuration(ctx: RequestContext, req: dict[str, Any]) -> dict[str, Any]:
    s3 = state(ctx)
    document = lifecycle.validate(req.get("LifecycleConfiguration") or {})
    minimum = req.get("TransitionDefaultMinimumObjectSize") or DEFAULT_TRANSITION_MINIMUM
    document["TransitionDefaultMinimumObjectSize"] = minimum
    with s3.db.transaction() as tx:
        bucket = s3.bucket(tx, bucket_name(req))
        store.put_config(tx, bucket.name, lifecycle.KIND, document)
        lifecycle.schedule(s3, tx, bucket.name)
    return {"TransitionDefaultMinimumObjectSize": minimum}


def get_bucket_lifecycle_configuration(ctx: RequestContext, req: dict[str, Any]) -> dict[str, Any]:
    document = _get(ctx, req, lifecycle.KIND)
    if not document:
        raise _not_found(
            "NoSuchLifecycleConfiguration", "The lifecycle configuration does not exist", bucket_name(req)
        )
    return document


def delete_bucket_lifecycle(ctx: RequestContext, req: dict[str, Any]) -> None:
    s3 = state(ctx)
    with s3.db.transaction() as tx:
        bucket = s3.bucket(tx, bucket_name(req))
        store.delete_config(tx, bucket.name, lifecycle.KIND)
        lifecycle.cancel(s3, tx, bucket.name)
    return None


# --- default encryption ---------------------------------------------------------------------------


def put_bucket_encryption(ctx: RequestContext, req: dict[str, Any]) -> None:
    rules = (req.get("ServerSideEncryptionConfiguration") or {}).get("Rules") or []
    if not rules:
        raise _malformed()
    for rule in rules:
        default = rule.get("ApplyServerSideEncryptionByDefault")
        if not default or not default.get("SSEAlgorithm"):
            raise _malformed()
        if default.get("KMSMasterKeyID") and default["SSEAlgorithm"] == "AES256":
            raise InvalidArgument(
                "a KMSMasterKeyID is not applicable if the default sse algorithm is not aws:kms or"
                " aws:kms:dsse",
                ArgumentName="ApplyServerSideEncryptionByDefault",
            )
    return _put(ctx, req, "encryption", {"Rules": rules})


def get_bucket_encryption(ctx: RequestContext, req: dict[str, Any]) -> dict[str, Any]:
    return {"ServerSideEncryptionConfiguration": _get(ctx, req, "encryption") or DEFAULT_ENCRYPTION}


def delete_bucket_encryption(ctx: RequestContext, req: dict[str, Any]) -> None:
    return _delete(ctx, req, "encryption")


# --- ownership controls and public access block ---------------------------------------------------


def put_bucket_ownership_controls(ctx: RequestContext, req: dict[str, Any]) -> None:
    s3 = state(ctx)
    rules = (req.get("OwnershipControls") or {}).get("Rules") or []
    if len(rules) != 1 or not rules[0].get("ObjectOwnership"):
        raise _malformed()
    with s3.db.transaction() as tx:
        bucket = s3.bucket(tx, bucket_name(req))
        grants = (store.get_config(tx, bucket.name, "acl") or {}).get("Grants")
        enforced = rules[0]["ObjectOwnership"] == "BucketOwnerEnforced"
        if enforced and grants and not acl.owner_only(grants, owner_of(bucket.account)):
            raise InvalidBucketAclWithObjectOwnership(
                "Bucket cannot have ACLs set with ObjectOwnership's BucketOwnerEnforced setting"
            )
        store.put_config(tx, bucket.name, acl.OWNERSHIP_KIND, {"Rules": rules})
    return None


def get_bucket_ownership_controls(ctx: RequestContext, req: dict[str, Any]) -> dict[str, Any]:
    s3 = state(ctx)
    with s3.db.read() as conn:
        bucket = s3.bucket(conn, bucket_name(req))
        setting = acl.ownership(conn, bucket.name)
    if setting is None:
        raise _not_found(
            "OwnershipControlsNotFoundError", "The bucket ownership controls were not found", bucket.name
        )
    return {"OwnershipControls": {"Rules": [{"ObjectOwnership": setting}]}}


def delete_bucket_ownership_controls(ctx: RequestContext, req: dict[str, Any]) -> None:
    return _put(ctx, req, acl.OWNERSHIP_KIND, {})


def put_public_access_block(ctx: RequestContext, req: dict[str, Any]) -> None:
    config = req.get("PublicAccessBlockConfiguration") or {}
    if not any(config.get(name) is not None for name in DEFAULT_PUBLIC_ACCESS_BLOCK):
        raise InvalidRequest("Must specify at least one configuration.")
    document = {name: bool(config.get(name, False)) for name in DEFAULT_PUBLIC_ACCESS_BLOCK}
    return _put(ctx, req, "public-access-block", document)


def get_public_access_block(ctx: RequestContext, req: dict[str, Any]) -> dict[str, Any]:
    document = _get(ctx, req, "public-access-block")
    if document == {}:
        raise _not_found(
            "NoSuchPublicAccessBlockConfiguration",
            "The public access block configuration was not found",
            bucket_name(req),
        )
    return {"PublicAccessBlockConfiguration": document or DEFAULT_PUBLIC_ACCESS_BLOCK}


def delete_public_access_block(ctx: RequestContext, req: dict[str, Any]) -> None:
    return _put(ctx, req, "public-access-block", {})


# --- ACL ------------------------------------------------------------------------------------------


def put_bucket_acl(ctx: RequestContext, req: dict[str, Any]) -> None:
    s3 = state(ctx)
    with s3.db.transaction() as tx:
        bucket = s3.bucket(tx, bucket_name(req))
        owner = owner_of(bucket.account)
        grants = acl.from_request(req, owner, owner)
        acl.check_acls_enabled(tx, bucket.name, grants, owner)
        store.put_config(tx, bucket.name, "acl", {"Grants": grants})
    return None


def get_bucket_acl(ctx: RequestContext, req: dict[str, Any]) -> dict[str, Any]:
    s3 = state(ctx)
    with s3.db.read() as conn:
        bucket = s3.bucket(conn, bucket_name(req))
        document = store.get_config(conn, bucket.name, "acl")
    owner = owner_of(bucket.account)
    grants = (document or {}).get("Grants") or acl.canned("private", owner, owner)
    return {"Owner": owner, "Grants": grants}


# --- acceleration, request payment ----------------------------------------------------------------


def put_bucket_accelerate_configuration(ctx: RequestContext, req: dict[str, Any]) -> None:
    status = (req.get("AccelerateConfiguration") or {}).get("Status")
    if status not in ("Enabled", "Suspended"):
        raise _malformed()
    if "." in bucket_name(req):
        raise InvalidRequest(
            "S3 Transfer Acceleration is not supported for buckets with periods (.) in their names"
        )
    return _put(ctx, req, "accelerate", {"Status": status})


def get_bucket_accelerate_configuration(ctx: RequestContext, req: dict[str, Any]) -> dict[str, Any]:
    return _get(ctx, req, "accelerate") or {}


def put_bucket_request_payment(ctx: RequestContext, req: dict[str, Any]) -> None:
    payer = (req.get("RequestPaymentConfiguration") or {}).get("Payer")
    if payer not in ("Requester", "BucketOwner"):
        raise _malformed()
    return _put(ctx, req, "request-payment", {"Payer": payer})


def get_bucket_request_payment(ctx: RequestContext, req: dict[str, Any]) -> dict[str, Any]:
    return _get(ctx, req, "request-payment") or {"Payer": "BucketOwner"}


# --- website --------------------------------------------------------------------------------------


def put_bucket_website(ctx: RequestContext, req: dict[str, Any]) -> None:
    config = dict(req.get("WebsiteConfiguration") or {})
    index = config.get("IndexDocument")
    if not config.get("RedirectAllRequestsTo"):
        if index is None:
            raise InvalidArgument(
                "A value for IndexDocument Suffix must be provided if RedirectAllRequestsTo is empty",
                ArgumentName="IndexDocument",
                ArgumentValue="null",
            )
        suffix = index.get("Suffix") or ""
        if not suffix or "/" in suffix:
            raise InvalidArgument(
                "The IndexDocument Suffix is not well formed",
                ArgumentName="IndexDocument",
                ArgumentValue=suffix,
            )
    return _put(ctx, req, "website", config)


def get_bucket_website(ctx: RequestContext, req: dict[str, Any]) -> dict[str, Any]:
    document = _get(ctx, req, "website")
    if not document:
        raise _not_found(
            "NoSuchWebsiteConfiguration",
            "The specified bucket does not have a website configuration",
            bucket_name(req),
        )
    return document


def delete_bucket_website(ctx: RequestContext, req: dict[str, Any]) -> None:
    return _delete(ctx, req, "website")


# --- logging --------------------------------------------------------------------------------------


def put_bucket_logging(ctx: RequestContext, req: dict[str, Any]) -> None:
    s3 = state(ctx)
    enabled = (req.get("BucketLoggingStatus") or {}).get("LoggingEnabled")
    with s3.db.transaction() as tx:
        bucket = s3.bucket(tx, bucket_name(req))
        if not enabled:
            store.delete_config(tx, bucket.name, "logging")
            return None
        target_name = enabled.get("TargetBucket") or ""
        target = store.get_bucket(tx, target_name)
        if target is None:
            raise InvalidTargetBucketForLogging(
                "The target bucket for logging does not exist", TargetBucket=target_name
            )
        if target.region != bucket.region:
            raise CrossLocationLoggingProhibitted(
                "Cross S3 location logging not allowed. ", TargetBucketLocation=target.region
            )
        store.put_config(tx, bucket.name, "logging", {"LoggingEnabled": enabled})
    return None


def get_bucket_logging(ctx: RequestContext, req: dict[str, Any]) -> dict[str, Any]:
    return _get(ctx, req, "logging") or {}
