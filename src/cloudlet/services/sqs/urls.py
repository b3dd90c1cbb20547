"""Queue URLs: building them for the client's endpoint and resolving every form SDKs send back.

Accepted: `http://sqs.<region>.localhost[.localstack.cloud]:4566/<account>/<name>`, path style
`http://127.0.0.1:4566/<account>/<name>`, AWS's own `https://sqs.<region>.amazonaws.com/<account>/<name>`
and the legacy `https://<region>.queue.amazonaws.com/...` / `https://queue.amazonaws.com/...` forms.
The region comes from the URL's host when it names one, else from the request.
"""

from __future__ import annotations

import re
from typing import NamedTuple
from urllib.parse import urlsplit

from cloudlet.core.arns import is_account_id

__all__ = ["QueueRef", "build_url", "parse_url"]

_REGION = r"[a-z]{2}(?:-[a-z]+)+-\d+"
_SQS_HOST = re.compile(rf"^sqs\.({_REGION})\.")
_LEGACY_HOST = re.compile(rf"^({_REGION})\.queue\.")


class QueueRef(NamedTuple):
    account: str
    region: str | None
    """None when the URL's host names no region (path-style URL on 127.0.0.1)."""
    name: str


def build_url(endpoint: str, account: str, name: str) -> str:
    return f"{endpoint}/{account}/{name}"


def parse_url(url: str) -> QueueRef | None:
    """The queue a URL (or a bare `/<account>/<name>` path) names; None if it names none."""
    if "://" in url:
        parts = urlsplit(url)
        host, path = (parts.hostname or ""), parts.path
    else:
        host, path = "", url
    segments = [s for s in path.split("/") if s]
    if len(segments) != 2 or not is_account_id(segments[0]):
        return None
    match = _SQS_HOST.match(host) or _LEGACY_HOST.match(host)
    return QueueRef(segments[0], match.group(1) if match else None, segments[1])
