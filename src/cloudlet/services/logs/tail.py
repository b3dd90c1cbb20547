"""`GET /_cloudlet/logs/tail`: the events of a log group after an ingestion cursor, long-polling for new
ones (what `cloudlet logs --follow` reads). Waits on the service's signal and the one clock; never polls.

Query parameters: `group` (required), `after` (cursor, default 0), `wait` (seconds, at most 20),
`since` (seconds before now) or `start` (epoch ms), `filter` (a filter pattern), `limit` (1..10000),
`account`, `region` (default: the group in any account and region). Answers
`{"events": [...], "cursor": N, "exists": bool, "start": ms|null}`.
"""

from __future__ import annotations

import json
import math
from typing import TYPE_CHECKING, Any

from cloudlet.core.waits import wait_until
from cloudlet.protocol.http import HttpRequest, HttpResponse
from cloudlet.services.logs.filters import FilterPatternError, compile_pattern

if TYPE_CHECKING:
    from cloudlet.app import App
    from cloudlet.services.logs.engine import Logs

PATH = "/_cloudlet/logs/tail"
MAX_WAIT_S = 20.0
MAX_LIMIT = 10_000


def _json(status: int, payload: Any) -> HttpResponse:
    return HttpResponse(status, [("Content-Type", "application/json")], json.dumps(payload).encode())


def register_routes(app: App, logs: Logs) -> None:
    async def tail(request: HttpRequest) -> HttpResponse:
        return await _tail(app, logs, request)

    app.internal_routes[("GET", PATH)] = tail


async def _tail(app: App, logs: Logs, request: HttpRequest) -> HttpResponse:
    query = request.query
    group = query.get("group") or ""
    if not group:
        return _json(400, {"error": "group is required"})
    try:
        after = int(query.get("after") or "0")
        limit = int(query.get("limit") or "1000")
        wait = float(query.get("wait") or "0")
        since_raw, start_raw = query.get("since"), query.get("start")
        since = float(since_raw) if since_raw else None
        start = int(start_raw) if start_raw else None
    except ValueError:
        return _json(
            400, {"error": "after, limit and start must be integers, wait and since numbers of seconds"}
        )
    if after < 0 or not 1 <= limit <= MAX_LIMIT or not (math.isfinite(wait) and wait >= 0):
        return _json(400, {"error": f"after must be >= 0, limit 1..{MAX_LIMIT} and wait >= 0"})
    try:
        matcher = compile_pattern(query.get("filter"))
    except FilterPatternError as exc:
        return _json(400, {"error": str(exc)})
    if start is None and since is not None:
        start = logs.now_ms() - int(since * 1000)
    account = query.get("account") or None
    region = query.get("region") or None
    deadline = app.clock.now() + min(wait, MAX_WAIT_S)
    while True:
        fut = logs.signal.future()  # before reading: a commit in between still wakes us
        try:
            events, cursor, exists = logs.events.tail(group, account, region, after, start, matcher, limit)
            if events or wait <= 0 or logs.closed or app.stopping:
                break
            if cursor != after:  # read events the filter or retention dropped: read on
                after = cursor
                continue
            logs.follower_waiting(+1)
            try:
                woken = await wait_until(app.clock, deadline, fut)
            finally:
                logs.follower_waiting(-1)
            if not woken:
                events, cursor, exists = logs.events.tail(
                    group, account, region, after, start, matcher, limit
                )
                break
        finally:
            logs.signal.discard(fut)
    return _json(200, {"events": events, "cursor": cursor, "exists": exists, "start": start})
