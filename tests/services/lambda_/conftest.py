"""Lambda test fixtures: zip packages built from handler source, and a function factory."""

from __future__ import annotations

import io
import json
import textwrap
import zipfile
from collections.abc import Callable
from typing import Any

import pytest

ROLE = "arn:aws:iam::000000000000:role/lambda-role"


def package(files: dict[str, str]) -> bytes:
    """A .zip deployment package of `files` (name → source, dedented)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, source in files.items():
            archive.writestr(name, textwrap.dedent(source))
    return buffer.getvalue()


ECHO = """
import json, os

def handler(event, context):
    return {"event": event, "function": context.function_name, "request_id": context.aws_request_id,
            "memory": context.memory_limit_in_mb, "remaining_ms": context.get_remaining_time_in_millis() > 0}
"""


@pytest.fixture
def lam(cloudlet: Any) -> Any:
    return cloudlet.client("lambda")


@pytest.fixture
def make_function(lam: Any) -> Callable[..., dict[str, Any]]:
    """Create a function from `source` (module `app`, handler `app.handler`)."""

    def make(name: str = "echo", source: str = ECHO, **kwargs: Any) -> dict[str, Any]:
        files = kwargs.pop("files", None) or {"app.py": source}
        return lam.create_function(
            FunctionName=name,
            Runtime=kwargs.pop("Runtime", "python3.11"),
            Role=ROLE,
            Handler=kwargs.pop("Handler", "app.handler"),
            Code={"ZipFile": package(files)},
            **kwargs,
        )

    return make


def payload(response: dict[str, Any]) -> Any:
    return json.loads(response["Payload"].read())
