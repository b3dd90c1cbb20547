"""botocore as the oracle: its client serializer builds requests, its parsers read our responses.

`to_http_request` turns operation parameters into the exact `HttpRequest` a boto3 client would send
(SigV4-signed, path-style URL), and `botocore_parse` reads an `HttpResponse` the way a boto3 client
would, returning the parsed dict (event streams drained to a list of events).
"""

from __future__ import annotations

import datetime as dt
import io
from typing import Any
from urllib.parse import urlsplit

from botocore import parsers as bc_parsers
from botocore import serialize as bc_serialize
from botocore.auth import SigV4Auth
from botocore.awsrequest import HeadersDict, create_request_object, prepare_request_dict
from botocore.credentials import Credentials
from botocore.eventstream import EventStream
from botocore.model import OperationModel, ServiceModel, Shape
from botocore.response import StreamingBody

from cloudlet.protocol.http import Headers, HttpRequest, HttpResponse

ENDPOINT = "http://127.0.0.1:4566"

SERVICE_PROTOCOLS: dict[str, tuple[str, ...]] = {
    # Every service model cloudlet serves, with every protocol a client may use for it.
    "sqs": ("json",),
    "sns": ("query",),
    "sts": ("query",),
    "cloudformation": ("query",),
    "iam": ("query",),
    "dynamodb": ("json",),
    "dynamodbstreams": ("json",),
    "events": ("json",),
    "kinesis": ("json",),
    "firehose": ("json",),
    "logs": ("json",),
    "lambda": ("rest-json",),
    "apigateway": ("rest-json",),
    "apigatewayv2": ("rest-json",),
    "xray": ("rest-json",),
    "pipes": ("rest-json",),
    "scheduler": ("rest-json",),
    "s3": ("rest-xml",),
    "cloudwatch": ("smithy-rpc-v2-cbor", "json", "query"),
}


def to_http_request(
    service: ServiceModel,
    operation: OperationModel,
    params: dict[str, Any],
    protocol: str | None = None,
    region: str = "us-east-1",
    access_key: str = "AKIDEXAMPLE",
) -> HttpRequest:
    serializer = bc_serialize.create_serializer(protocol or service.protocol, include_validation=False)
    request_dict = serializer.serialize_to_request(params, operation)
    prepare_request_dict(request_dict, endpoint_url=ENDPOINT)
    aws_request = create_request_object(request_dict)
    signing = service.metadata.get("signingName") or service.endpoint_prefix
    SigV4Auth(Credentials(access_key, "secret"), signing, region).add_auth(aws_request)
    prepared = aws_request.prepare()
    split = urlsplit(prepared.url)
    body = prepared.body
    if hasattr(body, "read"):
        body = body.read()
    if isinstance(body, str):
        body = body.encode("utf-8")
    headers = [(k, v.decode("latin-1") if isinstance(v, bytes) else v) for k, v in prepared.headers.items()]
    return HttpRequest(
        method=prepared.method,
        raw_path=split.path or "/",
        query_string=split.query,
        headers=Headers(headers),
        body=body or b"",
    )


class _RawStream:
    """What botocore's EventStream reads from (urllib3's `.stream()`)."""

    def __init__(self, data: bytes) -> None:
        self._data = data

    def stream(self, amt: int = 1024) -> Any:
        for i in range(0, len(self._data), amt):
            yield self._data[i : i + amt]

    def close(self) -> None:
        pass


def botocore_parse(
    service: ServiceModel,
    operation: OperationModel,
    response: HttpResponse,
    protocol: str | None = None,
) -> dict[str, Any]:
    """The dict a boto3 client would return (or the `Error` dict it would raise with)."""
    body = response.body
    assert isinstance(body, bytes), "round-trip tests serialize to bytes"
    headers = HeadersDict()
    for name, value in response.headers:
        headers[name] = value
    is_error = response.status >= 300
    payload: Any = body
    if not is_error and operation.has_event_stream_output:
        payload = _RawStream(body)
    elif not is_error and operation.has_streaming_output:
        payload = StreamingBody(io.BytesIO(body), len(body))
    response_dict = {
        "status_code": response.status,
        "headers": headers,
        "body": payload,
        "context": {"operation_name": operation.name},
    }
    parser = bc_parsers.create_parser(protocol or service.protocol)
    parsed = parser.parse(response_dict, operation.output_shape)
    if is_error:
        return parsed
    if service.service_name == "s3" and operation.name == "GetBucketLocation":
        # A boto3 client reads S3's text root `<LocationConstraint>` with this registered handler.
        from botocore.handlers import parse_get_bucket_location

        parsed = {}
        parse_get_bucket_location(parsed, HttpResponseLike(body))
        parsed.setdefault("LocationConstraint", None)
        if parsed["LocationConstraint"] is None:
            parsed.pop("LocationConstraint")
    return drain(parsed)


class HttpResponseLike:
    """What botocore's handlers read of an HTTP response (`.content`)."""

    def __init__(self, content: bytes) -> None:
        self.content = content
        self.raw = content


def drain(value: Any) -> Any:
    """Replace event streams with the list of their events and streaming bodies with bytes."""
    if isinstance(value, EventStream):
        return [drain(event) for event in value]
    if isinstance(value, StreamingBody):
        return value.read()
    if isinstance(value, dict):
        return {k: drain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [drain(v) for v in value]
    return value


def comparable(value: Any, shape: Shape | None = None) -> Any:
    """A normal form for equality: UTC datetimes, no ResponseMetadata, no None members."""
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC) if value.tzinfo else value.replace(tzinfo=dt.UTC)
    if isinstance(value, dict):
        return {k: comparable(v) for k, v in value.items() if v is not None and k != "ResponseMetadata"}
    if isinstance(value, list | tuple):
        return [comparable(v) for v in value]
    if isinstance(value, bytearray):
        return bytes(value)
    return value
