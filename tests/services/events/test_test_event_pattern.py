"""TestEventPattern: the examples of the EventBridge user guide (eb-event-patterns,
eb-create-pattern-operators) answer as documented; malformed events and patterns fail as AWS does."""

from __future__ import annotations

import json
from typing import Any

import pytest
from botocore.exceptions import ClientError

# The EC2 state-change event the user guide's pattern pages match against.
EVENT: dict[str, Any] = {
    "version": "0",
    "id": "6a7e8feb-b491-4cf7-a9f1-bf3703467718",
    "detail-type": "EC2 Instance State-change Notification",
    "source": "aws.ec2",
    "account": "111122223333",
    "time": "2017-12-22T18:43:48Z",
    "region": "us-west-1",
    "resources": ["arn:aws:ec2:us-west-1:123456789012:instance/i-1234567890abcdef0"],
    "detail": {
        "instance-id": "i-1234567890abcdef0",
        "state": "terminated",
        "c-count": 5,
        "d-count": 3,
        "x-limit": 301.8,
        "source-ip": "10.0.0.123",
    },
}


def check(events: Any, pattern: dict[str, Any], event: dict[str, Any] = EVENT) -> bool:
    return events.test_event_pattern(EventPattern=json.dumps(pattern), Event=json.dumps(event))["Result"]


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        (
            {
                "source": ["aws.ec2"],
                "detail-type": ["EC2 Instance State-change Notification"],
                "detail": {"state": ["terminated"]},
            },
            True,
        ),
        ({"source": ["aws.s3"]}, False),
        ({"detail": {"state": ["running", "terminated"]}}, True),
        ({"time": [{"prefix": "2017-12-22"}]}, True),
        ({"detail": {"instance-id": [{"suffix": "abcdef0"}]}}, True),
        ({"source": [{"equals-ignore-case": "AWS.EC2"}]}, True),
        ({"detail": {"state": [{"anything-but": "initializing"}]}}, True),
        ({"detail": {"state": [{"anything-but": ["stopped", "terminated"]}]}}, False),
        ({"detail": {"state": [{"anything-but": {"prefix": "term"}}]}}, False),
        (
            {
                "detail": {
                    "c-count": [{"numeric": [">", 0, "<=", 5]}],
                    "d-count": [{"numeric": ["<", 10]}],
                    "x-limit": [{"numeric": ["=", 3.018e2]}],
                }
            },
            True,
        ),
        ({"detail": {"c-count": [{"numeric": [">", 5]}]}}, False),
        ({"detail": {"state": [{"exists": True}]}}, True),
        ({"detail": {"missing": [{"exists": False}]}}, True),
        ({"detail": {"state": [{"exists": False}]}}, False),
        ({"detail": {"source-ip": [{"cidr": "10.0.0.0/24"}]}}, True),
        ({"detail": {"source-ip": [{"cidr": "10.0.1.0/24"}]}}, False),
        ({"resources": [{"wildcard": "arn:aws:ec2:us-west-1:*:instance/*"}]}, True),
        (
            {
                "source": ["aws.ec2"],
                "$or": [{"detail": {"state": ["running"]}}, {"detail": {"c-count": [5]}}],
            },
            True,
        ),
        ({"$or": [{"detail": {"state": ["running"]}}, {"detail": {"c-count": [6]}}]}, False),
        ({"resources": ["arn:aws:ec2:us-west-1:123456789012:instance/i-1234567890abcdef0"]}, True),
    ],
)
def test_documented_patterns(events: Any, pattern: dict[str, Any], expected: bool) -> None:
    assert check(events, pattern) is expected


def test_null_matches_a_null_value_only(events: Any) -> None:
    event = {**EVENT, "detail": {"responseElements": None}}
    assert check(events, {"detail": {"responseElements": [None]}}, event) is True
    assert check(events, {"detail": {"responseElements": [""]}}, event) is False


def test_empty_string_matches_an_empty_value(events: Any) -> None:
    event = {**EVENT, "detail": {"eventVersion": ""}}
    assert check(events, {"detail": {"eventVersion": [""]}}, event) is True


def test_event_without_resources_is_accepted(events: Any) -> None:
    event = {k: v for k, v in EVENT.items() if k != "resources"}
    assert check(events, {"source": ["aws.ec2"]}, event) is True


@pytest.mark.parametrize("field", ["id", "account", "source", "time", "region", "detail-type"])
def test_event_missing_an_envelope_field(events: Any, field: str) -> None:
    event = {k: v for k, v in EVENT.items() if k != field}
    with pytest.raises(ClientError) as exc:
        check(events, {"source": ["aws.ec2"]}, event)
    error = exc.value.response["Error"]
    assert (error["Code"], error["Message"]) == ("ValidationException", "Parameter Event is not valid.")
    assert exc.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400


def test_event_that_is_not_json(events: Any) -> None:
    with pytest.raises(ClientError) as exc:
        events.test_event_pattern(EventPattern='{"source": ["aws.ec2"]}', Event="not json")
    error = exc.value.response["Error"]
    assert (error["Code"], error["Message"]) == ("ValidationException", "Parameter Event is not valid.")


def test_invalid_pattern(events: Any) -> None:
    with pytest.raises(ClientError) as exc:
        events.test_event_pattern(EventPattern='{"source": []}', Event=json.dumps(EVENT))
    error = exc.value.response["Error"]
    assert (error["Code"], error["Message"]) == (
        "InvalidEventPatternException",
        "Event pattern is not valid. Reason: Empty arrays are not allowed",
    )
