"""Presigned URLs (SigV4 and SigV2 query authentication): usable until they expire on the server's
clock, then AccessDenied "Request has expired"; malformed SigV4 queries are refused."""

from __future__ import annotations

import urllib.error
import urllib.request
from typing import Any
from xml.etree import ElementTree

import pytest
from botocore.config import Config


def fetch(url: str, method: str = "GET", data: bytes | None = None) -> tuple[int, bytes]:
    request = urllib.request.Request(url, data=data, method=method)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


def error_fields(body: bytes) -> dict[str, str]:
    return {child.tag: child.text or "" for child in ElementTree.fromstring(body)}


@pytest.fixture
def signer(cloudlet: Any) -> Any:
    """A client presigning with SigV4 (X-Amz-Date, X-Amz-Expires)."""
    return cloudlet.client("s3", config=Config(signature_version="s3v4"))


@pytest.fixture
def signer_v2(cloudlet: Any) -> Any:
    """A client presigning with SigV2 (Expires as epoch seconds)."""
    return cloudlet.client("s3", config=Config(signature_version="s3"))


@pytest.fixture
def photo(s3: Any, bucket: str) -> str:
    s3.put_object(Bucket=bucket, Key="cat.jpg", Body=b"meow")
    return "cat.jpg"


def test_presigned_get_returns_the_object(signer, bucket, photo):
    url = signer.generate_presigned_url("get_object", Params={"Bucket": bucket, "Key": photo}, ExpiresIn=60)
    assert "X-Amz-Credential=" in url and fetch(url) == (200, b"meow")


def test_presigned_get_after_expiry_is_denied(cloudlet, signer, bucket, photo):
    url = signer.generate_presigned_url("get_object", Params={"Bucket": bucket, "Key": photo}, ExpiresIn=60)
    cloudlet.clock.advance(120)
    status, body = fetch(url)
    fields = error_fields(body)
    assert (status, fields["Code"], fields["Message"]) == (403, "AccessDenied", "Request has expired")
    assert fields["X-Amz-Expires"] == "60"
    assert fields["Expires"].endswith("Z") and fields["ServerTime"].endswith("Z")
    assert fields["Expires"] < fields["ServerTime"]


def test_presigned_put_stores_the_body(s3, signer, bucket):
    url = signer.generate_presigned_url(
        "put_object", Params={"Bucket": bucket, "Key": "up.txt"}, ExpiresIn=60
    )
    assert fetch(url, "PUT", b"uploaded")[0] == 200
    assert s3.get_object(Bucket=bucket, Key="up.txt")["Body"].read() == b"uploaded"


def test_presigned_put_after_expiry_stores_nothing(cloudlet, s3, signer, bucket):
    url = signer.generate_presigned_url(
        "put_object", Params={"Bucket": bucket, "Key": "up.txt"}, ExpiresIn=60
    )
    cloudlet.clock.advance(120)
    assert fetch(url, "PUT", b"late")[0] == 403
    assert s3.list_objects_v2(Bucket=bucket)["KeyCount"] == 0


def test_expiry_longer_than_a_week_is_refused(signer, bucket, photo):
    url = signer.generate_presigned_url(
        "get_object", Params={"Bucket": bucket, "Key": photo}, ExpiresIn=604_801
    )
    status, body = fetch(url)
    assert (status, error_fields(body)["Code"]) == (400, "AuthorizationQueryParametersError")


def test_sigv4_query_missing_a_parameter_is_refused(signer, bucket, photo):
    url = signer.generate_presigned_url("get_object", Params={"Bucket": bucket, "Key": photo}, ExpiresIn=60)
    without_date = "&".join(p for p in url.split("&") if not p.startswith("X-Amz-Date="))
    status, body = fetch(without_date)
    assert (status, error_fields(body)["Code"]) == (400, "AuthorizationQueryParametersError")


def test_sigv2_presigned_get_returns_the_object(signer_v2, bucket, photo):
    url = signer_v2.generate_presigned_url(
        "get_object", Params={"Bucket": bucket, "Key": photo}, ExpiresIn=60
    )
    assert "AWSAccessKeyId=" in url and fetch(url) == (200, b"meow")


def test_sigv2_presigned_get_after_expiry_is_denied(cloudlet, signer_v2, bucket, photo):
    url = signer_v2.generate_presigned_url(
        "get_object", Params={"Bucket": bucket, "Key": photo}, ExpiresIn=60
    )
    cloudlet.clock.advance(120)
    status, body = fetch(url)
    fields = error_fields(body)
    assert (status, fields["Code"], fields["Message"]) == (403, "AccessDenied", "Request has expired")
    assert "ServerTime" in fields
