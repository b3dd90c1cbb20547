"""The event-processing patterns of `examples/patterns/`, each deployed from its template through
CloudFormation (functions from their `src/` folders with hot reload, as `cloudlet deploy` runs them),
driven with traffic and checked on queue contents, logs and the outbox."""

from __future__ import annotations

import json
import re
import urllib.request
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

PATTERNS = Path(__file__).resolve().parents[2] / "examples" / "patterns"


def deploy(cloudlet: Any, pattern: str, parameters: dict[str, str] | None = None) -> dict[str, str]:
    """Deploy stack `pattern` from the pattern's folder as `cloudlet deploy` does; its Outputs."""
    return dict(cloudlet.deploy(PATTERNS / pattern, pattern, parameters))


def drain(sqs: Any, url: str) -> list[dict[str, Any]]:
    """Every visible message of the queue (received and deleted)."""
    out: list[dict[str, Any]] = []
    while True:
        got = sqs.receive_message(
            QueueUrl=url, MaxNumberOfMessages=10, MessageAttributeNames=["All"], AttributeNames=["All"]
        ).get("Messages", [])
        if not got:
            return out
        for message in got:
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
        out += got


def bodies(sqs: Any, url: str) -> list[Any]:
    return [json.loads(m["Body"]) for m in drain(sqs, url)]


def depth(sqs: Any, url: str) -> int:
    names = ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"]
    attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=names)["Attributes"]
    return sum(int(attributes[n]) for n in names)


def log_lines(cloudlet: Any, function: str) -> list[str]:
    """The function's log messages in the order they were written."""
    events = cloudlet.client("logs").filter_log_events(logGroupName=f"/aws/lambda/{function}")["events"]
    return [e["message"].strip() for e in events]


def outbox(cloudlet: Any) -> list[dict[str, Any]]:
    with urllib.request.urlopen(f"{cloudlet.endpoint}/_cloudlet/outbox?kind=email", timeout=10) as response:
        return list(json.loads(response.read())["entries"])


def test_sqs_lambda_dlq_moves_a_poison_message_after_five_receives(cloudlet):
    out = deploy(cloudlet, "sqs-lambda-dlq")
    sqs = cloudlet.client("sqs")
    # When a good and a poison message are queued
    sqs.send_message(QueueUrl=out["QueueUrl"], MessageBody="hello")
    sqs.send_message(QueueUrl=out["QueueUrl"], MessageBody="poison pill")
    cloudlet.settle()
    # Then the good one is processed once; the poison one is back in the queue after each visibility
    # timeout (60 s) and, at its sixth receive, SQS moves it to the dead-letter queue
    for _ in range(5):
        assert depth(sqs, out["DeadLetterQueueUrl"]) == 0
        cloudlet.clock.advance(61)
        cloudlet.settle()
    assert depth(sqs, out["QueueUrl"]) == 0
    (dead,) = drain(sqs, out["DeadLetterQueueUrl"])
    assert dead["Body"] == "poison pill"
    assert dead["Attributes"]["ApproximateReceiveCount"] == "6"  # 5 by Lambda, 1 by this receive
    lines = [json.loads(line) for line in log_lines(cloudlet, out["FunctionName"]) if line.startswith("{")]
    assert [x for x in lines if "processed" in x] == [{"processed": "hello"}]
    assert [x["receive"] for x in lines if "failed" in x] == [1, 2, 3, 4, 5]


def test_fifo_lambda_a_failing_message_blocks_its_group_until_it_reaches_the_dlq(cloudlet):
    out = deploy(cloudlet, "fifo-lambda")
    sqs = cloudlet.client("sqs")
    queue = out["QueueUrl"]
    assert queue.endswith(".fifo") and out["DeadLetterQueueUrl"].endswith(".fifo")

    def processed() -> list[tuple[str, str]]:
        found = [
            json.loads(x[len("PROCESSED ") :])
            for x in log_lines(cloudlet, out["FunctionName"])
            if x.startswith("PROCESSED ")
        ]
        return [(p["group"], p["body"]) for p in found]

    # When group A's first message fails, with more queued behind it, and group B has one message
    for group, body in (("A", "A1 poison"), ("A", "A2"), ("A", "A3"), ("B", "B1")):
        sqs.send_message(QueueUrl=queue, MessageGroupId=group, MessageBody=body)
    cloudlet.settle()
    # Then B flows, and A is blocked behind its head, retried after each 30 s visibility timeout
    assert processed() == [("B", "B1")]
    cloudlet.clock.advance(31)
    cloudlet.settle()
    cloudlet.clock.advance(31)
    cloudlet.settle()
    assert processed() == [("B", "B1")]
    assert depth(sqs, out["DeadLetterQueueUrl"]) == 0
    # Until its third receive failed: SQS moves it to the DLQ and the group resumes, in order
    cloudlet.clock.advance(31)
    cloudlet.settle()
    assert processed() == [("B", "B1"), ("A", "A2"), ("A", "A3")]
    (dead,) = drain(sqs, out["DeadLetterQueueUrl"])
    assert (dead["Body"], dead["Attributes"]["MessageGroupId"]) == ("A1 poison", "A")
    assert depth(sqs, queue) == 0


def test_sns_lambda_retries_twice_then_sends_the_event_to_the_on_failure_destination(cloudlet):
    out = deploy(cloudlet, "sns-lambda-retries")
    sns, sqs = cloudlet.client("sns"), cloudlet.client("sqs")
    # When one message is handled and one fails every time
    sns.publish(TopicArn=out["TopicArn"], Message="hello")
    sns.publish(TopicArn=out["TopicArn"], Message="please fail")
    cloudlet.settle()
    assert depth(sqs, out["FailedEventsQueueUrl"]) == 0
    # Then Lambda retries it after 1 and then 2 minutes
    cloudlet.clock.advance(61)
    cloudlet.settle()
    assert depth(sqs, out["FailedEventsQueueUrl"]) == 0
    cloudlet.clock.advance(121)
    cloudlet.settle()
    # And after the third attempt sends AWS's invocation record to the on-failure destination
    (record,) = bodies(sqs, out["FailedEventsQueueUrl"])
    assert record["requestContext"]["condition"] == "RetriesExhausted"
    assert record["requestContext"]["approximateInvokeCount"] == 3
    assert record["requestPayload"]["Records"][0]["Sns"]["Message"] == "please fail"
    assert record["responseContext"]["functionError"] == "Unhandled"
    assert record["responsePayload"]["errorMessage"] == "cannot handle 'please fail'"
    lines = [json.loads(x) for x in log_lines(cloudlet, out["FunctionName"]) if x.startswith("{")]
    assert [x["attempt"] for x in lines if "attempt" in x].count("please fail") == 3
    assert [x for x in lines if "handled" in x] == [{"handled": "hello"}]


def test_sns_fanout_delivers_one_publish_to_every_matching_queue(cloudlet):
    out = deploy(cloudlet, "sns-fanout")
    sns, sqs = cloudlet.client("sns"), cloudlet.client("sqs")
    order = {"DataType": "String", "StringValue": "order_placed"}
    sns.publish(TopicArn=out["TopicArn"], Message='{"id": 1}', MessageAttributes={"eventType": order})
    sns.publish(TopicArn=out["TopicArn"], Message='{"kind": "payment", "amount": 250}')
    sns.publish(TopicArn=out["TopicArn"], Message='{"kind": "payment", "amount": 5}')
    cloudlet.settle()
    # orders: SNS envelopes of messages whose eventType starts with order_
    (envelope,) = bodies(sqs, out["OrdersQueueUrl"])
    assert (envelope["Type"], envelope["Message"], envelope["TopicArn"]) == (
        "Notification",
        '{"id": 1}',
        out["TopicArn"],
    )
    assert envelope["MessageAttributes"]["eventType"] == {"Type": "String", "Value": "order_placed"}
    # payments: raw bodies matching the body filter (kind payment, amount > 100)
    assert bodies(sqs, out["PaymentsQueueUrl"]) == [{"kind": "payment", "amount": 250}]
    # audit: everything, raw
    assert sorted(map(json.dumps, bodies(sqs, out["AuditQueueUrl"]))) == sorted(
        ['{"id": 1}', '{"kind": "payment", "amount": 250}', '{"kind": "payment", "amount": 5}']
    )


def test_s3_notifications_route_by_prefix_and_suffix(cloudlet):
    out = deploy(cloudlet, "s3-notifications")
    s3, sqs = cloudlet.client("s3"), cloudlet.client("sqs")
    bucket = out["BucketName"]
    for url in (out["ReportsQueueUrl"], out["DeletionsQueueUrl"]):
        assert [b.get("Event") for b in bodies(sqs, url)] == ["s3:TestEvent"]  # sent when configured
    # When objects land under each prefix, with matching and other suffixes
    for key in ("images/cat.jpg", "images/cat.png", "reports/q1.csv", "reports/q1.txt", "other/q2.csv"):
        s3.put_object(Bucket=bucket, Key=key, Body=b"x" * 10)
    cloudlet.settle()
    # Then only images/*.jpg got a thumbnail (written by the function, outside its own filter)
    keys = sorted(
        o["Key"] for o in s3.list_objects_v2(Bucket=bucket, Prefix="thumbnails/").get("Contents", [])
    )
    assert keys == ["thumbnails/cat.jpg.txt"]
    thumbnail = s3.get_object(Bucket=bucket, Key="thumbnails/cat.jpg.txt")["Body"].read()
    assert thumbnail == b"thumbnail of images/cat.jpg (10 bytes)\n"
    # And only reports/*.csv reached the reports queue
    (report,) = bodies(sqs, out["ReportsQueueUrl"])
    (record,) = report["Records"]
    assert (record["eventName"], record["s3"]["object"]["key"]) == ("ObjectCreated:Put", "reports/q1.csv")
    # When an object is deleted, whatever its key, the deletions queue hears of it
    s3.delete_object(Bucket=bucket, Key="other/q2.csv")
    cloudlet.settle()
    (deletion,) = bodies(sqs, out["DeletionsQueueUrl"])
    assert deletion["Records"][0]["eventName"] == "ObjectRemoved:Delete"
    assert deletion["Records"][0]["s3"]["object"]["key"] == "other/q2.csv"


def test_eventbridge_rules_route_events_and_the_archive_replays_them(cloudlet):
    out = deploy(cloudlet, "eventbridge-archive-replay")
    events, sqs = cloudlet.client("events"), cloudlet.client("sqs")
    bus = out["EventBusName"]

    def order(order_id: str, total: int, detail_type: str = "OrderPlaced") -> dict[str, Any]:
        detail = json.dumps({"id": order_id, "total": total})
        return {"EventBusName": bus, "Source": "shop", "DetailType": detail_type, "Detail": detail}

    answer = events.put_events(
        Entries=[order("o-1", 20), order("o-2", 1500), order("o-3", 5, "OrderShipped")]
    )
    assert answer["FailedEntryCount"] == 0
    cloudlet.settle()
    # The rules: every OrderPlaced in one queue, big ones reshaped by the input transformer in another
    assert [e["detail"]["id"] for e in bodies(sqs, out["OrdersQueueUrl"])] == ["o-1", "o-2"]
    assert bodies(sqs, out["BigOrdersQueueUrl"]) == [{"order": "o-2", "total": 1500}]
    # The archive kept all three shop events
    archive = events.describe_archive(ArchiveName=out["ArchiveName"])
    assert (archive["State"], archive["EventCount"], archive["RetentionDays"]) == ("ENABLED", 3, 7)

    # When the archive is replayed to the OrderPlaced rule only
    now = datetime.fromtimestamp(cloudlet.clock.now(), UTC)
    events.start_replay(
        ReplayName="again",
        EventSourceArn=out["ArchiveArn"],
        EventStartTime=now - timedelta(hours=1),
        EventEndTime=now + timedelta(minutes=1),
        Destination={"Arn": archive["EventSourceArn"], "FilterArns": [out["OrderPlacedRuleArn"]]},
    )
    cloudlet.clock.advance(61)
    cloudlet.settle()
    cloudlet.clock.advance(61)
    cloudlet.settle()
    # Then the rule's queue gets the two OrderPlaced events again, marked with the replay's name
    assert events.describe_replay(ReplayName="again")["State"] == "COMPLETED"
    replayed = bodies(sqs, out["OrdersQueueUrl"])
    assert sorted(e["detail"]["id"] for e in replayed) == ["o-1", "o-2"]
    assert {e["replay-name"] for e in replayed} == {"again"}
    assert depth(sqs, out["BigOrdersQueueUrl"]) == 0  # not among FilterArns


def test_deletetable_alert_mails_and_queues_the_cloudtrail_record(cloudlet):
    out = deploy(cloudlet, "deletetable-alert", {"AlertEmail": "oncall@example.com"})
    ddb, sqs = cloudlet.client("dynamodb"), cloudlet.client("sqs")
    # Given the on-call address confirmed its subscription through the link in the confirmation mail
    (confirmation,) = outbox(cloudlet)
    assert confirmation["destination"] == "oncall@example.com"
    link = re.search(r"http://[^\s\"]+Action=ConfirmSubscription[^\s\"]+", confirmation["body"]).group(0)
    with urllib.request.urlopen(link, timeout=10) as response:
        assert response.status == 200
    ddb.create_table(
        TableName="scratch",
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    cloudlet.settle()
    assert depth(sqs, out["AuditQueueUrl"]) == 0  # CreateTable does not match

    # When someone deletes the table
    ddb.delete_table(TableName="scratch")
    cloudlet.settle()

    # Then the alert is mailed to the on-call address and queued, carrying the CloudTrail record
    (mail,) = outbox(cloudlet)[1:]
    assert mail["destination"] == "oncall@example.com"
    (event,) = bodies(sqs, out["AuditQueueUrl"])
    assert (event["source"], event["detail-type"]) == ("aws.dynamodb", "AWS API Call via CloudTrail")
    assert event["detail"]["eventName"] == "DeleteTable"
    assert event["detail"]["requestParameters"] == {"tableName": "scratch"}
    assert json.loads(mail["body"].split("\n\n--\n", 1)[0]) == event
