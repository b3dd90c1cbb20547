"""Worker output → log lines, and the platform lines Lambda writes around an invocation.

Owns the text of START/END/REPORT, the timeout and exit-error lines and the log stream name; it does
not deliver anything (the pool hands lines to its log sink).
Formats as documented in https://docs.aws.amazon.com/lambda/latest/dg/python-logging.html
"""

from __future__ import annotations

import secrets
import time

from cloudlet.core.clock import iso8601

__all__ = [
    "LineSplitter",
    "end_line",
    "exit_error_line",
    "log_stream_name",
    "report_line",
    "start_line",
    "timeout_line",
]

# CloudWatch Logs caps an event at 256 KB; a longer line is cut into pieces of this size.
MAX_LINE_B = 256 * 1024 - 26


def log_stream_name(now: float, version: str) -> str:
    """`2026/11/23/[$LATEST]<32 hex>`: one stream per execution environment, dated when it started."""
    return f"{time.strftime('%Y/%m/%d', time.gmtime(now))}/[{version}]{secrets.token_hex(16)}"


def start_line(request_id: str, version: str) -> str:
    return f"START RequestId: {request_id} Version: {version}"


def end_line(request_id: str) -> str:
    return f"END RequestId: {request_id}"


def report_line(
    request_id: str,
    *,
    duration_ms: float,
    billed_ms: int,
    memory_mb: int,
    max_memory_mb: int,
    init_duration_ms: float | None,
    status: str | None = None,
    error_type: str | None = None,
) -> str:
    """The REPORT line; `Status`/`Error Type` appear only for timeouts and runtime exits, as on AWS."""
    parts = [
        f"REPORT RequestId: {request_id}",
        f"Duration: {duration_ms:.2f} ms",
        f"Billed Duration: {billed_ms} ms",
        f"Memory Size: {memory_mb} MB",
        f"Max Memory Used: {max_memory_mb} MB",
    ]
    if init_duration_ms is not None:
        parts.append(f"Init Duration: {init_duration_ms:.2f} ms")
    if status:
        parts.append(f"Status: {status}")
    if error_type:
        parts.append(f"Error Type: {error_type}")
    return "\t".join(parts)


def timeout_line(now: float, request_id: str, timeout_s: float) -> str:
    return f"{iso8601(now)} {request_id} Task timed out after {timeout_s:.2f} seconds"


def exit_error_line(request_id: str, reason: str) -> str:
    return f"RequestId: {request_id} Error: {reason}\nRuntime.ExitError"


class LineSplitter:
    """Bytes from the worker's stdout/stderr → text lines.

    awslambdaric joins the lines of one error record with `\\r` (one CloudWatch event); those become
    newlines inside the line here.
    """

    __slots__ = ("_partial",)

    def __init__(self) -> None:
        self._partial = b""

    def feed(self, data: bytes) -> list[str]:
        buf = self._partial + data if self._partial else data
        pieces = buf.split(b"\n")
        self._partial = pieces.pop()
        out = [_decode(p) for p in pieces]
        while len(self._partial) > MAX_LINE_B:
            out.append(_decode(self._partial[:MAX_LINE_B]))
            self._partial = self._partial[MAX_LINE_B:]
        return out

    def flush(self) -> list[str]:
        """The unterminated rest (the worker exited mid-line)."""
        rest, self._partial = self._partial, b""
        return [_decode(rest)] if rest else []


def _decode(raw: bytes) -> str:
    text = raw.decode("utf-8", "replace")
    if text.endswith("\r"):
        text = text[:-1]
    return text.replace("\r", "\n") if "\r" in text else text
