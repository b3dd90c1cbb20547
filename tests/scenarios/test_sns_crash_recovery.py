"""kill -9 during fan-out loses no delivery: a publish is acknowledged only once every delivery is a
durable row, and deliveries still pending at the crash are made after the restart."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.scenarios.process import ServerProcess
from tests.services.sns.endpoints import Recorder


@pytest.fixture
def server(tmp_path: Path):
    proc = ServerProcess(tmp_path / "data", services="sqs,sns")
    yield proc
    proc.stop()


@pytest.fixture
def endpoint():
    recorder = Recorder()
    yield recorder
    recorder.close()


def test_pending_http_deliveries_survive_kill_9(server, endpoint):
    # Given a topic with a queue and a confirmed HTTP endpoint that is failing (503)
    server.start()
    sns, sqs = server.client("sns"), server.client("sqs")
    topic = sns.create_topic(Name="orders")["TopicArn"]
    url = sqs.create_queue(QueueName="orders")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    sns.subscribe(
        TopicArn=topic, Protocol="sqs", Endpoint=queue_arn, Attributes={"RawMessageDelivery": "true"}
    )
    sns.subscribe(TopicArn=topic, Protocol="http", Endpoint=endpoint.url)
    (confirmation,) = [json.loads(r["body"]) for r in endpoint.wait_for(1)]
    sns.confirm_subscription(TopicArn=topic, Token=confirmation["Token"])
    endpoint.status = 503
    acknowledged = [sns.publish(TopicArn=topic, Message=f"order {i}")["MessageId"] for i in range(20)]
    endpoint.wait_for(1 + 20)  # every first attempt failed; retries are due 20 s later
    # When the server is killed and started again, and the endpoint recovers
    server.kill()
    before = len(endpoint.requests)
    server.start()
    endpoint.status = 200
    server.advance(60)  # past the retry delay, and past the lease of an attempt the kill interrupted
    # Then every acknowledged message reaches the endpoint, and the queue has each exactly once
    endpoint.wait_for(before + 20, timeout=30)
    delivered = {json.loads(r["body"])["MessageId"] for r in endpoint.requests[before:]}
    assert set(acknowledged) <= delivered
    sqs = server.client("sqs")
    bodies = []
    while True:
        got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, VisibilityTimeout=300).get(
            "Messages", []
        )
        if not got:
            break
        bodies += [m["Body"] for m in got]
    assert sorted(bodies) == sorted(f"order {i}" for i in range(20))
