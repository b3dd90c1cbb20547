"""The WorkTracker behind `settle()`: outstanding work, "due but not begun" probes, internal failures.

Thread-safe: work begins and ends on the event-loop thread while a test thread blocks in `settle()`.
It does not schedule or run anything itself.
"""

from __future__ import annotations

import asyncio
import threading
import time
import traceback
from collections import deque
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass

__all__ = ["Failure", "InternalFailures", "SettleTimeout", "WorkTracker"]

# Safety net only: settle() is woken by notify() on every begin/end/notify; this bounds how long a
# missed notification (a probe that flipped without anyone calling notify()) can delay it.
_WAIT_SLICE_S = 0.05
# Without an attached loop, the second idle check waits this long for stragglers (or a notify).
_IDLE_CONFIRM_S = 0.005


class SettleTimeout(TimeoutError):
    """`settle()` ran out of time; the message lists outstanding work and probes still true."""


@dataclass(frozen=True)
class Failure:
    """An internal failure (a handler or subscriber raised) recorded for the test to see."""

    label: str
    exc: BaseException
    traceback: str


class InternalFailures(Exception):
    """Raised by `settle(raise_on_failure=True)` when internal failures were recorded."""

    def __init__(self, failures: list[Failure]) -> None:
        self.failures = failures
        lines = [f"{len(failures)} internal failure(s):"]
        lines += [f"  [{f.label or '-'}] {type(f.exc).__name__}: {f.exc}" for f in failures]
        super().__init__("\n".join(lines))


class WorkTracker:
    """Counts work in progress so a test can wait, without sleeping, until the server is idle."""

    def __init__(self, max_failures: int = 100) -> None:
        self._cond = threading.Condition(threading.Lock())
        self._outstanding: dict[int, str] = {}
        self._next_token = 1
        self._generation = 0  # bumped by every begin/end/notify
        self._probes: dict[str, Callable[[], bool]] = {}
        self._failures: deque[Failure] = deque(maxlen=max_failures)
        self._loop: asyncio.AbstractEventLoop | None = None

    # -- work ---------------------------------------------------------------------------------------
    def begin(self, label: str) -> int:
        with self._cond:
            token = self._next_token
            self._next_token += 1
            self._outstanding[token] = label
            self._generation += 1
            self._cond.notify_all()
        return token

    def end(self, token: int) -> None:
        """Finish the work `token` names; ending it twice (or an unknown token) is a no-op."""
        with self._cond:
            if self._outstanding.pop(token, None) is not None:
                self._generation += 1
                self._cond.notify_all()

    @contextmanager
    def track(self, label: str) -> Iterator[None]:
        token = self.begin(label)
        try:
            yield
        finally:
            self.end(token)

    @asynccontextmanager
    async def atrack(self, label: str) -> AsyncIterator[None]:
        token = self.begin(label)
        try:
            yield
        finally:
            self.end(token)

    def outstanding(self) -> list[str]:
        with self._cond:
            return list(self._outstanding.values())

    def notify(self) -> None:
        """Wake `settle()` waiters: call when probe state may have changed."""
        with self._cond:
            self._generation += 1
            self._cond.notify_all()

    # -- probes -------------------------------------------------------------------------------------
    def add_probe(self, name: str, fn: Callable[[], bool]) -> None:
        """`fn()` is True while work is due but not yet begun; it runs on the thread calling settle()."""
        with self._cond:
            self._probes[name] = fn

    def remove_probe(self, name: str) -> None:
        with self._cond:
            self._probes.pop(name, None)

    def attach_loop(self, loop: asyncio.AbstractEventLoop | None) -> None:
        """Confirm idleness with a round trip through `loop` (callbacks it has queued run first)."""
        self._loop = loop

    # -- failures -----------------------------------------------------------------------------------
    def record_failure(self, exc: BaseException, label: str = "") -> None:
        tb = "".join(traceback.format_exception(exc))
        with self._cond:
            self._failures.append(Failure(label, exc, tb))
            self._generation += 1
            self._cond.notify_all()

    def failures(self) -> list[Failure]:
        with self._cond:
            return list(self._failures)

    def clear_failures(self) -> None:
        with self._cond:
            self._failures.clear()

    # -- settle -------------------------------------------------------------------------------------
    def settle(self, timeout: float = 10.0, raise_on_failure: bool = False) -> None:
        """Block until no work is outstanding and no probe is true, twice in a row with no activity between.

        The two idle checks are separated by a round trip through the attached loop (or a short wait
        without one), so work the loop was about to begin is seen. Raises SettleTimeout; with
        `raise_on_failure`, InternalFailures if any failure was recorded (they are kept; see
        `clear_failures`). Must not be called on the attached loop's thread.
        """
        self._refuse_on_loop_thread()
        deadline = time.monotonic() + timeout
        while True:
            gen, busy, probing = self._snapshot()
            if not busy and not probing:
                if not self._confirm_gap(deadline):
                    raise SettleTimeout(f"settle() timed out after {timeout:g}s: the event loop is blocked")
                gen2, busy, probing = self._snapshot()
                if not busy and not probing and gen2 == gen:
                    break
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise SettleTimeout(_timeout_message(timeout, busy, probing))
            if not busy and not probing:
                continue  # idle again, but something happened in between: check once more
            with self._cond:
                if self._generation == gen:
                    self._cond.wait(min(remaining, _WAIT_SLICE_S))
        if raise_on_failure:
            failures = self.failures()
            if failures:
                raise InternalFailures(failures)

    def _snapshot(self) -> tuple[int, list[str], list[str]]:
        with self._cond:
            gen = self._generation
            busy = list(self._outstanding.values())
            probes = list(self._probes.items())
        # Probes run outside the condition's lock: they may take the database lock, whose holder
        # (the loop thread) may be about to call begin()/end().
        probing = [name for name, fn in probes if fn()]
        return gen, busy, probing

    def _confirm_gap(self, deadline: float) -> bool:
        """Let in-flight handoffs surface between two idle checks; False if the loop did not answer."""
        remaining = max(0.0, deadline - time.monotonic())
        loop = self._loop
        if loop is not None and loop.is_running():
            done = threading.Event()
            try:
                loop.call_soon_threadsafe(done.set)
            except RuntimeError:  # closed meanwhile
                pass
            else:
                return done.wait(remaining)
        with self._cond:
            self._cond.wait(min(remaining, _IDLE_CONFIRM_S))
        return True

    def _refuse_on_loop_thread(self) -> None:
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            return
        if running is self._loop:
            raise RuntimeError("settle() blocks; it cannot run on the event loop it waits for")


def _timeout_message(timeout: float, busy: list[str], probing: list[str]) -> str:
    parts = [f"settle() timed out after {timeout:g}s"]
    if busy:
        parts.append(f"outstanding work: {', '.join(sorted(busy))}")
    if probing:
        parts.append(f"probes still true: {', '.join(sorted(probing))}")
    return "; ".join(parts)
