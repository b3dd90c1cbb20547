"""Handles SNS notifications; a message containing "fail" raises, so Lambda retries it (after 1 and
then 2 minutes) and finally sends it to the on-failure destination."""

import json


def handler(event, context):
    for record in event["Records"]:
        message = record["Sns"]["Message"]
        print(json.dumps({"attempt": message, "request": context.aws_request_id}))
        if "fail" in message:
            raise RuntimeError(f"cannot handle {message!r}")
        print(json.dumps({"handled": message}))
