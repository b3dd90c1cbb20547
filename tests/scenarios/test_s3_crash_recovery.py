"""kill -9 right after an acknowledged write loses no S3 notification: the queue message or the
asynchronous Lambda invocation commits with the object, so after a restart it is there (or runs)."""

from __future__ import annotations

import io
import json
import time
import zipfile
from pathlib import Path

import pytest

from tests.scenarios.process import ServerProcess

RECORDER = """
import json, os

def handler(event, context):
    with open(os.environ["OUT"], "a") as out:
        for record in event["Records"]:
            out.write(record["s3"]["object"]["key"] + "\\n")
"""


def package(source: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("app.py", source)
    return buffer.getvalue()


@pytest.fixture
def server(tmp_path: Path):
    proc = ServerProcess(tmp_path / "data", services="s3,sqs,lambda,logs")
    yield proc
    proc.stop()


def test_a_queue_notification_survives_kill_9(server):
    # Given a bucket that notifies a queue of every new object
    server.start()
    s3, sqs = server.client("s3"), server.client("sqs")
    s3.create_bucket(Bucket="ingest")
    url = sqs.create_queue(QueueName="uploads")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    s3.put_bucket_notification_configuration(
        Bucket="ingest",
        NotificationConfiguration={
            "QueueConfigurations": [{"QueueArn": arn, "Events": ["s3:ObjectCreated:*"]}]
        },
    )
    # When uploads are acknowledged and the server is killed at once
    keys = [f"file-{i}.bin" for i in range(10)]
    for key in keys:
        s3.put_object(Bucket="ingest", Key=key, Body=b"payload")
    server.kill()
    # Then after a restart the queue holds the test event and exactly one record per upload
    server.start()
    sqs = server.client("sqs")
    bodies = []
    while got := sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, VisibilityTimeout=300).get(
        "Messages"
    ):
        bodies += [json.loads(m["Body"]) for m in got]
    recorded = [r["s3"]["object"]["key"] for b in bodies if "Records" in b for r in b["Records"]]
    assert sorted(recorded) == sorted(keys)
    assert [b["Event"] for b in bodies if "Event" in b] == ["s3:TestEvent"]


def test_a_pending_lambda_notification_runs_after_kill_9(server, tmp_path):
    # Given a bucket that invokes a function, which is throttled (reserved concurrency 0) for now
    server.start()
    s3, lam = server.client("s3"), server.client("lambda")
    out = tmp_path / "keys.txt"
    arn = lam.create_function(
        FunctionName="recorder",
        Runtime="python3.11",
        Role="arn:aws:iam::000000000000:role/r",
        Handler="app.handler",
        Code={"ZipFile": package(RECORDER)},
        Environment={"Variables": {"OUT": str(out)}},
    )["FunctionArn"]
    lam.put_function_concurrency(FunctionName="recorder", ReservedConcurrentExecutions=0)
    s3.create_bucket(Bucket="ingest")
    s3.put_bucket_notification_configuration(
        Bucket="ingest",
        NotificationConfiguration={
            "LambdaFunctionConfigurations": [{"LambdaFunctionArn": arn, "Events": ["s3:ObjectCreated:*"]}]
        },
    )
    # When an upload is acknowledged while the invocation cannot run, and the server is killed
    s3.put_object(Bucket="ingest", Key="report.csv", Body=b"a,b\n")
    server.kill()
    assert not out.exists()
    # Then after a restart, once the function may run again, the invocation happens exactly once
    server.start()
    server.client("lambda").delete_function_concurrency(FunctionName="recorder")
    # past the throttled event's next attempt, and past the lease of an attempt the kill interrupted
    server.advance(3 + 60 + 1)
    wait_for_file(out, "report.csv\n", server)


def wait_for_file(path: Path, text: str, server: ServerProcess) -> None:
    s3 = server.client("s3")
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:  # each probe is a round trip to the server, no sleeping
        if path.exists() and path.read_text() == text:
            return
        s3.list_buckets()
    raise AssertionError(f"{path} never read {text!r}")
