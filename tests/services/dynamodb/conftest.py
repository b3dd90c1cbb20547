"""DynamoDB test fixtures: `ddb` (boto3 client), `resource` (boto3 resource) and `make_table` (a factory
creating a table and returning its name)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import boto3
import pytest


@pytest.fixture
def ddb(cloudlet: Any) -> Any:
    """boto3 DynamoDB client for the test's server (us-east-1)."""
    return cloudlet.client("dynamodb")


@pytest.fixture
def resource(cloudlet: Any) -> Any:
    """boto3 DynamoDB service resource (`resource.Table(name)`, with `Key`/`Attr` conditions)."""
    return boto3.resource(
        "dynamodb",
        endpoint_url=cloudlet.endpoint,
        region_name="us-east-1",
        aws_access_key_id="test",
        aws_secret_access_key="test",
    )


MakeTable = Callable[..., str]


@pytest.fixture
def make_table(ddb: Any) -> MakeTable:
    """`make_table(name, hash=("pk", "S"), range=None, **kwargs) -> name`.

    Creates an on-demand table keyed by `hash` (and `range`, a `(name, type)` pair). `kwargs` go to
    CreateTable unchanged (BillingMode, indexes, StreamSpecification, ...); an `AttributeDefinitions`
    given there is extended with the key attributes it lacks. The table is ACTIVE when this returns.
    """

    def make(
        name: str, hash: tuple[str, str] = ("pk", "S"), range: tuple[str, str] | None = None, **kwargs: Any
    ) -> str:
        key_schema = [{"AttributeName": hash[0], "KeyType": "HASH"}]
        keys = [hash]
        if range is not None:
            key_schema.append({"AttributeName": range[0], "KeyType": "RANGE"})
            keys.append(range)
        definitions = list(kwargs.pop("AttributeDefinitions", []))
        defined = {d["AttributeName"] for d in definitions}
        for attribute, kind in keys:
            if attribute not in defined:
                definitions.append({"AttributeName": attribute, "AttributeType": kind})
        if "ProvisionedThroughput" not in kwargs:
            kwargs.setdefault("BillingMode", "PAY_PER_REQUEST")
        ddb.create_table(TableName=name, KeySchema=key_schema, AttributeDefinitions=definitions, **kwargs)
        ddb.get_waiter("table_exists").wait(TableName=name, WaiterConfig={"Delay": 0, "MaxAttempts": 5})
        return name

    return make
