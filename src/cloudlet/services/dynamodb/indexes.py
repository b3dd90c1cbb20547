"""Secondary indexes: the definition of each GSI/LSI of a table, the entry an item contributes to it
(index key bytes and the projected attributes), index key type checks on writes, and the maintenance of
`ddb_index_item` rows (`sync` on every item write, `rebuild` for a GSI added to a populated table).

An item appears in an index only when it carries every key attribute of that index (a sparse index).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from cloudlet.core.db import Tx
from cloudlet.services.dynamodb import keys, store
from cloudlet.services.dynamodb.errors import ValidationException


@dataclass(frozen=True, slots=True)
class Index:
    name: str
    global_: bool
    hash_key: str
    range_key: str | None
    projection: str
    """ALL, KEYS_ONLY or INCLUDE."""
    non_key: tuple[str, ...]

    @property
    def key_names(self) -> tuple[str, ...]:
        return (self.hash_key,) if self.range_key is None else (self.hash_key, self.range_key)

    def projected(self, table: store.Table) -> set[str] | None:
        """The attribute names the index holds (None: every attribute)."""
        if self.projection == "ALL":
            return None
        names = {table.hash_key, *self.key_names, *self.non_key}
        if table.range_key is not None:
            names.add(table.range_key)
        return names


def _index(definition: dict[str, Any], global_: bool) -> Index:
    schema = definition["KeySchema"]
    projection = definition.get("Projection") or {}
    return Index(
        name=definition["IndexName"],
        global_=global_,
        hash_key=next(k["AttributeName"] for k in schema if k["KeyType"] == "HASH"),
        range_key=next((k["AttributeName"] for k in schema if k["KeyType"] == "RANGE"), None),
        projection=str(projection.get("ProjectionType") or "ALL"),
        non_key=tuple(projection.get("NonKeyAttributes") or ()),
    )


def of(table: store.Table) -> list[Index]:
    """Every secondary index of the table (LSIs first)."""
    found = [_index(d, False) for d in table.definition.get("LocalSecondaryIndexes") or ()]
    found += [_index(d, True) for d in table.definition.get("GlobalSecondaryIndexes") or ()]
    return found


def find(table: store.Table, name: str) -> Index | None:
    return next((index for index in of(table) if index.name == name), None)


def check_item(table: store.Table, item: dict[str, Any]) -> None:
    """Index key attributes an item carries must have the declared type and not be empty.

    Raises ValidationException with AWS's messages."""
    for index in of(table):
        for name in index.key_names:
            av = item.get(name)
            if av is None:
                continue
            expected, actual = table.attribute_type(name), next(iter(av))
            if expected != actual:
                raise ValidationException(
                    "One or more parameter values were invalid: Type mismatch for Index Key"
                    f" {name} Expected: {expected} Actual: {actual} IndexName: {index.name}"
                )
            if actual in ("S", "B") and not av[actual]:
                word = "string" if actual == "S" else "binary"
                raise ValidationException(
                    "One or more parameter values are not valid. A value specified for a secondary index key"
                    " is not supported. The AttributeValue for a key attribute cannot contain an empty"
                    f" {word} value. IndexName: {index.name}, IndexKey: {name}"
                )


def key_bytes(table: store.Table, index: Index, item: dict[str, Any]) -> tuple[bytes, bytes] | None:
    """(index partition, index sort) key bytes of an item, or None when the item is not in the index."""
    parts = []
    for name in index.key_names:
        av = item.get(name)
        kind = table.attribute_type(name)
        if av is None or kind not in av:
            return None
        parts.append(keys.encode(kind, str(av[kind])))
    return parts[0], parts[1] if len(parts) > 1 else b""


def project(table: store.Table, index: Index, item: dict[str, Any]) -> dict[str, Any]:
    names = index.projected(table)
    if names is None:
        return dict(item)
    return {name: av for name, av in item.items() if name in names}


def sync(tx: Tx, table: store.Table, pk: bytes, sk: bytes, item: dict[str, Any] | None) -> None:
    """Replace the index entries of the item at (pk, sk) with those of `item` (None: deleted)."""
    found = of(table)
    if not found:
        return
    tx.execute("DELETE FROM ddb_index_item WHERE table_id = ? AND pk = ? AND sk = ?", (table.id, pk, sk))
    if item is None:
        return
    rows = []
    for index in found:
        entry = key_bytes(table, index, item)
        if entry is not None:
            projected = json.dumps(project(table, index, item), separators=(",", ":"))
            rows.append((table.id, index.name, entry[0], entry[1], pk, sk, projected))
    if rows:
        tx.executemany(
            "INSERT INTO ddb_index_item (table_id, index_name, ipk, isk, pk, sk, item)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)",
            rows,
        )


def rebuild(tx: Tx, table: store.Table, index_name: str) -> int:
    """(Re)build every entry of one index from the table's items; returns the number of entries."""
    index = find(table, index_name)
    tx.execute("DELETE FROM ddb_index_item WHERE table_id = ? AND index_name = ?", (table.id, index_name))
    if index is None:
        return 0
    count = 0
    cursor = tx.execute("SELECT pk, sk, item FROM ddb_item WHERE table_id = ?", (table.id,))
    rows = []
    for pk, sk, text in cursor.fetchall():
        item = json.loads(text)
        entry = key_bytes(table, index, item)
        if entry is None:
            continue
        projected = json.dumps(project(table, index, item), separators=(",", ":"))
        rows.append((table.id, index_name, entry[0], entry[1], pk, sk, projected))
        count += 1
    if rows:
        tx.executemany(
            "INSERT INTO ddb_index_item (table_id, index_name, ipk, isk, pk, sk, item)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)",
            rows,
        )
    return count


def drop(tx: Tx, table: store.Table, index_name: str) -> None:
    """Remove every entry of a deleted index."""
    tx.execute("DELETE FROM ddb_index_item WHERE table_id = ? AND index_name = ?", (table.id, index_name))
