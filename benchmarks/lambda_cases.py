"""Lambda cases: warm synchronous Invoke (boto3 and a lean client), cold start, and SQS → Lambda
event-source-mapping throughput. The function is a trivial Python handler in a .zip package."""

from __future__ import annotations

import http.client
import io
import json
import statistics
import time
import uuid
import zipfile
from typing import Any
from urllib.parse import urlsplit

from benchmarks.cases import Result, timed_loop
from benchmarks.sqs_cases import SqsJson, batch_entries

ROLE = "arn:aws:iam::000000000000:role/bench"
HANDLER = "def handler(event, context):\n    return {'ok': True}\n"
LAMBDA_HEADERS = {
    "Content-Type": "application/json",
    "Authorization": "AWS4-HMAC-SHA256 Credential=test/20240101/us-east-1/lambda/aws4_request, "
    "SignedHeaders=content-type;host;x-amz-date, Signature=0",
    "X-Amz-Date": "20240101T000000Z",
}
ESM_MESSAGES = 5000


def _zip(source: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("app.py", source)
    return buffer.getvalue()


def _client(endpoint: str) -> Any:
    import boto3
    from botocore.config import Config

    return boto3.client(
        "lambda",
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id="test",
        aws_secret_access_key="test",
        config=Config(retries={"max_attempts": 1}, read_timeout=120),
    )


def _function(client: Any, source: str = HANDLER, **kwargs: Any) -> str:
    name = f"bench-{uuid.uuid4().hex[:10]}"
    client.create_function(
        FunctionName=name,
        Runtime="python3.11",
        Role=ROLE,
        Handler="app.handler",
        Code={"ZipFile": _zip(source)},
        **kwargs,
    )
    client.get_waiter("function_active_v2").wait(FunctionName=name)
    return name


def warm_invoke_boto3(target: str, endpoint: str, seconds: float, max_requests: int = 100_000) -> Result:
    """Synchronous Invoke of a trivial handler through boto3 (after one cold start)."""
    client = _client(endpoint)
    name = _function(client)

    def call() -> None:
        response = client.invoke(FunctionName=name, Payload=b"{}")
        if response.get("FunctionError"):
            raise RuntimeError(response["Payload"].read())
        response["Payload"].read()

    n, elapsed, lat = timed_loop(call, seconds, max_requests)
    client.delete_function(FunctionName=name)
    return Result("", target, n, elapsed, lat)


def warm_invoke_raw(target: str, endpoint: str, seconds: float, max_requests: int = 200_000) -> Result:
    """Synchronous Invoke over one raw keep-alive connection."""
    client = _client(endpoint)
    name = _function(client)
    parts = urlsplit(endpoint)
    conn = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port, timeout=60)

    def call() -> None:
        conn.request("POST", f"/2015-03-31/functions/{name}/invocations", body=b"{}", headers=LAMBDA_HEADERS)
        response = conn.getresponse()
        body = response.read()
        if response.status != 200 or response.getheader("X-Amz-Function-Error"):
            raise RuntimeError(f"invoke: {response.status} {body[:200]!r}")

    n, elapsed, lat = timed_loop(call, seconds, max_requests)
    conn.close()
    client.delete_function(FunctionName=name)
    return Result("", target, n, elapsed, lat)


def cold_start(target: str, endpoint: str, seconds: float) -> Result:
    """Create a function, then time its first Invoke (a new worker process); repeated, bounded."""
    client = _client(endpoint)
    latencies: list[float] = []
    began = time.perf_counter()
    while len(latencies) < 10 and (time.perf_counter() - began < seconds * 3 or len(latencies) < 3):
        name = _function(client)
        t0 = time.perf_counter()
        client.invoke(FunctionName=name, Payload=b"{}")["Payload"].read()
        latencies.append((time.perf_counter() - t0) * 1000)
        client.delete_function(FunctionName=name)
    return Result(
        "",
        target,
        len(latencies),
        time.perf_counter() - began,
        latencies,
        note=f"median {statistics.median(latencies):.0f} ms",
    )


def sqs_to_lambda(target: str, endpoint: str, seconds: float) -> Result:
    """Prefill a queue with ESM_MESSAGES messages, map it to a trivial function (batch size 10), and
    time until the queue is empty: messages processed per second."""
    client, sqs = _client(endpoint), SqsJson(endpoint)
    url = sqs.call("CreateQueue", {"QueueName": f"bench-esm-{uuid.uuid4().hex[:10]}"})["QueueUrl"]
    arn = sqs.call("GetQueueAttributes", {"QueueUrl": url, "AttributeNames": ["QueueArn"]})["Attributes"][
        "QueueArn"
    ]
    body = json.dumps({"QueueUrl": url, "Entries": batch_entries()}).encode()
    prefill_by = time.perf_counter() + max(2 * seconds, 10)
    sent = 0
    while sent < ESM_MESSAGES and time.perf_counter() < prefill_by:  # bounded: slow peers get fewer
        sqs.call("SendMessageBatch", body)
        sent += 10
    name = _function(client)
    began = time.perf_counter()
    uuid_ = client.create_event_source_mapping(EventSourceArn=arn, FunctionName=name, BatchSize=10)["UUID"]
    deadline = began + max(seconds * 10, 30)
    while True:
        attributes = sqs.call(
            "GetQueueAttributes",
            {
                "QueueUrl": url,
                "AttributeNames": ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
            },
        )["Attributes"]
        left = int(attributes["ApproximateNumberOfMessages"]) + int(
            attributes["ApproximateNumberOfMessagesNotVisible"]
        )
        if left == 0 or time.perf_counter() > deadline:
            break
        time.sleep(0.02)  # observing from outside: the benchmark client polls, cloudlet does not
    elapsed = time.perf_counter() - began
    client.delete_event_source_mapping(UUID=uuid_)
    client.delete_function(FunctionName=name)
    sqs.call("DeleteQueue", {"QueueUrl": url})
    sqs.close()
    processed = sent - left
    return Result(
        "",
        target,
        processed // 10,
        elapsed,
        [],
        messages=processed,
        note=f"{processed} of {sent} messages in {elapsed:.1f} s",
    )
