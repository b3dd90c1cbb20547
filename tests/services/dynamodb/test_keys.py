"""Key bytes sort as DynamoDB sorts keys: numbers by value (38 digits), strings by UTF-8, binary bytewise."""

from __future__ import annotations

from decimal import Context, Decimal

from hypothesis import assume, given
from hypothesis import strategies as st

from cloudlet.services.dynamodb.keys import canonical_number, decode_number, encode, encode_number

_WIDE = Context(prec=200)
numbers = st.decimals(
    allow_nan=False, allow_infinity=False, min_value=Decimal("-1e120"), max_value=Decimal("1e120")
).map(lambda d: Decimal(str(d)))


def _digits(value: Decimal) -> int:
    return len(value.normalize(_WIDE).as_tuple().digits)


@given(numbers, numbers)
def test_number_bytes_sort_by_value_and_decode_back(a: Decimal, b: Decimal) -> None:
    assume(_digits(a) <= 38 and _digits(b) <= 38)
    ea, eb = encode_number(a), encode_number(b)
    assert (ea < eb) == (a < b)
    assert (ea == eb) == (a == b)
    assert decode_number(ea) == a


@given(st.text(), st.text())
def test_string_bytes_sort_by_utf8(a: str, b: str) -> None:
    assert (encode("S", a) < encode("S", b)) == (a.encode() < b.encode())


def test_canonical_numbers_are_dynamodbs() -> None:
    assert canonical_number("1.50") == "1.5"
    assert canonical_number("1e2") == "100"
    assert canonical_number("-0.000") == "0"
    assert canonical_number("1" * 39) is None  # more than 38 significant digits
    assert canonical_number("1e126") is None
    assert canonical_number("abc") is None
