"""What every Lambda operation needs: the service state and Marker paging."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from cloudlet.services.lambda_.errors import InvalidParameterValueException

if TYPE_CHECKING:
    from cloudlet.gateway.context import RequestContext
    from cloudlet.services.lambda_.engine import Lambda


def state(ctx: RequestContext) -> Lambda:
    lam: Lambda = ctx.app.service("lambda").state
    return lam


def page(items: list[Any], marker: str | None, size: int) -> tuple[list[Any], str | None]:
    start = 0
    if marker:
        try:
            start = int(marker)
        except ValueError:
            raise InvalidParameterValueException("Invalid Marker") from None
    chunk = items[start : start + size]
    return chunk, (str(start + size) if start + size < len(items) else None)


def listing(name: str, items: list[Any], request: dict[str, Any], default_size: int) -> dict[str, Any]:
    """`{name: page, "NextMarker": ...}` for a Marker/MaxItems list operation."""
    chunk, marker = page(items, request.get("Marker"), request.get("MaxItems") or default_size)
    out: dict[str, Any] = {name: chunk}
    if marker:
        out["NextMarker"] = marker
    return out
