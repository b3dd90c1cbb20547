"""Projection expressions, key condition expressions and the unused-placeholder checks."""

from __future__ import annotations

from typing import Any

import pytest

from cloudlet.services.dynamodb import expressions as ex
from cloudlet.services.dynamodb.errors import ValidationException

ITEM: dict[str, Any] = {
    "pk": {"S": "k"},
    "a": {"M": {"b": {"L": [{"S": "0"}, {"S": "1"}, {"S": "2"}, {"S": "3"}]}, "c": {"N": "1"}}},
    "d": {"N": "4"},
}
KEYS: dict[str, Any] = {":p": {"S": "k"}, ":x": {"S": "m"}, ":y": {"S": "p"}, ":n": {"N": "1"}}


def failure(call: Any, *args: Any) -> str:
    with pytest.raises(ValidationException) as caught:
        call(*args)
    return caught.value.message


def test_projection_keeps_only_named_paths() -> None:
    assert ex.projection("pk, d, absent", None).apply(ITEM) == {"pk": ITEM["pk"], "d": ITEM["d"]}


def test_projection_of_nested_members_and_list_elements() -> None:
    projected = ex.projection("a.b[3], #d", {"#d": "d"}).apply({"x": {"N": "1"}})
    assert projected == {}
    projected = ex.projection("a.b[3], a.b[1], a.c", None).apply(ITEM)
    assert projected == {"a": {"M": {"b": {"L": [{"S": "1"}, {"S": "3"}]}, "c": {"N": "1"}}}}


def test_projection_overlaps_rejected() -> None:
    assert failure(ex.projection, "a, a.b", None) == (
        "Invalid ProjectionExpression: Two document paths overlap with each other; must remove or rewrite "
        "one of these paths; path one: [a], path two: [a, b]"
    )


def test_projection_reserved_word() -> None:
    assert failure(ex.projection, "pk, size", None) == (
        "Invalid ProjectionExpression: Attribute name is a reserved keyword; reserved keyword: size"
    )


def test_projection_attributes() -> None:
    assert ex.projection("a.b, d, a.c", None).attributes == ["a", "d"]


def test_key_condition_hash_only() -> None:
    hash_value, sort = ex.key_condition("pk = :p", None, KEYS, "pk", "sk")
    assert hash_value == {"S": "k"} and sort is None


def test_key_condition_with_each_sort_operator() -> None:
    cases = {
        "sk = :x": ("=", {"S": "m"}, {"S": "n"}),
        "sk < :x": ("<", {"S": "l"}, {"S": "m"}),
        "sk <= :x": ("<=", {"S": "m"}, {"S": "n"}),
        "sk > :x": (">", {"S": "n"}, {"S": "m"}),
        "sk >= :x": (">=", {"S": "m"}, {"S": "l"}),
        "sk BETWEEN :x AND :y": ("BETWEEN", {"S": "p"}, {"S": "q"}),
        "begins_with(sk, :x)": ("begins_with", {"S": "mango"}, {"S": "amber"}),
    }
    for text, (op, inside, outside) in cases.items():
        _, sort = ex.key_condition(f"pk = :p AND {text}", None, KEYS, "pk", "sk")
        assert sort is not None and sort.op == op
        assert sort.matches(inside) and not sort.matches(outside), text


def test_key_condition_sort_first_and_value_first() -> None:
    hash_value, sort = ex.key_condition("#s > :x and :p = #h", {"#s": "sk", "#h": "pk"}, KEYS, "pk", "sk")
    assert hash_value == {"S": "k"} and sort == ex.SortPredicate(">", ({"S": "m"},))
    _, sort = ex.key_condition("pk = :p AND :x < sk", None, KEYS, "pk", "sk")
    assert sort is not None and sort.op == ">"


def test_key_condition_needs_the_partition_key() -> None:
    assert failure(ex.key_condition, "sk = :x", None, KEYS, "pk", "sk") == (
        "Query condition missed key schema element: pk"
    )


def test_key_condition_partition_key_only_equality() -> None:
    assert failure(ex.key_condition, "pk > :p", None, KEYS, "pk", "sk") == "Query key condition not supported"


def test_key_condition_operators_not_allowed() -> None:
    assert failure(ex.key_condition, "pk = :p OR sk = :x", None, KEYS, "pk", "sk") == (
        "Invalid KeyConditionExpression: Invalid operator used in KeyConditionExpression: OR"
    )
    assert failure(ex.key_condition, "pk = :p AND contains(sk, :x)", None, KEYS, "pk", "sk").endswith(
        "KeyConditionExpression: contains"
    )


def test_key_condition_length_and_repetition() -> None:
    assert failure(ex.key_condition, "pk = :p AND sk = :x AND sk = :y", None, KEYS, "pk", "sk") == (
        "Invalid KeyConditionExpression: Conditions can be of length 1 or 2 only"
    )
    assert failure(ex.key_condition, "pk = :p AND pk = :p", None, KEYS, "pk", "sk") == (
        "Invalid KeyConditionExpression: KeyConditionExpressions must only contain one condition per key"
    )


def test_key_condition_on_other_attribute() -> None:
    assert failure(ex.key_condition, "pk = :p AND other_ = :x", None, KEYS, "pk", "sk") == (
        "Query condition missed key schema element: sk"
    )


def test_check_unused_names_and_values() -> None:
    cond = ex.condition("#a = :p", {"#a": "a", "#b": "b"}, KEYS)
    assert failure(ex.check_unused, {"#a": "a", "#b": "b"}, KEYS, cond) == (
        "Value provided in ExpressionAttributeNames unused in expressions: keys: {#b}"
    )
    assert failure(ex.check_unused, {"#a": "a"}, KEYS, cond, None) == (
        "Value provided in ExpressionAttributeValues unused in expressions: keys: {:n, :x, :y}"
    )
    proj = ex.projection("#b", {"#b": "b"})
    ex.check_unused({"#a": "a", "#b": "b"}, {":p": KEYS[":p"]}, cond, proj)


def test_check_maps() -> None:
    assert failure(ex.check_maps, {}, None) == "ExpressionAttributeNames must not be empty"
    assert failure(ex.check_maps, None, {}) == "ExpressionAttributeValues must not be empty"
    assert failure(ex.check_maps, {"a": "a"}, None) == (
        'ExpressionAttributeNames contains invalid key: Syntax error; key: "a"'
    )
    assert failure(ex.check_maps, None, {":v": {"SS": []}}) == (
        "ExpressionAttributeValues contains invalid value: One or more parameter values were invalid: "
        "An string set  may not be empty for key :v"
    )
    ex.check_maps({"#a": "a"}, {":v": {"S": ""}})
