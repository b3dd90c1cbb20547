"""What other services and EventBridge's own modules may call: putting events on buses, inside the
caller's transaction.

- `put_events`: PutEvents entries (AWS member names) → per-entry results, as PutEvents answers.
- `put_event`: one event from an AWS service (S3, CloudTrail, Lambda destinations); returns its id.
- `put_service_event`: an AWS service's already-built event onto its account's default bus.
- `deliver_to_rules`: an already-built event to a bus's matching rules, or to named rules only
  (replays, scheduled rules).
"""

from __future__ import annotations

import functools
import json
import time
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from cloudlet.core import ids
from cloudlet.core.arns import parse_arn
from cloudlet.services.events import delivery
from cloudlet.services.events.engine import DEFAULT_BUS

if TYPE_CHECKING:
    from cloudlet.app import App
    from cloudlet.core.db import Tx
    from cloudlet.services.events.engine import Events

__all__ = ["build_event", "bus_of", "check_entry", "deliver_to_rules", "put_event", "put_events"]

MAX_DETAIL_DEPTH = 1000  # "PutEvents will only process nested JSON up to 1000 levels deep"


def _state(app: App) -> Events:
    return app.service("events").state


def put_events(
    app: App,
    tx: Tx,
    account: str,
    region: str,
    entries: list[dict[str, Any]],
    *,
    replay_name: str | None = None,
    trusted: bool = True,
) -> list[dict[str, str]]:
    """Accept PutEvents `entries` from `account`/`region`: one `{"EventId"}` or `{"ErrorCode",
    "ErrorMessage"}` per entry, in order.

    Each accepted event is archived and delivered to its bus's matching rules inside `tx`. An event for
    a bus that does not exist is accepted and dropped, as AWS does. `trusted=False` (PutEvents from a
    client) refuses sources starting with `aws.`; services putting their own events keep the default.
    """
    if "events" not in app.specs:
        return [_error("InternalException", "EventBridge is not enabled.") for _ in entries]
    events = _state(app)
    now = events.clock.now()
    results: list[dict[str, str]] = []
    for entry in entries:
        problem = check_entry(entry, trusted=trusted)
        if problem is not None:
            results.append(problem)
            continue
        event = build_event(entry, account, region, now)
        if replay_name is not None:
            event["replay-name"] = replay_name
        results.append({"EventId": event["id"]})
        bus_account, bus_region, bus_name = bus_of(entry.get("EventBusName"), account, region)
        bus = events.bus(tx, bus_account, bus_region, bus_name)
        if bus is not None:
            delivery.route(app, events, tx, bus, event, ingested_at=now, capture=replay_name is None)
    return results


def put_event(
    app: App,
    tx: Tx,
    account: str,
    region: str,
    *,
    source: str,
    detail_type: str,
    detail: dict[str, Any],
    resources: list[str] | None = None,
    bus: str = DEFAULT_BUS,
    time: float | datetime | None = None,
) -> str | None:
    """Put one event (an AWS service's own: any source allowed) on `bus` (name or ARN); its id, or
    None when the entry was refused."""
    entry: dict[str, Any] = {
        "Source": source,
        "DetailType": detail_type,
        "Detail": json.dumps(detail, separators=(",", ":")),
        "Resources": list(resources or []),
        "EventBusName": bus,
    }
    if time is not None:
        entry["Time"] = time
    (result,) = put_events(app, tx, account, region, [entry])
    return result.get("EventId")


def put_service_event(app: App, tx: Tx, event: dict[str, Any], *, read_only: bool = False) -> bool:
    """Put an AWS service's built `event` (envelope with `account` and `region`) on that account's
    default bus: archived, then delivered to the matching rules. A `read_only` API-call event reaches
    only rules in state ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS. False when EventBridge is off."""
    if "events" not in app.specs:
        return False
    events = _state(app)
    bus = events.bus(tx, str(event["account"]), str(event["region"]), DEFAULT_BUS)
    if bus is None:
        return False
    delivery.route(app, events, tx, bus, event, ingested_at=events.clock.now(), read_only=read_only)
    return True


def deliver_to_rules(
    app: App,
    tx: Tx,
    bus_arn: str,
    event: dict[str, Any],
    rule_names: list[str] | None = None,
    replay_name: str | None = None,
    match: bool = True,
) -> int:
    """Send the built `event` to the enabled rules of `bus_arn` that match it (all of them, or the named
    ones; a named rule without a pattern always gets it, and with `match=False` the named rules get it
    whatever their pattern: a rule's own Scheduled Event). With `replay_name` the
    delivered event carries `"replay-name"`. Nothing is archived. Returns the number of rules reached;
    0 when the bus does not exist."""
    if "events" not in app.specs:
        return 0
    events = _state(app)
    parts = parse_arn(bus_arn)
    bus = events.bus(tx, parts.account, parts.region, parts.resource.partition("/")[2])
    if bus is None:
        return 0
    if replay_name is not None:
        event = {**event, "replay-name": replay_name}
    now = events.clock.now()
    return delivery.route(
        app, events, tx, bus, event, ingested_at=now, rule_names=rule_names, capture=False, match=match
    )


def check_entry(entry: dict[str, Any], *, trusted: bool = True) -> dict[str, str] | None:
    """The per-entry error AWS answers for `entry`, or None (test_events snapshots: InvalidArgument for a
    missing Source, DetailType or Detail; MalformedDetail when Detail is not a JSON object)."""
    for member in ("Source", "DetailType", "Detail"):
        if not entry.get(member):
            reason = f"{member} is a required argument."
            return _error("InvalidArgument", f"Parameter {member} is not valid. Reason: {reason}")
    if not trusted and str(entry["Source"]).startswith("aws."):
        return _error("NotAuthorizedForSourceException", "Not authorized for the source.")
    try:
        detail = json.loads(entry["Detail"])
    except (ValueError, RecursionError):
        return _error("MalformedDetail", "Detail is malformed.")
    if not isinstance(detail, dict) or _depth(detail) > MAX_DETAIL_DEPTH:
        return _error("MalformedDetail", "Detail is malformed.")
    return None


def build_event(entry: dict[str, Any], account: str, region: str, now: float) -> dict[str, Any]:
    """The event envelope in AWS's field order (eb-events.html); `entry` passed `check_entry`."""
    return {
        "version": "0",
        "id": ids.uuid4(),
        "detail-type": entry["DetailType"],
        "source": entry["Source"],
        "account": account,
        "time": _event_time(entry.get("Time"), now),
        "region": region,
        "resources": list(entry.get("Resources") or []),
        "detail": json.loads(entry["Detail"]),
    }


def bus_of(name_or_arn: str | None, account: str, region: str) -> tuple[str, str, str]:
    """(account, region, name) of the bus an entry names (name or ARN; the default bus when absent)."""
    if not name_or_arn:
        return account, region, DEFAULT_BUS
    if name_or_arn.startswith("arn:"):
        try:
            parts = parse_arn(name_or_arn)
        except ValueError:
            return account, region, name_or_arn
        return parts.account or account, parts.region or region, parts.resource.partition("/")[2]
    return account, region, name_or_arn


def _now_text(now: float) -> str:
    return _second_text(int(now))


@functools.lru_cache(maxsize=4)
def _second_text(second: int) -> str:
    """ISO-8601 UTC of a whole second (cached: the events of one second share it)."""
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(second))


def _event_time(value: Any, now: float) -> str:
    """ISO-8601 UTC to the second: the entry's Time, else now."""
    when: datetime
    if isinstance(value, datetime):
        when = value if value.tzinfo else value.replace(tzinfo=UTC)
    elif isinstance(value, int | float) and not isinstance(value, bool):
        when = datetime.fromtimestamp(value, UTC)
    elif isinstance(value, str) and value:
        try:
            when = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            when = datetime.fromtimestamp(now, UTC)
        when = when if when.tzinfo else when.replace(tzinfo=UTC)
    else:
        return _now_text(now)
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _depth(value: Any) -> int:
    """Nesting depth of a JSON value (iterative; objects and arrays count one level each)."""
    deepest = 0
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, dict):
            deepest = max(deepest, depth)
            stack.extend((child, depth + 1) for child in node.values())
        elif isinstance(node, list):
            deepest = max(deepest, depth)
            stack.extend((child, depth + 1) for child in node)
    return deepest


def _error(code: str, message: str) -> dict[str, str]:
    return {"ErrorCode": code, "ErrorMessage": message}
