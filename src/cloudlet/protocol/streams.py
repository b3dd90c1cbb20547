"""Request bodies read as they arrive, for operations whose payload is a streaming blob (S3 PutObject,
UploadPart): the gateway hands the service a `BodyStream` instead of bytes, so a 2 GB upload never sits
in memory. `decode_aws_chunked` undoes SigV4 streaming (`aws-chunked`) framing on the fly and collects
the trailing headers (`x-amz-checksum-*`) boto3 and the AWS CLI send after the last chunk.

Chunk signatures are not verified (cloudlet does not check signatures anywhere).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

Receive = Callable[[], Awaitable[Any]]

MAX_CHUNK_HEADER = 4096
"""Longest chunk-size line accepted (`<hex size>;chunk-signature=<64 hex>` is about 90 bytes)."""


class MalformedChunkedBody(ValueError):
    """The aws-chunked framing is broken (bad size line, short chunk, missing CRLF)."""


class BodyStream:
    """The body of one request, iterated once as chunks of bytes.

    `length` is the Content-Length the client declared (None for chunked transfer encoding);
    `trailers` holds trailing headers once an aws-chunked body has been read to its end.
    """

    def __init__(self, receive: Receive, length: int | None) -> None:
        self._receive = receive
        self.length = length
        self.trailers: dict[str, str] = {}
        self._done = False
        self._started = False
        self._first: asyncio.Future[Any] | None = None

    def start_reading(self) -> None:
        """Ask for the first chunk now. A client that sent `Expect: 100-continue` is told to go on
        at once, so its body travels while the request is routed and checked, not after."""
        if self._first is None and not self._started:
            self._first = asyncio.ensure_future(self._receive())

    @property
    def done(self) -> bool:
        return self._done

    def __aiter__(self) -> AsyncIterator[bytes]:
        if self._started:
            raise RuntimeError("a request body can be read once")
        self._started = True
        return self._chunks()

    async def _chunks(self) -> AsyncIterator[bytes]:
        while not self._done:
            if self._first is not None:
                message, self._first = await self._first, None
            else:
                message = await self._receive()
            if message.get("type") == "http.disconnect":
                self._done = True
                raise ConnectionError("the client went away before the body was complete")
            body = message.get("body", b"")
            if not message.get("more_body"):
                self._done = True
            if body:
                yield body

    async def read(self) -> bytes:
        """The whole body (for small payloads that a service wants as bytes)."""
        out = bytearray()
        async for chunk in self:
            out += chunk
        return bytes(out)


class DecodedStream:
    """A BodyStream seen through a decoder (aws-chunked): same interface, decoded chunks."""

    def __init__(self, source: BodyStream, decoded_length: int | None) -> None:
        self.source = source
        self.length = decoded_length
        self.trailers = source.trailers

    def __aiter__(self) -> AsyncIterator[bytes]:
        return decode_aws_chunked(self.source, self.source.trailers)

    async def read(self) -> bytes:
        out = bytearray()
        async for chunk in self:
            out += chunk
        return bytes(out)

    @property
    def done(self) -> bool:
        return self.source.done


async def decode_aws_chunked(
    source: AsyncIterator[bytes] | Any, trailers: dict[str, str]
) -> AsyncIterator[bytes]:
    """Yield the data of an aws-chunked body; fill `trailers` from what follows the last chunk.

    Frame: `<hex size>[;chunk-signature=<sig>]\\r\\n<data>\\r\\n` ... `0[;...]\\r\\n` then optional
    `name:value\\r\\n` trailer lines and a final `\\r\\n`.

    Raises:
        MalformedChunkedBody: the framing is broken or the body ends early.
    """
    buffer = bytearray()
    iterator = source.__aiter__()
    exhausted = False

    async def fill() -> bool:
        nonlocal exhausted
        if exhausted:
            return False
        try:
            buffer.extend(await iterator.__anext__())
        except StopAsyncIteration:
            exhausted = True
            return False
        return True

    while True:
        # chunk-size line
        while (end := buffer.find(b"\r\n")) < 0:
            if len(buffer) > MAX_CHUNK_HEADER or not await fill():
                raise MalformedChunkedBody("chunk header without CRLF")
        try:
            size = int(bytes(buffer[:end]).split(b";", 1)[0].strip(), 16)
        except ValueError as exc:
            raise MalformedChunkedBody("bad chunk size") from exc
        if size < 0:
            raise MalformedChunkedBody("bad chunk size")
        del buffer[: end + 2]
        if size == 0:
            break
        remaining = size
        while remaining:
            if not buffer and not await fill():
                raise MalformedChunkedBody("chunk shorter than declared")
            take = min(remaining, len(buffer))
            piece = bytes(buffer[:take])
            del buffer[:take]
            remaining -= take
            yield piece
        while len(buffer) < 2:
            if not await fill():
                raise MalformedChunkedBody("chunk without trailing CRLF")
        if buffer[:2] != b"\r\n":
            raise MalformedChunkedBody("chunk longer than declared")
        del buffer[:2]
    # trailers, then the final CRLF (tolerate a missing final CRLF, as S3 does for some SDKs)
    while await fill():
        pass
    for line in bytes(buffer).split(b"\r\n"):
        name, sep, value = line.decode("latin-1").partition(":")
        if sep and name.strip():
            trailers[name.strip().lower()] = value.strip()
