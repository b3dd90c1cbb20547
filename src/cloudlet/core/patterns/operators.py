"""Validation and compilation of one match expression (``{"prefix": "us-"}``, ``{"numeric": [...]}``...).

Owns the per-operator rules and their error reasons; the surrounding structure (fields, nesting, ``$or``)
is `compile.py`'s. Operators: https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-create-pattern-operators.html
and https://docs.aws.amazon.com/sns/latest/dg/sns-subscription-filter-policies.html. Reason texts are
event-ruler's (the engine AWS runs), confirmed for SNS by LocalStack's AWS-validated snapshots.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from typing import Any, NoReturn

from cloudlet.core.patterns.errors import Flavor, pattern_error
from cloudlet.core.patterns.match import (
    AnyOf,
    AnythingButValues,
    Cidr,
    EqualsIgnoreCase,
    Not,
    NumericRange,
    Prefix,
    Suffix,
    ValueMatcher,
    Wildcard,
    is_number,
    quantize,
)

__all__ = ["Exists", "Options", "compile_expression", "compile_wildcard"]

_TOO_MANY_NUMERIC = "Too many elements in numeric expression"
_MIXED_ANYTHING_BUT = (
    "Inside anything but list, either all values are number or string, mixed type is not supported"
)
_BAD_IGNORE_CASE_LIST = (
    "Inside anything-but/equals-ignore-case list, number|start|null|boolean is not supported."
)
_NUMERIC_OPERATORS = frozenset({"=", "<", "<=", ">", ">="})


@dataclass(frozen=True, slots=True)
class Options:
    """What a flavor allows: number precision and range, and whether ``wildcard`` exists."""

    flavor: Flavor
    decimals: int
    max_number: float | None
    wildcard: bool
    allow_nesting: bool = True


@dataclass(frozen=True, slots=True)
class Exists:
    """``{"exists": true|false}``: about the presence of the field, not its value."""

    present: bool


def _fail(opts: Options, reason: str) -> NoReturn:
    raise pattern_error(opts.flavor, reason)


def compile_expression(expr: dict[str, Any], opts: Options) -> ValueMatcher | Exists:
    """Compile ``{operator: operand}``; AWS allows exactly one operator per object."""
    if not expr:
        _fail(opts, "Match expression name not found")
    operator, operand = next(iter(expr.items()))
    compiled = _compile_operator(operator, operand, opts)
    if len(expr) > 1:
        # event-ruler reports extra keys after numeric/anything-but with its numeric wording.
        many = operator in ("numeric", "anything-but")
        _fail(opts, _TOO_MANY_NUMERIC if many else "Only one key allowed in match expression")
    return compiled


def _compile_operator(operator: str, operand: Any, opts: Options) -> ValueMatcher | Exists:
    if operator in ("prefix", "suffix"):
        return _prefix_suffix(operator, operand, opts)
    if operator == "equals-ignore-case":
        if not isinstance(operand, str):
            _fail(opts, "equals-ignore-case match pattern must be a string")
        return EqualsIgnoreCase(operand.lower())
    if operator == "wildcard" and opts.wildcard:
        if not isinstance(operand, str):
            _fail(opts, "wildcard match pattern must be a string")
        return Wildcard(compile_wildcard(operand, opts))
    if operator == "numeric":
        return _numeric(operand, opts)
    if operator == "cidr":
        if not isinstance(operand, str):
            _fail(opts, "prefix match pattern must be a string")  # event-ruler's wording for cidr too
        return _cidr(operand, opts)
    if operator == "exists":
        if not isinstance(operand, bool):
            _fail(opts, "exists match pattern must be either true or false.")
        return Exists(operand)
    if operator == "anything-but":
        return _anything_but(operand, opts)
    _fail(opts, f"Unrecognized match type {operator}")


def _prefix_suffix(operator: str, operand: Any, opts: Options) -> ValueMatcher:
    """``prefix``/``suffix`` take a string or ``{"equals-ignore-case": string}``."""
    kind = Prefix if operator == "prefix" else Suffix
    if isinstance(operand, str):
        return kind(operand)
    if isinstance(operand, dict) and operand:
        inner, text = next(iter(operand.items()))
        if inner != "equals-ignore-case":
            _fail(opts, f"Unsupported {operator} pattern: {inner}")
        if not isinstance(text, str):
            _fail(opts, "equals-ignore-case match pattern must be a string")
        if len(operand) > 1:
            _fail(opts, "Only one key allowed in match expression")
        return kind(text.lower(), ignore_case=True)
    _fail(opts, f"{operator} match pattern must be a string")


def _anything_but(operand: Any, opts: Options) -> ValueMatcher:
    if isinstance(operand, dict):
        return Not(_anything_but_expression(operand, opts))
    if isinstance(operand, list):
        strings = [v for v in operand if isinstance(v, str)]
        numbers = [v for v in operand if is_number(v)]
        if len(strings) + len(numbers) != len(operand):
            _fail(opts, "Inside anything but list, start|null|boolean is not supported.")
        if bool(strings) == bool(numbers):
            _fail(opts, _MIXED_ANYTHING_BUT)
        return _anything_but_values(strings, numbers, opts)
    if isinstance(operand, str):
        return _anything_but_values([operand], [], opts)
    if is_number(operand):
        return _anything_but_values([], [operand], opts)
    _fail(opts, "Value of anything-but must be an array or single string/number value.")


def _anything_but_values(strings: list[str], numbers: list[Any], opts: Options) -> ValueMatcher:
    quantized = set()
    for n in numbers:
        quantized.add(_checked_number(n, opts))
    return AnythingButValues(frozenset(strings), frozenset(quantized), opts.decimals)


def _anything_but_expression(operand: dict[str, Any], opts: Options) -> ValueMatcher:
    """``anything-but`` with prefix, suffix, equals-ignore-case or (EventBridge) wildcard."""
    if not operand:
        _fail(opts, "Anything-But expression name not found")
    inner, value = next(iter(operand.items()))
    if inner in ("prefix", "suffix"):
        if not isinstance(value, str):
            _fail(opts, "prefix/suffix match pattern must be a string")
        if not value:
            _fail(opts, "Null prefix/suffix not allowed")
        matcher: ValueMatcher = Prefix(value) if inner == "prefix" else Suffix(value)
    elif inner == "equals-ignore-case":
        texts = _string_or_strings(value)
        if texts is None:
            _fail(opts, _BAD_IGNORE_CASE_LIST)
        matcher = _any_of([EqualsIgnoreCase(t.lower()) for t in texts])
    elif inner == "wildcard" and opts.wildcard:
        texts = _string_or_strings(value)
        if texts is None:
            _fail(opts, "wildcard match pattern must be a string")
        matcher = _any_of([Wildcard(compile_wildcard(t, opts)) for t in texts])
    else:
        _fail(opts, f"Unsupported anything-but pattern: {inner}")
    if len(operand) > 1:
        _fail(opts, "Only one key allowed in match expression")
    return matcher


def _string_or_strings(value: Any) -> list[str] | None:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return value
    return None


def _any_of(matchers: list[ValueMatcher]) -> ValueMatcher:
    return matchers[0] if len(matchers) == 1 else AnyOf(tuple(matchers))


def _checked_number(value: Any, opts: Options) -> int:
    """Quantize a pattern operand, enforcing EventBridge's documented range."""
    if opts.max_number is not None and not -opts.max_number <= value <= opts.max_number:
        limit = f"{opts.max_number:.1E}".replace("E+0", "E")
        _fail(opts, f"Value must be between -{limit} and {limit}, inclusive")
    q = quantize(value, opts.decimals)
    if q is None:
        _fail(opts, "Match value must be String, number, true, false, or null")
    return q


def _numeric(operand: Any, opts: Options) -> ValueMatcher:
    """``["op", n]`` or ``[">"|">=", low, "<"|"<=", high]``; numbers are compared as numbers."""
    if not isinstance(operand, list):
        _fail(opts, "Value of numeric must be an array.")
    if not operand:
        _fail(opts, "Invalid member in numeric match: ]")
    operator = operand[0]
    if not isinstance(operator, str):
        _fail(opts, f"Invalid member in numeric match: {_text(operator)}")
    if operator not in _NUMERIC_OPERATORS:
        _fail(opts, f"Unrecognized numeric range operator: {operator}")
    first = _operand(operand, 1, "equals" if operator == "=" else operator, opts)
    lo = hi = None
    lo_open = hi_open = False
    if operator == "=":
        lo = hi = first
    elif operator in (">", ">="):
        lo, lo_open = first, operator == ">"
    else:
        hi, hi_open = first, operator == "<"
    if len(operand) == 2:
        return NumericRange(lo, lo_open, hi, hi_open, opts.decimals)
    if operator not in (">", ">="):
        _fail(opts, _TOO_MANY_NUMERIC)
    second = operand[2]
    if not isinstance(second, str):
        _fail(opts, f"Bad value in numeric range: {_text(second)}")
    if second not in ("<", "<="):
        _fail(opts, f"Bad numeric range operator: {second}")
    hi, hi_open = _operand(operand, 3, second, opts), second == "<"
    if operand[3] <= operand[1]:
        _fail(opts, "Bottom must be less than top")
    if len(operand) > 4:
        _fail(opts, "Too many terms in numeric range expression")
    return NumericRange(lo, lo_open, hi, hi_open, opts.decimals)


def _operand(operand: list[Any], index: int, name: str, opts: Options) -> int:
    if index >= len(operand) or not is_number(operand[index]):
        _fail(opts, f"Value of {name} must be numeric")
    return _checked_number(operand[index], opts)


def _text(value: Any) -> str:
    """A JSON token as event-ruler prints it in messages."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return "["
    if isinstance(value, dict):
        return "{"
    return str(value)


def _cidr(text: str, opts: Options) -> ValueMatcher:
    """An IPv4/IPv6 ``address/bits`` range, validated with event-ruler's messages."""
    parts = text.split("/")
    if len(parts) != 2:
        _fail(opts, "Malformed CIDR, one '/' required")
    try:
        bits = int(parts[1])
    except ValueError:
        _fail(opts, "Malformed CIDR, mask bits must be an integer")
    if bits < 0:
        _fail(opts, "Malformed CIDR, mask bits must not be negative")
    try:
        address = ipaddress.ip_address(parts[0])
    except ValueError:
        _fail(opts, f"Nonstandard IP address: {parts[0]}")
    width = address.max_prefixlen
    if bits > width:
        _fail(opts, f"IPv{address.version} mask bits must be < {width}")
    host = (1 << (width - bits)) - 1
    return Cidr(address.version, int(address), int(address) | host)


def compile_wildcard(text: str, opts: Options) -> re.Pattern[str]:
    """``*`` matches any run of characters (possibly empty); ``\\*`` and ``\\\\`` escape.

    Two ``*`` in a row and any other escape are rejected, with the UTF-8 byte position event-ruler
    reports (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-create-pattern-operators.html
    #eb-filtering-wildcard-matching).
    """
    parts: list[str] = []
    i = 0
    while i < len(text):
        char = text[i]
        if char == "*":
            if text[i + 1 : i + 2] == "*":
                _fail(opts, f"Consecutive wildcard characters at pos {len(text[:i].encode())}")
            parts.append(".*")
        elif char == "\\":
            following = text[i + 1 : i + 2]
            if following not in ("*", "\\"):
                _fail(opts, f"Invalid escape character at pos {len(text[:i].encode())}")
            parts.append(re.escape(following))
            i += 1
        else:
            parts.append(re.escape(char))
        i += 1
    return re.compile("".join(parts), re.DOTALL)
