"""create_app(settings) -> App: the only composition root.

An App holds one server's state: clock, database, migrations, timers, hub, work tracker, the router
and the services (each imported and set up on first use). Nothing lives at module level, so every
test gets a fresh App.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from cloudlet import __version__
from cloudlet.core.clock import Clock, SystemClock, VirtualClock
from cloudlet.core.db import Database
from cloudlet.core.hub import Hub
from cloudlet.core.migrations import Migrations, register_core
from cloudlet.core.outbox import Outbox
from cloudlet.core.timers import Timers
from cloudlet.core.work import WorkTracker
from cloudlet.gateway.routing import Router
from cloudlet.services import registry
from cloudlet.services.spec import LoadedService, ServiceSpec, load
from cloudlet.settings import Settings

if TYPE_CHECKING:
    from cloudlet.gateway.context import RequestContext
    from cloudlet.protocol.http import HttpRequest, HttpResponse

log = logging.getLogger("cloudlet")


class App:
    def __init__(self, settings: Settings, clock: Clock | None = None) -> None:
        self.settings = settings
        self.clock: Clock = clock or (VirtualClock() if settings.virtual_clock else SystemClock())
        self.work = WorkTracker()
        self.db = Database(settings.db_path)
        self.db.on_callback_error = lambda exc: self.work.record_failure(exc, "after_commit")
        self.migrations = Migrations()
        register_core(self.migrations)
        self.hub = Hub(self.work)
        self.timers = Timers(self.db, self.clock, self.work)
        self.specs: dict[str, ServiceSpec] = {spec.name: spec for spec in registry.select(settings.services)}
        self.service_of_model: dict[str, str] = {
            model: spec.name for spec in self.specs.values() for model in spec.models
        }
        self.router = Router(self.service_of_model)
        self._services: dict[str, LoadedService] = {}
        self._load_lock = threading.Lock()
        self.started = threading.Event()
        self.started_at: float | None = None
        self._on_started: list[Callable[[], None]] = []
        self._on_reset: list[Callable[[], None]] = []
        self._on_stopping: list[Callable[[], None]] = []
        self.stopping = False
        """True once shutdown has begun: long-lived requests (long polls) answer now."""
        self.outbox = Outbox(self.db, self.clock)
        """E-mail and SMS the services sent (`GET /_cloudlet/outbox`, `cloudlet outbox`)."""
        self.on_stopping(self.outbox.close)
        self.internal_routes: dict[
            tuple[str, str], Callable[[HttpRequest], HttpResponse | Awaitable[HttpResponse]]
        ] = {}
        """Extra `/_cloudlet/*` endpoints registered by services: (method, path) → handler."""
        self.dispatch: Callable[[HttpRequest], Awaitable[HttpResponse]] | None = None
        """Answers an AWS API request from inside the App as if it had arrived over HTTP (set by the
        gateway); API Gateway's AWS integrations call services through it."""
        self.call: Callable[[str, str, dict[str, Any], str, str], Awaitable[dict[str, Any]]] | None = None
        """`await app.call(model, operation, request_dict, account, region)`: run one operation of a
        served model from inside the App, validated as a wire request would be (set by the gateway;
        CloudFormation's resource providers create resources through it)."""
        self.call_observers: list[Callable[[RequestContext, dict[str, Any], dict[str, Any]], None]] = []
        """Called after every successful operation with (ctx, request, response), on the request's
        thread; registered by services (EventBridge's "AWS API Call via CloudTrail" events). Each must
        be cheap when it has nothing to do and must not raise."""

    # -- services ------------------------------------------------------------------------------

    def service(self, name: str) -> LoadedService:
        """The loaded service `name`, importing and setting it up on first use."""
        loaded = self._services.get(name)
        if loaded is not None:
            return loaded
        with self._load_lock:
            loaded = self._services.get(name)
            if loaded is None:
                began = time.perf_counter()
                loaded = load(self.specs[name], self)
                self.migrations.apply(self.db)
                self._services[name] = loaded
                log.debug("loaded service %s in %.1f ms", name, (time.perf_counter() - began) * 1000)
        return loaded

    def service_for_model(self, model_name: str) -> LoadedService:
        return self.service(self.service_of_model[model_name])

    def service_states(self) -> dict[str, str]:
        """`running` (loaded), `available` (loads on first request) or `not_implemented`."""
        states: dict[str, str] = {}
        for name, spec in self.specs.items():
            if not any(spec.models.values()):
                states[name] = "not_implemented"
            else:
                states[name] = "running" if name in self._services else "available"
        return states

    def health(self) -> dict[str, Any]:
        return {
            "status": "running" if self.started.is_set() else "starting",
            "version": __version__,
            "edition": "cloudlet",
            "services": self.service_states(),
            "data_dir": None if self.settings.in_memory else str(self.settings.data_dir),
            "in_memory": self.settings.in_memory,
            "clock": {"virtual": self.clock.is_virtual, "now": self.clock.now()},
            "uptime_s": None if self.started_at is None else round(time.monotonic() - self.started_at, 3),
        }

    # -- lifecycle -----------------------------------------------------------------------------

    def on_started(self, fn: Callable[[], None]) -> Callable[[], None]:
        """Register `fn` to run once the server is ready (decorator)."""
        self._on_started.append(fn)
        return fn

    def on_reset(self, fn: Callable[[], None]) -> Callable[[], None]:
        """Register `fn` to run after `reset()` deleted every row (services drop their caches)."""
        self._on_reset.append(fn)
        return fn

    def on_stopping(self, fn: Callable[[], None]) -> Callable[[], None]:
        """Register `fn` to run (on the event loop) when shutdown begins, before open requests are awaited."""
        self._on_stopping.append(fn)
        return fn

    def begin_shutdown(self) -> None:
        if self.stopping:
            return
        self.stopping = True
        for fn in self._on_stopping:
            fn()

    async def start(self) -> None:
        self.work.attach_loop(asyncio.get_running_loop())
        self.migrations.apply(self.db)
        self._load_services_with_pending_timers()
        self._load_observing_services()
        self.timers.start()
        self.started_at = time.monotonic()
        self.started.set()
        for fn in self._on_started:
            fn()

    async def stop(self) -> None:
        self.begin_shutdown()
        await self.timers.stop()
        self.work.attach_loop(None)
        self.db.close()
        self.started.clear()

    def _load_services_with_pending_timers(self) -> None:
        """Timer kinds are `<service>.<what>`: services owning timers left by a previous run load now."""
        with self.db.read() as conn:
            kinds = [row[0] for row in conn.execute("SELECT DISTINCT kind FROM core_timer")]
        for kind in kinds:
            owner = kind.split(".", 1)[0]
            if owner in self.specs:
                self.service(owner)

    def _load_observing_services(self) -> None:
        """Services observing calls (`ServiceSpec.observes_calls`) that have state in this database load
        now, so that the first call after a restart is observed too."""
        stored = self.migrations.applied(self.db)
        for spec in self.specs.values():
            if spec.observes_calls and stored.get(spec.name):
                self.service(spec.name)

    def reset(self) -> None:
        """Delete every resource of every service (schema stays)."""
        with self.db.transaction() as tx:
            tables = [
                row[0]
                for row in tx.fetchall("SELECT name FROM sqlite_master WHERE type = 'table'")
                if not row[0].startswith("sqlite_") and row[0] != "cloudlet_schema"
            ]
            for table in tables:
                tx.execute(f'DELETE FROM "{table}"')
        for fn in self._on_reset:
            fn()
        self.work.clear_failures()


def create_app(settings: Settings | None = None, clock: Clock | None = None) -> App:
    return App(settings or Settings.from_env(), clock)
