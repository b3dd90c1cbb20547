"""Hand-written awsQuery cases: list/map layouts, empty lists, URL parameters, timestamps, malformed forms."""

from __future__ import annotations

import base64
import datetime as dt
import xml.etree.ElementTree as ET
from typing import Any
from urllib.parse import quote, urlencode

import pytest
from botocore.model import ServiceModel
from hypothesis import given
from hypothesis import strategies as st

from cloudlet.protocol import catalog
from cloudlet.protocol.errors import CodedError, MalformedQueryString, ServiceError
from cloudlet.protocol.http import Headers, HttpRequest
from cloudlet.protocol.parsers.query import QueryRequestParser
from cloudlet.protocol.serializers.query import QueryResponseSerializer
from tests.protocol.legacy_sqs import legacy_sqs_model_data
from tests.protocol.lossy import normalize_request, normalize_response
from tests.protocol.oracle import botocore_parse, to_http_request
from tests.protocol.strategies import Where, for_shape

UTC = dt.UTC

MODEL = ServiceModel(
    {
        "metadata": {
            "apiVersion": "2020-01-01",
            "endpointPrefix": "tricky",
            "protocol": "query",
            "signatureVersion": "v4",
            "serviceId": "Tricky",
            "xmlNamespace": "https://tricky.amazonaws.com/doc/2020-01-01/",
        },
        "operations": {
            "Do": {
                "name": "Do",
                "http": {"method": "POST", "requestUri": "/"},
                "input": {"shape": "DoInput"},
                "output": {"shape": "DoOutput", "resultWrapper": "DoResult"},
            },
            "Nothing": {"name": "Nothing", "http": {"method": "POST", "requestUri": "/"}},
        },
        "shapes": {
            "DoInput": {
                "type": "structure",
                "members": {
                    "Names": {"shape": "Names"},
                    "Flat": {"shape": "FlatNames"},
                    "Renamed": {"shape": "RenamedFlatNames"},
                    "Nested": {"shape": "NestedMap"},
                    "FlatMap": {"shape": "FlatMap"},
                    "Inner": {"shape": "Inner"},
                    "When": {"shape": "Time"},
                    "Data": {"shape": "Blob"},
                    "Count": {"shape": "Int"},
                    "On": {"shape": "Bool"},
                    "Ratio": {"shape": "Double"},
                },
            },
            "DoOutput": {
                "type": "structure",
                "members": {
                    "Names": {"shape": "Names"},
                    "Flat": {"shape": "FlatNames"},
                    "Renamed": {"shape": "RenamedFlatNames"},
                    "Nested": {"shape": "NestedMap"},
                    "FlatMap": {"shape": "FlatMap"},
                    "When": {"shape": "Time"},
                    "Text": {"shape": "String"},
                    "Ratio": {"shape": "Double"},
                },
            },
            "Inner": {
                "type": "structure",
                "members": {"Deeper": {"shape": "Inner"}, "Name": {"shape": "String"}},
            },
            "Names": {"type": "list", "member": {"shape": "String"}},
            "FlatNames": {"type": "list", "member": {"shape": "String"}, "flattened": True},
            "RenamedFlatNames": {
                "type": "list",
                "member": {"shape": "String", "locationName": "Item"},
                "flattened": True,
            },
            "NestedMap": {"type": "map", "key": {"shape": "String"}, "value": {"shape": "StringMap"}},
            "StringMap": {"type": "map", "key": {"shape": "String"}, "value": {"shape": "String"}},
            "FlatMap": {
                "type": "map",
                "key": {"shape": "String", "locationName": "Name"},
                "value": {"shape": "String", "locationName": "Value"},
                "flattened": True,
            },
            "String": {"type": "string"},
            "Int": {"type": "integer"},
            "Bool": {"type": "boolean"},
            "Double": {"type": "double"},
            "Blob": {"type": "blob"},
            "Time": {"type": "timestamp"},
        },
    },
    service_name="tricky",
)
DO = MODEL.operation_model("Do")
PARSER = QueryRequestParser(MODEL)
SERIALIZER = QueryResponseSerializer(MODEL)


def form(body: str | bytes, query: str = "", method: str = "POST") -> HttpRequest:
    raw = body.encode() if isinstance(body, str) else body
    headers = Headers([("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")])
    return HttpRequest(method=method, raw_path="/", query_string=query, headers=headers, body=raw)


def roundtrip(params: dict[str, Any]) -> dict[str, Any]:
    return PARSER.parse(DO, to_http_request(MODEL, DO, params))


def test_botocore_layouts_of_lists_and_maps_come_back() -> None:
    params = {
        "Names": ["a", "b", ""],
        "Flat": ["x"],
        "Renamed": ["r1", "r2"],
        "Nested": {"outer": {"k": "v", "k2": "ü €"}, "o2": {}},
        "FlatMap": {"n": "v"},
        "Inner": {"Deeper": {"Deeper": {"Name": "deep"}}},
    }
    assert roundtrip(params) == params


def test_wire_names_follow_the_query_rules() -> None:
    request = to_http_request(
        MODEL, DO, {"Renamed": ["r"], "Nested": {"o": {"k": "v"}}, "FlatMap": {"n": "v"}}
    )
    body = request.body.decode()
    assert "Item.1=r" in body  # flattened list elements take the member's locationName
    assert "Nested.entry.1.value.entry.1.key=k" in body
    assert "FlatMap.1.Name=n" in body and "FlatMap.1.Value=v" in body


@pytest.mark.parametrize("member", ["Names", "Flat", "Renamed"])
def test_empty_list_is_sent_as_name_equals_nothing(member: str) -> None:
    assert roundtrip({member: []}) == {member: []}


def test_list_order_is_by_index_not_by_position() -> None:
    parsed = PARSER.parse(DO, form("Action=Do&Names.member.10=ten&Names.member.2=two&Names.member.1=one"))
    assert parsed == {"Names": ["one", "two", "ten"]}


def test_parameters_in_the_url_are_read_for_get_requests() -> None:
    query = "Action=Do&Version=2020-01-01&Count=3&On=true&Names.member.1=" + quote("a b&c")
    parsed = PARSER.parse(DO, form(b"", query=query, method="GET"))
    assert parsed == {"Count": 3, "On": True, "Names": ["a b&c"]}


def test_body_parameters_win_over_url_parameters() -> None:
    parsed = PARSER.parse(DO, form("Count=2", query="Action=Do&Count=1&On=false"))
    assert parsed == {"Count": 2, "On": False}


def test_plus_and_percent_decoding_and_unicode() -> None:
    body = urlencode({"Action": "Do", "Inner.Name": "a+b c%20 ✓ 😀"})
    assert PARSER.parse(DO, form(body)) == {"Inner": {"Name": "a+b c%20 ✓ 😀"}}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2024-05-01T12:00:00Z", dt.datetime(2024, 5, 1, 12, tzinfo=UTC)),
        ("2024-05-01T12:00:00.123456Z", dt.datetime(2024, 5, 1, 12, 0, 0, 123456, tzinfo=UTC)),
        ("2024-05-01T14:00:00+02:00", dt.datetime(2024, 5, 1, 12, tzinfo=UTC)),
        ("2024-05-01T12:00:00", dt.datetime(2024, 5, 1, 12, tzinfo=UTC)),
        ("1714564800", dt.datetime(2024, 5, 1, 12, tzinfo=UTC)),
        ("1714564800.5", dt.datetime(2024, 5, 1, 12, 0, 0, 500000, tzinfo=UTC)),
        ("Wed, 01 May 2024 12:00:00 GMT", dt.datetime(2024, 5, 1, 12, tzinfo=UTC)),
    ],
)
def test_timestamps_in_every_aws_format(text: str, expected: dt.datetime) -> None:
    assert PARSER.parse(DO, form(urlencode({"When": text}))) == {"When": expected}


def test_scalars() -> None:
    blob = base64.b64encode(b"\x00\xff bytes").decode()
    body = urlencode({"Data": blob, "Count": "-7", "On": "FALSE", "Ratio": "-Infinity"})
    assert PARSER.parse(DO, form(body)) == {
        "Data": b"\x00\xff bytes",
        "Count": -7,
        "On": False,
        "Ratio": float("-inf"),
    }


@pytest.mark.parametrize(
    ("body", "parameter"),
    [
        ("Count=seven", "Count"),
        ("On=yes", "On"),
        ("Ratio=fast", "Ratio"),
        ("When=yesterday", "When"),
        ("Data=***", "Data"),
        ("Nested.entry.1.key=a&Nested.entry.1.value.entry.1.key=b&Names.member.2=x&Count=1.5", "Count"),
    ],
)
def test_unconvertible_values_are_invalid_parameter_values(body: str, parameter: str) -> None:
    with pytest.raises(CodedError) as caught:
        PARSER.parse(DO, form(body))
    assert caught.value.code == "InvalidParameterValue"
    assert f"parameter {parameter} " in caught.value.message


def test_path_of_a_bad_nested_value_is_reported() -> None:
    model = catalog.service_model("cloudformation")
    operation = model.operation_model("CreateStack")
    body = "Action=CreateStack&StackName=s&Parameters.member.2.UsePreviousValue=maybe"
    with pytest.raises(CodedError) as caught:
        QueryRequestParser(model).parse(operation, form(body))
    assert "Parameters.member.2.UsePreviousValue" in caught.value.message
    sqs = catalog.service_model("sqs")
    body = "QueueUrl=q&MessageAttribute.3.Name=a&MessageAttribute.3.Value.BinaryValue=%25%25"
    with pytest.raises(CodedError) as caught:
        QueryRequestParser(sqs).parse(sqs.operation_model("SendMessage"), form(body))
    assert "parameter MessageAttribute.3.Value.BinaryValue is invalid" in caught.value.message


def test_invalid_utf8_is_a_malformed_query_string() -> None:
    with pytest.raises(MalformedQueryString):
        PARSER.parse(DO, form("Action=Do&Inner.Name=%ff%fe"))
    with pytest.raises(MalformedQueryString):
        PARSER.parse(DO, form(b"Action=Do&Inner.Name=\xff"))


def test_unknown_and_odd_parameters_are_ignored() -> None:
    body = "Action=Do&Version=x&Unknown=1&Names.member.x=1&Names.member.1=a&&=&Inner..Name=z&Inner"
    assert PARSER.parse(DO, form(body)) == {"Names": ["a"], "Inner": {}}


@given(st.binary(max_size=200) | st.text(max_size=200).map(str.encode))
def test_any_body_parses_or_raises_a_service_error(body: bytes) -> None:
    try:
        PARSER.parse(DO, form(body))
    except ServiceError:
        pass


@given(
    st.lists(
        st.tuples(
            st.sampled_from(["Names", "Flat", "Item", "Nested", "FlatMap", "Inner", "Count", "When", "Data"]),
            st.lists(
                st.sampled_from(["member", "entry", "1", "2", "key", "value", "Name", "Deeper", ""]),
                max_size=4,
            ),
            st.text(max_size=5),
        ),
        max_size=8,
    )
)
def test_any_parameter_tree_parses_or_raises_a_service_error(
    fields: list[tuple[str, list[str], str]],
) -> None:
    body = urlencode([(".".join([head, *rest]), value) for head, rest, value in fields])
    try:
        PARSER.parse(DO, form(body))
    except ServiceError:
        pass


# --- responses ------------------------------------------------------------------------------------------


def test_response_wrapper_namespace_and_request_id() -> None:
    response = SERIALIZER.serialize_response(DO, {"Text": "a < b & c > d"}, "req-42")
    root = ET.fromstring(response.body)
    ns = "{https://tricky.amazonaws.com/doc/2020-01-01/}"
    assert root.tag == f"{ns}DoResponse"
    assert root.find(f"{ns}DoResult/{ns}Text").text == "a < b & c > d"  # type: ignore[union-attr]
    assert root.find(f"{ns}ResponseMetadata/{ns}RequestId").text == "req-42"  # type: ignore[union-attr]
    assert response.header("x-amzn-RequestId") == "req-42"
    assert response.header("Content-Type") == "text/xml"


def test_operation_without_output_still_answers_response_metadata() -> None:
    operation = MODEL.operation_model("Nothing")
    response = SERIALIZER.serialize_response(operation, {}, "r")
    assert response.body == (
        b'<NothingResponse xmlns="https://tricky.amazonaws.com/doc/2020-01-01/">'
        b"<ResponseMetadata><RequestId>r</RequestId></ResponseMetadata></NothingResponse>"
    )
    assert botocore_parse(MODEL, operation, response)["ResponseMetadata"]["RequestId"] == "r"


def test_response_layouts_read_back_by_botocore() -> None:
    output = {
        "Names": ["a", "", "c"],
        "Flat": ["x", "y"],
        "Renamed": ["r"],
        "Nested": {"o": {"k": "v"}, "empty": {}},
        "FlatMap": {"n": "v", "m": ""},
        "When": dt.datetime(2024, 5, 1, 12, 0, 0, 123000, tzinfo=UTC),
        "Text": " spaced\ttext\nwith newline and \r carriage return ",
        "Ratio": float("nan"),
    }
    response = SERIALIZER.serialize_response(DO, output, "r")
    body = response.body.decode()
    assert "<Names><member>a</member><member></member><member>c</member></Names>" in body
    assert "<Flat>x</Flat><Flat>y</Flat>" in body
    assert "<Item>r</Item>" in body
    assert "<FlatMap><Name>n</Name><Value>v</Value></FlatMap>" in body
    assert "<When>2024-05-01T12:00:00.123Z</When>" in body
    parsed = botocore_parse(MODEL, DO, response)
    nan = parsed.pop("Ratio")
    assert nan != nan
    del parsed["ResponseMetadata"]
    del output["Ratio"]
    assert parsed == output


def test_empty_non_flattened_list_and_map_are_kept_in_responses() -> None:
    response = SERIALIZER.serialize_response(DO, {"Names": [], "Nested": {}}, "r")
    parsed = botocore_parse(MODEL, DO, response)
    assert parsed["Names"] == [] and parsed["Nested"] == {}


def test_error_response_shape_and_status() -> None:
    model = catalog.service_model("sns")
    operation = model.operation_model("GetTopicAttributes")
    error = type("NotFoundException", (ServiceError,), {})("Topic does not exist & <never> did")
    response = QueryResponseSerializer(model).serialize_error(error, operation, "req-9")
    assert response.status == 404
    root = ET.fromstring(response.body)
    ns = "{http://sns.amazonaws.com/doc/2010-03-31/}"
    assert root.tag == f"{ns}ErrorResponse"
    assert [child.tag for child in root] == [f"{ns}Error", f"{ns}RequestId"]
    fields = {child.tag.removeprefix(ns): child.text for child in root.find(f"{ns}Error")}  # type: ignore[union-attr]
    assert fields == {"Type": "Sender", "Code": "NotFound", "Message": "Topic does not exist & <never> did"}
    parsed = botocore_parse(model, operation, response)
    assert parsed["Error"]["Code"] == "NotFound"
    assert parsed["ResponseMetadata"]["RequestId"] == "req-9"


def test_error_without_operation_and_unknown_code() -> None:
    error = type("Throttling", (ServiceError,), {"status": 400})("slow down")
    response = SERIALIZER.serialize_error(error, None, "r")
    assert response.status == 400
    assert b"<Code>Throttling</Code>" in response.body
    assert b"<Type>Sender</Type>" in response.body


def test_server_fault_is_receiver() -> None:
    error = type("InternalFailure", (ServiceError,), {})("boom")
    response = SERIALIZER.serialize_error(error, DO, "r")
    assert response.status == 500
    assert b"<Type>Receiver</Type>" in response.body


# --- SQS's legacy query protocol (extras in protocol/data/sqs) --------------------------------------------


def _legacy_sqs_client_model() -> ServiceModel:
    """SQS as an SDK built on the last query model sees it: the extras' `queryName`s are `locationName`s."""
    return ServiceModel(legacy_sqs_model_data(), service_name="sqs")


SQS = catalog.service_model("sqs")
LEGACY_SQS = _legacy_sqs_client_model()


@pytest.mark.parametrize("op_name", SQS.operation_names)
@given(data=st.data())
def test_sqs_legacy_query_roundtrip(op_name: str, data: st.DataObject) -> None:
    operation, legacy = SQS.operation_model(op_name), LEGACY_SQS.operation_model(op_name)
    if operation.input_shape is not None:
        params = data.draw(for_shape(operation.input_shape, Where("query")), label="params")
        parsed = QueryRequestParser(SQS).parse(
            operation, to_http_request(LEGACY_SQS, legacy, params, "query")
        )
        assert normalize_request("query", operation, parsed) == normalize_request("query", operation, params)
    if operation.output_shape is not None:
        output = data.draw(for_shape(operation.output_shape, Where("query")), label="output")
        response = QueryResponseSerializer(SQS).serialize_response(operation, output, "r")
        parsed = botocore_parse(LEGACY_SQS, legacy, response, "query")
        assert normalize_response("query", operation, parsed) == normalize_response(
            "query", operation, output
        )


def test_sqs_legacy_wire_names() -> None:
    params = {
        "QueueUrl": "q",
        "MessageBody": "b",
        "MessageAttributes": {"a": {"DataType": "String", "StringListValues": ["x"]}},
    }
    request = to_http_request(LEGACY_SQS, LEGACY_SQS.operation_model("SendMessage"), params, "query")
    assert "MessageAttribute.1.Value.StringListValue.1=x" in request.body.decode()
    operation = SQS.operation_model("SendMessage")
    assert QueryRequestParser(SQS).parse(operation, request) == params
    # The member names (what botocore's own awsQuery serializer sends for this model) work too.
    assert (
        QueryRequestParser(SQS).parse(operation, to_http_request(SQS, operation, params, "query")) == params
    )


def test_sqs_legacy_receive_message_xml() -> None:
    operation = SQS.operation_model("ReceiveMessage")
    output = {"Messages": [{"MessageId": "m", "Attributes": {"SenderId": "s"}}]}
    body = QueryResponseSerializer(SQS).serialize_response(operation, output, "r").body
    assert body == (
        b'<ReceiveMessageResponse xmlns="http://queue.amazonaws.com/doc/2012-11-05/"><ReceiveMessageResult>'
        b"<Message><MessageId>m</MessageId><Attribute><Name>SenderId</Name><Value>s</Value></Attribute>"
        b"</Message></ReceiveMessageResult><ResponseMetadata><RequestId>r</RequestId></ResponseMetadata>"
        b"</ReceiveMessageResponse>"
    )


@pytest.mark.parametrize(
    ("shape", "code", "status"),
    [
        ("QueueDoesNotExist", "AWS.SimpleQueueService.NonExistentQueue", 400),
        ("QueueNameExists", "QueueAlreadyExists", 400),
        ("PurgeQueueInProgress", "AWS.SimpleQueueService.PurgeQueueInProgress", 403),
        ("ReceiptHandleIsInvalid", "ReceiptHandleIsInvalid", 400),
    ],
)
def test_sqs_legacy_error_codes(shape: str, code: str, status: int) -> None:
    operation = SQS.operation_model("GetQueueUrl")
    response = QueryResponseSerializer(SQS).serialize_error(
        type(shape, (ServiceError,), {})("m"), operation, "r"
    )
    assert response.status == status
    assert (
        botocore_parse(LEGACY_SQS, LEGACY_SQS.operation_model("GetQueueUrl"), response, "query")["Error"][
            "Code"
        ]
        == code
    )
