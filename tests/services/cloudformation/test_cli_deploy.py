"""`aws cloudformation deploy` (change sets and waiters) end to end through the AWS CLI."""

from __future__ import annotations

import time

import pytest

from tests.awscli import aws, aws_json

pytestmark = pytest.mark.cloudlet(in_memory=True, services=["sqs", "cloudformation"], virtual_clock=False)

TEMPLATE = """\
Parameters:
  Timeout:
    Type: Number
    Default: 30
Resources:
  Queue:
    Type: AWS::SQS::Queue
    Properties:
      VisibilityTimeout: !Ref Timeout
Outputs:
  QueueUrl:
    Value: !Ref Queue
"""


def test_aws_cloudformation_deploy(cloudlet, tmp_path):
    path = tmp_path / "template.yaml"
    path.write_text(TEMPLATE)
    began = time.monotonic()
    done = aws(
        cloudlet, tmp_path, "cloudformation", "deploy", "--template-file", str(path), "--stack-name", "cli"
    )
    assert done.returncode == 0, done.stderr
    assert "Successfully created/updated stack - cli" in done.stdout
    assert time.monotonic() - began < 20  # the waiters find the stack done at their first look
    stacks = aws_json(cloudlet, tmp_path, "cloudformation", "describe-stacks", "--stack-name", "cli")[
        "Stacks"
    ]
    assert stacks[0]["StackStatus"] == "CREATE_COMPLETE"

    again = aws(
        cloudlet,
        tmp_path,
        "cloudformation",
        "deploy",
        "--template-file",
        str(path),
        "--stack-name",
        "cli",
        "--no-fail-on-empty-changeset",
    )
    assert again.returncode == 0, again.stderr
    assert "No changes to deploy" in again.stdout + again.stderr
    cfn = cloudlet.client("cloudformation")
    (empty,) = cfn.list_change_sets(StackName="cli")["Summaries"]  # kept, FAILED, as AWS keeps it
    assert empty["Status"] == "FAILED"
    # the CLI names change sets by the second: drop this one so the next deploy may reuse the name
    cfn.delete_change_set(ChangeSetName=empty["ChangeSetId"])

    update = aws(
        cloudlet,
        tmp_path,
        "cloudformation",
        "deploy",
        "--template-file",
        str(path),
        "--stack-name",
        "cli",
        "--parameter-overrides",
        "Timeout=45",
    )
    assert update.returncode == 0, update.stderr
    stacks = aws_json(cloudlet, tmp_path, "cloudformation", "describe-stacks", "--stack-name", "cli")[
        "Stacks"
    ]
    assert stacks[0]["StackStatus"] == "UPDATE_COMPLETE"
    url = stacks[0]["Outputs"][0]["OutputValue"]
    attrs = cloudlet.client("sqs").get_queue_attributes(QueueUrl=url, AttributeNames=["VisibilityTimeout"])
    assert attrs["Attributes"]["VisibilityTimeout"] == "45"
    deleted = aws(cloudlet, tmp_path, "cloudformation", "delete-stack", "--stack-name", "cli")
    assert deleted.returncode == 0, deleted.stderr
    waited = aws(cloudlet, tmp_path, "cloudformation", "wait", "stack-delete-complete", "--stack-name", "cli")
    assert waited.returncode == 0, waited.stderr
