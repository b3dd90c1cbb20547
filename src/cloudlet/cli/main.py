"""The `cloudlet` command: a click group; each subcommand lives in its own module."""

from __future__ import annotations

import click

from cloudlet import __version__
from cloudlet.cli.deploy import deploy
from cloudlet.cli.logs import logs
from cloudlet.cli.outbox import outbox
from cloudlet.cli.reset import reset
from cloudlet.cli.status import status
from cloudlet.cli.up import up


@click.group(context_settings={"help_option_names": ["-h", "--help"], "auto_envvar_prefix": "CLOUDLET"})
@click.version_option(__version__, prog_name="cloudlet")
def cli() -> None:
    """cloudlet: a local cloud for event-driven AWS applications."""


cli.add_command(up)
cli.add_command(status)
cli.add_command(reset)
cli.add_command(outbox)
cli.add_command(logs)
cli.add_command(deploy)


def main() -> None:
    cli(prog_name="cloudlet")
