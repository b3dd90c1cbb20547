"""ARN building and parsing (`arn:partition:service:region:account:resource`) and account-id checks."""

from __future__ import annotations

import re
from typing import NamedTuple

__all__ = ["Arn", "build_arn", "is_account_id", "parse_arn"]

_ACCOUNT_ID = re.compile(r"[0-9]{12}")


class Arn(NamedTuple):
    partition: str
    service: str
    region: str
    account: str
    resource: str

    def __str__(self) -> str:
        return build_arn(self.service, self.region, self.account, self.resource, self.partition)


def build_arn(service: str, region: str, account: str, resource: str, partition: str = "aws") -> str:
    """Join the parts; region and account may be empty (S3: `arn:aws:s3:::bucket`).

    Raises ValueError when partition, service or resource is empty, or a part other than the resource
    contains ':'.
    """
    for name, value in (
        ("partition", partition),
        ("service", service),
        ("region", region),
        ("account", account),
    ):
        if ":" in value:
            raise ValueError(f"ARN {name} must not contain ':': {value!r}")
    if not partition or not service or not resource:
        raise ValueError("ARN partition, service and resource must be non-empty")
    return f"arn:{partition}:{service}:{region}:{account}:{resource}"


def parse_arn(arn: str) -> Arn:
    """Split an ARN into its parts; the resource keeps any further ':' or '/'.

    Raises ValueError for anything that is not `arn:<partition>:<service>:<region>:<account>:<resource>`
    with non-empty partition, service and resource.
    """
    if not isinstance(arn, str):
        raise ValueError(f"ARN must be a string, not {type(arn).__name__}")
    parts = arn.split(":", 5)
    if len(parts) != 6 or parts[0] != "arn":
        raise ValueError(f"malformed ARN: {arn!r}")
    _, partition, service, region, account, resource = parts
    if not partition or not service or not resource:
        raise ValueError(f"malformed ARN (empty partition, service or resource): {arn!r}")
    return Arn(partition, service, region, account, resource)


def is_account_id(s: str) -> bool:
    """Exactly 12 ASCII digits."""
    return isinstance(s, str) and _ACCOUNT_ID.fullmatch(s) is not None
