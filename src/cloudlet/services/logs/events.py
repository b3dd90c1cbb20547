"""Log events: PutLogEvents' batch rules, GetLogEvents' forward/backward tokens, FilterLogEvents' search,
the internal `append` other services use, and the follower read behind `cloudlet logs --follow`.

Events past the group's retention are never returned, whether or not the expiry timer has deleted them.
"""

from __future__ import annotations

import base64
import binascii
import itertools
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from cloudlet.services.logs import store
from cloudlet.services.logs.errors import (
    GROUP_NOT_FOUND,
    STREAM_NOT_FOUND,
    InvalidParameterException,
    ResourceNotFoundException,
)
from cloudlet.services.logs.filters import FilterPatternError, Matcher, compile_pattern
from cloudlet.services.logs.store import EventRow, GroupRow, StreamRow

if TYPE_CHECKING:
    from cloudlet.services.logs.engine import Logs

# PutLogEvents (https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_PutLogEvents.html)
MAX_BATCH_BYTES = 1_048_576
EVENT_OVERHEAD_BYTES = 26
MAX_PAST_MS = 14 * 86_400_000
MAX_FUTURE_MS = 2 * 3_600_000
MAX_SPAN_MS = 24 * 3_600_000
# GetLogEvents / FilterLogEvents default limits (API reference pages of each).
MAX_EVENTS = 10_000
MAX_RESPONSE_BYTES = 1_048_576
_SCAN_BATCH = 1_000
_TS_OFFSET = 10**18  # token digits hold ts + offset, so they never go negative
_TOKEN = re.compile(r"([fb])/(\d{20})(\d{36})/s")
_INVALID_TOKEN = "The specified nextToken is invalid."


@dataclass(frozen=True)
class _Boundary:
    """A place between events of a stream: events sit at (ts, 2*id); boundaries have an odd `half`."""

    ts: int
    half: int

    @staticmethod
    def after(event: EventRow) -> _Boundary:
        return _Boundary(event.ts, 2 * event.id + 1)

    @staticmethod
    def before(event: EventRow) -> _Boundary:
        return _Boundary(event.ts, 2 * event.id - 1)

    def lo(self) -> tuple[int, int]:
        """SQL key such that `(ts, id) > lo` are the events after this boundary."""
        return (self.ts, (self.half - 1) // 2)

    def hi(self) -> tuple[int, int]:
        """SQL key such that `(ts, id) < hi` are the events before this boundary."""
        return (self.ts, (self.half + 1) // 2)

    def token(self, direction: str) -> str:
        return f"{direction}/{self.ts + _TS_OFFSET:020d}{self.half:036d}/s"


def _parse_stream_token(token: str) -> tuple[str, _Boundary]:
    m = _TOKEN.fullmatch(token)
    if m is None or int(m.group(3)) % 2 == 0:
        raise InvalidParameterException(_INVALID_TOKEN)
    return m.group(1), _Boundary(int(m.group(2)) - _TS_OFFSET, int(m.group(3)))


def _filter_token(ts: int, event_id: int) -> str:
    return base64.urlsafe_b64encode(f"{ts}:{event_id}".encode()).decode().rstrip("=")


def _parse_filter_token(token: str) -> tuple[int, int]:
    try:
        text = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode()
        ts, _, event_id = text.partition(":")
        return int(ts), int(event_id)
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise InvalidParameterException(_INVALID_TOKEN) from None


def _size(message: str) -> int:
    return len(message.encode("utf-8"))


def compile_filter(pattern: str | None) -> Matcher:
    try:
        return compile_pattern(pattern)
    except FilterPatternError as exc:
        raise InvalidParameterException(str(exc)) from None


class Events:
    def __init__(self, logs: Logs) -> None:
        self._logs = logs

    # -- writing ---------------------------------------------------------------------------------
    def put(
        self, account: str, region: str, group_name: str, stream_name: str, events: Sequence[dict[str, Any]]
    ) -> dict[str, Any]:
        """PutLogEvents. Raises ResourceNotFoundException, InvalidParameterException."""
        logs = self._logs
        now = logs.now_ms()
        pairs = [(int(e["timestamp"]), str(e["message"])) for e in events]
        batch = sum(_size(m) + EVENT_OVERHEAD_BYTES for _, m in pairs)
        if batch > MAX_BATCH_BYTES:
            raise InvalidParameterException(
                f"Upload too large: {batch} bytes exceeds limit of {MAX_BATCH_BYTES}"
            )
        if any(b[0] < a[0] for a, b in itertools.pairwise(pairs)):
            raise InvalidParameterException(
                "Log events in a single PutLogEvents request must be in chronological order."
            )
        with logs.db.transaction() as tx:
            group = store.get_group(tx, account, region, group_name)
            if group is None:
                raise ResourceNotFoundException(GROUP_NOT_FOUND)
            stream = store.get_stream(tx, group.id, stream_name)
            if stream is None:
                raise ResourceNotFoundException(STREAM_NOT_FOUND)
            cutoff = logs.retention_cutoff_ms(group, now)
            rejected: dict[str, int] = {}
            too_old = sum(1 for ts, _ in pairs if ts < now - MAX_PAST_MS)
            expired = 0 if cutoff is None else sum(1 for ts, _ in pairs if ts <= cutoff)
            too_new = sum(1 for ts, _ in pairs if ts > now + MAX_FUTURE_MS)
            if too_old:
                rejected["tooOldLogEventEndIndex"] = too_old
            if expired:
                rejected["expiredLogEventEndIndex"] = expired
            if too_new:
                rejected["tooNewLogEventStartIndex"] = len(pairs) - too_new
            accepted = pairs[max(too_old, expired) : len(pairs) - too_new]
            if accepted and accepted[-1][0] - accepted[0][0] > MAX_SPAN_MS:
                raise InvalidParameterException(
                    "The batch of log events in a single PutLogEvents request cannot span more than 24 hours."
                )
            self._insert(tx, group, stream, accepted, now)
        out: dict[str, Any] = {"nextSequenceToken": _sequence_token(stream.uploads + 1)}
        if rejected:
            out["rejectedLogEventsInfo"] = rejected
        return out

    def append(
        self, account: str, region: str, group_name: str, stream_name: str, events: Sequence[tuple[int, str]]
    ) -> None:
        """Internal writers: create what is missing, keep what retention allows, never raise on content."""
        logs = self._logs
        now = logs.now_ms()
        with logs.db.transaction() as tx:
            group = logs.ensure_group(tx, account, region, group_name)
            stream = store.get_stream(tx, group.id, stream_name) or store.insert_stream(
                tx, group.id, stream_name, now
            )
            cutoff = logs.retention_cutoff_ms(group, now)
            kept = sorted(
                ((int(ts), str(msg)) for ts, msg in events if cutoff is None or int(ts) > cutoff),
                key=lambda e: e[0],
            )
            self._insert(tx, group, stream, kept, now)

    def _insert(
        self, tx: Any, group: GroupRow, stream: StreamRow, events: list[tuple[int, str]], now: int
    ) -> None:
        if not events:
            return
        store.insert_events(tx, stream, events, now)
        self._logs.schedule_expiry(tx, group, min(ts for ts, _ in events))
        tx.after_commit(self._logs.events_added)

    # -- GetLogEvents ----------------------------------------------------------------------------
    def get(
        self,
        group: GroupRow,
        stream: StreamRow,
        start_ms: int | None,
        end_ms: int | None,
        token: str | None,
        limit: int | None,
        start_from_head: bool,
    ) -> dict[str, Any]:
        logs = self._logs
        cutoff = logs.retention_cutoff_ms(group)
        if cutoff is not None:
            start_ms = cutoff + 1 if start_ms is None else max(start_ms, cutoff + 1)
        count = min(limit or MAX_EVENTS, MAX_EVENTS)
        if token:
            direction, boundary = _parse_stream_token(token)
        else:
            direction, boundary = ("f" if start_from_head else "b"), None
        with logs.db.read() as conn:
            if direction == "f":
                rows = store.stream_events(
                    conn, stream.id, boundary.lo() if boundary else None, None, start_ms, end_ms, False, count
                )
            else:
                rows = store.stream_events(
                    conn, stream.id, None, boundary.hi() if boundary else None, start_ms, end_ms, True, count
                )
        rows = _within_bytes(rows)
        if direction == "b":
            rows.reverse()
        if rows:
            forward, backward = _Boundary.after(rows[-1]), _Boundary.before(rows[0])
        else:
            forward = backward = boundary or _Boundary(start_ms or 0, 1)
        return {
            "events": [
                {"timestamp": r.ts, "message": r.message, "ingestionTime": r.ingestion_ms} for r in rows
            ],
            "nextForwardToken": token if token and not rows and direction == "f" else forward.token("f"),
            "nextBackwardToken": token if token and not rows and direction == "b" else backward.token("b"),
        }

    # -- FilterLogEvents -------------------------------------------------------------------------
    def filter(
        self,
        group: GroupRow,
        stream_names: list[str] | None,
        stream_prefix: str | None,
        start_ms: int | None,
        end_ms: int | None,
        pattern: str | None,
        token: str | None,
        limit: int | None,
    ) -> dict[str, Any]:
        logs = self._logs
        matcher = compile_filter(pattern)
        after = _parse_filter_token(token) if token else None
        cutoff = logs.retention_cutoff_ms(group)
        if cutoff is not None:
            start_ms = cutoff + 1 if start_ms is None else max(start_ms, cutoff + 1)
        count = min(limit or MAX_EVENTS, MAX_EVENTS)
        found: list[EventRow] = []
        more = False
        with logs.db.read() as conn:
            stream_ids: list[int] | None = None
            if stream_names:
                stream_ids = [s.id for s in store.streams_named(conn, group.id, stream_names)]
            elif stream_prefix:
                stream_ids = [s.id for s in store.list_streams(conn, group.id, stream_prefix)]
            if stream_ids == []:
                return {"events": [], "searchedLogStreams": []}
            while len(found) < count:
                rows = store.group_events(conn, group.id, stream_ids, after, start_ms, end_ms, _SCAN_BATCH)
                for row in rows:
                    after = (row.ts, row.id)
                    if matcher(row.message):
                        found.append(row)
                        if len(found) == count:
                            break
                if len(rows) < _SCAN_BATCH:
                    break
            if len(found) == count:
                more = bool(store.group_events(conn, group.id, stream_ids, after, start_ms, end_ms, 1))
        out: dict[str, Any] = {
            "events": [
                {
                    "logStreamName": r.stream_name,
                    "timestamp": r.ts,
                    "message": r.message,
                    "ingestionTime": r.ingestion_ms,
                    "eventId": f"{r.id:056d}",
                }
                for r in found
            ],
            # Deprecated by AWS in 2020: always an empty list (FilterLogEvents API reference).
            "searchedLogStreams": [],
        }
        if more and after is not None:
            out["nextToken"] = _filter_token(*after)
        return out

    # -- followers (cloudlet logs --follow) -------------------------------------------------------
    def tail(
        self,
        group_name: str,
        account: str | None,
        region: str | None,
        after: int,
        min_ts: int | None,
        matcher: Matcher,
        limit: int,
    ) -> tuple[list[dict[str, Any]], int, bool]:
        """Events of every group called `group_name` (in `account`/`region` if given) ingested after the
        cursor `after`, oldest ingestion first. Returns (events, new cursor, whether a group exists)."""
        logs = self._logs
        with logs.db.read() as conn:
            groups = store.groups_named(conn, group_name, account, region)
            if not groups:
                return [], after, False
            rows = store.events_after_cursor(conn, [g.id for g in groups], after, min_ts, limit)
        cutoffs = {g.id: logs.retention_cutoff_ms(g) for g in groups}
        names = {g.id: g for g in groups}
        out: list[dict[str, Any]] = []
        for row in rows:
            group = names[row.group_id]
            cutoff = cutoffs[group.id]
            if cutoff is not None and row.ts <= cutoff:
                continue
            if not matcher(row.message):
                continue
            out.append(
                {
                    "id": row.id,
                    "timestamp": row.ts,
                    "ingestionTime": row.ingestion_ms,
                    "group": group.name,
                    "account": group.account,
                    "region": group.region,
                    "stream": row.stream_name,
                    "message": row.message,
                }
            )
        return out, (rows[-1].id if rows else after), True


def _within_bytes(rows: list[EventRow]) -> list[EventRow]:
    total = 0
    for i, row in enumerate(rows):
        total += _size(row.message) + EVENT_OVERHEAD_BYTES
        if total > MAX_RESPONSE_BYTES and i > 0:
            return rows[:i]
    return rows


def _sequence_token(n: int) -> str:
    """PutLogEvents still returns a sequence token (now ignored on input): 56 digits, growing."""
    return f"{10**55 + n:056d}"
