"""DynamoDB Streams operations: ListStreams, DescribeStream, GetShardIterator, GetRecords.

Each stream has exactly one shard (AWS splits shards by partition and age; one shard keeps every
record of the table in order). A stream whose table was deleted is no longer listed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from cloudlet.services.dynamodb import store, streams
from cloudlet.services.dynamodb.errors import ResourceNotFoundException, ValidationException
from cloudlet.services.dynamodb.operations.common import state

if TYPE_CHECKING:
    from cloudlet.gateway.context import RequestContext

__all__ = ["describe_stream", "get_records", "get_shard_iterator", "list_streams"]

DEFAULT_LIST_LIMIT = 100


def list_streams(ctx: RequestContext, req: dict[str, Any]) -> dict[str, Any]:
    dynamo = state(ctx)
    limit = int(req.get("Limit") or DEFAULT_LIST_LIMIT)
    with dynamo.db.read() as conn:
        if req.get("TableName"):
            tables = [dynamo.table(conn, ctx.account_id, ctx.region, req["TableName"])]
        else:
            tables = store.list_tables(conn, ctx.account_id, ctx.region)
        found = [s for t in tables for s in streams.streams_of(conn, t)]
    found.sort(key=lambda s: s.arn)
    start = req.get("ExclusiveStartStreamArn")
    if start:
        found = [s for s in found if s.arn > start]
    page = found[:limit]
    out: dict[str, Any] = {
        "Streams": [{"StreamArn": s.arn, "TableName": s.table.name, "StreamLabel": s.label} for s in page]
    }
    if len(found) > limit:
        out["LastEvaluatedStreamArn"] = page[-1].arn
    return out


def describe_stream(ctx: RequestContext, req: dict[str, Any]) -> dict[str, Any]:
    dynamo = state(ctx)
    with dynamo.db.read() as conn:
        stream = streams.find_stream(conn, req["StreamArn"])
        _, first, last = streams.bounds(conn, stream)
    enabled = stream.enabled
    numbers: dict[str, str] = {}
    if first is not None or last is not None:
        numbers["StartingSequenceNumber"] = streams.sequence_number(int(first or last or 0))
    elif enabled:
        numbers["StartingSequenceNumber"] = streams.sequence_number(0)
    if not enabled and last is not None:
        numbers["EndingSequenceNumber"] = streams.sequence_number(int(last))
    shards = []
    start = req.get("ExclusiveStartShardId")
    if start is None or start < stream.shard_id:
        shards.append({"ShardId": stream.shard_id, "SequenceNumberRange": numbers})
    return {
        "StreamDescription": {
            "StreamArn": stream.arn,
            "StreamLabel": stream.label,
            "StreamStatus": "ENABLED" if enabled else "DISABLED",
            "StreamViewType": stream.view_type,
            "CreationRequestDateTime": stream.created_at,
            "TableName": stream.table.name,
            "KeySchema": stream.table.key_schema,
            "Shards": shards,
        }
    }


def get_shard_iterator(ctx: RequestContext, req: dict[str, Any]) -> dict[str, Any]:
    dynamo = state(ctx)
    kind = req["ShardIteratorType"]
    number = req.get("SequenceNumber")
    if kind in ("AT_SEQUENCE_NUMBER", "AFTER_SEQUENCE_NUMBER") and number is None:
        raise ValidationException(f"Must specify a SequenceNumber for ShardIteratorType {kind}")
    with dynamo.db.read() as conn:
        stream = streams.find_stream(conn, req["StreamArn"])
        if req["ShardId"] != stream.shard_id:
            raise ResourceNotFoundException(
                f"Requested resource not found: Shard: {req['ShardId']} in Stream: {stream.arn} not found"
            )
        horizon, _, last = streams.bounds(conn, stream)
        if kind == "TRIM_HORIZON":
            after = horizon
        elif kind == "LATEST":
            after = int(last or 0)
        else:
            seq = streams.parse_sequence_number(str(number))
            if seq is None or seq > int(last or 0):
                raise ValidationException(f"Invalid SequenceNumber {number} for shard {stream.shard_id}")
            after = seq - 1 if kind == "AT_SEQUENCE_NUMBER" else seq
            streams.ensure_not_trimmed(conn, stream, after)
    return {"ShardIterator": streams.make_iterator(stream, after, dynamo.clock.now())}


def get_records(ctx: RequestContext, req: dict[str, Any]) -> dict[str, Any]:
    dynamo = state(ctx)
    limit = int(req.get("Limit") or streams.MAX_GET_RECORDS)
    if limit > streams.MAX_GET_RECORDS:
        raise ValidationException(
            f"1 validation error detected: Value '{limit}' at 'limit' failed to satisfy constraint: "
            f"Member must have value less than or equal to {streams.MAX_GET_RECORDS}"
        )
    now = dynamo.clock.now()
    arn, after = streams.open_iterator(req["ShardIterator"], now)
    with dynamo.db.read() as conn:
        stream = streams.find_stream(conn, arn)
        streams.ensure_not_trimmed(conn, stream, after)
        records = streams.read(conn, stream, after, limit)
        _, _, last = streams.bounds(conn, stream)
        enabled = stream.enabled
    position = records[-1][0] if records else after
    out: dict[str, Any] = {"Records": [r for _, _, r in records]}
    if enabled or position < int(last or 0):
        out["NextShardIterator"] = streams.make_iterator(stream, position, now)
    return out
