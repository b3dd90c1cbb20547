"""kill -9 of a real server while an upload streams in never leaves a torn object: the previous
version stays whole, the partial bytes are swept away on restart, acknowledged objects survive."""

from __future__ import annotations

import hashlib
import socket
from pathlib import Path

import pytest

from tests.scenarios.process import ServerProcess


@pytest.fixture
def server(tmp_path: Path):
    proc = ServerProcess(tmp_path / "data", services="s3")
    yield proc
    proc.stop()


def blob_files(data_dir: Path) -> list[Path]:
    return [p for p in (data_dir / "s3" / "blobs").rglob("*") if p.is_file()]


def test_kill_9_during_an_upload_keeps_the_previous_version_whole(server):
    # Given an acknowledged object
    s3 = server.start().client("s3")
    s3.create_bucket(Bucket="ingest")
    original = b"v1-" * 100_000
    s3.put_object(Bucket="ingest", Key="data.bin", Body=original)
    # When a replacement upload has sent half its declared bytes and the server is killed
    declared = 8 * 1024 * 1024
    with socket.create_connection(("127.0.0.1", server.port)) as sock:
        head = (
            f"PUT /ingest/data.bin HTTP/1.1\r\nHost: 127.0.0.1:{server.port}\r\n"
            f"Content-Length: {declared}\r\nx-amz-content-sha256: UNSIGNED-PAYLOAD\r\n"
            "Authorization: AWS4-HMAC-SHA256 Credential=test/20240101/us-east-1/s3/aws4_request, "
            "SignedHeaders=host, Signature=0\r\n\r\n"
        )
        sock.sendall(head.encode() + b"x" * (declared // 2))
        server.kill()
    # Then after a restart the object is the acknowledged version, and no partial bytes remain
    s3 = server.start().client("s3")
    body = s3.get_object(Bucket="ingest", Key="data.bin")["Body"].read()
    assert hashlib.md5(body).hexdigest() == hashlib.md5(original).hexdigest()
    assert not any((server.data_dir / "s3" / "tmp").iterdir())
    assert len(blob_files(server.data_dir)) == 1  # the acknowledged object's blob, nothing else
    listing = s3.list_objects_v2(Bucket="ingest")
    assert [o["Key"] for o in listing["Contents"]] == ["data.bin"]
