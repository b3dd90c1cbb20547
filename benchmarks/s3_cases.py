"""S3 cases: PutObject/GetObject throughput (a lean client and boto3) and PutObject -> SQS event latency.

The lean client speaks path-style REST (`PUT /bucket/key`) over one raw keep-alive HTTP/1.1
connection, with a fixed SigV4-looking Authorization header and `x-amz-content-sha256:
UNSIGNED-PAYLOAD`. Every answer is checked (status 200, the ETag the body's MD5 gives, the length and
bytes read back); a failed request fails the round, it never counts as throughput. Each case creates
its own bucket (unique name) and empties and deletes it afterwards. One object per request, so the
table's req/s are objects/s; the note gives MB/s. Sizes are binary: 4 KB = 4096 bytes, 8 MB = 8 MiB,
MB/s = MiB/s.
"""

from __future__ import annotations

import contextlib
import hashlib
import http.client
import json
import math
import os
import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import unquote_plus, urlsplit

from benchmarks.cases import Result
from benchmarks.sqs_cases import SqsError, SqsJson

S3_HEADERS = {
    "Authorization": "AWS4-HMAC-SHA256 Credential=test/20240101/us-east-1/s3/aws4_request, "
    "SignedHeaders=host;x-amz-content-sha256;x-amz-date, Signature=0",
    "X-Amz-Date": "20240101T000000Z",
    "x-amz-content-sha256": "UNSIGNED-PAYLOAD",
}
SMALL = 4 * 1024
LARGE = 8 * 1024 * 1024
MIB = 1024 * 1024
LARGE_KEYS = 4
"""PutObject 8 MB overwrites this many keys in turn (the store stays small); 4 KB writes new keys."""
GET_KEYS = {SMALL: 64, LARGE: 2}
"""Objects put before a GetObject case, read in turn."""
NOTIFY_ROUNDS = 200
NOTIFY_MIN_ROUNDS = 20
NOTIFY_WARMUP = 2
NOTIFY_WAIT_S = 5.0
"""How long one PUT's event may take to become receivable before the case fails on that target."""
TEST_EVENT_WAIT_S = 2.0


class S3Error(RuntimeError):
    pass


class S3Raw:
    """One keep-alive connection speaking path-style S3 REST, with a dummy SigV4 header."""

    def __init__(self, endpoint: str, timeout: float = 60.0) -> None:
        parts = urlsplit(endpoint)
        self.conn = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port, timeout=timeout)

    def request(
        self, method: str, path: str, body: bytes | None = None
    ) -> tuple[http.client.HTTPResponse, bytes]:
        self.conn.request(method, path, body=body, headers=S3_HEADERS)
        response = self.conn.getresponse()
        return response, response.read()

    def close(self) -> None:
        self.conn.close()


def _etag(data: bytes) -> str:
    return f'"{hashlib.md5(data).hexdigest()}"'


def _check(what: str, response: http.client.HTTPResponse, data: bytes, etag: str) -> None:
    if response.status != 200:
        raise S3Error(f"{what}: HTTP {response.status} {data[:160].decode(errors='replace')}")
    if response.getheader("ETag") != etag:
        raise S3Error(f"{what}: ETag {response.getheader('ETag')!r}, expected {etag}")


def _put(client: S3Raw, path: str, payload: bytes, etag: str) -> None:
    response, data = client.request("PUT", path, payload)
    _check(f"PUT {path}", response, data, etag)


def _boto3_s3(endpoint: str) -> Any:
    import boto3
    from botocore.config import Config

    return boto3.client(
        "s3",
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id="test",
        aws_secret_access_key="test",
        config=Config(retries={"max_attempts": 1}, s3={"addressing_style": "path"}, read_timeout=60),
    )


@contextlib.contextmanager
def fresh_bucket(endpoint: str, label: str) -> Iterator[str]:
    """A new bucket (via boto3); emptied and deleted afterwards, errors there ignored."""
    client = _boto3_s3(endpoint)
    bucket = f"bench-{label}-{uuid.uuid4().hex[:12]}"
    client.create_bucket(Bucket=bucket)
    try:
        yield bucket
    finally:
        with contextlib.suppress(Exception):
            _empty(client, bucket)
        with contextlib.suppress(Exception):
            client.delete_bucket(Bucket=bucket)


def _empty(client: Any, bucket: str) -> None:
    for page in client.get_paginator("list_objects_v2").paginate(Bucket=bucket):
        keys = [{"Key": o["Key"]} for o in page.get("Contents", [])]
        if keys:
            client.delete_objects(Bucket=bucket, Delete={"Objects": keys, "Quiet": True})


def _timed(
    fn: Callable[[int], object], seconds: float, max_requests: int, warmup: int
) -> tuple[int, float, list[float]]:
    """`warmup` unrecorded calls, then calls until `seconds` have passed; fn gets the call's index."""
    for i in range(warmup):
        fn(-1 - i)
    latencies: list[float] = []
    began = time.perf_counter()
    deadline = began + seconds
    while len(latencies) < max_requests:
        t0 = time.perf_counter()
        fn(len(latencies))
        t1 = time.perf_counter()
        latencies.append((t1 - t0) * 1000)
        if t1 >= deadline:
            break
    return len(latencies), time.perf_counter() - began, latencies


def _throughput(target: str, n: int, elapsed: float, lat: list[float], size: int) -> Result:
    return Result("", target, n, elapsed, lat, note=f"{n * size / MIB / elapsed:,.1f} MB/s")


def put_objects(target: str, endpoint: str, seconds: float, size: int, max_requests: int = 200_000) -> Result:
    """PutObject of `size` random bytes, one keep-alive connection: 4 KB to a new key each time, 8 MB
    overwriting LARGE_KEYS keys in turn. Checked: 200 and the ETag of the body."""
    payload = os.urandom(size)
    etag = _etag(payload)
    with fresh_bucket(endpoint, "put") as bucket:
        client = S3Raw(endpoint)

        def call(i: int) -> None:
            key = f"obj-{i % LARGE_KEYS}" if size >= LARGE else f"obj-{i:+08d}"
            _put(client, f"/{bucket}/{key}", payload, etag)

        try:
            n, elapsed, lat = _timed(call, seconds, max_requests, warmup=20 if size < LARGE else 3)
        finally:
            client.close()
    return _throughput(target, n, elapsed, lat, size)


def get_objects(target: str, endpoint: str, seconds: float, size: int, max_requests: int = 200_000) -> Result:
    """GetObject of `size`-byte objects (GET_KEYS[size] distinct ones read in turn), one keep-alive
    connection. Checked: 200, the object's ETag and length; the bytes in full once per key first."""
    count = GET_KEYS[size]
    payloads = [os.urandom(size) for _ in range(count)]
    etags = [_etag(p) for p in payloads]
    with fresh_bucket(endpoint, "get") as bucket:
        client = S3Raw(endpoint)
        try:
            paths = [f"/{bucket}/obj-{k:04d}" for k in range(count)]
            for path, payload, etag in zip(paths, payloads, etags, strict=True):
                _put(client, path, payload, etag)
            for path, payload, etag in zip(paths, payloads, etags, strict=True):
                response, data = client.request("GET", path)
                _check(f"GET {path}", response, data, etag)
                if data != payload:
                    raise S3Error(f"GET {path}: the bytes read back differ from those put")

            def call(i: int) -> None:
                k = i % count
                response, data = client.request("GET", paths[k])
                _check(f"GET {paths[k]}", response, data, etags[k])
                if len(data) != size:
                    raise S3Error(f"GET {paths[k]}: {len(data)} bytes, expected {size}")

            n, elapsed, lat = _timed(call, seconds, max_requests, warmup=20 if size < LARGE else 3)
        finally:
            client.close()
    return _throughput(target, n, elapsed, lat, size)


def boto3_put(target: str, endpoint: str, seconds: float, max_requests: int = 100_000) -> Result:
    """PutObject of 4 KB through boto3 (a new key each time, one thread). Checked: the ETag."""
    client = _boto3_s3(endpoint)
    payload = os.urandom(SMALL)
    etag = _etag(payload)
    with fresh_bucket(endpoint, "b3put") as bucket:

        def call(i: int) -> None:
            answer = client.put_object(Bucket=bucket, Key=f"obj-{i:+08d}", Body=payload)
            if answer.get("ETag") != etag:
                raise S3Error(f"PutObject: ETag {answer.get('ETag')!r}, expected {etag}")

        n, elapsed, lat = _timed(call, seconds, max_requests, warmup=20)
    return _throughput(target, n, elapsed, lat, SMALL)


def boto3_get(target: str, endpoint: str, seconds: float, max_requests: int = 100_000) -> Result:
    """GetObject of a 4 KB object through boto3 (one thread, body read in full). Checked: the length."""
    client = _boto3_s3(endpoint)
    payload = os.urandom(SMALL)
    with fresh_bucket(endpoint, "b3get") as bucket:
        client.put_object(Bucket=bucket, Key="obj", Body=payload)

        def call(i: int) -> None:
            data = client.get_object(Bucket=bucket, Key="obj")["Body"].read()
            if len(data) != SMALL:
                raise S3Error(f"GetObject: {len(data)} bytes, expected {SMALL}")

        n, elapsed, lat = _timed(call, seconds, max_requests, warmup=20)
    return _throughput(target, n, elapsed, lat, SMALL)


class NotDelivered(Exception):
    pass


def _records(message: dict[str, Any]) -> tuple[list[str], bool]:
    """(object keys of the ObjectCreated records in an SQS message, whether it is an s3:TestEvent)."""
    try:
        body = json.loads(message["Body"])
    except (KeyError, ValueError):
        return [], False
    if not isinstance(body, dict):
        return [], False
    keys = [
        unquote_plus(str(r.get("s3", {}).get("object", {}).get("key", "")))
        for r in body.get("Records", ())
        if isinstance(r, dict) and str(r.get("eventName", "")).startswith("ObjectCreated:")
    ]
    return keys, body.get("Event") == "s3:TestEvent"


def _notifying_bucket(endpoint: str, sqs: SqsJson, bucket: str, url: str) -> None:
    """Point the bucket's ObjectCreated events at the queue (with the queue policy AWS requires)."""
    from botocore.exceptions import ClientError

    arn = sqs.call("GetQueueAttributes", {"QueueUrl": url, "AttributeNames": ["QueueArn"]})["Attributes"][
        "QueueArn"
    ]
    policy = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": "s3.amazonaws.com"},
                "Action": "sqs:SendMessage",
                "Resource": arn,
                "Condition": {"ArnLike": {"aws:SourceArn": f"arn:aws:s3:::{bucket}"}},
            }
        ],
    }
    sqs.call("SetQueueAttributes", {"QueueUrl": url, "Attributes": {"Policy": json.dumps(policy)}})
    config = {"QueueConfigurations": [{"QueueArn": arn, "Events": ["s3:ObjectCreated:*"]}]}
    try:
        _boto3_s3(endpoint).put_bucket_notification_configuration(
            Bucket=bucket, NotificationConfiguration=config
        )
    except ClientError as exc:
        error = exc.response.get("Error", {})
        raise NotDelivered(
            f"PutBucketNotificationConfiguration: {error.get('Code')} {error.get('Message', '')}".strip()
        ) from exc


def _receive_key(sqs: SqsJson, url: str, key: str, deadline: float) -> tuple[float, int]:
    """Long-poll until the record for `key` is in hand: (when, stray messages deleted on the way)."""
    stray = 0
    while True:
        left = deadline - time.perf_counter()
        if left <= 0:
            raise NotDelivered(f"no ObjectCreated event for the PUT within {NOTIFY_WAIT_S:.0f} s")
        receive = {"QueueUrl": url, "WaitTimeSeconds": min(20, math.ceil(left)), "MaxNumberOfMessages": 10}
        got = sqs.call("ReceiveMessage", receive).get("Messages", [])
        at = time.perf_counter()
        found = False
        for message in got:
            keys, _ = _records(message)
            found = found or key in keys
            stray += key not in keys
            sqs.call("DeleteMessage", {"QueueUrl": url, "ReceiptHandle": message["ReceiptHandle"]})
        if found:
            return at, stray


def notification_latency(target: str, endpoint: str, seconds: float) -> Result:
    """PutObject (4 KB, lean client) -> the ObjectCreated record receivable from an SQS queue: ms from
    just before the PUT to the ReceiveMessage (long poll) answer holding the record for that key.
    Up to NOTIFY_ROUNDS rounds after NOTIFY_WARMUP unrecorded ones, stopping after `seconds` once
    NOTIFY_MIN_ROUNDS are in; a target that does not deliver within NOTIFY_WAIT_S fails the case."""
    payload = os.urandom(SMALL)
    etag = _etag(payload)
    sqs = SqsJson(endpoint, timeout=30)
    url = sqs.call("CreateQueue", {"QueueName": f"bench-s3evt-{uuid.uuid4().hex[:12]}"})["QueueUrl"]
    try:
        with fresh_bucket(endpoint, "evt") as bucket:
            client = S3Raw(endpoint)
            try:
                return _notify_rounds(target, endpoint, seconds, sqs, client, bucket, url, payload, etag)
            except NotDelivered as exc:
                return Result("", target, 0, 0.0, [], error=f"unsupported: {exc}")
            finally:
                client.close()
    finally:
        with contextlib.suppress(OSError, SqsError, http.client.HTTPException):
            sqs.call("DeleteQueue", {"QueueUrl": url})
        sqs.close()


def _notify_rounds(
    target: str,
    endpoint: str,
    seconds: float,
    sqs: SqsJson,
    client: S3Raw,
    bucket: str,
    url: str,
    payload: bytes,
    etag: str,
) -> Result:
    _notifying_bucket(endpoint, sqs, bucket, url)
    test_event = False  # AWS sends an s3:TestEvent once the configuration is set: drain it
    drain_by = time.perf_counter() + TEST_EVENT_WAIT_S
    while not test_event and time.perf_counter() < drain_by:
        got = sqs.call("ReceiveMessage", {"QueueUrl": url, "WaitTimeSeconds": 1, "MaxNumberOfMessages": 10})
        for message in got.get("Messages", []):
            test_event = test_event or _records(message)[1]
            sqs.call("DeleteMessage", {"QueueUrl": url, "ReceiptHandle": message["ReceiptHandle"]})
    latencies: list[float] = []
    strays = 0
    began = time.perf_counter()
    hard_deadline = began + max(4 * seconds, 10.0)
    for i in range(NOTIFY_ROUNDS + NOTIFY_WARMUP):
        now = time.perf_counter()
        if now > hard_deadline or (now - began > seconds and len(latencies) >= NOTIFY_MIN_ROUNDS):
            break
        key = f"evt-{i:05d}"
        t0 = time.perf_counter()
        _put(client, f"/{bucket}/{key}", payload, etag)
        at, stray = _receive_key(sqs, url, key, t0 + NOTIFY_WAIT_S)
        if i >= NOTIFY_WARMUP:
            latencies.append((at - t0) * 1000)
        strays += stray
    notes = [] if test_event else [f"no s3:TestEvent within {TEST_EVENT_WAIT_S:.0f} s"]
    if strays:
        notes.append(f"{strays} other message(s) skipped")
    return Result("", target, len(latencies), time.perf_counter() - began, latencies, note=", ".join(notes))
