"""EventBridge resources: AWS::Events::Rule, EventBus, Archive, EventBusPolicy, Connection and
ApiDestination, made through EventBridge's own operations.

A rule's physical id is what `Ref` returns on AWS: the rule name on the default bus, `bus|name` on a
custom bus.
"""

from __future__ import annotations

import json
from typing import Any

from cloudlet.protocol.errors import ServiceError
from cloudlet.services.cloudformation.providers import coerce as check
from cloudlet.services.cloudformation.providers.api_shapes import coerce, json_text
from cloudlet.services.cloudformation.providers.base import (
    Context,
    Created,
    Provider,
    ProviderError,
    Resource,
)

DEFAULT_BUS = "default"
_GONE = ("ResourceNotFoundException",)


async def _events(cx: Context, operation: str, params: dict[str, Any]) -> dict[str, Any]:
    return await cx.call("events", operation, coerce("events", operation, params))


def _exists(type_name: str, identifier: str) -> ProviderError:
    return ProviderError(f"Resource of type '{type_name}' with identifier '{identifier}' already exists.")


def _bus_name(value: Any) -> str:
    """A bus name or ARN as the bus's name."""
    text = str(value or DEFAULT_BUS)
    return text.split("event-bus/", 1)[1] if text.startswith("arn:") and "event-bus/" in text else text


def _tag_list(tags: Any) -> list[dict[str, Any]]:
    return [{"Key": t.get("Key"), "Value": t.get("Value")} for t in tags or []]


async def _retag(cx: Context, arn: str, new: Any, old: Any) -> None:
    wanted = {t["Key"]: t["Value"] for t in _tag_list(new)}
    current = {t["Key"]: t["Value"] for t in _tag_list(old)}
    removed = [k for k in current if k not in wanted]
    if removed:
        await _events(cx, "UntagResource", {"ResourceARN": arn, "TagKeys": removed})
    changed = [{"Key": k, "Value": v} for k, v in wanted.items() if current.get(k) != v]
    if changed:
        await _events(cx, "TagResource", {"ResourceARN": arn, "Tags": changed})


# --- rules -------------------------------------------------------------------------------------------


def _rule_ids(r: Resource) -> tuple[str, str]:
    """(bus name, rule name) of an existing rule, from its physical id."""
    assert r.physical_id is not None
    if "|" in r.physical_id:
        bus, name = r.physical_id.split("|", 1)
        return _bus_name(bus), name
    return DEFAULT_BUS, r.physical_id


def _rule_request(props: dict[str, Any], bus: str, name: str) -> dict[str, Any]:
    request: dict[str, Any] = {"Name": name, "EventBusName": bus}
    if props.get("EventPattern") is not None:
        request["EventPattern"] = json_text(props["EventPattern"])
    for key in ("ScheduleExpression", "State", "Description", "RoleArn"):
        if props.get(key) is not None:
            request[key] = props[key]
    return request


def _rule_created(bus: str, name: str, arn: str) -> Created:
    physical = name if bus == DEFAULT_BUS else f"{bus}|{name}"
    return Created(physical, {"Arn": arn})


async def _put_targets(cx: Context, bus: str, name: str, targets: list[dict[str, Any]]) -> None:
    if not targets:
        return
    out = await _events(cx, "PutTargets", {"Rule": name, "EventBusName": bus, "Targets": targets})
    failed = out.get("FailedEntries") or []
    if failed:
        first = failed[0]
        raise ProviderError(
            f"{first.get('ErrorCode')}: {first.get('ErrorMessage')} (target {first.get('TargetId')})"
        )


def _targets(props: dict[str, Any]) -> list[dict[str, Any]]:
    """The template's Targets: their members are PutTargets' own (Id, Arn, Input, InputPath,
    InputTransformer, DeadLetterConfig, RetryPolicy, SqsParameters...)."""
    return [dict(target) for target in props.get("Targets") or []]


async def create_rule(cx: Context, r: Resource) -> Created:
    props = r.properties
    check.tags(r)
    bus = _bus_name(props.get("EventBusName"))
    name = props.get("Name") or cx.physical_name(r, 64)
    try:
        await _events(cx, "DescribeRule", {"Name": name, "EventBusName": bus})
    except ServiceError as exc:
        if exc.code not in _GONE:
            raise
    else:
        raise _exists(r.type, name)
    request = _rule_request(props, bus, name)
    if props.get("Tags"):
        request["Tags"] = _tag_list(props["Tags"])
    arn = (await _events(cx, "PutRule", request))["RuleArn"]
    try:
        await _put_targets(cx, bus, name, _targets(props))
    except BaseException:
        await _drop_rule(cx, bus, name)
        raise
    return _rule_created(bus, name, arn)


async def update_rule(cx: Context, r: Resource) -> Created:
    bus, name = _rule_ids(r)
    props, old = r.properties, r.old_properties or {}
    arn = (await _events(cx, "PutRule", _rule_request(props, bus, name)))["RuleArn"]
    new_targets = _targets(props)
    wanted = {t.get("Id") for t in new_targets}
    stale = [t.get("Id") for t in _targets(old) if t.get("Id") not in wanted]
    if stale:
        await _events(cx, "RemoveTargets", {"Rule": name, "EventBusName": bus, "Ids": stale})
    await _put_targets(cx, bus, name, new_targets)
    await _retag(cx, arn, props.get("Tags"), old.get("Tags"))
    return _rule_created(bus, name, arn)


async def _drop_rule(cx: Context, bus: str, name: str) -> None:
    try:
        listed = await _events(cx, "ListTargetsByRule", {"Rule": name, "EventBusName": bus})
    except ServiceError as exc:
        if exc.code in _GONE:
            return
        raise
    ids = [t["Id"] for t in listed.get("Targets") or []]
    while ids:
        await _events(cx, "RemoveTargets", {"Rule": name, "EventBusName": bus, "Ids": ids[:100]})
        ids = ids[100:]
        if not ids:
            more = await _events(cx, "ListTargetsByRule", {"Rule": name, "EventBusName": bus})
            ids = [t["Id"] for t in more.get("Targets") or []]
    await _events(cx, "DeleteRule", {"Name": name, "EventBusName": bus})


async def delete_rule(cx: Context, r: Resource) -> None:
    if not r.physical_id:
        return
    bus, name = _rule_ids(r)
    try:
        await _drop_rule(cx, bus, name)
    except ServiceError as exc:
        if exc.code not in _GONE:
            raise


# --- event buses ---------------------------------------------------------------------------------------


async def _bus_created(cx: Context, name: str) -> Created:
    described = await _events(cx, "DescribeEventBus", {"Name": name})
    attributes: dict[str, Any] = {"Arn": described["Arn"], "Name": name}
    if described.get("Policy"):
        attributes["Policy"] = described["Policy"]
    return Created(name, attributes)


async def _set_bus_policy(cx: Context, name: str, policy: Any, had_policy: bool) -> None:
    if policy is not None:
        await _events(cx, "PutPermission", {"EventBusName": name, "Policy": json_text(policy)})
    elif had_policy:
        await _events(cx, "RemovePermission", {"EventBusName": name, "RemoveAllPermissions": True})


def _bus_settings(props: dict[str, Any]) -> dict[str, Any]:
    return {k: props[k] for k in ("Description", "KmsKeyIdentifier", "DeadLetterConfig") if props.get(k)}


async def create_bus(cx: Context, r: Resource) -> Created:
    props = r.properties
    check.require(r, "Name")
    check.tags(r)
    name = str(props["Name"])
    request: dict[str, Any] = {"Name": name, **_bus_settings(props)}
    if props.get("EventSourceName"):
        request["EventSourceName"] = props["EventSourceName"]
    if props.get("Tags"):
        request["Tags"] = _tag_list(props["Tags"])
    try:
        await _events(cx, "CreateEventBus", request)
    except ServiceError as exc:
        if exc.code == "ResourceAlreadyExistsException":
            raise _exists(r.type, name) from exc
        raise
    try:
        await _set_bus_policy(cx, name, props.get("Policy"), False)
    except BaseException:
        await _drop_bus(cx, name)
        raise
    return await _bus_created(cx, name)


async def update_bus(cx: Context, r: Resource) -> Created:
    name = r.physical_id
    assert name is not None
    props, old = r.properties, r.old_properties or {}
    if _bus_settings(props) != _bus_settings(old):
        await _events(cx, "UpdateEventBus", {"Name": name, **_bus_settings(props)})
    if props.get("Policy") != old.get("Policy"):
        await _set_bus_policy(cx, name, props.get("Policy"), old.get("Policy") is not None)
    created = await _bus_created(cx, name)
    await _retag(cx, created.attributes["Arn"], props.get("Tags"), old.get("Tags"))
    return created


async def _drop_bus(cx: Context, name: str) -> None:
    try:
        await _events(cx, "DeleteEventBus", {"Name": name})
    except ServiceError as exc:
        if exc.code not in _GONE:
            raise


async def delete_bus(cx: Context, r: Resource) -> None:
    if r.physical_id:
        await _drop_bus(cx, r.physical_id)


# --- archives ------------------------------------------------------------------------------------------


def _archive_settings(props: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if props.get("Description") is not None:
        out["Description"] = props["Description"]
    if props.get("EventPattern") is not None:
        out["EventPattern"] = json_text(props["EventPattern"])
    if props.get("RetentionDays") is not None:
        out["RetentionDays"] = props["RetentionDays"]
    if props.get("KmsKeyIdentifier") is not None:
        out["KmsKeyIdentifier"] = props["KmsKeyIdentifier"]
    return out


async def create_archive(cx: Context, r: Resource) -> Created:
    props = r.properties
    check.require(r, "SourceArn")
    name = props.get("ArchiveName") or cx.physical_name(r, 48)
    request = {"ArchiveName": name, "EventSourceArn": props.get("SourceArn"), **_archive_settings(props)}
    try:
        out = await _events(cx, "CreateArchive", request)
    except ServiceError as exc:
        if exc.code == "ResourceAlreadyExistsException":
            raise _exists(r.type, name) from exc
        raise
    return Created(name, {"Arn": out["ArchiveArn"], "ArchiveName": name})


async def update_archive(cx: Context, r: Resource) -> Created:
    name = r.physical_id
    assert name is not None
    settings = _archive_settings(r.properties)
    old = r.old_properties or {}
    if "Description" not in settings and old.get("Description") is not None:
        settings["Description"] = ""
    if "EventPattern" not in settings and old.get("EventPattern") is not None:
        settings["EventPattern"] = ""
    out = await _events(cx, "UpdateArchive", {"ArchiveName": name, **settings})
    return Created(name, {"Arn": out["ArchiveArn"], "ArchiveName": name})


async def delete_archive(cx: Context, r: Resource) -> None:
    if not r.physical_id:
        return
    try:
        await _events(cx, "DeleteArchive", {"ArchiveName": r.physical_id})
    except ServiceError as exc:
        if exc.code not in _GONE:
            raise


# --- event bus policies --------------------------------------------------------------------------------


def _policy_bus(r: Resource) -> str:
    return _bus_name(r.properties.get("EventBusName"))


async def put_bus_policy(cx: Context, r: Resource) -> Created:
    props = r.properties
    check.require(r, "StatementId")
    bus, sid = _policy_bus(r), props["StatementId"]
    statement = props.get("Statement")
    if statement is not None:
        if isinstance(statement, str):
            statement = json.loads(statement)
        described = await _events(cx, "DescribeEventBus", {"Name": bus})
        document = json.loads(described["Policy"]) if described.get("Policy") else {"Version": "2012-10-17"}
        statements = document.get("Statement") or []
        if isinstance(statements, dict):
            statements = [statements]
        statements = [s for s in statements if s.get("Sid") != sid]
        statements.append({**statement, "Sid": sid})
        document["Statement"] = statements
        await _events(cx, "PutPermission", {"EventBusName": bus, "Policy": json.dumps(document)})
    else:
        request: dict[str, Any] = {
            "EventBusName": bus,
            "StatementId": sid,
            "Action": props.get("Action"),
            "Principal": props.get("Principal"),
        }
        if props.get("Condition") is not None:
            request["Condition"] = props["Condition"]
        await _events(cx, "PutPermission", request)
    physical = r.physical_id or cx.physical_name(r, 64)
    return Created(physical, {})


async def delete_bus_policy(cx: Context, r: Resource) -> None:
    sid = r.properties.get("StatementId")
    if not sid:
        return
    try:
        await _events(cx, "RemovePermission", {"EventBusName": _policy_bus(r), "StatementId": sid})
    except ServiceError as exc:
        if exc.code not in _GONE:
            raise


# --- connections and API destinations ------------------------------------------------------------------


def _arn_for_policy(arn: str) -> str:
    """A connection's or API destination's ARN without its resource id suffix."""
    return arn.rsplit("/", 1)[0]


def _connection_request(props: dict[str, Any], name: str) -> dict[str, Any]:
    request: dict[str, Any] = {"Name": name}
    for key in (
        "Description",
        "AuthorizationType",
        "AuthParameters",
        "InvocationConnectivityParameters",
        "KmsKeyIdentifier",
    ):
        if props.get(key) is not None:
            request[key] = props[key]
    return request


async def _connection_created(cx: Context, name: str) -> Created:
    described = await _events(cx, "DescribeConnection", {"Name": name})
    arn = described["ConnectionArn"]
    attributes = {"Arn": arn, "ArnForPolicy": _arn_for_policy(arn)}
    if described.get("SecretArn"):
        attributes["SecretArn"] = described["SecretArn"]
    return Created(name, attributes)


async def create_connection(cx: Context, r: Resource) -> Created:
    name = r.properties.get("Name") or cx.physical_name(r, 64)
    try:
        await _events(cx, "CreateConnection", _connection_request(r.properties, name))
    except ServiceError as exc:
        if exc.code == "ResourceAlreadyExistsException":
            raise _exists(r.type, name) from exc
        raise
    return await _connection_created(cx, name)


async def update_connection(cx: Context, r: Resource) -> Created:
    assert r.physical_id is not None
    await _events(cx, "UpdateConnection", _connection_request(r.properties, r.physical_id))
    return await _connection_created(cx, r.physical_id)


async def delete_connection(cx: Context, r: Resource) -> None:
    if not r.physical_id:
        return
    try:
        await _events(cx, "DeleteConnection", {"Name": r.physical_id})
    except ServiceError as exc:
        if exc.code not in _GONE:
            raise


def _destination_request(props: dict[str, Any], name: str) -> dict[str, Any]:
    request: dict[str, Any] = {"Name": name}
    for key in (
        "Description",
        "ConnectionArn",
        "InvocationEndpoint",
        "HttpMethod",
        "InvocationRateLimitPerSecond",
    ):
        if props.get(key) is not None:
            request[key] = props[key]
    return request


def _destination_created(name: str, arn: str) -> Created:
    return Created(name, {"Arn": arn, "ArnForPolicy": _arn_for_policy(arn)})


async def create_destination(cx: Context, r: Resource) -> Created:
    check.require(r, "ConnectionArn", "InvocationEndpoint", "HttpMethod")
    name = r.properties.get("Name") or cx.physical_name(r, 64)
    try:
        out = await _events(cx, "CreateApiDestination", _destination_request(r.properties, name))
    except ServiceError as exc:
        if exc.code == "ResourceAlreadyExistsException":
            raise _exists(r.type, name) from exc
        raise
    return _destination_created(name, out["ApiDestinationArn"])


async def update_destination(cx: Context, r: Resource) -> Created:
    assert r.physical_id is not None
    out = await _events(cx, "UpdateApiDestination", _destination_request(r.properties, r.physical_id))
    return _destination_created(r.physical_id, out["ApiDestinationArn"])


async def delete_destination(cx: Context, r: Resource) -> None:
    if not r.physical_id:
        return
    try:
        await _events(cx, "DeleteApiDestination", {"Name": r.physical_id})
    except ServiceError as exc:
        if exc.code not in _GONE:
            raise


PROVIDERS: tuple[Provider, ...] = (
    Provider(
        "AWS::Events::Rule",
        create_rule,
        delete_rule,
        update_rule,
        properties=frozenset(
            (
                "Name",
                "EventBusName",
                "EventPattern",
                "ScheduleExpression",
                "State",
                "Description",
                "RoleArn",
                "Targets",
                "Tags",
            )
        ),
        replace_on=frozenset(("Name", "EventBusName")),
        attributes=frozenset(("Arn",)),
    ),
    Provider(
        "AWS::Events::EventBus",
        create_bus,
        delete_bus,
        update_bus,
        properties=frozenset(
            (
                "Name",
                "Description",
                "KmsKeyIdentifier",
                "DeadLetterConfig",
                "EventSourceName",
                "Policy",
                "Tags",
            )
        ),
        replace_on=frozenset(("Name", "EventSourceName")),
        attributes=frozenset(("Arn", "Name", "Policy")),
    ),
    Provider(
        "AWS::Events::Archive",
        create_archive,
        delete_archive,
        update_archive,
        properties=frozenset(
            ("ArchiveName", "SourceArn", "Description", "EventPattern", "RetentionDays", "KmsKeyIdentifier")
        ),
        replace_on=frozenset(("ArchiveName", "SourceArn")),
        attributes=frozenset(("Arn", "ArchiveName")),
    ),
    Provider(
        "AWS::Events::EventBusPolicy",
        put_bus_policy,
        delete_bus_policy,
        put_bus_policy,
        properties=frozenset(
            ("EventBusName", "StatementId", "Action", "Principal", "Condition", "Statement")
        ),
        replace_on=frozenset(("EventBusName", "StatementId")),
    ),
    Provider(
        "AWS::Events::Connection",
        create_connection,
        delete_connection,
        update_connection,
        properties=frozenset(
            (
                "Name",
                "Description",
                "AuthorizationType",
                "AuthParameters",
                "InvocationConnectivityParameters",
                "KmsKeyIdentifier",
            )
        ),
        replace_on=frozenset(("Name",)),
        attributes=frozenset(("Arn", "ArnForPolicy", "SecretArn")),
    ),
    Provider(
        "AWS::Events::ApiDestination",
        create_destination,
        delete_destination,
        update_destination,
        properties=frozenset(
            (
                "Name",
                "Description",
                "ConnectionArn",
                "InvocationEndpoint",
                "HttpMethod",
                "InvocationRateLimitPerSecond",
            )
        ),
        replace_on=frozenset(("Name",)),
        attributes=frozenset(("Arn", "ArnForPolicy")),
    ),
)
