"""Archive and replay operations: CreateArchive, DescribeArchive, UpdateArchive, DeleteArchive,
ListArchives, StartReplay, DescribeReplay, ListReplays, CancelReplay. Capturing events, retention and
running replays happen in `archives.py`."""

from __future__ import annotations

import re
from datetime import datetime
from typing import TYPE_CHECKING, Any

from cloudlet.core.patterns import PatternError, compile_pattern
from cloudlet.services.events import archives, engine, store
from cloudlet.services.events.errors import (
    IllegalStatusException,
    InvalidEventPatternException,
    LimitExceededException,
    ResourceAlreadyExistsException,
    ResourceNotFoundException,
    ValidationException,
)
from cloudlet.services.events.operations.buses import page
from cloudlet.services.events.operations.common import state

if TYPE_CHECKING:
    import sqlite3

    from cloudlet.core.db import Tx
    from cloudlet.gateway.context import RequestContext

__all__ = [
    "cancel_replay",
    "create_archive",
    "delete_archive",
    "describe_archive",
    "describe_replay",
    "list_archives",
    "list_replays",
    "start_replay",
    "update_archive",
]

# The model's name patterns (ArchiveName, ReplayName); the generic validator does not check patterns.
_NAME_PATTERN = r"[\.\-_A-Za-z0-9]+"
_NAME_RE = re.compile(_NAME_PATTERN)


def _check_name(value: str, member: str) -> None:
    if not _NAME_RE.fullmatch(value):
        raise ValidationException(
            f"1 validation error detected: Value '{value}' at '{member}' failed to satisfy constraint:"
            f" Member must satisfy regular expression pattern: {_NAME_PATTERN}"
        )


def _check_pattern(text: str) -> None:
    """Raises: InvalidEventPatternException with AWS's reason."""
    try:
        compile_pattern(text, flavor="eventbridge")
    except PatternError as exc:
        raise InvalidEventPatternException(exc.message) from None


def _one_filter(request: dict[str, Any], operation: str) -> None:
    given = [m for m in ("NamePrefix", "EventSourceArn", "State") if request.get(m) is not None]
    if len(given) > 1:
        raise ValidationException(
            f"At most one filter is allowed for {operation}."
            " Use either : State, EventSourceArn, or NamePrefix."
        )


def _source_bus(ctx: RequestContext, conn: sqlite3.Connection | Tx, arn: str, member: str) -> store.Bus:
    """The bus an event-bus ARN names, in the caller's account and Region.

    Raises: ValidationException (not an event-bus ARN), ResourceNotFoundException.
    """
    if ":event-bus/" not in arn:
        raise ValidationException(f"Parameter {member} is not valid. Reason: Must contain an event bus ARN.")
    name = arn.split(":event-bus/", 1)[1]
    bus = None
    if arn == engine.bus_arn(ctx.account_id, ctx.region, name):
        bus = state(ctx).bus(conn, ctx.account_id, ctx.region, name)
    if bus is None:
        raise ResourceNotFoundException(f"Event bus {name} does not exist.")
    return bus


def _require_archive(ctx: RequestContext, conn: sqlite3.Connection | Tx, name: str) -> store.Archive:
    found = store.get_archive(conn, archives.archive_arn(ctx.account_id, ctx.region, name))
    if found is None:
        raise ResourceNotFoundException(f"Archive {name} does not exist.")
    return found


# --- archives -----------------------------------------------------------------------------------------------


def create_archive(ctx: RequestContext, request: dict[str, Any]) -> dict[str, Any]:
    name = request["ArchiveName"]
    _check_name(name, "archiveName")
    pattern = request.get("EventPattern") or None
    if pattern is not None:
        _check_pattern(pattern)
    events = state(ctx)
    with events.db.transaction() as tx:
        bus = _source_bus(ctx, tx, request["EventSourceArn"], "EventSourceArn")
        arn = archives.archive_arn(ctx.account_id, ctx.region, name)
        if store.get_archive(tx, arn) is not None:
            raise ResourceAlreadyExistsException(f"Archive {name} already exists.")
        archive = store.Archive(
            arn,
            ctx.account_id,
            ctx.region,
            name,
            bus.arn,
            request.get("Description") or None,
            pattern,
            request.get("RetentionDays") or 0,
            "ENABLED",
            events.clock.now(),
        )
        store.put_archive(tx, archive)
    return {"ArchiveArn": arn, "State": archive.state, "CreationTime": archive.created_at}


def _describe(archive: store.Archive, stats: tuple[int, int]) -> dict[str, Any]:
    out: dict[str, Any] = {
        "ArchiveArn": archive.arn,
        "ArchiveName": archive.name,
        "EventSourceArn": archive.source_arn,
    }
    if archive.description:
        out["Description"] = archive.description
    if archive.event_pattern:
        out["EventPattern"] = archive.event_pattern
    out["State"] = archive.state
    out["RetentionDays"] = archive.retention_days
    out["SizeBytes"] = stats[1]
    out["EventCount"] = stats[0]
    out["CreationTime"] = archive.created_at
    return out


def describe_archive(ctx: RequestContext, request: dict[str, Any]) -> dict[str, Any]:
    with state(ctx).db.read() as conn:
        archive = _require_archive(ctx, conn, request["ArchiveName"])
        stats = store.archive_stats(conn, [archive.arn]).get(archive.arn, (0, 0))
    return _describe(archive, stats)


def update_archive(ctx: RequestContext, request: dict[str, Any]) -> dict[str, Any]:
    pattern = request.get("EventPattern")
    if pattern:
        _check_pattern(pattern)
    events = state(ctx)
    with events.db.transaction() as tx:
        archive = _require_archive(ctx, tx, request["ArchiveName"])
        if "Description" in request:
            archive.description = request["Description"] or None
        if pattern is not None:
            archive.event_pattern = pattern or None
        if request.get("RetentionDays") is not None:
            archive.retention_days = request["RetentionDays"]
        store.put_archive(tx, archive)
        archives.schedule_retention(tx, events, archive)
    return {"ArchiveArn": archive.arn, "State": archive.state, "CreationTime": archive.created_at}


def delete_archive(ctx: RequestContext, request: dict[str, Any]) -> None:
    events = state(ctx)
    with events.db.transaction() as tx:
        archive = _require_archive(ctx, tx, request["ArchiveName"])
        store.delete_archive(tx, archive.arn)
        events.timers.cancel(tx, archives.ARCHIVE_TIMER, archive.arn)


def list_archives(ctx: RequestContext, request: dict[str, Any]) -> dict[str, Any]:
    _one_filter(request, "ListArchives")
    prefix, source, wanted = request.get("NamePrefix"), request.get("EventSourceArn"), request.get("State")
    with state(ctx).db.read() as conn:
        if source is not None:
            source = _source_bus(ctx, conn, source, "EventSourceArn").arn
        found = [
            a
            for a in store.list_archives(conn, ctx.account_id, ctx.region)
            if (prefix is None or a.name.startswith(prefix))
            and (source is None or a.source_arn == source)
            and (wanted is None or a.state == wanted)
        ]
        chosen, token = page(found, request.get("NextToken"), request.get("Limit"))
        stats = store.archive_stats(conn, [a.arn for a in chosen])
    listed = []
    for archive in chosen:
        full = _describe(archive, stats.get(archive.arn, (0, 0)))
        listed.append({k: v for k, v in full.items() if k in _LISTED_ARCHIVE})
    out: dict[str, Any] = {"Archives": listed}
    if token:
        out["NextToken"] = token
    return out


_LISTED_ARCHIVE = (
    "ArchiveName",
    "EventSourceArn",
    "State",
    "StateReason",
    "RetentionDays",
    "SizeBytes",
    "EventCount",
    "CreationTime",
)


# --- replays ------------------------------------------------------------------------------------------------


def _epoch(value: Any) -> float:
    return value.timestamp() if isinstance(value, datetime) else float(value)


def _require_replay(ctx: RequestContext, conn: sqlite3.Connection | Tx, name: str) -> dict[str, Any]:
    found = store.get_replay(conn, archives.replay_arn(ctx.account_id, ctx.region, name))
    if found is None:
        raise ResourceNotFoundException(f"Replay {name} does not exist.")
    return found


def _check_filters(ctx: RequestContext, tx: Tx, bus: store.Bus, filters: list[str]) -> None:
    """Check that every FilterArns entry is a rule of the destination bus.

    Raises: ValidationException, ResourceNotFoundException.
    """
    for arn in filters:
        name = arn.rsplit("/", 1)[-1]
        if arn != engine.rule_arn(ctx.account_id, ctx.region, bus.name, name):
            raise ValidationException(
                "Parameter Destination.FilterArns is not valid. Reason: Rule must be on the destination"
                " event bus."
            )
        if store.get_rule(tx, arn) is None:
            raise ResourceNotFoundException(f"Rule {name} does not exist on EventBus {bus.name}.")


def start_replay(ctx: RequestContext, request: dict[str, Any]) -> dict[str, Any]:
    name = request["ReplayName"]
    _check_name(name, "replayName")
    start, end = _epoch(request["EventStartTime"]), _epoch(request["EventEndTime"])
    destination = request["Destination"]
    events = state(ctx)
    arn = archives.replay_arn(ctx.account_id, ctx.region, name)
    with events.db.transaction() as tx:
        if store.get_replay(tx, arn) is not None:
            raise ResourceAlreadyExistsException(f"Replay {name} already exists.")
        if end <= start:
            raise ValidationException(
                "Parameter EventEndTime is not valid. Reason: EventStartTime must be before EventEndTime."
            )
        source = request["EventSourceArn"]
        archive_name = source.rsplit("/", 1)[-1]
        archive = store.get_archive(tx, source) if ":archive/" in source else None
        if archive is None or archive.account != ctx.account_id or archive.region != ctx.region:
            raise ValidationException(
                f"Parameter EventSourceArn is not valid. Reason: Archive {archive_name} does not exist."
            )
        bus = _source_bus(ctx, tx, destination["Arn"], "Destination.Arn")
        if bus.arn != archive.source_arn:
            raise ValidationException(
                "Parameter Destination.Arn is not valid. Reason: Cross event bus replay is not permitted."
            )
        filters = list(destination.get("FilterArns") or [])
        _check_filters(ctx, tx, bus, filters)
        active = [
            r
            for r in store.list_replays(tx, ctx.account_id, ctx.region)
            if r["State"] in archives.ACTIVE_REPLAY_STATES
        ]
        if len(active) >= archives.MAX_ACTIVE_REPLAYS:
            raise LimitExceededException("The requested resource exceeds the maximum number allowed.")
        now = events.clock.now()
        document: dict[str, Any] = {
            "ReplayName": name,
            "ReplayArn": arn,
            "EventSourceArn": archive.arn,
            "Destination": {"Arn": bus.arn, **({"FilterArns": filters} if filters else {})},
            "EventStartTime": start,
            "EventEndTime": end,
            "State": "STARTING",
            "ReplayStartTime": now,
        }
        if request.get("Description"):
            document["Description"] = request["Description"]
        archives.start_replay(tx, events, document)
    return {"ReplayArn": arn, "State": "STARTING", "ReplayStartTime": now}


_LISTED_REPLAY = (
    "ReplayName",
    "EventSourceArn",
    "State",
    "StateReason",
    "EventStartTime",
    "EventEndTime",
    "EventLastReplayedTime",
    "ReplayStartTime",
    "ReplayEndTime",
)
_DESCRIBED_REPLAY = (*_LISTED_REPLAY, "ReplayArn", "Description", "Destination")


def describe_replay(ctx: RequestContext, request: dict[str, Any]) -> dict[str, Any]:
    with state(ctx).db.read() as conn:
        document = _require_replay(ctx, conn, request["ReplayName"])
    return {k: v for k, v in document.items() if k in _DESCRIBED_REPLAY}


def list_replays(ctx: RequestContext, request: dict[str, Any]) -> dict[str, Any]:
    _one_filter(request, "ListReplays")
    prefix, source, wanted = request.get("NamePrefix"), request.get("EventSourceArn"), request.get("State")
    with state(ctx).db.read() as conn:
        found = [
            r
            for r in store.list_replays(conn, ctx.account_id, ctx.region)
            if (prefix is None or r["ReplayName"].startswith(prefix))
            and (source is None or r["EventSourceArn"] == source)
            and (wanted is None or r["State"] == wanted)
        ]
    chosen, token = page(found, request.get("NextToken"), request.get("Limit"))
    out: dict[str, Any] = {"Replays": [{k: v for k, v in r.items() if k in _LISTED_REPLAY} for r in chosen]}
    if token:
        out["NextToken"] = token
    return out


def cancel_replay(ctx: RequestContext, request: dict[str, Any]) -> dict[str, Any]:
    name = request["ReplayName"]
    events = state(ctx)
    with events.db.transaction() as tx:
        document = _require_replay(ctx, tx, name)
        if document["State"] not in ("STARTING", "RUNNING"):
            raise IllegalStatusException(f"Replay {name} is not in a valid state for this operation.")
        archives.cancel_replay(tx, events, document)
    return {"ReplayArn": document["ReplayArn"], "State": "CANCELLING"}
