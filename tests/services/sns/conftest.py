"""SNS test fixtures: clients, a topic, queues subscribed to it, an HTTP endpoint on loopback."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from tests.services.sns.endpoints import Recorder


@pytest.fixture
def sns(cloudlet: Any) -> Any:
    return cloudlet.client("sns")


@pytest.fixture
def sqs(cloudlet: Any) -> Any:
    return cloudlet.client("sqs")


@pytest.fixture
def topic(sns: Any) -> str:
    return sns.create_topic(Name="events")["TopicArn"]


@pytest.fixture
def endpoint() -> Iterator[Recorder]:
    recorder = Recorder()
    yield recorder
    recorder.close()


def make_queue(sqs: Any, name: str, **attributes: str) -> tuple[str, str]:
    """(QueueUrl, QueueArn) of a new queue."""
    if name.endswith(".fifo"):
        attributes.setdefault("FifoQueue", "true")
    url = sqs.create_queue(QueueName=name, Attributes=attributes)["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    return url, arn


def drain(sqs: Any, url: str, **kwargs: Any) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    while True:
        got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, VisibilityTimeout=300, **kwargs)
        if not got.get("Messages"):
            return out
        out += got["Messages"]


def bodies(messages: list[dict[str, Any]]) -> list[Any]:
    return [json.loads(m["Body"]) for m in messages]
