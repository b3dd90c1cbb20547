"""Key attribute values as bytes that sort the way DynamoDB sorts keys, so SQLite (BLOB columns compare
with memcmp) keeps items in DynamoDB's order: strings by UTF-8 bytes, binary bytewise, numbers
numerically (Query "Key condition expressions": "numbers are compared by value, strings by UTF-8 code
units, binary bytewise").

Numbers use an order-preserving decimal encoding: a class byte (negative, zero, positive), then the
decimal exponent and the digits, complemented for negatives, ending in a terminator that sorts below
every digit, so that a shorter digit string sorts before its extensions (1 < 1.5 < 2).
"""

from __future__ import annotations

import base64
from decimal import Context, Decimal, InvalidOperation

DECIMAL = Context(prec=38, Emin=-130, Emax=126)
"""DynamoDB numbers: up to 38 significant digits, magnitude 1E-130 to 9.99...E+125."""

_NEGATIVE, _ZERO, _POSITIVE = b"\x01", b"\x02", b"\x03"
_EXPONENT_BIAS = 129
"""Adjusted exponents run from -129 (1E-130) to 126 (9.99...E+125): one byte, 0 to 255."""


def encode(kind: str, value: str) -> bytes:
    """The sortable bytes of a key attribute value of type `kind` (S, N or B; B as base64 text)."""
    if kind == "S":
        return value.encode("utf-8")
    if kind == "B":
        return base64.b64decode(value)
    if kind == "N":
        return encode_number(Decimal(value))
    raise ValueError(f"not a key type: {kind}")


def encode_number(number: Decimal) -> bytes:
    if number.is_zero():
        return _ZERO
    sign, digits, exponent = number.normalize(DECIMAL).as_tuple()
    assert isinstance(exponent, int)
    # value = 0.d1d2d3... x 10^adjusted, with d1 != 0
    adjusted = exponent + len(digits)
    body = bytes([adjusted + _EXPONENT_BIAS]) + bytes(d + 1 for d in digits) + b"\x00"
    if sign:
        return _NEGATIVE + bytes(255 - b for b in body)
    return _POSITIVE + body


def decode_number(data: bytes) -> Decimal:
    """The inverse of `encode_number` (for keys read back from an index)."""
    if data == _ZERO:
        return Decimal(0)
    negative = data[:1] == _NEGATIVE
    body = bytes(255 - b for b in data[1:]) if negative else data[1:]
    adjusted = body[0] - _EXPONENT_BIAS
    digits = [b - 1 for b in body[1:-1]]
    text = "0." + "".join(str(d) for d in digits)
    value = Decimal(text).scaleb(adjusted, DECIMAL)
    return value.copy_negate() if negative else value


def canonical_number(text: str) -> str | None:
    """DynamoDB's canonical text of a number (`1.50` → `1.5`, `1e2` → `100`), or None when the text is
    not a number DynamoDB accepts (more than 38 significant digits, out of range, not finite)."""
    try:
        number = Decimal(text.strip())
    except InvalidOperation:
        return None
    if not number.is_finite():
        return None
    if number.is_zero():
        return "0"
    normalized = number.normalize(DECIMAL)
    _sign, digits, exponent = normalized.as_tuple()
    assert isinstance(exponent, int)
    if len(digits) > 38 or normalized != number:
        return None
    adjusted = exponent + len(digits) - 1
    if adjusted > 125 or adjusted < -130:
        return None
    return format(normalized, "f")
