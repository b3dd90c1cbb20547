"""EventBridge replays: StartReplay re-sends an archive's events of a time window to the rules of its
bus (or the FilterArns rules) with `replay-name` set; DescribeReplay, ListReplays, CancelReplay; errors.

Expected answers follow the EventBridge API reference and real-AWS recordings (localstack's
tests/aws/services/events/test_archive_and_replay.snapshot.json).
"""

from __future__ import annotations

import json
import math
import sqlite3
from datetime import UTC, datetime
from typing import Any

import pytest
from botocore.exceptions import ClientError
from hypothesis import given, settings
from hypothesis import strategies as st

from cloudlet.core.db import Tx
from cloudlet.services.events import archives, store
from tests.services.events.conftest import make_queue

ACCOUNT = "000000000000"
REGION = "us-east-1"
DEFAULT_BUS = f"arn:aws:events:{REGION}:{ACCOUNT}:event-bus/default"
HOUR_S = 3600
START_DELAY_S = 60  # a replay processes its first 1-minute interval a minute after it starts


def error_of(exc_info: Any) -> tuple[str, int, str]:
    response = exc_info.value.response
    return (
        response["Error"]["Code"],
        response["ResponseMetadata"]["HTTPStatusCode"],
        response["Error"].get("Message", ""),
    )


def at(ts: float) -> datetime:
    return datetime.fromtimestamp(ts, tz=UTC)


def put(events: Any, n: int, source: str = "shop", bus: str | None = None) -> None:
    entry: dict[str, Any] = {"Source": source, "DetailType": "order", "Detail": json.dumps({"n": n})}
    if bus:
        entry["EventBusName"] = bus
    assert events.put_events(Entries=[entry])["FailedEntryCount"] == 0


def take(sqs: Any, url: str) -> list[dict[str, Any]]:
    """Receive and delete every visible message; their bodies (events)."""
    out: list[dict[str, Any]] = []
    while True:
        got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])
        if not got:
            return out
        for message in got:
            out.append(json.loads(message["Body"]))
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])


def route(events: Any, sqs: Any, rule: str, queue: str, source: str = "shop") -> str:
    """A rule for `source` events with a queue target; returns the queue URL."""
    url, arn = make_queue(sqs, queue)
    events.put_rule(Name=rule, EventPattern=json.dumps({"source": [source]}))
    events.put_targets(Rule=rule, Targets=[{"Id": "q", "Arn": arn}])
    return url


@pytest.fixture
def hour(cloudlet: Any) -> float:
    """The start of the next whole hour; the clock is set ten minutes before it."""
    start = math.ceil(cloudlet.clock.now() / HOUR_S) * HOUR_S + HOUR_S
    cloudlet.clock.set(start - 600)
    return float(start)


@pytest.fixture
def archive(events: Any) -> str:
    """An archive of the default bus's `shop` events (not the API-call events these tests cause)."""
    pattern = json.dumps({"source": ["shop"]})
    return events.create_archive(ArchiveName="all", EventSourceArn=DEFAULT_BUS, EventPattern=pattern)[
        "ArchiveArn"
    ]


def start(events: Any, archive: str, begin: float, end: float, name: str = "r", **extra: Any) -> dict:
    destination = {"Arn": DEFAULT_BUS, **extra.pop("destination", {})}
    return events.start_replay(
        ReplayName=name,
        EventSourceArn=archive,
        EventStartTime=at(begin),
        EventEndTime=at(end),
        Destination=destination,
        **extra,
    )


def run(cloudlet: Any) -> None:
    cloudlet.clock.advance(START_DELAY_S)
    cloudlet.settle()


# --- the done-when ---------------------------------------------------------------------------------------


def test_replay_of_an_archived_hour_redelivers_exactly_the_archived_events(
    cloudlet: Any, events: Any, sqs: Any, archive: str, hour: float
) -> None:
    # Given events before, inside and after the hour [hour, hour + 1h), each delivered once already
    url = route(events, sqs, "orders", "orders")
    offsets = {"before": -600, "first": 0, "middle": 1800, "last": HOUR_S - 1, "end": HOUR_S, "after": 4200}
    for label, offset in offsets.items():
        cloudlet.clock.set(hour + offset)
        put(events, offsets[label])
    cloudlet.settle()
    originals = {e["detail"]["n"]: e for e in take(sqs, url)}
    assert len(originals) == len(offsets)

    # When the hour is replayed
    out = start(events, archive, hour, hour + HOUR_S, name="the-hour")
    assert out["State"] == "STARTING"
    run(cloudlet)

    # Then exactly the events inside the hour arrive again, each once, marked with the replay's name
    replayed = take(sqs, url)
    assert sorted(e["detail"]["n"] for e in replayed) == [0, 1800, HOUR_S - 1]
    for event in replayed:
        original = originals[event["detail"]["n"]]
        assert event["replay-name"] == "the-hour"
        assert {k: v for k, v in event.items() if k != "replay-name"} == original
    described = events.describe_replay(ReplayName="the-hour")
    assert described["State"] == "COMPLETED"
    assert described["EventLastReplayedTime"] == at(hour + HOUR_S - 1)


def test_replayed_events_are_delivered_in_time_order(
    cloudlet: Any, events: Any, sqs: Any, archive: str, hour: float
) -> None:
    url = route(events, sqs, "orders", "orders")
    for offset in (10, 20, 30):
        cloudlet.clock.set(hour + offset)
        put(events, offset)
    cloudlet.settle()
    take(sqs, url)
    start(events, archive, hour, hour + HOUR_S)
    run(cloudlet)
    assert [e["detail"]["n"] for e in take(sqs, url)] == [10, 20, 30]


def test_replay_places_replay_name_after_region(
    cloudlet: Any, events: Any, sqs: Any, archive: str, hour: float
) -> None:
    url = route(events, sqs, "orders", "orders")
    cloudlet.clock.set(hour)
    put(events, 1)
    cloudlet.settle()
    take(sqs, url)
    start(events, archive, hour, hour + HOUR_S)
    run(cloudlet)
    (event,) = take(sqs, url)
    keys = list(event)
    assert keys[keys.index("region") + 1] == "replay-name"


def test_replay_larger_than_a_batch_delivers_every_event_once(
    cloudlet: Any, events: Any, sqs: Any, archive: str, hour: float
) -> None:
    url = route(events, sqs, "orders", "orders")
    cloudlet.clock.set(hour)
    for chunk in range(25):
        entries = [
            {"Source": "shop", "DetailType": "order", "Detail": json.dumps({"n": chunk * 10 + i})}
            for i in range(10)
        ]
        assert events.put_events(Entries=entries)["FailedEntryCount"] == 0
    cloudlet.settle()
    assert len(take(sqs, url)) == 250
    start(events, archive, hour, hour + HOUR_S)
    run(cloudlet)
    replayed = take(sqs, url)
    assert sorted(e["detail"]["n"] for e in replayed) == list(range(250))
    assert events.describe_replay(ReplayName="r")["State"] == "COMPLETED"


def test_replay_with_filter_arns_reaches_only_those_rules(
    cloudlet: Any, events: Any, sqs: Any, archive: str, hour: float
) -> None:
    chosen = route(events, sqs, "chosen", "chosen")
    other = route(events, sqs, "other", "other")
    cloudlet.clock.set(hour)
    put(events, 1)
    cloudlet.settle()
    take(sqs, chosen), take(sqs, other)
    rule_arn = f"arn:aws:events:{REGION}:{ACCOUNT}:rule/chosen"
    start(events, archive, hour, hour + HOUR_S, destination={"FilterArns": [rule_arn]})
    run(cloudlet)
    assert [e["detail"]["n"] for e in take(sqs, chosen)] == [1]
    assert take(sqs, other) == []


def test_replayed_events_are_not_archived_again(
    cloudlet: Any, events: Any, sqs: Any, archive: str, hour: float
) -> None:
    route(events, sqs, "orders", "orders")
    cloudlet.clock.set(hour)
    put(events, 1)
    start(events, archive, hour, hour + HOUR_S)
    run(cloudlet)
    assert events.describe_replay(ReplayName="r")["State"] == "COMPLETED"
    assert events.describe_archive(ArchiveName="all")["EventCount"] == 1


def test_replay_of_an_empty_window_completes_without_last_replayed_time(
    cloudlet: Any, events: Any, archive: str, hour: float
) -> None:
    start(events, archive, hour, hour + HOUR_S)
    run(cloudlet)
    described = events.describe_replay(ReplayName="r")
    assert described["State"] == "COMPLETED"
    assert "EventLastReplayedTime" not in described
    assert "ReplayEndTime" in described


def test_replay_survives_a_restart(cloudlet: Any, events: Any, sqs: Any, archive: str, hour: float) -> None:
    url = route(events, sqs, "orders", "orders")
    cloudlet.clock.set(hour)
    put(events, 1)
    cloudlet.settle()
    take(sqs, url)
    start(events, archive, hour, hour + HOUR_S)
    cloudlet.restart()
    events, sqs = cloudlet.client("events"), cloudlet.client("sqs")
    events.list_replays()  # the service loads (and registers its timer handlers) on first use
    run(cloudlet)
    assert [e["detail"]["n"] for e in take(sqs, url)] == [1]


def test_replay_of_a_deleted_archive_fails(cloudlet: Any, events: Any, archive: str, hour: float) -> None:
    start(events, archive, hour, hour + HOUR_S)
    events.delete_archive(ArchiveName="all")
    run(cloudlet)
    described = events.describe_replay(ReplayName="r")
    assert (described["State"], described["StateReason"]) == ("FAILED", "Archive all does not exist.")


# --- describe, list, cancel ------------------------------------------------------------------------------


def test_describe_replay_before_it_runs_is_starting(events: Any, archive: str, hour: float) -> None:
    start(events, archive, hour, hour + HOUR_S, Description="again")
    out = events.describe_replay(ReplayName="r")
    out.pop("ResponseMetadata")
    assert out.pop("ReplayStartTime")
    assert out == {
        "ReplayName": "r",
        "ReplayArn": f"arn:aws:events:{REGION}:{ACCOUNT}:replay/r",
        "Description": "again",
        "State": "STARTING",
        "EventSourceArn": archive,
        "Destination": {"Arn": DEFAULT_BUS},
        "EventStartTime": at(hour),
        "EventEndTime": at(hour + HOUR_S),
    }


def test_describe_unknown_replay_is_resource_not_found(events: Any) -> None:
    with pytest.raises(ClientError) as exc:
        events.describe_replay(ReplayName="nope")
    assert error_of(exc) == ("ResourceNotFoundException", 400, "Replay nope does not exist.")


def test_cancel_replay_stops_it_before_any_event_is_sent(
    cloudlet: Any, events: Any, sqs: Any, archive: str, hour: float
) -> None:
    url = route(events, sqs, "orders", "orders")
    cloudlet.clock.set(hour)
    put(events, 1)
    cloudlet.settle()
    take(sqs, url)
    start(events, archive, hour, hour + HOUR_S)
    out = events.cancel_replay(ReplayName="r")
    assert (out["ReplayArn"], out["State"]) == (f"arn:aws:events:{REGION}:{ACCOUNT}:replay/r", "CANCELLING")
    run(cloudlet)
    described = events.describe_replay(ReplayName="r")
    assert described["State"] == "CANCELLED"
    assert "ReplayEndTime" in described
    assert take(sqs, url) == []


def test_cancel_completed_replay_is_illegal_status(
    cloudlet: Any, events: Any, archive: str, hour: float
) -> None:
    start(events, archive, hour, hour + HOUR_S)
    run(cloudlet)
    with pytest.raises(ClientError) as exc:
        events.cancel_replay(ReplayName="r")
    assert error_of(exc) == (
        "IllegalStatusException",
        400,
        "Replay r is not in a valid state for this operation.",
    )


def test_cancel_unknown_replay_is_resource_not_found(events: Any) -> None:
    with pytest.raises(ClientError) as exc:
        events.cancel_replay(ReplayName="nope")
    assert error_of(exc) == ("ResourceNotFoundException", 400, "Replay nope does not exist.")


def test_list_replays_filters_by_prefix_state_and_source(
    cloudlet: Any, events: Any, archive: str, hour: float
) -> None:
    start(events, archive, hour, hour + HOUR_S, name="a-1")
    run(cloudlet)
    start(events, archive, hour, hour + HOUR_S, name="a-2")
    start(events, archive, hour, hour + HOUR_S, name="b-1")

    def names(**filters: Any) -> list[str]:
        return [r["ReplayName"] for r in events.list_replays(**filters)["Replays"]]

    assert names() == ["a-1", "a-2", "b-1"]
    assert names(NamePrefix="a-") == ["a-1", "a-2"]
    assert names(State="COMPLETED") == ["a-1"]
    assert names(EventSourceArn=archive) == ["a-1", "a-2", "b-1"]
    summary = events.list_replays(NamePrefix="a-1")["Replays"][0]
    assert set(summary) == {
        "ReplayName",
        "EventSourceArn",
        "State",
        "EventStartTime",
        "EventEndTime",
        "ReplayStartTime",
        "ReplayEndTime",
    }


def test_list_replays_pages_with_limit(events: Any, archive: str, hour: float) -> None:
    for name in ("r1", "r2", "r3"):
        start(events, archive, hour, hour + HOUR_S, name=name)
    first = events.list_replays(Limit=2)
    second = events.list_replays(Limit=2, NextToken=first["NextToken"])
    assert [r["ReplayName"] for r in first["Replays"] + second["Replays"]] == ["r1", "r2", "r3"]


def test_list_replays_with_two_filters_is_validation_error(events: Any) -> None:
    with pytest.raises(ClientError) as exc:
        events.list_replays(NamePrefix="a", State="RUNNING")
    assert error_of(exc) == (
        "ValidationException",
        400,
        "At most one filter is allowed for ListReplays. Use either : State, EventSourceArn, or NamePrefix.",
    )


# --- StartReplay errors ------------------------------------------------------------------------------------


def test_start_replay_twice_is_resource_already_exists(events: Any, archive: str, hour: float) -> None:
    start(events, archive, hour, hour + HOUR_S)
    with pytest.raises(ClientError) as exc:
        start(events, archive, hour, hour + HOUR_S)
    assert error_of(exc) == ("ResourceAlreadyExistsException", 400, "Replay r already exists.")


@pytest.mark.parametrize("length", [0, -10])
def test_start_replay_with_end_not_after_start_is_validation_error(
    events: Any, archive: str, hour: float, length: int
) -> None:
    with pytest.raises(ClientError) as exc:
        start(events, archive, hour, hour + length)
    assert error_of(exc) == (
        "ValidationException",
        400,
        "Parameter EventEndTime is not valid. Reason: EventStartTime must be before EventEndTime.",
    )


def test_start_replay_of_unknown_archive_is_validation_error(events: Any, hour: float) -> None:
    with pytest.raises(ClientError) as exc:
        start(events, f"arn:aws:events:{REGION}:{ACCOUNT}:archive/nope", hour, hour + HOUR_S)
    assert error_of(exc) == (
        "ValidationException",
        400,
        "Parameter EventSourceArn is not valid. Reason: Archive nope does not exist.",
    )


def test_start_replay_to_another_bus_is_validation_error(events: Any, archive: str, hour: float) -> None:
    events.create_event_bus(Name="billing")
    with pytest.raises(ClientError) as exc:
        events.start_replay(
            ReplayName="r",
            EventSourceArn=archive,
            EventStartTime=at(hour),
            EventEndTime=at(hour + HOUR_S),
            Destination={"Arn": f"arn:aws:events:{REGION}:{ACCOUNT}:event-bus/billing"},
        )
    assert error_of(exc) == (
        "ValidationException",
        400,
        "Parameter Destination.Arn is not valid. Reason: Cross event bus replay is not permitted.",
    )


def test_start_replay_to_unknown_bus_is_resource_not_found(events: Any, archive: str, hour: float) -> None:
    with pytest.raises(ClientError) as exc:
        events.start_replay(
            ReplayName="r",
            EventSourceArn=archive,
            EventStartTime=at(hour),
            EventEndTime=at(hour + HOUR_S),
            Destination={"Arn": f"arn:aws:events:{REGION}:{ACCOUNT}:event-bus/nope"},
        )
    assert error_of(exc) == ("ResourceNotFoundException", 400, "Event bus nope does not exist.")


def test_start_replay_with_unknown_filter_rule_is_resource_not_found(
    events: Any, archive: str, hour: float
) -> None:
    with pytest.raises(ClientError) as exc:
        start(
            events,
            archive,
            hour,
            hour + HOUR_S,
            destination={"FilterArns": [f"arn:aws:events:{REGION}:{ACCOUNT}:rule/nope"]},
        )
    assert error_of(exc) == (
        "ResourceNotFoundException",
        400,
        "Rule nope does not exist on EventBus default.",
    )


def test_start_replay_beyond_ten_active_replays_is_limit_exceeded(
    events: Any, archive: str, hour: float
) -> None:
    for i in range(10):
        start(events, archive, hour, hour + HOUR_S, name=f"r{i}")
    with pytest.raises(ClientError) as exc:
        start(events, archive, hour, hour + HOUR_S, name="one-too-many")
    assert error_of(exc)[:2] == ("LimitExceededException", 400)


# --- the replay cursor, without a server -------------------------------------------------------------------


def _archive_db(times: list[int]) -> Tx:
    conn = sqlite3.connect(":memory:")
    conn.executescript(store.MIGRATIONS[0])
    tx = Tx(conn)
    for i, when in enumerate(times):
        store.insert_archived(tx, "a", float(when), 0.0, 1, json.dumps({"i": i}))
    return tx


@settings(max_examples=200, deadline=None)
@given(
    times=st.lists(st.integers(min_value=0, max_value=20), max_size=40),
    window=st.tuples(st.integers(0, 20), st.integers(0, 21)).filter(lambda w: w[0] < w[1]),
    batch=st.integers(min_value=1, max_value=7),
)
def test_paging_a_window_by_cursor_yields_each_event_in_it_once_in_time_order(
    times: list[int], window: tuple[int, int], batch: int
) -> None:
    tx = _archive_db(times)
    begin, end = window
    seen: list[tuple[float, int]] = []
    cursor: tuple[float, int] | None = None
    while True:
        rows = store.archived_window(tx, "a", begin, end, cursor, batch)
        seen += [(when, json.loads(text)["i"]) for _seq, when, text in rows]
        if len(rows) < batch:
            break
        cursor = (rows[-1][1], rows[-1][0])
    expected = sorted((float(t), i) for i, t in enumerate(times) if begin <= t < end)
    assert seen == expected


def test_replay_name_goes_after_region_and_replaces_an_old_one() -> None:
    event = {"version": "0", "region": "r", "replay-name": "old", "detail": {}}
    assert list(archives.with_replay_name(event, "new").items()) == [
        ("version", "0"),
        ("region", "r"),
        ("replay-name", "new"),
        ("detail", {}),
    ]
