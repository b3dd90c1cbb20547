"""What other services may use of SNS: publishing to a topic inside the caller's transaction
(Lambda destinations and dead-letter queues, EventBridge targets, CloudWatch alarms)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from cloudlet.services.sns.errors import NotFoundException

if TYPE_CHECKING:
    from cloudlet.app import App
    from cloudlet.core.db import Tx


def is_fifo_topic(app: App, topic_arn: str) -> bool | None:
    """True/False for an existing topic, None when the topic does not exist."""
    if "sns" not in app.specs:
        return None
    try:
        return app.service("sns").state.registry.topic(topic_arn).fifo
    except NotFoundException:
        return None


def publish(
    app: App,
    tx: Tx,
    topic_arn: str,
    message: str,
    *,
    subject: str | None = None,
    attributes: dict[str, dict[str, Any]] | None = None,
    group_id: str | None = None,
    dedup_id: str | None = None,
) -> str:
    """Publish `message` to `topic_arn`; returns the MessageId. Raises NotFoundException, InvalidParameter."""
    from cloudlet.services.sns.messages import parse_publish

    if "sns" not in app.specs:
        raise NotFoundException("Topic does not exist")
    sns = app.service("sns").state
    topic = sns.registry.topic(topic_arn)
    request: dict[str, Any] = {"Message": message, "MessageAttributes": attributes or {}}
    if subject is not None:
        request["Subject"] = subject
    if group_id is not None:
        request["MessageGroupId"] = group_id
    if dedup_id is not None:
        request["MessageDeduplicationId"] = dedup_id
    outgoing = parse_publish(request, topic.fifo, topic.attributes.get("ContentBasedDeduplication") == "true")
    message_id, _ = sns.fanout.publish(topic, outgoing, app.settings.endpoint, tx)
    return message_id
