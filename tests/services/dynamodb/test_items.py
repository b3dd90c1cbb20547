"""PutItem, GetItem, UpdateItem and DeleteItem through boto3: conditions, return values, key and value
validation, canonical numbers, consumed capacity and index entries."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from boto3.dynamodb.conditions import Attr
from botocore.exceptions import ClientError


def _error(info: Any) -> tuple[str, str]:
    err = info.value.response["Error"]
    return err["Code"], err["Message"]


@pytest.fixture
def simple(make_table: Any) -> str:
    return make_table("simple")


@pytest.fixture
def ranged(make_table: Any) -> str:
    return make_table("ranged", range=("sk", "N"))


def test_put_then_get_returns_the_item(ddb: Any, simple: str) -> None:
    item = {"pk": {"S": "a"}, "n": {"N": "1.50"}, "b": {"B": b"\x00\xff"}, "l": {"L": [{"BOOL": True}]}}
    ddb.put_item(TableName=simple, Item=item)
    got = ddb.get_item(TableName=simple, Key={"pk": {"S": "a"}})["Item"]
    assert got == {"pk": {"S": "a"}, "n": {"N": "1.5"}, "b": {"B": b"\x00\xff"}, "l": {"L": [{"BOOL": True}]}}


def test_get_missing_item_has_no_item_member(ddb: Any, simple: str) -> None:
    assert "Item" not in ddb.get_item(TableName=simple, Key={"pk": {"S": "nope"}})


def test_put_returns_all_old(ddb: Any, simple: str) -> None:
    ddb.put_item(TableName=simple, Item={"pk": {"S": "a"}, "v": {"S": "1"}})
    out = ddb.put_item(TableName=simple, Item={"pk": {"S": "a"}, "v": {"S": "2"}}, ReturnValues="ALL_OLD")
    assert out["Attributes"] == {"pk": {"S": "a"}, "v": {"S": "1"}}


def test_put_rejects_updated_new_return_values(ddb: Any, simple: str) -> None:
    with pytest.raises(ClientError) as info:
        ddb.put_item(TableName=simple, Item={"pk": {"S": "a"}}, ReturnValues="ALL_NEW")
    assert _error(info) == ("ValidationException", "ReturnValues can only be ALL_OLD or NONE")


def test_key_element_must_match_schema(ddb: Any, ranged: str) -> None:
    with pytest.raises(ClientError) as info:
        ddb.get_item(TableName=ranged, Key={"pk": {"S": "a"}})
    assert _error(info) == ("ValidationException", "The provided key element does not match the schema")


def test_empty_string_key_is_rejected(ddb: Any, simple: str) -> None:
    with pytest.raises(ClientError) as info:
        ddb.put_item(TableName=simple, Item={"pk": {"S": ""}})
    assert _error(info)[1] == (
        "One or more parameter values are not valid. The AttributeValue for a key attribute cannot contain an"
        " empty string value. Key: pk"
    )


def test_missing_key_attribute_in_item(ddb: Any, ranged: str) -> None:
    with pytest.raises(ClientError) as info:
        ddb.put_item(TableName=ranged, Item={"pk": {"S": "a"}})
    assert _error(info)[1] == "One or more parameter values were invalid: Missing the key sk in the item"


def test_wrong_key_type_in_item(ddb: Any, ranged: str) -> None:
    with pytest.raises(ClientError) as info:
        ddb.put_item(TableName=ranged, Item={"pk": {"S": "a"}, "sk": {"S": "x"}})
    assert _error(info)[1] == (
        "One or more parameter values were invalid: Type mismatch for key sk expected: N actual: S"
    )


def test_empty_set_is_rejected(ddb: Any, simple: str) -> None:
    with pytest.raises(ClientError) as info:
        ddb.put_item(TableName=simple, Item={"pk": {"S": "a"}, "s": {"SS": []}})
    assert _error(info)[1] == "One or more parameter values were invalid: An string set  may not be empty"


def test_item_over_400_kb_is_rejected(ddb: Any, simple: str) -> None:
    with pytest.raises(ClientError) as info:
        ddb.put_item(TableName=simple, Item={"pk": {"S": "a"}, "big": {"S": "x" * (400 * 1024)}})
    assert _error(info) == ("ValidationException", "Item size has exceeded the maximum allowed size")


def test_number_with_39_digits_is_rejected(ddb: Any, simple: str) -> None:
    with pytest.raises(ClientError) as info:
        ddb.put_item(TableName=simple, Item={"pk": {"S": "a"}, "n": {"N": "1" * 39}})
    assert _error(info)[1] == "Attempting to store more than 38 significant digits in a Number"


def test_condition_failure_returns_old_item_when_asked(ddb: Any, simple: str) -> None:
    ddb.put_item(TableName=simple, Item={"pk": {"S": "a"}, "v": {"N": "1"}})
    with pytest.raises(ClientError) as info:
        ddb.put_item(
            TableName=simple,
            Item={"pk": {"S": "a"}},
            ConditionExpression="attribute_not_exists(pk)",
            ReturnValuesOnConditionCheckFailure="ALL_OLD",
        )
    assert _error(info) == ("ConditionalCheckFailedException", "The conditional request failed")
    assert info.value.response["Item"] == {"pk": {"S": "a"}, "v": {"N": "1"}}


def test_legacy_expected_guards_a_put(ddb: Any, simple: str) -> None:
    ddb.put_item(TableName=simple, Item={"pk": {"S": "a"}, "v": {"N": "1"}})
    with pytest.raises(ClientError) as info:
        ddb.put_item(TableName=simple, Item={"pk": {"S": "a"}}, Expected={"v": {"Value": {"N": "2"}}})
    assert _error(info)[0] == "ConditionalCheckFailedException"
    ddb.put_item(TableName=simple, Item={"pk": {"S": "a"}}, Expected={"v": {"Value": {"N": "1.0"}}})


def test_mixing_expression_and_legacy_parameters_is_rejected(ddb: Any, simple: str) -> None:
    with pytest.raises(ClientError) as info:
        ddb.get_item(
            TableName=simple, Key={"pk": {"S": "a"}}, AttributesToGet=["a"], ProjectionExpression="b"
        )
    assert _error(info)[1] == (
        "Can not use both expression and non-expression parameters in the same request: Non-expression"
        " parameters: {AttributesToGet} Expression parameters: {ProjectionExpression}"
    )


def test_get_with_projection_expression(ddb: Any, simple: str) -> None:
    ddb.put_item(TableName=simple, Item={"pk": {"S": "a"}, "x": {"N": "1"}, "y": {"N": "2"}})
    got = ddb.get_item(
        TableName=simple,
        Key={"pk": {"S": "a"}},
        ProjectionExpression="#x",
        ExpressionAttributeNames={"#x": "x"},
    )
    assert got["Item"] == {"x": {"N": "1"}}


def test_get_with_attributes_to_get(ddb: Any, simple: str) -> None:
    ddb.put_item(TableName=simple, Item={"pk": {"S": "a"}, "x": {"N": "1"}, "y": {"N": "2"}})
    got = ddb.get_item(TableName=simple, Key={"pk": {"S": "a"}}, AttributesToGet=["y"])
    assert got["Item"] == {"y": {"N": "2"}}


def test_update_expression_creates_and_returns_updated_new(ddb: Any, simple: str) -> None:
    out = ddb.update_item(
        TableName=simple,
        Key={"pk": {"S": "a"}},
        UpdateExpression="SET c = :one, d = :two",
        ExpressionAttributeValues={":one": {"N": "1"}, ":two": {"S": "x"}},
        ReturnValues="UPDATED_NEW",
    )
    assert out["Attributes"] == {"c": {"N": "1"}, "d": {"S": "x"}}


def test_update_returns_updated_old(ddb: Any, simple: str) -> None:
    ddb.put_item(TableName=simple, Item={"pk": {"S": "a"}, "c": {"N": "1"}, "z": {"N": "9"}})
    out = ddb.update_item(
        TableName=simple,
        Key={"pk": {"S": "a"}},
        UpdateExpression="SET c = c + :one",
        ExpressionAttributeValues={":one": {"N": "1"}},
        ReturnValues="UPDATED_OLD",
    )
    assert out["Attributes"] == {"c": {"N": "1"}}


def test_update_cannot_change_a_key_attribute(ddb: Any, simple: str) -> None:
    with pytest.raises(ClientError) as info:
        ddb.update_item(
            TableName=simple,
            Key={"pk": {"S": "a"}},
            UpdateExpression="SET pk = :v",
            ExpressionAttributeValues={":v": {"S": "b"}},
        )
    assert _error(info)[0] == "ValidationException"
    assert "pk" in _error(info)[1]


def test_legacy_attribute_updates_add_to_number_and_set(ddb: Any, simple: str) -> None:
    ddb.put_item(TableName=simple, Item={"pk": {"S": "a"}, "n": {"N": "1"}, "s": {"SS": ["x"]}})
    out = ddb.update_item(
        TableName=simple,
        Key={"pk": {"S": "a"}},
        AttributeUpdates={
            "n": {"Action": "ADD", "Value": {"N": "2"}},
            "s": {"Action": "ADD", "Value": {"SS": ["y"]}},
        },
        ReturnValues="ALL_NEW",
    )
    assert out["Attributes"]["n"] == {"N": "3"}
    assert sorted(out["Attributes"]["s"]["SS"]) == ["x", "y"]


def test_delete_with_condition_and_all_old(ddb: Any, simple: str) -> None:
    ddb.put_item(TableName=simple, Item={"pk": {"S": "a"}, "v": {"N": "1"}})
    out = ddb.delete_item(
        TableName=simple,
        Key={"pk": {"S": "a"}},
        ConditionExpression="v = :one",
        ExpressionAttributeValues={":one": {"N": "1"}},
        ReturnValues="ALL_OLD",
    )
    assert out["Attributes"] == {"pk": {"S": "a"}, "v": {"N": "1"}}
    assert "Item" not in ddb.get_item(TableName=simple, Key={"pk": {"S": "a"}})


def test_write_capacity_is_one_unit_per_kb(ddb: Any, simple: str) -> None:
    out = ddb.put_item(
        TableName=simple, Item={"pk": {"S": "a"}, "x": {"S": "x" * 1500}}, ReturnConsumedCapacity="TOTAL"
    )
    assert out["ConsumedCapacity"] == {"TableName": simple, "CapacityUnits": 2.0}


def test_eventually_consistent_read_is_half_a_unit(ddb: Any, simple: str) -> None:
    ddb.put_item(TableName=simple, Item={"pk": {"S": "a"}})
    out = ddb.get_item(TableName=simple, Key={"pk": {"S": "a"}}, ReturnConsumedCapacity="TOTAL")
    assert out["ConsumedCapacity"]["CapacityUnits"] == 0.5
    out = ddb.get_item(
        TableName=simple, Key={"pk": {"S": "a"}}, ReturnConsumedCapacity="TOTAL", ConsistentRead=True
    )
    assert out["ConsumedCapacity"]["CapacityUnits"] == 1.0


def test_gsi_key_type_mismatch_rejects_the_write(ddb: Any, make_table: Any) -> None:
    name = make_table(
        "gsi",
        AttributeDefinitions=[{"AttributeName": "g", "AttributeType": "S"}],
        GlobalSecondaryIndexes=[
            {
                "IndexName": "byg",
                "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}],
                "Projection": {"ProjectionType": "ALL"},
            }
        ],
    )
    with pytest.raises(ClientError) as info:
        ddb.put_item(TableName=name, Item={"pk": {"S": "a"}, "g": {"N": "1"}})
    assert _error(info)[1] == (
        "One or more parameter values were invalid: Type mismatch for Index Key g Expected: S Actual: N"
        " IndexName: byg"
    )


def test_resource_table_with_attr_condition(resource: Any, simple: str) -> None:
    table = resource.Table(simple)
    table.put_item(Item={"pk": "a", "n": Decimal("5")})
    table.put_item(Item={"pk": "a", "n": Decimal("6")}, ConditionExpression=Attr("n").lt(6))
    assert table.get_item(Key={"pk": "a"})["Item"] == {"pk": "a", "n": Decimal("6")}


def test_writes_hand_records_to_the_stream(ddb: Any, make_table: Any) -> None:
    name = make_table(
        "streamed", StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"}
    )
    ddb.put_item(TableName=name, Item={"pk": {"S": "a"}, "v": {"N": "1"}})
    ddb.update_item(
        TableName=name,
        Key={"pk": {"S": "a"}},
        UpdateExpression="SET v = :two",
        ExpressionAttributeValues={":two": {"N": "2"}},
    )
    ddb.delete_item(TableName=name, Key={"pk": {"S": "a"}})
    ddb.delete_item(TableName=name, Key={"pk": {"S": "absent"}})  # deletes nothing: no record
    streams = boto3_streams(ddb)
    arn = ddb.describe_table(TableName=name)["Table"]["LatestStreamArn"]
    shard = streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"][0]["ShardId"]
    iterator = streams.get_shard_iterator(StreamArn=arn, ShardId=shard, ShardIteratorType="TRIM_HORIZON")
    records = streams.get_records(ShardIterator=iterator["ShardIterator"])["Records"]
    assert [r["eventName"] for r in records] == ["INSERT", "MODIFY", "REMOVE"]
    assert records[1]["dynamodb"]["OldImage"]["v"] == {"N": "1"}


def boto3_streams(ddb: Any) -> Any:
    import boto3

    return boto3.client(
        "dynamodbstreams",
        endpoint_url=ddb.meta.endpoint_url,
        region_name="us-east-1",
        aws_access_key_id="test",
        aws_secret_access_key="test",
    )


def test_expired_items_are_deleted_by_ttl(cloudlet: Any, ddb: Any, simple: str) -> None:
    ddb.update_time_to_live(
        TableName=simple, TimeToLiveSpecification={"Enabled": True, "AttributeName": "exp"}
    )
    now = int(cloudlet.clock.now())
    ddb.put_item(TableName=simple, Item={"pk": {"S": "a"}, "exp": {"N": str(now + 60)}})
    cloudlet.clock.advance(61)
    cloudlet.settle()
    assert "Item" not in ddb.get_item(TableName=simple, Key={"pk": {"S": "a"}})


def test_setting_a_key_attribute_to_its_own_value_is_refused(ddb: Any, make_table: Any) -> None:
    make_table("keys")
    ddb.put_item(TableName="keys", Item={"pk": {"S": "a"}})
    with pytest.raises(ClientError) as exc:
        ddb.update_item(
            TableName="keys",
            Key={"pk": {"S": "a"}},
            UpdateExpression="SET pk = :same",
            ExpressionAttributeValues={":same": {"S": "a"}},
        )
    error = exc.value.response["Error"]
    assert error["Code"] == "ValidationException"
    assert "Cannot update attribute pk. This attribute is part of the key" in error["Message"]
