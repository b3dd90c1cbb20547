"""SNS cases: fan-out from one topic to three raw SQS subscriptions, with a lean client (SNS's query
protocol and SQS's JSON protocol over raw keep-alive HTTP/1.1)."""

from __future__ import annotations

import contextlib
import http.client
import time
import uuid
from collections.abc import Iterator
from urllib.parse import urlencode, urlsplit
from xml.etree import ElementTree

from benchmarks.cases import Result
from benchmarks.sqs_cases import SqsError, SqsJson, message_body

SNS_HEADERS = {
    "Content-Type": "application/x-www-form-urlencoded; charset=utf-8",
    "Authorization": "AWS4-HMAC-SHA256 Credential=test/20240101/us-east-1/sns/aws4_request, "
    "SignedHeaders=content-type;host;x-amz-date, Signature=0",
    "X-Amz-Date": "20240101T000000Z",
}
PUBLISHES = 1000
SUBSCRIBERS = 3
LATENCY_ROUNDS = 200


class SnsQuery:
    """One keep-alive connection speaking SNS's query protocol."""

    def __init__(self, endpoint: str) -> None:
        parts = urlsplit(endpoint)
        self.conn = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port, timeout=30)

    def call(self, action: str, **params: str) -> ElementTree.Element:
        body = urlencode({"Action": action, "Version": "2010-03-31", **params})
        self.conn.request("POST", "/", body=body, headers=SNS_HEADERS)
        response = self.conn.getresponse()
        data = response.read()
        if response.status != 200:
            raise SqsError(f"{action}: HTTP {response.status} {data[:160].decode(errors='replace')}")
        return ElementTree.fromstring(data)

    def close(self) -> None:
        self.conn.close()


def _text(xml: ElementTree.Element, tag: str) -> str:
    for element in xml.iter():
        if element.tag.endswith("}" + tag) or element.tag == tag:
            return element.text or ""
    raise SqsError(f"no <{tag}> in the answer")


@contextlib.contextmanager
def fanout_topic(endpoint: str) -> Iterator[tuple[str, list[str]]]:
    """A topic with SUBSCRIBERS raw SQS subscriptions: (topic ARN, queue URLs)."""
    sns, sqs = SnsQuery(endpoint), SqsJson(endpoint)
    label = uuid.uuid4().hex[:10]
    topic = _text(sns.call("CreateTopic", Name=f"bench-{label}"), "TopicArn")
    urls = []
    try:
        for i in range(SUBSCRIBERS):
            url = sqs.call("CreateQueue", {"QueueName": f"bench-{label}-{i}"})["QueueUrl"]
            urls.append(url)
            arn = sqs.call("GetQueueAttributes", {"QueueUrl": url, "AttributeNames": ["QueueArn"]})
            sns.call(
                "Subscribe",
                TopicArn=topic,
                Protocol="sqs",
                Endpoint=arn["Attributes"]["QueueArn"],
                **{"Attributes.entry.1.key": "RawMessageDelivery", "Attributes.entry.1.value": "true"},
            )
        yield topic, urls
    finally:
        with contextlib.suppress(OSError, SqsError, http.client.HTTPException):
            for url in urls:
                sqs.call("DeleteQueue", {"QueueUrl": url})
            sns.call("DeleteTopic", TopicArn=topic)
        sns.close()
        sqs.close()


def _visible(sqs: SqsJson, url: str) -> int:
    answer = sqs.call(
        "GetQueueAttributes", {"QueueUrl": url, "AttributeNames": ["ApproximateNumberOfMessages"]}
    )
    return int(answer["Attributes"]["ApproximateNumberOfMessages"])


def fanout_throughput(target: str, endpoint: str, seconds: float) -> Result:
    """Up to 1000 publishes (within `seconds`) to a topic with 3 raw SQS subscriptions, one connection;
    the time counts until all copies are receivable in the three queues."""
    with fanout_topic(endpoint) as (topic, urls):
        sns, sqs = SnsQuery(endpoint), SqsJson(endpoint)
        latencies: list[float] = []
        began = time.perf_counter()
        deadline = began + seconds
        for i in range(PUBLISHES):
            t0 = time.perf_counter()
            sns.call("Publish", TopicArn=topic, Message=message_body(i))
            latencies.append((time.perf_counter() - t0) * 1000)
            if time.perf_counter() > deadline:
                break
        published = len(latencies)
        settle_by = time.perf_counter() + 30
        while any(_visible(sqs, url) < published for url in urls):  # peers deliver in the background
            if time.perf_counter() > settle_by:
                raise SqsError("fan-out: copies still missing 30 s after the last publish")
            time.sleep(0.005)
        elapsed = time.perf_counter() - began
        sns.close()
        sqs.close()
    return Result(
        "",
        target,
        published,
        elapsed,
        latencies,
        messages=published * SUBSCRIBERS,
        note=f"{published} publishes, {published * SUBSCRIBERS} deliveries",
    )


def fanout_latency(target: str, endpoint: str, seconds: float) -> Result:
    """Publish, then a long-polling receive on one of the three queues: ms from just before the
    publish to the message in hand (publish-to-receivable)."""
    with fanout_topic(endpoint) as (topic, urls):
        sns, sqs = SnsQuery(endpoint), SqsJson(endpoint)
        receive = {"QueueUrl": urls[0], "WaitTimeSeconds": 5, "MaxNumberOfMessages": 1}
        latencies: list[float] = []
        began = time.perf_counter()
        for i in range(LATENCY_ROUNDS):
            if time.perf_counter() - began > seconds and len(latencies) >= 20:
                break
            t0 = time.perf_counter()
            sns.call("Publish", TopicArn=topic, Message=message_body(i))
            got = sqs.call("ReceiveMessage", receive).get("Messages", [])
            t1 = time.perf_counter()
            if not got:
                raise SqsError("fan-out latency: no message within 5 s of the publish")
            latencies.append((t1 - t0) * 1000)
            sqs.call("DeleteMessage", {"QueueUrl": urls[0], "ReceiptHandle": got[0]["ReceiptHandle"]})
        elapsed = time.perf_counter() - began
        sns.close()
        sqs.close()
    return Result("", target, len(latencies), elapsed, latencies)
