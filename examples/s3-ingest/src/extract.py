"""S3 ObjectCreated (incoming/*.json) → each record of the uploaded file → the records queue.

The file holds a JSON array of objects (or one object with a `records` array). Each record is sent as
one SQS message carrying the source object's key; a record without an `id` gets `<key>#<index>`.
"""

import json
import os
from urllib.parse import unquote_plus

import boto3

s3 = boto3.client("s3")
sqs = boto3.client("sqs")
QUEUE_URL = os.environ["QUEUE_URL"]


def records_of(document):
    if isinstance(document, dict) and isinstance(document.get("records"), list):
        document = document["records"]
    if isinstance(document, dict):
        document = [document]
    if not isinstance(document, list):
        raise ValueError("expected a JSON array of records")
    return document


def handler(event, context):
    sent = 0
    for record in event["Records"]:
        bucket = record["s3"]["bucket"]["name"]
        key = unquote_plus(record["s3"]["object"]["key"])
        body = s3.get_object(Bucket=bucket, Key=key)["Body"].read()
        rows = records_of(json.loads(body))
        messages = []
        for index, row in enumerate(rows):
            item = dict(row) if isinstance(row, dict) else {"value": row}
            item.setdefault("id", f"{key}#{index}")
            item["source"] = f"s3://{bucket}/{key}"
            messages.append({"Id": str(index % 10), "MessageBody": json.dumps(item)})
        for start in range(0, len(messages), 10):
            answer = sqs.send_message_batch(QueueUrl=QUEUE_URL, Entries=messages[start : start + 10])
            if answer.get("Failed"):
                raise RuntimeError(f"could not queue records of {key}: {answer['Failed']}")
        sent += len(messages)
        print(json.dumps({"object": key, "records": len(messages)}))
    return {"records": sent}
