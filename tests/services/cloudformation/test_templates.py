"""Template checks through the API: unsupported types and properties (with lines), ValidateTemplate,
GetTemplateSummary, capabilities, conditions and mappings, exports and imports."""

from __future__ import annotations

import json

import pytest
from botocore.exceptions import ClientError

from tests.services.cloudformation.conftest import error, outputs, reasons, status

pytestmark = pytest.mark.cloudlet(in_memory=True, services=["sqs", "cloudformation"])

UNSUPPORTED_TYPE = """\
Resources:
  Queue:
    Type: AWS::SQS::Queue

  Stream:
    Type: AWS::Kinesis::Stream
    Properties:
      ShardCount: 1
"""

UNSUPPORTED_PROPERTY = """\
Resources:
  Queue:
    Type: AWS::SQS::Queue
    Properties:
      VisibilityTimeout: 10
      Colour: blue
"""


def test_unsupported_type_and_property_name_the_line(cloudlet, cfn):
    with pytest.raises(ClientError) as exc:
        cfn.create_stack(StackName="k", TemplateBody=UNSUPPORTED_TYPE)
    assert error(exc) == (
        "ValidationError",
        "Template error: resource Stream (line 5) has type AWS::Kinesis::Stream, which cloudlet does not "
        "support",
    )
    with pytest.raises(ClientError) as exc:
        cfn.validate_template(TemplateBody=UNSUPPORTED_PROPERTY)
    assert error(exc) == (
        "ValidationError",
        "Template error: resource Queue (line 2) has property Colour (line 6), which cloudlet does not "
        "support for AWS::SQS::Queue",
    )
    with pytest.raises(ClientError) as exc:
        cfn.create_change_set(
            StackName="k", ChangeSetName="c", ChangeSetType="CREATE", TemplateBody=UNSUPPORTED_TYPE
        )
    assert "AWS::Kinesis::Stream" in error(exc)[1]
    assert cfn.describe_stacks()["Stacks"] == []
    assert cloudlet.client("sqs").list_queues().get("QueueUrls", []) == []


@pytest.mark.parametrize(
    ("resources", "message"),
    [
        (
            {"A": {"Type": "AWS::SQS::Queue", "Properties": {"QueueName": {"Ref": "Missing"}}}},
            "Template format error: Unresolved resource dependencies [Missing] in the Resources block of the "
            "template",
        ),
        (
            {"A": {"Type": "AWS::SQS::Queue", "Properties": {"QueueName": {"Fn::GetAtt": ["B", "Arn"]}}}},
            "Template error: instance of Fn::GetAtt references undefined resource B",
        ),
        (
            {
                "A": {
                    "Type": "AWS::SQS::Queue",
                    "Properties": {"QueueName": {"Fn::GetAtt": ["B", "Colour"]}},
                },
                "B": {"Type": "AWS::SQS::Queue"},
            },
            "Template error: resource B does not support attribute type Colour in Fn::GetAtt",
        ),
        (
            {
                "A": {"Type": "AWS::SQS::Queue", "DependsOn": "B"},
                "B": {"Type": "AWS::SQS::Queue", "DependsOn": "A"},
            },
            "Circular dependency between resources: [A, B]",
        ),
        (
            {"A": {"Properties": {}}},
            "Template format error: [/Resources/A] Every Resources object must contain a Type member.",
        ),
        ({}, "Template format error: At least one Resources member must be defined."),
    ],
)
def test_template_errors(cfn, resources, message):
    with pytest.raises(ClientError) as exc:
        cfn.create_stack(StackName="e", TemplateBody=json.dumps({"Resources": resources}))
    assert error(exc) == ("ValidationError", message)


def test_validate_template_and_summary(cfn):
    body = json.dumps(
        {
            "Description": "demo",
            "Parameters": {
                "Env": {
                    "Type": "String",
                    "Default": "dev",
                    "AllowedValues": ["dev", "prod"],
                    "Description": "where",
                },
                "Secret": {"Type": "String", "NoEcho": True},
            },
            "Resources": {
                "Q": {"Type": "AWS::SQS::Queue"},
                "Role": {
                    "Type": "AWS::IAM::Role",
                    "Properties": {"AssumeRolePolicyDocument": {"Statement": []}},
                },
            },
        }
    )
    out = cfn.validate_template(TemplateBody=body)
    assert out["Description"] == "demo"
    assert out["Parameters"] == [
        {"ParameterKey": "Env", "DefaultValue": "dev", "NoEcho": False, "Description": "where"},
        {"ParameterKey": "Secret", "NoEcho": True},
    ]
    assert out["Capabilities"] == ["CAPABILITY_IAM"]
    assert out["CapabilitiesReason"] == "The following resource(s) require capabilities: [AWS::IAM::Role]"
    summary = cfn.get_template_summary(TemplateBody=body)
    assert summary["ResourceTypes"] == ["AWS::IAM::Role", "AWS::SQS::Queue"]
    assert summary["Parameters"][0]["ParameterConstraints"] == {"AllowedValues": ["dev", "prod"]}
    assert summary["Parameters"][0]["ParameterType"] == "String"
    params = [{"ParameterKey": "Secret", "ParameterValue": "s"}]
    with pytest.raises(ClientError) as exc:
        cfn.create_stack(StackName="iam", TemplateBody=body, Parameters=params)
    assert error(exc) == ("InsufficientCapabilitiesException", "Requires capabilities : [CAPABILITY_IAM]")
    named = body.replace('"Statement": []}', '"Statement": []}, "RoleName": "r"')
    with pytest.raises(ClientError) as exc:
        cfn.create_stack(
            StackName="iam", TemplateBody=named, Parameters=params, Capabilities=["CAPABILITY_IAM"]
        )
    assert error(exc) == (
        "InsufficientCapabilitiesException",
        "Requires capabilities : [CAPABILITY_NAMED_IAM]",
    )
    cfn.create_stack(StackName="iam", TemplateBody=body, Parameters=params, Capabilities=["CAPABILITY_IAM"])
    assert status(cfn, "iam") == "CREATE_COMPLETE"
    role = cfn.describe_stack_resource(StackName="iam", LogicalResourceId="Role")["StackResourceDetail"]
    assert role["ResourceStatus"] == "CREATE_COMPLETE"
    assert cfn.get_template_summary(StackName="iam")["ResourceTypes"] == ["AWS::IAM::Role", "AWS::SQS::Queue"]
    with pytest.raises(ClientError) as exc:
        cfn.create_stack(
            StackName="bad-param",
            TemplateBody=body,
            Parameters=[*params, {"ParameterKey": "Env", "ParameterValue": "x"}],
            Capabilities=["CAPABILITY_IAM"],
        )
    assert error(exc) == ("ValidationError", "Parameter 'Env' must be one of AllowedValues")


CONDITIONAL = """\
Parameters:
  Env:
    Type: String
    AllowedValues: [dev, prod]
Mappings:
  Settings:
    prod: {Timeout: 300}
    dev: {Timeout: 10}
Conditions:
  IsProd: !Equals [!Ref Env, prod]
Resources:
  Main:
    Type: AWS::SQS::Queue
    Properties:
      VisibilityTimeout: !FindInMap [Settings, !Ref Env, Timeout]
      DelaySeconds: !If [IsProd, 5, !Ref AWS::NoValue]
  Audit:
    Type: AWS::SQS::Queue
    Condition: IsProd
Outputs:
  Timeout:
    Value: !GetAtt Main.QueueName
  AuditUrl:
    Condition: IsProd
    Value: !Ref Audit
"""


def test_conditions_and_mappings(cloudlet, cfn):
    sqs = cloudlet.client("sqs")
    cfn.create_stack(
        StackName="dev",
        TemplateBody=CONDITIONAL,
        Parameters=[{"ParameterKey": "Env", "ParameterValue": "dev"}],
    )
    resources = cfn.list_stack_resources(StackName="dev")["StackResourceSummaries"]
    assert [r["LogicalResourceId"] for r in resources] == ["Main"]
    assert set(outputs(cfn, "dev")) == {"Timeout"}
    main = resources[0]["PhysicalResourceId"]
    attrs = sqs.get_queue_attributes(QueueUrl=main, AttributeNames=["All"])["Attributes"]
    assert (attrs["VisibilityTimeout"], attrs["DelaySeconds"]) == ("10", "0")
    cfn.update_stack(
        StackName="dev",
        UsePreviousTemplate=True,
        Parameters=[{"ParameterKey": "Env", "ParameterValue": "prod"}],
    )
    assert status(cfn, "dev") == "UPDATE_COMPLETE"
    assert set(outputs(cfn, "dev")) == {"Timeout", "AuditUrl"}
    attrs = sqs.get_queue_attributes(QueueUrl=main, AttributeNames=["All"])["Attributes"]
    assert (attrs["VisibilityTimeout"], attrs["DelaySeconds"]) == ("300", "5")


EXPORTER = {
    "Resources": {"Q": {"Type": "AWS::SQS::Queue"}},
    "Outputs": {
        "Arn": {
            "Value": {"Fn::GetAtt": ["Q", "Arn"]},
            "Export": {"Name": {"Fn::Sub": "${AWS::StackName}-arn"}},
        }
    },
}
IMPORTER = {
    "Resources": {
        "Dlq": {
            "Type": "AWS::SQS::Queue",
            "Properties": {
                "RedrivePolicy": {
                    "deadLetterTargetArn": {"Fn::ImportValue": "base-arn"},
                    "maxReceiveCount": 3,
                }
            },
        }
    }
}


def test_exports_and_imports(cloudlet, cfn):
    cfn.create_stack(StackName="base", TemplateBody=json.dumps(EXPORTER))
    exports = cfn.list_exports()["Exports"]
    assert [(e["Name"], e["Value"]) for e in exports] == [("base-arn", outputs(cfn, "base")["Arn"])]
    cfn.create_stack(StackName="user", TemplateBody=json.dumps(IMPORTER))
    assert status(cfn, "user") == "CREATE_COMPLETE"
    assert cfn.list_imports(ExportName="base-arn")["Imports"] == ["user"]
    cfn.delete_stack(StackName="base")
    assert status(cfn, "base") == "DELETE_FAILED"
    assert cfn.describe_stacks(StackName="base")["Stacks"][0]["StackStatusReason"] == (
        "Export base-arn cannot be deleted as it is in use by user"
    )
    # a second exporter of the same name fails its create
    dup = json.dumps(
        {**EXPORTER, "Outputs": {"Arn": {**EXPORTER["Outputs"]["Arn"], "Export": {"Name": "base-arn"}}}}
    )
    cfn.create_stack(StackName="dup", TemplateBody=dup)
    assert status(cfn, "dup") == "ROLLBACK_COMPLETE"
    assert reasons(cfn, "dup")[("dup", "ROLLBACK_IN_PROGRESS")] == (
        "Export with name base-arn is already exported by stack base. Rollback requested by user."
    )
    cfn.delete_stack(StackName="user")
    cfn.delete_stack(StackName="base")
    assert cfn.list_exports()["Exports"] == []
    cfn.create_stack(StackName="orphan", TemplateBody=json.dumps(IMPORTER))
    assert status(cfn, "orphan") == "ROLLBACK_COMPLETE"
    reason = {
        e["LogicalResourceId"]: e.get("ResourceStatusReason")
        for e in cfn.describe_stack_events(StackName="orphan")["StackEvents"]
        if e["ResourceStatus"] == "CREATE_FAILED"
    }
    assert reason == {"Dlq": "Template error: No export named base-arn found."}


RULES = {
    "Parameters": {"Env": {"Type": "String"}, "Size": {"Type": "String", "Default": "small"}},
    "Rules": {
        "ProdIsBig": {
            "RuleCondition": {"Fn::Equals": [{"Ref": "Env"}, "prod"]},
            "Assertions": [
                {
                    "Assert": {"Fn::Contains": [["large", "xlarge"], {"Ref": "Size"}]},
                    "AssertDescription": "prod needs a large size",
                }
            ],
        }
    },
    "Resources": {"Q": {"Type": "AWS::SQS::Queue"}},
}


def test_rules_assertions(cfn):
    def create(name: str, env: str, size: str) -> None:
        params = [
            {"ParameterKey": "Env", "ParameterValue": env},
            {"ParameterKey": "Size", "ParameterValue": size},
        ]
        cfn.create_stack(StackName=name, TemplateBody=json.dumps(RULES), Parameters=params)

    create("dev", "dev", "small")
    create("prod", "prod", "large")
    with pytest.raises(ClientError) as exc:
        create("prod2", "prod", "small")
    assert error(exc) == ("ValidationError", "prod needs a large size")


def test_changing_an_export_in_use_fails_the_update(cfn):
    cfn.create_stack(StackName="base", TemplateBody=json.dumps(EXPORTER))
    cfn.create_stack(StackName="user", TemplateBody=json.dumps(IMPORTER))
    moved = json.loads(json.dumps(EXPORTER))
    moved["Resources"]["Q"]["Properties"] = {"QueueName": "moved"}
    cfn.update_stack(StackName="base", TemplateBody=json.dumps(moved))
    assert status(cfn, "base") == "UPDATE_ROLLBACK_COMPLETE"
    assert reasons(cfn, "base")[("base", "UPDATE_ROLLBACK_IN_PROGRESS")] == (
        "Cannot update export base-arn as it is in use by user. "
    )
    assert cfn.list_exports()["Exports"][0]["Value"] == outputs(cfn, "base")["Arn"]
