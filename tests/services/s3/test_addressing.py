"""Addressing: virtual-hosted (`<bucket>.s3.localhost[.localstack.cloud]`, with or without a region),
path style on an S3 host name, keys in virtual-hosted paths, and presigned URLs used by a plain HTTP
client."""

from __future__ import annotations

import re
import urllib.request
from typing import Any
from urllib.parse import urlsplit

import pytest

from tests.services.s3.conftest import raw_request


def _host(cloudlet: Any, name: str) -> dict[str, str]:
    return {"Host": f"{name}:{urlsplit(cloudlet.endpoint).port}"}


@pytest.fixture
def stored(s3, bucket) -> bytes:
    s3.put_object(Bucket=bucket, Key="dir/k.txt", Body=b"hello")
    return b"hello"


@pytest.mark.parametrize(
    "host",
    [
        "photos.s3.localhost.localstack.cloud",
        "photos.s3.localhost",
        "photos.s3.us-east-1.localhost.localstack.cloud",
    ],
)
def test_virtual_hosted_get_reads_the_object(cloudlet, stored, host):
    status, _, body = raw_request(cloudlet, "GET", "/dir/k.txt", headers=_host(cloudlet, host))

    assert (status, body) == (200, stored)


def test_virtual_hosted_put_writes_into_the_bucket(cloudlet, s3, bucket):
    headers = _host(cloudlet, "photos.s3.localhost.localstack.cloud")

    status, _, _ = raw_request(cloudlet, "PUT", "/new.txt", b"written", headers)

    assert status == 200
    assert s3.get_object(Bucket=bucket, Key="new.txt")["Body"].read() == b"written"


def test_virtual_hosted_root_lists_the_bucket(cloudlet, stored):
    headers = _host(cloudlet, "photos.s3.localhost.localstack.cloud")

    status, _, body = raw_request(cloudlet, "GET", "/?list-type=2", headers=headers)

    assert status == 200
    assert re.findall(r"<Key>([^<]*)</Key>", body.decode()) == ["dir/k.txt"]
    assert "<Name>photos</Name>" in body.decode()


def test_virtual_hosted_bucket_names_may_contain_dots(cloudlet, s3):
    s3.create_bucket(Bucket="my.dotted.bucket")
    s3.put_object(Bucket="my.dotted.bucket", Key="k", Body=b"dots")

    status, _, body = raw_request(
        cloudlet, "GET", "/k", headers=_host(cloudlet, "my.dotted.bucket.s3.localhost.localstack.cloud")
    )

    assert (status, body) == (200, b"dots")


def test_virtual_hosted_keys_keep_encoded_characters(cloudlet, s3, bucket):
    key = "a b/100%/é?.txt"
    s3.put_object(Bucket=bucket, Key=key, Body=b"odd")

    status, _, body = raw_request(
        cloudlet, "GET", "/a%20b/100%25/%C3%A9%3F.txt", headers=_host(cloudlet, "photos.s3.localhost")
    )

    assert (status, body) == (200, b"odd")


def test_virtual_hosted_missing_bucket_is_no_such_bucket(cloudlet):
    status, _, body = raw_request(cloudlet, "GET", "/k", headers=_host(cloudlet, "absent.s3.localhost"))

    assert status == 404
    assert b"<Code>NoSuchBucket</Code>" in body
    assert b"<BucketName>absent</BucketName>" in body


@pytest.mark.parametrize("host", ["s3.localhost.localstack.cloud", "s3.localhost", "localhost"])
def test_path_style_on_an_s3_host_reads_the_object(cloudlet, stored, host):
    status, _, body = raw_request(cloudlet, "GET", "/photos/dir/k.txt", headers=_host(cloudlet, host))

    assert (status, body) == (200, stored)


def test_path_style_root_lists_buckets(cloudlet, bucket):
    headers = _host(cloudlet, "s3.localhost.localstack.cloud")

    status, _, body = raw_request(cloudlet, "GET", "/", headers=headers)

    assert status == 200
    assert "<Name>photos</Name>" in body.decode()


def test_a_presigned_get_url_works_from_a_plain_http_client(s3, stored):
    url = s3.generate_presigned_url(
        "get_object", Params={"Bucket": "photos", "Key": "dir/k.txt"}, ExpiresIn=300
    )

    with urllib.request.urlopen(url, timeout=30) as response:
        assert (response.status, response.read()) == (200, stored)


def test_a_presigned_put_url_works_from_a_plain_http_client(s3, bucket):
    url = s3.generate_presigned_url("put_object", Params={"Bucket": bucket, "Key": "up.txt"}, ExpiresIn=300)
    request = urllib.request.Request(url, data=b"uploaded", method="PUT")

    with urllib.request.urlopen(request, timeout=30) as response:
        assert response.status == 200
    assert s3.get_object(Bucket=bucket, Key="up.txt")["Body"].read() == b"uploaded"
