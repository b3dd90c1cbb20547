"""DynamoDB cases: a lean client (JSON 1.0 protocol, `DynamoDB_20120810.<Operation>`, over raw keep-alive
HTTP/1.1).

Each case creates its own on-demand table (unique name) on the target and deletes it afterwards. Every
case is bounded in time: `seconds` of measuring, plus a bounded prefill (its item count goes into the
note, since a slow target loads fewer items than asked).
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
    "Authorization": "AWS4-HMAC-SHA256 Credential=test/20240101/us-east-1/dynamodb/aws4_request, "
    "SignedHeaders=content-type;host;x-amz-date;x-amz-target, Signature=0",
    "X-Amz-Date": "20240101T000000Z",
}
BATCH = 25
"""Items per BatchWriteItem (DynamoDB's maximum)."""
GET_PREFILL = 1_000
QUERY_PREFILL_MAX = 100_000
"""Items put in the one partition before the Query cases (fewer if the prefill time runs out)."""
QUERY_PAGE = 100
PREFILL_PRODUCERS = 4
TABLE_ACTIVE_TIMEOUT_S = 30.0


class DynamoError(RuntimeError):
    pass


class DdbJson:
    """One keep-alive connection speaking DynamoDB's JSON 1.0 protocol, with a dummy SigV4 header."""

    def __init__(self, endpoint: str, timeout: float = 60.0) -> None:
        parts = urlsplit(endpoint)
        self.conn = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port, timeout=timeout)

    def call(self, op: str, payload: dict[str, Any] | bytes) -> dict[str, Any]:
        body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
        headers = {**HEADERS, "X-Amz-Target": f"DynamoDB_20120810.{op}"}
        self.conn.request("POST", "/", body=body, headers=headers)
        response = self.conn.getresponse()
        data = response.read()
        if response.status != 200:
            raise DynamoError(f"{op}: HTTP {response.status} {data[:160].decode(errors='replace')}")
        return json.loads(data) if data else {}

    def close(self) -> None:
        self.conn.close()


def item(pk: str, sk: str | None = None) -> dict[str, Any]:
    """An item of about 100 bytes."""
    out: dict[str, Any] = {"pk": {"S": pk}, "payload": {"S": "x" * 64}, "n": {"N": "42"}}
    if sk is not None:
        out["sk"] = {"S": sk}
    return out


@contextlib.contextmanager
def fresh_table(endpoint: str, label: str, sorted_: bool = False) -> Iterator[str]:
    """An on-demand table keyed by `pk` (and `sk` when `sorted_`), ACTIVE, deleted afterwards."""
    client = DdbJson(endpoint)
    name = f"bench-{label}-{uuid.uuid4().hex[:12]}"
    keys = [("pk", "HASH")] + ([("sk", "RANGE")] if sorted_ else [])
    client.call(
        "CreateTable",
        {
            "TableName": name,
            "KeySchema": [{"AttributeName": a, "KeyType": k} for a, k in keys],
            "AttributeDefinitions": [{"AttributeName": a, "AttributeType": "S"} for a, _ in keys],
            "BillingMode": "PAY_PER_REQUEST",
        },
    )
    try:
        deadline = time.perf_counter() + TABLE_ACTIVE_TIMEOUT_S
        while client.call("DescribeTable", {"TableName": name})["Table"]["TableStatus"] != "ACTIVE":
            if time.perf_counter() > deadline:
                raise DynamoError(f"table {name} not ACTIVE after {TABLE_ACTIVE_TIMEOUT_S:.0f} s")
            time.sleep(0.05)  # a peer creating tables asynchronously: wait as a client would
        yield name
    finally:
        with contextlib.suppress(OSError, DynamoError, http.client.HTTPException):
            client.call("DeleteTable", {"TableName": name})
        client.close()


def _write_batch(client: DdbJson, table: str, items: list[dict[str, Any]]) -> None:
    """One BatchWriteItem, re-sending unprocessed items (bounded) as a client would."""
    request: dict[str, Any] = {table: [{"PutRequest": {"Item": i}} for i in items]}
    for _ in range(10):
        request = client.call("BatchWriteItem", {"RequestItems": request}).get("UnprocessedItems") or {}
        if not request:
            return
    raise DynamoError("BatchWriteItem: items still unprocessed after 10 attempts")


def _prefill(endpoint: str, table: str, keys: list[tuple[str, str | None]], deadline: float) -> int:
    """Put the items with these keys with BatchWriteItem from a few connections, until the deadline.
    Returns how many were written (a prefix of each producer's share)."""
    written = [0] * PREFILL_PRODUCERS
    errors: list[BaseException] = []
    shares = [keys[slot::PREFILL_PRODUCERS] for slot in range(PREFILL_PRODUCERS)]

    def produce(slot: int) -> None:
        client = DdbJson(endpoint)
        share = shares[slot]
        try:
            for start in range(0, len(share), BATCH):
                if time.perf_counter() >= deadline:
                    return
                chunk = share[start : start + BATCH]
                _write_batch(client, table, [item(pk, sk) for pk, sk in chunk])
                written[slot] += len(chunk)
        except Exception as exc:
            errors.append(exc)
        finally:
            client.close()

    threads = [threading.Thread(target=produce, args=(i,), daemon=True) for i in range(PREFILL_PRODUCERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]
    return sum(written)


def put_item(target: str, endpoint: str, seconds: float, max_requests: int = 200_000) -> Result:
    """PutItem of a new ~100-byte item per request, one keep-alive connection."""
    with fresh_table(endpoint, "put") as table:
        client = DdbJson(endpoint)
        counter = iter(range(10**9))

        def call() -> None:
            client.call("PutItem", {"TableName": table, "Item": item(f"k{next(counter)}")})

        n, elapsed, lat = timed_loop(call, seconds, max_requests)
        client.close()
    return Result("", target, n, elapsed, lat)


def get_item(target: str, endpoint: str, seconds: float, max_requests: int = 200_000) -> Result:
    """GetItem of a random one of GET_PREFILL items, one keep-alive connection."""
    with fresh_table(endpoint, "get") as table:
        loaded = _prefill(
            endpoint, table, [(f"k{i}", None) for i in range(GET_PREFILL)], time.perf_counter() + 60
        )
        client = DdbJson(endpoint)
        if loaded != GET_PREFILL:
            raise DynamoError(f"prefill: {loaded} of {GET_PREFILL} items within 60 s")
        pick = random.Random(7)
        bodies = [
            json.dumps({"TableName": table, "Key": {"pk": {"S": f"k{i}"}}}).encode() for i in range(loaded)
        ]

        def call() -> None:
            if "Item" not in client.call("GetItem", pick.choice(bodies)):
                raise DynamoError("GetItem: no item")

        n, elapsed, lat = timed_loop(call, seconds, max_requests)
        client.close()
    return Result("", target, n, elapsed, lat, note=f"{loaded} items")


def batch_write(target: str, endpoint: str, seconds: float, max_requests: int = 200_000) -> Result:
    """BatchWriteItem of 25 new ~100-byte items per request, one keep-alive connection."""
    with fresh_table(endpoint, "batch") as table:
        client = DdbJson(endpoint)
        counter = iter(range(10**9))

        def call() -> None:
            batch = [{"PutRequest": {"Item": item(f"k{next(counter)}")}} for _ in range(BATCH)]
            answer = client.call("BatchWriteItem", {"RequestItems": {table: batch}})
            if answer.get("UnprocessedItems"):
                raise DynamoError("BatchWriteItem: unprocessed items")

        n, elapsed, lat = timed_loop(call, seconds, max_requests)
        client.close()
    return Result("", target, n, elapsed, lat, messages=n * BATCH)


@contextlib.contextmanager
def _partition(endpoint: str, label: str, seconds: float) -> Iterator[tuple[str, int]]:
    """A table whose partition `p` holds up to QUERY_PREFILL_MAX items (sort keys `00000000`...), loaded
    within 6 x `seconds` (at least 15 s): (table, items loaded)."""
    with fresh_table(endpoint, label, sorted_=True) as table:
        keys: list[tuple[str, str | None]] = [("p", f"{i:08d}") for i in range(QUERY_PREFILL_MAX)]
        loaded = _prefill(endpoint, table, keys, time.perf_counter() + max(6 * seconds, 15.0))
        yield table, loaded


def query_pages(target: str, endpoint: str, seconds: float, max_requests: int = 200_000) -> Result:
    """Query(Limit=100) paging through one large partition (from its start again at its end)."""
    with _partition(endpoint, "qpage", seconds) as (table, loaded):
        client = DdbJson(endpoint)
        base = {
            "TableName": table,
            "KeyConditionExpression": "pk = :p",
            "ExpressionAttributeValues": {":p": {"S": "p"}},
            "Limit": QUERY_PAGE,
        }
        cursor: list[Any] = [None]

        def call() -> None:
            request = dict(base, ExclusiveStartKey=cursor[0]) if cursor[0] else base
            answer = client.call("Query", request)
            if answer["Count"] != QUERY_PAGE and "LastEvaluatedKey" in answer:
                raise DynamoError(f"Query: page of {answer['Count']} items")
            cursor[0] = answer.get("LastEvaluatedKey")

        n, elapsed, lat = timed_loop(call, seconds, max_requests)
        client.close()
    return Result("", target, n, elapsed, lat, note=f"{loaded} items", messages=n * QUERY_PAGE)


def query_count(target: str, endpoint: str, seconds: float) -> Result:
    """Query(Select=COUNT) over a whole large partition, following LastEvaluatedKey (pages of 1 MB).
    Latency: one full count (all its pages); at least one count after one warm-up."""
    with _partition(endpoint, "qcount", seconds) as (table, loaded):
        client = DdbJson(endpoint)
        base = {
            "TableName": table,
            "KeyConditionExpression": "pk = :p",
            "ExpressionAttributeValues": {":p": {"S": "p"}},
            "Select": "COUNT",
        }
        pages = [0]

        def count() -> None:
            total, start = 0, None
            while True:
                answer = client.call("Query", dict(base, ExclusiveStartKey=start) if start else base)
                pages[0] += 1
                total += answer["Count"]
                start = answer.get("LastEvaluatedKey")
                if start is None:
                    break
            if total != loaded:
                raise DynamoError(f"Query COUNT: {total} items, {loaded} loaded")

        count()
        pages[0] = 0
        latencies: list[float] = []
        began = time.perf_counter()
        deadline = began + seconds
        while True:
            t0 = time.perf_counter()
            count()
            t1 = time.perf_counter()
            latencies.append((t1 - t0) * 1000)
            if t1 >= deadline:
                break
        client.close()
    elapsed = time.perf_counter() - began
    note = f"{loaded} items, {pages[0] / len(latencies):.0f} pages per count"
    return Result("", target, pages[0], elapsed, latencies, note=note, messages=len(latencies) * loaded)
