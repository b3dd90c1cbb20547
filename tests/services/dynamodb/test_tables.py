"""DynamoDB control plane through boto3: CreateTable validation and descriptions, Describe/List/Update/Delete,
secondary indexes, stream settings, tags, endpoints and limits."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError

HASH = [{"AttributeName": "pk", "KeyType": "HASH"}]
PK = [{"AttributeName": "pk", "AttributeType": "S"}]
ON_DEMAND = {"BillingMode": "PAY_PER_REQUEST"}


def error(exc: pytest.ExceptionInfo[ClientError]) -> tuple[str, str, int]:
    e = exc.value.response
    return e["Error"]["Code"], e["Error"]["Message"], e["ResponseMetadata"]["HTTPStatusCode"]


def invalid(ddb: Any, **kwargs: Any) -> str:
    request = {"TableName": "t", "KeySchema": HASH, "AttributeDefinitions": PK, **ON_DEMAND, **kwargs}
    with pytest.raises(ClientError) as exc:
        ddb.create_table(**request)
    code, message, status = error(exc)
    assert (code, status) == ("ValidationException", 400)
    return message


# --- CreateTable ---------------------------------------------------------------------------------------


def test_create_table_answers_creating_then_describe_says_active(ddb: Any) -> None:
    created = ddb.create_table(TableName="t", KeySchema=HASH, AttributeDefinitions=PK, **ON_DEMAND)
    assert created["TableDescription"]["TableStatus"] == "CREATING"
    ddb.get_waiter("table_exists").wait(TableName="t", WaiterConfig={"Delay": 0, "MaxAttempts": 2})
    assert ddb.describe_table(TableName="t")["Table"]["TableStatus"] == "ACTIVE"


def test_table_description_has_aws_members(ddb: Any, make_table: Any) -> None:
    make_table("t", range=("sk", "N"))
    table = ddb.describe_table(TableName="t")["Table"]
    assert table["TableArn"] == "arn:aws:dynamodb:us-east-1:000000000000:table/t"
    assert table["KeySchema"] == [
        {"AttributeName": "pk", "KeyType": "HASH"},
        {"AttributeName": "sk", "KeyType": "RANGE"},
    ]
    assert table["ItemCount"] == 0 and table["TableSizeBytes"] == 0
    assert table["BillingModeSummary"]["BillingMode"] == "PAY_PER_REQUEST"
    assert table["ProvisionedThroughput"] == {
        "NumberOfDecreasesToday": 0,
        "ReadCapacityUnits": 0,
        "WriteCapacityUnits": 0,
    }
    assert len(table["TableId"]) == 36
    assert table["DeletionProtectionEnabled"] is False
    assert "StreamSpecification" not in table


def test_provisioned_table_reports_its_throughput(ddb: Any) -> None:
    ddb.create_table(
        TableName="t",
        KeySchema=HASH,
        AttributeDefinitions=PK,
        ProvisionedThroughput={"ReadCapacityUnits": 5, "WriteCapacityUnits": 7},
    )
    table = ddb.describe_table(TableName="t")["Table"]
    assert table["ProvisionedThroughput"]["ReadCapacityUnits"] == 5
    assert table["ProvisionedThroughput"]["WriteCapacityUnits"] == 7
    assert "BillingModeSummary" not in table


def test_create_existing_table_is_resource_in_use(ddb: Any, make_table: Any) -> None:
    make_table("t")
    with pytest.raises(ClientError) as exc:
        ddb.create_table(TableName="t", KeySchema=HASH, AttributeDefinitions=PK, **ON_DEMAND)
    assert error(exc) == ("ResourceInUseException", "Table already exists: t", 400)


def test_unused_attribute_definition_is_rejected(ddb: Any) -> None:
    message = invalid(ddb, AttributeDefinitions=[*PK, {"AttributeName": "x", "AttributeType": "S"}])
    assert message == (
        "One or more parameter values were invalid: Number of attributes in KeySchema does not exactly match"
        " number of attributes defined in AttributeDefinitions"
    )


def test_undefined_hash_key_is_rejected(ddb: Any) -> None:
    message = invalid(ddb, AttributeDefinitions=[{"AttributeName": "x", "AttributeType": "S"}])
    assert message == (
        "One or more parameter values were invalid: Some index key attributes are not defined in"
        " AttributeDefinitions. Keys: [pk], AttributeDefinitions: [x]"
    )


def test_first_key_must_be_hash(ddb: Any) -> None:
    message = invalid(
        ddb,
        KeySchema=[{"AttributeName": "pk", "KeyType": "RANGE"}, {"AttributeName": "sk", "KeyType": "HASH"}],
        AttributeDefinitions=[*PK, {"AttributeName": "sk", "AttributeType": "S"}],
    )
    assert message == "Invalid KeySchema: The first KeySchemaElement is not a HASH key type"


def test_two_range_keys_are_rejected(ddb: Any) -> None:
    message = invalid(
        ddb,
        KeySchema=[*HASH, {"AttributeName": "sk", "KeyType": "HASH"}],
        AttributeDefinitions=[*PK, {"AttributeName": "sk", "AttributeType": "S"}],
    )
    assert message == "Invalid KeySchema: The second KeySchemaElement is not a RANGE key type"


def test_key_type_outside_s_n_b_fails_model_validation(ddb: Any) -> None:
    message = invalid(ddb, AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "BOOL"}])
    assert "failed to satisfy constraint: Member must satisfy enum value set" in message


def test_provisioned_without_throughput_is_rejected(ddb: Any) -> None:
    with pytest.raises(ClientError) as exc:
        ddb.create_table(TableName="t", KeySchema=HASH, AttributeDefinitions=PK)
    assert error(exc)[1] == (
        "One or more parameter values were invalid: ReadCapacityUnits and WriteCapacityUnits must both be"
        " specified when BillingMode is PROVISIONED"
    )


def test_on_demand_with_throughput_is_rejected(ddb: Any) -> None:
    message = invalid(ddb, ProvisionedThroughput={"ReadCapacityUnits": 1, "WriteCapacityUnits": 1})
    assert message.endswith(
        "Neither ReadCapacityUnits nor WriteCapacityUnits can be specified when BillingMode is"
        " PAY_PER_REQUEST"
    )


def test_stream_enabled_without_view_type_is_rejected(ddb: Any) -> None:
    message = invalid(ddb, StreamSpecification={"StreamEnabled": True})
    assert message.endswith("Table is being created with a stream enabled, UpdateViewType is required")


def test_table_with_stream_has_latest_stream_arn_and_label(ddb: Any, make_table: Any) -> None:
    make_table("t", StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_IMAGE"})
    table = ddb.describe_table(TableName="t")["Table"]
    assert table["StreamSpecification"] == {"StreamEnabled": True, "StreamViewType": "NEW_IMAGE"}
    label = table["LatestStreamLabel"]
    assert table["LatestStreamArn"] == f"{table['TableArn']}/stream/{label}"
    assert len(label) == 23 and label[10] == "T"


def test_deletion_protection_sse_class_and_tags_are_kept(ddb: Any, make_table: Any) -> None:
    make_table(
        "t",
        DeletionProtectionEnabled=True,
        SSESpecification={"Enabled": True},
        TableClass="STANDARD_INFREQUENT_ACCESS",
        Tags=[{"Key": "team", "Value": "a"}],
    )
    table = ddb.describe_table(TableName="t")["Table"]
    assert table["DeletionProtectionEnabled"] is True
    assert table["SSEDescription"]["Status"] == "ENABLED"
    assert table["SSEDescription"]["SSEType"] == "KMS"
    assert table["TableClassSummary"]["TableClass"] == "STANDARD_INFREQUENT_ACCESS"
    assert ddb.list_tags_of_resource(ResourceArn=table["TableArn"])["Tags"] == [{"Key": "team", "Value": "a"}]


# --- secondary indexes ------------------------------------------------------------------------------------


def gsi(name: str, hash_key: str, projection: dict[str, Any] | None = None) -> dict[str, Any]:
    return {
        "IndexName": name,
        "KeySchema": [{"AttributeName": hash_key, "KeyType": "HASH"}],
        "Projection": projection or {"ProjectionType": "ALL"},
    }


def test_indexes_are_described_with_status_and_arn(ddb: Any, make_table: Any) -> None:
    make_table(
        "t",
        range=("sk", "S"),
        AttributeDefinitions=[
            {"AttributeName": "g", "AttributeType": "S"},
            {"AttributeName": "l", "AttributeType": "N"},
        ],
        GlobalSecondaryIndexes=[gsi("by-g", "g", {"ProjectionType": "INCLUDE", "NonKeyAttributes": ["x"]})],
        LocalSecondaryIndexes=[
            {
                "IndexName": "by-l",
                "KeySchema": [
                    {"AttributeName": "pk", "KeyType": "HASH"},
                    {"AttributeName": "l", "KeyType": "RANGE"},
                ],
                "Projection": {"ProjectionType": "KEYS_ONLY"},
            }
        ],
    )
    table = ddb.describe_table(TableName="t")["Table"]
    [g] = table["GlobalSecondaryIndexes"]
    assert g["IndexStatus"] == "ACTIVE"
    assert g["IndexArn"] == f"{table['TableArn']}/index/by-g"
    assert g["Projection"] == {"ProjectionType": "INCLUDE", "NonKeyAttributes": ["x"]}
    assert g["ItemCount"] == 0
    [lsi] = table["LocalSecondaryIndexes"]
    assert lsi["IndexArn"] == f"{table['TableArn']}/index/by-l"


def test_lsi_needs_table_range_key(ddb: Any) -> None:
    lsi = {
        "IndexName": "by-l",
        "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "l", "KeyType": "RANGE"}],
        "Projection": {"ProjectionType": "ALL"},
    }
    message = invalid(
        ddb,
        AttributeDefinitions=[*PK, {"AttributeName": "l", "AttributeType": "S"}],
        LocalSecondaryIndexes=[lsi],
    )
    assert message.endswith(
        "Table KeySchema does not have a range key, which is required when specifying a LocalSecondaryIndex"
    )


def test_lsi_must_share_the_table_hash_key(ddb: Any) -> None:
    lsi = {
        "IndexName": "by-l",
        "KeySchema": [{"AttributeName": "l", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
        "Projection": {"ProjectionType": "ALL"},
    }
    message = invalid(
        ddb,
        KeySchema=[*HASH, {"AttributeName": "sk", "KeyType": "RANGE"}],
        AttributeDefinitions=[
            *PK,
            {"AttributeName": "sk", "AttributeType": "S"},
            {"AttributeName": "l", "AttributeType": "S"},
        ],
        LocalSecondaryIndexes=[lsi],
    )
    assert message.endswith(
        "Index KeySchema does not have the same leading hash key as table KeySchema for index: by-l."
        " index hash key: l, table hash key: pk"
    )


def test_unused_definition_with_indexes_names_the_keys(ddb: Any) -> None:
    message = invalid(
        ddb,
        AttributeDefinitions=[
            *PK,
            {"AttributeName": "g", "AttributeType": "S"},
            {"AttributeName": "z", "AttributeType": "S"},
        ],
        GlobalSecondaryIndexes=[gsi("by-g", "g")],
    )
    assert message.endswith(
        "Some AttributeDefinitions are not used. AttributeDefinitions: [g, pk, z], keys used: [g, pk]"
    )


def test_include_projection_needs_non_key_attributes(ddb: Any) -> None:
    message = invalid(
        ddb,
        AttributeDefinitions=[*PK, {"AttributeName": "g", "AttributeType": "S"}],
        GlobalSecondaryIndexes=[gsi("by-g", "g", {"ProjectionType": "ALL", "NonKeyAttributes": ["x"]})],
    )
    assert message.endswith("ProjectionType is ALL, but NonKeyAttributes is specified")


def test_more_than_twenty_gsis_are_rejected(ddb: Any) -> None:
    definitions = PK + [{"AttributeName": f"g{i}", "AttributeType": "S"} for i in range(21)]
    message = invalid(
        ddb,
        AttributeDefinitions=definitions,
        GlobalSecondaryIndexes=[gsi(f"idx{i}", f"g{i}") for i in range(21)],
    )
    assert message.endswith("GlobalSecondaryIndex count exceeds the per-table limit of 20")


def test_gsi_on_provisioned_table_needs_throughput(ddb: Any) -> None:
    with pytest.raises(ClientError) as exc:
        ddb.create_table(
            TableName="t",
            KeySchema=HASH,
            AttributeDefinitions=[*PK, {"AttributeName": "g", "AttributeType": "S"}],
            ProvisionedThroughput={"ReadCapacityUnits": 1, "WriteCapacityUnits": 1},
            GlobalSecondaryIndexes=[gsi("by-g", "g")],
        )
    assert error(exc)[1].endswith("ProvisionedThroughput is not specified for index: by-g")


# --- DescribeTable, ListTables, DeleteTable --------------------------------------------------------------


def test_describe_missing_table_is_resource_not_found(ddb: Any) -> None:
    with pytest.raises(ClientError) as exc:
        ddb.describe_table(TableName="nope")
    assert error(exc) == (
        "ResourceNotFoundException",
        "Requested resource not found: Table: nope not found",
        400,
    )


def test_describe_table_by_arn(ddb: Any, make_table: Any) -> None:
    make_table("t")
    arn = "arn:aws:dynamodb:us-east-1:000000000000:table/t"
    assert ddb.describe_table(TableName=arn)["Table"]["TableName"] == "t"


def test_list_tables_pages_in_name_order(ddb: Any, make_table: Any) -> None:
    for name in ("ccc", "aaa", "bbb"):
        make_table(name)
    first = ddb.list_tables(Limit=2)
    assert first["TableNames"] == ["aaa", "bbb"]
    assert first["LastEvaluatedTableName"] == "bbb"
    rest = ddb.list_tables(ExclusiveStartTableName="bbb", Limit=2)
    assert rest == {"TableNames": ["ccc"], "ResponseMetadata": rest["ResponseMetadata"]}


def test_list_tables_is_per_region(cloudlet: Any, make_table: Any) -> None:
    make_table("here")
    other = cloudlet.client("dynamodb", region="eu-west-1")
    assert other.list_tables()["TableNames"] == []


def test_delete_table_answers_deleting_and_removes_it(ddb: Any, make_table: Any) -> None:
    make_table("t")
    assert ddb.delete_table(TableName="t")["TableDescription"]["TableStatus"] == "DELETING"
    ddb.get_waiter("table_not_exists").wait(TableName="t", WaiterConfig={"Delay": 0, "MaxAttempts": 2})
    assert ddb.list_tables()["TableNames"] == []


def test_delete_protected_table_is_refused(ddb: Any, make_table: Any) -> None:
    make_table("t", DeletionProtectionEnabled=True)
    with pytest.raises(ClientError) as exc:
        ddb.delete_table(TableName="t")
    assert error(exc)[:2] == (
        "ValidationException",
        "Resource cannot be deleted as it is currently protected against deletion. Disable deletion"
        " protection first.",
    )


def test_delete_missing_table_is_resource_not_found(ddb: Any) -> None:
    with pytest.raises(ClientError) as exc:
        ddb.delete_table(TableName="nope")
    assert error(exc)[0] == "ResourceNotFoundException"


# --- UpdateTable -----------------------------------------------------------------------------------------


def test_update_without_changes_is_rejected(ddb: Any, make_table: Any) -> None:
    make_table("t")
    with pytest.raises(ClientError) as exc:
        ddb.update_table(TableName="t")
    assert error(exc)[1].startswith("At least one of ProvisionedThroughput, BillingMode, UpdateStreamEnabled")


def test_switch_to_provisioned_and_back(ddb: Any, make_table: Any) -> None:
    make_table("t")
    answer = ddb.update_table(
        TableName="t",
        BillingMode="PROVISIONED",
        ProvisionedThroughput={"ReadCapacityUnits": 3, "WriteCapacityUnits": 4},
    )["TableDescription"]
    assert answer["TableStatus"] == "UPDATING"
    table = ddb.describe_table(TableName="t")["Table"]
    assert table["TableStatus"] == "ACTIVE"
    assert table["BillingModeSummary"]["BillingMode"] == "PROVISIONED"
    assert table["ProvisionedThroughput"]["ReadCapacityUnits"] == 3
    ddb.update_table(TableName="t", BillingMode="PAY_PER_REQUEST")
    assert ddb.describe_table(TableName="t")["Table"]["ProvisionedThroughput"]["ReadCapacityUnits"] == 0


def test_unchanged_throughput_is_rejected(ddb: Any, make_table: Any) -> None:
    make_table("t", ProvisionedThroughput={"ReadCapacityUnits": 5, "WriteCapacityUnits": 5})
    with pytest.raises(ClientError) as exc:
        ddb.update_table(
            TableName="t", ProvisionedThroughput={"ReadCapacityUnits": 5, "WriteCapacityUnits": 5}
        )
    assert error(exc)[1].startswith("The provisioned throughput for the table will not change.")


def test_enable_and_disable_stream(ddb: Any, make_table: Any) -> None:
    make_table("t")
    enabled = ddb.update_table(
        TableName="t", StreamSpecification={"StreamEnabled": True, "StreamViewType": "KEYS_ONLY"}
    )
    label = enabled["TableDescription"]["LatestStreamLabel"]
    ddb.update_table(TableName="t", StreamSpecification={"StreamEnabled": False})
    table = ddb.describe_table(TableName="t")["Table"]
    assert "StreamSpecification" not in table
    assert table["LatestStreamLabel"] == label


def test_enabling_an_enabled_stream_is_rejected(ddb: Any, make_table: Any) -> None:
    make_table("t", StreamSpecification={"StreamEnabled": True, "StreamViewType": "KEYS_ONLY"})
    with pytest.raises(ClientError) as exc:
        ddb.update_table(
            TableName="t", StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_IMAGE"}
        )
    assert error(exc)[1] == "Table already has an enabled stream: TableName: t"


def test_re_enabled_stream_gets_a_new_label(cloudlet: Any, ddb: Any, make_table: Any) -> None:
    make_table("t", StreamSpecification={"StreamEnabled": True, "StreamViewType": "KEYS_ONLY"})
    first = ddb.describe_table(TableName="t")["Table"]["LatestStreamLabel"]
    ddb.update_table(TableName="t", StreamSpecification={"StreamEnabled": False})
    again = ddb.update_table(
        TableName="t", StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_IMAGE"}
    )
    assert again["TableDescription"]["LatestStreamLabel"] > first


def test_create_gsi_answers_creating_then_active(ddb: Any, make_table: Any) -> None:
    make_table("t")
    answer = ddb.update_table(
        TableName="t",
        AttributeDefinitions=[{"AttributeName": "g", "AttributeType": "S"}],
        GlobalSecondaryIndexUpdates=[{"Create": gsi("by-g", "g")}],
    )["TableDescription"]
    assert answer["GlobalSecondaryIndexes"][0]["IndexStatus"] == "CREATING"
    table = ddb.describe_table(TableName="t")["Table"]
    assert table["GlobalSecondaryIndexes"][0]["IndexStatus"] == "ACTIVE"
    assert {"AttributeName": "g", "AttributeType": "S"} in table["AttributeDefinitions"]


def test_created_gsi_is_backfilled(ddb: Any, make_table: Any) -> None:
    make_table("t")
    ddb.put_item(TableName="t", Item={"pk": {"S": "a"}, "g": {"S": "x"}})
    ddb.put_item(TableName="t", Item={"pk": {"S": "b"}})
    ddb.update_table(
        TableName="t",
        AttributeDefinitions=[{"AttributeName": "g", "AttributeType": "S"}],
        GlobalSecondaryIndexUpdates=[{"Create": gsi("by-g", "g")}],
    )
    assert ddb.describe_table(TableName="t")["Table"]["GlobalSecondaryIndexes"][0]["ItemCount"] == 1


def test_create_gsi_without_attribute_definitions_is_rejected(ddb: Any, make_table: Any) -> None:
    make_table("t")
    with pytest.raises(ClientError) as exc:
        ddb.update_table(TableName="t", GlobalSecondaryIndexUpdates=[{"Create": gsi("by-g", "g")}])
    assert error(exc)[1].endswith("AttributeDefinitions is not specified for index: by-g")


def test_delete_gsi_drops_it_and_its_attribute(ddb: Any, make_table: Any) -> None:
    make_table(
        "t",
        AttributeDefinitions=[{"AttributeName": "g", "AttributeType": "S"}],
        GlobalSecondaryIndexes=[gsi("by-g", "g")],
    )
    ddb.update_table(TableName="t", GlobalSecondaryIndexUpdates=[{"Delete": {"IndexName": "by-g"}}])
    table = ddb.describe_table(TableName="t")["Table"]
    assert "GlobalSecondaryIndexes" not in table
    assert table["AttributeDefinitions"] == PK


def test_delete_unknown_gsi_is_rejected(ddb: Any, make_table: Any) -> None:
    make_table("t")
    with pytest.raises(ClientError) as exc:
        ddb.update_table(TableName="t", GlobalSecondaryIndexUpdates=[{"Delete": {"IndexName": "nope"}}])
    assert error(exc)[1] == "Cannot delete an index that is not a GlobalSecondaryIndex: nope"


def test_turning_off_deletion_protection_allows_delete(ddb: Any, make_table: Any) -> None:
    make_table("t", DeletionProtectionEnabled=True)
    ddb.update_table(TableName="t", DeletionProtectionEnabled=False)
    ddb.delete_table(TableName="t")
    assert ddb.list_tables()["TableNames"] == []


# --- tags, endpoints, limits -----------------------------------------------------------------------------


def test_tag_untag_and_list(ddb: Any, make_table: Any) -> None:
    make_table("t")
    arn = ddb.describe_table(TableName="t")["Table"]["TableArn"]
    ddb.tag_resource(ResourceArn=arn, Tags=[{"Key": "a", "Value": "1"}, {"Key": "b", "Value": "2"}])
    ddb.tag_resource(ResourceArn=arn, Tags=[{"Key": "a", "Value": "3"}])
    ddb.untag_resource(ResourceArn=arn, TagKeys=["b"])
    assert ddb.list_tags_of_resource(ResourceArn=arn)["Tags"] == [{"Key": "a", "Value": "3"}]


def test_tagging_a_missing_table_is_resource_not_found(ddb: Any) -> None:
    arn = "arn:aws:dynamodb:us-east-1:000000000000:table/nope"
    with pytest.raises(ClientError) as exc:
        ddb.tag_resource(ResourceArn=arn, Tags=[{"Key": "a", "Value": "1"}])
    assert error(exc) == (
        "ResourceNotFoundException",
        f"Requested resource not found: ResourcArn: {arn} not found",
        400,
    )


def test_aws_prefixed_tag_key_is_rejected(ddb: Any, make_table: Any) -> None:
    make_table("t")
    arn = ddb.describe_table(TableName="t")["Table"]["TableArn"]
    with pytest.raises(ClientError) as exc:
        ddb.tag_resource(ResourceArn=arn, Tags=[{"Key": "aws:x", "Value": "1"}])
    assert error(exc)[1] == "Tag Key cannot be prefixed with aws:, Key: aws:x"


def test_describe_endpoints_points_at_this_server(cloudlet: Any, ddb: Any) -> None:
    [endpoint] = ddb.describe_endpoints()["Endpoints"]
    assert endpoint["CachePeriodInMinutes"] == 1440
    assert cloudlet.endpoint.endswith(endpoint["Address"])


def test_describe_limits_gives_default_quotas(ddb: Any) -> None:
    limits = ddb.describe_limits()
    assert limits["AccountMaxReadCapacityUnits"] == 80000
    assert limits["TableMaxWriteCapacityUnits"] == 40000
