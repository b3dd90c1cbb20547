"""FilterLogEvents through boto3, and the filter-pattern compiler on its own."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

from cloudlet.services.logs.filters import FilterPatternError, compile_pattern
from tests.services.logs.conftest import GROUP, error_of, now_ms

MESSAGES = [
    "[ERROR] disk full on /dev/sda1",
    "INFO request served in 12 ms",
    "WARN slow request",
    '{"level": "error", "latency": 250, "user": {"id": 7, "name": "ada"}, "ok": false, "tags": ["a", "b"]}',
    '{"level": "info", "latency": 12, "user": {"id": 8, "name": "bob"}, "ok": true, "note": null}',
]


@pytest.fixture
def filled(cloudlet, logs, stream):
    logs.create_log_stream(logGroupName=GROUP, logStreamName="worker-1")
    t = now_ms(cloudlet) - 1000
    for i, message in enumerate(MESSAGES):
        logs.put_log_events(
            logGroupName=GROUP,
            logStreamName="web-1" if i % 2 == 0 else "worker-1",
            logEvents=[{"timestamp": t + i, "message": message}],
        )
    return t


def _filter(logs, **kwargs):
    return [e["message"] for e in logs.filter_log_events(logGroupName=GROUP, **kwargs)["events"]]


def test_without_a_pattern_every_event_in_time_order(logs, filled):
    page = logs.filter_log_events(logGroupName=GROUP)
    assert [e["message"] for e in page["events"]] == MESSAGES
    first = page["events"][0]
    assert first["logStreamName"] == "web-1" and len(first["eventId"]) == 56
    assert page["searchedLogStreams"] == []


def test_terms_phrases_exclusions_and_alternatives(logs, filled):
    assert _filter(logs, filterPattern="ERROR") == [MESSAGES[0]]
    assert _filter(logs, filterPattern='"request served"') == [MESSAGES[1]]
    assert _filter(logs, filterPattern="request -slow") == [MESSAGES[1]]
    assert _filter(logs, filterPattern="?ERROR ?WARN") == [MESSAGES[0], MESSAGES[2]]


def test_json_patterns(logs, filled):
    assert _filter(logs, filterPattern='{ $.level = "error" }') == [MESSAGES[3]]
    assert _filter(logs, filterPattern="{ $.latency > 100 }") == [MESSAGES[3]]
    assert _filter(logs, filterPattern='{ $.user.name = "b*" || $.latency >= 250 }') == MESSAGES[3:]
    assert _filter(logs, filterPattern='{ ($.level != "error") && $.user.id = 8 }') == [MESSAGES[4]]


def test_stream_names_prefix_and_time_range(logs, filled):
    assert _filter(logs, logStreamNames=["worker-1"]) == [MESSAGES[1], MESSAGES[3]]
    assert _filter(logs, logStreamNamePrefix="web") == [MESSAGES[0], MESSAGES[2], MESSAGES[4]]
    assert _filter(logs, startTime=filled + 1, endTime=filled + 2) == MESSAGES[1:3]  # both ends inclusive
    with pytest.raises(ClientError) as exc:
        logs.filter_log_events(logGroupName=GROUP, logStreamNames=["a"], logStreamNamePrefix="a")
    assert error_of(exc)[0] == "InvalidParameterException"


def test_paging_with_next_token(logs, filled):
    got, token = [], None
    while True:
        kwargs = {"nextToken": token} if token else {}
        page = logs.filter_log_events(logGroupName=GROUP, limit=2, **kwargs)
        got += [e["message"] for e in page["events"]]
        token = page.get("nextToken")
        if not token:
            break
    assert got == MESSAGES


def test_an_invalid_pattern_or_missing_group(logs, filled):
    with pytest.raises(ClientError) as exc:
        logs.filter_log_events(logGroupName=GROUP, filterPattern="{ $.a = }")
    assert error_of(exc)[0] == "InvalidParameterException"
    with pytest.raises(ClientError) as exc:
        logs.filter_log_events(logGroupName="nope")
    assert error_of(exc) == ("ResourceNotFoundException", "The specified log group does not exist.", 400)


# -- the compiler, without a server ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("pattern", "message", "expected"),
    [
        ("", "anything", True),
        ("ERROR", "error", False),  # case-sensitive
        ("ERROR Exception", "ERROR: Exception thrown", True),
        ("ERROR Exception", "ERROR only", False),
        ('"a b" -c', "x a b y", True),
        ('"a b" -c', "a b c", False),
        ("?x ?y", "z", False),
        ("%disk [a-z]+%", "disk full", True),
        ("{ $.ok IS FALSE }", '{"ok": false}', True),
        ("{ $.ok IS TRUE }", '{"ok": false}', False),
        ("{ $.note IS NULL }", '{"note": null}', True),
        ("{ $.missing NOT EXISTS }", '{"a": 1}', True),
        ("{ $.tags[1] = b }", '{"tags": ["a", "b"]}', True),
        ("{ $.n <= 3 }", '{"n": 3}', True),
        ("{ $.n < 3 }", '{"n": 3}', False),
        ("{ $.n != 3 }", '{"n": 4}', True),
        ('{ $.s = "x" }', "not json", False),
        ("{ $.msg = %fail(ed)? % }", '{"msg": "failed"}', None),
        ("[ip, user, ..., status = 5*, size > 100]", "1.2.3.4 bob GET / 503 2048", True),
        ("[ip, user, ..., status = 5*, size > 100]", "1.2.3.4 bob GET / 404 2048", False),
        ("[a, b]", "one two three", False),
    ],
)
def test_patterns(pattern, message, expected):
    if expected is None:
        with pytest.raises(FilterPatternError):
            compile_pattern(pattern)
        return
    assert compile_pattern(pattern)(message) is expected


@pytest.mark.parametrize("pattern", ["{ $.a = ", "{ a = 1 }", "{ $.a ~ 1 }", "{ $.a > x }", "[a, b"])
def test_malformed_patterns_raise(pattern):
    with pytest.raises(FilterPatternError):
        compile_pattern(pattern)
