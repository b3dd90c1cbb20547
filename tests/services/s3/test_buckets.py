"""Buckets: CreateBucket (names, location constraints, ownership across accounts), HeadBucket,
ListBuckets, GetBucketLocation and DeleteBucket."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError

OTHER_ACCOUNT = "111111111111"


def _fail(call: Any, **kwargs: Any) -> tuple[str, int, dict[str, Any]]:
    with pytest.raises(ClientError) as exc_info:
        call(**kwargs)
    response = exc_info.value.response
    return response["Error"]["Code"], response["ResponseMetadata"]["HTTPStatusCode"], response["Error"]


@pytest.fixture
def eu(cloudlet) -> Any:
    """A client whose endpoint region is eu-west-1."""
    return cloudlet.client("s3", region="eu-west-1")


@pytest.fixture
def other(cloudlet) -> Any:
    """A client of another account."""
    return cloudlet.client("s3", account=OTHER_ACCOUNT)


# --- create ---------------------------------------------------------------------------------------


def test_create_in_us_east_1_answers_the_location(s3):
    response = s3.create_bucket(Bucket="photos")

    assert response["Location"] == "/photos"
    assert s3.get_bucket_location(Bucket="photos")["LocationConstraint"] is None


def test_create_in_another_region_needs_that_constraint(eu):
    eu.create_bucket(Bucket="photos", CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})

    assert eu.get_bucket_location(Bucket="photos")["LocationConstraint"] == "eu-west-1"
    assert eu.head_bucket(Bucket="photos")["BucketRegion"] == "eu-west-1"


def test_create_in_another_region_without_a_constraint_is_illegal(eu):
    code, status, error = _fail(eu.create_bucket, Bucket="photos")

    assert (code, status) == ("IllegalLocationConstraintException", 400)
    assert error["Message"] == (
        "The unspecified location constraint is incompatible for the region specific endpoint this request"
        " was sent to."
    )


def test_create_with_a_constraint_for_another_region_is_illegal(eu):
    code, status, error = _fail(
        eu.create_bucket, Bucket="photos", CreateBucketConfiguration={"LocationConstraint": "eu-central-1"}
    )

    assert (code, status) == ("IllegalLocationConstraintException", 400)
    assert error["Message"].startswith("The eu-central-1 location constraint is incompatible")


def test_us_east_1_as_a_constraint_is_invalid(s3):
    code, status, error = _fail(
        s3.create_bucket, Bucket="photos", CreateBucketConfiguration={"LocationConstraint": "us-east-1"}
    )

    assert (code, status, error["Message"]) == (
        "InvalidLocationConstraint",
        400,
        "The specified location-constraint is not valid",
    )


def test_another_constraint_in_us_east_1_is_illegal(s3):
    code, status, _ = _fail(
        s3.create_bucket, Bucket="photos", CreateBucketConfiguration={"LocationConstraint": "eu-west-1"}
    )

    assert (code, status) == ("IllegalLocationConstraintException", 400)


def test_recreating_your_own_bucket_in_us_east_1_succeeds(s3, bucket):
    assert s3.create_bucket(Bucket=bucket)["ResponseMetadata"]["HTTPStatusCode"] == 200


def test_recreating_your_own_bucket_elsewhere_is_already_owned_by_you(eu):
    config = {"LocationConstraint": "eu-west-1"}
    eu.create_bucket(Bucket="photos", CreateBucketConfiguration=config)

    code, status, error = _fail(eu.create_bucket, Bucket="photos", CreateBucketConfiguration=config)

    assert (code, status, error["BucketName"]) == ("BucketAlreadyOwnedByYou", 409, "photos")
    assert (
        error["Message"]
        == "Your previous request to create the named bucket succeeded and you already own it."
    )


def test_a_name_taken_by_another_account_already_exists(other, bucket):
    code, status, error = _fail(other.create_bucket, Bucket=bucket)

    assert (code, status, error["BucketName"]) == ("BucketAlreadyExists", 409, bucket)
    assert error["Message"].startswith("The requested bucket name is not available.")


@pytest.mark.parametrize(
    "name",
    [
        "ab",
        "a" * 64,
        "Photos",
        "under_score",
        "-leading",
        "trailing-",
        "two..dots",
        "192.168.5.4",
        "xn--punycode",
        "sthree-bucket",
        "name-s3alias",
        "name--ol-s3",
    ],
)
def test_invalid_bucket_names_are_refused(s3, name):
    code, status, error = _fail(s3.create_bucket, Bucket=name)

    assert (code, status) == ("InvalidBucketName", 400)
    assert (error["Message"], error["BucketName"]) == ("The specified bucket is not valid.", name)


@pytest.mark.parametrize("name", ["abc", "a" * 63, "my.bucket.name", "0-9", "a-b.c-d"])
def test_valid_bucket_names_are_accepted(s3, name):
    s3.create_bucket(Bucket=name)

    assert s3.head_bucket(Bucket=name)["ResponseMetadata"]["HTTPStatusCode"] == 200


# --- head, list, location -------------------------------------------------------------------------


def test_head_bucket_reports_the_region(s3, bucket):
    head = s3.head_bucket(Bucket=bucket)

    assert head["BucketRegion"] == "us-east-1"
    assert head["ResponseMetadata"]["HTTPHeaders"]["x-amz-bucket-region"] == "us-east-1"


def test_head_of_a_missing_bucket_is_a_bare_404(s3):
    code, status, _ = _fail(s3.head_bucket, Bucket="missing-bucket")

    assert (code, status) == ("404", 404)


def test_list_buckets_lists_your_buckets_in_name_order(s3):
    for name in ("zeta", "alpha", "mid"):
        s3.create_bucket(Bucket=name)

    response = s3.list_buckets()

    assert [b["Name"] for b in response["Buckets"]] == ["alpha", "mid", "zeta"]
    assert len(response["Owner"]["ID"]) == 64
    assert all(b["CreationDate"] for b in response["Buckets"])


def test_list_buckets_shows_only_the_callers_account(s3, other, bucket):
    other.create_bucket(Bucket="theirs")

    assert [b["Name"] for b in s3.list_buckets()["Buckets"]] == [bucket]
    assert [b["Name"] for b in other.list_buckets()["Buckets"]] == ["theirs"]
    assert s3.list_buckets()["Owner"]["ID"] != other.list_buckets()["Owner"]["ID"]


def test_list_buckets_pages_with_max_buckets(s3):
    for name in ("b1", "b2", "b3"):
        s3.create_bucket(Bucket=f"{name}-x")

    first = s3.list_buckets(MaxBuckets=2)
    second = s3.list_buckets(MaxBuckets=2, ContinuationToken=first["ContinuationToken"])

    assert [b["Name"] for b in first["Buckets"]] == ["b1-x", "b2-x"]
    assert [b["Name"] for b in second["Buckets"]] == ["b3-x"]
    assert "ContinuationToken" not in second


def test_list_buckets_filters_by_prefix(s3):
    for name in ("logs-a", "logs-b", "data"):
        s3.create_bucket(Bucket=name)

    response = s3.list_buckets(Prefix="logs-")

    assert [b["Name"] for b in response["Buckets"]] == ["logs-a", "logs-b"]
    assert response["Prefix"] == "logs-"


def test_location_of_a_missing_bucket_is_no_such_bucket(s3):
    code, status, error = _fail(s3.get_bucket_location, Bucket="missing-bucket")

    assert (code, status, error["BucketName"]) == ("NoSuchBucket", 404, "missing-bucket")


# --- delete ---------------------------------------------------------------------------------------


def test_delete_bucket_answers_204_and_frees_the_name(s3, other, bucket):
    response = s3.delete_bucket(Bucket=bucket)

    assert response["ResponseMetadata"]["HTTPStatusCode"] == 204
    other.create_bucket(Bucket=bucket)
    assert [b["Name"] for b in other.list_buckets()["Buckets"]] == [bucket]


def test_deleting_a_bucket_with_objects_is_bucket_not_empty(s3, bucket):
    s3.put_object(Bucket=bucket, Key="k", Body=b"x")

    code, status, error = _fail(s3.delete_bucket, Bucket=bucket)

    assert (code, status, error["BucketName"]) == ("BucketNotEmpty", 409, bucket)
    assert error["Message"] == "The bucket you tried to delete is not empty"


def test_deleting_a_missing_bucket_is_no_such_bucket(s3):
    code, status, error = _fail(s3.delete_bucket, Bucket="missing-bucket")

    assert (code, status) == ("NoSuchBucket", 404)
    assert (error["Message"], error["BucketName"]) == (
        "The specified bucket does not exist",
        "missing-bucket",
    )


def test_buckets_survive_a_restart(cloudlet, s3, bucket):
    s3.put_object(Bucket=bucket, Key="k", Body=b"kept")

    cloudlet.restart()
    s3 = cloudlet.client("s3")

    assert s3.get_object(Bucket=bucket, Key="k")["Body"].read() == b"kept"
