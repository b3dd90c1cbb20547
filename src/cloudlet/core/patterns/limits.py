"""Documented limits and reserved words of event patterns and SNS filter policies (immutable constants).

- SNS: https://docs.aws.amazon.com/sns/latest/dg/subscription-filter-policy-constraints.html
- EventBridge: https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-create-pattern-operators.html
  and the PutRule API reference (EventPattern length).
"""

from __future__ import annotations

__all__ = [
    "EVENTBRIDGE_MAX_NUMBER",
    "EVENTBRIDGE_MAX_PATTERN_CHARS",
    "EVENTBRIDGE_NUMERIC_DECIMALS",
    "OR_KEYWORD",
    "RESERVED_MATCH_KEYWORDS",
    "SNS_MAX_COMBINATIONS",
    "SNS_MAX_KEYS",
    "SNS_MAX_POLICY_BYTES",
    "SNS_NUMERIC_DECIMALS",
]

OR_KEYWORD = "$or"

# Match-expression names; an object holding one of these inside "$or" makes "$or" an ordinary field name
# (https://docs.aws.amazon.com/sns/latest/dg/and-or-logic.html#or-operator).
RESERVED_MATCH_KEYWORDS = frozenset(
    {"anything-but", "cidr", "equals-ignore-case", "exists", "numeric", "prefix", "suffix", "wildcard"}
)

# "The total combination of values in a filter policy must not exceed 150" and "a maximum of five keys"
# (only top-level keys count for payload-based policies).
SNS_MAX_COMBINATIONS = 150
SNS_MAX_KEYS = 5
# "The maximum size of a filter policy is 256 KB."
SNS_MAX_POLICY_BYTES = 256 * 1024
# "-10^9 to 10^9 ... with five digits of accuracy after the decimal point." The range is not enforced on
# policies: AWS accepts larger operands in practice (LocalStack's AWS-validated tests note the same).
SNS_NUMERIC_DECIMALS = 5

# EventBridge numeric matching: "15 digits of precision, or six digits to the right of the decimal point";
# event-ruler (ComparableNumber) rejects operands outside +/-5.0e9.
EVENTBRIDGE_NUMERIC_DECIMALS = 6
EVENTBRIDGE_MAX_NUMBER = 5.0e9
# PutRule EventPattern / Lambda and Pipes Filter.Pattern: "Maximum length of 4096" (checked at the edge by
# protocol validation; exposed here for callers that accept patterns outside an API shape).
EVENTBRIDGE_MAX_PATTERN_CHARS = 4096
