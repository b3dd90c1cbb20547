"""Options shared by commands: the endpoint of a running server, the data directory."""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

import click

from cloudlet.settings import DEFAULT_HOST, DEFAULT_PORT, default_data_dir


def default_endpoint() -> str:
    return os.environ.get("AWS_ENDPOINT_URL") or f"http://{DEFAULT_HOST}:{DEFAULT_PORT}"


def endpoint_option(fn: Callable[..., Any]) -> Callable[..., Any]:
    return click.option(
        "--endpoint-url",
        default=default_endpoint,
        show_default="$AWS_ENDPOINT_URL or http://127.0.0.1:4566",
        help="Endpoint of a running cloudlet.",
    )(fn)


def data_dir_option(fn: Callable[..., Any]) -> Callable[..., Any]:
    return click.option(
        "--data-dir",
        type=click.Path(file_okay=False),
        envvar="CLOUDLET_DATA_DIR",
        default=lambda: str(default_data_dir()),
        show_default="$CLOUDLET_DATA_DIR or ~/.local/share/cloudlet",
        help="Directory holding the database and object files.",
    )(fn)
