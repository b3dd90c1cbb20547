"""Rules: PutRule (patterns, schedules, updates), DescribeRule, ListRules, Enable/DisableRule, DeleteRule,
ListRuleNamesByTarget."""

from __future__ import annotations

import json
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.services.events.conftest import drain, make_queue

ACCOUNT = "000000000000"
PATTERN = json.dumps({"source": ["my.app"]})


def error(exc: pytest.ExceptionInfo[ClientError]) -> tuple[str, int, str]:
    response = exc.value.response
    return (
        response["Error"]["Code"],
        response["ResponseMetadata"]["HTTPStatusCode"],
        response["Error"]["Message"],
    )


def test_put_rule_returns_the_rule_arn(events: Any) -> None:
    arn = events.put_rule(Name="orders", EventPattern=PATTERN)["RuleArn"]
    assert arn == f"arn:aws:events:us-east-1:{ACCOUNT}:rule/orders"


def test_rule_on_a_custom_bus_has_the_bus_in_its_arn(events: Any) -> None:
    events.create_event_bus(Name="shop")
    arn = events.put_rule(Name="orders", EventPattern=PATTERN, EventBusName="shop")["RuleArn"]
    assert arn == f"arn:aws:events:us-east-1:{ACCOUNT}:rule/shop/orders"


def test_describe_rule_returns_what_was_put(events: Any) -> None:
    events.put_rule(
        Name="orders",
        EventPattern=PATTERN,
        State="DISABLED",
        Description="all orders",
        RoleArn="arn:aws:iam::000000000000:role/events",
    )
    rule = events.describe_rule(Name="orders")
    rule.pop("ResponseMetadata")
    assert rule == {
        "Name": "orders",
        "Arn": f"arn:aws:events:us-east-1:{ACCOUNT}:rule/orders",
        "EventPattern": PATTERN,
        "State": "DISABLED",
        "Description": "all orders",
        "RoleArn": "arn:aws:iam::000000000000:role/events",
        "EventBusName": "default",
        "CreatedBy": ACCOUNT,
    }


def test_rule_is_enabled_by_default(events: Any) -> None:
    events.put_rule(Name="orders", EventPattern=PATTERN)
    assert events.describe_rule(Name="orders")["State"] == "ENABLED"


def test_describe_rule_by_bus_arn(events: Any) -> None:
    bus_arn = events.create_event_bus(Name="shop")["EventBusArn"]
    events.put_rule(Name="orders", EventPattern=PATTERN, EventBusName=bus_arn)
    assert events.describe_rule(Name="orders", EventBusName=bus_arn)["EventBusName"] == "shop"


def test_describe_unknown_rule(events: Any) -> None:
    with pytest.raises(ClientError) as exc:
        events.describe_rule(Name="nope")
    assert error(exc) == ("ResourceNotFoundException", 400, "Rule nope does not exist on EventBus default.")


def test_put_rule_on_unknown_bus(events: Any) -> None:
    with pytest.raises(ClientError) as exc:
        events.put_rule(Name="orders", EventPattern=PATTERN, EventBusName="nope")
    assert error(exc) == ("ResourceNotFoundException", 400, "Event bus nope does not exist.")


def test_put_rule_needs_a_pattern_or_a_schedule(events: Any) -> None:
    with pytest.raises(ClientError) as exc:
        events.put_rule(Name="orders")
    assert error(exc) == (
        "ValidationException",
        400,
        "Parameter(s) EventPattern or ScheduleExpression must be specified.",
    )


def test_put_rule_rejects_a_pattern_that_is_not_json(events: Any) -> None:
    with pytest.raises(ClientError) as exc:
        events.put_rule(Name="orders", EventPattern="{not json")
    code, status, message = error(exc)
    assert (code, status) == ("InvalidEventPatternException", 400)
    assert message.startswith("Event pattern is not valid. Reason: ")


def test_put_rule_rejects_a_pattern_value_that_is_not_an_array(events: Any) -> None:
    with pytest.raises(ClientError) as exc:
        events.put_rule(Name="orders", EventPattern=json.dumps({"source": "my.app"}))
    assert error(exc) == (
        "InvalidEventPatternException",
        400,
        'Event pattern is not valid. Reason: "source" must be an object or an array',
    )


def test_scheduled_rule_is_stored(events: Any) -> None:
    events.put_rule(Name="tick", ScheduleExpression="rate(5 minutes)")
    assert events.describe_rule(Name="tick")["ScheduleExpression"] == "rate(5 minutes)"


def test_schedule_only_on_the_default_bus(events: Any) -> None:
    events.create_event_bus(Name="shop")
    with pytest.raises(ClientError) as exc:
        events.put_rule(Name="tick", ScheduleExpression="rate(5 minutes)", EventBusName="shop")
    assert error(exc) == (
        "ValidationException",
        400,
        "ScheduleExpression is supported only on the default event bus.",
    )


def test_invalid_schedule_expression(events: Any) -> None:
    with pytest.raises(ClientError) as exc:
        events.put_rule(Name="tick", ScheduleExpression="every five minutes")
    assert error(exc) == ("ValidationException", 400, "Parameter ScheduleExpression is not valid.")


def test_put_rule_again_replaces_the_rule_and_keeps_its_targets(events: Any) -> None:
    events.put_rule(Name="orders", EventPattern=PATTERN, Description="old")
    target = {"Id": "t1", "Arn": "arn:aws:sqs:us-east-1:000000000000:q"}
    events.put_targets(Rule="orders", Targets=[target])
    other = json.dumps({"source": ["other.app"]})
    events.put_rule(Name="orders", EventPattern=other)
    rule = events.describe_rule(Name="orders")
    assert rule["EventPattern"] == other
    assert "Description" not in rule
    assert events.list_targets_by_rule(Rule="orders")["Targets"] == [target]


def test_put_rule_name_must_match_the_pattern(events: Any) -> None:
    with pytest.raises(ClientError) as exc:
        events.put_rule(Name="bad name", EventPattern=PATTERN)
    assert error(exc) == (
        "ValidationException",
        400,
        "1 validation error detected: Value 'bad name' at 'name' failed to satisfy constraint: Member must"
        " satisfy regular expression pattern: [\\.\\-_A-Za-z0-9]+",
    )


def test_list_rules_of_the_default_bus(events: Any) -> None:
    events.put_rule(Name="b", EventPattern=PATTERN)
    events.put_rule(Name="a", ScheduleExpression="rate(1 hour)")
    rules = events.list_rules()["Rules"]
    assert [r["Name"] for r in rules] == ["a", "b"]
    assert rules[0] == {
        "Name": "a",
        "Arn": f"arn:aws:events:us-east-1:{ACCOUNT}:rule/a",
        "ScheduleExpression": "rate(1 hour)",
        "State": "ENABLED",
        "EventBusName": "default",
    }


def test_list_rules_by_prefix(events: Any) -> None:
    for name in ("order-created", "order-paid", "invoice"):
        events.put_rule(Name=name, EventPattern=PATTERN)
    names = [r["Name"] for r in events.list_rules(NamePrefix="order-")["Rules"]]
    assert names == ["order-created", "order-paid"]


def test_list_rules_only_of_the_named_bus(events: Any) -> None:
    events.create_event_bus(Name="shop")
    events.put_rule(Name="on-default", EventPattern=PATTERN)
    events.put_rule(Name="on-shop", EventPattern=PATTERN, EventBusName="shop")
    assert [r["Name"] for r in events.list_rules(EventBusName="shop")["Rules"]] == ["on-shop"]


def test_list_rules_pages_with_limit_and_token(events: Any) -> None:
    for i in range(5):
        events.put_rule(Name=f"r{i}", EventPattern=PATTERN)
    first = events.list_rules(Limit=2)
    second = events.list_rules(Limit=2, NextToken=first["NextToken"])
    third = events.list_rules(Limit=2, NextToken=second["NextToken"])
    names = [r["Name"] for page in (first, second, third) for r in page["Rules"]]
    assert names == ["r0", "r1", "r2", "r3", "r4"]
    assert "NextToken" not in third


def test_disable_and_enable_rule(events: Any) -> None:
    events.put_rule(Name="orders", EventPattern=PATTERN)
    events.disable_rule(Name="orders")
    assert events.describe_rule(Name="orders")["State"] == "DISABLED"
    events.enable_rule(Name="orders")
    assert events.describe_rule(Name="orders")["State"] == "ENABLED"


def test_enable_unknown_rule(events: Any) -> None:
    with pytest.raises(ClientError) as exc:
        events.enable_rule(Name="nope")
    assert error(exc) == ("ResourceNotFoundException", 400, "Rule nope does not exist on EventBus default.")


def test_delete_rule(events: Any) -> None:
    events.put_rule(Name="orders", EventPattern=PATTERN)
    events.delete_rule(Name="orders")
    assert events.list_rules()["Rules"] == []


def test_delete_unknown_rule_succeeds(events: Any) -> None:
    events.delete_rule(Name="nope")


def test_delete_rule_with_targets_is_refused(events: Any) -> None:
    events.put_rule(Name="orders", EventPattern=PATTERN)
    events.put_targets(Rule="orders", Targets=[{"Id": "t1", "Arn": "arn:aws:sqs:us-east-1:000000000000:q"}])
    with pytest.raises(ClientError) as exc:
        events.delete_rule(Name="orders")
    assert error(exc) == ("ValidationException", 400, "Rule can't be deleted since it has targets.")


def test_delete_rule_with_force_still_needs_its_targets_removed(events: Any) -> None:
    events.put_rule(Name="orders", EventPattern=PATTERN)
    events.put_targets(Rule="orders", Targets=[{"Id": "t1", "Arn": "arn:aws:sqs:us-east-1:000000000000:q"}])
    with pytest.raises(ClientError) as exc:
        events.delete_rule(Name="orders", Force=True)
    assert error(exc)[0] == "ValidationException"


def test_delete_rule_on_unknown_bus(events: Any) -> None:
    with pytest.raises(ClientError) as exc:
        events.delete_rule(Name="orders", EventBusName="nope")
    assert error(exc) == ("ResourceNotFoundException", 400, "Event bus nope does not exist.")


def test_put_rule_tags_are_listed(events: Any) -> None:
    arn = events.put_rule(Name="orders", EventPattern=PATTERN, Tags=[{"Key": "team", "Value": "shop"}])[
        "RuleArn"
    ]
    assert events.list_tags_for_resource(ResourceARN=arn)["Tags"] == [{"Key": "team", "Value": "shop"}]


def test_list_rule_names_by_target(events: Any) -> None:
    queue = "arn:aws:sqs:us-east-1:000000000000:q"
    for name in ("b", "a", "c"):
        events.put_rule(Name=name, EventPattern=PATTERN)
    events.put_targets(Rule="b", Targets=[{"Id": "t", "Arn": queue}])
    events.put_targets(Rule="a", Targets=[{"Id": "t", "Arn": queue}])
    events.put_targets(Rule="c", Targets=[{"Id": "t", "Arn": "arn:aws:sqs:us-east-1:000000000000:other"}])
    assert events.list_rule_names_by_target(TargetArn=queue)["RuleNames"] == ["a", "b"]


def test_rules_are_per_region(cloudlet: Any, events: Any) -> None:
    events.put_rule(Name="orders", EventPattern=PATTERN)
    west = cloudlet.client("events", region="eu-west-1")
    assert west.list_rules()["Rules"] == []


# --- rules an AWS service manages (archives create them) ------------------------------------------------


@pytest.fixture
def managed(cloudlet: Any, events: Any) -> str:
    """A rule with a target, then marked as managed by an AWS service, as an archive's rule is."""
    from cloudlet.services.events import store

    arn = events.put_rule(Name="managed", EventPattern=PATTERN)["RuleArn"]
    events.put_targets(Rule="managed", Targets=[{"Id": "t", "Arn": "arn:aws:sqs:us-east-1:000000000000:q"}])
    with cloudlet.app.db.transaction() as tx:
        rule = store.get_rule(tx, arn)
        assert rule is not None
        rule.managed_by = "prod.vhs.events.aws.internal"
        store.upsert_rule(tx, rule)
    return "managed"


def test_managed_rule_shows_who_manages_it(events: Any, managed: str) -> None:
    assert events.describe_rule(Name=managed)["ManagedBy"] == "prod.vhs.events.aws.internal"


@pytest.mark.parametrize(
    "call",
    [
        lambda ev: ev.put_rule(Name="managed", EventPattern=PATTERN),
        lambda ev: ev.disable_rule(Name="managed"),
        lambda ev: ev.enable_rule(Name="managed"),
        lambda ev: ev.delete_rule(Name="managed"),
        lambda ev: ev.put_targets(Rule="managed", Targets=[{"Id": "u", "Arn": "arn:aws:sqs:us-east-1:0:q"}]),
        lambda ev: ev.remove_targets(Rule="managed", Ids=["t"]),
        lambda ev: ev.tag_resource(
            ResourceARN=f"arn:aws:events:us-east-1:{ACCOUNT}:rule/managed", Tags=[{"Key": "a", "Value": "b"}]
        ),
    ],
    ids=["put_rule", "disable", "enable", "delete", "put_targets", "remove_targets", "tag"],
)
def test_managed_rule_is_refused_without_force(events: Any, managed: str, call: Any) -> None:
    with pytest.raises(ClientError) as exc:
        call(events)
    assert error(exc)[:2] == ("ManagedRuleException", 400)


def test_managed_rule_is_removed_with_force(events: Any, managed: str) -> None:
    events.remove_targets(Rule=managed, Ids=["t"], Force=True)
    events.delete_rule(Name=managed, Force=True)
    assert events.list_rules()["Rules"] == []


# --- rule changes take effect on the next event --------------------------------------------------------


def send(cloudlet: Any, events: Any) -> None:
    events.put_events(Entries=[{"Source": "my.app", "DetailType": "order", "Detail": "{}"}])
    cloudlet.settle()


def test_disabled_rule_stops_matching_and_enabled_rule_resumes(cloudlet: Any, events: Any, sqs: Any) -> None:
    url, arn = make_queue(sqs, "orders")
    events.put_rule(Name="orders", EventPattern=PATTERN)
    events.put_targets(Rule="orders", Targets=[{"Id": "q", "Arn": arn}])
    send(cloudlet, events)
    assert len(drain(sqs, url)) == 1
    events.disable_rule(Name="orders")
    send(cloudlet, events)
    assert drain(sqs, url) == []
    events.enable_rule(Name="orders")
    send(cloudlet, events)
    assert len(drain(sqs, url)) == 1


def test_changed_pattern_and_targets_apply_to_the_next_event(cloudlet: Any, events: Any, sqs: Any) -> None:
    first_url, first = make_queue(sqs, "first")
    second_url, second = make_queue(sqs, "second")
    events.put_rule(Name="orders", EventPattern=json.dumps({"source": ["other.app"]}))
    events.put_targets(Rule="orders", Targets=[{"Id": "a", "Arn": first}])
    send(cloudlet, events)
    events.put_rule(Name="orders", EventPattern=PATTERN)
    events.put_targets(Rule="orders", Targets=[{"Id": "b", "Arn": second}])
    events.remove_targets(Rule="orders", Ids=["a"])
    send(cloudlet, events)
    assert (len(drain(sqs, first_url)), len(drain(sqs, second_url))) == (0, 1)
