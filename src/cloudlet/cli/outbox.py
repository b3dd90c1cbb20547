"""`cloudlet outbox`: the e-mail and SMS a running server sent (`GET /_cloudlet/outbox`), or follow them."""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

import click

from cloudlet.cli.http import ServerUnreachable, call
from cloudlet.cli.options import endpoint_option

FOLLOW_WAIT_S = 20
PAGE = 500


@click.command()
@endpoint_option
@click.option("--kind", type=click.Choice(["email", "sms"]), default=None, help="Only e-mail or only SMS.")
@click.option("--follow", "-f", is_flag=True, help="Keep printing new entries until Ctrl-C.")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per entry and line.")
def outbox(endpoint_url: str, kind: str | None, follow: bool, as_json: bool) -> None:
    """Show the e-mail and SMS that services sent (SNS e-mail subscriptions, SMS)."""
    after = 0
    try:
        while True:
            wait = FOLLOW_WAIT_S if follow else 0
            params: dict[str, Any] = {"after": after, "limit": PAGE}
            if kind:
                params["kind"] = kind
            if wait:
                params["wait"] = wait
            code, body = call(endpoint_url, "/_cloudlet/outbox?" + urlencode(params), timeout=wait + 10.0)
            if code != 200:
                raise click.ClickException(f"the server answered {code}: {body}")
            entries = body["entries"]
            for entry in entries:
                click.echo(json.dumps(entry) if as_json else _render(entry))
            after = body["last"]
            if not follow and len(entries) < PAGE:
                if not entries and after == 0 and not as_json:
                    click.echo("The outbox is empty.", err=True)
                return
    except ServerUnreachable as exc:
        click.echo(str(exc), err=True)
        sys.exit(1)
    except KeyboardInterrupt:
        return


def _render(entry: dict[str, Any]) -> str:
    when = datetime.fromtimestamp(entry["created_at"], UTC).strftime("%Y-%m-%d %H:%M:%S")
    head = click.style(f"#{entry['id']} {entry['kind']}", bold=True)
    lines = [f"{head} {when}Z  to {entry['destination']}  from {entry['source']}"]
    if entry.get("subject"):
        lines.append(f"Subject: {entry['subject']}")
    lines.extend("  " + line for line in str(entry["body"]).splitlines() or [""])
    return "\n".join(lines) + "\n"
