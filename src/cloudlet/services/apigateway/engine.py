"""The API Gateway service state of one App: database, clock, id generation, and the cache of compiled
deployments the invoke URLs serve (dropped whenever a stage or deployment changes)."""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any

from cloudlet.core import ids
from cloudlet.services.apigateway import store

if TYPE_CHECKING:
    from cloudlet.app import App
    from cloudlet.core.db import Tx


class ApiGateway:
    def __init__(self, app: App) -> None:
        self.app = app
        self.db = app.db
        self.clock = app.clock
        self._lock = threading.Lock()
        self._compiled: dict[tuple[str, str], Any] = {}
        """(api id, stage name) → what `serve` compiled for that stage's deployment."""
        self.runtime: dict[str, Any] = {}
        """Per-App in-memory state of the data plane (authorizer caches, throttle buckets), by owner name."""

    def new_id(self, conn: Any, kind: str, length: int = 10) -> str:
        """A fresh lowercase alphanumeric id, unique among `kind` rows (AWS: 10 characters for APIs,
        resources and keys; 6 for deployments, authorizers, models, validators and usage plans; 7 for
        v2 routes and integrations)."""
        while True:
            candidate = ids.short_id(length)
            if not store.exists_id(conn, kind, candidate):
                return candidate

    # -- compiled stages --------------------------------------------------------------------------------

    def compiled(self, api_id: str, stage: str) -> Any:
        return self._compiled.get((api_id, stage))

    def remember(self, api_id: str, stage: str, value: Any) -> None:
        with self._lock:
            self._compiled[(api_id, stage)] = value

    def invalidate(self, tx: Tx | None, api_id: str) -> None:
        """Forget what was compiled for `api_id`'s stages (now and again after `tx` commits). Call it
        from every operation that changes what a stage serves: deployments, stages, and for v2 any
        change an auto-deploying stage picks up."""
        self._drop(api_id)
        if tx is not None:
            tx.after_commit(lambda: self._drop(api_id))

    def _drop(self, api_id: str) -> None:
        with self._lock:
            for key in [k for k in self._compiled if k[0] == api_id]:
                del self._compiled[key]

    def clear(self) -> None:
        with self._lock:
            self._compiled.clear()
            self.runtime.clear()


def setup(app: App) -> ApiGateway:
    app.migrations.register("apigateway", store.MIGRATIONS)
    gw = ApiGateway(app)
    app.on_reset(gw.clear)
    return gw


def state(app: App) -> ApiGateway:
    gw: ApiGateway = app.service("apigateway").state
    return gw
