"""Bucket naming rules for general purpose buckets (AWS "Bucket naming rules" page) and key limits."""

from __future__ import annotations

import re

from cloudlet.services.s3.errors import InvalidBucketName, KeyTooLongError

_BUCKET_RE = re.compile(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")
_IP_RE = re.compile(r"^\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}$")
_BAD_PREFIXES = ("xn--", "sthree-", "amzn-s3-demo-")
_BAD_SUFFIXES = ("-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3")
MAX_KEY_BYTES = 1024


def check_bucket_name(name: str) -> None:
    """Raises InvalidBucketName for a name S3 refuses at CreateBucket."""
    if (
        not _BUCKET_RE.match(name)
        or ".." in name
        or _IP_RE.match(name)
        or name.startswith(_BAD_PREFIXES)
        or name.endswith(_BAD_SUFFIXES)
    ):
        raise InvalidBucketName("The specified bucket is not valid.", BucketName=name)


def check_key(key: str) -> None:
    if len(key.encode("utf-8")) > MAX_KEY_BYTES:
        raise KeyTooLongError(
            "Your key is too long", Size=str(len(key.encode("utf-8"))), MaxSizeAllowed="1024"
        )
