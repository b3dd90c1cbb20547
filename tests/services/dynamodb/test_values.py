"""Typed attribute values: validation messages, equality and ordering, item sizes."""

from __future__ import annotations

from typing import Any

import pytest

from cloudlet.services.dynamodb import values
from cloudlet.services.dynamodb.errors import ValidationException


def invalid(value: Any) -> str:
    with pytest.raises(ValidationException) as caught:
        values.validate(value)
    return caught.value.message


def test_valid_values_pass() -> None:
    values.validate({"M": {"a": {"L": [{"S": ""}, {"NULL": True}, {"BS": [b"1", b"2"]}]}}})


def test_exactly_one_type() -> None:
    assert (
        invalid({}) == "Supplied AttributeValue is empty, must contain exactly one of the supported datatypes"
    )
    assert invalid({"S": "a", "N": "1"}) == (
        "Supplied AttributeValue has more than one datatypes set, must contain exactly one of the supported "
        "datatypes"
    )


def test_numbers() -> None:
    assert invalid({"N": "abc"}) == "The parameter cannot be converted to a numeric value: abc"
    assert invalid({"N": "1" * 39}) == "Attempting to store more than 38 significant digits in a Number"
    assert invalid({"N": "1E126"}) == (
        "Number overflow. Attempting to store a number with magnitude larger than supported range"
    )
    assert invalid({"N": "1E-131"}) == (
        "Number underflow. Attempting to store a number with magnitude smaller than supported range"
    )
    assert values.number("1.500") == "1.5" and values.number("-0") == "0"


def test_empty_sets() -> None:
    assert invalid({"SS": []}) == "One or more parameter values were invalid: An string set  may not be empty"
    assert invalid({"NS": []}) == "One or more parameter values were invalid: An number set  may not be empty"
    assert invalid({"BS": []}) == "One or more parameter values were invalid: Binary sets should not be empty"


def test_duplicate_set_members() -> None:
    assert invalid({"SS": ["a", "a"]}) == (
        "One or more parameter values were invalid: Input collection [a, a] contains duplicates."
    )
    assert "contains duplicates" in invalid({"NS": ["1", "1.0"]})


def test_null_must_be_true() -> None:
    assert invalid({"NULL": False}) == (
        "One or more parameter values were invalid: Null attribute value types must have the value of true"
    )


def test_nested_values_are_checked() -> None:
    assert "contains duplicates" in invalid({"L": [{"M": {"x": {"SS": ["a", "a"]}}}]})


def test_equality() -> None:
    assert values.equal({"N": "1.0"}, {"N": "1"})
    assert values.equal({"SS": ["a", "b"]}, {"SS": ["b", "a"]})
    assert values.equal({"B": b"\x00"}, {"B": "AA=="})
    assert not values.equal({"S": "1"}, {"N": "1"})
    assert values.equal({"M": {"a": {"L": [{"N": "2"}]}}}, {"M": {"a": {"L": [{"N": "2.0"}]}}})


def test_ordering() -> None:
    assert values.compare({"N": "10"}, {"N": "9"}) == 1
    assert values.compare({"S": "a"}, {"S": "B"}) == 1
    assert values.compare({"S": "\uffff"}, {"S": "\U0001f600"}) == -1
    assert values.compare({"B": b"\x01"}, {"B": b"\x01\x00"}) == -1
    assert values.compare({"S": "1"}, {"N": "1"}) is None
    assert values.compare({"BOOL": True}, {"BOOL": True}) is None


def test_item_size() -> None:
    assert values.item_size({"ab": {"S": "héllo"}}) == 2 + 6
    assert values.item_size({"n": {"N": "12345"}}) == 1 + 4
    assert values.item_size({"f": {"BOOL": True}, "z": {"NULL": True}}) == 4
    assert values.item_size({"l": {"L": [{"S": "ab"}]}}) == 1 + 3 + 1 + 2
    assert values.item_size({"m": {"M": {"k": {"B": b"xyz"}}}}) == 1 + 3 + 1 + 1 + 3
    assert values.item_size({"s": {"SS": ["a", "bc"]}}) == 1 + 3
