"""SNS subscription filter policies on top of the pattern engine.

Owns the SNS-only rules: ``FilterPolicyScope``, the key and combination limits, and turning message
attributes into the JSON object the engine matches. Storing policies and choosing subscriptions is
``services/sns``'s job. Pages: https://docs.aws.amazon.com/sns/latest/dg/sns-message-filtering.html,
https://docs.aws.amazon.com/sns/latest/dg/sns-message-filtering-scope.html,
https://docs.aws.amazon.com/sns/latest/dg/subscription-filter-policy-constraints.html.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from cloudlet.core.patterns.compile import Pattern, compile_pattern, load_document
from cloudlet.core.patterns.errors import SNS_CODE, SNS_PREFIX, PatternError, pattern_error
from cloudlet.core.patterns.limits import SNS_MAX_COMBINATIONS, SNS_MAX_KEYS, SNS_MAX_POLICY_BYTES

__all__ = [
    "MESSAGE_ATTRIBUTES",
    "MESSAGE_BODY",
    "SnsFilter",
    "attributes_to_event",
    "sns_policy",
]

MESSAGE_ATTRIBUTES = "MessageAttributes"
MESSAGE_BODY = "MessageBody"
_SCOPES = (MESSAGE_ATTRIBUTES, MESSAGE_BODY)
_SCOPE_HINT = "Please use either MessageBody or MessageAttributes"


@dataclass(frozen=True, slots=True)
class SnsFilter:
    """A validated filter policy with its scope; compile once per subscription and reuse."""

    pattern: Pattern
    scope: str

    def matches_attributes(self, message_attributes: Mapping[str, Mapping[str, Any]] | None) -> bool:
        """Match ``MessageAttributes`` (``{name: {"DataType", "StringValue"}}``, or the envelope's
        ``{"Type", "Value"}``)."""
        return self.pattern.matches(attributes_to_event(message_attributes or {}))

    def matches_body(self, body: str) -> bool:
        """Match a message body; a body that is not a JSON object never matches ("Filter policies for the
        message body assume that the message payload is a well-formed JSON object")."""
        try:
            payload = json.loads(body)
        except ValueError:
            return False
        return isinstance(payload, dict) and self.pattern.matches(payload)

    def matches(self, body: str, message_attributes: Mapping[str, Mapping[str, Any]] | None) -> bool:
        """Match according to the policy's scope."""
        if self.scope == MESSAGE_BODY:
            return self.matches_body(body)
        return self.matches_attributes(message_attributes)


def sns_policy(doc_text: str, scope: str = MESSAGE_ATTRIBUTES) -> SnsFilter:
    """Validate a ``FilterPolicy`` attribute value for ``FilterPolicyScope`` ``scope``.

    Attribute-scope policies must be flat ("Amazon SNS doesn't accept a nested filter policy for
    attribute-based filtering"); at most five keys (top-level keys only for payload-based policies) and
    150 combinations.

    Raises:
        PatternError: ``InvalidParameter`` with SNS's ``Invalid parameter: FilterPolicy: ...`` wording
            (use ``.subscribe_message`` for the ``Subscribe`` wording).
    """
    if scope not in _SCOPES:
        detail = f"FilterPolicyScope: Invalid value [{scope}]. {_SCOPE_HINT}"
        raise PatternError(SNS_PREFIX + detail, code=SNS_CODE, reason=detail, detail=detail)
    if len(doc_text.encode()) > SNS_MAX_POLICY_BYTES:
        # The 256 KB limit is documented; the message text is ours (not captured from AWS).
        raise pattern_error("sns", "Filter policy is too long")
    document = load_document(doc_text, "sns")
    if len(document) > SNS_MAX_KEYS:
        raise pattern_error("sns", f"Filter policy can not have more than {SNS_MAX_KEYS} keys")
    pattern = compile_pattern(document, "sns", allow_nesting=scope == MESSAGE_BODY)
    if pattern.combinations > SNS_MAX_COMBINATIONS:
        raise pattern_error("sns", "Filter policy is too complex")
    return SnsFilter(pattern, scope)


def attributes_to_event(message_attributes: Mapping[str, Mapping[str, Any]]) -> dict[str, Any]:
    """The JSON object an attribute-scope policy is matched against.

    ``String`` → the string; ``Number`` → a number (numeric operators apply); ``String.Array`` → the parsed
    array, whose elements may be of any JSON type; ``Binary`` attributes are ignored ("Amazon SNS ignores
    message attributes with the Binary data type"). Custom labels (``Number.float``) keep their base type.
    """
    event: dict[str, Any] = {}
    for name, attribute in message_attributes.items():
        data_type = attribute.get("DataType") or attribute.get("Type")
        value = attribute.get("StringValue", attribute.get("Value"))
        if not isinstance(data_type, str) or value is None:
            continue
        if data_type in ("String.Array", "Number.Array"):
            event[name] = _parse_array(value)
        elif data_type == "Number" or data_type.startswith("Number."):
            event[name] = _parse_number(value)
        elif data_type == "String" or data_type.startswith("String."):
            event[name] = value if isinstance(value, str) else str(value)
    return event


def _parse_array(value: Any) -> Any:
    if not isinstance(value, str):
        return value
    try:
        return json.loads(value)
    except ValueError:
        return value


def _parse_number(value: Any) -> Any:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return value
    text = str(value).strip()
    try:
        return int(text)
    except ValueError:
        pass
    try:
        return float(text)
    except ValueError:
        return text
