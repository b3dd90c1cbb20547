"""What other services may call on DynamoDB: reading a table's stream (for Lambda event source
mappings). Positions are opaque integers: a reader asks for the records after a position."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from cloudlet.protocol.errors import ServiceError
from cloudlet.services.dynamodb import streams

if TYPE_CHECKING:
    from cloudlet.app import App
    from cloudlet.core.waits import Signal
    from cloudlet.services.dynamodb.engine import Dynamo


@dataclass(frozen=True, slots=True)
class StreamRecord:
    position: int
    created_at: float
    record: dict[str, Any]
    """The record as a Lambda event carries it (without `eventSourceARN`)."""


def _dynamo(app: App) -> Dynamo:
    return app.service("dynamodb").state  # type: ignore[no-any-return]


def stream_position(app: App, stream_arn: str, starting_position: str) -> int | None:
    """The position before the first record a new reader sees (TRIM_HORIZON or LATEST); None when the
    stream does not exist."""
    dynamo = _dynamo(app)
    with dynamo.db.read() as conn:
        try:
            stream = streams.find_stream(conn, stream_arn)
        except ServiceError:
            return None
        horizon, _, last = streams.bounds(conn, stream)
    return horizon if starting_position == "TRIM_HORIZON" else int(last or 0)


def shard_id(app: App, stream_arn: str) -> str | None:
    dynamo = _dynamo(app)
    with dynamo.db.read() as conn:
        try:
            return streams.find_stream(conn, stream_arn).shard_id
        except ServiceError:
            return None


def read_stream(app: App, stream_arn: str, after: int, limit: int) -> list[StreamRecord] | None:
    """Up to `limit` records after `after` (records trimmed meanwhile are skipped); None when the stream
    is gone."""
    dynamo = _dynamo(app)
    with dynamo.db.read() as conn:
        try:
            stream = streams.find_stream(conn, stream_arn)
        except ServiceError:
            return None
        rows = streams.read(conn, stream, after, limit, lambda_event=True)
    return [StreamRecord(seq, created_at, record) for seq, created_at, record in rows]


def stream_signal(app: App, stream_arn: str) -> Signal:
    """Notified after every commit that appended records to the stream."""
    return streams.signal(_dynamo(app), stream_arn)
