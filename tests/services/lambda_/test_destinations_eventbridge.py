"""Lambda destinations to EventBridge: the invocation record becomes the `detail` of a `lambda` event on
the destination bus, where rules route it like any other event; and EventBridge rules invoke functions."""

from __future__ import annotations

import json
from typing import Any

from tests.services.events.conftest import bodies, drain, make_queue

ALWAYS_FAILS = """
def handler(event, context):
    raise RuntimeError("nope")
"""


def route_lambda_results(events: Any, sqs: Any, outcome: str, bus: str = "default") -> str:
    """A queue behind a rule on `bus` for `lambda` invocation results of `outcome`; its URL."""
    url, arn = make_queue(sqs, f"results-{outcome.lower()}-{bus}")
    pattern = {"source": ["lambda"], "detail-type": [f"Lambda Function Invocation Result - {outcome}"]}
    events.put_rule(Name=f"results-{outcome}", EventBusName=bus, EventPattern=json.dumps(pattern))
    events.put_targets(Rule=f"results-{outcome}", EventBusName=bus, Targets=[{"Id": "q", "Arn": arn}])
    return url


def test_a_success_record_arrives_on_the_bus_as_the_event_detail(cloudlet, lam, make_function):
    events, sqs = cloudlet.client("events"), cloudlet.client("sqs")
    url = route_lambda_results(events, sqs, "Success")
    bus = events.describe_event_bus()["Arn"]
    function = make_function("echo")["FunctionArn"]
    lam.put_function_event_invoke_config(
        FunctionName="echo", DestinationConfig={"OnSuccess": {"Destination": bus}}
    )
    lam.invoke(FunctionName="echo", InvocationType="Event", Payload=b'{"x": 1}')
    cloudlet.settle()
    (event,) = bodies(drain(sqs, url))
    assert event["source"] == "lambda"
    assert event["detail-type"] == "Lambda Function Invocation Result - Success"
    assert event["resources"] == [bus, f"{function}:$LATEST"]
    assert event["detail"]["requestContext"]["condition"] == "Success"
    assert event["detail"]["requestPayload"] == {"x": 1}
    assert event["detail"]["responsePayload"]["event"] == {"x": 1}


def test_a_failure_record_goes_to_a_custom_bus(cloudlet, lam, make_function):
    events, sqs = cloudlet.client("events"), cloudlet.client("sqs")
    bus = events.create_event_bus(Name="failures")["EventBusArn"]
    url = route_lambda_results(events, sqs, "Failure", bus="failures")
    make_function("fails", ALWAYS_FAILS)
    lam.put_function_event_invoke_config(
        FunctionName="fails", MaximumRetryAttempts=0, DestinationConfig={"OnFailure": {"Destination": bus}}
    )
    lam.invoke(FunctionName="fails", InvocationType="Event", Payload=b"{}")
    cloudlet.settle()
    (event,) = bodies(drain(sqs, url))
    assert event["detail-type"] == "Lambda Function Invocation Result - Failure"
    assert event["detail"]["requestContext"]["condition"] == "RetriesExhausted"
    assert event["detail"]["responseContext"]["functionError"] == "Unhandled"


def test_a_rule_target_invokes_the_function_with_the_event(cloudlet, lam, make_function):
    events, sqs = cloudlet.client("events"), cloudlet.client("sqs")
    url, queue = make_queue(sqs, "invocations")
    function = make_function("echo")["FunctionArn"]
    lam.put_function_event_invoke_config(
        FunctionName="echo", DestinationConfig={"OnSuccess": {"Destination": queue}}
    )
    events.put_rule(Name="call", EventPattern=json.dumps({"source": ["my.app"]}))
    events.put_targets(Rule="call", Targets=[{"Id": "fn", "Arn": function}])
    response = events.put_events(Entries=[{"Source": "my.app", "DetailType": "t", "Detail": '{"n": 2}'}])
    cloudlet.settle()
    (record,) = bodies(drain(sqs, url))
    assert record["requestPayload"]["id"] == response["Entries"][0]["EventId"]
    assert record["requestPayload"]["detail"] == {"n": 2}
