"""Event bus operations: create, describe, update, delete, list; bus permissions (PutPermission,
RemovePermission: stored as the bus policy, not enforced); tags on buses and rules. Also the helpers
the other operation modules use to resolve a bus and to page a list."""

from __future__ import annotations

import base64
import binascii
import json
from typing import TYPE_CHECKING, Any

from cloudlet.services.events import engine, store, tags
from cloudlet.services.events.errors import (
    ResourceAlreadyExistsException,
    ResourceNotFoundException,
    ValidationException,
)
from cloudlet.services.events.operations.common import state

if TYPE_CHECKING:
    import sqlite3

    from cloudlet.core.db import Tx
    from cloudlet.gateway.context import RequestContext

__all__ = [
    "create_event_bus",
    "delete_event_bus",
    "describe_event_bus",
    "list_event_buses",
    "list_tags_for_resource",
    "put_permission",
    "remove_permission",
    "tag_resource",
    "untag_resource",
    "update_event_bus",
]

DEFAULT_PAGE = 100


# --- helpers shared by the operation modules -----------------------------------------------------------


def bus_name_of(value: str | None) -> str:
    """The bus name of an `EventBusName` member (a name or an event-bus ARN; absent → `default`)."""
    if not value:
        return engine.DEFAULT_BUS
    if value.startswith("arn:") and ":event-bus/" in value:
        return value.split(":event-bus/", 1)[1]
    return value


def require_bus(ctx: RequestContext, conn: sqlite3.Connection | Tx, value: str | None) -> store.Bus:
    """The bus named (or ARN'd) by `value` in the caller's account and region.

    Raises: ResourceNotFoundException.
    """
    name = bus_name_of(value)
    bus = state(ctx).bus(conn, ctx.account_id, ctx.region, name)
    if bus is None:
        raise ResourceNotFoundException(f"Event bus {name} does not exist.")
    return bus


def page(items: list[Any], token: str | None, limit: int | None) -> tuple[list[Any], str | None]:
    """One page of `items` from the opaque `token`, at most `limit` long, and the next token.

    Raises: ValidationException (a token this function did not produce).
    """
    start = 0
    if token:
        try:
            start = int(base64.urlsafe_b64decode(token.encode()).decode().removeprefix("offset:"))
        except (ValueError, binascii.Error, UnicodeDecodeError):
            raise ValidationException("The NextToken provided is invalid.") from None
        if start < 0:
            raise ValidationException("The NextToken provided is invalid.")
    end = start + (limit or DEFAULT_PAGE)
    following = base64.urlsafe_b64encode(f"offset:{end}".encode()).decode() if end < len(items) else None
    return items[start:end], following


# --- buses ---------------------------------------------------------------------------------------------


def _check_name(request: dict[str, Any]) -> None:
    """API_CreateEventBus: custom bus names can't contain '/'; partner buses need a partner event source,
    and none exist here."""
    if request.get("EventSourceName"):
        raise ResourceNotFoundException(f"Event source {request['EventSourceName']} does not exist.")
    if "/" in request["Name"]:
        raise ValidationException("Event bus name must not contain '/'.")


def create_event_bus(ctx: RequestContext, request: dict[str, Any]) -> dict[str, Any]:
    name = request["Name"]
    _check_name(request)
    tag_list = tags.check(request.get("Tags") or [])
    events = state(ctx)
    now = events.clock.now()
    bus = store.Bus(
        engine.bus_arn(ctx.account_id, ctx.region, name),
        ctx.account_id,
        ctx.region,
        name,
        description=request.get("Description"),
        kms_key=request.get("KmsKeyIdentifier"),
        dead_letter=request.get("DeadLetterConfig") or None,
        tags=tag_list,
        created_at=now,
        modified_at=now,
    )
    with events.db.transaction() as tx:
        events.bus(tx, ctx.account_id, ctx.region, engine.DEFAULT_BUS)
        if store.get_bus(tx, bus.arn) is not None:
            raise ResourceAlreadyExistsException(f"Event bus {name} already exists.")
        store.insert_bus(tx, bus)
    out: dict[str, Any] = {"EventBusArn": bus.arn}
    for member in ("Description", "KmsKeyIdentifier", "DeadLetterConfig"):
        if request.get(member):
            out[member] = request[member]
    return out


def _describe(bus: store.Bus) -> dict[str, Any]:
    out: dict[str, Any] = {"Name": bus.name, "Arn": bus.arn}
    if bus.description:
        out["Description"] = bus.description
    if bus.kms_key:
        out["KmsKeyIdentifier"] = bus.kms_key
    if bus.dead_letter:
        out["DeadLetterConfig"] = bus.dead_letter
    if bus.policy:
        out["Policy"] = bus.policy
    out["CreationTime"] = bus.created_at
    out["LastModifiedTime"] = bus.modified_at
    return out


def describe_event_bus(ctx: RequestContext, request: dict[str, Any]) -> dict[str, Any]:
    with state(ctx).db.read() as conn:
        return _describe(require_bus(ctx, conn, request.get("Name")))


def update_event_bus(ctx: RequestContext, request: dict[str, Any]) -> dict[str, Any]:
    events = state(ctx)
    with events.db.transaction() as tx:
        bus = require_bus(ctx, tx, request.get("Name"))
        # UpdateEventBus replaces the settings it is given; absent ones are cleared (API_UpdateEventBus).
        bus.description = request.get("Description")
        bus.kms_key = request.get("KmsKeyIdentifier")
        bus.dead_letter = request.get("DeadLetterConfig") or None
        bus.modified_at = events.clock.now()
        store.update_bus(tx, bus)
    out: dict[str, Any] = {"Arn": bus.arn, "Name": bus.name}
    if bus.description:
        out["Description"] = bus.description
    if bus.kms_key:
        out["KmsKeyIdentifier"] = bus.kms_key
    if bus.dead_letter:
        out["DeadLetterConfig"] = bus.dead_letter
    return out


def delete_event_bus(ctx: RequestContext, request: dict[str, Any]) -> None:
    name = request["Name"]
    if name == engine.DEFAULT_BUS:
        raise ValidationException("Cannot delete event bus default.")
    events = state(ctx)
    arn = engine.bus_arn(ctx.account_id, ctx.region, name)
    with events.db.transaction() as tx:
        # Deleting a bus that does not exist succeeds (API_DeleteEventBus is idempotent); its rules and
        # their targets go with it.
        if store.get_bus(tx, arn) is None:
            return
        rules = store.rules_of_bus(tx, arn)
        for rule in rules:
            store.delete_rule(tx, rule.arn)
        store.delete_bus(tx, arn)
        events.invalidate(tx, arn)
        from cloudlet.services.events.operations.rules import rule_changed

        for rule in rules:
            rule_changed(tx, events, rule)


def list_event_buses(ctx: RequestContext, request: dict[str, Any]) -> dict[str, Any]:
    events = state(ctx)
    prefix = request.get("NamePrefix") or ""
    with events.db.read() as conn:
        events.bus(conn, ctx.account_id, ctx.region, engine.DEFAULT_BUS)
        buses = [b for b in store.list_buses(conn, ctx.account_id, ctx.region) if b.name.startswith(prefix)]
    chosen, token = page(buses, request.get("NextToken"), request.get("Limit"))
    out: dict[str, Any] = {"EventBuses": [_listed(bus) for bus in chosen]}
    if token:
        out["NextToken"] = token
    return out


def _listed(bus: store.Bus) -> dict[str, Any]:
    out: dict[str, Any] = {"Name": bus.name, "Arn": bus.arn}
    if bus.description:
        out["Description"] = bus.description
    if bus.policy:
        out["Policy"] = bus.policy
    out["CreationTime"] = bus.created_at
    out["LastModifiedTime"] = bus.modified_at
    return out


# --- permissions ---------------------------------------------------------------------------------------


def put_permission(ctx: RequestContext, request: dict[str, Any]) -> None:
    events = state(ctx)
    with events.db.transaction() as tx:
        bus = require_bus(ctx, tx, request.get("EventBusName"))
        if request.get("Policy"):
            bus.policy = _policy_document(request["Policy"])
        else:
            bus.policy = _add_statement(bus, request)
        bus.modified_at = events.clock.now()
        store.update_bus(tx, bus)


def _policy_document(text: str) -> str:
    try:
        document = json.loads(text)
    except ValueError:
        raise ValidationException(
            "Parameter Policy is not valid. Reason: Policy is not valid JSON."
        ) from None
    if not isinstance(document, dict) or not isinstance(document.get("Statement"), list | dict):
        raise ValidationException("Parameter Policy is not valid. Reason: Statement is required.")
    return json.dumps(document, separators=(",", ":"))


def _add_statement(bus: store.Bus, request: dict[str, Any]) -> str:
    missing = [m for m in ("Action", "Principal", "StatementId") if not request.get(m)]
    if missing:
        raise ValidationException(f"Parameter(s) {', '.join(missing)} must be specified.")
    action, principal, sid = request["Action"], request["Principal"], request["StatementId"]
    if action != "events:PutEvents":
        raise ValidationException("Provided value in parameter 'action' is not supported.")
    condition = request.get("Condition")
    statement: dict[str, Any] = {
        "Sid": sid,
        "Effect": "Allow",
        "Principal": "*" if principal == "*" else {"AWS": f"arn:aws:iam::{principal}:root"},
        "Action": action,
        "Resource": bus.arn,
    }
    if condition:
        statement["Condition"] = {condition["Type"]: {_condition_key(condition["Key"]): condition["Value"]}}
    document = json.loads(bus.policy) if bus.policy else {"Version": "2012-10-17", "Statement": []}
    statements = document.get("Statement")
    if isinstance(statements, dict):
        statements = [statements]
    statements = [s for s in statements or [] if s.get("Sid") != sid]
    statements.append(statement)
    document["Statement"] = statements
    return json.dumps(document, separators=(",", ":"))


def _condition_key(key: str) -> str:
    return key if ":" in key else f"aws:{key}"


def remove_permission(ctx: RequestContext, request: dict[str, Any]) -> None:
    events = state(ctx)
    with events.db.transaction() as tx:
        bus = require_bus(ctx, tx, request.get("EventBusName"))
        if request.get("RemoveAllPermissions"):
            bus.policy = None
        else:
            sid = request.get("StatementId")
            if not sid:
                raise ValidationException("Parameter StatementId is required.")
            if not bus.policy:
                raise ResourceNotFoundException("EventBus does not have a policy.")
            document = json.loads(bus.policy)
            statements = document.get("Statement") or []
            if isinstance(statements, dict):
                statements = [statements]
            kept = [s for s in statements if s.get("Sid") != sid]
            if len(kept) == len(statements):
                raise ResourceNotFoundException("Statement with the provided id does not exist.")
            document["Statement"] = kept
            bus.policy = json.dumps(document, separators=(",", ":")) if kept else None
        bus.modified_at = events.clock.now()
        store.update_bus(tx, bus)


# --- tags ----------------------------------------------------------------------------------------------


def _with_default(ctx: RequestContext, conn: sqlite3.Connection | Tx) -> None:
    state(ctx).bus(conn, ctx.account_id, ctx.region, engine.DEFAULT_BUS)


def tag_resource(ctx: RequestContext, request: dict[str, Any]) -> None:
    arn, new = request["ResourceARN"], tags.check(request["Tags"])
    with state(ctx).db.transaction() as tx:
        _with_default(ctx, tx)
        tags.write(tx, arn, tags.merge(tags.read(tx, arn), new))


def untag_resource(ctx: RequestContext, request: dict[str, Any]) -> None:
    arn = request["ResourceARN"]
    with state(ctx).db.transaction() as tx:
        _with_default(ctx, tx)
        tags.write(tx, arn, tags.without(tags.read(tx, arn), request.get("TagKeys") or []))


def list_tags_for_resource(ctx: RequestContext, request: dict[str, Any]) -> dict[str, Any]:
    with state(ctx).db.read() as conn:
        _with_default(ctx, conn)
        current = tags.read(conn, request["ResourceARN"])
    return {"Tags": [{"Key": k, "Value": v} for k, v in current]}
