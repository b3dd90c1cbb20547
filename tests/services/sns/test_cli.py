"""The AWS CLI (v1) against cloudlet's SNS: topic, SQS subscription, publish, listing, errors."""

from __future__ import annotations

import json

from tests.awscli import aws, aws_json

ACCOUNT = "000000000000"


_aws = aws
_aws_json = aws_json


def test_cli_topic_subscription_and_publish(cloudlet, tmp_path):
    sqs = cloudlet.client("sqs")
    queue_url = sqs.create_queue(QueueName="cli-queue")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]

    topic = _aws_json(cloudlet, tmp_path, "sns", "create-topic", "--name", "cli-topic")["TopicArn"]
    assert topic == f"arn:aws:sns:us-east-1:{ACCOUNT}:cli-topic"
    sub = _aws_json(
        cloudlet,
        tmp_path,
        "sns",
        "subscribe",
        "--topic-arn",
        topic,
        "--protocol",
        "sqs",
        "--notification-endpoint",
        queue_arn,
    )["SubscriptionArn"]
    assert sub.startswith(topic + ":")
    published = _aws_json(
        cloudlet, tmp_path, "sns", "publish", "--topic-arn", topic, "--message", "from the cli"
    )
    assert published["MessageId"]

    listed = _aws_json(cloudlet, tmp_path, "sns", "list-subscriptions-by-topic", "--topic-arn", topic)
    assert [(s["SubscriptionArn"], s["Endpoint"]) for s in listed["Subscriptions"]] == [(sub, queue_arn)]
    attrs = _aws_json(cloudlet, tmp_path, "sns", "get-topic-attributes", "--topic-arn", topic)["Attributes"]
    assert attrs["TopicArn"] == topic
    assert attrs["SubscriptionsConfirmed"] == "1"

    cloudlet.settle()
    [message] = sqs.receive_message(QueueUrl=queue_url, WaitTimeSeconds=0)["Messages"]
    body = json.loads(message["Body"])
    assert (body["Type"], body["Message"], body["TopicArn"]) == ("Notification", "from the cli", topic)


def test_cli_missing_topic_exits_non_zero_with_not_found(cloudlet, tmp_path):
    missing = f"arn:aws:sns:us-east-1:{ACCOUNT}:missing"
    done = _aws(cloudlet, tmp_path, "sns", "get-topic-attributes", "--topic-arn", missing)
    assert done.returncode != 0
    assert "NotFound" in done.stderr
    assert "Topic does not exist" in done.stderr
