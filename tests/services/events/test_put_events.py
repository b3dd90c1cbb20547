"""PutEvents through boto3: per-entry validation and errors, the request size limit, the event envelope
as targets receive it, bus selection by name or ARN, and matching against the bus's rules."""

from __future__ import annotations

import datetime as dt
import json
import re
from typing import Any

import pytest
from botocore.exceptions import ClientError

from cloudlet.services.events.operations.put_events import entry_size
from tests.services.events.conftest import bodies, drain, make_queue

UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def entry(source: str = "my.app", detail: Any = None, **extra: Any) -> dict[str, Any]:
    return {
        "Source": source,
        "DetailType": "order.created",
        "Detail": json.dumps({"id": 1} if detail is None else detail),
        **extra,
    }


@pytest.fixture
def routed(events, sqs):
    """A queue behind a rule on the default bus matching source `my.app`: (url, arn)."""
    url, arn = make_queue(sqs, "routed")
    events.put_rule(Name="to-queue", EventPattern=json.dumps({"source": ["my.app"]}))
    events.put_targets(Rule="to-queue", Targets=[{"Id": "q", "Arn": arn}])
    return url, arn


# -- accepted events ------------------------------------------------------------------------------------


def test_an_accepted_entry_gets_an_event_id(events):
    response = events.put_events(Entries=[entry()])
    assert response["FailedEntryCount"] == 0
    (result,) = response["Entries"]
    assert UUID.fullmatch(result["EventId"])


def test_the_target_receives_the_envelope_in_aws_field_order(cloudlet, events, sqs, routed):
    url, _ = routed
    event_id = events.put_events(Entries=[entry(detail={"id": 7, "tags": ["a"]})])["Entries"][0]["EventId"]
    cloudlet.settle()
    (message,) = drain(sqs, url)
    event = json.loads(message["Body"])
    assert list(event) == [
        "version",
        "id",
        "detail-type",
        "source",
        "account",
        "time",
        "region",
        "resources",
        "detail",
    ]
    assert event["version"] == "0"
    assert event["id"] == event_id
    assert event["detail-type"] == "order.created"
    assert event["source"] == "my.app"
    assert event["account"] == "000000000000"
    assert event["region"] == "us-east-1"
    assert event["resources"] == []
    assert event["detail"] == {"id": 7, "tags": ["a"]}
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", event["time"])


def test_the_body_is_compact_json(cloudlet, events, sqs, routed):
    url, _ = routed
    events.put_events(Entries=[entry()])
    cloudlet.settle()
    (message,) = drain(sqs, url)
    assert ", " not in message["Body"] and '": ' not in message["Body"]


def test_the_event_time_is_the_entry_time_to_the_second(cloudlet, events, sqs, routed):
    url, _ = routed
    events.put_events(Entries=[entry(Time=dt.datetime(2022, 1, 1, 12, 30, 5, 900000, tzinfo=dt.UTC))])
    cloudlet.settle()
    (event,) = bodies(drain(sqs, url))
    assert event["time"] == "2022-01-01T12:30:05Z"


def test_resources_ride_in_the_event(cloudlet, events, sqs, routed):
    url, _ = routed
    resources = ["arn:aws:s3:::bucket", "arn:aws:sqs:us-east-1:000000000000:q"]
    events.put_events(
        Entries=[entry(Resources=resources, TraceHeader="Root=1-5759e988-bd862e3fe1be46a994272793")]
    )
    cloudlet.settle()
    (event,) = bodies(drain(sqs, url))
    assert event["resources"] == resources


def test_an_event_for_a_bus_that_does_not_exist_is_accepted_and_dropped(cloudlet, events, sqs, routed):
    # AWS-recorded (test_put_events_nonexistent_event_bus): both entries get an EventId.
    url, _ = routed
    response = events.put_events(Entries=[entry(), entry(EventBusName="no-such-bus")])
    assert response["FailedEntryCount"] == 0
    assert all("EventId" in r for r in response["Entries"])
    cloudlet.settle()
    assert len(drain(sqs, url)) == 1


# -- per-entry errors -----------------------------------------------------------------------------------


@pytest.mark.parametrize("member", ["Source", "DetailType", "Detail"])
def test_a_missing_member_fails_its_entry(events, member):
    bad = entry()
    del bad[member]
    response = events.put_events(Entries=[bad])
    assert response["FailedEntryCount"] == 1
    assert response["Entries"] == [
        {
            "ErrorCode": "InvalidArgument",
            "ErrorMessage": f"Parameter {member} is not valid. Reason: {member} is a required argument.",
        }
    ]


@pytest.mark.parametrize("detail", ["not json", "[1, 2]", '"a string"', '{"open": '])
def test_a_detail_that_is_not_a_json_object_is_malformed(events, detail):
    response = events.put_events(Entries=[{**entry(), "Detail": detail}])
    assert response["FailedEntryCount"] == 1
    assert response["Entries"] == [{"ErrorCode": "MalformedDetail", "ErrorMessage": "Detail is malformed."}]


def test_a_detail_nested_deeper_than_1000_levels_is_malformed(events):
    detail = '{"a":' * 1001 + "1" + "}" * 1001
    response = events.put_events(Entries=[{**entry(), "Detail": detail}])
    assert response["Entries"][0]["ErrorCode"] == "MalformedDetail"


def test_an_aws_source_is_not_authorized(events):
    response = events.put_events(Entries=[entry(source="aws.s3")])
    assert response["FailedEntryCount"] == 1
    assert response["Entries"] == [
        {"ErrorCode": "NotAuthorizedForSourceException", "ErrorMessage": "Not authorized for the source."}
    ]


def test_a_failed_entry_does_not_stop_the_others_and_order_is_kept(cloudlet, events, sqs, routed):
    url, _ = routed
    response = events.put_events(Entries=[entry(), {**entry(), "Detail": "[]"}, entry(detail={"id": 3})])
    assert response["FailedEntryCount"] == 1
    first, second, third = response["Entries"]
    assert "EventId" in first and "EventId" in third
    assert second["ErrorCode"] == "MalformedDetail"
    cloudlet.settle()
    assert sorted(e["detail"]["id"] for e in bodies(drain(sqs, url))) == [1, 3]


# -- request-wide limits --------------------------------------------------------------------------------


def test_entries_over_256_kb_in_total_fail_the_request(events):
    big = entry(detail={"blob": "x" * (130 * 1024)})
    with pytest.raises(ClientError) as error:
        events.put_events(Entries=[big, big])
    assert error.value.response["Error"]["Code"] == "ValidationException"
    assert (
        error.value.response["Error"]["Message"]
        == "Total size of the entries in the request is over the limit."
    )
    assert error.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400


def test_more_than_ten_entries_fail_the_request(events):
    with pytest.raises(ClientError) as error:
        events.put_events(Entries=[entry()] * 11)
    assert error.value.response["Error"]["Code"] == "ValidationException"
    assert error.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400


def test_the_entry_size_counts_as_aws_documents():
    # eb-putevent-size.html: Time 14 bytes, then the UTF-8 bytes of Source, DetailType, Detail, Resources.
    sized = {"Time": 0, "Source": "é", "DetailType": "ab", "Detail": "{}", "Resources": ["r1", "r22"]}
    assert entry_size(sized) == 14 + 2 + 2 + 2 + 2 + 3


# -- buses and matching --------------------------------------------------------------------------------------


def test_a_custom_bus_named_by_name_routes_to_its_own_rules(cloudlet, events, sqs, routed):
    default_url, _ = routed
    url, arn = make_queue(sqs, "custom")
    events.create_event_bus(Name="orders")
    events.put_rule(Name="r", EventBusName="orders", EventPattern=json.dumps({"source": ["my.app"]}))
    events.put_targets(Rule="r", EventBusName="orders", Targets=[{"Id": "q", "Arn": arn}])
    events.put_events(Entries=[entry(EventBusName="orders")])
    cloudlet.settle()
    assert len(drain(sqs, url)) == 1
    assert drain(sqs, default_url) == []


def test_a_custom_bus_named_by_arn_routes_to_its_rules(cloudlet, events, sqs):
    url, arn = make_queue(sqs, "by-arn")
    bus_arn = events.create_event_bus(Name="orders")["EventBusArn"]
    events.put_rule(Name="r", EventBusName="orders", EventPattern=json.dumps({"source": ["my.app"]}))
    events.put_targets(Rule="r", EventBusName="orders", Targets=[{"Id": "q", "Arn": arn}])
    events.put_events(Entries=[entry(EventBusName=bus_arn)])
    cloudlet.settle()
    assert len(drain(sqs, url)) == 1


def test_an_event_the_pattern_does_not_match_is_not_delivered(cloudlet, events, sqs, routed):
    url, _ = routed
    events.put_events(Entries=[entry(source="other.app")])
    cloudlet.settle()
    assert drain(sqs, url) == []


def test_a_disabled_rule_gets_nothing(cloudlet, events, sqs, routed):
    url, _ = routed
    events.disable_rule(Name="to-queue")
    events.put_events(Entries=[entry()])
    cloudlet.settle()
    assert drain(sqs, url) == []


def test_a_pattern_without_a_source_matches_on_content(cloudlet, events, sqs):
    url, arn = make_queue(sqs, "content")
    pattern = {"detail-type": ["order.created"], "detail": {"id": [{"numeric": [">", 5]}]}}
    events.put_rule(Name="big", EventPattern=json.dumps(pattern))
    events.put_targets(Rule="big", Targets=[{"Id": "q", "Arn": arn}])
    events.put_events(Entries=[entry(detail={"id": 1}), entry(source="x.y", detail={"id": 9})])
    cloudlet.settle()
    assert [e["detail"]["id"] for e in bodies(drain(sqs, url))] == [9]


def test_every_matching_rule_delivers_its_own_copy(cloudlet, events, sqs, routed):
    url, arn = routed
    events.put_rule(Name="second", EventPattern=json.dumps({"detail-type": ["order.created"]}))
    events.put_targets(Rule="second", Targets=[{"Id": "q", "Arn": arn}])
    events.put_events(Entries=[entry()])
    cloudlet.settle()
    assert len(drain(sqs, url)) == 2


def test_another_account_does_not_see_the_event(cloudlet, events, sqs, routed):
    url, _ = routed
    other = cloudlet.client("events", account="111111111111")
    other.put_events(Entries=[entry()])
    cloudlet.settle()
    assert drain(sqs, url) == []
