"""Lifecycle expiration on the (virtual) clock: current versions, noncurrent versions, expired delete
markers and incomplete multipart uploads, each due at midnight UTC after its age in days."""

from __future__ import annotations

import json
import math
from datetime import UTC, datetime
from typing import Any

import pytest
from botocore.exceptions import ClientError

DAY = 86_400


def midnight_after(t: float) -> float:
    return math.ceil(t / DAY) * DAY


def configure(s3: Any, bucket: str, *rules: dict[str, Any]) -> None:
    rules_ = [{"ID": f"rule-{i}", "Status": "Enabled", **rule} for i, rule in enumerate(rules)]
    s3.put_bucket_lifecycle_configuration(Bucket=bucket, LifecycleConfiguration={"Rules": rules_})


def advance_to(cloudlet: Any, t: float) -> None:
    cloudlet.clock.advance(max(0.0, t - cloudlet.clock.now()))
    cloudlet.settle()


def created(s3: Any, bucket: str, key: str) -> float:
    return s3.head_object(Bucket=bucket, Key=key)["LastModified"].timestamp()


def exists(s3: Any, bucket: str, key: str) -> bool:
    try:
        s3.head_object(Bucket=bucket, Key=key)
    except ClientError as exc:
        assert exc.response["Error"]["Code"] == "404"
        return False
    return True


def versions(s3: Any, bucket: str) -> list[tuple[str, bool]]:
    """(version id, is delete marker): the current one first, then newest first."""
    page = s3.list_object_versions(Bucket=bucket)
    rows = [(v, False) for v in page.get("Versions", [])] + [(m, True) for m in page.get("DeleteMarkers", [])]
    rows.sort(key=lambda row: (not row[0]["IsLatest"], -row[0]["LastModified"].timestamp()))
    return [(entry["VersionId"], marker) for entry, marker in rows]


@pytest.fixture
def versioned(s3: Any, bucket: str) -> str:
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    return bucket


def events_queue(cloudlet: Any, s3: Any, bucket: str) -> tuple[Any, str]:
    sqs = cloudlet.client("sqs")
    url = sqs.create_queue(QueueName="lifecycle-events")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    config = {"QueueConfigurations": [{"QueueArn": arn, "Events": ["s3:LifecycleExpiration:*"]}]}
    s3.put_bucket_notification_configuration(Bucket=bucket, NotificationConfiguration=config)
    sqs.purge_queue(QueueUrl=url)
    return sqs, url


def event_names(sqs: Any, url: str) -> list[str]:
    got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])
    return [r["eventName"] for m in got for r in json.loads(m["Body"]).get("Records", [])]


# -- current versions ------------------------------------------------------------------------------


def test_object_expires_at_the_midnight_after_its_days(cloudlet, s3, bucket):
    configure(s3, bucket, {"Filter": {}, "Expiration": {"Days": 2}})
    s3.put_object(Bucket=bucket, Key="a.txt", Body=b"x")
    due = midnight_after(created(s3, bucket, "a.txt") + 2 * DAY)
    advance_to(cloudlet, due - 1)
    assert exists(s3, bucket, "a.txt")
    advance_to(cloudlet, due)
    assert not exists(s3, bucket, "a.txt")


def test_object_outside_the_rule_prefix_is_kept(cloudlet, s3, bucket):
    configure(s3, bucket, {"Filter": {"Prefix": "tmp/"}, "Expiration": {"Days": 1}})
    s3.put_object(Bucket=bucket, Key="tmp/a", Body=b"x")
    s3.put_object(Bucket=bucket, Key="keep/a", Body=b"x")
    advance_to(cloudlet, cloudlet.clock.now() + 3 * DAY)
    assert (exists(s3, bucket, "tmp/a"), exists(s3, bucket, "keep/a")) == (False, True)


def test_only_objects_with_the_rule_tag_expire(cloudlet, s3, bucket):
    configure(s3, bucket, {"Filter": {"Tag": {"Key": "temp", "Value": "yes"}}, "Expiration": {"Days": 1}})
    s3.put_object(Bucket=bucket, Key="tagged", Body=b"x", Tagging="temp=yes")
    s3.put_object(Bucket=bucket, Key="plain", Body=b"x")
    advance_to(cloudlet, cloudlet.clock.now() + 3 * DAY)
    assert (exists(s3, bucket, "tagged"), exists(s3, bucket, "plain")) == (False, True)


def test_size_filters_bound_the_objects_that_expire(cloudlet, s3, bucket):
    sizes = {"ObjectSizeGreaterThan": 2, "ObjectSizeLessThan": 10}
    configure(s3, bucket, {"Filter": {"And": {"Prefix": "", **sizes}}, "Expiration": {"Days": 1}})
    for key, size in (("small", 2), ("medium", 5), ("large", 10)):
        s3.put_object(Bucket=bucket, Key=key, Body=b"x" * size)
    advance_to(cloudlet, cloudlet.clock.now() + 3 * DAY)
    assert [exists(s3, bucket, k) for k in ("small", "medium", "large")] == [True, False, True]


def test_disabled_rule_expires_nothing(cloudlet, s3, bucket):
    rule = {"ID": "off", "Status": "Disabled", "Filter": {}, "Expiration": {"Days": 1}}
    s3.put_bucket_lifecycle_configuration(Bucket=bucket, LifecycleConfiguration={"Rules": [rule]})
    s3.put_object(Bucket=bucket, Key="a", Body=b"x")
    advance_to(cloudlet, cloudlet.clock.now() + 3 * DAY)
    assert exists(s3, bucket, "a")


def test_object_expires_on_the_rule_date(cloudlet, s3, bucket):
    date = midnight_after(cloudlet.clock.now() + 2 * DAY)
    configure(s3, bucket, {"Filter": {}, "Expiration": {"Date": datetime.fromtimestamp(date, UTC)}})
    s3.put_object(Bucket=bucket, Key="a", Body=b"x")
    advance_to(cloudlet, date - 1)
    assert exists(s3, bucket, "a")
    advance_to(cloudlet, date)
    assert not exists(s3, bucket, "a")


def test_object_written_after_earlier_runs_still_expires(cloudlet, s3, bucket):
    configure(s3, bucket, {"Filter": {}, "Expiration": {"Days": 1}})
    advance_to(cloudlet, cloudlet.clock.now() + 3 * DAY)
    s3.put_object(Bucket=bucket, Key="late", Body=b"x")
    advance_to(cloudlet, midnight_after(created(s3, bucket, "late") + DAY))
    assert not exists(s3, bucket, "late")


def test_head_object_names_the_expiry_date_and_rule(s3, bucket):
    configure(s3, bucket, {"Filter": {}, "Expiration": {"Days": 3}})
    s3.put_object(Bucket=bucket, Key="a", Body=b"x")
    due = datetime.fromtimestamp(midnight_after(created(s3, bucket, "a") + 3 * DAY), UTC)
    expected = f'expiry-date="{due:%a, %d %b %Y %H:%M:%S} GMT", rule-id="rule-0"'
    assert s3.head_object(Bucket=bucket, Key="a")["Expiration"] == expected


def test_put_object_answers_its_expiration(s3, bucket):
    configure(s3, bucket, {"Filter": {"Prefix": "tmp/"}, "Expiration": {"Days": 3}})
    assert 'rule-id="rule-0"' in s3.put_object(Bucket=bucket, Key="tmp/a", Body=b"x")["Expiration"]


def test_object_no_rule_applies_to_has_no_expiration(s3, bucket):
    configure(s3, bucket, {"Filter": {"Prefix": "tmp/"}, "Expiration": {"Days": 3}})
    s3.put_object(Bucket=bucket, Key="keep", Body=b"x")
    assert "Expiration" not in s3.get_object(Bucket=bucket, Key="keep")


def test_deleting_the_configuration_stops_expiration(cloudlet, s3, bucket):
    configure(s3, bucket, {"Filter": {}, "Expiration": {"Days": 1}})
    s3.put_object(Bucket=bucket, Key="a", Body=b"x")
    s3.delete_bucket_lifecycle(Bucket=bucket)
    advance_to(cloudlet, cloudlet.clock.now() + 3 * DAY)
    assert exists(s3, bucket, "a")


def test_expiration_is_kept_across_a_restart(cloudlet, s3, bucket):
    configure(s3, bucket, {"Filter": {}, "Expiration": {"Days": 1}})
    s3.put_object(Bucket=bucket, Key="a", Body=b"x")
    cloudlet.restart()
    s3 = cloudlet.client("s3")
    advance_to(cloudlet, cloudlet.clock.now() + 3 * DAY)
    assert not exists(s3, bucket, "a")


def test_expiring_an_object_sends_a_lifecycle_delete_event(cloudlet, s3, bucket):
    configure(s3, bucket, {"Filter": {}, "Expiration": {"Days": 1}})
    s3.put_object(Bucket=bucket, Key="a", Body=b"x")
    sqs, url = events_queue(cloudlet, s3, bucket)
    advance_to(cloudlet, cloudlet.clock.now() + 3 * DAY)
    assert event_names(sqs, url) == ["LifecycleExpiration:Delete"]


# -- versioned buckets -----------------------------------------------------------------------------


def test_expiring_a_current_version_adds_a_delete_marker(cloudlet, s3, versioned):
    configure(s3, versioned, {"Filter": {}, "Expiration": {"Days": 1}})
    version = s3.put_object(Bucket=versioned, Key="a", Body=b"x")["VersionId"]
    advance_to(cloudlet, cloudlet.clock.now() + 3 * DAY)
    history = versions(s3, versioned)
    assert [marker for _, marker in history] == [True, False]
    assert history[1][0] == version


def test_delete_marker_from_expiration_sends_its_event(cloudlet, s3, versioned):
    configure(s3, versioned, {"Filter": {}, "Expiration": {"Days": 1}})
    s3.put_object(Bucket=versioned, Key="a", Body=b"x")
    sqs, url = events_queue(cloudlet, s3, versioned)
    advance_to(cloudlet, cloudlet.clock.now() + 3 * DAY)
    assert event_names(sqs, url) == ["LifecycleExpiration:DeleteMarkerCreated"]


def test_noncurrent_version_expires_after_its_noncurrent_days(cloudlet, s3, versioned):
    configure(s3, versioned, {"Filter": {}, "NoncurrentVersionExpiration": {"NoncurrentDays": 2}})
    s3.put_object(Bucket=versioned, Key="a", Body=b"1")
    current = s3.put_object(Bucket=versioned, Key="a", Body=b"2")["VersionId"]
    due = midnight_after(created(s3, versioned, "a") + 2 * DAY)
    advance_to(cloudlet, due - 1)
    assert len(versions(s3, versioned)) == 2
    advance_to(cloudlet, due)
    assert versions(s3, versioned) == [(current, False)]


def test_newer_noncurrent_versions_are_retained(cloudlet, s3, versioned):
    expiration = {"NoncurrentDays": 1, "NewerNoncurrentVersions": 1}
    configure(s3, versioned, {"Filter": {}, "NoncurrentVersionExpiration": expiration})
    ids = [s3.put_object(Bucket=versioned, Key="a", Body=bytes([i]))["VersionId"] for i in range(3)]
    advance_to(cloudlet, cloudlet.clock.now() + 3 * DAY)
    assert [version_id for version_id, _ in versions(s3, versioned)] == [ids[2], ids[1]]


def test_expired_delete_marker_is_removed(cloudlet, s3, versioned):
    configure(s3, versioned, {"Filter": {}, "Expiration": {"ExpiredObjectDeleteMarker": True}})
    version = s3.put_object(Bucket=versioned, Key="a", Body=b"1")["VersionId"]
    s3.delete_object(Bucket=versioned, Key="a")
    s3.delete_object(Bucket=versioned, Key="a", VersionId=version)
    advance_to(cloudlet, cloudlet.clock.now() + 2 * DAY)
    assert versions(s3, versioned) == []


def test_delete_marker_with_versions_behind_it_is_kept(cloudlet, s3, versioned):
    configure(s3, versioned, {"Filter": {}, "Expiration": {"ExpiredObjectDeleteMarker": True}})
    s3.put_object(Bucket=versioned, Key="a", Body=b"1")
    s3.delete_object(Bucket=versioned, Key="a")
    advance_to(cloudlet, cloudlet.clock.now() + 2 * DAY)
    assert [marker for _, marker in versions(s3, versioned)] == [True, False]


# -- multipart uploads -----------------------------------------------------------------------------


def test_incomplete_upload_is_aborted_after_its_days(cloudlet, s3, bucket):
    configure(
        s3, bucket, {"Filter": {"Prefix": ""}, "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": 1}}
    )
    upload = s3.create_multipart_upload(Bucket=bucket, Key="big")["UploadId"]
    s3.upload_part(Bucket=bucket, Key="big", UploadId=upload, PartNumber=1, Body=b"part")
    advance_to(cloudlet, cloudlet.clock.now() + 3 * DAY)
    assert s3.list_multipart_uploads(Bucket=bucket).get("Uploads", []) == []
