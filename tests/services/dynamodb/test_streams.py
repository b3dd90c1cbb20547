"""DynamoDB Streams: records as the write path emits them (`streams.record`), read back through the
Streams API with boto3: ListStreams, DescribeStream, GetShardIterator, GetRecords, trimming."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from botocore.exceptions import ClientError

from cloudlet.services.dynamodb import store, streams
from cloudlet.services.dynamodb.engine import table_arn

LABEL = "2026-01-01T00:00:00.000"


class Tables:
    """Creates stream-enabled tables and applies item changes through the write path's stream hook."""

    def __init__(self, cloudlet: Any) -> None:
        self.app = cloudlet.app
        self.dynamo = self.app.service("dynamodb").state

    def create(self, name: str, view: str = "NEW_AND_OLD_IMAGES", label: str = LABEL) -> store.Table:
        definition = {
            "TableName": name,
            "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
            "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}],
            "StreamSpecification": {"StreamEnabled": True, "StreamViewType": view},
        }
        table = store.Table(
            0,
            table_arn("000000000000", "us-east-1", name),
            "000000000000",
            "us-east-1",
            name,
            "ACTIVE",
            definition,
            self.app.clock.now(),
            "0123abcd-0000-0000-0000-000000000000",
            label,
        )
        with self.app.db.transaction() as tx:
            return store.insert_table(tx, table)

    def disable(self, table: store.Table) -> None:
        table.definition["StreamSpecification"] = {"StreamEnabled": False}
        table.stream_label = None
        with self.app.db.transaction() as tx:
            store.update_table(tx, table)

    def write(
        self, table: store.Table, event: str, pk: str, old: Any = None, new: Any = None, **kw: Any
    ) -> None:
        with self.app.db.transaction() as tx:
            streams.record(tx, self.dynamo, table, event, {"pk": {"S": pk}}, old, new, **kw)


@pytest.fixture
def tables(cloudlet: Any) -> Tables:
    return Tables(cloudlet)


@pytest.fixture
def ds(cloudlet: Any) -> Any:
    return cloudlet.client("dynamodbstreams")


def item(pk: str, **values: str) -> dict[str, Any]:
    return {"pk": {"S": pk}, **{k: {"S": v} for k, v in values.items()}}


def arn_of(table: store.Table) -> str:
    return f"{table.arn}/stream/{LABEL}"


def records(ds: Any, arn: str, kind: str = "TRIM_HORIZON", **kw: Any) -> list[dict[str, Any]]:
    shard = ds.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"][0]["ShardId"]
    it = ds.get_shard_iterator(StreamArn=arn, ShardId=shard, ShardIteratorType=kind, **kw)["ShardIterator"]
    return ds.get_records(ShardIterator=it)["Records"]


def test_list_streams_names_the_table_and_label(tables, ds):
    table = tables.create("orders")
    tables.create("plain")
    listed = ds.list_streams(TableName="orders")["Streams"]
    assert listed == [{"StreamArn": arn_of(table), "TableName": "orders", "StreamLabel": LABEL}]


def test_list_streams_pages_with_exclusive_start(tables, ds):
    for name in ("a1", "b2", "c3"):
        tables.create(name)
    first = ds.list_streams(Limit=2)
    assert [s["TableName"] for s in first["Streams"]] == ["a1", "b2"]
    rest = ds.list_streams(ExclusiveStartStreamArn=first["LastEvaluatedStreamArn"])
    assert [s["TableName"] for s in rest["Streams"]] == ["c3"]
    assert "LastEvaluatedStreamArn" not in rest


def test_list_streams_of_an_unknown_table_is_not_found(ds):
    with pytest.raises(ClientError) as err:
        ds.list_streams(TableName="nope")
    assert err.value.response["Error"]["Code"] == "ResourceNotFoundException"


def test_describe_stream_has_one_open_shard(tables, ds):
    table = tables.create("orders", view="KEYS_ONLY")
    tables.write(table, "INSERT", "a", None, item("a"))
    described = ds.describe_stream(StreamArn=arn_of(table))["StreamDescription"]
    assert described["StreamStatus"] == "ENABLED"
    assert described["StreamViewType"] == "KEYS_ONLY"
    assert described["TableName"] == "orders"
    assert described["KeySchema"] == [{"AttributeName": "pk", "KeyType": "HASH"}]
    assert described["CreationRequestDateTime"] == dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    (shard,) = described["Shards"]
    assert shard["ShardId"].startswith("shardId-")
    assert len(shard["SequenceNumberRange"]["StartingSequenceNumber"]) == 21
    assert "EndingSequenceNumber" not in shard["SequenceNumberRange"]


def test_a_disabled_stream_closes_its_shard(tables, ds):
    table = tables.create("orders")
    tables.write(table, "INSERT", "a", None, item("a"))
    tables.disable(table)
    described = ds.describe_stream(StreamArn=arn_of(table))["StreamDescription"]
    assert described["StreamStatus"] == "DISABLED"
    assert "EndingSequenceNumber" in described["Shards"][0]["SequenceNumberRange"]


def test_describe_unknown_stream_is_not_found(ds):
    arn = "arn:aws:dynamodb:us-east-1:000000000000:table/nope/stream/" + LABEL
    with pytest.raises(ClientError) as err:
        ds.describe_stream(StreamArn=arn)
    assert err.value.response["Error"]["Code"] == "ResourceNotFoundException"


def test_records_have_aws_shape_and_increasing_sequence_numbers(tables, ds):
    table = tables.create("orders")
    tables.write(table, "INSERT", "a", None, item("a", v="1"))
    tables.write(table, "MODIFY", "a", item("a", v="1"), item("a", v="2"))
    tables.write(table, "REMOVE", "a", item("a", v="2"), None)
    got = records(ds, arn_of(table))
    assert [r["eventName"] for r in got] == ["INSERT", "MODIFY", "REMOVE"]
    first = got[0]
    assert first["eventVersion"] == "1.1"
    assert first["eventSource"] == "aws:dynamodb"
    assert first["awsRegion"] == "us-east-1"
    assert len(first["eventID"]) == 32
    assert first["dynamodb"]["Keys"] == {"pk": {"S": "a"}}
    assert first["dynamodb"]["NewImage"] == item("a", v="1")
    assert "OldImage" not in first["dynamodb"]
    assert first["dynamodb"]["StreamViewType"] == "NEW_AND_OLD_IMAGES"
    assert first["dynamodb"]["SizeBytes"] > 0
    assert got[1]["dynamodb"]["OldImage"] == item("a", v="1")
    numbers = [int(r["dynamodb"]["SequenceNumber"]) for r in got]
    assert numbers == sorted(numbers) and len(set(numbers)) == 3


@pytest.mark.parametrize(
    ("view", "images"),
    [
        ("KEYS_ONLY", set()),
        ("NEW_IMAGE", {"NewImage"}),
        ("OLD_IMAGE", {"OldImage"}),
        ("NEW_AND_OLD_IMAGES", {"NewImage", "OldImage"}),
    ],
)
def test_view_type_selects_images(tables, ds, view, images):
    table = tables.create("orders", view=view)
    tables.write(table, "MODIFY", "a", item("a", v="1"), item("a", v="2"))
    (record,) = records(ds, arn_of(table))
    assert {k for k in record["dynamodb"] if k.endswith("Image")} == images


def test_an_unchanged_item_writes_no_record(tables, ds):
    table = tables.create("orders")
    tables.write(table, "MODIFY", "a", item("a", v="1"), item("a", v="1"))
    tables.write(table, "REMOVE", "a", None, None)
    assert records(ds, arn_of(table)) == []


def test_ttl_deletions_carry_the_service_identity(tables, ds):
    table = tables.create("orders")
    tables.write(table, "REMOVE", "a", item("a"), None, user_identity=streams.TTL_IDENTITY)
    (record,) = records(ds, arn_of(table))
    assert record["userIdentity"] == {"Type": "Service", "PrincipalId": "dynamodb.amazonaws.com"}


def test_latest_reads_only_later_records(tables, ds):
    table = tables.create("orders")
    tables.write(table, "INSERT", "a", None, item("a"))
    arn = arn_of(table)
    shard = ds.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"][0]["ShardId"]
    it = ds.get_shard_iterator(StreamArn=arn, ShardId=shard, ShardIteratorType="LATEST")["ShardIterator"]
    tables.write(table, "INSERT", "b", None, item("b"))
    page = ds.get_records(ShardIterator=it)
    assert [r["dynamodb"]["Keys"]["pk"]["S"] for r in page["Records"]] == ["b"]
    assert ds.get_records(ShardIterator=page["NextShardIterator"])["Records"] == []


def test_at_and_after_sequence_number(tables, ds):
    table = tables.create("orders")
    for pk in "abc":
        tables.write(table, "INSERT", pk, None, item(pk))
    second = records(ds, arn_of(table))[1]["dynamodb"]["SequenceNumber"]
    at = records(ds, arn_of(table), "AT_SEQUENCE_NUMBER", SequenceNumber=second)
    after = records(ds, arn_of(table), "AFTER_SEQUENCE_NUMBER", SequenceNumber=second)
    assert [r["dynamodb"]["Keys"]["pk"]["S"] for r in at] == ["b", "c"]
    assert [r["dynamodb"]["Keys"]["pk"]["S"] for r in after] == ["c"]


def test_sequence_number_iterator_needs_a_sequence_number(tables, ds):
    table = tables.create("orders")
    shard = ds.describe_stream(StreamArn=arn_of(table))["StreamDescription"]["Shards"][0]["ShardId"]
    with pytest.raises(ClientError) as err:
        ds.get_shard_iterator(StreamArn=arn_of(table), ShardId=shard, ShardIteratorType="AT_SEQUENCE_NUMBER")
    assert err.value.response["Error"]["Code"] == "ValidationException"


def test_unknown_shard_is_not_found(tables, ds):
    table = tables.create("orders")
    with pytest.raises(ClientError) as err:
        ds.get_shard_iterator(
            StreamArn=arn_of(table),
            ShardId="shardId-00000000000000000000-00000000",
            ShardIteratorType="LATEST",
        )
    assert err.value.response["Error"]["Code"] == "ResourceNotFoundException"


def test_get_records_limit_pages(tables, ds):
    table = tables.create("orders")
    for pk in "abcde":
        tables.write(table, "INSERT", pk, None, item(pk))
    shard = ds.describe_stream(StreamArn=arn_of(table))["StreamDescription"]["Shards"][0]["ShardId"]
    it = ds.get_shard_iterator(StreamArn=arn_of(table), ShardId=shard, ShardIteratorType="TRIM_HORIZON")
    seen = []
    iterator = it["ShardIterator"]
    for _ in range(3):
        page = ds.get_records(ShardIterator=iterator, Limit=2)
        seen += [r["dynamodb"]["Keys"]["pk"]["S"] for r in page["Records"]]
        iterator = page["NextShardIterator"]
    assert seen == list("abcde")


def test_get_records_limit_above_1000_is_rejected(tables, ds):
    table = tables.create("orders")
    shard = ds.describe_stream(StreamArn=arn_of(table))["StreamDescription"]["Shards"][0]["ShardId"]
    it = ds.get_shard_iterator(StreamArn=arn_of(table), ShardId=shard, ShardIteratorType="LATEST")
    with pytest.raises(ClientError) as err:
        ds.get_records(ShardIterator=it["ShardIterator"], Limit=1001)
    assert err.value.response["Error"]["Code"] == "ValidationException"


def test_iterators_expire_after_15_minutes(cloudlet, tables, ds):
    table = tables.create("orders")
    shard = ds.describe_stream(StreamArn=arn_of(table))["StreamDescription"]["Shards"][0]["ShardId"]
    it = ds.get_shard_iterator(StreamArn=arn_of(table), ShardId=shard, ShardIteratorType="LATEST")
    cloudlet.clock.advance(15 * 60 + 1)
    with pytest.raises(ClientError) as err:
        ds.get_records(ShardIterator=it["ShardIterator"])
    assert err.value.response["Error"]["Code"] == "ExpiredIteratorException"


def test_a_garbled_iterator_is_invalid(ds):
    with pytest.raises(ClientError) as err:
        ds.get_records(ShardIterator="not-an-iterator")
    assert err.value.response["Error"]["Code"] == "ValidationException"


def test_records_older_than_24_hours_are_trimmed(cloudlet, tables, ds):
    table = tables.create("orders")
    tables.write(table, "INSERT", "old", None, item("old"))
    shard = ds.describe_stream(StreamArn=arn_of(table))["StreamDescription"]["Shards"][0]["ShardId"]
    old_seq = records(ds, arn_of(table))[0]["dynamodb"]["SequenceNumber"]
    cloudlet.clock.advance(23 * 3600)
    tables.write(table, "INSERT", "new", None, item("new"))
    cloudlet.clock.advance(3600 + 1)
    cloudlet.settle()
    assert [r["dynamodb"]["Keys"]["pk"]["S"] for r in records(ds, arn_of(table))] == ["new"]
    with pytest.raises(ClientError) as err:
        ds.get_shard_iterator(
            StreamArn=arn_of(table),
            ShardId=shard,
            ShardIteratorType="AT_SEQUENCE_NUMBER",
            SequenceNumber=old_seq,
        )
    assert err.value.response["Error"]["Code"] == "TrimmedDataAccessException"


def test_put_item_through_the_api_records_insert_then_nothing_for_the_same_item(cloudlet, ds):
    ddb = cloudlet.client("dynamodb")
    arn = ddb.create_table(
        TableName="api",
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
        StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"},
    )["TableDescription"]["LatestStreamArn"]
    ddb.put_item(TableName="api", Item=item("a", v="1"))
    ddb.put_item(TableName="api", Item=item("a", v="1"))
    ddb.put_item(TableName="api", Item=item("a", v="2"))
    got = records(ds, arn)
    assert [r["eventName"] for r in got] == ["INSERT", "MODIFY"]
    assert got[1]["dynamodb"]["OldImage"] == item("a", v="1")


def test_binary_values_in_records_come_back_as_bytes(cloudlet: Any) -> None:
    ddb = cloudlet.client("dynamodb")
    ddb.create_table(
        TableName="bin",
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
        StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_IMAGE"},
    )
    ddb.put_item(TableName="bin", Item={"pk": {"S": "a"}, "b": {"B": b"\x01\x02"}})
    client = cloudlet.client("dynamodbstreams")
    arn = ddb.describe_table(TableName="bin")["Table"]["LatestStreamArn"]
    shard = client.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"][0]["ShardId"]
    iterator = client.get_shard_iterator(StreamArn=arn, ShardId=shard, ShardIteratorType="TRIM_HORIZON")
    (record,) = client.get_records(ShardIterator=iterator["ShardIterator"])["Records"]
    assert record["dynamodb"]["NewImage"]["b"] == {"B": b"\x01\x02"}
