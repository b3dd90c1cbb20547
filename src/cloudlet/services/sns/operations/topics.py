"""Topic operations: create, delete, list, attributes, tags, permissions, data-protection policy."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from cloudlet.core.arns import parse_arn
from cloudlet.services.sns.errors import NotFoundException, ResourceNotFoundException, invalid
from cloudlet.services.sns.operations.common import page, state, topic_of

if TYPE_CHECKING:
    from cloudlet.gateway.context import RequestContext


def create_topic(ctx: RequestContext, request: dict[str, Any]) -> dict[str, Any]:
    topic = state(ctx).registry.create_topic(
        ctx.account_id,
        ctx.region,
        request["Name"],
        dict(request.get("Attributes") or {}),
        list(request.get("Tags") or []),
        request.get("DataProtectionPolicy"),
    )
    return {"TopicArn": topic.arn}


def delete_topic(ctx: RequestContext, request: dict[str, Any]) -> None:
    state(ctx).registry.delete_topic(request["TopicArn"])


def list_topics(ctx: RequestContext, request: dict[str, Any]) -> dict[str, Any]:
    arns, token = page(state(ctx).registry.topic_arns(ctx.account_id, ctx.region), request.get("NextToken"))
    out: dict[str, Any] = {"Topics": [{"TopicArn": arn} for arn in arns]}
    if token:
        out["NextToken"] = token
    return out


def get_topic_attributes(ctx: RequestContext, request: dict[str, Any]) -> dict[str, Any]:
    registry = state(ctx).registry
    return {"Attributes": registry.topic_attributes(topic_of(ctx, request["TopicArn"]))}


def set_topic_attributes(ctx: RequestContext, request: dict[str, Any]) -> None:
    registry = state(ctx).registry
    topic = topic_of(ctx, request["TopicArn"])
    registry.set_topic_attribute(topic, request["AttributeName"], request.get("AttributeValue") or "")


def _tagged_topic(ctx: RequestContext, arn: str) -> Any:
    try:
        parts = parse_arn(arn)
    except ValueError:
        raise invalid("ResourceArn") from None
    if parts.service != "sns":
        raise invalid("ResourceArn")
    registry = state(ctx).registry
    try:
        return registry.topic(arn)
    except NotFoundException:
        raise ResourceNotFoundException("Resource does not exist") from None


def tag_resource(ctx: RequestContext, request: dict[str, Any]) -> None:
    state(ctx).registry.tag(_tagged_topic(ctx, request["ResourceArn"]), list(request.get("Tags") or []))


def untag_resource(ctx: RequestContext, request: dict[str, Any]) -> None:
    state(ctx).registry.untag(_tagged_topic(ctx, request["ResourceArn"]), list(request.get("TagKeys") or []))


def list_tags_for_resource(ctx: RequestContext, request: dict[str, Any]) -> dict[str, Any]:
    topic = _tagged_topic(ctx, request["ResourceArn"])
    return {"Tags": [{"Key": k, "Value": v} for k, v in topic.tags]}


def add_permission(ctx: RequestContext, request: dict[str, Any]) -> None:
    registry = state(ctx).registry
    topic = topic_of(ctx, request["TopicArn"])
    registry.add_permission(
        topic, request["Label"], list(request["AWSAccountId"]), list(request["ActionName"])
    )


def remove_permission(ctx: RequestContext, request: dict[str, Any]) -> None:
    registry = state(ctx).registry
    registry.remove_permission(topic_of(ctx, request["TopicArn"]), request["Label"])


def get_data_protection_policy(ctx: RequestContext, request: dict[str, Any]) -> dict[str, Any]:
    topic = state(ctx).registry.topic(request["ResourceArn"])
    return {"DataProtectionPolicy": topic.data_protection_policy} if topic.data_protection_policy else {}


def put_data_protection_policy(ctx: RequestContext, request: dict[str, Any]) -> None:
    registry = state(ctx).registry
    registry.set_data_protection_policy(
        registry.topic(request["ResourceArn"]), request["DataProtectionPolicy"]
    )
