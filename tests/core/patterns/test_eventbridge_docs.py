"""Every example of the EventBridge event-pattern documentation, as (pattern, event, expected) rows."""

from __future__ import annotations

from typing import Any

import pytest

from cloudlet.core.patterns import compile_pattern

Row = tuple[dict[str, Any], dict[str, Any], bool]


def _ids(rows: list[Any]) -> list[str]:
    return [f"{i}" for i in range(len(rows))]


# https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-event-patterns.html
EC2_EVENT = {
    "version": "0",
    "id": "6a7e8feb-b491-4cf7-a9f1-bf3703467718",
    "detail-type": "EC2 Instance State-change Notification",
    "source": "aws.ec2",
    "account": "111122223333",
    "time": "2017-12-22T18:43:48Z",
    "region": "us-west-1",
    "resources": ["arn:aws:ec2:us-west-1:123456789012:instance/i-1234567890abcdef0"],
    "detail": {"instance-id": "i-1234567890abcdef0", "state": "terminated"},
}
EC2_PATTERN = {
    "source": ["aws.ec2"],
    "detail-type": ["EC2 Instance State-change Notification"],
    "detail": {"state": ["terminated"]},
}
EVENT_PATTERNS: list[Row] = [
    (EC2_PATTERN, EC2_EVENT, True),
    (EC2_PATTERN, {**EC2_EVENT, "detail": {"state": "running"}}, False),
    (EC2_PATTERN, {**EC2_EVENT, "source": "aws.s3"}, False),
    ({"source": ["aws.ec2"], "detail": {"state": ["terminated"]}}, {"source": "aws.ec2"}, False),
]


@pytest.mark.parametrize(("pattern", "event", "expected"), EVENT_PATTERNS, ids=_ids(EVENT_PATTERNS))
def test_event_patterns_page(pattern: dict[str, Any], event: dict[str, Any], expected: bool) -> None:
    assert compile_pattern(pattern).matches(event) is expected


# https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-event-patterns-arrays.html
RESOURCES_PATTERN = {
    "resources": [
        "arn:aws:ec2:us-east-1:123456789012:instance/i-b188560f",
        "arn:aws:ec2:us-east-1:111122223333:instance/i-b188560f",
        "arn:aws:ec2:us-east-1:444455556666:instance/i-b188560f",
    ]
}
ARRAYS: list[Row] = [
    (
        RESOURCES_PATTERN,
        {
            "resources": [
                "arn:aws:autoscaling:us-east-1:123456789012:autoScalingGroup:eb56d16b-bbf0-401d-b893-"
                "d5978ed4a025:autoScalingGroupName/ASGTerminate",
                "arn:aws:ec2:us-east-1:123456789012:instance/i-b188560f",
            ]
        },
        True,
    ),
    (RESOURCES_PATTERN, {"resources": ["arn:aws:ec2:us-east-1:999999999999:instance/i-0"]}, False),
    (RESOURCES_PATTERN, {"resources": []}, False),
]


@pytest.mark.parametrize(("pattern", "event", "expected"), ARRAYS, ids=_ids(ARRAYS))
def test_arrays_page(pattern: dict[str, Any], event: dict[str, Any], expected: bool) -> None:
    assert compile_pattern(pattern).matches(event) is expected


# https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-event-patterns-null-values.html
NULL_EVENT = {
    "detail": {"eventVersion": "", "responseElements": None},
}
NULL_VALUES: list[Row] = [
    ({"detail": {"responseElements": [None]}}, NULL_EVENT, True),
    ({"detail": {"eventVersion": [""]}}, NULL_EVENT, True),
    ({"detail": {"responseElements": [None]}}, {"detail": {}}, False),  # null does not match absence
    ({"detail": {"eventVersion": [None]}}, NULL_EVENT, False),  # "" is not null
    ({"detail": {"responseElements": [""]}}, NULL_EVENT, False),
]


@pytest.mark.parametrize(("pattern", "event", "expected"), NULL_VALUES, ids=_ids(NULL_VALUES))
def test_null_values_page(pattern: dict[str, Any], event: dict[str, Any], expected: bool) -> None:
    assert compile_pattern(pattern).matches(event) is expected


# https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-create-pattern-operators.html
# (formerly eb-event-patterns-content-based-filtering.html): the summary table and every section's example.
OPERATORS: list[Row] = [
    # And / Equals / Empty / Null / Or (summary table)
    ({"Location": ["New York"], "Day": ["Monday"]}, {"Location": "New York", "Day": "Monday"}, True),
    ({"Location": ["New York"], "Day": ["Monday"]}, {"Location": "New York", "Day": "Friday"}, False),
    ({"Name": ["Alice"]}, {"Name": "Alice"}, True),
    ({"Name": ["Alice"]}, {"Name": "alice"}, False),
    ({"LastName": [""]}, {"LastName": ""}, True),
    ({"UserID": [None]}, {"UserID": None}, True),
    ({"UserID": [None]}, {}, False),
    ({"PaymentType": ["Credit", "Debit"]}, {"PaymentType": "Debit"}, True),
    ({"PaymentType": ["Credit", "Debit"]}, {"PaymentType": "Cash"}, False),
    (
        {"$or": [{"Location": ["New York"]}, {"Day": ["Monday"]}]},
        {"Location": "Paris", "Day": "Monday"},
        True,
    ),
    (
        {"$or": [{"Location": ["New York"]}, {"Day": ["Monday"]}]},
        {"Location": "Paris", "Day": "Sunday"},
        False,
    ),
    ({"Price": [{"numeric": ["=", 100]}]}, {"Price": 100}, True),
    ({"Price": [{"numeric": [">", 10, "<=", 20]}]}, {"Price": 20}, True),
    ({"Price": [{"numeric": [">", 10, "<=", 20]}]}, {"Price": 10}, False),
    ({"Weather": [{"anything-but": ["Raining"]}]}, {"Weather": "Sunny"}, True),
    ({"ProductName": [{"exists": True}]}, {"ProductName": "x"}, True),
    ({"ProductName": [{"exists": False}]}, {"ProductName": "x"}, False),
    # Prefix matching
    ({"time": [{"prefix": "2017-10-02"}]}, {"time": "2017-10-02T18:43:48Z"}, True),
    ({"time": [{"prefix": "2017-10-02"}]}, {"time": "2017-10-03T18:43:48Z"}, False),
    ({"Region": [{"prefix": "us-"}]}, {"Region": "us-east-1"}, True),
    # Prefix matching while ignoring case
    (
        {"detail": {"service": [{"prefix": {"equals-ignore-case": "EventB"}}]}},
        {"detail": {"service": "eventbridge"}},
        True,
    ),
    (
        {"detail": {"service": [{"prefix": {"equals-ignore-case": "EventB"}}]}},
        {"detail": {"service": "EVENTBUS"}},
        True,
    ),
    (
        {"detail": {"service": [{"prefix": {"equals-ignore-case": "EventB"}}]}},
        {"detail": {"service": "SNS"}},
        False,
    ),
    # Suffix matching (and ignoring case)
    ({"FileName": [{"suffix": ".png"}]}, {"FileName": "image.png"}, True),
    ({"FileName": [{"suffix": ".png"}]}, {"FileName": "image.PNG"}, False),
    (
        {"detail": {"FileName": [{"suffix": {"equals-ignore-case": ".png"}}]}},
        {"detail": {"FileName": "a.PNG"}},
        True,
    ),
    (
        {"detail": {"FileName": [{"suffix": {"equals-ignore-case": ".png"}}]}},
        {"detail": {"FileName": "a.jpg"}},
        False,
    ),
    ({"service": [{"suffix": {"equals-ignore-case": "tbridge"}}]}, {"service": "EvenTBRIDGE"}, True),
    # Anything-but matching: strings, numbers, lists
    ({"detail": {"state": [{"anything-but": "initializing"}]}}, {"detail": {"state": "running"}}, True),
    ({"detail": {"state": [{"anything-but": "initializing"}]}}, {"detail": {"state": "initializing"}}, False),
    ({"detail": {"x-limit": [{"anything-but": 123}]}}, {"detail": {"x-limit": 124}}, True),
    ({"detail": {"x-limit": [{"anything-but": 123}]}}, {"detail": {"x-limit": 123.0}}, False),
    (
        {"detail": {"state": [{"anything-but": ["stopped", "overloaded"]}]}},
        {"detail": {"state": "running"}},
        True,
    ),
    (
        {"detail": {"state": [{"anything-but": ["stopped", "overloaded"]}]}},
        {"detail": {"state": "stopped"}},
        False,
    ),
    ({"detail": {"x-limit": [{"anything-but": [100, 200, 300]}]}}, {"detail": {"x-limit": 150}}, True),
    ({"detail": {"x-limit": [{"anything-but": [100, 200, 300]}]}}, {"detail": {"x-limit": 200}}, False),
    # Anything-but with prefix / suffix / equals-ignore-case / wildcard
    ({"detail": {"state": [{"anything-but": {"prefix": "init"}}]}}, {"detail": {"state": "running"}}, True),
    (
        {"detail": {"state": [{"anything-but": {"prefix": "init"}}]}},
        {"detail": {"state": "initializing"}},
        False,
    ),
    ({"Region": [{"anything-but": {"prefix": "us-"}}]}, {"Region": "eu-west-1"}, True),
    (
        {"detail": {"FileName": [{"anything-but": {"suffix": ".txt"}}]}},
        {"detail": {"FileName": "a.png"}},
        True,
    ),
    (
        {"detail": {"FileName": [{"anything-but": {"suffix": ".txt"}}]}},
        {"detail": {"FileName": "a.txt"}},
        False,
    ),
    ({"state": [{"anything-but": {"equals-ignore-case": "initializing"}}]}, {"state": "INITIALIZING"}, False),
    ({"state": [{"anything-but": {"equals-ignore-case": "initializing"}}]}, {"state": "running"}, True),
    (
        {"detail": {"state": [{"anything-but": {"equals-ignore-case": ["Stopped", "OverLoaded"]}}]}},
        {"detail": {"state": "overloaded"}},
        False,
    ),
    (
        {"detail": {"state": [{"anything-but": {"equals-ignore-case": ["Stopped", "OverLoaded"]}}]}},
        {"detail": {"state": "Running"}},
        True,
    ),
    ({"FilePath": [{"anything-but": {"wildcard": "*/lib/*"}}]}, {"FilePath": "/usr/lib/x.so"}, False),
    ({"FilePath": [{"anything-but": {"wildcard": "*/lib/*"}}]}, {"FilePath": "/usr/bin/x"}, True),
    (
        {"detail": {"FilePath": [{"anything-but": {"wildcard": ["*/lib/*", "*/bin/*"]}}]}},
        {"detail": {"FilePath": "/usr/bin/x"}},
        False,
    ),
    # Numeric matching
    (
        {
            "detail": {
                "c-count": [{"numeric": [">", 0, "<=", 5]}],
                "d-count": [{"numeric": ["<", 10]}],
                "x-limit": [{"numeric": ["=", 3.018e2]}],
            }
        },
        {"detail": {"c-count": 5, "d-count": 9.99, "x-limit": 301.8}},
        True,
    ),
    (
        {"detail": {"c-count": [{"numeric": [">", 0, "<=", 5]}], "d-count": [{"numeric": ["<", 10]}]}},
        {"detail": {"c-count": 5, "d-count": 10}},
        False,
    ),
    # IP address matching (IPv4 and IPv6)
    (
        {"detail": {"sourceIPAddress": [{"cidr": "10.0.0.0/24"}]}},
        {"detail": {"sourceIPAddress": "10.0.0.24"}},
        True,
    ),
    (
        {"detail": {"sourceIPAddress": [{"cidr": "10.0.0.0/24"}]}},
        {"detail": {"sourceIPAddress": "10.0.1.1"}},
        False,
    ),
    ({"sourceIPAddress": [{"cidr": "2001:db8::/64"}]}, {"sourceIPAddress": "2001:db8::ff"}, True),
    ({"sourceIPAddress": [{"cidr": "2001:db8::/64"}]}, {"sourceIPAddress": "2001:db9::1"}, False),
    # Exists matching: only leaf nodes; exists false also matches a non-leaf c-count
    (
        {"detail": {"c-count": [{"exists": False}]}},
        {
            "detail-type": ["EC2 Instance State-change Notification"],
            "resources": ["arn:aws:ec2:us-east-1:123456789012:instance/i-02ebd4584a2ebd341"],
            "detail": {"state": ["initializing", "running"]},
        },
        True,
    ),
    (
        {"detail": {"c-count": [{"exists": False}]}},
        {"detail": {"state": ["initializing", "running"], "c-count": {"c1": 100}}},
        True,
    ),
    ({"detail": {"c-count": [{"exists": False}]}}, {"detail": {"c-count": 3}}, False),
    ({"detail": {"c-count": [{"exists": True}]}}, {"detail": {"c-count": 3}}, True),
    ({"detail": {"c-count": [{"exists": True}]}}, {"detail": {"c-count": {"c1": 100}}}, False),
    # Equals-ignore-case matching
    (
        {"detail-type": [{"equals-ignore-case": "ec2 instance state-change notification"}]},
        {"detail-type": "EC2 Instance State-change Notification"},
        True,
    ),
    ({"Name": [{"equals-ignore-case": "alice"}]}, {"Name": "ALICE"}, True),
    ({"Name": [{"equals-ignore-case": "alice"}]}, {"Name": "Alicia"}, False),
    # Wildcard matching
    ({"FileName": [{"wildcard": "dir/*.png"}]}, {"FileName": "dir/a.png"}, True),
    ({"FileName": [{"wildcard": "dir/*.png"}]}, {"FileName": "dir/sub/a.png"}, True),
    ({"FileName": [{"wildcard": "dir/*.png"}]}, {"FileName": "other/a.png"}, False),
    (
        {"EventBusArn": [{"wildcard": "arn:aws:events:us-east-1:*:event-bus/*"}]},
        {"EventBusArn": "arn:aws:events:us-east-1:123456789012:event-bus/default"},
        True,
    ),
    (
        {"EventBusArn": [{"wildcard": "arn:aws:events:us-east-1:*:event-bus/*"}]},
        {"EventBusArn": "arn:aws:events:us-west-2:123456789012:event-bus/default"},
        False,
    ),
    # Complex example with multiple matching
    (
        {
            "time": [{"prefix": "2017-10-02"}],
            "detail": {
                "state": [{"anything-but": "initializing"}],
                "c-count": [{"numeric": [">", 0, "<=", 5]}],
                "d-count": [{"numeric": ["<", 10]}],
                "x-limit": [{"anything-but": [100, 200, 300]}],
            },
        },
        {
            "time": "2017-10-02T18:43:48Z",
            "detail": {"state": "running", "c-count": 1, "d-count": 2, "x-limit": 301},
        },
        True,
    ),
    (
        {"time": [{"prefix": "2017-10-02"}], "detail": {"x-limit": [{"anything-but": [100, 200, 300]}]}},
        {"time": "2017-10-02T18:43:48Z", "detail": {"x-limit": 300}},
        False,
    ),
    # $or matching
    (
        {
            "detail": {
                "$or": [
                    {"c-count": [{"numeric": [">", 0, "<=", 5]}]},
                    {"d-count": [{"numeric": ["<", 10]}]},
                    {"x-limit": [{"numeric": ["=", 3.018e2]}]},
                ]
            }
        },
        {"detail": {"x-limit": 301.8}},
        True,
    ),
    (
        {
            "detail": {
                "$or": [{"c-count": [{"numeric": [">", 0, "<=", 5]}]}, {"d-count": [{"numeric": ["<", 10]}]}]
            }
        },
        {"detail": {"c-count": 6, "d-count": 10}},
        False,
    ),
    (
        {
            "source": ["aws.cloudwatch"],
            "$or": [
                {"metricName": ["CPUUtilization", "ReadLatency"]},
                {"namespace": ["AWS/EC2", "AWS/ES"]},
            ],
        },
        {"source": "aws.cloudwatch", "namespace": "AWS/ES"},
        True,
    ),
    (
        {
            "source": ["aws.cloudwatch"],
            "$or": [{"metricName": ["CPUUtilization"]}, {"namespace": ["AWS/EC2"]}],
        },
        {"source": "aws.sns", "namespace": "AWS/EC2"},
        False,
    ),
]


@pytest.mark.parametrize(("pattern", "event", "expected"), OPERATORS, ids=_ids(OPERATORS))
def test_comparison_operators_page(pattern: dict[str, Any], event: dict[str, Any], expected: bool) -> None:
    assert compile_pattern(pattern, "eventbridge").matches(event) is expected


def test_patterns_accept_json_text() -> None:
    pattern = compile_pattern('{"source": ["aws.ec2"], "detail": {"state": ["terminated"]}}')
    assert pattern.matches(EC2_EVENT)
