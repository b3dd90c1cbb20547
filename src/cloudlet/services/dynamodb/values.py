"""Typed attribute values (`{"S": "x"}`, `{"N": "1.5"}`, `{"L": [...]}` ...): validation with DynamoDB's
messages, canonical numbers, DynamoDB's equality and ordering, and item size as DynamoDB counts it
("Item sizes and formats" in the Developer Guide). Binary values may be bytes or base64 text."""

from __future__ import annotations

import base64
import math
from decimal import Context, Decimal, InvalidOperation
from typing import Any

from cloudlet.services.dynamodb.errors import ValidationException
from cloudlet.services.dynamodb.keys import canonical_number

Value = dict[str, Any]
Item = dict[str, Value]

TYPES = ("S", "N", "B", "SS", "NS", "BS", "M", "L", "NULL", "BOOL")
TYPE_WORDS = {
    "S": "STRING",
    "N": "NUMBER",
    "B": "BINARY",
    "SS": "STRING SET",
    "NS": "NUMBER SET",
    "BS": "BINARY SET",
    "M": "MAP",
    "L": "LIST",
    "NULL": "NULL",
    "BOOL": "BOOLEAN",
}
SET_ELEMENT = {"SS": "S", "NS": "N", "BS": "B"}
_INVALID = "One or more parameter values were invalid: "
_WIDE = Context(prec=200, Emin=-999999, Emax=999999)


def type_of(value: Value) -> str:
    """The type tag of a (valid) attribute value."""
    return next(iter(value))


def raw_bytes(data: bytes | str) -> bytes:
    """The bytes of a binary value held as bytes or as base64 text."""
    return data if isinstance(data, bytes | bytearray) else base64.b64decode(data)


def number(text: str) -> str:
    """DynamoDB's canonical text of a number, or ValidationException with DynamoDB's message."""
    canonical = canonical_number(text)
    if canonical is not None:
        return canonical
    try:
        parsed = Decimal(text.strip())
    except InvalidOperation:
        raise ValidationException(f"The parameter cannot be converted to a numeric value: {text}") from None
    if not parsed.is_finite():
        raise ValidationException(f"The parameter cannot be converted to a numeric value: {text}")
    return check_number(parsed)


def check_number(parsed: Decimal) -> str:
    """The canonical text of a computed number, or DynamoDB's overflow/underflow/precision error."""
    if parsed.is_zero():
        return "0"
    adjusted = parsed.adjusted()
    digits = len(parsed.normalize(_WIDE).as_tuple().digits)
    if adjusted > 125:
        raise ValidationException(
            "Number overflow. Attempting to store a number with magnitude larger than supported range"
        )
    if adjusted < -130:
        raise ValidationException(
            "Number underflow. Attempting to store a number with magnitude smaller than supported range"
        )
    if digits > 38:
        raise ValidationException("Attempting to store more than 38 significant digits in a Number")
    canonical = canonical_number(str(parsed))
    assert canonical is not None
    return canonical


def validate(value: Any) -> None:
    """Raise ValidationException (DynamoDB's message) unless `value` is a valid attribute value."""
    if not isinstance(value, dict) or not value:
        raise ValidationException(
            "Supplied AttributeValue is empty, must contain exactly one of the supported datatypes"
        )
    present = [tag for tag, member in value.items() if member is not None]
    if len(present) > 1:
        raise ValidationException(
            "Supplied AttributeValue has more than one datatypes set, must contain exactly one of the "
            "supported datatypes"
        )
    if not present or present[0] not in TYPES:
        raise ValidationException(
            "Supplied AttributeValue is empty, must contain exactly one of the supported datatypes"
        )
    tag = present[0]
    member = value[tag]
    if tag == "N":
        number(member)
    elif tag == "NULL" and member is not True:
        raise ValidationException(_INVALID + "Null attribute value types must have the value of true")
    elif tag in SET_ELEMENT:
        _validate_set(tag, member)
    elif tag == "L":
        for element in member:
            validate(element)
    elif tag == "M":
        for element in member.values():
            validate(element)


def _validate_set(tag: str, members: list[Any]) -> None:
    if not members:
        if tag == "BS":
            raise ValidationException(_INVALID + "Binary sets should not be empty")
        kind = "string" if tag == "SS" else "number"
        raise ValidationException(_INVALID + f"An {kind} set  may not be empty")
    if tag == "NS":
        keys = [Decimal(number(member)) for member in members]
    elif tag == "BS":
        keys = [raw_bytes(member) for member in members]
    else:
        keys = list(members)
    if len(set(keys)) != len(keys):
        shown = ", ".join(_set_member_text(tag, member) for member in members)
        raise ValidationException(_INVALID + f"Input collection [{shown}] contains duplicates.")


def _set_member_text(tag: str, member: Any) -> str:
    if tag == "BS" and isinstance(member, bytes | bytearray):
        return base64.b64encode(member).decode()
    return str(member)


def set_key(tag: str, member: Any) -> Any:
    """A hashable identity for a member of a set of type `tag` (numbers by value, binary by bytes)."""
    if tag == "NS":
        return Decimal(member)
    if tag == "BS":
        return raw_bytes(member)
    return member


def equal(a: Value | None, b: Value | None) -> bool:
    """DynamoDB's `=`: same type and same value (numbers by value, sets regardless of order)."""
    if a is None or b is None:
        return False
    tag = type_of(a)
    if tag != type_of(b):
        return False
    x, y = a[tag], b[tag]
    if tag == "N":
        return Decimal(x) == Decimal(y)
    if tag == "B":
        return raw_bytes(x) == raw_bytes(y)
    if tag in SET_ELEMENT:
        return {set_key(tag, m) for m in x} == {set_key(tag, m) for m in y}
    if tag == "L":
        return len(x) == len(y) and all(equal(p, q) for p, q in zip(x, y, strict=True))
    if tag == "M":
        return x.keys() == y.keys() and all(equal(x[k], y[k]) for k in x)
    return bool(x == y)


def compare(a: Value | None, b: Value | None) -> int | None:
    """Order of two scalars of the same type (N by value, S by UTF-8 bytes, B bytewise) as -1, 0 or 1;
    None when they cannot be ordered (missing, different types, not N/S/B)."""
    if a is None or b is None:
        return None
    tag = type_of(a)
    if tag != type_of(b) or tag not in ("N", "S", "B"):
        return None
    x: Any
    y: Any
    if tag == "N":
        x, y = Decimal(a["N"]), Decimal(b["N"])
    elif tag == "S":
        x, y = a["S"].encode("utf-8"), b["S"].encode("utf-8")
    else:
        x, y = raw_bytes(a["B"]), raw_bytes(b["B"])
    return (x > y) - (x < y)


def value_size(value: Value) -> int:
    """The bytes DynamoDB counts for one attribute value (without its name)."""
    tag = type_of(value)
    member = value[tag]
    if tag == "S":
        return len(member.encode("utf-8"))
    if tag == "B":
        return len(raw_bytes(member))
    if tag == "N":
        return number_size(member)
    if tag in ("BOOL", "NULL"):
        return 1
    if tag == "SS":
        return sum(len(m.encode("utf-8")) for m in member)
    if tag == "NS":
        return sum(number_size(m) for m in member)
    if tag == "BS":
        return sum(len(raw_bytes(m)) for m in member)
    if tag == "L":
        return 3 + sum(1 + value_size(element) for element in member)
    return 3 + sum(1 + len(k.encode("utf-8")) + value_size(v) for k, v in member.items())


def number_size(text: str) -> int:
    """About one byte per two significant digits plus one (leading and trailing zeros trimmed)."""
    digits = Decimal(text).normalize(_WIDE).as_tuple().digits
    significant = len(digits) if any(digits) else 1
    return math.ceil(significant / 2) + 1


def item_size(item: Item) -> int:
    """The size DynamoDB counts for an item: UTF-8 lengths of attribute names plus value sizes."""
    return sum(len(name.encode("utf-8")) + value_size(value) for name, value in item.items())
