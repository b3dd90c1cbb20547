"""Object and bucket tag sets: the `x-amz-tagging` header form and AWS's limits (S3 "Categorizing
your storage using tags": ≤ 10 tags per object, key ≤ 128 and value ≤ 256 Unicode characters,
keys unique, `aws:` prefix reserved)."""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import parse_qsl

from cloudlet.services.s3.errors import InvalidArgument, InvalidTag

MAX_OBJECT_TAGS = 10
MAX_BUCKET_TAGS = 50


def parse_header(text: str | None) -> list[list[str]]:
    """`k1=v1&k2=v2` (URL-encoded) → [[k1, v1], [k2, v2]], validated."""
    if not text:
        return []
    pairs = [[k, v] for k, v in parse_qsl(text, keep_blank_values=True)]
    if len({k for k, _ in pairs}) != len(pairs):
        raise InvalidArgument(
            "The header 'x-amz-tagging' shall be encoded as UTF-8 then URLEncoded URL query parameters"
            " without tag name duplicates."
        )
    validate(pairs, MAX_OBJECT_TAGS)
    return pairs


def from_tag_set(tag_set: Iterable[dict[str, str]], limit: int) -> list[list[str]]:
    pairs = [[tag.get("Key", ""), tag.get("Value", "")] for tag in tag_set]
    validate(pairs, limit)
    return pairs


def to_tag_set(pairs: list[list[str]]) -> list[dict[str, str]]:
    return [{"Key": k, "Value": v} for k, v in pairs]


def validate(pairs: list[list[str]], limit: int) -> None:
    if len(pairs) > limit:
        if limit == MAX_OBJECT_TAGS:
            raise InvalidTag("Object tags cannot be greater than 10")
        raise InvalidTag(f"Bucket tag count cannot be greater than {limit}")
    seen: set[str] = set()
    for key, value in pairs:
        if not key or len(key) > 128:
            raise InvalidTag("The TagKey you have provided is invalid", TagKey=key)
        if len(value) > 256:
            raise InvalidTag("The TagValue you have provided is invalid", TagKey=key, TagValue=value)
        if key.lower().startswith("aws:"):
            raise InvalidTag("Your TagKey cannot be prefixed with aws:", TagKey=key)
        if key in seen:
            raise InvalidTag("Cannot provide multiple Tags with the same key", TagKey=key)
        seen.add(key)
