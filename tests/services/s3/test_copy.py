"""Server-side copies through boto3: CopyObject (source forms, directives, conditions, versions, the
copy onto itself) and UploadPartCopy (ranges, versions, conditions)."""

from __future__ import annotations

import base64
import hashlib
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from botocore.exceptions import ClientError

MIB = 1024 * 1024
SELF_COPY = (
    "This copy request is illegal because it is trying to copy an object to itself without changing the"
    " object's metadata, storage class, website redirect location or encryption attributes."
)
PRECONDITION = "At least one of the pre-conditions you specified did not hold"


def _error(exc_info: Any) -> tuple[str, int, str]:
    response = exc_info.value.response
    return (
        response["Error"]["Code"],
        response["ResponseMetadata"]["HTTPStatusCode"],
        response["Error"]["Message"],
    )


@pytest.fixture
def source(s3: Any, bucket: str) -> dict[str, Any]:
    return s3.put_object(
        Bucket=bucket,
        Key="src.txt",
        Body=b"hello world",
        ContentType="text/plain",
        Metadata={"colour": "blue"},
        Tagging="team=data",
    )


def _read(s3: Any, bucket: str, key: str) -> bytes:
    return s3.get_object(Bucket=bucket, Key=key)["Body"].read()


# --- CopyObject -----------------------------------------------------------------------------------


def test_copy_has_the_source_bytes_and_etag(s3, bucket, source):
    result = s3.copy_object(Bucket=bucket, Key="dst.txt", CopySource={"Bucket": bucket, "Key": "src.txt"})
    assert (_read(s3, bucket, "dst.txt"), result["CopyObjectResult"]["ETag"]) == (
        b"hello world",
        source["ETag"],
    )


def test_copy_to_another_bucket(s3, bucket, source):
    s3.create_bucket(Bucket="archive")
    s3.copy_object(Bucket="archive", Key="dst.txt", CopySource=f"{bucket}/src.txt")
    assert _read(s3, "archive", "dst.txt") == b"hello world"


def test_copy_source_key_is_url_decoded(s3, bucket):
    s3.put_object(Bucket=bucket, Key="a dir/naïve file.txt", Body=b"x")
    # boto3 sends the source URL-encoded: /photos/a%20dir/na%C3%AFve%20file.txt
    s3.copy_object(Bucket=bucket, Key="dst", CopySource=f"/{bucket}/a dir/naïve file.txt")
    assert _read(s3, bucket, "dst") == b"x"


def test_metadata_directive_copy_keeps_source_metadata(s3, bucket, source):
    s3.copy_object(
        Bucket=bucket,
        Key="dst.txt",
        CopySource=f"{bucket}/src.txt",
        Metadata={"ignored": "yes"},
        ContentType="a/b",
    )
    head = s3.head_object(Bucket=bucket, Key="dst.txt")
    assert (head["Metadata"], head["ContentType"]) == ({"colour": "blue"}, "text/plain")


def test_metadata_directive_replace_takes_the_request_metadata(s3, bucket, source):
    s3.copy_object(
        Bucket=bucket,
        Key="dst.txt",
        CopySource=f"{bucket}/src.txt",
        MetadataDirective="REPLACE",
        Metadata={"colour": "red"},
        ContentType="text/csv",
    )
    head = s3.head_object(Bucket=bucket, Key="dst.txt")
    assert (head["Metadata"], head["ContentType"]) == ({"colour": "red"}, "text/csv")


def test_tagging_directive_copy_keeps_source_tags(s3, bucket, source):
    s3.copy_object(Bucket=bucket, Key="dst.txt", CopySource=f"{bucket}/src.txt")
    assert s3.get_object_tagging(Bucket=bucket, Key="dst.txt")["TagSet"] == [{"Key": "team", "Value": "data"}]


def test_tagging_directive_replace_takes_the_request_tags(s3, bucket, source):
    s3.copy_object(
        Bucket=bucket,
        Key="dst.txt",
        CopySource=f"{bucket}/src.txt",
        TaggingDirective="REPLACE",
        Tagging="a=1",
    )
    assert s3.get_object_tagging(Bucket=bucket, Key="dst.txt")["TagSet"] == [{"Key": "a", "Value": "1"}]


def test_copy_result_has_last_modified_and_checksum(cloudlet, s3, bucket, source):
    cloudlet.clock.advance(60)
    result = s3.copy_object(Bucket=bucket, Key="dst.txt", CopySource=f"{bucket}/src.txt")["CopyObjectResult"]
    head = s3.head_object(Bucket=bucket, Key="dst.txt", ChecksumMode="ENABLED")
    assert result["LastModified"] == head["LastModified"]
    assert result["ChecksumCRC32"] == head["ChecksumCRC32"] == source["ChecksumCRC32"]


def test_copy_survives_the_deletion_of_its_source(s3, bucket, source):
    s3.copy_object(Bucket=bucket, Key="dst.txt", CopySource=f"{bucket}/src.txt")
    s3.delete_object(Bucket=bucket, Key="src.txt")
    assert _read(s3, bucket, "dst.txt") == b"hello world"


def test_copy_of_a_version_names_it(s3, bucket):
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    old = s3.put_object(Bucket=bucket, Key="k", Body=b"old")["VersionId"]
    s3.put_object(Bucket=bucket, Key="k", Body=b"new")
    answer = s3.copy_object(
        Bucket=bucket, Key="dst", CopySource={"Bucket": bucket, "Key": "k", "VersionId": old}
    )
    assert (_read(s3, bucket, "dst"), answer["CopySourceVersionId"]) == (b"old", old)
    assert s3.head_object(Bucket=bucket, Key="dst")["VersionId"] == answer["VersionId"]


def test_restoring_an_older_version_onto_its_key_is_allowed(s3, bucket):
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    old = s3.put_object(Bucket=bucket, Key="k", Body=b"old")["VersionId"]
    s3.put_object(Bucket=bucket, Key="k", Body=b"new")
    s3.copy_object(Bucket=bucket, Key="k", CopySource={"Bucket": bucket, "Key": "k", "VersionId": old})
    assert _read(s3, bucket, "k") == b"old"


def test_copy_onto_itself_without_changes_is_illegal(s3, bucket, source):
    with pytest.raises(ClientError) as exc:
        s3.copy_object(Bucket=bucket, Key="src.txt", CopySource=f"{bucket}/src.txt")
    assert _error(exc) == ("InvalidRequest", 400, SELF_COPY)


def test_copy_onto_itself_replacing_metadata_is_allowed(s3, bucket, source):
    s3.copy_object(
        Bucket=bucket,
        Key="src.txt",
        CopySource=f"{bucket}/src.txt",
        MetadataDirective="REPLACE",
        Metadata={"colour": "green"},
    )
    head = s3.head_object(Bucket=bucket, Key="src.txt")
    assert (head["Metadata"], _read(s3, bucket, "src.txt")) == ({"colour": "green"}, b"hello world")


def test_missing_source_key_is_no_such_key(s3, bucket):
    with pytest.raises(ClientError) as exc:
        s3.copy_object(Bucket=bucket, Key="dst", CopySource=f"{bucket}/missing")
    assert _error(exc) == ("NoSuchKey", 404, "The specified key does not exist.")


def test_missing_source_bucket_is_no_such_bucket(s3, bucket):
    with pytest.raises(ClientError) as exc:
        s3.copy_object(Bucket=bucket, Key="dst", CopySource="no-such-bucket/k")
    assert _error(exc) == ("NoSuchBucket", 404, "The specified bucket does not exist")


def test_source_without_key_is_invalid_argument(s3, bucket):
    with pytest.raises(ClientError) as exc:
        s3.copy_object(Bucket=bucket, Key="dst", CopySource=bucket)
    assert _error(exc) == (
        "InvalidArgument",
        400,
        "Copy Source must mention the source bucket and key: sourcebucket/sourcekey",
    )


def test_delete_marker_named_by_version_is_invalid_request(s3, bucket):
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    s3.put_object(Bucket=bucket, Key="k", Body=b"x")
    marker = s3.delete_object(Bucket=bucket, Key="k")["VersionId"]
    with pytest.raises(ClientError) as exc:
        s3.copy_object(
            Bucket=bucket, Key="dst", CopySource={"Bucket": bucket, "Key": "k", "VersionId": marker}
        )
    assert _error(exc) == (
        "InvalidRequest",
        400,
        "The source of a copy request may not specifically refer to a delete marker by version id.",
    )


def test_copy_source_if_match_with_another_etag_fails(s3, bucket, source):
    with pytest.raises(ClientError) as exc:
        s3.copy_object(Bucket=bucket, Key="dst", CopySource=f"{bucket}/src.txt", CopySourceIfMatch='"abc"')
    assert _error(exc) == ("PreconditionFailed", 412, PRECONDITION)


def test_copy_source_if_none_match_with_its_etag_fails(s3, bucket, source):
    with pytest.raises(ClientError) as exc:
        s3.copy_object(
            Bucket=bucket, Key="dst", CopySource=f"{bucket}/src.txt", CopySourceIfNoneMatch=source["ETag"]
        )
    assert _error(exc) == ("PreconditionFailed", 412, PRECONDITION)


def test_copy_source_if_unmodified_since_before_the_write_fails(s3, bucket, source):
    earlier = datetime.now(UTC) - timedelta(days=1)
    with pytest.raises(ClientError) as exc:
        s3.copy_object(
            Bucket=bucket, Key="dst", CopySource=f"{bucket}/src.txt", CopySourceIfUnmodifiedSince=earlier
        )
    assert _error(exc)[:2] == ("PreconditionFailed", 412)


def test_copy_source_if_modified_since_after_the_write_fails(cloudlet, s3, bucket, source):
    later = datetime.fromtimestamp(cloudlet.clock.now(), UTC) + timedelta(hours=1)
    cloudlet.clock.advance(7200)
    with pytest.raises(ClientError) as exc:
        s3.copy_object(
            Bucket=bucket, Key="dst", CopySource=f"{bucket}/src.txt", CopySourceIfModifiedSince=later
        )
    assert _error(exc)[:2] == ("PreconditionFailed", 412)


def test_if_match_true_wins_over_if_unmodified_since_false(s3, bucket, source):
    earlier = datetime.now(UTC) - timedelta(days=1)
    s3.copy_object(
        Bucket=bucket,
        Key="dst",
        CopySource=f"{bucket}/src.txt",
        CopySourceIfMatch=source["ETag"],
        CopySourceIfUnmodifiedSince=earlier,
    )
    assert _read(s3, bucket, "dst") == b"hello world"


def test_copy_sends_object_created_copy(cloudlet, s3, bucket, source):
    sqs = cloudlet.client("sqs")
    queue = sqs.create_queue(QueueName="events")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    s3.put_bucket_notification_configuration(
        Bucket=bucket,
        NotificationConfiguration={
            "QueueConfigurations": [{"QueueArn": arn, "Events": ["s3:ObjectCreated:Copy"]}]
        },
    )
    s3.copy_object(Bucket=bucket, Key="dst.txt", CopySource=f"{bucket}/src.txt")
    cloudlet.settle()
    messages = sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10).get("Messages", [])
    records = [r for m in messages for r in json.loads(m["Body"]).get("Records", [])]
    assert [(r["eventName"], r["s3"]["object"]["key"]) for r in records] == [
        ("ObjectCreated:Copy", "dst.txt")
    ]


# --- UploadPartCopy -------------------------------------------------------------------------------


def _upload(s3: Any, bucket: str) -> str:
    return s3.create_multipart_upload(Bucket=bucket, Key="big")["UploadId"]


def test_upload_part_copy_copies_a_range(s3, bucket, source):
    upload_id = _upload(s3, bucket)
    part = s3.upload_part_copy(
        Bucket=bucket,
        Key="big",
        UploadId=upload_id,
        PartNumber=1,
        CopySource=f"{bucket}/src.txt",
        CopySourceRange="bytes=6-10",
    )
    s3.complete_multipart_upload(
        Bucket=bucket,
        Key="big",
        UploadId=upload_id,
        MultipartUpload={"Parts": [{"ETag": part["CopyPartResult"]["ETag"], "PartNumber": 1}]},
    )
    assert part["CopyPartResult"]["ETag"] == f'"{hashlib.md5(b"world").hexdigest()}"'
    assert _read(s3, bucket, "big") == b"world"


def test_upload_part_copy_makes_big_objects_from_parts(s3, bucket):
    s3.put_object(Bucket=bucket, Key="five", Body=b"z" * (5 * MIB))
    upload_id = _upload(s3, bucket)
    parts = []
    for number in (1, 2):
        copied = s3.upload_part_copy(
            Bucket=bucket, Key="big", UploadId=upload_id, PartNumber=number, CopySource=f"{bucket}/five"
        )
        parts.append({"ETag": copied["CopyPartResult"]["ETag"], "PartNumber": number})
    s3.complete_multipart_upload(
        Bucket=bucket, Key="big", UploadId=upload_id, MultipartUpload={"Parts": parts}
    )
    assert s3.head_object(Bucket=bucket, Key="big")["ContentLength"] == 10 * MIB


def test_upload_part_copy_of_a_version_names_it(s3, bucket):
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    old = s3.put_object(Bucket=bucket, Key="k", Body=b"old")["VersionId"]
    s3.put_object(Bucket=bucket, Key="k", Body=b"newer")
    upload_id = _upload(s3, bucket)
    part = s3.upload_part_copy(
        Bucket=bucket,
        Key="big",
        UploadId=upload_id,
        PartNumber=1,
        CopySource={"Bucket": bucket, "Key": "k", "VersionId": old},
    )
    assert (part["CopySourceVersionId"], part["CopyPartResult"]["ETag"]) == (
        old,
        f'"{hashlib.md5(b"old").hexdigest()}"',
    )


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (
            "0-2",
            "The x-amz-copy-source-range value must be of the form bytes=first-last where first and last are"
            " the zero-based offsets of the first and last bytes to copy",
        ),
        ("bytes=5-11", "Range specified is not valid for source object of size: 11"),
    ],
)
def test_bad_copy_source_range_is_invalid_argument(s3, bucket, source, value, message):
    upload_id = _upload(s3, bucket)
    with pytest.raises(ClientError) as exc:
        s3.upload_part_copy(
            Bucket=bucket,
            Key="big",
            UploadId=upload_id,
            PartNumber=1,
            CopySource=f"{bucket}/src.txt",
            CopySourceRange=value,
        )
    assert _error(exc) == ("InvalidArgument", 400, message)


def test_upload_part_copy_checks_source_conditions(s3, bucket, source):
    upload_id = _upload(s3, bucket)
    with pytest.raises(ClientError) as exc:
        s3.upload_part_copy(
            Bucket=bucket,
            Key="big",
            UploadId=upload_id,
            PartNumber=1,
            CopySource=f"{bucket}/src.txt",
            CopySourceIfMatch='"abc"',
        )
    assert _error(exc) == ("PreconditionFailed", 412, PRECONDITION)


def test_upload_part_copy_gives_the_part_checksum_of_the_upload_algorithm(s3, bucket, source):
    upload_id = s3.create_multipart_upload(Bucket=bucket, Key="big", ChecksumAlgorithm="SHA256")["UploadId"]
    part = s3.upload_part_copy(
        Bucket=bucket, Key="big", UploadId=upload_id, PartNumber=1, CopySource=f"{bucket}/src.txt"
    )
    expected = base64.b64encode(hashlib.sha256(b"hello world").digest()).decode()
    assert part["CopyPartResult"]["ChecksumSHA256"] == expected


def test_upload_part_copy_to_unknown_upload_is_no_such_upload(s3, bucket, source):
    with pytest.raises(ClientError) as exc:
        s3.upload_part_copy(
            Bucket=bucket, Key="big", UploadId="nope", PartNumber=1, CopySource=f"{bucket}/src.txt"
        )
    assert _error(exc)[:2] == ("NoSuchUpload", 404)
