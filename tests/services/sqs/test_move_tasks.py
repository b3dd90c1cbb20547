"""Message move tasks (DLQ redrive): StartMessageMoveTask, ListMessageMoveTasks, CancelMessageMoveTask."""

from __future__ import annotations

import json
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.services.sqs.conftest import error_of


def _arn(sqs: Any, url: str) -> str:
    return sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]


def _count(sqs: Any, url: str) -> int:
    names = ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"]
    attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=names)["Attributes"]
    return sum(int(attributes[name]) for name in names)


def _drain(sqs: Any, url: str, **kwargs: Any) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for _ in range(20):
        got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, **kwargs).get("Messages", [])
        if not got:
            break
        for message in got:
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
        out += got
    return out


class Setup:
    """A source queue dead-lettering (maxReceiveCount 1) into `dlq`."""

    def __init__(self, sqs: Any) -> None:
        self.sqs = sqs
        self.dlq = sqs.create_queue(QueueName="dlq")["QueueUrl"]
        self.dlq_arn = _arn(sqs, self.dlq)
        policy = json.dumps({"deadLetterTargetArn": self.dlq_arn, "maxReceiveCount": 1})
        self.source = sqs.create_queue(QueueName="source", Attributes={"RedrivePolicy": policy})["QueueUrl"]
        self.source_arn = _arn(sqs, self.source)

    def dead_letter(self, bodies: list[str]) -> dict[str, str]:
        """Send `bodies` to the source and receive them until they are all in the DLQ; {body: MessageId}."""
        ids = {
            body: self.sqs.send_message(QueueUrl=self.source, MessageBody=body)["MessageId"]
            for body in bodies
        }
        for _ in range(10):
            got = self.sqs.receive_message(QueueUrl=self.source, MaxNumberOfMessages=10, VisibilityTimeout=0)
            if not got.get("Messages"):
                break
        assert _count(self.sqs, self.source) == 0
        assert _count(self.sqs, self.dlq) >= len(bodies)
        return ids

    def start(self, **kwargs: Any) -> str:
        return self.sqs.start_message_move_task(SourceArn=self.dlq_arn, **kwargs)["TaskHandle"]

    def tasks(self, **kwargs: Any) -> list[dict[str, Any]]:
        return self.sqs.list_message_move_tasks(SourceArn=self.dlq_arn, **kwargs)["Results"]


@pytest.fixture
def setup(sqs: Any) -> Setup:
    return Setup(sqs)


BODIES = [f"m{i}" for i in range(5)]


# -- moving ----------------------------------------------------------------------------------------


def test_move_without_destination_returns_messages_to_their_source(sqs, cloudlet, setup):
    setup.dead_letter(BODIES[:3])

    setup.start()
    cloudlet.settle()

    back = _drain(sqs, setup.source)
    assert sorted(m["Body"] for m in back) == BODIES[:3]
    assert _count(sqs, setup.dlq) == 0


def test_moved_messages_get_new_message_ids(sqs, cloudlet, setup):
    ids = setup.dead_letter(BODIES[:3])

    setup.start()
    cloudlet.settle()

    back = _drain(sqs, setup.source)
    assert len(back) == 3
    assert not {m["MessageId"] for m in back} & set(ids.values())


def test_move_with_destination_sends_messages_there(sqs, cloudlet, setup):
    setup.dead_letter(BODIES[:3])
    other = sqs.create_queue(QueueName="other")["QueueUrl"]

    setup.start(DestinationArn=_arn(sqs, other))
    cloudlet.settle()

    assert sorted(m["Body"] for m in _drain(sqs, other)) == BODIES[:3]
    assert _count(sqs, setup.source) == 0
    assert _count(sqs, setup.dlq) == 0


def test_rate_limited_task_moves_per_second_of_the_clock(sqs, cloudlet, setup):
    setup.dead_letter(BODIES)
    handle = setup.start(MaxNumberOfMessagesPerSecond=2)
    cloudlet.settle()

    (task,) = setup.tasks()
    assert task["Status"] == "RUNNING"
    assert task["TaskHandle"] == handle
    assert task["MaxNumberOfMessagesPerSecond"] == 2
    assert (task["ApproximateNumberOfMessagesMoved"], task["ApproximateNumberOfMessagesToMove"]) == (2, 5)

    cloudlet.clock.advance(1)
    cloudlet.settle()
    assert setup.tasks()[0]["ApproximateNumberOfMessagesMoved"] == 4

    cloudlet.clock.advance(1)
    cloudlet.settle()
    (task,) = setup.tasks()
    assert (task["Status"], task["ApproximateNumberOfMessagesMoved"]) == ("COMPLETED", 5)
    assert _count(sqs, setup.source) == 5


def test_completed_task_has_no_task_handle(cloudlet, setup):
    setup.dead_letter(BODIES[:2])
    setup.start()
    cloudlet.settle()

    (task,) = setup.tasks()

    assert task["Status"] == "COMPLETED"
    assert "TaskHandle" not in task
    assert task["SourceArn"] == setup.dlq_arn
    assert "DestinationArn" not in task


# -- cancelling ------------------------------------------------------------------------------------------


def test_cancel_returns_the_number_moved_so_far(cloudlet, setup):
    setup.dead_letter(BODIES)
    handle = setup.start(MaxNumberOfMessagesPerSecond=2)
    cloudlet.settle()

    answer = setup.sqs.cancel_message_move_task(TaskHandle=handle)

    assert answer["ApproximateNumberOfMessagesMoved"] == 2


def test_cancelled_task_stops_moving(sqs, cloudlet, setup):
    setup.dead_letter(BODIES)
    handle = setup.start(MaxNumberOfMessagesPerSecond=2)
    cloudlet.settle()
    sqs.cancel_message_move_task(TaskHandle=handle)

    cloudlet.clock.advance(10)
    cloudlet.settle()

    (task,) = setup.tasks()
    assert (task["Status"], task["ApproximateNumberOfMessagesMoved"]) == ("CANCELLED", 2)
    assert "TaskHandle" not in task
    assert (_count(sqs, setup.source), _count(sqs, setup.dlq)) == (2, 3)


# -- errors ------------------------------------------------------------------------------------------------


def _error(call: Any, **kwargs: Any) -> tuple[tuple[str, int], str]:
    with pytest.raises(ClientError) as exc_info:
        call(**kwargs)
    return error_of(exc_info), exc_info.value.response["Error"]["Message"]


def test_source_that_is_not_a_dlq_is_rejected(sqs, queue):
    error, message = _error(sqs.start_message_move_task, SourceArn=_arn(sqs, queue))

    assert error == ("InvalidParameterValue", 400)
    assert message == "Source queue must be configured as a Dead Letter Queue."


def test_second_task_while_one_runs_is_rejected(cloudlet, setup):
    setup.dead_letter(BODIES)
    setup.start(MaxNumberOfMessagesPerSecond=1)
    cloudlet.settle()

    error, message = _error(setup.sqs.start_message_move_task, SourceArn=setup.dlq_arn)

    assert error == ("InvalidParameterValue", 400)
    assert message.startswith("There is already a task running.")


def test_unknown_source_is_not_found(sqs, queue):
    missing = _arn(sqs, queue).rsplit(":", 1)[0] + ":no-such-queue"

    error, _ = _error(sqs.start_message_move_task, SourceArn=missing)

    assert error == ("ResourceNotFoundException", 404)


def test_garbage_task_handle_is_rejected(sqs):
    error, message = _error(sqs.cancel_message_move_task, TaskHandle="not a handle!")

    assert error == ("InvalidParameterValue", 400)
    assert message == "Value for parameter TaskHandle is invalid."


# -- listing ---------------------------------------------------------------------------------------------


def test_list_returns_only_the_most_recent_task_by_default(sqs, cloudlet, setup):
    other = sqs.create_queue(QueueName="other")["QueueUrl"]
    setup.dead_letter(BODIES[:2])
    setup.start(DestinationArn=_arn(sqs, other))
    cloudlet.settle()
    cloudlet.clock.advance(5)
    setup.dead_letter(BODIES[2:])
    second = setup.start(MaxNumberOfMessagesPerSecond=1)
    cloudlet.settle()

    (latest,) = setup.tasks()

    assert latest["TaskHandle"] == second
    assert [t["Status"] for t in setup.tasks(MaxResults=10)] == ["RUNNING", "COMPLETED"]
