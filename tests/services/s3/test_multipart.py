"""Multipart uploads through boto3: create, parts, complete (ETag, checksums, conditions, retries),
abort, ListParts, ListMultipartUploads, GetObjectAttributes, and the event a completion sends."""

from __future__ import annotations

import base64
import hashlib
import json
import zlib
from typing import Any

import pytest
from awscrt import checksums as crt
from botocore.exceptions import ClientError

from tests.services.s3.conftest import raw_request

MIB = 1024 * 1024
FIRST = b"a" * (5 * MIB)
"""The smallest part that may be followed by another one."""
SECOND = b"b" * (5 * MIB)
AUTH = {
    "Authorization": "AWS4-HMAC-SHA256 Credential=test/20240101/us-east-1/s3/aws4_request,"
    " SignedHeaders=host, Signature=0",
    "x-amz-content-sha256": "UNSIGNED-PAYLOAD",
}
NO_SUCH_UPLOAD = (
    "The specified upload does not exist. The upload ID may be invalid, or the upload may have been aborted"
    " or completed."
)


def _error(exc_info: Any) -> tuple[str, int, str]:
    response = exc_info.value.response
    return (
        response["Error"]["Code"],
        response["ResponseMetadata"]["HTTPStatusCode"],
        response["Error"]["Message"],
    )


def _b64(digest: bytes) -> str:
    return base64.b64encode(digest).decode()


def _crc32(data: bytes) -> bytes:
    return zlib.crc32(data).to_bytes(4, "big")


def _multipart_etag(*parts: bytes) -> str:
    digests = b"".join(hashlib.md5(part).digest() for part in parts)
    return f'"{hashlib.md5(digests).hexdigest()}-{len(parts)}"'


class Upload:
    """One multipart upload of `bucket`/`key`, with the parts sent so far."""

    def __init__(self, s3: Any, bucket: str, key: str = "big.bin", **create: Any) -> None:
        self.s3, self.bucket, self.key = s3, bucket, key
        self.created = s3.create_multipart_upload(Bucket=bucket, Key=key, **create)
        self.id = self.created["UploadId"]
        self.sent: dict[int, dict[str, Any]] = {}

    def part(self, number: int, body: bytes, **extra: Any) -> dict[str, Any]:
        answer = self.s3.upload_part(
            Bucket=self.bucket, Key=self.key, UploadId=self.id, PartNumber=number, Body=body, **extra
        )
        self.sent[number] = answer
        return answer

    def listed(self, *numbers: int, **fields: Any) -> list[dict[str, Any]]:
        """Parts list entries (ETag, PartNumber) for `numbers` (default: every part sent)."""
        chosen = numbers or tuple(sorted(self.sent))
        return [{"ETag": self.sent[n]["ETag"], "PartNumber": n, **fields} for n in chosen]

    def complete(self, parts: list[dict[str, Any]] | None = None, **extra: Any) -> dict[str, Any]:
        return self.s3.complete_multipart_upload(
            Bucket=self.bucket,
            Key=self.key,
            UploadId=self.id,
            MultipartUpload={"Parts": self.listed() if parts is None else parts},
            **extra,
        )


@pytest.fixture
def upload(s3: Any, bucket: str) -> Upload:
    return Upload(s3, bucket)


# --- upload and complete --------------------------------------------------------------------------


def test_completed_upload_is_the_parts_concatenated(s3, bucket, upload):
    upload.part(1, FIRST)
    upload.part(2, SECOND)
    upload.part(3, b"tail")
    upload.complete()
    body = s3.get_object(Bucket=bucket, Key="big.bin")["Body"].read()
    assert body == FIRST + SECOND + b"tail"


def test_object_etag_is_md5_of_part_md5s_with_part_count(upload):
    upload.part(1, FIRST)
    upload.part(2, b"tail")
    assert upload.complete()["ETag"] == _multipart_etag(FIRST, b"tail")


def test_part_etag_is_md5_of_part(upload):
    assert upload.part(1, b"hello")["ETag"] == f'"{hashlib.md5(b"hello").hexdigest()}"'


def test_complete_answers_location_bucket_and_key(cloudlet, bucket, upload):
    upload.part(1, b"x")
    done = upload.complete()
    assert (done["Location"], done["Bucket"], done["Key"]) == (
        f"{cloudlet.endpoint}/{bucket}/big.bin",
        bucket,
        "big.bin",
    )


def test_object_keeps_what_create_multipart_upload_set(s3, bucket):
    upload = Upload(
        s3,
        bucket,
        ContentType="text/csv",
        CacheControl="max-age=60",
        Metadata={"colour": "blue"},
        Tagging="team=data&tier=1",
        StorageClass="STANDARD_IA",
    )
    upload.part(1, b"x")
    upload.complete()
    head = s3.head_object(Bucket=bucket, Key="big.bin")
    tags = s3.get_object_tagging(Bucket=bucket, Key="big.bin")["TagSet"]
    assert (head["ContentType"], head["CacheControl"], head["Metadata"], head["StorageClass"]) == (
        "text/csv",
        "max-age=60",
        {"colour": "blue"},
        "STANDARD_IA",
    )
    assert tags == [{"Key": "team", "Value": "data"}, {"Key": "tier", "Value": "1"}]


def test_last_modified_is_when_the_upload_started(cloudlet, s3, bucket, upload):
    started = s3.list_multipart_uploads(Bucket=bucket)["Uploads"][0]["Initiated"]
    cloudlet.clock.advance(3600)
    upload.part(1, b"x")
    upload.complete()
    assert s3.head_object(Bucket=bucket, Key="big.bin")["LastModified"] == started.replace(microsecond=0)


def test_part_sent_again_replaces_the_earlier_one(s3, bucket, upload):
    upload.part(1, b"first try")
    upload.part(1, b"second try")
    upload.complete()
    assert s3.get_object(Bucket=bucket, Key="big.bin")["Body"].read() == b"second try"


def test_parts_not_listed_are_left_out(s3, bucket, upload):
    upload.part(1, FIRST)
    upload.part(2, b"left out")
    upload.part(3, b"tail")
    upload.complete(upload.listed(1, 3))
    assert s3.get_object(Bucket=bucket, Key="big.bin")["Body"].read() == FIRST + b"tail"


def test_get_object_part_number_reads_one_part(s3, bucket, upload):
    upload.part(1, FIRST)
    upload.part(2, b"tail")
    upload.complete()
    got = s3.get_object(Bucket=bucket, Key="big.bin", PartNumber=2)
    assert (got["Body"].read(), got["PartsCount"]) == (b"tail", 2)


def test_versioned_bucket_answers_the_version_id(s3, bucket, upload):
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    upload.part(1, b"x")
    version = upload.complete()["VersionId"]
    assert s3.head_object(Bucket=bucket, Key="big.bin")["VersionId"] == version


def test_completion_sends_object_created_complete_multipart_upload(cloudlet, s3, bucket, upload):
    sqs = cloudlet.client("sqs")
    queue = sqs.create_queue(QueueName="events")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    s3.put_bucket_notification_configuration(
        Bucket=bucket,
        NotificationConfiguration={
            "QueueConfigurations": [{"QueueArn": arn, "Events": ["s3:ObjectCreated:*"]}]
        },
    )
    upload.part(1, b"x")
    upload.complete()
    cloudlet.settle()
    bodies = [
        json.loads(m["Body"]) for m in sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10)["Messages"]
    ]
    names = [r["eventName"] for body in bodies for r in body.get("Records", [])]
    assert names == ["ObjectCreated:CompleteMultipartUpload"]


def test_create_answers_the_abort_date_of_a_lifecycle_rule(s3, bucket):
    s3.put_bucket_lifecycle_configuration(
        Bucket=bucket,
        LifecycleConfiguration={
            "Rules": [
                {
                    "ID": "tidy",
                    "Status": "Enabled",
                    "Filter": {"Prefix": ""},
                    "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": 2},
                }
            ]
        },
    )
    created = s3.create_multipart_upload(Bucket=bucket, Key="k")
    assert created["AbortRuleId"] == "tidy"
    assert (created["AbortDate"].hour, created["AbortDate"].minute) == (0, 0)  # due at a midnight UTC


# --- errors of UploadPart and CompleteMultipartUpload ---------------------------------------------


@pytest.mark.parametrize("number", [0, 10001])
def test_part_number_outside_1_to_10000_is_invalid(upload, number):
    with pytest.raises(ClientError) as exc:
        upload.part(number, b"x")
    assert _error(exc) == (
        "InvalidArgument",
        400,
        "Part number must be an integer between 1 and 10000, inclusive",
    )


def test_upload_part_to_unknown_upload_is_no_such_upload(s3, bucket):
    with pytest.raises(ClientError) as exc:
        s3.upload_part(Bucket=bucket, Key="k", UploadId="nope", PartNumber=1, Body=b"x")
    assert _error(exc) == ("NoSuchUpload", 404, NO_SUCH_UPLOAD)


def test_upload_id_of_another_key_is_no_such_upload(s3, bucket, upload):
    with pytest.raises(ClientError) as exc:
        s3.upload_part(Bucket=bucket, Key="other", UploadId=upload.id, PartNumber=1, Body=b"x")
    assert _error(exc)[0] == "NoSuchUpload"


def test_parts_out_of_order_are_invalid_part_order(upload):
    upload.part(1, FIRST)
    upload.part(2, b"tail")
    with pytest.raises(ClientError) as exc:
        upload.complete(upload.listed(2, 1))
    assert _error(exc) == (
        "InvalidPartOrder",
        400,
        "The list of parts was not in ascending order. Parts must be ordered by part number.",
    )


def test_part_never_uploaded_is_invalid_part(upload):
    upload.part(1, b"x")
    with pytest.raises(ClientError) as exc:
        upload.complete([{"ETag": upload.sent[1]["ETag"], "PartNumber": 2}])
    assert _error(exc) == (
        "InvalidPart",
        400,
        "One or more of the specified parts could not be found.  The part may not have been uploaded, or the"
        " specified entity tag may not match the part's entity tag.",
    )


def test_part_etag_mismatch_is_invalid_part(upload):
    upload.part(1, b"x")
    with pytest.raises(ClientError) as exc:
        upload.complete([{"ETag": f'"{hashlib.md5(b"y").hexdigest()}"', "PartNumber": 1}])
    assert _error(exc)[0] == "InvalidPart"


def test_small_part_before_the_last_is_entity_too_small(upload):
    upload.part(1, b"small")
    upload.part(2, b"tail")
    with pytest.raises(ClientError) as exc:
        upload.complete()
    error = exc.value.response["Error"]
    assert _error(exc) == (
        "EntityTooSmall",
        400,
        "Your proposed upload is smaller than the minimum allowed size",
    )
    assert (error["ProposedSize"], error["MinSizeAllowed"], error["PartNumber"]) == ("5", str(5 * MIB), "1")


def test_refused_completion_leaves_the_upload_in_progress(s3, bucket, upload):
    upload.part(1, b"small")
    upload.part(2, b"tail")
    with pytest.raises(ClientError):
        upload.complete()
    parts = s3.list_parts(Bucket=bucket, Key="big.bin", UploadId=upload.id)["Parts"]
    assert [p["PartNumber"] for p in parts] == [1, 2]


def test_complete_without_parts_is_malformed_xml(upload):
    with pytest.raises(ClientError) as exc:
        upload.complete([])
    assert _error(exc)[:2] == ("MalformedXML", 400)


def test_completing_again_with_the_same_parts_answers_the_same(upload):
    upload.part(1, b"x")
    first = upload.complete()
    again = upload.complete()
    assert (again["ETag"], again["Location"]) == (first["ETag"], first["Location"])


def test_completing_again_with_other_parts_is_no_such_upload(upload):
    upload.part(1, b"x")
    upload.part(2, b"y")
    upload.complete(upload.listed(1))
    with pytest.raises(ClientError) as exc:
        upload.complete(upload.listed(2))
    assert _error(exc) == ("NoSuchUpload", 404, NO_SUCH_UPLOAD)


def test_if_none_match_refuses_to_replace_an_object(s3, bucket, upload):
    s3.put_object(Bucket=bucket, Key="big.bin", Body=b"existing")
    upload.part(1, b"x")
    with pytest.raises(ClientError) as exc:
        upload.complete(IfNoneMatch="*")
    assert _error(exc) == (
        "PreconditionFailed",
        412,
        "At least one of the pre-conditions you specified did not hold",
    )


def test_if_none_match_completes_a_new_key(s3, bucket, upload):
    upload.part(1, b"x")
    upload.complete(IfNoneMatch="*")
    assert s3.get_object(Bucket=bucket, Key="big.bin")["Body"].read() == b"x"


def test_if_match_with_another_etag_is_refused(s3, bucket, upload):
    s3.put_object(Bucket=bucket, Key="big.bin", Body=b"existing")
    upload.part(1, b"x")
    with pytest.raises(ClientError) as exc:
        upload.complete(IfMatch='"0123456789abcdef0123456789abcdef"')
    assert _error(exc)[:2] == ("PreconditionFailed", 412)


def test_mpu_object_size_must_match(upload):
    upload.part(1, b"abc")
    with pytest.raises(ClientError) as exc:
        upload.complete(MpuObjectSize=4)
    assert _error(exc) == (
        "InvalidRequest",
        400,
        "The provided 'x-amz-mp-object-size' header value 4 does not match what was computed: 3",
    )


# --- checksums ------------------------------------------------------------------------------------


def test_crc32_upload_has_a_composite_checksum(s3, bucket):
    upload = Upload(s3, bucket, ChecksumAlgorithm="CRC32")
    upload.part(1, FIRST, ChecksumAlgorithm="CRC32")
    upload.part(2, b"tail", ChecksumAlgorithm="CRC32")
    parts = [
        dict(entry, ChecksumCRC32=upload.sent[entry["PartNumber"]]["ChecksumCRC32"])
        for entry in upload.listed()
    ]
    done = upload.complete(parts)
    expected = _b64(_crc32(_crc32(FIRST) + _crc32(b"tail"))) + "-2"
    assert (done["ChecksumCRC32"], done["ChecksumType"]) == (expected, "COMPOSITE")


def test_full_object_crc32_is_the_crc_of_the_whole_object(s3, bucket):
    upload = Upload(s3, bucket, ChecksumAlgorithm="CRC32", ChecksumType="FULL_OBJECT")
    upload.part(1, FIRST, ChecksumAlgorithm="CRC32")
    upload.part(2, b"tail", ChecksumAlgorithm="CRC32")
    done = upload.complete()
    assert (done["ChecksumCRC32"], done["ChecksumType"]) == (_b64(_crc32(FIRST + b"tail")), "FULL_OBJECT")


def test_upload_without_algorithm_gets_a_full_object_crc64nvme(s3, bucket, upload):
    upload.part(1, FIRST)
    upload.part(2, b"tail")
    upload.complete()
    head = s3.head_object(Bucket=bucket, Key="big.bin", ChecksumMode="ENABLED")
    expected = _b64(crt.crc64nvme(FIRST + b"tail").to_bytes(8, "big"))
    assert (head["ChecksumCRC64NVME"], head["ChecksumType"]) == (expected, "FULL_OBJECT")


def test_part_checksum_is_computed_when_the_client_sends_none(cloudlet, s3, bucket):
    upload = Upload(s3, bucket, ChecksumAlgorithm="SHA256")
    # A raw request: boto3 would add a checksum of its own.
    status, headers, _ = raw_request(
        cloudlet, "PUT", f"/{bucket}/big.bin?partNumber=1&uploadId={upload.id}", b"hello", AUTH
    )
    assert (status, headers["x-amz-checksum-sha256"]) == (200, _b64(hashlib.sha256(b"hello").digest()))


@pytest.mark.parametrize(
    ("algorithm", "kind", "message"),
    [
        (
            "SHA256",
            "FULL_OBJECT",
            "The FULL_OBJECT checksum type cannot be used with the sha256 checksum algorithm.",
        ),
        (
            "CRC64NVME",
            "COMPOSITE",
            "The COMPOSITE checksum type cannot be used with the crc64nvme checksum algorithm.",
        ),
    ],
)
def test_checksum_type_must_suit_the_algorithm(s3, bucket, algorithm, kind, message):
    with pytest.raises(ClientError) as exc:
        s3.create_multipart_upload(Bucket=bucket, Key="k", ChecksumAlgorithm=algorithm, ChecksumType=kind)
    assert _error(exc) == ("InvalidRequest", 400, message)


def test_checksum_type_needs_an_algorithm(s3, bucket):
    with pytest.raises(ClientError) as exc:
        s3.create_multipart_upload(Bucket=bucket, Key="k", ChecksumType="FULL_OBJECT")
    assert _error(exc) == (
        "InvalidRequest",
        400,
        "The x-amz-checksum-type header can only be used with the x-amz-checksum-algorithm header.",
    )


def test_part_checksum_of_another_algorithm_is_refused(s3, bucket):
    upload = Upload(s3, bucket, ChecksumAlgorithm="SHA256")
    with pytest.raises(ClientError) as exc:
        upload.part(1, b"x", ChecksumAlgorithm="CRC32")
    assert _error(exc) == (
        "InvalidRequest",
        400,
        "Checksum Type mismatch occurred, expected checksum Type: sha256, actual checksum Type: crc32",
    )


def test_composite_completion_needs_every_part_checksum(s3, bucket):
    upload = Upload(s3, bucket, ChecksumAlgorithm="SHA256")
    upload.part(1, b"x", ChecksumAlgorithm="SHA256")
    with pytest.raises(ClientError) as exc:
        upload.complete()
    assert _error(exc) == (
        "InvalidRequest",
        400,
        "The upload was created using a sha256 checksum. The complete request must include the checksum for"
        " each part. It was missing for part 1 in the request.",
    )


def test_wrong_full_object_checksum_is_bad_digest(s3, bucket):
    upload = Upload(s3, bucket, ChecksumAlgorithm="CRC32", ChecksumType="FULL_OBJECT")
    upload.part(1, b"x", ChecksumAlgorithm="CRC32")
    with pytest.raises(ClientError) as exc:
        upload.complete(ChecksumCRC32=_b64(_crc32(b"y")), ChecksumType="FULL_OBJECT")
    assert _error(exc) == ("BadDigest", 400, "The CRC32 you specified did not match the calculated checksum.")


def test_get_object_part_number_returns_that_parts_checksum(s3, bucket):
    upload = Upload(s3, bucket, ChecksumAlgorithm="SHA256")
    upload.part(1, FIRST, ChecksumAlgorithm="SHA256")
    upload.part(2, b"tail", ChecksumAlgorithm="SHA256")
    upload.complete(
        [dict(e, ChecksumSHA256=upload.sent[e["PartNumber"]]["ChecksumSHA256"]) for e in upload.listed()]
    )
    got = s3.get_object(Bucket=bucket, Key="big.bin", PartNumber=2, ChecksumMode="ENABLED")
    assert got["ChecksumSHA256"] == _b64(hashlib.sha256(b"tail").digest())


# --- abort and the lists --------------------------------------------------------------------------


def test_abort_ends_the_upload(s3, bucket, upload):
    upload.part(1, b"x")
    s3.abort_multipart_upload(Bucket=bucket, Key="big.bin", UploadId=upload.id)
    with pytest.raises(ClientError) as exc:
        s3.list_parts(Bucket=bucket, Key="big.bin", UploadId=upload.id)
    assert _error(exc) == ("NoSuchUpload", 404, NO_SUCH_UPLOAD)


def test_abort_of_unknown_upload_is_no_such_upload(s3, bucket):
    with pytest.raises(ClientError) as exc:
        s3.abort_multipart_upload(Bucket=bucket, Key="k", UploadId="nope")
    assert _error(exc)[:2] == ("NoSuchUpload", 404)


def test_delete_bucket_removes_uploads_in_progress(s3, bucket, upload):
    upload.part(1, b"x")
    s3.delete_bucket(Bucket=bucket)
    assert bucket not in [b["Name"] for b in s3.list_buckets()["Buckets"]]


def _blob_files(cloudlet: Any) -> int:
    return sum(1 for p in (cloudlet.data_dir / "s3" / "blobs").rglob("*") if p.is_file())


def test_completion_leaves_only_the_object_file(cloudlet, upload):
    upload.part(1, FIRST)
    upload.part(2, b"tail")
    upload.complete()
    assert _blob_files(cloudlet) == 1


def test_abort_removes_the_part_files(cloudlet, s3, bucket, upload):
    upload.part(1, b"x")
    upload.part(1, b"replaced")
    upload.part(2, b"y")
    s3.abort_multipart_upload(Bucket=bucket, Key="big.bin", UploadId=upload.id)
    assert _blob_files(cloudlet) == 0


def test_list_parts_pages_by_part_number(s3, bucket, upload):
    for number in (3, 1, 2):
        upload.part(number, b"p%d" % number)
    page = s3.list_parts(Bucket=bucket, Key="big.bin", UploadId=upload.id, MaxParts=2)
    rest = s3.list_parts(Bucket=bucket, Key="big.bin", UploadId=upload.id, PartNumberMarker=2)
    assert ([p["PartNumber"] for p in page["Parts"]], page["IsTruncated"], page["NextPartNumberMarker"]) == (
        [1, 2],
        True,
        2,
    )
    assert ([p["PartNumber"] for p in rest["Parts"]], rest["IsTruncated"]) == ([3], False)


def test_list_parts_describes_each_part_and_the_upload(s3, bucket):
    upload = Upload(s3, bucket, ChecksumAlgorithm="SHA256")
    upload.part(1, b"hello", ChecksumAlgorithm="SHA256")
    listed = s3.list_parts(Bucket=bucket, Key="big.bin", UploadId=upload.id)
    part = listed["Parts"][0]
    assert (part["Size"], part["ETag"], part["ChecksumSHA256"]) == (
        5,
        f'"{hashlib.md5(b"hello").hexdigest()}"',
        _b64(hashlib.sha256(b"hello").digest()),
    )
    assert (listed["ChecksumAlgorithm"], listed["StorageClass"], listed["Initiator"]) == (
        "SHA256",
        "STANDARD",
        listed["Owner"],
    )


def test_list_multipart_uploads_orders_by_key_then_start(cloudlet, s3, bucket):
    ids = []
    for key in ("b", "a", "b"):
        ids.append((key, s3.create_multipart_upload(Bucket=bucket, Key=key)["UploadId"]))
        cloudlet.clock.advance(1)
    listed = s3.list_multipart_uploads(Bucket=bucket)["Uploads"]
    assert [(u["Key"], u["UploadId"]) for u in listed] == [ids[1], ids[0], ids[2]]


def test_list_multipart_uploads_rolls_up_common_prefixes(s3, bucket):
    for key in ("logs/1", "logs/2", "top"):
        s3.create_multipart_upload(Bucket=bucket, Key=key)
    listed = s3.list_multipart_uploads(Bucket=bucket, Delimiter="/")
    assert [u["Key"] for u in listed["Uploads"]] == ["top"]
    assert listed["CommonPrefixes"] == [{"Prefix": "logs/"}]


def test_list_multipart_uploads_filters_by_prefix(s3, bucket):
    for key in ("logs/1", "other"):
        s3.create_multipart_upload(Bucket=bucket, Key=key)
    listed = s3.list_multipart_uploads(Bucket=bucket, Prefix="logs/")
    assert [u["Key"] for u in listed["Uploads"]] == ["logs/1"]


def test_list_multipart_uploads_pages_with_key_and_upload_id_markers(cloudlet, s3, bucket):
    for key in ("a", "a", "b"):
        s3.create_multipart_upload(Bucket=bucket, Key=key)
        cloudlet.clock.advance(1)
    everything = [(u["Key"], u["UploadId"]) for u in s3.list_multipart_uploads(Bucket=bucket)["Uploads"]]
    first = s3.list_multipart_uploads(Bucket=bucket, MaxUploads=1)
    rest = s3.list_multipart_uploads(
        Bucket=bucket, KeyMarker=first["NextKeyMarker"], UploadIdMarker=first["NextUploadIdMarker"]
    )
    assert first["IsTruncated"] is True
    assert [(u["Key"], u["UploadId"]) for u in first["Uploads"] + rest["Uploads"]] == everything


def test_key_marker_alone_skips_every_upload_of_that_key(s3, bucket):
    for key in ("a", "a", "b"):
        s3.create_multipart_upload(Bucket=bucket, Key=key)
    listed = s3.list_multipart_uploads(Bucket=bucket, KeyMarker="a")
    assert [u["Key"] for u in listed["Uploads"]] == ["b"]


# --- GetObjectAttributes --------------------------------------------------------------------------


def test_object_attributes_of_a_plain_object(s3, bucket):
    s3.put_object(Bucket=bucket, Key="k", Body=b"hello")
    got = s3.get_object_attributes(
        Bucket=bucket, Key="k", ObjectAttributes=["ETag", "ObjectSize", "StorageClass"]
    )
    assert (got["ETag"], got["ObjectSize"], got["StorageClass"]) == (
        hashlib.md5(b"hello").hexdigest(),
        5,
        "STANDARD",
    )


def test_object_attributes_give_the_composite_checksum_and_parts(s3, bucket):
    upload = Upload(s3, bucket, ChecksumAlgorithm="SHA256")
    upload.part(1, FIRST, ChecksumAlgorithm="SHA256")
    upload.part(2, b"tail", ChecksumAlgorithm="SHA256")
    upload.complete(
        [dict(e, ChecksumSHA256=upload.sent[e["PartNumber"]]["ChecksumSHA256"]) for e in upload.listed()]
    )
    got = s3.get_object_attributes(
        Bucket=bucket, Key="big.bin", ObjectAttributes=["Checksum", "ObjectParts"], MaxParts=1
    )
    composite = _b64(
        hashlib.sha256(hashlib.sha256(FIRST).digest() + hashlib.sha256(b"tail").digest()).digest()
    )
    assert got["Checksum"] == {"ChecksumSHA256": composite, "ChecksumType": "COMPOSITE"}
    parts = got["ObjectParts"]
    assert (parts["TotalPartsCount"], parts["IsTruncated"], parts["NextPartNumberMarker"]) == (2, True, 1)
    assert parts["Parts"] == [
        {"PartNumber": 1, "Size": len(FIRST), "ChecksumSHA256": _b64(hashlib.sha256(FIRST).digest())}
    ]
