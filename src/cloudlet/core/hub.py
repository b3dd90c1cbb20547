"""In-process bus for facts between services: synchronous publish to subscribers by event type.

Events are frozen, past-tense dataclasses defined in the publishing service's `api.py`, not here.
Publish after commit, never inside a transaction.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any, TypeVar

from cloudlet.core.work import WorkTracker

__all__ = ["Hub"]

log = logging.getLogger(__name__)

E = TypeVar("E")
Callback = Callable[[Any], None]


class Hub:
    """Delivers each event to subscribers of its type and of its base classes, in subscription order.

    A subscriber that raises is logged and reported to the work tracker; the others still run.
    """

    def __init__(self, work: WorkTracker | None = None) -> None:
        self._work = work
        self._lock = threading.Lock()
        self._subscriptions: dict[type, dict[int, Callback]] = {}
        self._next_token = 0
        # event type → callbacks in subscription order; rebuilt lazily after any (un)subscribe.
        self._resolved: dict[type, tuple[Callback, ...]] = {}

    def subscribe(self, event_type: type[E], callback: Callable[[E], None]) -> Callable[[], None]:
        """Call `callback(event)` for every published instance of `event_type`; returns an unsubscribe fn."""
        with self._lock:
            token = self._next_token
            self._next_token += 1
            self._subscriptions.setdefault(event_type, {})[token] = callback
            self._resolved = {}

        def unsubscribe() -> None:
            with self._lock:
                subs = self._subscriptions.get(event_type)
                if subs is not None and subs.pop(token, None) is not None:
                    if not subs:
                        del self._subscriptions[event_type]
                    self._resolved = {}

        return unsubscribe

    def publish(self, event: object) -> None:
        for callback in self._callbacks_for(type(event)):
            try:
                callback(event)
            except Exception as exc:
                label = f"hub:{type(event).__name__}"
                log.exception("hub subscriber %r failed on %s", callback, type(event).__name__)
                if self._work is not None:
                    self._work.record_failure(exc, label)

    def _callbacks_for(self, event_type: type) -> tuple[Callback, ...]:
        resolved = self._resolved
        callbacks = resolved.get(event_type)
        if callbacks is not None:
            return callbacks
        with self._lock:
            found: list[tuple[int, Callback]] = []
            for cls in event_type.__mro__:
                found.extend(self._subscriptions.get(cls, {}).items())
            callbacks = tuple(cb for _, cb in sorted(found, key=lambda item: item[0]))
            self._resolved[event_type] = callbacks
        return callbacks
