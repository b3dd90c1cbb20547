"""FIFO queues: ordering within a group, head-of-line blocking, deduplication, sequence numbers,
ReceiveRequestAttemptId, and MessageGroupId on standard queues (fair queues)."""

from __future__ import annotations

import hashlib
from typing import Any

import pytest


def _receive(sqs: Any, url: str, **kwargs: Any) -> list[dict[str, Any]]:
    kwargs.setdefault("MaxNumberOfMessages", 10)
    return sqs.receive_message(QueueUrl=url, **kwargs).get("Messages", [])


def _drain(sqs: Any, url: str, rounds: int = 20, **kwargs: Any) -> list[dict[str, Any]]:
    """Receive and delete until a receive comes back empty; returns everything received, in order."""
    out: list[dict[str, Any]] = []
    for _ in range(rounds):
        got = _receive(sqs, url, **kwargs)
        if not got:
            break
        for message in got:
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
        out.extend(got)
    return out


def _send(sqs: Any, url: str, body: str, group: str = "g", dedup: str | None = None) -> dict[str, Any]:
    return sqs.send_message(
        QueueUrl=url, MessageBody=body, MessageGroupId=group, MessageDeduplicationId=dedup or body
    )


def _create_fifo(sqs: Any, name: str, **attributes: str) -> str:
    return sqs.create_queue(QueueName=name, Attributes={"FifoQueue": "true", **attributes})["QueueUrl"]


# -- ordering and head-of-line blocking --------------------------------------------------------------


def test_messages_of_one_group_arrive_in_send_order(sqs, fifo_queue):
    bodies = [f"m{i:02d}" for i in range(20)]
    for body in bodies[:5]:
        _send(sqs, fifo_queue, body)
    for chunk in (bodies[5:15], bodies[15:]):
        sqs.send_message_batch(
            QueueUrl=fifo_queue,
            Entries=[
                {"Id": b, "MessageBody": b, "MessageGroupId": "g", "MessageDeduplicationId": b} for b in chunk
            ],
        )

    received = _drain(sqs, fifo_queue, rounds=25)

    assert [m["Body"] for m in received] == bodies


def test_in_flight_message_blocks_later_messages_of_its_group_only(sqs, fifo_queue):
    _send(sqs, fifo_queue, "a1", group="A")
    _send(sqs, fifo_queue, "a2", group="A")
    (head,) = _receive(sqs, fifo_queue, MaxNumberOfMessages=1)
    assert head["Body"] == "a1"
    _send(sqs, fifo_queue, "b1", group="B")
    _send(sqs, fifo_queue, "b2", group="B")

    got = _receive(sqs, fifo_queue)

    assert [m["Body"] for m in got] == ["b1", "b2"]


def test_deleting_the_in_flight_head_releases_the_next_of_its_group(sqs, fifo_queue):
    _send(sqs, fifo_queue, "a1", group="A")
    _send(sqs, fifo_queue, "a2", group="A")
    (head,) = _receive(sqs, fifo_queue, MaxNumberOfMessages=1)
    assert _receive(sqs, fifo_queue) == []

    sqs.delete_message(QueueUrl=fifo_queue, ReceiptHandle=head["ReceiptHandle"])

    assert [m["Body"] for m in _receive(sqs, fifo_queue)] == ["a2"]


def test_expired_visibility_releases_the_group(sqs, cloudlet, fifo_queue):
    _send(sqs, fifo_queue, "a1", group="A")
    _send(sqs, fifo_queue, "a2", group="A")
    _receive(sqs, fifo_queue, MaxNumberOfMessages=1, VisibilityTimeout=30)
    cloudlet.clock.advance(29)
    assert _receive(sqs, fifo_queue) == []

    cloudlet.clock.advance(2)

    got = _receive(sqs, fifo_queue)
    assert got
    assert [m["Body"] for m in got] == ["a1", "a2"][: len(got)]


def test_expired_head_is_redelivered_before_the_rest_of_its_group(sqs, cloudlet, fifo_queue):
    _send(sqs, fifo_queue, "a1", group="A")
    _send(sqs, fifo_queue, "a2", group="A")
    (first,) = _receive(sqs, fifo_queue, MaxNumberOfMessages=1, VisibilityTimeout=30)
    cloudlet.clock.advance(31)

    (again,) = _receive(
        sqs, fifo_queue, MaxNumberOfMessages=1, MessageSystemAttributeNames=["ApproximateReceiveCount"]
    )

    assert again["MessageId"] == first["MessageId"]
    assert again["Body"] == "a1"
    assert again["Attributes"]["ApproximateReceiveCount"] == "2"


# -- deduplication ---------------------------------------------------------------------------------


def test_same_deduplication_id_within_five_minutes_is_accepted_but_delivered_once(sqs, cloudlet, fifo_queue):
    first = _send(sqs, fifo_queue, "one", dedup="d1")
    cloudlet.clock.advance(299)
    second = _send(sqs, fifo_queue, "two", dedup="d1")

    assert second["MessageId"] == first["MessageId"]
    assert [m["Body"] for m in _drain(sqs, fifo_queue)] == ["one"]


def test_deduplication_id_is_accepted_again_after_the_window(sqs, cloudlet, fifo_queue):
    first = _send(sqs, fifo_queue, "one", dedup="d1")
    cloudlet.clock.advance(301)

    second = _send(sqs, fifo_queue, "two", dedup="d1")

    assert second["MessageId"] != first["MessageId"]
    assert [m["Body"] for m in _drain(sqs, fifo_queue)] == ["one", "two"]


def test_deduplication_holds_after_the_first_message_was_deleted(sqs, fifo_queue):
    first = _send(sqs, fifo_queue, "one", dedup="d1")
    assert [m["MessageId"] for m in _drain(sqs, fifo_queue)] == [first["MessageId"]]

    second = _send(sqs, fifo_queue, "one again", dedup="d1")

    assert second["MessageId"] == first["MessageId"]
    assert _receive(sqs, fifo_queue) == []


def test_content_based_deduplication_drops_a_repeated_body(sqs):
    url = _create_fifo(sqs, "content.fifo", ContentBasedDeduplication="true")
    first = sqs.send_message(QueueUrl=url, MessageBody="same", MessageGroupId="g")

    second = sqs.send_message(QueueUrl=url, MessageBody="same", MessageGroupId="g")

    assert second["MessageId"] == first["MessageId"]
    assert [m["MessageId"] for m in _drain(sqs, url)] == [first["MessageId"]]


def test_content_based_deduplication_id_is_the_sha256_of_the_body(sqs):
    url = _create_fifo(sqs, "content.fifo", ContentBasedDeduplication="true")
    body = "hash me: \u00e9\u4e2d"
    sqs.send_message(QueueUrl=url, MessageBody=body, MessageGroupId="g")

    (message,) = _receive(sqs, url, MessageSystemAttributeNames=["MessageDeduplicationId"])

    assert message["Attributes"]["MessageDeduplicationId"] == hashlib.sha256(body.encode()).hexdigest()


def test_message_group_scope_deduplicates_per_group(sqs):
    url = _create_fifo(
        sqs, "scoped.fifo", DeduplicationScope="messageGroup", FifoThroughputLimit="perMessageGroupId"
    )
    one = _send(sqs, url, "in g1", group="g1", dedup="same")
    two = _send(sqs, url, "in g2", group="g2", dedup="same")

    assert one["MessageId"] != two["MessageId"]
    assert sorted(m["Body"] for m in _drain(sqs, url)) == ["in g1", "in g2"]


def test_queue_scope_deduplicates_across_groups(sqs, fifo_queue):
    one = _send(sqs, fifo_queue, "in g1", group="g1", dedup="same")
    two = _send(sqs, fifo_queue, "in g2", group="g2", dedup="same")

    assert one["MessageId"] == two["MessageId"]
    assert [m["Body"] for m in _drain(sqs, fifo_queue)] == ["in g1"]


def test_deduplication_survives_a_restart(sqs, cloudlet, fifo_queue):
    first = _send(sqs, fifo_queue, "one", dedup="d1")

    cloudlet.restart()
    second = _send(sqs, fifo_queue, "two", dedup="d1")

    assert second["MessageId"] == first["MessageId"]
    assert [m["Body"] for m in _drain(sqs, fifo_queue)] == ["one"]


# -- sequence numbers --------------------------------------------------------------------------------


def test_sequence_numbers_increase_strictly_and_match_on_receive(sqs, fifo_queue):
    sent = [_send(sqs, fifo_queue, "s1", group="A"), _send(sqs, fifo_queue, "s2", group="B")]
    batch = sqs.send_message_batch(
        QueueUrl=fifo_queue,
        Entries=[
            {"Id": b, "MessageBody": b, "MessageGroupId": "A", "MessageDeduplicationId": b}
            for b in ("s3", "s4")
        ],
    )
    sent += sorted(batch["Successful"], key=lambda entry: entry["Id"])
    numbers = [int(entry["SequenceNumber"]) for entry in sent]
    assert numbers == sorted(set(numbers))

    received = _drain(sqs, fifo_queue, MessageSystemAttributeNames=["SequenceNumber"])

    assert {m["MessageId"]: m["Attributes"]["SequenceNumber"] for m in received} == {
        entry["MessageId"]: entry["SequenceNumber"] for entry in sent
    }


# -- ReceiveRequestAttemptId ----------------------------------------------------------------------------


def test_retry_with_the_same_attempt_id_returns_the_same_batch(sqs, fifo_queue):
    for body in ("r1", "r2", "r3"):
        _send(sqs, fifo_queue, body)
    first = _receive(sqs, fifo_queue, ReceiveRequestAttemptId="attempt-1", VisibilityTimeout=60)
    assert first

    retry = _receive(sqs, fifo_queue, ReceiveRequestAttemptId="attempt-1", VisibilityTimeout=60)

    assert [(m["MessageId"], m["ReceiptHandle"]) for m in retry] == [
        (m["MessageId"], m["ReceiptHandle"]) for m in first
    ]


def test_retry_after_a_delete_does_not_return_the_old_batch(sqs, fifo_queue):
    for body in ("r1", "r2", "r3"):
        _send(sqs, fifo_queue, body)
    first = _receive(sqs, fifo_queue, ReceiveRequestAttemptId="attempt-1", VisibilityTimeout=60)
    assert len(first) >= 2
    sqs.delete_message(QueueUrl=fifo_queue, ReceiptHandle=first[0]["ReceiptHandle"])

    retry = _receive(sqs, fifo_queue, ReceiveRequestAttemptId="attempt-1", VisibilityTimeout=60)

    assert first[0]["MessageId"] not in {m["MessageId"] for m in retry}
    assert not {m["ReceiptHandle"] for m in retry} & {m["ReceiptHandle"] for m in first}


# -- MessageGroupId on standard queues -------------------------------------------------------------------


@pytest.mark.parametrize("names", [["MessageGroupId"], ["All"]])
def test_standard_queue_accepts_message_group_id(sqs, queue, names):
    sqs.send_message(QueueUrl=queue, MessageBody="fair", MessageGroupId="tenant-1")

    (message,) = _receive(sqs, queue, MessageSystemAttributeNames=names)

    assert message["Body"] == "fair"
    assert message["Attributes"]["MessageGroupId"] == "tenant-1"
