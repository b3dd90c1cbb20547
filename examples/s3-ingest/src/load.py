"""Records queue → items table. A record that is not a JSON object with a string `id` is reported as a
batch item failure: it is retried, then moved to the dead-letter queue by the queue's redrive policy."""

import json
import os
from decimal import Decimal

import boto3

table = boto3.resource("dynamodb").Table(os.environ["TABLE_NAME"])


def handler(event, context):
    failures = []
    for record in event["Records"]:
        try:
            item = json.loads(record["body"], parse_float=Decimal)
            if not isinstance(item, dict) or not isinstance(item.get("id"), str) or not item["id"]:
                raise ValueError("a record needs a string id")
            table.put_item(Item=item)
            print(json.dumps({"stored": item["id"]}))
        except Exception as exc:
            print(json.dumps({"failed": record["messageId"], "error": str(exc)}))
            failures.append({"itemIdentifier": record["messageId"]})
    return {"batchItemFailures": failures}
