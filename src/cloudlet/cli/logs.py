"""`cloudlet logs`: print a log group's events from a running server (`GET /_cloudlet/logs/tail`), or
follow them as they arrive."""

from __future__ import annotations

import re
import sys
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

import click

from cloudlet.cli.http import ServerUnreachable, call
from cloudlet.cli.options import endpoint_option
from cloudlet.core.clock import iso8601

FOLLOW_WAIT_S = 20
PAGE = 1000
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
_DURATION = re.compile(r"(\d+(?:\.\d+)?)([smhdw])")


def group_name(name: str) -> str:
    """A log group name as given (leading `/`), or the group of the Lambda function `name`."""
    return name if name.startswith("/") else f"/aws/lambda/{name}"


def since_params(since: str | None) -> dict[str, Any]:
    """`10m`, `1h30m`, `2d` (before the server's now) or an ISO 8601 time → tail query parameters."""
    if not since:
        return {}
    text = since.strip()
    parts = _DURATION.findall(text)
    if parts and "".join(n + u for n, u in parts) == text:
        return {"since": sum(float(n) * _UNITS[u] for n, u in parts)}
    try:
        when = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise click.BadParameter(
            f"{since!r} is neither a duration like 10m, 2h, 1d nor an ISO 8601 time"
        ) from None
    if when.tzinfo is None:
        when = when.astimezone()
    return {"start": int(when.timestamp() * 1000)}


@click.command()
@click.argument("name")
@endpoint_option
@click.option("--follow", "-f", is_flag=True, help="Keep printing new events until Ctrl-C.")
@click.option(
    "--since", default=None, help="Only events from this long ago (10m, 2h, 1d) or this ISO time on."
)
@click.option("--filter", "filter_pattern", default=None, help="A CloudWatch Logs filter pattern.")
@click.option("--region", default=None, help="Only the group in this region (default: any region).")
def logs(
    name: str,
    endpoint_url: str,
    follow: bool,
    since: str | None,
    filter_pattern: str | None,
    region: str | None,
) -> None:
    """Print the events of a log group, or of a Lambda function's group when NAME has no leading `/`.

    Each line is `timestamp stream message`.
    """
    group = group_name(name)
    params: dict[str, Any] = {"group": group, "limit": PAGE, **since_params(since)}
    if filter_pattern:
        params["filter"] = filter_pattern
    if region:
        params["region"] = region
    after = 0
    said_missing = False
    try:
        while True:
            wait = FOLLOW_WAIT_S if follow else 0
            query = {**params, "after": after, "wait": wait}
            code, body = call(endpoint_url, "/_cloudlet/logs/tail?" + urlencode(query), timeout=wait + 10.0)
            if code != 200:
                message = body.get("error") if isinstance(body, dict) else body
                raise click.ClickException(f"the server answered {code}: {message}")
            if body.get("start") is not None:  # later pages keep the first answer's start
                params.pop("since", None)
                params["start"] = body["start"]
            if not body["exists"]:
                if not follow:
                    raise click.ClickException(f"log group {group} does not exist")
                if not said_missing:
                    click.echo(f"waiting for log group {group} ...", err=True)
                    said_missing = True
            for event in body["events"]:
                click.echo(render(event))
            if not follow and body["cursor"] == after:
                return
            after = body["cursor"]
    except ServerUnreachable as exc:
        click.echo(str(exc), err=True)
        sys.exit(1)
    except KeyboardInterrupt:
        return


def render(event: dict[str, Any]) -> str:
    message = str(event["message"]).rstrip("\n")
    return f"{iso8601(event['timestamp'] / 1000)} {event['stream']} {message}"
