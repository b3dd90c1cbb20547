"""Stacks of SQS queues through the API: create, describe, events, rollback, delete."""

from __future__ import annotations

import json

import pytest
from botocore.exceptions import ClientError

from tests.services.cloudformation.conftest import error, events, outputs, reasons, stack, status

pytestmark = pytest.mark.cloudlet(in_memory=True, services=["sqs", "cloudformation", "s3"])

YAML = """\
AWSTemplateFormatVersion: 2010-09-09
Description: Two queues
Parameters:
  Prefix:
    Type: String
    Default: work
Resources:
  Dead:
    Type: AWS::SQS::Queue
    Properties:
      QueueName: !Sub "${Prefix}-dlq"
  Work:
    Type: AWS::SQS::Queue
    Properties:
      QueueName: !Join ["-", [!Ref Prefix, main]]
      VisibilityTimeout: 45
      RedrivePolicy:
        deadLetterTargetArn: !GetAtt Dead.Arn
        maxReceiveCount: 5
Outputs:
  WorkUrl:
    Description: where work goes
    Value: !Ref Work
  DeadArn:
    Value: !GetAtt [Dead, Arn]
"""


def test_create_describe_delete_yaml(cloudlet, cfn):
    sqs = cloudlet.client("sqs")
    stack_id = cfn.create_stack(StackName="app", TemplateBody=YAML)["StackId"]
    assert stack_id.startswith("arn:aws:cloudformation:us-east-1:000000000000:stack/app/")
    described = stack(cfn, "app")
    assert described["StackStatus"] == "CREATE_COMPLETE"
    assert described["Description"] == "Two queues"
    assert described["Parameters"] == [{"ParameterKey": "Prefix", "ParameterValue": "work"}]
    out = outputs(cfn, "app")
    assert out["WorkUrl"].endswith("/000000000000/work-main")
    assert out["DeadArn"] == "arn:aws:sqs:us-east-1:000000000000:work-dlq"
    attrs = sqs.get_queue_attributes(QueueUrl=out["WorkUrl"], AttributeNames=["All"])["Attributes"]
    assert attrs["VisibilityTimeout"] == "45"
    assert json.loads(attrs["RedrivePolicy"])["deadLetterTargetArn"] == out["DeadArn"]
    assert events(cfn, "app") == [
        ("app", "CREATE_IN_PROGRESS"),
        ("Dead", "CREATE_IN_PROGRESS"),
        ("Dead", "CREATE_COMPLETE"),
        ("Work", "CREATE_IN_PROGRESS"),
        ("Work", "CREATE_COMPLETE"),
        ("app", "CREATE_COMPLETE"),
    ]
    resources = cfn.describe_stack_resources(StackName="app")["StackResources"]
    assert {r["LogicalResourceId"]: r["PhysicalResourceId"] for r in resources}["Work"] == out["WorkUrl"]
    detail = cfn.describe_stack_resource(StackName="app", LogicalResourceId="Dead")["StackResourceDetail"]
    assert detail["ResourceStatus"] == "CREATE_COMPLETE" and detail["ResourceType"] == "AWS::SQS::Queue"
    by_physical = cfn.describe_stack_resources(PhysicalResourceId=out["WorkUrl"])["StackResources"]
    assert {r["StackName"] for r in by_physical} == {"app"}
    summaries = cfn.list_stack_resources(StackName="app")["StackResourceSummaries"]
    assert sorted(r["LogicalResourceId"] for r in summaries) == ["Dead", "Work"]
    assert cfn.get_template(StackName="app")["TemplateBody"] == YAML

    cfn.delete_stack(StackName="app")
    cloudlet.settle()
    assert sqs.list_queues().get("QueueUrls", []) == []
    with pytest.raises(ClientError) as exc:
        cfn.describe_stacks(StackName="app")
    assert error(exc) == ("ValidationError", "Stack with id app does not exist")
    deleted = cfn.describe_stacks(StackName=stack_id)["Stacks"][0]
    assert deleted["StackStatus"] == "DELETE_COMPLETE" and "DeletionTime" in deleted
    assert events(cfn, stack_id)[-1] == ("app", "DELETE_COMPLETE")
    listed = cfn.list_stacks(StackStatusFilter=["DELETE_COMPLETE"])["StackSummaries"]
    assert [s["StackId"] for s in listed] == [stack_id]
    cfn.delete_stack(StackName="app")  # idempotent


def test_json_template_and_parameter_override(cloudlet, cfn):
    template = {
        "Parameters": {"Timeout": {"Type": "Number", "MinValue": 0, "MaxValue": 600}},
        "Resources": {
            "Q": {"Type": "AWS::SQS::Queue", "Properties": {"VisibilityTimeout": {"Ref": "Timeout"}}}
        },
        "Outputs": {"Url": {"Value": {"Ref": "Q"}}},
    }
    cfn.create_stack(
        StackName="j",
        TemplateBody=json.dumps(template),
        Parameters=[{"ParameterKey": "Timeout", "ParameterValue": "7"}],
    )
    url = outputs(cfn, "j")["Url"]
    assert "/j-Q-" in url
    attrs = cloudlet.client("sqs").get_queue_attributes(QueueUrl=url, AttributeNames=["VisibilityTimeout"])
    assert attrs["Attributes"]["VisibilityTimeout"] == "7"
    with pytest.raises(ClientError) as exc:
        cfn.create_stack(StackName="j2", TemplateBody=json.dumps(template))
    assert error(exc) == ("ValidationError", "Parameters: [Timeout] must have values")
    with pytest.raises(ClientError) as exc:
        cfn.create_stack(
            StackName="j2",
            TemplateBody=json.dumps(template),
            Parameters=[{"ParameterKey": "Timeout", "ParameterValue": "601"}],
        )
    assert error(exc) == ("ValidationError", "Parameter 'Timeout' must be a number not greater than 600")
    with pytest.raises(ClientError) as exc:
        cfn.create_stack(
            StackName="j2",
            TemplateBody=json.dumps(template),
            Parameters=[{"ParameterKey": "Nope", "ParameterValue": "1"}],
        )
    assert error(exc) == ("ValidationError", "Parameters: [Nope] do not exist in the template")


def test_already_exists_and_bad_names(cfn):
    cfn.create_stack(StackName="dup", TemplateBody=YAML)
    with pytest.raises(ClientError) as exc:
        cfn.create_stack(StackName="dup", TemplateBody=YAML)
    assert error(exc) == ("AlreadyExistsException", "Stack [dup] already exists")
    with pytest.raises(ClientError) as exc:
        cfn.create_stack(StackName="bad_name", TemplateBody=YAML)
    assert error(exc)[0] == "ValidationError"
    with pytest.raises(ClientError) as exc:
        cfn.create_stack(StackName="nobody")
    assert error(exc) == ("ValidationError", "Either Template URL or Template Body must be specified.")
    with pytest.raises(ClientError) as exc:
        cfn.describe_stack_events(StackName="missing")
    assert error(exc) == ("ValidationError", "Stack with id missing does not exist")


FAILING = {
    "Resources": {
        "First": {"Type": "AWS::SQS::Queue", "Properties": {"QueueName": "first"}},
        "Broken": {
            "Type": "AWS::SQS::Queue",
            "DependsOn": "First",
            "Properties": {"QueueName": "broken", "DelaySeconds": 5000},
        },
    }
}


def test_failed_resource_rolls_back_everything(cloudlet, cfn):
    cfn.create_stack(StackName="bad", TemplateBody=json.dumps(FAILING))
    assert status(cfn, "bad") == "ROLLBACK_COMPLETE"
    assert events(cfn, "bad") == [
        ("bad", "CREATE_IN_PROGRESS"),
        ("First", "CREATE_IN_PROGRESS"),
        ("First", "CREATE_COMPLETE"),
        ("Broken", "CREATE_IN_PROGRESS"),
        ("Broken", "CREATE_FAILED"),
        ("bad", "ROLLBACK_IN_PROGRESS"),
        ("Broken", "DELETE_COMPLETE"),
        ("First", "DELETE_IN_PROGRESS"),
        ("First", "DELETE_COMPLETE"),
        ("bad", "ROLLBACK_COMPLETE"),
    ]
    why = reasons(cfn, "bad")
    assert (
        why[("Broken", "CREATE_FAILED")]
        == "InvalidAttributeValue: Invalid value for the parameter DelaySeconds."
    )
    assert why[("bad", "ROLLBACK_IN_PROGRESS")] == (
        "The following resource(s) failed to create: [Broken]. Rollback requested by user."
    )
    assert cloudlet.client("sqs").list_queues().get("QueueUrls", []) == []
    with pytest.raises(ClientError) as exc:
        cfn.update_stack(StackName="bad", TemplateBody=YAML)
    assert "is in ROLLBACK_COMPLETE state and can not be updated." in error(exc)[1]
    cfn.delete_stack(StackName="bad")
    with pytest.raises(ClientError):
        cfn.describe_stacks(StackName="bad")


def test_on_failure_do_nothing_and_delete(cloudlet, cfn):
    cfn.create_stack(StackName="keep", TemplateBody=json.dumps(FAILING), OnFailure="DO_NOTHING")
    assert status(cfn, "keep") == "CREATE_FAILED"
    assert len(cloudlet.client("sqs").list_queues()["QueueUrls"]) == 1
    cfn.delete_stack(StackName="keep")
    cloudlet.settle()
    gone = cfn.create_stack(StackName="gone", TemplateBody=json.dumps(FAILING), OnFailure="DELETE")["StackId"]
    assert cfn.describe_stacks(StackName=gone)["Stacks"][0]["StackStatus"] == "DELETE_COMPLETE"
    assert cloudlet.client("sqs").list_queues().get("QueueUrls", []) == []
    with pytest.raises(ClientError) as exc:
        cfn.create_stack(StackName="x", TemplateBody=YAML, OnFailure="DELETE", DisableRollback=True)
    assert error(exc)[0] == "ValidationError"


def test_termination_protection(cfn):
    cfn.create_stack(StackName="prot", TemplateBody=YAML, EnableTerminationProtection=True)
    with pytest.raises(ClientError) as exc:
        cfn.delete_stack(StackName="prot")
    assert error(exc) == (
        "ValidationError",
        "Stack [prot] cannot be deleted while TerminationProtection is enabled",
    )
    cfn.update_termination_protection(StackName="prot", EnableTerminationProtection=False)
    cfn.delete_stack(StackName="prot")
    assert cfn.list_stacks(StackStatusFilter=["CREATE_COMPLETE"])["StackSummaries"] == []


def test_template_url_from_s3(cloudlet, cfn):
    s3 = cloudlet.client("s3")
    s3.create_bucket(Bucket="templates")
    s3.put_object(Bucket="templates", Key="app.yaml", Body=YAML.encode())
    url = f"{cloudlet.endpoint}/templates/app.yaml"
    cfn.create_stack(StackName="fromurl", TemplateURL=url)
    assert status(cfn, "fromurl") == "CREATE_COMPLETE"
    cfn.create_stack(
        StackName="aws-form",
        TemplateURL="https://templates.s3.amazonaws.com/app.yaml",
        Parameters=[{"ParameterKey": "Prefix", "ParameterValue": "other"}],
    )
    assert status(cfn, "aws-form") == "CREATE_COMPLETE"
    with pytest.raises(ClientError) as exc:
        cfn.create_stack(StackName="nokey", TemplateURL=f"{cloudlet.endpoint}/templates/none.yaml")
    assert error(exc)[0] == "ValidationError"


def test_stack_policy_and_no_echo(cfn):
    template = {
        "Parameters": {"Secret": {"Type": "String", "NoEcho": True, "Default": "hunter2"}},
        "Resources": {"Q": {"Type": "AWS::SQS::Queue"}},
    }
    cfn.create_stack(StackName="pol", TemplateBody=json.dumps(template))
    assert stack(cfn, "pol")["Parameters"] == [{"ParameterKey": "Secret", "ParameterValue": "****"}]
    policy = json.dumps(
        {"Statement": [{"Effect": "Allow", "Action": "Update:*", "Principal": "*", "Resource": "*"}]}
    )
    cfn.set_stack_policy(StackName="pol", StackPolicyBody=policy)
    assert cfn.get_stack_policy(StackName="pol")["StackPolicyBody"] == policy


@pytest.mark.cloudlet(in_memory=False, services=["sqs", "cloudformation"])
def test_a_stack_left_in_progress_by_a_crash_rolls_back_on_start(cloudlet, cfn):
    cfn.create_stack(StackName="crash", TemplateBody=YAML)
    app = cloudlet.app
    with app.db.transaction() as tx:  # what a crash in the middle of the create leaves behind
        tx.execute("UPDATE cloudformation_stack SET status = 'CREATE_IN_PROGRESS'")
        tx.execute(
            "UPDATE cloudformation_resource SET status = 'CREATE_IN_PROGRESS' WHERE logical_id = 'Work'"
        )
        app.timers.schedule(tx, "cloudformation.deployment", app.clock.now() + 1e9, {}, key="x")
    cloudlet.restart()
    cloudlet.settle()
    cfn = cloudlet.client("cloudformation")
    assert status(cfn, "crash") == "ROLLBACK_COMPLETE"
    assert cloudlet.client("sqs").list_queues().get("QueueUrls", []) == []
