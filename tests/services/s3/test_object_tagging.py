"""Object tagging (Get/Put/DeleteObjectTagging, version-aware, `ObjectTagging:*` events) and object
ACLs (Get/PutObjectAcl)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from botocore.exceptions import ClientError

TAGS = [{"Key": "colour", "Value": "red"}, {"Key": "size", "Value": "L"}]


def error_of(exc: pytest.ExceptionInfo[ClientError]) -> tuple[str, int]:
    response = exc.value.response
    return response["Error"]["Code"], response["ResponseMetadata"]["HTTPStatusCode"]


@pytest.fixture
def versioned(s3: Any, bucket: str) -> str:
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    return bucket


def events_queue(cloudlet: Any, s3: Any, bucket: str) -> tuple[Any, str]:
    """(sqs client, queue url) receiving the bucket's ObjectTagging events (test event drained)."""
    sqs = cloudlet.client("sqs")
    url = sqs.create_queue(QueueName="tagging-events")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    config = {"QueueConfigurations": [{"QueueArn": arn, "Events": ["s3:ObjectTagging:*"]}]}
    s3.put_bucket_notification_configuration(Bucket=bucket, NotificationConfiguration=config)
    sqs.purge_queue(QueueUrl=url)
    return sqs, url


def event_names(sqs: Any, url: str) -> list[str]:
    got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])
    bodies = [json.loads(m["Body"]) for m in got]
    return [record["eventName"] for body in bodies for record in body.get("Records", [])]


# -- tagging ---------------------------------------------------------------------------------------


def test_object_tags_round_trip(s3, bucket):
    s3.put_object(Bucket=bucket, Key="a.jpg", Body=b"x")
    s3.put_object_tagging(Bucket=bucket, Key="a.jpg", Tagging={"TagSet": TAGS})
    assert s3.get_object_tagging(Bucket=bucket, Key="a.jpg")["TagSet"] == TAGS


def test_object_without_tags_has_an_empty_tag_set(s3, bucket):
    s3.put_object(Bucket=bucket, Key="a.jpg", Body=b"x")
    assert s3.get_object_tagging(Bucket=bucket, Key="a.jpg")["TagSet"] == []


def test_tags_from_the_put_header_are_returned(s3, bucket):
    s3.put_object(Bucket=bucket, Key="a.jpg", Body=b"x", Tagging="colour=red&size=L")
    assert s3.get_object_tagging(Bucket=bucket, Key="a.jpg")["TagSet"] == TAGS


def test_deleting_object_tags_empties_the_tag_set(s3, bucket):
    s3.put_object(Bucket=bucket, Key="a.jpg", Body=b"x", Tagging="colour=red")
    s3.delete_object_tagging(Bucket=bucket, Key="a.jpg")
    assert s3.get_object_tagging(Bucket=bucket, Key="a.jpg")["TagSet"] == []


def test_put_tagging_replaces_the_whole_tag_set(s3, bucket):
    s3.put_object(Bucket=bucket, Key="a.jpg", Body=b"x", Tagging="old=1")
    s3.put_object_tagging(Bucket=bucket, Key="a.jpg", Tagging={"TagSet": TAGS[:1]})
    assert s3.get_object_tagging(Bucket=bucket, Key="a.jpg")["TagSet"] == TAGS[:1]


def test_head_object_counts_the_new_tags(s3, bucket):
    s3.put_object(Bucket=bucket, Key="a.jpg", Body=b"x")
    s3.put_object_tagging(Bucket=bucket, Key="a.jpg", Tagging={"TagSet": TAGS})
    assert (
        s3.head_object(Bucket=bucket, Key="a.jpg")["ResponseMetadata"]["HTTPHeaders"]["x-amz-tagging-count"]
        == "2"
    )


def test_more_than_ten_object_tags_are_refused(s3, bucket):
    s3.put_object(Bucket=bucket, Key="a.jpg", Body=b"x")
    tag_set = [{"Key": f"k{i}", "Value": "v"} for i in range(11)]
    with pytest.raises(ClientError) as exc:
        s3.put_object_tagging(Bucket=bucket, Key="a.jpg", Tagging={"TagSet": tag_set})
    assert error_of(exc) == ("InvalidTag", 400)


def test_tagging_a_missing_key_answers_no_such_key(s3, bucket):
    with pytest.raises(ClientError) as exc:
        s3.put_object_tagging(Bucket=bucket, Key="nothing", Tagging={"TagSet": TAGS})
    assert error_of(exc) == ("NoSuchKey", 404)


def test_tagging_one_version_leaves_the_others(s3, versioned):
    first = s3.put_object(Bucket=versioned, Key="a.jpg", Body=b"1")["VersionId"]
    s3.put_object(Bucket=versioned, Key="a.jpg", Body=b"2")
    out = s3.put_object_tagging(Bucket=versioned, Key="a.jpg", VersionId=first, Tagging={"TagSet": TAGS})
    assert out["VersionId"] == first
    assert s3.get_object_tagging(Bucket=versioned, Key="a.jpg", VersionId=first)["TagSet"] == TAGS
    assert s3.get_object_tagging(Bucket=versioned, Key="a.jpg")["TagSet"] == []


def test_tagging_answers_the_current_version_id(s3, versioned):
    current = s3.put_object(Bucket=versioned, Key="a.jpg", Body=b"1")["VersionId"]
    assert s3.get_object_tagging(Bucket=versioned, Key="a.jpg")["VersionId"] == current


def test_tagging_an_unknown_version_answers_no_such_version(s3, versioned):
    s3.put_object(Bucket=versioned, Key="a.jpg", Body=b"1")
    with pytest.raises(ClientError) as exc:
        s3.get_object_tagging(Bucket=versioned, Key="a.jpg", VersionId="nope")
    assert error_of(exc) == ("NoSuchVersion", 404)


def test_tagging_a_delete_marker_is_not_allowed(s3, versioned):
    s3.put_object(Bucket=versioned, Key="a.jpg", Body=b"1")
    marker = s3.delete_object(Bucket=versioned, Key="a.jpg")["VersionId"]
    with pytest.raises(ClientError) as exc:
        s3.get_object_tagging(Bucket=versioned, Key="a.jpg", VersionId=marker)
    assert error_of(exc) == ("MethodNotAllowed", 405)


def test_put_tagging_sends_an_object_tagging_put_event(cloudlet, s3, bucket):
    s3.put_object(Bucket=bucket, Key="a.jpg", Body=b"x")
    sqs, url = events_queue(cloudlet, s3, bucket)
    s3.put_object_tagging(Bucket=bucket, Key="a.jpg", Tagging={"TagSet": TAGS})
    cloudlet.settle()
    assert event_names(sqs, url) == ["ObjectTagging:Put"]


def test_delete_tagging_sends_an_object_tagging_delete_event(cloudlet, s3, bucket):
    s3.put_object(Bucket=bucket, Key="a.jpg", Body=b"x", Tagging="a=b")
    sqs, url = events_queue(cloudlet, s3, bucket)
    s3.delete_object_tagging(Bucket=bucket, Key="a.jpg")
    cloudlet.settle()
    assert event_names(sqs, url) == ["ObjectTagging:Delete"]


# -- ACL -------------------------------------------------------------------------------------------


def test_new_object_acl_gives_the_owner_full_control(s3, bucket):
    s3.put_object(Bucket=bucket, Key="a.jpg", Body=b"x")
    got = s3.get_object_acl(Bucket=bucket, Key="a.jpg")
    assert got["Grants"] == [
        {"Grantee": {**got["Owner"], "Type": "CanonicalUser"}, "Permission": "FULL_CONTROL"}
    ]


def test_public_object_acl_with_acls_disabled_is_refused(s3, bucket):
    s3.put_object(Bucket=bucket, Key="a.jpg", Body=b"x")
    with pytest.raises(ClientError) as exc:
        s3.put_object_acl(Bucket=bucket, Key="a.jpg", ACL="public-read")
    assert error_of(exc) == ("AccessControlListNotSupported", 400)


def test_canned_object_acl_is_stored_when_acls_are_enabled(s3, bucket):
    s3.put_bucket_ownership_controls(
        Bucket=bucket, OwnershipControls={"Rules": [{"ObjectOwnership": "ObjectWriter"}]}
    )
    s3.put_object(Bucket=bucket, Key="a.jpg", Body=b"x")
    s3.put_object_acl(Bucket=bucket, Key="a.jpg", ACL="authenticated-read")
    grants = s3.get_object_acl(Bucket=bucket, Key="a.jpg")["Grants"]
    group = "http://acs.amazonaws.com/groups/global/AuthenticatedUsers"
    assert {"Grantee": {"Type": "Group", "URI": group}, "Permission": "READ"} in grants


def test_object_acl_without_acl_or_grants_is_refused(s3, bucket):
    s3.put_object(Bucket=bucket, Key="a.jpg", Body=b"x")
    with pytest.raises(ClientError) as exc:
        s3.put_object_acl(Bucket=bucket, Key="a.jpg")
    assert error_of(exc) == ("MissingSecurityHeader", 400)
