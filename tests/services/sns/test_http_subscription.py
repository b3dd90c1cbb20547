"""HTTP/S subscriptions end to end against a real endpoint on loopback: confirmation through the
SubscribeURL, signed notifications with SNS's headers, retries by the delivery policy on the virtual
clock, and the dead-letter queue once retries are exhausted."""

from __future__ import annotations

import json
import urllib.request

from tests.services.sns.conftest import drain, make_queue


def confirm(cloudlet, sns, topic, endpoint, **subscribe_kwargs) -> str:
    """Subscribe `endpoint`, follow the SubscribeURL it receives, return the subscription ARN."""
    pending = sns.subscribe(TopicArn=topic, Protocol="http", Endpoint=endpoint.url, **subscribe_kwargs)
    assert pending["SubscriptionArn"] == "pending confirmation"
    cloudlet.settle()
    (confirmation,) = endpoint.messages("SubscriptionConfirmation")
    assert confirmation["TopicArn"] == topic
    assert confirmation["Token"]
    with urllib.request.urlopen(confirmation["SubscribeURL"], timeout=10) as response:
        assert response.status == 200
        assert b"<ConfirmSubscriptionResult>" in response.read()
    (sub,) = sns.list_subscriptions_by_topic(TopicArn=topic)["Subscriptions"]
    assert sub["SubscriptionArn"] != "PendingConfirmation"
    return sub["SubscriptionArn"]


def test_confirmation_then_a_signed_notification_with_sns_headers(cloudlet, sns, topic, endpoint):
    sub_arn = confirm(cloudlet, sns, topic, endpoint)
    message_id = sns.publish(TopicArn=topic, Message="over http", Subject="hi")["MessageId"]
    cloudlet.settle()
    request = endpoint.requests[-1]
    headers = {k.lower(): v for k, v in request["headers"].items()}
    assert headers["x-amz-sns-message-type"] == "Notification"
    assert headers["x-amz-sns-message-id"] == message_id
    assert headers["x-amz-sns-topic-arn"] == topic
    assert headers["x-amz-sns-subscription-arn"] == sub_arn
    assert headers["user-agent"] == "Amazon Simple Notification Service Agent"
    body = json.loads(request["body"])
    assert body["Message"] == "over http"
    assert body["Signature"] and body["SigningCertURL"].startswith(cloudlet.endpoint)


def test_a_pending_subscription_receives_no_notifications(cloudlet, sns, topic, endpoint):
    sns.subscribe(TopicArn=topic, Protocol="http", Endpoint=endpoint.url)
    sns.publish(TopicArn=topic, Message="not yet")
    cloudlet.settle()
    assert endpoint.messages("Notification") == []


def test_raw_delivery_posts_the_bare_message(cloudlet, sns, topic, endpoint):
    sub_arn = confirm(cloudlet, sns, topic, endpoint)
    sns.set_subscription_attributes(
        SubscriptionArn=sub_arn, AttributeName="RawMessageDelivery", AttributeValue="true"
    )
    sns.publish(TopicArn=topic, Message="raw body")
    cloudlet.settle()
    request = endpoint.requests[-1]
    assert request["body"] == "raw body"
    assert {k.lower(): v for k, v in request["headers"].items()}["x-amz-sns-rawdelivery"] == "true"


def test_server_errors_are_retried_by_the_delivery_policy(cloudlet, sns, topic, endpoint):
    confirm(cloudlet, sns, topic, endpoint)
    endpoint.status = 503
    sns.publish(TopicArn=topic, Message="eventually")
    cloudlet.settle()
    assert len(endpoint.messages()) == 1  # the first attempt
    cloudlet.clock.advance(19)
    cloudlet.settle()
    assert len(endpoint.messages()) == 1  # the default policy waits 20 s between attempts
    endpoint.status = 200
    cloudlet.clock.advance(1)
    cloudlet.settle()
    assert [m["Message"] for m in endpoint.messages()] == ["eventually", "eventually"]
    cloudlet.clock.advance(60)
    cloudlet.settle()
    assert len(endpoint.messages()) == 2  # delivered: no more attempts


def test_exhausted_retries_go_to_the_subscription_dlq(cloudlet, sns, sqs, topic, endpoint):
    dlq_url, dlq_arn = make_queue(sqs, "http-dlq")
    confirm(
        cloudlet,
        sns,
        topic,
        endpoint,
        Attributes={
            "RedrivePolicy": json.dumps({"deadLetterTargetArn": dlq_arn}),
            "DeliveryPolicy": json.dumps(
                {"healthyRetryPolicy": {"numRetries": 2, "minDelayTarget": 5, "maxDelayTarget": 5}}
            ),
        },
    )
    endpoint.status = 500
    message_id = sns.publish(TopicArn=topic, Message="never arrives")["MessageId"]
    for _ in range(3):
        cloudlet.settle()
        cloudlet.clock.advance(5)
    cloudlet.settle()
    assert len(endpoint.messages()) == 3  # the first attempt and two retries
    (dead,) = drain(sqs, dlq_url, MessageAttributeNames=["All"])
    assert json.loads(dead["Body"])["MessageId"] == message_id
    assert "500" in dead["MessageAttributes"]["ErrorMessage"]["StringValue"]


def test_client_errors_are_not_retried(cloudlet, sns, topic, endpoint):
    confirm(cloudlet, sns, topic, endpoint)
    endpoint.status = 404
    sns.publish(TopicArn=topic, Message="gone")
    cloudlet.settle()
    cloudlet.clock.advance(120)
    cloudlet.settle()
    assert len(endpoint.messages()) == 1


def test_unsubscribing_tells_the_endpoint(cloudlet, sns, topic, endpoint):
    sub_arn = confirm(cloudlet, sns, topic, endpoint)
    sns.unsubscribe(SubscriptionArn=sub_arn)
    cloudlet.settle()
    (notice,) = endpoint.messages("UnsubscribeConfirmation")
    assert notice["TopicArn"] == topic and notice["SubscribeURL"]


def test_a_slow_or_failing_endpoint_does_not_hold_up_queues(cloudlet, sns, sqs, topic, endpoint):
    confirm(cloudlet, sns, topic, endpoint)
    url, arn = make_queue(sqs, "fast")
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=arn)
    endpoint.status = 500
    sns.publish(TopicArn=topic, Message="both")
    assert len(drain(sqs, url)) == 1  # the queue has it at once, before any HTTP attempt settles
