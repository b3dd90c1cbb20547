"""Conditional requests and byte ranges as S3 evaluates them (GetObject/HeadObject "Conditional
requests": RFC 7232 with S3's precedence; Range: a single `bytes=` range, RFC 9110).

Precedence (AWS GetObject page): If-Match true + If-Unmodified-Since false → 200; If-None-Match false
+ If-Modified-Since true → 304. A failed If-Match/If-Unmodified-Since is 412, a failed
If-None-Match/If-Modified-Since is 304.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from cloudlet.services.s3.errors import InvalidRange, NotModified, PreconditionFailed, no_such_key
from cloudlet.services.s3.store import ObjectVersion

_RANGE_RE = re.compile(r"^bytes=(\d*)-(\d*)$")


def _epoch(value: Any) -> float | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.timestamp()
    return float(value)


def _etag_matches(header: str, etag: str) -> bool:
    candidates = [c.strip() for c in header.split(",")]
    bare = etag.strip('"')
    return any(c == "*" or c.strip('"') == bare for c in candidates)


def check_read(req: dict[str, Any], etag: str, last_modified: float) -> None:
    """Raises PreconditionFailed (412) or NotModified (304) per the request's If-* headers."""
    if_match = req.get("IfMatch")
    if_none_match = req.get("IfNoneMatch")
    modified_since = _epoch(req.get("IfModifiedSince"))
    unmodified_since = _epoch(req.get("IfUnmodifiedSince"))
    if if_match is not None:
        if not _etag_matches(if_match, etag):
            raise PreconditionFailed(
                "At least one of the pre-conditions you specified did not hold", Condition="If-Match"
            )
    elif unmodified_since is not None and int(last_modified) > unmodified_since:
        raise PreconditionFailed(
            "At least one of the pre-conditions you specified did not hold", Condition="If-Unmodified-Since"
        )
    if if_none_match is not None:
        if _etag_matches(if_none_match, etag):
            raise NotModified("Not Modified")
    elif modified_since is not None and int(last_modified) <= modified_since:
        raise NotModified("Not Modified")


def check_write(req: dict[str, Any], current: ObjectVersion | None, key: str) -> None:
    """Conditional writes (PutObject, CopyObject, CompleteMultipartUpload) against the key's current
    version: `If-None-Match: *` fails when the key exists; `If-Match` fails unless its ETag is current.

    Raises: PreconditionFailed; NoSuchKey for If-Match on a key with no current object.
    """
    current_etag = current.etag if current is not None and not current.delete_marker else None
    if req.get("IfMatch") is not None and current_etag is None:
        raise no_such_key(key)
    if_none_match = req.get("IfNoneMatch")
    if if_none_match is not None and current_etag is not None:
        raise PreconditionFailed(
            "At least one of the pre-conditions you specified did not hold", Condition="If-None-Match"
        )
    if_match = req.get("IfMatch")
    if if_match is not None and current_etag is not None and not _etag_matches(if_match, current_etag):
        raise PreconditionFailed(
            "At least one of the pre-conditions you specified did not hold", Condition="If-Match"
        )


def byte_range(header: str | None, size: int) -> tuple[int, int] | None:
    """(first, last) inclusive for a `Range` header, None to send the whole object.

    An unparsable or multi-range header is ignored (S3 sends the whole object); an unsatisfiable
    one raises InvalidRange (416).
    """
    if not header:
        return None
    match = _RANGE_RE.match(header.strip())
    if match is None:
        return None
    first_text, last_text = match.groups()
    if not first_text and not last_text:
        return None
    if not first_text:  # suffix: the last N bytes
        length = int(last_text)
        if length == 0 or size == 0:
            raise _unsatisfiable(header, size)
        return max(0, size - length), size - 1
    first = int(first_text)
    last = int(last_text) if last_text else size - 1
    if last_text and last < first:
        return None  # syntactically invalid: ignored
    if first >= size:
        raise _unsatisfiable(header, size)
    return first, min(last, size - 1)


def _unsatisfiable(header: str, size: int) -> InvalidRange:
    return InvalidRange(
        "The requested range is not satisfiable", RangeRequested=header, ActualObjectSize=str(size)
    )
