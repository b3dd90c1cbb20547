"""E-mail and SMS subscriptions end to end: the confirmation mail's link confirms, notifications land
in the outbox (read over /_cloudlet/outbox as a user would)."""

from __future__ import annotations

import json
import re
import urllib.request

import pytest


def outbox(cloudlet, kind: str) -> list[dict]:
    with urllib.request.urlopen(f"{cloudlet.endpoint}/_cloudlet/outbox?kind={kind}", timeout=10) as response:
        return json.loads(response.read())["entries"]


@pytest.mark.parametrize("protocol", ["email", "email-json"])
def test_an_email_subscription_confirms_through_its_mail_and_then_gets_notifications(
    cloudlet, sns, topic, protocol
):
    sns.subscribe(TopicArn=topic, Protocol=protocol, Endpoint="ops@example.com")
    cloudlet.settle()
    (confirmation,) = outbox(cloudlet, "email")
    assert confirmation["destination"] == "ops@example.com"
    link = re.search(r"http://[^\s\"]+Action=ConfirmSubscription[^\s\"]+", confirmation["body"]).group(0)
    with urllib.request.urlopen(link, timeout=10) as response:
        assert response.status == 200
    sns.publish(TopicArn=topic, Message="disk almost full", Subject="Alarm")
    cloudlet.settle()
    mails = outbox(cloudlet, "email")
    assert len(mails) == 2
    notification = mails[-1]
    if protocol == "email":
        assert notification["subject"] == "Alarm"
        assert "disk almost full" in notification["body"]
        assert "Action=Unsubscribe" in notification["body"]
    else:
        envelope = json.loads(notification["body"])
        assert envelope["Message"] == "disk almost full" and envelope["Type"] == "Notification"


def test_an_sms_subscription_gets_each_message_in_the_sms_outbox(cloudlet, sns, topic):
    sns.subscribe(TopicArn=topic, Protocol="sms", Endpoint="+15555550100")
    sns.publish(TopicArn=topic, Message="your code is 1234")
    cloudlet.settle()
    (sms,) = outbox(cloudlet, "sms")
    assert sms["destination"] == "+15555550100"
    assert sms["body"] == "your code is 1234"


def test_a_lambda_subscription_fails_as_a_missing_function_until_lambda_is_served(cloudlet, sns, sqs, topic):
    from tests.services.sns.conftest import drain, make_queue

    dlq_url, dlq_arn = make_queue(sqs, "lambda-dlq")
    sns.subscribe(
        TopicArn=topic,
        Protocol="lambda",
        Endpoint="arn:aws:lambda:us-east-1:000000000000:function:handler",
        Attributes={"RedrivePolicy": json.dumps({"deadLetterTargetArn": dlq_arn})},
    )
    sns.publish(TopicArn=topic, Message="to a function")
    cloudlet.settle()
    (dead,) = drain(sqs, dlq_url)
    assert json.loads(dead["Body"])["Message"] == "to a function"
