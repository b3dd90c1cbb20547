from __future__ import annotations

import math
import threading
import time
from datetime import datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cloudlet.core.clock import Clock, SystemClock, VirtualClock, epoch_ms, iso8601


def test_system_clock_reads_wall_time() -> None:
    clock = SystemClock()
    before = time.time()
    now = clock.now()
    assert before <= now <= time.time()
    assert clock.is_virtual is False
    assert isinstance(clock, Clock)


def test_system_clock_subscribe_is_a_noop() -> None:
    calls: list[None] = []
    unsubscribe = SystemClock().subscribe(lambda: calls.append(None))
    unsubscribe()
    assert calls == []


def test_virtual_clock_starts_at_given_time_and_stands_still() -> None:
    clock = VirtualClock(1000.0)
    assert clock.now() == 1000.0
    assert clock.now() == 1000.0
    assert clock.is_virtual is True
    assert isinstance(clock, Clock)


def test_virtual_clock_defaults_to_wall_time() -> None:
    before = time.time()
    clock = VirtualClock()
    assert before <= clock.now() <= time.time()


def test_advance_moves_forward() -> None:
    clock = VirtualClock(1000.0)
    clock.advance(2.5)
    clock.advance(0)
    assert clock.now() == 1002.5


@pytest.mark.parametrize("bad", [-0.001, -5, math.nan])
def test_advance_rejects_negative_and_nan(bad: float) -> None:
    clock = VirtualClock(1000.0)
    with pytest.raises(ValueError):
        clock.advance(bad)
    assert clock.now() == 1000.0


def test_set_jumps_but_never_backwards() -> None:
    clock = VirtualClock(1000.0)
    clock.set(1500.0)
    clock.set(1500.0)
    assert clock.now() == 1500.0
    with pytest.raises(ValueError):
        clock.set(1499.0)
    assert clock.now() == 1500.0


def test_subscribers_run_after_the_move_and_can_unsubscribe() -> None:
    clock = VirtualClock(1000.0)
    seen: list[tuple[str, float]] = []
    unsubscribe_a = clock.subscribe(lambda: seen.append(("a", clock.now())))
    clock.subscribe(lambda: seen.append(("b", clock.now())))
    clock.advance(1)
    clock.set(1005)
    unsubscribe_a()
    unsubscribe_a()  # idempotent
    clock.advance(1)
    assert seen == [("a", 1001.0), ("b", 1001.0), ("a", 1005.0), ("b", 1005.0), ("b", 1006.0)]


def test_failed_advance_does_not_notify() -> None:
    clock = VirtualClock(1000.0)
    calls: list[None] = []
    clock.subscribe(lambda: calls.append(None))
    with pytest.raises(ValueError):
        clock.advance(-1)
    assert calls == []


def test_concurrent_advances_are_not_lost() -> None:
    clock = VirtualClock(0.0)
    notified = []
    clock.subscribe(lambda: notified.append(1))
    start = threading.Barrier(8)

    def worker() -> None:
        start.wait()
        for _ in range(500):
            clock.advance(1)

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert clock.now() == 4000.0
    assert len(notified) == 4000


def test_iso8601_known_values() -> None:
    assert iso8601(0) == "1970-01-01T00:00:00.000Z"
    assert iso8601(1700000000.123) == "2023-11-14T22:13:20.123Z"
    assert iso8601(1700000000.9996) == "2023-11-14T22:13:21.000Z"


def test_epoch_ms_rounds_float_noise() -> None:
    assert epoch_ms(1.001) == 1001
    assert epoch_ms(1700000000.123) == 1700000000123
    assert epoch_ms(0) == 0


@given(st.integers(min_value=0, max_value=4_102_444_800_000))
def test_iso8601_round_trips_through_datetime(ms: int) -> None:
    text = iso8601(ms / 1000)
    assert len(text) == 24 and text.endswith("Z")
    assert epoch_ms(ms / 1000) == ms
    parsed = datetime.fromisoformat(text)
    assert round(parsed.timestamp() * 1000) == ms
