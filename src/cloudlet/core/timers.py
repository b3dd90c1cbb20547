"""Durable timers: rows in `core_timer` plus one wake-up loop that calls handlers registered by kind.

A timer only wakes someone up; state that is "visible at T" stays a column its owner queries. Delivery
is at-least-once: a row is deleted only after its handler returns, so rows left by a crash fire on start.
"""

from __future__ import annotations

import asyncio
import inspect
import json
import logging
import math
import sqlite3
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from cloudlet.core.clock import Clock
from cloudlet.core.db import Database, Tx
from cloudlet.core.waits import call_on_loop
from cloudlet.core.work import WorkTracker

__all__ = ["TIMER_MIGRATIONS", "Timer", "TimerHandler", "Timers"]

log = logging.getLogger(__name__)

MAX_BACKOFF_S = 300.0
_BATCH = 100

TIMER_MIGRATIONS: tuple[str, ...] = (
    """
    CREATE TABLE core_timer (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        kind TEXT NOT NULL,
        key TEXT,
        due_at REAL NOT NULL,
        payload TEXT NOT NULL,  -- JSON object
        attempts INTEGER NOT NULL DEFAULT 0,
        UNIQUE (kind, key)
    );
    CREATE INDEX core_timer_due_at ON core_timer (due_at);
    """,
)


@dataclass(frozen=True)
class Timer:
    id: int
    kind: str
    key: str | None
    due_at: float
    payload: dict[str, Any]
    attempts: int


TimerHandler = Callable[[Timer], Awaitable[None] | None]


def backoff_s(attempts: int) -> float:
    """Delay before retry number `attempts + 1`: 1s, 2s, 4s, … capped at MAX_BACKOFF_S."""
    return min(MAX_BACKOFF_S, float(2 ** min(attempts, 16)))


class Timers:
    """Schedules timers inside callers' transactions and fires them from one task on the event loop."""

    def __init__(self, db: Database, clock: Clock, work: WorkTracker) -> None:
        self._db = db
        self._clock = clock
        self._work = work
        self._handlers: dict[str, TimerHandler] = {}
        self._kinds_sql = "()"
        self._warned_kinds: set[str] = set()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._event: asyncio.Event | None = None
        self._task: asyncio.Task[None] | None = None
        # The due time the loop sleeps until; +inf while it is recomputing or has nothing to wait for,
        # so any new timer wakes it then.
        self._waiting_until = math.inf
        work.add_probe("timers", self.has_due)

    # -- registration and scheduling ----------------------------------------------------------------
    def register(self, kind: str, handler: TimerHandler) -> None:
        if kind in self._handlers:
            raise ValueError(f"a handler for timer kind {kind!r} is already registered")
        self._handlers[kind] = handler
        self._kinds_sql = "(" + ",".join(_quote(k) for k in self._handlers) + ")"
        self._warned_kinds.discard(kind)
        self._wake()  # rows of this kind may already be due

    def schedule(
        self,
        tx: Tx,
        kind: str,
        due_at: float,
        payload: dict[str, Any] | None = None,
        key: str | None = None,
    ) -> int:
        """Add a timer inside `tx`; with `key`, replace the (kind, key) timer. Returns the new row id."""
        body = json.dumps(payload or {}, separators=(",", ":"))
        cur = tx.execute(
            "INSERT OR REPLACE INTO core_timer (kind, key, due_at, payload, attempts) VALUES (?, ?, ?, ?, 0)",
            (kind, key, float(due_at), body),
        )
        tx.after_commit(lambda: self._wake_if_earlier(due_at))
        return int(cur.lastrowid or 0)

    def cancel(self, tx: Tx, kind: str, key: str) -> bool:
        cur = tx.execute("DELETE FROM core_timer WHERE kind = ? AND key = ?", (kind, key))
        return cur.rowcount > 0

    # -- queries ------------------------------------------------------------------------------------
    def get(self, conn: sqlite3.Connection | Tx, kind: str, key: str) -> Timer | None:
        """The (kind, key) timer, if one is scheduled."""
        row = conn.execute(
            "SELECT id, kind, key, due_at, payload, attempts FROM core_timer WHERE kind = ? AND key = ?",
            (kind, key),
        ).fetchone()
        if row is None:
            return None
        return Timer(int(row[0]), row[1], row[2], float(row[3]), json.loads(row[4]), int(row[5]))

    def next_due(self) -> float | None:
        """Earliest due time of any timer (registered kind or not)."""
        with self._db.read() as conn:
            row = conn.execute("SELECT MIN(due_at) FROM core_timer").fetchone()
        return None if row[0] is None else float(row[0])

    def due_count(self, now: float | None = None) -> int:
        at = self._clock.now() if now is None else now
        with self._db.read() as conn:
            return int(conn.execute("SELECT COUNT(*) FROM core_timer WHERE due_at <= ?", (at,)).fetchone()[0])

    def has_due(self) -> bool:
        """Work-tracker probe: a timer of a registered kind is due now."""
        with self._db.read() as conn:
            row = conn.execute(
                f"SELECT 1 FROM core_timer WHERE due_at <= ? AND kind IN {self._kinds_sql} LIMIT 1",
                (self._clock.now(),),
            ).fetchone()
        return row is not None

    # -- the loop -----------------------------------------------------------------------------------
    def start(self) -> asyncio.Task[None]:
        """Start `run()` as a task on the running loop (call from the loop)."""
        if self._task is not None and not self._task.done():
            raise RuntimeError("timers already started")
        self._task = asyncio.get_running_loop().create_task(self.run(), name="cloudlet-timers")
        return self._task

    async def stop(self) -> None:
        task, self._task = self._task, None
        if task is None:
            return
        task.cancel()
        try:
            await task
        except asyncio.CancelledError:
            pass
        except Exception:  # the loop had crashed; run() already logged and recorded it
            pass

    async def run(self) -> None:
        """Fire due timers until cancelled; rows left from a previous run fire first."""
        self._loop = asyncio.get_running_loop()
        self._event = asyncio.Event()
        unsubscribe = self._clock.subscribe(self._wake)
        try:
            while True:
                self._waiting_until = math.inf
                self._event.clear()
                await self._fire_due()
                due = self._next_handled_due()
                self._waiting_until = math.inf if due is None else due
                self._work.notify()
                await self._wait(due)
        except Exception as exc:  # a bug or a broken database: make it visible to settle(raise_on_failure)
            log.exception("timer loop crashed")
            self._work.record_failure(exc, "timers:loop")
            raise
        finally:
            unsubscribe()
            self._waiting_until = math.inf
            self._loop = self._event = None

    async def _wait(self, due: float | None) -> None:
        assert self._event is not None
        if due is None or self._clock.is_virtual:
            if due is not None and due <= self._clock.now():
                await asyncio.sleep(0)  # yield to the loop, then go round again
                return
            await self._event.wait()
            return
        delay = due - self._clock.now()
        if delay <= 0:
            await asyncio.sleep(0)
            return
        try:
            await asyncio.wait_for(self._event.wait(), timeout=delay)
        except TimeoutError:
            pass

    async def _fire_due(self) -> None:
        if not self._handlers:
            return
        now = self._clock.now()
        with self._db.read() as conn:
            ids = [
                r[0]
                for r in conn.execute(
                    f"SELECT id FROM core_timer WHERE due_at <= ? AND kind IN {self._kinds_sql} "
                    "ORDER BY due_at, id LIMIT ?",
                    (now, _BATCH),
                )
            ]
            self._warn_unknown(conn, now)
        for timer_id in ids:
            await self._fire(timer_id, now)

    async def _fire(self, timer_id: int, now: float) -> None:
        with self._db.read() as conn:
            row = conn.execute(
                "SELECT * FROM core_timer WHERE id = ? AND due_at <= ?", (timer_id, now)
            ).fetchone()
        if row is None:  # cancelled, replaced or postponed by an earlier handler
            return
        timer = _to_timer(row)
        label = f"timer:{timer.kind}:{timer.key if timer.key is not None else timer.id}"
        token = self._work.begin(label)
        try:
            try:
                result = self._handlers[timer.kind](timer)
                if inspect.isawaitable(result):
                    await result
            except Exception as exc:
                log.exception("timer handler failed (%s, attempt %d)", label, timer.attempts + 1)
                self._work.record_failure(exc, label)
                retry_at = self._clock.now() + backoff_s(timer.attempts)
                with self._db.transaction() as tx:
                    tx.execute(
                        "UPDATE core_timer SET attempts = attempts + 1, due_at = ? WHERE id = ?",
                        (retry_at, timer.id),
                    )
            else:
                with self._db.transaction() as tx:
                    tx.execute("DELETE FROM core_timer WHERE id = ?", (timer.id,))
        finally:
            self._work.end(token)

    def _next_handled_due(self) -> float | None:
        if not self._handlers:
            return None
        with self._db.read() as conn:
            row = conn.execute(
                f"SELECT due_at FROM core_timer WHERE kind IN {self._kinds_sql} ORDER BY due_at LIMIT 1"
            ).fetchone()
        return None if row is None else float(row[0])

    def _warn_unknown(self, conn: sqlite3.Connection, now: float) -> None:
        rows = conn.execute(
            f"SELECT DISTINCT kind FROM core_timer WHERE due_at <= ? AND kind NOT IN {self._kinds_sql}",
            (now,),
        ).fetchall()
        for (kind,) in rows:
            if kind not in self._warned_kinds:
                self._warned_kinds.add(kind)
                log.warning("timer kind %r has no handler; its rows wait until one registers", kind)

    # -- waking -------------------------------------------------------------------------------------
    def _wake_if_earlier(self, due_at: float) -> None:
        if due_at < self._waiting_until:
            self._wake()

    def _wake(self) -> None:
        """Set the loop's event; safe from any thread. A no-op while the loop is not running."""
        loop, event = self._loop, self._event
        if loop is not None and event is not None:
            call_on_loop(loop, event.set)


def _quote(kind: str) -> str:
    return "'" + kind.replace("'", "''") + "'"


def _to_timer(row: sqlite3.Row) -> Timer:
    return Timer(
        id=int(row["id"]),
        kind=str(row["kind"]),
        key=row["key"],
        due_at=float(row["due_at"]),
        payload=json.loads(row["payload"]),
        attempts=int(row["attempts"]),
    )
