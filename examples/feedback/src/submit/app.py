"""POST /feedback: validate the customer's feedback, give it an id and queue it for storage.

Answers 202 {"id": ...} once the feedback is on FeedbackQueue, or 400 {"errors": [...]} listing every
reason the request was refused. Storing happens asynchronously (the store function), so a client that
wants to read the feedback back polls GET /feedback/{id} until it answers 200.
"""

import json
import os
import uuid
from datetime import UTC, datetime

import boto3

MAX_COMMENT = 1000
MAX_CUSTOMER_ID = 64
FIELDS = ("customerId", "rating", "comment")

sqs = boto3.client("sqs")


def validate(doc):
    """The reasons `doc` is not acceptable feedback (empty when it is)."""
    if not isinstance(doc, dict):
        return ["the body must be a JSON object"]
    errors = []
    customer = doc.get("customerId")
    if customer is None:
        errors.append("customerId is required")
    elif not isinstance(customer, str) or not customer.strip():
        errors.append("customerId must be a non-empty string")
    elif len(customer) > MAX_CUSTOMER_ID:
        errors.append(f"customerId must be at most {MAX_CUSTOMER_ID} characters")
    rating = doc.get("rating")
    if rating is None:
        errors.append("rating is required")
    elif isinstance(rating, bool) or not isinstance(rating, int) or not 1 <= rating <= 5:
        errors.append("rating must be an integer from 1 to 5")
    comment = doc.get("comment", "")
    if not isinstance(comment, str):
        errors.append("comment must be a string")
    elif len(comment) > MAX_COMMENT:
        errors.append(f"comment must be at most {MAX_COMMENT} characters (got {len(comment)})")
    for name in sorted(set(doc) - set(FIELDS)):
        errors.append(f"unknown field {name!r}")
    return errors


def respond(status, payload):
    return {
        "statusCode": status,
        "headers": {"Content-Type": "application/json"},
        "body": json.dumps(payload),
    }


def handler(event, context):
    try:
        doc = json.loads(event.get("body") or "")
    except ValueError:
        return respond(400, {"errors": ["the body must be valid JSON"]})
    errors = validate(doc)
    if errors:
        return respond(400, {"errors": errors})
    feedback = {
        "id": str(uuid.uuid4()),
        "customerId": doc["customerId"],
        "rating": doc["rating"],
        "comment": doc.get("comment", ""),
        "submittedAt": datetime.now(UTC).isoformat(timespec="milliseconds"),
    }
    sqs.send_message(QueueUrl=os.environ["QUEUE_URL"], MessageBody=json.dumps(feedback))
    print(json.dumps({"queued": feedback["id"], "customerId": feedback["customerId"]}))
    return respond(202, {"id": feedback["id"]})
