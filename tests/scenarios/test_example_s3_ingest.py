"""The s3-ingest example deployed from its SAM template through CloudFormation (the functions run from
`examples/s3-ingest/src` with hot reload, as `cloudlet deploy` runs them): a JSON file under
`incoming/` becomes DynamoDB items through extract → SQS → load, the CRUD API reads and writes the same
table, a record that can't be stored reaches the dead-letter queue, and the functions log to their
log groups."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import pytest

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "s3-ingest"
STACK = "s3-ingest"
VISIBILITY_TIMEOUT_S = 180  # RecordsQueue's, in the template
MAX_RECEIVE_COUNT = 3


def deploy(
    cloudlet: Any, folder: Path, stack: str, parameters: dict[str, str] | None = None
) -> dict[str, str]:
    """Deploy the folder's template as `cloudlet deploy` does; its Outputs."""
    return dict(cloudlet.deploy(folder, stack, parameters))


def http(method: str, url: str, body: Any = None) -> tuple[int, Any]:
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(
        url, data=data, method=method, headers={"Content-Type": "application/json"}
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            status, raw = response.status, response.read()
    except urllib.error.HTTPError as error:
        status, raw = error.code, error.read()
    return status, json.loads(raw) if raw else None


def depth(sqs: Any, url: str) -> int:
    names = ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"]
    attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=names)["Attributes"]
    return sum(int(attributes[n]) for n in names)


def log_messages(cloudlet: Any, function: str) -> list[str]:
    logs = cloudlet.client("logs")
    events = logs.filter_log_events(logGroupName=f"/aws/lambda/{function}")["events"]
    return [e["message"] for e in events]


@pytest.fixture
def ingest(cloudlet: Any) -> dict[str, str]:
    return deploy(cloudlet, EXAMPLE, STACK)


def test_the_stack_has_the_templates_resources(cloudlet, ingest):
    cfn, lam, logs = (cloudlet.client(n) for n in ("cloudformation", "lambda", "logs"))
    summaries = cfn.list_stack_resources(StackName=STACK)["StackResourceSummaries"]
    assert {s["ResourceStatus"] for s in summaries} == {"CREATE_COMPLETE"}
    types = sorted(s["ResourceType"] for s in summaries)
    for expected in (
        "AWS::ApiGateway::RestApi",
        "AWS::DynamoDB::Table",
        "AWS::Lambda::EventSourceMapping",
        "AWS::Lambda::Function",
        "AWS::Logs::LogGroup",
        "AWS::S3::Bucket",
        "AWS::SQS::Queue",
    ):
        assert expected in types
    assert types.count("AWS::Lambda::Function") == 3
    # tracing is on (X-Ray accepted and stored), and each function has its log group with a retention
    for key in ("ExtractFunctionName", "LoadFunctionName", "ItemsFunctionName"):
        config = lam.get_function_configuration(FunctionName=ingest[key])
        assert config["TracingConfig"] == {"Mode": "Active"}
        assert config["Runtime"] == "python3.12"
        (group,) = logs.describe_log_groups(logGroupNamePrefix=f"/aws/lambda/{ingest[key]}")["logGroups"]
        assert group["retentionInDays"] == 14
    stage = cloudlet.client("apigateway").get_stage(restApiId=ingest["ApiId"], stageName="prod")
    assert stage["tracingEnabled"] is True
    assert ingest["BucketName"] == "s3-ingest-uploads-000000000000-us-east-1"
    assert ingest["ApiUrl"] == f"https://{ingest['ApiId']}.execute-api.us-east-1.amazonaws.com/prod/"


def test_an_uploaded_file_becomes_items_readable_through_the_api(cloudlet, ingest):
    s3, sqs, ddb = (cloudlet.client(n) for n in ("s3", "sqs", "dynamodb"))
    bucket, table = ingest["BucketName"], ingest["TableName"]
    records = [{"id": "a-1", "total": 10}, {"id": "a-2", "total": 20.5}, {"name": "no id"}]
    # When a JSON file lands under incoming/, and others outside the prefix or suffix
    s3.put_object(Bucket=bucket, Key="incoming/orders 1.json", Body=json.dumps(records).encode())
    s3.put_object(Bucket=bucket, Key="archive/old.json", Body=b'[{"id": "ignored-prefix"}]')
    s3.put_object(Bucket=bucket, Key="incoming/notes.txt", Body=b'[{"id": "ignored-suffix"}]')
    cloudlet.settle()

    # Then each record of the file is an item (a record without id is keyed by file and position)
    items = {i["id"]["S"]: i for i in ddb.scan(TableName=table)["Items"]}
    assert sorted(items) == ["a-1", "a-2", "incoming/orders 1.json#2"]
    assert items["a-2"]["total"] == {"N": "20.5"}
    assert items["a-1"]["source"] == {"S": f"s3://{bucket}/incoming/orders 1.json"}
    assert depth(sqs, ingest["RecordsQueueUrl"]) == 0
    assert any('"records": 3' in m for m in log_messages(cloudlet, ingest["ExtractFunctionName"]))
    assert sum('"stored"' in m for m in log_messages(cloudlet, ingest["LoadFunctionName"])) == 3

    # And the API serves the same table: list, create, read, delete
    url = f"{cloudlet.endpoint}/_aws/execute-api/{ingest['ApiId']}/prod/items"
    status, listed = http("GET", url)
    assert status == 200
    assert [i["id"] for i in listed["items"]] == ["a-1", "a-2", "incoming/orders 1.json#2"]
    status, created = http("POST", url, {"name": "widget", "price": 9.5})
    assert status == 201 and created["name"] == "widget"
    assert http("GET", f"{url}/{created['id']}") == (
        200,
        {"id": created["id"], "name": "widget", "price": 9.5},
    )
    assert http("GET", f"{url}/a-1")[1]["total"] == 10
    assert http("DELETE", f"{url}/a-1") == (204, None)
    assert http("GET", f"{url}/a-1") == (404, {"message": "no item a-1"})
    assert http("DELETE", f"{url}/a-1")[0] == 404
    assert http("POST", url, ["not", "an", "object"]) == (400, {"message": "the body must be a JSON object"})


def test_a_record_that_cannot_be_stored_ends_in_the_dead_letter_queue(cloudlet, ingest):
    s3, sqs, ddb = (cloudlet.client(n) for n in ("s3", "sqs", "dynamodb"))
    # Given a file with a good record and one whose id is a number (the load function refuses it)
    body = json.dumps([{"id": "good"}, {"id": 7}]).encode()
    s3.put_object(Bucket=ingest["BucketName"], Key="incoming/mixed.json", Body=body)
    cloudlet.settle()
    assert [i["id"]["S"] for i in ddb.scan(TableName=ingest["TableName"])["Items"]] == ["good"]

    # When the bad record has been received maxReceiveCount times (each retry after the visibility timeout)
    for _ in range(MAX_RECEIVE_COUNT):
        cloudlet.clock.advance(VISIBILITY_TIMEOUT_S + 1)
        cloudlet.settle()

    # Then SQS moved it to the dead-letter queue, and the load function logged each failure
    assert depth(sqs, ingest["RecordsQueueUrl"]) == 0
    (dead,) = sqs.receive_message(QueueUrl=ingest["DeadLetterQueueUrl"])["Messages"]
    assert json.loads(dead["Body"])["id"] == 7
    failures = [m for m in log_messages(cloudlet, ingest["LoadFunctionName"]) if '"failed"' in m]
    assert len(failures) == MAX_RECEIVE_COUNT
