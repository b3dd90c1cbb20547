"""`cloudlet status`: is a server running, and what does it serve."""

from __future__ import annotations

import json
import sys

import click

from cloudlet.cli.http import ServerUnreachable, call
from cloudlet.cli.options import endpoint_option


@click.command()
@endpoint_option
@click.option("--json", "as_json", is_flag=True, help="Print the health document as JSON.")
def status(endpoint_url: str, as_json: bool) -> None:
    """Show whether cloudlet is running at the endpoint, and its services."""
    from rich.console import Console
    from rich.table import Table

    try:
        _, health = call(endpoint_url, "/_cloudlet/health")
    except ServerUnreachable as exc:
        if as_json:
            click.echo(json.dumps({"status": "unreachable", "endpoint": endpoint_url}))
        else:
            click.echo(str(exc), err=True)
        sys.exit(1)
    if as_json:
        click.echo(json.dumps(health, indent=2))
        return
    console = Console()
    console.print(
        f"[bold]cloudlet {health.get('version', '?')}[/] at [cyan]{endpoint_url}[/]: {health['status']}"
    )
    console.print(f"data: {'in memory' if health.get('in_memory') else health.get('data_dir')}")
    table = Table("service", "state")
    colours = {"running": "green", "available": "cyan", "not_implemented": "dim"}
    for name, state in health.get("services", {}).items():
        table.add_row(name, f"[{colours.get(state, 'white')}]{state}[/]")
    console.print(table)
