"""The outbox: every e-mail and SMS a service "sent", as rows in `core_outbox`, for tests and people to read.

Owns the table and the wake-up of readers waiting for new entries (a condition, never polling). Does not
send anything anywhere: deliverers (e.g. SNS's, which may also relay mail over SMTP) record here.
"""

from __future__ import annotations

import json
import threading
from typing import Any

from cloudlet.core.clock import Clock
from cloudlet.core.db import Database, Tx
from cloudlet.core.waits import Signal, wait_until

__all__ = ["KINDS", "OUTBOX_MIGRATIONS", "Outbox"]

KINDS = ("email", "sms")
MAX_LIMIT = 1000

# AUTOINCREMENT: ids are never reused (not even after `App.reset()`), so `after=ID` cursors stay valid.
OUTBOX_MIGRATIONS: tuple[str, ...] = (
    """
    CREATE TABLE core_outbox (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        kind TEXT NOT NULL CHECK (kind IN ('email', 'sms')),
        account TEXT NOT NULL,
        region TEXT NOT NULL,
        source TEXT NOT NULL,        -- who sent it, e.g. a topic ARN
        destination TEXT NOT NULL,   -- e-mail address or phone number
        subject TEXT,
        body TEXT NOT NULL,
        created_at REAL NOT NULL,
        meta TEXT NOT NULL DEFAULT '{}'  -- JSON object
    );
    CREATE INDEX core_outbox_kind ON core_outbox (kind, id);
    """,
)

_COLUMNS = "id, kind, account, region, source, destination, subject, body, created_at, meta"


class Outbox:
    """Recorded e-mail and SMS, readable in id order and awaitable."""

    def __init__(self, db: Database, clock: Clock) -> None:
        self._db = db
        self._clock = clock
        self._signal = Signal()
        self._closed = False
        self._waiters = 0
        self._waiters_changed = threading.Condition()

    def record(
        self,
        tx: Tx,
        kind: str,
        account: str,
        region: str,
        source: str,
        destination: str,
        subject: str | None,
        body: str,
        meta: dict[str, Any] | None = None,
    ) -> int:
        """Insert an entry in `tx`; waiters wake once it commits. Returns the entry's id."""
        if kind not in KINDS:
            raise ValueError(f"outbox kind must be one of {', '.join(KINDS)}, not {kind!r}")
        cursor = tx.execute(
            "INSERT INTO core_outbox (kind, account, region, source, destination, subject, body, created_at, "
            "meta) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                kind,
                account,
                region,
                source,
                destination,
                subject,
                body,
                self._clock.now(),
                json.dumps(meta or {}, separators=(",", ":")),
            ),
        )
        tx.after_commit(self._signal.notify)
        return int(cursor.lastrowid or 0)

    def entries(self, kind: str | None = None, after: int = 0, limit: int = 100) -> list[dict[str, Any]]:
        """Entries with id > `after` (of `kind`, if given), oldest first, at most `limit`."""
        limit = max(1, min(int(limit), MAX_LIMIT))
        sql = f"SELECT {_COLUMNS} FROM core_outbox WHERE id > ?"
        params: list[Any] = [int(after)]
        if kind is not None:
            sql += " AND kind = ?"
            params.append(kind)
        sql += " ORDER BY id LIMIT ?"
        params.append(limit)
        with self._db.read() as conn:
            rows = conn.execute(sql, params).fetchall()
        return [
            {
                "id": row[0],
                "kind": row[1],
                "account": row[2],
                "region": row[3],
                "source": row[4],
                "destination": row[5],
                "subject": row[6],
                "body": row[7],
                "created_at": row[8],
                "meta": json.loads(row[9]),
            }
            for row in rows
        ]

    def _exists_after(self, after: int, kind: str | None) -> bool:
        sql = "SELECT 1 FROM core_outbox WHERE id > ?" + (" AND kind = ?" if kind is not None else "")
        params: tuple[Any, ...] = (int(after), kind) if kind is not None else (int(after),)
        with self._db.read() as conn:
            return conn.execute(sql + " LIMIT 1", params).fetchone() is not None

    async def wait(self, after: int, timeout_s: float, kind: str | None = None) -> bool:
        """Wait until an entry with id > `after` (of `kind`) exists, `timeout_s` passes on the clock, or
        the outbox closes. True if such an entry exists."""
        deadline = self._clock.now() + max(0.0, timeout_s)
        while True:
            fut = self._signal.future()  # before the check: a commit in between still wakes us
            try:
                if self._exists_after(after, kind):
                    return True
                if self._closed:
                    return False
                self._count_waiter(+1)
                try:
                    woken = await wait_until(self._clock, deadline, fut)
                finally:
                    self._count_waiter(-1)
                if not woken:
                    return self._exists_after(after, kind)
            finally:
                self._signal.discard(fut)

    def _count_waiter(self, delta: int) -> None:
        with self._waiters_changed:
            self._waiters += delta
            self._waiters_changed.notify_all()

    def wait_for_waiters(self, count: int, timeout: float = 5.0) -> bool:
        """Block (off the event loop) until at least `count` readers are waiting; for tests and tools."""
        with self._waiters_changed:
            return self._waiters_changed.wait_for(lambda: self._waiters >= count, timeout)

    def close(self) -> None:
        """Shutdown begins: every waiter answers now."""
        self._closed = True
        self._signal.notify()
