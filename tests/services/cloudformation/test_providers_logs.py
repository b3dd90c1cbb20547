"""AWS::Logs::* providers, driven directly on the server loop (as the engine drives them)."""

from __future__ import annotations

import pytest

from tests.services.cloudformation.test_providers_sqs import create, delete, resource, update

pytestmark = pytest.mark.cloudlet(in_memory=True, services=["logs", "cloudformation"])


def test_log_group_and_stream(cloudlet):
    logs = cloudlet.client("logs")
    group = resource(
        "Audit", "AWS::Logs::LogGroup", {"RetentionInDays": "7", "Tags": [{"Key": "a", "Value": "1"}]}
    )
    done = create(cloudlet, group)
    name = done.physical_id
    assert name.startswith("app-Audit-")
    assert done.attributes == {"Arn": f"arn:aws:logs:us-east-1:000000000000:log-group:{name}:*"}
    (described,) = logs.describe_log_groups(logGroupNamePrefix=name)["logGroups"]
    assert described["retentionInDays"] == 7 and described["arn"] == done.attributes["Arn"]
    assert logs.list_tags_log_group(logGroupName=name)["tags"] == {"a": "1"}

    update(cloudlet, group, {"Tags": [{"Key": "b", "Value": "2"}]})
    (described,) = logs.describe_log_groups(logGroupNamePrefix=name)["logGroups"]
    assert "retentionInDays" not in described
    assert logs.list_tags_log_group(logGroupName=name)["tags"] == {"b": "2"}

    stream = resource("Web", "AWS::Logs::LogStream", {"LogGroupName": name, "LogStreamName": "web-1"})
    assert create(cloudlet, stream).physical_id == "web-1"
    assert [s["logStreamName"] for s in logs.describe_log_streams(logGroupName=name)["logStreams"]] == [
        "web-1"
    ]
    delete(cloudlet, stream)
    delete(cloudlet, stream)
    assert logs.describe_log_streams(logGroupName=name)["logStreams"] == []

    delete(cloudlet, group)
    delete(cloudlet, group)
    assert logs.describe_log_groups(logGroupNamePrefix=name)["logGroups"] == []


def test_bad_retention_leaves_nothing(cloudlet):
    logs = cloudlet.client("logs")
    with pytest.raises(Exception) as info:
        create(
            cloudlet, resource("G", "AWS::Logs::LogGroup", {"LogGroupName": "/app/g", "RetentionInDays": 8})
        )
    assert getattr(info.value, "code", "") == "InvalidParameterException"
    assert logs.describe_log_groups(logGroupNamePrefix="/app/g")["logGroups"] == []
