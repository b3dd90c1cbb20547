"""BatchGetItem and BatchWriteItem through boto3."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError


def _error(info: Any) -> tuple[str, str]:
    err = info.value.response["Error"]
    return err["Code"], err["Message"]


@pytest.fixture
def pair(make_table: Any) -> tuple[str, str]:
    return make_table("one"), make_table("two", hash=("id", "N"))


def test_batch_write_puts_and_deletes_across_tables(ddb: Any, pair: tuple[str, str]) -> None:
    one, two = pair
    ddb.put_item(TableName=two, Item={"id": {"N": "9"}})
    out = ddb.batch_write_item(
        RequestItems={
            one: [{"PutRequest": {"Item": {"pk": {"S": f"k{i}"}}}} for i in range(3)],
            two: [{"DeleteRequest": {"Key": {"id": {"N": "9"}}}}],
        }
    )
    assert out["UnprocessedItems"] == {}
    assert ddb.scan(TableName=one)["Count"] == 3
    assert ddb.scan(TableName=two)["Count"] == 0


def test_batch_write_rejects_duplicate_keys(ddb: Any, pair: tuple[str, str]) -> None:
    one, _ = pair
    with pytest.raises(ClientError) as info:
        ddb.batch_write_item(
            RequestItems={
                one: [
                    {"PutRequest": {"Item": {"pk": {"S": "a"}}}},
                    {"DeleteRequest": {"Key": {"pk": {"S": "a"}}}},
                ]
            }
        )
    assert _error(info) == ("ValidationException", "Provided list of item keys contains duplicates")


def test_batch_write_rejects_more_than_25_across_tables(ddb: Any, pair: tuple[str, str]) -> None:
    one, two = pair
    with pytest.raises(ClientError) as info:
        ddb.batch_write_item(
            RequestItems={
                one: [{"PutRequest": {"Item": {"pk": {"S": f"k{i}"}}}} for i in range(13)],
                two: [{"PutRequest": {"Item": {"id": {"N": str(i)}}}} for i in range(13)],
            }
        )
    assert _error(info) == ("ValidationException", "Too many items requested for the BatchWriteItem call")


def test_invalid_entry_writes_nothing(ddb: Any, pair: tuple[str, str]) -> None:
    one, _ = pair
    with pytest.raises(ClientError):
        ddb.batch_write_item(
            RequestItems={one: [{"PutRequest": {"Item": {"pk": {"S": "a"}}}}, {"PutRequest": {"Item": {}}}]}
        )
    assert ddb.scan(TableName=one)["Count"] == 0


def test_batch_get_returns_found_items_with_projection(ddb: Any, pair: tuple[str, str]) -> None:
    one, two = pair
    ddb.put_item(TableName=one, Item={"pk": {"S": "a"}, "x": {"N": "1"}})
    ddb.put_item(TableName=two, Item={"id": {"N": "1"}, "y": {"S": "z"}})
    out = ddb.batch_get_item(
        RequestItems={
            one: {"Keys": [{"pk": {"S": "a"}}, {"pk": {"S": "missing"}}], "ProjectionExpression": "x"},
            two: {"Keys": [{"id": {"N": "1"}}]},
        },
        ReturnConsumedCapacity="TOTAL",
    )
    assert out["Responses"][one] == [{"x": {"N": "1"}}]
    assert out["Responses"][two] == [{"id": {"N": "1"}, "y": {"S": "z"}}]
    assert out["UnprocessedKeys"] == {}
    assert {c["TableName"] for c in out["ConsumedCapacity"]} == {one, two}


def test_batch_get_rejects_duplicate_keys(ddb: Any, pair: tuple[str, str]) -> None:
    one, _ = pair
    with pytest.raises(ClientError) as info:
        ddb.batch_get_item(RequestItems={one: {"Keys": [{"pk": {"S": "a"}}, {"pk": {"S": "a"}}]}})
    assert _error(info) == ("ValidationException", "Provided list of item keys contains duplicates")


def test_batch_get_rejects_more_than_100_keys(ddb: Any, pair: tuple[str, str]) -> None:
    one, two = pair
    with pytest.raises(ClientError) as info:
        ddb.batch_get_item(
            RequestItems={
                one: {"Keys": [{"pk": {"S": f"k{i}"}} for i in range(60)]},
                two: {"Keys": [{"id": {"N": str(i)}} for i in range(60)]},
            }
        )
    assert _error(info) == ("ValidationException", "Too many items requested for the BatchGetItem call")


def test_batch_on_missing_table_is_resource_not_found(ddb: Any) -> None:
    with pytest.raises(ClientError) as info:
        ddb.batch_get_item(RequestItems={"nope": {"Keys": [{"pk": {"S": "a"}}]}})
    assert _error(info) == ("ResourceNotFoundException", "Requested resource not found")


def test_resource_batch_writer(resource: Any, pair: tuple[str, str]) -> None:
    table = resource.Table(pair[0])
    with table.batch_writer() as writer:
        for i in range(30):
            writer.put_item(Item={"pk": f"k{i}", "n": i})
    assert table.scan(Select="COUNT")["Count"] == 30
