"""The Lambda function an API Gateway invocation URI names:
`arn:aws:apigateway:<region>:lambda:path/2015-03-31/functions/<function arn>/invocations` (integrations
and authorizers of both API kinds)."""

from __future__ import annotations

import re

_INVOCATION = re.compile(r"^arn:aws[\w-]*:apigateway:[^:]*:lambda:path/[^/]+/functions/(.+)/invocations/?$")


def function_of(uri: str) -> str | None:
    """The function ARN (possibly qualified) inside an invocation URI; None when `uri` is not one."""
    found = _INVOCATION.match(uri or "")
    return found.group(1) if found else None
