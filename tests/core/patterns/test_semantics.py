"""Edge cases the documentation implies but shows no example for."""

from __future__ import annotations

import json
from typing import Any

import pytest

from cloudlet.core.patterns import PatternError, compile_pattern
from cloudlet.core.patterns.sns import attributes_to_event, sns_policy

CASES: list[tuple[str, dict[str, Any], dict[str, Any], bool]] = [
    # JSON types stay apart: true is not 1, "5" is not 5; numbers compare as numbers
    ("bool-not-number", {"a": [1]}, {"a": True}, False),
    ("number-not-bool", {"a": [True]}, {"a": 1}, False),
    ("false-literal", {"a": [False]}, {"a": False}, True),
    ("string-not-number", {"a": ["5"]}, {"a": 5}, False),
    ("number-not-string", {"a": [5]}, {"a": "5"}, False),
    ("number-equals-float", {"a": [5]}, {"a": 5.0}, True),
    ("exponent-form", {"a": [3.018e2]}, {"a": 301.8}, True),
    # six decimals for EventBridge
    ("eb-precision-equal", {"a": [{"numeric": ["=", 0]}]}, {"a": 1e-7}, True),
    ("eb-precision-differs", {"a": [{"numeric": ["=", 0]}]}, {"a": 1e-6}, False),
    ("numeric-not-string", {"a": [{"numeric": [">", 0]}]}, {"a": "5"}, False),
    ("numeric-not-bool", {"a": [{"numeric": [">", 0]}]}, {"a": True}, False),
    ("numeric-large-event", {"a": [{"numeric": [">", 0]}]}, {"a": 1e300}, True),
    ("numeric-open-top", {"a": [{"numeric": [">=", 1, "<", 2]}]}, {"a": 2}, False),
    ("numeric-closed-bottom", {"a": [{"numeric": [">=", 1, "<", 2]}]}, {"a": 1}, True),
    # arrays: any element; nested arrays flatten; fields of one array element stay together
    ("event-array-any", {"a": ["x"]}, {"a": ["y", "x"]}, True),
    ("nested-array", {"a": [1]}, {"a": [[2, [1]]]}, True),
    (
        "array-element-consistency",
        {"a": {"b": [1], "c": [2]}},
        {"a": [{"b": 1, "c": 3}, {"b": 4, "c": 2}]},
        False,
    ),
    ("array-element-same", {"a": {"b": [1], "c": [2]}}, {"a": [{"b": 4, "c": 3}, {"b": 1, "c": 2}]}, True),
    ("object-is-not-leaf", {"a": ["x"]}, {"a": {"x": 1}}, False),
    ("scalar-is-not-object", {"a": {"b": ["x"]}}, {"a": "x"}, False),
    # exists
    ("exists-null-value", {"a": [{"exists": True}]}, {"a": None}, True),
    ("exists-empty-array", {"a": [{"exists": True}]}, {"a": []}, False),
    ("absent-empty-array", {"a": [{"exists": False}]}, {"a": []}, True),
    ("absent-missing-parent", {"p": {"a": [{"exists": False}]}}, {}, True),
    ("absent-scalar-parent", {"p": {"a": [{"exists": False}]}}, {"p": 3}, True),
    ("exists-or-value", {"a": ["x", {"exists": False}]}, {}, True),
    # anything-but needs a present value of any type
    ("anything-but-missing", {"a": [{"anything-but": "x"}]}, {}, False),
    ("anything-but-null", {"a": [{"anything-but": "x"}]}, {"a": None}, True),
    ("anything-but-other-type", {"a": [{"anything-but": [100]}]}, {"a": "100"}, True),
    ("anything-but-prefix-number", {"a": [{"anything-but": {"prefix": "1"}}]}, {"a": 12}, True),
    ("anything-but-all-elements", {"a": [{"anything-but": ["x", "y"]}]}, {"a": ["x", "y"]}, False),
    # string operators only see strings
    ("prefix-number", {"a": [{"prefix": "1"}]}, {"a": 12}, False),
    ("empty-prefix", {"a": [{"prefix": ""}]}, {"a": "anything"}, True),
    ("suffix-bool", {"a": [{"suffix": "e"}]}, {"a": True}, False),
    ("ignore-case-null", {"a": [{"equals-ignore-case": "null"}]}, {"a": None}, False),
    # wildcard: * is any run (possibly empty); \* and \\ are literals
    ("wildcard-empty-run", {"a": [{"wildcard": "ab*"}]}, {"a": "ab"}, True),
    ("wildcard-escaped-star", {"a": [{"wildcard": "a\\*b"}]}, {"a": "a*b"}, True),
    ("wildcard-escaped-star-literal", {"a": [{"wildcard": "a\\*b"}]}, {"a": "axb"}, False),
    ("wildcard-escaped-backslash", {"a": [{"wildcard": "a\\\\*"}]}, {"a": "a\\bc"}, True),
    ("wildcard-regex-chars", {"a": [{"wildcard": "a.c"}]}, {"a": "abc"}, False),
    ("wildcard-newline", {"a": [{"wildcard": "a*c"}]}, {"a": "a\nc"}, True),
    ("wildcard-number", {"a": [{"wildcard": "*"}]}, {"a": 1}, False),
    # cidr: event-ruler keeps the host bits of the base address
    ("cidr-base-kept", {"a": [{"cidr": "10.0.0.5/24"}]}, {"a": "10.0.0.4"}, False),
    ("cidr-base-kept-top", {"a": [{"cidr": "10.0.0.5/24"}]}, {"a": "10.0.0.255"}, True),
    ("cidr-version", {"a": [{"cidr": "0.0.0.0/0"}]}, {"a": "::1"}, False),
    ("cidr-not-ip", {"a": [{"cidr": "10.0.0.0/8"}]}, {"a": "10.x"}, False),
    ("cidr-v6-compressed", {"a": [{"cidr": "2001:db8::/32"}]}, {"a": "2001:0db8:0000::1"}, True),
    ("cidr-host", {"a": [{"cidr": "10.0.0.1/32"}]}, {"a": "10.0.0.1"}, True),
    # $or is an ordinary name unless it holds >= 2 objects without reserved keys (SNS and-or-logic page)
    ("or-reserved-is-field", {"$or": [{"prefix": "ab"}, {"suffix": "yz"}]}, {"$or": "abc"}, True),
    ("or-reserved-not-or", {"$or": [{"prefix": "ab"}, {"suffix": "yz"}]}, {"prefix": "ab"}, False),
    ("or-nested-object", {"d": {"$or": [{"a": ["1"]}, {"b": ["2"]}]}}, {"d": {"b": "2"}}, True),
    ("or-and-field", {"a": ["1"], "$or": [{"b": ["2"]}, {"c": ["3"]}]}, {"b": "2", "c": "3"}, False),
    ("or-in-array", {"d": {"$or": [{"a": ["1"]}, {"b": ["2"]}]}}, {"d": [{"a": "0"}, {"b": "2"}]}, True),
]


@pytest.mark.parametrize(("pattern", "event", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_eventbridge_semantics(pattern: dict[str, Any], event: dict[str, Any], expected: bool) -> None:
    assert compile_pattern(pattern, "eventbridge").matches(event) is expected


def test_or_needs_two_objects() -> None:
    with pytest.raises(PatternError, match="Unrecognized match type a"):
        compile_pattern({"$or": [{"a": ["b"]}]})


def test_non_object_events_never_match() -> None:
    pattern = compile_pattern({"a": [{"exists": False}]})
    assert pattern.matches({})
    assert not pattern.matches([])  # type: ignore[arg-type]
    assert not pattern.matches("a")  # type: ignore[arg-type]


def test_sns_precision_is_five_decimals() -> None:
    policy = sns_policy('{"a": [{"numeric": ["=", 0]}]}', "MessageBody")
    assert policy.matches_body('{"a": 0.000001}')
    assert not policy.matches_body('{"a": 0.00001}')


def test_sns_large_operands_are_accepted() -> None:
    # The documented +/-1e9 range is not enforced (AWS accepts larger operands; see limits.py).
    assert sns_policy('{"a": [{"numeric": [">", 1e12]}]}', "MessageBody").matches_body('{"a": 2e12}')


def test_sns_null_and_anything_but_do_not_match_missing_attribute() -> None:
    # Recorded against AWS in LocalStack's test_filter_policy: a message without attr1 is not delivered.
    policy = sns_policy(json.dumps({"attr1": [None, {"anything-but": "whatever"}]}))
    assert not policy.matches_attributes({})
    assert policy.matches_attributes({"attr1": {"DataType": "String", "StringValue": "other"}})


def test_sns_number_attributes_compare_numerically() -> None:
    policy = sns_policy('{"price": [100, {"numeric": [">", 1000]}]}')
    assert policy.matches_attributes({"price": {"DataType": "Number", "StringValue": "100.0"}})
    assert policy.matches_attributes({"price": {"DataType": "Number", "StringValue": "1e4"}})
    assert policy.matches_attributes({"price": {"DataType": "Number.float", "StringValue": "100"}})
    assert not policy.matches_attributes({"price": {"DataType": "String", "StringValue": "100"}})


def test_sns_string_array_elements_of_any_type() -> None:
    attributes = {"a": {"DataType": "String.Array", "StringValue": '["x", 5, true, null]'}}
    assert attributes_to_event(attributes) == {"a": ["x", 5, True, None]}
    assert sns_policy('{"a": [{"numeric": [">", 4]}]}').matches_attributes(attributes)
    assert sns_policy('{"a": [true]}').matches_attributes(attributes)
    assert not sns_policy('{"a": [{"numeric": [">", 5]}]}').matches_attributes(attributes)


def test_sns_attribute_conversions() -> None:
    attributes = {
        "bad_array": {"DataType": "String.Array", "StringValue": "[not json"},
        "bad_number": {"DataType": "Number", "StringValue": "12x"},
        "envelope": {"Type": "Number", "Value": 301.5},
        "custom": {"DataType": "String.label", "StringValue": "v"},
        "no_value": {"DataType": "String"},
        "no_type": {"StringValue": "v"},
    }
    assert attributes_to_event(attributes) == {
        "bad_array": "[not json",
        "bad_number": "12x",
        "envelope": 301.5,
        "custom": "v",
    }


def test_sns_attribute_scope_allows_or_but_not_nesting() -> None:
    policy = sns_policy('{"$or": [{"a": ["1"]}, {"b": ["2"]}]}', "MessageAttributes")
    assert policy.matches_attributes({"b": {"DataType": "String", "StringValue": "2"}})
    with pytest.raises(PatternError, match="does not support nested filter policy"):
        sns_policy('{"$or": [{"a": {"x": ["1"]}}, {"b": ["2"]}]}', "MessageAttributes")
