from __future__ import annotations

import asyncio
import sqlite3
import threading
from pathlib import Path

import pytest

from cloudlet.core.db import Database


@pytest.fixture
def db() -> Database:
    database = Database(None)
    with database.transaction() as tx:
        tx.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)")
    yield database
    database.close()


def values(db: Database) -> list[str]:
    with db.read() as conn:
        return [r["v"] for r in conn.execute("SELECT v FROM t ORDER BY id")]


def test_in_memory_database_has_no_path(db: Database) -> None:
    assert db.path is None
    with db.read() as conn:
        assert conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
        assert conn.execute("PRAGMA synchronous").fetchone()[0] == 1  # NORMAL
        assert conn.execute("PRAGMA busy_timeout").fetchone()[0] == 5000
        assert conn.execute("PRAGMA temp_store").fetchone()[0] == 2  # MEMORY


def test_commit_persists_and_rows_are_sqlite_rows(db: Database) -> None:
    with db.transaction() as tx:
        tx.execute("INSERT INTO t (v) VALUES (?)", ("a",))
        tx.executemany("INSERT INTO t (v) VALUES (?)", [("b",), ("c",)])
        row = tx.fetchone("SELECT v FROM t WHERE v = ?", ("b",))
        assert isinstance(row, sqlite3.Row) and row["v"] == "b"
        assert [r["v"] for r in tx.fetchall("SELECT v FROM t ORDER BY id")] == ["a", "b", "c"]
        assert tx.conn.in_transaction
        assert db.in_transaction
    assert not db.in_transaction
    assert values(db) == ["a", "b", "c"]


def test_exception_rolls_back_and_propagates(db: Database) -> None:
    with pytest.raises(KeyError), db.transaction() as tx:
        tx.execute("INSERT INTO t (v) VALUES ('x')")
        raise KeyError("boom")
    assert values(db) == []
    with db.read() as conn:
        assert not conn.in_transaction


def test_nested_transaction_joins_the_outer_one(db: Database) -> None:
    with db.transaction() as outer:
        outer.execute("INSERT INTO t (v) VALUES ('outer')")
        with db.transaction() as inner:
            assert inner is outer
            inner.execute("INSERT INTO t (v) VALUES ('inner')")
        assert outer.conn.in_transaction  # inner exit did not commit
    assert values(db) == ["outer", "inner"]


def test_outer_failure_undoes_inner_work(db: Database) -> None:
    with pytest.raises(RuntimeError), db.transaction() as outer:
        with db.transaction() as inner:
            inner.execute("INSERT INTO t (v) VALUES ('inner')")
        outer.execute("INSERT INTO t (v) VALUES ('outer')")
        raise RuntimeError
    assert values(db) == []


def test_caught_inner_failure_undoes_only_the_inner_block(db: Database) -> None:
    calls: list[str] = []
    with db.transaction() as outer:
        outer.execute("INSERT INTO t (v) VALUES ('kept')")
        outer.after_commit(lambda: calls.append("outer"))
        with pytest.raises(ValueError), db.transaction() as inner:
            inner.execute("INSERT INTO t (v) VALUES ('undone')")
            inner.after_commit(lambda: calls.append("inner"))
            raise ValueError
    assert values(db) == ["kept"]
    assert calls == ["outer"]


def test_after_commit_runs_in_order_after_the_outermost_commit(db: Database) -> None:
    seen: list[tuple[str, bool, list[str]]] = []

    def probe(name: str) -> None:
        seen.append((name, db.in_transaction, values(db)))

    with db.transaction() as tx:
        tx.after_commit(lambda: probe("first"))
        tx.execute("INSERT INTO t (v) VALUES ('a')")
        with db.transaction() as inner:
            inner.after_commit(lambda: probe("second"))
        assert seen == []  # the inner exit is not a commit
        tx.after_commit(lambda: probe("third"))
    assert seen == [("first", False, ["a"]), ("second", False, ["a"]), ("third", False, ["a"])]


def test_after_commit_dropped_on_rollback(db: Database) -> None:
    calls: list[str] = []
    with pytest.raises(ZeroDivisionError), db.transaction() as tx:
        tx.after_commit(lambda: calls.append("x"))
        _ = 1 / 0
    with db.transaction():
        pass
    assert calls == []


def test_failing_callback_does_not_undo_the_commit_and_is_reported(db: Database) -> None:
    errors: list[BaseException] = []
    calls: list[str] = []
    db.on_callback_error = errors.append

    def bad() -> None:
        raise RuntimeError("callback broke")

    with db.transaction() as tx:
        tx.execute("INSERT INTO t (v) VALUES ('a')")
        tx.after_commit(bad)
        tx.after_commit(lambda: calls.append("after"))
    assert values(db) == ["a"]
    assert [str(e) for e in errors] == ["callback broke"]
    assert calls == ["after"]


def test_failing_callback_without_hook_is_logged(db: Database, caplog: pytest.LogCaptureFixture) -> None:
    with db.transaction() as tx:
        tx.after_commit(lambda: 1 / 0)  # type: ignore[func-returns-value, arg-type]
    assert "after-commit callback" in caplog.text


def test_callback_may_open_a_new_transaction(db: Database) -> None:
    def follow_up() -> None:
        with db.transaction() as tx:
            tx.execute("INSERT INTO t (v) VALUES ('follow-up')")

    with db.transaction() as tx:
        tx.execute("INSERT INTO t (v) VALUES ('first')")
        tx.after_commit(follow_up)
    assert values(db) == ["first", "follow-up"]


def test_other_thread_waits_for_the_open_transaction(db: Database) -> None:
    observed: list[list[str]] = []
    entered = threading.Event()

    def reader() -> None:
        entered.set()
        observed.append(values(db))

    with db.transaction() as tx:
        tx.execute("INSERT INTO t (v) VALUES ('a')")
        thread = threading.Thread(target=reader)
        thread.start()
        entered.wait(5)
        tx.execute("INSERT INTO t (v) VALUES ('b')")
    thread.join(5)
    assert observed == [["a", "b"]]  # never saw the half-done transaction


def test_transaction_held_across_await_is_refused(db: Database) -> None:
    async def main() -> str:
        gate = asyncio.Event()

        async def holder() -> None:
            with db.transaction():
                gate.set()
                await asyncio.sleep(0)
                await asyncio.sleep(0)

        async def intruder() -> None:
            await gate.wait()
            with db.transaction():
                pass

        results = await asyncio.gather(holder(), intruder(), return_exceptions=True)
        return repr(results[1])

    assert "held across an await" in asyncio.run(main())


def test_file_database_uses_wal_and_survives_reopen(tmp_path: Path) -> None:
    path = tmp_path / "nested" / "dir" / "cloudlet.db"
    db = Database(path)
    assert db.path == path
    with db.read() as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    with db.transaction() as tx:
        tx.execute("CREATE TABLE t (v TEXT)")
        tx.execute("INSERT INTO t VALUES ('kept')")
    db.close()

    reopened = Database(str(path))
    with reopened.read() as conn:
        assert [r["v"] for r in conn.execute("SELECT v FROM t")] == ["kept"]
    reopened.close()


def test_foreign_keys_are_enforced(db: Database) -> None:
    with db.transaction() as tx:
        tx.execute("CREATE TABLE child (id INTEGER PRIMARY KEY, t_id INTEGER NOT NULL REFERENCES t(id))")
    with pytest.raises(sqlite3.IntegrityError), db.transaction() as tx:
        tx.execute("INSERT INTO child (t_id) VALUES (42)")
