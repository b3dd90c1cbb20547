"""RestRouter: requestUri templates, greedy labels, query literals and header tie-breaks.

Requests are built by botocore's client serializer (tests/protocol/oracle.py), so every path and
query string here is exactly what boto3 sends.
"""

from __future__ import annotations

from typing import Any

import pytest
from botocore.model import ServiceModel

from cloudlet.protocol import catalog
from cloudlet.protocol.http import Headers
from cloudlet.protocol.uri_templates import RestRouter
from tests.protocol.oracle import to_http_request


def _route(service: str, op: str, params: dict[str, Any]) -> tuple[str, dict[str, str], str]:
    model = catalog.service_model(service)
    request = to_http_request(model, model.operation_model(op), params)
    match = RestRouter.for_service(model).match(
        request.method, request.raw_path, request.query_string, headers=request.headers
    )
    assert match is not None, (request.method, request.raw_path, request.query_string)
    return match.operation.name, match.uri_params, request.raw_path


def _match(service: str, method: str, path: str, query: str = "", **headers: str) -> str | None:
    router = RestRouter.for_service(catalog.service_model(service))
    found = router.match(method, path, query, headers=Headers(headers.items()))
    return None if found is None else found.operation.name


# --- greedy labels: S3 keys -----------------------------------------------------------------------

S3_KEYS = [
    "a/b/c",
    "ünï/日本語.txt",
    "with space and +plus",
    "literal%2Fpercent",
    "%",
    "/",
    "//",
    "dir/",
    "/leading",
    "a//b",
    "a/../b/./c",
    "question?mark#hash&amp=eq",
    "~tilde!*'()",
    "emoji-\U0001f600",
]


@pytest.mark.parametrize("key", S3_KEYS)
def test_s3_key_round_trips_through_greedy_label(key: str) -> None:
    op, params, _ = _route("s3", "GetObject", {"Bucket": "bkt", "Key": key})
    assert op == "GetObject"
    assert params == {"Bucket": "bkt", "Key": key}


def test_slash_in_non_greedy_label_is_decoded_after_splitting() -> None:
    name = "arn:aws:lambda:us-east-1:123456789012:function:my/fn"
    op, params, raw = _route("lambda", "GetFunction", {"FunctionName": name})
    assert "%2F" in raw  # botocore encodes '/' inside a non-greedy label
    assert (op, params) == ("GetFunction", {"FunctionName": name})


def test_label_value_with_percent_and_unicode() -> None:
    op, params, _ = _route("lambda", "GetFunctionConfiguration", {"FunctionName": "50%ü"})
    assert (op, params) == ("GetFunctionConfiguration", {"FunctionName": "50%ü"})


def test_empty_label_segment_matches_nothing() -> None:
    assert _match("lambda", "POST", "/2015-03-31/functions//invocations") is None


def test_bucket_with_trailing_slash_is_the_bucket() -> None:
    # `/bkt/` is not GetObject with an empty key: S3 treats it as the bucket.
    assert _match("s3", "GET", "/bkt/") == "ListObjects"
    assert _match("s3", "PUT", "/bkt/") == "CreateBucket"


def test_trailing_slash_on_rest_json_path() -> None:
    assert _match("lambda", "GET", "/2015-03-31/functions/") == "ListFunctions"
    assert _match("lambda", "GET", "/2015-03-31/functions/fn/") == "GetFunction"


# --- query literals ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path", "query", "expected"),
    [
        ("GET", "/bkt", "", "ListObjects"),
        ("GET", "/bkt", "list-type=2", "ListObjectsV2"),
        ("GET", "/bkt", "list-type=3", "ListObjects"),
        ("GET", "/bkt", "tagging", "GetBucketTagging"),
        ("GET", "/bkt", "tagging=", "GetBucketTagging"),
        ("PUT", "/bkt", "tagging", "PutBucketTagging"),
        ("DELETE", "/bkt", "tagging", "DeleteBucketTagging"),
        ("PUT", "/bkt", "", "CreateBucket"),
        ("GET", "/bkt", "versions&prefix=a", "ListObjectVersions"),
        ("GET", "/bkt", "uploads", "ListMultipartUploads"),
        ("GET", "/bkt", "analytics", "ListBucketAnalyticsConfigurations"),
        ("GET", "/bkt", "analytics&id=x", "GetBucketAnalyticsConfiguration"),
        ("GET", "/bkt/k", "tagging", "GetObjectTagging"),
        ("GET", "/bkt/k", "acl", "GetObjectAcl"),
        ("POST", "/bkt/k", "uploads", "CreateMultipartUpload"),
        ("POST", "/bkt/k", "uploadId=u", "CompleteMultipartUpload"),
        ("POST", "/bkt/k", "select&select-type=2", "SelectObjectContent"),
        ("POST", "/bkt", "delete", "DeleteObjects"),
        ("GET", "/bkt/k", "", "GetObject"),
        ("GET", "/bkt/k", "uploadId=u", "ListParts"),
        ("GET", "/bkt/k", "partNumber=1", "GetObject"),
        ("DELETE", "/bkt/k", "", "DeleteObject"),
        ("DELETE", "/bkt/k", "uploadId=u", "AbortMultipartUpload"),
        ("HEAD", "/bkt/k", "", "HeadObject"),
        ("HEAD", "/bkt", "", "HeadBucket"),
        ("GET", "/", "", "ListBuckets"),
        ("GET", "/", "max-directory-buckets=5", "ListDirectoryBuckets"),
        ("GET", "/bkt", "lifecycle", "GetBucketLifecycleConfiguration"),
        ("PUT", "/bkt", "notification", "PutBucketNotificationConfiguration"),
    ],
)
def test_s3_operations_by_query(method: str, path: str, query: str, expected: str) -> None:
    assert _match("s3", method, path, query) == expected


def test_sigv4_query_auth_parameters_do_not_change_the_route() -> None:
    presigned = "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=a&X-Amz-Signature=b&x-id=GetObject"
    assert _match("s3", "GET", "/bkt/k", presigned) == "GetObject"


def test_x_id_names_the_operation_but_is_never_required() -> None:
    assert _match("s3", "GET", "/bkt/k", "x-id=ListParts&uploadId=u") == "ListParts"
    assert _match("s3", "GET", "/bkt/k", "x-id=GetObject&uploadId=u") == "GetObject"
    model = _model("router-test-x-id", {"GetThing": ("GET", "/{Id}?x-id=GetThing")})
    router = RestRouter.for_service(model)
    for query in ("", "x-id=GetThing"):
        found = router.match("GET", "/abc", query)
        assert found is not None and found.operation.name == "GetThing"


def test_lambda_query_literal() -> None:
    assert _match("lambda", "GET", "/2018-10-31/layers", "") == "ListLayers"
    assert _match("lambda", "GET", "/2018-10-31/layers", "find=LayerVersion&Arn=x") == "GetLayerVersionByArn"
    assert _match("lambda", "GET", "/2018-10-31/layers", "find=Other") == "ListLayers"


def test_apigateway_query_literal() -> None:
    assert _match("apigateway", "POST", "/apikeys") == "CreateApiKey"
    assert _match("apigateway", "POST", "/apikeys", "mode=import&format=csv") == "ImportApiKeys"


# --- header tie-breaks ------------------------------------------------------------------------------


def test_copy_source_header_picks_copy_operations() -> None:
    assert _match("s3", "PUT", "/bkt/k") == "PutObject"
    assert _match("s3", "PUT", "/bkt/k", **{"X-Amz-Copy-Source": "src/key"}) == "CopyObject"
    assert _match("s3", "PUT", "/bkt/k", "partNumber=1&uploadId=u") == "UploadPart"
    copy = {"x-amz-copy-source": "src/key"}
    assert _match("s3", "PUT", "/bkt/k", "partNumber=1&uploadId=u", **copy) == "UploadPartCopy"


@pytest.mark.parametrize(
    ("op", "params"),
    [
        ("CopyObject", {"Bucket": "b", "Key": "k/", "CopySource": "src/k"}),
        (
            "UploadPartCopy",
            {"Bucket": "b", "Key": "k", "CopySource": "s/k", "PartNumber": 1, "UploadId": "u"},
        ),
        ("UploadPart", {"Bucket": "b", "Key": "k", "PartNumber": 2, "UploadId": "u", "Body": b"x"}),
        ("RenameObject", {"Bucket": "b", "Key": "k", "RenameSource": "old"}),
        ("GetObjectAttributes", {"Bucket": "b", "Key": "k", "ObjectAttributes": ["ETag"]}),
        ("PutObject", {"Bucket": "b", "Key": "k", "Body": b"x"}),
    ],
)
def test_botocore_requests_sharing_a_template(op: str, params: dict[str, Any]) -> None:
    assert _route("s3", op, params)[0] == op


def test_method_must_match_exactly() -> None:
    assert _match("lambda", "HEAD", "/2015-03-31/functions/fn") is None
    assert _match("lambda", "PATCH", "/2015-03-31/functions/fn") is None
    assert _match("s3", "get", "/bkt/k") == "GetObject"


def test_unknown_paths() -> None:
    assert _match("lambda", "GET", "/2015-03-31/nothing-here") is None
    assert _match("lambda", "GET", "/") is None


# --- building -------------------------------------------------------------------------------------


def _model(name: str, operations: dict[str, tuple[str, str]]) -> ServiceModel:
    members = {"Id": {"shape": "S", "location": "uri", "locationName": "Id"}}
    shapes: dict[str, Any] = {"S": {"type": "string"}}
    ops: dict[str, Any] = {}
    for op, (method, uri) in operations.items():
        labels = {part.strip("{}+") for part in uri.split("?")[0].split("/") if part.startswith("{")}
        shapes[op + "Input"] = {
            "type": "structure",
            "members": {label: {"shape": "S", "location": "uri", "locationName": label} for label in labels}
            or members,
        }
        ops[op] = {
            "name": op,
            "http": {"method": method, "requestUri": uri},
            "input": {"shape": op + "Input"},
        }
    return ServiceModel(
        {
            "metadata": {"protocol": "rest-json", "apiVersion": "1", "endpointPrefix": name},
            "operations": ops,
            "shapes": shapes,
        },
        service_name=name,
    )


def test_literal_segment_beats_label_and_labels_keep_their_names() -> None:
    model = _model(
        "router-test-literal",
        {
            "GetThing": ("GET", "/things/{ThingId}"),
            "ListSpecial": ("GET", "/things/special"),
            "GetPart": ("GET", "/things/{Owner}/parts/{PartId}"),
            "GetPartTag": ("GET", "/things/{ThingId}/tags/{Tag}"),
        },
    )
    router = RestRouter.for_service(model)
    assert router.match("GET", "/things/special", "").operation.name == "ListSpecial"  # type: ignore[union-attr]
    found = router.match("GET", "/things/abc", "")
    assert found is not None and (found.operation.name, found.uri_params) == ("GetThing", {"ThingId": "abc"})
    found = router.match("GET", "/things/o/parts/p", "")
    assert found is not None and found.uri_params == {"Owner": "o", "PartId": "p"}
    found = router.match("GET", "/things/t/tags/x", "")
    assert found is not None and found.uri_params == {"ThingId": "t", "Tag": "x"}


def test_greedy_label_with_literal_suffix_and_non_greedy_first() -> None:
    model = _model(
        "router-test-greedy",
        {
            "GetObject": ("GET", "/{Bucket}/{Key+}"),
            "GetObjectMeta": ("GET", "/{Bucket}/{Key+}/meta"),
            "GetBucketThing": ("GET", "/{Bucket}/thing"),
        },
    )
    router = RestRouter.for_service(model)
    found = router.match("GET", "/b/x/y/meta", "")
    assert found is not None
    assert (found.operation.name, found.uri_params) == ("GetObjectMeta", {"Bucket": "b", "Key": "x/y"})
    found = router.match("GET", "/b/thing", "")
    assert found is not None and found.operation.name == "GetBucketThing"
    found = router.match("GET", "/b/thing/more", "")
    assert found is not None and found.uri_params == {"Bucket": "b", "Key": "thing/more"}


def test_router_is_built_once_per_service() -> None:
    model = catalog.service_model("s3")
    assert RestRouter.for_service(model) is RestRouter.for_service(model)
