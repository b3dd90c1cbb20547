"""CORS: OPTIONS preflights against a bucket's CORS rules, and Access-Control-* headers on responses to
requests carrying a matching Origin (raw HTTP: browsers, not SDKs, send these)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.services.s3.conftest import raw_request

ORIGIN = "https://app.example.com"


@pytest.fixture
def cors_bucket(s3: Any, bucket: str) -> str:
    rules = [
        {
            "AllowedOrigins": [ORIGIN, "https://*.trusted.org"],
            "AllowedMethods": ["GET", "PUT"],
            "AllowedHeaders": ["content-type", "x-amz-*"],
            "ExposeHeaders": ["ETag", "x-amz-request-id"],
            "MaxAgeSeconds": 600,
        },
        {"AllowedOrigins": ["*"], "AllowedMethods": ["HEAD"]},
    ]
    s3.put_bucket_cors(Bucket=bucket, CORSConfiguration={"CORSRules": rules})
    s3.put_object(Bucket=bucket, Key="a.txt", Body=b"hello")
    return bucket


def preflight(cloudlet: Any, path: str, **headers: str) -> tuple[int, dict[str, str], bytes]:
    return raw_request(
        cloudlet, "OPTIONS", path, headers={k.replace("_", "-"): v for k, v in headers.items()}
    )


def test_allowed_preflight_answers_the_rule(cloudlet, cors_bucket):
    status, headers, body = preflight(
        cloudlet,
        f"/{cors_bucket}/a.txt",
        Origin=ORIGIN,
        Access_Control_Request_Method="PUT",
        Access_Control_Request_Headers="Content-Type, X-Amz-Meta-Colour",
    )
    assert (status, body) == (200, b"")
    assert headers["access-control-allow-origin"] == ORIGIN
    assert headers["access-control-allow-methods"] == "GET, PUT"
    assert headers["access-control-allow-headers"] == "content-type, x-amz-meta-colour"
    assert headers["access-control-expose-headers"] == "ETag, x-amz-request-id"
    assert headers["access-control-max-age"] == "600"
    assert headers["access-control-allow-credentials"] == "true"


def test_preflight_from_a_wildcard_origin_matches(cloudlet, cors_bucket):
    status, headers, _ = preflight(
        cloudlet,
        f"/{cors_bucket}/a.txt",
        Origin="https://cdn.trusted.org",
        Access_Control_Request_Method="GET",
    )
    assert (status, headers["access-control-allow-origin"]) == (200, "https://cdn.trusted.org")


def test_rule_allowing_every_origin_answers_a_star(cloudlet, cors_bucket):
    status, headers, _ = preflight(
        cloudlet, f"/{cors_bucket}/a.txt", Origin="https://anyone.net", Access_Control_Request_Method="HEAD"
    )
    assert (status, headers["access-control-allow-origin"]) == (200, "*")
    assert "access-control-allow-credentials" not in headers


def test_preflight_from_another_origin_is_forbidden(cloudlet, cors_bucket):
    status, _, body = preflight(
        cloudlet, f"/{cors_bucket}/a.txt", Origin="https://evil.example", Access_Control_Request_Method="GET"
    )
    assert status == 403
    assert b"<Code>AccessForbidden</Code>" in body
    assert b"CORSResponse: This CORS request is not allowed." in body


def test_preflight_for_a_method_no_rule_allows_is_forbidden(cloudlet, cors_bucket):
    status, _, body = preflight(
        cloudlet, f"/{cors_bucket}/a.txt", Origin=ORIGIN, Access_Control_Request_Method="DELETE"
    )
    assert (status, b"<Method>DELETE</Method>" in body) == (403, True)


def test_preflight_asking_for_a_header_no_rule_allows_is_forbidden(cloudlet, cors_bucket):
    status, _, _ = preflight(
        cloudlet,
        f"/{cors_bucket}/a.txt",
        Origin=ORIGIN,
        Access_Control_Request_Method="GET",
        Access_Control_Request_Headers="authorization",
    )
    assert status == 403


def test_preflight_to_bucket_without_cors_is_forbidden(cloudlet, bucket):
    status, _, body = preflight(
        cloudlet, f"/{bucket}/a.txt", Origin=ORIGIN, Access_Control_Request_Method="GET"
    )
    assert status == 403
    assert b"CORSResponse: CORS is not enabled for this bucket." in body


def test_preflight_without_origin_is_a_bad_request(cloudlet, cors_bucket):
    status, _, body = preflight(cloudlet, f"/{cors_bucket}/a.txt", Access_Control_Request_Method="GET")
    assert (status, b"<Code>BadRequest</Code>" in body) == (400, True)


def test_preflight_to_virtual_hosted_bucket_uses_its_rules(cloudlet, cors_bucket):
    port = cloudlet.endpoint.rsplit(":", 1)[1]
    status, headers, _ = preflight(
        cloudlet,
        "/a.txt",
        Host=f"{cors_bucket}.s3.localhost:{port}",
        Origin=ORIGIN,
        Access_Control_Request_Method="GET",
    )
    assert (status, headers["access-control-allow-origin"]) == (200, ORIGIN)


def test_get_with_matching_origin_carries_cors_headers(cloudlet, cors_bucket):
    status, headers, body = raw_request(cloudlet, "GET", f"/{cors_bucket}/a.txt", headers={"Origin": ORIGIN})
    assert (status, body) == (200, b"hello")
    assert headers["access-control-allow-origin"] == ORIGIN
    assert headers["access-control-expose-headers"] == "ETag, x-amz-request-id"
    assert headers["vary"] == "Origin, Access-Control-Request-Headers, Access-Control-Request-Method"


def test_get_from_another_origin_carries_no_cors_headers(cloudlet, cors_bucket):
    status, headers, _ = raw_request(
        cloudlet, "GET", f"/{cors_bucket}/a.txt", headers={"Origin": "https://x.io"}
    )
    assert status == 200
    assert "access-control-allow-origin" not in headers


def test_error_response_to_matching_origin_carries_cors_headers(cloudlet, cors_bucket):
    status, headers, _ = raw_request(cloudlet, "GET", f"/{cors_bucket}/missing", headers={"Origin": ORIGIN})
    assert (status, headers["access-control-allow-origin"]) == (404, ORIGIN)
