"""Visibility timeouts: in flight until they pass, then receivable again; ChangeMessageVisibility."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

from tests.services.sqs.conftest import error_of


def receive_one(sqs, url, **kwargs):
    return sqs.receive_message(QueueUrl=url, AttributeNames=["ApproximateReceiveCount"], **kwargs)[
        "Messages"
    ][0]


def test_a_received_message_is_invisible_until_its_timeout_passes(cloudlet, sqs, queue):
    sqs.send_message(QueueUrl=queue, MessageBody="m")
    first = receive_one(sqs, queue)
    cloudlet.clock.advance(29.9)
    assert "Messages" not in sqs.receive_message(QueueUrl=queue)
    cloudlet.clock.advance(0.1)
    again = receive_one(sqs, queue)
    assert again["MessageId"] == first["MessageId"]
    assert again["Attributes"]["ApproximateReceiveCount"] == "2"
    assert again["ReceiptHandle"] != first["ReceiptHandle"]


def test_receive_visibility_timeout_overrides_the_queue_default(cloudlet, sqs, queue):
    sqs.send_message(QueueUrl=queue, MessageBody="m")
    receive_one(sqs, queue, VisibilityTimeout=2)
    cloudlet.clock.advance(2)
    assert receive_one(sqs, queue)["Attributes"]["ApproximateReceiveCount"] == "2"


def test_queue_visibility_timeout_attribute_applies(cloudlet, sqs):
    url = sqs.create_queue(QueueName="vt", Attributes={"VisibilityTimeout": "100"})["QueueUrl"]
    sqs.send_message(QueueUrl=url, MessageBody="m")
    receive_one(sqs, url)
    cloudlet.clock.advance(99)
    assert "Messages" not in sqs.receive_message(QueueUrl=url)
    cloudlet.clock.advance(1)
    assert receive_one(sqs, url)


def test_visibility_timeout_zero_leaves_the_message_receivable(sqs, queue):
    sqs.send_message(QueueUrl=queue, MessageBody="m")
    receive_one(sqs, queue, VisibilityTimeout=0)
    assert receive_one(sqs, queue)["Attributes"]["ApproximateReceiveCount"] == "2"


def test_change_visibility_extends_from_now(cloudlet, sqs, queue):
    sqs.send_message(QueueUrl=queue, MessageBody="m")
    message = receive_one(sqs, queue)
    cloudlet.clock.advance(20)
    sqs.change_message_visibility(
        QueueUrl=queue, ReceiptHandle=message["ReceiptHandle"], VisibilityTimeout=60
    )
    cloudlet.clock.advance(59)
    assert "Messages" not in sqs.receive_message(QueueUrl=queue)
    cloudlet.clock.advance(1)
    assert receive_one(sqs, queue)["MessageId"] == message["MessageId"]


def test_change_visibility_to_zero_releases_the_message_at_once(sqs, queue):
    sqs.send_message(QueueUrl=queue, MessageBody="m")
    message = receive_one(sqs, queue)
    sqs.change_message_visibility(QueueUrl=queue, ReceiptHandle=message["ReceiptHandle"], VisibilityTimeout=0)
    assert receive_one(sqs, queue)["MessageId"] == message["MessageId"]


def test_change_visibility_after_the_timeout_passed_changes_nothing(cloudlet, sqs, queue):
    # A standard queue answers OK and leaves the (visible again) message alone.
    sqs.send_message(QueueUrl=queue, MessageBody="m")
    message = receive_one(sqs, queue, VisibilityTimeout=5)
    cloudlet.clock.advance(6)
    sqs.change_message_visibility(
        QueueUrl=queue, ReceiptHandle=message["ReceiptHandle"], VisibilityTimeout=100
    )
    assert receive_one(sqs, queue)["MessageId"] == message["MessageId"]


def test_change_visibility_with_a_superseded_receipt_handle_fails(cloudlet, sqs, queue):
    sqs.send_message(QueueUrl=queue, MessageBody="m")
    old = receive_one(sqs, queue, VisibilityTimeout=5)
    cloudlet.clock.advance(5)
    receive_one(sqs, queue)
    with pytest.raises(ClientError) as exc:
        sqs.change_message_visibility(
            QueueUrl=queue, ReceiptHandle=old["ReceiptHandle"], VisibilityTimeout=10
        )
    assert error_of(exc) == ("InvalidParameterValue", 400)


def test_change_visibility_of_a_deleted_message_fails(sqs, queue):
    sqs.send_message(QueueUrl=queue, MessageBody="m")
    message = receive_one(sqs, queue)
    sqs.delete_message(QueueUrl=queue, ReceiptHandle=message["ReceiptHandle"])
    with pytest.raises(ClientError) as exc:
        sqs.change_message_visibility(
            QueueUrl=queue, ReceiptHandle=message["ReceiptHandle"], VisibilityTimeout=10
        )
    assert error_of(exc) == ("InvalidParameterValue", 400)
    assert "Message does not exist or is not available for visibility timeout change" in str(exc.value)


def test_visibility_cannot_extend_past_twelve_hours_from_the_receive(cloudlet, sqs, queue):
    sqs.send_message(QueueUrl=queue, MessageBody="m")
    message = receive_one(sqs, queue, VisibilityTimeout=1000)
    cloudlet.clock.advance(100)
    with pytest.raises(ClientError) as exc:
        sqs.change_message_visibility(
            QueueUrl=queue, ReceiptHandle=message["ReceiptHandle"], VisibilityTimeout=43_200
        )
    assert error_of(exc) == ("InvalidParameterValue", 400)
    assert "Total VisibilityTimeout for the message is beyond the limit [43200 seconds]" in str(exc.value)
    sqs.change_message_visibility(
        QueueUrl=queue, ReceiptHandle=message["ReceiptHandle"], VisibilityTimeout=43_100
    )


def test_garbage_receipt_handle_is_invalid(sqs, queue):
    with pytest.raises(ClientError) as exc:
        sqs.change_message_visibility(QueueUrl=queue, ReceiptHandle="garbage", VisibilityTimeout=10)
    assert error_of(exc)[0] == "ReceiptHandleIsInvalid"


def test_change_visibility_batch_reports_each_entry(cloudlet, sqs, queue):
    sqs.send_message_batch(QueueUrl=queue, Entries=[{"Id": str(i), "MessageBody": "m"} for i in range(2)])
    messages = sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10)["Messages"]
    entries = [
        {"Id": "ok", "ReceiptHandle": messages[0]["ReceiptHandle"], "VisibilityTimeout": 0},
        {"Id": "bad", "ReceiptHandle": "garbage", "VisibilityTimeout": 0},
    ]
    result = sqs.change_message_visibility_batch(QueueUrl=queue, Entries=entries)
    assert [r["Id"] for r in result["Successful"]] == ["ok"]
    (failed,) = result["Failed"]
    assert failed["Id"] == "bad"
    assert failed["Code"] == "ReceiptHandleIsInvalid"
    assert failed["SenderFault"] is True
    assert receive_one(sqs, queue)["MessageId"] == messages[0]["MessageId"]
