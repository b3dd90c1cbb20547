"""Event source mappings on DynamoDB streams: ordered batches, checkpoints across restarts, retries on
the clock, bisecting, batch item failures and the OnFailure destination."""

from __future__ import annotations

import json
from typing import Any

import pytest
from botocore.exceptions import ClientError

# Logs each invocation (the pk of every record, in order) to the FIFO queue `log.fifo`; fails (raises)
# when a batch holds an item whose pk starts with "bad", or reports it when the item has `report`.
RECORDER = """
import boto3, json, uuid

def handler(event, context):
    sqs = boto3.client("sqs")
    url = sqs.get_queue_url(QueueName="log.fifo")["QueueUrl"]
    records = event["Records"]
    body = [
        {"pk": r["dynamodb"]["Keys"]["pk"]["S"], "event": r["eventName"], "source": r["eventSourceARN"]}
        for r in records
    ]
    sqs.send_message(QueueUrl=url, MessageBody=json.dumps(body), MessageGroupId="g",
                     MessageDeduplicationId=str(uuid.uuid4()))
    failures = []
    for r in records:
        if r["dynamodb"]["Keys"]["pk"]["S"].startswith("bad"):
            if "report" in r["dynamodb"].get("NewImage", {}):
                failures.append({"itemIdentifier": r["dynamodb"]["SequenceNumber"]})
            else:
                raise RuntimeError("bad record")
    return {"batchItemFailures": failures}
"""


@pytest.fixture
def sqs(cloudlet: Any) -> Any:
    return cloudlet.client("sqs")


@pytest.fixture
def stream(cloudlet: Any, sqs: Any, make_function: Any) -> str:
    """A table `items` with a NEW_IMAGE stream, the FIFO log queue and the recorder function."""
    ddb = cloudlet.client("dynamodb")
    described = ddb.create_table(
        TableName="items",
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
        StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_IMAGE"},
    )["TableDescription"]
    ddb.get_waiter("table_exists").wait(TableName="items", WaiterConfig={"Delay": 0, "MaxAttempts": 5})
    sqs.create_queue(QueueName="log.fifo", Attributes={"FifoQueue": "true"})
    make_function("recorder", RECORDER, Timeout=30)
    return str(described["LatestStreamArn"])


def put(cloudlet: Any, *pks: str, **attributes: str) -> None:
    ddb = cloudlet.client("dynamodb")
    for pk in pks:
        item = {"pk": {"S": pk}, **{k: {"S": v} for k, v in attributes.items()}}
        ddb.put_item(TableName="items", Item=item)


def invocations(sqs: Any, queue: str = "log.fifo") -> list[list[str]]:
    url = sqs.get_queue_url(QueueName=queue)["QueueUrl"]
    out = []
    while True:
        got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])
        if not got:
            return out
        for message in got:
            out.append([r["pk"] for r in json.loads(message["Body"])])
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])


def failure_queue(sqs: Any) -> tuple[str, str]:
    url = sqs.create_queue(QueueName="failures")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    return url, arn


def run_clock(cloudlet: Any, steps: int = 8, seconds: float = 400) -> None:
    """Let retries with back-off happen: advance the clock past each wait and settle."""
    for _ in range(steps):
        cloudlet.clock.advance(seconds)
        cloudlet.settle()


def test_writes_trigger_the_function_in_order(cloudlet, lam, sqs, stream):
    mapping = lam.create_event_source_mapping(
        EventSourceArn=stream, FunctionName="recorder", StartingPosition="LATEST", BatchSize=2
    )
    assert mapping["State"] == "Creating"
    cloudlet.settle()
    put(cloudlet, "a", "b", "c", "d", "e")
    cloudlet.settle()
    batches = invocations(sqs)
    assert [pk for batch in batches for pk in batch] == ["a", "b", "c", "d", "e"]
    assert all(len(batch) <= 2 for batch in batches)


def test_records_carry_the_stream_arn_and_aws_shape(cloudlet, lam, sqs, stream):
    lam.create_event_source_mapping(EventSourceArn=stream, FunctionName="recorder", StartingPosition="LATEST")
    cloudlet.settle()
    put(cloudlet, "a")
    cloudlet.settle()
    url = sqs.get_queue_url(QueueName="log.fifo")["QueueUrl"]
    (message,) = sqs.receive_message(QueueUrl=url)["Messages"]
    assert json.loads(message["Body"]) == [{"pk": "a", "event": "INSERT", "source": stream}]


def test_trim_horizon_delivers_earlier_records(cloudlet, lam, sqs, stream):
    put(cloudlet, "early")
    lam.create_event_source_mapping(
        EventSourceArn=stream, FunctionName="recorder", StartingPosition="TRIM_HORIZON"
    )
    cloudlet.settle()
    assert invocations(sqs) == [["early"]]


def test_mapping_defaults_for_a_stream(lam, stream):
    created = lam.create_event_source_mapping(
        EventSourceArn=stream, FunctionName="recorder", StartingPosition="LATEST"
    )
    got = lam.get_event_source_mapping(UUID=created["UUID"])
    assert got["BatchSize"] == 100
    assert got["StartingPosition"] == "LATEST"
    assert got["MaximumRetryAttempts"] == -1
    assert got["MaximumRecordAgeInSeconds"] == -1
    assert got["BisectBatchOnFunctionError"] is False
    assert got["ParallelizationFactor"] == 1
    assert got["DestinationConfig"] == {"OnFailure": {}}


def test_starting_position_is_required(lam, stream):
    with pytest.raises(ClientError) as err:
        lam.create_event_source_mapping(EventSourceArn=stream, FunctionName="recorder")
    assert err.value.response["Error"]["Code"] == "InvalidParameterValueException"


def test_unknown_stream_is_rejected(lam, stream):
    with pytest.raises(ClientError) as err:
        lam.create_event_source_mapping(
            EventSourceArn=stream.replace("/items/", "/other/"),
            FunctionName="recorder",
            StartingPosition="LATEST",
        )
    assert err.value.response["Error"]["Code"] == "InvalidParameterValueException"


def test_batch_size_above_10000_is_rejected(lam, stream):
    with pytest.raises(ClientError) as err:
        lam.create_event_source_mapping(
            EventSourceArn=stream, FunctionName="recorder", StartingPosition="LATEST", BatchSize=10_001
        )
    assert err.value.response["Error"]["Code"] == "ValidationException"  # the model's maximum


def test_a_restart_resumes_from_the_checkpoint(cloudlet, lam, sqs, stream):
    lam.create_event_source_mapping(EventSourceArn=stream, FunctionName="recorder", StartingPosition="LATEST")
    cloudlet.settle()
    put(cloudlet, "a")
    cloudlet.settle()
    cloudlet.restart()
    cloudlet.client("lambda").list_event_source_mappings()  # loads Lambda, which resumes its pollers
    cloudlet.settle()
    put(cloudlet, "b")
    cloudlet.settle()
    assert invocations(cloudlet.client("sqs")) == [["a"], ["b"]]


def test_a_failing_batch_is_retried_then_sent_to_the_on_failure_destination(cloudlet, lam, sqs, stream):
    url, arn = failure_queue(sqs)
    lam.create_event_source_mapping(
        EventSourceArn=stream,
        FunctionName="recorder",
        StartingPosition="LATEST",
        MaximumRetryAttempts=1,
        DestinationConfig={"OnFailure": {"Destination": arn}},
    )
    cloudlet.settle()
    put(cloudlet, "bad")
    cloudlet.settle()
    run_clock(cloudlet, steps=2)
    put(cloudlet, "after")
    cloudlet.settle()
    assert invocations(sqs) == [["bad"], ["bad"], ["after"]]
    (message,) = sqs.receive_message(QueueUrl=url)["Messages"]
    record = json.loads(message["Body"])
    assert record["requestContext"]["condition"] == "RetryAttemptsExhausted"
    assert record["requestContext"]["approximateInvokeCount"] == 2
    info = record["DDBStreamBatchInfo"]
    assert info["streamArn"] == stream
    assert info["batchSize"] == 1
    assert info["startSequenceNumber"] == info["endSequenceNumber"]
    assert info["shardId"].startswith("shardId-")


def test_bisect_splits_a_failing_batch(cloudlet, lam, sqs, stream):
    lam.create_event_source_mapping(
        EventSourceArn=stream,
        FunctionName="recorder",
        StartingPosition="LATEST",
        BatchSize=10,
        MaximumBatchingWindowInSeconds=5,
        BisectBatchOnFunctionError=True,
        MaximumRetryAttempts=2,
    )
    cloudlet.settle()
    put(cloudlet, "a", "b", "bad", "d")
    run_clock(cloudlet)
    assert invocations(sqs) == [["a", "b", "bad", "d"], ["a", "b"], ["bad", "d"], ["bad"], ["bad"], ["d"]]


def test_reported_item_failures_retry_from_the_failed_record(cloudlet, lam, sqs, stream):
    url, arn = failure_queue(sqs)
    lam.create_event_source_mapping(
        EventSourceArn=stream,
        FunctionName="recorder",
        StartingPosition="LATEST",
        BatchSize=10,
        MaximumBatchingWindowInSeconds=5,
        MaximumRetryAttempts=0,
        FunctionResponseTypes=["ReportBatchItemFailures"],
        DestinationConfig={"OnFailure": {"Destination": arn}},
    )
    cloudlet.settle()
    put(cloudlet, "a")
    put(cloudlet, "bad", report="yes")
    put(cloudlet, "c")
    run_clock(cloudlet, steps=2)
    assert invocations(sqs) == [["a", "bad", "c"]]
    (message,) = sqs.receive_message(QueueUrl=url)["Messages"]
    assert json.loads(message["Body"])["DDBStreamBatchInfo"]["batchSize"] == 2
