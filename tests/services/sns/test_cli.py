"""The AWS CLI (v1) against cloudlet's SNS: topic, SQS subscription, publish, listing, errors."""

from __future__ import annotations

import json
import os
import subprocess
import sys

ACCOUNT = "000000000000"


def _aws(cloudlet, tmp_path, service, *args):
    env = {
        **os.environ,
        "AWS_ACCESS_KEY_ID": "test",
        "AWS_SECRET_ACCESS_KEY": "test",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_CONFIG_FILE": str(tmp_path / "no-config"),
        "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "no-credentials"),
    }
    env.pop("AWS_PROFILE", None)
    command = [
        sys.executable,
        "-m",
        "awscli",
        service,
        *args,
        "--endpoint-url",
        cloudlet.endpoint,
        "--output",
        "json",
    ]
    return subprocess.run(command, env=env, capture_output=True, text=True, timeout=60, check=False)


def _aws_json(cloudlet, tmp_path, service, *args):
    done = _aws(cloudlet, tmp_path, service, *args)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout) if done.stdout.strip() else {}


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
