"""What other services may call: `append` (Lambda's runtime stores function output with it) and
`group_exists` (EventBridge checks a log-group target before writing to it).

Reads go through the CloudWatch Logs API like any client's; only writers need a way in that skips the
API's validation.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from cloudlet.app import App
    from cloudlet.services.logs.engine import Logs

__all__ = ["append", "group_exists"]


def append(
    app: App, account: str, region: str, group: str, stream: str, events: list[tuple[int, str]]
) -> None:
    """Store `(timestamp_ms, message)` events in `group`/`stream`, creating both if missing.

    One transaction; events are sorted by timestamp, events already past the group's retention are
    dropped quietly, nothing is validated (internal writers own their content). Followers
    (`cloudlet logs --follow`) wake after the commit.
    """
    logs: Logs = app.service("logs").state
    logs.events.append(account, region, group, stream, events)


def group_exists(app: App, account: str, region: str, group: str) -> bool:
    """True when the log group `group` exists in `account`/`region`."""
    from cloudlet.services.logs import store

    logs: Logs = app.service("logs").state
    with logs.db.read() as conn:
        return store.get_group(conn, account, region, group) is not None
