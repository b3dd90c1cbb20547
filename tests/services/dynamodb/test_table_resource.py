"""The boto3 `Table` resource end to end: Python values (numbers as Decimal, sets, binary), the
`Key`/`Attr` condition builders, `batch_writer()` and conditional writes."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from boto3.dynamodb.conditions import Attr, Key
from boto3.dynamodb.types import Binary
from botocore.exceptions import ClientError

from tests.services.dynamodb.conftest import MakeTable


@pytest.fixture
def orders(resource: Any, make_table: MakeTable) -> Any:
    """A table keyed by `pk` (S) and `sk` (S)."""
    return resource.Table(make_table("orders", range=("sk", "S")))


@pytest.fixture
def filled(orders: Any) -> Any:
    """`orders` with customer `c1` holding six items (`order#1..4`, `invoice#1..2`) and `c2` one."""
    with orders.batch_writer() as batch:
        for n in range(1, 5):
            batch.put_item(
                Item={
                    "pk": "c1",
                    "sk": f"order#{n}",
                    "n": Decimal(n) / 2,
                    "tags": {"red"} if n % 2 else {"blue"},
                }
            )
        for n in range(1, 3):
            batch.put_item(Item={"pk": "c1", "sk": f"invoice#{n}", "n": Decimal(10 * n), "x": True})
        batch.put_item(Item={"pk": "c2", "sk": "order#1", "n": Decimal(1)})
    return orders


def _sks(items: list[dict[str, Any]]) -> list[str]:
    return [item["sk"] for item in items]


def test_put_and_get_round_trip_python_values(orders: Any) -> None:
    item = {
        "pk": "c1",
        "sk": "order#1",
        "total": Decimal("12.50"),
        "count": 3,
        "big": Decimal("123456789012345678901234567890.12345678"),
        "tags": {"a", "b"},
        "sizes": {Decimal(1), Decimal("2.5")},
        "blob": Binary(b"\x00\xff"),
        "nested": {"list": [1, "two", None, True], "map": {"deep": Decimal("-0.001")}},
        "empty": "",
    }
    orders.put_item(Item=item)
    got = orders.get_item(Key={"pk": "c1", "sk": "order#1"})["Item"]
    assert got == {**item, "total": Decimal("12.5"), "count": Decimal(3)}
    assert isinstance(got["count"], Decimal)


def test_get_missing_item_has_no_item(orders: Any) -> None:
    assert "Item" not in orders.get_item(Key={"pk": "nobody", "sk": "x"})


def test_get_with_projection(orders: Any) -> None:
    orders.put_item(Item={"pk": "c1", "sk": "s", "a": 1, "b": {"c": 2, "d": 3}})
    got = orders.get_item(
        Key={"pk": "c1", "sk": "s"}, ProjectionExpression="a, #b.c", ExpressionAttributeNames={"#b": "b"}
    )["Item"]
    assert got == {"a": Decimal(1), "b": {"c": Decimal(2)}}


def test_update_with_hand_written_expression(orders: Any) -> None:
    orders.put_item(Item={"pk": "c1", "sk": "s", "n": Decimal("1.5"), "draft": "x", "tags": {"a"}})
    response = orders.update_item(
        Key={"pk": "c1", "sk": "s"},
        UpdateExpression="SET n = n + :inc, #s = :s, #l = list_append(if_not_exists(#l, :empty), :entry)"
        " REMOVE draft ADD tags :more",
        ExpressionAttributeNames={"#s": "status", "#l": "log"},  # both reserved words
        ExpressionAttributeValues={
            ":inc": Decimal("0.25"),
            ":s": "shipped",
            ":empty": [],
            ":entry": ["e1"],
            ":more": {"b"},
        },
        ReturnValues="ALL_NEW",
    )
    assert response["Attributes"] == {
        "pk": "c1",
        "sk": "s",
        "n": Decimal("1.75"),
        "status": "shipped",
        "log": ["e1"],
        "tags": {"a", "b"},
    }


def test_update_with_condition_built_by_attr(orders: Any) -> None:
    orders.put_item(Item={"pk": "c1", "sk": "s", "n": Decimal("2")})
    response = orders.update_item(
        Key={"pk": "c1", "sk": "s"},
        UpdateExpression="SET n = :n",
        ConditionExpression=Attr("n").gt(Decimal("1.5")) & Attr("x").not_exists(),
        ExpressionAttributeValues={":n": Decimal("3")},
        ReturnValues="UPDATED_OLD",
    )
    assert response["Attributes"] == {"n": Decimal("2")}


def test_update_condition_failing_raises_conditional_check_failed(orders: Any) -> None:
    orders.put_item(Item={"pk": "c1", "sk": "s", "n": Decimal("1")})
    with pytest.raises(ClientError) as exc:
        orders.update_item(
            Key={"pk": "c1", "sk": "s"},
            UpdateExpression="SET n = :n",
            ConditionExpression=Attr("n").gt(Decimal("1.5")),
            ExpressionAttributeValues={":n": Decimal("3")},
        )
    assert exc.value.response["Error"]["Code"] == "ConditionalCheckFailedException"
    assert exc.value.response["Error"]["Message"] == "The conditional request failed"


def test_update_creates_missing_item(orders: Any) -> None:
    orders.update_item(
        Key={"pk": "c9", "sk": "s"}, UpdateExpression="ADD visits :one", ExpressionAttributeValues={":one": 1}
    )
    assert orders.get_item(Key={"pk": "c9", "sk": "s"})["Item"] == {
        "pk": "c9",
        "sk": "s",
        "visits": Decimal(1),
    }


def test_conditional_put_fails_when_item_exists(orders: Any) -> None:
    orders.put_item(Item={"pk": "c1", "sk": "s", "v": 1})
    with pytest.raises(orders.meta.client.exceptions.ConditionalCheckFailedException):
        orders.put_item(Item={"pk": "c1", "sk": "s", "v": 2}, ConditionExpression=Attr("pk").not_exists())
    assert orders.get_item(Key={"pk": "c1", "sk": "s"})["Item"]["v"] == Decimal(1)


def test_conditional_put_returns_old_item_on_failure(orders: Any) -> None:
    orders.put_item(Item={"pk": "c1", "sk": "s", "v": 1})
    with pytest.raises(ClientError) as exc:
        orders.put_item(
            Item={"pk": "c1", "sk": "s", "v": 2},
            ConditionExpression=Attr("v").eq(5),
            ReturnValuesOnConditionCheckFailure="ALL_OLD",
        )
    assert exc.value.response["Item"] == {"pk": {"S": "c1"}, "sk": {"S": "s"}, "v": {"N": "1"}}


def test_conditional_delete_with_attr(orders: Any) -> None:
    orders.put_item(Item={"pk": "c1", "sk": "s", "state": "done"})
    orders.delete_item(Key={"pk": "c1", "sk": "s"}, ConditionExpression=Attr("state").is_in(["done", "void"]))
    assert "Item" not in orders.get_item(Key={"pk": "c1", "sk": "s"})


def test_query_with_key_builders(filled: Any) -> None:
    response = filled.query(KeyConditionExpression=Key("pk").eq("c1") & Key("sk").begins_with("order#"))
    assert _sks(response["Items"]) == ["order#1", "order#2", "order#3", "order#4"]
    assert response["Count"] == 4


def test_query_between_backwards(filled: Any) -> None:
    response = filled.query(
        KeyConditionExpression=Key("pk").eq("c1") & Key("sk").between("order#2", "order#3"),
        ScanIndexForward=False,
    )
    assert _sks(response["Items"]) == ["order#3", "order#2"]


def test_query_with_filter_on_decimal(filled: Any) -> None:
    response = filled.query(
        KeyConditionExpression=Key("pk").eq("c1") & Key("sk").begins_with("order#"),
        FilterExpression=Attr("n").gt(Decimal("1.5")),
    )
    assert _sks(response["Items"]) == ["order#4"]
    assert response["ScannedCount"] == 4


def test_query_pages_with_limit(filled: Any) -> None:
    seen: list[str] = []
    kwargs: dict[str, Any] = {"KeyConditionExpression": Key("pk").eq("c1"), "Limit": 4}
    pages = 0
    while True:
        response = filled.query(**kwargs)
        pages += 1
        seen += _sks(response["Items"])
        if "LastEvaluatedKey" not in response:
            break
        kwargs["ExclusiveStartKey"] = response["LastEvaluatedKey"]
    assert seen == ["invoice#1", "invoice#2", "order#1", "order#2", "order#3", "order#4"]
    assert pages in (2, 3)


def test_scan_with_contains_on_a_set(filled: Any) -> None:
    response = filled.scan(FilterExpression=Attr("tags").contains("red"))
    assert sorted(_sks(response["Items"])) == ["order#1", "order#3"]


def test_scan_with_combined_attr_conditions(filled: Any) -> None:
    response = filled.scan(
        FilterExpression=(Attr("x").exists() & Attr("n").gte(20))
        | (Attr("pk").eq("c2") & ~Attr("tags").exists())
    )
    assert sorted((item["pk"], item["sk"]) for item in response["Items"]) == [
        ("c1", "invoice#2"),
        ("c2", "order#1"),
    ]


def test_scan_with_attribute_type_and_size(filled: Any) -> None:
    response = filled.scan(FilterExpression=Attr("tags").attribute_type("SS") & Attr("sk").size().eq(7))
    assert sorted(_sks(response["Items"])) == ["order#1", "order#2", "order#3", "order#4"]


def test_scan_select_count(filled: Any) -> None:
    response = filled.scan(Select="COUNT", FilterExpression=Attr("n").lt(1))
    assert response["Count"] == 1
    assert "Items" not in response


def test_batch_writer_overwrites_and_deletes(orders: Any) -> None:
    with orders.batch_writer(overwrite_by_pkeys=["pk", "sk"]) as batch:
        for n in range(60):
            batch.put_item(Item={"pk": "c1", "sk": f"{n:03}", "v": n})
        batch.put_item(Item={"pk": "c1", "sk": "000", "v": -1})
        batch.delete_item(Key={"pk": "c1", "sk": "059"})
    items = orders.query(KeyConditionExpression=Key("pk").eq("c1"))["Items"]
    assert len(items) == 59
    assert items[0] == {"pk": "c1", "sk": "000", "v": Decimal(-1)}


def test_batch_get_through_the_resource(filled: Any, resource: Any) -> None:
    response = resource.batch_get_item(
        RequestItems={"orders": {"Keys": [{"pk": "c1", "sk": "order#1"}, {"pk": "c2", "sk": "order#1"}]}}
    )
    assert sorted(item["pk"] for item in response["Responses"]["orders"]) == ["c1", "c2"]
    assert response["UnprocessedKeys"] == {}


def test_numbers_keep_38_digits_and_range(orders: Any) -> None:
    # Large exponents come back as plain digits (as from AWS), which boto3's own context refuses to read
    # (boto/boto3#2500), so the top of the range is not read back here.
    values = [Decimal("1." + "1" * 37), Decimal("-1E-130"), Decimal("12345678901234567890123456789012345678")]
    for n, value in enumerate(values):
        orders.put_item(Item={"pk": "c1", "sk": str(n), "n": value})
    got = orders.query(KeyConditionExpression=Key("pk").eq("c1"))["Items"]
    assert [item["n"] for item in got] == values
