"""AWS::DynamoDB::Table provider, driven directly on the server loop (as the engine drives it)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from botocore.exceptions import ClientError

from cloudlet.protocol.errors import ServiceError
from cloudlet.services.cloudformation.providers import registry
from cloudlet.services.cloudformation.providers.base import ProviderError, Resource
from tests.services.cloudformation import harness
from tests.services.cloudformation.harness import ACCOUNT, REGION, create, delete, update

pytestmark = pytest.mark.cloudlet(in_memory=True, services=["dynamodb", "cloudformation"])


def resource(logical: str, props: dict[str, Any]) -> Resource:
    return harness.resource(logical, "AWS::DynamoDB::Table", props)


def attr(name: str, kind: str = "S") -> dict[str, str]:
    return {"AttributeName": name, "AttributeType": kind}


def key(name: str, kind: str = "HASH") -> dict[str, str]:
    return {"AttributeName": name, "KeyType": kind}


def gsi(name: str, hash_key: str, throughput: dict[str, Any] | None = None) -> dict[str, Any]:
    index: dict[str, Any] = {
        "IndexName": name,
        "KeySchema": [key(hash_key)],
        "Projection": {"ProjectionType": "ALL"},
    }
    if throughput:
        index["ProvisionedThroughput"] = throughput
    return index


def test_table_with_stream_gsi_ttl_and_in_place_updates(cloudlet):
    ddb = cloudlet.client("dynamodb")
    props: dict[str, Any] = {
        "AttributeDefinitions": [attr("pk"), attr("sk"), attr("status")],
        "KeySchema": [key("pk"), key("sk", "RANGE")],
        "BillingMode": "PAY_PER_REQUEST",
        "GlobalSecondaryIndexes": [gsi("by-status", "status")],
        "LocalSecondaryIndexes": [
            {
                "IndexName": "by-sk",
                "KeySchema": [key("pk"), key("sk", "RANGE")],
                "Projection": {"ProjectionType": "KEYS_ONLY"},
            }
        ],
        "StreamSpecification": {"StreamViewType": "NEW_AND_OLD_IMAGES"},
        "TimeToLiveSpecification": {"AttributeName": "expires", "Enabled": "true"},
        "SSESpecification": {"SSEEnabled": True},
        "PointInTimeRecoverySpecification": {"PointInTimeRecoveryEnabled": True},
        "Tags": [{"Key": "team", "Value": "support"}],
    }
    table = resource("Feedback", props)
    done = create(cloudlet, table)
    name = done.physical_id
    assert name.startswith("app-Feedback-")
    described = ddb.describe_table(TableName=name)["Table"]
    assert (
        done.attributes["Arn"] == described["TableArn"] == f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/{name}"
    )
    assert done.attributes["StreamArn"] == described["LatestStreamArn"]
    assert described["StreamSpecification"] == {"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"}
    assert [i["IndexName"] for i in described["GlobalSecondaryIndexes"]] == ["by-status"]
    assert [i["IndexName"] for i in described["LocalSecondaryIndexes"]] == ["by-sk"]
    assert described["SSEDescription"]["Status"] == "ENABLED"
    assert ddb.describe_time_to_live(TableName=name)["TimeToLiveDescription"] == {
        "TimeToLiveStatus": "ENABLED",
        "AttributeName": "expires",
    }
    assert ddb.list_tags_of_resource(ResourceArn=described["TableArn"])["Tags"] == [
        {"Key": "team", "Value": "support"}
    ]
    ddb.put_item(
        TableName=name, Item={"pk": {"S": "a"}, "sk": {"S": "1"}, "status": {"S": "new"}, "owner": {"S": "x"}}
    )

    # update: GSI swapped (one removed, one added with its new attribute), stream view changed, TTL moved,
    # provisioned capacity, tags changed
    new_props = {
        **props,
        "AttributeDefinitions": [attr("pk"), attr("sk"), attr("owner")],
        "BillingMode": "PROVISIONED",
        "ProvisionedThroughput": {"ReadCapacityUnits": "5", "WriteCapacityUnits": "5"},
        "GlobalSecondaryIndexes": [
            gsi("by-owner", "owner", {"ReadCapacityUnits": 2, "WriteCapacityUnits": 2})
        ],
        "StreamSpecification": {"StreamViewType": "KEYS_ONLY"},
        "TimeToLiveSpecification": {"AttributeName": "ttl", "Enabled": True},
        "Tags": [{"Key": "tier", "Value": "1"}],
    }
    updated = update(cloudlet, table, new_props)
    described = ddb.describe_table(TableName=name)["Table"]
    assert described["BillingModeSummary"]["BillingMode"] == "PROVISIONED"
    assert described["ProvisionedThroughput"]["ReadCapacityUnits"] == 5
    assert [i["IndexName"] for i in described["GlobalSecondaryIndexes"]] == ["by-owner"]
    query = ddb.query(
        TableName=name,
        IndexName="by-owner",
        KeyConditionExpression="#o = :o",
        ExpressionAttributeNames={"#o": "owner"},
        ExpressionAttributeValues={":o": {"S": "x"}},
    )
    assert query["Count"] == 1  # the new index is backfilled
    assert described["StreamSpecification"]["StreamViewType"] == "KEYS_ONLY"
    assert updated.attributes["StreamArn"] == described["LatestStreamArn"] != done.attributes["StreamArn"]
    assert ddb.describe_time_to_live(TableName=name)["TimeToLiveDescription"]["AttributeName"] == "ttl"
    assert ddb.list_tags_of_resource(ResourceArn=described["TableArn"])["Tags"] == [
        {"Key": "tier", "Value": "1"}
    ]

    # throughput of table and index raised; stream and TTL switched off; deletion protection on
    final = {
        **new_props,
        "ProvisionedThroughput": {"ReadCapacityUnits": 10, "WriteCapacityUnits": 5},
        "GlobalSecondaryIndexes": [
            gsi("by-owner", "owner", {"ReadCapacityUnits": 4, "WriteCapacityUnits": 2})
        ],
        "DeletionProtectionEnabled": "true",
    }
    del final["StreamSpecification"], final["TimeToLiveSpecification"]
    updated = update(cloudlet, table, final)
    described = ddb.describe_table(TableName=name)["Table"]
    assert described["ProvisionedThroughput"]["ReadCapacityUnits"] == 10
    assert described["GlobalSecondaryIndexes"][0]["ProvisionedThroughput"]["ReadCapacityUnits"] == 4
    assert "StreamArn" not in updated.attributes
    assert ddb.describe_time_to_live(TableName=name)["TimeToLiveDescription"] == {
        "TimeToLiveStatus": "DISABLED"
    }
    assert described["DeletionProtectionEnabled"] is True

    with pytest.raises(ServiceError) as info:
        delete(cloudlet, table)  # protected, as on AWS
    assert info.value.code == "ValidationException"
    update(cloudlet, table, {**final, "DeletionProtectionEnabled": False})
    delete(cloudlet, table)
    with pytest.raises(ClientError):
        ddb.describe_table(TableName=name)
    delete(cloudlet, table)  # already gone: still done


def test_named_table_errors_and_replacement_properties(cloudlet):
    ddb = cloudlet.client("dynamodb")
    provider = registry()["AWS::DynamoDB::Table"]
    assert {"TableName", "KeySchema", "LocalSecondaryIndexes"} <= provider.replace_on
    props = {
        "TableName": "orders",
        "AttributeDefinitions": [attr("id")],
        "KeySchema": [key("id")],
        "ProvisionedThroughput": {"ReadCapacityUnits": 1, "WriteCapacityUnits": 1},
        "GlobalSecondaryIndexes": [gsi("by-id", "id", {"ReadCapacityUnits": 1, "WriteCapacityUnits": 1})],
    }
    table = resource("Orders", props)
    assert create(cloudlet, table).physical_id == "orders"
    assert "StreamArn" not in table.attributes
    with pytest.raises(ProviderError, match="orders already exists"):
        create(cloudlet, resource("Again", props))

    changed = {
        **props,
        "GlobalSecondaryIndexes": [{**gsi("by-id", "id"), "Projection": {"ProjectionType": "KEYS_ONLY"}}],
    }
    with pytest.raises(ProviderError, match="Cannot update GSI's properties"):
        update(cloudlet, table, changed)

    with pytest.raises(ProviderError, match=r"required key \[KeySchema\] not found"):
        create(cloudlet, resource("NoKey", {"AttributeDefinitions": [attr("id")]}))
    with pytest.raises(ServiceError) as info:  # DynamoDB's own validation: provisioned needs throughput
        create(
            cloudlet,
            resource("NoThroughput", {"AttributeDefinitions": [attr("id")], "KeySchema": [key("id")]}),
        )
    assert info.value.code == "ValidationException"
    assert ddb.list_tables()["TableNames"] == ["orders"]


def test_through_a_stack_update_in_place_and_replacement(cloudlet):
    cfn, ddb = cloudlet.client("cloudformation"), cloudlet.client("dynamodb")
    table: dict[str, Any] = {
        "Type": "AWS::DynamoDB::Table",
        "Properties": {
            "AttributeDefinitions": [attr("id")],
            "KeySchema": [key("id")],
            "BillingMode": "PAY_PER_REQUEST",
            "StreamSpecification": {"StreamViewType": "NEW_IMAGE"},
        },
    }
    template = {
        "Resources": {"Items": table},
        "Outputs": {
            "Table": {"Value": {"Ref": "Items"}},
            "Stream": {"Value": {"Fn::GetAtt": ["Items", "StreamArn"]}},
        },
    }

    def deploy(create: bool = False) -> dict[str, str]:
        if create:
            cfn.create_stack(StackName="data", TemplateBody=json.dumps(template))
        else:
            cfn.update_stack(StackName="data", TemplateBody=json.dumps(template))
        cloudlet.settle()
        stack = cfn.describe_stacks(StackName="data")["Stacks"][0]
        assert stack["StackStatus"] in ("CREATE_COMPLETE", "UPDATE_COMPLETE"), stack.get("StackStatusReason")
        return {o["OutputKey"]: o["OutputValue"] for o in stack["Outputs"]}

    first = deploy(create=True)
    described = ddb.describe_table(TableName=first["Table"])["Table"]
    assert first["Stream"] == described["LatestStreamArn"]

    # a GSI added in place
    table["Properties"]["AttributeDefinitions"] = [attr("id"), attr("kind")]
    table["Properties"]["GlobalSecondaryIndexes"] = [gsi("by-kind", "kind")]
    second = deploy()
    assert second["Table"] == first["Table"]
    described = ddb.describe_table(TableName=first["Table"])["Table"]
    assert [i["IndexName"] for i in described["GlobalSecondaryIndexes"]] == ["by-kind"]

    # a new name and key schema: a new table, the old one deleted after the update
    table["Properties"]["TableName"] = "items-v2"
    table["Properties"]["AttributeDefinitions"] = [attr("pk"), attr("kind")]
    table["Properties"]["KeySchema"] = [key("pk")]
    third = deploy()
    assert third["Table"] == "items-v2"
    assert ddb.list_tables()["TableNames"] == ["items-v2"]
    assert ddb.describe_table(TableName=third["Table"])["Table"]["KeySchema"] == [key("pk")]

    cfn.delete_stack(StackName="data")
    cloudlet.settle()
    assert ddb.list_tables()["TableNames"] == []
