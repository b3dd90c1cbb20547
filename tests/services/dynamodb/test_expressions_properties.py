"""Hypothesis properties: random well-formed condition expressions parse, and evaluate as a simple model
of DynamoDB's comparisons and logic says; updates and projections agree with direct computation."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from cloudlet.services.dynamodb import expressions as ex
from cloudlet.services.dynamodb import values

ATTRS = ["a0", "a1", "a2", "a3"]
PLACEHOLDERS = [":v0", ":v1", ":v2", ":v3"]

numbers = st.decimals(min_value=-1000, max_value=1000, places=2, allow_nan=False).map(
    lambda d: {"N": values.number(str(d))}
)
strings = st.text(alphabet="abcé😀", max_size=4).map(lambda s: {"S": s})
scalars = st.one_of(numbers, strings)
items = st.dictionaries(st.sampled_from(ATTRS), scalars)
value_maps = st.fixed_dictionaries({p: scalars for p in PLACEHOLDERS})

leaves = st.one_of(
    st.tuples(
        st.just("cmp"),
        st.sampled_from(ATTRS),
        st.sampled_from(["=", "<>", "<", "<=", ">", ">="]),
        st.sampled_from(PLACEHOLDERS),
    ),
    st.tuples(st.just("exists"), st.sampled_from(ATTRS), st.booleans()),
    st.tuples(
        st.just("in"), st.sampled_from(ATTRS), st.lists(st.sampled_from(PLACEHOLDERS), min_size=1, max_size=3)
    ),
)
trees = st.recursive(
    leaves,
    lambda children: st.one_of(
        st.tuples(st.sampled_from(["AND", "OR", "and", "Or"]), children, children),
        st.tuples(st.sampled_from(["NOT", "not"]), children),
    ),
    max_leaves=8,
)


def render(tree: tuple[Any, ...], names: bool) -> str:
    kind = tree[0]
    if kind == "cmp":
        return f"{attr(tree[1], names)} {tree[2]} {tree[3]}"
    if kind == "exists":
        function = "attribute_exists" if tree[2] else "attribute_not_exists"
        return f"{function}( {attr(tree[1], names)} )"
    if kind == "in":
        return f"{attr(tree[1], names)} IN ({','.join(tree[2])})"
    if kind.upper() == "NOT":
        return f"{kind} ({render(tree[1], names)})"
    return f"({render(tree[1], names)})  {kind}\t({render(tree[2], names)})"


def attr(name: str, names: bool) -> str:
    return f"#{name}" if names else name


def model_compare(op: str, left: dict[str, Any] | None, right: dict[str, Any]) -> bool:
    same_type = left is not None and next(iter(left)) == next(iter(right))
    if op == "=":
        return same_type and key(left) == key(right)
    if op == "<>":
        return not (same_type and key(left) == key(right))
    if not same_type:
        return False
    x, y = key(left), key(right)
    return {"<": x < y, "<=": x <= y, ">": x > y, ">=": x >= y}[op]


def key(value: dict[str, Any] | None) -> Any:
    assert value is not None
    if "N" in value:
        return Decimal(value["N"])
    return value["S"].encode("utf-8")


def model(tree: tuple[Any, ...], item: dict[str, Any], vals: dict[str, Any]) -> bool:
    kind = tree[0]
    if kind == "cmp":
        return model_compare(tree[2], item.get(tree[1]), vals[tree[3]])
    if kind == "exists":
        return (tree[1] in item) == tree[2]
    if kind == "in":
        return any(model_compare("=", item.get(tree[1]), vals[p]) for p in tree[2])
    if kind.upper() == "NOT":
        return not model(tree[1], item, vals)
    if kind.upper() == "AND":
        return model(tree[1], item, vals) and model(tree[2], item, vals)
    return model(tree[1], item, vals) or model(tree[2], item, vals)


@settings(max_examples=300, deadline=None)
@given(trees, items, value_maps, st.booleans())
def test_conditions_parse_and_agree_with_model(tree: Any, item: Any, vals: Any, use_names: bool) -> None:
    names = {f"#{a}": a for a in ATTRS} if use_names else None
    cond = ex.condition(render(tree, use_names), names, vals)
    assert cond.evaluate(item) == model(tree, item, vals)


@given(numbers, numbers)
def test_number_comparison_is_numeric(x: Any, y: Any) -> None:
    order = values.compare(x, y)
    a, b = Decimal(x["N"]), Decimal(y["N"])
    assert order == (a > b) - (a < b)
    assert values.equal(x, y) == (a == b)


@given(strings, strings)
def test_string_comparison_is_by_utf8_bytes(x: Any, y: Any) -> None:
    a, b = x["S"].encode(), y["S"].encode()
    assert values.compare(x, y) == (a > b) - (a < b)


@given(numbers, numbers)
def test_add_and_arithmetic_sum_numbers(x: Any, y: Any) -> None:
    item = {"a0": x}
    total = Decimal(x["N"]) + Decimal(y["N"])
    added = ex.update("ADD a0 :v", None, {":v": y}).apply(item)
    summed = ex.update("SET a0 = a0 + :v", None, {":v": y}).apply(item)
    assert Decimal(added["a0"]["N"]) == total and added == summed


@given(items, st.lists(st.sampled_from(ATTRS), min_size=1, unique=True))
def test_projection_keeps_exactly_the_projected_attributes(item: Any, projected: list[str]) -> None:
    result = ex.projection(", ".join(projected), None).apply(item)
    assert result == {name: item[name] for name in projected if name in item}


@given(items, scalars)
def test_set_then_condition_sees_the_value(item: Any, value: Any) -> None:
    updated = ex.update("SET a1 = :v REMOVE a2", None, {":v": value}).apply(item)
    assert ex.condition("a1 = :v AND attribute_not_exists(a2)", None, {":v": value}).evaluate(updated)
