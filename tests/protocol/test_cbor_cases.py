"""Hand-written smithy-rpc-v2-cbor cases: encodings other SDKs may send, malformed bodies, responses."""

from __future__ import annotations

import datetime as dt
import struct
from typing import Any

import cbor2
import pytest
from botocore.model import ServiceModel
from hypothesis import given
from hypothesis import strategies as st

from cloudlet.protocol import catalog
from cloudlet.protocol.errors import SerializationException, ServiceError
from cloudlet.protocol.http import Headers, HttpRequest
from cloudlet.protocol.parsers.cbor import CBORRequestParser
from cloudlet.protocol.serializers.cbor import CBORResponseSerializer
from tests.protocol.oracle import botocore_parse, to_http_request

UTC = dt.UTC
CLOUDWATCH = catalog.service_model("cloudwatch")
PUT = CLOUDWATCH.operation_model("PutMetricData")
GET = CLOUDWATCH.operation_model("GetMetricData")
PROTOCOL = "smithy-rpc-v2-cbor"

MODEL = ServiceModel(
    {
        "metadata": {
            "apiVersion": "2020-01-01",
            "endpointPrefix": "blobby",
            "protocol": PROTOCOL,
            "protocols": [PROTOCOL],
            "serviceId": "Blobby",
            "signatureVersion": "v4",
            "targetPrefix": "Blobby",
        },
        "operations": {
            "Echo": {
                "name": "Echo",
                "http": {"method": "POST", "requestUri": "/"},
                "input": {"shape": "Payload"},
                "output": {"shape": "Payload"},
            }
        },
        "shapes": {
            "Payload": {
                "type": "structure",
                "members": {
                    "Data": {"shape": "Blob"},
                    "When": {"shape": "Time"},
                    "Ratio": {"shape": "Double"},
                    "Small": {"shape": "Float"},
                    "Count": {"shape": "Long"},
                    "Tags": {"shape": "Tags"},
                    "Items": {"shape": "Items"},
                },
            },
            "Tags": {"type": "map", "key": {"shape": "String"}, "value": {"shape": "String"}},
            "Items": {"type": "list", "member": {"shape": "String"}},
            "Blob": {"type": "blob"},
            "Time": {"type": "timestamp"},
            "Double": {"type": "double"},
            "Float": {"type": "float"},
            "Long": {"type": "long"},
            "String": {"type": "string"},
        },
    },
    service_name="blobby",
)
ECHO = MODEL.operation_model("Echo")


def request(body: bytes) -> HttpRequest:
    headers = Headers([("Content-Type", "application/cbor"), ("smithy-protocol", "rpc-v2-cbor")])
    return HttpRequest(method="POST", raw_path="/service/Blobby/operation/Echo", headers=headers, body=body)


def parse(body: bytes) -> dict[str, Any]:
    return CBORRequestParser(MODEL).parse(ECHO, request(body))


def test_botocore_request_comes_back() -> None:
    when = dt.datetime(2024, 5, 1, 12, tzinfo=UTC)
    params = {
        "Namespace": "ns ✓",
        "MetricData": [
            {"MetricName": "m", "Timestamp": when, "Value": 1.5, "Values": [0.25, -3.0], "Counts": []}
        ],
    }
    parsed = CBORRequestParser(CLOUDWATCH).parse(PUT, to_http_request(CLOUDWATCH, PUT, params, PROTOCOL))
    assert parsed == params


def test_empty_body_is_an_empty_input() -> None:
    assert parse(b"") == {}


def test_indefinite_length_containers_and_strings() -> None:
    # {_ "Items": [_ "a", (_ "b" "c")], "Tags": {_ "k": "v"}} with indefinite map, array and text string.
    body = (
        b"\xbf"
        + cbor2.dumps("Items")
        + b"\x9f"
        + cbor2.dumps("a")
        + b"\x7f"
        + cbor2.dumps("b")
        + cbor2.dumps("c")
        + b"\xff\xff"
        + cbor2.dumps("Tags")
        + b"\xbf"
        + cbor2.dumps("k")
        + cbor2.dumps("v")
        + b"\xff"
        + cbor2.dumps("Data")
        + b"\x5f\x41\x01\x41\x02\xff"
        + b"\xff"
    )
    assert parse(body) == {"Items": ["a", "bc"], "Tags": {"k": "v"}, "Data": b"\x01\x02"}


@pytest.mark.parametrize(
    "encoded",
    [
        b"\xf9" + struct.pack(">e", 1.5),  # half precision
        b"\xfa" + struct.pack(">f", 1.5),  # single
        b"\xfb" + struct.pack(">d", 1.5),  # double
    ],
)
def test_every_float_width(encoded: bytes) -> None:
    assert parse(b"\xa1" + cbor2.dumps("Ratio") + encoded) == {"Ratio": 1.5}


def test_integers_where_floats_are_expected_and_big_longs() -> None:
    assert parse(cbor2.dumps({"Ratio": 2, "Count": -(2**63)})) == {"Ratio": 2.0, "Count": -(2**63)}


@pytest.mark.parametrize(
    ("encoded", "expected"),
    [
        (cbor2.dumps(cbor2.CBORTag(1, 1714564800)), dt.datetime(2024, 5, 1, 12, tzinfo=UTC)),
        (cbor2.dumps(cbor2.CBORTag(1, 1714564800.5)), dt.datetime(2024, 5, 1, 12, 0, 0, 500000, tzinfo=UTC)),
        (cbor2.dumps(cbor2.CBORTag(0, "2024-05-01T12:00:00Z")), dt.datetime(2024, 5, 1, 12, tzinfo=UTC)),
        (cbor2.dumps(1714564800), dt.datetime(2024, 5, 1, 12, tzinfo=UTC)),
    ],
)
def test_timestamps(encoded: bytes, expected: dt.datetime) -> None:
    assert parse(b"\xa1" + cbor2.dumps("When") + encoded) == {"When": expected}


@pytest.mark.parametrize(
    "body",
    [
        cbor2.dumps([1, 2]),
        cbor2.dumps("text"),
        cbor2.dumps({"Data": "not bytes"}),
        cbor2.dumps({"When": "2024-05-01"}),
        cbor2.dumps({"When": cbor2.CBORTag(99, 1)}),
        cbor2.dumps({"Ratio": "1.5"}),
        cbor2.dumps({"Count": 1.5}),
        cbor2.dumps({"Items": {"a": 1}}),
        cbor2.dumps({"Tags": {1: "v"}}),
        cbor2.dumps({"Tags": {"k": b"v"}}),
        b"\xa1\x65Items",  # truncated
        b"\xff",  # a lone break
        b"\x1c",  # reserved additional info
        b"\x5b\x7f\xff\xff\xff\xff\xff\xff\xff",  # absurd byte-string length
        b"\x9b\x00\x00\x00\xff\xff\xff\xff\xff",  # absurd array length
        b"\xc1\x63abc",  # tag 1 on a string
    ],
)
def test_malformed_or_mistyped_bodies(body: bytes) -> None:
    with pytest.raises(SerializationException):
        parse(body)


@given(st.binary(max_size=64))
def test_any_bytes_parse_or_raise_serialization_exception(body: bytes) -> None:
    try:
        parse(body)
    except SerializationException:
        pass


cbor_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**64), 2**64)
    | st.floats()
    | st.text(max_size=4)
    | st.binary(max_size=4),
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(
            st.sampled_from(["Data", "When", "Ratio", "Small", "Count", "Tags", "Items", "k"]),
            inner,
            max_size=4,
        )
    ),
    max_leaves=10,
)


@given(cbor_values)
def test_any_cbor_document_parses_or_raises_serialization_exception(document: Any) -> None:
    try:
        parse(cbor2.dumps(document))
    except SerializationException:
        pass


# --- responses ------------------------------------------------------------------------------------------


def test_response_headers_and_botocore_decoding() -> None:
    when = dt.datetime(2024, 5, 1, 12, 0, 0, 123000, tzinfo=UTC)
    output = {
        "Data": b"\x00\xff",
        "When": when,
        "Ratio": 0.1,
        "Small": 1.5,
        "Count": 2**63 - 1,
        "Tags": {"ü": ""},
        "Items": [],
    }
    response = CBORResponseSerializer(MODEL).serialize_response(ECHO, output, "r-1")
    assert response.header("smithy-protocol") == "rpc-v2-cbor"
    assert response.header("Content-Type") == "application/cbor"
    assert response.header("x-amzn-RequestId") == "r-1"
    decoded = cbor2.loads(response.body)
    assert decoded["When"] == when  # tag 1, epoch seconds with milliseconds
    parsed = botocore_parse(MODEL, ECHO, response, PROTOCOL)
    assert parsed.pop("ResponseMetadata")["RequestId"] == "r-1"
    assert parsed == output


def test_epoch_timestamps_are_tag_1_numbers() -> None:
    response = CBORResponseSerializer(MODEL).serialize_response(ECHO, {"When": 1714564800}, "r")
    assert response.body == b"\xa1" + cbor2.dumps("When") + b"\xc1\x1a" + (1714564800).to_bytes(4, "big")


def test_special_floats_are_readable_by_botocore() -> None:
    output = {"Ratio": float("inf"), "Small": float("-inf")}
    response = CBORResponseSerializer(MODEL).serialize_response(ECHO, output, "r")
    parsed = botocore_parse(MODEL, ECHO, response, PROTOCOL)
    assert parsed["Ratio"] == float("inf") and parsed["Small"] == float("-inf")


def test_operation_without_output_has_an_empty_body() -> None:
    response = CBORResponseSerializer(CLOUDWATCH).serialize_response(PUT, {}, "r")
    assert response.status == 200 and response.body == b""
    assert response.header("x-amzn-RequestId") == "r"
    assert "Error" not in botocore_parse(CLOUDWATCH, PUT, response, PROTOCOL)


def test_output_with_no_members_is_an_empty_map() -> None:
    response = CBORResponseSerializer(CLOUDWATCH).serialize_response(GET, {}, "r")
    assert response.body == b"\xa0"


def test_query_compatible_error() -> None:
    error = type("ResourceNotFound", (ServiceError,), {})("no such dashboard")
    op = CLOUDWATCH.operation_model("GetDashboard")
    response = CBORResponseSerializer(CLOUDWATCH).serialize_error(error, op, "r")
    assert response.status == 404
    assert cbor2.loads(response.body) == {"__type": "ResourceNotFound", "message": "no such dashboard"}
    assert response.header("x-amzn-query-error") == "ResourceNotFound;Sender"
    parsed = botocore_parse(CLOUDWATCH, op, response, PROTOCOL)
    assert parsed["Error"]["Code"] == "ResourceNotFound"
    assert parsed["Error"]["Message"] == "no such dashboard"
