"""The `cloudlet` pytest fixture (registered through the `pytest11` entry point).

    def test_queue(cloudlet):
        sqs = cloudlet.client("sqs")
        ...
        cloudlet.clock.advance(30)   # virtual time: no sleeping
        cloudlet.settle()            # wait for deliveries, retries, invocations

Each test gets a fresh server on a free port with a temporary data directory and a virtual clock.
Options per test or module: `@pytest.mark.cloudlet(in_memory=True, services=["sqs"], virtual_clock=False)`.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from cloudlet.settings import Settings
from cloudlet.testing.server import CloudletServer

_OPTIONS = {"in_memory", "services", "virtual_clock", "region", "account_id"}


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "cloudlet(in_memory=False, services=None, virtual_clock=True, region=..., account_id=...): "
        "settings of the `cloudlet` fixture's server",
    )


def _settings(request: pytest.FixtureRequest, data_dir: Any) -> Settings:
    options: dict[str, Any] = {"virtual_clock": True}
    marker = request.node.get_closest_marker("cloudlet")
    if marker is not None:
        unknown = set(marker.kwargs) - _OPTIONS
        if unknown:
            raise pytest.UsageError(f"unknown cloudlet marker option(s): {', '.join(sorted(unknown))}")
        options.update(marker.kwargs)
    if options.get("services") is not None:
        options["services"] = tuple(options["services"])
    return Settings(host="127.0.0.1", port=0, data_dir=data_dir, log_requests=False, **options)


@pytest.fixture
def cloudlet(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[CloudletServer]:
    """A cloudlet server for this test: `.endpoint`, `.client(name)`, `.clock`, `.settle()`, `.restart()`."""
    settings = _settings(request, tmp_path_factory.mktemp("cloudlet"))
    server = CloudletServer(settings).start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def cloudlet_factory(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Any]:
    """Start extra servers: `cloudlet_factory(in_memory=True)`; all are stopped after the test."""
    servers: list[CloudletServer] = []

    def start(**options: Any) -> CloudletServer:
        base = _settings(request, tmp_path_factory.mktemp("cloudlet"))
        if "services" in options and options["services"] is not None:
            options["services"] = tuple(options["services"])
        server = CloudletServer(Settings(**{**base.__dict__, **options})).start()
        servers.append(server)
        return server

    try:
        yield start
    finally:
        for server in servers:
            server.stop()
