"""Query and Scan over a table or one of its secondary indexes. Reads are SQL range scans over key
bytes (a range on the sort key for key conditions), read lazily page by page: Limit counts items
evaluated before the filter, and a page stops after 1 MB of items read (Query.html, Scan.html)."""

from __future__ import annotations

import json
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from cloudlet.services.dynamodb import indexes, items, keys, legacy, store, throttle
from cloudlet.services.dynamodb.errors import ValidationException
from cloudlet.services.dynamodb.operations import requests as rq
from cloudlet.services.dynamodb.operations.common import state

if TYPE_CHECKING:
    import sqlite3

    from cloudlet.gateway.context import RequestContext

__all__ = ["query", "scan"]

MAX_PAGE_BYTES = 1024 * 1024
_OPS = {
    "=": "EQ",
    "EQ": "EQ",
    "<": "LT",
    "LT": "LT",
    "<=": "LE",
    "LE": "LE",
    ">": "GT",
    "GT": "GT",
    ">=": "GE",
    "GE": "GE",
    "BETWEEN": "BETWEEN",
    "BEGINS_WITH": "BEGINS_WITH",
}


@dataclass(slots=True)
class Source:
    """What a Query or Scan reads: the table, or one of its indexes."""

    table: store.Table
    index: indexes.Index | None

    @property
    def hash_key(self) -> str:
        return self.index.hash_key if self.index else self.table.hash_key

    @property
    def range_key(self) -> str | None:
        return self.index.range_key if self.index else self.table.range_key

    def start(self, raw: dict[str, Any]) -> tuple[bytes, ...]:
        """The position of an ExclusiveStartKey. Raises ValidationException."""
        table = self.table
        stored = items.attribute_map(raw)
        names = set(items.key_names(table))
        if self.index is not None:
            names |= set(self.index.key_names)
        invalid = "The provided starting key is invalid: The provided key element does not match the schema"
        if set(stored) != names:
            raise ValidationException(invalid)
        for name in names:
            if next(iter(stored[name])) != table.attribute_type(name):
                raise ValidationException(invalid)
        pk, sk = items.key_bytes(table, stored)
        if self.index is None:
            return pk, sk
        entry = indexes.key_bytes(table, self.index, stored)
        assert entry is not None
        return entry[0], entry[1], pk, sk

    def last_key(self, item: dict[str, Any]) -> dict[str, Any]:
        names = list(items.key_names(self.table))
        if self.index is not None:
            names += [n for n in self.index.key_names if n not in names]
        return items.to_wire({name: item[name] for name in names})

    def rows(
        self,
        conn: sqlite3.Connection,
        partition: bytes | None,
        sort: tuple[bytes | None, bool, bytes | None, bool] | None,
        forward: bool,
        after: tuple[bytes, ...] | None,
    ) -> Iterator[tuple[bytes, dict[str, Any], int]]:
        """(partition key bytes, item, size) in key order, after the start position."""
        if self.index is None:
            columns, sql = ("pk", "sk"), "SELECT pk, item, size FROM ddb_item WHERE table_id = ?"
            params: list[Any] = [self.table.id]
            partition_column, sort_column = "pk", "sk"
        else:
            columns = ("ipk", "isk", "pk", "sk")
            sql = "SELECT ipk, item, length(item) FROM ddb_index_item WHERE table_id = ? AND index_name = ?"
            params = [self.table.id, self.index.name]
            partition_column, sort_column = "ipk", "isk"
        if partition is not None:
            sql += f" AND {partition_column} = ?"
            params.append(partition)
        if sort is not None:
            low, low_inclusive, high, high_inclusive = sort
            if low is not None:
                sql += f" AND {sort_column} {'>=' if low_inclusive else '>'} ?"
                params.append(low)
            if high is not None:
                sql += f" AND {sort_column} {'<=' if high_inclusive else '<'} ?"
                params.append(high)
        if after is not None:
            compared, start = columns, list(after)
            if partition is not None:  # within one partition: compare the rest, so the index range is used
                compared, start = columns[1:], start[1:]
            marks = ", ".join("?" * len(compared))
            sql += f" AND ({', '.join(compared)}) {'>' if forward else '<'} ({marks})"
            params.extend(start)
        direction = "" if forward else " DESC"
        sql += " ORDER BY " + ", ".join(c + direction for c in columns)
        for ipk, text, size in conn.execute(sql, params):
            yield ipk, json.loads(text), int(size)


def _source(table: store.Table, req: dict[str, Any]) -> Source:
    name = req.get("IndexName")
    if name is None:
        return Source(table, None)
    index = indexes.find(table, name)
    if index is None:
        raise ValidationException(f"The table does not have the specified index: {name}")
    if index.global_ and req.get("ConsistentRead"):
        raise ValidationException("Consistent reads are not supported on global secondary indexes")
    return Source(table, index)


def _select(source: Source, req: dict[str, Any], projected: bool) -> str:
    select = req.get("Select")
    if select is None:
        if projected:
            return "SPECIFIC_ATTRIBUTES"
        return "ALL_PROJECTED_ATTRIBUTES" if source.index is not None else "ALL_ATTRIBUTES"
    if select == "ALL_PROJECTED_ATTRIBUTES" and source.index is None:
        raise ValidationException(
            "ALL_PROJECTED_ATTRIBUTES can be used only when Querying using an IndexName"
        )
    if select == "SPECIFIC_ATTRIBUTES" and not projected:
        raise ValidationException(
            "Select type SPECIFIC_ATTRIBUTES requires a ProjectionExpression or AttributesToGet"
        )
    if select != "SPECIFIC_ATTRIBUTES" and projected:
        raise ValidationException(
            f"Cannot specify the AttributesToGet or ProjectionExpression when choosing to get {select}"
        )
    index = source.index
    if select == "ALL_ATTRIBUTES" and index is not None and index.global_ and index.projection != "ALL":
        raise ValidationException(
            "One or more parameter values were invalid: Select type ALL_ATTRIBUTES is not supported for"
            f" global secondary index {index.name} because its projection type is not ALL"
        )
    return str(select)


def _sort_range(
    kind: str, sort: legacy.SortCondition | None
) -> tuple[bytes | None, bool, bytes | None, bool] | None:
    """(low, inclusive, high, inclusive) bytes of a sort key condition."""
    if sort is None:
        return None
    encoded = [keys.encode(kind, str(av[kind])) for av in sort.values]
    op = sort.op
    if op == "EQ":
        return encoded[0], True, encoded[0], True
    if op == "LT":
        return None, False, encoded[0], False
    if op == "LE":
        return None, False, encoded[0], True
    if op == "GT":
        return encoded[0], False, None, False
    if op == "GE":
        return encoded[0], True, None, False
    if op == "BETWEEN":
        return encoded[0], True, encoded[1], True
    prefix = encoded[0]
    return prefix, True, _successor(prefix), False


def _successor(prefix: bytes) -> bytes | None:
    """The smallest byte string greater than every string starting with `prefix` (None: none)."""
    stripped = prefix.rstrip(b"\xff")
    if not stripped:
        return None
    return stripped[:-1] + bytes([stripped[-1] + 1])


def _key_condition(
    source: Source, req: dict[str, Any], exprs: rq.Expressions
) -> tuple[dict[str, Any], legacy.SortCondition | None]:
    text = req.get("KeyConditionExpression")
    if text is not None:
        parsed = rq.ex().key_condition(text, exprs.names, exprs.values, source.hash_key, source.range_key)
        exprs.parsed.append(parsed)
        hash_value, predicate = parsed
        sort = None
        if predicate is not None:
            op = _OPS[str(predicate.op).upper()]
            sort = legacy.SortCondition(op, tuple(predicate.values))
    elif req.get("KeyConditions") is not None:
        hash_value, sort = legacy.key_conditions(req["KeyConditions"], source.hash_key, source.range_key)
    else:
        raise ValidationException(
            "Either the KeyConditions or KeyConditionExpression parameter must be specified in the request."
        )
    mismatch = (
        "One or more parameter values were invalid: Condition parameter type does not match schema type"
    )
    if next(iter(hash_value)) != source.table.attribute_type(source.hash_key):
        raise ValidationException(mismatch)
    if sort is not None:
        assert source.range_key is not None
        kind = source.table.attribute_type(source.range_key)
        if any(next(iter(av)) != kind for av in sort.values):
            raise ValidationException(mismatch)
        if sort.op == "BEGINS_WITH" and kind == "N":
            raise ValidationException(
                "Invalid KeyConditionExpression: Incorrect operand type for operator or function; operator or"
                " function: begins_with, operand type: N"
            )
    return hash_value, sort


def _run(
    ctx: RequestContext,
    req: dict[str, Any],
    conn: sqlite3.Connection,
    source: Source,
    rows: Iterator[tuple[bytes, dict[str, Any], int]],
    exprs: rq.Expressions,
    check: rq.Predicate | None,
    project: rq.Projector | None,
    segment: tuple[int, int] | None = None,
) -> dict[str, Any]:
    select = _select(source, req, project is not None)
    limit = req.get("Limit")
    index = source.index
    fetch_base = index is not None and not index.global_ and index.projection != "ALL"
    fetch_base = fetch_base and (select == "ALL_ATTRIBUTES" or project is not None or check is not None)
    found: list[dict[str, Any]] = []
    scanned = 0
    read_bytes = 0
    last: dict[str, Any] | None = None
    for partition, item, size in rows:
        if segment is not None and zlib.crc32(partition) % segment[1] != segment[0]:
            continue
        scanned += 1
        read_bytes += size
        full = item
        if fetch_base:
            full = items.read(conn, source.table, items.key_of(source.table, item)) or item
        if check is None or check(full):
            found.append(full)
        if (limit is not None and scanned >= limit) or read_bytes >= MAX_PAGE_BYTES:
            last = source.last_key(item)
            break
    out: dict[str, Any] = {"Count": len(found), "ScannedCount": scanned}
    if select != "COUNT":
        out["Items"] = [items.to_wire(project(item) if project else item) for item in found]
    if last is not None:
        out["LastEvaluatedKey"] = last
    units = rq.read_units(read_bytes, bool(req.get("ConsistentRead")))
    index_units = {index.name: units} if index is not None else None
    capacity = rq.consumed(
        req.get("ReturnConsumedCapacity"), source.table, 0.0 if index else units, index_units
    )
    if capacity is not None:
        out["ConsumedCapacity"] = capacity
    return out


def query(ctx: RequestContext, req: dict[str, Any]) -> dict[str, Any]:
    dynamo = state(ctx)
    exprs = rq.expressions(req)
    with dynamo.db.read() as conn:
        table = dynamo.table(conn, ctx.account_id, ctx.region, req["TableName"])
        throttle.check(ctx, table)
        source = _source(table, req)
        hash_value, sort = _key_condition(source, req, exprs)
        check = rq.filter_(req, exprs, "QueryFilter")
        project = rq.projection(req, exprs)
        exprs.done()
        hash_kind = table.attribute_type(source.hash_key)
        partition = keys.encode(hash_kind, str(hash_value[hash_kind]))
        sort_kind = table.attribute_type(source.range_key) if source.range_key else "S"
        after = source.start(req["ExclusiveStartKey"]) if req.get("ExclusiveStartKey") else None
        forward = req.get("ScanIndexForward", True) is not False
        rows = source.rows(conn, partition, _sort_range(sort_kind, sort), forward, after)
        return _run(ctx, req, conn, source, rows, exprs, check, project)


def scan(ctx: RequestContext, req: dict[str, Any]) -> dict[str, Any]:
    dynamo = state(ctx)
    segment = _segment(req)
    exprs = rq.expressions(req)
    check = rq.filter_(req, exprs, "ScanFilter")
    project = rq.projection(req, exprs)
    exprs.done()
    with dynamo.db.read() as conn:
        table = dynamo.table(conn, ctx.account_id, ctx.region, req["TableName"])
        throttle.check(ctx, table)
        source = _source(table, req)
        after = source.start(req["ExclusiveStartKey"]) if req.get("ExclusiveStartKey") else None
        rows = source.rows(conn, None, None, True, after)
        return _run(ctx, req, conn, source, rows, exprs, check, project, segment)


def _segment(req: dict[str, Any]) -> tuple[int, int] | None:
    """(Segment, TotalSegments) of a parallel scan. Raises ValidationException as AWS words it."""
    segment, total = req.get("Segment"), req.get("TotalSegments")
    if segment is None and total is None:
        return None
    if total is None:
        raise ValidationException(
            "The TotalSegments parameter is required but was not present in the request when Segment"
            " parameter is present"
        )
    if segment is None:
        raise ValidationException(
            "The Segment parameter is required but was not present in the request when parameter"
            " TotalSegments is present"
        )
    if segment >= total:
        raise ValidationException(
            "The Segment parameter is zero-based and must be less than parameter TotalSegments:"
            f" Segment: {segment} is not less than TotalSegments: {total}"
        )
    return int(segment), int(total)
