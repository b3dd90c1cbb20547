"""GET /feedback/{id}: the stored feedback (200), or 404 when no feedback with that id is stored (yet)."""

import json
import os
from decimal import Decimal

import boto3

table = boto3.resource("dynamodb").Table(os.environ["TABLE_NAME"])


def plain(value):
    """DynamoDB numbers come back as Decimal: integers as int, others as float."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return value


def handler(event, context):
    feedback_id = (event.get("pathParameters") or {}).get("id", "")
    item = table.get_item(Key={"id": feedback_id}).get("Item") if feedback_id else None
    if item is None:
        status, payload = 404, {"message": f"no feedback with id {feedback_id!r}"}
    else:
        status, payload = 200, {key: plain(value) for key, value in item.items()}
    return {
        "statusCode": status,
        "headers": {"Content-Type": "application/json"},
        "body": json.dumps(payload),
    }
