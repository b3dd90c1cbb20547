"""Every example of the SNS message-filtering documentation, for attribute and body scope."""

from __future__ import annotations

import json
from typing import Any

import pytest

from cloudlet.core.patterns.sns import MESSAGE_ATTRIBUTES, MESSAGE_BODY, attributes_to_event, sns_policy


def _s(value: str) -> dict[str, str]:
    return {"DataType": "String", "StringValue": value}


def _n(value: str) -> dict[str, str]:
    return {"DataType": "Number", "StringValue": value}


def _a(values: list[Any]) -> dict[str, str]:
    return {"DataType": "String.Array", "StringValue": json.dumps(values)}


def _ids(rows: list[Any]) -> list[str]:
    return [f"{i}" for i in range(len(rows))]


AttrRow = tuple[dict[str, Any], dict[str, Any], bool]
BodyRow = tuple[dict[str, Any], Any, bool]

# https://docs.aws.amazon.com/sns/latest/dg/string-value-matching.html
STRING_ATTRS: list[AttrRow] = [
    ({"customer_interests": ["rugby", "tennis"]}, {"customer_interests": _s("rugby")}, True),
    ({"customer_interests": ["rugby", "tennis"]}, {"customer_interests": _s("tennis")}, True),
    ({"customer_interests": ["rugby", "tennis"]}, {"customer_interests": _a(["rugby", "tennis"])}, True),
    ({"customer_interests": ["rugby", "tennis"]}, {"customer_interests": _s("baseball")}, False),
    ({"customer_interests": ["rugby", "tennis"]}, {"customer_interests": _a(["baseball"])}, False),
    (
        {"customer_interests": [{"anything-but": ["rugby", "tennis"]}]},
        {"customer_interests": _s("baseball")},
        True,
    ),
    (
        {"customer_interests": [{"anything-but": ["rugby", "tennis"]}]},
        {"customer_interests": _s("football")},
        True,
    ),
    (
        {"customer_interests": [{"anything-but": ["rugby", "tennis"]}]},
        {"customer_interests": _a(["rugby", "baseball"])},
        True,
    ),
    (
        {"customer_interests": [{"anything-but": ["rugby", "tennis"]}]},
        {"customer_interests": _s("rugby")},
        False,
    ),
    ({"event": [{"anything-but": {"prefix": "order-"}}]}, {"event": _s("data-entry")}, True),
    ({"event": [{"anything-but": {"prefix": "order-"}}]}, {"event": _s("order_number")}, True),
    ({"event": [{"anything-but": {"prefix": "order-"}}]}, {"event": _s("order-cancelled")}, False),
    ({"customer_interests": [{"equals-ignore-case": "tennis"}]}, {"customer_interests": _s("TeNnis")}, True),
    (
        {"customer_interests": [{"equals-ignore-case": "tennis"}]},
        {"customer_interests": _s("Baseball")},
        False,
    ),
    ({"source_ip": [{"cidr": "10.0.0.0/24"}]}, {"source_ip": _s("10.0.0.0")}, True),
    ({"source_ip": [{"cidr": "10.0.0.0/24"}]}, {"source_ip": _s("10.0.0.255")}, True),
    ({"source_ip": [{"cidr": "10.0.0.0/24"}]}, {"source_ip": _s("10.1.1.0")}, False),
    ({"customer_interests": [{"prefix": "bas"}]}, {"customer_interests": _s("baseball")}, True),
    ({"customer_interests": [{"prefix": "bas"}]}, {"customer_interests": _s("basketball")}, True),
    ({"customer_interests": [{"prefix": "bas"}]}, {"customer_interests": _s("rugby")}, False),
    ({"customer_interests": [{"suffix": "ball"}]}, {"customer_interests": _s("baseball")}, True),
    ({"customer_interests": [{"suffix": "ball"}]}, {"customer_interests": _s("basketball")}, True),
    ({"customer_interests": [{"suffix": "ball"}]}, {"customer_interests": _s("rugby")}, False),
]
STRING_BODIES: list[BodyRow] = [
    ({"customer_interests": ["rugby", "tennis"]}, {"customer_interests": "rugby"}, True),
    ({"customer_interests": ["rugby", "tennis"]}, {"customer_interests": "tennis"}, True),
    ({"customer_interests": ["rugby", "tennis"]}, {"customer_interests": "baseball"}, False),
    (
        {"customer_interests": [{"anything-but": ["rugby", "tennis"]}]},
        {"customer_interests": "baseball"},
        True,
    ),
    ({"customer_interests": [{"anything-but": ["rugby", "tennis"]}]}, {"customer_interests": "rugby"}, False),
    ({"event": [{"anything-but": {"prefix": "order-"}}]}, {"event": "order-cancelled"}, False),
    ({"customer_interests": [{"suffix": "ball"}]}, {"customer_interests": "baseball"}, True),
    ({"source_ip": [{"cidr": "10.0.0.0/24"}]}, {"source_ip": "10.0.0.255"}, True),
]

# https://docs.aws.amazon.com/sns/latest/dg/numeric-value-matching.html
NUMERIC_ATTRS: list[AttrRow] = [
    ({"price_usd": [{"numeric": ["=", 301.5]}]}, {"price_usd": _n("301.5")}, True),
    ({"price_usd": [{"numeric": ["=", 301.5]}]}, {"price_usd": _n("3.015e2")}, True),
    ({"price": [{"anything-but": [100, 500]}]}, {"price": _n("101")}, True),
    ({"price": [{"anything-but": [100, 500]}]}, {"price": _n("100.1")}, True),
    (
        {"price": [{"anything-but": [100, 500]}]},
        {"price": {"Type": "Number.Array", "Value": "[100, 50]"}},
        True,
    ),
    ({"price": [{"anything-but": [100, 500]}]}, {"price": _n("100")}, False),
    ({"price_usd": [{"numeric": ["<", 0]}]}, {"price_usd": _n("-0.5")}, True),
    ({"price_usd": [{"numeric": ["<", 0]}]}, {"price_usd": _n("0")}, False),
    ({"price_usd": [{"numeric": [">", 0, "<=", 150]}]}, {"price_usd": _n("150")}, True),
    ({"price_usd": [{"numeric": [">", 0, "<=", 150]}]}, {"price_usd": _n("150.00001")}, False),
    ({"price_usd": [{"numeric": [">", 0, "<=", 150]}]}, {"price_usd": _s("100")}, False),
]
NUMERIC_BODIES: list[BodyRow] = [
    ({"price_usd": [{"numeric": ["=", 301.5]}]}, {"price_usd": 301.5}, True),
    ({"price_usd": [{"numeric": ["=", 301.5]}]}, {"price_usd": 3.015e2}, True),
    ({"price": [{"anything-but": [100, 500]}]}, {"price": 101}, True),
    ({"price": [{"anything-but": [100, 500]}]}, {"price": 100.1}, True),
    ({"price": [{"anything-but": [100, 500]}]}, {"price": [100, 50]}, True),
    ({"price": [{"anything-but": [100, 500]}]}, {"price": 100}, False),
    ({"price_usd": [{"numeric": [">", 0, "<=", 150]}]}, {"price_usd": 1}, True),
]

# https://docs.aws.amazon.com/sns/latest/dg/attribute-key-matching.html
KEY_ATTRS: list[AttrRow] = [
    (
        {"store": [{"exists": True}]},
        {"store": _s("fans"), "customer_interests": _a(["baseball", "basketball"])},
        True,
    ),
    ({"store": [{"exists": True}]}, {"customer_interests": _a(["baseball", "basketball"])}, False),
    (
        {"store": [{"exists": False}]},
        {"store": _s("fans"), "customer_interests": _a(["baseball", "basketball"])},
        False,
    ),
    ({"store": [{"exists": False}]}, {"customer_interests": _a(["baseball", "basketball"])}, True),
]
KEY_BODIES: list[BodyRow] = [
    (
        {"store": [{"exists": True}]},
        {"store": "fans", "customer_interests": ["baseball", "basketball"]},
        True,
    ),
    ({"store": [{"exists": True}]}, {"customer_interests": ["baseball", "basketball"]}, False),
    ({"store": [{"exists": False}]}, {"store": "fans", "customer_interests": ["baseball"]}, False),
    ({"store": [{"exists": False}]}, {"customer_interests": ["baseball", "basketball"]}, True),
]

# https://docs.aws.amazon.com/sns/latest/dg/and-or-logic.html
AND_POLICY = {"customer_interests": ["rugby"], "price_usd": [{"numeric": [">", 100]}]}
STANDARD_OR = {
    "source": ["aws.cloudwatch"],
    "$or": [{"metricName": ["CPUUtilization"]}, {"namespace": ["AWS/EC2"]}],
}
OR_IN_OR = {
    "source": ["aws.cloudwatch"],
    "$or": [
        {"metricName": ["CPUUtilization", "ReadLatency"]},
        {"metricType": ["MetricType"], "$or": [{"metricId": [1234, 4321]}, {"spaceId": [1000, 2000, 3000]}]},
    ],
}
AND_OR_ATTRS: list[AttrRow] = [
    (AND_POLICY, {"customer_interests": _s("rugby"), "price_usd": _n("100.5")}, True),
    (AND_POLICY, {"customer_interests": _s("rugby"), "price_usd": _n("100")}, False),
    (AND_POLICY, {"customer_interests": _s("rugby")}, False),
    ({"customer_interests": ["rugby", "football", "baseball"]}, {"customer_interests": _s("football")}, True),
    ({"customer_interests": ["rugby", "football", "baseball"]}, {"customer_interests": _s("hockey")}, False),
    (STANDARD_OR, {"source": _s("aws.cloudwatch"), "metricName": _s("CPUUtilization")}, True),
    (STANDARD_OR, {"source": _s("aws.cloudwatch"), "namespace": _s("AWS/EC2")}, True),
    (STANDARD_OR, {"source": _s("aws.cloudwatch"), "namespace": _s("AWS/ES")}, False),
    (STANDARD_OR, {"metricName": _s("CPUUtilization")}, False),
    (OR_IN_OR, {"source": _s("aws.cloudwatch"), "metricName": _s("ReadLatency")}, True),
    (OR_IN_OR, {"source": _s("aws.cloudwatch"), "metricType": _s("MetricType"), "spaceId": _n("2000")}, True),
    (
        OR_IN_OR,
        {"source": _s("aws.cloudwatch"), "metricType": _s("MetricType"), "metricId": _n("1234")},
        True,
    ),
    (OR_IN_OR, {"source": _s("aws.cloudwatch"), "metricType": _s("MetricType")}, False),
    (OR_IN_OR, {"source": _s("aws.cloudwatch"), "spaceId": _n("1000")}, False),
]
AND_OR_BODIES: list[BodyRow] = [
    (AND_POLICY, {"customer_interests": "rugby", "price_usd": 101}, True),
    (STANDARD_OR, {"source": "aws.cloudwatch", "namespace": "AWS/EC2"}, True),
    (OR_IN_OR, {"source": "aws.cloudwatch", "metricType": "MetricType", "metricId": 4321}, True),
    (OR_IN_OR, {"source": "aws.cloudwatch", "metricType": "Other", "metricId": 4321}, False),
]

# https://docs.aws.amazon.com/sns/latest/dg/example-filter-policies.html
EXAMPLE_ATTRIBUTES = {
    "customer_interests": {"Type": "String.Array", "Value": '["soccer", "rugby", "hockey"]'},
    "store": {"Type": "String", "Value": "example_corp"},
    "event": {"Type": "String", "Value": "order_placed"},
    "price_usd": {"Type": "Number", "Value": "210.75"},
}
EXAMPLE_BODY = {
    "customer_interests": ["soccer", "rugby", "hockey"],
    "store": "example_corp",
    "event": "order_placed",
    "price_usd": 210.75,
}
EXAMPLE_POLICY = {
    "store": ["example_corp"],
    "event": [{"anything-but": "order_cancelled"}],
    "customer_interests": ["rugby", "football", "baseball"],
    "price_usd": [{"numeric": [">=", 100]}],
}
EXAMPLE_ATTRS: list[AttrRow] = [
    (EXAMPLE_POLICY, EXAMPLE_ATTRIBUTES, True),
    ({**EXAMPLE_POLICY, "store": ["other_corp"]}, EXAMPLE_ATTRIBUTES, False),
    ({**EXAMPLE_POLICY, "event": [{"anything-but": "order_placed"}]}, EXAMPLE_ATTRIBUTES, False),
    ({**EXAMPLE_POLICY, "price_usd": [{"numeric": [">=", 300]}]}, EXAMPLE_ATTRIBUTES, False),
    ({**EXAMPLE_POLICY, "customer_interests": ["football"]}, EXAMPLE_ATTRIBUTES, False),
]
EXAMPLE_BODIES: list[BodyRow] = [
    (EXAMPLE_POLICY, EXAMPLE_BODY, True),
    ({**EXAMPLE_POLICY, "store": ["other_corp"]}, EXAMPLE_BODY, False),
]

ATTRIBUTE_ROWS = STRING_ATTRS + NUMERIC_ATTRS + KEY_ATTRS + AND_OR_ATTRS + EXAMPLE_ATTRS
BODY_ROWS = STRING_BODIES + NUMERIC_BODIES + KEY_BODIES + AND_OR_BODIES + EXAMPLE_BODIES


@pytest.mark.parametrize(("policy", "attributes", "expected"), ATTRIBUTE_ROWS, ids=_ids(ATTRIBUTE_ROWS))
def test_attribute_scope_examples(policy: dict[str, Any], attributes: dict[str, Any], expected: bool) -> None:
    sns_filter = sns_policy(json.dumps(policy), MESSAGE_ATTRIBUTES)
    assert sns_filter.matches_attributes(attributes) is expected
    assert sns_filter.matches("ignored body", attributes) is expected


@pytest.mark.parametrize(("policy", "body", "expected"), BODY_ROWS, ids=_ids(BODY_ROWS))
def test_body_scope_examples(policy: dict[str, Any], body: Any, expected: bool) -> None:
    sns_filter = sns_policy(json.dumps(policy), MESSAGE_BODY)
    assert sns_filter.matches_body(json.dumps(body)) is expected
    assert sns_filter.matches(json.dumps(body), None) is expected


# https://docs.aws.amazon.com/sns/latest/dg/message-filtering.html: "Filter policies for the message body
# assume that the message payload is a well-formed JSON object."
@pytest.mark.parametrize("body", ["not json", "[1, 2]", '"rugby"', "", "null"])
def test_body_that_is_not_a_json_object_never_matches(body: str) -> None:
    assert not sns_policy('{"a": [{"exists": false}]}', MESSAGE_BODY).matches_body(body)


# https://docs.aws.amazon.com/sns/latest/dg/subscription-filter-policy-constraints.html (payload-based
# policies allow nesting; the nested example counts 72 combinations)
def test_nested_body_policy_and_documented_combination_count() -> None:
    policy = {
        "key_a": {"key_b": {"key_c": ["value_one", "value_two", "value_three", "value_four"]}},
        "key_d": {"key_e": ["value_one", "value_two", "value_three"]},
    }
    sns_filter = sns_policy(json.dumps(policy), MESSAGE_BODY)
    assert sns_filter.pattern.combinations == 72
    body = {"key_a": {"key_b": {"key_c": "value_two"}}, "key_d": {"key_e": "value_three"}}
    assert sns_filter.matches_body(json.dumps(body))
    assert not sns_filter.matches_body(json.dumps({"key_a": {"key_b": {"key_c": "value_two"}}}))


def test_flat_policy_documented_combination_count() -> None:
    policy = {"key_a": ["value_one", "value_two", "value_three"], "key_b": ["value_one"], "key_c": ["a", "b"]}
    assert sns_policy(json.dumps(policy)).pattern.combinations == 6  # 3 x 1 x 2


# "Amazon SNS ignores message attributes with the Binary data type."
def test_binary_attributes_are_ignored() -> None:
    attributes = {"blob": {"DataType": "Binary", "BinaryValue": b"\x00"}, "n": _n("7"), "s": _s("x")}
    assert attributes_to_event(attributes) == {"n": 7, "s": "x"}
    assert sns_policy('{"blob": [{"exists": false}]}').matches_attributes(attributes)
