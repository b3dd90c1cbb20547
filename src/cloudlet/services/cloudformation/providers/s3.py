"""AWS::S3::Bucket and AWS::S3::BucketPolicy, made through S3's own operations.

A bucket's template properties are translated to the request shapes of the bucket sub-resource
operations (PutBucketVersioning, PutBucketCors, PutBucketNotificationConfiguration...). Deleting a
bucket that still holds objects fails as on AWS (BucketNotEmpty: the resource goes DELETE_FAILED);
`DeletionPolicy: Retain` keeps it.
"""

from __future__ import annotations

from typing import Any

from cloudlet.protocol.errors import ServiceError
from cloudlet.services.cloudformation.providers import coerce as check
from cloudlet.services.cloudformation.providers.api_shapes import coerce, flag
from cloudlet.services.cloudformation.providers.base import (
    Context,
    Created,
    Provider,
    ProviderError,
    Resource,
)

US_EAST_1 = "us-east-1"
# Regions whose website endpoint is `s3-website-<region>` (the others use `s3-website.<region>`).
_DASH_WEBSITE_REGIONS = frozenset(
    (
        "us-east-1",
        "us-west-1",
        "us-west-2",
        "ap-southeast-1",
        "ap-southeast-2",
        "ap-northeast-1",
        "eu-west-1",
        "sa-east-1",
        "us-gov-west-1",
    )
)


async def _s3(cx: Context, operation: str, params: dict[str, Any]) -> dict[str, Any]:
    return await cx.call("s3", operation, coerce("s3", operation, params))


def _missing(exc: ServiceError) -> bool:
    return exc.code == "NoSuchBucket"


# --- property translation --------------------------------------------------------------------------


def _filter_rules(cfn_filter: dict[str, Any] | None) -> dict[str, Any] | None:
    if not cfn_filter:
        return None
    rules = (cfn_filter.get("S3Key") or {}).get("Rules") or []
    return {"Key": {"FilterRules": [{"Name": r.get("Name"), "Value": r.get("Value")} for r in rules]}}


def notification_configuration(props: dict[str, Any] | None) -> dict[str, Any]:
    """CloudFormation's NotificationConfiguration (one `Event` per entry, `Function`/`Queue`/`Topic`,
    `Filter.S3Key.Rules`) as PutBucketNotificationConfiguration's document."""
    props = props or {}
    out: dict[str, Any] = {}
    for cfn_key, api_key, target, arn_key in (
        ("LambdaConfigurations", "LambdaFunctionConfigurations", "Function", "LambdaFunctionArn"),
        ("QueueConfigurations", "QueueConfigurations", "Queue", "QueueArn"),
        ("TopicConfigurations", "TopicConfigurations", "Topic", "TopicArn"),
    ):
        entries = []
        for entry in props.get(cfn_key) or []:
            item: dict[str, Any] = {arn_key: entry.get(target), "Events": [entry.get("Event")]}
            rules = _filter_rules(entry.get("Filter"))
            if rules is not None:
                item["Filter"] = rules
            entries.append(item)
        if entries:
            out[api_key] = entries
    eventbridge = props.get("EventBridgeConfiguration")
    if eventbridge is not None and flag(eventbridge.get("EventBridgeEnabled"), True):
        out["EventBridgeConfiguration"] = {}
    return out


def _cors(props: dict[str, Any]) -> dict[str, Any]:
    rules = []
    for rule in props.get("CorsRules") or []:
        item: dict[str, Any] = {
            "AllowedMethods": rule.get("AllowedMethods"),
            "AllowedOrigins": rule.get("AllowedOrigins"),
        }
        for cfn_key, api_key in (
            ("AllowedHeaders", "AllowedHeaders"),
            ("ExposedHeaders", "ExposeHeaders"),
            ("Id", "ID"),
            ("MaxAge", "MaxAgeSeconds"),
        ):
            if cfn_key in rule:
                item[api_key] = rule[cfn_key]
        rules.append(item)
    return {"CORSRules": rules}


def _lifecycle_filter(rule: dict[str, Any]) -> dict[str, Any]:
    parts: dict[str, Any] = {}
    if rule.get("Prefix") is not None:
        parts["Prefix"] = rule["Prefix"]
    tags = [{"Key": t.get("Key"), "Value": t.get("Value")} for t in rule.get("TagFilters") or []]
    for key in ("ObjectSizeGreaterThan", "ObjectSizeLessThan"):
        if rule.get(key) is not None:
            parts[key] = rule[key]
    if len(parts) + len(tags) > 1:
        return {"And": {**parts, **({"Tags": tags} if tags else {})}}
    if tags:
        return {"Tag": tags[0]}
    return parts or {"Prefix": ""}


def _lifecycle_rule(rule: dict[str, Any]) -> dict[str, Any]:
    item: dict[str, Any] = {"Status": rule.get("Status"), "Filter": _lifecycle_filter(rule)}
    if rule.get("Id") is not None:
        item["ID"] = rule["Id"]
    expiration: dict[str, Any] = {}
    if rule.get("ExpirationInDays") is not None:
        expiration["Days"] = rule["ExpirationInDays"]
    if rule.get("ExpirationDate") is not None:
        expiration["Date"] = rule["ExpirationDate"]
    if rule.get("ExpiredObjectDeleteMarker") is not None:
        expiration["ExpiredObjectDeleteMarker"] = rule["ExpiredObjectDeleteMarker"]
    if expiration:
        item["Expiration"] = expiration
    transitions = list(rule.get("Transitions") or [])
    if rule.get("Transition"):
        transitions.append(rule["Transition"])
    if transitions:
        item["Transitions"] = [
            {
                k: v
                for k, v in (
                    ("StorageClass", t.get("StorageClass")),
                    ("Days", t.get("TransitionInDays")),
                    ("Date", t.get("TransitionDate")),
                )
                if v is not None
            }
            for t in transitions
        ]
    noncurrent = list(rule.get("NoncurrentVersionTransitions") or [])
    if rule.get("NoncurrentVersionTransition"):
        noncurrent.append(rule["NoncurrentVersionTransition"])
    if noncurrent:
        item["NoncurrentVersionTransitions"] = [
            {
                k: v
                for k, v in (
                    ("StorageClass", t.get("StorageClass")),
                    ("NoncurrentDays", t.get("TransitionInDays")),
                    ("NewerNoncurrentVersions", t.get("NewerNoncurrentVersions")),
                )
                if v is not None
            }
            for t in noncurrent
        ]
    expire_noncurrent = dict(rule.get("NoncurrentVersionExpiration") or {})
    if rule.get("NoncurrentVersionExpirationInDays") is not None:
        expire_noncurrent.setdefault("NoncurrentDays", rule["NoncurrentVersionExpirationInDays"])
    if expire_noncurrent:
        item["NoncurrentVersionExpiration"] = expire_noncurrent
    if rule.get("AbortIncompleteMultipartUpload"):
        item["AbortIncompleteMultipartUpload"] = rule["AbortIncompleteMultipartUpload"]
    return item


def _encryption(props: dict[str, Any]) -> dict[str, Any]:
    rules = []
    for rule in props.get("ServerSideEncryptionConfiguration") or []:
        item: dict[str, Any] = {}
        if rule.get("ServerSideEncryptionByDefault") is not None:
            item["ApplyServerSideEncryptionByDefault"] = rule["ServerSideEncryptionByDefault"]
        if rule.get("BucketKeyEnabled") is not None:
            item["BucketKeyEnabled"] = rule["BucketKeyEnabled"]
        rules.append(item)
    return {"Rules": rules}


def _website(props: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if props.get("IndexDocument") is not None:
        out["IndexDocument"] = {"Suffix": props["IndexDocument"]}
    if props.get("ErrorDocument") is not None:
        out["ErrorDocument"] = {"Key": props["ErrorDocument"]}
    if props.get("RedirectAllRequestsTo") is not None:
        out["RedirectAllRequestsTo"] = props["RedirectAllRequestsTo"]
    rules = []
    for rule in props.get("RoutingRules") or []:
        item: dict[str, Any] = {"Redirect": rule.get("RedirectRule") or {}}
        if rule.get("RoutingRuleCondition") is not None:
            item["Condition"] = rule["RoutingRuleCondition"]
        rules.append(item)
    if rules:
        out["RoutingRules"] = rules
    return out


def _logging(bucket: str, props: dict[str, Any]) -> dict[str, Any]:
    enabled: dict[str, Any] = {
        "TargetBucket": props.get("DestinationBucketName") or bucket,
        "TargetPrefix": props.get("LogFilePrefix") or "",
    }
    if props.get("TargetObjectKeyFormat") is not None:
        enabled["TargetObjectKeyFormat"] = props["TargetObjectKeyFormat"]
    return {"LoggingEnabled": enabled}


# Each configuration property: (put operation, request builder, delete operation or None).
_CONFIG: dict[str, tuple[str, Any, str | None]] = {
    "VersioningConfiguration": (
        "PutBucketVersioning",
        lambda b, p: {"VersioningConfiguration": {"Status": p.get("Status")}},
        None,
    ),
    "AccelerateConfiguration": (
        "PutBucketAccelerateConfiguration",
        lambda b, p: {"AccelerateConfiguration": {"Status": p.get("AccelerationStatus")}},
        None,
    ),
    "CorsConfiguration": ("PutBucketCors", lambda b, p: {"CORSConfiguration": _cors(p)}, "DeleteBucketCors"),
    "LifecycleConfiguration": (
        "PutBucketLifecycleConfiguration",
        lambda b, p: {
            "LifecycleConfiguration": {"Rules": [_lifecycle_rule(r) for r in p.get("Rules") or []]},
            **(
                {"TransitionDefaultMinimumObjectSize": p["TransitionDefaultMinimumObjectSize"]}
                if p.get("TransitionDefaultMinimumObjectSize")
                else {}
            ),
        },
        "DeleteBucketLifecycle",
    ),
    "BucketEncryption": (
        "PutBucketEncryption",
        lambda b, p: {"ServerSideEncryptionConfiguration": _encryption(p)},
        "DeleteBucketEncryption",
    ),
    "PublicAccessBlockConfiguration": (
        "PutPublicAccessBlock",
        lambda b, p: {"PublicAccessBlockConfiguration": p},
        "DeletePublicAccessBlock",
    ),
    "OwnershipControls": (
        "PutBucketOwnershipControls",
        lambda b, p: {"OwnershipControls": {"Rules": p.get("Rules") or []}},
        "DeleteBucketOwnershipControls",
    ),
    "WebsiteConfiguration": (
        "PutBucketWebsite",
        lambda b, p: {"WebsiteConfiguration": _website(p)},
        "DeleteBucketWebsite",
    ),
    "LoggingConfiguration": ("PutBucketLogging", lambda b, p: {"BucketLoggingStatus": _logging(b, p)}, None),
    "Tags": (
        "PutBucketTagging",
        lambda b, p: {"Tagging": {"TagSet": [{"Key": t.get("Key"), "Value": t.get("Value")} for t in p]}},
        "DeleteBucketTagging",
    ),
}


async def _apply(cx: Context, bucket: str, key: str, value: Any, old: Any) -> None:
    """Make the bucket's `key` configuration `value` (None: remove it)."""
    if key == "NotificationConfiguration":
        await _s3(
            cx,
            "PutBucketNotificationConfiguration",
            {"Bucket": bucket, "NotificationConfiguration": notification_configuration(value)},
        )
        return
    if key == "AccessControl":
        await _s3(cx, "PutBucketAcl", {"Bucket": bucket, "ACL": value or "private"})
        return
    put, build, remove = _CONFIG[key]
    if value is not None:
        await _s3(cx, put, {"Bucket": bucket, **build(bucket, value)})
    elif remove is not None:
        await _s3(cx, remove, {"Bucket": bucket})
    elif key == "VersioningConfiguration" and (old or {}).get("Status") == "Enabled":
        await _s3(cx, put, {"Bucket": bucket, "VersioningConfiguration": {"Status": "Suspended"}})
    elif key == "AccelerateConfiguration" and (old or {}).get("AccelerationStatus") == "Enabled":
        await _s3(cx, put, {"Bucket": bucket, "AccelerateConfiguration": {"Status": "Suspended"}})
    elif key == "LoggingConfiguration":
        await _s3(cx, put, {"Bucket": bucket, "BucketLoggingStatus": {}})


def _attributes(name: str, region: str) -> dict[str, Any]:
    website = "s3-website-" if region in _DASH_WEBSITE_REGIONS else "s3-website."
    return {
        "Arn": f"arn:aws:s3:::{name}",
        "DomainName": f"{name}.s3.amazonaws.com",
        "RegionalDomainName": f"{name}.s3.{region}.amazonaws.com",
        "DualStackDomainName": f"{name}.s3.dualstack.{region}.amazonaws.com",
        "WebsiteURL": f"http://{name}.{website}{region}.amazonaws.com",
    }


# Applied after CreateBucket, in this order (notifications last: their destinations get test events).
_ORDER = (*_CONFIG, "NotificationConfiguration")


async def create_bucket(cx: Context, r: Resource) -> Created:
    props = r.properties
    check.tags(r)
    name = check.string(r, "BucketName") or cx.physical_name(r, 63, lower=True)
    try:
        await _s3(cx, "HeadBucket", {"Bucket": name})
    except ServiceError as exc:
        if exc.code not in ("NoSuchBucket", "404", "NotFound"):
            raise
    else:
        raise ProviderError(f"{name} already exists")
    request: dict[str, Any] = {"Bucket": name}
    if cx.region != US_EAST_1:
        request["CreateBucketConfiguration"] = {"LocationConstraint": cx.region}
    if props.get("AccessControl"):
        request["ACL"] = props["AccessControl"]
    if flag(props.get("ObjectLockEnabled")):
        request["ObjectLockEnabledForBucket"] = True
    await _s3(cx, "CreateBucket", request)
    try:
        for key in _ORDER:
            if props.get(key) is not None:
                await _apply(cx, name, key, props[key], None)
    except BaseException:
        await _drop_bucket(cx, name)
        raise
    return Created(name, _attributes(name, cx.region))


async def _drop_bucket(cx: Context, name: str) -> None:
    try:
        await _s3(cx, "DeleteBucket", {"Bucket": name})
    except ServiceError:
        pass


async def update_bucket(cx: Context, r: Resource) -> Created:
    name = r.physical_id
    assert name is not None
    new, old = r.properties, r.old_properties or {}
    for key in ("AccessControl", *_ORDER):
        if new.get(key) != old.get(key):
            await _apply(cx, name, key, new.get(key), old.get(key))
    return Created(name, _attributes(name, cx.region))


async def delete_bucket(cx: Context, r: Resource) -> None:
    if not r.physical_id:
        return
    try:
        await _s3(cx, "DeleteBucket", {"Bucket": r.physical_id})
    except ServiceError as exc:
        if not _missing(exc):
            raise


# --- bucket policy -----------------------------------------------------------------------------------


async def put_policy(cx: Context, r: Resource) -> Created:
    check.require(r, "Bucket", "PolicyDocument")
    bucket = r.properties["Bucket"]
    await _s3(cx, "PutBucketPolicy", {"Bucket": bucket, "Policy": check.document(r, "PolicyDocument")})
    return Created(str(bucket))


async def delete_policy(cx: Context, r: Resource) -> None:
    bucket = r.physical_id or r.properties.get("Bucket")
    if not bucket:
        return
    try:
        await _s3(cx, "DeleteBucketPolicy", {"Bucket": bucket})
    except ServiceError as exc:
        if not _missing(exc):
            raise


PROVIDERS: tuple[Provider, ...] = (
    Provider(
        "AWS::S3::Bucket",
        create_bucket,
        delete_bucket,
        update_bucket,
        properties=frozenset(("BucketName", "AccessControl", "ObjectLockEnabled", *_ORDER)),
        replace_on=frozenset(("BucketName", "ObjectLockEnabled")),
        attributes=frozenset(
            ("Arn", "DomainName", "RegionalDomainName", "DualStackDomainName", "WebsiteURL")
        ),
    ),
    Provider(
        "AWS::S3::BucketPolicy",
        put_policy,
        delete_policy,
        put_policy,
        properties=frozenset(("Bucket", "PolicyDocument")),
        replace_on=frozenset(("Bucket",)),
    ),
)
