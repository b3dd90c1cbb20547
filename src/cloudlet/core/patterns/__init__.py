"""The one event-pattern engine: EventBridge patterns, SNS filter policies, Lambda filter criteria.

    from cloudlet.core.patterns import compile_pattern, PatternError
    pattern = compile_pattern(doc, flavor="eventbridge")   # or "sns"; doc: dict or JSON text
    pattern.matches(event)                                # event: parsed JSON object

`compile.py` validates and builds, `match.py` evaluates, `operators.py` holds the match expressions,
`errors.py` the per-service wording, `sns.py` the SNS filter-policy mapping. No state beyond constants.
"""

from __future__ import annotations

from cloudlet.core.patterns.compile import Pattern, compile_pattern
from cloudlet.core.patterns.errors import Flavor, PatternError

__all__ = ["Flavor", "Pattern", "PatternError", "compile_pattern"]
