"""Long polling: a waiting ReceiveMessage returns as soon as a message is receivable, or empty at its
deadline; waiting is woken by sends, delays and visibility timeouts passing (no busy polling)."""

from __future__ import annotations

import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

import pytest

JOIN_S = 10.0


def sqs_state(cloudlet: Any) -> Any:
    return cloudlet.app.service("sqs").state


def start_receive(pool: ThreadPoolExecutor, client: Any, url: str, **kwargs: Any) -> Future:
    return pool.submit(lambda: client.receive_message(QueueUrl=url, **kwargs).get("Messages", []))


@pytest.fixture
def pool():
    with ThreadPoolExecutor(max_workers=8) as executor:
        yield executor


def test_a_send_wakes_a_waiting_receive(cloudlet, sqs, queue, pool):
    waiting = start_receive(pool, sqs, queue, WaitTimeSeconds=20)
    assert sqs_state(cloudlet).wait_for_pollers(1)
    sqs.send_message(QueueUrl=queue, MessageBody="wake up")
    assert [m["Body"] for m in waiting.result(JOIN_S)] == ["wake up"]


def test_an_idle_long_poll_returns_empty_at_its_deadline(cloudlet, sqs_json, pool):
    url = sqs_json.create_queue(QueueName="idle")["QueueUrl"]
    waiting = start_receive(pool, sqs_json, url, WaitTimeSeconds=20)
    assert sqs_state(cloudlet).wait_for_pollers(1)
    cloudlet.clock.advance(19.9)
    assert not waiting.done()
    cloudlet.clock.advance(0.1)
    assert waiting.result(JOIN_S) == []


def test_the_queue_wait_time_applies_when_the_receive_sets_none(cloudlet, sqs, pool):
    url = sqs.create_queue(QueueName="lp", Attributes={"ReceiveMessageWaitTimeSeconds": "10"})["QueueUrl"]
    waiting = start_receive(pool, sqs, url)
    assert sqs_state(cloudlet).wait_for_pollers(1)
    cloudlet.clock.advance(10)
    assert waiting.result(JOIN_S) == []


def test_wait_time_zero_overrides_the_queue_wait_time(sqs):
    url = sqs.create_queue(QueueName="lp", Attributes={"ReceiveMessageWaitTimeSeconds": "20"})["QueueUrl"]
    assert "Messages" not in sqs.receive_message(QueueUrl=url, WaitTimeSeconds=0)


def test_a_delayed_message_wakes_the_poll_when_its_delay_passes(cloudlet, sqs_json, pool):
    url = sqs_json.create_queue(QueueName="delayed")["QueueUrl"]
    waiting = start_receive(pool, sqs_json, url, WaitTimeSeconds=20)
    assert sqs_state(cloudlet).wait_for_pollers(1)
    sqs_json.send_message(QueueUrl=url, MessageBody="later", DelaySeconds=5)
    assert sqs_state(cloudlet).wait_for_pollers(1)
    assert not waiting.done()
    cloudlet.clock.advance(5)
    assert [m["Body"] for m in waiting.result(JOIN_S)] == ["later"]


def test_a_visibility_timeout_passing_wakes_the_poll(cloudlet, sqs_json, pool):
    url = sqs_json.create_queue(QueueName="redeliver")["QueueUrl"]
    sqs_json.send_message(QueueUrl=url, MessageBody="again")
    sqs_json.receive_message(QueueUrl=url, VisibilityTimeout=8)
    waiting = start_receive(pool, sqs_json, url, WaitTimeSeconds=20)
    assert sqs_state(cloudlet).wait_for_pollers(1)
    cloudlet.clock.advance(8)
    assert [m["Body"] for m in waiting.result(JOIN_S)] == ["again"]


def test_concurrent_long_polls_each_get_distinct_messages(cloudlet, sqs_json, pool):
    url = sqs_json.create_queue(QueueName="shared")["QueueUrl"]
    clients = [cloudlet.client("sqs") for _ in range(5)]
    waiting = [start_receive(pool, c, url, WaitTimeSeconds=20) for c in clients]
    assert sqs_state(cloudlet).wait_for_pollers(5)
    sqs_json.send_message_batch(
        QueueUrl=url, Entries=[{"Id": str(i), "MessageBody": f"m{i}"} for i in range(5)]
    )
    bodies = [m["Body"] for w in waiting for m in w.result(JOIN_S)]
    assert sorted(bodies) == [f"m{i}" for i in range(5)]


def test_a_deleted_queue_ends_its_long_polls(cloudlet, sqs_json, pool):
    url = sqs_json.create_queue(QueueName="going")["QueueUrl"]
    waiting = start_receive(pool, sqs_json, url, WaitTimeSeconds=20)
    assert sqs_state(cloudlet).wait_for_pollers(1)
    sqs_json.delete_queue(QueueUrl=url)
    assert waiting.result(JOIN_S) == []


@pytest.mark.cloudlet(virtual_clock=False)
def test_on_the_system_clock_a_send_wakes_the_poll_at_once(cloudlet, sqs_json, pool):
    url = sqs_json.create_queue(QueueName="fast")["QueueUrl"]
    waiting = start_receive(pool, sqs_json, url, WaitTimeSeconds=20)
    assert sqs_state(cloudlet).wait_for_pollers(1)
    began = time.monotonic()
    sqs_json.send_message(QueueUrl=url, MessageBody="now")
    assert [m["Body"] for m in waiting.result(JOIN_S)] == ["now"]
    assert time.monotonic() - began < 5  # far below the 20 s wait: woken, not timed out


@pytest.mark.cloudlet(virtual_clock=False)
def test_on_the_system_clock_an_idle_poll_ends_at_its_deadline(cloudlet, sqs_json):
    url = sqs_json.create_queue(QueueName="short")["QueueUrl"]
    began = time.monotonic()
    assert "Messages" not in sqs_json.receive_message(QueueUrl=url, WaitTimeSeconds=1)
    assert 0.9 <= time.monotonic() - began < 5


def test_stopping_the_server_ends_waiting_polls(cloudlet, sqs_json):
    url = sqs_json.create_queue(QueueName="stop")["QueueUrl"]
    outcome: dict[str, Any] = {}

    def poll() -> None:
        try:
            outcome["result"] = sqs_json.receive_message(QueueUrl=url, WaitTimeSeconds=20)
        except Exception as exc:  # the connection closes: any client error is fine here
            outcome["error"] = exc

    thread = threading.Thread(target=poll, daemon=True)
    thread.start()
    assert sqs_state(cloudlet).wait_for_pollers(1)
    began = time.monotonic()
    cloudlet.stop()
    thread.join(JOIN_S)
    assert not thread.is_alive()
    assert time.monotonic() - began < JOIN_S
