"""STS GetCallerIdentity through boto3 and through the AWS CLI."""

from __future__ import annotations

import json
import os
import shutil
import subprocess

import pytest


def test_get_caller_identity_shape(cloudlet):
    identity = cloudlet.client("sts").get_caller_identity()
    assert identity["UserId"] == "000000000000"
    assert identity["Account"] == "000000000000"
    assert identity["Arn"] == "arn:aws:iam::000000000000:root"
    assert identity["ResponseMetadata"]["HTTPStatusCode"] == 200
    assert identity["ResponseMetadata"]["RequestId"]


@pytest.mark.skipif(shutil.which("aws") is None, reason="the AWS CLI is part of the test extras")
def test_aws_cli_get_caller_identity(cloudlet):
    env = {
        **os.environ,
        "AWS_ACCESS_KEY_ID": "123456789012",
        "AWS_SECRET_ACCESS_KEY": "test",
        "AWS_DEFAULT_REGION": "us-east-1",
    }
    out = subprocess.run(
        ["aws", "sts", "get-caller-identity", "--endpoint-url", cloudlet.endpoint, "--output", "json"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["Account"] == "123456789012"
