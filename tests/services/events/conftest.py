"""EventBridge test fixtures: clients and a queue factory."""

from __future__ import annotations

import json
from typing import Any

import pytest


@pytest.fixture
def events(cloudlet: Any) -> Any:
    return cloudlet.client("events")


@pytest.fixture
def sqs(cloudlet: Any) -> Any:
    return cloudlet.client("sqs")


def make_queue(sqs: Any, name: str, **attributes: str) -> tuple[str, str]:
    """(QueueUrl, QueueArn) of a new queue (`.fifo` names make FIFO queues)."""
    if name.endswith(".fifo"):
        attributes.setdefault("FifoQueue", "true")
    url = sqs.create_queue(QueueName=name, Attributes=attributes)["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    return url, arn


def drain(sqs: Any, url: str) -> list[dict[str, Any]]:
    """Every message currently visible in the queue."""
    out: list[dict[str, Any]] = []
    while True:
        got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, VisibilityTimeout=300)
        if not got.get("Messages"):
            return out
        out += got["Messages"]


def bodies(messages: list[dict[str, Any]]) -> list[Any]:
    return [json.loads(m["Body"]) for m in messages]
