"""What every CloudWatch Logs operation needs: the service state, name checks, the group a request names,
and opaque paging tokens."""

from __future__ import annotations

import base64
import binascii
import json
import re
from typing import TYPE_CHECKING, Any

from cloudlet.services.logs.errors import InvalidParameterException
from cloudlet.services.logs.store import GroupRow

if TYPE_CHECKING:
    from cloudlet.gateway.context import RequestContext
    from cloudlet.services.logs.engine import Logs

# Patterns of the model's LogGroupName and LogStreamName shapes; the generic validator leaves Java regex
# patterns alone, CloudWatch Logs enforces these two.
GROUP_NAME_PATTERN = r"[\.\-_/#A-Za-z0-9]+"
STREAM_NAME_PATTERN = r"[^:*]*"
_GROUP_NAME = re.compile(GROUP_NAME_PATTERN)
_STREAM_NAME = re.compile(STREAM_NAME_PATTERN)


def state(ctx: RequestContext) -> Logs:
    logs: Logs = ctx.app.service("logs").state
    return logs


def _pattern_error(value: str, member: str, pattern: str) -> InvalidParameterException:
    return InvalidParameterException(
        f"1 validation error detected: Value '{value}' at '{member}' failed to satisfy constraint: "
        f"Member must satisfy regular expression pattern: {pattern}"
    )


def check_group_name(name: str, member: str = "logGroupName") -> str:
    if not _GROUP_NAME.fullmatch(name):
        raise _pattern_error(name, member, GROUP_NAME_PATTERN)
    return name


def check_stream_name(name: str, member: str = "logStreamName") -> str:
    if not _STREAM_NAME.fullmatch(name):
        raise _pattern_error(name, member, STREAM_NAME_PATTERN)
    return name


def group_of(ctx: RequestContext, request: dict[str, Any]) -> GroupRow:
    """The group named by `logGroupName` or `logGroupIdentifier` (exactly one of them).

    Raises: InvalidParameterException, ResourceNotFoundException.
    """
    name = request.get("logGroupName")
    identifier = request.get("logGroupIdentifier")
    if name and identifier:
        raise InvalidParameterException("LogGroup name and LogGroup ARN are mutually exclusive parameters.")
    if name:
        return state(ctx).find_group(ctx.account_id, ctx.region, check_group_name(name))
    if identifier:
        return state(ctx).group_by_identifier(ctx.account_id, ctx.region, identifier)
    raise InvalidParameterException("Should provide either a logGroupName or a logGroupIdentifier.")


def encode_token(value: Any) -> str:
    return base64.urlsafe_b64encode(json.dumps(value, separators=(",", ":")).encode()).decode()


def decode_token(token: str | None) -> Any:
    if not token:
        return None
    try:
        return json.loads(base64.urlsafe_b64decode(token.encode()))
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise InvalidParameterException("The specified nextToken is invalid.") from None
