"""What every SNS operation needs: the service state and NextToken paging."""

from __future__ import annotations

import base64
import binascii
from typing import TYPE_CHECKING, Any

from cloudlet.core.arns import parse_arn
from cloudlet.services.sns.errors import invalid

if TYPE_CHECKING:
    from cloudlet.gateway.context import RequestContext
    from cloudlet.services.sns.engine import Sns
    from cloudlet.services.sns.store import Topic

PAGE = 100


def state(ctx: RequestContext) -> Sns:
    sns: Sns = ctx.app.service("sns").state
    return sns


def topic_of(ctx: RequestContext, arn: str) -> Topic:
    """The topic `arn` names, which must be in the request's region. Raises InvalidParameter, NotFound."""
    try:
        parts = parse_arn(arn)
    except ValueError:
        raise invalid("TopicArn") from None
    if parts.service != "sns" or parts.region != ctx.region:
        raise invalid("TopicArn")
    return state(ctx).registry.topic(arn)


def page(items: list[Any], token: str | None, size: int = PAGE) -> tuple[list[Any], str | None]:
    """A page of `items` after the position `token` names; the next token if more remain."""
    start = 0
    if token:
        try:
            start = int(base64.urlsafe_b64decode(token.encode()).decode())
        except (ValueError, binascii.Error, UnicodeDecodeError):
            raise invalid("NextToken") from None
    chunk = items[start : start + size]
    more = start + size < len(items)
    return chunk, (base64.urlsafe_b64encode(str(start + size).encode()).decode() if more else None)
