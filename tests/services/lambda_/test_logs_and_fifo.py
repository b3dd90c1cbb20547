"""Function output in CloudWatch Logs, and FIFO queues through an event source mapping."""

from __future__ import annotations

import json

PRINTS = """
def handler(event, context):
    print("processing", event.get("id"))
    return "ok"
"""

FIFO_WORKER = """
import boto3

def handler(event, context):
    sqs = boto3.client("sqs")
    url = sqs.get_queue_url(QueueName="seen.fifo")["QueueUrl"]
    for record in event["Records"]:
        if record["body"] == "a-2-poison":
            raise RuntimeError("cannot process " + record["body"])
        sqs.send_message(QueueUrl=url, MessageBody=record["body"],
                         MessageGroupId=record["attributes"]["MessageGroupId"],
                         MessageDeduplicationId=record["messageId"])
"""


def test_invocations_write_start_output_end_and_report_to_the_function_log_group(
    cloudlet, lam, make_function
):
    make_function("printer", PRINTS)
    lam.invoke(FunctionName="printer", Payload=json.dumps({"id": 7}))
    cloudlet.settle()
    logs = cloudlet.client("logs")
    (group,) = logs.describe_log_groups(logGroupNamePrefix="/aws/lambda/printer")["logGroups"]
    assert group["logGroupName"] == "/aws/lambda/printer"
    (stream,) = logs.describe_log_streams(logGroupName="/aws/lambda/printer")["logStreams"]
    assert "[$LATEST]" in stream["logStreamName"]
    lines = [
        e["message"]
        for e in logs.get_log_events(
            logGroupName="/aws/lambda/printer", logStreamName=stream["logStreamName"], startFromHead=True
        )["events"]
    ]
    text = "\n".join(lines)
    assert "START RequestId:" in text and "processing 7" in text
    assert "END RequestId:" in text and "REPORT RequestId:" in text and "Init Duration" in text
    found = logs.filter_log_events(logGroupName="/aws/lambda/printer", filterPattern='"processing 7"')[
        "events"
    ]
    assert len(found) == 1


def test_a_fifo_mapping_keeps_group_order_and_a_failing_group_blocks_only_itself(
    cloudlet, lam, make_function
):
    sqs = cloudlet.client("sqs")
    seen = sqs.create_queue(QueueName="seen.fifo", Attributes={"FifoQueue": "true"})["QueueUrl"]
    url = sqs.create_queue(
        QueueName="jobs.fifo", Attributes={"FifoQueue": "true", "ContentBasedDeduplication": "true"}
    )["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    make_function("ordered", FIFO_WORKER, Timeout=30)
    lam.create_event_source_mapping(EventSourceArn=arn, FunctionName="ordered", BatchSize=1)
    for group, count in (("a", 3), ("b", 3)):
        for i in range(1, count + 1):
            body = f"{group}-{i}-poison" if (group, i) == ("a", 2) else f"{group}-{i}"
            sqs.send_message(QueueUrl=url, MessageBody=body, MessageGroupId=group)
    cloudlet.settle()
    bodies = []
    while True:
        got = sqs.receive_message(QueueUrl=seen, MaxNumberOfMessages=10).get("Messages", [])
        if not got:
            break
        bodies += [m["Body"] for m in got]
    assert [b for b in bodies if b.startswith("b")] == ["b-1", "b-2", "b-3"]
    assert [b for b in bodies if b.startswith("a")] == ["a-1"]  # a-2 fails: a-3 waits behind it
