"""Rule operations: PutRule, DescribeRule, ListRules, EnableRule, DisableRule, DeleteRule,
ListRuleNamesByTarget, TestEventPattern. Rule rows live in `store.py`; every change drops the bus's
rule index and tells the scheduler (`schedules.on_rule_changed`)."""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING, Any

from cloudlet.core.patterns import PatternError, compile_pattern
from cloudlet.services.events import engine, schedules, store, tags
from cloudlet.services.events.errors import (
    InvalidEventPatternException,
    ManagedRuleException,
    ResourceNotFoundException,
    ValidationException,
)
from cloudlet.services.events.operations.buses import page, require_bus
from cloudlet.services.events.operations.common import state

if TYPE_CHECKING:
    import sqlite3

    from cloudlet.core.db import Tx
    from cloudlet.gateway.context import RequestContext

__all__ = [
    "delete_rule",
    "describe_rule",
    "disable_rule",
    "enable_rule",
    "list_rule_names_by_target",
    "list_rules",
    "put_rule",
    "test_event_pattern",
]

# The envelope fields TestEventPattern requires of its event. API_TestEventPattern also lists `resources`,
# but AWS accepts an event without it.
ENVELOPE = ("id", "account", "source", "time", "region", "detail-type")
NAME_PATTERN = r"[\.\-_A-Za-z0-9]+"
_NAME = re.compile(NAME_PATTERN)


# --- helpers -------------------------------------------------------------------------------------------


def check_name(value: str, where: str) -> None:
    """The model's name pattern, which AWS enforces and the generic validator leaves to services.

    Raises: ValidationException in AWS's request-validation wording.
    """
    if not _NAME.fullmatch(value):
        raise ValidationException(
            f"1 validation error detected: Value '{value}' at '{where}' failed to satisfy constraint:"
            f" Member must satisfy regular expression pattern: {NAME_PATTERN}"
        )


def require_rule(
    ctx: RequestContext, conn: sqlite3.Connection | Tx, name: str, bus: str | None
) -> store.Rule:
    """The rule `name` of the bus named (or ARN'd) by `bus`.

    Raises: ResourceNotFoundException (the bus or the rule).
    """
    found = require_bus(ctx, conn, bus)
    rule = store.get_rule(conn, engine.rule_arn(ctx.account_id, ctx.region, found.name, name))
    if rule is None:
        raise ResourceNotFoundException(f"Rule {name} does not exist on EventBus {found.name}.")
    return rule


def rule_changed(tx: Tx, events: engine.Events, rule: store.Rule) -> None:
    """After a rule row was written or deleted in `tx`: drop its bus's index, tell the scheduler."""
    events.invalidate(tx, rule.bus_arn)
    schedules.on_rule_changed(tx, events, rule)


def check_pattern(text: str) -> None:
    """Raises: InvalidEventPatternException with AWS's reason."""
    try:
        compile_pattern(text, flavor="eventbridge")
    except PatternError as exc:
        raise InvalidEventPatternException(exc.message) from None


def refuse_managed(rule: store.Rule, force: bool = False) -> None:
    """A rule an AWS service manages changes only through that service, or with Force where the API
    has it (DeleteRule, RemoveTargets).

    Raises: ManagedRuleException.
    """
    if rule.managed_by and not force:
        raise ManagedRuleException(
            f"Rule {rule.name} is managed by AWS service {rule.managed_by} and can only be modified by it."
        )


def _view(rule: store.Rule) -> dict[str, Any]:
    out: dict[str, Any] = {"Name": rule.name, "Arn": rule.arn}
    if rule.event_pattern is not None:
        out["EventPattern"] = rule.event_pattern
    if rule.schedule is not None:
        out["ScheduleExpression"] = rule.schedule
    out["State"] = rule.state
    if rule.description is not None:
        out["Description"] = rule.description
    if rule.role_arn is not None:
        out["RoleArn"] = rule.role_arn
    if rule.managed_by is not None:
        out["ManagedBy"] = rule.managed_by
    out["EventBusName"] = rule.bus_name
    return out


# --- operations ----------------------------------------------------------------------------------------


def put_rule(ctx: RequestContext, request: dict[str, Any]) -> dict[str, Any]:
    check_name(request["Name"], "name")
    pattern, schedule = request.get("EventPattern"), request.get("ScheduleExpression")
    if not pattern and not schedule:
        raise ValidationException("Parameter(s) EventPattern or ScheduleExpression must be specified.")
    if pattern:
        check_pattern(pattern)
    tag_list = tags.check(request.get("Tags") or [])
    events = state(ctx)
    with events.db.transaction() as tx:
        bus = require_bus(ctx, tx, request.get("EventBusName"))
        if schedule:
            if bus.name != engine.DEFAULT_BUS:
                raise ValidationException("ScheduleExpression is supported only on the default event bus.")
            schedules.check_expression(schedule)
        arn = engine.rule_arn(ctx.account_id, ctx.region, bus.name, request["Name"])
        old = store.get_rule(tx, arn)
        if old is not None:
            refuse_managed(old)
        # PutRule replaces the rule: members left out are cleared, targets and tags stay (API_PutRule).
        rule = store.Rule(
            arn,
            bus.arn,
            ctx.account_id,
            ctx.region,
            request["Name"],
            pattern or None,
            schedule or None,
            request.get("State") or "ENABLED",
            description=request.get("Description"),
            role_arn=request.get("RoleArn"),
            managed_by=old.managed_by if old else None,
            tags=tags.merge(old.tags if old else [], tag_list),
            created_at=old.created_at if old else events.clock.now(),
        )
        store.upsert_rule(tx, rule)
        rule_changed(tx, events, rule)
    return {"RuleArn": arn}


def describe_rule(ctx: RequestContext, request: dict[str, Any]) -> dict[str, Any]:
    with state(ctx).db.read() as conn:
        rule = require_rule(ctx, conn, request["Name"], request.get("EventBusName"))
    out = _view(rule)
    out["CreatedBy"] = rule.account
    return out


def list_rules(ctx: RequestContext, request: dict[str, Any]) -> dict[str, Any]:
    prefix = request.get("NamePrefix") or ""
    with state(ctx).db.read() as conn:
        bus = require_bus(ctx, conn, request.get("EventBusName"))
        rules = [r for r in store.rules_of_bus(conn, bus.arn) if r.name.startswith(prefix)]
    chosen, token = page(rules, request.get("NextToken"), request.get("Limit"))
    out: dict[str, Any] = {"Rules": [_view(rule) for rule in chosen]}
    if token:
        out["NextToken"] = token
    return out


def _set_state(ctx: RequestContext, request: dict[str, Any], new_state: str) -> None:
    events = state(ctx)
    with events.db.transaction() as tx:
        rule = require_rule(ctx, tx, request["Name"], request.get("EventBusName"))
        refuse_managed(rule)
        if rule.state == new_state:
            return
        rule.state = new_state
        store.upsert_rule(tx, rule)
        rule_changed(tx, events, rule)


def enable_rule(ctx: RequestContext, request: dict[str, Any]) -> None:
    _set_state(ctx, request, "ENABLED")


def disable_rule(ctx: RequestContext, request: dict[str, Any]) -> None:
    _set_state(ctx, request, "DISABLED")


def delete_rule(ctx: RequestContext, request: dict[str, Any]) -> None:
    events = state(ctx)
    force = bool(request.get("Force"))
    with events.db.transaction() as tx:
        bus = require_bus(ctx, tx, request.get("EventBusName"))
        rule = store.get_rule(tx, engine.rule_arn(ctx.account_id, ctx.region, bus.name, request["Name"]))
        if rule is None:
            return  # deleting a rule that does not exist succeeds
        refuse_managed(rule, force)
        # Targets must be removed first, Force or not (API_DeleteRule).
        if store.targets_of(tx, rule.arn):
            raise ValidationException("Rule can't be deleted since it has targets.")
        store.delete_rule(tx, rule.arn)
        rule_changed(tx, events, rule)


def list_rule_names_by_target(ctx: RequestContext, request: dict[str, Any]) -> dict[str, Any]:
    with state(ctx).db.read() as conn:
        bus = require_bus(ctx, conn, request.get("EventBusName"))
        names = store.rules_targeting(conn, request["TargetArn"], bus.arn)
    chosen, token = page(names, request.get("NextToken"), request.get("Limit"))
    out: dict[str, Any] = {"RuleNames": chosen}
    if token:
        out["NextToken"] = token
    return out


def test_event_pattern(ctx: RequestContext, request: dict[str, Any]) -> dict[str, Any]:
    try:
        event = json.loads(request["Event"])
    except ValueError:
        event = None
    if not isinstance(event, dict) or any(field not in event for field in ENVELOPE):
        raise ValidationException("Parameter Event is not valid.")
    try:
        pattern = compile_pattern(request["EventPattern"], flavor="eventbridge")
    except PatternError as exc:
        raise InvalidEventPatternException(exc.message) from None
    return {"Result": pattern.matches(event)}
