"""Message retention (expiry and physical deletion), PurgeQueue, and DeleteQueue."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.services.sqs.conftest import error_of

COUNTS = [
    "ApproximateNumberOfMessages",
    "ApproximateNumberOfMessagesNotVisible",
    "ApproximateNumberOfMessagesDelayed",
]


def _counts(sqs: Any, url: str) -> tuple[int, int, int]:
    """(visible, in flight, delayed)."""
    attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=COUNTS)["Attributes"]
    visible, in_flight, delayed = (int(attributes[name]) for name in COUNTS)
    return visible, in_flight, delayed


def _bodies(sqs: Any, url: str) -> list[str]:
    got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])
    return sorted(m["Body"] for m in got)


@pytest.fixture
def short_lived(sqs: Any) -> str:
    """A queue keeping messages for 60 seconds (the minimum)."""
    return sqs.create_queue(QueueName="short", Attributes={"MessageRetentionPeriod": "60"})["QueueUrl"]


# -- retention -------------------------------------------------------------------------------------


def test_message_is_receivable_until_its_retention_period_ends(sqs, cloudlet, short_lived):
    sqs.send_message(QueueUrl=short_lived, MessageBody="fresh")
    cloudlet.clock.advance(59)

    assert _bodies(sqs, short_lived) == ["fresh"]


def test_expired_message_is_not_receivable(sqs, cloudlet, short_lived):
    sqs.send_message(QueueUrl=short_lived, MessageBody="stale")

    cloudlet.clock.advance(61)

    assert _bodies(sqs, short_lived) == []


def test_expired_message_is_not_counted(sqs, cloudlet, short_lived):
    sqs.send_message(QueueUrl=short_lived, MessageBody="stale")
    sqs.send_message(QueueUrl=short_lived, MessageBody="stale in flight")
    sqs.receive_message(QueueUrl=short_lived, VisibilityTimeout=600)
    assert _counts(sqs, short_lived) == (1, 1, 0)

    cloudlet.clock.advance(61)

    assert _counts(sqs, short_lived) == (0, 0, 0)


def test_expired_message_is_deleted_for_good(sqs, cloudlet, short_lived):
    sqs.send_message(QueueUrl=short_lived, MessageBody="stale")
    cloudlet.clock.advance(61)
    cloudlet.settle()
    assert _counts(sqs, short_lived) == (0, 0, 0)

    cloudlet.restart()

    assert _counts(sqs, short_lived) == (0, 0, 0)
    assert _bodies(sqs, short_lived) == []


def test_expired_message_does_not_return_when_retention_is_raised(sqs, cloudlet, short_lived):
    sqs.send_message(QueueUrl=short_lived, MessageBody="stale")
    cloudlet.clock.advance(61)
    cloudlet.settle()

    sqs.set_queue_attributes(QueueUrl=short_lived, Attributes={"MessageRetentionPeriod": "345600"})

    assert _bodies(sqs, short_lived) == []
    assert _counts(sqs, short_lived) == (0, 0, 0)


def test_lowering_retention_expires_older_messages_at_once(sqs, cloudlet, queue):
    sqs.send_message(QueueUrl=queue, MessageBody="old")
    cloudlet.clock.advance(120)
    sqs.send_message(QueueUrl=queue, MessageBody="young")

    sqs.set_queue_attributes(QueueUrl=queue, Attributes={"MessageRetentionPeriod": "60"})

    assert _counts(sqs, queue) == (1, 0, 0)
    assert _bodies(sqs, queue) == ["young"]


def test_messages_expired_by_lowered_retention_are_deleted(sqs, cloudlet, queue):
    sqs.send_message(QueueUrl=queue, MessageBody="old")
    cloudlet.clock.advance(120)
    sqs.set_queue_attributes(QueueUrl=queue, Attributes={"MessageRetentionPeriod": "60"})
    cloudlet.settle()

    sqs.set_queue_attributes(QueueUrl=queue, Attributes={"MessageRetentionPeriod": "345600"})

    assert _bodies(sqs, queue) == []


# -- purge -----------------------------------------------------------------------------------------------


def test_purge_deletes_visible_and_in_flight_messages(sqs, cloudlet, queue):
    for body in ("a", "b", "c"):
        sqs.send_message(QueueUrl=queue, MessageBody=body)
    sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=1, VisibilityTimeout=30)
    assert _counts(sqs, queue) == (2, 1, 0)

    sqs.purge_queue(QueueUrl=queue)

    assert _counts(sqs, queue) == (0, 0, 0)
    cloudlet.clock.advance(31)
    assert _bodies(sqs, queue) == []


def test_purge_deletes_delayed_messages(sqs, cloudlet, queue):
    sqs.send_message(QueueUrl=queue, MessageBody="later", DelaySeconds=30)

    sqs.purge_queue(QueueUrl=queue)

    cloudlet.clock.advance(31)
    assert _counts(sqs, queue) == (0, 0, 0)
    assert _bodies(sqs, queue) == []


def test_messages_sent_after_a_purge_are_kept(sqs, cloudlet, queue):
    sqs.send_message(QueueUrl=queue, MessageBody="before")
    sqs.purge_queue(QueueUrl=queue)

    sqs.send_message(QueueUrl=queue, MessageBody="after")

    cloudlet.settle()
    assert _bodies(sqs, queue) == ["after"]


# -- delete ----------------------------------------------------------------------------------------------


def test_deleted_queue_does_not_exist(sqs, queue):
    sqs.send_message(QueueUrl=queue, MessageBody="gone with it")

    sqs.delete_queue(QueueUrl=queue)

    with pytest.raises(ClientError) as exc_info:
        sqs.get_queue_url(QueueName="work")
    assert error_of(exc_info) == ("AWS.SimpleQueueService.NonExistentQueue", 400)


def test_deleted_queue_refuses_messages(sqs, queue):
    sqs.delete_queue(QueueUrl=queue)

    with pytest.raises(ClientError) as exc_info:
        sqs.send_message(QueueUrl=queue, MessageBody="nowhere")
    assert error_of(exc_info) == ("AWS.SimpleQueueService.NonExistentQueue", 400)


def test_list_queues_omits_a_deleted_queue(sqs, queue):
    kept = sqs.create_queue(QueueName="kept")["QueueUrl"]

    sqs.delete_queue(QueueUrl=queue)

    assert sqs.list_queues().get("QueueUrls", []) == [kept]
