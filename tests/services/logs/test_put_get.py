"""PutLogEvents batch rules and GetLogEvents reading and paging in both directions."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

from tests.services.logs.conftest import GROUP, STREAM, error_of, now_ms

HOUR_MS = 3_600_000
DAY_MS = 24 * HOUR_MS


def _events(start, count, step=1):
    return [{"timestamp": start + i * step, "message": f"event {i}"} for i in range(count)]


def _messages(page):
    return [e["message"] for e in page["events"]]


def test_put_then_get_returns_events_with_ingestion_time(cloudlet, logs, stream):
    t = now_ms(cloudlet)
    answer = logs.put_log_events(logGroupName=GROUP, logStreamName=STREAM, logEvents=_events(t - 100, 3))
    assert len(answer["nextSequenceToken"]) == 56
    assert "rejectedLogEventsInfo" not in answer
    page = logs.get_log_events(logGroupName=GROUP, logStreamName=STREAM)
    assert page["events"] == [
        {"timestamp": t - 100 + i, "message": f"event {i}", "ingestionTime": t} for i in range(3)
    ]
    assert page["nextForwardToken"].startswith("f/") and page["nextBackwardToken"].startswith("b/")


def test_the_sequence_token_is_ignored(cloudlet, logs, stream):
    logs.put_log_events(
        logGroupName=GROUP,
        logStreamName=STREAM,
        logEvents=_events(now_ms(cloudlet), 1),
        sequenceToken="bogus",
    )
    assert len(logs.get_log_events(logGroupName=GROUP, logStreamName=STREAM)["events"]) == 1


def test_events_too_old_too_new_or_expired_are_rejected_the_rest_kept(cloudlet, logs, stream):
    logs.put_retention_policy(logGroupName=GROUP, retentionInDays=1)
    t = now_ms(cloudlet)
    batch = [
        {"timestamp": t - 15 * DAY_MS, "message": "too old"},
        {"timestamp": t - 2 * DAY_MS, "message": "expired"},
        {"timestamp": t - 1000, "message": "kept 1"},
        {"timestamp": t, "message": "kept 2"},
        {"timestamp": t + 3 * HOUR_MS, "message": "too new"},
    ]
    answer = logs.put_log_events(logGroupName=GROUP, logStreamName=STREAM, logEvents=batch)
    assert answer["rejectedLogEventsInfo"] == {
        "tooOldLogEventEndIndex": 1,
        "expiredLogEventEndIndex": 2,
        "tooNewLogEventStartIndex": 4,
    }
    assert _messages(logs.get_log_events(logGroupName=GROUP, logStreamName=STREAM)) == ["kept 1", "kept 2"]


def test_events_out_of_order_fail_the_batch(cloudlet, logs, stream):
    t = now_ms(cloudlet)
    with pytest.raises(ClientError) as exc:
        logs.put_log_events(
            logGroupName=GROUP,
            logStreamName=STREAM,
            logEvents=[{"timestamp": t, "message": "b"}, {"timestamp": t - 1, "message": "a"}],
        )
    assert error_of(exc) == (
        "InvalidParameterException",
        "Log events in a single PutLogEvents request must be in chronological order.",
        400,
    )


def test_a_batch_spanning_more_than_24_hours_fails(cloudlet, logs, stream):
    t = now_ms(cloudlet)
    events = [{"timestamp": t - DAY_MS - 1, "message": "a"}, {"timestamp": t, "message": "b"}]
    with pytest.raises(ClientError) as exc:
        logs.put_log_events(logGroupName=GROUP, logStreamName=STREAM, logEvents=events)
    assert error_of(exc)[0] == "InvalidParameterException"
    assert "cannot span more than 24 hours" in error_of(exc)[1]


def test_a_batch_over_1_mib_with_26_bytes_per_event_fails(cloudlet, logs, stream):
    t = now_ms(cloudlet)
    exact = [{"timestamp": t, "message": "x" * (1_048_576 - 26)}]
    logs.put_log_events(logGroupName=GROUP, logStreamName=STREAM, logEvents=exact)
    over = [{"timestamp": t, "message": "x" * (1_048_576 - 25)}]
    with pytest.raises(ClientError) as exc:
        logs.put_log_events(logGroupName=GROUP, logStreamName=STREAM, logEvents=over)
    assert error_of(exc) == (
        "InvalidParameterException",
        "Upload too large: 1048577 bytes exceeds limit of 1048576",
        400,
    )


def test_more_than_10000_events_fail_validation(cloudlet, logs, stream):
    with pytest.raises(ClientError) as exc:
        logs.put_log_events(
            logGroupName=GROUP, logStreamName=STREAM, logEvents=_events(now_ms(cloudlet), 10_001, 0)
        )
    code, message, _ = error_of(exc)
    assert code == "InvalidParameterException"
    assert (
        "at 'logEvents' failed to satisfy constraint: Member must have length less than or equal to 10000"
        in message
    )


def test_put_into_a_missing_group_or_stream_is_not_found(cloudlet, logs, stream):
    events = _events(now_ms(cloudlet), 1)
    with pytest.raises(ClientError) as exc:
        logs.put_log_events(logGroupName="nope", logStreamName=STREAM, logEvents=events)
    assert error_of(exc) == ("ResourceNotFoundException", "The specified log group does not exist.", 400)
    with pytest.raises(ClientError) as exc:
        logs.put_log_events(logGroupName=GROUP, logStreamName="nope", logEvents=events)
    assert error_of(exc) == ("ResourceNotFoundException", "The specified log stream does not exist.", 400)


def test_get_without_token_returns_the_latest_events_and_from_head_the_earliest(cloudlet, logs, stream):
    logs.put_log_events(
        logGroupName=GROUP, logStreamName=STREAM, logEvents=_events(now_ms(cloudlet) - 10, 10)
    )
    tail = logs.get_log_events(logGroupName=GROUP, logStreamName=STREAM, limit=3)
    assert _messages(tail) == ["event 7", "event 8", "event 9"]
    head = logs.get_log_events(logGroupName=GROUP, logStreamName=STREAM, limit=3, startFromHead=True)
    assert _messages(head) == ["event 0", "event 1", "event 2"]


def test_forward_paging_reaches_the_end_and_returns_the_same_token(cloudlet, logs, stream):
    logs.put_log_events(logGroupName=GROUP, logStreamName=STREAM, logEvents=_events(now_ms(cloudlet) - 10, 5))
    seen, token = [], None
    while True:
        kwargs = {"nextToken": token} if token else {}
        page = logs.get_log_events(
            logGroupName=GROUP, logStreamName=STREAM, limit=2, startFromHead=True, **kwargs
        )
        seen += _messages(page)
        if page["nextForwardToken"] == token:
            break
        token = page["nextForwardToken"]
    assert seen == [f"event {i}" for i in range(5)]
    assert page["events"] == []


def test_a_forward_token_at_the_end_sees_new_events(cloudlet, logs, stream):
    t = now_ms(cloudlet)
    logs.put_log_events(logGroupName=GROUP, logStreamName=STREAM, logEvents=_events(t - 10, 2))
    end = logs.get_log_events(logGroupName=GROUP, logStreamName=STREAM, startFromHead=True)[
        "nextForwardToken"
    ]
    logs.put_log_events(
        logGroupName=GROUP, logStreamName=STREAM, logEvents=[{"timestamp": t, "message": "new"}]
    )
    page = logs.get_log_events(logGroupName=GROUP, logStreamName=STREAM, nextToken=end, startFromHead=True)
    assert _messages(page) == ["new"]


def test_backward_paging_walks_to_the_start(cloudlet, logs, stream):
    logs.put_log_events(logGroupName=GROUP, logStreamName=STREAM, logEvents=_events(now_ms(cloudlet) - 10, 5))
    page = logs.get_log_events(logGroupName=GROUP, logStreamName=STREAM, limit=2)
    pages = [_messages(page)]
    token = page["nextBackwardToken"]
    while True:
        page = logs.get_log_events(logGroupName=GROUP, logStreamName=STREAM, limit=2, nextToken=token)
        if page["nextBackwardToken"] == token:
            assert page["events"] == []
            break
        pages.append(_messages(page))
        token = page["nextBackwardToken"]
    assert pages == [["event 3", "event 4"], ["event 1", "event 2"], ["event 0"]]
    # and forward again from the first page
    forward = logs.get_log_events(
        logGroupName=GROUP, logStreamName=STREAM, nextToken=page["nextForwardToken"]
    )
    assert _messages(forward)[0] == "event 0"


def test_equal_timestamps_page_without_loss(cloudlet, logs, stream):
    logs.put_log_events(logGroupName=GROUP, logStreamName=STREAM, logEvents=_events(now_ms(cloudlet), 5, 0))
    first = logs.get_log_events(logGroupName=GROUP, logStreamName=STREAM, limit=3, startFromHead=True)
    second = logs.get_log_events(
        logGroupName=GROUP, logStreamName=STREAM, limit=3, nextToken=first["nextForwardToken"]
    )
    assert _messages(first) + _messages(second) == [f"event {i}" for i in range(5)]


def test_get_with_time_range_includes_start_excludes_end(cloudlet, logs, stream):
    t = now_ms(cloudlet) - 100
    logs.put_log_events(logGroupName=GROUP, logStreamName=STREAM, logEvents=_events(t, 5, 10))
    page = logs.get_log_events(
        logGroupName=GROUP, logStreamName=STREAM, startTime=t + 10, endTime=t + 30, startFromHead=True
    )
    assert _messages(page) == ["event 1", "event 2"]


def test_an_invalid_token_is_rejected(logs, stream):
    with pytest.raises(ClientError) as exc:
        logs.get_log_events(logGroupName=GROUP, logStreamName=STREAM, nextToken="f/123/s")
    assert error_of(exc) == ("InvalidParameterException", "The specified nextToken is invalid.", 400)


def test_get_from_a_missing_stream_is_not_found(logs, stream):
    with pytest.raises(ClientError) as exc:
        logs.get_log_events(logGroupName=GROUP, logStreamName="nope")
    assert error_of(exc) == ("ResourceNotFoundException", "The specified log stream does not exist.", 400)


def test_get_by_group_identifier(cloudlet, logs, stream):
    logs.put_log_events(logGroupName=GROUP, logStreamName=STREAM, logEvents=_events(now_ms(cloudlet), 1))
    arn = logs.describe_log_groups()["logGroups"][0]["logGroupArn"]
    assert _messages(logs.get_log_events(logGroupIdentifier=arn, logStreamName=STREAM)) == ["event 0"]
    with pytest.raises(ClientError) as exc:
        logs.get_log_events(logGroupIdentifier=arn, logGroupName=GROUP, logStreamName=STREAM)
    assert error_of(exc)[0] == "InvalidParameterException"
