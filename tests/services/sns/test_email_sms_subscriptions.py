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


def test_a_lambda_subscription_to_a_missing_function_goes_to_the_dlq(cloudlet, sns, sqs, topic):
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


def test_with_an_smtp_url_a_published_message_reaches_a_real_smtp_server(cloudlet_factory):
    from aiosmtpd.controller import Controller

    from tests.services.sns.test_email_delivery import Mailbox, free_port

    mailbox = Mailbox()
    controller = Controller(mailbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        server = cloudlet_factory(smtp_url=f"smtp://127.0.0.1:{controller.port}")
        sns = server.client("sns")
        topic = sns.create_topic(Name="alarms")["TopicArn"]
        sns.subscribe(TopicArn=topic, Protocol="email", Endpoint="oncall@example.com")
        server.settle()
        (_, rcpt, confirmation) = mailbox.messages[0]
        assert rcpt == ["oncall@example.com"]
        body = confirmation.get_content()
        link = re.search(r"http://[^\s\"]+Action=ConfirmSubscription[^\s\"]+", body).group(0)
        with urllib.request.urlopen(link, timeout=10) as response:
            assert response.status == 200
        sns.publish(TopicArn=topic, Message="CPU at 99%", Subject="Alarm: CPU")
        server.settle()
        (_, _, alarm) = mailbox.messages[1]
        assert alarm["Subject"] == "Alarm: CPU"
        assert "CPU at 99%" in alarm.get_content()
    finally:
        controller.stop()
