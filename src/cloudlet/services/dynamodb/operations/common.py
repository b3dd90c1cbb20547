"""Helpers shared by the DynamoDB operation modules."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from cloudlet.gateway.context import RequestContext
    from cloudlet.services.dynamodb.engine import Dynamo


def state(ctx: RequestContext) -> Dynamo:
    return ctx.app.service("dynamodb").state
