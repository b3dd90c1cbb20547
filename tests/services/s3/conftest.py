"""S3 test fixtures: a boto3 client (path-style, as against an IP endpoint), a bucket, raw HTTP."""

from __future__ import annotations

import http.client
from typing import Any
from urllib.parse import urlsplit

import pytest


@pytest.fixture
def s3(cloudlet: Any) -> Any:
    return cloudlet.client("s3")


@pytest.fixture
def bucket(s3: Any) -> str:
    s3.create_bucket(Bucket="photos")
    return "photos"


def raw_request(
    cloudlet: Any, method: str, path: str, body: bytes = b"", headers: dict[str, str] | None = None
) -> tuple[int, dict[str, str], bytes]:
    """One unsigned HTTP request to the server (for Host-header addressing, CORS, presigned URLs)."""
    parts = urlsplit(cloudlet.endpoint)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        response = conn.getresponse()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
    finally:
        conn.close()
