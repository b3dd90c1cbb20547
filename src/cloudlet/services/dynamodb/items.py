"""The item write path every operation shares: attribute value validation (AWS's messages), canonical
numbers, item size, key checks, and `write`, which stores one item change together with its secondary
index entries, its stream record and its TTL expiry in the caller's transaction.

Items are kept in DynamoDB's typed JSON with binary values as base64 text (`to_wire` turns them back
into bytes for responses). Reads live in the operation modules; index entries in `indexes.py`.
"""

from __future__ import annotations

import base64
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from cloudlet.core.db import Tx
from cloudlet.services.dynamodb import indexes, keys, store, values
from cloudlet.services.dynamodb.errors import ValidationException

if TYPE_CHECKING:
    from cloudlet.services.dynamodb.engine import Dynamo

MAX_ITEM_BYTES = 400 * 1024
MAX_HASH_KEY_BYTES = 2048
MAX_RANGE_KEY_BYTES = 1024
_KINDS = ("S", "N", "B", "SS", "NS", "BS", "M", "L", "NULL", "BOOL")
_SET_EMPTY = {
    "SS": "An string set  may not be empty",
    "NS": "An number set  may not be empty",
    "BS": "Binary sets should not be empty",
}
INVALID = "One or more parameter values were invalid: "


class InvalidValue(Exception):
    """An attribute value DynamoDB rejects; `message` is AWS's text without any context prefix."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


# --- values -------------------------------------------------------------------------------------------


def number(text: Any) -> str:
    """DynamoDB's canonical text of a number value. Raises InvalidValue with AWS's message."""
    if not isinstance(text, str) or not text.strip():
        raise InvalidValue("The parameter cannot be converted to a numeric value")
    try:
        value = Decimal(text.strip())
    except InvalidOperation:
        raise InvalidValue(f"The parameter cannot be converted to a numeric value: {text}") from None
    if not value.is_finite():
        raise InvalidValue(f"The parameter cannot be converted to a numeric value: {text}")
    if value.is_zero():
        return "0"
    _sign, digits, exponent = value.as_tuple()
    assert isinstance(exponent, int)
    stripped = "".join(map(str, digits)).strip("0")
    if len(stripped) > 38:
        raise InvalidValue("Attempting to store more than 38 significant digits in a Number")
    adjusted = value.adjusted()
    if adjusted > 125:
        raise InvalidValue(
            "Number overflow. Attempting to store a number with magnitude larger than supported range"
        )
    if adjusted < -130:
        raise InvalidValue(
            "Number underflow. Attempting to store a number with magnitude smaller than supported range"
        )
    canonical = keys.canonical_number(text)
    assert canonical is not None
    return canonical


def _binary(value: Any) -> str:
    if isinstance(value, bytes | bytearray):
        return base64.b64encode(bytes(value)).decode("ascii")
    return str(value)


def value(av: Any) -> dict[str, Any]:
    """A request AttributeValue → the stored form (canonical numbers, binary as base64 text).

    Raises InvalidValue with AWS's message."""
    if not isinstance(av, dict) or not av:
        raise InvalidValue(
            "Supplied AttributeValue is empty, must contain exactly one of the supported datatypes"
        )
    present = [k for k in av if k in _KINDS and av[k] is not None]
    if not present:
        raise InvalidValue(
            "Supplied AttributeValue is empty, must contain exactly one of the supported datatypes"
        )
    if len(present) > 1:
        raise InvalidValue(
            "Supplied AttributeValue has more than one datatypes set, must contain exactly one of the"
            " supported datatypes"
        )
    kind = present[0]
    inner = av[kind]
    if kind == "S":
        return {"S": inner}
    if kind == "N":
        return {"N": number(inner)}
    if kind == "B":
        return {"B": _binary(inner)}
    if kind == "BOOL":
        return {"BOOL": bool(inner)}
    if kind == "NULL":
        if inner is not True:
            raise InvalidValue(INVALID + "Null attribute value types must have the value of true")
        return {"NULL": True}
    if kind in ("SS", "NS", "BS"):
        if not inner:
            raise InvalidValue(INVALID + _SET_EMPTY[kind])
        if kind == "SS":
            members = list(inner)
        elif kind == "NS":
            members = [number(n) for n in inner]
        else:
            members = [_binary(b) for b in inner]
        if len(set(members)) != len(members):
            if kind == "NS":
                raise InvalidValue("Input collection contains duplicates")
            listed = ", ".join(members)
            suffix = "of type BS" if kind == "BS" else ""
            raise InvalidValue(INVALID + f"Input collection [{listed}]{suffix} contains duplicates.")
        return {kind: members}
    if kind == "M":
        return {"M": {name: value(v) for name, v in inner.items()}}
    return {"L": [value(v) for v in inner]}


def attribute_map(attributes: dict[str, Any]) -> dict[str, Any]:
    """Validate every value of an attribute map; raises ValidationException."""
    try:
        return {name: value(av) for name, av in attributes.items()}
    except InvalidValue as exc:
        raise ValidationException(exc.message) from None


def expression_values(values: dict[str, Any] | None) -> dict[str, Any] | None:
    """ExpressionAttributeValues in stored form; raises ValidationException as AWS words it."""
    if values is None:
        return None
    out = {}
    for name, av in values.items():
        try:
            out[name] = value(av)
        except InvalidValue as exc:
            raise ValidationException(
                f"ExpressionAttributeValues contains invalid value: {exc.message} for key {name}"
            ) from None
    return out


def to_wire(item: Any) -> Any:
    """A stored item, map or value → the response form (binary values as bytes)."""
    if isinstance(item, dict):
        if len(item) == 1:
            kind, inner = next(iter(item.items()))
            if kind == "B" and isinstance(inner, str):
                return {"B": base64.b64decode(inner)}
            if kind == "BS" and isinstance(inner, list):
                return {"BS": [base64.b64decode(b) for b in inner]}
            if kind == "M" and isinstance(inner, dict):
                return {"M": {k: to_wire(v) for k, v in inner.items()}}
            if kind == "L" and isinstance(inner, list):
                return {"L": [to_wire(v) for v in inner]}
            if kind in _KINDS:
                return item
        return {k: to_wire(v) for k, v in item.items()}
    return item


# --- sizes --------------------------------------------------------------------------------------------


def value_size(av: dict[str, Any]) -> int:
    """DynamoDB's size of one typed value (Item sizes: strings in UTF-8, numbers ~ digits/2 + 1)."""
    return values.value_size(av)


def item_size(item: dict[str, Any]) -> int:
    return values.item_size(item)


# --- keys ---------------------------------------------------------------------------------------------


def _kind(av: dict[str, Any]) -> str:
    return next(iter(av))


def _key_value_checks(name: str, av: dict[str, Any], hash_key: bool) -> None:
    kind = _kind(av)
    inner = av[kind]
    if kind in ("S", "B") and not inner:
        word = "string" if kind == "S" else "binary"
        raise ValidationException(
            "One or more parameter values are not valid. The AttributeValue for a key attribute cannot"
            f" contain an empty {word} value. Key: {name}"
        )
    size = len(inner.encode("utf-8")) if kind == "S" else value_size(av)
    if hash_key and size > MAX_HASH_KEY_BYTES:
        raise ValidationException(
            INVALID + "Size of hashkey has exceeded the maximum size limit of2048 bytes"
        )
    if not hash_key and size > MAX_RANGE_KEY_BYTES:
        raise ValidationException(
            INVALID + "Aggregated size of all range keys has exceeded the size limit of 1024 bytes"
        )


def key_names(table: store.Table) -> list[str]:
    return [k["AttributeName"] for k in table.key_schema]


def key(table: store.Table, raw: dict[str, Any], starting: bool = False) -> dict[str, Any]:
    """A request `Key` validated against the table's key schema, in stored form.

    Raises ValidationException ("The provided key element does not match the schema")."""
    mismatch = "The provided key element does not match the schema"
    if starting:
        mismatch = "The provided starting key is invalid: " + mismatch
    stored = attribute_map(raw)
    names = key_names(table)
    if set(stored) != set(names):
        raise ValidationException(mismatch)
    for name in names:
        if _kind(stored[name]) != table.attribute_type(name):
            raise ValidationException(mismatch)
    for name in names:
        _key_value_checks(name, stored[name], name == table.hash_key)
    return stored


def item(table: store.Table, raw: dict[str, Any]) -> dict[str, Any]:
    """A request `Item` validated (values, key attributes, index keys, size), in stored form."""
    stored = attribute_map(raw)
    check_item(table, stored)
    return stored


def check_item(table: store.Table, stored: dict[str, Any]) -> None:
    """Key attributes present with the declared types, index key types, and the 400 KB limit.

    Raises ValidationException with AWS's messages."""
    for name in key_names(table):
        if name not in stored:
            raise ValidationException(INVALID + f"Missing the key {name} in the item")
        expected, actual = table.attribute_type(name), _kind(stored[name])
        if expected != actual:
            raise ValidationException(
                INVALID + f"Type mismatch for key {name} expected: {expected} actual: {actual}"
            )
    for name in key_names(table):
        _key_value_checks(name, stored[name], name == table.hash_key)
    indexes.check_item(table, stored)
    if item_size(stored) > MAX_ITEM_BYTES:
        raise ValidationException("Item size has exceeded the maximum allowed size")


def key_of(table: store.Table, stored: dict[str, Any]) -> dict[str, Any]:
    """The table key attributes of a stored item."""
    return {name: stored[name] for name in key_names(table)}


def key_bytes(table: store.Table, stored: dict[str, Any]) -> tuple[bytes, bytes]:
    pk = keys.encode(table.attribute_type(table.hash_key), _plain(stored[table.hash_key]))
    range_key = table.range_key
    if range_key is None:
        return pk, b""
    return pk, keys.encode(table.attribute_type(range_key), _plain(stored[range_key]))


def _plain(av: dict[str, Any]) -> str:
    return str(next(iter(av.values())))


# --- writing ------------------------------------------------------------------------------------------


def write(
    dynamo: Dynamo,
    tx: Tx,
    table: store.Table,
    old: dict[str, Any] | None,
    new: dict[str, Any] | None,
    user_identity: dict[str, str] | None = None,
) -> None:
    """Store one item change (`new` None: delete) with its index entries, stream record and TTL expiry.

    `old` is the item as read in this transaction (None: absent); `new` was validated by `check_item`."""
    target = new if new is not None else old
    if target is None:
        return
    pk, sk = key_bytes(table, target)
    if new is None:
        store.delete_item(tx, table.id, pk, sk)
    else:
        expires_at = _expiry(table, new)
        store.put_item(tx, table.id, pk, sk, new, item_size(new), expires_at)
        if expires_at is not None:
            from cloudlet.services.dynamodb import ttl

            ttl.track(tx, dynamo, table, expires_at)
    indexes.sync(tx, table, pk, sk, new)
    _stream(dynamo, tx, table, old, new, user_identity)


def _expiry(table: store.Table, new: dict[str, Any]) -> float | None:
    if table.ttl_attribute is None:
        return None
    from cloudlet.services.dynamodb import ttl

    return ttl.expiry_of(table, new)


def _stream(
    dynamo: Dynamo,
    tx: Tx,
    table: store.Table,
    old: dict[str, Any] | None,
    new: dict[str, Any] | None,
    user_identity: dict[str, str] | None,
) -> None:
    from cloudlet.services.dynamodb import streams

    if not streams.stream_enabled(table):
        return
    target = new if new is not None else old
    assert target is not None
    event = "REMOVE" if new is None else ("INSERT" if old is None else "MODIFY")
    streams.record(tx, dynamo, table, event, key_of(table, target), old, new, user_identity)


def read(conn: Any, table: store.Table, stored_key: dict[str, Any]) -> dict[str, Any] | None:
    """The stored item with this (validated) key, or None."""
    pk, sk = key_bytes(table, stored_key)
    return store.get_item(conn, table.id, pk, sk)
