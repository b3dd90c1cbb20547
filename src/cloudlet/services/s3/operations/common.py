"""Helpers shared by the S3 operation modules: the service state, and request members every
operation reads the same way."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from cloudlet.services.s3.errors import InvalidRequest

if TYPE_CHECKING:
    from cloudlet.gateway.context import RequestContext
    from cloudlet.services.s3.engine import S3


def state(ctx: RequestContext) -> S3:
    return ctx.app.service("s3").state


def bucket_name(req: dict[str, Any]) -> str:
    return req["Bucket"]


def reject_sse_c(req: dict[str, Any]) -> None:
    """Customer-provided encryption keys (SSE-C) need HTTPS on AWS and are not supported here."""
    if req.get("SSECustomerAlgorithm") or req.get("SSECustomerKey"):
        raise InvalidRequest(
            "Requests specifying Server Side Encryption with Customer provided keys must be made over a"
            " secure connection."
        )
