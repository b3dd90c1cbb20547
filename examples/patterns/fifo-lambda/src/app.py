"""Processes FIFO messages in order; a body containing "poison" raises, so the batch fails and the
message group stays blocked behind it."""

import json


def handler(event, context):
    for record in event["Records"]:
        group = record["attributes"]["MessageGroupId"]
        if "poison" in record["body"]:
            raise ValueError(f"cannot process {record['body']!r} (group {group})")
        print("PROCESSED " + json.dumps({"group": group, "body": record["body"]}))
