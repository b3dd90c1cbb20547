"""Conditional writes are race-free under concurrent clients: of many clients racing to create the same
item with `attribute_not_exists`, exactly one wins; concurrent counters lose no increment."""

from __future__ import annotations

import threading
from typing import Any

from botocore.exceptions import ClientError

CLIENTS = 8


def _race(work: Any) -> list[Any]:
    results: list[Any] = [None] * CLIENTS
    start = threading.Barrier(CLIENTS)

    def run(i: int) -> None:
        start.wait()
        results[i] = work(i)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(CLIENTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def test_exactly_one_conditional_create_wins(cloudlet: Any, make_table: Any) -> None:
    make_table("locks")
    clients = [cloudlet.client("dynamodb") for _ in range(CLIENTS)]

    def claim(i: int) -> str:
        try:
            clients[i].put_item(
                TableName="locks",
                Item={"pk": {"S": "job-1"}, "owner": {"S": f"worker-{i}"}},
                ConditionExpression="attribute_not_exists(pk)",
            )
        except ClientError as exc:
            return str(exc.response["Error"]["Code"])
        return "won"

    results = _race(claim)
    assert results.count("won") == 1
    assert results.count("ConditionalCheckFailedException") == CLIENTS - 1
    item = clients[0].get_item(TableName="locks", Key={"pk": {"S": "job-1"}})["Item"]
    assert item["owner"]["S"] == f"worker-{results.index('won')}"


def test_concurrent_increments_are_all_counted(cloudlet: Any, make_table: Any) -> None:
    make_table("counters")
    clients = [cloudlet.client("dynamodb") for _ in range(CLIENTS)]

    def bump(i: int) -> None:
        for _ in range(10):
            clients[i].update_item(
                TableName="counters",
                Key={"pk": {"S": "hits"}},
                UpdateExpression="ADD n :one",
                ExpressionAttributeValues={":one": {"N": "1"}},
            )

    _race(bump)
    item = clients[0].get_item(TableName="counters", Key={"pk": {"S": "hits"}})["Item"]
    assert item["n"]["N"] == str(CLIENTS * 10)
