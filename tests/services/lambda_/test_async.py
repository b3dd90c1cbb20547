"""Asynchronous invocation: retries on the virtual clock, destinations, dead-letter queues, and SNS."""

from __future__ import annotations

import json

FLAKY = """
import os

def handler(event, context):
    path = os.environ["COUNTER"]
    count = int(open(path).read()) if os.path.exists(path) else 0
    open(path, "w").write(str(count + 1))
    if count < 2:
        raise RuntimeError(f"attempt {count + 1} fails")
    return {"ok": True, "attempts": count + 1}
"""

ALWAYS_FAILS = """
def handler(event, context):
    raise RuntimeError("nope")
"""


def queue_arn(sqs, name):
    url = sqs.create_queue(QueueName=name)["QueueUrl"]
    return url, sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]


def test_a_handler_that_fails_twice_succeeds_on_the_second_retry(cloudlet, lam, make_function, tmp_path):
    sqs = cloudlet.client("sqs")
    url, arn = queue_arn(sqs, "successes")
    counter = tmp_path / "count"
    make_function("flaky", FLAKY, Environment={"Variables": {"COUNTER": str(counter)}})
    lam.put_function_event_invoke_config(
        FunctionName="flaky", DestinationConfig={"OnSuccess": {"Destination": arn}}
    )
    assert lam.invoke(FunctionName="flaky", InvocationType="Event", Payload=b'{"x": 1}')["StatusCode"] == 202
    cloudlet.settle()
    assert counter.read_text() == "1"
    cloudlet.clock.advance(60)  # the first retry comes a minute later
    cloudlet.settle()
    assert counter.read_text() == "2"
    cloudlet.clock.advance(120)  # the second two minutes after that
    cloudlet.settle()
    assert counter.read_text() == "3"
    (message,) = sqs.receive_message(QueueUrl=url)["Messages"]
    record = json.loads(message["Body"])
    assert record["requestContext"]["condition"] == "Success"
    assert record["requestContext"]["approximateInvokeCount"] == 3
    assert record["requestPayload"] == {"x": 1}
    assert record["responsePayload"] == {"ok": True, "attempts": 3}


def test_exhausted_retries_send_an_on_failure_record(cloudlet, lam, make_function):
    sqs = cloudlet.client("sqs")
    url, arn = queue_arn(sqs, "failures")
    make_function("fails", ALWAYS_FAILS)
    lam.put_function_event_invoke_config(
        FunctionName="fails", MaximumRetryAttempts=1, DestinationConfig={"OnFailure": {"Destination": arn}}
    )
    lam.invoke(FunctionName="fails", InvocationType="Event", Payload=b'{"order": 9}')
    cloudlet.settle()
    assert "Messages" not in sqs.receive_message(QueueUrl=url)
    cloudlet.clock.advance(60)
    cloudlet.settle()
    (message,) = sqs.receive_message(QueueUrl=url)["Messages"]
    record = json.loads(message["Body"])
    assert record["requestContext"]["condition"] == "RetriesExhausted"
    assert record["requestContext"]["approximateInvokeCount"] == 2
    assert record["responseContext"]["functionError"] == "Unhandled"
    assert record["responsePayload"]["errorMessage"] == "nope"
    assert record["requestPayload"] == {"order": 9}


def test_without_a_destination_the_dead_letter_queue_gets_the_event(cloudlet, lam, make_function):
    sqs = cloudlet.client("sqs")
    url, arn = queue_arn(sqs, "dlq")
    make_function("fails", ALWAYS_FAILS, DeadLetterConfig={"TargetArn": arn})
    lam.put_function_event_invoke_config(FunctionName="fails", MaximumRetryAttempts=0)
    lam.invoke(FunctionName="fails", InvocationType="Event", Payload=b'{"order": 1}')
    cloudlet.settle()
    (message,) = sqs.receive_message(QueueUrl=url, MessageAttributeNames=["All"])["Messages"]
    assert json.loads(message["Body"]) == {"order": 1}
    assert message["MessageAttributes"]["ErrorMessage"]["StringValue"] == "nope"


def test_an_sns_subscription_invokes_the_function(cloudlet, lam, make_function):
    sqs, sns = cloudlet.client("sqs"), cloudlet.client("sns")
    url, _ = queue_arn(sqs, "seen")
    source = """
import boto3, json

def handler(event, context):
    record = event["Records"][0]
    assert record["EventSource"] == "aws:sns"
    sqs = boto3.client("sqs")
    url = sqs.get_queue_url(QueueName="seen")["QueueUrl"]
    sqs.send_message(QueueUrl=url, MessageBody=record["Sns"]["Message"])
"""
    function_arn = make_function("subscriber", source, Timeout=30)["FunctionArn"]
    topic = sns.create_topic(Name="orders")["TopicArn"]
    sns.subscribe(TopicArn=topic, Protocol="lambda", Endpoint=function_arn)
    sns.publish(TopicArn=topic, Message="order 42")
    cloudlet.settle()
    assert sqs.receive_message(QueueUrl=url)["Messages"][0]["Body"] == "order 42"
