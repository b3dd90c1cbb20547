"""DynamoDB Streams: the record writer every item write calls inside its transaction, and the readers
behind the Streams API and stream-triggered functions.

A stream is (table, stream label); it has one shard. Records are `ddb_stream_record` rows whose `seq`
gives the sequence number. Records older than 24 hours are trimmed by a durable timer; the newest
trimmed row stays as a tombstone (record '') marking the trim horizon.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
import math
import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from cloudlet.core.db import Tx
from cloudlet.core.timers import Timer
from cloudlet.core.waits import Signal
from cloudlet.services.dynamodb import store
from cloudlet.services.dynamodb.errors import (
    ExpiredIteratorException,
    ResourceNotFoundException,
    TrimmedDataAccessException,
    ValidationException,
)

if TYPE_CHECKING:
    import sqlite3

    from cloudlet.services.dynamodb.engine import Dynamo

TRIM_TIMER_KIND = "dynamodb.stream_trim"
RETENTION_S = 24 * 3600.0
ITERATOR_TTL_S = 15 * 60.0
SEQUENCE_BASE = 10**20  # sequence numbers are 21-digit decimal strings, increasing per stream
MAX_GET_RECORDS = 1000
TTL_IDENTITY = {"type": "Service", "principalId": "dynamodb.amazonaws.com"}

_IMAGES = {
    "KEYS_ONLY": (),
    "NEW_IMAGE": ("NewImage",),
    "OLD_IMAGE": ("OldImage",),
    "NEW_AND_OLD_IMAGES": ("NewImage", "OldImage"),
}


# --- writing ---------------------------------------------------------------------------------------------


def stream_enabled(table: store.Table) -> bool:
    spec = table.definition.get("StreamSpecification") or {}
    return table.stream_label is not None and bool(spec.get("StreamEnabled"))


def record(
    tx: Tx,
    dynamo: Dynamo,
    table: store.Table,
    event_name: str,
    keys: dict[str, Any],
    old_image: dict[str, Any] | None,
    new_image: dict[str, Any] | None,
    user_identity: dict[str, str] | None = None,
) -> None:
    """Append a stream record for one item change inside the write's transaction (no-op without a stream).

    `event_name` is INSERT, MODIFY or REMOVE; images are typed JSON items (None when absent). A write that
    leaves the item unchanged, or deletes nothing, writes no record (Streams.html: "no stream record").
    `user_identity` is `TTL_IDENTITY` for deletions by Time to Live.
    """
    if not stream_enabled(table):
        return
    if event_name == "MODIFY" and old_image == new_image:
        return
    if event_name == "REMOVE" and old_image is None:
        return
    if event_name not in ("INSERT", "MODIFY", "REMOVE"):
        raise ValueError(event_name)
    assert table.stream_label is not None
    view = str(table.definition["StreamSpecification"].get("StreamViewType") or "KEYS_ONLY")
    now = dynamo.clock.now()
    body: dict[str, Any] = {"Keys": keys}
    if "NewImage" in _IMAGES[view] and new_image is not None:
        body["NewImage"] = new_image
    if "OldImage" in _IMAGES[view] and old_image is not None:
        body["OldImage"] = old_image
    body["SizeBytes"] = sum(item_size(part) for part in body.values())
    body["StreamViewType"] = view
    doc: dict[str, Any] = {
        "eventID": uuid.uuid4().hex,
        "eventName": event_name,
        "dynamodb": body,
    }
    if user_identity is not None:
        doc["userIdentity"] = dict(user_identity)
    tx.execute(
        "INSERT INTO ddb_stream_record (table_id, stream_label, created_at, record) VALUES (?, ?, ?, ?)",
        (table.id, table.stream_label, now, json.dumps(doc, separators=(",", ":"))),
    )
    key = _trim_key(table.id, table.stream_label)
    if dynamo.timers.get(tx, TRIM_TIMER_KIND, key) is None:
        dynamo.timers.schedule(
            tx,
            TRIM_TIMER_KIND,
            now + RETENTION_S,
            {"table_id": table.id, "label": table.stream_label},
            key=key,
        )
    arn = stream_arn(table, table.stream_label)
    tx.after_commit(lambda: signal(dynamo, arn).notify())


def item_size(value: Any) -> int:
    """DynamoDB's size of an attribute map or typed value (names in UTF-8, numbers ~ digits/2 + 1)."""
    if isinstance(value, dict) and len(value) == 1:
        kind, inner = next(iter(value.items()))
        if kind in _TYPED:
            return _typed_size(kind, inner)
    if isinstance(value, dict):
        return sum(len(name.encode()) + item_size(v) for name, v in value.items())
    return 0


_TYPED = {"S", "N", "B", "BOOL", "NULL", "SS", "NS", "BS", "L", "M"}


def _typed_size(kind: str, inner: Any) -> int:
    if kind == "S":
        return len(str(inner).encode())
    if kind == "N":
        digits = str(inner).lstrip("-").replace(".", "").lstrip("0")
        return len(digits) // 2 + 2 if digits else 1
    if kind == "B":
        return len(_b64(inner))
    if kind in ("BOOL", "NULL"):
        return 1
    if kind in ("SS", "NS", "BS"):
        return sum(_typed_size(kind[0], v) for v in inner)
    if kind == "L":
        return 3 + sum(1 + item_size(v) for v in inner)
    if kind == "M":
        return 3 + sum(1 + len(name.encode()) + item_size(v) for name, v in inner.items())
    return 0


def _b64(value: Any) -> bytes:
    if isinstance(value, bytes | bytearray):
        return bytes(value)
    try:
        return base64.b64decode(str(value))
    except (ValueError, binascii.Error):
        return str(value).encode()


def signal(dynamo: Dynamo, arn: str) -> Signal:
    """The wake-up signal of a stream: notified after every commit that appended records to it."""
    signals = dynamo.stream_signals
    found = signals.get(arn)
    if found is None:
        found = signals[arn] = Signal(dynamo.app.work)
    return found


# --- retention -----------------------------------------------------------------------------------------


def _trim_key(table_id: int, label: str) -> str:
    return f"{table_id}/{label}"


def on_trim_timer(dynamo: Dynamo, timer: Timer) -> None:
    """Delete records older than 24 hours, keep the newest of them as the trim horizon, and schedule the
    next trim for the oldest record left."""
    table_id = int(timer.payload["table_id"])
    label = str(timer.payload["label"])
    horizon = dynamo.clock.now() - RETENTION_S
    with dynamo.db.transaction() as tx:
        row = tx.execute(
            "SELECT MAX(seq) FROM ddb_stream_record WHERE table_id = ? AND stream_label = ?"
            " AND created_at <= ?",
            (table_id, label, horizon),
        ).fetchone()
        if row[0] is not None:
            tx.execute(
                "DELETE FROM ddb_stream_record WHERE table_id = ? AND stream_label = ? AND seq < ?",
                (table_id, label, row[0]),
            )
            tx.execute("UPDATE ddb_stream_record SET record = '' WHERE seq = ?", (row[0],))
        oldest = tx.execute(
            "SELECT MIN(created_at) FROM ddb_stream_record WHERE table_id = ? AND stream_label = ?"
            " AND record != ''",
            (table_id, label),
        ).fetchone()[0]
        if oldest is not None:
            dynamo.timers.schedule(
                tx,
                TRIM_TIMER_KIND,
                float(oldest) + RETENTION_S,
                dict(timer.payload),
                key=_trim_key(table_id, label),
            )


# --- streams -------------------------------------------------------------------------------------------


def stream_arn(table: store.Table, label: str) -> str:
    return f"{table.arn}/stream/{label}"


def sequence_number(seq: int) -> str:
    return str(SEQUENCE_BASE + seq)


def parse_sequence_number(text: str) -> int | None:
    if not text.isdigit() or len(text) != 21:
        return None
    value = int(text) - SEQUENCE_BASE
    return value if value >= 0 else None


@dataclass(slots=True)
class Stream:
    table: store.Table
    label: str

    @property
    def arn(self) -> str:
        return stream_arn(self.table, self.label)

    @property
    def enabled(self) -> bool:
        return self.table.stream_label == self.label and stream_enabled(self.table)

    @property
    def created_at(self) -> float:
        try:
            return dt.datetime.fromisoformat(self.label).replace(tzinfo=dt.UTC).timestamp()
        except ValueError:
            return self.table.created_at

    @property
    def shard_id(self) -> str:
        millis = int(self.created_at * 1000)
        return f"shardId-{millis:020d}-{self.table.table_uuid.replace('-', '')[:8]}"

    @property
    def view_type(self) -> str:
        spec = self.table.definition.get("StreamSpecification") or {}
        return str(spec.get("StreamViewType") or "KEYS_ONLY")


def streams_of(conn: sqlite3.Connection | Tx, table: store.Table) -> list[Stream]:
    """The table's streams, oldest first: the current one and earlier ones that still hold records."""
    labels = [
        r[0]
        for r in conn.execute(
            "SELECT DISTINCT stream_label FROM ddb_stream_record WHERE table_id = ?", (table.id,)
        ).fetchall()
    ]
    if table.stream_label is not None and table.stream_label not in labels:
        labels.append(table.stream_label)
    return [Stream(table, label) for label in sorted(labels)]


def find_stream(conn: sqlite3.Connection | Tx, arn: str) -> Stream:
    """The stream with ARN `arn`. Raises ResourceNotFoundException."""
    table_arn, sep, label = arn.partition("/stream/")
    table = store.get_table_by_arn(conn, table_arn) if sep and label else None
    if table is not None:
        for stream in streams_of(conn, table):
            if stream.label == label:
                return stream
    raise ResourceNotFoundException(f"Requested resource not found: Stream: {arn} not found")


def bounds(conn: sqlite3.Connection | Tx, stream: Stream) -> tuple[int, int | None, int | None]:
    """(trim horizon seq, first live seq, last seq) of the stream's shard; 0 when nothing was trimmed."""
    row = conn.execute(
        "SELECT MAX(CASE WHEN record = '' THEN seq END), MIN(CASE WHEN record != '' THEN seq END), MAX(seq)"
        " FROM ddb_stream_record WHERE table_id = ? AND stream_label = ?",
        (stream.table.id, stream.label),
    ).fetchone()
    return int(row[0] or 0), row[1], row[2]


# --- reading -------------------------------------------------------------------------------------------


def read(
    conn: sqlite3.Connection | Tx, stream: Stream, after: int, limit: int, lambda_event: bool = False
) -> list[tuple[int, float, dict[str, Any]]]:
    """Up to `limit` (seq, created_at, record) with seq > `after`, in order, each shaped by `shape`."""
    rows = conn.execute(
        "SELECT seq, created_at, record FROM ddb_stream_record WHERE table_id = ? AND stream_label = ?"
        " AND seq > ? AND record != '' ORDER BY seq LIMIT ?",
        (stream.table.id, stream.label, after, limit),
    ).fetchall()
    return [
        (int(r[0]), float(r[1]), shape(stream, int(r[0]), float(r[1]), json.loads(r[2]), lambda_event))
        for r in rows
    ]


def shape(
    stream: Stream, seq: int, created_at: float, doc: dict[str, Any], lambda_event: bool = False
) -> dict[str, Any]:
    """A stored record as AWS shows it; `lambda_event` for the shape inside a function's event."""
    from cloudlet.services.dynamodb import items

    body = doc["dynamodb"]
    dynamodb: dict[str, Any] = {"ApproximateCreationDateTime": math.floor(created_at)}
    for name in ("Keys", "NewImage", "OldImage"):
        if name in body:
            # Stored binary is base64 text: a Lambda event keeps it so (JSON); the API answers bytes,
            # which the serializer encodes once.
            dynamodb[name] = body[name] if lambda_event else items.to_wire(body[name])
    dynamodb["SequenceNumber"] = sequence_number(seq)
    dynamodb["SizeBytes"] = body["SizeBytes"]
    dynamodb["StreamViewType"] = body["StreamViewType"]
    out: dict[str, Any] = {
        "eventID": doc["eventID"],
        "eventName": doc["eventName"],
        "eventVersion": "1.1",
        "eventSource": "aws:dynamodb",
        "awsRegion": stream.table.region,
        "dynamodb": dynamodb,
    }
    identity = doc.get("userIdentity")
    if identity is not None:
        # The Streams API names the members PrincipalId/Type; Lambda events keep principalId/type.
        out["userIdentity"] = (
            dict(identity)
            if lambda_event
            else {"PrincipalId": identity["principalId"], "Type": identity["type"]}
        )
    return out


# --- shard iterators -----------------------------------------------------------------------------------


def make_iterator(stream: Stream, after: int, now: float) -> str:
    """An opaque iterator reading records with seq > `after`, valid for 15 minutes."""
    raw = json.dumps([stream.arn, after, now + ITERATOR_TTL_S], separators=(",", ":")).encode()
    return f"{stream.arn}|1|" + base64.urlsafe_b64encode(raw).decode()


def open_iterator(iterator: str, now: float) -> tuple[str, int]:
    """(stream ARN, position) of an iterator. Raises ValidationException, ExpiredIteratorException."""
    try:
        _, _, token = iterator.rpartition("|1|")
        arn, after, expires = json.loads(base64.urlsafe_b64decode(token.encode()))
        position = int(after)
        expires_at = float(expires)
    except (ValueError, TypeError, binascii.Error):
        raise ValidationException("Invalid ShardIterator") from None
    if not isinstance(arn, str):
        raise ValidationException("Invalid ShardIterator")
    if now >= expires_at:
        raise ExpiredIteratorException("Iterator expired")
    return arn, position


def ensure_not_trimmed(conn: sqlite3.Connection | Tx, stream: Stream, after: int) -> None:
    horizon, _, _ = bounds(conn, stream)
    if after < horizon:
        raise TrimmedDataAccessException(
            "The operation attempted to read past the oldest stream record in a shard."
        )
