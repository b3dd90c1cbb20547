"""What the v1 (REST API) operations share: service state, lookups that answer AWS's NotFound messages,
`position`/`limit` paging and the public view of a stored document."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from cloudlet.services.apigateway import store
from cloudlet.services.apigateway.engine import ApiGateway, state
from cloudlet.services.apigateway.errors import BadRequestException, NotFoundException
from cloudlet.services.apigateway.store import Conn

if TYPE_CHECKING:
    from cloudlet.gateway.context import RequestContext

DEFAULT_LIMIT = 25
MAX_LIMIT = 500
HTTP_METHODS = ("GET", "PUT", "POST", "DELETE", "PATCH", "OPTIONS", "HEAD", "ANY")


def gw_of(ctx: RequestContext) -> ApiGateway:
    return state(ctx.app)


def now(ctx: RequestContext) -> float:
    """Whole seconds, as AWS reports API Gateway timestamps."""
    return float(int(gw_of(ctx).clock.now()))


def public(doc: dict[str, Any]) -> dict[str, Any]:
    """`doc` without its internal (`_`-prefixed) fields."""
    return {k: v for k, v in doc.items() if not k.startswith("_")}


def get_api(conn: Conn, ctx: RequestContext, api_id: str) -> dict[str, Any]:
    doc = store.get(conn, ctx.account_id, ctx.region, "restapi", "", api_id)
    if doc is None:
        raise NotFoundException(f"Invalid API identifier specified {ctx.account_id}:{api_id}")
    return doc


def get_in_api(
    conn: Conn, ctx: RequestContext, kind: str, api_id: str, id_: str, message: str
) -> dict[str, Any]:
    """A document of `kind` under REST API `api_id` (NotFound for the API first, then `message`)."""
    doc = store.get(conn, ctx.account_id, ctx.region, kind, api_id, id_)
    if doc is None:
        get_api(conn, ctx, api_id)
        raise NotFoundException(message)
    return doc


def put(tx: Any, ctx: RequestContext, kind: str, scope: str, id_: str, doc: dict[str, Any]) -> None:
    store.put(tx, ctx.account_id, ctx.region, kind, scope, id_, doc)


def docs(conn: Conn, ctx: RequestContext, kind: str, scope: str) -> list[dict[str, Any]]:
    return [doc for _, doc in store.list_docs(conn, ctx.account_id, ctx.region, kind, scope)]


def page(items: list[dict[str, Any]], request: dict[str, Any], key: str = "id") -> dict[str, Any]:
    """`{"items": [...], "position": ...}` for a `position`/`limit` list operation; `position` is the
    `key` of the first item of the next page."""
    limit = request.get("limit")
    if limit is None:
        limit = DEFAULT_LIMIT
    if limit < 1 or limit > MAX_LIMIT:
        raise BadRequestException(f"Invalid limit value: {limit}. Must be between 1 and {MAX_LIMIT}")
    start = 0
    position = request.get("position")
    if position:
        for index, item in enumerate(items):
            if str(item.get(key)) == position:
                start = index
                break
        else:
            raise BadRequestException("Invalid position parameter")
    chunk = items[start : start + limit]
    out: dict[str, Any] = {"items": chunk}
    if start + limit < len(items):
        out["position"] = str(items[start + limit].get(key))
    return out


def key_or_404(conn: Conn, ctx: RequestContext, key_id: str) -> dict[str, Any]:
    """The API key `key_id` (NotFoundException as AWS words it)."""
    doc = store.get(conn, ctx.account_id, ctx.region, "apikey", "", key_id)
    if doc is None:
        raise NotFoundException("Invalid API Key identifier specified")
    return doc


def plan_or_404(conn: Conn, ctx: RequestContext, plan_id: str) -> dict[str, Any]:
    """The usage plan `plan_id` (NotFoundException as AWS words it)."""
    doc = store.get(conn, ctx.account_id, ctx.region, "usageplan", "", plan_id)
    if doc is None:
        raise NotFoundException("Invalid Usage Plan ID specified")
    return doc
