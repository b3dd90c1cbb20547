"""Synchronous invocation on warm workers: results, errors as AWS reports them, logs, environment,
timeouts, throttling, and boto3 inside a handler talking back to cloudlet."""

from __future__ import annotations

import base64
import json

import pytest
from botocore.exceptions import ClientError

from tests.services.lambda_.conftest import payload

RAISES = """
def handler(event, context):
    raise ValueError("bad input: " + str(event.get("n")))
"""

PRINTS = """
import logging
logging.getLogger().setLevel(logging.INFO)

def handler(event, context):
    print("hello from the handler")
    logging.info("a log record")
    return "done"
"""

ENV = """
import os

def handler(event, context):
    keys = ["AWS_LAMBDA_FUNCTION_NAME", "AWS_LAMBDA_FUNCTION_VERSION", "AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
            "AWS_REGION", "_HANDLER", "LAMBDA_TASK_ROOT", "GREETING", "AWS_ENDPOINT_URL"]
    return {k: os.environ.get(k) for k in keys}
"""

SLOW = """
import time

def handler(event, context):
    time.sleep(5)
    return "too late"
"""

USES_SQS = """
import boto3

def handler(event, context):
    sqs = boto3.client("sqs")
    url = sqs.get_queue_url(QueueName=event["queue"])["QueueUrl"]
    sqs.send_message(QueueUrl=url, MessageBody="from the function")
    return "sent"
"""


def test_a_warm_invoke_returns_the_handler_result(lam, make_function):
    make_function()
    response = lam.invoke(FunctionName="echo", Payload=json.dumps({"a": 1}))
    assert response["StatusCode"] == 200
    assert response["ExecutedVersion"] == "$LATEST"
    assert "FunctionError" not in response
    result = payload(response)
    assert result["event"] == {"a": 1} and result["function"] == "echo" and result["memory"] == "128"
    assert result["remaining_ms"] is True
    again = payload(lam.invoke(FunctionName="echo", Payload=b"{}"))
    assert again["request_id"] != result["request_id"]


def test_an_unhandled_error_is_reported_as_aws_does(lam, make_function):
    make_function("fails", RAISES)
    response = lam.invoke(FunctionName="fails", Payload=json.dumps({"n": 7}))
    assert response["StatusCode"] == 200
    assert response["FunctionError"] == "Unhandled"
    body = payload(response)
    assert body["errorType"] == "ValueError"
    assert body["errorMessage"] == "bad input: 7"
    assert isinstance(body.get("stackTrace"), list)


def test_a_module_that_cannot_be_imported_fails_with_import_module_error(lam, make_function):
    make_function("broken", "def handler(event, context):\n    return 1\n", Handler="missing.handler")
    response = lam.invoke(FunctionName="broken", Payload=b"{}")
    assert response["FunctionError"] == "Unhandled"
    assert payload(response)["errorType"] == "Runtime.ImportModuleError"


def test_log_type_tail_returns_the_invocation_log(lam, make_function):
    make_function("talks", PRINTS)
    response = lam.invoke(FunctionName="talks", Payload=b"{}", LogType="Tail")
    log = base64.b64decode(response["LogResult"]).decode()
    assert "hello from the handler" in log
    assert "START RequestId:" in log and "END RequestId:" in log and "REPORT RequestId:" in log


def test_the_environment_is_as_on_aws(cloudlet, lam, make_function):
    make_function("env", ENV, Environment={"Variables": {"GREETING": "hi"}}, MemorySize=256)
    result = payload(lam.invoke(FunctionName="env", Payload=b"{}"))
    assert result["AWS_LAMBDA_FUNCTION_NAME"] == "env"
    assert result["AWS_LAMBDA_FUNCTION_VERSION"] == "$LATEST"
    assert result["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"] == "256"
    assert result["AWS_REGION"] == "us-east-1"
    assert result["_HANDLER"] == "app.handler"
    assert result["GREETING"] == "hi"
    assert result["AWS_ENDPOINT_URL"] == cloudlet.endpoint


def test_boto3_in_a_handler_talks_to_cloudlet(cloudlet, lam, make_function):
    sqs = cloudlet.client("sqs")
    url = sqs.create_queue(QueueName="out")["QueueUrl"]
    make_function("sender", USES_SQS, Timeout=30)
    assert payload(lam.invoke(FunctionName="sender", Payload=json.dumps({"queue": "out"}))) == "sent"
    assert sqs.receive_message(QueueUrl=url)["Messages"][0]["Body"] == "from the function"


def test_a_timeout_kills_the_invocation(lam, make_function):
    make_function("slow", SLOW, Timeout=1)
    response = lam.invoke(FunctionName="slow", Payload=b"{}")
    assert response["FunctionError"] == "Unhandled"
    assert "Task timed out after 1.00 seconds" in payload(response)["errorMessage"]


def test_zero_reserved_concurrency_throttles(lam, make_function):
    make_function()
    lam.put_function_concurrency(FunctionName="echo", ReservedConcurrentExecutions=0)
    with pytest.raises(ClientError) as exc:
        lam.invoke(FunctionName="echo", Payload=b"{}")
    assert exc.value.response["Error"]["Code"] == "TooManyRequestsException"
    assert exc.value.response["ResponseMetadata"]["HTTPStatusCode"] == 429


def test_dry_run_checks_without_running(lam, make_function):
    make_function()
    assert lam.invoke(FunctionName="echo", InvocationType="DryRun")["StatusCode"] == 204


def test_a_version_and_an_alias_run_their_own_code(lam, make_function):
    make_function("v", "def handler(e, c):\n    return 'one'\n")
    lam.publish_version(FunctionName="v")
    lam.create_alias(FunctionName="v", Name="stable", FunctionVersion="1")
    from tests.services.lambda_.conftest import package

    lam.update_function_code(
        FunctionName="v", ZipFile=package({"app.py": "def handler(e, c):\n    return 'two'\n"})
    )
    assert payload(lam.invoke(FunctionName="v")) == "two"
    assert payload(lam.invoke(FunctionName="v", Qualifier="1")) == "one"
    response = lam.invoke(FunctionName="v", Qualifier="stable")
    assert payload(response) == "one" and response["ExecutedVersion"] == "1"


GREEDY = """
def handler(event, context):
    blob = bytearray(event["mb"] * 1024 * 1024)
    return len(blob)
"""

EXITS = """
import os

def handler(event, context):
    if event.get("exit"):
        os._exit(3)
    return "alive"
"""


def test_exceeding_the_memory_size_fails_as_killed(lam, make_function):
    make_function("greedy", GREEDY, MemorySize=128)
    assert payload(lam.invoke(FunctionName="greedy", Payload=json.dumps({"mb": 16}))) == 16 * 1024 * 1024
    response = lam.invoke(FunctionName="greedy", Payload=json.dumps({"mb": 400}))
    assert response["FunctionError"] == "Unhandled"
    assert "Runtime exited with error: signal: killed" in payload(response)["errorMessage"]


def test_a_crashed_worker_is_replaced_by_a_cold_start(lam, make_function):
    make_function("exits", EXITS)
    lam.invoke(FunctionName="exits", Payload=b"{}")
    crashed = lam.invoke(FunctionName="exits", Payload=json.dumps({"exit": True}))
    assert crashed["FunctionError"] == "Unhandled"
    assert payload(crashed)["errorType"] == "Runtime.ExitError"
    again = lam.invoke(FunctionName="exits", Payload=b"{}", LogType="Tail")
    assert payload(again) == "alive"
    assert "Init Duration" in base64.b64decode(again["LogResult"]).decode()
