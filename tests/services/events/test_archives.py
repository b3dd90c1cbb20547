"""EventBridge archives: create, describe, update, delete, list; which events an archive captures;
retention.

Expected answers follow the EventBridge API reference and real-AWS recordings (localstack's
tests/aws/services/events/test_archive_and_replay.snapshot.json).
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from botocore.exceptions import ClientError

ACCOUNT = "000000000000"
REGION = "us-east-1"
DEFAULT_BUS = f"arn:aws:events:{REGION}:{ACCOUNT}:event-bus/default"
DAY_S = 86_400


def error_of(exc_info: Any) -> tuple[str, int, str]:
    response = exc_info.value.response
    return (
        response["Error"]["Code"],
        response["ResponseMetadata"]["HTTPStatusCode"],
        response["Error"].get("Message", ""),
    )


def put(events: Any, source: str = "shop", detail: dict[str, Any] | None = None, bus: str = "shop") -> None:
    entry = {
        "Source": source,
        "DetailType": "order",
        "Detail": json.dumps(detail or {"n": 1}),
        "EventBusName": bus,
    }
    result = events.put_events(Entries=[entry])
    assert result["FailedEntryCount"] == 0, result


def count(events: Any, name: str) -> int:
    return events.describe_archive(ArchiveName=name)["EventCount"]


# --- lifecycle ---------------------------------------------------------------------------------------------


def test_create_archive_returns_arn_state_and_creation_time(events: Any) -> None:
    out = events.create_archive(ArchiveName="orders", EventSourceArn=DEFAULT_BUS)
    assert out["ArchiveArn"] == f"arn:aws:events:{REGION}:{ACCOUNT}:archive/orders"
    assert out["State"] == "ENABLED"
    assert "CreationTime" in out


def test_describe_archive_shows_every_setting(events: Any) -> None:
    pattern = json.dumps({"source": ["shop"]})
    events.create_archive(
        ArchiveName="orders",
        EventSourceArn=DEFAULT_BUS,
        Description="all orders",
        EventPattern=pattern,
        RetentionDays=7,
    )
    out = events.describe_archive(ArchiveName="orders")
    out.pop("ResponseMetadata")
    created = out.pop("CreationTime")
    assert out == {
        "ArchiveArn": f"arn:aws:events:{REGION}:{ACCOUNT}:archive/orders",
        "ArchiveName": "orders",
        "EventSourceArn": DEFAULT_BUS,
        "Description": "all orders",
        "EventPattern": pattern,
        "State": "ENABLED",
        "RetentionDays": 7,
        "SizeBytes": 0,
        "EventCount": 0,
    }
    assert created.timestamp() > 0


def test_retention_defaults_to_zero(events: Any) -> None:
    events.create_archive(ArchiveName="forever", EventSourceArn=DEFAULT_BUS)
    assert events.describe_archive(ArchiveName="forever")["RetentionDays"] == 0


def test_create_archive_twice_is_resource_already_exists(events: Any) -> None:
    events.create_archive(ArchiveName="orders", EventSourceArn=DEFAULT_BUS)
    with pytest.raises(ClientError) as exc:
        events.create_archive(ArchiveName="orders", EventSourceArn=DEFAULT_BUS)
    assert error_of(exc) == ("ResourceAlreadyExistsException", 400, "Archive orders already exists.")


def test_create_archive_on_unknown_bus_is_resource_not_found(events: Any) -> None:
    with pytest.raises(ClientError) as exc:
        events.create_archive(
            ArchiveName="orders", EventSourceArn=f"arn:aws:events:{REGION}:{ACCOUNT}:event-bus/nope"
        )
    assert error_of(exc) == ("ResourceNotFoundException", 400, "Event bus nope does not exist.")


def test_create_archive_with_invalid_pattern_is_invalid_event_pattern(events: Any) -> None:
    with pytest.raises(ClientError) as exc:
        events.create_archive(
            ArchiveName="orders", EventSourceArn=DEFAULT_BUS, EventPattern='{"source": "x"}'
        )
    code, status, message = error_of(exc)
    assert (code, status) == ("InvalidEventPatternException", 400)
    assert message.startswith("Event pattern is not valid. Reason: ")


def test_create_archive_with_bad_name_is_validation_error(events: Any) -> None:
    with pytest.raises(ClientError) as exc:
        events.create_archive(ArchiveName="my archive", EventSourceArn=DEFAULT_BUS)
    assert error_of(exc) == (
        "ValidationException",
        400,
        "1 validation error detected: Value 'my archive' at 'archiveName' failed to satisfy constraint:"
        r" Member must satisfy regular expression pattern: [\.\-_A-Za-z0-9]+",
    )


def test_describe_unknown_archive_is_resource_not_found(events: Any) -> None:
    with pytest.raises(ClientError) as exc:
        events.describe_archive(ArchiveName="nope")
    assert error_of(exc) == ("ResourceNotFoundException", 400, "Archive nope does not exist.")


def test_update_archive_changes_description_pattern_and_retention(events: Any) -> None:
    created = events.create_archive(ArchiveName="orders", EventSourceArn=DEFAULT_BUS, RetentionDays=1)
    pattern = json.dumps({"source": ["billing"]})
    out = events.update_archive(ArchiveName="orders", Description="d", EventPattern=pattern, RetentionDays=3)
    assert out["ArchiveArn"] == created["ArchiveArn"]
    assert out["State"] == "ENABLED"
    assert out["CreationTime"] == created["CreationTime"]
    described = events.describe_archive(ArchiveName="orders")
    assert (described["Description"], described["EventPattern"], described["RetentionDays"]) == (
        "d",
        pattern,
        3,
    )


def test_update_unknown_archive_is_resource_not_found(events: Any) -> None:
    with pytest.raises(ClientError) as exc:
        events.update_archive(ArchiveName="nope", Description="d")
    assert error_of(exc) == ("ResourceNotFoundException", 400, "Archive nope does not exist.")


def test_delete_archive_removes_it(events: Any) -> None:
    events.create_archive(ArchiveName="orders", EventSourceArn=DEFAULT_BUS)
    events.delete_archive(ArchiveName="orders")
    with pytest.raises(ClientError) as exc:
        events.describe_archive(ArchiveName="orders")
    assert error_of(exc)[0] == "ResourceNotFoundException"


def test_delete_unknown_archive_is_resource_not_found(events: Any) -> None:
    with pytest.raises(ClientError) as exc:
        events.delete_archive(ArchiveName="nope")
    assert error_of(exc) == ("ResourceNotFoundException", 400, "Archive nope does not exist.")


# --- listing -----------------------------------------------------------------------------------------------


SHOP_BUS = f"arn:aws:events:{REGION}:{ACCOUNT}:event-bus/shop"
BILLING_BUS = f"arn:aws:events:{REGION}:{ACCOUNT}:event-bus/billing"


@pytest.fixture
def three_archives(events: Any) -> None:
    events.create_event_bus(Name="shop")
    events.create_event_bus(Name="billing")
    events.create_archive(ArchiveName="orders-a", EventSourceArn=SHOP_BUS, RetentionDays=1)
    events.create_archive(ArchiveName="orders-b", EventSourceArn=SHOP_BUS)
    events.create_archive(ArchiveName="invoices", EventSourceArn=BILLING_BUS)


def test_list_archives_lists_all_by_name_with_summary_fields(events: Any, three_archives: None) -> None:
    listed = events.list_archives()["Archives"]
    assert [a["ArchiveName"] for a in listed] == ["invoices", "orders-a", "orders-b"]
    first = dict(listed[1])
    assert first.pop("CreationTime")
    assert first == {
        "ArchiveName": "orders-a",
        "EventSourceArn": SHOP_BUS,
        "State": "ENABLED",
        "RetentionDays": 1,
        "SizeBytes": 0,
        "EventCount": 0,
    }


def test_list_archives_by_name_prefix(events: Any, three_archives: None) -> None:
    listed = events.list_archives(NamePrefix="orders")["Archives"]
    assert [a["ArchiveName"] for a in listed] == ["orders-a", "orders-b"]


def test_list_archives_by_event_source(events: Any, three_archives: None) -> None:
    listed = events.list_archives(EventSourceArn=BILLING_BUS)["Archives"]
    assert [a["ArchiveName"] for a in listed] == ["invoices"]


def test_list_archives_by_state(events: Any, three_archives: None) -> None:
    assert len(events.list_archives(State="ENABLED")["Archives"]) == 3
    assert events.list_archives(State="DISABLED")["Archives"] == []


def test_list_archives_pages_with_limit(events: Any, three_archives: None) -> None:
    first = events.list_archives(Limit=2)
    second = events.list_archives(Limit=2, NextToken=first["NextToken"])
    names = [a["ArchiveName"] for a in first["Archives"] + second["Archives"]]
    assert names == ["invoices", "orders-a", "orders-b"]
    assert "NextToken" not in second


def test_list_archives_with_two_filters_is_validation_error(events: Any) -> None:
    with pytest.raises(ClientError) as exc:
        events.list_archives(NamePrefix="orders", State="ENABLED")
    assert error_of(exc) == (
        "ValidationException",
        400,
        "At most one filter is allowed for ListArchives. Use either : State, EventSourceArn, or NamePrefix.",
    )


def test_list_archives_with_unknown_state_is_validation_error(events: Any) -> None:
    with pytest.raises(ClientError) as exc:
        events.list_archives(State="invalid")
    assert error_of(exc) == (
        "ValidationException",
        400,
        "1 validation error detected: Value 'invalid' at 'state' failed to satisfy constraint: Member must"
        " satisfy enum value set: [ENABLED, DISABLED, CREATING, UPDATING, CREATE_FAILED, UPDATE_FAILED]",
    )


def test_list_archives_of_unknown_bus_is_resource_not_found(events: Any) -> None:
    with pytest.raises(ClientError) as exc:
        events.list_archives(EventSourceArn=f"arn:aws:events:{REGION}:{ACCOUNT}:event-bus/nope")
    assert error_of(exc) == ("ResourceNotFoundException", 400, "Event bus nope does not exist.")


def test_archives_are_per_account(cloudlet: Any, events: Any) -> None:
    events.create_archive(ArchiveName="orders", EventSourceArn=DEFAULT_BUS)
    other = cloudlet.client("events", account="111111111111")
    assert other.list_archives()["Archives"] == []
    other_bus = f"arn:aws:events:{REGION}:111111111111:event-bus/default"
    other.create_archive(ArchiveName="orders", EventSourceArn=other_bus)
    assert events.describe_archive(ArchiveName="orders")["EventSourceArn"] == DEFAULT_BUS


# --- capture -----------------------------------------------------------------------------------------------
# On the default bus an archive without a pattern also captures the API-call events of these very calls,
# so these tests use a bus of their own.


@pytest.fixture
def shop(events: Any) -> str:
    return events.create_event_bus(Name="shop")["EventBusArn"]


def test_archive_captures_events_put_on_its_bus(events: Any, shop: str) -> None:
    events.create_archive(ArchiveName="all", EventSourceArn=shop)
    put(events)
    put(events)
    out = events.describe_archive(ArchiveName="all")
    assert out["EventCount"] == 2
    assert out["SizeBytes"] > 0


def test_archive_size_counts_source_detail_type_detail_and_time(events: Any, shop: str) -> None:
    events.create_archive(ArchiveName="all", EventSourceArn=shop)
    put(events, source="s", detail={"a": 1})
    # "s" + "order" + '{"a": 1}' + "2024-01-01T00:00:00Z"
    assert events.describe_archive(ArchiveName="all")["SizeBytes"] == 1 + 5 + 8 + 20


def test_archive_pattern_selects_the_events_it_captures(events: Any, shop: str) -> None:
    events.create_archive(
        ArchiveName="shop-only", EventSourceArn=shop, EventPattern=json.dumps({"source": ["shop"]})
    )
    put(events, source="shop")
    put(events, source="billing")
    assert count(events, "shop-only") == 1


def test_archive_captures_only_its_own_bus(events: Any, shop: str) -> None:
    events.create_event_bus(Name="billing")
    events.create_archive(ArchiveName="shop-only", EventSourceArn=shop)
    put(events, bus="billing")
    assert count(events, "shop-only") == 0


def test_every_matching_archive_captures_the_event(events: Any, shop: str) -> None:
    events.create_archive(ArchiveName="one", EventSourceArn=shop)
    events.create_archive(ArchiveName="two", EventSourceArn=shop)
    put(events)
    assert (count(events, "one"), count(events, "two")) == (1, 1)


def test_updated_pattern_applies_to_later_events(events: Any, shop: str) -> None:
    events.create_archive(ArchiveName="a", EventSourceArn=shop)
    events.update_archive(ArchiveName="a", EventPattern=json.dumps({"source": ["billing"]}))
    put(events, source="shop")
    put(events, source="billing")
    assert count(events, "a") == 1


def test_deleting_an_archive_deletes_its_events(events: Any, shop: str) -> None:
    events.create_archive(ArchiveName="a", EventSourceArn=shop)
    put(events)
    events.delete_archive(ArchiveName="a")
    events.create_archive(ArchiveName="a", EventSourceArn=shop)
    assert count(events, "a") == 0


def test_default_bus_archive_captures_api_call_events_except_read_only_ones(events: Any) -> None:
    pattern = json.dumps({"detail-type": ["AWS API Call via CloudTrail"]})
    events.create_archive(ArchiveName="api", EventSourceArn=DEFAULT_BUS, EventPattern=pattern)
    before = count(events, "api")
    events.list_archives()
    assert count(events, "api") == before
    events.create_event_bus(Name="billing")
    assert count(events, "api") == before + 1


# --- retention ---------------------------------------------------------------------------------------------


def test_events_older_than_retention_are_deleted(cloudlet: Any, events: Any, shop: str) -> None:
    events.create_archive(ArchiveName="a", EventSourceArn=shop, RetentionDays=1)
    put(events)
    cloudlet.clock.advance(DAY_S / 2)
    put(events)
    cloudlet.clock.advance(DAY_S / 2)
    cloudlet.settle()
    assert count(events, "a") == 1
    cloudlet.clock.advance(DAY_S / 2)
    cloudlet.settle()
    assert count(events, "a") == 0


def test_retention_zero_keeps_events(cloudlet: Any, events: Any, shop: str) -> None:
    events.create_archive(ArchiveName="a", EventSourceArn=shop)
    put(events)
    cloudlet.clock.advance(400 * DAY_S)
    cloudlet.settle()
    assert count(events, "a") == 1


def test_archive_refills_after_it_was_emptied_by_retention(cloudlet: Any, events: Any, shop: str) -> None:
    events.create_archive(ArchiveName="a", EventSourceArn=shop, RetentionDays=1)
    put(events)
    cloudlet.clock.advance(DAY_S)
    cloudlet.settle()
    put(events)
    assert count(events, "a") == 1
    cloudlet.clock.advance(DAY_S)
    cloudlet.settle()
    assert count(events, "a") == 0


def test_shortening_retention_expires_older_events(cloudlet: Any, events: Any, shop: str) -> None:
    events.create_archive(ArchiveName="a", EventSourceArn=shop, RetentionDays=10)
    put(events)
    cloudlet.clock.advance(2 * DAY_S)
    events.update_archive(ArchiveName="a", RetentionDays=1)
    cloudlet.settle()
    assert count(events, "a") == 0


def test_retention_survives_a_restart(cloudlet: Any, events: Any, shop: str) -> None:
    events.create_archive(ArchiveName="a", EventSourceArn=shop, RetentionDays=1)
    put(events)
    cloudlet.restart()
    events = cloudlet.client("events")
    events.list_archives()  # the service loads (and registers its timer handlers) on first use
    cloudlet.clock.advance(DAY_S)
    cloudlet.settle()
    assert count(events, "a") == 0
