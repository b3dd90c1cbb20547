"""Stage throttling of HTTP APIs: a token bucket per (API, stage, route key) with the route's
`routeSettings` (or the stage's `defaultRouteSettings`) rate and burst, on the App clock. Routes
without limits are not throttled (AWS's account limits are not applied)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from cloudlet.services.apigateway.engine import ApiGateway

MAX_BUCKETS = 10000
ACCOUNT_RATE = 10000.0
ACCOUNT_BURST = 5000.0


def limits(stage: dict[str, Any], route_key: str) -> tuple[float, float] | None:
    """(rate per second, burst) for `route_key` on `stage`, None when it has no limits."""
    default = stage.get("defaultRouteSettings") or {}
    route = (stage.get("routeSettings") or {}).get(route_key) or {}
    rate = route.get("throttlingRateLimit", default.get("throttlingRateLimit"))
    burst = route.get("throttlingBurstLimit", default.get("throttlingBurstLimit"))
    if rate is None and burst is None:
        return None
    return (
        float(rate) if rate is not None else ACCOUNT_RATE,
        float(burst) if burst is not None else ACCOUNT_BURST,
    )


def admit(gw: ApiGateway, key: tuple[str, str, str], rate: float, burst: float) -> bool:
    """Take a token from the bucket of `key`; False when it is empty (the request is throttled)."""
    buckets: dict[tuple[str, str, str], list[float]] = gw.runtime.setdefault("throttle2", {})
    now = gw.clock.now()
    bucket = buckets.get(key)
    if bucket is None:
        if len(buckets) >= MAX_BUCKETS:
            buckets.pop(next(iter(buckets)))
        bucket = buckets[key] = [burst, now]
    tokens = min(burst, bucket[0] + max(0.0, now - bucket[1]) * rate)
    bucket[1] = now
    if tokens >= 1.0:
        bucket[0] = tokens - 1.0
        return True
    bucket[0] = tokens
    return False
