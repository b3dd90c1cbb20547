"""Event buses: create, describe, update, delete, list; permissions (the bus policy); tags on buses and
rules."""

from __future__ import annotations

import json
from typing import Any

import pytest
from botocore.exceptions import ClientError
from hypothesis import given
from hypothesis import strategies as st

from cloudlet.services.events.operations.buses import page

ACCOUNT = "000000000000"
DEFAULT_ARN = f"arn:aws:events:us-east-1:{ACCOUNT}:event-bus/default"


def error(exc: pytest.ExceptionInfo[ClientError]) -> tuple[str, int, str]:
    response = exc.value.response
    return (
        response["Error"]["Code"],
        response["ResponseMetadata"]["HTTPStatusCode"],
        response["Error"]["Message"],
    )


# --- buses --------------------------------------------------------------------------------------------


def test_create_event_bus_returns_its_arn(events: Any) -> None:
    arn = events.create_event_bus(Name="shop")["EventBusArn"]
    assert arn == f"arn:aws:events:us-east-1:{ACCOUNT}:event-bus/shop"


def test_create_event_bus_echoes_its_settings(events: Any) -> None:
    result = events.create_event_bus(
        Name="shop",
        Description="orders and payments",
        KmsKeyIdentifier="alias/shop",
        DeadLetterConfig={"Arn": "arn:aws:sqs:us-east-1:000000000000:dlq"},
    )
    assert result["Description"] == "orders and payments"
    assert result["KmsKeyIdentifier"] == "alias/shop"
    assert result["DeadLetterConfig"] == {"Arn": "arn:aws:sqs:us-east-1:000000000000:dlq"}


def test_describe_event_bus_returns_its_settings(events: Any) -> None:
    events.create_event_bus(
        Name="shop",
        Description="orders",
        KmsKeyIdentifier="alias/shop",
        DeadLetterConfig={"Arn": "arn:aws:sqs:us-east-1:000000000000:dlq"},
    )
    bus = events.describe_event_bus(Name="shop")
    assert bus["Name"] == "shop"
    assert bus["Arn"] == f"arn:aws:events:us-east-1:{ACCOUNT}:event-bus/shop"
    assert bus["Description"] == "orders"
    assert bus["KmsKeyIdentifier"] == "alias/shop"
    assert bus["DeadLetterConfig"] == {"Arn": "arn:aws:sqs:us-east-1:000000000000:dlq"}
    assert bus["CreationTime"] == bus["LastModifiedTime"]
    assert "Policy" not in bus


def test_describe_the_default_bus_without_a_name(events: Any) -> None:
    bus = events.describe_event_bus()
    assert (bus["Name"], bus["Arn"]) == ("default", DEFAULT_ARN)


def test_describe_event_bus_by_arn(events: Any) -> None:
    arn = events.create_event_bus(Name="shop")["EventBusArn"]
    assert events.describe_event_bus(Name=arn)["Name"] == "shop"


def test_describe_unknown_event_bus(events: Any) -> None:
    with pytest.raises(ClientError) as exc:
        events.describe_event_bus(Name="nope")
    assert error(exc) == ("ResourceNotFoundException", 400, "Event bus nope does not exist.")


def test_create_existing_event_bus(events: Any) -> None:
    events.create_event_bus(Name="shop")
    with pytest.raises(ClientError) as exc:
        events.create_event_bus(Name="shop")
    assert error(exc) == ("ResourceAlreadyExistsException", 400, "Event bus shop already exists.")


def test_default_bus_cannot_be_created(events: Any) -> None:
    with pytest.raises(ClientError) as exc:
        events.create_event_bus(Name="default")
    assert error(exc) == ("ResourceAlreadyExistsException", 400, "Event bus default already exists.")


def test_custom_bus_name_cannot_contain_a_slash(events: Any) -> None:
    with pytest.raises(ClientError) as exc:
        events.create_event_bus(Name="aws.partner/acme.com/orders")
    assert error(exc) == ("ValidationException", 400, "Event bus name must not contain '/'.")


def test_partner_bus_needs_an_existing_event_source(events: Any) -> None:
    with pytest.raises(ClientError) as exc:
        events.create_event_bus(
            Name="aws.partner/acme.com/orders", EventSourceName="aws.partner/acme.com/orders"
        )
    assert error(exc) == (
        "ResourceNotFoundException",
        400,
        "Event source aws.partner/acme.com/orders does not exist.",
    )


def test_update_event_bus_replaces_its_settings(cloudlet: Any, events: Any) -> None:
    events.create_event_bus(Name="shop", Description="old", KmsKeyIdentifier="alias/old")
    cloudlet.clock.advance(60)
    result = events.update_event_bus(Name="shop", Description="new")
    assert (result["Name"], result["Description"]) == ("shop", "new")
    bus = events.describe_event_bus(Name="shop")
    assert bus["Description"] == "new"
    assert "KmsKeyIdentifier" not in bus
    assert (bus["LastModifiedTime"] - bus["CreationTime"]).total_seconds() == 60


def test_update_unknown_event_bus(events: Any) -> None:
    with pytest.raises(ClientError) as exc:
        events.update_event_bus(Name="nope", Description="x")
    assert error(exc) == ("ResourceNotFoundException", 400, "Event bus nope does not exist.")


def test_delete_event_bus(events: Any) -> None:
    events.create_event_bus(Name="shop")
    events.delete_event_bus(Name="shop")
    assert [b["Name"] for b in events.list_event_buses()["EventBuses"]] == ["default"]


def test_delete_event_bus_deletes_its_rules(events: Any) -> None:
    events.create_event_bus(Name="shop")
    events.put_rule(Name="orders", EventPattern='{"source": ["x"]}', EventBusName="shop")
    events.delete_event_bus(Name="shop")
    events.create_event_bus(Name="shop")
    assert events.list_rules(EventBusName="shop")["Rules"] == []


def test_delete_unknown_event_bus_succeeds(events: Any) -> None:
    events.delete_event_bus(Name="nope")


def test_default_bus_cannot_be_deleted(events: Any) -> None:
    with pytest.raises(ClientError) as exc:
        events.delete_event_bus(Name="default")
    assert error(exc) == ("ValidationException", 400, "Cannot delete event bus default.")


def test_list_event_buses_includes_the_default_bus(events: Any) -> None:
    events.create_event_bus(Name="shop")
    buses = events.list_event_buses()["EventBuses"]
    assert [(b["Name"], b["Arn"]) for b in buses] == [
        ("default", DEFAULT_ARN),
        ("shop", f"arn:aws:events:us-east-1:{ACCOUNT}:event-bus/shop"),
    ]


def test_list_event_buses_by_prefix(events: Any) -> None:
    for name in ("other-1", "test-1", "test-2"):
        events.create_event_bus(Name=name)
    assert [b["Name"] for b in events.list_event_buses(NamePrefix="test")["EventBuses"]] == [
        "test-1",
        "test-2",
    ]


def test_list_event_buses_pages(events: Any) -> None:
    for name in ("a", "b", "c"):
        events.create_event_bus(Name=name)
    first = events.list_event_buses(Limit=3)
    second = events.list_event_buses(Limit=3, NextToken=first["NextToken"])
    assert [b["Name"] for b in first["EventBuses"] + second["EventBuses"]] == ["a", "b", "c", "default"]
    assert "NextToken" not in second


def test_invalid_next_token(events: Any) -> None:
    with pytest.raises(ClientError) as exc:
        events.list_event_buses(NextToken="garbage!")
    assert error(exc)[:2] == ("ValidationException", 400)


def test_buses_are_per_account(cloudlet: Any, events: Any) -> None:
    events.create_event_bus(Name="shop")
    other = cloudlet.client("events", account="111111111111")
    assert [b["Name"] for b in other.list_event_buses()["EventBuses"]] == ["default"]


# --- permissions --------------------------------------------------------------------------------------------


def test_put_permission_adds_a_statement_to_the_bus_policy(events: Any) -> None:
    events.create_event_bus(Name="shop")
    events.put_permission(
        EventBusName="shop", Action="events:PutEvents", Principal="111111111111", StatementId="s1"
    )
    policy = json.loads(events.describe_event_bus(Name="shop")["Policy"])
    assert policy == {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "s1",
                "Effect": "Allow",
                "Principal": {"AWS": "arn:aws:iam::111111111111:root"},
                "Action": "events:PutEvents",
                "Resource": f"arn:aws:events:us-east-1:{ACCOUNT}:event-bus/shop",
            }
        ],
    }


def test_put_permission_with_an_organization_condition(events: Any) -> None:
    events.put_permission(
        Action="events:PutEvents",
        Principal="*",
        StatementId="org",
        Condition={"Type": "StringEquals", "Key": "aws:PrincipalOrgID", "Value": "o-1234567890"},
    )
    statement = json.loads(events.describe_event_bus()["Policy"])["Statement"][0]
    assert statement["Principal"] == "*"
    assert statement["Condition"] == {"StringEquals": {"aws:PrincipalOrgID": "o-1234567890"}}


def test_put_permission_with_a_policy_document_replaces_the_policy(events: Any) -> None:
    events.put_permission(Action="events:PutEvents", Principal="111111111111", StatementId="old")
    document = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "new",
                "Effect": "Allow",
                "Principal": {"AWS": "arn:aws:iam::222222222222:root"},
                "Action": "events:PutEvents",
                "Resource": DEFAULT_ARN,
            }
        ],
    }
    events.put_permission(Policy=json.dumps(document))
    assert json.loads(events.describe_event_bus()["Policy"]) == document


def test_put_permission_only_for_put_events(events: Any) -> None:
    with pytest.raises(ClientError) as exc:
        events.put_permission(Action="events:PutRule", Principal="111111111111", StatementId="s1")
    assert error(exc) == (
        "ValidationException",
        400,
        "Provided value in parameter 'action' is not supported.",
    )


def test_put_permission_on_unknown_bus(events: Any) -> None:
    with pytest.raises(ClientError) as exc:
        events.put_permission(
            EventBusName="nope", Action="events:PutEvents", Principal="111111111111", StatementId="s1"
        )
    assert error(exc) == ("ResourceNotFoundException", 400, "Event bus nope does not exist.")


def test_remove_permission_removes_one_statement(events: Any) -> None:
    for i, account in enumerate(("111111111111", "222222222222")):
        events.put_permission(Action="events:PutEvents", Principal=account, StatementId=f"s{i}")
    events.remove_permission(StatementId="s1")
    statements = json.loads(events.describe_event_bus()["Policy"])["Statement"]
    assert [s["Sid"] for s in statements] == ["s0"]


def test_removing_the_last_statement_drops_the_policy(events: Any) -> None:
    events.put_permission(Action="events:PutEvents", Principal="111111111111", StatementId="s1")
    events.remove_permission(StatementId="s1")
    assert "Policy" not in events.describe_event_bus()


def test_remove_all_permissions(events: Any) -> None:
    events.put_permission(Action="events:PutEvents", Principal="111111111111", StatementId="s1")
    events.remove_permission(RemoveAllPermissions=True)
    assert "Policy" not in events.describe_event_bus()


def test_remove_permission_without_a_policy(events: Any) -> None:
    with pytest.raises(ClientError) as exc:
        events.remove_permission(StatementId="s1")
    assert error(exc) == ("ResourceNotFoundException", 400, "EventBus does not have a policy.")


def test_remove_unknown_statement(events: Any) -> None:
    events.put_permission(Action="events:PutEvents", Principal="111111111111", StatementId="s1")
    with pytest.raises(ClientError) as exc:
        events.remove_permission(StatementId="s2")
    assert error(exc) == ("ResourceNotFoundException", 400, "Statement with the provided id does not exist.")


# --- tags --------------------------------------------------------------------------------------------


def test_bus_created_with_tags(events: Any) -> None:
    arn = events.create_event_bus(Name="shop", Tags=[{"Key": "team", "Value": "shop"}])["EventBusArn"]
    assert events.list_tags_for_resource(ResourceARN=arn)["Tags"] == [{"Key": "team", "Value": "shop"}]


def test_tag_and_untag_a_rule(events: Any) -> None:
    arn = events.put_rule(Name="orders", EventPattern='{"source": ["x"]}')["RuleArn"]
    events.tag_resource(ResourceARN=arn, Tags=[{"Key": "a", "Value": "1"}, {"Key": "b", "Value": "2"}])
    events.tag_resource(ResourceARN=arn, Tags=[{"Key": "a", "Value": "3"}])
    events.untag_resource(ResourceARN=arn, TagKeys=["b"])
    assert events.list_tags_for_resource(ResourceARN=arn)["Tags"] == [{"Key": "a", "Value": "3"}]


def test_tag_the_default_bus(events: Any) -> None:
    events.tag_resource(ResourceARN=DEFAULT_ARN, Tags=[{"Key": "env", "Value": "dev"}])
    assert events.list_tags_for_resource(ResourceARN=DEFAULT_ARN)["Tags"] == [{"Key": "env", "Value": "dev"}]


def test_duplicate_tag_keys_are_refused(events: Any) -> None:
    with pytest.raises(ClientError) as exc:
        events.tag_resource(
            ResourceARN=DEFAULT_ARN, Tags=[{"Key": "a", "Value": "1"}, {"Key": "a", "Value": "2"}]
        )
    assert error(exc) == ("ValidationException", 400, "Invalid parameter: Duplicated keys are not allowed.")


def test_tags_of_unknown_rule(events: Any) -> None:
    with pytest.raises(ClientError) as exc:
        events.list_tags_for_resource(ResourceARN=f"arn:aws:events:us-east-1:{ACCOUNT}:rule/unknown")
    assert error(exc) == (
        "ResourceNotFoundException",
        400,
        "Rule unknown does not exist on EventBus default.",
    )


def test_tag_unknown_bus(events: Any) -> None:
    with pytest.raises(ClientError) as exc:
        events.tag_resource(
            ResourceARN=f"arn:aws:events:us-east-1:{ACCOUNT}:event-bus/nope",
            Tags=[{"Key": "a", "Value": "1"}],
        )
    assert error(exc) == ("ResourceNotFoundException", 400, "Event bus nope does not exist.")


def test_tags_of_a_deleted_rule_are_gone(events: Any) -> None:
    arn = events.put_rule(Name="orders", EventPattern='{"source": ["x"]}', Tags=[{"Key": "a", "Value": "1"}])[
        "RuleArn"
    ]
    events.delete_rule(Name="orders")
    with pytest.raises(ClientError) as exc:
        events.list_tags_for_resource(ResourceARN=arn)
    assert error(exc)[0] == "ResourceNotFoundException"


# --- paging (pure) -----------------------------------------------------------------------------------------


@given(st.lists(st.integers(), max_size=40), st.integers(min_value=1, max_value=12))
def test_pages_cover_every_item_once_in_order(items: list[int], limit: int) -> None:
    seen: list[int] = []
    chosen, token = page(items, None, limit)
    seen += chosen
    while token:
        assert len(chosen) == limit
        chosen, token = page(items, token, limit)
        seen += chosen
    assert seen == items
