"""Scalars shared by every protocol: timestamps (iso8601, rfc822, unixTimestamp), blobs, booleans.

Parsing is lenient (any of AWS's timestamp formats is accepted wherever a timestamp is expected, as AWS
does); formatting follows the shape's `timestampFormat` trait or the protocol/location default.
"""

from __future__ import annotations

import base64
import binascii
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
    if len(text) > 10 and text[4] == "-":  # ISO 8601, what clients send most: the fast path first
        try:
            when = dt.datetime.fromisoformat(text)
        except ValueError:
            pass
        else:
            return when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)
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


_EPOCH = dt.datetime(1970, 1, 1, tzinfo=UTC)
_MILLISECOND = dt.timedelta(milliseconds=1)


def _utc(value: object) -> dt.datetime:
    if type(value) is dt.datetime:
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value if value.tzinfo is UTC or not value.utcoffset() else value.astimezone(UTC)
    return parse_timestamp(value)


def iso8601(value: object, always_ms: bool = False) -> str:
    """`2024-05-01T12:00:00.123Z`: milliseconds when not zero, or always (`always_ms`, as S3 writes)."""
    when = _utc(value)
    millis = when.microsecond // 1000
    text = "%04d-%02d-%02dT%02d:%02d:%02d" % (  # noqa: UP031 (the fastest form, on every response)
        when.year,
        when.month,
        when.day,
        when.hour,
        when.minute,
        when.second,
    )
    return f"{text}.{millis:03d}Z" if millis or always_ms else text + "Z"


def epoch_seconds(value: object) -> int | float:
    """Epoch seconds with AWS's millisecond precision (an int when whole)."""
    kind = type(value)
    if kind is int:
        return value  # type: ignore[return-value]
    millis = round(value * 1000) if kind is float else (_utc(value) - _EPOCH) // _MILLISECOND  # type: ignore[operator]
    return millis // 1000 if millis % 1000 == 0 else millis / 1000


def rfc822(value: object) -> str:
    """`Wed, 01 May 2024 12:00:00 GMT` (HTTP-date; seconds precision)."""
    return email.utils.format_datetime(_utc(value).replace(tzinfo=None)).replace("-0000", "GMT")


def format_timestamp(value: object, fmt: str) -> str | int | float:
    """Render `value` (datetime, epoch seconds or string) in `fmt`."""
    if fmt == "unixTimestamp":
        return epoch_seconds(value)
    if fmt == "rfc822":
        return rfc822(value)
    return iso8601(value)


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
