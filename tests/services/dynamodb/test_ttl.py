"""Time to Live through boto3: UpdateTimeToLive / DescribeTimeToLive rules, and expiry by durable timers on
the virtual clock (REMOVE stream records by the DynamoDB service)."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError


def enable(ddb: Any, attribute: str = "expires") -> dict[str, Any]:
    spec = {"Enabled": True, "AttributeName": attribute}
    return ddb.update_time_to_live(TableName="t", TimeToLiveSpecification=spec)


def message(exc: pytest.ExceptionInfo[ClientError]) -> tuple[str, str]:
    return exc.value.response["Error"]["Code"], exc.value.response["Error"]["Message"]


def test_ttl_is_disabled_on_a_new_table(ddb: Any, make_table: Any) -> None:
    make_table("t")
    assert ddb.describe_time_to_live(TableName="t")["TimeToLiveDescription"] == {
        "TimeToLiveStatus": "DISABLED"
    }


def test_enable_echoes_the_specification_and_describe_says_enabled(ddb: Any, make_table: Any) -> None:
    make_table("t")
    answer = enable(ddb)
    assert answer["TimeToLiveSpecification"] == {"Enabled": True, "AttributeName": "expires"}
    description = ddb.describe_time_to_live(TableName="t")["TimeToLiveDescription"]
    assert description == {"TimeToLiveStatus": "ENABLED", "AttributeName": "expires"}


def test_enabling_twice_is_rejected(ddb: Any, make_table: Any) -> None:
    make_table("t")
    enable(ddb)
    with pytest.raises(ClientError) as exc:
        enable(ddb)
    assert message(exc) == ("ValidationException", "TimeToLive is already enabled")


def test_enabling_another_attribute_is_rejected(ddb: Any, make_table: Any) -> None:
    make_table("t")
    enable(ddb)
    with pytest.raises(ClientError) as exc:
        enable(ddb, "other")
    assert message(exc) == (
        "ValidationException",
        "TimeToLive is active on a different AttributeName: current AttributeName is expires",
    )


def test_disabling_when_disabled_is_rejected(ddb: Any, make_table: Any) -> None:
    make_table("t")
    with pytest.raises(ClientError) as exc:
        ddb.update_time_to_live(
            TableName="t", TimeToLiveSpecification={"Enabled": False, "AttributeName": "x"}
        )
    assert message(exc) == ("ValidationException", "TimeToLive is already disabled")


def test_ttl_of_missing_table_is_resource_not_found(ddb: Any) -> None:
    with pytest.raises(ClientError) as exc:
        ddb.describe_time_to_live(TableName="nope")
    assert message(exc)[0] == "ResourceNotFoundException"


def test_expired_item_is_readable_until_the_clock_passes_its_expiry(
    cloudlet: Any, ddb: Any, make_table: Any
) -> None:
    make_table("t")
    now = int(cloudlet.clock.now())
    ddb.put_item(TableName="t", Item={"pk": {"S": "a"}, "expires": {"N": str(now + 60)}})
    enable(ddb)
    cloudlet.clock.advance(30)
    cloudlet.settle()
    assert "Item" in ddb.get_item(TableName="t", Key={"pk": {"S": "a"}})


def test_item_is_deleted_once_its_expiry_passes(cloudlet: Any, ddb: Any, make_table: Any) -> None:
    make_table("t")
    now = int(cloudlet.clock.now())
    ddb.put_item(TableName="t", Item={"pk": {"S": "a"}, "expires": {"N": str(now + 60)}})
    ddb.put_item(TableName="t", Item={"pk": {"S": "b"}, "expires": {"N": str(now + 600)}})
    ddb.put_item(TableName="t", Item={"pk": {"S": "c"}, "expires": {"S": "not a number"}})
    enable(ddb)
    cloudlet.clock.advance(61)
    cloudlet.settle()
    keys = sorted(item["pk"]["S"] for item in ddb.scan(TableName="t")["Items"])
    assert keys == ["b", "c"]


def test_timer_follows_to_the_next_expiry(cloudlet: Any, ddb: Any, make_table: Any) -> None:
    make_table("t")
    now = int(cloudlet.clock.now())
    for key, offset in (("a", 10), ("b", 100)):
        ddb.put_item(TableName="t", Item={"pk": {"S": key}, "expires": {"N": str(now + offset)}})
    enable(ddb)
    cloudlet.clock.advance(11)
    cloudlet.settle()
    cloudlet.clock.advance(90)
    cloudlet.settle()
    assert ddb.scan(TableName="t")["Count"] == 0


def test_items_older_than_five_years_are_not_deleted(cloudlet: Any, ddb: Any, make_table: Any) -> None:
    make_table("t")
    ancient = int(cloudlet.clock.now()) - 6 * 365 * 24 * 3600
    ddb.put_item(TableName="t", Item={"pk": {"S": "a"}, "expires": {"N": str(ancient)}})
    enable(ddb)
    cloudlet.clock.advance(1)
    cloudlet.settle()
    assert ddb.scan(TableName="t")["Count"] == 1


def test_disabled_ttl_deletes_nothing(cloudlet: Any, ddb: Any, make_table: Any) -> None:
    make_table("t")
    now = int(cloudlet.clock.now())
    ddb.put_item(TableName="t", Item={"pk": {"S": "a"}, "expires": {"N": str(now + 10)}})
    enable(ddb)
    ddb.update_time_to_live(
        TableName="t", TimeToLiveSpecification={"Enabled": False, "AttributeName": "expires"}
    )
    cloudlet.clock.advance(11)
    cloudlet.settle()
    assert ddb.scan(TableName="t")["Count"] == 1


def test_expiry_survives_a_restart(cloudlet: Any, ddb: Any, make_table: Any) -> None:
    make_table("t")
    now = int(cloudlet.clock.now())
    ddb.put_item(TableName="t", Item={"pk": {"S": "a"}, "expires": {"N": str(now + 10)}})
    enable(ddb)
    cloudlet.restart()
    cloudlet.clock.advance(11)
    cloudlet.settle()
    assert cloudlet.client("dynamodb").scan(TableName="t")["Count"] == 0


def test_ttl_deletion_is_a_service_remove_record(cloudlet: Any, ddb: Any, make_table: Any) -> None:
    make_table("t", StreamSpecification={"StreamEnabled": True, "StreamViewType": "OLD_IMAGE"})
    now = int(cloudlet.clock.now())
    ddb.put_item(TableName="t", Item={"pk": {"S": "a"}, "expires": {"N": str(now + 10)}})
    enable(ddb)
    cloudlet.clock.advance(11)
    cloudlet.settle()
    streams = cloudlet.client("dynamodbstreams")
    arn = ddb.describe_table(TableName="t")["Table"]["LatestStreamArn"]
    shard = streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"][0]["ShardId"]
    iterator = streams.get_shard_iterator(StreamArn=arn, ShardId=shard, ShardIteratorType="TRIM_HORIZON")
    records = streams.get_records(ShardIterator=iterator["ShardIterator"])["Records"]
    remove = records[-1]
    assert remove["eventName"] == "REMOVE"
    assert remove["userIdentity"] == {"Type": "Service", "PrincipalId": "dynamodb.amazonaws.com"}
    assert remove["dynamodb"]["OldImage"]["pk"] == {"S": "a"}


def test_item_written_after_enabling_expires(cloudlet: Any, ddb: Any, make_table: Any) -> None:
    make_table("t")
    enable(ddb)
    now = int(cloudlet.clock.now())
    ddb.put_item(TableName="t", Item={"pk": {"S": "a"}, "expires": {"N": str(now + 10)}})
    cloudlet.clock.advance(11)
    cloudlet.settle()
    assert ddb.scan(TableName="t")["Count"] == 0
