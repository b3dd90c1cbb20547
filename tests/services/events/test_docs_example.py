"""The example at the top of docs/events.md, as written there."""

import json


def test_order_events_reach_the_queue(cloudlet):
    events, sqs = cloudlet.client("events"), cloudlet.client("sqs")
    url = sqs.create_queue(QueueName="orders")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    pattern = {"source": ["shop"], "detail": {"total": [{"numeric": [">", 100]}]}}
    events.put_rule(Name="big-orders", EventPattern=json.dumps(pattern))
    transformer = {"InputPathsMap": {"id": "$.detail.id"}, "InputTemplate": '{"order": <id>}'}
    events.put_targets(Rule="big-orders", Targets=[{"Id": "q", "Arn": arn, "InputTransformer": transformer}])
    events.put_events(
        Entries=[
            {"Source": "shop", "DetailType": "placed", "Detail": json.dumps({"id": "o-1", "total": 250})},
            {"Source": "shop", "DetailType": "placed", "Detail": json.dumps({"id": "o-2", "total": 5})},
        ]
    )
    bodies = [m["Body"] for m in sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"]]
    assert bodies == ['{"order":"o-1"}']  # JSON templates arrive as compact JSON
