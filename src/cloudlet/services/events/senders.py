"""Sending one event to one target, by the target ARN's service: SQS queues (FIFO with the target's
MessageGroupId and the queue's content-based deduplication), SNS topics, Lambda functions (asynchronous
invocation), event buses (the event enters that bus's rules, keeping its id) and CloudWatch Logs groups.

Every sender runs inside the caller's transaction and goes through the other service's `api.py`. A
missing target is `DeliveryFailed("NO_RESOURCE", retryable=False)`: EventBridge does not retry those
(eb-rule-dlq.html). API destinations are remote: `delivery` sends them from timer rows.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from cloudlet.core.arns import parse_arn
from cloudlet.core.clock import epoch_ms
from cloudlet.protocol.errors import ServiceError

if TYPE_CHECKING:
    from cloudlet.app import App
    from cloudlet.core.db import Tx
    from cloudlet.services.events.delivery import Delivery
    from cloudlet.services.events.engine import Events

__all__ = ["SENDER_ID", "DeliveryFailed", "is_remote", "preload", "send_inline"]

SENDER_ID = "AIDAJXNJGGKNS7OSV23OI"
"""The SenderId SQS reports for messages EventBridge delivers (a fixed service principal id)."""

_MISSING = frozenset({"QueueDoesNotExist", "NotFoundException", "ResourceNotFoundException"})


class DeliveryFailed(Exception):
    """A target refused an event. `code` is one of the DLQ ERROR_CODE values (eb-rule-dlq.html): e.g.
    NO_RESOURCE, NO_PERMISSIONS, SDK_CLIENT_ERROR, ERROR_FROM_TARGET, CONNECTION_FAILURE, THROTTLING,
    TIMEOUT, INTERNAL_ERROR. A non-retryable failure goes to the dead-letter queue at once."""

    def __init__(
        self,
        code: str,
        message: str,
        *,
        retryable: bool = True,
        retry_at: float | None = None,
        counted: bool = True,
    ) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.retryable = retryable
        self.retry_at = retry_at
        """The earliest clock time of the next attempt (a throttle, an endpoint's Retry-After)."""
        self.counted = counted
        """False when nothing was sent (a throttle): the attempt does not count against the policy."""


def is_remote(arn: str) -> bool:
    """True for an API destination (`arn:aws:events:…:api-destination/…`), sent from a timer row."""
    parts = arn.split(":", 5)
    return len(parts) == 6 and parts[2] == "events" and parts[5].startswith("api-destination/")


def preload(app: App, arn: str) -> None:
    """Load the service `arn` belongs to before a savepoint opens: a service's first use creates its
    tables in the open transaction, and rolling a savepoint back must not take them along."""
    parts = arn.split(":", 3)
    name = parts[2] if len(parts) > 2 else ""
    if name in _SENDERS and name in app.specs:
        app.service(name)


def send_inline(app: App, events: Events, tx: Tx, delivery: Delivery) -> None:
    """Deliver `delivery` inside `tx`.

    Raises:
        DeliveryFailed: the target refused it (NO_RESOURCE when it does not exist).
        ServiceError: the target's service refused it for another reason (SDK_CLIENT_ERROR).
    """
    arn = delivery.target["Arn"]
    try:
        parts = parse_arn(arn)
    except ValueError:
        raise DeliveryFailed("NO_RESOURCE", f"Target {arn} is not a valid ARN.", retryable=False) from None
    sender = _SENDERS.get(parts.service)
    if sender is None:
        raise DeliveryFailed(
            "NO_RESOURCE", f"Targets of service {parts.service} are not available.", retryable=False
        )
    try:
        sender(app, events, tx, delivery)
    except ServiceError as exc:
        if exc.code in _MISSING:
            raise DeliveryFailed(
                "NO_RESOURCE", exc.message or f"{arn} does not exist.", retryable=False
            ) from exc
        raise


def _sqs(app: App, events: Events, tx: Tx, delivery: Delivery) -> None:
    from cloudlet.services.sqs import api as sqs_api

    arn = delivery.target["Arn"]
    fifo = sqs_api.is_fifo_queue(app, arn)
    if fifo is None:
        raise DeliveryFailed("NO_RESOURCE", f"Queue {arn} does not exist.", retryable=False)
    group = (delivery.target.get("SqsParameters") or {}).get("MessageGroupId") if fifo else None
    sqs_api.enqueue(app, tx, arn, delivery.render(), group_id=group, sender_id=SENDER_ID)


def _sns(app: App, events: Events, tx: Tx, delivery: Delivery) -> None:
    from cloudlet.services.sns import api as sns_api

    sns_api.publish(app, tx, delivery.target["Arn"], delivery.render())


def _lambda(app: App, events: Events, tx: Tx, delivery: Delivery) -> None:
    from cloudlet.services.lambda_ import api as lambda_api

    lambda_api.invoke_async(app, tx, delivery.target["Arn"], delivery.render().encode())


def _bus(app: App, events: Events, tx: Tx, delivery: Delivery) -> None:
    """The event enters the target bus (same or another account or Region) unchanged: same id."""
    from cloudlet.services.events.delivery import route

    arn = delivery.target["Arn"]
    parts = parse_arn(arn)
    kind, _, name = parts.resource.partition("/")
    if kind != "event-bus" or not name:
        raise DeliveryFailed("NO_RESOURCE", f"Target {arn} is not an event bus.", retryable=False)
    bus = events.bus(tx, parts.account, parts.region, name)
    if bus is None:
        raise DeliveryFailed("NO_RESOURCE", f"Event bus {name} does not exist.", retryable=False)
    if bus.arn in delivery.path:
        return  # the event already passed through this bus: stop the loop here
    route(app, events, tx, bus, delivery.event, ingested_at=events.clock.now(), path=delivery.path)


def _logs(app: App, events: Events, tx: Tx, delivery: Delivery) -> None:
    """One log event in the group's stream named after the event id (`arn:…:log-group:NAME[:*]`)."""
    from cloudlet.services.logs import api as logs_api

    arn = delivery.target["Arn"]
    parts = parse_arn(arn)
    kind, _, name = parts.resource.partition(":")
    name = name.removesuffix(":*")
    if kind != "log-group" or not name:
        raise DeliveryFailed("NO_RESOURCE", f"Target {arn} is not a log group.", retryable=False)
    if "logs" not in app.specs or not logs_api.group_exists(app, parts.account, parts.region, name):
        raise DeliveryFailed("NO_RESOURCE", f"Log group {name} does not exist.", retryable=False)
    timestamp, message = log_record(delivery.render(), delivery.event, delivery.ingested_at)
    logs_api.append(
        app, parts.account, parts.region, name, str(delivery.event.get("id")), [(timestamp, message)]
    )


def log_record(body: str, event: dict[str, Any], ingested_at: float) -> tuple[int, str]:
    """(timestamp ms, message) of the log event: a transformed `{"timestamp", "message"}` object gives
    both; anything else is the message, stamped with the event's time."""
    stamp = _event_time_ms(event.get("time"), ingested_at)
    try:
        doc = json.loads(body)
    except ValueError:
        return stamp, body
    if isinstance(doc, dict) and "message" in doc and set(doc) <= {"timestamp", "message"}:
        message = doc["message"]
        text = message if isinstance(message, str) else json.dumps(message, separators=(",", ":"))
        return _event_time_ms(doc.get("timestamp"), ingested_at, stamp), text
    return stamp, body


def _event_time_ms(value: Any, ingested_at: float, default: int | None = None) -> int:
    if isinstance(value, bool):
        value = None
    if isinstance(value, int | float):
        return int(value)
    if isinstance(value, str):
        try:
            return epoch_ms(datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(UTC).timestamp())
        except ValueError:
            pass
    return default if default is not None else epoch_ms(ingested_at)


_SENDERS = {"sqs": _sqs, "sns": _sns, "lambda": _lambda, "events": _bus, "logs": _logs}
