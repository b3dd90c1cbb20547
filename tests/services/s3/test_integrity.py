"""Upload integrity: flexible checksums (each algorithm boto3 sends), the default CRC64NVME, Content-MD5,
checksums as headers and as aws-chunked trailers, malformed streaming bodies, and a large streamed
upload."""

from __future__ import annotations

import base64
import hashlib
import os
from typing import Any

import pytest
from boto3.s3.transfer import TransferConfig
from botocore.config import Config
from botocore.exceptions import ClientError
from botocore.httpchecksum import _CHECKSUM_CLS

from tests.services.s3.conftest import raw_request

BODY = b"the quick brown fox jumps over the lazy dog\n" * 50
SIGNATURE = ";chunk-signature=" + "0" * 64


def checksum_of(algorithm: str, data: bytes) -> str:
    """base64 checksum as botocore computes it (the client's implementation, not the server's)."""
    hasher = _CHECKSUM_CLS[algorithm.lower()]()
    hasher.update(data)
    return hasher.b64digest()


def _fail(call: Any, **kwargs: Any) -> tuple[str, int, str]:
    with pytest.raises(ClientError) as exc_info:
        call(**kwargs)
    response = exc_info.value.response
    return (
        response["Error"]["Code"],
        response["ResponseMetadata"]["HTTPStatusCode"],
        response["Error"]["Message"],
    )


def aws_chunked(payload: bytes, size: int, trailers: dict[str, str]) -> bytes:
    out = bytearray()
    for start in range(0, len(payload), size):
        chunk = payload[start : start + size]
        out += f"{len(chunk):x}{SIGNATURE}\r\n".encode() + chunk + b"\r\n"
    out += f"0{SIGNATURE}\r\n".encode()
    for name, value in trailers.items():
        out += f"{name}:{value}\r\n".encode()
    return bytes(out + b"\r\n")


def _put_chunked(cloudlet: Any, path: str, wire: bytes, payload_length: int, trailer: str | None) -> Any:
    headers = {
        "Content-Encoding": "aws-chunked",
        "x-amz-content-sha256": "STREAMING-UNSIGNED-PAYLOAD-TRAILER",
        "x-amz-decoded-content-length": str(payload_length),
        "Content-Length": str(len(wire)),
    }
    if trailer:
        headers["x-amz-trailer"] = trailer
    return raw_request(cloudlet, "PUT", path, wire, headers)


# --- flexible checksums ---------------------------------------------------------------------------

ALGORITHMS = ["CRC32", "CRC32C", "CRC64NVME", "SHA1", "SHA256", "SHA512", "XXHASH64", "XXHASH3", "XXHASH128"]


@pytest.mark.parametrize("algorithm", ALGORITHMS)
def test_each_checksum_algorithm_is_verified_stored_and_returned(s3, bucket, algorithm):
    expected = checksum_of(algorithm, BODY)

    put = s3.put_object(Bucket=bucket, Key="k", Body=BODY, ChecksumAlgorithm=algorithm)
    got = s3.get_object(Bucket=bucket, Key="k", ChecksumMode="ENABLED")

    assert put[f"Checksum{algorithm}"] == expected
    assert got[f"Checksum{algorithm}"] == expected
    assert got["ChecksumType"] == "FULL_OBJECT"
    assert got["Body"].read() == BODY


def test_checksums_are_returned_only_when_asked_for(s3, bucket):
    s3.put_object(Bucket=bucket, Key="k", Body=BODY, ChecksumAlgorithm="SHA256")

    head = s3.head_object(Bucket=bucket, Key="k")

    assert not [name for name in head if name.startswith("Checksum")]


def test_a_range_read_carries_no_whole_object_checksum(s3, bucket):
    s3.put_object(Bucket=bucket, Key="k", Body=BODY, ChecksumAlgorithm="SHA256")

    got = s3.get_object(Bucket=bucket, Key="k", ChecksumMode="ENABLED", Range="bytes=0-9")

    assert "ChecksumSHA256" not in got
    assert got["Body"].read() == BODY[:10]


def test_the_default_checksum_is_crc64nvme(cloudlet, bucket):
    s3 = cloudlet.client("s3", config=Config(request_checksum_calculation="when_required"))
    s3.put_object(Bucket=bucket, Key="k", Body=BODY)

    head = s3.head_object(Bucket=bucket, Key="k", ChecksumMode="ENABLED")

    assert head["ChecksumCRC64NVME"] == checksum_of("CRC64NVME", BODY)
    assert head["ChecksumType"] == "FULL_OBJECT"


def test_listings_name_the_checksum_algorithm(s3, bucket):
    s3.put_object(Bucket=bucket, Key="k", Body=BODY, ChecksumAlgorithm="CRC32C")

    (item,) = s3.list_objects_v2(Bucket=bucket)["Contents"]

    assert (item["ChecksumAlgorithm"], item["ChecksumType"]) == (["CRC32C"], "FULL_OBJECT")


def test_a_wrong_checksum_header_is_bad_digest(s3, bucket):
    wrong = checksum_of("CRC32", b"something else")

    code, status, message = _fail(s3.put_object, Bucket=bucket, Key="k", Body=BODY, ChecksumCRC32=wrong)

    assert (code, status) == ("BadDigest", 400)
    assert message == "The CRC32 you specified did not match the calculated checksum."
    assert _fail(s3.head_object, Bucket=bucket, Key="k")[1] == 404


def test_a_checksum_value_that_is_not_base64_of_the_right_size_is_invalid(s3, bucket):
    code, status, message = _fail(s3.put_object, Bucket=bucket, Key="k", Body=BODY, ChecksumSHA256="AAAA")

    assert (code, status) == ("InvalidRequest", 400)
    assert message == "Value for x-amz-checksum-sha256 header is invalid."


# --- Content-MD5 ----------------------------------------------------------------------------------


def test_a_matching_content_md5_is_accepted(s3, bucket):
    md5 = base64.b64encode(hashlib.md5(BODY).digest()).decode()

    s3.put_object(Bucket=bucket, Key="k", Body=BODY, ContentMD5=md5)

    assert s3.get_object(Bucket=bucket, Key="k")["Body"].read() == BODY


def test_a_wrong_content_md5_is_bad_digest(s3, bucket):
    wrong = base64.b64encode(hashlib.md5(b"other").digest()).decode()

    code, status, message = _fail(s3.put_object, Bucket=bucket, Key="k", Body=BODY, ContentMD5=wrong)

    assert (code, status) == ("BadDigest", 400)
    assert message == "The Content-MD5 you specified did not match what we received."


def test_a_content_md5_that_is_not_an_md5_is_invalid_digest(s3, bucket):
    code, status, message = _fail(s3.put_object, Bucket=bucket, Key="k", Body=BODY, ContentMD5="bm90LW1kNQ==")

    assert (code, status) == ("InvalidDigest", 400)
    assert message == "The Content-MD5 you specified was invalid."


# --- aws-chunked bodies with trailers -------------------------------------------------------------


def test_an_aws_chunked_upload_with_a_checksum_trailer_is_stored(cloudlet, s3, bucket):
    value = checksum_of("CRC32C", BODY)
    wire = aws_chunked(BODY, 512, {"x-amz-checksum-crc32c": value})

    status, headers, _ = _put_chunked(cloudlet, f"/{bucket}/k", wire, len(BODY), "x-amz-checksum-crc32c")
    head = s3.head_object(Bucket=bucket, Key="k", ChecksumMode="ENABLED")

    assert status == 200
    assert headers["x-amz-checksum-crc32c"] == value
    assert s3.get_object(Bucket=bucket, Key="k")["Body"].read() == BODY
    assert (head["ContentLength"], head["ChecksumCRC32C"]) == (len(BODY), value)
    assert "ContentEncoding" not in head


def test_a_wrong_checksum_trailer_is_bad_digest(cloudlet, s3, bucket):
    wire = aws_chunked(BODY, 512, {"x-amz-checksum-crc32": checksum_of("CRC32", b"other")})

    status, _, body = _put_chunked(cloudlet, f"/{bucket}/k", wire, len(BODY), "x-amz-checksum-crc32")

    assert status == 400
    assert b"<Code>BadDigest</Code>" in body
    assert _fail(s3.head_object, Bucket=bucket, Key="k")[1] == 404


def test_an_aws_chunked_body_shorter_than_declared_is_incomplete(cloudlet, s3, bucket):
    wire = aws_chunked(BODY, 512, {})

    status, _, body = _put_chunked(cloudlet, f"/{bucket}/k", wire, len(BODY) + 10, None)

    assert status == 400
    assert b"<Code>IncompleteBody</Code>" in body


def test_malformed_aws_chunked_framing_is_incomplete_body(cloudlet, s3, bucket):
    wire = b"zz;chunk-signature=00\r\nabc\r\n0\r\n\r\n"

    status, _, body = _put_chunked(cloudlet, f"/{bucket}/k", wire, 3, None)

    assert status == 400
    assert b"<Code>IncompleteBody</Code><Message>The request body terminated unexpectedly</Message>" in body
    assert _fail(s3.head_object, Bucket=bucket, Key="k")[1] == 404


# --- a large streamed upload ----------------------------------------------------------------------


def test_a_64_mb_upload_streams_through_intact(s3, bucket, tmp_path):
    path = tmp_path / "big.bin"
    block = os.urandom(1024 * 1024)
    md5 = hashlib.md5()
    with path.open("wb") as fh:
        for i in range(64):
            chunk = bytes([i]) + block[1:]
            fh.write(chunk)
            md5.update(chunk)
    single_put = TransferConfig(multipart_threshold=1024**3)

    with path.open("rb") as fh:
        s3.upload_fileobj(fh, bucket, "big.bin", Config=single_put)
    got = s3.get_object(Bucket=bucket, Key="big.bin")
    received = hashlib.md5()
    for chunk in got["Body"].iter_chunks(1024 * 1024):
        received.update(chunk)

    assert got["ContentLength"] == 64 * 1024 * 1024
    assert got["ETag"] == f'"{md5.hexdigest()}"'
    assert received.hexdigest() == md5.hexdigest()
