"""AWS::SNS::Topic, ::Subscription, ::TopicPolicy and ::TopicInlinePolicy through SNS's own operations.

A topic's `Ref` is its ARN (`Fn::GetAtt` `TopicArn`, `TopicName`); a subscription's `Ref` is its ARN
(`Fn::GetAtt` `Arn`). Inline `Subscription` entries of a topic are subscribed with the topic and kept in
step on update. Deleting a topic policy puts back the default policy SNS gives a new topic.
"""

from __future__ import annotations

from typing import Any

from cloudlet.protocol.errors import ServiceError
from cloudlet.services.cloudformation.providers import coerce
from cloudlet.services.cloudformation.providers.base import Context, Created, Provider, Resource
from cloudlet.services.sns.attributes import default_policy

_GONE = ("NotFound", "NotFoundException", "ResourceNotFoundException")

_TOPIC_STRINGS = ("DisplayName", "KmsMasterKeyId", "SignatureVersion", "TracingConfig", "FifoThroughputScope")
TOPIC_PROPERTIES = frozenset(
    {
        *_TOPIC_STRINGS,
        "ArchivePolicy",
        "ContentBasedDeduplication",
        "DataProtectionPolicy",
        "DeliveryStatusLogging",
        "FifoTopic",
        "Subscription",
        "Tags",
        "TopicName",
    }
)
_FEEDBACK_PREFIX = {
    "http": "HTTP",
    "https": "HTTP",
    "sqs": "SQS",
    "lambda": "Lambda",
    "firehose": "Firehose",
    "application": "Application",
}
_FEEDBACK_KEYS = ("SuccessFeedbackRoleArn", "FailureFeedbackRoleArn", "SuccessFeedbackSampleRate")


def _topic_attributes(resource: Resource) -> dict[str, str]:
    result: dict[str, str] = {}
    for name in _TOPIC_STRINGS:
        value = coerce.string(resource, name)
        if value is not None:
            result[name] = value
    dedup = coerce.boolean(resource, "ContentBasedDeduplication")
    if dedup is not None:
        result["ContentBasedDeduplication"] = "true" if dedup else "false"
    archive = coerce.document(resource, "ArchivePolicy")
    if archive is not None:
        result["ArchivePolicy"] = archive
    logging = resource.properties.get("DeliveryStatusLogging") or []
    if not isinstance(logging, list):
        raise coerce.invalid(resource, "#/DeliveryStatusLogging: expected type: JSONArray, found: JSONObject")
    for index, entry in enumerate(logging):
        protocol = str(entry.get("Protocol", "")) if isinstance(entry, dict) else ""
        prefix = _FEEDBACK_PREFIX.get(protocol)
        if prefix is None:
            raise coerce.invalid(
                resource, f"#/DeliveryStatusLogging/{index}/Protocol: {protocol} is not a valid enum value"
            )
        for key in _FEEDBACK_KEYS:
            if entry.get(key) is not None:
                result[f"{prefix}{key}"] = coerce.text(entry[key])
    return result


def _subscriptions(resource: Resource, properties: dict[str, Any] | None = None) -> list[tuple[str, str]]:
    source = resource.properties if properties is None else properties
    entries = source.get("Subscription") or []
    if not isinstance(entries, list):
        raise coerce.invalid(resource, "#/Subscription: expected type: JSONArray, found: JSONObject")
    result = []
    for index, entry in enumerate(entries):
        if not isinstance(entry, dict) or entry.get("Protocol") is None or entry.get("Endpoint") is None:
            raise coerce.invalid(
                resource, f"#/Subscription/{index}: required key [Endpoint, Protocol] not found"
            )
        result.append((coerce.text(entry["Protocol"]), coerce.text(entry["Endpoint"])))
    return result


def _topic_created(arn: str) -> Created:
    return Created(arn, {"TopicArn": arn, "TopicName": arn.rsplit(":", 1)[1]})


async def create_topic(cx: Context, resource: Resource) -> Created:
    fifo = coerce.boolean(resource, "FifoTopic", False)
    name = coerce.string(resource, "TopicName") or cx.physical_name(
        resource, 256, suffix=".fifo" if fifo else ""
    )
    attributes = _topic_attributes(resource)
    if fifo:
        attributes["FifoTopic"] = "true"
    params: dict[str, Any] = {"Name": name, "Attributes": attributes}
    tags = coerce.tags(resource)
    if tags:
        params["Tags"] = [{"Key": k, "Value": v} for k, v in tags.items()]
    protection = coerce.document(resource, "DataProtectionPolicy")
    if protection is not None:
        params["DataProtectionPolicy"] = protection
    arn = (await cx.call("sns", "CreateTopic", params))["TopicArn"]
    for protocol, endpoint in _subscriptions(resource):
        await _subscribe(cx, arn, protocol, endpoint)
    return _topic_created(arn)


async def _subscribe(cx: Context, topic: str, protocol: str, endpoint: str) -> str:
    params = {"TopicArn": topic, "Protocol": protocol, "Endpoint": endpoint, "ReturnSubscriptionArn": True}
    return (await cx.call("sns", "Subscribe", params))["SubscriptionArn"]


async def update_topic(cx: Context, resource: Resource) -> Created:
    arn = resource.physical_id
    assert arn is not None
    old_resource = Resource(**{**resource.__dict__, "properties": resource.old_properties or {}})
    new, old = _topic_attributes(resource), _topic_attributes(old_resource)
    changes = {name: value for name, value in new.items() if old.get(name) != value}
    changes |= {name: "" for name in old.keys() - new.keys()}
    if "SignatureVersion" in changes and not changes["SignatureVersion"]:
        changes["SignatureVersion"] = "1"
    if "ContentBasedDeduplication" in changes and not changes["ContentBasedDeduplication"]:
        changes["ContentBasedDeduplication"] = "false"
    if "TracingConfig" in changes and not changes["TracingConfig"]:
        changes["TracingConfig"] = "PassThrough"
    if "FifoThroughputScope" in changes and not changes["FifoThroughputScope"]:
        changes["FifoThroughputScope"] = "Topic"
    for name, value in changes.items():
        await cx.call(
            "sns", "SetTopicAttributes", {"TopicArn": arn, "AttributeName": name, "AttributeValue": value}
        )
    if coerce.changed(resource, "DataProtectionPolicy"):
        policy = coerce.document(resource, "DataProtectionPolicy") or ""
        await cx.call("sns", "PutDataProtectionPolicy", {"ResourceArn": arn, "DataProtectionPolicy": policy})
    await _retag(cx, resource, arn)
    if coerce.changed(resource, "Subscription"):
        wanted = _subscriptions(resource)
        had = _subscriptions(resource, resource.old_properties or {})
        for protocol, endpoint in had:
            if (protocol, endpoint) not in wanted:
                await _unsubscribe_matching(cx, arn, protocol, endpoint)
        for protocol, endpoint in wanted:
            if (protocol, endpoint) not in had:
                await _subscribe(cx, arn, protocol, endpoint)
    return _topic_created(arn)


async def _unsubscribe_matching(cx: Context, topic: str, protocol: str, endpoint: str) -> None:
    token: str | None = None
    while True:
        params: dict[str, Any] = {"TopicArn": topic}
        if token:
            params["NextToken"] = token
        out = await cx.call("sns", "ListSubscriptionsByTopic", params)
        for sub in out.get("Subscriptions", []):
            if (
                sub["Protocol"] == protocol
                and sub["Endpoint"] == endpoint
                and sub["SubscriptionArn"].startswith("arn:")
            ):
                await cx.call("sns", "Unsubscribe", {"SubscriptionArn": sub["SubscriptionArn"]})
        token = out.get("NextToken")
        if not token:
            return


async def _retag(cx: Context, resource: Resource, arn: str) -> None:
    new, old = coerce.tags(resource), coerce.old_tags(resource)
    gone = sorted(old.keys() - new.keys())
    if gone:
        await cx.call("sns", "UntagResource", {"ResourceArn": arn, "TagKeys": gone})
    changed = [{"Key": k, "Value": v} for k, v in new.items() if old.get(k) != v]
    if changed:
        await cx.call("sns", "TagResource", {"ResourceArn": arn, "Tags": changed})


async def delete_topic(cx: Context, resource: Resource) -> None:
    if not resource.physical_id:
        return
    try:
        await cx.call("sns", "DeleteTopic", {"TopicArn": resource.physical_id})
    except ServiceError as exc:
        if not coerce.not_found(exc, _GONE):
            raise


# --- subscriptions ----------------------------------------------------------------------------------

_SUB_DOCUMENTS = ("FilterPolicy", "RedrivePolicy", "DeliveryPolicy", "ReplayPolicy")
_SUB_STRINGS = ("FilterPolicyScope", "SubscriptionRoleArn")
SUBSCRIPTION_PROPERTIES = frozenset(
    {*_SUB_DOCUMENTS, *_SUB_STRINGS, "Endpoint", "Protocol", "RawMessageDelivery", "Region", "TopicArn"}
)


def _subscription_attributes(resource: Resource) -> dict[str, str]:
    result: dict[str, str] = {}
    for name in _SUB_DOCUMENTS:
        doc = coerce.document(resource, name)
        if doc is not None:
            result[name] = doc
    for name in _SUB_STRINGS:
        value = coerce.string(resource, name)
        if value is not None:
            result[name] = value
    raw = coerce.boolean(resource, "RawMessageDelivery")
    if raw is not None:
        result["RawMessageDelivery"] = "true" if raw else "false"
    return result


def _region_context(cx: Context, resource: Resource) -> Context:
    region = coerce.string(resource, "Region")
    if not region or region == cx.region:
        return cx
    return Context(cx.app, cx.account, region, cx.stack_name, cx.template_dir)


async def create_subscription(cx: Context, resource: Resource) -> Created:
    coerce.require(resource, "TopicArn", "Protocol")
    params: dict[str, Any] = {
        "TopicArn": coerce.string(resource, "TopicArn"),
        "Protocol": coerce.string(resource, "Protocol"),
        "ReturnSubscriptionArn": True,
    }
    endpoint = coerce.string(resource, "Endpoint")
    if endpoint is not None:
        params["Endpoint"] = endpoint
    attributes = _subscription_attributes(resource)
    if attributes:
        params["Attributes"] = attributes
    arn = (await cx.call("sns", "Subscribe", params))["SubscriptionArn"]
    return Created(arn, {"Arn": arn})


async def update_subscription(cx: Context, resource: Resource) -> Created:
    arn = resource.physical_id
    assert arn is not None
    cx = _region_context(cx, resource)
    old_resource = Resource(**{**resource.__dict__, "properties": resource.old_properties or {}})
    new, old = _subscription_attributes(resource), _subscription_attributes(old_resource)
    changes = {name: value for name, value in new.items() if old.get(name) != value}
    for name in old.keys() - new.keys():
        if name == "FilterPolicyScope":
            changes[name] = "MessageAttributes" if "FilterPolicy" in new else ""
        else:
            changes[name] = "false" if name == "RawMessageDelivery" else ""
    # FilterPolicy before its scope, so a new scope applies to the new policy; skip a scope reset
    # when the policy itself goes away (SNS drops the scope with it).
    order = sorted(changes, key=lambda name: name == "FilterPolicyScope")
    for name in order:
        if name == "FilterPolicyScope" and not changes[name]:
            continue
        params = {"SubscriptionArn": arn, "AttributeName": name, "AttributeValue": changes[name]}
        await cx.call("sns", "SetSubscriptionAttributes", params)
    return Created(arn, {"Arn": arn})


async def delete_subscription(cx: Context, resource: Resource) -> None:
    if not resource.physical_id or not resource.physical_id.startswith("arn:"):
        return
    try:
        await _region_context(cx, resource).call(
            "sns", "Unsubscribe", {"SubscriptionArn": resource.physical_id}
        )
    except ServiceError as exc:
        if not coerce.not_found(exc, _GONE):
            raise


async def _create_subscription(cx: Context, resource: Resource) -> Created:
    return await create_subscription(_region_context(cx, resource), resource)


# --- policies ---------------------------------------------------------------------------------------


async def _set_policy(cx: Context, arn: str, policy: str | None, *, tolerate_missing: bool = False) -> None:
    value = policy if policy is not None else default_policy(arn, cx.account)
    params = {"TopicArn": arn, "AttributeName": "Policy", "AttributeValue": value}
    try:
        await cx.call("sns", "SetTopicAttributes", params)
    except ServiceError as exc:
        if not (tolerate_missing and coerce.not_found(exc, _GONE)):
            raise


def _policy(resource: Resource) -> str:
    coerce.document_object(resource, "PolicyDocument")
    policy = coerce.document(resource, "PolicyDocument")
    assert policy is not None
    return policy


async def create_topic_policy(cx: Context, resource: Resource) -> Created:
    coerce.require(resource, "PolicyDocument", "Topics")
    policy = _policy(resource)
    for arn in coerce.strings(resource, "Topics"):
        await _set_policy(cx, arn, policy)
    policy_id = resource.physical_id or cx.physical_name(resource, 128)
    return Created(policy_id, {"Id": policy_id})


async def update_topic_policy(cx: Context, resource: Resource) -> Created:
    coerce.require(resource, "PolicyDocument", "Topics")
    policy = _policy(resource)
    topics = coerce.strings(resource, "Topics")
    for arn in (resource.old_properties or {}).get("Topics") or []:
        if arn not in topics:
            await _set_policy(cx, str(arn), None, tolerate_missing=True)
    for arn in topics:
        await _set_policy(cx, arn, policy)
    assert resource.physical_id is not None
    return Created(resource.physical_id, {"Id": resource.physical_id})


async def delete_topic_policy(cx: Context, resource: Resource) -> None:
    for arn in resource.properties.get("Topics") or []:
        await _set_policy(cx, str(arn), None, tolerate_missing=True)


async def create_inline_policy(cx: Context, resource: Resource) -> Created:
    coerce.require(resource, "PolicyDocument", "TopicArn")
    arn = coerce.string(resource, "TopicArn")
    assert arn is not None
    await _set_policy(cx, arn, _policy(resource))
    return Created(arn)


async def delete_inline_policy(cx: Context, resource: Resource) -> None:
    arn = resource.physical_id or resource.properties.get("TopicArn")
    if arn:
        await _set_policy(cx, str(arn), None, tolerate_missing=True)


PROVIDERS: tuple[Provider, ...] = (
    Provider(
        "AWS::SNS::Topic",
        create_topic,
        delete_topic,
        update_topic,
        properties=TOPIC_PROPERTIES,
        replace_on=frozenset({"TopicName", "FifoTopic"}),
        attributes=frozenset({"TopicArn", "TopicName"}),
    ),
    Provider(
        "AWS::SNS::Subscription",
        _create_subscription,
        delete_subscription,
        update_subscription,
        properties=SUBSCRIPTION_PROPERTIES,
        replace_on=frozenset({"Endpoint", "Protocol", "TopicArn"}),
        attributes=frozenset({"Arn"}),
    ),
    Provider(
        "AWS::SNS::TopicPolicy",
        create_topic_policy,
        delete_topic_policy,
        update_topic_policy,
        properties=frozenset({"PolicyDocument", "Topics"}),
        attributes=frozenset({"Id"}),
    ),
    Provider(
        "AWS::SNS::TopicInlinePolicy",
        create_inline_policy,
        delete_inline_policy,
        create_inline_policy,
        properties=frozenset({"PolicyDocument", "TopicArn"}),
        replace_on=frozenset({"TopicArn"}),
    ),
)
