"""The customer-feedback reference application (`examples/feedback`) end to end: its SAM template is
deployed through CloudFormation exactly as `cloudlet deploy` sends it (local code folders run with hot
reload), then driven over real HTTP: valid feedback is queued, stored in DynamoDB and read back; invalid
feedback gets 400 with the reasons; a poison message is retried until its 5th receive, lands in the
dead-letter queue, and the support team is alerted by e-mail and SMS through SNS."""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import pytest

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "feedback"
STACK = "feedback"
VISIBILITY_TIMEOUT = 60
MAX_RECEIVES = 5


def http(method: str, url: str, body: Any = None) -> tuple[int, Any]:
    data = None if body is None else (body if isinstance(body, bytes) else json.dumps(body).encode())
    request = urllib.request.Request(url, data=data, method=method)
    if data is not None:
        request.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            status, raw = response.status, response.read()
    except urllib.error.HTTPError as exc:
        status, raw = exc.code, exc.read()
    try:
        return status, json.loads(raw) if raw else None
    except ValueError:
        return status, raw.decode(errors="replace")


def outbox(cloudlet: Any, after: int = 0) -> list[dict[str, Any]]:
    return http("GET", f"{cloudlet.endpoint}/_cloudlet/outbox?after={after}&limit=1000")[1]["entries"]


def deploy(cloudlet: Any) -> dict[str, Any]:
    """Deploy the example as `cloudlet deploy` does (functions from their folders, hot reload)."""
    cfn = cloudlet.client("cloudformation")
    outputs = cloudlet.deploy(EXAMPLE, STACK)
    physical = {
        r["LogicalResourceId"]: r["PhysicalResourceId"]
        for r in cfn.describe_stack_resources(StackName=STACK)["StackResources"]
    }
    return {
        "outputs": outputs,
        "physical": physical,
        "api": f"{cloudlet.endpoint}/_aws/execute-api/{outputs['ApiId']}/Prod/",
    }


@pytest.fixture
def feedback(cloudlet: Any) -> dict[str, Any]:
    return deploy(cloudlet)


def test_the_template_passes_cfn_lint() -> None:
    from cfnlint.api import lint_file

    matches = lint_file(EXAMPLE / "template.yaml")
    assert [str(m) for m in matches] == []


def test_the_stack_outputs_name_every_resource_as_on_aws(cloudlet, feedback):
    outputs, physical = feedback["outputs"], feedback["physical"]
    api = physical["ServerlessRestApi"]
    assert outputs["ApiId"] == api
    assert outputs["ApiUrl"] == f"https://{api}.execute-api.us-east-1.amazonaws.com/Prod/"
    sqs = cloudlet.client("sqs")
    attributes = sqs.get_queue_attributes(QueueUrl=outputs["FeedbackQueueUrl"], AttributeNames=["All"])[
        "Attributes"
    ]
    dlq_arn = sqs.get_queue_attributes(QueueUrl=outputs["FeedbackDLQUrl"], AttributeNames=["QueueArn"])[
        "Attributes"
    ]["QueueArn"]
    redrive = json.loads(attributes["RedrivePolicy"])  # the number parameter arrives as "5", as on AWS
    assert (redrive["deadLetterTargetArn"], int(redrive["maxReceiveCount"])) == (dlq_arn, MAX_RECEIVES)
    assert attributes["VisibilityTimeout"] == str(VISIBILITY_TIMEOUT)
    table = cloudlet.client("dynamodb").describe_table(TableName=outputs["FeedbackTableName"])["Table"]
    assert table["KeySchema"] == [{"AttributeName": "id", "KeyType": "HASH"}]
    mappings = cloudlet.client("lambda").list_event_source_mappings(FunctionName=physical["StoreFunction"])
    (mapping,) = mappings["EventSourceMappings"]
    assert mapping["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    # The e-mail subscription waits for the support team to confirm it, as on AWS; SMS needs no confirmation
    (mail,) = outbox(cloudlet)
    assert (mail["kind"], mail["destination"]) == ("email", "support@example.com")
    assert mail["subject"] == "AWS Notification - Subscription Confirmation"
    subs = cloudlet.client("sns").list_subscriptions_by_topic(TopicArn=outputs["SupportAlertsTopicArn"])
    assert sorted(
        (s["Protocol"], s["SubscriptionArn"] == "PendingConfirmation") for s in subs["Subscriptions"]
    ) == [
        ("email", True),
        ("sms", False),
    ]


def test_valid_feedback_is_stored_and_read_back_and_invalid_feedback_gets_the_reasons(cloudlet, feedback):
    api, table = feedback["api"], feedback["outputs"]["FeedbackTableName"]
    # When a customer posts feedback
    status, body = http("POST", api + "feedback", {"customerId": "c-1", "rating": 4, "comment": "Quick!"})
    # Then it is accepted with an id, and once the queue is drained it is in the table
    assert status == 202, body
    feedback_id = body["id"]
    cloudlet.settle()
    item = cloudlet.client("dynamodb").get_item(TableName=table, Key={"id": {"S": feedback_id}})["Item"]
    assert (item["customerId"], item["rating"], item["comment"]) == (
        {"S": "c-1"},
        {"N": "4"},
        {"S": "Quick!"},
    )
    # And GET /feedback/{id} reads it back
    status, body = http("GET", f"{api}feedback/{feedback_id}")
    assert status == 200
    assert {k: body[k] for k in ("id", "customerId", "rating", "comment")} == {
        "id": feedback_id,
        "customerId": "c-1",
        "rating": 4,
        "comment": "Quick!",
    }
    assert http("GET", f"{api}feedback/no-such-id") == (404, {"message": "no feedback with id 'no-such-id'"})
    # Invalid feedback is refused with every reason, and nothing is queued
    status, body = http("POST", api + "feedback", {"customerId": "", "rating": 9, "comment": "x" * 1001})
    assert (status, body) == (
        400,
        {
            "errors": [
                "customerId must be a non-empty string",
                "rating must be an integer from 1 to 5",
                "comment must be at most 1000 characters (got 1001)",
            ]
        },
    )
    assert http("POST", api + "feedback", b"{not json") == (400, {"errors": ["the body must be valid JSON"]})
    assert http("POST", api + "feedback", {"rating": True, "mood": "sad"}) == (
        400,
        {
            "errors": [
                "customerId is required",
                "rating must be an integer from 1 to 5",
                "unknown field 'mood'",
            ]
        },
    )
    cloudlet.settle()
    assert cloudlet.client("dynamodb").scan(TableName=table)["Count"] == 1


def test_a_poison_message_is_retried_dead_lettered_and_alerts_support_by_email_and_sms(cloudlet, feedback):
    outputs, physical = feedback["outputs"], feedback["physical"]
    sqs, logs = cloudlet.client("sqs"), cloudlet.client("logs")
    # Given the support team confirmed the alert e-mail subscription (the link in the confirmation mail)
    (confirmation,) = outbox(cloudlet)
    link = re.search(r"https?://\S*Action=ConfirmSubscription\S*", confirmation["body"])
    assert link, confirmation["body"]
    assert http("GET", link.group(0))[0] == 200
    cursor = confirmation["id"]
    # When a producer puts a message the store function cannot store next to a valid one
    poison = sqs.send_message(QueueUrl=outputs["FeedbackQueueUrl"], MessageBody="this is not JSON")[
        "MessageId"
    ]
    status, body = http("POST", feedback["api"] + "feedback", {"customerId": "c-2", "rating": 5})
    assert status == 202
    cloudlet.settle()
    # Then the valid feedback is stored at once (only the poison message is reported as failed)
    assert http("GET", f"{feedback['api']}feedback/{body['id']}")[0] == 200
    # And the poison message is retried after each visibility timeout, until its 5th receive fails
    for _ in range(MAX_RECEIVES):
        assert outbox(cloudlet, cursor) == []
        cloudlet.clock.advance(VISIBILITY_TIMEOUT + 1)
        cloudlet.settle()
    # Then it was moved to the dead-letter queue, whose consumer alerted the support team
    alerts = outbox(cloudlet, cursor)
    by_kind = {entry["kind"]: entry for entry in alerts}
    assert sorted(by_kind) == ["email", "sms"] and len(alerts) == 2, alerts
    email, sms = by_kind["email"], by_kind["sms"]
    assert (email["destination"], email["subject"]) == ("support@example.com", "Feedback could not be stored")
    dlq_arn = sqs.get_queue_attributes(QueueUrl=outputs["FeedbackDLQUrl"], AttributeNames=["QueueArn"])[
        "Attributes"
    ]["QueueArn"]
    assert f"Message id:       {poison}" in email["body"]
    assert f"Dead-letter queue: {dlq_arn}" in email["body"]
    assert "this is not JSON" in email["body"]
    assert sms["destination"] == "+15555550100"
    assert sms["body"] == f"Feedback alert: message {poison[:8]} (feedback unknown) dead-lettered."
    # And both queues are empty: the store function deleted what it stored, the alert what it reported
    for url in (outputs["FeedbackQueueUrl"], outputs["FeedbackDLQUrl"]):
        counts = sqs.get_queue_attributes(
            QueueUrl=url,
            AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
        )["Attributes"]
        assert counts == {"ApproximateNumberOfMessages": "0", "ApproximateNumberOfMessagesNotVisible": "0"}
    # And the store function's log in CloudWatch Logs shows each of the 5 failed attempts
    group = f"/aws/lambda/{physical['StoreFunction']}"
    lines = [e["message"] for e in logs.filter_log_events(logGroupName=group)["events"]]
    attempts = [json.loads(line) for line in lines if line.startswith('{"failed"')]
    assert [a["receive"] for a in attempts] == [str(n) for n in range(1, MAX_RECEIVES + 1)]
    assert {a["failed"] for a in attempts} == {poison}
    assert attempts[0]["error"].startswith("PoisonMessage: body is not JSON")
