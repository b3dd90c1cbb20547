"""Queue URL forms cloudlet accepts, and the AWS CLI (v1) against cloudlet."""

from __future__ import annotations

import pytest

from tests.awscli import aws, aws_json
from tests.services.sqs.conftest import query_client

ACCOUNT = "000000000000"


@pytest.fixture
def west(sqs, cloudlet, legacy_sqs_data):
    """A client of the same protocol as `sqs`, in eu-west-1."""
    if sqs.meta.service_model.protocol == "json":
        return cloudlet.client("sqs", region="eu-west-1")
    return query_client(cloudlet, legacy_sqs_data, region_name="eu-west-1")


def _round_trip(sqs, send_url, receive_url, body="hello"):
    """Send through one URL, receive through another; returns the bodies received."""
    sqs.send_message(QueueUrl=send_url, MessageBody=body)
    return [m["Body"] for m in sqs.receive_message(QueueUrl=receive_url).get("Messages", [])]


# -- URL forms -------------------------------------------------------------------------------------


def test_returned_url_resolves(sqs, queue):
    assert _round_trip(sqs, queue, queue) == ["hello"]


def test_path_style_url_names_the_queue(sqs, queue, cloudlet):
    url = f"http://127.0.0.1:{cloudlet.port}/{ACCOUNT}/work"
    assert _round_trip(sqs, url, queue) == ["hello"]


def test_sqs_localhost_host_names_the_queue(sqs, queue, cloudlet):
    url = f"http://sqs.us-east-1.localhost:{cloudlet.port}/{ACCOUNT}/work"
    assert _round_trip(sqs, url, queue) == ["hello"]


def test_aws_url_names_the_queue(sqs, queue):
    url = f"https://sqs.us-east-1.amazonaws.com/{ACCOUNT}/work"
    assert _round_trip(sqs, url, queue) == ["hello"]


@pytest.mark.parametrize(
    "form", ["https://queue.amazonaws.com/{a}/work", "https://us-east-1.queue.amazonaws.com/{a}/work"]
)
def test_legacy_aws_url_names_the_queue(sqs, queue, form):
    assert _round_trip(sqs, form.format(a=ACCOUNT), queue) == ["hello"]


def test_every_form_sees_the_same_attributes(sqs, queue, cloudlet):
    forms = [
        queue,
        f"http://127.0.0.1:{cloudlet.port}/{ACCOUNT}/work",
        f"http://sqs.us-east-1.localhost:{cloudlet.port}/{ACCOUNT}/work",
        f"https://sqs.us-east-1.amazonaws.com/{ACCOUNT}/work",
    ]
    arns = {
        sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        for url in forms
    }
    assert arns == {f"arn:aws:sqs:us-east-1:{ACCOUNT}:work"}


def test_url_naming_another_region_resolves_there(sqs, west):
    west_url = west.create_queue(QueueName="jobs")["QueueUrl"]
    sqs.create_queue(QueueName="jobs")  # a namesake in us-east-1 must not receive it
    sqs.send_message(QueueUrl=f"https://sqs.eu-west-1.amazonaws.com/{ACCOUNT}/jobs", MessageBody="west")
    assert [m["Body"] for m in west.receive_message(QueueUrl=west_url).get("Messages", [])] == ["west"]


def test_url_naming_another_region_does_not_reach_namesake(sqs, west):
    east_url = sqs.create_queue(QueueName="jobs")["QueueUrl"]
    west.create_queue(QueueName="jobs")
    sqs.send_message(QueueUrl=f"https://sqs.eu-west-1.amazonaws.com/{ACCOUNT}/jobs", MessageBody="west")
    assert "Messages" not in sqs.receive_message(QueueUrl=east_url)


# -- AWS CLI v1 ------------------------------------------------------------------------------------


def _aws(cloudlet, tmp_path, *args):
    return aws(cloudlet, tmp_path, "sqs", *args)


def _aws_json(cloudlet, tmp_path, *args):
    return aws_json(cloudlet, tmp_path, "sqs", *args)


def test_cli_queue_and_message_lifecycle(cloudlet, tmp_path):
    url = _aws_json(cloudlet, tmp_path, "create-queue", "--queue-name", "cli-queue")["QueueUrl"]
    assert url.endswith(f"/{ACCOUNT}/cli-queue")
    sent = _aws_json(cloudlet, tmp_path, "send-message", "--queue-url", url, "--message-body", "from the cli")
    assert sent["MessageId"]

    (message,) = _aws_json(cloudlet, tmp_path, "receive-message", "--queue-url", url)["Messages"]
    assert (message["MessageId"], message["Body"]) == (sent["MessageId"], "from the cli")
    attributes = _aws_json(
        cloudlet, tmp_path, "get-queue-attributes", "--queue-url", url, "--attribute-names", "All"
    )["Attributes"]
    assert attributes["ApproximateNumberOfMessagesNotVisible"] == "1"

    _aws_json(
        cloudlet, tmp_path, "delete-message", "--queue-url", url, "--receipt-handle", message["ReceiptHandle"]
    )
    attributes = _aws_json(
        cloudlet, tmp_path, "get-queue-attributes", "--queue-url", url, "--attribute-names", "All"
    )["Attributes"]
    assert (
        attributes["ApproximateNumberOfMessages"],
        attributes["ApproximateNumberOfMessagesNotVisible"],
    ) == (
        "0",
        "0",
    )
    assert _aws_json(cloudlet, tmp_path, "list-queues")["QueueUrls"] == [url]


def test_cli_error_exits_non_zero_with_the_code(cloudlet, tmp_path):
    done = _aws(cloudlet, tmp_path, "get-queue-url", "--queue-name", "no-such-queue")
    assert done.returncode != 0
    assert "AWS.SimpleQueueService.NonExistentQueue" in done.stderr
