"""Every operation of every served model, in every protocol a client may use for it:

- request: botocore's client serializer builds the request; cloudlet routes it to the same operation
  and its parser recovers the same parameters;
- response: cloudlet's serializer renders an output; botocore's parser recovers the same output;
- errors: every error shape of the operation comes back to botocore with the right code and status.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cloudlet.protocol import catalog
from cloudlet.protocol.errors import ServiceError, error_info
from cloudlet.protocol.parsers.base import create_parser
from cloudlet.protocol.serializers.base import create_serializer
from tests.protocol.lossy import normalize_request, normalize_response
from tests.protocol.oracle import SERVICE_PROTOCOLS, botocore_parse, to_http_request
from tests.protocol.routing import route_operation
from tests.protocol.strategies import Where, for_shape


def _draw(data: st.DataObject, shape: Any, protocol: str, request_uri: str = "") -> dict[str, Any]:
    if shape is None:
        return {}
    return data.draw(for_shape(shape, Where(protocol, request_uri=request_uri)), label="value")


def check_request(service_name: str, protocol: str, op_name: str, data: st.DataObject) -> None:
    service = catalog.service_model(service_name)
    operation = service.operation_model(op_name)
    params = _draw(data, operation.input_shape, protocol, operation.http.get("requestUri", ""))
    request = to_http_request(service, operation, params, protocol)

    routed, uri_params = route_operation(service, protocol, request)
    # Deprecated S3 operations (GetBucketLifecycle, PutBucketNotification, ...) and ListDirectoryBuckets
    # (told apart in AWS only by the S3 Express host) send exactly the request line of another
    # operation; the router answers with the current one.
    assert routed.name == op_name or routed.http == operation.http

    parsed = create_parser(service, protocol).parse(operation, request, uri_params)
    assert normalize_request(protocol, operation, parsed) == normalize_request(protocol, operation, params)


def check_response(service_name: str, protocol: str, op_name: str, data: st.DataObject) -> None:
    service = catalog.service_model(service_name)
    operation = service.operation_model(op_name)
    output = _draw(data, operation.output_shape, protocol)

    response = create_serializer(service, protocol).serialize_response(operation, output, "req-1")

    parsed = botocore_parse(service, operation, response, protocol)
    assert normalize_response(protocol, operation, parsed) == normalize_response(protocol, operation, output)


def check_errors(service_name: str, protocol: str, op_name: str) -> None:
    service = catalog.service_model(service_name)
    operation = service.operation_model(op_name)
    serializer = create_serializer(service, protocol)
    codes = [shape.name for shape in operation.error_shapes] + ["InternalFailure", "ValidationException"]
    for code in codes:
        error = type(code, (ServiceError,), {})(f"message of {code} <&>")
        info = error_info(service, error)

        response = serializer.serialize_error(error, operation, "req-1")
        parsed = botocore_parse(service, operation, response, protocol)

        assert response.status == info.status, code
        if operation.http.get("method") == "HEAD":
            # No body on HEAD: clients can only see the status.
            assert parsed["Error"]["Code"] == str(info.status)
            continue
        assert parsed["Error"]["Code"] == _expected_code(service, protocol, info), code
        assert parsed["Error"]["Message"] == f"message of {code} <&>", code


def _expected_code(service: Any, protocol: str, info: Any) -> str:
    if protocol == "query" or "awsQueryCompatible" in service.metadata:
        return info.query_code
    return info.code


def _tests_for(service: str) -> dict[str, Any]:
    """test_{request,response,errors}_roundtrip__<service>.

    One function per service and direction: hypothesis's pytest plugin wraps a parametrized function's
    settings once per case, and a function with more than ~1000 cases overflows the recursion limit
    when those settings are read.
    """
    cases = pytest.mark.parametrize(
        ("service_name", "protocol", "op_name"),
        [
            pytest.param(service, protocol, op, id=f"{protocol}-{op}")
            for protocol in SERVICE_PROTOCOLS[service]
            for op in catalog.service_model(service).operation_names
        ],
    )

    @cases
    @given(data=st.data())
    def request(service_name: str, protocol: str, op_name: str, data: st.DataObject) -> None:
        check_request(service_name, protocol, op_name, data)

    @cases
    @given(data=st.data())
    def response(service_name: str, protocol: str, op_name: str, data: st.DataObject) -> None:
        check_response(service_name, protocol, op_name, data)

    @cases
    def errors(service_name: str, protocol: str, op_name: str) -> None:
        check_errors(service_name, protocol, op_name)

    return {
        f"test_{kind}_roundtrip__{service}": fn
        for kind, fn in [("request", request), ("response", response), ("errors", errors)]
    }


for _service in SERVICE_PROTOCOLS:
    globals().update(_tests_for(_service))
