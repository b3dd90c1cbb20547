"""AWS::SQS::Queue, AWS::SQS::QueuePolicy and AWS::SQS::QueueInlinePolicy through SQS's own operations.

Properties and return values follow the CloudFormation resource reference: a queue's `Ref` is its URL,
`Fn::GetAtt` gives `Arn`, `QueueName` and `QueueUrl`; a name is generated when `QueueName` is absent
(`<stack>-<logical id>-<random>`, with `.fifo` for FIFO queues). `RedrivePolicy` and
`RedriveAllowPolicy` may be JSON objects or JSON strings.
"""

from __future__ import annotations

from typing import Any

from cloudlet.protocol.errors import ServiceError
from cloudlet.services.cloudformation.providers import coerce
from cloudlet.services.cloudformation.providers.base import Context, Created, Provider, Resource
from cloudlet.services.sqs.attributes import defaults

_GONE = ("QueueDoesNotExist", "AWS.SimpleQueueService.NonExistentQueue")

_INTEGERS = (
    "DelaySeconds",
    "KmsDataKeyReusePeriodSeconds",
    "MaximumMessageSize",
    "MessageRetentionPeriod",
    "ReceiveMessageWaitTimeSeconds",
    "VisibilityTimeout",
)
_BOOLEANS = ("ContentBasedDeduplication", "SqsManagedSseEnabled")
_STRINGS = ("DeduplicationScope", "FifoThroughputLimit", "KmsMasterKeyId")
_DOCUMENTS = ("RedrivePolicy", "RedriveAllowPolicy")

QUEUE_PROPERTIES = frozenset(
    {*_INTEGERS, *_BOOLEANS, *_STRINGS, *_DOCUMENTS, "FifoQueue", "QueueName", "Tags"}
)

# What an attribute returns to when its property is removed from the template.
_RESET = {
    "RedrivePolicy": "",
    "RedriveAllowPolicy": "",
    "KmsMasterKeyId": "",
    "KmsDataKeyReusePeriodSeconds": "300",
}


def _attributes(resource: Resource) -> dict[str, str]:
    """The queue attributes the template sets, as SQS takes them."""
    result: dict[str, str] = {}
    for name in _INTEGERS:
        value = coerce.integer(resource, name)
        if value is not None:
            result[name] = str(value)
    for name in _BOOLEANS:
        flag = coerce.boolean(resource, name)
        if flag is not None:
            result[name] = "true" if flag else "false"
    for name in _STRINGS:
        value_text = coerce.string(resource, name)
        if value_text is not None:
            result[name] = value_text
    for name in _DOCUMENTS:
        doc = coerce.document(resource, name)
        if doc is not None:
            result[name] = doc
    if coerce.boolean(resource, "FifoQueue", False):
        result["FifoQueue"] = "true"
    return result


def _queue_name(cx: Context, resource: Resource) -> str:
    name = coerce.string(resource, "QueueName")
    if name:
        return name
    fifo = coerce.boolean(resource, "FifoQueue", False)
    return cx.physical_name(resource, 80, suffix=".fifo" if fifo else "")


async def _created(cx: Context, url: str) -> Created:
    out = await cx.call("sqs", "GetQueueAttributes", {"QueueUrl": url, "AttributeNames": ["QueueArn"]})
    arn = out["Attributes"]["QueueArn"]
    return Created(url, {"Arn": arn, "QueueName": arn.rsplit(":", 1)[1], "QueueUrl": url})


async def create_queue(cx: Context, resource: Resource) -> Created:
    params: dict[str, Any] = {"QueueName": _queue_name(cx, resource), "Attributes": _attributes(resource)}
    tags = coerce.tags(resource)
    if tags:
        params["tags"] = tags
    out = await cx.call("sqs", "CreateQueue", params)
    return await _created(cx, out["QueueUrl"])


async def update_queue(cx: Context, resource: Resource) -> Created:
    url = resource.physical_id
    assert url is not None
    new = _attributes(resource)
    old_resource = Resource(**{**resource.__dict__, "properties": resource.old_properties or {}})
    old = _attributes(old_resource)
    fifo = new.get("FifoQueue") == "true"
    base = defaults(fifo)
    changes = {name: value for name, value in new.items() if old.get(name) != value}
    for name in old.keys() - new.keys():
        if name in _RESET:
            changes[name] = _RESET[name]
        elif name in base:
            changes[name] = base[name]
    if changes:
        await cx.call("sqs", "SetQueueAttributes", {"QueueUrl": url, "Attributes": changes})
    await _retag(cx, resource, url)
    return await _created(cx, url)


async def _retag(cx: Context, resource: Resource, url: str) -> None:
    new, old = coerce.tags(resource), coerce.old_tags(resource)
    gone = sorted(old.keys() - new.keys())
    if gone:
        await cx.call("sqs", "UntagQueue", {"QueueUrl": url, "TagKeys": gone})
    changed = {key: value for key, value in new.items() if old.get(key) != value}
    if changed:
        await cx.call("sqs", "TagQueue", {"QueueUrl": url, "Tags": changed})


async def delete_queue(cx: Context, resource: Resource) -> None:
    if not resource.physical_id:
        return
    try:
        await cx.call("sqs", "DeleteQueue", {"QueueUrl": resource.physical_id})
    except ServiceError as exc:
        if not coerce.not_found(exc, _GONE):
            raise


# --- policies ---------------------------------------------------------------------------------------


async def _set_policy(cx: Context, url: str, policy: str, *, tolerate_missing: bool = False) -> None:
    try:
        await cx.call("sqs", "SetQueueAttributes", {"QueueUrl": url, "Attributes": {"Policy": policy}})
    except ServiceError as exc:
        if not (tolerate_missing and coerce.not_found(exc, _GONE)):
            raise


def _policy(resource: Resource) -> str:
    coerce.require(resource, "PolicyDocument")
    coerce.document_object(resource, "PolicyDocument")
    policy = coerce.document(resource, "PolicyDocument")
    assert policy is not None
    return policy


async def create_queue_policy(cx: Context, resource: Resource) -> Created:
    coerce.require(resource, "PolicyDocument", "Queues")
    policy = _policy(resource)
    for url in coerce.strings(resource, "Queues"):
        await _set_policy(cx, url, policy)
    policy_id = resource.physical_id or cx.physical_name(resource, 128)
    return Created(policy_id, {"Id": policy_id})


async def update_queue_policy(cx: Context, resource: Resource) -> Created:
    coerce.require(resource, "PolicyDocument", "Queues")
    policy = _policy(resource)
    queues = coerce.strings(resource, "Queues")
    old_queues = (resource.old_properties or {}).get("Queues") or []
    for url in old_queues:
        if url not in queues:
            await _set_policy(cx, str(url), "", tolerate_missing=True)
    for url in queues:
        await _set_policy(cx, url, policy)
    assert resource.physical_id is not None
    return Created(resource.physical_id, {"Id": resource.physical_id})


async def delete_queue_policy(cx: Context, resource: Resource) -> None:
    for url in resource.properties.get("Queues") or []:
        await _set_policy(cx, str(url), "", tolerate_missing=True)


async def create_inline_policy(cx: Context, resource: Resource) -> Created:
    coerce.require(resource, "PolicyDocument", "Queue")
    url = coerce.string(resource, "Queue")
    assert url is not None
    await _set_policy(cx, url, _policy(resource))
    return Created(url)


async def delete_inline_policy(cx: Context, resource: Resource) -> None:
    url = resource.physical_id or resource.properties.get("Queue")
    if url:
        await _set_policy(cx, str(url), "", tolerate_missing=True)


PROVIDERS: tuple[Provider, ...] = (
    Provider(
        "AWS::SQS::Queue",
        create_queue,
        delete_queue,
        update_queue,
        properties=QUEUE_PROPERTIES,
        replace_on=frozenset({"FifoQueue", "QueueName"}),
        attributes=frozenset({"Arn", "QueueName", "QueueUrl"}),
    ),
    Provider(
        "AWS::SQS::QueuePolicy",
        create_queue_policy,
        delete_queue_policy,
        update_queue_policy,
        properties=frozenset({"PolicyDocument", "Queues"}),
        attributes=frozenset({"Id"}),
    ),
    Provider(
        "AWS::SQS::QueueInlinePolicy",
        create_inline_policy,
        delete_inline_policy,
        create_inline_policy,
        properties=frozenset({"PolicyDocument", "Queue"}),
        replace_on=frozenset({"Queue"}),
    ),
)
