"""Resources (the path tree of a REST API), and re-exported from `v1/methods.py` and
`v1/integrations.py`: methods, method responses, integrations and integration responses, which live
inside their resource's document."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from cloudlet.services.apigateway import patch, store
from cloudlet.services.apigateway.errors import BadRequestException, ConflictException
from cloudlet.services.apigateway.v1.common import docs, get_api, get_in_api, gw_of, page, put
from cloudlet.services.apigateway.v1.integrations import (
    delete_integration,
    delete_integration_response,
    get_integration,
    get_integration_response,
    put_integration,
    put_integration_response,
    update_integration,
    update_integration_response,
)
from cloudlet.services.apigateway.v1.methods import (
    delete_method,
    delete_method_response,
    get_method,
    get_method_response,
    put_method,
    put_method_response,
    update_method,
    update_method_response,
)

if TYPE_CHECKING:
    from cloudlet.gateway.context import RequestContext

__all__ = [
    "create_resource",
    "delete_integration",
    "delete_integration_response",
    "delete_method",
    "delete_method_response",
    "delete_resource",
    "get_integration",
    "get_integration_response",
    "get_method",
    "get_method_response",
    "get_resource",
    "get_resources",
    "put_integration",
    "put_integration_response",
    "put_method",
    "put_method_response",
    "update_integration",
    "update_integration_response",
    "update_method",
    "update_method_response",
    "update_resource",
]

RESOURCE_NOT_FOUND = "Invalid Resource identifier specified"
_PLAIN = re.compile(r"[a-zA-Z0-9._:-]+")
_VARIABLE = re.compile(r"\{[a-zA-Z0-9._-]+\+?\}")
_PATH_PART_RULE = (
    "Resource's path part only allow a-zA-Z0-9._- and curly braces at the beginning and the end and an"
    " optional plus sign before the closing brace."
)


def check_path_part(path_part: str) -> None:
    if not path_part:
        raise BadRequestException("Resource's path part must be specified")
    if path_part.startswith("{") or path_part.endswith("}"):
        if not _VARIABLE.fullmatch(path_part):
            raise BadRequestException(_PATH_PART_RULE)
    elif not _PLAIN.fullmatch(path_part):
        raise BadRequestException(_PATH_PART_RULE)


def is_variable(path_part: str | None) -> bool:
    return bool(path_part) and str(path_part).startswith("{")


def child_path(parent: dict[str, Any], path_part: str) -> str:
    return ("" if parent["path"] == "/" else parent["path"]) + "/" + path_part


def check_sibling(
    siblings: list[dict[str, Any]], parent: dict[str, Any], path_part: str, own_id: str
) -> None:
    """Raise AWS's errors for placing `path_part` under `parent` next to `siblings`."""
    if str(parent.get("pathPart") or "").endswith("+}"):
        raise BadRequestException(
            f"Cannot create a child of a resource with a greedy path variable: {parent['pathPart']}"
        )
    for sibling in siblings:
        if sibling["id"] == own_id or sibling.get("parentId") != parent["id"]:
            continue
        if sibling.get("pathPart") == path_part:
            raise ConflictException(
                f"Another resource with the same parent already has this name: {path_part}"
            )
        if is_variable(path_part) and is_variable(sibling.get("pathPart")):
            raise BadRequestException(
                f"A sibling ({sibling['pathPart']}) of this resource already has a variable path part -- only"
                " one is allowed"
            )


def view(doc: dict[str, Any], embed: list[str] | None) -> dict[str, Any]:
    """A resource as returned: methods in full with `embed=methods`, else only their names."""
    methods = doc.get("resourceMethods")
    if not methods or (embed and "methods" in embed):
        return doc
    return {**doc, "resourceMethods": {name: {} for name in methods}}


def create_resource(ctx: RequestContext, request: dict[str, Any]) -> dict[str, Any]:
    gw = gw_of(ctx)
    api_id, path_part = request["restApiId"], request["pathPart"]
    with gw.db.transaction() as tx:
        parent = get_in_api(tx, ctx, "resource", api_id, request["parentId"], RESOURCE_NOT_FOUND)
        check_path_part(path_part)
        check_sibling(docs(tx, ctx, "resource", api_id), parent, path_part, "")
        resource_id = gw.new_id(tx, "resource", 10)
        doc = {
            "id": resource_id,
            "parentId": parent["id"],
            "pathPart": path_part,
            "path": child_path(parent, path_part),
        }
        put(tx, ctx, "resource", api_id, resource_id, doc)
    return doc


def get_resource(ctx: RequestContext, request: dict[str, Any]) -> dict[str, Any]:
    with gw_of(ctx).db.read() as conn:
        doc = get_in_api(
            conn, ctx, "resource", request["restApiId"], request["resourceId"], RESOURCE_NOT_FOUND
        )
    return view(doc, request.get("embed"))


def get_resources(ctx: RequestContext, request: dict[str, Any]) -> dict[str, Any]:
    api_id = request["restApiId"]
    with gw_of(ctx).db.read() as conn:
        get_api(conn, ctx, api_id)
        items = docs(conn, ctx, "resource", api_id)
    listing = page(items, request)
    listing["items"] = [view(doc, request.get("embed")) for doc in listing["items"]]
    return listing


def descendants(resources: list[dict[str, Any]], root_id: str) -> list[dict[str, Any]]:
    """The resources below `root_id` (not itself), parents before children."""
    children: dict[str, list[dict[str, Any]]] = {}
    for doc in resources:
        if doc.get("parentId"):
            children.setdefault(doc["parentId"], []).append(doc)
    out: list[dict[str, Any]] = []
    queue = [root_id]
    while queue:
        for child in children.get(queue.pop(0), []):
            out.append(child)
            queue.append(child["id"])
    return out


def delete_resource(ctx: RequestContext, request: dict[str, Any]) -> dict[str, Any]:
    gw = gw_of(ctx)
    api_id = request["restApiId"]
    with gw.db.transaction() as tx:
        doc = get_in_api(tx, ctx, "resource", api_id, request["resourceId"], RESOURCE_NOT_FOUND)
        if not doc.get("parentId"):
            raise BadRequestException("Cannot delete root resource")
        for child in [doc, *descendants(docs(tx, ctx, "resource", api_id), doc["id"])]:
            store.delete(tx, ctx.account_id, ctx.region, "resource", api_id, child["id"])
    return {}


def update_resource(ctx: RequestContext, request: dict[str, Any]) -> dict[str, Any]:
    gw = gw_of(ctx)
    api_id = request["restApiId"]
    with gw.db.transaction() as tx:
        doc = get_in_api(tx, ctx, "resource", api_id, request["resourceId"], RESOURCE_NOT_FOUND)
        fields: dict[str, Any] = {"pathPart": "str", "parentId": "str"}
        updated = patch.apply(dict(doc), request.get("patchOperations"), fields)
        if not doc.get("parentId"):
            if updated != doc:
                raise BadRequestException("Root resource cannot be modified")
            return view(doc, None)
        path_part = str(updated.get("pathPart") or "")
        check_path_part(path_part)
        resources = docs(tx, ctx, "resource", api_id)
        below = descendants(resources, doc["id"])
        parent_id = str(updated.get("parentId") or "")
        parent = store.get(tx, ctx.account_id, ctx.region, "resource", api_id, parent_id)
        if parent is None:
            raise BadRequestException(f"Invalid parent resource identifier specified: {parent_id}")
        if parent_id == doc["id"] or any(child["id"] == parent_id for child in below):
            raise BadRequestException("Resources cannot be moved below themselves")
        check_sibling(resources, parent, path_part, doc["id"])
        if below and path_part.endswith("+}"):
            raise BadRequestException(
                f"Cannot create a child of a resource with a greedy path variable: {path_part}"
            )
        updated["path"] = child_path(parent, path_part)
        put(tx, ctx, "resource", api_id, doc["id"], updated)
        paths = {doc["id"]: updated}
        for child in below:
            child["path"] = child_path(paths[child["parentId"]], child["pathPart"])
            paths[child["id"]] = child
            put(tx, ctx, "resource", api_id, child["id"], child)
    return view(updated, None)
