"""Log streams: create, describe (prefix, order, paging, event times), delete."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

from tests.services.logs.conftest import GROUP, error_of, now_ms


def _put(logs, stream, ts, message="m"):
    logs.put_log_events(
        logGroupName=GROUP, logStreamName=stream, logEvents=[{"timestamp": ts, "message": message}]
    )


def test_a_new_stream_has_no_event_times(cloudlet, logs, stream):
    [described] = logs.describe_log_streams(logGroupName=GROUP)["logStreams"]
    assert described["logStreamName"] == "web-1"
    assert described["creationTime"] == now_ms(cloudlet)
    assert described["arn"].endswith(f":log-group:{GROUP}:log-stream:web-1")
    assert described["storedBytes"] == 0
    assert "firstEventTimestamp" not in described and "lastIngestionTime" not in described


def test_event_times_follow_puts(cloudlet, logs, stream):
    t = now_ms(cloudlet)
    _put(logs, "web-1", t - 5000)
    cloudlet.clock.advance(2)
    _put(logs, "web-1", t - 9000)
    [described] = logs.describe_log_streams(logGroupName=GROUP)["logStreams"]
    assert (described["firstEventTimestamp"], described["lastEventTimestamp"]) == (t - 9000, t - 5000)
    assert described["lastIngestionTime"] == t + 2000


def test_creating_an_existing_stream_fails(logs, stream):
    with pytest.raises(ClientError) as exc:
        logs.create_log_stream(logGroupName=GROUP, logStreamName="web-1")
    assert error_of(exc) == ("ResourceAlreadyExistsException", "The specified log stream already exists", 400)


def test_a_stream_in_a_missing_group_is_not_found(logs):
    with pytest.raises(ClientError) as exc:
        logs.create_log_stream(logGroupName="nope", logStreamName="s")
    assert error_of(exc) == ("ResourceNotFoundException", "The specified log group does not exist.", 400)
    with pytest.raises(ClientError) as exc:
        logs.describe_log_streams(logGroupName="nope")
    assert error_of(exc)[0] == "ResourceNotFoundException"


def test_a_stream_name_with_a_colon_is_invalid(logs, stream):
    with pytest.raises(ClientError) as exc:
        logs.create_log_stream(logGroupName=GROUP, logStreamName="a:b")
    assert error_of(exc)[0] == "InvalidParameterException"


def test_describe_by_prefix_descending_and_paged(logs, stream):
    for name in ("web-2", "web-3", "worker-1"):
        logs.create_log_stream(logGroupName=GROUP, logStreamName=name)
    names = lambda page: [s["logStreamName"] for s in page["logStreams"]]  # noqa: E731
    assert names(logs.describe_log_streams(logGroupName=GROUP, logStreamNamePrefix="web-")) == [
        "web-1",
        "web-2",
        "web-3",
    ]
    assert names(logs.describe_log_streams(logGroupName=GROUP, descending=True))[0] == "worker-1"
    first = logs.describe_log_streams(logGroupName=GROUP, limit=3)
    second = logs.describe_log_streams(logGroupName=GROUP, limit=3, nextToken=first["nextToken"])
    assert names(first) + names(second) == ["web-1", "web-2", "web-3", "worker-1"]
    assert "nextToken" not in second


def test_order_by_last_event_time(cloudlet, logs, stream):
    logs.create_log_stream(logGroupName=GROUP, logStreamName="web-2")
    t = now_ms(cloudlet)
    _put(logs, "web-2", t - 10)
    _put(logs, "web-1", t)
    page = logs.describe_log_streams(logGroupName=GROUP, orderBy="LastEventTime", descending=True)
    assert [s["logStreamName"] for s in page["logStreams"]] == ["web-1", "web-2"]
    with pytest.raises(ClientError) as exc:
        logs.describe_log_streams(logGroupName=GROUP, orderBy="LastEventTime", logStreamNamePrefix="w")
    assert error_of(exc) == (
        "InvalidParameterException",
        "Cannot order by LastEventTime with a logStreamNamePrefix.",
        400,
    )


def test_describe_by_group_arn(logs, stream):
    arn = logs.describe_log_groups()["logGroups"][0]["arn"]
    page = logs.describe_log_streams(logGroupIdentifier=arn)
    assert [s["logStreamName"] for s in page["logStreams"]] == ["web-1"]


def test_delete_a_stream_and_its_events(cloudlet, logs, stream):
    _put(logs, "web-1", now_ms(cloudlet), "hello")
    assert logs.describe_log_groups()["logGroups"][0]["storedBytes"] == 5
    logs.delete_log_stream(logGroupName=GROUP, logStreamName="web-1")
    assert logs.describe_log_streams(logGroupName=GROUP)["logStreams"] == []
    assert logs.describe_log_groups()["logGroups"][0]["storedBytes"] == 0
    assert logs.filter_log_events(logGroupName=GROUP)["events"] == []
    with pytest.raises(ClientError) as exc:
        logs.delete_log_stream(logGroupName=GROUP, logStreamName="web-1")
    assert error_of(exc) == ("ResourceNotFoundException", "The specified log stream does not exist.", 400)
