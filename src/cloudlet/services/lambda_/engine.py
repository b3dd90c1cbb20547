"""The Lambda service state of one App: functions, aliases, permissions, invocation (sync and async),
event-invoke configs, concurrency, and the warm worker pool that runs handlers.

`setup(app)` registers the schema and the `lambda.async` timer kind, and returns the `Lambda` object
operations reach through `ctx.app.service("lambda").state`.
"""

from __future__ import annotations

import asyncio
import shutil
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cloudlet.services.lambda_ import store
from cloudlet.services.lambda_.aliases import Aliases
from cloudlet.services.lambda_.async_invoke import TIMER_KIND, AsyncInvoker
from cloudlet.services.lambda_.code import Code, code_root
from cloudlet.services.lambda_.esm.mappings import TIMER_KIND as ESM_TIMER_KIND
from cloudlet.services.lambda_.esm.mappings import Mappings
from cloudlet.services.lambda_.functions import Functions
from cloudlet.services.lambda_.invoke import Invoker
from cloudlet.services.lambda_.layers import Layers
from cloudlet.services.lambda_.permissions import Permissions

if TYPE_CHECKING:
    from cloudlet.app import App
    from cloudlet.runtime.pool import FunctionSpec, Pool

UNRESERVED_MINIMUM = 100


class Lambda:
    def __init__(self, app: App) -> None:
        self.app = app
        self.db = app.db
        self.clock = app.clock
        self.timers = app.timers
        self.code_root = code_root(None if app.settings.in_memory else app.settings.data_dir)
        self._temporary_root = app.settings.in_memory
        self.functions = Functions(self)
        self.aliases = Aliases(self)
        self.permissions = Permissions(self)
        self.layers = Layers(self)
        self.invoker = Invoker(self)
        self.async_invoker = AsyncInvoker(self)
        self.mappings = Mappings(self)
        self._pool: Pool | None = None

    @property
    def endpoint_url(self) -> str:
        return self.app.settings.endpoint

    @property
    def pool(self) -> Pool:
        if self._pool is None:
            from cloudlet.runtime.pool import Pool

            self._pool = Pool(self.app, self._write_logs)
        return self._pool

    def pool_retire(self, key: store.Key) -> None:
        if self._pool is not None:
            from cloudlet.services.lambda_.functions import function_arn

            self._pool.retire(function_arn(key))

    def code_path(self, code: Code) -> Path:
        return Path(code.dir)

    def layer_dir(self, arn: str) -> Path | None:
        """The extracted files of a layer version, also once deleted (functions using it keep working)."""
        return self.layers.directory(arn)

    @property
    def account_concurrency(self) -> int:
        """The account's concurrency limit (`--lambda-concurrency`; AWS's default quota is 1,000)."""
        return int(self.app.settings.lambda_concurrency)

    def concurrency_limit(self, key: store.Key) -> int:
        row = self.functions.row(key)
        if row["concurrency"] is None:
            return max(1, self.account_concurrency - UNRESERVED_MINIMUM)
        return int(row["concurrency"])

    def invoke_config(self, key: store.Key, qualifier: str | None, version: str) -> dict[str, Any]:
        """The event-invoke config that applies: the qualifier's, else the unqualified function's."""
        with self.db.read() as conn:
            for sub in (qualifier or "", version if version != "$LATEST" else "$LATEST", ""):
                doc = store.get_doc(conn, "lambda_invoke_config", "config", key, sub)
                if doc is not None:
                    return doc
        return {}

    def _write_logs(self, spec: FunctionSpec, stream: str, events: list[tuple[int, str]]) -> None:
        if "logs" not in self.app.specs or not events:
            return
        try:
            from cloudlet.services.logs import api as logs_api
        except ImportError:
            return
        logs_api.append(self.app, spec.account, spec.region, spec.log_group, stream, events)

    def discard_temporary_code(self) -> None:
        if self._temporary_root:
            shutil.rmtree(self.code_root, ignore_errors=True)


def setup(app: App) -> Lambda:
    app.migrations.register("lambda", store.MIGRATIONS)
    lam = Lambda(app)
    app.timers.register(TIMER_KIND, lam.async_invoker.on_timer)
    app.timers.register(ESM_TIMER_KIND, lam.mappings.on_timer)
    app.on_stopping(lam.mappings.stop_all)
    # Resume mappings once the schema is applied (App.service applies migrations after setup returns).
    try:
        asyncio.get_running_loop().call_soon(lam.mappings.resume_all)
    except RuntimeError:  # loaded outside the event loop (tools, tests): nothing polls there anyway
        pass
    app.on_stopping(lam.discard_temporary_code)  # the pool stops its own workers when the App stops
    return lam
