"""Condition and filter expressions: parsing, DynamoDB's error messages, evaluation."""

from __future__ import annotations

from typing import Any

import pytest

from cloudlet.services.dynamodb import expressions as ex
from cloudlet.services.dynamodb.errors import ValidationException

VALUES: dict[str, Any] = {
    ":s": {"S": "abc"},
    ":n": {"N": "5"},
    ":m": {"N": "10"},
    ":b": {"B": b"\x01\x02"},
    ":t": {"S": "N"},
    ":bool": {"BOOL": True},
    ":l": {"L": [{"S": "x"}]},
}
ITEM: dict[str, Any] = {
    "name_": {"S": "abcdef"},
    "n": {"N": "7"},
    "bin": {"B": b"\x01\x02\x03"},
    "tags": {"SS": ["red", "blue"]},
    "nums": {"NS": ["1", "2.50"]},
    "lst": {"L": [{"S": "x"}, {"M": {"deep": {"N": "1"}}}]},
    "doc": {"M": {"inr": {"S": "abc"}, "n": {"N": "3"}}},
    "flag": {"BOOL": True},
    "nothing": {"NULL": True},
}


def holds(text: str, item: dict[str, Any] = ITEM, names: dict[str, str] | None = None) -> bool:
    return ex.condition(text, names, VALUES).evaluate(item)


def error(text: str, names: dict[str, str] | None = None, kind: str = "ConditionExpression") -> str:
    with pytest.raises(ValidationException) as caught:
        ex.condition(text, names, VALUES, kind)
    return caught.value.message


def test_equality_compares_numbers_by_value() -> None:
    assert holds("n = :n") is False
    assert ex.condition("n = :v", None, {":v": {"N": "7.00"}}).evaluate(ITEM)


def test_comparators_order_numbers_strings_and_binary() -> None:
    assert holds("n > :n") and holds("n >= :n") and not holds("n < :n") and not holds("n <= :n")
    assert holds("name_ > :s") and holds("bin > :b")


def test_comparison_of_different_types_is_false() -> None:
    assert not holds("name_ < :n") and not holds("name_ > :n") and not holds("name_ = :n")


def test_not_equal_holds_for_missing_attribute() -> None:
    assert holds("absent <> :n") and not holds("absent = :n")


def test_between_is_inclusive() -> None:
    assert holds("n BETWEEN :n AND :m")
    assert ex.condition("n BETWEEN :a AND :a", None, {":a": {"N": "7"}}).evaluate(ITEM)
    assert not holds("absent BETWEEN :n AND :m")


def test_in_matches_any_choice() -> None:
    assert holds("n IN (:n, :m, doc.n, n)") is True
    assert holds("n IN (:n, :m)") is False


def test_precedence_not_over_and_over_or() -> None:
    assert holds("n = :n OR n > :n AND NOT n = :m")
    assert not holds("(n = :n OR n > :n) AND NOT n > :n")
    assert holds("NOT NOT n > :n")


def test_keywords_are_case_insensitive() -> None:
    assert holds("n between :n and :m or not n = :n")


def test_document_paths_with_maps_lists_and_names() -> None:
    assert holds("doc.inr = :s")
    assert ex.condition("#l[1].#d = :one", {"#l": "lst", "#d": "deep"}, {":one": {"N": "1"}}).evaluate(ITEM)
    assert not holds("lst[5] = :s") and not holds("doc[0] = :s") and not holds("n.x = :s")


def test_names_with_dots_are_one_attribute() -> None:
    item = {"a.b": {"N": "1"}}
    assert ex.condition("#ab = :one", {"#ab": "a.b"}, {":one": {"N": "1"}}).evaluate(item)


def test_attribute_exists_and_not_exists() -> None:
    assert holds("attribute_exists(doc.inr) AND attribute_not_exists(doc.oth)")
    assert ex.condition("attribute_not_exists(pk)", None, None).evaluate(None)


def test_attribute_type() -> None:
    assert holds("attribute_type(n, :t)") and not holds("attribute_type(name_, :t)")


def test_begins_with_strings_and_binary() -> None:
    assert holds("begins_with(name_, :s)") and holds("begins_with(bin, :b)")
    assert not holds("begins_with(doc, :s)")


def test_contains_on_strings_sets_and_lists() -> None:
    assert holds("contains(name_, :s)")
    assert ex.condition("contains(tags, :v)", None, {":v": {"S": "red"}}).evaluate(ITEM)
    assert ex.condition("contains(nums, :v)", None, {":v": {"N": "2.5"}}).evaluate(ITEM)
    assert ex.condition("contains(#l, :v)", {"#l": "lst"}, {":v": {"S": "x"}}).evaluate(ITEM)
    assert not ex.condition("contains(tags, :v)", None, {":v": {"N": "1"}}).evaluate(ITEM)


def test_size_of_each_type() -> None:
    sizes = {"name_": 6, "bin": 3, "tags": 2, "nums": 2, "lst": 2, "doc": 2}
    for attribute, expected in sizes.items():
        assert ex.condition(f"size({attribute}) = :v", None, {":v": {"N": str(expected)}}).evaluate(ITEM)
    assert not holds("size(n) > :n") and not holds("size(absent) > :n")


def test_empty_expression() -> None:
    assert error("  ") == "Invalid ConditionExpression: The expression can not be empty;"


def test_filter_expression_messages_name_the_filter() -> None:
    assert error("a = = :n", kind="FilterExpression").startswith("Invalid FilterExpression: Syntax error")


def test_syntax_error_shows_token_and_neighbours() -> None:
    assert error("a = = :n") == 'Invalid ConditionExpression: Syntax error; token: "=", near: "= = :n"'
    assert error("n = :n AND") == 'Invalid ConditionExpression: Syntax error; token: "<EOF>", near: "AND"'
    assert error("n ! :n") == 'Invalid ConditionExpression: Syntax error; token: "!", near: "n ! :n"'


def test_reserved_word_needs_a_name_placeholder() -> None:
    assert error("name = :s") == (
        "Invalid ConditionExpression: Attribute name is a reserved keyword; reserved keyword: name"
    )
    assert holds("#n = :s", names={"#n": "name_"}) is False


def test_undefined_placeholders() -> None:
    assert error("#x = :s") == (
        "Invalid ConditionExpression: An expression attribute name used in the document path is not "
        "defined; attribute name: #x"
    )
    assert error("n = :zz") == (
        "Invalid ConditionExpression: An expression attribute value used in expression is not defined; "
        "attribute value: :zz"
    )


def test_unknown_and_misused_functions() -> None:
    assert error("foo(n)") == "Invalid ConditionExpression: Invalid function name; function: foo"
    assert error("size(n)") == (
        "Invalid ConditionExpression: The function is not allowed to be used this way in an expression; "
        "function: size"
    )
    assert error("n = attribute_exists(n)").endswith("function: attribute_exists")


def test_wrong_number_of_operands() -> None:
    assert error("begins_with(n)") == (
        "Invalid ConditionExpression: Incorrect number of operands for operator or function; "
        "operator or function: begins_with, number of operands: 1"
    )


def test_operand_types_checked_for_literal_values() -> None:
    assert error("begins_with(n, :n)") == (
        "Invalid ConditionExpression: Incorrect operand type for operator or function; "
        "operator or function: begins_with, operand type: N"
    )
    assert error("n < :bool").endswith("operator or function: <, operand type: BOOL")
    assert error("attribute_type(n, :n)").endswith("operator or function: attribute_type, operand type: N")


def test_attribute_type_name_must_be_a_type() -> None:
    assert error("attribute_type(n, :s)") == (
        "Invalid ConditionExpression: Invalid attribute type name found; type: abc, "
        "valid types: {B,NULL,SS,BOOL,L,BS,N,NS,S,M}"
    )


def test_between_bounds_checked() -> None:
    assert error("n BETWEEN :m AND :n") == (
        "Invalid ConditionExpression: The BETWEEN operator requires upper bound to be greater than or "
        "equal to lower bound; lower bound operand: AttributeValue: {N:10}, upper bound operand: "
        "AttributeValue: {N:5}"
    )
    assert "requires same data type for lower and upper bounds" in error("n BETWEEN :n AND :s")


def test_same_path_on_both_sides() -> None:
    assert error("n = n") == (
        "Invalid ConditionExpression: The first operand must be distinct from the remaining operands for "
        "this operator or function; operator: =, first operand: [n]"
    )


def test_redundant_parentheses() -> None:
    assert error("((n = :n))") == "Invalid ConditionExpression: The expression has redundant parentheses;"
    assert holds("(n > :n) AND (n < :m)")


def test_in_takes_at_most_100_operands() -> None:
    values = {f":v{i}": {"N": str(i)} for i in range(101)}
    with pytest.raises(ValidationException) as caught:
        ex.condition("n IN (" + ", ".join(values) + ")", None, values)
    assert caught.value.message == (
        "Invalid ConditionExpression: The IN operator is provided with too many operands; "
        "number of operands: 101"
    )
    del values[":v100"]
    assert ex.condition("n IN (" + ", ".join(values) + ")", None, values).evaluate(ITEM)


def test_used_placeholders_are_recorded() -> None:
    cond = ex.condition("#a = :s AND n > :n", {"#a": "a", "#b": "b"}, VALUES)
    assert cond.names_used == {"#a"} and cond.values_used == {":s", ":n"}
