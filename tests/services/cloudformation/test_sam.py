"""SAM templates: the Serverless transform through aws-sam-translator, then a normal deployment."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

from tests.services.cloudformation.conftest import error, outputs, status

pytestmark = pytest.mark.cloudlet(in_memory=True, services=["sqs", "lambda", "logs", "cloudformation"])

SAM = """\
AWSTemplateFormatVersion: '2010-09-09'
Transform: AWS::Serverless-2016-10-31
Description: queue worker
Globals:
  Function:
    Timeout: 5
Resources:
  Jobs:
    Type: AWS::SQS::Queue
  Worker:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.12
      Handler: index.handler
      InlineCode: |
        def handler(event, context):
            for record in event["Records"]:
                print("job:", record["body"])
            return {}
      Policies:
        - SQSPollerPolicy:
            QueueName: !GetAtt Jobs.QueueName
        - AWSLambdaBasicExecutionRole
      Events:
        FromQueue:
          Type: SQS
          Properties:
            Queue: !GetAtt Jobs.Arn
            BatchSize: 5
Outputs:
  QueueUrl:
    Value: !Ref Jobs
  FunctionArn:
    Value: !GetAtt Worker.Arn
"""


def test_sam_function_with_sqs_event(cloudlet, cfn):
    with pytest.raises(ClientError) as exc:
        cfn.create_stack(StackName="sam", TemplateBody=SAM, Capabilities=["CAPABILITY_IAM"])
    assert error(exc) == (
        "InsufficientCapabilitiesException",
        "Requires capabilities : [CAPABILITY_AUTO_EXPAND]",
    )
    cfn.create_stack(
        StackName="sam", TemplateBody=SAM, Capabilities=["CAPABILITY_IAM", "CAPABILITY_AUTO_EXPAND"]
    )
    cloudlet.settle()
    assert status(cfn, "sam") == "CREATE_COMPLETE", cfn.describe_stack_events(StackName="sam")["StackEvents"]
    kinds = {
        r["LogicalResourceId"]: r["ResourceType"]
        for r in cfn.describe_stack_resources(StackName="sam")["StackResources"]
    }
    assert kinds == {
        "Jobs": "AWS::SQS::Queue",
        "Worker": "AWS::Lambda::Function",
        "WorkerRole": "AWS::IAM::Role",
        "WorkerFromQueue": "AWS::Lambda::EventSourceMapping",
    }
    processed = cfn.get_template(StackName="sam", TemplateStage="Processed")["TemplateBody"]
    assert (
        "Transform" not in processed and processed["Resources"]["Worker"]["Type"] == "AWS::Lambda::Function"
    )
    assert cfn.get_template(StackName="sam")["TemplateBody"] == SAM
    out = outputs(cfn, "sam")
    sqs = cloudlet.client("sqs")
    sqs.send_message(QueueUrl=out["QueueUrl"], MessageBody="hello")
    cloudlet.settle()
    attrs = sqs.get_queue_attributes(QueueUrl=out["QueueUrl"], AttributeNames=["All"])["Attributes"]
    assert (
        attrs["ApproximateNumberOfMessages"] == "0" and attrs["ApproximateNumberOfMessagesNotVisible"] == "0"
    )
    logs = cloudlet.client("logs")
    found = logs.filter_log_events(logGroupName=f"/aws/lambda/{out['FunctionArn'].rsplit(':', 1)[1]}")[
        "events"
    ]
    assert any("job: hello" in e["message"] for e in found)
    cfn.delete_stack(StackName="sam")
    cloudlet.settle()
    assert cloudlet.client("lambda").list_functions()["Functions"] == []


def test_transform_errors_use_aws_wording(cfn):
    bad = SAM.replace("Type: SQS", "Type: Carrier-Pigeon")
    with pytest.raises(ClientError) as exc:
        cfn.validate_template(TemplateBody=bad)
    code, message = error(exc)
    assert code == "ValidationError"
    assert message.startswith("Transform AWS::Serverless-2016-10-31 failed with: ")
    summary = cfn.validate_template(TemplateBody=SAM)
    assert summary["DeclaredTransforms"] == ["AWS::Serverless-2016-10-31"]
    assert summary["Capabilities"] == ["CAPABILITY_IAM", "CAPABILITY_AUTO_EXPAND"]
