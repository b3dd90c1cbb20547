"""Presigned URLs: query-string authentication parameters checked for form and expiry against the
App's clock, for every S3 request, before validation.

SigV4 (`X-Amz-Date` + `X-Amz-Expires`, at most 604800 s) and SigV2 (`Expires`, epoch seconds) are
supported ("Authenticating Requests: Using Query Parameters" in the S3 API Reference). Signatures are
not verified.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from cloudlet.services.s3.errors import AccessDenied, AuthorizationQueryParametersError

if TYPE_CHECKING:
    from cloudlet.gateway.context import RequestContext

MAX_EXPIRES_S = 604_800
"""A SigV4 presigned URL lives at most seven days."""
SIGV4_PARAMS = (
    "X-Amz-Algorithm",
    "X-Amz-Credential",
    "X-Amz-Signature",
    "X-Amz-Date",
    "X-Amz-SignedHeaders",
    "X-Amz-Expires",
)
SIGV2_PARAMS = ("AWSAccessKeyId", "Signature", "Expires")
_AMZ_DATE = "%Y%m%dT%H%M%SZ"


def _iso(t: float) -> str:
    return datetime.fromtimestamp(t, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def prepare(ctx: RequestContext, params: dict[str, Any]) -> None:
    """Raises: AuthorizationQueryParametersError (malformed SigV4 query), AccessDenied ("Request has
    expired", incomplete SigV2 query)."""
    query_string = ctx.request.query_string
    if "X-Amz-" not in query_string and "Expires" not in query_string:
        return
    query = ctx.request.query
    if any(name in query for name in SIGV4_PARAMS):
        _check_sigv4(ctx, query)
    elif any(name in query for name in SIGV2_PARAMS):
        _check_sigv2(ctx, query)


def _check_sigv4(ctx: RequestContext, query: Any) -> None:
    if not all(name in query for name in SIGV4_PARAMS):
        raise AuthorizationQueryParametersError(
            "Query-string authentication version 4 requires the X-Amz-Algorithm, X-Amz-Credential,"
            " X-Amz-Signature, X-Amz-Date, X-Amz-SignedHeaders, and X-Amz-Expires parameters."
        )
    try:
        signed = datetime.strptime(query.get("X-Amz-Date") or "", _AMZ_DATE).replace(tzinfo=UTC).timestamp()
    except ValueError:
        raise AuthorizationQueryParametersError(
            "X-Amz-Date must be in the ISO8601 Long Format \"yyyyMMdd'T'HHmmss'Z'\""
        ) from None
    text = query.get("X-Amz-Expires") or ""
    try:
        expires_in = int(text)
    except ValueError:
        raise AuthorizationQueryParametersError("X-Amz-Expires should be a number") from None
    if expires_in < 0:
        raise AuthorizationQueryParametersError("X-Amz-Expires must be non-negative")
    if expires_in > MAX_EXPIRES_S:
        raise AuthorizationQueryParametersError(
            "X-Amz-Expires must be less than a week (in seconds); that is, the given X-Amz-Expires must be"
            f" less than {MAX_EXPIRES_S} seconds"
        )
    now = ctx.app.clock.now()
    if now > signed + expires_in:
        raise AccessDenied(
            "Request has expired",
            **{
                "X-Amz-Expires": str(expires_in),
                "Expires": _iso(signed + expires_in),
                "ServerTime": _iso(now),
            },
        )


def _check_sigv2(ctx: RequestContext, query: Any) -> None:
    if not all(name in query for name in SIGV2_PARAMS):
        raise AccessDenied(
            "Query-string authentication requires the Signature, Expires and AWSAccessKeyId parameters"
        )
    try:
        expires = int(query.get("Expires") or "")
    except ValueError:
        raise AccessDenied(
            "Invalid date (should be seconds since epoch)", Expires=query.get("Expires")
        ) from None
    now = ctx.app.clock.now()
    if now > expires:
        raise AccessDenied("Request has expired", Expires=_iso(expires), ServerTime=_iso(now))
