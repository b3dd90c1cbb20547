"""Turn an event pattern / filter policy document into a reusable `Pattern` (validate once, match often).

Owns the document structure: JSON loading, objects, field arrays, ``$or`` and the SNS combination count.
Single match expressions are compiled by `operators.py`; SNS-only rules (key count, scope) live in
`sns.py`. Structure rules: https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-event-patterns.html
and https://docs.aws.amazon.com/sns/latest/dg/and-or-logic.html.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, NoReturn

from cloudlet.core.patterns.errors import Flavor, pattern_error
from cloudlet.core.patterns.limits import (
    EVENTBRIDGE_MAX_NUMBER,
    EVENTBRIDGE_NUMERIC_DECIMALS,
    OR_KEYWORD,
    RESERVED_MATCH_KEYWORDS,
    SNS_NUMERIC_DECIMALS,
)
from cloudlet.core.patterns.match import FieldRule, ObjectNode, ValueMatcher, is_number, quantize
from cloudlet.core.patterns.operators import Exists, Options, compile_expression

__all__ = ["Pattern", "compile_pattern", "load_document", "options_for"]

_FLAVORS: frozenset[str] = frozenset({"eventbridge", "sns"})


@dataclass(frozen=True, slots=True)
class Pattern:
    """A compiled pattern. Immutable and safe to share between threads.

    Attributes:
        flavor: whose rules and wording it was compiled with.
        combinations: SNS's complexity measure (sum over ``$or`` branches of the product of
            ``values x depth`` per field), computed for every flavor.
    """

    root: ObjectNode
    flavor: Flavor
    combinations: int

    def matches(self, event: Mapping[str, Any]) -> bool:
        """True if the parsed JSON object ``event`` satisfies the pattern (False for non-objects)."""
        return isinstance(event, Mapping) and self.root.matches(event)


def options_for(flavor: Flavor, *, allow_nesting: bool = True) -> Options:
    """The flavor's operator set and number handling.

    SNS compares to five decimals and has no ``wildcard``; EventBridge to six, with operands limited to
    +/-5e9 (https://docs.aws.amazon.com/sns/latest/dg/subscription-filter-policy-constraints.html).
    """
    if flavor not in _FLAVORS:
        raise ValueError(f"unknown pattern flavor {flavor!r}")
    if flavor == "sns":
        return Options("sns", SNS_NUMERIC_DECIMALS, None, wildcard=False, allow_nesting=allow_nesting)
    return Options(
        "eventbridge", EVENTBRIDGE_NUMERIC_DECIMALS, EVENTBRIDGE_MAX_NUMBER, wildcard=True, allow_nesting=True
    )


def _reject_constant(name: str) -> NoReturn:
    raise ValueError(f"Non-standard token '{name}'")


def load_document(doc: Mapping[str, Any] | str | bytes, flavor: Flavor) -> dict[str, Any]:
    """Parse JSON text (or accept a mapping) and require a JSON object.

    Raises:
        PatternError: not JSON (``failed to parse JSON`` for SNS) or not an object.
    """
    if isinstance(doc, str | bytes | bytearray):
        try:
            doc = json.loads(doc, parse_constant=_reject_constant)
        except (ValueError, UnicodeDecodeError) as exc:
            text = exc.msg if isinstance(exc, json.JSONDecodeError) else str(exc)
            prefix = "failed to parse JSON. " if flavor == "sns" else "Filter is not valid JSON: "
            reason = prefix + text
            raise pattern_error(flavor, reason) from None
    if not isinstance(doc, Mapping):
        raise pattern_error(flavor, "Filter is not an object")
    return dict(doc)


def compile_pattern(
    doc: Mapping[str, Any] | str | bytes,
    flavor: Flavor = "eventbridge",
    *,
    allow_nesting: bool = True,
) -> Pattern:
    """Validate and compile ``doc`` (a dict or JSON text) with ``flavor``'s rules and error wording.

    ``allow_nesting=False`` (SNS ``MessageAttributes`` scope) rejects nested objects once the rest of the
    document is known to be valid.

    Raises:
        PatternError: with ``InvalidEventPatternException`` / ``InvalidParameter`` wording.
    """
    opts = options_for(flavor, allow_nesting=allow_nesting)
    document = load_document(doc, flavor)
    if not document and flavor == "sns":
        raise pattern_error(flavor, "Filter policy can not be empty")
    root, combinations = _compile_object(document, opts, depth=1)
    # SNS reports malformed values before the scope's nesting rule (AWS-validated LocalStack snapshots).
    if not opts.allow_nesting and _is_nested(root):
        raise pattern_error(
            flavor,
            "Filter policy scope MessageAttributes does not support nested filter policy",
            policy_scoped=False,
        )
    return Pattern(root, flavor, combinations)


def _is_nested(node: ObjectNode) -> bool:
    return bool(node.children) or any(_is_nested(b) for group in node.alternatives for b in group)


def is_or_group(value: Any) -> bool:
    """Whether a ``"$or"`` value is an OR: an array of at least two objects, none keyed by a reserved
    match keyword. Otherwise ``"$or"`` is an ordinary field name
    (https://docs.aws.amazon.com/sns/latest/dg/and-or-logic.html#or-operator)."""
    return (
        isinstance(value, list)
        and len(value) >= 2
        and all(isinstance(v, dict) for v in value)
        and not any(RESERVED_MATCH_KEYWORDS.intersection(v) for v in value)
    )


def _compile_object(obj: Mapping[str, Any], opts: Options, depth: int) -> tuple[ObjectNode, int]:
    """Compile one object level; returns the node and its combination count."""
    if not obj:
        raise pattern_error(opts.flavor, "Empty objects are not allowed")
    fields: list[FieldRule] = []
    children: list[tuple[str, ObjectNode]] = []
    alternatives: list[tuple[ObjectNode, ...]] = []
    combinations = 1
    for key, value in obj.items():
        if key == OR_KEYWORD and is_or_group(value):
            branches = [_compile_object(branch, opts, depth) for branch in value]
            alternatives.append(tuple(node for node, _ in branches))
            combinations *= sum(count for _, count in branches)
        elif isinstance(value, dict):
            node, count = _compile_object(value, opts, depth + 1)
            children.append((key, node))
            combinations *= count
        elif isinstance(value, list):
            if not value:
                raise pattern_error(opts.flavor, "Empty arrays are not allowed")
            fields.append(_compile_field(key, value, opts))
            combinations *= len(value) * depth
        else:
            raise pattern_error(opts.flavor, f'"{key}" must be an object or an array')
    return ObjectNode(tuple(fields), tuple(children), tuple(alternatives)), combinations


def _compile_field(key: str, values: list[Any], opts: Options) -> FieldRule:
    """One leaf field's array: literals go to hash sets, expressions to matchers."""
    strings: set[str] = set()
    numbers: set[int] = set()
    literals: set[object] = set()  # True / False / None, compared by identity below
    matchers: list[ValueMatcher] = []
    exists = absent = False
    for item in values:
        if isinstance(item, str):
            strings.add(item)
        elif item is None or isinstance(item, bool):
            literals.add(item)
        elif is_number(item):
            q = quantize(item, opts.decimals)
            if q is None:
                raise pattern_error(opts.flavor, "Match value must be String, number, true, false, or null")
            numbers.add(q)
        elif isinstance(item, dict):
            compiled = compile_expression(item, opts)
            if isinstance(compiled, Exists):
                exists, absent = exists or compiled.present, absent or not compiled.present
            else:
                matchers.append(compiled)
        else:
            raise pattern_error(opts.flavor, "Match value must be String, number, true, false, or null")
    return FieldRule(
        key=key,
        strings=frozenset(strings),
        numbers=frozenset(numbers),
        match_true=any(v is True for v in literals),
        match_false=any(v is False for v in literals),
        match_null=None in literals,
        matchers=tuple(matchers),
        exists=exists,
        absent=absent,
        decimals=opts.decimals,
    )
