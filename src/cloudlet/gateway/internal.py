"""Internal endpoints under `/_cloudlet/` (and `/_localstack/health` for tools that probe it).

- `GET  /_cloudlet/health`                 services and their state (JSON)
- `POST /_cloudlet/settle?timeout=S`       returns when internal asynchronous work is done (409 on timeout)
- `GET  /_cloudlet/clock`                  the clock (`virtual`, `now`)
- `POST /_cloudlet/clock/advance?seconds=S`  advance the virtual clock
- `POST /_cloudlet/reset`                  delete every resource of every service
- `GET  /_cloudlet/outbox?kind=email|sms&after=ID&wait=S&limit=N`  recorded e-mail and SMS after entry ID
                                           (`{"entries": [...], "last": ID}`); `wait` long-polls up to 20 s
- anything in `app.internal_routes` (services' own, e.g. SNS's signing certificate, logs' tail);
  `/_cloudlet/<service>/...` loads that service first if it is not loaded yet (its setup registers them)
"""

from __future__ import annotations

import asyncio
import inspect
import json
import math
from typing import TYPE_CHECKING, Any

from cloudlet.protocol.http import HttpRequest, HttpResponse

if TYPE_CHECKING:
    from cloudlet.app import App

PREFIXES = ("/_cloudlet/", "/_localstack/health")
MAX_OUTBOX_WAIT_S = 20.0


def _json(status: int, payload: Any) -> HttpResponse:
    return HttpResponse(status, [("Content-Type", "application/json")], json.dumps(payload).encode())


async def handle(app: App, request: HttpRequest) -> HttpResponse:
    path = request.path.rstrip("/")
    method = request.method
    if path in ("/_cloudlet/health", "/_localstack/health") and method in ("GET", "HEAD"):
        return _json(200, app.health())
    if path == "/_cloudlet/clock" and method == "GET":
        return _json(200, {"virtual": app.clock.is_virtual, "now": app.clock.now()})
    if path == "/_cloudlet/clock/advance" and method == "POST":
        advance = getattr(app.clock, "advance", None)
        if advance is None:
            return _json(409, {"error": "the clock is not virtual (start with CLOUDLET_VIRTUAL_CLOCK=1)"})
        try:
            seconds = float(request.query.get("seconds") or "0")
            advance(seconds)
        except ValueError as exc:
            return _json(400, {"error": str(exc)})
        return _json(200, {"virtual": True, "now": app.clock.now()})
    if path == "/_cloudlet/settle" and method == "POST":
        try:
            timeout = float(request.query.get("timeout") or "10")
        except ValueError:
            return _json(400, {"error": "timeout must be a number of seconds"})
        try:
            await asyncio.get_running_loop().run_in_executor(None, app.work.settle, timeout)
        except TimeoutError as exc:
            return _json(409, {"settled": False, "error": str(exc)})
        failures = [str(f) for f in app.work.failures()]
        return _json(200, {"settled": True, "failures": failures})
    if path == "/_cloudlet/reset" and method == "POST":
        app.reset()
        return _json(200, {"reset": True})
    if path == "/_cloudlet/outbox" and method == "GET":
        return await _outbox(app, request)
    route = app.internal_routes.get((method, path))
    if route is None:
        route = _route_of_unloaded_service(app, method, path)
    if route is not None:
        result = route(request)
        return await result if inspect.isawaitable(result) else result
    return _json(404, {"error": f"no internal endpoint {method} {request.path}"})


def _route_of_unloaded_service(app: App, method: str, path: str) -> Any:
    """Services register their routes when they load: load the one the path names, then look again."""
    name = path.removeprefix("/_cloudlet/").split("/", 1)[0]
    spec = app.specs.get(name)
    if spec is None or spec.setup is None or app.service_states().get(name) == "running":
        return None
    app.service(name)
    return app.internal_routes.get((method, path))


async def _outbox(app: App, request: HttpRequest) -> HttpResponse:
    query = request.query
    kind = query.get("kind") or None
    if kind is not None and kind not in ("email", "sms"):
        return _json(400, {"error": "kind must be email or sms"})
    try:
        after = int(query.get("after") or "0")
        limit = int(query.get("limit") or "100")
        wait = float(query.get("wait") or "0")
    except ValueError:
        return _json(400, {"error": "after and limit must be integers, wait a number of seconds"})
    if after < 0 or not 1 <= limit <= 1000 or not (math.isfinite(wait) and wait >= 0):
        return _json(400, {"error": "after must be >= 0, limit 1..1000 and wait >= 0"})
    if wait > 0:
        await app.outbox.wait(after, min(wait, MAX_OUTBOX_WAIT_S), kind)
    entries = app.outbox.entries(kind, after, limit)
    return _json(200, {"entries": entries, "last": entries[-1]["id"] if entries else after})
