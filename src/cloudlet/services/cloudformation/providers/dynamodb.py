"""AWS::DynamoDB::Table, made through DynamoDB's own operations (CreateTable, UpdateTable,
UpdateTimeToLive, TagResource...).

Updates change a table in place as CloudFormation does: billing mode and throughput, global secondary
indexes added or removed (one UpdateTable call each), stream on, off or to another view type, SSE, table
class, deletion protection, TTL and tags. A new TableName, KeySchema or set of local secondary indexes
replaces the table. PointInTimeRecoverySpecification and ContributorInsightsSpecification are kept with
the resource (cloudlet has no backups or contributor insights).
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

_GSI_MEMBERS = ("IndexName", "KeySchema", "Projection", "ProvisionedThroughput")


async def _ddb(cx: Context, operation: str, params: dict[str, Any]) -> dict[str, Any]:
    return await cx.call("dynamodb", operation, coerce("dynamodb", operation, params))


def _gsi(index: dict[str, Any]) -> dict[str, Any]:
    unsupported = sorted(k for k in index if k not in (*_GSI_MEMBERS, "ContributorInsightsSpecification"))
    if unsupported:
        raise ProviderError(
            f"Property {unsupported[0]} of GlobalSecondaryIndexes ({index.get('IndexName')}) is not"
            " supported by cloudlet"
        )
    return {k: index[k] for k in _GSI_MEMBERS if index.get(k) is not None}


def _stream(spec: dict[str, Any] | None) -> dict[str, Any] | None:
    if not spec:
        return None
    return {"StreamEnabled": True, "StreamViewType": spec.get("StreamViewType")}


def _sse(spec: dict[str, Any] | None) -> dict[str, Any] | None:
    if spec is None:
        return None
    out: dict[str, Any] = {"Enabled": flag(spec.get("SSEEnabled"))}
    if out["Enabled"]:
        for key in ("SSEType", "KMSMasterKeyId"):
            if spec.get(key) is not None:
                out[key] = spec[key]
    return out


def _ttl(spec: dict[str, Any] | None) -> tuple[str, bool] | None:
    if not spec:
        return None
    return str(spec.get("AttributeName") or ""), flag(spec.get("Enabled"))


def _create_request(props: dict[str, Any], name: str) -> dict[str, Any]:
    request: dict[str, Any] = {
        "TableName": name,
        "KeySchema": props.get("KeySchema"),
        "AttributeDefinitions": props.get("AttributeDefinitions") or [],
    }
    for key in ("BillingMode", "ProvisionedThroughput", "TableClass", "DeletionProtectionEnabled"):
        if props.get(key) is not None:
            request[key] = props[key]
    if props.get("GlobalSecondaryIndexes"):
        request["GlobalSecondaryIndexes"] = [_gsi(i) for i in props["GlobalSecondaryIndexes"]]
    if props.get("LocalSecondaryIndexes"):
        request["LocalSecondaryIndexes"] = props["LocalSecondaryIndexes"]
    stream = _stream(props.get("StreamSpecification"))
    if stream:
        request["StreamSpecification"] = stream
    sse = _sse(props.get("SSESpecification"))
    if sse and sse["Enabled"]:
        request["SSESpecification"] = sse
    if props.get("Tags"):
        request["Tags"] = [{"Key": t.get("Key"), "Value": t.get("Value")} for t in props["Tags"]]
    return request


def _created(name: str, description: dict[str, Any]) -> Created:
    attributes: dict[str, Any] = {"Arn": description["TableArn"]}
    if description.get("LatestStreamArn") and (description.get("StreamSpecification") or {}).get(
        "StreamEnabled"
    ):
        attributes["StreamArn"] = description["LatestStreamArn"]
    return Created(name, attributes)


async def _describe(cx: Context, name: str) -> dict[str, Any]:
    return (await _ddb(cx, "DescribeTable", {"TableName": name}))["Table"]


async def create_table(cx: Context, r: Resource) -> Created:
    props = r.properties
    check.require(r, "KeySchema")
    check.tags(r)
    name = props.get("TableName") or cx.physical_name(r, 255)
    try:
        await _ddb(cx, "CreateTable", _create_request(props, name))
    except ServiceError as exc:
        if exc.code == "ResourceInUseException":
            raise ProviderError(f"{name} already exists") from exc
        raise
    try:
        ttl = _ttl(props.get("TimeToLiveSpecification"))
        if ttl and ttl[1]:
            await _set_ttl(cx, name, ttl[0], True)
    except BaseException:
        await _drop(cx, name, force=True)
        raise
    return _created(name, await _describe(cx, name))


async def _set_ttl(cx: Context, name: str, attribute: str, enabled: bool) -> None:
    await _ddb(
        cx,
        "UpdateTimeToLive",
        {"TableName": name, "TimeToLiveSpecification": {"AttributeName": attribute, "Enabled": enabled}},
    )


def _throughput(spec: Any) -> tuple[int, int] | None:
    if not spec:
        return None
    return int(spec.get("ReadCapacityUnits", 0)), int(spec.get("WriteCapacityUnits", 0))


async def _update_billing(cx: Context, name: str, props: dict[str, Any], old: dict[str, Any]) -> None:
    billing, old_billing = props.get("BillingMode") or "PROVISIONED", old.get("BillingMode") or "PROVISIONED"
    throughput = _throughput(props.get("ProvisionedThroughput"))
    request: dict[str, Any] = {}
    if billing != old_billing:
        request["BillingMode"] = billing
    if (
        billing == "PROVISIONED"
        and throughput
        and (billing != old_billing or throughput != _throughput(old.get("ProvisionedThroughput")))
    ):
        request["ProvisionedThroughput"] = props["ProvisionedThroughput"]
    if billing == "PROVISIONED" and billing != old_billing:
        # Switching to provisioned capacity needs each index's throughput too.
        updates = [
            {"Update": {"IndexName": i["IndexName"], "ProvisionedThroughput": i["ProvisionedThroughput"]}}
            for i in props.get("GlobalSecondaryIndexes") or []
            if i.get("ProvisionedThroughput") and i.get("IndexName") in _indexes(old)
        ]
        if updates:
            request["GlobalSecondaryIndexUpdates"] = updates
    if request:
        await _ddb(cx, "UpdateTable", {"TableName": name, **request})


def _indexes(props: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {i.get("IndexName"): i for i in props.get("GlobalSecondaryIndexes") or []}


async def _delete_indexes(cx: Context, name: str, props: dict[str, Any], old: dict[str, Any]) -> None:
    new_indexes = _indexes(props)
    for index_name in _indexes(old):
        if index_name not in new_indexes:
            await _ddb(
                cx,
                "UpdateTable",
                {"TableName": name, "GlobalSecondaryIndexUpdates": [{"Delete": {"IndexName": index_name}}]},
            )


async def _update_indexes(cx: Context, name: str, props: dict[str, Any], old: dict[str, Any]) -> None:
    new_indexes, old_indexes = _indexes(props), _indexes(old)
    provisioned = (props.get("BillingMode") or "PROVISIONED") == "PROVISIONED"
    for index_name, index in new_indexes.items():
        before = old_indexes.get(index_name)
        if before is None:
            continue
        if (index.get("KeySchema"), index.get("Projection")) != (
            before.get("KeySchema"),
            before.get("Projection"),
        ):
            raise ProviderError(
                "Cannot update GSI's properties other than Provisioned Throughput and Contributor Insights"
                " Specification. You can create a new GSI with a different name."
            )
        throughput = _throughput(index.get("ProvisionedThroughput"))
        was_provisioned = (old.get("BillingMode") or "PROVISIONED") == "PROVISIONED"
        changed = throughput != _throughput(before.get("ProvisionedThroughput"))
        if provisioned and was_provisioned and throughput and changed:
            update = {"IndexName": index_name, "ProvisionedThroughput": index["ProvisionedThroughput"]}
            await _ddb(
                cx, "UpdateTable", {"TableName": name, "GlobalSecondaryIndexUpdates": [{"Update": update}]}
            )
    for index_name, index in new_indexes.items():
        if index_name not in old_indexes:
            await _ddb(
                cx,
                "UpdateTable",
                {
                    "TableName": name,
                    "AttributeDefinitions": props.get("AttributeDefinitions") or [],
                    "GlobalSecondaryIndexUpdates": [{"Create": _gsi(index)}],
                },
            )


async def _update_stream(cx: Context, name: str, props: dict[str, Any], old: dict[str, Any]) -> None:
    new, before = _stream(props.get("StreamSpecification")), _stream(old.get("StreamSpecification"))
    if new == before:
        return
    if before:
        await _ddb(cx, "UpdateTable", {"TableName": name, "StreamSpecification": {"StreamEnabled": False}})
    if new:
        await _ddb(cx, "UpdateTable", {"TableName": name, "StreamSpecification": new})


async def _update_ttl(cx: Context, name: str, props: dict[str, Any], old: dict[str, Any]) -> None:
    new, before = _ttl(props.get("TimeToLiveSpecification")), _ttl(old.get("TimeToLiveSpecification"))
    active_before = before if before and before[1] else None
    active_now = new if new and new[1] else None
    if active_before == active_now:
        return
    if active_before:
        await _set_ttl(cx, name, active_before[0], False)
    if active_now:
        await _set_ttl(cx, name, active_now[0], True)


async def _update_tags(cx: Context, arn: str, props: dict[str, Any], old: dict[str, Any]) -> None:
    wanted = {t.get("Key"): t.get("Value") for t in props.get("Tags") or []}
    current = {t.get("Key"): t.get("Value") for t in old.get("Tags") or []}
    removed = [k for k in current if k not in wanted]
    if removed:
        await _ddb(cx, "UntagResource", {"ResourceArn": arn, "TagKeys": removed})
    changed = [{"Key": k, "Value": v} for k, v in wanted.items() if current.get(k) != v]
    if changed:
        await _ddb(cx, "TagResource", {"ResourceArn": arn, "Tags": changed})


async def update_table(cx: Context, r: Resource) -> Created:
    name = r.physical_id
    assert name is not None
    props, old = r.properties, r.old_properties or {}
    # Removed indexes go first (a billing change needs the throughput of every remaining index).
    await _delete_indexes(cx, name, props, old)
    await _update_billing(cx, name, props, old)
    await _update_indexes(cx, name, props, old)
    await _update_stream(cx, name, props, old)
    # Each of these must be the only change of its UpdateTable call.
    sse, old_sse = _sse(props.get("SSESpecification")), _sse(old.get("SSESpecification"))
    if (sse or {"Enabled": False}) != (old_sse or {"Enabled": False}):
        await _ddb(cx, "UpdateTable", {"TableName": name, "SSESpecification": sse or {"Enabled": False}})
    if (props.get("TableClass") or "STANDARD") != (old.get("TableClass") or "STANDARD"):
        await _ddb(
            cx, "UpdateTable", {"TableName": name, "TableClass": props.get("TableClass") or "STANDARD"}
        )
    protect = flag(props.get("DeletionProtectionEnabled"))
    if protect != flag(old.get("DeletionProtectionEnabled")):
        await _ddb(cx, "UpdateTable", {"TableName": name, "DeletionProtectionEnabled": protect})
    await _update_ttl(cx, name, props, old)
    description = await _describe(cx, name)
    await _update_tags(cx, description["TableArn"], props, old)
    return _created(name, description)


async def _drop(cx: Context, name: str, *, force: bool = False) -> None:
    try:
        if force:
            described = await _describe(cx, name)
            if described.get("DeletionProtectionEnabled"):
                await _ddb(cx, "UpdateTable", {"TableName": name, "DeletionProtectionEnabled": False})
        await _ddb(cx, "DeleteTable", {"TableName": name})
    except ServiceError as exc:
        if exc.code != "ResourceNotFoundException":
            raise


async def delete_table(cx: Context, r: Resource) -> None:
    if r.physical_id:
        await _drop(cx, r.physical_id)


PROVIDERS: tuple[Provider, ...] = (
    Provider(
        "AWS::DynamoDB::Table",
        create_table,
        delete_table,
        update_table,
        properties=frozenset(
            (
                "TableName",
                "KeySchema",
                "AttributeDefinitions",
                "BillingMode",
                "ProvisionedThroughput",
                "GlobalSecondaryIndexes",
                "LocalSecondaryIndexes",
                "StreamSpecification",
                "TimeToLiveSpecification",
                "SSESpecification",
                "PointInTimeRecoverySpecification",
                "ContributorInsightsSpecification",
                "TableClass",
                "DeletionProtectionEnabled",
                "Tags",
            )
        ),
        replace_on=frozenset(("TableName", "KeySchema", "LocalSecondaryIndexes")),
        attributes=frozenset(("Arn", "StreamArn")),
    ),
)
