"""The "AWS API Call via CloudTrail" events: a successful mutating management call puts an event in
CloudTrail's record format on the caller's default bus; data-plane, read-only and failed calls do not
(read-only ones reach only rules in state ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS)."""

from __future__ import annotations

import json
from typing import Any

import botocore.session
import pytest
from botocore.exceptions import ClientError
from hypothesis import given
from hypothesis import strategies as st

from cloudlet.services.events.cloudtrail import DETAIL_TYPE, camel, classify
from tests.services.events.conftest import bodies, drain, make_queue

ACCOUNT = "000000000000"


def watch(events: Any, sqs: Any, pattern: dict[str, Any], state: str = "ENABLED", name: str = "calls") -> str:
    """A rule with `pattern` on the default bus sending to a new queue; returns the queue URL."""
    url, arn = make_queue(sqs, f"{name}-seen")
    events.put_rule(Name=name, EventPattern=json.dumps(pattern), State=state)
    events.put_targets(Rule=name, Targets=[{"Id": "q", "Arn": arn}])
    return url


def seen(cloudlet: Any, sqs: Any, url: str) -> list[dict[str, Any]]:
    cloudlet.settle()
    return bodies(drain(sqs, url))


# -- through the server ----------------------------------------------------------------------------


def test_delete_queue_puts_a_cloudtrail_record_on_the_default_bus(cloudlet, events, sqs):
    doomed, _ = make_queue(sqs, "doomed")
    url = watch(events, sqs, {"source": ["aws.sqs"], "detail": {"eventName": ["DeleteQueue"]}})
    sqs.delete_queue(QueueUrl=doomed)
    (event,) = seen(cloudlet, sqs, url)
    assert event["detail-type"] == DETAIL_TYPE
    assert event["source"] == "aws.sqs"
    assert (event["account"], event["region"], event["resources"]) == (ACCOUNT, "us-east-1", [])
    detail = event["detail"]
    assert detail["eventSource"] == "sqs.amazonaws.com"
    assert detail["eventName"] == "DeleteQueue"
    assert detail["requestParameters"] == {"queueUrl": doomed}
    assert detail["responseElements"] is None
    assert detail["readOnly"] is False
    assert (detail["eventType"], detail["managementEvent"]) == ("AwsApiCall", True)
    assert detail["recipientAccountId"] == ACCOUNT
    assert detail["awsRegion"] == "us-east-1"
    assert detail["userIdentity"]["accountId"] == ACCOUNT
    assert detail["userIdentity"]["arn"] == f"arn:aws:iam::{ACCOUNT}:root"
    assert detail["eventTime"] == event["time"]
    assert "Boto3" in detail["userAgent"] or "Botocore" in detail["userAgent"]
    assert detail["sourceIPAddress"] == "127.0.0.1"


def test_the_record_names_the_request_id_the_caller_saw(cloudlet, events, sqs):
    doomed, _ = make_queue(sqs, "doomed")
    url = watch(events, sqs, {"source": ["aws.sqs"], "detail": {"eventName": ["DeleteQueue"]}})
    answer = sqs.delete_queue(QueueUrl=doomed)
    (event,) = seen(cloudlet, sqs, url)
    assert event["detail"]["requestID"] == answer["ResponseMetadata"]["RequestId"]


def test_request_and_response_members_are_camel_cased_and_map_keys_kept(cloudlet, events, sqs):
    url = watch(events, sqs, {"source": ["aws.sqs"], "detail": {"eventName": ["CreateQueue"]}})
    created = sqs.create_queue(QueueName="jobs", Attributes={"VisibilityTimeout": "60"})["QueueUrl"]
    (event,) = seen(cloudlet, sqs, url)
    detail = event["detail"]
    assert detail["requestParameters"] == {"queueName": "jobs", "attributes": {"VisibilityTimeout": "60"}}
    assert detail["responseElements"] == {"queueUrl": created}


def test_data_plane_calls_put_no_event(cloudlet, events, sqs):
    work, _ = make_queue(sqs, "work")
    url = watch(events, sqs, {"source": ["aws.sqs"]})
    sqs.send_message(QueueUrl=work, MessageBody="job")
    (message,) = sqs.receive_message(QueueUrl=work)["Messages"]
    sqs.delete_message(QueueUrl=work, ReceiptHandle=message["ReceiptHandle"])
    assert seen(cloudlet, sqs, url) == []


def test_read_only_calls_do_not_reach_an_enabled_rule(cloudlet, events, sqs):
    url = watch(events, sqs, {"source": ["aws.sqs"]})
    sqs.list_queues()
    sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])
    assert seen(cloudlet, sqs, url) == []


def test_read_only_calls_reach_a_rule_enabled_with_all_management_events(cloudlet, events, sqs):
    url = watch(
        events,
        sqs,
        {"source": ["aws.sqs"], "detail": {"eventName": ["ListQueues"]}},
        state="ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS",
    )
    sqs.list_queues()
    (event,) = seen(cloudlet, sqs, url)
    assert event["detail"]["eventName"] == "ListQueues"
    assert event["detail"]["readOnly"] is True


def test_a_rule_enabled_with_all_management_events_also_gets_mutating_calls(cloudlet, events, sqs):
    url = watch(events, sqs, {"source": ["aws.sqs"]}, state="ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS")
    sqs.create_queue(QueueName="more")
    names = [e["detail"]["eventName"] for e in seen(cloudlet, sqs, url)]
    assert names == ["CreateQueue"]


def test_a_failed_call_puts_no_event(cloudlet, events, sqs):
    url = watch(events, sqs, {"source": ["aws.sqs"], "detail": {"eventName": ["DeleteQueue"]}})
    with pytest.raises(ClientError):
        sqs.delete_queue(QueueUrl=url.replace("calls-seen", "missing"))
    assert seen(cloudlet, sqs, url) == []


def test_a_disabled_rule_gets_no_event(cloudlet, events, sqs):
    url = watch(events, sqs, {"source": ["aws.sqs"]})
    events.disable_rule(Name="calls")
    sqs.create_queue(QueueName="more")
    assert seen(cloudlet, sqs, url) == []


def test_calls_in_another_region_go_to_that_regions_default_bus(cloudlet, events, sqs):
    url = watch(events, sqs, {"source": ["aws.sqs"]})
    cloudlet.client("sqs", region="eu-west-1").create_queue(QueueName="elsewhere")
    assert seen(cloudlet, sqs, url) == []


def test_calls_of_another_account_go_to_that_accounts_default_bus(cloudlet, events, sqs):
    url = watch(events, sqs, {"source": ["aws.sqs"]})
    cloudlet.client("sqs", account="111122223333").create_queue(QueueName="theirs")
    assert seen(cloudlet, sqs, url) == []


def test_rules_on_a_custom_bus_get_no_api_call_events(cloudlet, events, sqs):
    queue_url, queue_arn = make_queue(sqs, "custom-seen")
    events.create_event_bus(Name="custom")
    events.put_rule(Name="calls", EventBusName="custom", EventPattern=json.dumps({"source": ["aws.sqs"]}))
    events.put_targets(Rule="calls", EventBusName="custom", Targets=[{"Id": "q", "Arn": queue_arn}])
    sqs.create_queue(QueueName="more")
    assert seen(cloudlet, sqs, queue_url) == []


def test_s3_bucket_calls_are_management_events_and_object_calls_are_not(cloudlet, events, sqs):
    url = watch(events, sqs, {"source": ["aws.s3"]})
    s3 = cloudlet.client("s3")
    s3.create_bucket(Bucket="reports")
    s3.put_object(Bucket="reports", Key="a.txt", Body=b"x")
    s3.delete_object(Bucket="reports", Key="a.txt")
    (event,) = seen(cloudlet, sqs, url)
    assert event["detail"]["eventSource"] == "s3.amazonaws.com"
    assert event["detail"]["eventName"] == "CreateBucket"
    assert event["detail"]["requestParameters"]["bucket"] == "reports"


def test_eventbridge_calls_are_recorded_with_source_aws_events(cloudlet, events, sqs):
    url = watch(events, sqs, {"source": ["aws.events"], "detail": {"eventName": ["PutRule"]}})
    events.put_rule(Name="another", EventPattern=json.dumps({"source": ["mine"]}))
    (event,) = seen(cloudlet, sqs, url)
    assert event["detail"]["requestParameters"]["name"] == "another"
    assert event["detail"]["responseElements"]["ruleArn"].endswith(":rule/another")


def test_an_archive_on_the_default_bus_keeps_api_call_events_without_any_rule(cloudlet, events, sqs):
    bus = events.describe_event_bus()["Arn"]
    events.create_archive(
        ArchiveName="trail", EventSourceArn=bus, EventPattern=json.dumps({"source": ["aws.sqs"]})
    )
    sqs.create_queue(QueueName="kept")
    cloudlet.settle()
    assert events.describe_archive(ArchiveName="trail")["EventCount"] == 1


def test_rules_keep_receiving_api_call_events_after_a_restart(cloudlet, events, sqs):
    url = watch(events, sqs, {"source": ["aws.sqs"], "detail": {"eventName": ["CreateQueue"]}})
    cloudlet.restart()
    sqs = cloudlet.client("sqs")
    sqs.create_queue(QueueName="after-restart")
    (event,) = seen(cloudlet, sqs, url)
    assert event["detail"]["requestParameters"] == {"queueName": "after-restart"}


def test_without_the_events_service_loaded_calls_observe_nothing(cloudlet, sqs):
    sqs.create_queue(QueueName="plain")
    assert cloudlet.app.call_observers == []


# -- the table and the record, without a server ----------------------------------------------------


def _model(name: str) -> Any:
    return botocore.session.get_session().get_service_model(name)


@pytest.mark.parametrize(
    ("service", "operation"),
    [
        ("sqs", "SendMessage"),
        ("sqs", "ReceiveMessage"),
        ("sqs", "DeleteMessageBatch"),
        ("s3", "PutObject"),
        ("s3", "DeleteObjects"),
        ("s3", "CompleteMultipartUpload"),
        ("lambda", "Invoke"),
        ("dynamodb", "PutItem"),
        ("dynamodb", "Query"),
        ("sns", "Publish"),
        ("events", "PutEvents"),
        ("logs", "PutLogEvents"),
    ],
)
def test_data_events_are_not_classified_as_management_calls(service, operation):
    model = _model(service)
    assert classify(model, model.operation_model(operation)) is None


@pytest.mark.parametrize(
    ("service", "operation", "source", "event_source", "read_only"),
    [
        ("sqs", "DeleteQueue", "aws.sqs", "sqs.amazonaws.com", False),
        ("sqs", "GetQueueUrl", "aws.sqs", "sqs.amazonaws.com", True),
        ("dynamodb", "DeleteTable", "aws.dynamodb", "dynamodb.amazonaws.com", False),
        ("s3", "PutBucketPolicy", "aws.s3", "s3.amazonaws.com", False),
        ("s3", "HeadBucket", "aws.s3", "s3.amazonaws.com", True),
        ("cloudwatch", "PutMetricAlarm", "aws.cloudwatch", "monitoring.amazonaws.com", False),
        ("sts", "AssumeRole", "aws.sts", "sts.amazonaws.com", True),
        ("events", "TestEventPattern", "aws.events", "events.amazonaws.com", True),
    ],
)
def test_management_calls_are_classified(service, operation, source, event_source, read_only):
    model = _model(service)
    call = classify(model, model.operation_model(operation))
    assert call is not None
    assert (call.source, call.event_source, call.event_name, call.read_only) == (
        source,
        event_source,
        operation,
        read_only,
    )


@pytest.mark.parametrize(
    ("operation", "event_name"),
    [
        ("CreateFunction", "CreateFunction20150331"),
        ("DeleteFunction", "DeleteFunction20150331"),
        ("UpdateFunctionCode", "UpdateFunctionCode20150331v2"),
        ("AddPermission", "AddPermission20150331v2"),
        ("PutFunctionConcurrency", "PutFunctionConcurrency20171031"),
    ],
)
def test_lambda_event_names_carry_the_api_version(operation, event_name):
    model = _model("lambda")
    call = classify(model, model.operation_model(operation))
    assert call is not None and call.event_name == event_name


def test_camel_keeps_map_keys_and_drops_blobs():
    model = _model("lambda")
    shape = model.operation_model("CreateFunction").input_shape
    request = {
        "FunctionName": "f",
        "Code": {"ZipFile": b"PK..."},
        "Environment": {"Variables": {"LOG_LEVEL": "debug"}},
        "Layers": ["arn:aws:lambda:us-east-1:000000000000:layer:x:1"],
    }
    assert camel(request, shape) == {
        "functionName": "f",
        "code": {},
        "environment": {"variables": {"LOG_LEVEL": "debug"}},
        "layers": ["arn:aws:lambda:us-east-1:000000000000:layer:x:1"],
    }


@given(
    name=st.text(min_size=1, max_size=20),
    attributes=st.dictionaries(st.text(max_size=12), st.text(max_size=12), max_size=5),
    tags=st.dictionaries(st.text(max_size=12), st.text(max_size=12), max_size=5),
)
def test_camel_renames_members_only_and_stays_json(name, attributes, tags):
    shape = _model("sqs").operation_model("CreateQueue").input_shape
    request = {"QueueName": name, "Attributes": attributes, "tags": tags}
    out = camel(request, shape)
    assert out == {"queueName": name, "attributes": attributes, "tags": tags}
    assert json.loads(json.dumps(out)) == out
