"""Query and Scan through boto3: key conditions, direction, paging, filters, Select, indexes and
parallel scan segments."""

from __future__ import annotations

from typing import Any

import pytest
from boto3.dynamodb.conditions import Attr, Key
from botocore.exceptions import ClientError


def _error(info: Any) -> tuple[str, str]:
    err = info.value.response["Error"]
    return err["Code"], err["Message"]


@pytest.fixture
def orders(ddb: Any, make_table: Any) -> str:
    """pk S / sk N, a GSI on (status, total) projecting KEYS_ONLY and an LSI on (pk, day)."""
    name = make_table(
        "orders",
        range=("sk", "N"),
        AttributeDefinitions=[
            {"AttributeName": "status", "AttributeType": "S"},
            {"AttributeName": "total", "AttributeType": "N"},
            {"AttributeName": "day", "AttributeType": "S"},
        ],
        GlobalSecondaryIndexes=[
            {
                "IndexName": "by_status",
                "KeySchema": [
                    {"AttributeName": "status", "KeyType": "HASH"},
                    {"AttributeName": "total", "KeyType": "RANGE"},
                ],
                "Projection": {"ProjectionType": "KEYS_ONLY"},
            }
        ],
        LocalSecondaryIndexes=[
            {
                "IndexName": "by_day",
                "KeySchema": [
                    {"AttributeName": "pk", "KeyType": "HASH"},
                    {"AttributeName": "day", "KeyType": "RANGE"},
                ],
                "Projection": {"ProjectionType": "KEYS_ONLY"},
            }
        ],
    )
    for i in range(10):
        item = {"pk": {"S": "u1"}, "sk": {"N": str(i)}, "total": {"N": str(100 - i)}, "note": {"S": f"n{i}"}}
        if i % 2 == 0:
            item["status"] = {"S": "open"}
        item["day"] = {"S": f"2024-01-{10 - i:02d}"}
        ddb.put_item(TableName=name, Item=item)
    ddb.put_item(TableName=name, Item={"pk": {"S": "u2"}, "sk": {"N": "1"}})
    return name


def _sks(out: dict[str, Any]) -> list[int]:
    return [int(item["sk"]["N"]) for item in out["Items"]]


def test_query_sort_key_range_in_order(ddb: Any, orders: str) -> None:
    out = ddb.query(
        TableName=orders,
        KeyConditionExpression="pk = :p AND sk BETWEEN :a AND :b",
        ExpressionAttributeValues={":p": {"S": "u1"}, ":a": {"N": "3"}, ":b": {"N": "6"}},
    )
    assert _sks(out) == [3, 4, 5, 6]
    assert out["Count"] == out["ScannedCount"] == 4


def test_query_backwards(ddb: Any, orders: str) -> None:
    out = ddb.query(
        TableName=orders,
        KeyConditionExpression="pk = :p AND sk < :a",
        ExpressionAttributeValues={":p": {"S": "u1"}, ":a": {"N": "3"}},
        ScanIndexForward=False,
    )
    assert _sks(out) == [2, 1, 0]


def test_query_pages_with_limit(ddb: Any, orders: str) -> None:
    seen: list[int] = []
    kwargs: dict[str, Any] = {}
    while True:
        out = ddb.query(
            TableName=orders,
            KeyConditionExpression="pk = :p",
            ExpressionAttributeValues={":p": {"S": "u1"}},
            Limit=3,
            **kwargs,
        )
        seen += _sks(out)
        if "LastEvaluatedKey" not in out:
            break
        kwargs["ExclusiveStartKey"] = out["LastEvaluatedKey"]
    assert seen == list(range(10))


def test_filter_counts_scanned_items(ddb: Any, orders: str) -> None:
    out = ddb.query(
        TableName=orders,
        KeyConditionExpression="pk = :p",
        FilterExpression="attribute_exists(#s)",
        ExpressionAttributeNames={"#s": "status"},
        ExpressionAttributeValues={":p": {"S": "u1"}},
    )
    assert out["Count"] == 5
    assert out["ScannedCount"] == 10


def test_select_count_returns_no_items(ddb: Any, orders: str) -> None:
    out = ddb.query(
        TableName=orders,
        KeyConditionExpression="pk = :p",
        ExpressionAttributeValues={":p": {"S": "u1"}},
        Select="COUNT",
    )
    assert "Items" not in out
    assert out["Count"] == 10


def test_legacy_key_conditions_and_query_filter(ddb: Any, orders: str) -> None:
    out = ddb.query(
        TableName=orders,
        KeyConditions={
            "pk": {"ComparisonOperator": "EQ", "AttributeValueList": [{"S": "u1"}]},
            "sk": {"ComparisonOperator": "GE", "AttributeValueList": [{"N": "7"}]},
        },
        QueryFilter={"note": {"ComparisonOperator": "NE", "AttributeValueList": [{"S": "n8"}]}},
    )
    assert _sks(out) == [7, 9]


def test_query_gsi_is_sparse_and_ordered_by_index_key(ddb: Any, orders: str) -> None:
    out = ddb.query(
        TableName=orders,
        IndexName="by_status",
        KeyConditionExpression="#s = :o",
        ExpressionAttributeNames={"#s": "status"},
        ExpressionAttributeValues={":o": {"S": "open"}},
    )
    assert [int(i["total"]["N"]) for i in out["Items"]] == [92, 94, 96, 98, 100]
    assert set(out["Items"][0]) == {"pk", "sk", "status", "total"}


def test_gsi_pages_carry_index_keys(ddb: Any, orders: str) -> None:
    out = ddb.query(
        TableName=orders,
        IndexName="by_status",
        KeyConditionExpression="#s = :o",
        ExpressionAttributeNames={"#s": "status"},
        ExpressionAttributeValues={":o": {"S": "open"}},
        Limit=2,
    )
    assert set(out["LastEvaluatedKey"]) == {"pk", "sk", "status", "total"}
    rest = ddb.query(
        TableName=orders,
        IndexName="by_status",
        KeyConditionExpression="#s = :o",
        ExpressionAttributeNames={"#s": "status"},
        ExpressionAttributeValues={":o": {"S": "open"}},
        ExclusiveStartKey=out["LastEvaluatedKey"],
    )
    assert [int(i["total"]["N"]) for i in rest["Items"]] == [96, 98, 100]


def test_select_all_attributes_on_keys_only_gsi_is_rejected(ddb: Any, orders: str) -> None:
    with pytest.raises(ClientError) as info:
        ddb.query(
            TableName=orders,
            IndexName="by_status",
            KeyConditionExpression="#s = :o",
            ExpressionAttributeNames={"#s": "status"},
            ExpressionAttributeValues={":o": {"S": "open"}},
            Select="ALL_ATTRIBUTES",
        )
    assert _error(info)[1] == (
        "One or more parameter values were invalid: Select type ALL_ATTRIBUTES is not supported for global"
        " secondary index by_status because its projection type is not ALL"
    )


def test_lsi_fetches_unprojected_attributes_from_the_table(ddb: Any, orders: str) -> None:
    out = ddb.query(
        TableName=orders,
        IndexName="by_day",
        KeyConditionExpression="pk = :p AND #d > :d",
        ExpressionAttributeNames={"#d": "day"},
        ExpressionAttributeValues={":p": {"S": "u1"}, ":d": {"S": "2024-01-08"}},
        Select="ALL_ATTRIBUTES",
    )
    assert [i["note"]["S"] for i in out["Items"]] == ["n1", "n0"]


def test_index_follows_updates_and_deletes(ddb: Any, orders: str) -> None:
    ddb.update_item(
        TableName=orders,
        Key={"pk": {"S": "u1"}, "sk": {"N": "0"}},
        UpdateExpression="REMOVE #s",
        ExpressionAttributeNames={"#s": "status"},
    )
    ddb.delete_item(TableName=orders, Key={"pk": {"S": "u1"}, "sk": {"N": "2"}})
    out = ddb.scan(TableName=orders, IndexName="by_status")
    assert sorted(int(i["sk"]["N"]) for i in out["Items"]) == [4, 6, 8]


def test_unknown_index_is_rejected(ddb: Any, orders: str) -> None:
    with pytest.raises(ClientError) as info:
        ddb.scan(TableName=orders, IndexName="nope")
    assert _error(info)[1] == "The table does not have the specified index: nope"


def test_query_needs_a_key_condition(ddb: Any, orders: str) -> None:
    with pytest.raises(ClientError) as info:
        ddb.query(TableName=orders)
    assert _error(info)[1] == (
        "Either the KeyConditions or KeyConditionExpression parameter must be specified in the request."
    )


def test_parallel_scan_segments_partition_the_table(ddb: Any, orders: str) -> None:
    keys: list[tuple[str, str]] = []
    for segment in range(3):
        out = ddb.scan(TableName=orders, Segment=segment, TotalSegments=3)
        keys += [(i["pk"]["S"], i["sk"]["N"]) for i in out["Items"]]
    assert len(keys) == len(set(keys)) == 11


def test_segment_must_be_below_total(ddb: Any, orders: str) -> None:
    with pytest.raises(ClientError) as info:
        ddb.scan(TableName=orders, Segment=2, TotalSegments=2)
    assert _error(info)[1] == (
        "The Segment parameter is zero-based and must be less than parameter TotalSegments: Segment: 2 is not"
        " less than TotalSegments: 2"
    )


def test_scan_filter_and_projection_with_resource(resource: Any, orders: str) -> None:
    table = resource.Table(orders)
    out = table.scan(FilterExpression=Attr("total").gte(98), ProjectionExpression="note")
    assert sorted(i["note"] for i in out["Items"]) == ["n0", "n1", "n2"]


def test_resource_query_begins_with(resource: Any, make_table: Any) -> None:
    name = make_table("words", range=("w", "S"))
    table = resource.Table(name)
    for word in ["apple", "apply", "apricot", "banana", "ap"]:
        table.put_item(Item={"pk": "x", "w": word})
    out = table.query(KeyConditionExpression=Key("pk").eq("x") & Key("w").begins_with("app"))
    assert [i["w"] for i in out["Items"]] == ["apple", "apply"]


def test_page_stops_at_one_megabyte(ddb: Any, make_table: Any) -> None:
    name = make_table("big", range=("sk", "N"))
    for i in range(4):
        ddb.put_item(TableName=name, Item={"pk": {"S": "a"}, "sk": {"N": str(i)}, "x": {"S": "x" * 350_000}})
    out = ddb.query(
        TableName=name, KeyConditionExpression="pk = :p", ExpressionAttributeValues={":p": {"S": "a"}}
    )
    assert out["Count"] == 3
    assert out["LastEvaluatedKey"] == {"pk": {"S": "a"}, "sk": {"N": "2"}}


def test_gsi_added_later_is_backfilled(ddb: Any, make_table: Any) -> None:
    name = make_table("later")
    ddb.put_item(TableName=name, Item={"pk": {"S": "a"}, "g": {"S": "x"}})
    ddb.put_item(TableName=name, Item={"pk": {"S": "b"}, "g": {"N": "1"}})  # wrong type: left out
    ddb.update_table(
        TableName=name,
        AttributeDefinitions=[{"AttributeName": "g", "AttributeType": "S"}],
        GlobalSecondaryIndexUpdates=[
            {
                "Create": {
                    "IndexName": "byg",
                    "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}],
                    "Projection": {"ProjectionType": "ALL"},
                }
            }
        ],
    )
    out = ddb.query(
        TableName=name,
        IndexName="byg",
        KeyConditionExpression="g = :x",
        ExpressionAttributeValues={":x": {"S": "x"}},
    )
    assert out["Items"] == [{"pk": {"S": "a"}, "g": {"S": "x"}}]


def test_consistent_read_on_gsi_is_rejected(ddb: Any, orders: str) -> None:
    with pytest.raises(ClientError) as info:
        ddb.scan(TableName=orders, IndexName="by_status", ConsistentRead=True)
    assert _error(info)[1] == "Consistent reads are not supported on global secondary indexes"


def test_index_capacity_is_reported_per_index(ddb: Any, orders: str) -> None:
    out = ddb.put_item(
        TableName=orders,
        Item={"pk": {"S": "u3"}, "sk": {"N": "1"}, "status": {"S": "open"}, "total": {"N": "1"}},
        ReturnConsumedCapacity="INDEXES",
    )
    capacity = out["ConsumedCapacity"]
    assert capacity["Table"] == {"CapacityUnits": 1.0}
    assert capacity["GlobalSecondaryIndexes"] == {"by_status": {"CapacityUnits": 1.0}}
    assert capacity["CapacityUnits"] == 2.0


def test_all_projected_attributes_needs_an_index(ddb: Any, orders: str) -> None:
    with pytest.raises(ClientError) as info:
        ddb.scan(TableName=orders, Select="ALL_PROJECTED_ATTRIBUTES")
    assert _error(info)[1] == "ALL_PROJECTED_ATTRIBUTES can be used only when Querying using an IndexName"
