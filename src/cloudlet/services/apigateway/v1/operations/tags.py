"""Tags of v1 resources, kept in each resource document's `tags` member: REST APIs
(`arn:aws:apigateway:{region}::/restapis/{id}`), their stages (`.../restapis/{id}/stages/{name}`), API
keys (`/apikeys/{id}`) and usage plans (`/usageplans/{id}`)."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from cloudlet.services.apigateway import store
from cloudlet.services.apigateway.errors import BadRequestException, NotFoundException
from cloudlet.services.apigateway.store import Conn
from cloudlet.services.apigateway.v1.common import get_api, gw_of, put

if TYPE_CHECKING:
    from cloudlet.gateway.context import RequestContext

__all__ = ["get_tags", "tag_resource", "untag_resource"]

MAX_TAGS = 50
_ARN = re.compile(r"arn:aws[a-z-]*:apigateway:([a-z0-9-]+)::(/.*)")
_TARGETS: tuple[tuple[re.Pattern[str], str, str], ...] = (
    (re.compile(r"/restapis/([^/]+)"), "restapi", ""),
    (re.compile(r"/restapis/([^/]+)/stages/([^/]+)"), "stage", "Invalid Stage identifier specified"),
    (re.compile(r"/apikeys/([^/]+)"), "apikey", "Invalid API Key identifier specified"),
    (re.compile(r"/usageplans/([^/]+)"), "usageplan", "Invalid Usage Plan ID specified"),
)


def _locate(conn: Conn, ctx: RequestContext, arn: str) -> tuple[str, str, str, dict[str, Any]]:
    """(kind, scope, id, document) of the resource `arn` names."""
    match = _ARN.fullmatch(arn)
    if match is None or match.group(1) != ctx.region:
        raise BadRequestException(f"Invalid ARN specified in the request: {arn}")
    path = match.group(2)
    for pattern, kind, message in _TARGETS:
        found = pattern.fullmatch(path)
        if found is None:
            continue
        if kind == "restapi":
            return kind, "", found.group(1), get_api(conn, ctx, found.group(1))
        if kind == "stage":
            api_id, name = found.group(1), found.group(2)
            get_api(conn, ctx, api_id)
            doc = store.get(conn, ctx.account_id, ctx.region, "stage", api_id, name)
            if doc is None:
                raise NotFoundException(message)
            return kind, api_id, name, doc
        doc = store.get(conn, ctx.account_id, ctx.region, kind, "", found.group(1))
        if doc is None:
            raise NotFoundException(message)
        return kind, "", found.group(1), doc
    raise BadRequestException(f"Invalid ARN specified in the request: {arn}")


def get_tags(ctx: RequestContext, request: dict[str, Any]) -> dict[str, Any]:
    with gw_of(ctx).db.read() as conn:
        doc = _locate(conn, ctx, request["resourceArn"])[3]
    return {"tags": doc.get("tags") or {}}


def tag_resource(ctx: RequestContext, request: dict[str, Any]) -> dict[str, Any]:
    gw = gw_of(ctx)
    with gw.db.transaction() as tx:
        kind, scope, id_, doc = _locate(tx, ctx, request["resourceArn"])
        for key in request["tags"]:
            if key.lower().startswith("aws:"):
                raise BadRequestException("Tag keys starting with 'aws:' are reserved for system use")
        tags = {**(doc.get("tags") or {}), **request["tags"]}
        if len(tags) > MAX_TAGS:
            raise BadRequestException(f"Too many tags: a resource can have at most {MAX_TAGS} tags")
        doc["tags"] = tags
        put(tx, ctx, kind, scope, id_, doc)
    return {}


def untag_resource(ctx: RequestContext, request: dict[str, Any]) -> dict[str, Any]:
    gw = gw_of(ctx)
    with gw.db.transaction() as tx:
        kind, scope, id_, doc = _locate(tx, ctx, request["resourceArn"])
        tags = {k: v for k, v in (doc.get("tags") or {}).items() if k not in request["tagKeys"]}
        if tags:
            doc["tags"] = tags
        else:
            doc.pop("tags", None)
        put(tx, ctx, kind, scope, id_, doc)
    return {}
