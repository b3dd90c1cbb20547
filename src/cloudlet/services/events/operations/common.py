"""Helpers shared by the EventBridge operation modules."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from cloudlet.gateway.context import RequestContext
    from cloudlet.services.events.engine import Events


def state(ctx: RequestContext) -> Events:
    return ctx.app.service("events").state
