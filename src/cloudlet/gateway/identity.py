"""Account and region of a request, from its SigV4 credential (header or presigned query).

A 12-digit access key id is taken as the account id, so two tenants can share one endpoint;
any other key maps to the default account. Signatures are not verified.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from cloudlet.core.arns import is_account_id
from cloudlet.protocol.http import HttpRequest

_CREDENTIAL_RE = re.compile(r"Credential=([^/,\s]+)/(\d{8})/([^/,\s]+)/([^/,\s]+)/aws4_request")
_SIGV2_RE = re.compile(r"^AWS ([^:\s]+):")


@dataclass(frozen=True, slots=True)
class Credential:
    access_key_id: str
    region: str | None
    service: str | None
    """The SigV4 scope's signing name (`sqs`, `s3`, `monitoring` ...); None for SigV2/anonymous."""


def credential_of(request: HttpRequest) -> Credential | None:
    """The credential scope in `Authorization` or in a presigned URL's `X-Amz-Credential`."""
    auth = request.headers.get("authorization")
    if auth:
        match = _CREDENTIAL_RE.search(auth)
        if match:
            return Credential(match.group(1), match.group(3), match.group(4))
        match = _SIGV2_RE.match(auth)
        if match:
            return Credential(match.group(1), None, None)
    if "X-Amz-Credential" in request.query_string or "AWSAccessKeyId" in request.query_string:
        query = request.query
        scope = query.get("X-Amz-Credential")
        if scope:
            parts = scope.split("/")
            if len(parts) == 5:
                return Credential(parts[0], parts[2], parts[3])
        key = query.get("AWSAccessKeyId")
        if key:
            return Credential(key, None, None)
    return None


def account_for(access_key_id: str | None, default_account: str) -> str:
    if access_key_id and is_account_id(access_key_id):
        return access_key_id
    return default_account
