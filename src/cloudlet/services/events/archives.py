"""Archives and replays at run time.

`capture` stores an event accepted on a bus in each of the bus's enabled archives whose pattern matches,
inside the PutEvents transaction. Retention is one `events.archive` timer row per archive, due when its
oldest event expires. A replay is one `events.replay` timer row: each firing re-sends the next batch of
the window's archived events, in time order, to the destination bus's rules with `replay-name` set.
The API operations are in `operations/archives.py`; the SQL is in `store.py`.
"""

from __future__ import annotations

import json
import logging
from datetime import datetime
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from cloudlet.core.patterns import Pattern, PatternError, compile_pattern
from cloudlet.core.timers import Timer
from cloudlet.services.events import store

if TYPE_CHECKING:
    from cloudlet.app import App
    from cloudlet.core.db import Tx
    from cloudlet.services.events.engine import Events

log = logging.getLogger("cloudlet.events")

ARCHIVE_TIMER = "events.archive"
REPLAY_TIMER = "events.replay"
DAY_S = 86_400.0
REPLAY_BATCH = 100
"""Archived events re-sent per transaction; a longer window takes several timer firings."""
REPLAY_START_DELAY_S = 60.0
"""A replay stays STARTING this long before its first batch: AWS replays in 1-minute intervals
(API_StartReplay), so the first interval is processed a minute after the start."""
MAX_ACTIVE_REPLAYS = 10
"""Active concurrent replays per account and Region (eb-replay-archived-event)."""
ACTIVE_REPLAY_STATES = ("STARTING", "RUNNING", "CANCELLING")
REPLAY_NAME_FIELD = "replay-name"


def archive_arn(account: str, region: str, name: str) -> str:
    return f"arn:aws:events:{region}:{account}:archive/{name}"


def replay_arn(account: str, region: str, name: str) -> str:
    return f"arn:aws:events:{region}:{account}:replay/{name}"


def register(app: App, events: Events) -> None:
    """Register the retention and replay timer handlers."""
    app.timers.register(ARCHIVE_TIMER, lambda timer: _expire(events, timer))
    app.timers.register(REPLAY_TIMER, lambda timer: _run_replay(events, timer))


# --- capture ---------------------------------------------------------------------------------------------


@lru_cache(maxsize=1024)
def _compiled(text: str) -> Pattern | None:
    """The compiled archive pattern (a pure function of its text; None if unusable)."""
    try:
        return compile_pattern(text, flavor="eventbridge")
    except PatternError:
        return None


def event_time(event: dict[str, Any], default: float) -> float:
    """The envelope's `time` as epoch seconds (`default` when absent or unreadable)."""
    value = event.get("time")
    if not isinstance(value, str):
        return default
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()
    except ValueError:
        return default


def event_size(event: dict[str, Any]) -> int:
    """Bytes an event counts for in an archive's SizeBytes: its source, detail-type, detail, time and
    resources, as for a PutEvents entry (eb-putevent-size)."""
    size = 0
    for key in ("source", "detail-type", "time"):
        value = event.get(key)
        if isinstance(value, str):
            size += len(value.encode())
    detail = event.get("detail")
    if detail is not None:
        size += len(json.dumps(detail, ensure_ascii=False).encode())
    for resource in event.get("resources") or []:
        if isinstance(resource, str):
            size += len(resource.encode())
    return size


def _read_only_api_call(event: dict[str, Any]) -> bool:
    """A read-only "AWS API Call via CloudTrail" event: it reaches only rules in state
    ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS, and an archive's rule is plainly ENABLED."""
    detail = event.get("detail")
    return (
        event.get("detail-type") == "AWS API Call via CloudTrail"
        and isinstance(detail, dict)
        and detail.get("readOnly") is True
    )


def capture(tx: Tx, events: Events, bus: store.Bus, event: dict[str, Any]) -> None:
    """Store `event` (the envelope accepted on `bus`) in every enabled archive of the bus whose pattern
    matches it (no pattern: every event). Replayed events (they carry `replay-name`) are not archived
    again (eb-archive: the archive's managed rule excludes them)."""
    if REPLAY_NAME_FIELD in event or _read_only_api_call(event):
        return
    archives = store.archives_of_bus(tx, bus)
    if not archives:
        return
    text: str | None = None
    now = when = 0.0
    size = 0
    for archive in archives:
        if archive.state != "ENABLED":
            continue
        if archive.event_pattern:
            pattern = _compiled(archive.event_pattern)
            if pattern is None or not pattern.matches(event):
                continue
        if text is None:
            text = json.dumps(event, separators=(",", ":"), ensure_ascii=False)
            now = events.clock.now()
            when = event_time(event, now)
            size = event_size(event)
        first = archive.retention_days > 0 and store.oldest_archived_at(tx, archive.arn) is None
        store.insert_archived(tx, archive.arn, when, now, size, text)
        if first:
            schedule_retention(tx, events, archive)


# --- retention -------------------------------------------------------------------------------------------


def schedule_retention(tx: Tx, events: Events, archive: store.Archive) -> None:
    """Schedule the archive's retention timer for when its oldest event expires, or cancel it when the
    archive keeps events forever (RetentionDays 0) or holds none."""
    oldest = store.oldest_archived_at(tx, archive.arn) if archive.retention_days > 0 else None
    if oldest is None:
        events.timers.cancel(tx, ARCHIVE_TIMER, archive.arn)
        return
    due = oldest + archive.retention_days * DAY_S
    events.timers.schedule(tx, ARCHIVE_TIMER, due, {"archive": archive.arn}, key=archive.arn)


def _expire(events: Events, timer: Timer) -> None:
    arn = timer.payload["archive"]
    with events.db.transaction() as tx:
        archive = store.get_archive(tx, arn)
        if archive is None or archive.retention_days <= 0:
            return
        cutoff = events.clock.now() - archive.retention_days * DAY_S
        store.delete_archived_before(tx, arn, cutoff)
        schedule_retention(tx, events, archive)


# --- replays ---------------------------------------------------------------------------------------------


def save_replay(tx: Tx, document: dict[str, Any]) -> None:
    """Write a replay document (AWS member names, plus the private `Cursor`)."""
    arn = document["ReplayArn"]
    _, _, _, region, account, _ = arn.split(":", 5)
    store.put_replay(tx, arn, account, region, document["ReplayName"], document)


def start_replay(tx: Tx, events: Events, document: dict[str, Any]) -> None:
    """Record a new STARTING replay and schedule its first batch."""
    save_replay(tx, document)
    arn = document["ReplayArn"]
    events.timers.schedule(
        tx, REPLAY_TIMER, events.clock.now() + REPLAY_START_DELAY_S, {"replay": arn}, key=arn
    )


def cancel_replay(tx: Tx, events: Events, document: dict[str, Any]) -> None:
    """Mark a replay CANCELLING; its timer, due now, finishes the cancellation."""
    document["State"] = "CANCELLING"
    save_replay(tx, document)
    arn = document["ReplayArn"]
    events.timers.schedule(tx, REPLAY_TIMER, events.clock.now(), {"replay": arn}, key=arn)


def with_replay_name(event: dict[str, Any], name: str) -> dict[str, Any]:
    """A copy of the envelope carrying `replay-name` (placed after `region`, where AWS puts it)."""
    out: dict[str, Any] = {}
    for key, value in event.items():
        if key == REPLAY_NAME_FIELD:
            continue
        out[key] = value
        if key == "region":
            out[REPLAY_NAME_FIELD] = name
    out.setdefault(REPLAY_NAME_FIELD, name)
    return out


def _finish(tx: Tx, events: Events, document: dict[str, Any], state: str, reason: str | None = None) -> None:
    document["State"] = state
    if reason:
        document["StateReason"] = reason
    document["ReplayEndTime"] = events.clock.now()
    save_replay(tx, document)


def _run_replay(events: Events, timer: Timer) -> None:
    """Re-send the next batch of a replay's window; schedule the following batch or finish."""
    from cloudlet.services.events import api

    arn = timer.payload["replay"]
    with events.db.transaction() as tx:
        document = store.get_replay(tx, arn)
        if document is None:
            return
        state = document["State"]
        if state == "CANCELLING":
            _finish(tx, events, document, "CANCELLED")
            return
        if state not in ("STARTING", "RUNNING"):
            return
        archive = store.get_archive(tx, document["EventSourceArn"])
        if archive is None:
            name = document["EventSourceArn"].rsplit("/", 1)[-1]
            _finish(tx, events, document, "FAILED", f"Archive {name} does not exist.")
            return
        destination = document["Destination"]
        bus = store.get_bus(tx, destination["Arn"])
        if bus is None:
            name = destination["Arn"].rsplit("/", 1)[-1]
            _finish(tx, events, document, "FAILED", f"Event bus {name} does not exist.")
            return
        filters = destination.get("FilterArns")
        rule_names = [f.rsplit("/", 1)[-1] for f in filters] if filters else None
        cursor = document.get("Cursor")
        rows = store.archived_window(
            tx,
            archive.arn,
            document["EventStartTime"],
            document["EventEndTime"],
            (cursor[0], cursor[1]) if cursor else None,
            REPLAY_BATCH,
        )
        name = document["ReplayName"]
        for _seq, _when, text in rows:
            event = with_replay_name(json.loads(text), name)
            api.deliver_to_rules(events.app, tx, bus.arn, event, rule_names=rule_names, replay_name=name)
        if rows:
            seq, when, _ = rows[-1]
            document["Cursor"] = [when, seq]
            document["EventLastReplayedTime"] = when
        if len(rows) < REPLAY_BATCH:
            _finish(tx, events, document, "COMPLETED")
            return
        document["State"] = "RUNNING"
        save_replay(tx, document)
        events.timers.schedule(tx, REPLAY_TIMER, events.clock.now(), {"replay": arn}, key=arn)
