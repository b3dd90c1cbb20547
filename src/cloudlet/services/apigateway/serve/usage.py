"""API keys, usage plans and throttling at request time.

- `check`: for a method with `apiKeyRequired`, find the caller's API key (the `x-api-key` header, or
  the authorizer's `usageIdentifierKey` when the API's apiKeySource is AUTHORIZER), require it to be
  enabled and in a usage plan of this API stage, then apply the plan's throttle (per key, with
  per-method overrides from the plan's `apiStages[].throttle`) and quota.
- `stage_throttle`: the stage's method throttling (`methodSettings` `*/*` or `path/METHOD`), for
  every request.

Throttles are token buckets on `gw.clock` in `gw.runtime["throttle"]` (bounded, least recently used
dropped first). Quotas are durable counters (`store.usage_add`); `quota_period` also serves
GetUsage/UpdateUsage. Each count is kept twice: per quota period (`q:<PERIOD>:<first day>`, what the
quota checks) and per day (`d:<day>`, what GetUsage reports).
"""

from __future__ import annotations

import calendar
import math
from collections import OrderedDict
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from cloudlet.services.apigateway import store
from cloudlet.services.apigateway.serve.gateway_errors import GatewayError

if TYPE_CHECKING:
    from cloudlet.protocol.http import HttpRequest
    from cloudlet.services.apigateway.engine import ApiGateway
    from cloudlet.services.apigateway.serve.authorizers import AuthResult

BUCKETS = 10_000


# -- quota periods ------------------------------------------------------------------------------------


def today(now: float) -> date:
    return datetime.fromtimestamp(now, UTC).date()


def quota_period(quota: dict[str, Any], day: date) -> tuple[date, date]:
    """First day and the day after the last of the quota period containing `day` (UTC). `offset` is
    the day the period starts: for WEEK 0 = Sunday; for MONTH 0 = the 1st."""
    period = quota.get("period") or "DAY"
    offset = int(quota.get("offset") or 0)
    if period == "WEEK":
        weekday = (day.weekday() + 1) % 7  # Sunday = 0
        start = day - timedelta(days=(weekday - offset) % 7)
        return start, start + timedelta(days=7)
    if period == "MONTH":
        start = _month_day(day.year, day.month, offset)
        if start > day:
            year, month = (day.year - 1, 12) if day.month == 1 else (day.year, day.month - 1)
            start = _month_day(year, month, offset)
        year, month = (start.year + 1, 1) if start.month == 12 else (start.year, start.month + 1)
        return start, _month_day(year, month, offset)
    return day, day + timedelta(days=1)


def _month_day(year: int, month: int, offset: int) -> date:
    return date(year, month, min(offset + 1, calendar.monthrange(year, month)[1]))


def quota_key(quota: dict[str, Any], day: date) -> str:
    return f"q:{quota.get('period') or 'DAY'}:{quota_period(quota, day)[0].isoformat()}"


def day_key(day: date) -> str:
    return f"d:{day.isoformat()}"


# -- token buckets ------------------------------------------------------------------------------------


def _buckets(gw: ApiGateway) -> OrderedDict[tuple[Any, ...], list[float]]:
    buckets: OrderedDict[tuple[Any, ...], list[float]] = gw.runtime.setdefault("throttle", OrderedDict())
    return buckets


def take(gw: ApiGateway, key: tuple[Any, ...], rate: float | None, burst: int | None) -> bool:
    """Take one token from bucket `key` (refilled at `rate` per second up to `burst`); False when
    empty. A limit that is not set (or negative, AWS's "unlimited") does not throttle."""
    rate = None if rate is None or rate < 0 else rate
    burst = None if burst is None or burst < 0 else burst
    if rate is None and burst is None:
        return True
    capacity = float(burst if burst is not None else max(1, math.ceil(rate or 0)))
    refill = float(rate) if rate is not None else capacity
    now = gw.clock.now()
    buckets = _buckets(gw)
    bucket = buckets.get(key)
    if bucket is None or bucket[2] != capacity or bucket[3] != refill:
        bucket = [capacity, now, capacity, refill]
        buckets[key] = bucket
    else:
        bucket[0] = min(capacity, bucket[0] + max(0.0, now - bucket[1]) * refill)
        bucket[1] = now
    buckets.move_to_end(key)
    while len(buckets) > BUCKETS:
        buckets.popitem(last=False)
    if bucket[0] >= 1.0:
        bucket[0] -= 1.0
        return True
    return False


def _limits(settings: dict[str, Any] | None, rate: str, burst: str) -> tuple[float | None, int | None]:
    if not settings:
        return None, None
    r, b = settings.get(rate), settings.get(burst)
    return (None if r is None else float(r)), (None if b is None else int(b))


def stage_throttle(
    gw: ApiGateway,
    *,
    api_id: str,
    stage: str,
    stage_doc: dict[str, Any],
    resource_path: str,
    http_method: str,
) -> None:
    """Apply the stage's method throttling (`methodSettings["<path>/<METHOD>"]`, else `"*/*"`), one
    bucket per method; raises GatewayError THROTTLED."""
    settings = stage_doc.get("methodSettings") or {}
    name = f"{resource_path.lstrip('/')}/{http_method}"
    specific = settings.get(f"/{name}") or settings.get(name) or {}
    default = settings.get("*/*") or {}
    rate = specific.get("throttlingRateLimit", default.get("throttlingRateLimit"))
    burst = specific.get("throttlingBurstLimit", default.get("throttlingBurstLimit"))
    if rate is None and burst is None:
        return
    if not take(
        gw,
        ("stage", api_id, stage, resource_path, http_method),
        None if rate is None else float(rate),
        None if burst is None else int(burst),
    ):
        raise GatewayError("THROTTLED")


# -- API keys -----------------------------------------------------------------------------------------


def check(
    gw: ApiGateway,
    *,
    account: str,
    region: str,
    api_id: str,
    stage: str,
    api_doc: dict[str, Any],
    method: dict[str, Any],
    resource_path: str,
    http_method: str,
    request: HttpRequest,
    auth: AuthResult | None,
) -> str | None:
    """The id of the API key this request is metered against (None when the method does not require
    one). Raises GatewayError INVALID_API_KEY (403), THROTTLED (429) or QUOTA_EXCEEDED (429)."""
    if not method.get("apiKeyRequired"):
        return None
    if api_doc.get("apiKeySource") == "AUTHORIZER":
        value = auth.usage_identifier_key if auth is not None else None
    else:
        value = request.headers.get("x-api-key")
    if not value:
        raise GatewayError("INVALID_API_KEY")
    with gw.db.read() as conn:
        key = next(
            (
                doc
                for _, doc in store.list_docs(conn, account, region, "apikey", "")
                if doc.get("value") == value
            ),
            None,
        )
        if key is None or not key.get("enabled"):
            raise GatewayError("INVALID_API_KEY")
        plan = None
        for plan_id, doc in store.list_docs(conn, account, region, "usageplan", ""):
            serves = any(
                s.get("apiId") == api_id and s.get("stage") == stage for s in doc.get("apiStages") or ()
            )
            if serves and store.get(conn, account, region, "usageplankey", plan_id, key["id"]) is not None:
                plan = doc
                break
    if plan is None:
        raise GatewayError("INVALID_API_KEY")
    _throttle(gw, plan, key["id"], api_id, stage, resource_path, http_method)
    _count(gw, plan, key["id"])
    return str(key["id"])


def _throttle(
    gw: ApiGateway,
    plan: dict[str, Any],
    key_id: str,
    api_id: str,
    stage: str,
    resource_path: str,
    method: str,
) -> None:
    api_stage = next(
        s for s in plan.get("apiStages") or () if s.get("apiId") == api_id and s.get("stage") == stage
    )
    per_method = (api_stage.get("throttle") or {}).get(f"{resource_path}/{method}")
    if per_method:
        rate, burst = _limits(per_method, "rateLimit", "burstLimit")
        bucket: tuple[Any, ...] = ("key", plan["id"], key_id, api_id, stage, resource_path, method)
    else:
        rate, burst = _limits(plan.get("throttle"), "rateLimit", "burstLimit")
        bucket = ("key", plan["id"], key_id)
    if not take(gw, bucket, rate, burst):
        raise GatewayError("THROTTLED")


def _count(gw: ApiGateway, plan: dict[str, Any], key_id: str) -> None:
    quota = plan.get("quota")
    day = today(gw.clock.now())
    with gw.db.transaction() as tx:
        if quota and quota.get("limit") is not None:
            period = quota_key(quota, day)
            if store.usage_get(tx, plan["id"], key_id, period) >= int(quota["limit"]):
                raise GatewayError("QUOTA_EXCEEDED")
            store.usage_add(tx, plan["id"], key_id, period)
        store.usage_add(tx, plan["id"], key_id, day_key(day))


# -- reports (GetUsage, UpdateUsage) ------------------------------------------------------------------


def items(
    conn: store.Conn, plan: dict[str, Any], key_ids: list[str], start: date, end: date
) -> dict[str, Any]:
    """Usage items: key id → one `[used, remaining]` per day from `start` to `end` (remaining: what is
    left of the quota of that day's period; 0 without a quota)."""
    counts: dict[tuple[str, str], int] = {
        (key_id, period): used for key_id, period, used in store.usage_rows(conn, plan["id"])
    }
    quota = plan.get("quota")
    items: dict[str, list[list[int]]] = {}
    for key_id in key_ids:
        days: list[list[int]] = []
        day = start
        while day <= end:
            used = counts.get((key_id, day_key(day)), 0)
            remaining = 0
            if quota:
                remaining = max(0, int(quota["limit"]) - counts.get((key_id, quota_key(quota, day)), 0))
            days.append([used, remaining])
            day += timedelta(days=1)
        items[key_id] = days
    return items
