"""Hand-written rest-json cases: malformed bodies, headers of every kind, timestamps in each format,
statusCode members, errors as botocore reads them, and event streams.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from botocore.model import ServiceModel
from hypothesis import given
from hypothesis import strategies as st

from cloudlet.protocol import catalog
from cloudlet.protocol.errors import SerializationException, ServiceError
from cloudlet.protocol.http import Headers, HttpRequest
from cloudlet.protocol.parsers.rest import RestJSONRequestParser, split_header_list
from cloudlet.protocol.serializers.rest import RestJSONResponseSerializer
from cloudlet.protocol.uri_templates import RestRouter
from tests.protocol.oracle import botocore_parse, to_http_request

UTC = dt.UTC
LAMBDA = catalog.service_model("lambda")


def _parse(model: ServiceModel, op: str, params: dict[str, Any]) -> dict[str, Any]:
    request = to_http_request(model, model.operation_model(op), params)
    match = RestRouter.for_service(model).match(
        request.method, request.raw_path, request.query_string, headers=request.headers
    )
    assert match is not None and match.operation.name == op
    return RestJSONRequestParser(model).parse(match.operation, request, match.uri_params)


def _roundtrip_response(model: ServiceModel, op: str, output: dict[str, Any]) -> dict[str, Any]:
    operation = model.operation_model(op)
    response = RestJSONResponseSerializer(model).serialize_response(operation, output, "req-1")
    parsed = botocore_parse(model, operation, response)
    parsed.pop("ResponseMetadata", None)
    return parsed


def _raw(op: str, body: bytes, path: str = "/2015-03-31/functions", **headers: str) -> dict[str, Any]:
    request = HttpRequest("POST", path, "", Headers(headers.items()), body)
    return RestJSONRequestParser(LAMBDA).parse(LAMBDA.operation_model(op), request, {})


# --- malformed bodies -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "body",
    [
        b"[]",
        b'["FunctionName"]',
        b'"text"',
        b"42",
        b"null",
        b"{",
        b"{'single': 'quotes'}",
        b"\xff\xfe{}",
        b'{"FunctionName": 5}',
        b'{"Timeout": "30"}',
        b'{"Timeout": true}',
        b'{"Timeout": 1.5}',
        b'{"Publish": "true"}',
        b'{"Code": []}',
        b'{"Code": {"ZipFile": "not base64!"}}',
        b'{"Environment": {"Variables": ["a"]}}',
        b'{"Layers": {"a": 1}}',
        b"[" * 100_000 + b"]" * 100_000,
    ],
)
def test_malformed_json_body_is_serialization_exception(body: bytes) -> None:
    with pytest.raises(SerializationException):
        _raw("CreateFunction", body)


@given(st.binary(max_size=64) | st.text(max_size=64).map(str.encode))
def test_json_parser_raises_only_serialization_exception(body: bytes) -> None:
    try:
        _raw("CreateFunction", body)
    except SerializationException:
        pass


def test_empty_body_has_no_body_members() -> None:
    assert _raw("CreateFunction", b"") == {}
    assert _raw("CreateFunction", b"  \n") == {}


def test_json_nulls_are_absent_members() -> None:
    assert _raw("CreateFunction", b'{"FunctionName": null, "Timeout": 3}') == {"Timeout": 3}


def test_unknown_json_keys_are_ignored() -> None:
    assert _raw("CreateFunction", b'{"Nope": 1, "Runtime": "python3.12"}') == {"Runtime": "python3.12"}


# --- Lambda Invoke: raw payload, headers, statusCode ----------------------------------------------


def test_invoke_request_keeps_payload_bytes_and_headers() -> None:
    payload = b"\x00\xff not json \xe2\x82"
    parsed = _parse(
        LAMBDA,
        "Invoke",
        {
            "FunctionName": "fn",
            "Payload": payload,
            "InvocationType": "Event",
            "ClientContext": "eyJhIjoxfQ==",
            "Qualifier": "$LATEST",
        },
    )
    assert parsed == {
        "FunctionName": "fn",
        "Payload": payload,
        "InvocationType": "Event",
        "ClientContext": "eyJhIjoxfQ==",
        "Qualifier": "$LATEST",
    }


def test_invoke_response_status_member_and_raw_payload() -> None:
    operation = LAMBDA.operation_model("Invoke")
    output = {"StatusCode": 202, "Payload": b"", "FunctionError": "Unhandled", "ExecutedVersion": "3"}
    response = RestJSONResponseSerializer(LAMBDA).serialize_response(operation, output, "rid")
    assert response.status == 202
    assert response.header("x-amzn-RequestId") == "rid"
    assert response.header("X-Amz-Function-Error") == "Unhandled"
    assert response.header("Content-Type") is None  # a blob payload gets no default content type
    parsed = _roundtrip_response(LAMBDA, "Invoke", {"StatusCode": 200, "Payload": b'{"ok":1}'})
    assert parsed == {"StatusCode": 200, "Payload": b'{"ok":1}'}


def test_response_code_of_operation_is_the_default_status() -> None:
    operation = LAMBDA.operation_model("DeleteAlias")
    response = RestJSONResponseSerializer(LAMBDA).serialize_response(operation, {}, "rid")
    assert (response.status, response.body) == (204, b"")
    created = RestJSONResponseSerializer(LAMBDA).serialize_response(
        LAMBDA.operation_model("CreateFunction"), {"FunctionName": "f"}, "rid"
    )
    assert created.status == 201
    assert json.loads(created.body) == {"FunctionName": "f"}
    assert created.header("Content-Type") == "application/json"


def test_body_timestamps_are_epoch_seconds_with_milliseconds() -> None:
    when = dt.datetime(2024, 2, 29, 12, 30, 45, 123000, tzinfo=UTC)
    operation = LAMBDA.operation_model("GetDurableExecution")
    body = (
        RestJSONResponseSerializer(LAMBDA)
        .serialize_response(operation, {"StartTimestamp": when, "DurableExecutionArn": "a"}, "r")
        .body
    )
    assert isinstance(body, bytes)
    assert json.loads(body)["StartTimestamp"] == 1709209845.123
    parsed = _roundtrip_response(LAMBDA, "GetDurableExecution", {"StartTimestamp": when.timestamp()})
    assert parsed["StartTimestamp"] == when


def test_query_timestamps_are_iso8601_and_lists_repeat_keys() -> None:
    after = dt.datetime(2024, 1, 2, 3, 4, 5, 678000, tzinfo=UTC)
    parsed = _parse(
        LAMBDA,
        "ListDurableExecutionsByFunction",
        {"FunctionName": "f", "StartedAfter": after, "Statuses": ["RUNNING", "SUCCEEDED"]},
    )
    assert parsed == {"FunctionName": "f", "StartedAfter": after, "Statuses": ["RUNNING", "SUCCEEDED"]}


def test_query_map_takes_unclaimed_keys() -> None:
    apigw = catalog.service_model("apigateway")
    params = {
        "restApiId": "a1",
        "stageName": "prod",
        "exportType": "oas30",
        "parameters": {"extensions": "postman", "with space": "a&b=c"},
        "accepts": "application/json",
    }
    assert _parse(apigw, "GetExport", params) == params


def test_json_body_accepts_lenient_timestamps_and_special_floats() -> None:
    body = b'{"SchemaVersion": "1", "Timeout": 3, "MemorySize": 128}'
    assert _raw("CreateFunction", body)["Timeout"] == 3


# --- errors ---------------------------------------------------------------------------------------


class ResourceNotFoundException(ServiceError):
    pass


class TooManyRequestsException(ServiceError):
    pass


class NotFoundException(ServiceError):
    pass


def test_lambda_error_uses_the_shapes_message_member() -> None:
    operation = LAMBDA.operation_model("GetFunction")
    error = ResourceNotFoundException("Function not found: x", Type="User")
    response = RestJSONResponseSerializer(LAMBDA).serialize_error(error, operation, "rid")
    assert response.status == 404
    assert response.header("x-amzn-ErrorType") == "ResourceNotFoundException"
    assert json.loads(response.body) == {"Type": "User", "Message": "Function not found: x"}  # type: ignore[arg-type]
    parsed = botocore_parse(LAMBDA, operation, response)
    assert parsed["Error"] == {"Code": "ResourceNotFoundException", "Message": "Function not found: x"}
    assert parsed["ResponseMetadata"]["RequestId"] == "rid"


def test_error_header_members_travel_as_headers() -> None:
    operation = LAMBDA.operation_model("Invoke")
    error = TooManyRequestsException("Rate exceeded", retryAfterSeconds="3", Reason="ReservedFunction")
    response = RestJSONResponseSerializer(LAMBDA).serialize_error(error, operation, "rid")
    assert response.status == 429
    assert response.header("Retry-After") == "3"
    assert json.loads(response.body) == {"Reason": "ReservedFunction", "message": "Rate exceeded"}  # type: ignore[arg-type]


def test_apigateway_error_message_is_lower_case() -> None:
    apigw = catalog.service_model("apigateway")
    operation = apigw.operation_model("GetRestApi")
    response = RestJSONResponseSerializer(apigw).serialize_error(NotFoundException("nope"), operation, "r")
    assert json.loads(response.body) == {"message": "nope"}  # type: ignore[arg-type]
    assert botocore_parse(apigw, operation, response)["Error"]["Code"] == "NotFoundException"


def test_unmodeled_error_still_has_code_and_message() -> None:
    error = type("InternalFailure", (ServiceError,), {})("boom")
    response = RestJSONResponseSerializer(LAMBDA).serialize_error(error, None, "rid")
    assert response.status == 500
    parsed = botocore_parse(LAMBDA, LAMBDA.operation_model("ListFunctions"), response)
    assert parsed["Error"] == {"Code": "InternalFailure", "Message": "boom"}


# --- event streams --------------------------------------------------------------------------------


def test_invoke_with_response_stream_events() -> None:
    output = {
        "StatusCode": 200,
        "ResponseStreamContentType": "application/vnd.amazon.eventstream",
        "EventStream": [
            {"PayloadChunk": {"Payload": b"hello "}},
            {"PayloadChunk": {"Payload": b"world"}},
            {"InvokeComplete": {"LogResult": "bG9n"}},
        ],
    }
    parsed = _roundtrip_response(LAMBDA, "InvokeWithResponseStream", output)
    assert parsed == output


async def _events() -> Any:
    yield {"PayloadChunk": {"Payload": b"a"}}
    yield {"InvokeComplete": {}}


def test_event_stream_from_an_async_iterator_is_streamed() -> None:
    operation = LAMBDA.operation_model("InvokeWithResponseStream")
    response = RestJSONResponseSerializer(LAMBDA).serialize_response(
        operation, {"EventStream": _events()}, "r"
    )
    assert hasattr(response.body, "__aiter__")
    # InvokeWithResponseStream binds Content-Type to ResponseStreamContentType: the service sets it.
    assert response.header("Content-Type") is None


# --- header kinds (a synthetic model: these services model few of them) ---------------------------

SYNTH = ServiceModel(
    {
        "metadata": {
            "protocol": "rest-json",
            "apiVersion": "2020-01-01",
            "endpointPrefix": "synth",
            "signatureVersion": "v4",
            "serviceId": "Synth",
        },
        "operations": {
            "Do": {
                "name": "Do",
                "http": {"method": "PUT", "requestUri": "/things/{Id}"},
                "input": {"shape": "DoInput"},
                "output": {"shape": "DoOutput"},
            }
        },
        "shapes": {
            "DoInput": {
                "type": "structure",
                "required": ["Id"],
                "members": {
                    "Id": {"shape": "Str", "location": "uri", "locationName": "Id"},
                    "Json": {"shape": "JsonStr", "location": "header", "locationName": "x-json"},
                    "Tags": {"shape": "StrList", "location": "header", "locationName": "x-tags"},
                    "Dates": {"shape": "DateList", "location": "header", "locationName": "x-dates"},
                    "When": {"shape": "Date", "location": "header", "locationName": "x-when"},
                    "WhenIso": {"shape": "IsoDate", "location": "header", "locationName": "x-when-iso"},
                    "Flag": {"shape": "Bool", "location": "header", "locationName": "x-flag"},
                    "Ratio": {"shape": "Dbl", "location": "header", "locationName": "x-ratio"},
                    "Meta": {"shape": "StrMap", "location": "headers", "locationName": "x-meta-"},
                    "Multi": {"shape": "MultiMap", "location": "querystring"},
                    "Body": {"shape": "Inner"},
                },
            },
            "DoOutput": {
                "type": "structure",
                "members": {
                    "Json": {"shape": "JsonStr", "location": "header", "locationName": "x-json"},
                    "Tags": {"shape": "StrList", "location": "header", "locationName": "x-tags"},
                    "When": {"shape": "Date", "location": "header", "locationName": "x-when"},
                    "Meta": {"shape": "StrMap", "location": "headers", "locationName": "x-meta-"},
                    "Body": {"shape": "Inner"},
                },
            },
            "Inner": {
                "type": "structure",
                "members": {
                    "At": {"shape": "IsoDate"},
                    "Epoch": {"shape": "Date"},
                    "Http": {"shape": "HttpDate"},
                    "Blob": {"shape": "Blob"},
                    "Ratio": {"shape": "Dbl"},
                    "Doc": {"shape": "Doc"},
                    "Renamed": {"shape": "Str", "locationName": "renamed_on_wire"},
                },
            },
            "Doc": {"type": "structure", "members": {}, "document": True},
            "Str": {"type": "string"},
            "JsonStr": {"type": "string", "jsonvalue": True},
            "StrList": {"type": "list", "member": {"shape": "Str"}},
            "DateList": {"type": "list", "member": {"shape": "Date"}},
            "Date": {"type": "timestamp"},
            "IsoDate": {"type": "timestamp", "timestampFormat": "iso8601"},
            "HttpDate": {"type": "timestamp", "timestampFormat": "rfc822"},
            "Bool": {"type": "boolean"},
            "Dbl": {"type": "double"},
            "Blob": {"type": "blob"},
            "StrMap": {"type": "map", "key": {"shape": "Str"}, "value": {"shape": "Str"}},
            "MultiMap": {"type": "map", "key": {"shape": "Str"}, "value": {"shape": "StrList"}},
        },
    },
    service_name="synth-rest-json",
)


def test_header_kinds_round_trip() -> None:
    when = dt.datetime(2024, 3, 1, 8, 0, 1, tzinfo=UTC)
    params = {
        "Id": "thing/1",
        "Json": {"a": [1, "two"], "b": None},
        "Tags": ["plain", "with,comma", 'with "quotes"'],
        "Dates": [when, when + dt.timedelta(days=1)],
        "When": when,
        "WhenIso": dt.datetime(2024, 3, 1, 8, 0, 1, tzinfo=UTC),  # botocore sends whole seconds
        "Flag": False,
        "Ratio": 0.25,
        "Meta": {"color": "blue", "size": "L"},
        "Multi": {"qa": ["1", "2"], "qb": ["x y"]},
    }
    assert _parse(SYNTH, "Do", params) == params


def test_body_timestamps_in_each_format_and_documents() -> None:
    inner = {
        "At": dt.datetime(2024, 1, 1, 0, 0, 0, 250000, tzinfo=UTC),
        "Epoch": dt.datetime(2024, 1, 1, tzinfo=UTC),
        "Http": dt.datetime(2024, 1, 1, 1, 2, 3, tzinfo=UTC),
        "Blob": b"\x00\x01",
        "Ratio": 1e-300,
        "Doc": {"any": ["json", 1, None, {"x": True}]},
        "Renamed": "r",
    }
    assert _parse(SYNTH, "Do", {"Id": "1", "Body": inner}) == {"Id": "1", "Body": inner}
    output = {"Body": inner, "Tags": ["a", "b"], "When": inner["Http"], "Meta": {"k": "v"}, "Json": [1]}
    assert _roundtrip_response(SYNTH, "Do", output) == output
    operation = SYNTH.operation_model("Do")
    response = RestJSONResponseSerializer(SYNTH).serialize_response(operation, output, "r")
    document = json.loads(response.body)  # type: ignore[arg-type]
    assert document["Body"]["At"] == "2024-01-01T00:00:00.250Z"
    assert document["Body"]["Http"] == "Mon, 01 Jan 2024 01:02:03 GMT"
    assert document["Body"]["renamed_on_wire"] == "r"
    assert response.header("x-when") == "Mon, 01 Jan 2024 01:02:03 GMT"


def test_empty_header_list_is_not_sent() -> None:
    operation = SYNTH.operation_model("Do")
    response = RestJSONResponseSerializer(SYNTH).serialize_response(operation, {"Tags": []}, "r")
    assert response.header("x-tags") is None


def test_header_values_cannot_inject_headers() -> None:
    operation = SYNTH.operation_model("Do")
    response = RestJSONResponseSerializer(SYNTH).serialize_response(
        operation, {"Meta": {"k": "v\r\nSet-Cookie: x"}}, "r"
    )
    assert all("\r" not in v and "\n" not in v for _, v in response.headers)


@pytest.mark.parametrize(
    ("value", "items"),
    [
        ("a,b , c", ["a", "b", "c"]),
        ('"a,b",c', ["a,b", "c"]),
        ('"say \\"hi\\"", x', ['say "hi"', "x"]),
        ("", []),
    ],
)
def test_split_header_list(value: str, items: list[str]) -> None:
    assert split_header_list(value) == items


def test_http_date_lists_keep_their_commas() -> None:
    value = "Mon, 01 Jan 2024 00:00:00 GMT, Tue, 02 Jan 2024 00:00:00 GMT"
    assert split_header_list(value, http_dates=True) == [
        "Mon, 01 Jan 2024 00:00:00 GMT",
        "Tue, 02 Jan 2024 00:00:00 GMT",
    ]


@pytest.mark.parametrize(
    ("header", "value"),
    [("x-flag", "maybe"), ("x-ratio", "abc"), ("x-when", "yesterday"), ("x-json", "!!notbase64")],
)
def test_malformed_header_values_are_serialization_exception(header: str, value: str) -> None:
    request = HttpRequest("PUT", "/things/1", "", Headers([(header, value)]), b"")
    with pytest.raises(SerializationException):
        RestJSONRequestParser(SYNTH).parse(SYNTH.operation_model("Do"), request, {"Id": "1"})
