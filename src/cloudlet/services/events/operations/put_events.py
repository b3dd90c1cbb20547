"""PutEvents: the request-wide size limit here, per-entry checks and delivery in `events.api`."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from cloudlet.services.events import api
from cloudlet.services.events.errors import ValidationException
from cloudlet.services.events.operations.common import state

if TYPE_CHECKING:
    from cloudlet.gateway.context import RequestContext

__all__ = ["put_events"]

MAX_REQUEST_BYTES = 256 * 1024
TIME_BYTES = 14  # eb-putevent-size.html: "If specified, the Time parameter is 14 bytes"


def entry_size(entry: dict[str, Any]) -> int:
    """AWS's PutEventsRequestEntry size (eb-putevent-size.html): Time counts 14 bytes; Source,
    DetailType, Detail and each Resources item their UTF-8 length."""
    size = TIME_BYTES if entry.get("Time") is not None else 0
    for member in ("Source", "DetailType", "Detail"):
        value = entry.get(member)
        if isinstance(value, str):
            size += len(value.encode())
    for resource in entry.get("Resources") or ():
        if isinstance(resource, str):
            size += len(resource.encode())
    return size


def put_events(ctx: RequestContext, request: dict[str, Any]) -> dict[str, Any]:
    """Raises: ValidationException when the entries total more than 256 KB."""
    entries: list[dict[str, Any]] = request["Entries"]
    if sum(entry_size(entry) for entry in entries) > MAX_REQUEST_BYTES:
        raise ValidationException("Total size of the entries in the request is over the limit.")
    with state(ctx).db.transaction() as tx:
        results = api.put_events(ctx.app, tx, ctx.account_id, ctx.region, entries, trusted=False)
    return {"FailedEntryCount": sum(1 for r in results if "ErrorCode" in r), "Entries": results}
