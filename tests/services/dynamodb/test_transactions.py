"""TransactWriteItems and TransactGetItems through boto3: all-or-nothing, cancellation reasons in order,
one operation per item, idempotency tokens."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError


def _error(info: Any) -> tuple[str, str]:
    err = info.value.response["Error"]
    return err["Code"], err["Message"]


@pytest.fixture
def accounts(ddb: Any, make_table: Any) -> str:
    name = make_table("accounts")
    ddb.put_item(TableName=name, Item={"pk": {"S": "alice"}, "balance": {"N": "100"}})
    ddb.put_item(TableName=name, Item={"pk": {"S": "bob"}, "balance": {"N": "0"}})
    return name


def _transfer(table: str, amount: int) -> list[dict[str, Any]]:
    return [
        {
            "Update": {
                "TableName": table,
                "Key": {"pk": {"S": "alice"}},
                "UpdateExpression": "SET balance = balance - :a",
                "ConditionExpression": "balance >= :a",
                "ExpressionAttributeValues": {":a": {"N": str(amount)}},
                "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
            }
        },
        {
            "Update": {
                "TableName": table,
                "Key": {"pk": {"S": "bob"}},
                "UpdateExpression": "SET balance = balance + :a",
                "ExpressionAttributeValues": {":a": {"N": str(amount)}},
            }
        },
    ]


def _balance(ddb: Any, table: str, who: str) -> str:
    return str(ddb.get_item(TableName=table, Key={"pk": {"S": who}})["Item"]["balance"]["N"])


def test_transaction_applies_every_action(ddb: Any, accounts: str) -> None:
    ddb.transact_write_items(TransactItems=_transfer(accounts, 30))
    assert (_balance(ddb, accounts, "alice"), _balance(ddb, accounts, "bob")) == ("70", "30")


def test_failed_condition_cancels_everything_with_reasons_in_order(ddb: Any, accounts: str) -> None:
    with pytest.raises(ClientError) as info:
        ddb.transact_write_items(TransactItems=_transfer(accounts, 500))
    code, message = _error(info)
    assert code == "TransactionCanceledException"
    assert message == (
        "Transaction cancelled, please refer cancellation reasons for specific reasons"
        " [ConditionalCheckFailed, None]"
    )
    reasons = info.value.response["CancellationReasons"]
    assert [r["Code"] for r in reasons] == ["ConditionalCheckFailed", "None"]
    assert reasons[0]["Item"] == {"pk": {"S": "alice"}, "balance": {"N": "100"}}
    assert (_balance(ddb, accounts, "alice"), _balance(ddb, accounts, "bob")) == ("100", "0")


def test_condition_check_and_put_and_delete(ddb: Any, accounts: str) -> None:
    ddb.transact_write_items(
        TransactItems=[
            {
                "ConditionCheck": {
                    "TableName": accounts,
                    "Key": {"pk": {"S": "alice"}},
                    "ConditionExpression": "attribute_exists(pk)",
                }
            },
            {"Put": {"TableName": accounts, "Item": {"pk": {"S": "carol"}, "balance": {"N": "5"}}}},
            {"Delete": {"TableName": accounts, "Key": {"pk": {"S": "bob"}}}},
        ]
    )
    assert ddb.scan(TableName=accounts)["Count"] == 2


def test_two_actions_on_one_item_are_rejected(ddb: Any, accounts: str) -> None:
    with pytest.raises(ClientError) as info:
        ddb.transact_write_items(
            TransactItems=[
                {"Put": {"TableName": accounts, "Item": {"pk": {"S": "alice"}}}},
                {"Delete": {"TableName": accounts, "Key": {"pk": {"S": "alice"}}}},
            ]
        )
    assert _error(info) == (
        "ValidationException",
        "Transaction request cannot include multiple operations on one item",
    )


def test_client_request_token_makes_the_transaction_idempotent(ddb: Any, accounts: str) -> None:
    ddb.transact_write_items(TransactItems=_transfer(accounts, 10), ClientRequestToken="t1")
    ddb.transact_write_items(TransactItems=_transfer(accounts, 10), ClientRequestToken="t1")
    assert _balance(ddb, accounts, "alice") == "90"


def test_reused_token_with_another_request_is_a_mismatch(ddb: Any, accounts: str) -> None:
    ddb.transact_write_items(TransactItems=_transfer(accounts, 10), ClientRequestToken="t1")
    with pytest.raises(ClientError) as info:
        ddb.transact_write_items(TransactItems=_transfer(accounts, 20), ClientRequestToken="t1")
    assert _error(info)[0] == "IdempotentParameterMismatchException"


def test_token_expires_after_ten_minutes(cloudlet: Any, ddb: Any, accounts: str) -> None:
    ddb.transact_write_items(TransactItems=_transfer(accounts, 10), ClientRequestToken="t1")
    cloudlet.clock.advance(601)
    ddb.transact_write_items(TransactItems=_transfer(accounts, 10), ClientRequestToken="t1")
    assert _balance(ddb, accounts, "alice") == "80"


def test_transact_get_items_in_request_order(ddb: Any, accounts: str) -> None:
    out = ddb.transact_get_items(
        TransactItems=[
            {"Get": {"TableName": accounts, "Key": {"pk": {"S": "bob"}}}},
            {"Get": {"TableName": accounts, "Key": {"pk": {"S": "nobody"}}}},
            {
                "Get": {
                    "TableName": accounts,
                    "Key": {"pk": {"S": "alice"}},
                    "ProjectionExpression": "balance",
                }
            },
        ]
    )
    assert out["Responses"] == [
        {"Item": {"pk": {"S": "bob"}, "balance": {"N": "0"}}},
        {},
        {"Item": {"balance": {"N": "100"}}},
    ]
