"""EventBridge cases: PutEvents → rule → SQS target, with a lean client (EventBridge's JSON 1.1 protocol
and SQS's JSON protocol over raw keep-alive HTTP/1.1).

Each case makes its own bus, rules and queue (unique names) and deletes them afterwards. A target that
does not answer an EventBridge operation, or never delivers to the queue, shows "unsupported".
"""

from __future__ import annotations

import contextlib
import http.client
import json
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from benchmarks.cases import Result
from benchmarks.sqs_cases import SqsError, SqsJson

EVENTS_HEADERS = {
    "Content-Type": "application/x-amz-json-1.1",
    "Authorization": "AWS4-HMAC-SHA256 Credential=test/20240101/us-east-1/events/aws4_request, "
    "SignedHeaders=content-type;host;x-amz-date;x-amz-target, Signature=0",
    "X-Amz-Date": "20240101T000000Z",
}
BATCH = 10
MAX_BATCHES = 2_000
"""PutEvents calls in a throughput case at most (fewer when `seconds` run out first)."""
DELIVERY_WAIT_S = 30.0
"""How long a throughput case waits, after the last PutEvents, for every event to reach the queue."""
FIRST_DELIVERY_WAIT_S = 5.0
LATENCY_ROUNDS = 200
LATENCY_MIN_ROUNDS = 20
MANY_RULES = 1_000
SOURCE = "bench.orders"


class EventsError(RuntimeError):
    pass


class Unsupported(Exception):
    pass


class EventsJson:
    """One keep-alive connection speaking EventBridge's JSON 1.1 protocol, with a dummy SigV4 header."""

    def __init__(self, endpoint: str, timeout: float = 30.0) -> None:
        parts = urlsplit(endpoint)
        self.conn = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port, timeout=timeout)

    def call(self, op: str, payload: dict[str, Any]) -> dict[str, Any]:
        body = json.dumps(payload).encode()
        self.conn.request(
            "POST", "/", body=body, headers={**EVENTS_HEADERS, "X-Amz-Target": f"AWSEvents.{op}"}
        )
        response = self.conn.getresponse()
        data = response.read()
        if response.status != 200:
            raise EventsError(f"{op}: HTTP {response.status} {data[:160].decode(errors='replace')}")
        return json.loads(data) if data else {}

    def close(self) -> None:
        self.conn.close()


def entries(first: int, count: int = BATCH, bus: str = "default") -> list[dict[str, str]]:
    """PutEvents entries of about 100-byte details, numbered from `first`."""
    return [
        {
            "Source": SOURCE,
            "DetailType": "Order Placed",
            "Detail": json.dumps({"order": first + i, "note": "x" * 70}),
            "EventBusName": bus,
        }
        for i in range(count)
    ]


@dataclass
class Route:
    bus: str
    queue_url: str
    rules: list[str]


@contextlib.contextmanager
def routed(endpoint: str, other_rules: int = 0) -> Iterator[Route]:
    """A new bus with one rule (`source` SOURCE) targeting a new queue, plus `other_rules` rules with
    other sources targeting the same queue (they never match)."""
    events, sqs = EventsJson(endpoint), SqsJson(endpoint)
    label = uuid.uuid4().hex[:10]
    route = Route(f"bench-{label}", "", [])
    try:
        try:
            events.call("CreateEventBus", {"Name": route.bus})
        except EventsError as exc:
            raise Unsupported(str(exc)) from exc
        route.queue_url = sqs.call("CreateQueue", {"QueueName": f"bench-evt-{label}"})["QueueUrl"]
        arn = sqs.call("GetQueueAttributes", {"QueueUrl": route.queue_url, "AttributeNames": ["QueueArn"]})
        queue_arn = arn["Attributes"]["QueueArn"]
        for i in range(other_rules + 1):
            source = SOURCE if i == 0 else f"bench.other-{i:04d}"
            name = f"r-{i:04d}"
            events.call(
                "PutRule",
                {"Name": name, "EventBusName": route.bus, "EventPattern": json.dumps({"source": [source]})},
            )
            route.rules.append(name)
            events.call(
                "PutTargets",
                {"Rule": name, "EventBusName": route.bus, "Targets": [{"Id": "q", "Arn": queue_arn}]},
            )
        yield route
    finally:
        with contextlib.suppress(OSError, EventsError, SqsError, http.client.HTTPException):
            for name in route.rules:
                events.call("RemoveTargets", {"Rule": name, "EventBusName": route.bus, "Ids": ["q"]})
                events.call("DeleteRule", {"Name": name, "EventBusName": route.bus})
            events.call("DeleteEventBus", {"Name": route.bus})
        with contextlib.suppress(OSError, SqsError, http.client.HTTPException):
            if route.queue_url:
                sqs.call("DeleteQueue", {"QueueUrl": route.queue_url})
        events.close()
        sqs.close()


def _visible(sqs: SqsJson, url: str) -> int:
    answer = sqs.call(
        "GetQueueAttributes", {"QueueUrl": url, "AttributeNames": ["ApproximateNumberOfMessages"]}
    )
    return int(answer["Attributes"]["ApproximateNumberOfMessages"])


def _put(events: EventsJson, batch: list[dict[str, str]]) -> None:
    answer = events.call("PutEvents", {"Entries": batch})
    if answer.get("FailedEntryCount"):
        raise EventsError(f"PutEvents: {answer['FailedEntryCount']} failed entries")


def put_throughput(target: str, endpoint: str, seconds: float, other_rules: int = 0) -> Result:
    """PutEvents with batches of 10 on one connection, for `seconds` (at most MAX_BATCHES calls), to a
    bus whose one matching rule targets an SQS queue; the time counts until every event is visible in
    the queue. `other_rules` more rules with other sources sit on the same bus."""
    try:
        with routed(endpoint, other_rules) as route:
            events, sqs = EventsJson(endpoint), SqsJson(endpoint)
            try:
                return _throughput(target, seconds, route, events, sqs, other_rules)
            finally:
                events.close()
                sqs.close()
    except Unsupported as exc:
        return Result("", target, 0, 0.0, [], error=f"unsupported: {exc}")


def _throughput(
    target: str, seconds: float, route: Route, events: EventsJson, sqs: SqsJson, other_rules: int
) -> Result:
    try:
        _put(events, entries(0, 1, route.bus))  # warm-up, and a check that delivery works at all
    except EventsError as exc:
        raise Unsupported(str(exc)) from exc
    first_by = time.perf_counter() + FIRST_DELIVERY_WAIT_S
    while _visible(sqs, route.queue_url) < 1:
        if time.perf_counter() > first_by:
            raise Unsupported(f"no delivery to the SQS target within {FIRST_DELIVERY_WAIT_S:.0f} s")
        time.sleep(0.005)
    sqs.call("PurgeQueue", {"QueueUrl": route.queue_url})
    latencies: list[float] = []
    began = time.perf_counter()
    deadline = began + seconds
    for i in range(MAX_BATCHES):
        t0 = time.perf_counter()
        _put(events, entries(i * BATCH, BATCH, route.bus))
        latencies.append((time.perf_counter() - t0) * 1000)
        if time.perf_counter() > deadline:
            break
    sent = len(latencies) * BATCH
    settle_by = time.perf_counter() + DELIVERY_WAIT_S
    while _visible(sqs, route.queue_url) < sent:  # peers may deliver in the background
        if time.perf_counter() > settle_by:
            raise EventsError(f"events still missing {DELIVERY_WAIT_S:.0f} s after the last PutEvents")
        time.sleep(0.005)
    elapsed = time.perf_counter() - began
    rules = f", {other_rules + 1} rules on the bus" if other_rules else ""
    return Result(
        "", target, len(latencies), elapsed, latencies, messages=sent, note=f"{sent} events delivered{rules}"
    )


def put_latency(target: str, endpoint: str, seconds: float) -> Result:
    """One event per PutEvents, then a long-polling ReceiveMessage on the rule's SQS target: ms from just
    before the PutEvents to the message in hand."""
    try:
        with routed(endpoint) as route:
            events, sqs = EventsJson(endpoint), SqsJson(endpoint)
            try:
                return _latency(target, seconds, route, events, sqs)
            finally:
                events.close()
                sqs.close()
    except Unsupported as exc:
        return Result("", target, 0, 0.0, [], error=f"unsupported: {exc}")


def _latency(target: str, seconds: float, route: Route, events: EventsJson, sqs: SqsJson) -> Result:
    receive = {"QueueUrl": route.queue_url, "WaitTimeSeconds": 5, "MaxNumberOfMessages": 1}
    latencies: list[float] = []
    began = time.perf_counter()
    for i in range(LATENCY_ROUNDS):
        if time.perf_counter() - began > seconds and len(latencies) >= LATENCY_MIN_ROUNDS:
            break
        t0 = time.perf_counter()
        try:
            _put(events, entries(i, 1, route.bus))
        except EventsError as exc:
            raise Unsupported(str(exc)) from exc
        got = sqs.call("ReceiveMessage", receive).get("Messages", [])
        t1 = time.perf_counter()
        if not got:
            if not latencies:
                raise Unsupported("no delivery to the SQS target within 5 s")
            raise EventsError("no message within 5 s of the PutEvents")
        latencies.append((t1 - t0) * 1000)
        sqs.call("DeleteMessage", {"QueueUrl": route.queue_url, "ReceiptHandle": got[0]["ReceiptHandle"]})
    elapsed = time.perf_counter() - began
    return Result("", target, len(latencies), elapsed, latencies)
