"""The throttling switch (`/_cloudlet/dynamodb/throttle`): a table answering
ProvisionedThroughputExceededException, batches returning its requests unprocessed, and boto3's retries
recovering once the switch runs out."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Any

import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from tests.services.dynamodb.conftest import MakeTable

MESSAGE = (
    "The level of configured provisioned throughput for the table was exceeded. Consider increasing your"
    " provisioning level with the UpdateTable API."
)


def _call(cloudlet: Any, method: str, body: dict[str, Any] | None = None, query: str = "") -> Any:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(
        f"{cloudlet.endpoint}/_cloudlet/dynamodb/throttle{query}", data=data, method=method
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())


def throttle(cloudlet: Any, table: str, **fields: Any) -> Any:
    return _call(cloudlet, "POST", {"table": table, **fields})


@pytest.fixture
def ddb(cloudlet: Any) -> Any:
    """A client that sends each request once (`max_attempts` counts retries; this counts attempts)."""
    return cloudlet.client("dynamodb", config=Config(retries={"total_max_attempts": 1, "mode": "standard"}))


def _item(pk: str) -> dict[str, Any]:
    return {"pk": {"S": pk}}


def _error(exc: pytest.ExceptionInfo[ClientError]) -> tuple[str, int, str]:
    response = exc.value.response
    return (
        response["Error"]["Code"],
        response["ResponseMetadata"]["HTTPStatusCode"],
        response["Error"]["Message"],
    )


def test_throttled_table_answers_provisioned_throughput_exceeded(
    cloudlet: Any, ddb: Any, make_table: MakeTable
) -> None:
    make_table("orders")
    throttle(cloudlet, "orders")
    with pytest.raises(ClientError) as exc:
        ddb.put_item(TableName="orders", Item=_item("a"))
    assert _error(exc) == ("ProvisionedThroughputExceededException", 400, MESSAGE)


def test_other_tables_are_not_throttled(cloudlet: Any, ddb: Any, make_table: MakeTable) -> None:
    make_table("orders")
    make_table("users")
    throttle(cloudlet, "orders")
    ddb.put_item(TableName="users", Item=_item("a"))
    assert ddb.get_item(TableName="users", Key=_item("a"))["Item"] == _item("a")


def test_switch_is_per_account(cloudlet: Any, ddb: Any, make_table: MakeTable) -> None:
    make_table("orders")
    throttle(cloudlet, "orders", account="111111111111")
    ddb.put_item(TableName="orders", Item=_item("a"))


def test_operations_limit_what_is_throttled(cloudlet: Any, ddb: Any, make_table: MakeTable) -> None:
    make_table("orders")
    ddb.put_item(TableName="orders", Item=_item("a"))
    throttle(cloudlet, "orders", operations=["PutItem"])
    assert ddb.get_item(TableName="orders", Key=_item("a"))["Item"] == _item("a")
    with pytest.raises(ddb.exceptions.ProvisionedThroughputExceededException):
        ddb.put_item(TableName="orders", Item=_item("b"))


def test_query_and_scan_are_throttled(cloudlet: Any, ddb: Any, make_table: MakeTable) -> None:
    make_table("orders")
    throttle(cloudlet, "orders", operations=["Query", "Scan"])
    with pytest.raises(ddb.exceptions.ProvisionedThroughputExceededException):
        ddb.scan(TableName="orders")
    with pytest.raises(ddb.exceptions.ProvisionedThroughputExceededException):
        ddb.query(
            TableName="orders",
            KeyConditionExpression="pk = :p",
            ExpressionAttributeValues={":p": {"S": "a"}},
        )


def test_count_throttles_the_next_requests_then_stops(cloudlet: Any, ddb: Any, make_table: MakeTable) -> None:
    make_table("orders")
    throttle(cloudlet, "orders", count=2)
    for _ in range(2):
        with pytest.raises(ddb.exceptions.ProvisionedThroughputExceededException):
            ddb.put_item(TableName="orders", Item=_item("a"))
    ddb.put_item(TableName="orders", Item=_item("a"))
    assert _call(cloudlet, "GET", query="?table=orders") == {"on": False}


def test_boto3_standard_retries_recover_after_count_throttles(cloudlet: Any, make_table: MakeTable) -> None:
    make_table("orders")
    retrying = cloudlet.client(
        "dynamodb", config=Config(retries={"total_max_attempts": 3, "mode": "standard"})
    )
    throttle(cloudlet, "orders", count=1)
    response = retrying.put_item(TableName="orders", Item=_item("a"))
    assert response["ResponseMetadata"]["RetryAttempts"] == 1
    assert retrying.get_item(TableName="orders", Key=_item("a"))["Item"] == _item("a")


def test_get_shows_the_switch(cloudlet: Any, make_table: MakeTable) -> None:
    make_table("orders")
    answer = throttle(cloudlet, "orders", operations=["PutItem"], count=3)
    assert answer == {
        "account": "000000000000",
        "region": "us-east-1",
        "table": "orders",
        "operations": ["PutItem"],
        "remaining": 3,
        "throttled": 0,
    }
    shown = _call(cloudlet, "GET", query="?table=orders")
    assert shown == {"on": True, "operations": ["PutItem"], "remaining": 3, "throttled": 0}


def test_delete_turns_the_switch_off(cloudlet: Any, ddb: Any, make_table: MakeTable) -> None:
    make_table("orders")
    throttle(cloudlet, "orders")
    assert _call(cloudlet, "DELETE", query="?table=orders") == {"cleared": True}
    ddb.put_item(TableName="orders", Item=_item("a"))


def test_reset_clears_the_switches(cloudlet: Any, ddb: Any, make_table: MakeTable) -> None:
    make_table("orders")
    throttle(cloudlet, "orders")
    urllib.request.urlopen(urllib.request.Request(f"{cloudlet.endpoint}/_cloudlet/reset", method="POST"))
    make_table("orders")
    ddb.put_item(TableName="orders", Item=_item("a"))


@pytest.mark.parametrize(
    "body",
    [{}, {"table": ""}, {"table": "t", "operations": ["CreateTable"]}, {"table": "t", "count": 0}],
)
def test_invalid_switch_is_refused(cloudlet: Any, body: dict[str, Any]) -> None:
    with pytest.raises(urllib.error.HTTPError) as exc:
        _call(cloudlet, "POST", body)
    assert exc.value.code == 400


def test_batch_write_returns_the_throttled_tables_requests_unprocessed(
    cloudlet: Any, ddb: Any, make_table: MakeTable
) -> None:
    make_table("orders")
    make_table("users")
    throttle(cloudlet, "orders")
    requests = {
        "orders": [{"PutRequest": {"Item": _item("o1")}}, {"DeleteRequest": {"Key": _item("o2")}}],
        "users": [{"PutRequest": {"Item": _item("u1")}}],
    }
    response = ddb.batch_write_item(RequestItems=requests)
    assert response["UnprocessedItems"] == {"orders": requests["orders"]}
    assert ddb.get_item(TableName="users", Key=_item("u1"))["Item"] == _item("u1")


def test_batch_write_on_throttled_tables_only_fails(cloudlet: Any, ddb: Any, make_table: MakeTable) -> None:
    make_table("orders")
    throttle(cloudlet, "orders")
    with pytest.raises(ClientError) as exc:
        ddb.batch_write_item(RequestItems={"orders": [{"PutRequest": {"Item": _item("o1")}}]})
    assert _error(exc) == ("ProvisionedThroughputExceededException", 400, MESSAGE)


def test_batch_get_returns_the_throttled_tables_keys_unprocessed(
    cloudlet: Any, ddb: Any, make_table: MakeTable
) -> None:
    make_table("orders")
    make_table("users")
    ddb.put_item(TableName="users", Item=_item("u1"))
    throttle(cloudlet, "orders")
    response = ddb.batch_get_item(
        RequestItems={
            "orders": {"Keys": [_item("o1")], "ConsistentRead": True},
            "users": {"Keys": [_item("u1")]},
        }
    )
    assert response["UnprocessedKeys"] == {"orders": {"Keys": [_item("o1")], "ConsistentRead": True}}
    assert response["Responses"] == {"users": [_item("u1")]}


def test_resource_batch_writer_recovers_through_retries(
    cloudlet: Any, resource: Any, make_table: MakeTable
) -> None:
    make_table("orders")
    throttle(cloudlet, "orders", count=2)
    table = resource.Table("orders")
    with table.batch_writer() as batch:
        for n in range(30):
            batch.put_item(Item={"pk": f"o{n}"})
    assert table.scan(Select="COUNT")["Count"] == 30
    assert _call(cloudlet, "GET", query="?table=orders") == {"on": False}


def test_transaction_is_cancelled_with_a_throttling_reason(
    cloudlet: Any, ddb: Any, make_table: MakeTable
) -> None:
    make_table("orders")
    make_table("users")
    throttle(cloudlet, "orders")
    with pytest.raises(ClientError) as exc:
        ddb.transact_write_items(
            TransactItems=[
                {"Put": {"TableName": "users", "Item": _item("u1")}},
                {"Put": {"TableName": "orders", "Item": _item("o1")}},
            ]
        )
    error = exc.value.response
    assert error["Error"]["Code"] == "TransactionCanceledException"
    assert error["Error"]["Message"] == (
        "Transaction cancelled, please refer cancellation reasons for specific reasons"
        " [None, ThrottlingError]"
    )
    assert [reason["Code"] for reason in error["CancellationReasons"]] == ["None", "ThrottlingError"]
    assert "Item" not in ddb.get_item(TableName="users", Key=_item("u1"))
