"""Bad requests get the AWS error of their protocol, never a 500 or a traceback."""

from __future__ import annotations

import json
import urllib.request

import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

NO_CLIENT_VALIDATION = Config(parameter_validation=False, retries={"max_attempts": 1})


def _post(
    endpoint: str, body: bytes, headers: dict[str, str], path: str = "/"
) -> tuple[int, dict[str, str], bytes]:
    request = urllib.request.Request(endpoint + path, data=body, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request) as response:
            return response.status, {k.lower(): v for k, v in response.headers.items()}, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, {k.lower(): v for k, v in exc.headers.items()}, exc.read()


def test_unknown_json_operation_is_unknown_operation_exception(cloudlet):
    status, headers, body = _post(
        cloudlet.endpoint,
        b"{}",
        {"X-Amz-Target": "DynamoDB_20120810.NoSuchThing", "Content-Type": "application/x-amz-json-1.0"},
    )
    assert status == 400
    assert json.loads(body)["__type"].endswith("UnknownOperationException")
    assert headers.get("x-amzn-requestid")


def test_unknown_target_prefix_is_unknown_operation_exception(cloudlet):
    status, _, body = _post(
        cloudlet.endpoint,
        b"{}",
        {"X-Amz-Target": "Nope_2020.Thing", "Content-Type": "application/x-amz-json-1.1"},
    )
    assert status == 400
    assert json.loads(body)["__type"] == "UnknownOperationException"


def test_unknown_query_action_is_invalid_action(cloudlet):
    sns = cloudlet.client("sns")
    assert sns.list_topics()["Topics"] == []  # a real operation first: routing works
    status, _, body = _post(
        cloudlet.endpoint,
        b"Action=NoSuchAction&Version=2010-03-31",
        {
            "Content-Type": "application/x-www-form-urlencoded",
            "Authorization": "AWS4-HMAC-SHA256 Credential=test/20240101/us-east-1/sns/aws4_request, "
            "SignedHeaders=host, Signature=x",
        },
    )
    assert status == 400
    assert b"<Code>InvalidAction</Code>" in body
    assert b"<RequestId>" in body


def test_malformed_json_body_is_serialization_exception(cloudlet):
    status, _, body = _post(
        cloudlet.endpoint,
        b"{not json",
        {"X-Amz-Target": "DynamoDB_20120810.ListTables", "Content-Type": "application/x-amz-json-1.0"},
    )
    assert status == 400
    assert json.loads(body)["__type"].endswith("SerializationException")


def test_malformed_xml_body_is_malformed_xml(cloudlet):
    request = urllib.request.Request(
        cloudlet.endpoint + "/bucket?tagging",
        data=b"<Tagging><TagSet><Tag>",
        method="PUT",
        headers={
            "Authorization": "AWS4-HMAC-SHA256 Credential=test/20240101/us-east-1/s3/aws4_request, "
            "SignedHeaders=host, Signature=x"
        },
    )
    with pytest.raises(urllib.error.HTTPError) as caught:
        urllib.request.urlopen(request)
    assert caught.value.code == 400
    assert b"<Code>MalformedXML</Code>" in caught.value.read()


def test_unimplemented_operation_answers_not_implemented(cloudlet):
    sns = cloudlet.client("sns")
    with pytest.raises(ClientError) as caught:
        sns.list_platform_applications()
    error = caught.value.response
    assert error["Error"]["Code"] == "NotImplemented"
    assert error["ResponseMetadata"]["HTTPStatusCode"] == 501


def test_validation_error_lists_every_violation_in_aws_form(cloudlet):
    ddb = cloudlet.client("dynamodb", config=NO_CLIENT_VALIDATION)
    with pytest.raises(ClientError) as caught:
        ddb.get_item(TableName="t" * 1025)
    error = caught.value.response["Error"]
    assert error["Code"] == "ValidationException"
    assert error["Message"].startswith("2 validation errors detected: ")
    assert "Value null at 'key' failed to satisfy constraint: Member must not be null" in error["Message"]
    assert (
        "at 'tableName' failed to satisfy constraint: Member must have length less than or equal to"
        in (error["Message"])
    )


def test_internal_error_is_internal_failure_with_request_id(cloudlet, caplog):
    def boom(ctx, request):
        raise RuntimeError("a bug")

    cloudlet.app.service("sts").handlers["sts"]["GetCallerIdentity"] = boom
    sts = cloudlet.client("sts")
    with pytest.raises(ClientError) as caught:
        sts.get_caller_identity()
    response = caught.value.response
    assert response["Error"]["Code"] == "InternalFailure"
    assert response["ResponseMetadata"]["HTTPStatusCode"] == 500
    request_id = response["ResponseMetadata"]["RequestId"]
    assert request_id and request_id in response["Error"]["Message"]
    assert "a bug" not in response["Error"]["Message"]
    assert any(request_id in r.getMessage() for r in caplog.records)


def test_service_not_served_is_a_clean_error(cloudlet):
    ec2 = cloudlet.client("ec2")
    with pytest.raises(ClientError) as caught:
        ec2.describe_instances()
    assert caught.value.response["Error"]["Code"] == "UnknownService"
    assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400


def test_garbage_bytes_never_produce_a_500(cloudlet):
    for headers in (
        {"Content-Type": "application/x-amz-json-1.0", "X-Amz-Target": "AmazonSQS.SendMessage"},
        {"Content-Type": "application/x-www-form-urlencoded"},
        {"Content-Type": "application/cbor", "smithy-protocol": "rpc-v2-cbor"},
    ):
        path = (
            "/service/GraniteServiceVersion20100801/operation/PutMetricData"
            if "smithy-protocol" in headers
            else "/"
        )
        status, _, _ = _post(cloudlet.endpoint, b"\xff\x00\xfe garbage \x81", headers, path=path)
        assert 400 <= status < 500, headers


def test_sqs_legacy_query_form_is_routed_and_answered_in_xml(cloudlet):
    status, headers, body = _post(
        cloudlet.endpoint,
        b"Action=ListQueues&Version=2012-11-05",
        {
            "Content-Type": "application/x-www-form-urlencoded",
            "Authorization": "AWS4-HMAC-SHA256 Credential=test/20240101/us-east-1/sqs/aws4_request, "
            "SignedHeaders=host, Signature=x",
        },
    )
    assert status == 200
    assert headers["content-type"].startswith("text/xml")
    assert b"<ListQueuesResponse" in body
    assert b"http://queue.amazonaws.com/doc/2012-11-05/" in body
