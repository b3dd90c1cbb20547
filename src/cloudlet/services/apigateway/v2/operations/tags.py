"""Tags of HTTP APIs and their stages, by ARN (`arn:aws:apigateway:<region>::/apis/<id>` and
`.../apis/<id>/stages/<name>`); also returned by GetApi and GetStage."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from cloudlet.services.apigateway import store
from cloudlet.services.apigateway.errors import BadRequestException, NotFoundException
from cloudlet.services.apigateway.v2.common import where

if TYPE_CHECKING:
    from cloudlet.gateway.context import RequestContext
    from cloudlet.services.apigateway.store import Conn

__all__ = ["get_tags", "tag_resource", "untag_resource"]

_ARN = re.compile(r"^arn:aws[a-z-]*:apigateway:([a-z0-9-]+)::/apis/([^/]+)(?:/stages/([^/]+))?$")
MAX_TAGS = 50


def _locate(conn: Conn, ctx: RequestContext, arn: str) -> tuple[str, str, str, dict[str, Any]]:
    """(kind, scope, id, document) of the resource `arn` names."""
    found = _ARN.match(arn)
    if found is None:
        raise BadRequestException(f"Invalid resource ARN specified {arn}")
    region, api_id, stage = found.groups()
    if region != ctx.region:
        raise NotFoundException(f"Invalid API identifier specified {ctx.account_id}:{api_id}")
    api = store.get(conn, ctx.account_id, region, "httpapi", "", api_id)
    if api is None:
        raise NotFoundException(f"Invalid API identifier specified {ctx.account_id}:{api_id}")
    if stage is None:
        return "httpapi", "", api_id, api
    doc = store.get(conn, ctx.account_id, region, "stage2", api_id, stage)
    if doc is None:
        raise NotFoundException(f"Invalid Stage identifier specified {stage}")
    return "stage2", api_id, stage, doc


def get_tags(ctx: RequestContext, request: dict[str, Any]) -> dict[str, Any]:
    gw, _, _ = where(ctx)
    with gw.db.read() as conn:
        _, _, _, doc = _locate(conn, ctx, request["ResourceArn"])
    return {"Tags": dict(doc.get("tags") or {})}


def tag_resource(ctx: RequestContext, request: dict[str, Any]) -> dict[str, Any]:
    gw, account, region = where(ctx)
    new = request.get("Tags") or {}
    for key, value in new.items():
        if not 1 <= len(key) <= 128 or len(value) > 256:
            raise BadRequestException(
                "Tag keys must be 1 to 128 characters and values at most 256 characters"
            )
        if key.lower().startswith("aws:"):
            raise BadRequestException("Tag keys must not start with 'aws:'")
    with gw.db.transaction() as tx:
        kind, scope, id_, doc = _locate(tx, ctx, request["ResourceArn"])
        tags = {**(doc.get("tags") or {}), **new}
        if len(tags) > MAX_TAGS:
            raise BadRequestException(f"A resource can have at most {MAX_TAGS} tags")
        doc["tags"] = tags
        store.put(tx, account, region, kind, scope, id_, doc)
    return {}


def untag_resource(ctx: RequestContext, request: dict[str, Any]) -> None:
    gw, account, region = where(ctx)
    with gw.db.transaction() as tx:
        kind, scope, id_, doc = _locate(tx, ctx, request["ResourceArn"])
        tags = dict(doc.get("tags") or {})
        for key in request["TagKeys"]:
            tags.pop(key, None)
        doc["tags"] = tags
        store.put(tx, account, region, kind, scope, id_, doc)
