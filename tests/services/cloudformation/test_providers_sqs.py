"""AWS::SQS::* providers, driven directly on the server loop (as the engine drives them)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from cloudlet.services.cloudformation.providers.base import ProviderError
from tests.services.cloudformation.harness import (
    create,
    delete,
    resource,
    update,
)

pytestmark = pytest.mark.cloudlet(in_memory=True, services=["sqs", "cloudformation"])


def test_queue_with_generated_name_attributes_and_tags(cloudlet):
    sqs = cloudlet.client("sqs")
    dlq = resource("Dlq", "AWS::SQS::Queue", {"QueueName": "dead"})
    create(cloudlet, dlq)
    props = {
        "VisibilityTimeout": "60",
        "DelaySeconds": 5,
        "RedrivePolicy": {"deadLetterTargetArn": dlq.attributes["Arn"], "maxReceiveCount": 5},
        "Tags": [{"Key": "team", "Value": "support"}],
    }
    queue = resource("Work", "AWS::SQS::Queue", props)
    done = create(cloudlet, queue)
    name = done.attributes["QueueName"]
    assert name.startswith("app-Work-") and len(name) == len("app-Work-") + 12
    assert done.physical_id == done.attributes["QueueUrl"] == sqs.get_queue_url(QueueName=name)["QueueUrl"]
    assert done.attributes["Arn"] == f"arn:aws:sqs:us-east-1:000000000000:{name}"
    attrs = sqs.get_queue_attributes(QueueUrl=done.physical_id, AttributeNames=["All"])["Attributes"]
    assert attrs["VisibilityTimeout"] == "60" and attrs["DelaySeconds"] == "5"
    assert json.loads(attrs["RedrivePolicy"])["maxReceiveCount"] == 5
    assert sqs.list_queue_tags(QueueUrl=done.physical_id)["Tags"] == {"team": "support"}

    # update in place: changed attribute, removed attribute back to its default, tags swapped
    update(cloudlet, queue, {"VisibilityTimeout": 90, "Tags": [{"Key": "tier", "Value": "1"}]})
    attrs = sqs.get_queue_attributes(QueueUrl=done.physical_id, AttributeNames=["All"])["Attributes"]
    assert attrs["VisibilityTimeout"] == "90" and attrs["DelaySeconds"] == "0"
    assert "RedrivePolicy" not in attrs
    assert sqs.list_queue_tags(QueueUrl=done.physical_id)["Tags"] == {"tier": "1"}

    delete(cloudlet, queue)
    delete(cloudlet, queue)  # already gone: still done
    assert sqs.list_queues(QueueNamePrefix="app-Work").get("QueueUrls", []) == []


def test_fifo_queue_name_gets_suffix(cloudlet):
    queue = resource("Orders", "AWS::SQS::Queue", {"FifoQueue": "true", "ContentBasedDeduplication": True})
    done = create(cloudlet, queue)
    assert done.attributes["QueueName"].endswith(".fifo")
    attrs = cloudlet.client("sqs").get_queue_attributes(QueueUrl=done.physical_id, AttributeNames=["All"])
    assert attrs["Attributes"]["ContentBasedDeduplication"] == "true"
    # FifoQueue: false is a standard queue, as on AWS
    plain = create(cloudlet, resource("Plain", "AWS::SQS::Queue", {"FifoQueue": False}))
    assert not plain.attributes["QueueName"].endswith(".fifo")


def test_bad_values_fail_with_validation_message(cloudlet):
    with pytest.raises(ProviderError, match="#/VisibilityTimeout: expected type: Integer"):
        create(cloudlet, resource("Q", "AWS::SQS::Queue", {"VisibilityTimeout": "soon"}))
    with pytest.raises(Exception) as info:  # the service's own error
        create(cloudlet, resource("Q", "AWS::SQS::Queue", {"VisibilityTimeout": 99999}))
    assert getattr(info.value, "code", "") == "InvalidAttributeValue"


def test_queue_policy_and_inline_policy(cloudlet):
    sqs = cloudlet.client("sqs")
    a = create(cloudlet, resource("A", "AWS::SQS::Queue", {"QueueName": "a"})).physical_id
    b = create(cloudlet, resource("B", "AWS::SQS::Queue", {"QueueName": "b"})).physical_id
    doc = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": "*", "Action": "sqs:SendMessage", "Resource": "*"}],
    }
    policy = resource("Policy", "AWS::SQS::QueuePolicy", {"PolicyDocument": doc, "Queues": [a, b]})
    done = create(cloudlet, policy)
    assert done.physical_id.startswith("app-Policy-") and done.attributes == {"Id": done.physical_id}
    for url in (a, b):
        got = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["Policy"])["Attributes"]
        assert json.loads(got["Policy"]) == doc
    update(cloudlet, policy, {"PolicyDocument": doc, "Queues": [b]})
    assert "Policy" not in sqs.get_queue_attributes(QueueUrl=a, AttributeNames=["Policy"]).get(
        "Attributes", {}
    )
    delete(cloudlet, policy)
    assert "Policy" not in sqs.get_queue_attributes(QueueUrl=b, AttributeNames=["Policy"]).get(
        "Attributes", {}
    )

    inline = resource(
        "Inline", "AWS::SQS::QueueInlinePolicy", {"PolicyDocument": json.dumps(doc), "Queue": a}
    )
    assert create(cloudlet, inline).physical_id == a
    assert "Policy" in sqs.get_queue_attributes(QueueUrl=a, AttributeNames=["Policy"])["Attributes"]
    delete(cloudlet, inline)
    assert "Policy" not in sqs.get_queue_attributes(QueueUrl=a, AttributeNames=["Policy"]).get(
        "Attributes", {}
    )

    with pytest.raises(ProviderError, match=r"required key \[Queues\] not found"):
        create(cloudlet, resource("P2", "AWS::SQS::QueuePolicy", {"PolicyDocument": doc}))


STACK_TEMPLATE = """
Resources:
  Dlq:
    Type: AWS::SQS::Queue
  Work:
    Type: AWS::SQS::Queue
    Properties:
      VisibilityTimeout: {timeout}
      RedrivePolicy:
        deadLetterTargetArn: !GetAtt Dlq.Arn
        maxReceiveCount: 5
Outputs:
  Url:
    Value: !Ref Work
  Arn:
    Value: !GetAtt Work.Arn
  Name:
    Value: !GetAtt Work.QueueName
"""


def _stack_outputs(cfn: Any, name: str) -> dict[str, str]:
    (stack,) = cfn.describe_stacks(StackName=name)["Stacks"]
    return {o["OutputKey"]: o["OutputValue"] for o in stack.get("Outputs", [])}


@pytest.mark.cloudlet(in_memory=True)
def test_queue_through_a_stack(cloudlet):
    cfn, sqs = cloudlet.client("cloudformation"), cloudlet.client("sqs")
    try:
        cfn.create_stack(StackName="app", TemplateBody=STACK_TEMPLATE.format(timeout=60))
    except cfn.exceptions.ClientError as exc:
        if exc.response["Error"]["Code"] == "NotImplemented":
            pytest.skip("CreateStack is not served yet")
        raise
    waiter = {"Delay": 1, "MaxAttempts": 30}
    cloudlet.settle()
    cfn.get_waiter("stack_create_complete").wait(StackName="app", WaiterConfig=waiter)
    out = _stack_outputs(cfn, "app")
    assert out["Name"].startswith("app-Work-")
    assert out["Url"] == sqs.get_queue_url(QueueName=out["Name"])["QueueUrl"]
    attrs = sqs.get_queue_attributes(QueueUrl=out["Url"], AttributeNames=["All"])["Attributes"]
    assert attrs["QueueArn"] == out["Arn"] and attrs["VisibilityTimeout"] == "60"
    assert json.loads(attrs["RedrivePolicy"])["maxReceiveCount"] == 5

    cfn.update_stack(StackName="app", TemplateBody=STACK_TEMPLATE.format(timeout=90))
    cloudlet.settle()
    cfn.get_waiter("stack_update_complete").wait(StackName="app", WaiterConfig=waiter)
    assert _stack_outputs(cfn, "app")["Url"] == out["Url"]  # updated in place
    attrs = sqs.get_queue_attributes(QueueUrl=out["Url"], AttributeNames=["VisibilityTimeout"])["Attributes"]
    assert attrs["VisibilityTimeout"] == "90"

    cfn.delete_stack(StackName="app")
    cloudlet.settle()
    cfn.get_waiter("stack_delete_complete").wait(StackName="app", WaiterConfig=waiter)
    assert sqs.list_queues(QueueNamePrefix="app-").get("QueueUrls", []) == []
