"""Fixtures for runtime tests: a code directory of handlers and an App + Pool on a fresh event loop."""

from __future__ import annotations

import asyncio
import textwrap
from collections.abc import Awaitable, Callable
from dataclasses import replace
from pathlib import Path
from typing import Any, TypeVar

import pytest

from cloudlet.app import App, create_app
from cloudlet.runtime.pool import FunctionSpec, Pool
from cloudlet.settings import Settings

T = TypeVar("T")

ACCOUNT = "123456789012"

HANDLERS = """
import json
import logging
import os
import sys
import time

logger = logging.getLogger()
logger.setLevel(logging.INFO)
print("init: module loaded")


def echo(event, context):
    return event


def pid(event, context):
    time.sleep(event.get("sleep", 0))
    return {"pid": os.getpid()}


def boom(event, context):
    raise ValueError("something broke")


def chatty(event, context):
    print("hello from print")
    print("to stderr", file=sys.stderr)
    logger.info("hello from logging")
    return {"ok": True}


def sleepy(event, context):
    time.sleep(30)
    return "never"


def hog(event, context):
    chunks = [b"x" * (1024 * 1024) for _ in range(event.get("mb", 400))]
    return len(chunks)


def die(event, context):
    os._exit(3)


def environment(event, context):
    import tempfile

    return {
        "env": dict(os.environ),
        "cwd": os.getcwd(),
        "tmp": tempfile.gettempdir(),
        "remaining_ms": context.get_remaining_time_in_millis(),
        "arn": context.invoked_function_arn,
        "request_id": context.aws_request_id,
        "client_context": context.client_context.custom if context.client_context else None,
    }


def whoami(event, context):
    import boto3

    return boto3.client("sts").get_caller_identity()["Account"]


def from_layer(event, context):
    import layered

    return layered.VALUE
"""


@pytest.fixture(scope="session")
def code_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("code")
    (root / "app.py").write_text(textwrap.dedent(HANDLERS))
    (root / "broken.py").write_text("import does_not_exist_anywhere\n")
    return root


@pytest.fixture(scope="session")
def layer_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("layer")
    (root / "python").mkdir()
    (root / "python" / "layered.py").write_text("VALUE = 'from the layer'\n")
    return root


@pytest.fixture
def make_spec(code_dir: Path) -> Callable[..., FunctionSpec]:
    def make(handler: str = "app.echo", **changes: Any) -> FunctionSpec:
        name = changes.pop("name", "fn")
        spec = FunctionSpec(
            key=f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:{name}|$LATEST|{handler}",
            function_arn=f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:{name}",
            name=name,
            version="$LATEST",
            account=ACCOUNT,
            region="us-east-1",
            handler=handler,
            runtime="python3.11",
            code_dir=code_dir,
            layer_dirs=(),
            memory_mb=128,
            timeout_s=3.0,
            environment={"STAGE": "test"},
            endpoint_url="http://127.0.0.1:4566",
            log_group=f"/aws/lambda/{name}",
        )
        return replace(spec, **changes)

    return make


class Harness:
    """Runs `fn(app, pool)` inside a started App; `sink` collects what the pool logged."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self.sink: list[tuple[FunctionSpec, str, list[tuple[int, str]]]] = []

    def run(self, fn: Callable[[App, Pool], Awaitable[T]], **pool_kwargs: Any) -> T:
        async def main() -> T:
            app = create_app(Settings(data_dir=self.data_dir, virtual_clock=True))
            await app.start()
            pool = Pool(
                app, lambda spec, stream, lines: self.sink.append((spec, stream, lines)), **pool_kwargs
            )
            try:
                return await asyncio.wait_for(fn(app, pool), 30)
            finally:
                await pool.close()
                await app.stop()

        return asyncio.run(main())


@pytest.fixture
def harness(tmp_path: Path) -> Harness:
    return Harness(tmp_path)
