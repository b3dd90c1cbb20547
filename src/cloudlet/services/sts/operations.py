"""STS operations."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from cloudlet.core.arns import build_arn

if TYPE_CHECKING:
    from cloudlet.gateway.context import RequestContext


def get_caller_identity(ctx: RequestContext, request: dict[str, Any]) -> dict[str, Any]:
    # Root credentials: UserId is the account id and the ARN is the account root
    # (https://docs.aws.amazon.com/STS/latest/APIReference/API_GetCallerIdentity.html).
    return {
        "UserId": ctx.account_id,
        "Account": ctx.account_id,
        "Arn": build_arn("iam", "", ctx.account_id, "root"),
    }
