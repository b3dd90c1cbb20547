from __future__ import annotations

from pathlib import Path

import pytest

from cloudlet.core.db import Database, Tx
from cloudlet.core.migrations import MigrationError, Migrations, register_core, split_statements


def tables(db: Database) -> set[str]:
    with db.read() as conn:
        return {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}


def test_applies_steps_and_records_versions() -> None:
    db = Database(None)
    m = Migrations()
    m.register("svc_a", ["CREATE TABLE a1 (x)", "CREATE TABLE a2 (x)"])
    m.register("svc_b", ["CREATE TABLE b1 (x)"])
    assert m.apply(db) == {"svc_a": 2, "svc_b": 1}
    assert m.applied(db) == {"svc_a": 2, "svc_b": 1}
    assert {"a1", "a2", "b1", "cloudlet_schema"} <= tables(db)
    assert m.components == {"svc_a": 2, "svc_b": 1}


def test_reapplying_is_a_noop() -> None:
    db = Database(None)
    m = Migrations()
    m.register("svc", ["CREATE TABLE a (x)"])  # would fail if run twice
    m.apply(db)
    assert m.apply(db) == {}
    assert m.applied(db) == {"svc": 1}


def test_new_steps_are_applied_on_top(tmp_path: Path) -> None:
    path = tmp_path / "db.sqlite"
    db = Database(path)
    old = Migrations()
    old.register("svc", ["CREATE TABLE a (x)"])
    old.apply(db)
    db.close()

    db = Database(path)
    new = Migrations()
    new.register("svc", ["CREATE TABLE a (x)", "ALTER TABLE a ADD COLUMN y INTEGER DEFAULT 7"])
    assert new.apply(db) == {"svc": 2}
    with db.transaction() as tx:
        tx.execute("INSERT INTO a (x) VALUES (1)")
        assert tx.fetchone("SELECT y FROM a")["y"] == 7
    db.close()


def test_multi_statement_steps_with_tricky_semicolons() -> None:
    db = Database(None)
    m = Migrations()
    script = """
    -- a comment; with a semicolon
    CREATE TABLE a (x TEXT DEFAULT ';');
    CREATE TABLE log (msg TEXT);
    CREATE TRIGGER a_ins AFTER INSERT ON a BEGIN
        INSERT INTO log (msg) VALUES ('inserted; ok');
        INSERT INTO log (msg) VALUES ('twice');
    END;
    INSERT INTO a DEFAULT VALUES;  -- trailing comment
    """
    m.register("svc", [script])
    m.apply(db)
    with db.read() as conn:
        assert [r[0] for r in conn.execute("SELECT x FROM a")] == [";"]
        assert [r[0] for r in conn.execute("SELECT msg FROM log")] == ["inserted; ok", "twice"]


def test_split_statements() -> None:
    assert list(split_statements("SELECT 1; SELECT ';'")) == ["SELECT 1;", "SELECT ';';"]
    assert list(split_statements(" ; ;\n-- only a comment\n")) == []
    with pytest.raises(ValueError, match="incomplete"):
        list(split_statements("CREATE TABLE x (y TEXT DEFAULT 'unterminated)"))


def test_callable_steps_receive_the_transaction() -> None:
    db = Database(None)
    seen: list[bool] = []

    def seed(tx: Tx) -> None:
        seen.append(tx.conn.in_transaction)
        tx.executemany("INSERT INTO a (x) VALUES (?)", [(1,), (2,)])

    m = Migrations()
    m.register("svc", ["CREATE TABLE a (x)", seed])
    m.apply(db)
    assert seen == [True]
    with db.read() as conn:
        assert conn.execute("SELECT COUNT(*) FROM a").fetchone()[0] == 2


def test_failed_step_rolls_back_the_whole_component() -> None:
    db = Database(None)
    m = Migrations()
    m.register("good", ["CREATE TABLE g (x)"])
    m.register("bad", ["CREATE TABLE b1 (x)", "CREATE TABLE b1 (x)"])
    with pytest.raises(MigrationError, match="bad step 2"):
        m.apply(db)
    assert "b1" not in tables(db)
    assert m.applied(db) == {"good": 1}


def test_downgrade_is_refused_before_anything_runs() -> None:
    db = Database(None)
    newer = Migrations()
    newer.register("svc", ["CREATE TABLE a (x)", "CREATE TABLE b (x)"])
    newer.apply(db)

    older = Migrations()
    older.register("other", ["CREATE TABLE o (x)"])
    older.register("svc", ["CREATE TABLE a (x)"])
    with pytest.raises(MigrationError, match="downgrade"):
        older.apply(db)
    assert "o" not in tables(db)


def test_register_rejects_duplicates_and_bad_steps() -> None:
    m = Migrations()
    m.register("svc", ["SELECT 1"])
    with pytest.raises(ValueError):
        m.register("svc", ["SELECT 1"])
    with pytest.raises(TypeError):
        m.register("other", [42])  # type: ignore[list-item]


def test_core_registers_the_timer_table() -> None:
    db = Database(None)
    m = Migrations()
    register_core(m)
    m.apply(db)
    assert "core_timer" in tables(db)
    with db.read() as conn:
        indexes = {r[1] for r in conn.execute("PRAGMA index_list('core_timer')")}
    assert "core_timer_due_at" in indexes
