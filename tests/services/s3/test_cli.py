"""The AWS CLI (v1) against cloudlet's S3: `aws s3` transfers (multipart up, ranged down, server-side
multipart copy), sync both ways, mv, rm --recursive, ls, and a few `aws s3api` calls."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Any

import pytest

from tests.awscli import aws, aws_json

MIB = 1024 * 1024
BIG = 20 * MIB
"""Above the CLI's 8 MB multipart threshold: three parts of its 8 MB chunks."""


def _ok(cloudlet: Any, tmp_path: Path, *args: str) -> str:
    done = aws(cloudlet, tmp_path, "s3", *args)
    assert done.returncode == 0, done.stderr
    return done.stdout


def _big_file(path: Path) -> bytes:
    data = os.urandom(MIB) * (BIG // MIB)
    path.write_bytes(data)
    return data


def _keys(s3: Any, bucket: str) -> list[str]:
    return [item["Key"] for item in s3.list_objects_v2(Bucket=bucket).get("Contents", [])]


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    root = tmp_path / "tree"
    (root / "docs").mkdir(parents=True)
    (root / "a.txt").write_bytes(b"alpha")
    (root / "docs" / "b.txt").write_bytes(b"bravo")
    return root


def test_cp_uploads_a_large_file_in_parts(cloudlet, s3, bucket, tmp_path):
    data = _big_file(tmp_path / "big.bin")
    _ok(cloudlet, tmp_path, "cp", str(tmp_path / "big.bin"), f"s3://{bucket}/big.bin")
    got = s3.get_object(Bucket=bucket, Key="big.bin")
    assert got["ETag"].endswith('-3"')
    assert hashlib.md5(got["Body"].read()).digest() == hashlib.md5(data).digest()


def test_cp_downloads_what_it_uploaded_in_parts(cloudlet, bucket, tmp_path):
    data = _big_file(tmp_path / "big.bin")
    _ok(cloudlet, tmp_path, "cp", str(tmp_path / "big.bin"), f"s3://{bucket}/big.bin")
    _ok(cloudlet, tmp_path, "cp", f"s3://{bucket}/big.bin", str(tmp_path / "back.bin"))
    assert (tmp_path / "back.bin").read_bytes() == data


def test_cp_downloads_a_large_object(cloudlet, s3, bucket, tmp_path):
    data = os.urandom(MIB) * (BIG // MIB)
    s3.put_object(Bucket=bucket, Key="big.bin", Body=data)
    _ok(cloudlet, tmp_path, "cp", f"s3://{bucket}/big.bin", str(tmp_path / "out.bin"))
    assert (tmp_path / "out.bin").read_bytes() == data


def test_cp_between_buckets_copies_large_objects_in_parts(cloudlet, s3, bucket, tmp_path):
    data = _big_file(tmp_path / "big.bin")
    s3.put_object(Bucket=bucket, Key="big.bin", Body=data)
    s3.create_bucket(Bucket="backup")
    _ok(cloudlet, tmp_path, "cp", f"s3://{bucket}/big.bin", "s3://backup/big.bin")
    got = s3.get_object(Bucket="backup", Key="big.bin")
    assert got["ETag"].endswith('-3"')  # assembled by UploadPartCopy, not downloaded and uploaded
    assert got["Body"].read() == data


def test_sync_uploads_a_directory(cloudlet, s3, bucket, tmp_path, tree):
    _ok(cloudlet, tmp_path, "sync", str(tree), f"s3://{bucket}/site")
    assert _keys(s3, bucket) == ["site/a.txt", "site/docs/b.txt"]


def test_sync_uploads_only_what_is_missing(cloudlet, s3, bucket, tmp_path, tree):
    cloudlet.clock.advance(60)  # the uploads happen after the files were written, as in life
    _ok(cloudlet, tmp_path, "sync", str(tree), f"s3://{bucket}/site")
    (tree / "c.txt").write_bytes(b"charlie")
    out = _ok(cloudlet, tmp_path, "sync", str(tree), f"s3://{bucket}/site")
    uploaded = [line.split()[-1] for line in out.splitlines() if line.startswith("upload:")]
    assert uploaded == [f"s3://{bucket}/site/c.txt"]


def test_sync_downloads_a_prefix(cloudlet, s3, bucket, tmp_path):
    for key in ("site/a.txt", "site/docs/b.txt", "other.txt"):
        s3.put_object(Bucket=bucket, Key=key, Body=key.encode())
    _ok(cloudlet, tmp_path, "sync", f"s3://{bucket}/site", str(tmp_path / "out"))
    found = sorted(str(p.relative_to(tmp_path / "out")) for p in (tmp_path / "out").rglob("*") if p.is_file())
    assert found == ["a.txt", "docs/b.txt"]
    assert (tmp_path / "out" / "docs" / "b.txt").read_bytes() == b"site/docs/b.txt"


def test_mv_between_buckets_moves_the_object(cloudlet, s3, bucket, tmp_path):
    s3.put_object(Bucket=bucket, Key="k.txt", Body=b"moving")
    s3.create_bucket(Bucket="target")
    _ok(cloudlet, tmp_path, "mv", f"s3://{bucket}/k.txt", "s3://target/k.txt")
    assert (_keys(s3, bucket), s3.get_object(Bucket="target", Key="k.txt")["Body"].read()) == ([], b"moving")


def test_mv_uploads_and_removes_the_local_file(cloudlet, s3, bucket, tmp_path):
    (tmp_path / "f.txt").write_bytes(b"local")
    _ok(cloudlet, tmp_path, "mv", str(tmp_path / "f.txt"), f"s3://{bucket}/f.txt")
    assert (_keys(s3, bucket), (tmp_path / "f.txt").exists()) == (["f.txt"], False)


def test_rm_recursive_removes_a_prefix(cloudlet, s3, bucket, tmp_path):
    for key in ("logs/1", "logs/deep/2", "keep"):
        s3.put_object(Bucket=bucket, Key=key, Body=b"x")
    _ok(cloudlet, tmp_path, "rm", f"s3://{bucket}/logs/", "--recursive")
    assert _keys(s3, bucket) == ["keep"]


def test_ls_lists_objects_and_prefixes(cloudlet, s3, bucket, tmp_path):
    s3.put_object(Bucket=bucket, Key="top.txt", Body=b"12345")
    s3.put_object(Bucket=bucket, Key="dir/inner.txt", Body=b"x")
    lines = _ok(cloudlet, tmp_path, "ls", f"s3://{bucket}/").splitlines()
    assert [line.split()[-1] for line in lines] == ["dir/", "top.txt"]
    assert lines[1].split()[-2] == "5"


def test_ls_lists_buckets(cloudlet, s3, bucket, tmp_path):
    assert _ok(cloudlet, tmp_path, "ls").split()[-1] == bucket


def test_s3api_put_get_and_list(cloudlet, bucket, tmp_path):
    (tmp_path / "in.txt").write_bytes(b"via s3api")
    put = aws_json(
        cloudlet,
        tmp_path,
        "s3api",
        "put-object",
        "--bucket",
        bucket,
        "--key",
        "k",
        "--body",
        str(tmp_path / "in.txt"),
    )
    got = aws_json(
        cloudlet, tmp_path, "s3api", "get-object", "--bucket", bucket, "--key", "k", str(tmp_path / "out.txt")
    )
    listed = aws_json(cloudlet, tmp_path, "s3api", "list-objects-v2", "--bucket", bucket)
    assert (got["ETag"], got["ContentLength"]) == (put["ETag"], 9)
    assert (tmp_path / "out.txt").read_bytes() == b"via s3api"
    assert [(o["Key"], o["Size"]) for o in listed["Contents"]] == [("k", 9)]
