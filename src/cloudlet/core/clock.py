"""The one source of time: the `Clock` protocol, `SystemClock` and the test-driven `VirtualClock`.

Also timestamp rendering helpers (`iso8601`, `epoch_ms`). Scheduling lives in `core/timers.py`, not here.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from functools import lru_cache
from typing import Protocol, runtime_checkable

__all__ = ["Clock", "SystemClock", "VirtualClock", "epoch_ms", "iso8601"]


@runtime_checkable
class Clock(Protocol):
    """What every component reads time from."""

    is_virtual: bool

    def now(self) -> float:
        """Current time, epoch seconds."""
        ...

    def subscribe(self, callback: Callable[[], None]) -> Callable[[], None]:
        """Call `callback` (possibly from another thread) whenever time jumps; returns an unsubscribe fn."""
        ...


def _noop() -> None:
    return None


class SystemClock:
    """Wall-clock time; it never jumps, so subscribers are never called."""

    is_virtual = False

    def now(self) -> float:
        return time.time()

    def subscribe(self, callback: Callable[[], None]) -> Callable[[], None]:
        return _noop


class VirtualClock:
    """Time that moves only when told (`advance`, `set`); thread-safe.

    Subscribers run after the move, outside the lock, on the thread that moved the clock.
    """

    is_virtual = True

    def __init__(self, start: float | None = None) -> None:
        self._lock = threading.Lock()
        self._now = time.time() if start is None else float(start)
        self._subscribers: dict[int, Callable[[], None]] = {}
        self._next_token = 0

    def now(self) -> float:
        with self._lock:
            return self._now

    def advance(self, seconds: float) -> None:
        """Move forward by `seconds` (>= 0)."""
        if not seconds >= 0:  # also rejects NaN
            raise ValueError(f"cannot advance the clock by {seconds!r}; seconds must be >= 0")
        with self._lock:
            self._now += seconds
        self._notify()

    def set(self, t: float) -> None:
        """Jump to absolute time `t`; the clock never goes backwards."""
        with self._lock:
            if not t >= self._now:
                raise ValueError(f"cannot set the clock back from {self._now!r} to {t!r}")
            self._now = float(t)
        self._notify()

    def subscribe(self, callback: Callable[[], None]) -> Callable[[], None]:
        with self._lock:
            token = self._next_token
            self._next_token += 1
            self._subscribers[token] = callback

        def unsubscribe() -> None:
            with self._lock:
                self._subscribers.pop(token, None)

        return unsubscribe

    def _notify(self) -> None:
        with self._lock:
            callbacks = list(self._subscribers.values())
        for callback in callbacks:
            callback()


def iso8601(ts: float) -> str:
    """UTC ISO-8601 with millisecond precision and a 'Z' suffix: `2024-01-02T03:04:05.678Z`."""
    ms = epoch_ms(ts)
    return f"{_second(ms // 1000)}.{ms % 1000:03d}Z"


@lru_cache(maxsize=64)
def _second(seconds: int) -> str:
    """`2024-01-02T03:04:05` for epoch `seconds` (memoised: every message of a second shares it)."""
    return f"{datetime.fromtimestamp(seconds, tz=UTC):%Y-%m-%dT%H:%M:%S}"


def epoch_ms(ts: float) -> int:
    """Epoch seconds (float) → integer epoch milliseconds, rounded to the nearest (so 1.001 → 1001)."""
    return math.floor(ts * 1000 + 0.5)
