"""Upload integrity shared by PutObject and UploadPart: which checksums to compute while the bytes
are written, and the checks afterwards (Content-MD5, `x-amz-checksum-*` as header or aws-chunked
trailer, declared length). Errors and messages as S3 answers them ("Checking object integrity").
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass, field
from typing import Any

from cloudlet.protocol.http import HttpRequest
from cloudlet.protocol.streams import MalformedChunkedBody
from cloudlet.services.s3 import checksums
from cloudlet.services.s3.blobs import BlobStore, Written
from cloudlet.services.s3.errors import BadDigest, IncompleteBody, InvalidDigest, InvalidRequest

DEFAULT_ALGORITHM = "CRC64NVME"
"""What S3 computes when the client sends no checksum (full object data integrity, Dec 2024)."""


@dataclass(slots=True)
class Plan:
    algorithm: str | None = None
    """The client's checksum algorithm (None: none sent)."""
    expected: str | None = None
    """The value sent as a header; None when it comes as a trailer (or not at all)."""
    trailer: str | None = None
    """Name of the trailing header carrying the value (`x-amz-checksum-crc32`)."""
    compute: list[str] = field(default_factory=list)


def plan(req: dict[str, Any], request: HttpRequest, *, default: bool = True) -> Plan:
    """What to compute for this upload. Raises InvalidRequest for contradictory checksum headers."""
    sent = [a for a in checksums.ALGORITHMS if req.get(checksums.member_name(a)) is not None]
    if len(sent) > 1:
        raise InvalidRequest(
            "Expecting a single x-amz-checksum- header. Multiple checksum Types are not allowed."
        )
    trailer = (request.headers.get("x-amz-trailer") or "").strip().lower() or None
    out = Plan(trailer=trailer)
    if sent:
        out.algorithm = sent[0]
        out.expected = req[checksums.member_name(sent[0])]
        if not checksums.is_valid_encoding(out.algorithm, out.expected):
            raise InvalidRequest(f"Value for {checksums.header_name(out.algorithm)} header is invalid.")
    elif trailer and trailer.startswith("x-amz-checksum-"):
        name = trailer[len("x-amz-checksum-") :].upper()
        if name not in checksums.ALGORITHMS:
            raise InvalidRequest("The value specified in the x-amz-trailer header is not supported")
        out.algorithm = name
    elif req.get("ChecksumAlgorithm"):
        algorithm = req["ChecksumAlgorithm"].upper()
        if algorithm not in checksums.ALGORITHMS:
            raise InvalidRequest(f"Checksum algorithm {algorithm} is not supported.")
        raise InvalidRequest(
            "x-amz-sdk-checksum-algorithm specified, but no corresponding x-amz-checksum-* or x-amz-trailer"
            " headers were found."
        )
    if out.algorithm:
        out.compute.append(out.algorithm)
    elif default:
        out.compute.append(DEFAULT_ALGORITHM)
    return out


async def receive(blobs: BlobStore, body: Any, algorithms: list[str]) -> Written:
    """Write a request body to a new blob, hashing as it goes.

    Raises: IncompleteBody (broken aws-chunked framing: S3 answers this for any framing error).
    """
    try:
        return await blobs.write(body, algorithms)
    except MalformedChunkedBody:
        raise IncompleteBody("The request body terminated unexpectedly") from None


def content_md5(req: dict[str, Any]) -> bytes | None:
    """The decoded Content-MD5 header. Raises InvalidDigest when it is not base64 of 16 bytes."""
    text = req.get("ContentMD5")
    if text is None:
        return None
    try:
        digest = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        digest = b""
    if len(digest) != 16:
        raise InvalidDigest("The Content-MD5 you specified was invalid.", **{"Content-MD5": text})
    return digest


def verify(
    p: Plan, written: Written, req: dict[str, Any], body: Any, md5: bytes | None
) -> dict[str, str] | None:
    """Check what arrived against what the client declared. Returns the stored checksum
    ({"algorithm", "value", "type"}) or None.

    Raises: BadDigest (MD5 or checksum mismatch), IncompleteBody (fewer bytes than declared).
    """
    declared = getattr(body, "length", None)
    if declared is None and req.get("ContentLength") is not None and not hasattr(body, "source"):
        declared = req["ContentLength"]
    if declared is not None and written.size < declared:
        raise IncompleteBody(
            "You did not provide the number of bytes specified by the Content-Length HTTP header"
        )
    if md5 is not None and md5 != written.md5:
        raise BadDigest(
            "The Content-MD5 you specified did not match what we received.",
            ExpectedDigest=md5.hex(),
            CalculatedDigest=base64.b64encode(written.md5).decode(),
        )
    if p.algorithm is None:
        if not p.compute:
            return None
        algorithm = p.compute[0]
        return {"algorithm": algorithm, "value": written.checksums[algorithm], "type": "FULL_OBJECT"}
    computed = written.checksums[p.algorithm]
    expected = p.expected
    if expected is None and p.trailer:
        expected = (getattr(body, "trailers", None) or {}).get(p.trailer)
        if expected is not None and not checksums.is_valid_encoding(p.algorithm, expected):
            raise InvalidRequest(f"Value for {p.trailer} trailing header is invalid.")
    if expected is not None and expected != computed:
        raise BadDigest(f"The {p.algorithm} you specified did not match the calculated checksum.")
    return {"algorithm": p.algorithm, "value": computed, "type": "FULL_OBJECT"}
