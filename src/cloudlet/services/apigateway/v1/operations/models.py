"""Models (JSON schemas of request/response bodies) with their default mapping templates, request
validators, and (re-exported from `v1/gateway_responses.py`) gateway responses."""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING, Any

from cloudlet.services.apigateway import patch, store
from cloudlet.services.apigateway.errors import BadRequestException, ConflictException, NotFoundException
from cloudlet.services.apigateway.store import Conn
from cloudlet.services.apigateway.v1.common import docs, get_api, get_in_api, gw_of, page, put
from cloudlet.services.apigateway.v1.gateway_responses import (
    delete_gateway_response,
    get_gateway_response,
    get_gateway_responses,
    put_gateway_response,
    update_gateway_response,
)

if TYPE_CHECKING:
    from cloudlet.gateway.context import RequestContext

__all__ = [
    "create_model",
    "create_request_validator",
    "delete_gateway_response",
    "delete_model",
    "delete_request_validator",
    "get_gateway_response",
    "get_gateway_responses",
    "get_model",
    "get_model_template",
    "get_models",
    "get_request_validator",
    "get_request_validators",
    "put_gateway_response",
    "update_gateway_response",
    "update_model",
    "update_request_validator",
]

VALIDATOR_NOT_FOUND = "Invalid Request Validator identifier specified"
_NAME = re.compile(r"[a-zA-Z0-9]+")


def _find_model(conn: Conn, ctx: RequestContext, api_id: str, name: str) -> dict[str, Any]:
    get_api(conn, ctx, api_id)
    for doc in docs(conn, ctx, "model", api_id):
        if doc["name"] == name:
            return doc
    raise NotFoundException(f"Invalid model name specified: {name}")


def _check_schema(schema: str | None) -> None:
    if schema is None:
        return
    try:
        parsed = json.loads(schema)
    except ValueError:
        parsed = None
    if not isinstance(parsed, dict):
        raise BadRequestException(
            "Invalid model specified: Validation Result: warnings : [], errors : [Invalid model schema"
            " specified. Model schema must be a valid JSON object]"
        )


def create_model(ctx: RequestContext, request: dict[str, Any]) -> dict[str, Any]:
    gw = gw_of(ctx)
    api_id, name = request["restApiId"], request["name"]
    with gw.db.transaction() as tx:
        get_api(tx, ctx, api_id)
        if not _NAME.fullmatch(name):
            raise BadRequestException("Model name must be alphanumeric")
        if any(doc["name"] == name for doc in docs(tx, ctx, "model", api_id)):
            raise ConflictException("Model name already exists for this REST API")
        _check_schema(request.get("schema"))
        model_id = gw.new_id(tx, "model", 6)
        doc = {
            "id": model_id,
            "name": name,
            "description": request.get("description"),
            "schema": request.get("schema"),
            "contentType": request["contentType"],
        }
        doc = {k: v for k, v in doc.items() if v is not None}
        put(tx, ctx, "model", api_id, model_id, doc)
    return doc


def get_model(ctx: RequestContext, request: dict[str, Any]) -> dict[str, Any]:
    with gw_of(ctx).db.read() as conn:
        return _find_model(conn, ctx, request["restApiId"], request["modelName"])


def get_models(ctx: RequestContext, request: dict[str, Any]) -> dict[str, Any]:
    api_id = request["restApiId"]
    with gw_of(ctx).db.read() as conn:
        get_api(conn, ctx, api_id)
        items = docs(conn, ctx, "model", api_id)
    return page(items, request)


def update_model(ctx: RequestContext, request: dict[str, Any]) -> dict[str, Any]:
    gw = gw_of(ctx)
    api_id = request["restApiId"]
    with gw.db.transaction() as tx:
        doc = _find_model(tx, ctx, api_id, request["modelName"])
        patch.apply(doc, request.get("patchOperations"), {"schema": "str", "description": "str"})
        _check_schema(doc.get("schema"))
        put(tx, ctx, "model", api_id, doc["id"], doc)
    return doc


def delete_model(ctx: RequestContext, request: dict[str, Any]) -> dict[str, Any]:
    gw = gw_of(ctx)
    api_id, name = request["restApiId"], request["modelName"]
    with gw.db.transaction() as tx:
        doc = _find_model(tx, ctx, api_id, name)
        for resource in docs(tx, ctx, "resource", api_id):
            for http_method, method in (resource.get("resourceMethods") or {}).items():
                if name in (method.get("requestModels") or {}).values():
                    raise ConflictException(
                        f"Cannot delete model '{name}', is referenced in method request: "
                        f"{resource['path']}/{http_method}"
                    )
                for response in (method.get("methodResponses") or {}).values():
                    if name in (response.get("responseModels") or {}).values():
                        raise ConflictException(
                            f"Cannot delete model '{name}', is referenced in method response: "
                            f"{resource['path']}/{http_method}/{response['statusCode']}"
                        )
        store.delete(tx, ctx.account_id, ctx.region, "model", api_id, doc["id"])
    return {}


def get_model_template(ctx: RequestContext, request: dict[str, Any]) -> dict[str, Any]:
    api_id = request["restApiId"]
    with gw_of(ctx).db.read() as conn:
        doc = _find_model(conn, ctx, api_id, request["modelName"])
        models = {m["name"]: m for m in docs(conn, ctx, "model", api_id)}
    schema = json.loads(doc.get("schema") or "{}")
    lines = ["#set($inputRoot = $input.path('$'))"]
    lines.extend(_template(schema, "$inputRoot", "", models, set()))
    return {"value": "\n".join(lines)}


def _resolve(schema: dict[str, Any], models: dict[str, dict[str, Any]], seen: set[str]) -> dict[str, Any]:
    """Follow a `$ref` to another model of the API (`.../models/<name>` or `#/definitions/...` names)."""
    ref = schema.get("$ref")
    if not isinstance(ref, str):
        return schema
    name = ref.rstrip("/").rsplit("/", 1)[-1]
    if name in seen or name not in models:
        return {}
    seen.add(name)
    try:
        target = json.loads(models[name].get("schema") or "{}")
    except ValueError:
        return {}
    return target if isinstance(target, dict) else {}


def _template(
    schema: dict[str, Any], ref: str, indent: str, models: dict[str, dict[str, Any]], seen: set[str]
) -> list[str]:
    """AWS-style default mapping template lines for `schema`, reading values from `ref`."""
    schema = _resolve(schema, models, seen)
    kind = schema.get("type")
    if kind == "array":
        item = _resolve(schema.get("items") or {}, models, seen)
        var = f"$elem{len(indent) // 2}"
        out = [f"{indent}[", f"{indent}#foreach({var} in {ref})"]
        out.extend(_template(item, var, indent + "  ", models, seen))
        out.extend([f"{indent}#if($foreach.hasNext),#end", f"{indent}#end", f"{indent}]"])
        return out
    if kind == "object" or "properties" in schema:
        properties = schema.get("properties") or {}
        out = [f"{indent}{{"]
        names = list(properties)
        for index, name in enumerate(names):
            comma = "," if index < len(names) - 1 else ""
            sub = _resolve(properties[name] if isinstance(properties[name], dict) else {}, models, seen)
            sub_kind = sub.get("type")
            if sub_kind in ("object", "array") or "properties" in sub:
                body = _template(sub, f"{ref}.{name}", indent + "  ", models, seen)
                body[0] = f'{indent}  "{name}" : {body[0].strip()}'
                body[-1] += comma
                out.extend(body)
            elif sub_kind in ("number", "integer", "boolean"):
                out.append(f'{indent}  "{name}" : ${ref[1:]}.{name}{comma}')
            else:
                out.append(f'{indent}  "{name}" : "${ref[1:]}.{name}"{comma}')
        out.append(f"{indent}}}")
        return out
    if kind in ("number", "integer", "boolean"):
        return [f"{indent}{ref}"]
    return [f'{indent}"{ref}"']


# -- request validators --------------------------------------------------------------------------------


def create_request_validator(ctx: RequestContext, request: dict[str, Any]) -> dict[str, Any]:
    gw = gw_of(ctx)
    api_id = request["restApiId"]
    with gw.db.transaction() as tx:
        get_api(tx, ctx, api_id)
        name = request.get("name")
        if name and any(doc.get("name") == name for doc in docs(tx, ctx, "validator", api_id)):
            raise ConflictException(f"Validator with name {name} already exists")
        validator_id = gw.new_id(tx, "validator", 6)
        doc = {
            "id": validator_id,
            "name": name,
            "validateRequestBody": bool(request.get("validateRequestBody")),
            "validateRequestParameters": bool(request.get("validateRequestParameters")),
        }
        doc = {k: v for k, v in doc.items() if v is not None}
        put(tx, ctx, "validator", api_id, validator_id, doc)
    return doc


def get_request_validator(ctx: RequestContext, request: dict[str, Any]) -> dict[str, Any]:
    with gw_of(ctx).db.read() as conn:
        return get_in_api(
            conn, ctx, "validator", request["restApiId"], request["requestValidatorId"], VALIDATOR_NOT_FOUND
        )


def get_request_validators(ctx: RequestContext, request: dict[str, Any]) -> dict[str, Any]:
    api_id = request["restApiId"]
    with gw_of(ctx).db.read() as conn:
        get_api(conn, ctx, api_id)
        items = docs(conn, ctx, "validator", api_id)
    return page(items, request)


def update_request_validator(ctx: RequestContext, request: dict[str, Any]) -> dict[str, Any]:
    gw = gw_of(ctx)
    api_id = request["restApiId"]
    with gw.db.transaction() as tx:
        doc = get_in_api(tx, ctx, "validator", api_id, request["requestValidatorId"], VALIDATOR_NOT_FOUND)
        fields: dict[str, Any] = {
            "name": "str",
            "validateRequestBody": "bool",
            "validateRequestParameters": "bool",
        }
        patch.apply(doc, request.get("patchOperations"), fields)
        doc.setdefault("validateRequestBody", False)
        doc.setdefault("validateRequestParameters", False)
        put(tx, ctx, "validator", api_id, doc["id"], doc)
    return doc


def delete_request_validator(ctx: RequestContext, request: dict[str, Any]) -> dict[str, Any]:
    gw = gw_of(ctx)
    api_id, validator_id = request["restApiId"], request["requestValidatorId"]
    with gw.db.transaction() as tx:
        get_in_api(tx, ctx, "validator", api_id, validator_id, VALIDATOR_NOT_FOUND)
        for resource in docs(tx, ctx, "resource", api_id):
            for method in (resource.get("resourceMethods") or {}).values():
                if method.get("requestValidatorId") == validator_id:
                    raise ConflictException(
                        "Cannot delete request validator. It is being referenced by a method"
                    )
        store.delete(tx, ctx.account_id, ctx.region, "validator", api_id, validator_id)
    return {}
