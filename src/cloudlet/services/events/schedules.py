"""Scheduled rules: one durable `events.schedule` timer row per enabled rule with a ScheduleExpression.

`check_expression` validates the text for PutRule; `on_rule_changed` keeps the rule's timer in step with
its row (PutRule, EnableRule, DisableRule, DeleteRule). When the timer fires, the rule's targets get AWS's
"Scheduled Event" through `api.deliver_to_rules`, and the row is moved to the next fire time in the same
transaction. Parsing and next-fire arithmetic live in `cron.py`.
"""

from __future__ import annotations

import logging
import uuid
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from cloudlet.core.timers import Timer
from cloudlet.services.events import cron, store
from cloudlet.services.events.errors import ValidationException

if TYPE_CHECKING:
    from cloudlet.app import App
    from cloudlet.core.db import Tx
    from cloudlet.services.events.engine import Events

__all__ = ["TIMER_KIND", "check_expression", "next_fire", "on_rule_changed", "register", "scheduled_event"]

log = logging.getLogger(__name__)

TIMER_KIND = "events.schedule"
INVALID_EXPRESSION = "Parameter ScheduleExpression is not valid."


def check_expression(text: str) -> None:
    """Validate a ScheduleExpression.

    Raises:
        ValidationException: "Parameter ScheduleExpression is not valid." (AWS's PutRule message).
    """
    try:
        cron.parse(text)
    except cron.ScheduleError:
        raise ValidationException(INVALID_EXPRESSION) from None


def next_fire(expression: str, after: float, anchor: float) -> float | None:
    """The first fire time of `expression` strictly after `after` (a rate counts from `anchor`)."""
    schedule = cron.parse(expression)
    if isinstance(schedule, cron.Rate):
        return schedule.next_after(after, anchor)
    return schedule.next_after(after)


def on_rule_changed(tx: Tx, events: Events, rule: store.Rule) -> None:
    """Bring the rule's timer in line with its stored row, inside the caller's transaction.

    Call it after writing (or deleting) the rule row. An enabled rule with a schedule gets a timer; a rate
    rule first fires one period after it is created or enabled (eb-scheduled-rule-pattern: "A rate
    expression starts when you create the scheduled event rule"). Re-putting an enabled rule with the same
    expression keeps its timer, so a rate keeps its phase. Disabled, deleted or pattern-only rules lose it.
    """
    current = store.get_rule(tx, rule.arn)
    if current is None or current.schedule is None or not current.state.startswith("ENABLED"):
        events.timers.cancel(tx, TIMER_KIND, rule.arn)
        return
    existing = events.timers.get(tx, TIMER_KIND, rule.arn)
    if existing is not None and existing.payload.get("expression") == current.schedule:
        return
    now = events.clock.now()
    _schedule(tx, events, current, anchor=now, after=now)


def _schedule(tx: Tx, events: Events, rule: store.Rule, anchor: float, after: float) -> None:
    assert rule.schedule is not None
    due = next_fire(rule.schedule, after, anchor)
    if due is None:  # a cron whose years are all past: it never fires again
        events.timers.cancel(tx, TIMER_KIND, rule.arn)
        return
    payload = {"expression": rule.schedule, "anchor": anchor}
    events.timers.schedule(tx, TIMER_KIND, due, payload, key=rule.arn)


def scheduled_event(rule: store.Rule, at: float) -> dict[str, Any]:
    """AWS's Scheduled Event for `rule` due at `at` (eb-run-lambda-schedule, "Scheduled Event" example)."""
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "account": rule.account,
        "time": datetime.fromtimestamp(int(at), UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "region": rule.region,
        "resources": [rule.arn],
        "detail": {},
    }


def register(app: App, events: Events) -> None:
    """Register the `events.schedule` timer handler."""

    def fire(timer: Timer) -> None:
        _fire(app, events, timer)

    app.timers.register(TIMER_KIND, fire)


def _fire(app: App, events: Events, timer: Timer) -> None:
    """Deliver one Scheduled Event and move the row on. Firings missed while the process was down (or the
    virtual clock jumped) collapse into this one, timed at the slot that was due."""
    from cloudlet.services.events import api

    assert timer.key is not None
    with app.db.transaction() as tx:
        rule = store.get_rule(tx, timer.key)
        expression = timer.payload.get("expression")
        if rule is None or rule.schedule != expression or not rule.state.startswith("ENABLED"):
            return  # a stale row (the rule was changed or removed since): drop it
        event = scheduled_event(rule, timer.due_at)
        api.deliver_to_rules(app, tx, rule.bus_arn, event, rule_names=[rule.name], match=False)
        anchor = float(timer.payload.get("anchor", timer.due_at))
        _schedule(tx, events, rule, anchor=anchor, after=events.clock.now())
