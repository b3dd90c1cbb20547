"""kill -9 of a real server process loses no acknowledged SQS message; in-flight messages come back
when their persisted visibility timeout passes; FIFO deduplication survives the restart."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from tests.scenarios.process import ServerProcess


@pytest.fixture
def server(tmp_path: Path):
    proc = ServerProcess(tmp_path / "data")
    yield proc
    proc.stop()


def drain(sqs, url: str) -> list[dict]:
    out = []
    while True:
        got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, VisibilityTimeout=600).get(
            "Messages", []
        )
        if not got:
            return out
        out += got


def test_acknowledged_messages_survive_kill_9_while_sends_are_in_progress(server):
    # Given a server taking a stream of sends
    sqs = server.start().client()
    url = sqs.create_queue(QueueName="durable")["QueueUrl"]
    acknowledged: list[str] = []
    enough = threading.Event()

    def send_forever() -> None:
        client = server.client()
        try:
            for i in range(100_000):
                acknowledged.append(client.send_message(QueueUrl=url, MessageBody=f"m{i}")["MessageId"])
                if len(acknowledged) >= 300:
                    enough.set()
        except Exception:  # the server died under us: the request in flight was never acknowledged
            enough.set()

    sender = threading.Thread(target=send_forever)
    sender.start()
    assert enough.wait(60)
    # When the process is killed mid-stream, then started again on the same data directory
    server.kill()
    sender.join(30)
    sqs = server.start().client()
    # Then every acknowledged message is there
    received = {m["MessageId"] for m in drain(sqs, url)}
    assert set(acknowledged) <= received
    assert len(received) - len(acknowledged) <= 1  # at most the one request whose answer was lost


def test_in_flight_messages_return_after_their_persisted_visibility_timeout(server):
    sqs = server.start().client()
    url = sqs.create_queue(QueueName="inflight")["QueueUrl"]
    sqs.send_message_batch(QueueUrl=url, Entries=[{"Id": str(i), "MessageBody": f"m{i}"} for i in range(10)])
    taken = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=4, VisibilityTimeout=30)["Messages"]
    assert len(taken) == 4
    server.kill()
    sqs = server.start().client()
    counts = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    assert counts["ApproximateNumberOfMessages"] == "6"
    assert counts["ApproximateNumberOfMessagesNotVisible"] == "4"
    assert len(drain(sqs, url)) == 6
    server.advance(30)
    back = drain(sqs, url)
    assert {m["MessageId"] for m in back} == {m["MessageId"] for m in taken}


def test_fifo_deduplication_survives_kill_9(server):
    sqs = server.start().client()
    url = sqs.create_queue(QueueName="once.fifo", Attributes={"FifoQueue": "true"})["QueueUrl"]
    first = sqs.send_message(QueueUrl=url, MessageBody="x", MessageGroupId="g", MessageDeduplicationId="d1")
    server.kill()
    sqs = server.start().client()
    again = sqs.send_message(QueueUrl=url, MessageBody="x", MessageGroupId="g", MessageDeduplicationId="d1")
    assert again["MessageId"] == first["MessageId"]
    assert [m["Body"] for m in drain(sqs, url)] == ["x"]
