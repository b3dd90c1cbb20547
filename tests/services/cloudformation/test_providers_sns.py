"""AWS::SNS::* providers, driven directly on the server loop (as the engine drives them)."""

from __future__ import annotations

import json

import pytest

from cloudlet.services.cloudformation.providers.base import ProviderError
from tests.services.cloudformation.test_providers_sqs import create, delete, resource, update

pytestmark = pytest.mark.cloudlet(in_memory=True, services=["sqs", "sns", "cloudformation"])


def queue(cloudlet, name):
    sqs = cloudlet.client("sqs")
    url = sqs.create_queue(QueueName=name)["QueueUrl"]
    return url, sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]


def test_topic_with_inline_subscriptions_update_and_delete(cloudlet):
    sns = cloudlet.client("sns")
    _, a = queue(cloudlet, "a")
    _, b = queue(cloudlet, "b")
    props = {
        "DisplayName": "Alerts",
        "Subscription": [{"Protocol": "sqs", "Endpoint": a}],
        "Tags": [{"Key": "team", "Value": "support"}],
        "DeliveryStatusLogging": [{"Protocol": "sqs", "SuccessFeedbackSampleRate": "50"}],
    }
    topic = resource("Alerts", "AWS::SNS::Topic", props)
    done = create(cloudlet, topic)
    arn = done.physical_id
    name = done.attributes["TopicName"]
    assert name.startswith("app-Alerts-") and done.attributes["TopicArn"] == arn
    assert arn == f"arn:aws:sns:us-east-1:000000000000:{name}"
    attrs = sns.get_topic_attributes(TopicArn=arn)["Attributes"]
    assert attrs["DisplayName"] == "Alerts" and attrs["SQSSuccessFeedbackSampleRate"] == "50"
    subs = sns.list_subscriptions_by_topic(TopicArn=arn)["Subscriptions"]
    assert [s["Endpoint"] for s in subs] == [a]

    update(cloudlet, topic, {"DisplayName": "Pager", "Subscription": [{"Protocol": "sqs", "Endpoint": b}]})
    attrs = sns.get_topic_attributes(TopicArn=arn)["Attributes"]
    assert attrs["DisplayName"] == "Pager" and not attrs.get("SQSSuccessFeedbackSampleRate")
    assert [s["Endpoint"] for s in sns.list_subscriptions_by_topic(TopicArn=arn)["Subscriptions"]] == [b]
    assert sns.list_tags_for_resource(ResourceArn=arn)["Tags"] == []

    delete(cloudlet, topic)
    delete(cloudlet, topic)
    assert arn not in [t["TopicArn"] for t in sns.list_topics()["Topics"]]


def test_fifo_topic_and_subscription_attributes(cloudlet):
    sns = cloudlet.client("sns")
    topic = create(cloudlet, resource("Orders", "AWS::SNS::Topic", {"FifoTopic": True})).physical_id
    assert topic.endswith(".fifo")

    plain = create(cloudlet, resource("Plain", "AWS::SNS::Topic", {"TopicName": "plain"})).physical_id
    _, arn = queue(cloudlet, "subscriber")
    props = {
        "TopicArn": plain,
        "Protocol": "sqs",
        "Endpoint": arn,
        "RawMessageDelivery": "true",
        "FilterPolicy": {"kind": ["order"]},
        "FilterPolicyScope": "MessageAttributes",
    }
    sub = resource("Sub", "AWS::SNS::Subscription", props)
    done = create(cloudlet, sub)
    assert done.physical_id.startswith(plain + ":") and done.attributes == {"Arn": done.physical_id}
    got = sns.get_subscription_attributes(SubscriptionArn=done.physical_id)["Attributes"]
    assert got["RawMessageDelivery"] == "true" and json.loads(got["FilterPolicy"]) == {"kind": ["order"]}

    update(
        cloudlet,
        sub,
        {"TopicArn": plain, "Protocol": "sqs", "Endpoint": arn, "FilterPolicy": '{"kind": ["x"]}'},
    )
    got = sns.get_subscription_attributes(SubscriptionArn=done.physical_id)["Attributes"]
    assert got["RawMessageDelivery"] == "false" and json.loads(got["FilterPolicy"]) == {"kind": ["x"]}
    update(cloudlet, sub, {"TopicArn": plain, "Protocol": "sqs", "Endpoint": arn})
    got = sns.get_subscription_attributes(SubscriptionArn=done.physical_id)["Attributes"]
    assert "FilterPolicy" not in got

    email = create(
        cloudlet,
        resource(
            "Mail", "AWS::SNS::Subscription", {"TopicArn": plain, "Protocol": "email", "Endpoint": "a@b.c"}
        ),
    )
    assert email.physical_id.startswith(plain + ":")  # the ARN even while pending confirmation

    delete(cloudlet, sub)
    delete(cloudlet, sub)
    assert [s["Protocol"] for s in sns.list_subscriptions_by_topic(TopicArn=plain)["Subscriptions"]] == [
        "email"
    ]

    with pytest.raises(ProviderError, match=r"required key \[Protocol\] not found"):
        create(cloudlet, resource("Bad", "AWS::SNS::Subscription", {"TopicArn": plain}))


def test_topic_policy_and_inline_policy(cloudlet):
    sns = cloudlet.client("sns")
    arn = create(cloudlet, resource("T", "AWS::SNS::Topic", {"TopicName": "t"})).physical_id
    default = json.loads(sns.get_topic_attributes(TopicArn=arn)["Attributes"]["Policy"])
    doc = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": "events.amazonaws.com"},
                "Action": "sns:Publish",
                "Resource": arn,
            }
        ],
    }
    policy = resource("P", "AWS::SNS::TopicPolicy", {"PolicyDocument": doc, "Topics": [arn]})
    done = create(cloudlet, policy)
    assert done.attributes == {"Id": done.physical_id}
    assert json.loads(sns.get_topic_attributes(TopicArn=arn)["Attributes"]["Policy"]) == doc
    delete(cloudlet, policy)
    assert json.loads(sns.get_topic_attributes(TopicArn=arn)["Attributes"]["Policy"]) == default

    inline = resource("I", "AWS::SNS::TopicInlinePolicy", {"PolicyDocument": doc, "TopicArn": arn})
    assert create(cloudlet, inline).physical_id == arn
    assert json.loads(sns.get_topic_attributes(TopicArn=arn)["Attributes"]["Policy"]) == doc
    delete(cloudlet, inline)
    assert json.loads(sns.get_topic_attributes(TopicArn=arn)["Attributes"]["Policy"]) == default


FANOUT_TEMPLATE = """
Resources:
  Inbox:
    Type: AWS::SQS::Queue
  Alerts:
    Type: AWS::SNS::Topic
    Properties:
      DisplayName: Alerts
  ToInbox:
    Type: AWS::SNS::Subscription
    Properties:
      TopicArn: !Ref Alerts
      Protocol: sqs
      Endpoint: !GetAtt Inbox.Arn
      RawMessageDelivery: true
  InboxPolicy:
    Type: AWS::SQS::QueuePolicy
    Properties:
      Queues: [!Ref Inbox]
      PolicyDocument:
        Version: "2012-10-17"
        Statement:
          - Effect: Allow
            Principal: {Service: sns.amazonaws.com}
            Action: sqs:SendMessage
            Resource: !GetAtt Inbox.Arn
            Condition: {ArnEquals: {aws:SourceArn: !Ref Alerts}}
Outputs:
  Topic:
    Value: !Ref Alerts
  TopicName:
    Value: !GetAtt Alerts.TopicName
  Subscription:
    Value: !Ref ToInbox
  Inbox:
    Value: !Ref Inbox
"""


@pytest.mark.cloudlet(in_memory=True)
def test_fan_out_through_a_stack(cloudlet):
    cfn, sns, sqs = cloudlet.client("cloudformation"), cloudlet.client("sns"), cloudlet.client("sqs")
    cfn.create_stack(StackName="app", TemplateBody=FANOUT_TEMPLATE)
    cloudlet.settle()
    cfn.get_waiter("stack_create_complete").wait(
        StackName="app", WaiterConfig={"Delay": 1, "MaxAttempts": 30}
    )
    (stack,) = cfn.describe_stacks(StackName="app")["Stacks"]
    out = {o["OutputKey"]: o["OutputValue"] for o in stack["Outputs"]}
    assert out["Topic"].endswith(":" + out["TopicName"]) and out["Subscription"].startswith(
        out["Topic"] + ":"
    )
    sns.publish(TopicArn=out["Topic"], Message="disk full")
    cloudlet.settle()
    assert sqs.receive_message(QueueUrl=out["Inbox"])["Messages"][0]["Body"] == "disk full"
    cfn.delete_stack(StackName="app")
    cloudlet.settle()
    cfn.get_waiter("stack_delete_complete").wait(
        StackName="app", WaiterConfig={"Delay": 1, "MaxAttempts": 30}
    )
    assert sns.list_topics()["Topics"] == []
