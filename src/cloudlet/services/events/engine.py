"""The EventBridge state of one App: buses (the `default` bus of each account and region exists from the
start), the per-bus index of enabled pattern rules, and the hooks other modules register.

`setup(app)` registers the schema and timer kinds and returns the `Events` object operations reach
through `ctx.app.service("events").state`. What a bus does with an event lives in `api.py` (entries
in), `delivery.py` and `senders.py` (matching, targets, retries), `archives.py`, `schedules.py` and
`cloudtrail.py`; this module only owns the shared state.
"""

from __future__ import annotations

import json
import logging
import threading
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from cloudlet.core.db import Tx
from cloudlet.core.patterns import Pattern, compile_pattern
from cloudlet.services.events import store

if TYPE_CHECKING:
    import sqlite3

    from cloudlet.app import App

log = logging.getLogger("cloudlet.events")

DEFAULT_BUS = "default"


def bus_arn(account: str, region: str, name: str) -> str:
    return f"arn:aws:events:{region}:{account}:event-bus/{name}"


def rule_arn(account: str, region: str, bus_name: str, name: str) -> str:
    if bus_name == DEFAULT_BUS:
        return f"arn:aws:events:{region}:{account}:rule/{name}"
    return f"arn:aws:events:{region}:{account}:rule/{bus_name}/{name}"


@dataclass(slots=True)
class IndexedRule:
    """An enabled pattern rule of a bus, compiled once, with its targets."""

    rule: store.Rule
    pattern: Pattern
    targets: list[dict[str, Any]]


@dataclass(slots=True)
class BusIndex:
    """The enabled pattern rules of one bus: by exact `source` value where the pattern lists plain
    sources (most do), else in `other` (checked for every event)."""

    by_source: dict[str, list[IndexedRule]] = field(default_factory=dict)
    other: list[IndexedRule] = field(default_factory=list)

    def candidates(self, event: dict[str, Any]) -> list[IndexedRule]:
        source = event.get("source")
        found = self.by_source.get(source, []) if isinstance(source, str) else []
        return found + self.other if self.other else found


class Events:
    def __init__(self, app: App) -> None:
        self.app = app
        self.db = app.db
        self.clock = app.clock
        self.timers = app.timers
        self._lock = threading.Lock()
        self._indexes: dict[str, BusIndex] = {}
        self.api_destinations: Any = None
        """`api_destinations.Runtime`: OAuth tokens and invocation rates (set by its `register`)."""

    # -- buses ----------------------------------------------------------------------------------------

    def bus(self, conn: sqlite3.Connection | Tx, account: str, region: str, name: str) -> store.Bus | None:
        """The bus `name` (the default bus always exists: it is created on first use)."""
        arn = bus_arn(account, region, name)
        found = store.get_bus(conn, arn)
        if found is None and name == DEFAULT_BUS:
            now = self.clock.now()
            found = store.Bus(arn, account, region, DEFAULT_BUS, created_at=now, modified_at=now)
            if isinstance(conn, Tx):
                store.insert_bus(conn, found)
            else:
                with self.db.transaction() as tx:
                    if store.get_bus(tx, arn) is None:
                        store.insert_bus(tx, found)
        return found

    # -- rule index ------------------------------------------------------------------------------------

    def index(self, conn: sqlite3.Connection | Tx, bus: str) -> BusIndex:
        """The compiled index of a bus ARN's enabled pattern rules (built on first use)."""
        index = self._indexes.get(bus)
        if index is not None:
            return index
        index = BusIndex()
        targets = store.targets_of_bus(conn, bus)
        for rule in store.rules_of_bus(conn, bus):
            if rule.event_pattern is None or not rule.state.startswith("ENABLED"):
                continue
            try:
                document = json.loads(rule.event_pattern)
                pattern = compile_pattern(document, flavor="eventbridge")
            except Exception:  # stored patterns were validated; never let one break the bus
                log.exception("rule %s has an unusable pattern", rule.arn)
                continue
            entry = IndexedRule(rule, pattern, targets.get(rule.arn, []))
            sources = document.get("source") if isinstance(document, dict) else None
            if isinstance(sources, list) and sources and all(isinstance(s, str) for s in sources):
                for source in set(sources):
                    index.by_source.setdefault(source, []).append(entry)
            else:
                index.other.append(entry)
        with self._lock:
            self._indexes[bus] = index
        return index

    def invalidate(self, tx: Tx | None, bus: str) -> None:
        """Drop a bus's index after a rule or target change (after `tx` commits, and now)."""
        with self._lock:
            self._indexes.pop(bus, None)
        if tx is not None:
            tx.after_commit(lambda: self._drop(bus))

    def _drop(self, bus: str) -> None:
        with self._lock:
            self._indexes.pop(bus, None)

    def clear(self) -> None:
        with self._lock:
            self._indexes.clear()


def setup(app: App) -> Events:
    from cloudlet.services.events import api_destinations, archives, cloudtrail, delivery, schedules

    app.migrations.register("events", store.MIGRATIONS)
    events = Events(app)
    app.on_reset(events.clear)
    delivery.register(app, events)
    schedules.register(app, events)
    archives.register(app, events)
    cloudtrail.register(app, events)
    api_destinations.register(app, events)
    return events
