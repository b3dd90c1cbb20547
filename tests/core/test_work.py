from __future__ import annotations

import asyncio
import threading
from typing import TYPE_CHECKING

import pytest

from cloudlet.core.work import InternalFailures, SettleTimeout, WorkTracker

if TYPE_CHECKING:
    from tests.core.conftest import LoopThread


def test_settle_returns_when_idle() -> None:
    WorkTracker().settle(timeout=1)


def test_settle_times_out_listing_outstanding_work_and_probes() -> None:
    work = WorkTracker()
    work.begin("deliver:sns:sqs")
    work.add_probe("timers", lambda: True)
    work.add_probe("quiet", lambda: False)
    with pytest.raises(SettleTimeout) as info:
        work.settle(timeout=0.05)
    assert "deliver:sns:sqs" in str(info.value)
    assert "timers" in str(info.value)
    assert "quiet" not in str(info.value)
    assert isinstance(info.value, TimeoutError)


def test_begin_end_track_and_idempotent_end() -> None:
    work = WorkTracker()
    token = work.begin("a")
    with work.track("b"):
        assert sorted(work.outstanding()) == ["a", "b"]
    work.end(token)
    work.end(token)
    work.end(12345)
    assert work.outstanding() == []


def test_track_ends_on_exception() -> None:
    work = WorkTracker()
    with pytest.raises(ValueError), work.track("x"):
        raise ValueError
    assert work.outstanding() == []


def test_atrack() -> None:
    work = WorkTracker()

    async def main() -> list[str]:
        async with work.atrack("async-job"):
            inside = work.outstanding()
        return inside

    assert asyncio.run(main()) == ["async-job"]
    assert work.outstanding() == []


def test_settle_waits_for_work_ended_on_the_loop_thread(loop_thread: LoopThread) -> None:
    work = WorkTracker()
    work.attach_loop(loop_thread.loop)
    token = work.begin("job")
    ended_on: list[str] = []

    def finish() -> None:
        ended_on.append(threading.current_thread().name)
        work.end(token)

    def probe() -> bool:
        # Runs inside settle(), after it has seen "job" outstanding: only now let the loop finish it.
        if not ended_on and work.outstanding():
            loop_thread.loop.call_soon_threadsafe(finish)
        return False

    work.add_probe("trigger", probe)
    work.settle(timeout=5)
    assert ended_on == ["test-loop"]
    assert work.outstanding() == []


def test_settle_waits_while_a_probe_is_true(loop_thread: LoopThread) -> None:
    work = WorkTracker()
    work.attach_loop(loop_thread.loop)
    state = {"due": True, "asked": False}

    def clear() -> None:
        state["due"] = False
        work.notify()

    def probe() -> bool:
        if not state["asked"]:
            state["asked"] = True
            loop_thread.loop.call_soon_threadsafe(clear)
        return state["due"]

    work.add_probe("due", probe)
    work.settle(timeout=5)
    assert state["due"] is False
    work.remove_probe("due")


def test_settle_sees_work_handed_off_through_a_loop_callback(loop_thread: LoopThread) -> None:
    """An after-commit style hand-off (queued before the work ends) is waited for."""
    work = WorkTracker()
    work.attach_loop(loop_thread.loop)
    loop = loop_thread.loop
    done: list[str] = []
    first = work.begin("first")

    def step3(token: int) -> None:
        done.append("step3")
        work.end(token)

    def step2() -> None:
        token = work.begin("second")
        loop.call_soon(step3, token)

    def step1() -> None:
        loop.call_soon(step2)
        work.end(first)

    loop.call_soon_threadsafe(step1)
    work.settle(timeout=5)
    assert done == ["step3"]


def test_raise_on_failure() -> None:
    work = WorkTracker()
    work.settle(raise_on_failure=True)
    work.record_failure(ValueError("boom"), "timer:x")
    work.settle()  # not asked to raise
    with pytest.raises(InternalFailures) as info:
        work.settle(raise_on_failure=True)
    assert [f.label for f in info.value.failures] == ["timer:x"]
    assert "ValueError: boom" in str(info.value)
    assert "ValueError: boom" in info.value.failures[0].traceback
    work.clear_failures()
    work.settle(raise_on_failure=True)


def test_failures_are_bounded() -> None:
    work = WorkTracker(max_failures=3)
    for i in range(5):
        work.record_failure(RuntimeError(str(i)))
    assert [str(f.exc) for f in work.failures()] == ["2", "3", "4"]


def test_settle_refuses_to_block_its_own_loop(loop_thread: LoopThread) -> None:
    work = WorkTracker()
    work.attach_loop(loop_thread.loop)
    with pytest.raises(RuntimeError, match="event loop"):
        loop_thread.call(work.settle, 1)


def test_settle_reports_a_blocked_loop(loop_thread: LoopThread) -> None:
    work = WorkTracker()
    work.attach_loop(loop_thread.loop)
    release = threading.Event()
    loop_thread.loop.call_soon_threadsafe(release.wait, 5)  # blocks the loop thread
    try:
        with pytest.raises(SettleTimeout, match="blocked"):
            work.settle(timeout=0.05)
    finally:
        release.set()


def test_settle_without_a_running_loop_falls_back_to_a_short_wait() -> None:
    work = WorkTracker()
    loop = asyncio.new_event_loop()
    try:
        work.attach_loop(loop)  # attached but not running
        work.settle(timeout=1)
    finally:
        loop.close()
