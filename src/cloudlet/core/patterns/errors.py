"""PatternError and the wording each service uses for a malformed pattern.

Owns message construction only; which reason applies is decided by `compile.py` and `operators.py`.
Reasons follow the texts AWS returns (recorded in LocalStack's AWS-validated snapshots and in
aws/event-ruler, the engine behind EventBridge and SNS filtering).
"""

from __future__ import annotations

from typing import Literal

__all__ = [
    "EVENTBRIDGE_CODE",
    "EVENTBRIDGE_PREFIX",
    "SNS_CODE",
    "SNS_PREFIX",
    "Flavor",
    "PatternError",
    "pattern_error",
]

Flavor = Literal["eventbridge", "sns"]

EVENTBRIDGE_CODE = "InvalidEventPatternException"
EVENTBRIDGE_PREFIX = "Event pattern is not valid. Reason: "
SNS_CODE = "InvalidParameter"
SNS_PREFIX = "Invalid parameter: "


class PatternError(Exception):
    """A pattern or filter policy AWS would reject.

    Attributes:
        message: the full AWS message text, e.g. ``Invalid parameter: FilterPolicy: Filter policy is too
            complex`` or ``Event pattern is not valid. Reason: Empty arrays are not allowed``.
        code: the AWS error code of the flavor (``InvalidParameter`` / ``InvalidEventPatternException``).
        reason: the bare reason (``Filter policy is too complex``).
        detail: for SNS, the text after ``Invalid parameter: `` (``FilterPolicy: ...``). SNS's ``Subscribe``
            words the same error as ``Invalid parameter: Attributes Reason: `` + detail.
    """

    def __init__(self, message: str, *, code: str, reason: str, detail: str) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.reason = reason
        self.detail = detail

    @property
    def subscribe_message(self) -> str:
        """The wording SNS uses when the policy arrives in ``Subscribe``'s ``Attributes``."""
        return f"{SNS_PREFIX}Attributes Reason: {self.detail}"


def pattern_error(flavor: Flavor, reason: str, *, policy_scoped: bool = True) -> PatternError:
    """Build the flavor's error for ``reason``.

    ``policy_scoped=False`` drops SNS's ``FilterPolicy: `` segment, as SNS does for scope errors
    (``Invalid parameter: Filter policy scope MessageAttributes does not support nested filter policy``).
    """
    if flavor == "sns":
        detail = f"FilterPolicy: {reason}" if policy_scoped else reason
        return PatternError(f"{SNS_PREFIX}{detail}", code=SNS_CODE, reason=reason, detail=detail)
    return PatternError(f"{EVENTBRIDGE_PREFIX}{reason}", code=EVENTBRIDGE_CODE, reason=reason, detail=reason)
