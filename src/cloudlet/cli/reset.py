"""`cloudlet reset`: wipe all state, of a running server or of a data directory."""

from __future__ import annotations

import shutil
from pathlib import Path

import click

from cloudlet.cli.http import ServerUnreachable, call
from cloudlet.cli.options import data_dir_option, endpoint_option


@click.command()
@endpoint_option
@data_dir_option
@click.option("--yes", "-y", is_flag=True, help="Do not ask for confirmation.")
def reset(endpoint_url: str, data_dir: str, yes: bool) -> None:
    """Delete every resource. Resets the running server at the endpoint if there is one, otherwise
    deletes the data directory."""
    try:
        call(endpoint_url, "/_cloudlet/health", timeout=1.0)
        running = True
    except ServerUnreachable:
        running = False
    target = f"the cloudlet running at {endpoint_url}" if running else f"the data directory {data_dir}"
    if not yes and not click.confirm(f"Delete every resource of {target}?", default=False):
        click.echo("Nothing deleted.")
        raise SystemExit(1)
    if running:
        code, body = call(endpoint_url, "/_cloudlet/reset", method="POST")
        if code != 200:
            raise click.ClickException(f"reset failed: {body}")
        click.echo(f"Reset {target}.")
        return
    path = Path(data_dir)
    if not path.exists():
        click.echo(f"Nothing to delete: {path} does not exist.")
        return
    for name in ("cloudlet.db", "cloudlet.db-wal", "cloudlet.db-shm"):
        (path / name).unlink(missing_ok=True)
    objects = path / "objects"
    if objects.is_dir():
        shutil.rmtree(objects)
    click.echo(f"Deleted the state in {path}.")
