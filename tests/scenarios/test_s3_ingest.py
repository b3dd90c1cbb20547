"""Ingest story: a file uploaded to a bucket is announced by an S3 notification, a Lambda function
invoked asynchronously reads it and writes a summary to an SQS queue; deletions fan out through SNS to
every subscribed queue."""

from __future__ import annotations

import io
import json
import zipfile
from typing import Any

import pytest

INGEST = """
import json
from urllib.parse import unquote_plus

import boto3

s3 = boto3.client("s3")
sqs = boto3.client("sqs")


def handler(event, context):
    url = sqs.get_queue_url(QueueName="processed")["QueueUrl"]
    for record in event["Records"]:
        bucket = record["s3"]["bucket"]["name"]
        key = unquote_plus(record["s3"]["object"]["key"])
        body = s3.get_object(Bucket=bucket, Key=key)["Body"].read().decode()
        summary = {"key": key, "lines": len(body.splitlines()), "event": record["eventName"]}
        sqs.send_message(QueueUrl=url, MessageBody=json.dumps(summary))
"""


def package(source: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("app.py", source)
    return buffer.getvalue()


def queue(sqs: Any, name: str) -> tuple[str, str]:
    url = sqs.create_queue(QueueName=name)["QueueUrl"]
    return url, sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]


def drain(sqs: Any, url: str) -> list[Any]:
    out: list[Any] = []
    while True:
        got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, VisibilityTimeout=300).get("Messages")
        if not got:
            return out
        out += [json.loads(m["Body"]) for m in got]


@pytest.fixture
def pipeline(cloudlet: Any) -> dict[str, Any]:
    """Bucket `uploads`: ObjectCreated under `incoming/` → Lambda `ingest` → queue `processed`;
    ObjectRemoved → topic `removals` → queues `audit` and `billing`."""
    s3, sqs, sns, lam = (cloudlet.client(name) for name in ("s3", "sqs", "sns", "lambda"))
    s3.create_bucket(Bucket="uploads")
    processed, _ = queue(sqs, "processed")
    function = lam.create_function(
        FunctionName="ingest",
        Runtime="python3.11",
        Role="arn:aws:iam::000000000000:role/ingest",
        Handler="app.handler",
        Code={"ZipFile": package(INGEST)},
        Timeout=30,
    )["FunctionArn"]
    topic = sns.create_topic(Name="removals")["TopicArn"]
    subscribers = {}
    for name in ("audit", "billing"):
        url, arn = queue(sqs, name)
        sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=arn, Attributes={"RawMessageDelivery": "true"})
        subscribers[name] = url
    s3.put_bucket_notification_configuration(
        Bucket="uploads",
        NotificationConfiguration={
            "LambdaFunctionConfigurations": [
                {
                    "Id": "ingest-new-files",
                    "LambdaFunctionArn": function,
                    "Events": ["s3:ObjectCreated:*"],
                    "Filter": {"Key": {"FilterRules": [{"Name": "prefix", "Value": "incoming/"}]}},
                }
            ],
            "TopicConfigurations": [
                {"Id": "removals", "TopicArn": topic, "Events": ["s3:ObjectRemoved:*"]},
            ],
        },
    )
    for url in subscribers.values():
        drain(sqs, url)  # the s3:TestEvent each new destination receives
    return {"s3": s3, "sqs": sqs, "processed": processed, **subscribers}


def test_an_uploaded_file_is_summarized_by_lambda_into_a_queue(cloudlet, pipeline):
    s3, sqs = pipeline["s3"], pipeline["sqs"]
    # Given the pipeline, when a CSV file lands under incoming/
    s3.put_object(Bucket="uploads", Key="incoming/orders 2024.csv", Body=b"id,total\n1,10\n2,20\n")
    # Then the function ran (asynchronously) and wrote its summary to the queue
    cloudlet.settle()
    assert drain(sqs, pipeline["processed"]) == [
        {"key": "incoming/orders 2024.csv", "lines": 3, "event": "ObjectCreated:Put"}
    ]


def test_a_file_outside_the_prefix_is_not_ingested(cloudlet, pipeline):
    s3, sqs = pipeline["s3"], pipeline["sqs"]
    # When a file lands elsewhere in the bucket
    s3.put_object(Bucket="uploads", Key="archive/old.csv", Body=b"x\n")
    # Then the function is not invoked
    cloudlet.settle()
    assert drain(sqs, pipeline["processed"]) == []


def test_a_deletion_fans_out_through_sns_to_every_subscriber(cloudlet, pipeline):
    s3, sqs = pipeline["s3"], pipeline["sqs"]
    # Given an ingested file
    s3.put_object(Bucket="uploads", Key="incoming/a.csv", Body=b"1\n")
    cloudlet.settle()
    # When it is deleted
    s3.delete_object(Bucket="uploads", Key="incoming/a.csv")
    # Then each subscriber of the topic receives the same S3 record
    received = {name: drain(sqs, pipeline[name]) for name in ("audit", "billing")}
    for messages in received.values():
        (message,) = messages
        (record,) = message["Records"]
        assert (record["eventName"], record["s3"]["object"]["key"]) == (
            "ObjectRemoved:Delete",
            "incoming/a.csv",
        )
        assert record["s3"]["configurationId"] == "removals"
    assert received["audit"] == received["billing"]
