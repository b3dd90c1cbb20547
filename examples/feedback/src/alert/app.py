"""FeedbackDLQ consumer: tell the support team about every feedback message that could not be stored.

Publishes one alert per dead-lettered message to the SupportAlerts topic, with a detailed e-mail (the
message, how often it was tried, when it was first sent) and a short SMS (MessageStructure=json gives
each protocol its own text). A failed publish fails the record, so it returns to the DLQ and is retried.
"""

import json
import os
from datetime import UTC, datetime

import boto3

sns = boto3.client("sns")

SUBJECT = "Feedback could not be stored"


def when(millis):
    try:
        return datetime.fromtimestamp(int(millis) / 1000, UTC).isoformat(timespec="seconds")
    except (TypeError, ValueError):
        return "unknown"


def texts(record):
    """(e-mail text, SMS text) of the alert for one dead-lettered SQS record."""
    attributes = record.get("attributes", {})
    body = record["body"]
    try:
        feedback_id = json.loads(body).get("id", "unknown")
    except (ValueError, AttributeError):
        feedback_id = "unknown"
    email = "\n".join(
        [
            "A customer feedback message could not be stored and was moved to the dead-letter queue.",
            "",
            f"Message id:       {record['messageId']}",
            f"Feedback id:      {feedback_id}",
            f"First sent:       {when(attributes.get('SentTimestamp'))}",
            f"Dead-letter queue: {record['eventSourceARN']}",
            "",
            "Message body:",
            body[:4000],
            "",
            "The store function's log (CloudWatch Logs) says why each attempt failed.",
        ]
    )
    sms = f"Feedback alert: message {record['messageId'][:8]} (feedback {feedback_id[:8]}) dead-lettered."
    return email, sms


def handler(event, context):
    failures = []
    for record in event["Records"]:
        email, sms = texts(record)
        try:
            sns.publish(
                TopicArn=os.environ["TOPIC_ARN"],
                Subject=SUBJECT,
                MessageStructure="json",
                Message=json.dumps({"default": email, "email": email, "sms": sms}),
            )
            print(json.dumps({"alerted": record["messageId"]}))
        except Exception as exc:
            print(json.dumps({"alert_failed": record["messageId"], "error": f"{type(exc).__name__}: {exc}"}))
            failures.append({"itemIdentifier": record["messageId"]})
    return {"batchItemFailures": failures}
