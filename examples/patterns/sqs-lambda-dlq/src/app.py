"""Processes each message; a body containing "poison" fails. Only the failed messages are reported
(`ReportBatchItemFailures`), so the good ones of the batch are deleted and never seen again."""

import json


def handler(event, context):
    failures = []
    for record in event["Records"]:
        receives = record["attributes"]["ApproximateReceiveCount"]
        if "poison" in record["body"]:
            print(json.dumps({"failed": record["body"], "receive": int(receives)}))
            failures.append({"itemIdentifier": record["messageId"]})
        else:
            print(json.dumps({"processed": record["body"]}))
    return {"batchItemFailures": failures}
