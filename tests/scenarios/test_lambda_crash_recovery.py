"""kill -9 loses no asynchronous invocation and stops no event source mapping: pending retries fire
after the restart, and mappings resume polling without a request."""

from __future__ import annotations

import io
import json
import time
import zipfile
from pathlib import Path

import pytest

from tests.scenarios.process import ServerProcess

FLAKY = """
import os

def handler(event, context):
    path = os.environ["COUNTER"]
    count = int(open(path).read()) if os.path.exists(path) else 0
    open(path, "w").write(str(count + 1))
    if count == 0:
        raise RuntimeError("first attempt fails")
    return "ok"
"""

FORWARD = """
import boto3

def handler(event, context):
    sqs = boto3.client("sqs")
    url = sqs.get_queue_url(QueueName="done")["QueueUrl"]
    for record in event["Records"]:
        sqs.send_message(QueueUrl=url, MessageBody=record["body"])
"""


def package(source: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("app.py", source)
    return buffer.getvalue()


@pytest.fixture
def server(tmp_path: Path):
    proc = ServerProcess(tmp_path / "data", services="sqs,lambda,logs")
    yield proc
    proc.stop()


def create(lam, name: str, source: str, **kwargs) -> None:
    lam.create_function(
        FunctionName=name,
        Runtime="python3.11",
        Role="arn:aws:iam::000000000000:role/r",
        Handler="app.handler",
        Code={"ZipFile": package(source)},
        Timeout=30,
        **kwargs,
    )


def wait_for_file(path: Path, text: str, server: ServerProcess) -> None:
    sqs = server.client("sqs")
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:  # each probe is a round trip to the server, no sleeping
        if path.exists() and path.read_text() == text:
            return
        sqs.list_queues()
    raise AssertionError(f"{path} never read {text!r}")


def test_a_pending_async_retry_fires_after_kill_9(server, tmp_path):
    server.start()
    lam = server.client("lambda")
    counter = tmp_path / "count"
    create(lam, "flaky", FLAKY, Environment={"Variables": {"COUNTER": str(counter)}})
    lam.invoke(FunctionName="flaky", InvocationType="Event", Payload=b"{}")
    wait_for_file(counter, "1", server)  # the first attempt failed; a retry is due in 60 s
    server.kill()
    server.start()
    # Past the retry delay (60 s), and past the lease of an attempt the kill may have interrupted
    # (timeout + 60 s): either way the event runs again.
    server.advance(120)
    wait_for_file(counter, "2", server)


def test_an_event_source_mapping_resumes_after_kill_9(server):
    server.start()
    sqs, lam = server.client("sqs"), server.client("lambda")
    done = sqs.create_queue(QueueName="done")["QueueUrl"]
    url = sqs.create_queue(QueueName="jobs")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    create(lam, "forward", FORWARD)
    lam.create_event_source_mapping(EventSourceArn=arn, FunctionName="forward")
    server.kill()
    server.start()
    sqs = server.client("sqs")
    sqs.send_message(QueueUrl=url, MessageBody=json.dumps({"after": "restart"}))
    got = sqs.receive_message(QueueUrl=done, WaitTimeSeconds=20).get("Messages", [])
    assert [json.loads(m["Body"]) for m in got] == [{"after": "restart"}]
