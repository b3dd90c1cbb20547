"""An in-process cloudlet server for tests: uvicorn on a free loopback port, in a background thread.

    with CloudletServer(Settings(...)) as server:
        sqs = server.client("sqs")
        server.clock.advance(30)
        server.settle()

`restart()` stops and starts again on the same data directory (what survives is what was durable).
"""

from __future__ import annotations

import asyncio
import socket
import threading
from dataclasses import replace
from functools import lru_cache
from pathlib import Path
from typing import Any

import uvicorn

from cloudlet.app import App, create_app
from cloudlet.core.clock import Clock
from cloudlet.gateway.asgi import Gateway
from cloudlet.gateway.serve import GatewayServer
from cloudlet.settings import Settings

START_TIMEOUT_S = 30.0


@lru_cache(maxsize=1)
def _botocore_session() -> Any:
    """One botocore session per process: clients share its loaded models (they hold no test state)."""
    import botocore.session

    return botocore.session.get_session()


def event_loop_name() -> str:
    try:
        import uvloop  # noqa: F401
    except ImportError:
        return "asyncio"
    return "uvloop"


class CloudletServer:
    def __init__(self, settings: Settings, clock: Clock | None = None) -> None:
        self.settings = settings
        self._clock = clock
        self.app: App | None = None
        self._thread: threading.Thread | None = None
        self._server: uvicorn.Server | None = None
        self._stop: asyncio.Event | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._error: BaseException | None = None
        self._ready = threading.Event()

    # -- lifecycle -----------------------------------------------------------------------------

    def start(self) -> CloudletServer:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((self.settings.host, self.settings.port))
        sock.listen(1024)
        port = sock.getsockname()[1]
        self.settings = replace(self.settings, port=port)
        self.app = create_app(self.settings, self._clock)
        self._clock = self.app.clock  # the same clock across restarts
        config = uvicorn.Config(
            Gateway(self.app),
            lifespan="on",
            loop=event_loop_name(),
            http="httptools",
            log_level="warning",
            access_log=False,
        )
        self._server = GatewayServer(config, self.app)
        self._ready.clear()
        self._error = None
        self._thread = threading.Thread(target=self._run, args=(sock,), name="cloudlet-server", daemon=True)
        self._thread.start()
        if not self._ready.wait(START_TIMEOUT_S):
            raise RuntimeError("cloudlet did not start in time")
        if self._error is not None:
            raise RuntimeError("cloudlet failed to start") from self._error
        return self

    def _run(self, sock: socket.socket) -> None:
        server = self._server
        assert server is not None
        config = server.config
        if not config.loaded:
            config.load()
        server.lifespan = config.lifespan_class(config)

        async def serve() -> None:
            self._loop = asyncio.get_running_loop()
            self._stop = asyncio.Event()
            try:
                await server.startup(sockets=[sock])
                if server.should_exit:
                    raise RuntimeError("start-up failed")
            except BaseException as exc:
                self._error = exc
                self._ready.set()
                return
            self._ready.set()
            await self._stop.wait()
            await server.shutdown(sockets=[sock])

        try:
            if event_loop_name() == "uvloop":
                import uvloop

                uvloop.run(serve())
            else:
                asyncio.run(serve())
        except BaseException as exc:
            self._error = exc
            self._ready.set()
        finally:
            sock.close()

    def stop(self) -> None:
        loop, stop, thread = self._loop, self._stop, self._thread
        if thread is None:
            return
        if loop is not None and stop is not None and not loop.is_closed():
            try:
                loop.call_soon_threadsafe(stop.set)
            except RuntimeError:
                pass
        thread.join(START_TIMEOUT_S)
        self._thread = self._loop = self._stop = None

    def restart(self) -> CloudletServer:
        """Stop, then start a fresh App on the same data directory, port and clock."""
        self.stop()
        return self.start()

    def __enter__(self) -> CloudletServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- what tests use ------------------------------------------------------------------------

    @property
    def endpoint(self) -> str:
        return self.settings.endpoint

    @property
    def port(self) -> int:
        return self.settings.port

    @property
    def data_dir(self) -> Path | None:
        return None if self.settings.in_memory else self.settings.data_dir

    @property
    def clock(self) -> Clock:
        assert self.app is not None, "server not started"
        return self.app.clock

    def settle(self, timeout: float = 10.0, raise_on_failure: bool = True) -> None:
        """Return when all internal asynchronous work is done; raise `SettleTimeout` otherwise.

        With `raise_on_failure`, internal failures recorded since the last settle raise
        `InternalFailures` (and are cleared).
        """
        assert self.app is not None, "server not started"
        try:
            self.app.work.settle(timeout, raise_on_failure=raise_on_failure)
        finally:
            if raise_on_failure:
                self.app.work.clear_failures()

    def deploy(
        self,
        path: str | Path,
        stack_name: str | None = None,
        parameters: dict[str, str] | None = None,
        *,
        hot_reload: bool = True,
    ) -> dict[str, str]:
        """Deploy a CloudFormation/SAM template (file or folder) as `cloudlet deploy` does; returns the
        stack's Outputs. Raises `DeployFailed` (an AssertionError) naming the failed resources."""
        from cloudlet.testing.deploy import deploy

        return deploy(self, path, stack_name, parameters, hot_reload=hot_reload)

    def client(
        self,
        service: str,
        region: str | None = None,
        account: str | None = None,
        **kwargs: Any,
    ) -> Any:
        """A boto3 client bound to this server with dummy credentials.

        `account` (12 digits) becomes the access key id, which cloudlet takes as the account id.
        Retries are off unless `config=` says otherwise, so tests see every answer as it is.
        """
        import boto3
        import botocore.session
        from botocore.config import Config

        core = botocore.session.Session()
        core.register_component("data_loader", _botocore_session().get_component("data_loader"))
        config = kwargs.pop("config", None) or Config(retries={"total_max_attempts": 1, "mode": "standard"})
        return boto3.Session(botocore_session=core).client(
            service,
            endpoint_url=self.endpoint,
            region_name=region or self.settings.region,
            aws_access_key_id=account or "test",
            aws_secret_access_key="test",
            config=config,
            **kwargs,
        )
