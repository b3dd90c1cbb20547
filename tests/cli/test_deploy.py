"""`cloudlet deploy` against a real server: a SAM application from a local folder (hot reload, API URLs,
parameters, no-change redeploys), failures with the failing resource, and `cloudlet up --deploy`."""

from __future__ import annotations

import os
import selectors
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

import boto3
from click.testing import CliRunner

from cloudlet.cli.main import cli
from tests.cli_process import JOIN_S, cli_process

APP = """\
AWSTemplateFormatVersion: '2010-09-09'
Transform: AWS::Serverless-2016-10-31
Parameters:
  Greeting:
    Type: String
    Default: hello
Resources:
  Queue:
    Type: AWS::SQS::Queue
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: ./src
      Handler: app.handler
      Runtime: python3.12
      Environment:
        Variables:
          GREETING: !Ref Greeting
          QUEUE_URL: !Ref Queue
      Events:
        Get:
          Type: HttpApi
          Properties:
            Path: /hello
            Method: get
Outputs:
  ApiUrl:
    Value: !Sub "https://${ServerlessHttpApi}.execute-api.${AWS::Region}.amazonaws.com/hello"
  QueueUrl:
    Value: !Ref Queue
"""

HANDLER = """\
import os


def handler(event, context):
    return {"statusCode": 200, "body": "VERSION " + os.environ["GREETING"]}
"""


def _deploy(cloudlet, *args: str):
    env = {"COLUMNS": "200", "AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test"}
    return CliRunner().invoke(cli, ["deploy", *args, "--endpoint-url", cloudlet.endpoint], env=env)


def _app(tmp_path: Path, template: str = APP, handler: str = HANDLER) -> Path:
    (tmp_path / "src").mkdir(parents=True, exist_ok=True)
    (tmp_path / "src" / "app.py").write_text(handler.replace("VERSION", "v1"))
    (tmp_path / "template.yaml").write_text(template)
    return tmp_path


def _get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=30) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()


def test_deploy_a_sam_app_from_a_folder_runs_its_code_in_place(cloudlet, tmp_path: Path):
    app = _app(tmp_path / "hello-app")
    result = _deploy(cloudlet, str(app))
    assert result.exit_code == 0, result.output
    output = result.output
    assert "hello-app" in output and "CREATE_COMPLETE" in output
    assert "hot reload from " + str(app / "src") in output
    for logical_id in ("Queue", "Fn", "ServerlessHttpApi"):
        assert logical_id in output  # a row of the resource table
    cfn = cloudlet.client("cloudformation")
    stack = cfn.describe_stacks(StackName="hello-app")["Stacks"][0]
    assert stack["StackStatus"] == "CREATE_COMPLETE"
    outputs = {o["OutputKey"]: o["OutputValue"] for o in stack["Outputs"]}
    assert f"QueueUrl = {outputs['QueueUrl']}" in output
    api_id = cfn.describe_stack_resource(StackName="hello-app", LogicalResourceId="ServerlessHttpApi")[
        "StackResourceDetail"
    ]["PhysicalResourceId"]
    local = f"http://{api_id}.execute-api.localhost.localstack.cloud:{cloudlet.port}/hello"
    assert f"local: {local}" in output
    path_url = f"{cloudlet.endpoint}/_aws/execute-api/{api_id}/"
    assert path_url in output

    # the API answers from the folder's code; a saved change is live on the next request
    assert _get(path_url + "hello") == (200, "v1 hello")
    source = app / "src" / "app.py"
    source.write_text(HANDLER.replace("VERSION", "v2"))
    later = time.time() + 5
    os.utime(source, (later, later))
    assert _get(path_url + "hello") == (200, "v2 hello")

    # nothing changed: nothing to deploy, the outputs are still shown
    again = _deploy(cloudlet, str(app))
    assert again.exit_code == 0, again.output
    assert "No changes to deploy. Stack hello-app is up to date" in again.output
    assert f"QueueUrl = {outputs['QueueUrl']}" in again.output

    # a parameter override updates the stack; the function sees it
    updated = _deploy(cloudlet, str(app / "template.yaml"), "--parameter-overrides", "Greeting=bonjour")
    assert updated.exit_code == 0, updated.output
    assert "UPDATE_COMPLETE" in updated.output
    assert _get(path_url + "hello") == (200, "v2 bonjour")
    parameters = cfn.describe_stacks(StackName="hello-app")["Stacks"][0]["Parameters"]
    assert parameters == [{"ParameterKey": "Greeting", "ParameterValue": "bonjour"}]
    # a later deploy without the override keeps the previous value (as `aws cloudformation deploy`)
    kept = _deploy(cloudlet, str(app))
    assert "No changes to deploy" in kept.output, kept.output


QUEUES = """\
Parameters:
  Retention:
    Type: Number
    Default: 60
Resources:
  First:
    Type: AWS::SQS::Queue
  Second:
    Type: AWS::SQS::Queue
    DependsOn: First
    Properties:
      MessageRetentionPeriod: !Ref Retention
Outputs:
  FirstUrl:
    Value: !Ref First
"""


def test_a_failed_deployment_names_the_resource_and_a_fixed_template_deploys(cloudlet, tmp_path: Path):
    template = tmp_path / "queues.yaml"
    template.write_text(QUEUES)
    failed = _deploy(
        cloudlet, str(template), "--stack-name", "queues", "--parameter-overrides", "Retention=1"
    )
    assert failed.exit_code == 1, failed.output
    assert "Deployment failed" in failed.output
    assert "ROLLBACK_COMPLETE" in failed.output
    assert "Second (AWS::SQS::Queue) CREATE_FAILED" in failed.output
    sqs = cloudlet.client("sqs")
    assert sqs.list_queues().get("QueueUrls", []) == []  # nothing half-created is left

    fixed = _deploy(cloudlet, str(template), "--stack-name", "queues")
    assert fixed.exit_code == 0, fixed.output
    assert "deleting it first" in fixed.output
    assert "CREATE_COMPLETE" in fixed.output
    assert len(sqs.list_queues()["QueueUrls"]) == 2
    assert "FirstUrl = http" in fixed.output


def test_a_large_template_goes_through_s3_and_the_port_comes_from_the_environment(cloudlet, tmp_path: Path):
    app = tmp_path / "big"
    app.mkdir()
    (app / "template.yaml").write_text("Metadata:\n  Padding: " + "x" * 52000 + "\n" + QUEUES)
    env = {"COLUMNS": "200", "CLOUDLET_PORT": str(cloudlet.port), "AWS_ENDPOINT_URL": None}
    result = CliRunner().invoke(cli, ["deploy", str(app)], env=env)
    assert result.exit_code == 0, result.output
    assert "Stack big deployed" in result.output
    bucket = "cloudlet-deploy-artifacts-000000000000"
    keys = [o["Key"] for o in cloudlet.client("s3").list_objects_v2(Bucket=bucket)["Contents"]]
    assert [key.endswith(".template") for key in keys] == [True]


def test_template_errors_are_reported_with_their_line(cloudlet, tmp_path: Path):
    template = tmp_path / "bad.yaml"
    template.write_text(
        "Resources:\n  Stream:\n    Type: AWS::Kinesis::Stream\n    Properties: {ShardCount: 1}\n"
    )
    result = _deploy(cloudlet, str(template), "--stack-name", "bad")
    assert result.exit_code == 1
    assert "ValidationError" in result.output
    assert "AWS::Kinesis::Stream" in result.output and "line 2" in result.output

    missing = tmp_path / "app"
    missing.mkdir()
    (missing / "template.yaml").write_text(
        "Transform: AWS::Serverless-2016-10-31\nResources:\n  Fn:\n    Type: AWS::Serverless::Function\n"
        "    Properties: {CodeUri: ./nope, Handler: a.b, Runtime: python3.12}\n"
    )
    result = _deploy(cloudlet, str(missing))
    assert result.exit_code == 1
    assert "CodeUri of Resources.Fn (line 5) refers to a file or folder that does not exist" in result.output


def test_bad_parameter_overrides_and_no_server(tmp_path: Path):
    (tmp_path / "template.yaml").write_text(QUEUES)
    bad = CliRunner().invoke(cli, ["deploy", str(tmp_path), "--parameter-overrides", "Retention"])
    assert bad.exit_code == 2
    assert "'Retention' is not Key=Value" in bad.output
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    nobody = CliRunner().invoke(cli, ["deploy", str(tmp_path), "--endpoint-url", f"http://127.0.0.1:{port}"])
    assert nobody.exit_code == 1
    assert f"no cloudlet answers at http://127.0.0.1:{port}" in nobody.output


def _stderr_until(process: subprocess.Popen[bytes], *markers: str) -> str:
    """The process's stderr up to the end of a line holding one of `markers` (fails after JOIN_S of
    silence).
    Reads the pipe unbuffered: a buffered reader would hold lines the selector no longer reports."""
    assert process.stderr is not None
    fd = process.stderr.fileno()
    text = ""
    with selectors.DefaultSelector() as selector:
        selector.register(fd, selectors.EVENT_READ)
        while not any(marker in text and "\n" in text.split(marker, 1)[1] for marker in markers):
            assert selector.select(JOIN_S), f"no more output after: {text}"
            chunk = os.read(fd, 65536)
            assert chunk, f"process ended: {text}"
            text += chunk.decode(errors="replace")
    return text


def test_up_deploy_serves_and_deploys_in_one_command(tmp_path: Path):
    (tmp_path / "template.yaml").write_text(QUEUES)
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with cli_process("up", "--in-memory", "-q", "--port", str(port), "--deploy", str(tmp_path)) as process:
        text = _stderr_until(process, "FirstUrl = ", "Deployment failed")
        assert "CREATE_COMPLETE" in text and "FirstUrl" in text, text
        url = text.split("FirstUrl = ", 1)[1].split()[0]
        # still serving: the queue the stack made answers
        sqs = boto3.client(
            "sqs",
            endpoint_url=f"http://127.0.0.1:{port}",
            region_name="us-east-1",
            aws_access_key_id="test",
            aws_secret_access_key="test",
        )
        assert sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]
