"""Dead-letter queues: moves at maxReceiveCount, what a dead-lettered message keeps, RedrivePolicy and
RedriveAllowPolicy validation, ListDeadLetterSourceQueues, and a deleted DLQ."""

from __future__ import annotations

import json
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.services.sqs.conftest import error_of

ATTRIBUTES = {
    "color": {"DataType": "String", "StringValue": "blue"},
    "size": {"DataType": "Number", "StringValue": "7"},
}


def _arn(sqs: Any, url: str) -> str:
    return sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]


def _redrive(target_arn: str, max_receive_count: Any = 2) -> str:
    return json.dumps({"deadLetterTargetArn": target_arn, "maxReceiveCount": max_receive_count})


def _receive(sqs: Any, url: str, **kwargs: Any) -> list[dict[str, Any]]:
    kwargs.setdefault("MaxNumberOfMessages", 10)
    return sqs.receive_message(QueueUrl=url, **kwargs).get("Messages", [])


def _pair(sqs: Any, fifo: bool = False, max_receive_count: int = 2) -> tuple[str, str, str]:
    """(source url, dlq url, source arn) with the source dead-lettering into the DLQ."""
    suffix = ".fifo" if fifo else ""
    extra = {"FifoQueue": "true"} if fifo else {}
    dlq = sqs.create_queue(QueueName=f"dlq{suffix}", Attributes=extra)["QueueUrl"]
    source = sqs.create_queue(
        QueueName=f"source{suffix}",
        Attributes={**extra, "RedrivePolicy": _redrive(_arn(sqs, dlq), max_receive_count)},
    )["QueueUrl"]
    return source, dlq, _arn(sqs, source)


def _exhaust(sqs: Any, source: str, times: int = 2) -> list[dict[str, Any]]:
    """Receive the source's message `times` times (visibility 0), then once more; returns the receives."""
    got = [
        _receive(sqs, source, VisibilityTimeout=0, MessageSystemAttributeNames=["All"]) for _ in range(times)
    ]
    assert all(len(batch) == 1 for batch in got)
    assert _receive(sqs, source) == []
    return [batch[0] for batch in got]


# -- the move ------------------------------------------------------------------------------------------


def test_third_receive_moves_the_message_to_the_dlq(sqs):
    source, dlq, _ = _pair(sqs)
    sent = sqs.send_message(QueueUrl=source, MessageBody="poison")

    _exhaust(sqs, source)

    (moved,) = _receive(sqs, dlq)
    assert moved["MessageId"] == sent["MessageId"]
    assert moved["Body"] == "poison"


def test_visibility_timeouts_passing_on_the_clock_count_as_receives(sqs, cloudlet):
    source, dlq, _ = _pair(sqs)
    sqs.send_message(QueueUrl=source, MessageBody="poison")
    for _ in range(2):
        assert len(_receive(sqs, source)) == 1
        cloudlet.clock.advance(31)

    assert _receive(sqs, source) == []
    assert [m["Body"] for m in _receive(sqs, dlq)] == ["poison"]


def test_dead_lettered_message_keeps_attributes_and_sent_timestamp(sqs, cloudlet):
    source, dlq, _ = _pair(sqs)
    sqs.send_message(QueueUrl=source, MessageBody="poison", MessageAttributes=ATTRIBUTES)
    cloudlet.clock.advance(5)
    first, _ = _exhaust(sqs, source)
    cloudlet.clock.advance(5)

    (moved,) = _receive(sqs, dlq, MessageAttributeNames=["All"], MessageSystemAttributeNames=["All"])

    assert moved["MessageAttributes"] == ATTRIBUTES
    assert moved["Attributes"]["SentTimestamp"] == first["Attributes"]["SentTimestamp"]


def test_receive_count_keeps_counting_in_the_dlq(sqs):
    source, dlq, _ = _pair(sqs)
    sqs.send_message(QueueUrl=source, MessageBody="poison")
    receives = _exhaust(sqs, source)
    assert [m["Attributes"]["ApproximateReceiveCount"] for m in receives] == ["1", "2"]

    (moved,) = _receive(sqs, dlq, MessageSystemAttributeNames=["ApproximateReceiveCount"])

    assert moved["Attributes"]["ApproximateReceiveCount"] == "3"


@pytest.mark.parametrize("names", [["All"], ["DeadLetterQueueSourceArn"]])
def test_dlq_message_carries_its_source_arn(sqs, names):
    source, dlq, source_arn = _pair(sqs)
    sqs.send_message(QueueUrl=source, MessageBody="poison")
    _exhaust(sqs, source)

    (moved,) = _receive(sqs, dlq, MessageSystemAttributeNames=names)

    assert moved["Attributes"]["DeadLetterQueueSourceArn"] == source_arn


def test_source_arn_attribute_is_absent_outside_a_dlq(sqs, queue):
    sqs.send_message(QueueUrl=queue, MessageBody="plain")

    (message,) = _receive(sqs, queue, MessageSystemAttributeNames=["All"])

    assert "DeadLetterQueueSourceArn" not in message["Attributes"]


def test_fifo_source_dead_letters_into_a_fifo_dlq_in_order(sqs, cloudlet):
    source, dlq, source_arn = _pair(sqs, fifo=True, max_receive_count=1)
    sent = [
        sqs.send_message(QueueUrl=source, MessageBody=body, MessageGroupId="g", MessageDeduplicationId=body)
        for body in ("f1", "f2", "f3")
    ]
    received: list[dict[str, Any]] = []
    for _ in range(5):
        received += _receive(sqs, source)
        cloudlet.clock.advance(31)
    assert [m["Body"] for m in received] == ["f1", "f2", "f3"]

    moved: list[dict[str, Any]] = []
    for _ in range(5):
        batch = _receive(sqs, dlq, MessageSystemAttributeNames=["All"])
        for message in batch:
            sqs.delete_message(QueueUrl=dlq, ReceiptHandle=message["ReceiptHandle"])
        moved += batch

    assert [m["MessageId"] for m in moved] == [s["MessageId"] for s in sent]
    assert [m["Body"] for m in moved] == ["f1", "f2", "f3"]
    assert {m["Attributes"]["DeadLetterQueueSourceArn"] for m in moved} == {source_arn}


# -- RedrivePolicy validation -----------------------------------------------------------------------------


def _set_redrive_error(sqs: Any, url: str, policy: str) -> tuple[tuple[str, int], str]:
    with pytest.raises(ClientError) as exc_info:
        sqs.set_queue_attributes(QueueUrl=url, Attributes={"RedrivePolicy": policy})
    return error_of(exc_info), exc_info.value.response["Error"]["Message"]


def test_missing_dlq_is_rejected(sqs, queue):
    missing = _arn(sqs, queue).rsplit(":", 1)[0] + ":no-such-queue"

    error, message = _set_redrive_error(sqs, queue, _redrive(missing))

    assert error == ("InvalidParameterValue", 400)
    assert "Dead letter target does not exist." in message


def test_fifo_dlq_for_a_standard_source_is_rejected(sqs, queue, fifo_queue):
    error, message = _set_redrive_error(sqs, queue, _redrive(_arn(sqs, fifo_queue)))

    assert error == ("InvalidParameterValue", 400)
    assert "Dead-letter queue must be same type of queue as the source." in message


@pytest.mark.parametrize("count", [0, 1001])
def test_max_receive_count_out_of_range_is_rejected(sqs, queue, count):
    dlq = sqs.create_queue(QueueName="dlq")["QueueUrl"]

    error, _ = _set_redrive_error(sqs, queue, _redrive(_arn(sqs, dlq), count))

    assert error == ("InvalidParameterValue", 400)


def test_invalid_dlq_arn_is_rejected(sqs, queue):
    error, message = _set_redrive_error(sqs, queue, _redrive("not-an-arn"))

    assert error == ("InvalidParameterValue", 400)
    assert "Invalid value for deadLetterTargetArn." in message


def test_rejected_redrive_policy_is_not_applied(sqs, queue):
    _set_redrive_error(sqs, queue, _redrive("not-an-arn"))

    attributes = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["All"])["Attributes"]

    assert "RedrivePolicy" not in attributes


# -- RedriveAllowPolicy ----------------------------------------------------------------------------------


def _allow(sqs: Any, dlq: str, policy: dict[str, Any]) -> None:
    sqs.set_queue_attributes(QueueUrl=dlq, Attributes={"RedriveAllowPolicy": json.dumps(policy)})


def test_deny_all_redrive_allow_policy_refuses_sources(sqs, queue):
    dlq = sqs.create_queue(QueueName="dlq")["QueueUrl"]
    _allow(sqs, dlq, {"redrivePermission": "denyAll"})

    (_, status), _ = _set_redrive_error(sqs, queue, _redrive(_arn(sqs, dlq)))

    assert status == 400


def test_by_queue_redrive_allow_policy_admits_listed_sources(sqs, queue):
    dlq = sqs.create_queue(QueueName="dlq")["QueueUrl"]
    _allow(sqs, dlq, {"redrivePermission": "byQueue", "sourceQueueArns": [_arn(sqs, queue)]})

    sqs.set_queue_attributes(QueueUrl=queue, Attributes={"RedrivePolicy": _redrive(_arn(sqs, dlq))})

    policy = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["RedrivePolicy"])["Attributes"]
    assert json.loads(policy["RedrivePolicy"])["deadLetterTargetArn"] == _arn(sqs, dlq)


def test_by_queue_redrive_allow_policy_refuses_unlisted_sources(sqs, queue):
    dlq = sqs.create_queue(QueueName="dlq")["QueueUrl"]
    other = sqs.create_queue(QueueName="other")["QueueUrl"]
    _allow(sqs, dlq, {"redrivePermission": "byQueue", "sourceQueueArns": [_arn(sqs, other)]})

    (_, status), _ = _set_redrive_error(sqs, queue, _redrive(_arn(sqs, dlq)))

    assert status == 400


# -- removing, listing, deleting ---------------------------------------------------------------------------


def test_empty_redrive_policy_removes_it(sqs):
    source, _, _ = _pair(sqs)

    sqs.set_queue_attributes(QueueUrl=source, Attributes={"RedrivePolicy": ""})

    attributes = sqs.get_queue_attributes(QueueUrl=source, AttributeNames=["All"])["Attributes"]
    assert "RedrivePolicy" not in attributes


def test_removed_redrive_policy_stops_dead_lettering(sqs):
    source, dlq, _ = _pair(sqs)
    sqs.set_queue_attributes(QueueUrl=source, Attributes={"RedrivePolicy": ""})
    sqs.send_message(QueueUrl=source, MessageBody="keep")

    for _ in range(4):
        assert [m["Body"] for m in _receive(sqs, source, VisibilityTimeout=0)] == ["keep"]
    assert _receive(sqs, dlq) == []


def test_list_dead_letter_source_queues(sqs):
    dlq = sqs.create_queue(QueueName="dlq")["QueueUrl"]
    sources = [
        sqs.create_queue(QueueName=name, Attributes={"RedrivePolicy": _redrive(_arn(sqs, dlq))})["QueueUrl"]
        for name in ("source-a", "source-b")
    ]
    sqs.create_queue(QueueName="unrelated")

    listed = sqs.list_dead_letter_source_queues(QueueUrl=dlq)["queueUrls"]

    assert sorted(listed) == sorted(sources)


def test_deleted_dlq_leaves_messages_in_the_source(sqs):
    source, dlq, _ = _pair(sqs, max_receive_count=1)
    sqs.send_message(QueueUrl=source, MessageBody="survivor")
    assert len(_receive(sqs, source, VisibilityTimeout=0)) == 1

    sqs.delete_queue(QueueUrl=dlq)

    for _ in range(3):
        assert [m["Body"] for m in _receive(sqs, source, VisibilityTimeout=0)] == ["survivor"]
