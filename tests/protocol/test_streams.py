"""aws-chunked decoding (`decode_aws_chunked`): framing, trailers, malformed bodies, and a property:
any split of the wire bytes into network reads decodes to the payload."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import AsyncIterator, Iterable

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cloudlet.protocol.streams import BodyStream, DecodedStream, MalformedChunkedBody, decode_aws_chunked

SIGNATURE = ";chunk-signature=" + "0" * 64


def frame(chunks: Iterable[bytes], trailers: dict[str, str] | None = None, signature: str = "") -> bytes:
    """The aws-chunked wire form of `chunks`, ending with a zero chunk, trailers and a final CRLF."""
    out = bytearray()
    for chunk in chunks:
        out += f"{len(chunk):x}{signature}\r\n".encode() + chunk + b"\r\n"
    out += f"0{signature}\r\n".encode()
    for name, value in (trailers or {}).items():
        out += f"{name}:{value}\r\n".encode()
    out += b"\r\n"
    return bytes(out)


async def _pieces(pieces: Iterable[bytes]) -> AsyncIterator[bytes]:
    for piece in pieces:
        yield piece


def decode(pieces: Iterable[bytes]) -> tuple[bytes, dict[str, str]]:
    trailers: dict[str, str] = {}

    async def run() -> bytes:
        out = bytearray()
        async for chunk in decode_aws_chunked(_pieces(pieces), trailers):
            out += chunk
        return bytes(out)

    return asyncio.run(run()), trailers


def test_decodes_unsigned_chunks():
    assert decode([frame([b"hello ", b"world"])]) == (b"hello world", {})


def test_decodes_signed_chunks():
    assert decode([frame([b"abc"], signature=SIGNATURE)])[0] == b"abc"


def test_empty_payload_is_just_the_zero_chunk():
    assert decode([b"0\r\n\r\n"]) == (b"", {})


def test_hex_sizes_are_case_insensitive():
    assert decode([b"A\r\n0123456789\r\n0\r\n\r\n"])[0] == b"0123456789"


def test_trailers_are_collected_with_lowercase_names():
    wire = frame([b"data"], {"X-Amz-Checksum-CRC32": "sOO8/Q==", "x-amz-trailer-signature": "abc"})

    payload, trailers = decode([wire])

    assert payload == b"data"
    assert trailers == {"x-amz-checksum-crc32": "sOO8/Q==", "x-amz-trailer-signature": "abc"}


def test_a_missing_final_crlf_is_tolerated():
    assert decode([b"3\r\nabc\r\n0\r\nx-amz-checksum-crc32:AAAAAA==\r\n"]) == (
        b"abc",
        {"x-amz-checksum-crc32": "AAAAAA=="},
    )


def test_payload_bytes_that_look_like_framing_are_data():
    payload = b"0\r\n\r\n5\r\n"

    assert decode([frame([payload])])[0] == payload


@pytest.mark.parametrize(
    ("wire", "reason"),
    [
        (b"zz\r\nabc\r\n0\r\n\r\n", "size is not hex"),
        (b"-3\r\nabc\r\n0\r\n\r\n", "negative size"),
        (b"5\r\nabc", "body ends inside a chunk"),
        (b"3\r\nabcdef\r\n0\r\n\r\n", "chunk longer than declared"),
        (b"3\r\nabc", "no CRLF after the chunk"),
        (b"3\r\nabc\r\n", "no zero chunk"),
        (b"3", "size line without CRLF"),
        (b"", "no body at all"),
        (b"1" * 5000, "size line longer than any real one"),
    ],
)
def test_malformed_framing_raises(wire, reason):
    with pytest.raises(MalformedChunkedBody):
        decode([wire])


def test_decoded_stream_reads_a_body_stream():
    messages = [
        {"type": "http.request", "body": b"3\r\nab", "more_body": True},
        {
            "type": "http.request",
            "body": b"c\r\n0\r\nx-amz-checksum-crc32:AAAAAA==\r\n\r\n",
            "more_body": False,
        },
    ]

    async def receive() -> dict[str, object]:
        return messages.pop(0)

    stream = DecodedStream(BodyStream(receive, None), 3)

    assert asyncio.run(stream.read()) == b"abc"
    assert stream.trailers == {"x-amz-checksum-crc32": "AAAAAA=="}
    assert stream.done


def test_a_client_that_goes_away_is_a_connection_error():
    messages = [{"type": "http.request", "body": b"3\r\nab", "more_body": True}, {"type": "http.disconnect"}]

    async def receive() -> dict[str, object]:
        return messages.pop(0)

    with pytest.raises(ConnectionError):
        asyncio.run(DecodedStream(BodyStream(receive, None), 3).read())


def _split(data: bytes, cuts: list[int]) -> list[bytes]:
    points = sorted({min(cut, len(data)) for cut in cuts})
    edges = [0, *points, len(data)]
    return [data[a:b] for a, b in itertools.pairwise(edges)]


@given(
    chunks=st.lists(st.binary(min_size=1, max_size=40), max_size=6),
    trailers=st.dictionaries(
        st.sampled_from(["x-amz-checksum-crc32", "x-amz-checksum-sha256", "x-amz-trailer-signature"]),
        st.text(alphabet="ABCDEFabcdef0123456789+/=", min_size=1, max_size=12),
        max_size=2,
    ),
    signed=st.booleans(),
    cuts=st.lists(st.integers(min_value=0, max_value=400), max_size=12),
)
def test_any_split_of_the_wire_decodes_to_the_payload(chunks, trailers, signed, cuts):
    wire = frame(chunks, trailers, SIGNATURE if signed else "")

    payload, parsed = decode(_split(wire, cuts))

    assert payload == b"".join(chunks)
    assert parsed == trailers


@given(
    chunks=st.lists(st.binary(min_size=1, max_size=40), min_size=1, max_size=4),
    cut=st.integers(min_value=1),
)
def test_any_truncation_before_the_zero_chunk_raises(chunks, cut):
    wire = frame(chunks)
    end = len(wire) - len(b"0\r\n\r\n")
    truncated = wire[: cut % end]

    with pytest.raises(MalformedChunkedBody):
        decode([truncated])
