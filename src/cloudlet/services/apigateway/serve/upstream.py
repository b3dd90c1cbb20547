"""HTTP requests from REST API integrations (HTTP and HTTP_PROXY) to their endpoints, with the
integration's timeout. Blocking `http.client` runs in a worker thread."""

from __future__ import annotations

import asyncio
import http.client
import ssl
from urllib.parse import SplitResult, urlsplit

__all__ = ["HOP_BY_HOP", "UpstreamError", "send"]

HOP_BY_HOP = frozenset(
    {
        "connection",
        "keep-alive",
        "proxy-authenticate",
        "proxy-authorization",
        "te",
        "trailer",
        "trailers",
        "transfer-encoding",
        "upgrade",
        "host",
        "content-length",
    }
)
"""Headers that describe one connection, never forwarded."""


class UpstreamError(Exception):
    """The endpoint could not be reached (bad URL, refused connection, broken response)."""

    def __init__(self, message: str, *, configuration: bool = False) -> None:
        super().__init__(message)
        self.configuration = configuration
        """True when the endpoint address itself is invalid."""


async def send(
    method: str, url: str, headers: list[tuple[str, str]], body: bytes, timeout: float
) -> tuple[int, list[tuple[str, str]], bytes]:
    """(status, headers, body) of the endpoint's answer. Raises UpstreamError, or
    asyncio.TimeoutError after `timeout` seconds."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise UpstreamError(f"Invalid endpoint address: {url}", configuration=True)
    return await asyncio.wait_for(asyncio.to_thread(_send, method, parts, headers, body, timeout), timeout)


def _send(
    method: str, parts: SplitResult, headers: list[tuple[str, str]], body: bytes, timeout: float
) -> tuple[int, list[tuple[str, str]], bytes]:
    host = parts.hostname or ""
    try:
        port = parts.port
    except ValueError as exc:
        raise UpstreamError(f"Invalid endpoint address: {parts.geturl()}", configuration=True) from exc
    conn: http.client.HTTPConnection
    if parts.scheme == "https":
        conn = http.client.HTTPSConnection(host, port, timeout=timeout, context=ssl.create_default_context())
    else:
        conn = http.client.HTTPConnection(host, port, timeout=timeout)
    target = parts.path or "/"
    if parts.query:
        target += "?" + parts.query
    try:
        conn.putrequest(method, target, skip_host=True, skip_accept_encoding=True)
        conn.putheader("Host", parts.netloc.rsplit("@", 1)[-1])
        for name, value in headers:
            if name.lower() not in HOP_BY_HOP:
                conn.putheader(name, value)
        if body or method not in ("GET", "HEAD", "DELETE", "OPTIONS"):
            conn.putheader("Content-Length", str(len(body)))
        conn.endheaders(body or None)
        response = conn.getresponse()
        data = response.read()
        out = [(k, v) for k, v in response.getheaders() if k.lower() not in HOP_BY_HOP]
        return response.status, out, data
    except TimeoutError:
        raise
    except (OSError, http.client.HTTPException) as exc:
        raise UpstreamError(str(exc)) from exc
    finally:
        conn.close()
