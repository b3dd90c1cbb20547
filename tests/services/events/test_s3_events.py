"""S3 → EventBridge: a bucket with `EventBridgeConfiguration` sends every object event to the default bus
of its owner in AWS's shapes ("Object Created", "Object Deleted", "Object Tags Added" ...), inside the
write's transaction; a bucket without it sends nothing."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.services.events.conftest import bodies, drain, make_queue

ACCOUNT = "000000000000"
BUCKET = "photos"


@pytest.fixture
def s3(cloudlet: Any) -> Any:
    return cloudlet.client("s3")


@pytest.fixture
def bucket(s3: Any) -> str:
    s3.create_bucket(Bucket=BUCKET)
    s3.put_bucket_notification_configuration(
        Bucket=BUCKET, NotificationConfiguration={"EventBridgeConfiguration": {}}
    )
    return BUCKET


@pytest.fixture
def inbox(events: Any, sqs: Any) -> str:
    """A queue receiving every `aws.s3` object event of the default bus."""
    url, arn = make_queue(sqs, "s3-events")
    pattern = {"source": ["aws.s3"], "detail-type": [{"prefix": "Object "}]}
    events.put_rule(Name="s3-events", EventPattern=json.dumps(pattern))
    events.put_targets(Rule="s3-events", Targets=[{"Id": "q", "Arn": arn}])
    return url


def received(cloudlet: Any, sqs: Any, url: str) -> list[dict[str, Any]]:
    """The events in the queue, taken out of it."""
    cloudlet.settle()
    messages = drain(sqs, url)
    for message in messages:
        sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
    return bodies(messages)


def test_put_object_sends_object_created(cloudlet, s3, sqs, bucket, inbox):
    answer = s3.put_object(Bucket=bucket, Key="cat.jpg", Body=b"meow")
    (event,) = received(cloudlet, sqs, inbox)
    assert event["version"] == "0"
    assert event["detail-type"] == "Object Created"
    assert event["source"] == "aws.s3"
    assert (event["account"], event["region"]) == (ACCOUNT, "us-east-1")
    assert event["resources"] == [f"arn:aws:s3:::{bucket}"]
    detail = event["detail"]
    assert detail["version"] == "0"
    assert detail["bucket"] == {"name": bucket}
    assert set(detail["object"]) == {"key", "size", "etag", "sequencer"}
    assert detail["object"]["key"] == "cat.jpg"
    assert detail["object"]["size"] == 4
    assert detail["object"]["etag"] == answer["ETag"].strip('"')
    assert detail["request-id"] == answer["ResponseMetadata"]["RequestId"]
    assert detail["requester"] == ACCOUNT
    assert detail["source-ip-address"] == "127.0.0.1"
    assert detail["reason"] == "PutObject"
    assert "deletion-type" not in detail


def test_object_keys_are_sent_as_they_are(cloudlet, s3, sqs, bucket, inbox):
    s3.put_object(Bucket=bucket, Key="holiday pics/a+b.jpg", Body=b"x")
    (event,) = received(cloudlet, sqs, inbox)
    assert event["detail"]["object"]["key"] == "holiday pics/a+b.jpg"


def test_copy_object_gives_reason_copy_object(cloudlet, s3, sqs, bucket, inbox):
    s3.put_object(Bucket=bucket, Key="a", Body=b"x")
    s3.copy_object(Bucket=bucket, Key="b", CopySource={"Bucket": bucket, "Key": "a"})
    reasons = [e["detail"]["reason"] for e in received(cloudlet, sqs, inbox)]
    assert sorted(reasons) == ["CopyObject", "PutObject"]


def test_completing_a_multipart_upload_gives_reason_complete_multipart_upload(
    cloudlet, s3, sqs, bucket, inbox
):
    upload = s3.create_multipart_upload(Bucket=bucket, Key="big")["UploadId"]
    part = s3.upload_part(Bucket=bucket, Key="big", UploadId=upload, PartNumber=1, Body=b"x" * 10)
    s3.complete_multipart_upload(
        Bucket=bucket,
        Key="big",
        UploadId=upload,
        MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": part["ETag"]}]},
    )
    (event,) = received(cloudlet, sqs, inbox)
    assert event["detail"]["reason"] == "CompleteMultipartUpload"
    assert event["detail"]["object"]["size"] == 10


def test_deleting_an_unversioned_object_sends_permanently_deleted(cloudlet, s3, sqs, bucket, inbox):
    s3.put_object(Bucket=bucket, Key="a", Body=b"x")
    received(cloudlet, sqs, inbox)
    s3.delete_object(Bucket=bucket, Key="a")
    (event,) = received(cloudlet, sqs, inbox)
    assert event["detail-type"] == "Object Deleted"
    assert event["detail"]["reason"] == "DeleteObject"
    assert event["detail"]["deletion-type"] == "Permanently Deleted"
    assert set(event["detail"]["object"]) == {"key", "sequencer"}


def test_deleting_in_a_versioned_bucket_sends_delete_marker_created(cloudlet, s3, sqs, bucket, inbox):
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    s3.put_object(Bucket=bucket, Key="a", Body=b"x")
    received(cloudlet, sqs, inbox)
    marker = s3.delete_object(Bucket=bucket, Key="a")["VersionId"]
    (event,) = received(cloudlet, sqs, inbox)
    assert event["detail"]["deletion-type"] == "Delete Marker Created"
    assert event["detail"]["object"]["version-id"] == marker


def test_versioned_objects_carry_their_version_id(cloudlet, s3, sqs, bucket, inbox):
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    version = s3.put_object(Bucket=bucket, Key="a", Body=b"x")["VersionId"]
    (event,) = received(cloudlet, sqs, inbox)
    assert event["detail"]["object"]["version-id"] == version


def test_multi_object_delete_sends_one_event_per_key(cloudlet, s3, sqs, bucket, inbox):
    for key in ("a", "b"):
        s3.put_object(Bucket=bucket, Key=key, Body=b"x")
    received(cloudlet, sqs, inbox)
    s3.delete_objects(Bucket=bucket, Delete={"Objects": [{"Key": "a"}, {"Key": "b"}]})
    keys = sorted(e["detail"]["object"]["key"] for e in received(cloudlet, sqs, inbox))
    assert keys == ["a", "b"]


def test_tagging_sends_object_tags_added_and_deleted(cloudlet, s3, sqs, bucket, inbox):
    s3.put_object(Bucket=bucket, Key="a", Body=b"x")
    received(cloudlet, sqs, inbox)
    s3.put_object_tagging(Bucket=bucket, Key="a", Tagging={"TagSet": [{"Key": "k", "Value": "v"}]})
    s3.delete_object_tagging(Bucket=bucket, Key="a")
    events_ = received(cloudlet, sqs, inbox)
    assert sorted(e["detail-type"] for e in events_) == ["Object Tags Added", "Object Tags Deleted"]
    assert all(set(e["detail"]["object"]) == {"key", "etag"} for e in events_)
    assert all("reason" not in e["detail"] for e in events_)


def test_a_bucket_without_eventbridge_sends_nothing(cloudlet, s3, sqs, inbox):
    s3.create_bucket(Bucket="quiet")
    s3.put_object(Bucket="quiet", Key="a", Body=b"x")
    assert received(cloudlet, sqs, inbox) == []


def test_turning_eventbridge_off_stops_the_events(cloudlet, s3, sqs, bucket, inbox):
    s3.put_bucket_notification_configuration(Bucket=bucket, NotificationConfiguration={})
    s3.put_object(Bucket=bucket, Key="a", Body=b"x")
    assert received(cloudlet, sqs, inbox) == []


def test_a_queue_destination_and_eventbridge_share_the_sequencer(cloudlet, s3, sqs, events, inbox):
    direct_url, direct_arn = make_queue(sqs, "direct")
    s3.create_bucket(Bucket="both")
    config = {
        "QueueConfigurations": [{"QueueArn": direct_arn, "Events": ["s3:ObjectCreated:*"]}],
        "EventBridgeConfiguration": {},
    }
    s3.put_bucket_notification_configuration(Bucket="both", NotificationConfiguration=config)
    drain(sqs, direct_url)  # the s3:TestEvent
    s3.put_object(Bucket="both", Key="a", Body=b"x")
    (event,) = received(cloudlet, sqs, inbox)
    (record,) = bodies(drain(sqs, direct_url))[0]["Records"]
    assert event["detail"]["object"]["sequencer"] == record["s3"]["object"]["sequencer"]


def test_events_go_to_the_bucket_owners_default_bus_only(cloudlet, s3, sqs, events, bucket):
    url, arn = make_queue(sqs, "custom-seen")
    events.create_event_bus(Name="custom")
    events.put_rule(Name="s3", EventBusName="custom", EventPattern=json.dumps({"source": ["aws.s3"]}))
    events.put_targets(Rule="s3", EventBusName="custom", Targets=[{"Id": "q", "Arn": arn}])
    s3.put_object(Bucket=bucket, Key="a", Body=b"x")
    assert received(cloudlet, sqs, url) == []


def test_a_rule_can_match_on_the_key_prefix(cloudlet, s3, sqs, events, bucket):
    url, arn = make_queue(sqs, "uploads")
    pattern = {"source": ["aws.s3"], "detail": {"object": {"key": [{"prefix": "uploads/"}]}}}
    events.put_rule(Name="uploads", EventPattern=json.dumps(pattern))
    events.put_targets(Rule="uploads", Targets=[{"Id": "q", "Arn": arn}])
    s3.put_object(Bucket=bucket, Key="uploads/a", Body=b"x")
    s3.put_object(Bucket=bucket, Key="other/b", Body=b"x")
    assert [e["detail"]["object"]["key"] for e in received(cloudlet, sqs, url)] == ["uploads/a"]


def test_lifecycle_expiration_sends_object_deleted_by_s3(cloudlet, s3, sqs, bucket, inbox):
    day = 86_400
    rules = [{"ID": "expire", "Status": "Enabled", "Filter": {}, "Expiration": {"Days": 1}}]
    s3.put_bucket_lifecycle_configuration(Bucket=bucket, LifecycleConfiguration={"Rules": rules})
    s3.put_object(Bucket=bucket, Key="old", Body=b"x")
    received(cloudlet, sqs, inbox)
    cloudlet.clock.advance(3 * day)
    (event,) = received(cloudlet, sqs, inbox)
    detail = event["detail"]
    assert detail["reason"] == "Lifecycle Expiration"
    assert detail["deletion-type"] == "Permanently Deleted"
    assert detail["requester"] == "s3.amazonaws.com"
    assert "source-ip-address" not in detail


def test_the_first_event_loads_eventbridge_inside_the_write(cloudlet, s3):
    s3.create_bucket(Bucket="first")
    s3.put_bucket_notification_configuration(
        Bucket="first", NotificationConfiguration={"EventBridgeConfiguration": {}}
    )
    s3.put_object(Bucket="first", Key="a", Body=b"x")
    cloudlet.settle()  # raises if anything failed inside
    assert cloudlet.app.service_states()["events"] == "running"
    assert s3.get_object(Bucket="first", Key="a")["Body"].read() == b"x"
