"""Hand-written rest-xml (S3) cases: malformed and hostile XML, namespaces, flattened lists,
xmlAttribute members, prefix-header maps, timestamps in each format, S3 errors, event streams, and a
real boto3 client (with its S3 handlers) talking to the router, parser and serializer.
"""

from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import boto3
import pytest
from botocore.awsrequest import AWSResponse
from botocore.exceptions import ClientError
from hypothesis import given
from hypothesis import strategies as st

from cloudlet.protocol import catalog
from cloudlet.protocol.errors import CodedError, InvalidArgument, MalformedXML, ServiceError
from cloudlet.protocol.http import Headers, HttpRequest, HttpResponse
from cloudlet.protocol.parsers.xml import RestXMLRequestParser
from cloudlet.protocol.scalars import iso8601
from cloudlet.protocol.serializers.xml import RestXMLResponseSerializer
from cloudlet.protocol.uri_templates import RestRouter
from tests.protocol.oracle import botocore_parse, to_http_request

UTC = dt.UTC
S3 = catalog.service_model("s3")
NS = "http://s3.amazonaws.com/doc/2006-03-01/"


def _parse(op: str, params: dict[str, Any]) -> dict[str, Any]:
    request = to_http_request(S3, S3.operation_model(op), params)
    match = RestRouter.for_service(S3).match(
        request.method, request.raw_path, request.query_string, headers=request.headers
    )
    assert match is not None and match.operation.name == op
    return RestXMLRequestParser(S3).parse(match.operation, request, match.uri_params)


def _serialize(op: str, output: dict[str, Any]) -> HttpResponse:
    return RestXMLResponseSerializer(S3).serialize_response(S3.operation_model(op), output, "req-1")


def _roundtrip_response(op: str, output: dict[str, Any]) -> dict[str, Any]:
    parsed = botocore_parse(S3, S3.operation_model(op), _serialize(op, output))
    parsed.pop("ResponseMetadata", None)
    return parsed


def _put_object(request: HttpRequest) -> dict[str, Any]:
    params = {"Bucket": "b", "Key": "k"}
    return RestXMLRequestParser(S3).parse(S3.operation_model("PutObject"), request, params)


def _raw(op: str, body: bytes, query: str = "", **headers: str) -> dict[str, Any]:
    request = HttpRequest("PUT", "/bkt", query, Headers(headers.items()), body)
    return RestXMLRequestParser(S3).parse(S3.operation_model(op), request, {"Bucket": "bkt"})


# --- malformed and hostile XML --------------------------------------------------------------------

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<Tagging><TagSet><Tag><Key>&lol3;</Key><Value>v</Value></Tag></TagSet></Tagging>"""
EXTERNAL_ENTITY = b"""<?xml version="1.0"?><!DOCTYPE t [<!ENTITY x SYSTEM "file:///etc/passwd">]>
<Tagging><TagSet><Tag><Key>&x;</Key><Value>v</Value></Tag></TagSet></Tagging>"""


@pytest.mark.parametrize(
    "body",
    [
        b"<Tagging>",
        b"<Tagging><TagSet></Tagging>",
        b"not xml at all",
        b"<a></b>",
        b"\xff\xfe<\x00T\x00",
        b'<?xml version="1.0" encoding="no-such-encoding"?><Tagging/>',
        BILLION_LAUGHS,
        EXTERNAL_ENTITY,
        b"<!doctype Tagging><Tagging/>",
        b"<Tagging><TagSet><Tag><Key>k</Key></Tag></TagSet></Tagging>&undefined;",
        b"<Tagging><TagSet><Tag><Key>&undefined;</Key></Tag></TagSet></Tagging>",
        b"<" * 10_000,
    ],
)
def test_malformed_or_hostile_xml_is_malformed_xml(body: bytes) -> None:
    with pytest.raises(MalformedXML):
        _raw("PutBucketTagging", body, "tagging")


@pytest.mark.parametrize(
    ("op", "query", "body"),
    [
        ("PutBucketVersioning", "versioning", b"<V><MFADelete>x</MFADelete>"),
        ("PutBucketLogging", "logging", b"<BucketLoggingStatus>&#0;</BucketLoggingStatus>"),
        ("PutObjectRetention", "retention", b"<R><RetainUntilDate>soon</RetainUntilDate></R>"),
        ("PutBucketAccelerateConfiguration", "accelerate", b"<A>" + b"<B>" * 50_000),
        (
            "PutObjectLockConfiguration",
            "object-lock",
            b"<C><Rule><DefaultRetention><Days>x</Days></DefaultRetention></Rule></C>",
        ),
        (
            "PutObjectLockConfiguration",
            "object-lock",
            b"<C><Rule><DefaultRetention><Days>1.5</Days></DefaultRetention></Rule></C>",
        ),
    ],
)
def test_bad_values_in_xml_are_malformed_xml(op: str, query: str, body: bytes) -> None:
    with pytest.raises(MalformedXML):
        _raw(op, body, query)


@given(
    st.binary(max_size=80)
    | st.text(alphabet="<>/&;!?=\"' abcTagKeyValue\n", max_size=80).map(str.encode)
    | st.builds(
        lambda key, value: (
            f"<Tagging><TagSet><Tag><Key>{key}</Key><Value>{value}</Value></Tag></TagSet></Tagging>".encode()
        ),
        st.text(max_size=8),
        st.text(max_size=8),
    )
)
def test_xml_parser_raises_only_malformed_xml(body: bytes) -> None:
    try:
        _raw("PutBucketTagging", body, "tagging")
    except MalformedXML:
        pass


def test_values_outside_the_body_are_invalid_argument() -> None:
    request = HttpRequest("PUT", "/bkt/k", "partNumber=one&uploadId=u", Headers(), b"")
    with pytest.raises(InvalidArgument):
        RestXMLRequestParser(S3).parse(S3.operation_model("UploadPart"), request, {"Bucket": "b", "Key": "k"})


# --- request bodies ------------------------------------------------------------------------------


def test_create_bucket_configuration_with_and_without_namespace() -> None:
    for xmlns in (f' xmlns="{NS}"', ""):
        body = (
            f"<CreateBucketConfiguration{xmlns}><LocationConstraint>eu-west-1</LocationConstraint>"
            "</CreateBucketConfiguration>"
        ).encode()
        assert _raw("CreateBucket", body) == {
            "Bucket": "bkt",
            "CreateBucketConfiguration": {"LocationConstraint": "eu-west-1"},
        }


def test_empty_payload_body_means_absent_member() -> None:
    assert _raw("CreateBucket", b"") == {"Bucket": "bkt"}


def test_comments_and_whitespace_are_ignored() -> None:
    body = b"""<?xml version="1.0" encoding="UTF-8"?>
    <!-- a comment --><Tagging xmlns="http://s3.amazonaws.com/doc/2006-03-01/">
      <TagSet>
        <Tag><Key> spaced </Key><Value></Value></Tag>
      </TagSet>
    </Tagging>"""
    assert _raw("PutBucketTagging", body, "tagging")["Tagging"] == {
        "TagSet": [{"Key": " spaced ", "Value": ""}]
    }


def test_flattened_list_and_empty_flattened_list() -> None:
    objects = [{"Key": "a/b"}, {"Key": "<&>", "VersionId": "v1"}]
    parsed = _parse("DeleteObjects", {"Bucket": "b", "Delete": {"Objects": objects, "Quiet": True}})
    assert parsed["Delete"] == {"Objects": objects, "Quiet": True}
    # An empty flattened list writes no element at all: the member is absent on the wire.
    assert _parse("DeleteObjects", {"Bucket": "b", "Delete": {"Objects": []}})["Delete"] == {}


def test_xml_attribute_member_in_request() -> None:
    policy = {
        "Grants": [
            {"Grantee": {"Type": "CanonicalUser", "ID": "abc"}, "Permission": "READ"},
            {"Grantee": {"Type": "Group", "URI": "http://acs.amazonaws.com/groups/global/AllUsers"}},
        ],
        "Owner": {"ID": "owner"},
    }
    parsed = _parse("PutBucketAcl", {"Bucket": "b", "AccessControlPolicy": policy})
    assert parsed["AccessControlPolicy"] == policy


def test_prefix_header_map_and_header_timestamps_in_request() -> None:
    retain = dt.datetime(2030, 5, 6, 7, 8, 9, tzinfo=UTC)
    since = dt.datetime(2024, 1, 1, 0, 0, 0, tzinfo=UTC)
    parsed = _parse(
        "PutObject",
        {
            "Bucket": "b",
            "Key": "k",
            "Body": b"data",
            "Metadata": {"color": "blue", "two-words": "a b"},
            "ObjectLockRetainUntilDate": retain,  # iso8601 header (timestampFormat trait)
            "Expires": since,  # rfc822 header (the default)
            "ContentType": "text/plain; charset=utf-8",
        },
    )
    assert parsed["Metadata"] == {"color": "blue", "two-words": "a b"}
    assert parsed["ObjectLockRetainUntilDate"] == retain
    assert parsed["Expires"] == since
    assert parsed["Body"] == b"data"


def test_metadata_keys_arrive_lower_cased() -> None:
    request = HttpRequest("PUT", "/b/k", "", Headers([("X-Amz-Meta-Color", "Blue")]), b"x")
    parsed = RestXMLRequestParser(S3).parse(
        S3.operation_model("PutObject"), request, {"Bucket": "b", "Key": "k"}
    )
    assert parsed["Metadata"] == {"color": "Blue"}


def test_query_timestamp_with_rfc822_trait() -> None:
    expires = dt.datetime(2024, 6, 7, 8, 9, 10, tzinfo=UTC)
    parsed = _parse("GetObject", {"Bucket": "b", "Key": "k", "ResponseExpires": expires})
    assert parsed["ResponseExpires"] == expires


def test_string_payload() -> None:
    policy = '{"Version": "2012-10-17", "Statement": ["ü"]}'
    assert _parse("PutBucketPolicy", {"Bucket": "b", "Policy": policy})["Policy"] == policy
    assert _roundtrip_response("GetBucketPolicy", {"Policy": policy}) == {"Policy": policy}


def test_aws_chunked_body_is_decoded() -> None:
    body = (
        b"5;chunk-signature=abc\r\nhello\r\n6;chunk-signature=def\r\n world\r\n"
        b"0;chunk-signature=0\r\nx-amz-checksum-crc32:AAAAAA==\r\n\r\n"
    )
    headers = Headers(
        [
            ("Content-Encoding", "aws-chunked"),
            ("x-amz-content-sha256", "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER"),
            ("x-amz-decoded-content-length", "11"),
        ]
    )
    request = HttpRequest("PUT", "/b/k", "", headers, body)
    parsed = RestXMLRequestParser(S3).parse(
        S3.operation_model("PutObject"), request, {"Bucket": "b", "Key": "k"}
    )
    assert parsed["Body"] == b"hello world"
    assert "ContentEncoding" not in parsed  # aws-chunked is a transfer detail, not the object's coding


def test_truncated_aws_chunked_body_is_rejected() -> None:
    headers = Headers([("Content-Encoding", "aws-chunked")])
    request = HttpRequest("PUT", "/b/k", "", headers, b"ff\r\nshort")
    with pytest.raises(InvalidArgument):
        _put_object(request)


# --- responses ---------------------------------------------------------------------------------------


def test_list_objects_v2_document() -> None:
    when = dt.datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC)
    output = {
        "IsTruncated": False,
        "Name": "bkt",
        "Prefix": "",
        "KeyCount": 2,
        "Contents": [
            {"Key": "a <&> b\r\n", "LastModified": when, "Size": 3, "ETag": '"e"'},
            {"Key": "ü/", "LastModified": when.timestamp(), "Size": 0},
        ],
        "CommonPrefixes": [{"Prefix": "dir/"}],
    }
    response = _serialize("ListObjectsV2", output)
    assert response.header("Content-Type") == "application/xml"
    assert response.header("x-amz-request-id") == "req-1" and response.header("x-amz-id-2")
    assert isinstance(response.body, bytes)
    root = ET.fromstring(response.body)
    assert [child.tag.rpartition("}")[2] for child in root][:3] == ["IsTruncated", "Contents", "Contents"]
    assert b"<LastModified>2024-01-02T03:04:05.000Z</LastModified>" in response.body
    parsed = _roundtrip_response("ListObjectsV2", output)
    assert parsed["Contents"][0]["Key"] == "a <&> b\r\n"
    assert parsed["Contents"][1]["LastModified"] == when
    assert parsed["CommonPrefixes"] == [{"Prefix": "dir/"}]


def test_empty_non_flattened_list_survives_and_flattened_does_not() -> None:
    assert _roundtrip_response("GetBucketTagging", {"TagSet": []}) == {"TagSet": []}
    assert _roundtrip_response("ListObjectsV2", {"Contents": []}) == {}


def test_xml_attribute_member_in_response() -> None:
    output = {
        "Owner": {"ID": "o"},
        "Grants": [{"Grantee": {"Type": "CanonicalUser", "ID": "x"}, "Permission": "FULL_CONTROL"}],
    }
    response = _serialize("GetBucketAcl", output)
    assert b'xsi:type="CanonicalUser"' in response.body  # type: ignore[operator]
    assert b'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"' in response.body  # type: ignore[operator]
    assert _roundtrip_response("GetBucketAcl", output) == output


def test_get_object_headers_and_raw_body() -> None:
    modified = dt.datetime(2024, 5, 1, 12, 0, 0, tzinfo=UTC)
    output = {
        "Body": b"\x00binary\xff",
        "ContentLength": 9,
        "ContentType": "application/octet-stream",
        "LastModified": modified,
        "Metadata": {"color": "blue"},
        "ObjectLockRetainUntilDate": modified,
        "DeleteMarker": False,
        "TagCount": 2,
    }
    response = _serialize("GetObject", output)
    assert response.header("Last-Modified") == "Wed, 01 May 2024 12:00:00 GMT"
    assert response.header("x-amz-object-lock-retain-until-date") == "2024-05-01T12:00:00Z"
    assert response.header("x-amz-meta-color") == "blue"
    assert response.body == b"\x00binary\xff"
    assert _roundtrip_response("GetObject", output) == output


def test_head_object_has_no_body() -> None:
    response = _serialize("HeadObject", {"ContentLength": 10, "ETag": '"e"'})
    assert (response.status, response.body, response.header("Content-Length")) == (200, b"", "10")


def test_no_content_operations() -> None:
    response = _serialize("DeleteBucket", {})
    assert (response.status, response.body) == (204, b"")


def test_payload_structure_root_is_the_member_name() -> None:
    response = _serialize("GetObjectLegalHold", {"LegalHold": {"Status": "ON"}})
    assert isinstance(response.body, bytes)
    # S3 roots carry S3's namespace (extras metadata); the local name is the member's.
    assert ET.fromstring(response.body).tag == "{http://s3.amazonaws.com/doc/2006-03-01/}LegalHold"
    copy = _serialize("CopyObject", {"CopyObjectResult": {"ETag": '"x"'}, "VersionId": "v"})
    assert ET.fromstring(copy.body).tag.endswith("}CopyObjectResult")  # type: ignore[arg-type]
    assert copy.header("x-amz-version-id") == "v"


def test_iso8601_always_has_milliseconds() -> None:
    assert iso8601(0, always_ms=True) == "1970-01-01T00:00:00.000Z"
    assert (
        iso8601(dt.datetime(2024, 1, 1, 0, 0, 0, 999999, tzinfo=UTC), always_ms=True)
        == "2024-01-01T00:00:00.999Z"
    )
    eastern = dt.timezone(dt.timedelta(hours=-5))
    assert (
        iso8601(dt.datetime(2024, 1, 1, 19, 0, tzinfo=eastern), always_ms=True) == "2024-01-02T00:00:00.000Z"
    )


def test_select_object_content_event_stream() -> None:
    output = {
        "Payload": [
            {"Records": {"Payload": b"a,b\n"}},
            {"Stats": {"Details": {"BytesScanned": 10, "BytesProcessed": 10, "BytesReturned": 4}}},
            {"Cont": {}},
            {"End": {}},
        ]
    }
    assert _roundtrip_response("SelectObjectContent", output) == output


# --- errors -----------------------------------------------------------------------------------------


class NoSuchKey(ServiceError):
    pass


class NoSuchBucket(ServiceError):
    pass


def test_s3_error_document() -> None:
    operation = S3.operation_model("GetObject")
    error = NoSuchKey("The specified key does not exist.", Key="a/b", BucketName="bkt")
    response = RestXMLResponseSerializer(S3).serialize_error(error, operation, "rid")
    assert response.status == 404
    assert isinstance(response.body, bytes)
    root = ET.fromstring(response.body)
    assert root.tag == "Error"  # no namespace on S3 errors
    assert [child.tag for child in root] == ["Code", "Message", "Key", "BucketName", "RequestId", "HostId"]
    parsed = botocore_parse(S3, operation, response)
    assert parsed["Error"] == {
        "Code": "NoSuchKey",
        "Message": "The specified key does not exist.",
        "Key": "a/b",
        "BucketName": "bkt",
    }
    assert parsed["ResponseMetadata"]["RequestId"] == "rid"


def test_head_errors_have_no_body() -> None:
    operation = S3.operation_model("HeadBucket")
    response = RestXMLResponseSerializer(S3).serialize_error(NoSuchBucket("nope"), operation, "rid")
    assert (response.status, response.body) == (404, b"")
    assert response.header("x-amz-request-id") == "rid"
    assert botocore_parse(S3, operation, response)["Error"]["Code"] == "404"


def test_not_modified_has_no_body() -> None:
    operation = S3.operation_model("GetObject")
    error = CodedError("NotModified", "Not Modified", status=304)
    response = RestXMLResponseSerializer(S3).serialize_error(error, operation, "rid")
    assert (response.status, response.body) == (304, b"")


# --- a real boto3 client (its S3 handlers included) ---------------------------------------------


class _Raw:
    def __init__(self, body: bytes) -> None:
        self._body = body

    def stream(self, amt: int = 1024, decode_content: bool = False) -> Iterator[bytes]:
        yield self._body

    def read(self, amt: int | None = None) -> bytes:
        body, self._body = self._body, b""
        return body


class _LocalS3:
    """A boto3 S3 client whose requests go through RestRouter, the parser and the serializer."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.outputs: dict[str, dict[str, Any] | ServiceError] = {}
        self.client = boto3.client(
            "s3",
            endpoint_url="http://127.0.0.1:4566",
            region_name="us-east-1",
            aws_access_key_id="AKIDEXAMPLE",
            aws_secret_access_key="secret",
        )
        self.client.meta.events.register("before-send", self._send)

    def _send(self, request: Any, **_: Any) -> AWSResponse:
        split = urlsplit(request.url)
        body = request.body.read() if hasattr(request.body, "read") else request.body
        headers = [(k, v.decode() if isinstance(v, bytes) else v) for k, v in request.headers.items()]
        http = HttpRequest(request.method, split.path, split.query, Headers(headers), body or b"")
        match = RestRouter.for_service(S3).match(http.method, http.raw_path, http.query_string, http.headers)
        assert match is not None
        operation = match.operation
        self.calls.append((operation.name, RestXMLRequestParser(S3).parse(operation, http, match.uri_params)))
        serializer = RestXMLResponseSerializer(S3)
        output = self.outputs.get(operation.name, {})
        if isinstance(output, ServiceError):
            response = serializer.serialize_error(output, operation, "rid")
        else:
            response = serializer.serialize_response(operation, output, "rid")
        assert isinstance(response.body, bytes)
        return AWSResponse(request.url, response.status, dict(response.headers), _Raw(response.body))


@pytest.fixture
def s3() -> _LocalS3:
    return _LocalS3()


@pytest.mark.parametrize("key", ["a/b c+d", "%2F", "/", "dir/", "ü/日本", "a//b", "x?y#z"])
def test_boto3_put_and_get_object_keys(s3: _LocalS3, key: str) -> None:
    s3.client.put_object(Bucket="bkt", Key=key, Body=b"hello", Metadata={"Color": "blue"})
    op, params = s3.calls[-1]
    assert (op, params["Key"], params["Body"], params["Metadata"]) == (
        "PutObject",
        key,
        b"hello",
        {"color": "blue"},
    )
    s3.outputs["GetObject"] = {"Body": b"hello", "ContentLength": 5, "Metadata": {"color": "blue"}}
    got = s3.client.get_object(Bucket="bkt", Key=key)
    assert s3.calls[-1][1]["Key"] == key
    assert (got["Body"].read(), got["Metadata"]) == (b"hello", {"color": "blue"})


def test_boto3_copy_and_multipart(s3: _LocalS3) -> None:
    s3.client.copy_object(Bucket="bkt", Key="dst", CopySource={"Bucket": "src", "Key": "a b"})
    assert s3.calls[-1][0] == "CopyObject"
    s3.outputs["CreateMultipartUpload"] = {"Bucket": "bkt", "Key": "k", "UploadId": "u1"}
    assert s3.client.create_multipart_upload(Bucket="bkt", Key="k")["UploadId"] == "u1"
    s3.client.upload_part(Bucket="bkt", Key="k", UploadId="u1", PartNumber=1, Body=b"p")
    s3.client.upload_part_copy(Bucket="bkt", Key="k", UploadId="u1", PartNumber=2, CopySource="src/x")
    s3.client.complete_multipart_upload(
        Bucket="bkt", Key="k", UploadId="u1", MultipartUpload={"Parts": [{"ETag": "e", "PartNumber": 1}]}
    )
    assert [op for op, _ in s3.calls[-4:]] == [
        "CreateMultipartUpload",
        "UploadPart",
        "UploadPartCopy",
        "CompleteMultipartUpload",
    ]
    assert s3.calls[-1][1]["MultipartUpload"] == {"Parts": [{"ETag": "e", "PartNumber": 1}]}


def test_boto3_create_bucket_and_list(s3: _LocalS3) -> None:
    s3.client.create_bucket(Bucket="bkt", CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
    assert s3.calls[-1][1]["CreateBucketConfiguration"] == {"LocationConstraint": "eu-west-1"}
    s3.outputs["ListObjectsV2"] = {"Name": "bkt", "KeyCount": 1, "Contents": [{"Key": "k", "Size": 1}]}
    listed = s3.client.list_objects_v2(Bucket="bkt", Prefix="p/")
    # boto3 asks for url-encoded keys (and decodes them only if the response says EncodingType=url).
    assert s3.calls[-1] == ("ListObjectsV2", {"Bucket": "bkt", "Prefix": "p/", "EncodingType": "url"})
    assert listed["Contents"] == [{"Key": "k", "Size": 1}]


def test_boto3_errors(s3: _LocalS3) -> None:
    s3.outputs["GetObject"] = NoSuchKey("The specified key does not exist.", Key="k")
    with pytest.raises(ClientError) as caught:
        s3.client.get_object(Bucket="bkt", Key="k")
    assert caught.value.response["Error"]["Code"] == "NoSuchKey"
    assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 404
    s3.outputs["HeadObject"] = NoSuchKey("nope")
    with pytest.raises(ClientError) as caught:
        s3.client.head_object(Bucket="bkt", Key="k")
    assert caught.value.response["Error"]["Code"] == "404"
