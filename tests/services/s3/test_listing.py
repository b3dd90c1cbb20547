"""ListObjects (V1) and ListObjectsV2: order, prefixes and delimiters, paging, encoding, errors; and a
property: paging through any key set gives exactly the answer computed here."""

from __future__ import annotations

import itertools
import re
from typing import Any

import pytest
from botocore.exceptions import ClientError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.services.s3.conftest import raw_request


def _put(s3: Any, bucket: str, *keys: str) -> None:
    for key in keys:
        s3.put_object(Bucket=bucket, Key=key, Body=b"x")


def _keys(page: dict[str, Any]) -> list[str]:
    return [item["Key"] for item in page.get("Contents", [])]


def _prefixes(page: dict[str, Any]) -> list[str]:
    return [item["Prefix"] for item in page.get("CommonPrefixes", [])]


def _error(exc_info: Any) -> tuple[str, int, str]:
    response = exc_info.value.response
    return (
        response["Error"]["Code"],
        response["ResponseMetadata"]["HTTPStatusCode"],
        response["Error"]["Message"],
    )


# --- ListObjectsV2 --------------------------------------------------------------------------------


def test_empty_bucket_lists_nothing(s3, bucket):
    page = s3.list_objects_v2(Bucket=bucket)

    assert page["KeyCount"] == 0
    assert page["IsTruncated"] is False
    assert page["MaxKeys"] == 1000
    assert page["Prefix"] == ""
    assert "Contents" not in page


def test_keys_sort_in_utf8_byte_order(s3, bucket):
    # UTF-16 would put U+1F600 (a surrogate pair) before U+FF21; UTF-8 puts it after.
    keys = ["\U0001f600", "\uff21", "é", "b", "B", "a"]
    _put(s3, bucket, *keys)

    listed = _keys(s3.list_objects_v2(Bucket=bucket))

    assert listed == sorted(keys, key=lambda k: k.encode("utf-8"))
    assert listed == ["B", "a", "b", "é", "\uff21", "\U0001f600"]


def test_contents_describe_each_object(s3, bucket):
    put = s3.put_object(Bucket=bucket, Key="a.txt", Body=b"hello")

    (item,) = s3.list_objects_v2(Bucket=bucket)["Contents"]

    assert item["Key"] == "a.txt"
    assert item["ETag"] == put["ETag"]
    assert item["Size"] == 5
    assert item["StorageClass"] == "STANDARD"
    assert item["ChecksumType"] == "FULL_OBJECT"
    assert len(item["ChecksumAlgorithm"]) == 1
    assert "Owner" not in item


def test_fetch_owner_adds_the_owner(s3, bucket):
    _put(s3, bucket, "a")
    owner = s3.list_buckets()["Owner"]

    (item,) = s3.list_objects_v2(Bucket=bucket, FetchOwner=True)["Contents"]

    assert item["Owner"]["ID"] == owner["ID"]


def test_prefix_filters_keys(s3, bucket):
    _put(s3, bucket, "logs/1", "logs/2", "logsX", "other")

    page = s3.list_objects_v2(Bucket=bucket, Prefix="logs/")

    assert _keys(page) == ["logs/1", "logs/2"]
    assert page["Prefix"] == "logs/"


def test_delimiter_rolls_keys_up_into_common_prefixes(s3, bucket):
    _put(s3, bucket, "a/1", "a/2", "a/b/3", "b", "c/1")

    page = s3.list_objects_v2(Bucket=bucket, Delimiter="/")

    assert _keys(page) == ["b"]
    assert _prefixes(page) == ["a/", "c/"]
    assert page["KeyCount"] == 3
    assert page["Delimiter"] == "/"


def test_delimiter_applies_after_the_prefix(s3, bucket):
    _put(s3, bucket, "a/1", "a/b/2", "a/b/3", "a/c/4")

    page = s3.list_objects_v2(Bucket=bucket, Prefix="a/", Delimiter="/")

    assert _keys(page) == ["a/1"]
    assert _prefixes(page) == ["a/b/", "a/c/"]


def test_delimiter_of_several_characters(s3, bucket):
    _put(s3, bucket, "x--y--z", "x--w", "xy")

    page = s3.list_objects_v2(Bucket=bucket, Delimiter="--")

    assert _keys(page) == ["xy"]
    assert _prefixes(page) == ["x--"]


def test_max_keys_pages_with_continuation_tokens(s3, bucket):
    _put(s3, bucket, "a", "b", "c")

    first = s3.list_objects_v2(Bucket=bucket, MaxKeys=2)
    second = s3.list_objects_v2(Bucket=bucket, MaxKeys=2, ContinuationToken=first["NextContinuationToken"])

    assert (_keys(first), first["IsTruncated"], first["KeyCount"]) == (["a", "b"], True, 2)
    assert (_keys(second), second["IsTruncated"]) == (["c"], False)
    assert second["ContinuationToken"] == first["NextContinuationToken"]
    assert "NextContinuationToken" not in second


def test_page_of_exactly_max_keys_is_not_truncated(s3, bucket):
    _put(s3, bucket, "a", "b")

    page = s3.list_objects_v2(Bucket=bucket, MaxKeys=2)

    assert page["IsTruncated"] is False
    assert "NextContinuationToken" not in page


def test_common_prefixes_count_toward_max_keys_and_do_not_reappear(s3, bucket):
    _put(s3, bucket, "a/1", "a/2", "a/3", "b/1", "c")

    first = s3.list_objects_v2(Bucket=bucket, Delimiter="/", MaxKeys=1)
    second = s3.list_objects_v2(
        Bucket=bucket, Delimiter="/", MaxKeys=1, ContinuationToken=first["NextContinuationToken"]
    )
    third = s3.list_objects_v2(
        Bucket=bucket, Delimiter="/", MaxKeys=1, ContinuationToken=second["NextContinuationToken"]
    )

    assert (_prefixes(first), _keys(first), first["IsTruncated"]) == (["a/"], [], True)
    assert (_prefixes(second), _keys(second), second["IsTruncated"]) == (["b/"], [], True)
    assert (_prefixes(third), _keys(third), third["IsTruncated"]) == ([], ["c"], False)


def test_max_keys_zero_returns_an_empty_untruncated_page(s3, bucket):
    _put(s3, bucket, "a")

    page = s3.list_objects_v2(Bucket=bucket, MaxKeys=0)

    assert (page["KeyCount"], page["IsTruncated"], page["MaxKeys"]) == (0, False, 0)


def test_negative_max_keys_is_invalid(s3, bucket):
    with pytest.raises(ClientError) as exc_info:
        s3.list_objects_v2(Bucket=bucket, MaxKeys=-1)

    assert _error(exc_info) == (
        "InvalidArgument",
        400,
        "Argument maxKeys must be an integer between 0 and 2147483647",
    )


def test_start_after_skips_keys_up_to_it(s3, bucket):
    _put(s3, bucket, "a", "b", "c")

    page = s3.list_objects_v2(Bucket=bucket, StartAfter="a")

    assert _keys(page) == ["b", "c"]
    assert page["StartAfter"] == "a"


def test_start_after_need_not_be_a_key(s3, bucket):
    _put(s3, bucket, "a", "b", "c")

    assert _keys(s3.list_objects_v2(Bucket=bucket, StartAfter="bb")) == ["c"]


def test_continuation_token_wins_over_start_after(s3, bucket):
    _put(s3, bucket, "a", "b", "c", "d")
    token = s3.list_objects_v2(Bucket=bucket, MaxKeys=2)["NextContinuationToken"]

    page = s3.list_objects_v2(Bucket=bucket, StartAfter="a", ContinuationToken=token)

    assert _keys(page) == ["c", "d"]
    assert page["StartAfter"] == "a"


def test_invalid_continuation_token_is_rejected(s3, bucket):
    with pytest.raises(ClientError) as exc_info:
        s3.list_objects_v2(Bucket=bucket, ContinuationToken="not-a-token")

    assert _error(exc_info) == ("InvalidArgument", 400, "The continuation token provided is incorrect")
    assert exc_info.value.response["Error"]["ArgumentName"] == "continuation-token"


def test_delete_markers_and_deleted_keys_are_not_listed(s3, bucket):
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    _put(s3, bucket, "gone", "kept")
    s3.delete_object(Bucket=bucket, Key="gone")

    assert _keys(s3.list_objects_v2(Bucket=bucket)) == ["kept"]


def test_listing_a_missing_bucket_is_no_such_bucket(s3):
    with pytest.raises(ClientError) as exc_info:
        s3.list_objects_v2(Bucket="nothing-here")

    assert _error(exc_info) == ("NoSuchBucket", 404, "The specified bucket does not exist")
    assert exc_info.value.response["Error"]["BucketName"] == "nothing-here"


def test_keys_round_trip_through_boto3_url_encoding(s3, bucket):
    keys = ["a b", "a+b", "100%", "é/ü", "q?x=1&y", "<tag>"]
    _put(s3, bucket, *keys)

    listed = _keys(s3.list_objects_v2(Bucket=bucket))

    assert listed == sorted(keys, key=lambda k: k.encode("utf-8"))


def test_encoding_type_url_encodes_names_on_the_wire(cloudlet, s3, bucket):
    _put(s3, bucket, "a b/c", "a+b", "é")

    status, _, body = raw_request(
        cloudlet, "GET", f"/{bucket}?list-type=2&encoding-type=url&delimiter=%2F&start-after=%2B"
    )
    text = body.decode()

    assert status == 200
    assert re.findall(r"<Key>([^<]*)</Key>", text) == ["a%2Bb", "%C3%A9"]
    assert "<CommonPrefixes><Prefix>a+b/</Prefix></CommonPrefixes>" in text
    assert "<StartAfter>%2B</StartAfter>" in text
    assert "<EncodingType>url</EncodingType>" in text


def test_without_encoding_type_names_are_plain_xml_text(cloudlet, s3, bucket):
    _put(s3, bucket, "a b&c")

    _, _, body = raw_request(cloudlet, "GET", f"/{bucket}?list-type=2")

    assert "<Key>a b&amp;c</Key>" in body.decode()
    assert "<EncodingType>" not in body.decode()


def test_unknown_encoding_type_is_rejected(s3, bucket):
    with pytest.raises(ClientError) as exc_info:
        s3.list_objects_v2(Bucket=bucket, EncodingType="base64")

    assert _error(exc_info)[:2] == ("InvalidArgument", 400)


# --- ListObjects (V1) -----------------------------------------------------------------------------


def test_v1_lists_with_owner_and_an_empty_marker(s3, bucket):
    _put(s3, bucket, "a")

    page = s3.list_objects(Bucket=bucket)

    assert _keys(page) == ["a"]
    assert page["Marker"] == ""
    assert page["Contents"][0]["Owner"]["ID"] == s3.list_buckets()["Owner"]["ID"]
    assert "NextMarker" not in page


def test_v1_marker_continues_after_a_key(s3, bucket):
    _put(s3, bucket, "a", "b", "c")

    first = s3.list_objects(Bucket=bucket, MaxKeys=2)
    second = s3.list_objects(Bucket=bucket, Marker=_keys(first)[-1])

    assert (first["IsTruncated"], "NextMarker" in first) == (True, False)
    assert _keys(second) == ["c"]
    assert second["Marker"] == "b"


def test_v1_next_marker_is_given_with_a_delimiter(s3, bucket):
    _put(s3, bucket, "a/1", "a/2", "b")

    first = s3.list_objects(Bucket=bucket, Delimiter="/", MaxKeys=1)
    second = s3.list_objects(Bucket=bucket, Delimiter="/", MaxKeys=1, Marker=first["NextMarker"])

    assert (_prefixes(first), first["NextMarker"]) == (["a/"], "a/")
    assert (_keys(second), _prefixes(second), second["IsTruncated"]) == (["b"], [], False)


def test_v1_paginator_walks_every_key(s3, bucket):
    keys = [f"k{i:02d}" for i in range(7)]
    _put(s3, bucket, *keys)

    pages = s3.get_paginator("list_objects").paginate(Bucket=bucket, PaginationConfig={"PageSize": 3})

    assert [k for page in pages for k in _keys(page)] == keys


def test_v2_paginator_walks_every_key(s3, bucket):
    keys = [f"k{i:02d}" for i in range(7)]
    _put(s3, bucket, *keys)

    pages = s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, PaginationConfig={"PageSize": 3})

    assert [k for page in pages for k in _keys(page)] == keys


# --- property -------------------------------------------------------------------------------------

_ALPHABET = ["a", "b", "/", "é", "\uff21", "\U0001f600", " ", "+"]
_key = st.lists(st.sampled_from(_ALPHABET), min_size=1, max_size=5).map("".join)
_bucket_numbers = itertools.count()


def model_listing(keys: set[str], prefix: str, delimiter: str) -> list[tuple[str, str]]:
    """The entries S3 lists, in order: ("key", k) or ("prefix", p)."""
    out: list[tuple[str, str]] = []
    for key in sorted(keys, key=lambda k: k.encode("utf-8")):
        if not key.startswith(prefix):
            continue
        at = key.find(delimiter, len(prefix)) if delimiter else -1
        if at < 0:
            out.append(("key", key))
        elif not out or out[-1] != ("prefix", key[: at + len(delimiter)]):
            out.append(("prefix", key[: at + len(delimiter)]))
    return out


def _page_entries(page: dict[str, Any]) -> list[tuple[str, str]]:
    entries = [("key", k) for k in _keys(page)] + [("prefix", p) for p in _prefixes(page)]
    return sorted(entries, key=lambda entry: entry[1].encode("utf-8"))


@settings(max_examples=30, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    keys=st.sets(_key, max_size=12),
    prefix=st.lists(st.sampled_from(_ALPHABET), max_size=2).map("".join),
    delimiter=st.sampled_from(["", "/", "a", "é/", "\U0001f600"]),
    max_keys=st.integers(min_value=1, max_value=4),
)
def test_paging_matches_the_model(s3, keys, prefix, delimiter, max_keys):
    name = f"prop-{next(_bucket_numbers)}"
    s3.create_bucket(Bucket=name)
    _put(s3, name, *keys)
    expected = model_listing(keys, prefix, delimiter)

    v2: list[tuple[str, str]] = []
    token: dict[str, str] = {}
    while True:
        page = s3.list_objects_v2(Bucket=name, Prefix=prefix, Delimiter=delimiter, MaxKeys=max_keys, **token)
        entries = _page_entries(page)
        assert page["KeyCount"] == len(entries) <= max_keys
        v2 += entries
        if not page["IsTruncated"]:
            break
        token = {"ContinuationToken": page["NextContinuationToken"]}

    v1: list[tuple[str, str]] = []
    marker = ""
    while True:
        page = s3.list_objects(
            Bucket=name, Prefix=prefix, Delimiter=delimiter, MaxKeys=max_keys, Marker=marker
        )
        entries = _page_entries(page)
        assert len(entries) <= max_keys
        v1 += entries
        if not page["IsTruncated"]:
            break
        marker = page["NextMarker"] if delimiter else entries[-1][1]

    assert v2 == expected
    assert v1 == expected
