"""The CloudWatch Logs state of one App: log groups, streams, retention expiry and the follower signal.

`setup(app)` registers the schema, the `logs.expire` timer kind and the `/_cloudlet/logs/tail` route,
and returns the `Logs` object operations reach through `ctx.app.service("logs").state`. Reading,
writing and searching events lives in `events.py`.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

from cloudlet.core.arns import parse_arn
from cloudlet.core.clock import epoch_ms
from cloudlet.core.db import Tx
from cloudlet.core.timers import Timer
from cloudlet.core.waits import Signal
from cloudlet.services.logs import store
from cloudlet.services.logs.errors import (
    GROUP_NOT_FOUND,
    STREAM_NOT_FOUND,
    InvalidParameterException,
    ResourceAlreadyExistsException,
    ResourceNotFoundException,
)
from cloudlet.services.logs.events import Events
from cloudlet.services.logs.store import GroupRow, StreamRow

if TYPE_CHECKING:
    from cloudlet.app import App

DAY_MS = 86_400_000
# PutRetentionPolicy, "retentionInDays" (https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_PutRetentionPolicy.html)
RETENTION_DAYS = (
    1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
)  # fmt: skip
MAX_TAGS = 50
EXPIRE_TIMER = "logs.expire"


def group_arn(group: GroupRow) -> str:
    """The ARN DescribeLogGroups calls `logGroupArn` (no trailing `:*`)."""
    return f"arn:aws:logs:{group.region}:{group.account}:log-group:{group.name}"


def stream_arn(group: GroupRow, stream: StreamRow) -> str:
    return f"{group_arn(group)}:log-stream:{stream.name}"


class Logs:
    def __init__(self, app: App) -> None:
        self.app = app
        self.db = app.db
        self.clock = app.clock
        self.timers = app.timers
        self.events = Events(self)
        self.signal = Signal()
        """Notified after every commit that added events; followers re-read their group."""
        self.closed = False
        self._waiters = 0
        self._waiters_changed = threading.Condition()

    def now_ms(self) -> int:
        return epoch_ms(self.clock.now())

    # -- followers -------------------------------------------------------------------------------
    def events_added(self) -> None:
        self.signal.notify()

    def follower_waiting(self, delta: int) -> None:
        with self._waiters_changed:
            self._waiters += delta
            self._waiters_changed.notify_all()

    def wait_for_followers(self, count: int, timeout: float = 5.0) -> bool:
        """Block (off the event loop) until at least `count` tails are waiting; for tests and tools."""
        with self._waiters_changed:
            return self._waiters_changed.wait_for(lambda: self._waiters >= count, timeout)

    def close(self) -> None:
        self.closed = True
        self.signal.notify()

    # -- groups ----------------------------------------------------------------------------------
    def find_group(self, account: str, region: str, name: str) -> GroupRow:
        with self.db.read() as conn:
            group = store.get_group(conn, account, region, name)
        if group is None:
            raise ResourceNotFoundException(GROUP_NOT_FOUND)
        return group

    def group_by_identifier(self, account: str, region: str, identifier: str) -> GroupRow:
        """A group named by name or ARN (`...:log-group:NAME` with or without `:*`)."""
        if identifier.startswith("arn:"):
            try:
                arn = parse_arn(identifier)
            except ValueError:
                raise InvalidParameterException(f"Invalid log group ARN: {identifier}") from None
            kind, _, name = arn.resource.partition(":")
            if kind != "log-group" or not name:
                raise InvalidParameterException(f"Invalid log group ARN: {identifier}")
            if name.endswith(":*"):
                name = name[:-2]
            return self.find_group(arn.account or account, arn.region or region, name)
        return self.find_group(account, region, identifier)

    def create_group(
        self,
        account: str,
        region: str,
        name: str,
        tags: dict[str, str],
        kms_key_id: str | None = None,
        log_group_class: str = "STANDARD",
    ) -> GroupRow:
        if len(tags) > MAX_TAGS:
            raise InvalidParameterException(f"A log group can have at most {MAX_TAGS} tags.")
        with self.db.transaction() as tx:
            if store.get_group(tx, account, region, name) is not None:
                raise ResourceAlreadyExistsException("The specified log group already exists")
            return store.insert_group(
                tx, account, region, name, self.now_ms(), kms_key_id, log_group_class, tags
            )

    def ensure_group(self, tx: Tx, account: str, region: str, name: str) -> GroupRow:
        group = store.get_group(tx, account, region, name)
        if group is None:
            group = store.insert_group(tx, account, region, name, self.now_ms(), None, "STANDARD", {})
        return group

    def delete_group(self, account: str, region: str, name: str) -> None:
        with self.db.transaction() as tx:
            group = store.get_group(tx, account, region, name)
            if group is None:
                raise ResourceNotFoundException(GROUP_NOT_FOUND)
            store.delete_group(tx, group.id)
            self.timers.cancel(tx, EXPIRE_TIMER, str(group.id))
        self.events_added()  # followers of the group see it gone

    def set_retention(self, group: GroupRow, days: int | None) -> None:
        if days is not None and days not in RETENTION_DAYS:
            allowed = ", ".join(str(d) for d in RETENTION_DAYS)
            raise InvalidParameterException(
                f"1 validation error detected: Value '{days}' at 'retentionInDays' failed to satisfy "
                f"constraint: Member must satisfy enum value set: [{allowed}]"
            )
        with self.db.transaction() as tx:
            store.set_retention(tx, group.id, days)
            store.set_expire_at(tx, group.id, None)
            self.timers.cancel(tx, EXPIRE_TIMER, str(group.id))
            if days is not None:
                group.retention_days = days
                group.expire_at = None
                oldest = store.oldest_event_ts(tx, group.id)
                if oldest is not None:
                    self.schedule_expiry(tx, group, oldest)

    def set_tags(
        self, group: GroupRow, add: dict[str, str], remove: list[str], too_many: type[Exception]
    ) -> None:
        with self.db.transaction() as tx:
            current = store.get_group_by_id(tx, group.id)
            if current is None:
                raise ResourceNotFoundException(GROUP_NOT_FOUND)
            tags = {**current.tags, **add}
            for key in remove:
                tags.pop(key, None)
            if len(tags) > MAX_TAGS:
                raise too_many(f"A log group can have at most {MAX_TAGS} tags.")
            store.set_tags(tx, group.id, tags)

    def stored_bytes(self, group: GroupRow) -> int:
        return max(0, group.stored_bytes)

    # -- streams ---------------------------------------------------------------------------------
    def find_stream(self, group: GroupRow, name: str) -> StreamRow:
        with self.db.read() as conn:
            stream = store.get_stream(conn, group.id, name)
        if stream is None:
            raise ResourceNotFoundException(STREAM_NOT_FOUND)
        return stream

    def create_stream(self, account: str, region: str, group_name: str, name: str) -> StreamRow:
        with self.db.transaction() as tx:
            group = store.get_group(tx, account, region, group_name)
            if group is None:
                raise ResourceNotFoundException(GROUP_NOT_FOUND)
            if store.get_stream(tx, group.id, name) is not None:
                raise ResourceAlreadyExistsException("The specified log stream already exists")
            return store.insert_stream(tx, group.id, name, self.now_ms())

    def delete_stream(self, account: str, region: str, group_name: str, name: str) -> None:
        with self.db.transaction() as tx:
            group = store.get_group(tx, account, region, group_name)
            if group is None:
                raise ResourceNotFoundException(GROUP_NOT_FOUND)
            stream = store.get_stream(tx, group.id, name)
            if stream is None:
                raise ResourceNotFoundException(STREAM_NOT_FOUND)
            store.delete_stream(tx, stream)

    # -- retention -------------------------------------------------------------------------------
    def retention_cutoff_ms(self, group: GroupRow, now_ms: int | None = None) -> int | None:
        """Events with ts <= this have expired (None: they never do)."""
        if group.retention_days is None:
            return None
        return (self.now_ms() if now_ms is None else now_ms) - group.retention_days * DAY_MS

    def schedule_expiry(self, tx: Tx, group: GroupRow, oldest_ts: int, not_before: float = 0.0) -> None:
        """Make sure the group's expiry timer fires by the time an event at `oldest_ts` expires."""
        if group.retention_days is None:
            return
        # Expired once epoch_ms(now) >= oldest + retention, i.e. from half a millisecond before; should
        # float rounding make the timer fire a hair early, the handler finds the event and comes back.
        due = max((oldest_ts + group.retention_days * DAY_MS - 0.5) / 1000.0, not_before)
        if group.expire_at is not None and group.expire_at <= due:
            return
        self.timers.schedule(tx, EXPIRE_TIMER, due, {"group_id": group.id}, key=str(group.id))
        store.set_expire_at(tx, group.id, due)
        group.expire_at = due

    def on_expire_timer(self, timer: Timer) -> None:
        group_id = int(timer.payload["group_id"])
        with self.db.transaction() as tx:
            group = store.get_group_by_id(tx, group_id)
            if group is None:
                return
            store.set_expire_at(tx, group.id, None)
            group.expire_at = None
            cutoff = self.retention_cutoff_ms(group)
            if cutoff is None:
                return
            store.delete_events_before(tx, group.id, cutoff + 1)
            oldest = store.oldest_event_ts(tx, group.id)
            if oldest is not None:
                self.schedule_expiry(tx, group, oldest, not_before=self.clock.now() + 0.001)

    def reset(self) -> None:
        self.signal.notify()


def setup(app: App) -> Logs:
    from cloudlet.services.logs.tail import register_routes

    app.migrations.register("logs", store.MIGRATIONS)
    logs = Logs(app)
    app.timers.register(EXPIRE_TIMER, logs.on_expire_timer)
    app.on_reset(logs.reset)
    app.on_stopping(logs.close)
    register_routes(app, logs)
    return logs
