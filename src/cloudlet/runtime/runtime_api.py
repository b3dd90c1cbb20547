"""The Lambda Runtime API (`/2018-06-01/runtime/*`) served to one worker process on 127.0.0.1.

A minimal HTTP/1.1 server on asyncio streams (keep-alive, Content-Length or chunked bodies), one per
worker: awslambdaric's paths are fixed, so the port names the worker. It hands invocations out on
`GET .../invocation/next` and resolves their futures from `.../response` and `.../error`; it knows
nothing about processes, pools or AWS's public API.
Reference: https://docs.aws.amazon.com/lambda/latest/dg/runtimes-api.html
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections import deque
from dataclasses import dataclass, field

__all__ = ["InitFailed", "Invocation", "InvocationOutcome", "RuntimeApi", "RuntimeApiError"]

log = logging.getLogger("cloudlet.runtime")

API_PREFIX = "/2018-06-01/runtime/"
ERROR_TYPE_HEADER = "lambda-runtime-function-error-type"
# A response payload may be 6 MB (sync invoke limit); refuse anything absurdly larger.
MAX_BODY_B = 16 * 1024 * 1024
MAX_HEADER_B = 64 * 1024

_REASONS = {
    200: "OK",
    202: "Accepted",
    400: "Bad Request",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    413: "Payload Too Large",
    500: "Internal Server Error",
}
_ACCEPTED = b'{"status":"OK"}'


class RuntimeApiError(Exception):
    """The worker broke the Runtime API contract (e.g. posted for an unknown request id)."""


@dataclass
class Invocation:
    """One event handed to the worker on `GET /runtime/invocation/next`."""

    request_id: str
    payload: bytes
    deadline_ms: int
    function_arn: str
    trace_id: str | None = None
    client_context: str | None = None
    cognito_identity: str | None = None
    future: asyncio.Future[InvocationOutcome] = field(
        default_factory=lambda: asyncio.get_running_loop().create_future()
    )

    def headers(self) -> list[tuple[str, str]]:
        out = [
            ("Lambda-Runtime-Aws-Request-Id", self.request_id),
            ("Lambda-Runtime-Deadline-Ms", str(self.deadline_ms)),
            ("Lambda-Runtime-Invoked-Function-Arn", self.function_arn),
        ]
        if self.trace_id:
            out.append(("Lambda-Runtime-Trace-Id", self.trace_id))
        if self.client_context:
            out.append(("Lambda-Runtime-Client-Context", self.client_context))
        if self.cognito_identity:
            out.append(("Lambda-Runtime-Cognito-Identity", self.cognito_identity))
        return [(name, _header_safe(value)) for name, value in out]


@dataclass(frozen=True)
class InvocationOutcome:
    """What the worker posted: `ok` (response body) or `error` (error JSON body + its type header)."""

    kind: str
    body: bytes
    error_type: str | None = None


class RuntimeApi:
    """One worker's Runtime API endpoint.

    `init_done` completes when the runtime first asks for an event (init succeeded) or fails with
    `InitFailed` carrying the `/init/error` body. `dispatch()` queues an invocation; its `future` completes
    with the worker's `/response` or `/error`.
    """

    def __init__(self) -> None:
        loop = asyncio.get_running_loop()
        self._server: asyncio.Server | None = None
        self.port = 0
        self.init_done: asyncio.Future[None] = loop.create_future()
        self.init_error: bytes | None = None
        self.ready_at: float | None = None
        """`time.perf_counter()` when the runtime first asked for an event (end of its init phase)."""
        self._queue: deque[Invocation] = deque()
        self._next_waiter: asyncio.Future[None] | None = None
        self._in_flight: dict[str, Invocation] = {}
        self._writers: set[asyncio.StreamWriter] = set()
        self._closed = False

    @property
    def address(self) -> str:
        """`host:port`, the value of `AWS_LAMBDA_RUNTIME_API`."""
        return f"127.0.0.1:{self.port}"

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0, backlog=8)
        self.port = self._server.sockets[0].getsockname()[1]

    def dispatch(self, invocation: Invocation) -> None:
        if self._closed:
            raise RuntimeApiError("runtime API closed")
        self._queue.append(invocation)
        waiter = self._next_waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    def abandon(self, request_id: str) -> None:
        """Forget an invocation (timed out, worker gone): late posts for it get 400."""
        self._in_flight.pop(request_id, None)
        self._queue = deque(inv for inv in self._queue if inv.request_id != request_id)

    def close(self) -> None:
        """Stop listening, drop connections, fail whatever is still pending."""
        if self._closed:
            return
        self._closed = True
        if self._server is not None:
            self._server.close()
        for writer in list(self._writers):
            writer.transport.abort()
        exc = RuntimeApiError("runtime API closed")
        for inv in [*self._queue, *self._in_flight.values()]:
            if not inv.future.done():
                inv.future.set_exception(exc)
                inv.future.exception()  # retrieved: nobody may be waiting any more
        self._queue.clear()
        self._in_flight.clear()
        if not self.init_done.done():
            self.init_done.set_exception(exc)
            self.init_done.exception()
        if self._next_waiter is not None and not self._next_waiter.done():
            self._next_waiter.cancel()

    # -- HTTP ------------------------------------------------------------------------------------------

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._writers.add(writer)
        try:
            while not self._closed:
                request = await _read_request(reader, writer)
                if request is None:
                    break
                method, path, headers, body = request
                status, out_headers, out_body = await self._route(method, path, headers, body)
                if writer.is_closing():  # the worker went away (killed, stopped) while we waited
                    break
                _write_response(writer, status, out_headers, out_body)
                await writer.drain()
                if headers.get("connection", "").lower() == "close":
                    break
        except (ConnectionError, asyncio.IncompleteReadError, asyncio.LimitOverrunError):
            pass
        except RuntimeError:  # uvloop: the transport closed between the check and the write
            pass
        except _BadRequest as exc:
            _write_response(writer, exc.status, [], _error_body("InvalidRequest", str(exc)))
        finally:
            self._writers.discard(writer)
            writer.close()

    async def _route(
        self, method: str, path: str, headers: dict[str, str], body: bytes
    ) -> tuple[int, list[tuple[str, str]], bytes]:
        if not path.startswith(API_PREFIX):
            return 404, [], _error_body("NotFound", f"unknown path {path}")
        rest = path[len(API_PREFIX) :].split("?", 1)[0]
        if rest == "invocation/next":
            if method != "GET":
                return 405, [], _error_body("MethodNotAllowed", method)
            inv = await self._next()
            if inv is None:  # closed while waiting
                return 500, [], _error_body("Runtime.Closed", "runtime API closed")
            return 200, [*inv.headers(), ("Content-Type", "application/json")], inv.payload
        if method != "POST":
            return 405, [], _error_body("MethodNotAllowed", method)
        if rest == "init/error":
            self.init_error = body
            if not self.init_done.done():
                self.init_done.set_exception(InitFailed(body, headers.get(ERROR_TYPE_HEADER)))
            return 202, [], _ACCEPTED
        parts = rest.split("/")
        if len(parts) == 3 and parts[0] == "invocation" and parts[2] in ("response", "error"):
            inv = self._in_flight.pop(parts[1], None)
            if inv is None:
                return 400, [], _error_body("InvalidRequestID", f"unknown request id {parts[1]}")
            if parts[2] == "response":
                outcome = InvocationOutcome("ok", body)
            else:
                outcome = InvocationOutcome("error", body, headers.get(ERROR_TYPE_HEADER))
            if not inv.future.done():
                inv.future.set_result(outcome)
            return 202, [], _ACCEPTED
        return 404, [], _error_body("NotFound", f"unknown path {path}")

    async def _next(self) -> Invocation | None:
        if not self.init_done.done():
            self.ready_at = time.perf_counter()
            self.init_done.set_result(None)
        while not self._queue:
            if self._closed:
                return None
            self._next_waiter = asyncio.get_running_loop().create_future()
            try:
                await self._next_waiter
            except asyncio.CancelledError:
                if self._closed:
                    return None
                raise
            finally:
                self._next_waiter = None
        inv = self._queue.popleft()
        self._in_flight[inv.request_id] = inv
        return inv


class InitFailed(Exception):
    """The runtime posted to `/runtime/init/error`; `body` is the error JSON it sent."""

    def __init__(self, body: bytes, error_type: str | None) -> None:
        super().__init__(error_type or "init error")
        self.body = body
        self.error_type = error_type


class _BadRequest(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


async def _read_request(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter
) -> tuple[str, str, dict[str, str], bytes] | None:
    try:
        head = await reader.readuntil(b"\r\n\r\n")
    except asyncio.IncompleteReadError as exc:
        if exc.partial.strip():
            raise _BadRequest(400, "truncated request head") from None
        return None
    if len(head) > MAX_HEADER_B:
        raise _BadRequest(400, "request head too large")
    lines = head.decode("latin-1").split("\r\n")
    try:
        method, target, _version = lines[0].split(" ", 2)
    except ValueError:
        raise _BadRequest(400, "malformed request line") from None
    headers: dict[str, str] = {}
    for line in lines[1:]:
        if not line:
            continue
        name, sep, value = line.partition(":")
        if not sep:
            raise _BadRequest(400, "malformed header")
        headers[name.strip().lower()] = value.strip()
    if headers.get("expect", "").lower() == "100-continue":
        writer.write(b"HTTP/1.1 100 Continue\r\n\r\n")
    if "chunked" in headers.get("transfer-encoding", "").lower():
        body = await _read_chunked(reader)
    else:
        length = int(headers.get("content-length") or 0)
        if length > MAX_BODY_B:
            raise _BadRequest(413, "request body too large")
        body = await reader.readexactly(length) if length else b""
    return method, target, headers, body


async def _read_chunked(reader: asyncio.StreamReader) -> bytes:
    chunks: list[bytes] = []
    total = 0
    while True:
        size_line = await reader.readuntil(b"\r\n")
        size = int(size_line.split(b";", 1)[0].strip() or b"0", 16)
        if size == 0:
            while (await reader.readuntil(b"\r\n")) != b"\r\n":  # trailers
                pass
            return b"".join(chunks)
        total += size
        if total > MAX_BODY_B:
            raise _BadRequest(413, "request body too large")
        chunks.append(await reader.readexactly(size))
        await reader.readexactly(2)


def _write_response(
    writer: asyncio.StreamWriter, status: int, headers: list[tuple[str, str]], body: bytes
) -> None:
    lines = [f"HTTP/1.1 {status} {_REASONS.get(status, 'Unknown')}"]
    lines += [f"{name}: {value}" for name, value in headers]
    if not any(name.lower() == "content-type" for name, _ in headers):
        lines.append("Content-Type: application/json")
    lines.append(f"Content-Length: {len(body)}")
    writer.write(("\r\n".join(lines) + "\r\n\r\n").encode() + body)


def _header_safe(value: str) -> str:
    return value.replace("\r", " ").replace("\n", " ")


def _error_body(error_type: str, message: str) -> bytes:
    return json.dumps({"errorMessage": message, "errorType": error_type}).encode()
