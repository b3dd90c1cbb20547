"""An alert on a management call: someone deletes a DynamoDB table (or a queue) → the "AWS API Call via
CloudTrail" event on the default bus matches a rule → the rule's SNS topic → an e-mail to the on-call
address, in the outbox."""

from __future__ import annotations

import json
import re
import urllib.request
from typing import Any


def outbox(cloudlet: Any) -> list[dict[str, Any]]:
    with urllib.request.urlopen(f"{cloudlet.endpoint}/_cloudlet/outbox?kind=email", timeout=10) as response:
        return json.loads(response.read())["entries"]


def confirmed_email_topic(cloudlet: Any) -> str:
    """A topic with an e-mail subscription, confirmed through the link in its confirmation mail."""
    sns = cloudlet.client("sns")
    topic = sns.create_topic(Name="ops-alerts")["TopicArn"]
    sns.subscribe(TopicArn=topic, Protocol="email", Endpoint="oncall@example.com")
    cloudlet.settle()
    (confirmation,) = outbox(cloudlet)
    link = re.search(r"http://[^\s\"]+Action=ConfirmSubscription[^\s\"]+", confirmation["body"]).group(0)
    with urllib.request.urlopen(link, timeout=10) as response:
        assert response.status == 200
    return str(topic)


def test_deleting_a_table_mails_the_on_call_address(cloudlet):
    ddb, events = cloudlet.client("dynamodb"), cloudlet.client("events")
    # Given a confirmed e-mail subscription and a rule on the default bus for DeleteTable calls
    topic = confirmed_email_topic(cloudlet)
    pattern = {"source": ["aws.dynamodb"], "detail": {"eventName": ["DeleteTable"]}}
    events.put_rule(Name="table-deleted", EventPattern=json.dumps(pattern))
    events.put_targets(Rule="table-deleted", Targets=[{"Id": "alerts", "Arn": topic}])
    ddb.create_table(
        TableName="orders",
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    ddb.put_item(TableName="orders", Item={"id": {"S": "o-1"}})

    # When someone deletes the table
    ddb.delete_table(TableName="orders")
    cloudlet.settle()

    # Then one mail reaches the on-call address, carrying the CloudTrail record of the call
    mails = outbox(cloudlet)[1:]
    assert len(mails) == 1
    (mail,) = mails
    assert mail["destination"] == "oncall@example.com"
    event = json.loads(mail["body"].split("\n\n--\n", 1)[0])
    assert (event["source"], event["detail-type"]) == ("aws.dynamodb", "AWS API Call via CloudTrail")
    assert event["detail"]["eventSource"] == "dynamodb.amazonaws.com"
    assert event["detail"]["eventName"] == "DeleteTable"
    assert event["detail"]["requestParameters"] == {"tableName": "orders"}


def test_deleting_a_queue_mails_the_on_call_address(cloudlet):
    sqs, events = cloudlet.client("sqs"), cloudlet.client("events")
    topic = confirmed_email_topic(cloudlet)
    # and a rule on the default bus sending DeleteQueue calls to the topic
    pattern = {"source": ["aws.sqs"], "detail": {"eventName": ["DeleteQueue"]}}
    events.put_rule(Name="queue-deleted", EventPattern=json.dumps(pattern))
    events.put_targets(Rule="queue-deleted", Targets=[{"Id": "alerts", "Arn": topic}])
    orders = sqs.create_queue(QueueName="orders")["QueueUrl"]
    sqs.send_message(QueueUrl=orders, MessageBody="order 1")

    # When someone deletes the queue
    sqs.delete_queue(QueueUrl=orders)
    cloudlet.settle()

    # Then one mail reaches the on-call address, carrying the CloudTrail record of the call
    mails = outbox(cloudlet)[1:]
    assert len(mails) == 1
    (mail,) = mails
    assert mail["destination"] == "oncall@example.com"
    assert mail["source"] == topic
    event = json.loads(mail["body"].split("\n\n--\n", 1)[0])
    assert event["detail-type"] == "AWS API Call via CloudTrail"
    assert event["detail"]["eventName"] == "DeleteQueue"
    assert event["detail"]["requestParameters"] == {"queueUrl": orders}
