"""Scalars shared by every protocol: timestamps (iso8601, rfc822, unixTimestamp), blobs, booleans.

Parsing is lenient (any of AWS's timestamp formats is accepted wherever a timestamp is expected, as AWS
does); formatting follows the shape's `timestampFormat` trait or the protocol/location default.
"""

from __future__ import annotations

import base64
import binascii
import calendar
import datetime as dt
import email.utils
import math
import re

from botocore.model import Shape

UTC = dt.UTC

# Defaults from the Smithy protocol specs (botocore applies the same ones client-side).
_BODY_DEFAULT = {
    "query": "iso8601",
    "ec2": "iso8601",
    "rest-xml": "iso8601",
    "json": "unixTimestamp",
    "rest-json": "unixTimestamp",
    "smithy-rpc-v2-cbor": "unixTimestamp",
}

_ISO_RE = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:[.,](\d+))?\s*(Z|z|[+-]\d{2}:?\d{2})?$"
)
_DATE_ONLY_RE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")


def timestamp_format(shape: Shape, protocol: str, location: str | None = None) -> str:
    """The wire format of a timestamp member: its trait, else headers → rfc822, querystring → iso8601."""
    explicit = shape.serialization.get("timestampFormat") or getattr(shape, "timestamp_format", None)
    if explicit:
        return str(explicit)
    if location == "header":
        return "rfc822"
    if location in ("querystring", "uri"):
        return "iso8601"
    return _BODY_DEFAULT.get(protocol, "iso8601")


def parse_timestamp(value: object) -> dt.datetime:
    """A timezone-aware UTC datetime from any AWS timestamp form; ValueError otherwise."""
    if isinstance(value, dt.datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if isinstance(value, bool):
        raise ValueError(f"not a timestamp: {value!r}")
    if isinstance(value, int | float):
        return _from_epoch(float(value))
    if not isinstance(value, str):
        raise ValueError(f"not a timestamp: {value!r}")
    text = value.strip()
    if not text:
        raise ValueError("empty timestamp")
    try:
        return _from_epoch(float(text))
    except ValueError:
        pass
    match = _ISO_RE.match(text)
    if match:
        year, month, day, hour, minute, second, frac, zone = match.groups()
        micro = int((frac or "0")[:6].ljust(6, "0"))
        tz = UTC
        if zone and zone not in ("Z", "z"):
            sign = 1 if zone[0] == "+" else -1
            digits = zone[1:].replace(":", "")
            tz = dt.timezone(sign * dt.timedelta(hours=int(digits[:2]), minutes=int(digits[2:])))
        parsed = dt.datetime(
            int(year), int(month), int(day), int(hour), int(minute), int(second), micro, tzinfo=tz
        )
        return parsed.astimezone(UTC)
    match = _DATE_ONLY_RE.match(text)
    if match:
        return dt.datetime(*(int(g) for g in match.groups()), tzinfo=UTC)
    try:
        parsed = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError) as exc:
        raise ValueError(f"not a timestamp: {value!r}") from exc
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def _from_epoch(seconds: float) -> dt.datetime:
    if not math.isfinite(seconds):
        raise ValueError("timestamp is not finite")
    try:
        return dt.datetime(1970, 1, 1, tzinfo=UTC) + dt.timedelta(seconds=seconds)
    except OverflowError as exc:
        raise ValueError("timestamp out of range") from exc


def to_datetime(value: object) -> dt.datetime:
    """Service code may return datetimes, epoch seconds or ISO strings; normalize to UTC datetime."""
    return parse_timestamp(value)


def format_timestamp(value: object, fmt: str) -> str | int | float:
    """Render `value` (datetime, epoch seconds or string) in `fmt`."""
    when = to_datetime(value)
    if fmt == "unixTimestamp":
        seconds = calendar.timegm(when.utctimetuple()) + when.microsecond / 1_000_000
        return int(seconds) if when.microsecond == 0 else round(seconds, 3)
    if fmt == "rfc822":
        return email.utils.format_datetime(when.astimezone(UTC).replace(tzinfo=None), usegmt=False).replace(
            "-0000", "GMT"
        )
    # iso8601, with milliseconds when present (AWS renders e.g. 2024-01-01T00:00:00.000Z).
    when = when.astimezone(UTC)
    if when.microsecond:
        return when.strftime("%Y-%m-%dT%H:%M:%S.") + f"{when.microsecond // 1000:03d}Z"
    return when.strftime("%Y-%m-%dT%H:%M:%SZ")


def b64encode(data: bytes | str) -> str:
    if isinstance(data, str):
        data = data.encode("utf-8")
    return base64.b64encode(data).decode("ascii")


def b64decode(text: str | bytes) -> bytes:
    """Strict base64 decoding; ValueError on malformed input."""
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise ValueError("invalid base64") from exc


def parse_bool(text: str) -> bool:
    lowered = text.strip().lower()
    if lowered == "true":
        return True
    if lowered == "false":
        return False
    raise ValueError(f"not a boolean: {text!r}")


def format_float(value: float) -> str:
    """Floats on text protocols: integral values without exponent noise, else repr."""
    if math.isinf(value):
        return "Infinity" if value > 0 else "-Infinity"
    if math.isnan(value):
        return "NaN"
    return repr(float(value))
