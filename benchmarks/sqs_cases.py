"""SQS cases: a lean client (SQS JSON protocol over raw keep-alive HTTP/1.1) and boto3.

Each case creates its own queue (unique name) on the target and deletes it afterwards. Every case
is bounded in time: `seconds` of measuring, plus a bounded prefill or a bounded number of rounds.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import random
import threading
import time
import uuid
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

from benchmarks.cases import Result, timed_loop

HEADERS = {
    "Content-Type": "application/x-amz-json-1.0",
    "Authorization": "AWS4-HMAC-SHA256 Credential=test/20240101/us-east-1/sqs/aws4_request, "
    "SignedHeaders=content-type;host;x-amz-date;x-amz-target, Signature=0",
    "X-Amz-Date": "20240101T000000Z",
}
BATCH = 10
PREFILL_MAX = 20_000
"""Messages put in the queue before the receive cases (fewer if the prefill time runs out)."""
LONG_POLL_ROUNDS = 50
LONG_POLL_GAP_S = (0.05, 0.1)
"""How long the receiver has been waiting (request written) before the message is sent: drawn evenly
from this range (fixed seed), so that a server which re-checks on a timer is not always caught at the
same phase of its timer."""


class SqsError(RuntimeError):
    pass


class SqsJson:
    """One keep-alive connection speaking the SQS JSON protocol, with a dummy SigV4 header."""

    def __init__(self, endpoint: str, timeout: float = 30.0) -> None:
        parts = urlsplit(endpoint)
        self.conn = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port, timeout=timeout)

    def call(self, op: str, payload: dict[str, Any] | bytes) -> dict[str, Any]:
        body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
        self.conn.request("POST", "/", body=body, headers={**HEADERS, "X-Amz-Target": f"AmazonSQS.{op}"})
        response = self.conn.getresponse()
        data = response.read()
        if response.status != 200:
            raise SqsError(f"{op}: HTTP {response.status} {data[:160].decode(errors='replace')}")
        return json.loads(data) if data else {}

    def close(self) -> None:
        self.conn.close()


def message_body(i: int) -> str:
    return f"message {i:06d} " + "x" * 85  # 100 bytes


def batch_entries() -> list[dict[str, str]]:
    return [{"Id": f"m{i}", "MessageBody": message_body(i)} for i in range(BATCH)]


@contextlib.contextmanager
def fresh_queue(endpoint: str, label: str) -> Iterator[str]:
    client = SqsJson(endpoint)
    url = client.call("CreateQueue", {"QueueName": f"bench-{label}-{uuid.uuid4().hex[:12]}"})["QueueUrl"]
    try:
        yield url
    finally:
        with contextlib.suppress(OSError, SqsError, http.client.HTTPException):
            client.call("DeleteQueue", {"QueueUrl": url})
        client.close()


def send_batch(target: str, endpoint: str, seconds: float, max_requests: int = 200_000) -> Result:
    """(a) SendMessageBatch of 10 x 100-byte messages, one keep-alive connection."""
    with fresh_queue(endpoint, "batch") as url:
        client = SqsJson(endpoint)
        body = json.dumps({"QueueUrl": url, "Entries": batch_entries()}).encode()

        def call() -> None:
            answer = client.call("SendMessageBatch", body)
            if len(answer.get("Successful", ())) != BATCH:
                raise SqsError(f"SendMessageBatch: {answer.get('Failed')}")

        n, elapsed, lat = timed_loop(call, seconds, max_requests)
        client.close()
    return Result("", target, n, elapsed, lat, messages=n * BATCH)


def send_single(target: str, endpoint: str, seconds: float, max_requests: int = 200_000) -> Result:
    """(c) SendMessage, one 100-byte message per request, one keep-alive connection."""
    with fresh_queue(endpoint, "send") as url:
        client = SqsJson(endpoint)
        body = json.dumps({"QueueUrl": url, "MessageBody": message_body(0)}).encode()

        def call() -> None:
            if "MessageId" not in client.call("SendMessage", body):
                raise SqsError("SendMessage: no MessageId")

        n, elapsed, lat = timed_loop(call, seconds, max_requests)
        client.close()
    return Result("", target, n, elapsed, lat, messages=n)


def _prefill(endpoint: str, url: str, deadline: float, producers: int = 2) -> int:
    """Fill the queue with SendMessageBatch from a few connections: PREFILL_MAX messages or until deadline."""
    sent = [0] * producers
    errors: list[BaseException] = []
    body = json.dumps({"QueueUrl": url, "Entries": batch_entries()}).encode()

    def produce(slot: int) -> None:
        client = SqsJson(endpoint)
        try:
            while sum(sent) < PREFILL_MAX and time.perf_counter() < deadline:
                sent[slot] += len(client.call("SendMessageBatch", body).get("Successful", ()))
        except Exception as exc:
            errors.append(exc)
        finally:
            client.close()

    _run_threads(produce, producers)
    if errors:
        raise errors[0]
    return sum(sent)


def _run_threads(fn: Any, count: int) -> None:
    threads = [threading.Thread(target=fn, args=(i,), daemon=True) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def receive_delete(target: str, endpoint: str, seconds: float, threads: int = 1) -> Result:
    """(b) ReceiveMessage(10) + DeleteMessageBatch loops on a prefilled queue, `threads` connections.

    Latencies are per receive+delete pair; requests counts HTTP requests (two per pair).
    """
    with fresh_queue(endpoint, f"recv{threads}") as url:
        prefilled = _prefill(endpoint, url, time.perf_counter() + 2 * seconds)
        clients = [SqsJson(endpoint) for _ in range(threads)]
        for client in clients:
            client.conn.connect()
        moved = [0] * threads
        latencies: list[list[float]] = [[] for _ in range(threads)]
        drained: list[float] = []
        errors: list[BaseException] = []
        start = threading.Barrier(threads + 1)
        receive = {"QueueUrl": url, "MaxNumberOfMessages": BATCH}

        def consume(slot: int) -> None:
            client = clients[slot]
            start.wait()
            try:
                while time.perf_counter() < deadline:
                    t0 = time.perf_counter()
                    got = client.call("ReceiveMessage", receive).get("Messages", [])
                    if not got:
                        drained.append(time.perf_counter())
                        return
                    entries = [{"Id": str(k), "ReceiptHandle": m["ReceiptHandle"]} for k, m in enumerate(got)]
                    answer = client.call("DeleteMessageBatch", {"QueueUrl": url, "Entries": entries})
                    if answer.get("Failed"):
                        raise SqsError(f"DeleteMessageBatch: {answer['Failed'][:1]}")
                    latencies[slot].append((time.perf_counter() - t0) * 1000)
                    moved[slot] += len(got)
            except Exception as exc:
                errors.append(exc)
            finally:
                client.close()

        workers = [threading.Thread(target=consume, args=(i,), daemon=True) for i in range(threads)]
        for worker in workers:
            worker.start()
        began = time.perf_counter()
        deadline = began + seconds  # read by the workers only after the barrier below
        start.wait()
        for worker in workers:
            worker.join()
        elapsed = time.perf_counter() - began
    if errors:
        raise errors[0]
    lat = [x for per in latencies for x in per]
    note = f"{prefilled} prefilled"
    if drained:
        note += f", queue drained after {min(drained) - began:.1f} s"
    return Result("", target, 2 * len(lat), elapsed, lat, note=note, messages=sum(moved))


class NoLongPolling(Exception):
    pass


def _wake_once(
    receiver: SqsJson, sender: SqsJson, receive: bytes, send: bytes, gap_s: float
) -> tuple[float, str]:
    """One long-poll wake-up: (ms from just before the send to the receiver's answer, receipt handle)."""
    waiting = threading.Event()
    out: list[tuple[float, Any]] = []

    def receive_once() -> None:
        waiting.set()  # just before the request is written
        try:
            got = receiver.call("ReceiveMessage", receive).get("Messages", [])
            out.append((time.perf_counter(), got))
        except Exception as exc:
            out.append((time.perf_counter(), exc))

    thread = threading.Thread(target=receive_once, daemon=True)
    thread.start()
    waiting.wait()
    time.sleep(gap_s)  # the receive settles into its wait: a deliberate gap, not a readiness wait
    sent_at = time.perf_counter() if not out else None
    if sent_at is not None:
        sender.call("SendMessage", send)
    thread.join(25)
    if not out:
        raise SqsError("long poll: no answer within 25 s of the send")
    answered_at, got = out[0]
    if isinstance(got, BaseException):
        raise got
    if sent_at is None:
        raise NoLongPolling(
            f"no long polling: ReceiveMessage(WaitTimeSeconds=20) on an empty queue answered with "
            f"{len(got)} message(s) before anything was sent"
        )
    if not got:
        raise SqsError(
            f"long poll answered without the message {1000 * (answered_at - sent_at):.0f} ms after the send"
        )
    return (answered_at - sent_at) * 1000, got[0]["ReceiptHandle"]


def long_poll_wakeup(target: str, endpoint: str, seconds: float) -> Result:
    """(d) A receiver long-polls (WaitTimeSeconds=20) an empty queue; 50-100 ms later another connection
    sends one message. Latency: just before the send is issued -> the receiver has its answer.
    Up to LONG_POLL_ROUNDS wake-ups (after 3 unrecorded ones), within 4 x `seconds`."""
    warmup = 3
    with fresh_queue(endpoint, "poll") as url:
        receiver, sender = SqsJson(endpoint, timeout=30), SqsJson(endpoint)
        send = json.dumps({"QueueUrl": url, "MessageBody": message_body(0)}).encode()
        receive = json.dumps({"QueueUrl": url, "WaitTimeSeconds": 20, "MaxNumberOfMessages": 1}).encode()
        gaps = random.Random(7)
        latencies: list[float] = []
        began = time.perf_counter()
        hard_deadline = began + max(4 * seconds, 2.0)
        try:
            for i in range(LONG_POLL_ROUNDS + warmup):
                if time.perf_counter() > hard_deadline:
                    break
                latency, handle = _wake_once(receiver, sender, receive, send, gaps.uniform(*LONG_POLL_GAP_S))
                receiver.call("DeleteMessage", {"QueueUrl": url, "ReceiptHandle": handle})
                if i >= warmup:
                    latencies.append(latency)
        except NoLongPolling as exc:
            return Result("", target, 0, 0.0, [], error=str(exc))
        finally:
            receiver.close()
            sender.close()
    return Result("", target, len(latencies), time.perf_counter() - began, latencies)


def _boto3_sqs(endpoint: str) -> Any:
    import boto3
    from botocore.config import Config

    return boto3.client(
        "sqs",
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id="test",
        aws_secret_access_key="test",
        config=Config(retries={"max_attempts": 1}),
    )


def boto3_send_batch(target: str, endpoint: str, seconds: float, max_requests: int = 100_000) -> Result:
    """(e) SendMessageBatch x10 through boto3, one thread (boto3 checks every MD5OfMessageBody)."""
    client = _boto3_sqs(endpoint)
    url = client.create_queue(QueueName=f"bench-b3batch-{uuid.uuid4().hex[:12]}")["QueueUrl"]
    entries = batch_entries()

    def call() -> None:
        answer = client.send_message_batch(QueueUrl=url, Entries=entries)
        if answer.get("Failed"):
            raise SqsError(f"SendMessageBatch: {answer['Failed'][:1]}")

    try:
        n, elapsed, lat = timed_loop(call, seconds, max_requests)
    finally:
        with contextlib.suppress(Exception):
            client.delete_queue(QueueUrl=url)
    return Result("", target, n, elapsed, lat, messages=n * BATCH)


def boto3_send(target: str, endpoint: str, seconds: float, max_requests: int = 100_000) -> Result:
    """(e) SendMessage through boto3, one thread."""
    client = _boto3_sqs(endpoint)
    url = client.create_queue(QueueName=f"bench-b3send-{uuid.uuid4().hex[:12]}")["QueueUrl"]
    body = message_body(0)
    try:
        n, elapsed, lat = timed_loop(
            lambda: client.send_message(QueueUrl=url, MessageBody=body), seconds, max_requests
        )
    finally:
        with contextlib.suppress(Exception):
            client.delete_queue(QueueUrl=url)
    return Result("", target, n, elapsed, lat, messages=n)
