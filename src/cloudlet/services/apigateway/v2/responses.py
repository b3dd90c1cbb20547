"""Route responses and integration responses: the same CRUD over a child of a route or an integration
(documents of kind `routeresponse` / `integrationresponse`, scope `<api id>/<parent id>`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from cloudlet.services.apigateway import store
from cloudlet.services.apigateway.errors import BadRequestException, ConflictException
from cloudlet.services.apigateway.v2.common import (
    api_or_404,
    body,
    changed,
    child_or_404,
    listing,
    out,
    page,
    where,
)

if TYPE_CHECKING:
    from cloudlet.gateway.context import RequestContext


@dataclass(frozen=True)
class Responses:
    kind: str
    """`routeresponse` | `integrationresponse`."""
    parent_kind: str
    """`route` | `integration`."""
    parent: str
    """`Route` | `Integration`: the request's `<parent>Id` member and the wording of messages."""
    websocket_only: bool = False
    """HTTP APIs refuse these (integration responses are for WebSocket APIs)."""

    @property
    def name(self) -> str:
        return f"{self.parent}Response"

    def _scope(self, conn: Any, ctx: RequestContext, request: dict[str, Any]) -> str:
        api_or_404(conn, ctx, request["ApiId"])
        parent_id = request[f"{self.parent}Id"]
        child_or_404(conn, ctx, self.parent_kind, request["ApiId"], parent_id)
        return f"{request['ApiId']}/{parent_id}"

    def _id(self, request: dict[str, Any]) -> str:
        return str(request[f"{self.name}Id"])

    def create(self, ctx: RequestContext, request: dict[str, Any]) -> dict[str, Any]:
        gw, account, region = where(ctx)
        key_field, id_field = (
            f"{self.name[0].lower()}{self.name[1:]}Key",
            f"{self.name[0].lower()}{self.name[1:]}Id",
        )
        with gw.db.transaction() as tx:
            api = api_or_404(tx, ctx, request["ApiId"])
            if self.websocket_only and api["protocolType"] == "HTTP":
                raise BadRequestException(f"{self.parent} responses are not supported for HTTP APIs")
            scope = self._scope(tx, ctx, request)
            fields = body(ctx, request)
            for _, other in store.list_docs(tx, account, region, self.kind, scope):
                if other.get(key_field) == fields[key_field]:
                    raise ConflictException(
                        f"{self.name} with key {fields[key_field]} already exists for this {self.parent}"
                    )
            response_id = gw.new_id(tx, self.kind, 6)
            doc = {**fields, id_field: response_id}
            store.put(tx, account, region, self.kind, scope, response_id, doc)
            changed(tx, ctx, request["ApiId"])
        return out(ctx, doc)

    def get(self, ctx: RequestContext, request: dict[str, Any]) -> dict[str, Any]:
        gw, _, _ = where(ctx)
        with gw.db.read() as conn:
            scope = self._scope(conn, ctx, request)
            return out(ctx, child_or_404(conn, ctx, self.kind, scope, self._id(request)))

    def list(self, ctx: RequestContext, request: dict[str, Any]) -> dict[str, Any]:
        gw, _, _ = where(ctx)
        with gw.db.read() as conn:
            scope = self._scope(conn, ctx, request)
            return out(ctx, page(request, listing(conn, ctx, self.kind, scope)))

    def update(self, ctx: RequestContext, request: dict[str, Any]) -> dict[str, Any]:
        gw, account, region = where(ctx)
        with gw.db.transaction() as tx:
            scope = self._scope(tx, ctx, request)
            doc = child_or_404(tx, ctx, self.kind, scope, self._id(request))
            doc.update(body(ctx, request))
            store.put(tx, account, region, self.kind, scope, self._id(request), doc)
            changed(tx, ctx, request["ApiId"])
        return out(ctx, doc)

    def delete(self, ctx: RequestContext, request: dict[str, Any]) -> None:
        gw, account, region = where(ctx)
        with gw.db.transaction() as tx:
            scope = self._scope(tx, ctx, request)
            child_or_404(tx, ctx, self.kind, scope, self._id(request))
            store.delete(tx, account, region, self.kind, scope, self._id(request))
            changed(tx, ctx, request["ApiId"])


ROUTE_RESPONSES = Responses("routeresponse", "route", "Route")
INTEGRATION_RESPONSES = Responses("integrationresponse", "integration", "Integration", websocket_only=True)
