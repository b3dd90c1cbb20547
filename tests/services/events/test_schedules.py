"""Scheduled rules on the virtual clock: validation of ScheduleExpression, the Scheduled Event, rate and
cron firing times, disabling, re-putting, missed firings and restarts."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.services.events.conftest import bodies, drain, make_queue

MINUTE_S = 60


def iso(t: float) -> str:
    return datetime.fromtimestamp(int(t), UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def at(text: str) -> float:
    return datetime.fromisoformat(text).replace(tzinfo=UTC).timestamp()


@pytest.fixture
def queue(sqs: Any) -> tuple[str, str]:
    return make_queue(sqs, "ticks")


def scheduled(events: Any, queue: tuple[str, str], expression: str, name: str = "tick", **extra: Any) -> str:
    """A scheduled rule with the queue as its target; returns the rule ARN."""
    arn = events.put_rule(Name=name, ScheduleExpression=expression, **extra)["RuleArn"]
    events.put_targets(Rule=name, Targets=[{"Id": "q", "Arn": queue[1]}])
    return str(arn)


def ticks(cloudlet: Any, sqs: Any, queue: tuple[str, str], advance_s: float = 0) -> list[dict[str, Any]]:
    """Advance the clock, let due work finish, and return the events the queue received."""
    if advance_s:
        cloudlet.clock.advance(advance_s)
    cloudlet.settle()
    messages = drain(sqs, queue[0])
    for message in messages:  # so that none comes back when the clock passes its visibility timeout
        sqs.delete_message(QueueUrl=queue[0], ReceiptHandle=message["ReceiptHandle"])
    return bodies(messages)


# --- validation -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "expression",
    [
        "rate(1 minutes)",
        "rate(5 minute)",
        "rate(0 minutes)",
        "cron(0 10 * * *)",
        "cron(0 12 * * * *)",
        "daily",
    ],
)
def test_invalid_schedule_expression_is_a_validation_error(events: Any, expression: str) -> None:
    with pytest.raises(ClientError) as exc:
        events.put_rule(Name="r", ScheduleExpression=expression)
    response = exc.value.response
    assert response["Error"]["Code"] == "ValidationException"
    assert response["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert response["Error"]["Message"] == "Parameter ScheduleExpression is not valid."


def test_schedule_expression_is_described_as_sent(events: Any) -> None:
    events.put_rule(Name="r", ScheduleExpression="cron(0 9 ? * MON-FRI *)")
    assert events.describe_rule(Name="r")["ScheduleExpression"] == "cron(0 9 ? * MON-FRI *)"


# --- rate -----------------------------------------------------------------------------------------------


def test_rate_rule_delivers_aws_scheduled_event(cloudlet: Any, events: Any, sqs: Any, queue: Any) -> None:
    created = cloudlet.clock.now()
    rule_arn = scheduled(events, queue, "rate(5 minutes)")
    (event,) = ticks(cloudlet, sqs, queue, 5 * MINUTE_S)
    assert event.pop("id")
    assert event == {
        "version": "0",
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "account": "000000000000",
        "time": iso(created + 5 * MINUTE_S),
        "region": "us-east-1",
        "resources": [rule_arn],
        "detail": {},
    }


def test_rate_rule_fires_once_per_period(cloudlet: Any, events: Any, sqs: Any, queue: Any) -> None:
    created = cloudlet.clock.now()
    scheduled(events, queue, "rate(5 minutes)")
    times = [[e["time"] for e in ticks(cloudlet, sqs, queue, 5 * MINUTE_S)] for _ in range(3)]
    assert times == [[iso(created + k * 5 * MINUTE_S)] for k in (1, 2, 3)]


def test_rate_rule_does_not_fire_before_its_first_period(
    cloudlet: Any, events: Any, sqs: Any, queue: Any
) -> None:
    scheduled(events, queue, "rate(5 minutes)")
    assert ticks(cloudlet, sqs, queue, 5 * MINUTE_S - 1) == []


def test_missed_firings_collapse_into_one(cloudlet: Any, events: Any, sqs: Any, queue: Any) -> None:
    created = cloudlet.clock.now()
    scheduled(events, queue, "rate(1 minute)")
    assert [e["time"] for e in ticks(cloudlet, sqs, queue, 30 * MINUTE_S)] == [iso(created + MINUTE_S)]
    # the schedule keeps its phase afterwards
    assert [e["time"] for e in ticks(cloudlet, sqs, queue, MINUTE_S)] == [iso(created + 31 * MINUTE_S)]


def test_putting_the_same_schedule_again_keeps_its_phase(
    cloudlet: Any, events: Any, sqs: Any, queue: Any
) -> None:
    created = cloudlet.clock.now()
    scheduled(events, queue, "rate(5 minutes)")
    cloudlet.clock.advance(3 * MINUTE_S)
    events.put_rule(Name="tick", ScheduleExpression="rate(5 minutes)", Description="now described")
    assert [e["time"] for e in ticks(cloudlet, sqs, queue, 2 * MINUTE_S)] == [iso(created + 5 * MINUTE_S)]


def test_changing_the_schedule_restarts_it(cloudlet: Any, events: Any, sqs: Any, queue: Any) -> None:
    scheduled(events, queue, "rate(5 minutes)")
    cloudlet.clock.advance(3 * MINUTE_S)
    changed = cloudlet.clock.now()
    events.put_rule(Name="tick", ScheduleExpression="rate(10 minutes)")
    assert ticks(cloudlet, sqs, queue, 10 * MINUTE_S - 1) == []
    assert [e["time"] for e in ticks(cloudlet, sqs, queue, 1)] == [iso(changed + 10 * MINUTE_S)]


def test_schedule_fires_for_every_target(cloudlet: Any, events: Any, sqs: Any, queue: Any) -> None:
    other = make_queue(sqs, "tocks")
    scheduled(events, queue, "rate(1 minute)")
    events.put_targets(Rule="tick", Targets=[{"Id": "other", "Arn": other[1], "Input": '{"const": 1}'}])
    assert len(ticks(cloudlet, sqs, queue, MINUTE_S)) == 1
    assert bodies(drain(sqs, other[0])) == [{"const": 1}]


# --- state changes ------------------------------------------------------------------------------------


def test_disabled_rule_stops_firing(cloudlet: Any, events: Any, sqs: Any, queue: Any) -> None:
    scheduled(events, queue, "rate(1 minute)")
    assert len(ticks(cloudlet, sqs, queue, MINUTE_S)) == 1
    events.disable_rule(Name="tick")
    assert ticks(cloudlet, sqs, queue, 10 * MINUTE_S) == []


def test_rule_created_disabled_never_fires(cloudlet: Any, events: Any, sqs: Any, queue: Any) -> None:
    scheduled(events, queue, "rate(1 minute)", State="DISABLED")
    assert ticks(cloudlet, sqs, queue, 10 * MINUTE_S) == []


def test_enabled_rule_fires_one_period_after_enabling(
    cloudlet: Any, events: Any, sqs: Any, queue: Any
) -> None:
    scheduled(events, queue, "rate(5 minutes)", State="DISABLED")
    cloudlet.clock.advance(7 * MINUTE_S)
    enabled = cloudlet.clock.now()
    events.enable_rule(Name="tick")
    assert ticks(cloudlet, sqs, queue, 5 * MINUTE_S - 1) == []
    assert [e["time"] for e in ticks(cloudlet, sqs, queue, 1)] == [iso(enabled + 5 * MINUTE_S)]


def test_deleted_rule_stops_firing(cloudlet: Any, events: Any, sqs: Any, queue: Any) -> None:
    scheduled(events, queue, "rate(1 minute)")
    events.remove_targets(Rule="tick", Ids=["q"])
    events.delete_rule(Name="tick")
    events.put_rule(Name="tick", EventPattern='{"source": ["my.app"]}')  # same name, no schedule
    events.put_targets(Rule="tick", Targets=[{"Id": "q", "Arn": queue[1]}])
    assert ticks(cloudlet, sqs, queue, 10 * MINUTE_S) == []


def test_schedule_survives_a_restart(cloudlet: Any, events: Any, sqs: Any, queue: Any) -> None:
    created = cloudlet.clock.now()
    scheduled(events, queue, "rate(5 minutes)")
    cloudlet.clock.advance(2 * MINUTE_S)
    cloudlet.restart()
    sqs = cloudlet.client("sqs")  # no EventBridge call: the pending timer loads the service
    assert ticks(cloudlet, sqs, queue, 2 * MINUTE_S) == []
    assert [e["time"] for e in ticks(cloudlet, sqs, queue, MINUTE_S)] == [iso(created + 5 * MINUTE_S)]


# --- cron ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("cron(0 12 L * ? *)", "2031-01-31T12:00:00Z"),  # last day of the month
        ("cron(30 6 ? * 2#1 *)", "2031-01-06T06:30:00Z"),  # first Monday
        ("cron(0 0 4W * ? *)", "2031-01-03T00:00:00Z"),  # the 4th is a Saturday: Friday the 3rd
        ("cron(0 0 LW 2 ? *)", "2031-02-28T00:00:00Z"),  # last weekday of February
        ("cron(15 8 ? * 6L *)", "2031-01-31T08:15:00Z"),  # last Friday
        ("cron(0/20 * * * ? *)", "2031-01-01T00:20:00Z"),
    ],
)
def test_cron_rule_fires_at_its_next_time(
    cloudlet: Any, events: Any, sqs: Any, queue: Any, expression: str, expected: str
) -> None:
    cloudlet.clock.set(at("2031-01-01 00:00"))  # a Wednesday
    scheduled(events, queue, expression)
    due = at(expected.rstrip("Z"))
    assert ticks(cloudlet, sqs, queue, due - 1 - cloudlet.clock.now()) == []
    assert [e["time"] for e in ticks(cloudlet, sqs, queue, 1)] == [expected]


def test_cron_rule_fires_again_at_the_following_time(
    cloudlet: Any, events: Any, sqs: Any, queue: Any
) -> None:
    cloudlet.clock.set(at("2031-01-03 08:00"))
    scheduled(events, queue, "cron(0 9 ? * MON-FRI *)")
    cloudlet.clock.set(at("2031-01-03 09:00"))  # Friday
    assert [e["time"] for e in ticks(cloudlet, sqs, queue)] == ["2031-01-03T09:00:00Z"]
    cloudlet.clock.set(at("2031-01-06 09:00"))  # Monday, after a weekend without firings
    assert [e["time"] for e in ticks(cloudlet, sqs, queue)] == ["2031-01-06T09:00:00Z"]


def test_rule_with_pattern_and_schedule_fires_on_both(
    cloudlet: Any, events: Any, sqs: Any, queue: Any
) -> None:
    # AWS: such a rule "triggers on matching events as well as on a schedule"; its own Scheduled Event
    # does not have to match its pattern.
    scheduled(events, queue, "rate(5 minutes)", EventPattern='{"source": ["orders"]}')
    (tick,) = ticks(cloudlet, sqs, queue, 5 * MINUTE_S)
    assert tick["detail-type"] == "Scheduled Event"
    events.put_events(Entries=[{"Source": "orders", "DetailType": "placed", "Detail": "{}"}])
    events.put_events(Entries=[{"Source": "other", "DetailType": "placed", "Detail": "{}"}])
    assert [e["source"] for e in ticks(cloudlet, sqs, queue)] == ["orders"]
