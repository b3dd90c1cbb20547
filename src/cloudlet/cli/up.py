"""`cloudlet up`: serve in the foreground until Ctrl-C or SIGTERM."""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import socket
import time
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import click
import uvicorn

from cloudlet.cli.options import data_dir_option
from cloudlet.gateway.serve import GatewayServer
from cloudlet.settings import DEFAULT_HOST, DEFAULT_PORT, Settings


class _RequestLines(logging.Handler):
    """One line per request (`12:00:01 200 sqs.SendMessage POST / 1.2ms`), written directly: rich's
    rendering costs about a millisecond a line, more than most requests take to serve. Coloured by
    status when the stream is a terminal."""

    _COLOURS = {2: "32", 3: "32", 4: "33", 5: "31"}

    def __init__(self, stream: Any) -> None:
        super().__init__()
        self.stream = stream
        self.colour = bool(getattr(stream, "isatty", lambda: False)())

    def emit(self, record: logging.LogRecord) -> None:
        try:
            status = getattr(record, "cloudlet_status", 0)
            label = getattr(record, "cloudlet_label", "")
            elapsed = getattr(record, "cloudlet_ms", 0.0)
            method, path = record.args[0], record.args[1]  # type: ignore[index]
            stamp = time.strftime("%H:%M:%S", time.localtime(record.created))
            if self.colour:
                code = self._COLOURS.get(status // 100, "0")
                line = (
                    f"\x1b[2m{stamp}\x1b[0m \x1b[{code}m{status}\x1b[0m \x1b[1m{label}\x1b[0m"
                    f" \x1b[2m{method} {path} {elapsed:.1f}ms\x1b[0m\n"
                )
            else:
                line = f"{stamp} {status} {label} {method} {path} {elapsed:.1f}ms\n"
            self.stream.write(line)
            self.stream.flush()
        except Exception:
            self.handleError(record)


def _configure_logging(quiet: bool) -> None:
    import sys

    from rich.logging import RichHandler

    handler = RichHandler(show_path=False, markup=False, rich_tracebacks=True, log_time_format="%H:%M:%S")
    root = logging.getLogger("cloudlet")
    root.handlers[:] = [handler]
    root.setLevel(logging.INFO)
    root.propagate = False
    requests = logging.getLogger("cloudlet.request")
    requests.handlers[:] = [_RequestLines(sys.stdout)]
    requests.propagate = False
    requests.setLevel(logging.WARNING if quiet else logging.INFO)


@click.command()
@click.option(
    "--host", envvar="CLOUDLET_HOST", default=DEFAULT_HOST, show_default=True, help="Interface to bind."
)
@click.option("--port", envvar="CLOUDLET_PORT", default=DEFAULT_PORT, show_default=True, type=int)
@data_dir_option
@click.option("--in-memory", envvar="CLOUDLET_IN_MEMORY", is_flag=True, help="Keep nothing on disk.")
@click.option(
    "--services",
    envvar="CLOUDLET_SERVICES",
    default=None,
    help="Comma-separated services to enable (default: all).",
)
@click.option("--region", envvar="CLOUDLET_REGION", default="us-east-1", show_default=True)
@click.option(
    "--virtual-clock",
    envvar="CLOUDLET_VIRTUAL_CLOCK",
    is_flag=True,
    help="Time moves only through POST /_cloudlet/clock/advance (for test harnesses).",
)
@click.option(
    "--smtp-url",
    envvar="CLOUDLET_SMTP_URL",
    default=None,
    metavar="smtp://HOST:PORT",
    help="Also send SNS e-mail to this SMTP server (e-mail is always kept in `cloudlet outbox`).",
)
@click.option(
    "--lambda-concurrency",
    envvar="CLOUDLET_LAMBDA_CONCURRENCY",
    type=click.IntRange(min=1),
    default=None,
    help="The account's Lambda concurrency limit (default 1000, as AWS's quota).",
)
@click.option("--quiet", "-q", is_flag=True, help="Do not log every request.")
@click.option(
    "--deploy",
    "deploy_path",
    type=click.Path(exists=True),
    default=None,
    metavar="PATH",
    help="Once serving, deploy this template or folder (as `cloudlet deploy PATH`).",
)
def up(
    host: str,
    port: int,
    data_dir: str,
    in_memory: bool,
    services: str | None,
    region: str,
    virtual_clock: bool,
    smtp_url: str | None,
    lambda_concurrency: int | None,
    quiet: bool,
    deploy_path: str | None,
) -> None:
    """Start cloudlet in the foreground."""
    began = time.perf_counter()
    from rich.console import Console

    from cloudlet.app import create_app
    from cloudlet.gateway.asgi import Gateway
    from cloudlet.services.registry import select
    from cloudlet.testing.server import event_loop_name

    names = tuple(s.strip() for s in services.split(",") if s.strip()) if services else None
    try:
        select(names)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--services") from exc
    if smtp_url:
        parts = urlsplit(smtp_url)
        if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
            raise click.BadParameter(
                "expected smtp://HOST:PORT or smtps://HOST:PORT", param_hint="--smtp-url"
            )
    settings = Settings.from_env(
        host=host,
        port=port,
        data_dir=data_dir,
        in_memory=in_memory,
        services=names,
        region=region,
        virtual_clock=virtual_clock or None,
        smtp_url=smtp_url or None,
        lambda_concurrency=lambda_concurrency,
    )
    _configure_logging(quiet)
    app = create_app(settings)
    console = Console(stderr=True)
    states = app.service_states()
    console.print(f"[bold]cloudlet[/] on [cyan]{settings.endpoint}[/]")
    console.print(f"  data: {'in memory' if settings.in_memory else settings.data_dir}")
    if app.clock.is_virtual:
        console.print("  clock: virtual (advance with POST /_cloudlet/clock/advance?seconds=N)")
    if settings.smtp_url:
        console.print(f"  e-mail: also sent to {urlsplit(settings.smtp_url).netloc.rpartition('@')[2]}")
    console.print(
        "  services: "
        + ", ".join(
            f"{name}" if state != "not_implemented" else f"[dim]{name}[/]" for name, state in states.items()
        )
    )

    @app.on_started
    def _ready() -> None:
        console.print(f"  ready in {(time.perf_counter() - began) * 1000:.0f} ms (Ctrl-C to stop)")

    if deploy_path:
        from cloudlet.cli.deploy import Request, deploy_when_ready

        request = Request(
            path=os.path.abspath(deploy_path), endpoint=settings.endpoint, region=settings.region
        )
        app.on_started(lambda: deploy_when_ready(request))

    # Listen before uvicorn starts: connections made as soon as "ready" is printed wait in the
    # backlog instead of being refused, and a busy port is reported plainly.
    sock = _listen(settings.host, settings.port)
    config = uvicorn.Config(
        Gateway(app),
        loop=event_loop_name(),
        http="httptools",
        lifespan="on",
        log_level="warning",
        access_log=False,
    )
    _Server(config, app).run(sockets=[sock])
    console.print("cloudlet stopped")


class _Server(GatewayServer):
    """Stops on SIGINT/SIGTERM and exits 0 (uvicorn re-raises the signal after shutdown by default)."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        previous = {sig: signal.signal(sig, self.handle_exit) for sig in (signal.SIGINT, signal.SIGTERM)}
        try:
            yield
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)


def _listen(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        raise click.ClickException(f"cannot listen on {host}:{port}: {exc.strerror}") from exc
    sock.listen(2048)
    return sock
