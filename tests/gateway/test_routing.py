"""Routing from what clients send: hosts under localhost and localhost.localstack.cloud, signing
names, unsigned requests. (Every operation of every model is routed in the protocol round trip.)"""

from __future__ import annotations

import pytest

from cloudlet.gateway.identity import credential_of
from cloudlet.gateway.routing import Router, RoutingError, parse_host
from cloudlet.protocol import catalog
from cloudlet.protocol.http import Headers, HttpRequest
from cloudlet.services.registry import SERVICES
from tests.protocol.oracle import to_http_request

MODELS = [model for spec in SERVICES for model in spec.models]


@pytest.fixture(scope="module")
def router() -> Router:
    return Router(MODELS)


def _with_host(request: HttpRequest, host: str) -> HttpRequest:
    headers = [(k, v) for k, v in request.headers.items() if k.lower() != "host"] + [("Host", host)]
    return HttpRequest(request.method, request.raw_path, request.query_string, Headers(headers), request.body)


@pytest.mark.parametrize("domain", ["localhost", "localhost.localstack.cloud"])
def test_host_forms(domain):
    assert parse_host(f"photos.s3.{domain}").hints == (("bucket", "photos"),)
    assert parse_host(f"my.dotted.bucket.s3.{domain}").hints == (("bucket", "my.dotted.bucket"),)
    assert parse_host(f"s3.{domain}").service == "s3"
    assert parse_host(f"abc123.execute-api.{domain}").hints == (("api_id", "abc123"),)
    sqs = parse_host(f"sqs.eu-west-1.{domain}")
    assert (sqs.service, sqs.region) == ("sqs", "eu-west-1")
    assert parse_host("127.0.0.1") == parse_host("example.com")


@pytest.mark.parametrize("domain", ["localhost", "localhost.localstack.cloud"])
def test_virtual_hosted_s3_routes_with_the_bucket_from_the_host(router, domain):
    s3 = catalog.service_model("s3")
    path_style = to_http_request(s3, s3.operation_model("GetObject"), {"Bucket": "photos", "Key": "a/b.jpg"})
    virtual = HttpRequest("GET", "/a/b.jpg", "", Headers([("Host", f"photos.s3.{domain}:4566")]))
    route = router.route(virtual, credential_of(path_style))
    assert route.operation.name == "GetObject"
    assert route.uri_params == {"Bucket": "photos", "Key": "a/b.jpg"}
    listing = HttpRequest("GET", "/", "list-type=2", Headers([("Host", f"photos.s3.{domain}:4566")]))
    assert router.route(listing, None).operation.name == "ListObjectsV2"


def test_unsigned_request_to_a_bucket_path_is_s3(router):
    request = HttpRequest("GET", "/photos/cat.jpg", "", Headers([("Host", "127.0.0.1:4566")]))
    route = router.route(request, None)
    assert (route.model.service_name, route.operation.name) == ("s3", "GetObject")


def test_presigned_url_credential_routes_to_s3(router):
    request = HttpRequest(
        "GET",
        "/photos/cat.jpg",
        "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=test%2F20240101%2Fus-west-2%2Fs3%2Faws4_request",
        Headers([("Host", "127.0.0.1:4566")]),
    )
    credential = credential_of(request)
    assert credential is not None and credential.region == "us-west-2"
    assert router.route(request, credential).operation.name == "GetObject"


def test_query_action_without_signature_finds_its_service(router):
    # AssumeRoleWithWebIdentity is called unsigned by design.
    request = HttpRequest(
        "POST",
        "/",
        "",
        Headers([("Content-Type", "application/x-www-form-urlencoded")]),
        b"Action=AssumeRoleWithWebIdentity&Version=2011-06-15",
    )
    route = router.route(request, None)
    assert (route.model.service_name, route.operation.name) == ("sts", "AssumeRoleWithWebIdentity")


def test_sqs_host_routes_query_requests(router):
    request = HttpRequest(
        "POST",
        "/",
        "",
        Headers(
            [("Content-Type", "application/x-www-form-urlencoded"), ("Host", "sqs.us-east-1.localhost:4566")]
        ),
        b"Action=NoSuchAction",
    )
    with pytest.raises(RoutingError) as caught:
        router.route(request, None)
    assert caught.value.error.code in ("InvalidAction", "MissingAction")


def test_signing_name_shared_by_two_models_is_told_apart_by_path(router):
    for name, op, params in [
        ("apigateway", "GetRestApis", {}),
        ("apigatewayv2", "GetApis", {}),
        ("dynamodb", "ListTables", {}),
        ("dynamodbstreams", "ListStreams", {}),
    ]:
        model = catalog.service_model(name)
        request = to_http_request(model, model.operation_model(op), params)
        route = router.route(request, credential_of(request))
        assert (route.model.service_name, route.operation.name) == (name, op)
