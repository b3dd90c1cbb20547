"""Enum values S3 rejects with its own codes and messages, before the generic model validation."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError


def _error(exc: pytest.ExceptionInfo[ClientError]) -> tuple[str, int, str]:
    response = exc.value.response
    return (
        response["Error"]["Code"],
        response["ResponseMetadata"]["HTTPStatusCode"],
        response["Error"]["Message"],
    )


def test_an_unknown_storage_class_is_invalid_storage_class(s3, bucket):
    with pytest.raises(ClientError) as exc:
        s3.put_object(Bucket=bucket, Key="k", Body=b"x", StorageClass="COLD")
    assert _error(exc) == ("InvalidStorageClass", 400, "The storage class you specified is not valid")


def test_an_unknown_encoding_type_names_the_argument(s3, bucket):
    with pytest.raises(ClientError) as exc:
        s3.list_objects_v2(Bucket=bucket, EncodingType="base64")
    assert _error(exc) == ("InvalidArgument", 400, "Invalid Encoding Method specified in Request")
    assert exc.value.response["Error"]["ArgumentName"] == "encoding-type"


def test_an_unknown_metadata_directive_is_invalid_argument(s3, bucket):
    s3.put_object(Bucket=bucket, Key="src", Body=b"x")
    with pytest.raises(ClientError) as exc:
        s3.copy_object(Bucket=bucket, Key="dst", CopySource=f"{bucket}/src", MetadataDirective="MERGE")
    assert _error(exc) == ("InvalidArgument", 400, "Unknown metadata directive.")


def test_an_unknown_encryption_method_is_invalid_argument(s3, bucket):
    with pytest.raises(ClientError) as exc:
        s3.put_object(Bucket=bucket, Key="k", Body=b"x", ServerSideEncryption="ROT13")
    assert _error(exc)[:2] == ("InvalidArgument", 400)
    assert exc.value.response["Error"]["ArgumentName"] == "x-amz-server-side-encryption"


def test_head_of_a_delete_marker_version_names_the_head_method(cloudlet, s3, bucket):
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    s3.put_object(Bucket=bucket, Key="k", Body=b"x")
    marker = s3.delete_object(Bucket=bucket, Key="k")["VersionId"]
    with pytest.raises(ClientError) as exc:
        s3.get_object(Bucket=bucket, Key="k", VersionId=marker)
    assert _error(exc)[:2] == ("MethodNotAllowed", 405)
    assert exc.value.response["Error"]["Method"] == "GET"
    with pytest.raises(ClientError) as exc:
        s3.head_object(Bucket=bucket, Key="k", VersionId=marker)
    assert exc.value.response["ResponseMetadata"]["HTTPStatusCode"] == 405


def test_delete_objects_without_content_md5_or_checksum_is_refused(cloudlet, bucket):
    from tests.services.s3.conftest import raw_request

    body = b"<Delete><Object><Key>a</Key></Object></Delete>"
    headers = {
        "Authorization": "AWS4-HMAC-SHA256 Credential=test/20240101/us-east-1/s3/aws4_request, "
        "SignedHeaders=host, Signature=0",
        "Content-Type": "application/xml",
    }
    status, _, answer = raw_request(cloudlet, "POST", f"/{bucket}?delete", body, headers)
    assert status == 400
    assert b"<Code>InvalidRequest</Code>" in answer
    assert b"Missing required header for this request: Content-MD5" in answer


def test_delete_objects_with_a_wrong_content_md5_is_bad_digest(cloudlet, bucket):
    import base64
    import hashlib

    from tests.services.s3.conftest import raw_request

    body = b"<Delete><Object><Key>a</Key></Object></Delete>"
    headers = {
        "Authorization": "AWS4-HMAC-SHA256 Credential=test/20240101/us-east-1/s3/aws4_request, "
        "SignedHeaders=host, Signature=0",
        "Content-MD5": base64.b64encode(hashlib.md5(b"other").digest()).decode(),
    }
    status, _, answer = raw_request(cloudlet, "POST", f"/{bucket}?delete", body, headers)
    assert status == 400 and b"<Code>BadDigest</Code>" in answer


def test_an_unknown_location_constraint_is_invalid(cloudlet):
    s3 = cloudlet.client("s3", region="eu-west-1")
    with pytest.raises(ClientError) as exc:
        s3.create_bucket(Bucket="lunar", CreateBucketConfiguration={"LocationConstraint": "moon-1"})
    assert _error(exc) == ("InvalidLocationConstraint", 400, "The specified location-constraint is not valid")
