"""Subscription operations: subscribe, confirm, unsubscribe, list, attributes."""

from __future__ import annotations

import secrets
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from cloudlet.core import ids
from cloudlet.core.clock import iso8601
from cloudlet.services.sns.operations.common import page, state, topic_of
from cloudlet.services.sns.store import Subscription

if TYPE_CHECKING:
    from cloudlet.gateway.context import RequestContext

PENDING = "pending confirmation"


def subscribe(ctx: RequestContext, request: dict[str, Any]) -> dict[str, Any]:
    sns = state(ctx)
    topic = topic_of(ctx, request["TopicArn"])
    sub, created = sns.registry.subscribe(
        topic,
        request["Protocol"],
        request.get("Endpoint") or "",
        dict(request.get("Attributes") or {}),
        ctx.account_id,
    )
    if sub.pending and created:
        _send_confirmation(ctx, topic, sub)
    if sub.pending and not request.get("ReturnSubscriptionArn"):
        return {"SubscriptionArn": PENDING}
    return {"SubscriptionArn": sub.arn}


def confirm_url(endpoint: str, topic_arn: str, token: str) -> str:
    """The SubscribeURL: a GET of it confirms (SNS's query API, routed by its Action)."""
    return f"{endpoint}/?Action=ConfirmSubscription&TopicArn={quote(topic_arn, safe='')}&Token={token}"


def _send_confirmation(ctx: RequestContext, topic: Any, sub: Subscription) -> None:
    sns = state(ctx)
    endpoint = ctx.endpoint
    subscribe_url = confirm_url(endpoint, topic.arn, sub.token or "")
    notification = {
        "Type": "SubscriptionConfirmation",
        "MessageId": ids.message_id(),
        "Token": sub.token,
        "TopicArn": topic.arn,
        "Message": (
            f"You have chosen to subscribe to the topic {topic.arn}.\n"
            "To confirm the subscription, visit the SubscribeURL included in this message."
        ),
        "SubscribeURL": subscribe_url,
        "Timestamp": iso8601(sns.clock.now()),
    }
    with sns.db.transaction() as tx:
        sns.fanout.schedule(tx, topic, sub, notification, endpoint, notification["MessageId"])


def confirm_subscription(ctx: RequestContext, request: dict[str, Any]) -> dict[str, Any]:
    sub = state(ctx).registry.confirm(request["TopicArn"], request["Token"])
    return {"SubscriptionArn": sub.arn}


def unsubscribe(ctx: RequestContext, request: dict[str, Any]) -> None:
    sns = state(ctx)
    sub = sns.registry.unsubscribe(request["SubscriptionArn"])
    if sub is None or sub.protocol not in ("http", "https"):
        return
    # HTTP/S endpoints are told, with a token to subscribe again (sns-message-and-json-formats.html).
    with sns.db.read() as conn:
        from cloudlet.services.sns import store

        topic = store.get_topic(conn, sub.topic_arn)
    if topic is None:
        return
    token = secrets.token_hex(64)
    notification = {
        "Type": "UnsubscribeConfirmation",
        "MessageId": ids.message_id(),
        "Token": token,
        "TopicArn": topic.arn,
        "Message": (
            f"You have chosen to deactivate subscription {sub.arn}.\n"
            "To cancel this operation and restore the subscription, visit the SubscribeURL included in this "
            "message."
        ),
        "SubscribeURL": confirm_url(ctx.endpoint, topic.arn, token),
        "Timestamp": iso8601(sns.clock.now()),
    }
    with sns.db.transaction() as tx:
        sns.fanout.schedule(tx, topic, sub, notification, ctx.endpoint, notification["MessageId"])


def _listing(sub: Subscription) -> dict[str, str]:
    return {
        "SubscriptionArn": "PendingConfirmation" if sub.pending else sub.arn,
        "Owner": sub.account,
        "Protocol": sub.protocol,
        "Endpoint": sub.endpoint,
        "TopicArn": sub.topic_arn,
    }


def list_subscriptions(ctx: RequestContext, request: dict[str, Any]) -> dict[str, Any]:
    subs = state(ctx).registry.subscriptions_of_account(ctx.account_id, ctx.region)
    chunk, token = page(subs, request.get("NextToken"))
    out: dict[str, Any] = {"Subscriptions": [_listing(s) for s in chunk]}
    if token:
        out["NextToken"] = token
    return out


def list_subscriptions_by_topic(ctx: RequestContext, request: dict[str, Any]) -> dict[str, Any]:
    registry = state(ctx).registry
    topic = topic_of(ctx, request["TopicArn"])
    chunk, token = page(registry.subscriptions_of(topic.arn), request.get("NextToken"))
    out: dict[str, Any] = {"Subscriptions": [_listing(s) for s in chunk]}
    if token:
        out["NextToken"] = token
    return out


def get_subscription_attributes(ctx: RequestContext, request: dict[str, Any]) -> dict[str, Any]:
    registry = state(ctx).registry
    return {"Attributes": registry.subscription_attributes(registry.subscription(request["SubscriptionArn"]))}


def set_subscription_attributes(ctx: RequestContext, request: dict[str, Any]) -> None:
    registry = state(ctx).registry
    sub = registry.subscription(request["SubscriptionArn"])
    registry.set_subscription_attribute(sub, request["AttributeName"], request.get("AttributeValue") or "")
