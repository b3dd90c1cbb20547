"""API models (JSON schemas) and GetModelTemplate."""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING, Any

from cloudlet.services.apigateway import store
from cloudlet.services.apigateway.errors import BadRequestException, ConflictException
from cloudlet.services.apigateway.v2.common import (
    api_or_404,
    body,
    child_or_404,
    get_all,
    get_one,
    out,
    where,
)
from cloudlet.services.apigateway.v2.templates import model_template

if TYPE_CHECKING:
    from cloudlet.gateway.context import RequestContext

__all__ = ["create_model", "delete_model", "get_model", "get_model_template", "get_models", "update_model"]

_NAME = re.compile(r"^[A-Za-z0-9]+$")


def _check(conn: Any, ctx: RequestContext, api_id: str, doc: dict[str, Any]) -> None:
    if not _NAME.match(doc["name"]):
        raise BadRequestException("Model name must be non-empty and alphanumeric.")
    try:
        schema = json.loads(doc["schema"])
    except ValueError:
        raise BadRequestException("Invalid model schema specified. The schema must be valid JSON.") from None
    if not isinstance(schema, dict):
        raise BadRequestException("Invalid model schema specified. The schema must be a JSON object.")
    for model_id, other in store.list_docs(conn, ctx.account_id, ctx.region, "model2", api_id):
        if other["name"] == doc["name"] and model_id != doc.get("modelId"):
            raise ConflictException(f"Model name already exists for this API: {doc['name']}")


def create_model(ctx: RequestContext, request: dict[str, Any]) -> dict[str, Any]:
    gw, account, region = where(ctx)
    api_id = request["ApiId"]
    with gw.db.transaction() as tx:
        api_or_404(tx, ctx, api_id)
        doc = body(ctx, request)
        _check(tx, ctx, api_id, doc)
        doc["modelId"] = gw.new_id(tx, "model2", 6)
        store.put(tx, account, region, "model2", api_id, doc["modelId"], doc)
    return out(ctx, doc)


def get_model(ctx: RequestContext, request: dict[str, Any]) -> dict[str, Any]:
    return get_one(ctx, request, "model2", "ModelId")


def get_models(ctx: RequestContext, request: dict[str, Any]) -> dict[str, Any]:
    return get_all(ctx, request, "model2")


def update_model(ctx: RequestContext, request: dict[str, Any]) -> dict[str, Any]:
    gw, account, region = where(ctx)
    api_id = request["ApiId"]
    with gw.db.transaction() as tx:
        api_or_404(tx, ctx, api_id)
        doc = child_or_404(tx, ctx, "model2", api_id, request["ModelId"])
        doc.update(body(ctx, request))
        _check(tx, ctx, api_id, doc)
        store.put(tx, account, region, "model2", api_id, doc["modelId"], doc)
    return out(ctx, doc)


def delete_model(ctx: RequestContext, request: dict[str, Any]) -> None:
    gw, account, region = where(ctx)
    api_id = request["ApiId"]
    with gw.db.transaction() as tx:
        api_or_404(tx, ctx, api_id)
        child_or_404(tx, ctx, "model2", api_id, request["ModelId"])
        store.delete(tx, account, region, "model2", api_id, request["ModelId"])


def get_model_template(ctx: RequestContext, request: dict[str, Any]) -> dict[str, Any]:
    gw, _, _ = where(ctx)
    with gw.db.read() as conn:
        api_or_404(conn, ctx, request["ApiId"])
        doc = child_or_404(conn, ctx, "model2", request["ApiId"], request["ModelId"])
    return {"Value": model_template(json.loads(doc["schema"]))}
