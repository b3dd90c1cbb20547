"""S3 event notifications: Put/GetBucketNotificationConfiguration (validation, ids, test events) and
delivery of event records to SQS, SNS and Lambda (filters, wildcards, versions, encoded keys)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError
from hypothesis import given
from hypothesis import strategies as st

from cloudlet.services.s3.notifications import Target, overlapping
from tests.services.lambda_.conftest import ROLE, package

RECORDER = """
import json, os

def handler(event, context):
    with open(os.environ["OUT"], "a") as out:
        out.write(json.dumps(event) + "\\n")
"""


# --- helpers ----------------------------------------------------------------------------------------


@pytest.fixture
def sqs(cloudlet: Any) -> Any:
    return cloudlet.client("sqs")


@pytest.fixture
def sns(cloudlet: Any) -> Any:
    return cloudlet.client("sns")


def make_queue(sqs: Any, name: str = "events", **attributes: str) -> tuple[str, str]:
    """(QueueUrl, QueueArn) of a new queue."""
    url = sqs.create_queue(QueueName=name, Attributes=attributes)["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    return url, arn


def drain(sqs: Any, url: str) -> list[Any]:
    """Every message body in the queue, parsed."""
    out: list[Any] = []
    while True:
        got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, VisibilityTimeout=300)
        if not got.get("Messages"):
            return out
        out += [json.loads(m["Body"]) for m in got["Messages"]]


def records(sqs: Any, url: str) -> list[dict[str, Any]]:
    """The event records in the queue (test events left out)."""
    return [r for body in drain(sqs, url) if "Records" in body for r in body["Records"]]


def notify_queue(
    s3: Any, bucket: str, arn: str, events: list[str], rules: list[Any] | None = None, **kw: Any
) -> None:
    config: dict[str, Any] = {"QueueArn": arn, "Events": events}
    if rules:
        config["Filter"] = {"Key": {"FilterRules": [{"Name": n, "Value": v} for n, v in rules]}}
    s3.put_bucket_notification_configuration(
        Bucket=bucket, NotificationConfiguration={"QueueConfigurations": [config]}, **kw
    )


@pytest.fixture
def queue(s3: Any, sqs: Any, bucket: str) -> str:
    """A queue receiving every ObjectCreated and ObjectRemoved event of `bucket` (test event drained)."""
    url, arn = make_queue(sqs)
    s3.put_bucket_notification_configuration(
        Bucket=bucket,
        NotificationConfiguration={
            "QueueConfigurations": [
                {"Id": "all", "QueueArn": arn, "Events": ["s3:ObjectCreated:*", "s3:ObjectRemoved:*"]}
            ]
        },
    )
    drain(sqs, url)
    return url


def error_of(excinfo: pytest.ExceptionInfo[ClientError]) -> dict[str, Any]:
    return excinfo.value.response["Error"]


def put_config(s3: Any, bucket: str, config: dict[str, Any], **kw: Any) -> dict[str, Any]:
    """The error of a refused PutBucketNotificationConfiguration."""
    with pytest.raises(ClientError) as excinfo:
        s3.put_bucket_notification_configuration(Bucket=bucket, NotificationConfiguration=config, **kw)
    assert excinfo.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    return error_of(excinfo)


# --- configuration ----------------------------------------------------------------------------------


def test_a_bucket_without_configuration_answers_an_empty_one(s3, bucket):
    out = s3.get_bucket_notification_configuration(Bucket=bucket)
    assert {k for k in out if k != "ResponseMetadata"} == set()


def test_configuration_round_trips_with_generated_ids_and_capitalized_rule_names(s3, sqs, bucket):
    _, arn = make_queue(sqs)
    notify_queue(s3, bucket, arn, ["s3:ObjectCreated:*"], [("prefix", "in/"), ("SUFFIX", ".csv")])
    (config,) = s3.get_bucket_notification_configuration(Bucket=bucket)["QueueConfigurations"]
    assert config["QueueArn"] == arn
    assert config["Events"] == ["s3:ObjectCreated:*"]
    assert config["Id"]
    assert config["Filter"]["Key"]["FilterRules"] == [
        {"Name": "Prefix", "Value": "in/"},
        {"Name": "Suffix", "Value": ".csv"},
    ]


def test_event_bridge_configuration_is_stored_and_returned(s3, bucket):
    s3.put_bucket_notification_configuration(
        Bucket=bucket, NotificationConfiguration={"EventBridgeConfiguration": {}}
    )
    assert s3.get_bucket_notification_configuration(Bucket=bucket)["EventBridgeConfiguration"] == {}


def test_an_empty_configuration_turns_notifications_off(s3, sqs, bucket, queue):
    s3.put_bucket_notification_configuration(Bucket=bucket, NotificationConfiguration={})
    s3.put_object(Bucket=bucket, Key="a.txt", Body=b"x")
    assert "QueueConfigurations" not in s3.get_bucket_notification_configuration(Bucket=bucket)
    assert records(sqs, queue) == []


def test_configuring_a_missing_bucket_is_no_such_bucket(s3):
    with pytest.raises(ClientError) as excinfo:
        s3.put_bucket_notification_configuration(Bucket="missing-bucket", NotificationConfiguration={})
    assert error_of(excinfo)["Code"] == "NoSuchBucket"


# --- validation -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("member", "arn_member", "arn", "reason"),
    [
        ("QueueConfigurations", "QueueArn", "arn:aws:sqs:us-east-1:000000000000:gone", "queue"),
        ("TopicConfigurations", "TopicArn", "arn:aws:sns:us-east-1:000000000000:gone", "topic"),
        (
            "LambdaFunctionConfigurations",
            "LambdaFunctionArn",
            "arn:aws:lambda:us-east-1:000000000000:function:gone",
            "Lambda",
        ),
    ],
)
def test_a_missing_destination_is_unable_to_validate(s3, bucket, member, arn_member, arn, reason):
    config = {member: [{arn_member: arn, "Events": ["s3:ObjectCreated:*"]}]}
    error = put_config(s3, bucket, config)
    assert error["Code"] == "InvalidArgument"
    assert error["Message"] == "Unable to validate the following destination configurations"
    assert error["ArgumentName"] == arn
    assert error["ArgumentValue"] == f"The destination {reason} does not exist"


def test_skip_destination_validation_stores_a_missing_destination(s3, bucket):
    arn = "arn:aws:sqs:us-east-1:000000000000:later"
    notify_queue(s3, bucket, arn, ["s3:ObjectCreated:*"], SkipDestinationValidation=True)
    (config,) = s3.get_bucket_notification_configuration(Bucket=bucket)["QueueConfigurations"]
    assert config["QueueArn"] == arn


def test_skip_destination_validation_sends_no_test_event(s3, sqs, bucket):
    url, arn = make_queue(sqs)
    notify_queue(s3, bucket, arn, ["s3:ObjectCreated:*"], SkipDestinationValidation=True)
    assert drain(sqs, url) == []


def test_an_unknown_event_is_not_supported(s3, sqs, bucket):
    _, arn = make_queue(sqs)
    error = put_config(
        s3, bucket, {"QueueConfigurations": [{"QueueArn": arn, "Events": ["s3:ObjectMoved:*"]}]}
    )
    assert (error["Code"], error["Message"]) == (
        "InvalidArgument",
        "The event is not supported for notifications",
    )
    assert error["ArgumentValue"] == "s3:ObjectMoved:*"


def test_a_filter_rule_other_than_prefix_or_suffix_is_invalid(s3, sqs, bucket):
    _, arn = make_queue(sqs)
    config = {
        "QueueArn": arn,
        "Events": ["s3:ObjectCreated:*"],
        "Filter": {"Key": {"FilterRules": [{"Name": "infix", "Value": "x"}]}},
    }
    error = put_config(s3, bucket, {"QueueConfigurations": [config]})
    assert (error["Code"], error["Message"]) == (
        "InvalidArgument",
        "filter rule name must be either prefix or suffix",
    )


def test_a_filter_rule_may_appear_once(s3, sqs, bucket):
    _, arn = make_queue(sqs)
    rules = [{"Name": "prefix", "Value": "a/"}, {"Name": "Prefix", "Value": "b/"}]
    config = {"QueueArn": arn, "Events": ["s3:ObjectCreated:*"], "Filter": {"Key": {"FilterRules": rules}}}
    error = put_config(s3, bucket, {"QueueConfigurations": [config]})
    assert (error["Code"], error["Message"]) == (
        "InvalidArgument",
        "Cannot specify more than one prefix rule in a filter.",
    )


def test_a_malformed_destination_arn_cannot_be_parsed(s3, bucket):
    error = put_config(
        s3, bucket, {"QueueConfigurations": [{"QueueArn": "my-queue", "Events": ["s3:ObjectCreated:*"]}]}
    )
    assert (error["Code"], error["Message"]) == ("InvalidArgument", "The ARN could not be parsed")


def test_a_destination_in_another_region_is_refused(s3, cloudlet, bucket):
    sqs_west = cloudlet.client("sqs", region="us-west-2")
    _, arn = make_queue(sqs_west)
    error = put_config(
        s3, bucket, {"QueueConfigurations": [{"QueueArn": arn, "Events": ["s3:ObjectCreated:*"]}]}
    )
    assert error["Code"] == "InvalidArgument"
    assert error["Message"].startswith("The notification destination service region is not valid")


def test_a_fifo_queue_is_refused(s3, sqs, bucket):
    _, arn = make_queue(sqs, "events.fifo", FifoQueue="true")
    error = put_config(
        s3, bucket, {"QueueConfigurations": [{"QueueArn": arn, "Events": ["s3:ObjectCreated:*"]}]}
    )
    assert (error["Code"], error["Message"]) == (
        "InvalidArgument",
        "Unable to validate the following destination configurations",
    )


AMBIGUOUS = (
    "Configuration is ambiguously defined. Cannot have overlapping suffixes in two rules if the prefixes are "
    "overlapping for the same event type."
)


def two_queues(
    arn_a: str, arn_b: str, a: tuple[list[str], list[Any]], b: tuple[list[str], list[Any]]
) -> dict:
    def one(arn: str, events: list[str], rules: list[Any]) -> dict[str, Any]:
        config: dict[str, Any] = {"QueueArn": arn, "Events": events}
        if rules:
            config["Filter"] = {"Key": {"FilterRules": [{"Name": n, "Value": v} for n, v in rules]}}
        return config

    return {"QueueConfigurations": [one(arn_a, *a), one(arn_b, *b)]}


def test_overlapping_prefixes_for_the_same_event_type_are_ambiguous(s3, sqs, bucket):
    _, arn_a = make_queue(sqs, "a")
    _, arn_b = make_queue(sqs, "b")
    config = two_queues(
        arn_a,
        arn_b,
        (["s3:ObjectCreated:*"], [("prefix", "images")]),
        (["s3:ObjectCreated:Put"], [("prefix", "images/")]),
    )
    error = put_config(s3, bucket, config)
    assert (error["Code"], error["Message"]) == ("InvalidArgument", AMBIGUOUS)


def test_a_configuration_without_filter_overlaps_every_other(s3, sqs, bucket):
    _, arn_a = make_queue(sqs, "a")
    _, arn_b = make_queue(sqs, "b")
    config = two_queues(
        arn_a, arn_b, (["s3:ObjectCreated:*"], []), (["s3:ObjectCreated:*"], [("suffix", ".jpg")])
    )
    assert put_config(s3, bucket, config)["Message"] == AMBIGUOUS


def test_one_prefix_with_different_suffixes_is_accepted(s3, sqs, bucket):
    _, arn_a = make_queue(sqs, "a")
    _, arn_b = make_queue(sqs, "b")
    config = two_queues(
        arn_a,
        arn_b,
        (["s3:ObjectCreated:Put"], [("prefix", "images"), ("suffix", ".jpg")]),
        (["s3:ObjectCreated:Put"], [("prefix", "images"), ("suffix", ".png")]),
    )
    s3.put_bucket_notification_configuration(Bucket=bucket, NotificationConfiguration=config)
    assert len(s3.get_bucket_notification_configuration(Bucket=bucket)["QueueConfigurations"]) == 2


def test_the_same_filter_for_different_event_types_is_accepted(s3, sqs, bucket):
    _, arn_a = make_queue(sqs, "a")
    _, arn_b = make_queue(sqs, "b")
    config = two_queues(
        arn_a,
        arn_b,
        (["s3:ObjectCreated:Put"], [("prefix", "image/")]),
        (["s3:ObjectRemoved:*"], [("prefix", "image/")]),
    )
    s3.put_bucket_notification_configuration(Bucket=bucket, NotificationConfiguration=config)
    assert len(s3.get_bucket_notification_configuration(Bucket=bucket)["QueueConfigurations"]) == 2


def rule(events: frozenset[str], prefix: str, suffix: str) -> Target:
    return Target("sqs", "arn:aws:sqs:us-east-1:000000000000:q", "id", events, prefix, suffix)


EVENTS = st.sampled_from(["s3:ObjectCreated:*", "s3:ObjectCreated:Put", "s3:ObjectCreated:Copy"])
AFFIX = st.text(alphabet="ab/", max_size=3)


@given(EVENTS, AFFIX, AFFIX, EVENTS, AFFIX, AFFIX, st.lists(st.text(alphabet="ab/", max_size=8), max_size=30))
def test_two_rules_overlap_exactly_when_some_key_and_event_match_both(ea, pa, sa, eb, pb, sb, keys):
    a, b = rule(frozenset([ea]), pa, sa), rule(frozenset([eb]), pb, sb)
    events = [
        e
        for e in ("s3:ObjectCreated:Put", "s3:ObjectCreated:Copy")
        if a.matches(e, pa + sa) and b.matches(e, pb + sb)  # keys that fit each rule: the event decides
    ]
    witness = max(pa, pb, key=len) + max(sa, sb, key=len)
    if overlapping(a, b):
        assert any(a.matches(e, witness) and b.matches(e, witness) for e in events)
    else:
        assert not any(a.matches(e, k) and b.matches(e, k) for e in events for k in [*keys, witness])


# --- test events ------------------------------------------------------------------------------------


def test_a_new_queue_receives_a_test_event(s3, sqs, bucket):
    url, arn = make_queue(sqs)
    s3.put_bucket_notification_configuration(
        Bucket=bucket,
        NotificationConfiguration={
            "QueueConfigurations": [{"QueueArn": arn, "Events": ["s3:ObjectCreated:*"]}]
        },
    )
    (event,) = drain(sqs, url)
    assert set(event) == {"Service", "Event", "Time", "Bucket", "RequestId", "HostId"}
    assert (event["Service"], event["Event"], event["Bucket"]) == ("Amazon S3", "s3:TestEvent", bucket)
    assert event["Time"].endswith("Z") and len(event["Time"]) == len("2014-10-13T15:57:02.089Z")


def test_a_queue_already_configured_gets_no_second_test_event(s3, sqs, bucket):
    url, arn = make_queue(sqs)
    notify_queue(s3, bucket, arn, ["s3:ObjectCreated:*"])
    notify_queue(s3, bucket, arn, ["s3:ObjectRemoved:*"])
    assert len(drain(sqs, url)) == 1


def subscribe(sns: Any, sqs: Any, name: str = "events") -> tuple[str, str]:
    """(topic ARN, URL of a queue subscribed to it)."""
    topic = sns.create_topic(Name=name)["TopicArn"]
    url, arn = make_queue(sqs, f"{name}-sub")
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=arn)
    return topic, url


def test_a_new_topic_receives_a_test_event_with_s3_subject(s3, sns, sqs, bucket):
    topic, url = subscribe(sns, sqs)
    s3.put_bucket_notification_configuration(
        Bucket=bucket,
        NotificationConfiguration={
            "TopicConfigurations": [{"TopicArn": topic, "Events": ["s3:ObjectCreated:*"]}]
        },
    )
    (envelope,) = drain(sqs, url)
    assert envelope["Subject"] == "Amazon S3 Notification"
    assert json.loads(envelope["Message"])["Event"] == "s3:TestEvent"


# --- records ----------------------------------------------------------------------------------------


def test_put_object_sends_a_version_2_1_record(s3, sqs, bucket, queue):
    put = s3.put_object(Bucket=bucket, Key="a.txt", Body=b"hello")
    (record,) = records(sqs, queue)
    assert record["eventVersion"] == "2.1"
    assert (record["eventSource"], record["awsRegion"], record["eventName"]) == (
        "aws:s3",
        "us-east-1",
        "ObjectCreated:Put",
    )
    assert record["eventTime"].endswith("Z") and len(record["eventTime"]) == 24
    assert set(record["userIdentity"]) == {"principalId"}
    assert record["requestParameters"] == {"sourceIPAddress": "127.0.0.1"}
    headers = put["ResponseMetadata"]["HTTPHeaders"]
    assert record["responseElements"] == {
        "x-amz-request-id": headers["x-amz-request-id"],
        "x-amz-id-2": headers["x-amz-id-2"],
    }
    s3_part = record["s3"]
    assert (s3_part["s3SchemaVersion"], s3_part["configurationId"]) == ("1.0", "all")
    assert s3_part["bucket"]["name"] == bucket and s3_part["bucket"]["arn"] == f"arn:aws:s3:::{bucket}"
    assert set(s3_part["bucket"]["ownerIdentity"]) == {"principalId"}
    obj = s3_part["object"]
    assert set(obj) == {"key", "size", "eTag", "sequencer"}
    assert (obj["key"], obj["size"], obj["eTag"]) == ("a.txt", 5, put["ETag"].strip('"'))


def test_a_key_is_url_encoded_as_a_form_value(s3, sqs, bucket, queue):
    s3.put_object(Bucket=bucket, Key="photos/red flower+1=é.jpg", Body=b"x")
    (record,) = records(sqs, queue)
    assert record["s3"]["object"]["key"] == "photos/red+flower%2B1%3D%C3%A9.jpg"


def test_a_delete_record_carries_no_size_or_etag(s3, sqs, bucket, queue):
    s3.put_object(Bucket=bucket, Key="a.txt", Body=b"x")
    s3.delete_object(Bucket=bucket, Key="a.txt")
    _, removed = records(sqs, queue)
    assert removed["eventName"] == "ObjectRemoved:Delete"
    assert set(removed["s3"]["object"]) == {"key", "sequencer"}


def test_delete_objects_sends_one_record_per_key(s3, sqs, bucket, queue):
    for key in ("a", "b"):
        s3.put_object(Bucket=bucket, Key=key, Body=b"x")
    s3.delete_objects(Bucket=bucket, Delete={"Objects": [{"Key": "a"}, {"Key": "b"}]})
    removed = [
        r["s3"]["object"]["key"] for r in records(sqs, queue) if r["eventName"] == "ObjectRemoved:Delete"
    ]
    assert sorted(removed) == ["a", "b"]


def test_the_sequencer_increases_for_each_event_on_a_key(s3, sqs, bucket, queue):
    for body in (b"1", b"2", b"3"):
        s3.put_object(Bucket=bucket, Key="k", Body=body)
    s3.delete_object(Bucket=bucket, Key="k")
    sequencers = [r["s3"]["object"]["sequencer"] for r in records(sqs, queue)]
    assert len(sequencers) == 4
    assert sequencers == sorted(sequencers) and len(set(sequencers)) == 4
    assert all(int(value, 16) > 0 for value in sequencers)  # hexadecimal


def test_a_versioned_bucket_reports_version_ids(s3, sqs, bucket, queue):
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    put = s3.put_object(Bucket=bucket, Key="a.txt", Body=b"x")
    (record,) = records(sqs, queue)
    assert record["s3"]["object"]["versionId"] == put["VersionId"]


def test_deleting_in_a_versioned_bucket_creates_a_delete_marker_event(s3, sqs, bucket, queue):
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    s3.put_object(Bucket=bucket, Key="a.txt", Body=b"x")
    deleted = s3.delete_object(Bucket=bucket, Key="a.txt")
    _, marker = records(sqs, queue)
    assert marker["eventName"] == "ObjectRemoved:DeleteMarkerCreated"
    assert marker["s3"]["object"]["versionId"] == deleted["VersionId"]
    assert set(marker["s3"]["object"]) == {"key", "versionId", "sequencer"}


def test_deleting_a_version_is_object_removed_delete(s3, sqs, bucket, queue):
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    version = s3.put_object(Bucket=bucket, Key="a.txt", Body=b"x")["VersionId"]
    s3.delete_object(Bucket=bucket, Key="a.txt", VersionId=version)
    _, removed = records(sqs, queue)
    assert (removed["eventName"], removed["s3"]["object"]["versionId"]) == ("ObjectRemoved:Delete", version)


def test_tagging_an_object_sends_a_version_2_3_record_without_sequencer(s3, sqs, bucket):
    url, arn = make_queue(sqs)
    notify_queue(s3, bucket, arn, ["s3:ObjectTagging:*"])
    put = s3.put_object(Bucket=bucket, Key="a.txt", Body=b"x")
    s3.put_object_tagging(Bucket=bucket, Key="a.txt", Tagging={"TagSet": [{"Key": "k", "Value": "v"}]})
    (record,) = records(sqs, url)
    assert (record["eventVersion"], record["eventName"]) == ("2.3", "ObjectTagging:Put")
    assert record["s3"]["object"] == {"key": "a.txt", "eTag": put["ETag"].strip('"')}


def test_put_object_acl_sends_a_version_2_3_acl_record(s3, sqs, bucket):
    url, arn = make_queue(sqs)
    notify_queue(s3, bucket, arn, ["s3:ObjectAcl:Put"])
    put = s3.put_object(Bucket=bucket, Key="a.txt", Body=b"x")
    s3.put_object_acl(Bucket=bucket, Key="a.txt", ACL="private")
    (record,) = records(sqs, url)
    assert (record["eventVersion"], record["eventName"]) == ("2.3", "ObjectAcl:Put")
    assert record["s3"]["object"] == {"key": "a.txt", "eTag": put["ETag"].strip('"')}


def test_lifecycle_expiration_sends_a_version_2_3_record_from_s3(s3, sqs, cloudlet, bucket):
    url, arn = make_queue(sqs)
    notify_queue(s3, bucket, arn, ["s3:LifecycleExpiration:*"])
    s3.put_object(Bucket=bucket, Key="logs/old.txt", Body=b"x")
    s3.put_bucket_lifecycle_configuration(
        Bucket=bucket,
        LifecycleConfiguration={
            "Rules": [
                {
                    "ID": "expire",
                    "Status": "Enabled",
                    "Filter": {"Prefix": "logs/"},
                    "Expiration": {"Days": 1},
                }
            ]
        },
    )
    cloudlet.clock.advance(3 * 86_400)
    cloudlet.settle()
    (record,) = records(sqs, url)
    assert (record["eventVersion"], record["eventName"]) == ("2.3", "LifecycleExpiration:Delete")
    assert record["userIdentity"] == {"principalId": "s3.amazonaws.com"}
    assert set(record["s3"]["object"]) == {"key", "sequencer"}


# --- matching ---------------------------------------------------------------------------------------


def test_the_created_wildcard_covers_copy_and_multipart_upload(s3, sqs, bucket, queue):
    s3.put_object(Bucket=bucket, Key="src", Body=b"x")
    s3.copy_object(Bucket=bucket, Key="copy", CopySource={"Bucket": bucket, "Key": "src"})
    upload = s3.create_multipart_upload(Bucket=bucket, Key="big")["UploadId"]
    part = s3.upload_part(Bucket=bucket, Key="big", UploadId=upload, PartNumber=1, Body=b"y")
    s3.complete_multipart_upload(
        Bucket=bucket,
        Key="big",
        UploadId=upload,
        MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": part["ETag"]}]},
    )
    names = [(r["eventName"], r["s3"]["object"]["key"]) for r in records(sqs, queue)]
    assert names == [
        ("ObjectCreated:Put", "src"),
        ("ObjectCreated:Copy", "copy"),
        ("ObjectCreated:CompleteMultipartUpload", "big"),
    ]


def test_a_specific_event_does_not_match_its_siblings(s3, sqs, bucket):
    url, arn = make_queue(sqs)
    notify_queue(s3, bucket, arn, ["s3:ObjectRemoved:DeleteMarkerCreated"])
    s3.put_object(Bucket=bucket, Key="a", Body=b"x")
    s3.delete_object(Bucket=bucket, Key="a")
    assert records(sqs, url) == []


def test_prefix_and_suffix_filter_on_the_raw_key(s3, sqs, bucket):
    url, arn = make_queue(sqs)
    notify_queue(s3, bucket, arn, ["s3:ObjectCreated:*"], [("prefix", "in box/"), ("suffix", ".csv")])
    for key in ("in box/a.csv", "in box/a.txt", "out/a.csv", "in box/sub/b.csv"):
        s3.put_object(Bucket=bucket, Key=key, Body=b"x")
    assert [r["s3"]["object"]["key"] for r in records(sqs, url)] == ["in+box/a.csv", "in+box/sub/b.csv"]


def test_a_changed_configuration_applies_to_the_next_write(s3, sqs, bucket, queue):
    _, arn = make_queue(sqs, "other")
    notify_queue(s3, bucket, arn, ["s3:ObjectCreated:*"])
    s3.put_object(Bucket=bucket, Key="a", Body=b"x")
    assert records(sqs, queue) == []


def test_a_recreated_bucket_starts_without_configuration(s3, sqs, bucket, queue):
    s3.delete_bucket(Bucket=bucket)
    s3.create_bucket(Bucket=bucket)
    s3.put_object(Bucket=bucket, Key="a", Body=b"x")
    assert records(sqs, queue) == []
    assert "QueueConfigurations" not in s3.get_bucket_notification_configuration(Bucket=bucket)


def test_a_deleted_destination_is_skipped_and_the_write_succeeds(s3, sqs, bucket, queue):
    sqs.delete_queue(QueueUrl=queue)
    assert s3.put_object(Bucket=bucket, Key="a", Body=b"x")["ETag"]
    assert s3.get_object(Bucket=bucket, Key="a")["Body"].read() == b"x"


# --- SNS and Lambda ---------------------------------------------------------------------------------


def test_a_topic_destination_publishes_the_records_with_s3_subject(s3, sns, sqs, bucket):
    topic, url = subscribe(sns, sqs)
    s3.put_bucket_notification_configuration(
        Bucket=bucket,
        NotificationConfiguration={
            "TopicConfigurations": [{"Id": "to-topic", "TopicArn": topic, "Events": ["s3:ObjectCreated:Put"]}]
        },
    )
    drain(sqs, url)
    s3.put_object(Bucket=bucket, Key="a.txt", Body=b"x")
    (envelope,) = drain(sqs, url)
    assert envelope["Subject"] == "Amazon S3 Notification"
    (record,) = json.loads(envelope["Message"])["Records"]
    assert (record["eventName"], record["s3"]["configurationId"]) == ("ObjectCreated:Put", "to-topic")


def test_a_lambda_destination_is_invoked_asynchronously_with_the_records(
    s3, cloudlet, bucket, tmp_path: Path
):
    out = tmp_path / "events.jsonl"
    lam = cloudlet.client("lambda")
    arn = lam.create_function(
        FunctionName="recorder",
        Runtime="python3.11",
        Role=ROLE,
        Handler="app.handler",
        Code={"ZipFile": package({"app.py": RECORDER})},
        Environment={"Variables": {"OUT": str(out)}},
    )["FunctionArn"]
    s3.put_bucket_notification_configuration(
        Bucket=bucket,
        NotificationConfiguration={
            "LambdaFunctionConfigurations": [{"LambdaFunctionArn": arn, "Events": ["s3:ObjectCreated:*"]}]
        },
    )
    s3.put_object(Bucket=bucket, Key="report.csv", Body=b"a,b")
    cloudlet.settle()
    (event,) = [json.loads(line) for line in out.read_text().splitlines()]
    (record,) = event["Records"]
    assert (record["eventName"], record["s3"]["object"]["key"]) == ("ObjectCreated:Put", "report.csv")
