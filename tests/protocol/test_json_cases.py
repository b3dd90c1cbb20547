"""Hand-written awsJson cases: odd bodies, wrong JSON types, timestamps, errors, event streams."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from botocore.exceptions import EventStreamError
from hypothesis import given
from hypothesis import strategies as st

from cloudlet.protocol import catalog
from cloudlet.protocol.errors import SerializationException, ServiceError
from cloudlet.protocol.http import Headers, HttpRequest
from cloudlet.protocol.parsers.json import JSONRequestParser
from cloudlet.protocol.serializers.json import JSONResponseSerializer
from tests.protocol.oracle import botocore_parse

UTC = dt.UTC
DYNAMODB = catalog.service_model("dynamodb")
PUT_ITEM = DYNAMODB.operation_model("PutItem")
SQS = catalog.service_model("sqs")
KINESIS = catalog.service_model("kinesis")
LOGS = catalog.service_model("logs")


def request(body: bytes | str, target: str = "DynamoDB_20120810.PutItem") -> HttpRequest:
    raw = body.encode() if isinstance(body, str) else body
    headers = Headers([("Content-Type", "application/x-amz-json-1.0"), ("X-Amz-Target", target)])
    return HttpRequest(method="POST", raw_path="/", headers=headers, body=raw)


def parse(body: Any, service: Any = DYNAMODB, op: str = "PutItem") -> dict[str, Any]:
    raw = body if isinstance(body, bytes | str) else json.dumps(body)
    return JSONRequestParser(service).parse(service.operation_model(op), request(raw))


@pytest.mark.parametrize("body", [b"", b"  \n", b"null"])
def test_empty_body_is_an_empty_input(body: bytes) -> None:
    assert parse(body) == {}


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("[]", "Start of list found where not expected"),
        ("[1, 2]", "Start of list found where not expected"),
        ("42", "NUMBER_VALUE cannot be converted to Structure"),
        ('"text"', "STRING_VALUE cannot be converted to Structure"),
        ("true", "TRUE_VALUE cannot be converted to Structure"),
    ],
)
def test_a_body_that_is_not_an_object(body: str, message: str) -> None:
    with pytest.raises(SerializationException) as caught:
        parse(body)
    assert caught.value.message == message


@pytest.mark.parametrize(
    "body",
    ['{"TableName": ', "{'TableName': 't'}", '{"a": 1}}', "\xff\xfe{", '{"TableName": 1' + "0" * 5000 + "}"],
)
def test_malformed_json(body: str) -> None:
    with pytest.raises(SerializationException):
        parse(body.encode("latin-1"))


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"TableName": 5}, "NUMBER_VALUE cannot be converted to String"),
        ({"TableName": ["t"]}, "Start of list found where not expected"),
        ({"Item": []}, "Start of list found where not expected"),
        ({"Item": {"a": "x"}}, "STRING_VALUE cannot be converted to Structure"),
        ({"Item": {"a": {"L": {"S": "x"}}}}, "Start of structure or map found where not expected."),
        ({"Item": {"a": {"BOOL": "true"}}}, "STRING_VALUE cannot be converted to Boolean"),
        ({"Item": {"a": {"NULL": 1}}}, "NUMBER_VALUE cannot be converted to Boolean"),
        ({"Item": {"a": {"B": 7}}}, "NUMBER_VALUE cannot be converted to ByteBuffer"),
        ({"Item": {"a": {"B": "not base64!"}}}, "Base64 encoded value 'not base64!' is invalid"),
    ],
)
def test_wrong_json_types(body: dict[str, Any], message: str) -> None:
    with pytest.raises(SerializationException) as caught:
        parse(body)
    assert caught.value.message == message


def test_numbers() -> None:
    receive = SQS.operation_model("ReceiveMessage")
    parser = JSONRequestParser(SQS)
    assert parser.parse(receive, request('{"QueueUrl": "u", "MaxNumberOfMessages": 10.0}')) == {
        "QueueUrl": "u",
        "MaxNumberOfMessages": 10,
    }
    for bad in ('"10"', "10.5", "true"):
        with pytest.raises(SerializationException):
            parser.parse(receive, request('{"QueueUrl": "u", "MaxNumberOfMessages": ' + bad + "}"))


def test_nulls_unknown_members_and_unicode() -> None:
    body = (
        '{"TableName": "t\\u00fc\\ud83d\\ude00", "Expected": null, '
        '"Bogus": {"x": [1]}, "Item": {"k": {"S": "✓"}}}'
    )
    assert parse(body) == {"TableName": "tü😀", "Item": {"k": {"S": "✓"}}}


def test_deeply_nested_attribute_values() -> None:
    value: dict[str, Any] = {"S": "leaf"}
    for _ in range(60):
        value = {"M": {"k": {"L": [value]}}}
    assert parse({"TableName": "t", "Item": {"a": value}})["Item"]["a"] == value


def test_absurd_nesting_is_a_serialization_exception() -> None:
    with pytest.raises(SerializationException):
        parse('{"Item": {"a": ' + '{"L": [' * 5000 + "]}" * 5000 + "}}")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (1714564800, dt.datetime(2024, 5, 1, 12, tzinfo=UTC)),
        (1714564800.25, dt.datetime(2024, 5, 1, 12, 0, 0, 250000, tzinfo=UTC)),
        ("1714564800", dt.datetime(2024, 5, 1, 12, tzinfo=UTC)),
        ("2024-05-01T12:00:00Z", dt.datetime(2024, 5, 1, 12, tzinfo=UTC)),
        ("2024-05-01T12:00:00.5+00:00", dt.datetime(2024, 5, 1, 12, 0, 0, 500000, tzinfo=UTC)),
        ("Wed, 01 May 2024 12:00:00 GMT", dt.datetime(2024, 5, 1, 12, tzinfo=UTC)),
    ],
)
def test_timestamps_in_every_aws_format(value: Any, expected: dt.datetime) -> None:
    parsed = parse({"logGroupName": "g", "startTime": 1, "endTime": 2}, LOGS, "GetLogEvents")
    assert parsed["startTime"] == 1  # a long, not a timestamp
    events = parse(
        {"StreamName": "s", "ShardId": "x", "ShardIteratorType": "AT_TIMESTAMP", "Timestamp": value},
        KINESIS,
        "GetShardIterator",
    )
    assert events["Timestamp"] == expected


@pytest.mark.parametrize("value", [True, "yesterday", [1], {"t": 1}])
def test_bad_timestamps(value: Any) -> None:
    with pytest.raises(SerializationException):
        parse({"StreamName": "s", "Timestamp": value}, KINESIS, "GetShardIterator")


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=5),
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(
            st.sampled_from(
                [
                    "TableName",
                    "Item",
                    "S",
                    "N",
                    "B",
                    "M",
                    "L",
                    "BOOL",
                    "NULL",
                    "SS",
                    "Expected",
                    "ReturnValues",
                    "x",
                ]
            ),
            inner,
            max_size=4,
        )
    ),
    max_leaves=12,
)


@given(json_values)
def test_any_json_document_parses_or_raises_serialization_exception(document: Any) -> None:
    try:
        parse(json.dumps(document))
    except SerializationException:
        pass


@given(st.binary(max_size=64))
def test_any_bytes_parse_or_raise_serialization_exception(body: bytes) -> None:
    try:
        parse(body)
    except SerializationException:
        pass


# --- responses ------------------------------------------------------------------------------------------


def test_response_headers_and_json_versions() -> None:
    response = JSONResponseSerializer(DYNAMODB).serialize_response(PUT_ITEM, {}, "r-1")
    assert response.header("Content-Type") == "application/x-amz-json-1.0"
    assert response.header("x-amzn-RequestId") == "r-1"
    assert json.loads(response.body) == {}
    op = KINESIS.operation_model("ListStreams")
    response = JSONResponseSerializer(KINESIS).serialize_response(op, {"StreamNames": ["a"]}, "r")
    assert response.header("Content-Type") == "application/x-amz-json-1.1"


def test_timestamps_floats_and_blobs_in_responses() -> None:
    op = KINESIS.operation_model("GetRecords")
    when = dt.datetime(2024, 5, 1, 12, 0, 0, 123456, tzinfo=UTC)
    output = {
        "Records": [
            {
                "SequenceNumber": "1",
                "Data": b"\x00\x01",
                "PartitionKey": "p",
                "ApproximateArrivalTimestamp": when,
            }
        ],
        "MillisBehindLatest": 0,
    }
    response = JSONResponseSerializer(KINESIS).serialize_response(op, output, "r")
    record = json.loads(response.body)["Records"][0]
    assert record["ApproximateArrivalTimestamp"] == 1714564800.123
    assert record["Data"] == "AAE="
    parsed = botocore_parse(KINESIS, op, response)
    assert parsed["Records"][0]["ApproximateArrivalTimestamp"] == when.replace(microsecond=123000)


def test_special_floats() -> None:
    op = catalog.service_model("cloudwatch").operation_model("GetMetricStatistics")
    serializer = JSONResponseSerializer(catalog.service_model("cloudwatch"))
    response = serializer.serialize_response(
        op, {"Datapoints": [{"Sum": float("inf"), "Average": float("nan")}]}, "r"
    )
    assert json.loads(response.body)["Datapoints"] == [{"Sum": "Infinity", "Average": "NaN"}]


def test_error_body_and_headers() -> None:
    error = type("ResourceNotFoundException", (ServiceError,), {})("Requested resource not found")
    response = JSONResponseSerializer(DYNAMODB).serialize_error(error, PUT_ITEM, "r")
    assert response.status == 400
    assert json.loads(response.body) == {
        "__type": "ResourceNotFoundException",
        "message": "Requested resource not found",
    }
    assert response.header("x-amzn-query-error") is None


def test_error_extra_members_use_the_shape() -> None:
    error = type("TransactionCanceledException", (ServiceError,), {})(
        "cancelled", CancellationReasons=[{"Code": "ConditionalCheckFailed", "Item": {"a": {"B": b"\x01"}}}]
    )
    op = DYNAMODB.operation_model("TransactWriteItems")
    body = json.loads(JSONResponseSerializer(DYNAMODB).serialize_error(error, op, "r").body)
    assert body == {
        "__type": "TransactionCanceledException",
        "Message": "cancelled",
        "CancellationReasons": [{"Code": "ConditionalCheckFailed", "Item": {"a": {"B": "AQ=="}}}],
    }


def test_query_compatible_services_send_the_query_error_header() -> None:
    error = type("QueueDoesNotExist", (ServiceError,), {})("The specified queue does not exist.")
    op = SQS.operation_model("GetQueueUrl")
    response = JSONResponseSerializer(SQS).serialize_error(error, op, "r")
    info_code = response.header("x-amzn-query-error")
    assert info_code is not None and info_code.endswith(";Sender")
    parsed = botocore_parse(SQS, op, response)
    assert parsed["Error"]["Code"] == info_code.split(";")[0]
    assert parsed["Error"]["Type"] == "Sender"


def test_event_stream_output_starts_with_initial_response() -> None:
    op = KINESIS.operation_model("SubscribeToShard")
    events = [
        {
            "SubscribeToShardEvent": {
                "Records": [],
                "ContinuationSequenceNumber": "1",
                "MillisBehindLatest": 0,
            }
        },
        {
            "SubscribeToShardEvent": {
                "Records": [{"SequenceNumber": "2", "Data": b"x", "PartitionKey": "p"}],
                "ContinuationSequenceNumber": "2",
                "MillisBehindLatest": 5,
            }
        },
    ]
    response = JSONResponseSerializer(KINESIS).serialize_response(op, {"EventStream": events}, "r")
    assert response.header("Content-Type") == "application/vnd.amazon.eventstream"
    assert isinstance(response.body, bytes) and b"initial-response" in response.body[:100]
    assert botocore_parse(KINESIS, op, response)["EventStream"] == events


def test_event_stream_exception_event() -> None:
    op = KINESIS.operation_model("SubscribeToShard")
    events = [{"ResourceNotFoundException": {"message": "gone"}}]
    response = JSONResponseSerializer(KINESIS).serialize_response(op, {"EventStream": events}, "r")
    with pytest.raises(EventStreamError) as caught:
        botocore_parse(KINESIS, op, response)
    assert caught.value.response["Error"] == {"Code": "ResourceNotFoundException", "Message": "gone"}
