"""AWS::Lambda::* providers, driven directly on the server loop (as the engine drives them)."""

from __future__ import annotations

import json

import pytest

from cloudlet.services.cloudformation.providers.base import ProviderError
from tests.services.cloudformation.test_providers_sqs import create, delete, resource, update

pytestmark = pytest.mark.cloudlet(in_memory=True, services=["sqs", "lambda", "logs", "cloudformation"])

ROLE = "arn:aws:iam::000000000000:role/app-role"
SOURCE = (
    "import os\n\ndef handler(event, context):\n"
    "    return {'greeting': os.environ.get('GREETING'), 'n': event.get('n')}\n"
)


def function_props(**extra):
    return {
        "Runtime": "python3.12",
        "Handler": "index.handler",
        "Role": ROLE,
        "Code": {"ZipFile": SOURCE},
        **extra,
    }


def invoke(lam, name, payload=None, **kwargs):
    out = lam.invoke(FunctionName=name, Payload=json.dumps(payload or {}).encode(), **kwargs)
    return json.loads(out["Payload"].read())


def test_function_lifecycle_with_versions_aliases_permissions_and_url(cloudlet):
    lam = cloudlet.client("lambda")
    fn = resource(
        "Greeter",
        "AWS::Lambda::Function",
        function_props(
            Environment={"Variables": {"GREETING": "hello", "N": 1}},
            Timeout="10",
            ReservedConcurrentExecutions=5,
            Tags=[{"Key": "team", "Value": "web"}],
        ),
    )
    done = create(cloudlet, fn)
    name = done.physical_id
    assert name.startswith("app-Greeter-")
    assert done.attributes["Arn"] == f"arn:aws:lambda:us-east-1:000000000000:function:{name}"
    config = lam.get_function_configuration(FunctionName=name)
    assert config["Timeout"] == 10 and config["Environment"]["Variables"] == {"GREETING": "hello", "N": "1"}
    assert lam.get_function_concurrency(FunctionName=name)["ReservedConcurrentExecutions"] == 5
    assert invoke(lam, name, {"n": 1}) == {"greeting": "hello", "n": 1}  # inline code is index.py

    version = resource("V1", "AWS::Lambda::Version", {"FunctionName": name})
    create(cloudlet, version)
    assert version.physical_id == f"{done.attributes['Arn']}:1" and version.attributes["Version"] == "1"
    alias = resource(
        "Live", "AWS::Lambda::Alias", {"FunctionName": name, "FunctionVersion": "1", "Name": "live"}
    )
    assert create(cloudlet, alias).physical_id == f"{done.attributes['Arn']}:live"

    # in-place update: environment, no reserved concurrency, new code
    new_source = SOURCE.replace("'n': event.get('n')", "'n': 2 * event.get('n')")
    update(
        cloudlet,
        fn,
        function_props(Code={"ZipFile": new_source}, Environment={"Variables": {"GREETING": "hi"}}),
    )
    config = lam.get_function_configuration(FunctionName=name)
    assert config["Timeout"] == 3
    assert "ReservedConcurrentExecutions" not in lam.get_function_concurrency(FunctionName=name)
    assert lam.list_tags(Resource=done.attributes["Arn"])["Tags"] == {}
    assert invoke(lam, name, {"n": 2}) == {"greeting": "hi", "n": 4}
    assert invoke(lam, name, {"n": 2}, Qualifier="live") == {"greeting": "hello", "n": 2}

    version2 = resource("V2", "AWS::Lambda::Version", {"FunctionName": name})
    create(cloudlet, version2)
    update(cloudlet, alias, {"FunctionName": name, "FunctionVersion": "2", "Name": "live"})
    assert lam.get_alias(FunctionName=name, Name="live")["FunctionVersion"] == "2"

    permission = resource(
        "Allow",
        "AWS::Lambda::Permission",
        {
            "FunctionName": done.attributes["Arn"],
            "Action": "lambda:InvokeFunction",
            "Principal": "sns.amazonaws.com",
        },
    )
    statement = create(cloudlet, permission).physical_id
    policy = json.loads(lam.get_policy(FunctionName=name)["Policy"])
    assert [s["Sid"] for s in policy["Statement"]] == [statement]

    url = resource("Url", "AWS::Lambda::Url", {"TargetFunctionArn": name, "AuthType": "NONE"})
    url_done = create(cloudlet, url)
    assert url_done.attributes["FunctionUrl"] == lam.get_function_url_config(FunctionName=name)["FunctionUrl"]
    update(cloudlet, url, {"TargetFunctionArn": name, "AuthType": "AWS_IAM"})
    assert lam.get_function_url_config(FunctionName=name)["AuthType"] == "AWS_IAM"

    async_config = resource(
        "Async",
        "AWS::Lambda::EventInvokeConfig",
        {"FunctionName": name, "Qualifier": "$LATEST", "MaximumRetryAttempts": "0"},
    )
    create(cloudlet, async_config)
    assert (
        lam.get_function_event_invoke_config(FunctionName=name, Qualifier="$LATEST")["MaximumRetryAttempts"]
        == 0
    )

    for res in (async_config, url, permission, alias, version2, version):
        delete(cloudlet, res)
        delete(cloudlet, res)
    assert not _has_policy(lam, name)
    assert [v["Version"] for v in lam.list_versions_by_function(FunctionName=name)["Versions"]] == ["$LATEST"]
    delete(cloudlet, fn)
    delete(cloudlet, fn)
    assert lam.list_functions()["Functions"] == []


def _has_policy(lam, name):
    try:
        lam.get_policy(FunctionName=name)
    except lam.exceptions.ResourceNotFoundException:
        return False
    return True


def test_sqs_event_source_mapping_and_hot_reload_layer(cloudlet, tmp_path):
    lam, sqs = cloudlet.client("lambda"), cloudlet.client("sqs")
    url = sqs.create_queue(QueueName="jobs")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    (tmp_path / "python").mkdir()
    (tmp_path / "python" / "shared.py").write_text("VALUE = 'from-layer'\n")
    layer = create(
        cloudlet,
        resource(
            "Shared",
            "AWS::Lambda::LayerVersion",
            {"Content": {"S3Bucket": "hot-reload", "S3Key": str(tmp_path)}},
        ),
    )
    assert layer.physical_id.endswith(":1") and ":layer:app-Shared-" in layer.physical_id
    create(
        cloudlet,
        resource(
            "LayerShare",
            "AWS::Lambda::LayerVersionPermission",
            {"LayerVersionArn": layer.physical_id, "Action": "lambda:GetLayerVersion", "Principal": "*"},
        ),
    )
    source = (
        "import boto3, shared\n\ndef handler(event, context):\n"
        "    for r in event['Records']:\n"
        "        boto3.client('sqs').send_message(QueueUrl=r['body'], MessageBody=shared.VALUE)\n"
    )
    fn = create(
        cloudlet,
        resource(
            "Worker",
            "AWS::Lambda::Function",
            function_props(Code={"ZipFile": source}, Layers=[layer.physical_id]),
        ),
    )
    props = {
        "FunctionName": fn.physical_id,
        "EventSourceArn": arn,
        "BatchSize": "5",
        "FilterCriteria": {"Filters": [{"Pattern": {"body": [{"prefix": "http"}]}}]},
    }
    mapping = resource("Jobs", "AWS::Lambda::EventSourceMapping", props)
    done = create(cloudlet, mapping)
    assert done.attributes["Id"] == done.physical_id
    got = lam.get_event_source_mapping(UUID=done.physical_id)
    assert got["BatchSize"] == 5 and json.loads(got["FilterCriteria"]["Filters"][0]["Pattern"]) == {
        "body": [{"prefix": "http"}]
    }
    assert done.attributes["EventSourceMappingArn"] == got["EventSourceMappingArn"]
    out_url = sqs.create_queue(QueueName="out")["QueueUrl"]
    sqs.send_message(QueueUrl=url, MessageBody=out_url)
    cloudlet.settle()
    assert sqs.receive_message(QueueUrl=out_url)["Messages"][0]["Body"] == "from-layer"

    update(cloudlet, mapping, {"FunctionName": fn.physical_id, "EventSourceArn": arn, "Enabled": False})
    got = lam.get_event_source_mapping(UUID=done.physical_id)
    assert got["BatchSize"] == 10 and got["State"] in ("Disabled", "Disabling")
    delete(cloudlet, mapping)
    delete(cloudlet, mapping)
    assert lam.list_event_source_mappings()["EventSourceMappings"] == []


def test_unsupported_and_invalid_code(cloudlet):
    with pytest.raises(ProviderError, match="container image"):
        create(cloudlet, resource("Img", "AWS::Lambda::Function", function_props(Code={"ImageUri": "x:1"})))
    with pytest.raises(ProviderError, match=r"required key \[Role\] not found"):
        props = function_props()
        del props["Role"]
        create(cloudlet, resource("NoRole", "AWS::Lambda::Function", props))
    with pytest.raises(Exception) as info:  # the service's own error, for the engine to report
        create(
            cloudlet,
            resource(
                "Kin",
                "AWS::Lambda::EventSourceMapping",
                {"FunctionName": "nope", "EventSourceArn": "arn:aws:kinesis:us-east-1:000000000000:stream/s"},
            ),
        )
    assert getattr(info.value, "code", "") in ("InvalidParameterValueException", "NotImplemented")


SAM_TEMPLATE = """
Transform: AWS::Serverless-2016-10-31
Resources:
  Jobs:
    Type: AWS::SQS::Queue
  Done:
    Type: AWS::SQS::Queue
  Worker:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.12
      Handler: index.handler
      AutoPublishAlias: live
      Environment:
        Variables:
          OUT: !Ref Done
      InlineCode: |
        import os, boto3
        def handler(event, context):
            for record in event["Records"]:
                boto3.client("sqs").send_message(QueueUrl=os.environ["OUT"], MessageBody=record["body"])
      Events:
        FromJobs:
          Type: SQS
          Properties:
            Queue: !GetAtt Jobs.Arn
Outputs:
  Name:
    Value: !Ref Worker
  Arn:
    Value: !GetAtt Worker.Arn
  Jobs:
    Value: !Ref Jobs
  Done:
    Value: !Ref Done
"""


@pytest.mark.cloudlet(in_memory=True)
def test_sam_function_through_a_stack(cloudlet):
    cfn, sqs, lam = cloudlet.client("cloudformation"), cloudlet.client("sqs"), cloudlet.client("lambda")
    cfn.create_stack(
        StackName="app", TemplateBody=SAM_TEMPLATE, Capabilities=["CAPABILITY_IAM", "CAPABILITY_AUTO_EXPAND"]
    )
    cloudlet.settle()
    cfn.get_waiter("stack_create_complete").wait(
        StackName="app", WaiterConfig={"Delay": 1, "MaxAttempts": 30}
    )
    (stack,) = cfn.describe_stacks(StackName="app")["Stacks"]
    out = {o["OutputKey"]: o["OutputValue"] for o in stack["Outputs"]}
    assert out["Arn"] == lam.get_function(FunctionName=out["Name"])["Configuration"]["FunctionArn"]
    assert lam.get_alias(FunctionName=out["Name"], Name="live")["FunctionVersion"] == "1"
    (mapping,) = lam.list_event_source_mappings(FunctionName=out["Name"])["EventSourceMappings"]
    assert mapping["EventSourceArn"].endswith(":" + out["Jobs"].rsplit("/", 1)[1])
    sqs.send_message(QueueUrl=out["Jobs"], MessageBody="job-1")
    cloudlet.settle()
    assert sqs.receive_message(QueueUrl=out["Done"])["Messages"][0]["Body"] == "job-1"

    cfn.delete_stack(StackName="app")
    cloudlet.settle()
    cfn.get_waiter("stack_delete_complete").wait(
        StackName="app", WaiterConfig={"Delay": 1, "MaxAttempts": 30}
    )
    assert lam.list_functions()["Functions"] == []
    assert lam.list_event_source_mappings()["EventSourceMappings"] == []
