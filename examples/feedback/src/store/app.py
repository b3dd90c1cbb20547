"""FeedbackQueue consumer: store each feedback message in the Feedback table.

A message that cannot be stored (not valid feedback, or DynamoDB refused it) is reported back to Lambda
as a batch item failure (`ReportBatchItemFailures`): only that message returns to the queue and is
retried after the visibility timeout; after maxReceiveCount receives SQS moves it to FeedbackDLQ.
Writing the same message twice stores the same item (the id comes from the submit function), so a retry
after a partial failure is harmless.
"""

import json
import os
import traceback
from datetime import UTC, datetime

import boto3

table = boto3.resource("dynamodb").Table(os.environ["TABLE_NAME"])


class PoisonMessage(ValueError):
    """The message is not feedback this function can store, however often it is retried."""


def parse(body):
    """The feedback item of a message body; raises PoisonMessage when the body is not valid feedback.

    Stricter than the API's check on purpose: messages may reach the queue from other producers too."""
    try:
        doc = json.loads(body)
    except ValueError as exc:
        raise PoisonMessage(f"body is not JSON: {body[:80]!r}") from exc
    if not isinstance(doc, dict):
        raise PoisonMessage("body is not a JSON object")
    if doc.get("poison"):
        raise PoisonMessage("message is marked as poison (test traffic)")
    missing = [name for name in ("id", "customerId", "rating", "submittedAt") if name not in doc]
    if missing:
        raise PoisonMessage(f"missing field(s): {', '.join(missing)}")
    rating = doc["rating"]
    if isinstance(rating, bool) or not isinstance(rating, int) or not 1 <= rating <= 5:
        raise PoisonMessage(f"rating must be an integer from 1 to 5, not {rating!r}")
    comment = doc.get("comment", "")
    if not isinstance(comment, str) or len(comment) > 1000:
        raise PoisonMessage("comment must be a string of at most 1000 characters")
    return {
        "id": str(doc["id"]),
        "customerId": str(doc["customerId"]),
        "rating": rating,
        "comment": comment,
        "submittedAt": str(doc["submittedAt"]),
        "storedAt": datetime.now(UTC).isoformat(timespec="milliseconds"),
    }


def handler(event, context):
    failures = []
    for record in event["Records"]:
        try:
            item = parse(record["body"])
            table.put_item(Item=item)
            print(json.dumps({"stored": item["id"], "messageId": record["messageId"]}))
        except Exception as exc:
            receives = record.get("attributes", {}).get("ApproximateReceiveCount", "?")
            print(
                json.dumps(
                    {
                        "failed": record["messageId"],
                        "receive": receives,
                        "error": f"{type(exc).__name__}: {exc}",
                    }
                )
            )
            if not isinstance(exc, PoisonMessage):
                traceback.print_exc()
            failures.append({"itemIdentifier": record["messageId"]})
    return {"batchItemFailures": failures}
