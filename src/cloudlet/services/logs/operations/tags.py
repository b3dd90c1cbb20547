"""Tags: the log-group flavour (TagLogGroup, UntagLogGroup, ListTagsLogGroup) and the ARN flavour
(TagResource, UntagResource, ListTagsForResource). Only log groups are taggable in cloudlet."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from cloudlet.services.logs.errors import (
    InvalidParameterException,
    ResourceNotFoundException,
    TooManyTagsException,
)
from cloudlet.services.logs.operations.common import check_group_name, state
from cloudlet.services.logs.store import GroupRow

if TYPE_CHECKING:
    from cloudlet.gateway.context import RequestContext


def _named(ctx: RequestContext, request: dict[str, Any]) -> GroupRow:
    return state(ctx).find_group(ctx.account_id, ctx.region, check_group_name(request["logGroupName"]))


def _by_arn(ctx: RequestContext, arn: str) -> GroupRow:
    if not arn.startswith("arn:"):
        raise InvalidParameterException(f"Invalid resource ARN: {arn}")
    if ":log-group:" not in arn:
        raise ResourceNotFoundException("The specified resource does not exist.")
    return state(ctx).group_by_identifier(ctx.account_id, ctx.region, arn)


def tag_log_group(ctx: RequestContext, request: dict[str, Any]) -> None:
    state(ctx).set_tags(_named(ctx, request), dict(request["tags"]), [], InvalidParameterException)


def untag_log_group(ctx: RequestContext, request: dict[str, Any]) -> None:
    state(ctx).set_tags(_named(ctx, request), {}, list(request["tags"]), InvalidParameterException)


def list_tags_log_group(ctx: RequestContext, request: dict[str, Any]) -> dict[str, Any]:
    return {"tags": _named(ctx, request).tags}


def tag_resource(ctx: RequestContext, request: dict[str, Any]) -> None:
    group = _by_arn(ctx, request["resourceArn"])
    state(ctx).set_tags(group, dict(request["tags"]), [], TooManyTagsException)


def untag_resource(ctx: RequestContext, request: dict[str, Any]) -> None:
    group = _by_arn(ctx, request["resourceArn"])
    state(ctx).set_tags(group, {}, list(request["tagKeys"]), TooManyTagsException)


def list_tags_for_resource(ctx: RequestContext, request: dict[str, Any]) -> dict[str, Any]:
    return {"tags": _by_arn(ctx, request["resourceArn"]).tags}
