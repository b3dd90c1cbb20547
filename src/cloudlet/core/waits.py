"""Waiting on a condition with a deadline on the one clock: `Signal` and `wait_until`.

With the system clock the deadline is an event-loop timeout; with a virtual clock it passes when a
test moves the clock past it (the clock's jump callback wakes the waiter). Never a polling loop.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from cloudlet.core.clock import Clock
from cloudlet.core.work import WorkTracker

__all__ = ["Signal", "call_on_loop", "wait_until"]


def call_on_loop(loop: asyncio.AbstractEventLoop, fn: Callable[[], None]) -> None:
    """Run `fn` now if this thread runs `loop`, else schedule it there; a no-op once the loop closed."""
    try:
        running = asyncio.get_running_loop()
    except RuntimeError:
        running = None
    if running is loop:
        fn()
        return
    try:
        loop.call_soon_threadsafe(fn)
    except RuntimeError:  # loop closed
        pass


class Signal:
    """A broadcast wake-up for coroutines on one event loop: `notify()` wakes every current waiter.

    `notify()` may be called from any thread. With `work`, a woken waiter counts as work from the
    wake-up until it `discard`s its future (so `settle()` waits for what a commit woke).
    """

    __slots__ = ("_futures", "_loop", "_tokens", "_work")

    def __init__(self, work: WorkTracker | None = None) -> None:
        self._futures: set[asyncio.Future[None]] = set()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._work = work
        self._tokens: dict[asyncio.Future[None], int] = {}

    @property
    def waiting(self) -> int:
        return len(self._futures)

    def future(self) -> asyncio.Future[None]:
        """A future completed by the next `notify()`; pass it to `wait_until`, then `discard` it."""
        loop = asyncio.get_running_loop()
        self._loop = loop
        fut: asyncio.Future[None] = loop.create_future()
        self._futures.add(fut)
        return fut

    def discard(self, fut: asyncio.Future[None]) -> None:
        """Forget `fut` (always call this once the wait is over)."""
        self._futures.discard(fut)
        token = self._tokens.pop(fut, None)
        if token is not None and self._work is not None:
            self._work.end(token)

    def notify(self) -> None:
        loop = self._loop
        if loop is not None and self._futures:
            call_on_loop(loop, self._wake_all)

    def _wake_all(self) -> None:
        futures, self._futures = self._futures, set()
        for fut in futures:
            if not fut.done():
                if self._work is not None:
                    self._tokens[fut] = self._work.begin("wake-up")
                fut.set_result(None)


async def wait_until(
    clock: Clock, deadline: float, fut: asyncio.Future[None], work: WorkTracker | None = None
) -> bool:
    """Wait until `fut` completes or `clock` reaches `deadline`; True if `fut` completed first.

    With `work`, a virtual-clock jump past the deadline counts as work from the moment of the jump until
    this coroutine has resumed, so `settle()` right after `clock.advance()` waits for what it wakes.
    """
    if fut.done():
        return True
    remaining = deadline - clock.now()
    if remaining <= 0:
        return False
    if not clock.is_virtual:
        done, _ = await asyncio.wait({fut}, timeout=remaining)
        return bool(done)
    loop = asyncio.get_running_loop()
    passed: asyncio.Future[None] = loop.create_future()
    tokens: list[int] = []

    def on_jump() -> None:
        if clock.now() >= deadline and not tokens:
            if work is not None:
                tokens.append(work.begin("clock wake-up"))
            else:
                tokens.append(0)
            loop.call_soon_threadsafe(_complete, passed)

    unsubscribe = clock.subscribe(on_jump)
    try:
        if clock.now() >= deadline:  # moved between the first check and subscribing
            return False
        await asyncio.wait({fut, passed}, return_when=asyncio.FIRST_COMPLETED)
        return fut.done()
    finally:
        unsubscribe()
        if not passed.done():
            passed.cancel()
        if work is not None and tokens and tokens[0]:
            work.end(tokens[0])


def _complete(fut: asyncio.Future[None]) -> None:
    if not fut.done():
        fut.set_result(None)
