"""A tiny JSON client for the internal endpoints of a running server (stdlib only)."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Any


class ServerUnreachable(Exception):
    pass


def call(endpoint: str, path: str, method: str = "GET", timeout: float = 5.0) -> tuple[int, Any]:
    request = urllib.request.Request(
        endpoint.rstrip("/") + path, method=method, data=b"" if method == "POST" else None
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, json.loads(response.read() or b"null")
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read() or b"null")
    except (urllib.error.URLError, OSError) as exc:
        raise ServerUnreachable(f"no cloudlet answers at {endpoint} ({exc})") from exc
