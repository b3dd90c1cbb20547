"""CreateRestApi's `cloneFrom`: copy an API's resources, methods, models, validators, authorizers and
gateway responses under a new API, with fresh ids (references between them follow)."""

from __future__ import annotations

import copy
from typing import TYPE_CHECKING, Any

from cloudlet.services.apigateway.v1.common import docs, put

if TYPE_CHECKING:
    from cloudlet.core.db import Tx
    from cloudlet.gateway.context import RequestContext
    from cloudlet.services.apigateway.engine import ApiGateway


def copy_api(gw: ApiGateway, tx: Tx, ctx: RequestContext, source_id: str, api_id: str, root_id: str) -> str:
    """Copy `source_id`'s contents under `api_id`; returns the new root resource id (`root_id`)."""
    renamed: dict[str, dict[str, str]] = {}
    for kind, length in (("authorizer", 6), ("validator", 6), ("model", 6)):
        renamed[kind] = {}
        for doc in docs(tx, ctx, kind, source_id):
            new = copy.deepcopy(doc)
            new["id"] = gw.new_id(tx, kind, length)
            renamed[kind][doc["id"]] = new["id"]
            put(tx, ctx, kind, api_id, new["id"], new)
    for doc in docs(tx, ctx, "gatewayresponse", source_id):
        put(tx, ctx, "gatewayresponse", api_id, doc["responseType"], copy.deepcopy(doc))
    resources = docs(tx, ctx, "resource", source_id)
    ids = {
        doc["id"]: (root_id if not doc.get("parentId") else gw.new_id(tx, "resource", 10))
        for doc in resources
    }
    for doc in resources:
        new = copy.deepcopy(doc)
        new["id"] = ids[doc["id"]]
        if doc.get("parentId"):
            new["parentId"] = ids[doc["parentId"]]
        for method in (new.get("resourceMethods") or {}).values():
            _remap(method, "authorizerId", renamed["authorizer"])
            _remap(method, "requestValidatorId", renamed["validator"])
            integration: dict[str, Any] = method.get("methodIntegration") or {}
            if integration.get("cacheNamespace") == doc["id"]:
                integration["cacheNamespace"] = new["id"]
        put(tx, ctx, "resource", api_id, new["id"], new)
    return root_id


def _remap(doc: dict[str, Any], member: str, table: dict[str, str]) -> None:
    if doc.get(member) in table:
        doc[member] = table[doc[member]]
