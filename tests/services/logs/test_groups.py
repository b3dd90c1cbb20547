"""Log groups: create, describe (prefix, pattern, paging), delete, retention policies, tags."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

from tests.services.logs.conftest import error_of

ACCOUNT = "000000000000"


def test_create_and_describe_a_group(cloudlet, logs):
    logs.create_log_group(logGroupName="/aws/lambda/orders", kmsKeyId="alias/k")
    [group] = logs.describe_log_groups()["logGroups"]
    assert group["logGroupName"] == "/aws/lambda/orders"
    assert group["arn"] == f"arn:aws:logs:us-east-1:{ACCOUNT}:log-group:/aws/lambda/orders:*"
    assert group["logGroupArn"] == f"arn:aws:logs:us-east-1:{ACCOUNT}:log-group:/aws/lambda/orders"
    assert group["creationTime"] == round(cloudlet.clock.now() * 1000)
    assert (group["storedBytes"], group["metricFilterCount"], group["logGroupClass"]) == (0, 0, "STANDARD")
    assert group["kmsKeyId"] == "alias/k"
    assert "retentionInDays" not in group


def test_creating_an_existing_group_fails(logs):
    logs.create_log_group(logGroupName="g")
    with pytest.raises(ClientError) as exc:
        logs.create_log_group(logGroupName="g")
    assert error_of(exc) == ("ResourceAlreadyExistsException", "The specified log group already exists", 400)


def test_a_group_name_outside_the_pattern_is_invalid(logs):
    with pytest.raises(ClientError) as exc:
        logs.create_log_group(logGroupName="bad:name")
    code, message, status = error_of(exc)
    assert (code, status) == ("InvalidParameterException", 400)
    assert message.startswith("1 validation error detected: Value 'bad:name' at 'logGroupName'")


def test_describe_filters_by_prefix_and_pattern(logs):
    for name in ("/aws/lambda/a", "/aws/lambda/b", "/app/DataLogs", "other"):
        logs.create_log_group(logGroupName=name)
    names = lambda **kw: [g["logGroupName"] for g in logs.describe_log_groups(**kw)["logGroups"]]  # noqa: E731
    assert names(logGroupNamePrefix="/aws/") == ["/aws/lambda/a", "/aws/lambda/b"]
    assert names(logGroupNamePattern="Data") == ["/app/DataLogs"]
    assert names(logGroupNamePattern="data") == []  # case-sensitive
    assert names(logGroupIdentifiers=["other"]) == ["other"]
    with pytest.raises(ClientError) as exc:
        logs.describe_log_groups(logGroupNamePrefix="/a", logGroupNamePattern="a")
    assert error_of(exc)[0] == "InvalidParameterException"


def test_describe_pages_with_limit_and_next_token(logs):
    for i in range(5):
        logs.create_log_group(logGroupName=f"g{i}")
    first = logs.describe_log_groups(limit=2)
    second = logs.describe_log_groups(limit=2, nextToken=first["nextToken"])
    third = logs.describe_log_groups(limit=2, nextToken=second["nextToken"])
    pages = [[g["logGroupName"] for g in p["logGroups"]] for p in (first, second, third)]
    assert pages == [["g0", "g1"], ["g2", "g3"], ["g4"]]
    assert "nextToken" not in third
    all_names = [
        g["logGroupName"]
        for p in logs.get_paginator("describe_log_groups").paginate()
        for g in p["logGroups"]
    ]
    assert all_names == [f"g{i}" for i in range(5)]


def test_groups_are_per_region_and_account(cloudlet, logs):
    logs.create_log_group(logGroupName="g")
    assert cloudlet.client("logs", region="eu-west-1").describe_log_groups()["logGroups"] == []
    assert cloudlet.client("logs", account="111111111111").describe_log_groups()["logGroups"] == []


def test_delete_a_group(logs):
    logs.create_log_group(logGroupName="g")
    logs.delete_log_group(logGroupName="g")
    assert logs.describe_log_groups()["logGroups"] == []
    with pytest.raises(ClientError) as exc:
        logs.delete_log_group(logGroupName="g")
    assert error_of(exc) == ("ResourceNotFoundException", "The specified log group does not exist.", 400)


def test_retention_policy_is_set_and_deleted(logs):
    logs.create_log_group(logGroupName="g")
    logs.put_retention_policy(logGroupName="g", retentionInDays=7)
    assert logs.describe_log_groups()["logGroups"][0]["retentionInDays"] == 7
    logs.delete_retention_policy(logGroupName="g")
    assert "retentionInDays" not in logs.describe_log_groups()["logGroups"][0]


def test_retention_outside_the_allowed_values_is_invalid(logs):
    logs.create_log_group(logGroupName="g")
    with pytest.raises(ClientError) as exc:
        logs.put_retention_policy(logGroupName="g", retentionInDays=2)
    code, message, _ = error_of(exc)
    assert code == "InvalidParameterException"
    assert "Member must satisfy enum value set: [1, 3, 5, 7, 14, 30," in message


def test_retention_on_a_missing_group_is_not_found(logs):
    with pytest.raises(ClientError) as exc:
        logs.put_retention_policy(logGroupName="nope", retentionInDays=1)
    assert error_of(exc)[0] == "ResourceNotFoundException"


def test_log_group_tags(logs):
    logs.create_log_group(logGroupName="g", tags={"team": "a"})
    logs.tag_log_group(logGroupName="g", tags={"env": "dev"})
    assert logs.list_tags_log_group(logGroupName="g")["tags"] == {"team": "a", "env": "dev"}
    logs.untag_log_group(logGroupName="g", tags=["team"])
    assert logs.list_tags_log_group(logGroupName="g")["tags"] == {"env": "dev"}
    with pytest.raises(ClientError) as exc:
        logs.list_tags_log_group(logGroupName="nope")
    assert error_of(exc)[0] == "ResourceNotFoundException"


def test_resource_tags_by_arn(logs):
    logs.create_log_group(logGroupName="g")
    arn = logs.describe_log_groups()["logGroups"][0]["logGroupArn"]
    logs.tag_resource(resourceArn=arn, tags={"a": "1", "b": "2"})
    logs.untag_resource(resourceArn=arn, tagKeys=["a"])
    assert logs.list_tags_for_resource(resourceArn=arn)["tags"] == {"b": "2"}
    assert logs.list_tags_for_resource(resourceArn=arn + ":*")["tags"] == {"b": "2"}
    with pytest.raises(ClientError) as exc:
        logs.list_tags_for_resource(resourceArn=arn.replace(":g", ":missing"))
    assert error_of(exc)[0] == "ResourceNotFoundException"


def test_too_many_tags(logs):
    logs.create_log_group(logGroupName="g", tags={f"k{i}": "v" for i in range(50)})
    arn = logs.describe_log_groups()["logGroups"][0]["logGroupArn"]
    with pytest.raises(ClientError) as exc:
        logs.tag_resource(resourceArn=arn, tags={"one": "more"})
    assert error_of(exc)[0] == "TooManyTagsException"


def test_operations_without_an_implementation_answer_not_implemented(logs):
    with pytest.raises(ClientError) as exc:
        logs.describe_metric_filters()
    assert error_of(exc)[0] == "NotImplemented"
