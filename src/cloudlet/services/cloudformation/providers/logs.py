"""AWS::Logs::LogGroup and AWS::Logs::LogStream through CloudWatch Logs' own operations.

A log group's `Ref` is its name and `Fn::GetAtt Arn` its ARN with the trailing `:*`, as AWS documents
(`arn:aws:logs:us-east-1:123456789012:log-group:/my/group:*`); a log stream's `Ref` is its name.
"""

from __future__ import annotations

from typing import Any

from cloudlet.protocol.errors import ServiceError
from cloudlet.services.cloudformation.providers import coerce
from cloudlet.services.cloudformation.providers.base import Context, Created, Provider, Resource

_GONE = ("ResourceNotFoundException",)


def _group_arn(cx: Context, name: str) -> str:
    return f"arn:aws:logs:{cx.region}:{cx.account}:log-group:{name}"


async def create_log_group(cx: Context, resource: Resource) -> Created:
    name = coerce.string(resource, "LogGroupName") or cx.physical_name(resource, 512)
    params: dict[str, Any] = {"logGroupName": name}
    kms = coerce.string(resource, "KmsKeyId")
    if kms:
        params["kmsKeyId"] = kms
    group_class = coerce.string(resource, "LogGroupClass")
    if group_class:
        params["logGroupClass"] = group_class
    tags = coerce.tags(resource)
    if tags:
        params["tags"] = tags
    retention = coerce.integer(resource, "RetentionInDays")
    await cx.call("logs", "CreateLogGroup", params)
    if retention is not None:
        try:
            await cx.call("logs", "PutRetentionPolicy", {"logGroupName": name, "retentionInDays": retention})
        except ServiceError:
            await cx.call("logs", "DeleteLogGroup", {"logGroupName": name})  # nothing half-created
            raise
    return Created(name, {"Arn": f"{_group_arn(cx, name)}:*"})


async def update_log_group(cx: Context, resource: Resource) -> Created:
    name = resource.physical_id
    assert name is not None
    if coerce.changed(resource, "RetentionInDays"):
        retention = coerce.integer(resource, "RetentionInDays")
        if retention is None:
            await cx.call("logs", "DeleteRetentionPolicy", {"logGroupName": name})
        else:
            await cx.call("logs", "PutRetentionPolicy", {"logGroupName": name, "retentionInDays": retention})
    if coerce.changed(resource, "KmsKeyId"):
        kms = coerce.string(resource, "KmsKeyId")
        if kms:
            await cx.call("logs", "AssociateKmsKey", {"logGroupName": name, "kmsKeyId": kms})
        else:
            await cx.call("logs", "DisassociateKmsKey", {"logGroupName": name})
    new, old = coerce.tags(resource), coerce.old_tags(resource)
    gone = sorted(old.keys() - new.keys())
    arn = _group_arn(cx, name)
    if gone:
        await cx.call("logs", "UntagResource", {"resourceArn": arn, "tagKeys": gone})
    changed = {key: value for key, value in new.items() if old.get(key) != value}
    if changed:
        await cx.call("logs", "TagResource", {"resourceArn": arn, "tags": changed})
    return Created(name, {"Arn": f"{arn}:*"})


async def delete_log_group(cx: Context, resource: Resource) -> None:
    if not resource.physical_id:
        return
    try:
        await cx.call("logs", "DeleteLogGroup", {"logGroupName": resource.physical_id})
    except ServiceError as exc:
        if not coerce.not_found(exc, _GONE):
            raise


async def create_log_stream(cx: Context, resource: Resource) -> Created:
    coerce.require(resource, "LogGroupName")
    group = coerce.string(resource, "LogGroupName")
    name = coerce.string(resource, "LogStreamName") or cx.physical_name(resource, 512)
    await cx.call("logs", "CreateLogStream", {"logGroupName": group, "logStreamName": name})
    return Created(name)


async def delete_log_stream(cx: Context, resource: Resource) -> None:
    if not resource.physical_id:
        return
    params = {"logGroupName": coerce.string(resource, "LogGroupName"), "logStreamName": resource.physical_id}
    try:
        await cx.call("logs", "DeleteLogStream", params)
    except ServiceError as exc:
        if not coerce.not_found(exc, _GONE):
            raise


PROVIDERS: tuple[Provider, ...] = (
    Provider(
        "AWS::Logs::LogGroup",
        create_log_group,
        delete_log_group,
        update_log_group,
        properties=frozenset({"KmsKeyId", "LogGroupClass", "LogGroupName", "RetentionInDays", "Tags"}),
        replace_on=frozenset({"LogGroupName", "LogGroupClass"}),
        attributes=frozenset({"Arn"}),
    ),
    Provider(
        "AWS::Logs::LogStream",
        create_log_stream,
        delete_log_stream,
        None,
        properties=frozenset({"LogGroupName", "LogStreamName"}),
        replace_on=frozenset({"LogGroupName", "LogStreamName"}),
    ),
)
