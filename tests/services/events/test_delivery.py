"""Delivery to targets through boto3: SQS (FIFO included), SNS, other buses (same and other account,
loops), CloudWatch Logs, input transformation on the wire, dead-letter queues with AWS's attributes, and
retries by RetryPolicy (an API destination answering 500 on loopback) across a restart."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from typing import Any

import pytest

from tests.services.events.conftest import bodies, drain, make_queue
from tests.services.sns.endpoints import Recorder


def put(events: Any, source: str = "my.app", detail: dict[str, Any] | None = None, **extra: Any) -> str:
    entry = {
        "Source": source,
        "DetailType": "order.created",
        "Detail": json.dumps(detail or {"id": 1}),
        **extra,
    }
    response = events.put_events(Entries=[entry])
    assert response["FailedEntryCount"] == 0, response
    return str(response["Entries"][0]["EventId"])


def rule_to(events: Any, *targets: dict[str, Any], name: str = "r", bus: str = "default") -> str:
    arn = events.put_rule(Name=name, EventBusName=bus, EventPattern=json.dumps({"source": ["my.app"]}))[
        "RuleArn"
    ]
    events.put_targets(Rule=name, EventBusName=bus, Targets=list(targets))
    return str(arn)


def attributes_of(message: dict[str, Any]) -> dict[str, str]:
    return {name: value["StringValue"] for name, value in message.get("MessageAttributes", {}).items()}


def drain_all(sqs: Any, url: str) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    while True:
        got = sqs.receive_message(
            QueueUrl=url,
            MaxNumberOfMessages=10,
            VisibilityTimeout=300,
            MessageAttributeNames=["All"],
            AttributeNames=["All"],
        )
        if not got.get("Messages"):
            return out
        out += got["Messages"]


# -- SQS and SNS ---------------------------------------------------------------------------------------


def test_a_fifo_queue_gets_the_target_group_and_content_based_deduplication(cloudlet, events, sqs):
    url, arn = make_queue(sqs, "orders.fifo", ContentBasedDeduplication="true")
    rule_to(events, {"Id": "q", "Arn": arn, "SqsParameters": {"MessageGroupId": "group-1"}})
    put(events)
    cloudlet.settle()
    (message,) = drain_all(sqs, url)
    assert message["Attributes"]["MessageGroupId"] == "group-1"
    assert (
        message["Attributes"]["MessageDeduplicationId"]
        == hashlib.sha256(message["Body"].encode()).hexdigest()
    )


def test_a_fifo_queue_without_content_based_deduplication_refuses_the_event(cloudlet, events, sqs):
    url, arn = make_queue(sqs, "strict.fifo")
    dlq_url, dlq_arn = make_queue(sqs, "dlq")
    rule_to(
        events,
        {
            "Id": "q",
            "Arn": arn,
            "SqsParameters": {"MessageGroupId": "g"},
            "DeadLetterConfig": {"Arn": dlq_arn},
        },
    )
    put(events)
    cloudlet.settle()
    assert drain(sqs, url) == []
    (dead,) = drain_all(sqs, dlq_url)
    assert attributes_of(dead)["ERROR_CODE"] == "SDK_CLIENT_ERROR"


def test_an_sns_topic_publishes_the_event(cloudlet, events, sqs):
    sns = cloudlet.client("sns")
    topic = sns.create_topic(Name="events")["TopicArn"]
    url, queue = make_queue(sqs, "from-topic")
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=queue, Attributes={"RawMessageDelivery": "true"})
    rule_to(events, {"Id": "t", "Arn": topic})
    event_id = put(events)
    cloudlet.settle()
    (event,) = bodies(drain(sqs, url))
    assert event["id"] == event_id


# -- other buses ---------------------------------------------------------------------------------------


def test_a_bus_target_feeds_that_bus_rules_keeping_the_event_id(cloudlet, events, sqs):
    url, queue = make_queue(sqs, "on-orders")
    orders = events.create_event_bus(Name="orders")["EventBusArn"]
    rule_to(events, {"Id": "q", "Arn": queue}, bus="orders")
    rule_to(events, {"Id": "bus", "Arn": orders})
    event_id = put(events)
    cloudlet.settle()
    (event,) = bodies(drain(sqs, url))
    assert event["id"] == event_id


def test_a_bus_in_another_account_receives_the_event(cloudlet, events, sqs):
    other_events = cloudlet.client("events", account="111111111111")
    other_sqs = cloudlet.client("sqs", account="111111111111")
    url, queue = make_queue(other_sqs, "theirs")
    their_bus = other_events.create_event_bus(Name="shared")["EventBusArn"]
    rule_to(other_events, {"Id": "q", "Arn": queue}, bus="shared")
    rule_to(events, {"Id": "bus", "Arn": their_bus})
    put(events)
    cloudlet.settle()
    (event,) = bodies(drain(other_sqs, url))
    assert event["account"] == "000000000000"


def test_buses_targeting_each_other_deliver_once_each(cloudlet, events, sqs):
    url_default, queue_default = make_queue(sqs, "d")
    url_orders, queue_orders = make_queue(sqs, "o")
    orders = events.create_event_bus(Name="orders")["EventBusArn"]
    default = events.describe_event_bus()["Arn"]
    rule_to(events, {"Id": "bus", "Arn": orders}, {"Id": "q", "Arn": queue_default})
    rule_to(events, {"Id": "bus", "Arn": default}, {"Id": "q", "Arn": queue_orders}, bus="orders")
    put(events)
    cloudlet.settle()
    assert len(drain(sqs, url_default)) == 1
    assert len(drain(sqs, url_orders)) == 1


# -- CloudWatch Logs -----------------------------------------------------------------------------------


@pytest.fixture
def logs(cloudlet):
    return cloudlet.client("logs")


def log_group_arn(logs: Any, name: str) -> str:
    logs.create_log_group(logGroupName=name)
    (group,) = logs.describe_log_groups(logGroupNamePrefix=name)["logGroups"]
    return str(group["arn"])


def test_a_log_group_gets_the_event_in_a_stream_named_after_it(cloudlet, events, logs):
    arn = log_group_arn(logs, "/aws/events/orders")
    rule_to(events, {"Id": "logs", "Arn": arn})
    event_id = put(events)
    cloudlet.settle()
    (stream,) = logs.describe_log_streams(logGroupName="/aws/events/orders")["logStreams"]
    assert stream["logStreamName"] == event_id
    (record,) = logs.get_log_events(logGroupName="/aws/events/orders", logStreamName=event_id)["events"]
    assert json.loads(record["message"])["id"] == event_id


def test_a_transformed_timestamp_and_message_become_the_log_event(cloudlet, events, logs):
    arn = log_group_arn(logs, "/aws/events/shaped")
    transformer = {
        "InputPathsMap": {"t": "$.time", "kind": "$.detail-type"},
        "InputTemplate": '{"timestamp": <t>, "message": <kind>}',
    }
    rule_to(events, {"Id": "logs", "Arn": arn, "InputTransformer": transformer})
    event_id = put(events, Time=1_700_000_000)
    cloudlet.settle()
    (record,) = logs.get_log_events(logGroupName="/aws/events/shaped", logStreamName=event_id)["events"]
    assert record["message"] == "order.created"
    assert record["timestamp"] == 1_700_000_000_000


def test_a_missing_log_group_dead_letters_the_event(cloudlet, events, sqs, logs):
    dlq_url, dlq_arn = make_queue(sqs, "dlq")
    missing = "arn:aws:logs:us-east-1:000000000000:log-group:/aws/events/none"
    rule_to(events, {"Id": "logs", "Arn": missing, "DeadLetterConfig": {"Arn": dlq_arn}})
    put(events)
    cloudlet.settle()
    (dead,) = drain_all(sqs, dlq_url)
    assert attributes_of(dead)["ERROR_CODE"] == "NO_RESOURCE"
    assert logs.describe_log_groups(logGroupNamePrefix="/aws/events/none")["logGroups"] == []


# -- target input on the wire --------------------------------------------------------------------------


def test_an_input_transformer_shapes_the_message(cloudlet, events, sqs):
    url, arn = make_queue(sqs, "shaped")
    transformer = {
        "InputPathsMap": {"id": "$.detail.id", "kind": "$.detail-type"},
        "InputTemplate": '{"order": <id>, "text": "<kind> #<id>", "rule": <aws.events.rule-name>}',
    }
    rule_to(events, {"Id": "q", "Arn": arn, "InputTransformer": transformer}, name="shape")
    put(events, detail={"id": 42})
    cloudlet.settle()
    (message,) = drain(sqs, url)
    assert message["Body"] == '{"order":42,"text":"order.created #42","rule":"shape"}'


def test_an_input_path_sends_part_of_the_event(cloudlet, events, sqs):
    url, arn = make_queue(sqs, "part")
    rule_to(events, {"Id": "q", "Arn": arn, "InputPath": "$.detail"})
    put(events, detail={"id": 5, "items": [1, 2]})
    cloudlet.settle()
    assert bodies(drain(sqs, url)) == [{"id": 5, "items": [1, 2]}]


def test_a_constant_input_is_sent_as_given(cloudlet, events, sqs):
    url, arn = make_queue(sqs, "constant")
    rule_to(events, {"Id": "q", "Arn": arn, "Input": '{"wake": "up"}'})
    put(events)
    cloudlet.settle()
    assert [m["Body"] for m in drain(sqs, url)] == ['{"wake": "up"}']


# -- failures and dead-letter queues -------------------------------------------------------------------


def test_a_missing_target_goes_to_the_dead_letter_queue_at_once(cloudlet, events, sqs):
    dlq_url, dlq_arn = make_queue(sqs, "dlq")
    missing = "arn:aws:sqs:us-east-1:000000000000:gone"
    rule_arn = rule_to(events, {"Id": "gone", "Arn": missing, "DeadLetterConfig": {"Arn": dlq_arn}})
    event_id = put(events)
    cloudlet.settle()
    (dead,) = drain_all(sqs, dlq_url)
    assert json.loads(dead["Body"])["id"] == event_id
    attributes = attributes_of(dead)
    assert attributes["RULE_ARN"] == rule_arn
    assert attributes["TARGET_ARN"] == missing
    assert attributes["ERROR_CODE"] == "NO_RESOURCE"
    assert attributes["ERROR_MESSAGE"]
    assert attributes["RETRY_ATTEMPTS"] == "0"
    assert "EXHAUSTED_RETRY_CONDITION" not in attributes


def test_one_failing_target_does_not_hold_up_another(cloudlet, events, sqs):
    url, arn = make_queue(sqs, "healthy")
    rule_to(
        events, {"Id": "gone", "Arn": "arn:aws:sqs:us-east-1:000000000000:gone"}, {"Id": "ok", "Arn": arn}
    )
    put(events)
    cloudlet.settle()
    assert len(drain(sqs, url)) == 1


def test_a_missing_function_is_dead_lettered(cloudlet, events, sqs):
    dlq_url, dlq_arn = make_queue(sqs, "dlq")
    function = "arn:aws:lambda:us-east-1:000000000000:function:nope"
    rule_to(events, {"Id": "fn", "Arn": function, "DeadLetterConfig": {"Arn": dlq_arn}})
    put(events)
    cloudlet.settle()
    (dead,) = drain_all(sqs, dlq_url)
    assert attributes_of(dead)["ERROR_CODE"] == "NO_RESOURCE"


# -- retries (an API destination that answers 500) -----------------------------------------------------


@pytest.fixture
def endpoint() -> Iterator[Recorder]:
    recorder = Recorder(status=500)
    yield recorder
    recorder.close()


@pytest.fixture
def destination(events, endpoint) -> str:
    connection = events.create_connection(
        Name="conn",
        AuthorizationType="API_KEY",
        AuthParameters={"ApiKeyAuthParameters": {"ApiKeyName": "x-api-key", "ApiKeyValue": "secret"}},
    )["ConnectionArn"]
    return str(
        events.create_api_destination(
            Name="hook", ConnectionArn=connection, InvocationEndpoint=endpoint.url, HttpMethod="POST"
        )["ApiDestinationArn"]
    )


def attempts_after(cloudlet: Any, endpoint: Recorder, seconds: float) -> int:
    cloudlet.clock.advance(seconds)
    cloudlet.settle()
    return len(endpoint.requests)


def test_a_failing_target_is_retried_with_exponential_back_off(cloudlet, events, endpoint, destination):
    rule_to(events, {"Id": "hook", "Arn": destination})
    put(events)
    cloudlet.settle()
    assert len(endpoint.requests) == 1
    assert attempts_after(cloudlet, endpoint, 0.9) == 1
    assert attempts_after(cloudlet, endpoint, 0.1) == 2  # 1 s after the first attempt
    assert attempts_after(cloudlet, endpoint, 1.9) == 2
    assert attempts_after(cloudlet, endpoint, 0.1) == 3  # then 2 s
    assert attempts_after(cloudlet, endpoint, 4) == 4  # then 4 s


def test_retries_stop_at_maximum_retry_attempts_then_dead_letter(
    cloudlet, events, sqs, endpoint, destination
):
    dlq_url, dlq_arn = make_queue(sqs, "dlq")
    policy = {"MaximumRetryAttempts": 2, "MaximumEventAgeInSeconds": 3600}
    rule_to(
        events,
        {"Id": "hook", "Arn": destination, "RetryPolicy": policy, "DeadLetterConfig": {"Arn": dlq_arn}},
    )
    event_id = put(events)
    cloudlet.settle()
    assert attempts_after(cloudlet, endpoint, 1) == 2
    assert drain(sqs, dlq_url) == []
    assert attempts_after(cloudlet, endpoint, 2) == 3
    assert attempts_after(cloudlet, endpoint, 600) == 3
    (dead,) = drain_all(sqs, dlq_url)
    assert json.loads(dead["Body"])["id"] == event_id
    attributes = attributes_of(dead)
    assert attributes["EXHAUSTED_RETRY_CONDITION"] == "MaximumRetryAttempts"
    assert attributes["RETRY_ATTEMPTS"] == "2"
    assert attributes["ERROR_CODE"] == "ERROR_FROM_TARGET"
    assert attributes["TARGET_ARN"] == destination


def test_retries_stop_at_maximum_event_age_then_dead_letter(cloudlet, events, sqs, endpoint, destination):
    dlq_url, dlq_arn = make_queue(sqs, "dlq")
    policy = {"MaximumRetryAttempts": 185, "MaximumEventAgeInSeconds": 60}
    rule_to(
        events,
        {"Id": "hook", "Arn": destination, "RetryPolicy": policy, "DeadLetterConfig": {"Arn": dlq_arn}},
    )
    put(events)
    cloudlet.settle()
    for step in (1, 2, 4, 8, 16):  # attempts at 0, 1, 3, 7, 15, 31 s; the next (63 s) is past the age
        attempts_after(cloudlet, endpoint, step)
    assert len(endpoint.requests) == 6
    (dead,) = drain_all(sqs, dlq_url)
    attributes = attributes_of(dead)
    assert attributes["EXHAUSTED_RETRY_CONDITION"] == "MaximumEventAgeInSeconds"
    assert attributes["RETRY_ATTEMPTS"] == "5"


def test_a_target_that_recovers_gets_the_event_once(cloudlet, events, sqs, endpoint, destination):
    dlq_url, dlq_arn = make_queue(sqs, "dlq")
    rule_to(events, {"Id": "hook", "Arn": destination, "DeadLetterConfig": {"Arn": dlq_arn}})
    put(events, detail={"id": 9})
    cloudlet.settle()
    endpoint.status = 200
    assert attempts_after(cloudlet, endpoint, 1) == 2
    assert attempts_after(cloudlet, endpoint, 3600) == 2
    assert json.loads(endpoint.requests[-1]["body"])["detail"] == {"id": 9}
    assert drain(sqs, dlq_url) == []


def test_a_pending_retry_survives_a_restart(cloudlet, events, endpoint, destination):
    rule_to(events, {"Id": "hook", "Arn": destination})
    put(events)
    cloudlet.settle()
    assert len(endpoint.requests) == 1
    cloudlet.restart()
    endpoint.status = 200
    assert attempts_after(cloudlet, endpoint, 1) == 2
    assert attempts_after(cloudlet, endpoint, 3600) == 2
