"""Bucket versioning: states, version ids, delete markers, null versions, deleting versions, and
ListObjectVersions."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.services.s3.conftest import raw_request


def _enable(s3: Any, bucket: str, status: str = "Enabled") -> None:
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": status})


def _error(exc_info: Any) -> tuple[str, int]:
    response = exc_info.value.response
    return response["Error"]["Code"], response["ResponseMetadata"]["HTTPStatusCode"]


def _body(s3: Any, bucket: str, key: str, **kwargs: Any) -> bytes:
    return s3.get_object(Bucket=bucket, Key=key, **kwargs)["Body"].read()


def _versions(s3: Any, bucket: str, **kwargs: Any) -> list[tuple[str, str, bool, bool]]:
    """(key, version id, is latest, is delete marker) in listing order (key, newest first)."""
    page = s3.list_object_versions(Bucket=bucket, **kwargs)
    rows = [
        (v["Key"], v["VersionId"], v["IsLatest"], False, v["LastModified"]) for v in page.get("Versions", [])
    ]
    rows += [
        (m["Key"], m["VersionId"], m["IsLatest"], True, m["LastModified"])
        for m in page.get("DeleteMarkers", [])
    ]
    return [row[:4] for row in rows]


# --- states ---------------------------------------------------------------------------------------


def test_a_new_bucket_has_no_versioning_status(s3, bucket):
    response = s3.get_bucket_versioning(Bucket=bucket)

    assert "Status" not in response


def test_versioning_can_be_enabled_and_suspended(s3, bucket):
    _enable(s3, bucket)
    enabled = s3.get_bucket_versioning(Bucket=bucket)["Status"]
    _enable(s3, bucket, "Suspended")

    assert (enabled, s3.get_bucket_versioning(Bucket=bucket)["Status"]) == ("Enabled", "Suspended")


def test_an_unknown_versioning_status_is_malformed_xml(s3, bucket):
    with pytest.raises(ClientError) as exc_info:
        _enable(s3, bucket, "Sometimes")

    assert _error(exc_info) == ("MalformedXML", 400)


def test_unversioned_writes_carry_no_version_id(s3, bucket):
    put = s3.put_object(Bucket=bucket, Key="k", Body=b"1")

    assert "VersionId" not in put
    assert "VersionId" not in s3.head_object(Bucket=bucket, Key="k")


# --- Enabled --------------------------------------------------------------------------------------


def test_each_write_gets_its_own_version(s3, bucket):
    _enable(s3, bucket)
    first = s3.put_object(Bucket=bucket, Key="k", Body=b"1")["VersionId"]
    second = s3.put_object(Bucket=bucket, Key="k", Body=b"2")["VersionId"]

    assert first != second
    assert first != "null"
    assert _body(s3, bucket, "k") == b"2"
    assert _body(s3, bucket, "k", VersionId=first) == b"1"


def test_get_object_reports_the_version_id(s3, bucket):
    _enable(s3, bucket)
    version = s3.put_object(Bucket=bucket, Key="k", Body=b"1")["VersionId"]

    assert s3.get_object(Bucket=bucket, Key="k")["VersionId"] == version


def test_a_version_from_before_versioning_is_the_null_version(s3, bucket):
    s3.put_object(Bucket=bucket, Key="k", Body=b"old")
    _enable(s3, bucket)
    s3.put_object(Bucket=bucket, Key="k", Body=b"new")

    assert _body(s3, bucket, "k", VersionId="null") == b"old"


def test_delete_without_version_adds_a_delete_marker(s3, bucket):
    _enable(s3, bucket)
    version = s3.put_object(Bucket=bucket, Key="k", Body=b"1")["VersionId"]

    deleted = s3.delete_object(Bucket=bucket, Key="k")

    assert deleted["DeleteMarker"] is True
    assert deleted["VersionId"] not in (version, "null")
    assert _versions(s3, bucket) == [("k", version, False, False), ("k", deleted["VersionId"], True, True)]
    assert _body(s3, bucket, "k", VersionId=version) == b"1"


def test_get_when_the_latest_is_a_delete_marker_is_no_such_key(s3, bucket):
    _enable(s3, bucket)
    s3.put_object(Bucket=bucket, Key="k", Body=b"1")
    s3.delete_object(Bucket=bucket, Key="k")

    with pytest.raises(ClientError) as exc_info:
        s3.get_object(Bucket=bucket, Key="k")

    assert _error(exc_info) == ("NoSuchKey", 404)


def test_get_when_the_latest_is_a_delete_marker_says_so_in_headers(cloudlet, s3, bucket):
    _enable(s3, bucket)
    s3.put_object(Bucket=bucket, Key="k", Body=b"1")
    marker = s3.delete_object(Bucket=bucket, Key="k")["VersionId"]

    status, headers, _ = raw_request(cloudlet, "GET", f"/{bucket}/k")
    head_status, head_headers, _ = raw_request(cloudlet, "HEAD", f"/{bucket}/k")

    assert (status, head_status) == (404, 404)
    assert headers.get("x-amz-delete-marker") == head_headers.get("x-amz-delete-marker") == "true"
    assert headers.get("x-amz-version-id") == head_headers.get("x-amz-version-id") == marker


def test_get_of_a_delete_marker_version_is_method_not_allowed(s3, bucket):
    _enable(s3, bucket)
    s3.put_object(Bucket=bucket, Key="k", Body=b"1")
    marker = s3.delete_object(Bucket=bucket, Key="k")["VersionId"]

    with pytest.raises(ClientError) as exc_info:
        s3.get_object(Bucket=bucket, Key="k", VersionId=marker)

    assert _error(exc_info) == ("MethodNotAllowed", 405)
    assert (
        exc_info.value.response["Error"]["Message"]
        == "The specified method is not allowed against this resource."
    )


def test_get_of_an_unknown_version_is_no_such_version(s3, bucket):
    _enable(s3, bucket)
    s3.put_object(Bucket=bucket, Key="k", Body=b"1")

    with pytest.raises(ClientError) as exc_info:
        s3.get_object(Bucket=bucket, Key="k", VersionId="3HL4kqtJlcpXroDTDmJ.rmSpXd3dIbrHY")

    assert _error(exc_info) == ("NoSuchVersion", 404)
    assert exc_info.value.response["Error"]["Message"] == "The specified version does not exist."


def test_deleting_the_delete_marker_restores_the_object(s3, bucket):
    _enable(s3, bucket)
    s3.put_object(Bucket=bucket, Key="k", Body=b"1")
    marker = s3.delete_object(Bucket=bucket, Key="k")["VersionId"]

    deleted = s3.delete_object(Bucket=bucket, Key="k", VersionId=marker)

    assert (deleted["DeleteMarker"], deleted["VersionId"]) == (True, marker)
    assert _body(s3, bucket, "k") == b"1"


def test_deleting_the_latest_version_makes_the_previous_one_latest(s3, bucket):
    _enable(s3, bucket)
    first = s3.put_object(Bucket=bucket, Key="k", Body=b"1")["VersionId"]
    second = s3.put_object(Bucket=bucket, Key="k", Body=b"2")["VersionId"]

    deleted = s3.delete_object(Bucket=bucket, Key="k", VersionId=second)

    assert deleted["VersionId"] == second
    assert "DeleteMarker" not in deleted
    assert _body(s3, bucket, "k") == b"1"
    assert _versions(s3, bucket) == [("k", first, True, False)]


def test_deleting_an_old_version_leaves_the_latest(s3, bucket):
    _enable(s3, bucket)
    first = s3.put_object(Bucket=bucket, Key="k", Body=b"1")["VersionId"]
    second = s3.put_object(Bucket=bucket, Key="k", Body=b"2")["VersionId"]

    s3.delete_object(Bucket=bucket, Key="k", VersionId=first)

    assert _versions(s3, bucket) == [("k", second, True, False)]


def test_deleting_the_last_version_removes_the_key(s3, bucket):
    _enable(s3, bucket)
    version = s3.put_object(Bucket=bucket, Key="k", Body=b"1")["VersionId"]

    s3.delete_object(Bucket=bucket, Key="k", VersionId=version)

    assert _versions(s3, bucket) == []
    s3.delete_bucket(Bucket=bucket)


def test_a_bucket_with_only_delete_markers_is_not_empty(s3, bucket):
    _enable(s3, bucket)
    s3.delete_object(Bucket=bucket, Key="never-written")

    with pytest.raises(ClientError) as exc_info:
        s3.delete_bucket(Bucket=bucket)

    assert _error(exc_info) == ("BucketNotEmpty", 409)
    assert exc_info.value.response["Error"]["Message"] == (
        "The bucket you tried to delete is not empty. You must delete all versions in the bucket."
    )


# --- Suspended ------------------------------------------------------------------------------------


def test_suspended_writes_replace_the_null_version(s3, bucket):
    _enable(s3, bucket)
    kept = s3.put_object(Bucket=bucket, Key="k", Body=b"v1")["VersionId"]
    _enable(s3, bucket, "Suspended")

    first = s3.put_object(Bucket=bucket, Key="k", Body=b"n1")
    s3.put_object(Bucket=bucket, Key="k", Body=b"n2")

    assert first["VersionId"] == "null"
    assert _versions(s3, bucket) == [("k", "null", True, False), ("k", kept, False, False)]
    assert _body(s3, bucket, "k", VersionId="null") == b"n2"


def test_suspended_delete_puts_a_null_delete_marker_over_the_null_version(s3, bucket):
    _enable(s3, bucket)
    kept = s3.put_object(Bucket=bucket, Key="k", Body=b"v1")["VersionId"]
    _enable(s3, bucket, "Suspended")
    s3.put_object(Bucket=bucket, Key="k", Body=b"n1")

    deleted = s3.delete_object(Bucket=bucket, Key="k")

    assert (deleted["DeleteMarker"], deleted["VersionId"]) == (True, "null")
    assert _versions(s3, bucket) == [("k", kept, False, False), ("k", "null", True, True)]


def test_suspended_keeps_versions_written_while_enabled(s3, bucket):
    _enable(s3, bucket)
    kept = s3.put_object(Bucket=bucket, Key="k", Body=b"v1")["VersionId"]
    _enable(s3, bucket, "Suspended")
    s3.put_object(Bucket=bucket, Key="k", Body=b"n1")

    assert _body(s3, bucket, "k", VersionId=kept) == b"v1"


# --- ListObjectVersions ---------------------------------------------------------------------------


def test_versions_list_newest_first_per_key(s3, bucket):
    _enable(s3, bucket)
    a1 = s3.put_object(Bucket=bucket, Key="a", Body=b"1")["VersionId"]
    b1 = s3.put_object(Bucket=bucket, Key="b", Body=b"1")["VersionId"]
    a2 = s3.put_object(Bucket=bucket, Key="a", Body=b"2")["VersionId"]

    assert _versions(s3, bucket) == [("a", a2, True, False), ("a", a1, False, False), ("b", b1, True, False)]


def test_unversioned_objects_list_as_null_versions(s3, bucket):
    s3.put_object(Bucket=bucket, Key="a", Body=b"1")

    (version,) = s3.list_object_versions(Bucket=bucket)["Versions"]

    assert (version["VersionId"], version["IsLatest"], version["StorageClass"]) == ("null", True, "STANDARD")
    assert version["Owner"]["ID"] == s3.list_buckets()["Owner"]["ID"]


def test_versions_page_with_key_and_version_id_markers(s3, bucket):
    _enable(s3, bucket)
    ids = [s3.put_object(Bucket=bucket, Key="k", Body=bytes([i]))["VersionId"] for i in range(3)]
    other = s3.put_object(Bucket=bucket, Key="l", Body=b"x")["VersionId"]

    first = s3.list_object_versions(Bucket=bucket, MaxKeys=2)
    second = s3.list_object_versions(
        Bucket=bucket,
        MaxKeys=2,
        KeyMarker=first["NextKeyMarker"],
        VersionIdMarker=first["NextVersionIdMarker"],
    )

    assert [v["VersionId"] for v in first["Versions"]] == [ids[2], ids[1]]
    assert (first["IsTruncated"], first["NextKeyMarker"], first["NextVersionIdMarker"]) == (True, "k", ids[1])
    assert [v["VersionId"] for v in second["Versions"]] == [ids[0], other]
    assert second["IsTruncated"] is False
    assert (second["KeyMarker"], second["VersionIdMarker"]) == ("k", ids[1])


def test_key_marker_alone_skips_every_version_of_that_key(s3, bucket):
    _enable(s3, bucket)
    for body in (b"1", b"2"):
        s3.put_object(Bucket=bucket, Key="k", Body=body)
    s3.put_object(Bucket=bucket, Key="l", Body=b"x")

    assert [row[0] for row in _versions(s3, bucket, KeyMarker="k")] == ["l"]


def test_version_paginator_walks_versions_and_markers(s3, bucket):
    _enable(s3, bucket)
    for key in ("a", "b", "c"):
        s3.put_object(Bucket=bucket, Key=key, Body=b"1")
        s3.delete_object(Bucket=bucket, Key=key)

    pages = s3.get_paginator("list_object_versions").paginate(Bucket=bucket, PaginationConfig={"PageSize": 2})
    seen = []
    for page in pages:
        seen += [(v["Key"], "version") for v in page.get("Versions", [])]
        seen += [(m["Key"], "marker") for m in page.get("DeleteMarkers", [])]

    assert sorted(seen) == [(key, kind) for key in "abc" for kind in ("marker", "version")]


def test_versions_roll_up_into_common_prefixes(s3, bucket):
    _enable(s3, bucket)
    for key in ("d/1", "d/2", "e"):
        s3.put_object(Bucket=bucket, Key=key, Body=b"1")

    page = s3.list_object_versions(Bucket=bucket, Delimiter="/")

    assert [p["Prefix"] for p in page["CommonPrefixes"]] == ["d/"]
    assert [v["Key"] for v in page["Versions"]] == ["e"]


def test_version_id_marker_needs_a_key_marker(s3, bucket):
    with pytest.raises(ClientError) as exc_info:
        s3.list_object_versions(Bucket=bucket, VersionIdMarker="abc")

    assert _error(exc_info) == ("InvalidArgument", 400)
    assert exc_info.value.response["Error"]["Message"] == (
        "A version-id marker cannot be specified without a key marker."
    )


def test_unknown_version_id_marker_is_invalid(s3, bucket):
    s3.put_object(Bucket=bucket, Key="k", Body=b"1")

    with pytest.raises(ClientError) as exc_info:
        s3.list_object_versions(Bucket=bucket, KeyMarker="k", VersionIdMarker="nope")

    assert _error(exc_info) == ("InvalidArgument", 400)
    assert exc_info.value.response["Error"]["Message"] == "Invalid version id specified"


def test_version_pages_ending_on_a_common_prefix_continue_after_it(s3, bucket):
    _enable(s3, bucket)
    for key in ("d/1", "d/1", "d/2", "e", "f/1"):
        s3.put_object(Bucket=bucket, Key=key, Body=b"1")

    seen: list[str] = []
    markers: dict[str, str] = {}
    while True:
        page = s3.list_object_versions(Bucket=bucket, Delimiter="/", MaxKeys=1, **markers)
        seen += [p["Prefix"] for p in page.get("CommonPrefixes", [])]
        seen += [v["Key"] for v in page.get("Versions", [])]
        if not page["IsTruncated"]:
            break
        markers = {"KeyMarker": page["NextKeyMarker"]}
        if "NextVersionIdMarker" in page:
            markers["VersionIdMarker"] = page["NextVersionIdMarker"]

    assert seen == ["d/", "e", "f/"]
