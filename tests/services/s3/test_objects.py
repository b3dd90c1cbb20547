"""Objects: PutObject/GetObject/HeadObject with metadata and content headers, byte ranges, conditional
reads and writes, DeleteObject(s), and keys S3 allows that paths do not like."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.services.s3.conftest import raw_request

BODY = b"0123456789abcdefghij"


def _error(exc_info: Any) -> tuple[str, int]:
    response = exc_info.value.response
    return response["Error"]["Code"], response["ResponseMetadata"]["HTTPStatusCode"]


def _fail(call: Any, **kwargs: Any) -> tuple[str, int, dict[str, Any]]:
    with pytest.raises(ClientError) as exc_info:
        call(**kwargs)
    code, status = _error(exc_info)
    return code, status, exc_info.value.response["Error"]


@pytest.fixture
def obj(s3, bucket) -> dict[str, Any]:
    """A 20-byte object `k` in `photos`; its PutObject response."""
    return s3.put_object(Bucket=bucket, Key="k", Body=BODY)


def _modified(s3: Any, bucket: str, key: str = "k") -> datetime:
    return s3.head_object(Bucket=bucket, Key=key)["LastModified"]


# --- put and get ----------------------------------------------------------------------------------


def test_put_then_get_returns_the_bytes_and_md5_etag(s3, bucket, obj):
    got = s3.get_object(Bucket=bucket, Key="k")

    assert got["Body"].read() == BODY
    assert obj["ETag"] == got["ETag"] == f'"{hashlib.md5(BODY).hexdigest()}"'
    assert got["ContentLength"] == len(BODY)
    assert got["AcceptRanges"] == "bytes"


def test_an_empty_object_round_trips(s3, bucket):
    s3.put_object(Bucket=bucket, Key="empty", Body=b"")

    got = s3.get_object(Bucket=bucket, Key="empty")

    assert (got["Body"].read(), got["ContentLength"]) == (b"", 0)
    assert got["ETag"] == f'"{hashlib.md5(b"").hexdigest()}"'


def test_a_put_replaces_the_object(s3, bucket, obj):
    s3.put_object(Bucket=bucket, Key="k", Body=b"new")

    assert s3.get_object(Bucket=bucket, Key="k")["Body"].read() == b"new"


def test_default_content_type_is_binary_octet_stream(s3, bucket, cloudlet):
    raw_request(cloudlet, "PUT", f"/{bucket}/raw", b"abc")

    assert s3.head_object(Bucket=bucket, Key="raw")["ContentType"] == "binary/octet-stream"


def test_user_metadata_round_trips(s3, bucket):
    s3.put_object(Bucket=bucket, Key="k", Body=b"x", Metadata={"Owner": "ana", "color": "blue"})

    head = s3.head_object(Bucket=bucket, Key="k")

    assert head["Metadata"] == {"owner": "ana", "color": "blue"}


def test_content_headers_round_trip(s3, bucket):
    headers = {
        "ContentType": "text/plain; charset=utf-8",
        "ContentEncoding": "identity",
        "ContentDisposition": 'attachment; filename="a.txt"',
        "ContentLanguage": "pt-PT",
        "CacheControl": "max-age=60",
    }
    s3.put_object(Bucket=bucket, Key="k", Body=b"x", **headers)

    got = s3.get_object(Bucket=bucket, Key="k")

    assert {name: got[name] for name in headers} == headers


def test_response_overrides_replace_stored_headers_on_get(s3, bucket, obj):
    got = s3.get_object(
        Bucket=bucket, Key="k", ResponseContentType="image/png", ResponseCacheControl="no-store"
    )

    assert (got["ContentType"], got["CacheControl"]) == ("image/png", "no-store")


def test_head_describes_without_a_body(cloudlet, bucket, obj):
    status, headers, body = raw_request(cloudlet, "HEAD", f"/{bucket}/k")

    assert (status, body) == (200, b"")
    assert headers["content-length"] == str(len(BODY))
    assert headers["etag"] == obj["ETag"]


def test_last_modified_is_the_clock_to_the_second(cloudlet, s3, bucket):
    cloudlet.clock.advance(3600.7)
    now = datetime.fromtimestamp(cloudlet.clock.now(), UTC).replace(microsecond=0)
    s3.put_object(Bucket=bucket, Key="k", Body=b"x")

    assert _modified(s3, bucket) == now


def test_get_of_a_missing_key_is_no_such_key(s3, bucket):
    code, status, error = _fail(s3.get_object, Bucket=bucket, Key="nope")

    assert (code, status) == ("NoSuchKey", 404)
    assert (error["Message"], error["Key"]) == ("The specified key does not exist.", "nope")


def test_head_of_a_missing_key_is_a_bare_404(s3, bucket):
    code, status, _ = _fail(s3.head_object, Bucket=bucket, Key="nope")

    assert (code, status) == ("404", 404)


def test_get_in_a_missing_bucket_is_no_such_bucket(s3):
    code, status, error = _fail(s3.get_object, Bucket="no-such-bucket", Key="k")

    assert (code, status, error["BucketName"]) == ("NoSuchBucket", 404, "no-such-bucket")


def test_a_key_over_1024_bytes_is_too_long(s3, bucket):
    code, status, error = _fail(s3.put_object, Bucket=bucket, Key="é" * 513, Body=b"x")

    assert (code, status, error["Message"]) == ("KeyTooLongError", 400, "Your key is too long")


# --- ranges ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("header", "first", "last"),
    [
        ("bytes=0-4", 0, 4),
        ("bytes=5-", 5, 19),
        ("bytes=-3", 17, 19),
        ("bytes=15-100", 15, 19),
        ("bytes=-100", 0, 19),
        ("bytes=19-19", 19, 19),
    ],
)
def test_a_range_returns_206_with_the_bytes(s3, bucket, obj, header, first, last):
    got = s3.get_object(Bucket=bucket, Key="k", Range=header)

    assert got["ResponseMetadata"]["HTTPStatusCode"] == 206
    assert got["Body"].read() == BODY[first : last + 1]
    assert got["ContentRange"] == f"bytes {first}-{last}/{len(BODY)}"
    assert got["ContentLength"] == last - first + 1


@pytest.mark.parametrize("header", ["bytes=20-", "bytes=100-200", "bytes=-0"])
def test_an_unsatisfiable_range_is_416_invalid_range(s3, bucket, obj, header):
    code, status, error = _fail(s3.get_object, Bucket=bucket, Key="k", Range=header)

    assert (code, status) == ("InvalidRange", 416)
    assert error["Message"] == "The requested range is not satisfiable"
    assert error["ActualObjectSize"] == str(len(BODY))


@pytest.mark.parametrize("header", ["bytes=5-2", "items=0-1", "bytes=0-1,3-4"])
def test_an_invalid_range_is_ignored(s3, bucket, obj, header):
    got = s3.get_object(Bucket=bucket, Key="k", Range=header)

    assert got["ResponseMetadata"]["HTTPStatusCode"] == 200
    assert got["Body"].read() == BODY


def test_head_honours_a_range(s3, bucket, obj):
    head = s3.head_object(Bucket=bucket, Key="k", Range="bytes=0-1")

    assert (head["ResponseMetadata"]["HTTPStatusCode"], head["ContentLength"]) == (206, 2)


# --- conditional reads ----------------------------------------------------------------------------


def test_if_match_with_the_etag_reads(s3, bucket, obj):
    assert s3.get_object(Bucket=bucket, Key="k", IfMatch=obj["ETag"])["Body"].read() == BODY


def test_if_match_with_another_etag_is_412(s3, bucket, obj):
    code, status, error = _fail(s3.get_object, Bucket=bucket, Key="k", IfMatch='"0000"')

    assert (code, status) == ("PreconditionFailed", 412)
    assert error["Message"] == "At least one of the pre-conditions you specified did not hold"
    assert error["Condition"] == "If-Match"


def test_if_none_match_with_the_etag_is_304(s3, bucket, obj):
    code, status, _ = _fail(s3.get_object, Bucket=bucket, Key="k", IfNoneMatch=obj["ETag"])

    assert (code, status) == ("304", 304)


def test_if_none_match_with_another_etag_reads(s3, bucket, obj):
    assert s3.get_object(Bucket=bucket, Key="k", IfNoneMatch='"0000"')["Body"].read() == BODY


def test_if_modified_since_after_the_write_is_304(s3, bucket, obj):
    later = _modified(s3, bucket) + timedelta(seconds=1)

    code, status, _ = _fail(s3.get_object, Bucket=bucket, Key="k", IfModifiedSince=later)

    assert (code, status) == ("304", 304)


def test_if_modified_since_before_the_write_reads(s3, bucket, obj):
    earlier = _modified(s3, bucket) - timedelta(seconds=1)

    assert s3.get_object(Bucket=bucket, Key="k", IfModifiedSince=earlier)["Body"].read() == BODY


def test_if_unmodified_since_before_the_write_is_412(s3, bucket, obj):
    earlier = _modified(s3, bucket) - timedelta(seconds=1)

    code, status, error = _fail(s3.get_object, Bucket=bucket, Key="k", IfUnmodifiedSince=earlier)

    assert (code, status, error["Condition"]) == ("PreconditionFailed", 412, "If-Unmodified-Since")


def test_if_match_true_wins_over_if_unmodified_since_false(s3, bucket, obj):
    earlier = _modified(s3, bucket) - timedelta(seconds=1)

    got = s3.get_object(Bucket=bucket, Key="k", IfMatch=obj["ETag"], IfUnmodifiedSince=earlier)

    assert got["ResponseMetadata"]["HTTPStatusCode"] == 200


def test_if_none_match_false_with_if_modified_since_true_is_304(s3, bucket, obj):
    earlier = _modified(s3, bucket) - timedelta(seconds=1)

    code, status, _ = _fail(
        s3.get_object, Bucket=bucket, Key="k", IfNoneMatch=obj["ETag"], IfModifiedSince=earlier
    )

    assert (code, status) == ("304", 304)


def test_head_with_a_failed_if_match_is_a_bare_412(s3, bucket, obj):
    code, status, _ = _fail(s3.head_object, Bucket=bucket, Key="k", IfMatch='"0000"')

    assert (code, status) == ("412", 412)


# --- conditional writes ---------------------------------------------------------------------------


def test_if_none_match_star_creates_a_new_key(s3, bucket):
    s3.put_object(Bucket=bucket, Key="new", Body=b"x", IfNoneMatch="*")

    assert s3.get_object(Bucket=bucket, Key="new")["Body"].read() == b"x"


def test_if_none_match_star_refuses_to_overwrite(s3, bucket, obj):
    code, status, error = _fail(s3.put_object, Bucket=bucket, Key="k", Body=b"other", IfNoneMatch="*")

    assert (code, status, error["Condition"]) == ("PreconditionFailed", 412, "If-None-Match")
    assert s3.get_object(Bucket=bucket, Key="k")["Body"].read() == BODY


def test_if_match_put_replaces_only_the_expected_version(s3, bucket, obj):
    code, status, _ = _fail(s3.put_object, Bucket=bucket, Key="k", Body=b"b", IfMatch='"0000"')
    s3.put_object(Bucket=bucket, Key="k", Body=b"a", IfMatch=obj["ETag"])

    assert (code, status) == ("PreconditionFailed", 412)
    assert s3.get_object(Bucket=bucket, Key="k")["Body"].read() == b"a"


def test_if_match_put_on_a_missing_key_is_no_such_key(s3, bucket):
    code, status, _ = _fail(s3.put_object, Bucket=bucket, Key="nope", Body=b"a", IfMatch='"0000"')

    assert (code, status) == ("NoSuchKey", 404)


# --- delete ---------------------------------------------------------------------------------------


def test_delete_removes_the_object_with_204(s3, bucket, obj):
    response = s3.delete_object(Bucket=bucket, Key="k")

    assert response["ResponseMetadata"]["HTTPStatusCode"] == 204
    assert _fail(s3.get_object, Bucket=bucket, Key="k")[0] == "NoSuchKey"


def test_deleting_a_missing_key_succeeds(s3, bucket):
    response = s3.delete_object(Bucket=bucket, Key="never")

    assert response["ResponseMetadata"]["HTTPStatusCode"] == 204


def test_delete_objects_reports_each_key(s3, bucket, obj):
    response = s3.delete_objects(Bucket=bucket, Delete={"Objects": [{"Key": "k"}, {"Key": "never"}]})

    assert [d["Key"] for d in response["Deleted"]] == ["k", "never"]
    assert "Errors" not in response
    assert "Contents" not in s3.list_objects_v2(Bucket=bucket)


def test_quiet_delete_objects_reports_nothing_on_success(s3, bucket, obj):
    response = s3.delete_objects(Bucket=bucket, Delete={"Objects": [{"Key": "k"}], "Quiet": True})

    assert "Deleted" not in response
    assert "Contents" not in s3.list_objects_v2(Bucket=bucket)


def test_delete_objects_reports_failed_conditions_as_errors(s3, bucket, obj):
    s3.put_object(Bucket=bucket, Key="other", Body=b"x")

    response = s3.delete_objects(
        Bucket=bucket,
        Delete={"Objects": [{"Key": "k", "ETag": '"0000"'}, {"Key": "other"}], "Quiet": True},
    )

    assert [(e["Key"], e["Code"]) for e in response["Errors"]] == [("k", "PreconditionFailed")]
    assert "Deleted" not in response
    assert [o["Key"] for o in s3.list_objects_v2(Bucket=bucket)["Contents"]] == ["k"]


def test_delete_objects_in_a_versioned_bucket_adds_delete_markers(s3, bucket, obj):
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})

    (deleted,) = s3.delete_objects(Bucket=bucket, Delete={"Objects": [{"Key": "k"}]})["Deleted"]

    assert deleted["DeleteMarker"] is True
    assert (
        deleted["DeleteMarkerVersionId"]
        == s3.list_object_versions(Bucket=bucket)["DeleteMarkers"][0]["VersionId"]
    )


def test_delete_objects_of_more_than_1000_keys_is_malformed(s3, bucket):
    objects = [{"Key": f"k{i}"} for i in range(1001)]

    code, status, _ = _fail(s3.delete_objects, Bucket=bucket, Delete={"Objects": objects})

    assert (code, status) == ("MalformedXML", 400)


def test_delete_objects_in_a_missing_bucket_is_no_such_bucket(s3):
    code, status, _ = _fail(s3.delete_objects, Bucket="no-such-bucket", Delete={"Objects": [{"Key": "k"}]})

    assert (code, status) == ("NoSuchBucket", 404)


# --- keys -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "key",
    [
        "naïve/日本語/😀.txt",
        "../escape",
        "a/../../b",
        "./dot",
        "100%",
        "%2F%20",
        "with space and+plus",
        "/",
        "//double//",
        "trailing/",
        "q?x=1&y=#frag",
        "tab\tand~tilde",
    ],
)
def test_any_key_round_trips_and_lists(s3, bucket, key):
    s3.put_object(Bucket=bucket, Key=key, Body=key.encode())

    got = s3.get_object(Bucket=bucket, Key=key)["Body"].read()
    listed = [o["Key"] for o in s3.list_objects_v2(Bucket=bucket)["Contents"]]

    assert (got, listed) == (key.encode(), [key])


def test_a_dot_dot_key_stays_inside_the_bucket(s3, bucket):
    s3.create_bucket(Bucket="other")
    s3.put_object(Bucket=bucket, Key="../other/x", Body=b"x")

    assert "Contents" not in s3.list_objects_v2(Bucket="other")
    assert [o["Key"] for o in s3.list_objects_v2(Bucket=bucket)["Contents"]] == ["../other/x"]
