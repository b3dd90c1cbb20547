"""Function code from S3: CreateFunction/UpdateFunctionCode with Code.S3Bucket/S3Key/S3ObjectVersion,
and Lambda's errors when the GetObject fails."""

from __future__ import annotations

import base64
import hashlib
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.services.lambda_.conftest import ROLE, package, payload

V1 = """
def handler(event, context):
    return "v1"
"""
V2 = """
def handler(event, context):
    return "v2"
"""


@pytest.fixture
def s3(cloudlet: Any) -> Any:
    client = cloudlet.client("s3")
    client.create_bucket(Bucket="deploy")
    return client


def create(lam: Any, **code: Any) -> dict[str, Any]:
    return lam.create_function(
        FunctionName="fn", Runtime="python3.11", Role=ROLE, Handler="app.handler", Code=code
    )


def refusal(excinfo: pytest.ExceptionInfo[ClientError]) -> tuple[str, str]:
    error = excinfo.value.response["Error"]
    return error["Code"], error["Message"]


def test_a_function_runs_code_read_from_s3(lam, s3):
    zipped = package({"app.py": V1})
    s3.put_object(Bucket="deploy", Key="fn.zip", Body=zipped)
    created = create(lam, S3Bucket="deploy", S3Key="fn.zip")
    assert created["CodeSize"] == len(zipped)
    assert created["CodeSha256"] == base64.b64encode(hashlib.sha256(zipped).digest()).decode()
    assert payload(lam.invoke(FunctionName="fn")) == "v1"


def test_s3_object_version_selects_an_older_package(lam, s3):
    s3.put_bucket_versioning(Bucket="deploy", VersioningConfiguration={"Status": "Enabled"})
    first = s3.put_object(Bucket="deploy", Key="fn.zip", Body=package({"app.py": V1}))["VersionId"]
    s3.put_object(Bucket="deploy", Key="fn.zip", Body=package({"app.py": V2}))
    create(lam, S3Bucket="deploy", S3Key="fn.zip", S3ObjectVersion=first)
    assert payload(lam.invoke(FunctionName="fn")) == "v1"


def test_update_function_code_reads_the_new_package_from_s3(lam, s3):
    s3.put_object(Bucket="deploy", Key="v1.zip", Body=package({"app.py": V1}))
    s3.put_object(Bucket="deploy", Key="v2.zip", Body=package({"app.py": V2}))
    create(lam, S3Bucket="deploy", S3Key="v1.zip")
    lam.update_function_code(FunctionName="fn", S3Bucket="deploy", S3Key="v2.zip")
    assert payload(lam.invoke(FunctionName="fn")) == "v2"


def test_a_missing_bucket_fails_the_get_object(lam, s3):
    with pytest.raises(ClientError) as excinfo:
        create(lam, S3Bucket="no-such-deploy", S3Key="fn.zip")
    assert refusal(excinfo) == (
        "InvalidParameterValueException",
        "Error occurred while GetObject. S3 Error Code: NoSuchBucket. S3 Error Message: The specified bucket "
        "does not exist",
    )


def test_a_missing_key_fails_the_get_object(lam, s3):
    with pytest.raises(ClientError) as excinfo:
        create(lam, S3Bucket="deploy", S3Key="missing.zip")
    assert refusal(excinfo) == (
        "InvalidParameterValueException",
        "Error occurred while GetObject. S3 Error Code: NoSuchKey. S3 Error Message: The specified key does "
        "not exist.",
    )


def test_a_missing_version_fails_the_get_object(lam, s3):
    s3.put_object(Bucket="deploy", Key="fn.zip", Body=package({"app.py": V1}))
    with pytest.raises(ClientError) as excinfo:
        create(lam, S3Bucket="deploy", S3Key="fn.zip", S3ObjectVersion="nope")
    assert refusal(excinfo)[1].startswith("Error occurred while GetObject. S3 Error Code: NoSuchVersion.")


def test_a_bucket_in_another_region_is_a_permanent_redirect(cloudlet, lam):
    cloudlet.client("s3", region="eu-west-1").create_bucket(
        Bucket="far-away", CreateBucketConfiguration={"LocationConstraint": "eu-west-1"}
    )
    with pytest.raises(ClientError) as excinfo:
        create(lam, S3Bucket="far-away", S3Key="fn.zip")
    assert refusal(excinfo)[1] == (
        "Error occurred while GetObject. S3 Error Code: PermanentRedirect. S3 Error Message: The bucket is "
        "in this region: eu-west-1. Please use this region to retry the request"
    )


def test_an_object_that_is_not_a_zip_is_an_invalid_zip_file(lam, s3):
    s3.put_object(Bucket="deploy", Key="fn.zip", Body=b"not a zip")
    with pytest.raises(ClientError) as excinfo:
        create(lam, S3Bucket="deploy", S3Key="fn.zip")
    assert refusal(excinfo)[0] == "InvalidZipFileException"


def test_the_hot_reload_bucket_still_uses_a_local_directory(lam, tmp_path):
    (tmp_path / "app.py").write_text(V2)
    create(lam, S3Bucket="hot-reload", S3Key=str(tmp_path))
    assert payload(lam.invoke(FunctionName="fn")) == "v2"
