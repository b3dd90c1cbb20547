"""AWS::Events::* providers, driven directly on the server loop (as the engine drives them)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from botocore.exceptions import ClientError

from cloudlet.protocol.errors import ServiceError
from cloudlet.services.cloudformation.providers.base import ProviderError
from tests.services.cloudformation.harness import (
    ACCOUNT,
    REGION,
    create,
    delete,
    resource,
    update,
)

pytestmark = pytest.mark.cloudlet(in_memory=True, services=["events", "sqs", "cloudformation"])


def queue(cloudlet: Any, name: str) -> tuple[str, str]:
    sqs = cloudlet.client("sqs")
    url = sqs.create_queue(QueueName=name)["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    return url, arn


def bodies(cloudlet: Any, url: str) -> list[Any]:
    cloudlet.settle()
    messages = (
        cloudlet.client("sqs").receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])
    )
    return [json.loads(m["Body"]) for m in messages]


def test_rule_delivers_to_a_queue_and_updates_in_place(cloudlet):
    events = cloudlet.client("events")
    url, arn = queue(cloudlet, "orders")
    dlq_url, dlq_arn = queue(cloudlet, "orders-dlq")
    props = {
        "EventPattern": {"source": ["shop"], "detail-type": ["order"]},
        "Targets": [
            {
                "Id": "Orders",
                "Arn": arn,
                "InputTransformer": {
                    "InputPathsMap": {"id": "$.detail.id"},
                    "InputTemplate": '{"order": <id>}',
                },
                "DeadLetterConfig": {"Arn": dlq_arn},
                "RetryPolicy": {"MaximumRetryAttempts": "3", "MaximumEventAgeInSeconds": "600"},
            }
        ],
        "Tags": [{"Key": "team", "Value": "shop"}],
    }
    rule = resource("OrderRule", "AWS::Events::Rule", props)
    done = create(cloudlet, rule)
    name = done.physical_id
    assert name.startswith("app-OrderRule-") and len(name) <= 64
    assert done.attributes == {"Arn": f"arn:aws:events:{REGION}:{ACCOUNT}:rule/{name}"}
    described = events.describe_rule(Name=name)
    assert described["State"] == "ENABLED" and json.loads(described["EventPattern"])["source"] == ["shop"]
    target = events.list_targets_by_rule(Rule=name)["Targets"][0]
    assert target["RetryPolicy"] == {"MaximumRetryAttempts": 3, "MaximumEventAgeInSeconds": 600}
    assert events.list_tags_for_resource(ResourceARN=done.attributes["Arn"])["Tags"] == [
        {"Key": "team", "Value": "shop"}
    ]

    detail = json.dumps({"id": 7})
    events.put_events(Entries=[{"Source": "shop", "DetailType": "order", "Detail": detail}])
    assert bodies(cloudlet, url) == [{"order": 7}]

    # update: the pattern is given as a JSON string, the target is swapped for another with plain Input
    other_url, other_arn = queue(cloudlet, "audit")
    update(
        cloudlet,
        rule,
        {
            "EventPattern": json.dumps({"source": ["shop"]}),
            "State": "ENABLED",
            "Description": "all shop events",
            "Targets": [{"Id": "Audit", "Arn": other_arn, "Input": '{"seen": true}'}],
        },
    )
    assert [t["Id"] for t in events.list_targets_by_rule(Rule=name)["Targets"]] == ["Audit"]
    assert events.list_tags_for_resource(ResourceARN=done.attributes["Arn"])["Tags"] == []
    events.put_events(Entries=[{"Source": "shop", "DetailType": "refund", "Detail": "{}"}])
    assert bodies(cloudlet, other_url) == [{"seen": True}]
    assert bodies(cloudlet, url) == []

    delete(cloudlet, rule)  # removes the targets first, as DeleteRule requires
    assert events.list_rules(NamePrefix=name)["Rules"] == []
    delete(cloudlet, rule)  # already gone: still done
    assert bodies(cloudlet, dlq_url) == []


def test_custom_bus_with_policy_rule_archive_and_bus_policy(cloudlet):
    events = cloudlet.client("events")
    url, arn = queue(cloudlet, "bus-events")
    policy = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "Partner",
                "Effect": "Allow",
                "Principal": {"AWS": "arn:aws:iam::111122223333:root"},
                "Action": "events:PutEvents",
                "Resource": f"arn:aws:events:{REGION}:{ACCOUNT}:event-bus/orders",
            }
        ],
    }
    bus = resource(
        "Bus", "AWS::Events::EventBus", {"Name": "orders", "Policy": policy, "Description": "orders"}
    )
    done = create(cloudlet, bus)
    bus_arn = f"arn:aws:events:{REGION}:{ACCOUNT}:event-bus/orders"
    assert done.physical_id == "orders"
    assert done.attributes["Arn"] == bus_arn and done.attributes["Name"] == "orders"
    assert json.loads(done.attributes["Policy"])["Statement"][0]["Sid"] == "Partner"

    rule = resource(
        "BusRule",
        "AWS::Events::Rule",
        {
            "Name": "big-orders",
            "EventBusName": "orders",
            "EventPattern": {"source": ["shop"]},
            "Targets": [{"Id": "q", "Arn": arn}],
        },
    )
    made = create(cloudlet, rule)
    assert made.physical_id == "orders|big-orders"  # Ref of a rule on a custom bus
    assert made.attributes["Arn"] == f"arn:aws:events:{REGION}:{ACCOUNT}:rule/orders/big-orders"

    archive = resource(
        "Archive",
        "AWS::Events::Archive",
        {"SourceArn": bus_arn, "RetentionDays": "7", "EventPattern": {"source": ["shop"]}},
    )
    kept = create(cloudlet, archive)
    assert kept.attributes == {
        "Arn": f"arn:aws:events:{REGION}:{ACCOUNT}:archive/{kept.physical_id}",
        "ArchiveName": kept.physical_id,
    }
    assert events.describe_archive(ArchiveName=kept.physical_id)["RetentionDays"] == 7
    update(cloudlet, archive, {"SourceArn": bus_arn, "RetentionDays": 30})
    described = events.describe_archive(ArchiveName=kept.physical_id)
    assert described["RetentionDays"] == 30 and "EventPattern" not in described

    statement = resource(
        "Statement",
        "AWS::Events::EventBusPolicy",
        {
            "EventBusName": "orders",
            "StatementId": "Other",
            "Action": "events:PutEvents",
            "Principal": "444455556666",
        },
    )
    create(cloudlet, statement)
    sids = [s["Sid"] for s in json.loads(events.describe_event_bus(Name="orders")["Policy"])["Statement"]]
    assert sids == ["Partner", "Other"]
    delete(cloudlet, statement)
    delete(cloudlet, statement)
    sids = [s["Sid"] for s in json.loads(events.describe_event_bus(Name="orders")["Policy"])["Statement"]]
    assert sids == ["Partner"]

    events.put_events(
        Entries=[{"Source": "shop", "DetailType": "x", "Detail": "{}", "EventBusName": "orders"}]
    )
    assert [b["source"] for b in bodies(cloudlet, url)] == ["shop"]

    # bus update: description and policy removed, tags added
    update(cloudlet, bus, {"Name": "orders", "Tags": [{"Key": "k", "Value": "v"}]})
    described = events.describe_event_bus(Name="orders")
    assert "Policy" not in described and "Description" not in described
    assert events.list_tags_for_resource(ResourceARN=bus_arn)["Tags"] == [{"Key": "k", "Value": "v"}]

    for res in (archive, rule, bus):
        delete(cloudlet, res)
        delete(cloudlet, res)
    with pytest.raises(ClientError):
        events.describe_event_bus(Name="orders")

    with pytest.raises(ProviderError, match=r"required key \[Name\] not found"):
        create(cloudlet, resource("NoName", "AWS::Events::EventBus", {}))


def test_schedule_rule_existing_name_and_bad_pattern(cloudlet):
    events = cloudlet.client("events")
    _, arn = queue(cloudlet, "ticks")
    rule = resource(
        "Tick",
        "AWS::Events::Rule",
        {
            "Name": "tick",
            "ScheduleExpression": "rate(5 minutes)",
            "State": "DISABLED",
            "Targets": [{"Id": "t", "Arn": arn}],
        },
    )
    create(cloudlet, rule)
    assert events.describe_rule(Name="tick")["ScheduleExpression"] == "rate(5 minutes)"
    with pytest.raises(ProviderError, match="with identifier 'tick' already exists"):
        create(
            cloudlet,
            resource("Tick2", "AWS::Events::Rule", {"Name": "tick", "ScheduleExpression": "rate(1 hour)"}),
        )
    with pytest.raises(ServiceError) as info:
        create(
            cloudlet,
            resource("Bad", "AWS::Events::Rule", {"Name": "bad", "EventPattern": {"source": "shop"}}),
        )
    assert info.value.code == "InvalidEventPatternException"


def test_connection_and_api_destination(cloudlet):
    events = cloudlet.client("events")
    connection = resource(
        "Conn",
        "AWS::Events::Connection",
        {
            "AuthorizationType": "API_KEY",
            "AuthParameters": {"ApiKeyAuthParameters": {"ApiKeyName": "x-api-key", "ApiKeyValue": "secret"}},
        },
    )
    made = create(cloudlet, connection)
    arn = made.attributes["Arn"]
    assert arn.startswith(f"arn:aws:events:{REGION}:{ACCOUNT}:connection/{made.physical_id}/")
    assert (
        made.attributes["ArnForPolicy"] == f"arn:aws:events:{REGION}:{ACCOUNT}:connection/{made.physical_id}"
    )
    destination = resource(
        "Dest",
        "AWS::Events::ApiDestination",
        {"ConnectionArn": arn, "InvocationEndpoint": "http://127.0.0.1:9/hook", "HttpMethod": "POST"},
    )
    dest = create(cloudlet, destination)
    update(
        cloudlet,
        destination,
        {
            "ConnectionArn": arn,
            "InvocationEndpoint": "http://127.0.0.1:9/hook",
            "HttpMethod": "PUT",
            "InvocationRateLimitPerSecond": "10",
        },
    )
    described = events.describe_api_destination(Name=dest.physical_id)
    assert described["HttpMethod"] == "PUT" and described["InvocationRateLimitPerSecond"] == 10
    delete(cloudlet, destination)
    delete(cloudlet, destination)
    delete(cloudlet, connection)
    delete(cloudlet, connection)


def test_through_a_stack_rule_to_queue_on_a_custom_bus(cloudlet):
    cfn, events = cloudlet.client("cloudformation"), cloudlet.client("events")
    template = {
        "Resources": {
            "Inbox": {"Type": "AWS::SQS::Queue"},
            "Bus": {"Type": "AWS::Events::EventBus", "Properties": {"Name": "shop"}},
            "Orders": {
                "Type": "AWS::Events::Rule",
                "Properties": {
                    "EventBusName": {"Ref": "Bus"},
                    "EventPattern": {"source": ["shop"]},
                    "Targets": [
                        {"Id": "inbox", "Arn": {"Fn::GetAtt": ["Inbox", "Arn"]}, "InputPath": "$.detail"}
                    ],
                },
            },
            "Archive": {
                "Type": "AWS::Events::Archive",
                "Properties": {"SourceArn": {"Fn::GetAtt": ["Bus", "Arn"]}, "RetentionDays": 1},
            },
        },
        "Outputs": {
            "Rule": {"Value": {"Ref": "Orders"}},
            "RuleArn": {"Value": {"Fn::GetAtt": ["Orders", "Arn"]}},
            "ArchiveArn": {"Value": {"Fn::GetAtt": ["Archive", "Arn"]}},
        },
    }
    cfn.create_stack(StackName="shop", TemplateBody=json.dumps(template))
    cloudlet.settle()
    stack = cfn.describe_stacks(StackName="shop")["Stacks"][0]
    assert stack["StackStatus"] == "CREATE_COMPLETE", stack.get("StackStatusReason")
    outputs = {o["OutputKey"]: o["OutputValue"] for o in stack["Outputs"]}
    bus, name = outputs["Rule"].split("|")
    assert bus == "shop" and name.startswith("shop-Orders-")
    assert outputs["RuleArn"] == f"arn:aws:events:{REGION}:{ACCOUNT}:rule/shop/{name}"
    assert outputs["ArchiveArn"].startswith(f"arn:aws:events:{REGION}:{ACCOUNT}:archive/")
    url = cfn.describe_stack_resource(StackName="shop", LogicalResourceId="Inbox")["StackResourceDetail"][
        "PhysicalResourceId"
    ]
    events.put_events(
        Entries=[{"Source": "shop", "DetailType": "o", "Detail": '{"id": 1}', "EventBusName": "shop"}]
    )
    assert bodies(cloudlet, url) == [{"id": 1}]

    cfn.delete_stack(StackName="shop")
    cloudlet.settle()
    assert [b["Name"] for b in events.list_event_buses()["EventBuses"]] == ["default"]
    assert events.list_archives()["Archives"] == []
