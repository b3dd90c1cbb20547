"""Hypothesis properties of the pattern engine (kept cheap: the default profile is small and derandomized)."""

from __future__ import annotations

import json
import string
from typing import Any

from hypothesis import assume, given
from hypothesis import strategies as st

from cloudlet.core.patterns import compile_pattern
from cloudlet.core.patterns.match import quantize
from cloudlet.core.patterns.sns import sns_policy

KEYS = st.text(alphabet=string.ascii_letters + "-_", min_size=1, max_size=6).filter(lambda k: k != "$or")
SCALARS = st.one_of(
    st.text(max_size=8),
    st.integers(min_value=-(10**9), max_value=10**9),
    st.floats(min_value=-1e9, max_value=1e9, allow_nan=False),
    st.booleans(),
    st.none(),
)
STRINGS_OR_NUMBERS = st.one_of(st.text(max_size=8), st.integers(-(10**6), 10**6))
EVENTS = st.recursive(
    st.dictionaries(KEYS, SCALARS, min_size=1, max_size=4),
    lambda inner: st.dictionaries(KEYS, st.one_of(SCALARS, inner), min_size=1, max_size=3),
    max_leaves=8,
)
ASCII = st.text(alphabet=string.ascii_letters + string.digits + " *\\.-", max_size=10)


def _pattern_of(event: dict[str, Any]) -> dict[str, Any]:
    """Each leaf value wrapped in a one-element array: the pattern an event trivially satisfies."""
    return {k: _pattern_of(v) if isinstance(v, dict) else [v] for k, v in event.items()}


@given(EVENTS)
def test_pattern_built_from_an_event_matches_it(event: dict[str, Any]) -> None:
    assert compile_pattern(_pattern_of(event), "eventbridge").matches(event)
    assert compile_pattern(json.dumps(_pattern_of(event)), "sns").matches(event)


@given(EVENTS)
def test_exists_true_and_false_are_complements(event: dict[str, Any]) -> None:
    for key in event:
        present = compile_pattern({key: [{"exists": True}]}).matches(event)
        absent = compile_pattern({key: [{"exists": False}]}).matches(event)
        assert present != absent


@given(STRINGS_OR_NUMBERS, STRINGS_OR_NUMBERS)
def test_anything_but_never_matches_its_value(value: Any, other: Any) -> None:
    pattern = compile_pattern({"k": [{"anything-but": value}]})
    assert not pattern.matches({"k": value})
    assert not pattern.matches({"k": [value]})
    assert not pattern.matches({})
    assert pattern.matches({"k": other}) == (type(other) is not type(value) or other != value)


@given(st.lists(st.text(max_size=5), min_size=1, max_size=4), st.text(max_size=5))
def test_anything_but_list_is_not_in(values: list[str], candidate: str) -> None:
    pattern = compile_pattern({"k": [{"anything-but": values}]})
    assert pattern.matches({"k": candidate}) == (candidate not in values)


@given(
    st.integers(-1000, 1000),
    st.integers(1, 1000),
    st.integers(-3000, 3000),
    st.sampled_from([">", ">="]),
    st.sampled_from(["<", "<="]),
)
def test_numeric_range_consistency(low: int, width: int, x: int, lo_op: str, hi_op: str) -> None:
    low_f, high_f, x_f = low / 100, (low + width) / 100, x / 100
    pattern = compile_pattern({"n": [{"numeric": [lo_op, low_f, hi_op, high_f]}]})
    above = x > low if lo_op == ">" else x >= low
    below = x < low + width if hi_op == "<" else x <= low + width
    assert pattern.matches({"n": x_f}) == (above and below)
    # one-sided halves partition the number line
    left = compile_pattern({"n": [{"numeric": ["<", low_f]}]}).matches({"n": x_f})
    right = compile_pattern({"n": [{"numeric": [">=", low_f]}]}).matches({"n": x_f})
    assert left != right
    equal = compile_pattern({"n": [{"numeric": ["=", low_f]}]}).matches({"n": x_f})
    assert equal == (x == low)


@given(st.floats(min_value=-1e9, max_value=1e9, allow_nan=False))
def test_numbers_match_themselves_numerically(number: float) -> None:
    assert compile_pattern({"n": [{"numeric": ["=", number]}]}).matches({"n": number})
    assert compile_pattern({"n": [number]}).matches({"n": number})
    assert quantize(number, 6) is not None


@given(ASCII, ASCII)
def test_string_operators_agree_with_python(text: str, other: str) -> None:
    for prefix_len in (0, len(text) // 2, len(text)):
        head, tail = text[:prefix_len], text[prefix_len:]
        assert compile_pattern({"s": [{"prefix": head}]}).matches({"s": text})
        assert compile_pattern({"s": [{"suffix": tail}]}).matches({"s": text})
    assert compile_pattern({"s": [{"prefix": other}]}).matches({"s": text}) == text.startswith(other)
    assert compile_pattern({"s": [{"equals-ignore-case": text.upper()}]}).matches({"s": text.lower()})
    assert compile_pattern({"s": [{"prefix": {"equals-ignore-case": text.swapcase()}}]}).matches({"s": text})


@given(ASCII, ASCII)
def test_escaped_wildcard_matches_exactly_its_text(text: str, other: str) -> None:
    escaped = text.replace("\\", "\\\\").replace("*", "\\*")
    pattern = compile_pattern({"s": [{"wildcard": escaped}]})
    assert pattern.matches({"s": text})
    assert pattern.matches({"s": other}) == (other == text)
    assert compile_pattern({"s": [{"wildcard": escaped + "*"}]}).matches({"s": text + other})


@given(st.dictionaries(KEYS, st.text(max_size=6), min_size=1, max_size=5))
def test_sns_string_attributes_match_their_own_policy(values: dict[str, str]) -> None:
    attributes = {k: {"DataType": "String", "StringValue": v} for k, v in values.items()}
    policy = sns_policy(json.dumps({k: [v] for k, v in values.items()}))
    assert policy.matches_attributes(attributes)
    first = next(iter(values))
    assume(values[first] != "changed")
    changed = {**attributes, first: {"DataType": "String", "StringValue": "changed"}}
    assert not policy.matches_attributes(changed)
