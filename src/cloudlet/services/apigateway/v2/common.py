"""What the HTTP API (v2) operations share: translating between the model's member names (`ApiId`,
`CorsConfiguration`) and the stored documents' wire names (`apiId`, `corsConfiguration`), looking up an
API and its resources with AWS's not-found errors, paging, and auto-deploying stages after a change."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from botocore.model import Shape

from cloudlet.services.apigateway import store
from cloudlet.services.apigateway.engine import ApiGateway, state
from cloudlet.services.apigateway.errors import BadRequestException, NotFoundException
from cloudlet.services.apigateway.v2 import deploy

if TYPE_CHECKING:
    from cloudlet.core.db import Tx
    from cloudlet.gateway.context import RequestContext
    from cloudlet.services.apigateway.store import Conn

MAX_PAGE = 500
"""Most items one GetXxx page holds when MaxResults is absent or larger."""


# -- names -------------------------------------------------------------------------------------------


def _wire(member: Shape, name: str) -> str:
    return str(member.serialization.get("name", name))


def to_wire(shape: Shape, value: Any) -> Any:
    """A value keyed by member names (`request` sub-structures) → keyed by wire names (stored form)."""
    if value is None:
        return None
    if shape.type_name == "structure":
        members = shape.members
        return {
            _wire(members[k], k): to_wire(members[k], v)
            for k, v in value.items()
            if k in members and v is not None
        }
    if shape.type_name == "list":
        return [to_wire(shape.member, item) for item in value]
    if shape.type_name == "map":
        return {k: to_wire(shape.value, v) for k, v in value.items()}
    return value


def from_wire(shape: Shape, value: Any) -> Any:
    """A stored value (wire names) → keyed by member names, for the serializer. Unknown keys (internal
    `_fields`) are dropped."""
    if value is None:
        return None
    if shape.type_name == "structure":
        out: dict[str, Any] = {}
        for name, member in shape.members.items():
            item = value.get(_wire(member, name))
            if item is not None:
                out[name] = from_wire(member, item)
        return out
    if shape.type_name == "list":
        return [from_wire(shape.member, item) for item in value]
    if shape.type_name == "map":
        return {k: from_wire(shape.value, v) for k, v in value.items()}
    return value


def body(ctx: RequestContext, request: dict[str, Any]) -> dict[str, Any]:
    """The request's body members (not path/query/header ones) in wire names."""
    assert ctx.operation is not None
    shape = ctx.operation.input_shape
    out: dict[str, Any] = {}
    for name, value in request.items():
        member = shape.members.get(name)
        if member is None or value is None or member.serialization.get("location"):
            continue
        out[_wire(member, name)] = to_wire(member, value)
    return out


def out(ctx: RequestContext, doc: dict[str, Any]) -> dict[str, Any]:
    """The operation's output (member names) from a document in wire names."""
    assert ctx.operation is not None
    shape = ctx.operation.output_shape
    if shape is None:
        return {}
    result: dict[str, Any] = from_wire(shape, doc)
    return result


# -- lookups -----------------------------------------------------------------------------------------


def where(ctx: RequestContext) -> tuple[ApiGateway, str, str]:
    return state(ctx.app), ctx.account_id, ctx.region


def api_or_404(conn: Conn, ctx: RequestContext, api_id: str) -> dict[str, Any]:
    doc = store.get(conn, ctx.account_id, ctx.region, "httpapi", "", api_id)
    if doc is None:
        raise NotFoundException(
            f"Invalid API identifier specified {ctx.account_id}:{api_id}", ResourceType="Api"
        )
    return doc


NOUNS = {
    "route": "Route",
    "integration": "Integration",
    "authorizer2": "Authorizer",
    "model2": "Model",
    "deployment2": "Deployment",
    "stage2": "Stage",
    "integrationresponse": "IntegrationResponse",
    "routeresponse": "RouteResponse",
}


def child_or_404(conn: Conn, ctx: RequestContext, kind: str, scope: str, id_: str) -> dict[str, Any]:
    """A resource of an API (`scope` = api id, or `<api>/<parent>` for responses)."""
    doc = store.get(conn, ctx.account_id, ctx.region, kind, scope, id_)
    if doc is None:
        noun = NOUNS[kind]
        raise NotFoundException(f"Invalid {noun} identifier specified {id_}", ResourceType=noun)
    return doc


def page(request: dict[str, Any], items: list[dict[str, Any]]) -> dict[str, Any]:
    """`{"items", "nextToken"}` of one page (tokens are offsets into the creation-ordered list)."""
    raw_max = request.get("MaxResults")
    token = request.get("NextToken")
    try:
        size = int(raw_max) if raw_max not in (None, "") else MAX_PAGE
        start = int(token) if token not in (None, "") else 0
    except ValueError:
        raise BadRequestException(
            "Invalid MaxResults or NextToken" if token is None else "Invalid pagination token"
        ) from None
    if size < 1 or start < 0:
        raise BadRequestException("MaxResults must be a positive integer" if size < 1 else "Invalid token")
    size = min(size, MAX_PAGE)
    chunk = items[start : start + size]
    result: dict[str, Any] = {"items": chunk}
    if start + size < len(items):
        result["nextToken"] = str(start + size)
    return result


def listing(conn: Conn, ctx: RequestContext, kind: str, scope: str) -> list[dict[str, Any]]:
    return [doc for _, doc in store.list_docs(conn, ctx.account_id, ctx.region, kind, scope)]


# -- changes -----------------------------------------------------------------------------------------


def changed(tx: Tx, ctx: RequestContext, api_id: str) -> None:
    """Something a deployment freezes changed: auto-deploying stages get a fresh deployment."""
    gw = state(ctx.app)
    deploy.auto_deploy(tx, gw, ctx.account_id, ctx.region, api_id)
    gw.invalidate(tx, api_id)


def get_one(ctx: RequestContext, request: dict[str, Any], kind: str, id_member: str) -> dict[str, Any]:
    """A Get operation's answer: the `kind` resource of `request["ApiId"]` named by `request[id_member]`."""
    gw, _, _ = where(ctx)
    with gw.db.read() as conn:
        api_or_404(conn, ctx, request["ApiId"])
        return out(ctx, child_or_404(conn, ctx, kind, request["ApiId"], request[id_member]))


def get_all(ctx: RequestContext, request: dict[str, Any], kind: str) -> dict[str, Any]:
    """A Get...s operation's answer: one page of the API's `kind` resources."""
    gw, _, _ = where(ctx)
    with gw.db.read() as conn:
        api_or_404(conn, ctx, request["ApiId"])
        return out(ctx, page(request, listing(conn, ctx, kind, request["ApiId"])))
