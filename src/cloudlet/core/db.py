"""SQLite access: one connection, explicit transactions, after-commit callbacks. Owns no tables.

All service code runs on the one event-loop thread, so a single `sqlite3.Connection` (fastest: no
pool, one statement cache) guarded by a `threading.RLock` serves every read and write; other threads
(the test thread evaluating `settle()` probes) take the same lock. File databases use WAL with
`synchronous=NORMAL`: a committed transaction survives a crash of the process (not of the OS).
"""

from __future__ import annotations

import asyncio
import logging
import os
import sqlite3
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

__all__ = ["Database", "Tx"]

log = logging.getLogger(__name__)

Params = Sequence[Any] | dict[str, Any]


class Tx:
    """An open transaction: statement conveniences plus `after_commit` callbacks."""

    __slots__ = ("_callbacks", "conn")

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn
        self._callbacks: list[Callable[[], None]] = []

    def execute(self, sql: str, params: Params = ()) -> sqlite3.Cursor:
        return self.conn.execute(sql, params)

    def executemany(self, sql: str, seq_of_params: Iterable[Params]) -> sqlite3.Cursor:
        return self.conn.executemany(sql, seq_of_params)

    def fetchone(self, sql: str, params: Params = ()) -> sqlite3.Row | None:
        row: sqlite3.Row | None = self.conn.execute(sql, params).fetchone()
        return row

    def fetchall(self, sql: str, params: Params = ()) -> list[sqlite3.Row]:
        return self.conn.execute(sql, params).fetchall()

    def after_commit(self, fn: Callable[[], None]) -> None:
        """Run `fn` once the outermost transaction has committed; dropped if it rolls back."""
        self._callbacks.append(fn)


class Database:
    """The process's SQLite database (`path=None` → in-memory).

    `on_callback_error` (settable) receives exceptions raised by after-commit callbacks; without it they
    are logged. Either way the commit stands.
    """

    def __init__(self, path: str | os.PathLike[str] | None = None) -> None:
        self._path = None if path is None else Path(path)
        if self._path is not None:
            self._path.parent.mkdir(parents=True, exist_ok=True)
        target = ":memory:" if self._path is None else str(self._path)
        self._conn = sqlite3.connect(
            target, check_same_thread=False, isolation_level=None, cached_statements=512
        )
        self._conn.row_factory = sqlite3.Row
        self._lock = threading.RLock()
        self._tx: Tx | None = None
        self._depth = 0
        self._owner_task: asyncio.Task[Any] | None = None
        self.on_callback_error: Callable[[BaseException], None] | None = None
        self._configure()

    def _configure(self) -> None:
        conn = self._conn
        if self._path is not None:
            mode = conn.execute("PRAGMA journal_mode=WAL").fetchone()[0]
            if str(mode).lower() != "wal":
                raise sqlite3.OperationalError(f"could not enable WAL on {self._path} (got {mode!r})")
        conn.execute("PRAGMA synchronous=NORMAL")
        conn.execute("PRAGMA foreign_keys=ON")
        conn.execute("PRAGMA busy_timeout=5000")
        conn.execute("PRAGMA temp_store=MEMORY")

    @property
    def path(self) -> Path | None:
        """The database file, or None for an in-memory database."""
        return self._path

    @contextmanager
    def transaction(self) -> Iterator[Tx]:
        """`BEGIN IMMEDIATE` … `COMMIT`; rolls back and re-raises on exception.

        A nested call on the same thread joins the open transaction (only the outermost commits); the
        nested block runs under a SAVEPOINT, so an exception escaping it undoes just its own statements
        and after-commit callbacks. Never hold a transaction across an `await`: another task entering
        `transaction()` meanwhile raises RuntimeError instead of silently joining.
        """
        with self._lock:
            if self._depth:
                self._check_same_task()
                yield from self._nested()
                return
            tx = Tx(self._conn)
            self._conn.execute("BEGIN IMMEDIATE")
            self._tx, self._depth, self._owner_task = tx, 1, _current_task()
            try:
                yield tx
                self._conn.execute("COMMIT")
            except BaseException:
                if self._conn.in_transaction:
                    self._conn.execute("ROLLBACK")
                raise
            finally:
                self._tx, self._depth, self._owner_task = None, 0, None
        self._run_callbacks(tx._callbacks)

    def _nested(self) -> Iterator[Tx]:
        tx = self._tx
        assert tx is not None
        name = f"cloudlet_sp{self._depth}"
        mark = len(tx._callbacks)
        self._conn.execute(f"SAVEPOINT {name}")
        self._depth += 1
        try:
            yield tx
        except BaseException:
            self._conn.execute(f"ROLLBACK TO {name}")
            self._conn.execute(f"RELEASE {name}")
            del tx._callbacks[mark:]
            raise
        else:
            self._conn.execute(f"RELEASE {name}")
        finally:
            self._depth -= 1

    def _check_same_task(self) -> None:
        task = _current_task()
        if task is not self._owner_task:
            raise RuntimeError(
                "transaction() entered by another asyncio task while one is open on this thread; "
                "a transaction was held across an await"
            )

    def _run_callbacks(self, callbacks: list[Callable[[], None]]) -> None:
        for fn in callbacks:
            try:
                fn()
            except Exception as exc:
                hook = self.on_callback_error
                if hook is None:
                    log.exception("after-commit callback %r failed", fn)
                else:
                    hook(exc)

    @contextmanager
    def read(self) -> Iterator[sqlite3.Connection]:
        """The connection, lock held, no transaction started (each statement autocommits)."""
        with self._lock:
            yield self._conn

    @property
    def in_transaction(self) -> bool:
        """True while a `transaction()` is open (on any thread)."""
        return self._depth > 0

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    def __repr__(self) -> str:
        return f"Database({str(self._path) if self._path else ':memory:'})"


def _current_task() -> asyncio.Task[Any] | None:
    try:
        return asyncio.current_task()
    except RuntimeError:  # no running loop on this thread
        return None
