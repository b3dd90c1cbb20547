from __future__ import annotations

import re
import uuid
import zlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cloudlet.core import digests
from cloudlet.core.arns import Arn, build_arn, is_account_id, parse_arn
from cloudlet.core.ids import hex_id, message_id, request_id, short_id

# -- ids ---------------------------------------------------------------------------------------------


def test_request_and_message_ids_are_uuid4() -> None:
    for make in (request_id, message_id):
        value = make()
        assert uuid.UUID(value).version == 4
        assert str(uuid.UUID(value)) == value
    assert request_id() != request_id()


@given(st.integers(min_value=0, max_value=64))
def test_short_and_hex_ids(n: int) -> None:
    assert re.fullmatch(f"[a-z0-9]{{{n}}}", short_id(n))
    assert re.fullmatch(f"[0-9a-f]{{{n}}}", hex_id(n))


def test_short_id_default_length_and_negative_lengths() -> None:
    assert len(short_id()) == 10
    with pytest.raises(ValueError):
        short_id(-1)
    with pytest.raises(ValueError):
        hex_id(-1)


# -- arns --------------------------------------------------------------------------------------------

_part = st.text(st.characters(blacklist_characters=":", blacklist_categories=("Cs",)), max_size=20)


@given(
    partition=_part.filter(bool),
    service=_part.filter(bool),
    region=_part,
    account=_part,
    resource=st.text(st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=40),
)
def test_build_parse_round_trip(
    partition: str, service: str, region: str, account: str, resource: str
) -> None:
    arn = build_arn(service, region, account, resource, partition=partition)
    parsed = parse_arn(arn)
    assert parsed == Arn(partition, service, region, account, resource)
    assert str(parsed) == arn


def test_known_arns() -> None:
    assert build_arn("sqs", "us-east-1", "000000000000", "q1") == "arn:aws:sqs:us-east-1:000000000000:q1"
    assert parse_arn("arn:aws:s3:::my-bucket/key:with:colons") == Arn(
        "aws", "s3", "", "", "my-bucket/key:with:colons"
    )
    lam = parse_arn("arn:aws-cn:lambda:cn-north-1:123456789012:function:f:PROD")
    assert (lam.partition, lam.account, lam.resource) == ("aws-cn", "123456789012", "function:f:PROD")


MALFORMED = ["", "arn", "arn:aws:sqs:us-east-1:000000000000", "ARN:aws:sqs:r:a:q", "urn:aws:sqs:r:a:q"]
MALFORMED += ["arn::sqs:r:a:q", "arn:aws::r:a:q", "arn:aws:sqs:r:a:"]


@pytest.mark.parametrize("bad", MALFORMED)
def test_parse_rejects_malformed(bad: str) -> None:
    with pytest.raises(ValueError):
        parse_arn(bad)


UNPARSEABLE = [("sq:s", "r", "a", "x"), ("sqs", "us:east", "a", "x"), ("sqs", "r", "0:0", "x")]
UNPARSEABLE += [("", "r", "a", "x"), ("sqs", "r", "a", "")]


@pytest.mark.parametrize("args", UNPARSEABLE)
def test_build_rejects_unparseable_parts(args: tuple[str, str, str, str]) -> None:
    with pytest.raises(ValueError):
        build_arn(*args)


def test_is_account_id() -> None:
    assert is_account_id("000000000000")
    assert is_account_id("123456789012")
    for bad in ["12345678901", "1234567890123", "12345678901a", "123456789012\n", "\uff11" * 12, ""]:
        assert not is_account_id(bad)
    assert not is_account_id(123456789012)  # type: ignore[arg-type]


# -- digests -----------------------------------------------------------------------------------------


def test_known_digest_vectors() -> None:
    assert digests.md5_hex(b"") == "d41d8cd98f00b204e9800998ecf8427e"
    assert digests.md5_b64(b"") == "1B2M2Y8AsgTpgAmY7PhCfg=="
    assert digests.md5_hex(b"hello") == "5d41402abc4b2a76b9719d911017c592"
    assert digests.sha256_hex(b"") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    assert digests.sha256_b64(b"") == "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="
    assert digests.sha1_b64(b"") == "2jmj7l5rSw0yVb/vlWAYkK/YBwk="
    assert digests.crc32_b64(b"123456789") == "y/Q5Jg=="  # 0xCBF43926
    assert digests.crc32c_b64(b"123456789") == "4waSgw=="  # 0xE3069283
    assert digests.crc32c_b64(b"") == "AAAAAA=="


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"123456789", 0xE3069283),
        (bytes(32), 0x8A9136AA),  # RFC 3720 B.4
        (b"\xff" * 32, 0x62A8AB43),
        (bytes(range(32)), 0x46DD794E),
        (bytes(range(31, -1, -1)), 0x113FDB5C),
    ],
)
def test_crc32c_vectors(data: bytes, expected: int) -> None:
    assert digests.crc32c_py(data) == expected
    assert digests.crc32c(data) == expected


@given(st.binary(max_size=200), st.binary(max_size=200))
def test_crc32c_is_incremental(a: bytes, b: bytes) -> None:
    assert digests.crc32c(a + b) == digests.crc32c(b, digests.crc32c(a))
    assert digests.crc32c_py(a + b) == digests.crc32c_py(b, digests.crc32c_py(a))


@given(st.binary(max_size=200))
def test_crc32_matches_zlib(data: bytes) -> None:
    import base64

    assert int.from_bytes(base64.b64decode(digests.crc32_b64(data)), "big") == zlib.crc32(data)
