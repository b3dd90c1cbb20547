"""The SQS service state of one App: queues, messages, move tasks, long-poll signals and timers.

`setup(app)` registers the schema and timer kinds and returns the `Sqs` object operations reach through
`ctx.app.service("sqs").state`.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

from cloudlet.core.waits import Signal
from cloudlet.services.sqs import store
from cloudlet.services.sqs.api import MessagesAvailable
from cloudlet.services.sqs.messages import Messages
from cloudlet.services.sqs.movetasks import MoveTasks
from cloudlet.services.sqs.queues import Queues
from cloudlet.services.sqs.store import QueueRow

if TYPE_CHECKING:
    from cloudlet.app import App


class Sqs:
    def __init__(self, app: App) -> None:
        self.app = app
        self.db = app.db
        self.clock = app.clock
        self.timers = app.timers
        self.hub = app.hub
        self.queues = Queues(self)
        self.messages = Messages(self)
        self.move_tasks = MoveTasks(self)
        self._signals: dict[int, Signal] = {}
        self._pollers = 0
        self._pollers_changed = threading.Condition()

    # -- long pollers ----------------------------------------------------------------------------------
    def poller_waiting(self, delta: int) -> None:
        """A long poll started (+1) or stopped (-1) waiting."""
        with self._pollers_changed:
            self._pollers += delta
            self._pollers_changed.notify_all()

    def wait_for_pollers(self, count: int, timeout: float = 5.0) -> bool:
        """Block (off the event loop) until at least `count` long polls are waiting; for tests and tools."""
        with self._pollers_changed:
            return self._pollers_changed.wait_for(lambda: self._pollers >= count, timeout)

    def signal(self, queue_id: int) -> Signal:
        """The wake-up long pollers of a queue wait on."""
        sig = self._signals.get(queue_id)
        if sig is None:
            sig = self._signals[queue_id] = Signal(self.app.work)
        return sig

    def messages_available(self, queue: QueueRow) -> None:
        """After a commit that made messages receivable: wake long pollers and tell the hub."""
        sig = self._signals.get(queue.id)
        if sig is not None:
            sig.notify()
        self.hub.publish(MessagesAvailable(queue.cache["arn"]))

    def queue_changed(self, queue: QueueRow) -> None:
        """After a commit that changed or deleted a queue: pollers re-read it."""
        sig = self._signals.pop(queue.id, None)
        if sig is not None:
            sig.notify()
        self.messages.forget_expiry(queue.id)

    def wake_all(self) -> None:
        """Wake every long poll (they re-check and, once the App is stopping, answer empty)."""
        for sig in self._signals.values():
            sig.notify()

    def reset(self) -> None:
        self.queues.clear_cache()
        for sig in self._signals.values():
            sig.notify()
        self._signals.clear()
        self.messages.forget_expiry(None)


def setup(app: App) -> Sqs:
    app.migrations.register("sqs", store.MIGRATIONS)
    sqs = Sqs(app)
    app.timers.register("sqs.expire", sqs.messages.on_expire_timer)
    app.timers.register("sqs.move", sqs.move_tasks.on_timer)
    app.on_reset(sqs.reset)
    app.on_stopping(sqs.wake_all)
    return sqs
