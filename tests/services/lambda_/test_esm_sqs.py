"""SQS event source mappings: batches to the function, deletion on success, partial batch responses,
the queue's redrive policy moving a poison message to its DLQ, filter criteria."""

from __future__ import annotations

import json

PROCESSOR = """
import boto3, json

def handler(event, context):
    sqs = boto3.client("sqs")
    url = sqs.get_queue_url(QueueName="processed")["QueueUrl"]
    failures = []
    for record in event["Records"]:
        assert record["eventSource"] == "aws:sqs"
        if record["body"] == "poison":
            failures.append({"itemIdentifier": record["messageId"]})
            continue
        sqs.send_message(QueueUrl=url, MessageBody=record["body"])
    return {"batchItemFailures": failures}
"""


def make_queue(sqs, name, **attributes):
    url = sqs.create_queue(QueueName=name, Attributes=attributes)["QueueUrl"]
    return url, sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]


def drain(sqs, url):
    bodies = []
    while True:
        got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])
        if not got:
            return sorted(bodies)
        bodies += [m["Body"] for m in got]


def counts(sqs, url):
    attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    return int(attributes["ApproximateNumberOfMessages"]), int(
        attributes["ApproximateNumberOfMessagesNotVisible"]
    )


def test_messages_are_processed_and_deleted(cloudlet, lam, make_function):
    sqs = cloudlet.client("sqs")
    make_queue(sqs, "processed")
    url, arn = make_queue(sqs, "jobs")
    make_function("worker", PROCESSOR, Timeout=30)
    mapping = lam.create_event_source_mapping(EventSourceArn=arn, FunctionName="worker", BatchSize=10)
    assert mapping["State"] == "Creating"
    sqs.send_message_batch(
        QueueUrl=url, Entries=[{"Id": str(i), "MessageBody": f"job {i}"} for i in range(5)]
    )
    cloudlet.settle()
    processed_url = sqs.get_queue_url(QueueName="processed")["QueueUrl"]
    assert drain(sqs, processed_url) == [f"job {i}" for i in range(5)]
    assert counts(sqs, url) == (0, 0)
    assert lam.get_event_source_mapping(UUID=mapping["UUID"])["State"] == "Enabled"


def test_a_poison_message_reaches_the_dlq_while_the_rest_of_its_batch_is_processed(
    cloudlet, lam, make_function
):
    sqs = cloudlet.client("sqs")
    make_queue(sqs, "processed")
    dlq_url, dlq_arn = make_queue(sqs, "jobs-dlq")
    url, arn = make_queue(
        sqs,
        "jobs",
        VisibilityTimeout="30",
        RedrivePolicy=json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": 2}),
    )
    make_function("worker", PROCESSOR, Timeout=30)
    lam.create_event_source_mapping(
        EventSourceArn=arn,
        FunctionName="worker",
        BatchSize=10,
        FunctionResponseTypes=["ReportBatchItemFailures"],
    )
    sqs.send_message_batch(
        QueueUrl=url,
        Entries=[
            {"Id": "a", "MessageBody": "good 1"},
            {"Id": "b", "MessageBody": "poison"},
            {"Id": "c", "MessageBody": "good 2"},
        ],
    )
    cloudlet.settle()
    processed_url = sqs.get_queue_url(QueueName="processed")["QueueUrl"]
    assert drain(sqs, processed_url) == ["good 1", "good 2"]
    assert counts(sqs, url) == (0, 1)  # the poison message waits out its visibility timeout
    cloudlet.clock.advance(30)
    cloudlet.settle()  # received a second time, fails again
    cloudlet.clock.advance(30)
    cloudlet.settle()  # the third receive would exceed maxReceiveCount: SQS moves it to the DLQ
    assert counts(sqs, url) == (0, 0)
    assert drain(sqs, dlq_url) == ["poison"]


def test_filter_criteria_delete_what_does_not_match(cloudlet, lam, make_function):
    sqs = cloudlet.client("sqs")
    make_queue(sqs, "processed")
    url, arn = make_queue(sqs, "orders")
    make_function("worker", PROCESSOR, Timeout=30)
    lam.create_event_source_mapping(
        EventSourceArn=arn,
        FunctionName="worker",
        FilterCriteria={"Filters": [{"Pattern": json.dumps({"body": {"kind": ["paid"]}})}]},
    )
    sqs.send_message(QueueUrl=url, MessageBody=json.dumps({"kind": "paid", "id": 1}))
    sqs.send_message(QueueUrl=url, MessageBody=json.dumps({"kind": "open", "id": 2}))
    cloudlet.settle()
    processed_url = sqs.get_queue_url(QueueName="processed")["QueueUrl"]
    assert [json.loads(b)["id"] for b in drain(sqs, processed_url)] == [1]
    assert counts(sqs, url) == (0, 0)


def test_mappings_are_listed_updated_and_deleted(cloudlet, lam, make_function):
    sqs = cloudlet.client("sqs")
    _, arn = make_queue(sqs, "jobs")
    make_function("worker", PROCESSOR)
    uuid = lam.create_event_source_mapping(EventSourceArn=arn, FunctionName="worker")["UUID"]
    assert [
        m["UUID"] for m in lam.list_event_source_mappings(FunctionName="worker")["EventSourceMappings"]
    ] == [uuid]
    assert lam.update_event_source_mapping(UUID=uuid, Enabled=False, BatchSize=5)["BatchSize"] == 5
    assert lam.get_event_source_mapping(UUID=uuid)["State"] == "Disabled"
    filters = {"Filters": [{"Pattern": json.dumps({"body": {"kind": ["order"]}})}]}
    assert lam.update_event_source_mapping(UUID=uuid, FilterCriteria=filters)["FilterCriteria"] == filters
    assert lam.update_event_source_mapping(UUID=uuid, BatchSize=4)["FilterCriteria"] == filters
    assert "FilterCriteria" not in lam.update_event_source_mapping(UUID=uuid, FilterCriteria={})
    lam.delete_event_source_mapping(UUID=uuid)
    assert lam.list_event_source_mappings()["EventSourceMappings"] == []
