"""Update expressions: SET (arithmetic, if_not_exists, list_append), REMOVE, ADD, DELETE and their errors."""

from __future__ import annotations

from typing import Any

import pytest

from cloudlet.services.dynamodb import expressions as ex
from cloudlet.services.dynamodb.errors import ValidationException

VALUES: dict[str, Any] = {
    ":s": {"S": "new"},
    ":n": {"N": "2"},
    ":ss": {"SS": ["b", "c"]},
    ":ns": {"NS": ["3"]},
    ":l": {"L": [{"N": "9"}]},
    ":big": {"N": "9.9999999999999999999999999999999999999E+125"},
}
ITEM: dict[str, Any] = {
    "pk": {"S": "k"},
    "n": {"N": "1"},
    "s": {"S": "old"},
    "tags": {"SS": ["a", "b"]},
    "lst": {"L": [{"N": "0"}, {"N": "1"}, {"N": "2"}]},
    "doc": {"M": {"x": {"N": "1"}}},
}


def run(text: str, item: dict[str, Any] | None = ITEM, names: dict[str, str] | None = None) -> dict[str, Any]:
    return ex.update(text, names, VALUES).apply(item)


def parse_error(text: str) -> str:
    with pytest.raises(ValidationException) as caught:
        ex.update(text, None, VALUES)
    return caught.value.message


def apply_error(text: str, item: dict[str, Any] = ITEM) -> str:
    with pytest.raises(ValidationException) as caught:
        run(text, item)
    return caught.value.message


def test_set_replaces_and_creates_attributes() -> None:
    result = run("SET s = :s, fresh = :n")
    assert result["s"] == {"S": "new"} and result["fresh"] == {"N": "2"}


def test_apply_leaves_the_input_item_unchanged() -> None:
    run("SET doc.x = :s REMOVE lst[0]")
    assert ITEM["doc"] == {"M": {"x": {"N": "1"}}} and len(ITEM["lst"]["L"]) == 3


def test_set_arithmetic() -> None:
    assert run("SET n = n + :n")["n"] == {"N": "3"}
    assert run("SET n = :n - n")["n"] == {"N": "1"}
    assert run("SET c = n - :n")["c"] == {"N": "-1"}


def test_set_values_are_computed_from_the_old_item() -> None:
    result = run("SET n = :n, cp = n")
    assert result["cp"] == {"N": "1"} and result["n"] == {"N": "2"}


def test_if_not_exists() -> None:
    assert run("SET n = if_not_exists(n, :n)")["n"] == {"N": "1"}
    assert run("SET z = if_not_exists(z, :n)")["z"] == {"N": "2"}
    assert run("SET z = if_not_exists(z, :n) + :n")["z"] == {"N": "4"}


def test_list_append_both_ways() -> None:
    assert run("SET lst = list_append(lst, :l)")["lst"]["L"][-1] == {"N": "9"}
    assert run("SET lst = list_append(:l, lst)")["lst"]["L"][0] == {"N": "9"}
    assert run("SET fresh = list_append(if_not_exists(fresh, :l), :l)")["fresh"]["L"] == [{"N": "9"}] * 2


def test_set_list_element_past_the_end_appends() -> None:
    assert run("SET lst[10] = :s")["lst"]["L"][3] == {"S": "new"}


def test_set_nested_map_member() -> None:
    assert run("SET doc.y = :s, doc.#x = :n", names={"#x": "x"})["doc"]["M"] == {
        "x": {"N": "2"},
        "y": {"S": "new"},
    }


def test_set_under_missing_parent_is_invalid() -> None:
    message = "The document path provided in the update expression is invalid for update"
    assert apply_error("SET nope.x = :s") == message
    assert apply_error("SET doc[0] = :s") == message
    assert apply_error("SET s.x = :s") == message


def test_set_from_missing_attribute() -> None:
    assert apply_error("SET a = nope") == (
        "The provided expression refers to an attribute that does not exist in the item"
    )
    assert apply_error("SET a = nope + :n").startswith("The provided expression refers")


def test_arithmetic_on_non_numbers() -> None:
    assert apply_error("SET a = s + :n") == "An operand in the update expression has an incorrect data type"
    assert apply_error("SET a = list_append(s, :l)") == (
        "An operand in the update expression has an incorrect data type"
    )


def test_number_overflow() -> None:
    assert apply_error("SET a = :big + :big") == (
        "Number overflow. Attempting to store a number with magnitude larger than supported range"
    )


def test_remove_attributes_and_list_elements() -> None:
    result = run("REMOVE s, lst[0], lst[2], absent, doc.x")
    assert "s" not in result and result["lst"]["L"] == [{"N": "1"}] and result["doc"] == {"M": {}}


def test_add_numbers_and_sets() -> None:
    result = run("ADD n :n, tags :ss, fresh :ns")
    assert result["n"] == {"N": "3"} and result["tags"] == {"SS": ["a", "b", "c"]}
    assert result["fresh"] == {"NS": ["3"]}


def test_add_of_another_type_fails() -> None:
    assert apply_error("ADD s :n") == "An operand in the update expression has an incorrect data type"
    assert apply_error("ADD tags :ns") == "An operand in the update expression has an incorrect data type"


def test_delete_from_set_removes_empty_attribute() -> None:
    assert run("DELETE tags :ss")["tags"] == {"SS": ["a"]}
    assert "tags" not in run("DELETE tags :ss", {"tags": {"SS": ["b"]}})
    assert run("DELETE absent :ss") == ITEM


def test_update_of_missing_item() -> None:
    assert run("SET a = :s ADD n :n", None) == {"a": {"S": "new"}, "n": {"N": "2"}}


def test_clauses_in_any_order_and_case() -> None:
    assert run("remove s set a = :s")["a"] == {"S": "new"}


def test_clause_used_twice() -> None:
    assert parse_error("SET a = :s SET b = :s") == (
        'Invalid UpdateExpression: The "SET" section can only be used once in an update expression;'
    )


def test_add_and_delete_operand_types() -> None:
    assert parse_error("ADD a :s") == (
        "Invalid UpdateExpression: Incorrect operand type for operator or function; operator: ADD, "
        "operand type: STRING, typeSet: ALLOWED_FOR_ADD_OPERAND"
    )
    assert parse_error("DELETE a :n") == (
        "Invalid UpdateExpression: Incorrect operand type for operator or function; operator: DELETE, "
        "operand type: NUMBER, typeSet: ALLOWED_FOR_DELETE_OPERAND"
    )


def test_overlapping_and_conflicting_paths() -> None:
    assert parse_error("SET a = :s REMOVE a") == (
        "Invalid UpdateExpression: Two document paths overlap with each other; must remove or rewrite one "
        "of these paths; path one: [a], path two: [a]"
    )
    assert parse_error("SET a.b = :s, a.b.c = :s").endswith("path one: [a, b], path two: [a, b, c]")
    assert parse_error("SET a[0] = :s, a.b = :s") == (
        "Invalid UpdateExpression: Two document paths conflict with each other; must remove or rewrite one "
        "of these paths; path one: [a, [0]], path two: [a, b]"
    )


def test_functions_outside_their_place() -> None:
    assert parse_error("SET a = size(b)") == (
        "Invalid UpdateExpression: The function is not allowed in an update expression; function: size"
    )
    assert parse_error("SET a = if_not_exists(:s, :s)") == (
        "Invalid UpdateExpression: Operator or function requires a document path; operator or function: "
        "if_not_exists"
    )
    assert parse_error("SET a = list_append(:s, b)").endswith(
        "operator or function: list_append, operand type: S"
    )


def test_syntax_errors() -> None:
    assert parse_error("ADD hits : incr") == (
        'Invalid UpdateExpression: Syntax error; token: ":", near: "hits : incr"'
    )
    assert parse_error("INVALID SYNTAX HERE") == (
        'Invalid UpdateExpression: Syntax error; token: "INVALID", near: "INVALID SYNTAX"'
    )
    assert parse_error("SET a") == 'Invalid UpdateExpression: Syntax error; token: "<EOF>", near: "a"'
    assert parse_error("") == "Invalid UpdateExpression: The expression can not be empty;"


def test_key_attributes_cannot_be_updated() -> None:
    with pytest.raises(ValidationException) as caught:
        ex.update("SET pk = :s", None, VALUES).check_keys(("pk",))
    assert caught.value.message == (
        "One or more parameter values were invalid: Cannot update attribute pk. "
        "This attribute is part of the key"
    )


def test_targets_list_written_paths() -> None:
    upd = ex.update("SET a.b = :s REMOVE c ADD d :n", None, VALUES)
    assert [p.elements for p in upd.targets] == [("a", "b"), ("c",), ("d",)]
