"""Malformed patterns: AWS's error codes and message texts for EventBridge and SNS.

SNS texts are those AWS returned in LocalStack's AWS-validated snapshots
(tests/aws/services/sns/test_sns_filter_policy.snapshot.json, without Jackson's "at [Source: ...]" tail);
EventBridge texts are event-ruler's reasons behind "Event pattern is not valid. Reason: ".
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from cloudlet.core.patterns import PatternError, compile_pattern
from cloudlet.core.patterns.sns import MESSAGE_BODY, sns_policy

# (policy, reason) pairs recorded against AWS SNS; EventBridge words the same reasons.
RECORDED: list[tuple[Any, str]] = [
    ({"key": [["value"]]}, "Match value must be String, number, true, false, or null"),
    ({"key": [{"wrong-operator": True}]}, "Unrecognized match type wrong-operator"),
    ({"key": [{"suffix": "value", "prefix": "value2"}]}, "Only one key allowed in match expression"),
    ({"key": [{"suffix": 100}]}, "suffix match pattern must be a string"),
    ({"key": [{"suffix": None}]}, "suffix match pattern must be a string"),
    ({"key": {"suffix": "value"}}, '"suffix" must be an object or an array'),
    ({"key": [{"suffix": []}]}, "suffix match pattern must be a string"),
    ({"key": [{"suffix": ["test", "test2"]}]}, "suffix match pattern must be a string"),
    ({"key": {"not-an-operator": "value"}}, '"not-an-operator" must be an object or an array'),
    ({"key": [{"numeric": []}]}, "Invalid member in numeric match: ]"),
    ({"key": [{"numeric": ["operator"]}]}, "Unrecognized numeric range operator: operator"),
    ({"key": [{"numeric": [1, "<="]}]}, "Invalid member in numeric match: 1"),
    ({"key": [{"numeric": ["=", "000"]}]}, "Value of equals must be numeric"),
    ({"key": [{"numeric": [">="]}]}, "Value of >= must be numeric"),
    ({"key": [{"numeric": ["<", 100, ">", 10]}]}, "Too many elements in numeric expression"),
    ({"key": [{"numeric": [">=", 1, ">", 2]}]}, "Bad numeric range operator: >"),
    ({"key": [{"numeric": [">", 3, "<", 1]}]}, "Bottom must be less than top"),
    ({"key": [{"numeric": [">", 20, "<="]}]}, "Value of <= must be numeric"),
    ({"key": [{"numeric": [">", 20, 30]}]}, "Bad value in numeric range: 30"),
    ({"key": [{"numeric": [">", 20, "test"]}]}, "Bad numeric range operator: test"),
    ({"key": [{"numeric": [">", "20", "<", "30"]}]}, "Value of > must be numeric"),
    ({"key": [{"numeric": [">", 20, "<", "30"]}]}, "Value of < must be numeric"),
    ({"key": [{"numeric": [">", 20, "<", 30, "<", 50]}]}, "Too many terms in numeric range expression"),
    ({"key": [{"exists": None}]}, "exists match pattern must be either true or false."),
    ({"key": [{"exists": "no"}]}, "exists match pattern must be either true or false."),
    ({"key_a": "value_one"}, '"key_a" must be an object or an array'),
]

# event-ruler reasons for the remaining operators (shared by both flavors).
RULER: list[tuple[Any, str]] = [
    ({"key": []}, "Empty arrays are not allowed"),
    ({"key": {}}, "Empty objects are not allowed"),
    ({"key": [{}]}, "Match expression name not found"),
    ({"key": [{"prefix": 1}]}, "prefix match pattern must be a string"),
    ({"key": [{"prefix": {"equals-ignore-case": 1}}]}, "equals-ignore-case match pattern must be a string"),
    ({"key": [{"prefix": {"bogus": "x"}}]}, "Unsupported prefix pattern: bogus"),
    ({"key": [{"equals-ignore-case": ["a"]}]}, "equals-ignore-case match pattern must be a string"),
    ({"key": [{"numeric": "> 5"}]}, "Value of numeric must be an array."),
    ({"key": [{"numeric": ["=", 5, 6]}]}, "Too many elements in numeric expression"),
    ({"key": [{"numeric": [">", 5], "prefix": "x"}]}, "Too many elements in numeric expression"),
    ({"key": [{"numeric": ["=", True]}]}, "Value of equals must be numeric"),
    ({"key": [{"cidr": 10}]}, "prefix match pattern must be a string"),
    ({"key": [{"cidr": "10.0.0.0"}]}, "Malformed CIDR, one '/' required"),
    ({"key": [{"cidr": "10.0.0.0/x"}]}, "Malformed CIDR, mask bits must be an integer"),
    ({"key": [{"cidr": "10.0.0.0/-1"}]}, "Malformed CIDR, mask bits must not be negative"),
    ({"key": [{"cidr": "10.0.0/24"}]}, "Nonstandard IP address: 10.0.0"),
    ({"key": [{"cidr": "10.0.0.0/33"}]}, "IPv4 mask bits must be < 32"),
    ({"key": [{"cidr": "::/129"}]}, "IPv6 mask bits must be < 128"),
    (
        {"key": [{"anything-but": None}]},
        "Value of anything-but must be an array or single string/number value.",
    ),
    (
        {"key": [{"anything-but": True}]},
        "Value of anything-but must be an array or single string/number value.",
    ),
    (
        {"key": [{"anything-but": ["a", None]}]},
        "Inside anything but list, start|null|boolean is not supported.",
    ),
    (
        {"key": [{"anything-but": ["a", 1]}]},
        "Inside anything but list, either all values are number or string, mixed type is not supported",
    ),
    (
        {"key": [{"anything-but": []}]},
        "Inside anything but list, either all values are number or string, mixed type is not supported",
    ),
    ({"key": [{"anything-but": {}}]}, "Anything-But expression name not found"),
    ({"key": [{"anything-but": {"numeric": [">", 1]}}]}, "Unsupported anything-but pattern: numeric"),
    ({"key": [{"anything-but": {"prefix": 1}}]}, "prefix/suffix match pattern must be a string"),
    ({"key": [{"anything-but": {"suffix": ""}}]}, "Null prefix/suffix not allowed"),
    ({"key": [{"anything-but": {"prefix": "a", "suffix": "b"}}]}, "Only one key allowed in match expression"),
    (
        {"key": [{"anything-but": {"equals-ignore-case": [1]}}]},
        "Inside anything-but/equals-ignore-case list, number|start|null|boolean is not supported.",
    ),
    ({"key": [{"anything-but": "a", "prefix": "b"}]}, "Too many elements in numeric expression"),
    ({"key": [{"exists": True, "prefix": "b"}]}, "Only one key allowed in match expression"),
]


@pytest.mark.parametrize(("policy", "reason"), RECORDED + RULER)
def test_sns_wording(policy: Any, reason: str) -> None:
    with pytest.raises(PatternError) as err:
        sns_policy(json.dumps(policy), MESSAGE_BODY)
    assert err.value.code == "InvalidParameter"
    assert err.value.message == f"Invalid parameter: FilterPolicy: {reason}"
    assert err.value.subscribe_message == f"Invalid parameter: Attributes Reason: FilterPolicy: {reason}"
    assert str(err.value) == err.value.message


@pytest.mark.parametrize(("policy", "reason"), RECORDED)
def test_sns_attribute_scope_reports_value_errors_before_nesting(policy: Any, reason: str) -> None:
    with pytest.raises(PatternError) as err:
        sns_policy(json.dumps(policy), "MessageAttributes")
    assert err.value.message == f"Invalid parameter: FilterPolicy: {reason}"


@pytest.mark.parametrize(("pattern", "reason"), RECORDED + RULER)
def test_eventbridge_wording(pattern: Any, reason: str) -> None:
    with pytest.raises(PatternError) as err:
        compile_pattern(pattern, "eventbridge")
    assert err.value.code == "InvalidEventPatternException"
    assert err.value.message == f"Event pattern is not valid. Reason: {reason}"
    assert err.value.reason == reason


EVENTBRIDGE_ONLY: list[tuple[Any, str]] = [
    ("[1, 2]", "Filter is not an object"),
    ('"text"', "Filter is not an object"),
    ({"key": [{"wildcard": 1}]}, "wildcard match pattern must be a string"),
    ({"key": [{"wildcard": "a**b"}]}, "Consecutive wildcard characters at pos 1"),
    ({"key": [{"wildcard": "é**"}]}, "Consecutive wildcard characters at pos 2"),  # UTF-8 byte position
    ({"key": [{"wildcard": "a\\b"}]}, "Invalid escape character at pos 1"),
    ({"key": [{"wildcard": "a\\"}]}, "Invalid escape character at pos 1"),
    ({"key": [{"anything-but": {"wildcard": 5}}]}, "wildcard match pattern must be a string"),
    ({"key": [{"anything-but": {"wildcard": "**"}}]}, "Consecutive wildcard characters at pos 0"),
    ({"key": [{"numeric": [">", 5.0e9 + 1]}]}, "Value must be between -5.0E9 and 5.0E9, inclusive"),
    ({"key": [{"anything-but": -6e9}]}, "Value must be between -5.0E9 and 5.0E9, inclusive"),
    ({}, "Empty objects are not allowed"),
]


@pytest.mark.parametrize(("pattern", "reason"), EVENTBRIDGE_ONLY)
def test_eventbridge_only_reasons(pattern: Any, reason: str) -> None:
    with pytest.raises(PatternError) as err:
        compile_pattern(pattern, "eventbridge")
    assert err.value.message == f"Event pattern is not valid. Reason: {reason}"


def test_eventbridge_invalid_json() -> None:
    with pytest.raises(PatternError) as err:
        compile_pattern('{"source": [', "eventbridge")
    assert err.value.message.startswith("Event pattern is not valid. Reason: Filter is not valid JSON")
    with pytest.raises(PatternError):
        compile_pattern('{"n": [NaN]}', "eventbridge")


# Recorded SNS limits (LocalStack's AWS-validated snapshots) and the documented constraints page
# https://docs.aws.amazon.com/sns/latest/dg/subscription-filter-policy-constraints.html
SNS_LIMITS: list[tuple[Any, str, str]] = [
    (
        {"key": [f"value{i}" for i in range(151)]},
        "MessageAttributes",
        "FilterPolicy: Filter policy is too complex",
    ),
    (
        {"key1": [f"v{i}" for i in range(100)], "key2": [f"v{i}" for i in range(51)]},
        "MessageAttributes",
        "FilterPolicy: Filter policy is too complex",
    ),
    (
        {f"key{i}": [f"value{i}"] for i in range(1, 7)},
        "MessageAttributes",
        "FilterPolicy: Filter policy can not have more than 5 keys",
    ),
    (
        {f"key{i}": {"nested": [f"value{i}"]} for i in range(1, 7)},
        "MessageBody",
        "FilterPolicy: Filter policy can not have more than 5 keys",
    ),
    # (source * metricName) + (source * metricType * metricId) + (source * metricType * spaceId) = 152
    (
        {
            "source": ["aws.cloudwatch", "aws.events", "aws.test", "aws.test2"],
            "$or": [
                {"metricName": ["CPUUtilization", "ReadLatency", "t1", "t2", "t3", "t4"]},
                {
                    "metricType": ["MetricType", "TestType", "TestType2", "TestType3"],
                    "$or": [{"metricId": [1234, 4321, 5678, 9012]}, {"spaceId": [1, 2, 3, 4]}],
                },
            ],
        },
        "MessageAttributes",
        "FilterPolicy: Filter policy is too complex",
    ),
    # nested keys count "values x depth": (3*4*2) + (3*4*6) + (2*4*2) + (2*4*6) = 160
    (
        {
            "$or": [
                {"metricName": ["CPUUtilization", "ReadLatency", "TestValue"]},
                {"namespace": ["AWS/EC2", "AWS/ES"]},
            ],
            "detail": {
                "scope": ["Service", "Test"],
                "$or": [
                    {"source": ["aws.cloudwatch"]},
                    {"type": ["CloudWatch Alarm State Change", "TestValue", "TestValue2"]},
                ],
            },
        },
        "MessageBody",
        "FilterPolicy: Filter policy is too complex",
    ),
    (
        {"object": {"key": [{"prefix": "auto-"}]}},
        "MessageAttributes",
        "Filter policy scope MessageAttributes does not support nested filter policy",
    ),
    ({}, "MessageAttributes", "FilterPolicy: Filter policy can not be empty"),
    ([1], "MessageAttributes", "FilterPolicy: Filter is not an object"),
    (
        {"a": ["b"]},
        "RandomValue",
        "FilterPolicyScope: Invalid value [RandomValue]. Please use either MessageBody or MessageAttributes",
    ),
]


@pytest.mark.parametrize(("policy", "scope", "detail"), SNS_LIMITS)
def test_sns_limits(policy: Any, scope: str, detail: str) -> None:
    with pytest.raises(PatternError) as err:
        sns_policy(json.dumps(policy), scope)
    assert err.value.code == "InvalidParameter"
    assert err.value.message == f"Invalid parameter: {detail}"


def test_sns_accepts_exactly_150_combinations_with_or() -> None:
    # (3 * 6) + (3 * 4 * 4) + (3 * 4 * 7) = 150, accepted by AWS
    policy = {
        "source": ["aws.cloudwatch", "aws.events", "aws.test"],
        "$or": [
            {"metricName": ["CPUUtilization", "ReadLatency", "TestVal", "TestVal2", "TestVal3", "TestVal4"]},
            {
                "metricType": ["MetricType", "TestType", "TestType2", "TestType3"],
                "$or": [{"metricId": [1234, 4321, 5678, 9012]}, {"spaceId": [1, 2, 3, 4, 5, 6, 7]}],
            },
        ],
    }
    assert sns_policy(json.dumps(policy)).pattern.combinations == 150


def test_sns_invalid_json_and_size() -> None:
    with pytest.raises(PatternError) as err:
        sns_policy('{"a": [')
    assert err.value.message.startswith("Invalid parameter: FilterPolicy: failed to parse JSON.")
    with pytest.raises(PatternError) as err:
        sns_policy(json.dumps({"a": ["x" * (256 * 1024)]}))
    assert err.value.message == "Invalid parameter: FilterPolicy: Filter policy is too long"


def test_sns_has_no_wildcard_operator() -> None:
    with pytest.raises(PatternError) as err:
        sns_policy('{"a": [{"wildcard": "*.png"}]}')
    assert err.value.message == "Invalid parameter: FilterPolicy: Unrecognized match type wildcard"
    with pytest.raises(PatternError) as err:
        sns_policy('{"a": [{"anything-but": {"wildcard": "*.png"}}]}')
    assert err.value.message == "Invalid parameter: FilterPolicy: Unsupported anything-but pattern: wildcard"


def test_unknown_flavor_is_a_programming_error() -> None:
    with pytest.raises(ValueError):
        compile_pattern({"a": ["b"]}, "lambda")  # type: ignore[arg-type]
