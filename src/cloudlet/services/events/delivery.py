"""Routing an event through a bus and delivering it to the targets of the rules it matches.

`route` runs inside the caller's transaction (PutEvents, another bus, a replay or a schedule): the event
is archived, matched against the bus's index, and each target of each matching rule gets it. Queues,
topics, functions, other buses and log groups are written inline under a savepoint, so one refusing
target never undoes another. A failed delivery becomes an `events.deliver` timer row retried by the
target's RetryPolicy (exponential back-off, eb-rule-dlq.html) and finally goes to its DeadLetterConfig
queue with AWS's attributes, or is dropped. API destinations are always sent from a timer row, in a task
of their own, through `api_destinations.send`. Rows left by a crash fire again after restart.
"""

from __future__ import annotations

import asyncio
import importlib
import inspect
import logging
import os
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from cloudlet.core.clock import iso8601
from cloudlet.core.timers import Timer
from cloudlet.protocol.errors import ServiceError
from cloudlet.services.events import senders, store, transform
from cloudlet.services.events.senders import DeliveryFailed

if TYPE_CHECKING:
    from cloudlet.app import App
    from cloudlet.core.db import Tx
    from cloudlet.services.events.engine import Events

__all__ = [
    "DEFAULT_MAX_AGE_S",
    "DEFAULT_MAX_RETRIES",
    "TIMER_KIND",
    "Delivery",
    "DeliveryFailed",
    "backoff_s",
    "register",
    "route",
]

log = logging.getLogger(__name__)

TIMER_KIND = "events.deliver"
DEFAULT_MAX_RETRIES = 185  # RetryPolicy defaults (eb-rule-dlq.html): 185 attempts over 24 hours
DEFAULT_MAX_AGE_S = 86_400
FIRST_BACKOFF_S = 1.0
MAX_BACKOFF_S = 300.0
ALL_MANAGEMENT_EVENTS = "ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS"
LEASE_S = 60.0
"""A remote attempt in progress keeps its row this far in the future: a crash re-runs it then."""


@dataclass(slots=True)
class Delivery:
    """One event on its way to one target of one rule."""

    rule_arn: str
    rule_name: str
    target: dict[str, Any]
    event: dict[str, Any]
    ingested_at: float
    path: list[str] = field(default_factory=list)
    """The buses this event passed through (bus-to-bus loops stop at a bus seen before)."""
    attempts: int = 0
    key: str = field(default_factory=lambda: os.urandom(16).hex())

    def payload(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "rule_arn": self.rule_arn,
            "rule_name": self.rule_name,
            "target": self.target,
            "event": self.event,
            "ingested_at": self.ingested_at,
            "path": self.path,
            "attempts": self.attempts,
        }

    @classmethod
    def from_payload(cls, payload: dict[str, Any]) -> Delivery:
        return cls(
            payload["rule_arn"],
            payload["rule_name"],
            payload["target"],
            payload["event"],
            float(payload["ingested_at"]),
            list(payload.get("path") or []),
            int(payload.get("attempts", 0)),
            payload["key"],
        )

    def render(self) -> str:
        return transform.render(
            self.target, self.event, self.rule_arn, self.rule_name, iso8601(self.ingested_at)
        )


def backoff_s(attempts: int) -> float:
    """Delay before the retry that follows attempt number `attempts`: 1 s, 2 s, 4 s, … capped at 300 s."""
    return min(MAX_BACKOFF_S, FIRST_BACKOFF_S * 2.0 ** min(max(attempts - 1, 0), 16))


# -- routing ---------------------------------------------------------------------------------------


def route(
    app: App,
    events: Events,
    tx: Tx,
    bus: store.Bus,
    event: dict[str, Any],
    *,
    ingested_at: float,
    rule_names: list[str] | None = None,
    capture: bool = True,
    path: list[str] | None = None,
    read_only: bool = False,
    match: bool = True,
) -> int:
    """Archive `event` on `bus` (when `capture`), then deliver it to the targets of the bus's matching
    rules (or of the named rules only; with `match=False` the named rules take it whatever their
    pattern, as a rule's own Scheduled Event). A `read_only` API-call event reaches only rules in state
    ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS and is not archived (an archive's rule is ENABLED).
    Returns the number of matching rules."""
    path = [*(path or []), bus.arn]
    if capture and not read_only:
        _capture(tx, events, bus, event)
    matched = 0
    for rule, rule_targets in _matching(events, tx, bus, event, rule_names, match):
        if read_only and rule.state != ALL_MANAGEMENT_EVENTS:
            continue
        matched += 1
        for target in rule_targets:
            deliver(app, events, tx, Delivery(rule.arn, rule.name, target, event, ingested_at, path))
    return matched


def _matching(
    events: Events,
    tx: Tx,
    bus: store.Bus,
    event: dict[str, Any],
    rule_names: list[str] | None,
    match: bool = True,
) -> list[tuple[store.Rule, list[dict[str, Any]]]]:
    index = events.index(tx, bus.arn)
    if rule_names is None:
        return [(c.rule, c.targets) for c in index.candidates(event) if c.pattern.matches(event)]
    from cloudlet.core.patterns import compile_pattern
    from cloudlet.services.events.engine import rule_arn

    groups = (*index.by_source.values(), index.other)
    compiled = {entry.rule.arn: entry.pattern for group in groups for entry in group}
    found: list[tuple[store.Rule, list[dict[str, Any]]]] = []
    for name in rule_names:
        rule = store.get_rule(tx, rule_arn(bus.account, bus.region, bus.name, name))
        if rule is None or not rule.state.startswith("ENABLED"):
            continue
        if match and rule.event_pattern is not None:
            pattern = compiled.get(rule.arn)
            if pattern is None:
                try:
                    pattern = compile_pattern(rule.event_pattern, flavor="eventbridge")
                except Exception:
                    log.exception("rule %s has an unusable pattern", rule.arn)
                    continue
            if not pattern.matches(event):
                continue
        found.append((rule, store.targets_of(tx, rule.arn)))
    return found


def _capture(tx: Tx, events: Events, bus: store.Bus, event: dict[str, Any]) -> None:
    from cloudlet.services.events import archives

    archives.capture(tx, events, bus, event)


# -- one delivery ------------------------------------------------------------------------------------


def deliver(app: App, events: Events, tx: Tx, delivery: Delivery) -> None:
    """Deliver now (inline targets) or schedule the first attempt (API destinations), inside `tx`."""
    if senders.is_remote(delivery.target["Arn"]):
        _schedule(events, tx, delivery, events.clock.now())
        return
    delivery.attempts += 1
    failure = _attempt_inline(app, events, tx, delivery)
    if failure is not None:
        _failed(app, events, tx, delivery, failure)


def _attempt_inline(app: App, events: Events, tx: Tx, delivery: Delivery) -> DeliveryFailed | None:
    """One attempt under a savepoint: a refusal rolls back only this target's writes."""
    senders.preload(app, delivery.target["Arn"])
    try:
        with app.db.transaction() as inner:
            senders.send_inline(app, events, inner, delivery)
    except DeliveryFailed as failure:
        return failure
    except ServiceError as exc:
        return DeliveryFailed("SDK_CLIENT_ERROR", f"{exc.code}: {exc.message}", retryable=False)
    except Exception as exc:  # a bug: retry like a server-side error, and make it visible
        log.exception("delivery to %s raised", delivery.target["Arn"])
        app.work.record_failure(exc, f"events:deliver:{delivery.target['Arn']}")
        return DeliveryFailed("INTERNAL_ERROR", str(exc) or type(exc).__name__)
    return None


def _failed(app: App, events: Events, tx: Tx, delivery: Delivery, failure: DeliveryFailed) -> None:
    """Schedule the next attempt by the target's RetryPolicy, or dead-letter the event."""
    if not failure.counted:
        delivery.attempts -= 1
    policy = delivery.target.get("RetryPolicy") or {}
    max_retries = int(policy.get("MaximumRetryAttempts", DEFAULT_MAX_RETRIES))
    max_age = float(policy.get("MaximumEventAgeInSeconds", DEFAULT_MAX_AGE_S))
    retries = delivery.attempts - 1
    if not failure.retryable:
        _dead_letter(app, tx, delivery, failure, None)
        return
    if retries >= max_retries:
        _dead_letter(app, tx, delivery, failure, "MaximumRetryAttempts")
        return
    due = events.clock.now() + (backoff_s(delivery.attempts) if failure.counted else 0.0)
    if failure.retry_at is not None:
        due = max(due, failure.retry_at)
    if due - delivery.ingested_at > max_age:
        _dead_letter(app, tx, delivery, failure, "MaximumEventAgeInSeconds")
        return
    _schedule(events, tx, delivery, due)


def _schedule(events: Events, tx: Tx, delivery: Delivery, due: float) -> None:
    events.timers.schedule(tx, TIMER_KIND, due, delivery.payload(), key=delivery.key)


def _dead_letter(
    app: App, tx: Tx, delivery: Delivery, failure: DeliveryFailed, condition: str | None
) -> None:
    """Send the event to the target's DLQ with AWS's attributes (eb-rule-dlq.html), or drop it."""
    queue = (delivery.target.get("DeadLetterConfig") or {}).get("Arn")
    if not queue:
        log.info(
            "event %s to %s failed for good (%s); no dead-letter queue",
            delivery.event.get("id"),
            delivery.target["Arn"],
            failure,
        )
        return
    values = {
        "RULE_ARN": delivery.rule_arn,
        "TARGET_ARN": delivery.target["Arn"],
        "ERROR_CODE": failure.code,
        "ERROR_MESSAGE": failure.message[:1000] or failure.code,
        "RETRY_ATTEMPTS": str(max(delivery.attempts - 1, 0)),
    }
    if condition is not None:
        values["EXHAUSTED_RETRY_CONDITION"] = condition
    attributes = {name: {"DataType": "String", "StringValue": value} for name, value in values.items()}
    from cloudlet.services.sqs import api as sqs_api

    senders.preload(app, queue)
    try:
        with app.db.transaction() as inner:
            sqs_api.enqueue(
                app,
                inner,
                queue,
                transform.event_json(delivery.event),
                attributes=attributes,
                sender_id=senders.SENDER_ID,
            )
    except ServiceError as exc:
        log.warning("dead-letter queue %s refused event %s: %s", queue, delivery.event.get("id"), exc)


# -- retries from timer rows ---------------------------------------------------------------------------


class Retrier:
    """The `events.deliver` timer handler: inline targets are retried in the handler's transaction;
    remote ones are leased and sent from a task of their own (a slow endpoint holds up nothing else)."""

    def __init__(self, app: App, events: Events) -> None:
        self._app = app
        self._events = events
        self._tasks: set[asyncio.Task[None]] = set()

    def on_timer(self, timer: Timer) -> None:
        delivery = Delivery.from_payload(timer.payload)
        app, events = self._app, self._events
        if senders.is_remote(delivery.target["Arn"]):
            with app.db.transaction() as tx:
                events.timers.schedule(
                    tx, TIMER_KIND, events.clock.now() + LEASE_S, delivery.payload(), key=delivery.key
                )
            token = app.work.begin(f"events:deliver:{delivery.target['Arn']}")
            task = asyncio.get_running_loop().create_task(self._attempt_remote(delivery, token))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
            return
        with app.db.transaction() as tx:
            events.timers.cancel(tx, TIMER_KIND, delivery.key)
            delivery.attempts += 1
            failure = _attempt_inline(app, events, tx, delivery)
            if failure is not None:
                _failed(app, events, tx, delivery, failure)

    async def _attempt_remote(self, delivery: Delivery, token: int) -> None:
        app, events = self._app, self._events
        try:
            delivery.attempts += 1
            failure = await _send_remote(app, events, delivery)
            with app.db.transaction() as tx:
                events.timers.cancel(tx, TIMER_KIND, delivery.key)
                if failure is not None:
                    _failed(app, events, tx, delivery, failure)
        except Exception as exc:  # a bug: the lease brings the row back; make it visible
            log.exception("remote delivery to %s failed internally", delivery.target["Arn"])
            app.work.record_failure(exc, "events:deliver")
        finally:
            app.work.end(token)


async def _send_remote(app: App, events: Events, delivery: Delivery) -> DeliveryFailed | None:
    """Send to an API destination through `api_destinations.send`; the failure, or None."""
    try:
        module = importlib.import_module("cloudlet.services.events.api_destinations")
        send = module.send
    except (ImportError, AttributeError):
        return DeliveryFailed("NO_RESOURCE", "API destinations are not available")
    try:
        result = send(app, events, delivery.target, delivery.render())
        if inspect.isawaitable(result):
            await result
    except DeliveryFailed as failure:
        return failure
    except Exception as exc:  # api_destinations' errors carry code, retryable and retry_at
        code = getattr(exc, "code", None)
        code = code if isinstance(code, str) and code else "ERROR_FROM_TARGET"
        message = getattr(exc, "message", None) or str(exc) or type(exc).__name__
        retry_at = getattr(exc, "retry_at", None)
        return DeliveryFailed(
            code,
            message,
            retryable=bool(getattr(exc, "retryable", True)),
            retry_at=float(retry_at) if isinstance(retry_at, int | float) else None,
            counted=code != "ThrottlingException",
        )
    return None


def register(app: App, events: Events) -> None:
    """Register the `events.deliver` timer handler."""
    retrier = Retrier(app, events)
    app.timers.register(TIMER_KIND, retrier.on_timer)
