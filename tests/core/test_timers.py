from __future__ import annotations

import asyncio
import sqlite3
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from cloudlet.core.clock import SystemClock, VirtualClock
from cloudlet.core.db import Database
from cloudlet.core.migrations import Migrations, register_core
from cloudlet.core.timers import MAX_BACKOFF_S, Timer, Timers, backoff_s
from cloudlet.core.work import InternalFailures, SettleTimeout, WorkTracker

if TYPE_CHECKING:
    from tests.core.conftest import LoopThread

T0 = 1_000_000.0


def open_db(path: Path | None = None) -> Database:
    db = Database(path)
    migrations = Migrations()
    register_core(migrations)
    migrations.apply(db)
    return db


@dataclass
class Rig:
    """A virtual-clock timer service whose loop runs on a background thread, as in the server."""

    loop_thread: LoopThread
    db: Database
    clock: VirtualClock = field(default_factory=lambda: VirtualClock(T0))
    work: WorkTracker = field(default_factory=WorkTracker)
    fired: list[Timer] = field(default_factory=list)
    timers: Timers = field(init=False)

    def __post_init__(self) -> None:
        self.timers = Timers(self.db, self.clock, self.work)
        self.work.attach_loop(self.loop_thread.loop)

    def start(self) -> None:
        self.loop_thread.call(self.timers.start)

    def stop(self) -> None:
        self.loop_thread.run(self.timers.stop())

    def record(self, timer: Timer) -> None:
        self.fired.append(timer)

    def schedule(self, kind: str, due_at: float, payload: dict | None = None, key: str | None = None) -> int:
        with self.db.transaction() as tx:
            return self.timers.schedule(tx, kind, due_at, payload, key)

    def advance(self, seconds: float) -> None:
        self.clock.advance(seconds)
        self.work.settle(timeout=5)


@pytest.fixture
def rig(loop_thread: LoopThread) -> Iterator[Rig]:
    r = Rig(loop_thread, open_db())
    yield r
    r.stop()
    r.db.close()


def test_timer_fires_only_once_due(rig: Rig) -> None:
    rig.timers.register("wake", rig.record)
    rig.start()
    timer_id = rig.schedule("wake", T0 + 10, {"queue": "q1"})
    rig.advance(9.5)
    assert rig.fired == []
    rig.advance(0.5)
    assert [(t.id, t.kind, t.key, t.payload, t.attempts) for t in rig.fired] == [
        (timer_id, "wake", None, {"queue": "q1"}, 0)
    ]
    assert rig.timers.next_due() is None


def test_due_timers_fire_in_due_order_then_id(rig: Rig) -> None:
    rig.timers.register("wake", rig.record)
    rig.start()
    for name, due in [("c", 3), ("a", 1), ("b1", 2), ("b2", 2)]:
        rig.schedule("wake", T0 + due, {"name": name})
    assert rig.timers.due_count(T0 + 2) == 3
    rig.advance(5)
    assert [t.payload["name"] for t in rig.fired] == ["a", "b1", "b2", "c"]


def test_async_handler_is_awaited(rig: Rig) -> None:
    async def handler(timer: Timer) -> None:
        await asyncio.sleep(0)
        rig.fired.append(timer)

    rig.timers.register("async", handler)
    rig.start()
    rig.schedule("async", T0)
    rig.work.settle(timeout=5)
    assert len(rig.fired) == 1


def test_schedule_with_key_replaces_the_timer(rig: Rig) -> None:
    rig.timers.register("wake", rig.record)
    rig.start()
    first = rig.schedule("wake", T0 + 10, {"v": 1}, key="q1")
    second = rig.schedule("wake", T0 + 20, {"v": 2}, key="q1")
    assert second != first
    assert rig.timers.due_count(T0 + 100) == 1
    rig.advance(10)
    assert rig.fired == []
    rig.advance(10)
    assert [(t.key, t.payload) for t in rig.fired] == [("q1", {"v": 2})]


def test_earlier_reschedule_wakes_the_loop(rig: Rig) -> None:
    rig.timers.register("wake", rig.record)
    rig.start()
    rig.schedule("wake", T0 + 100, key="k")
    rig.schedule("wake", T0, key="k")  # now due
    rig.work.settle(timeout=5)
    assert len(rig.fired) == 1


def test_cancel(rig: Rig) -> None:
    rig.timers.register("wake", rig.record)
    rig.start()
    rig.schedule("wake", T0 + 1, key="q1")
    with rig.db.transaction() as tx:
        assert rig.timers.cancel(tx, "wake", "q1") is True
        assert rig.timers.cancel(tx, "wake", "q1") is False
    rig.advance(5)
    assert rig.fired == []


def test_schedule_rolled_back_with_its_transaction(rig: Rig) -> None:
    rig.timers.register("wake", rig.record)
    rig.start()
    with pytest.raises(RuntimeError), rig.db.transaction() as tx:
        rig.timers.schedule(tx, "wake", T0)
        raise RuntimeError
    rig.advance(1)
    assert rig.fired == [] and rig.timers.next_due() is None


def test_handler_may_reschedule_its_own_key(rig: Rig) -> None:
    def periodic(timer: Timer) -> None:
        rig.fired.append(timer)
        with rig.db.transaction() as tx:
            rig.timers.schedule(tx, "tick", timer.due_at + 60, key=timer.key)

    rig.timers.register("tick", periodic)
    rig.start()
    rig.schedule("tick", T0 + 60, key="rule-1")
    rig.advance(60)
    rig.advance(60)
    rig.advance(59)
    assert [t.due_at for t in rig.fired] == [T0 + 60, T0 + 120]
    assert rig.timers.next_due() == T0 + 180


def test_failing_handler_backs_off_and_records_the_failure(rig: Rig) -> None:
    calls: list[int] = []

    def flaky(timer: Timer) -> None:
        calls.append(timer.attempts)
        if len(calls) < 3:
            raise ValueError("handler bug")

    rig.timers.register("flaky", flaky)
    rig.start()
    rig.schedule("flaky", T0)
    rig.work.settle(timeout=5)
    assert calls == [0]
    assert rig.timers.next_due() == T0 + 1
    with pytest.raises(InternalFailures) as info:
        rig.work.settle(raise_on_failure=True)
    assert info.value.failures[0].label.startswith("timer:flaky:")
    rig.advance(0.5)
    assert calls == [0]
    rig.advance(0.5)  # 1s backoff
    assert calls == [0, 1]
    assert rig.timers.next_due() == T0 + 1 + 2
    rig.advance(2)  # 2s backoff
    assert calls == [0, 1, 2]
    assert rig.timers.next_due() is None
    assert len(rig.work.failures()) == 2


def test_backoff_is_exponential_and_capped() -> None:
    assert [backoff_s(n) for n in range(10)] == [1, 2, 4, 8, 16, 32, 64, 128, 256, 300]
    assert backoff_s(10_000) == MAX_BACKOFF_S


def test_unknown_kind_waits_for_its_handler(rig: Rig, caplog: pytest.LogCaptureFixture) -> None:
    rig.timers.register("known", rig.record)
    rig.start()
    rig.schedule("later", T0, {"n": 1})
    rig.schedule("known", T0)
    rig.work.settle(timeout=5)  # the unknown kind does not block settle
    assert [t.kind for t in rig.fired] == ["known"]
    assert rig.timers.due_count() == 1
    assert caplog.text.count("'later' has no handler") == 1
    rig.timers.register("later", rig.record)
    rig.work.settle(timeout=5)
    assert [t.kind for t in rig.fired] == ["known", "later"]


def test_rows_from_a_previous_run_fire_on_start(tmp_path: Path, loop_thread: LoopThread) -> None:
    path = tmp_path / "cloudlet.db"
    previous = Rig(loop_thread, open_db(path))
    previous.timers.register("wake", previous.record)  # never started: the "crash" came first
    previous.schedule("wake", T0 - 5, {"from": "previous run"})
    previous.db.close()

    rig = Rig(loop_thread, open_db(path))
    try:
        rig.timers.register("wake", rig.record)
        with pytest.raises(SettleTimeout, match="timers"):
            rig.work.settle(timeout=0.05)  # due, but nobody runs the loop yet
        rig.start()
        rig.work.settle(timeout=5)
        assert [t.payload for t in rig.fired] == [{"from": "previous run"}]
    finally:
        rig.stop()
        rig.db.close()


def test_stop_is_clean_and_restartable(rig: Rig) -> None:
    rig.timers.register("wake", rig.record)
    rig.start()
    with pytest.raises(RuntimeError):
        rig.start()
    rig.stop()
    rig.stop()  # idempotent
    rig.schedule("wake", T0)
    rig.start()
    rig.work.settle(timeout=5)
    assert len(rig.fired) == 1


def test_loop_crash_is_recorded(rig: Rig) -> None:
    rig.timers.register("wake", rig.record)
    task = rig.loop_thread.call(rig.timers.start)
    rig.work.settle(timeout=5)
    rig.db.close()
    rig.clock.advance(1)  # wakes the loop, whose next query hits the closed database
    with pytest.raises(sqlite3.ProgrammingError):
        rig.loop_thread.run(task)
    assert [f.label for f in rig.work.failures()] == ["timers:loop"]


def test_has_due_is_the_work_probe(rig: Rig) -> None:
    rig.timers.register("wake", rig.record)
    rig.schedule("wake", T0 + 1)
    rig.schedule("unhandled", T0)
    assert rig.timers.has_due() is False
    rig.clock.advance(1)
    assert rig.timers.has_due() is True
    assert rig.timers.due_count() == 2


def test_system_clock_timer_fires_without_sleeping_in_the_test() -> None:
    db = open_db()
    work = WorkTracker()
    timers = Timers(db, SystemClock(), work)
    clock = SystemClock()

    async def main() -> tuple[Timer, list[str]]:
        fired: asyncio.Future[Timer] = asyncio.get_running_loop().create_future()
        timers.register("soon", fired.set_result)
        timers.register("late", lambda t: None)
        timers.start()
        await asyncio.sleep(0)  # let the loop settle into waiting on nothing
        with db.transaction() as tx:
            timers.schedule(tx, "late", clock.now() + 3600)
        await asyncio.sleep(0)
        with db.transaction() as tx:  # earlier than what the loop waits for: must wake it
            timers.schedule(tx, "soon", clock.now() + 0.05, {"x": 1})
        timer = await asyncio.wait_for(fired, timeout=5)
        names = [threading.current_thread().name]
        await timers.stop()
        return timer, names

    timer, _ = asyncio.run(main())
    assert timer.payload == {"x": 1}
    assert timers.due_count() == 0
    assert timers.next_due() is not None  # the "late" one stays
    db.close()
