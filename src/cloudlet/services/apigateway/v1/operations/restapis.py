"""REST APIs (create, read, list, update, delete; `cloneFrom`) and the account's API Gateway settings."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from cloudlet.services.apigateway import patch, store
from cloudlet.services.apigateway.errors import BadRequestException
from cloudlet.services.apigateway.v1 import clone
from cloudlet.services.apigateway.v1.common import docs, get_api, gw_of, now, page, put

if TYPE_CHECKING:
    from cloudlet.gateway.context import RequestContext

__all__ = [
    "create_rest_api",
    "delete_rest_api",
    "get_account",
    "get_rest_api",
    "get_rest_apis",
    "update_account",
    "update_rest_api",
]

MAX_COMPRESSION = 10485760
ENDPOINT_TYPES = ("EDGE", "REGIONAL", "PRIVATE")
DEFAULT_MODELS = (
    (
        "Error",
        "This is a default error schema model",
        '{\n  "$schema" : "http://json-schema.org/draft-04/schema#",\n  "title" : "Error Schema",\n'
        '  "type" : "object",\n  "properties" : {\n    "message" : { "type" : "string" }\n  }\n}',
    ),
    (
        "Empty",
        "This is a default empty schema model",
        '{\n  "$schema": "http://json-schema.org/draft-04/schema#",\n  "title" : "Empty Schema",\n'
        '  "type" : "object"\n}',
    ),
)


def create_rest_api(ctx: RequestContext, request: dict[str, Any]) -> dict[str, Any]:
    gw = gw_of(ctx)
    name = request["name"]
    if not name.strip():
        raise BadRequestException("Invalid API name specified")
    endpoint = _endpoint_configuration(request.get("endpointConfiguration"))
    compression = request.get("minimumCompressionSize")
    if compression is not None:
        _check_compression(compression)
    with gw.db.transaction() as tx:
        source_id = request.get("cloneFrom")
        source = get_api(tx, ctx, source_id) if source_id else None
        api_id = gw.new_id(tx, "restapi", 10)
        root_id = gw.new_id(tx, "resource", 10)
        doc: dict[str, Any] = {
            "id": api_id,
            "name": name,
            "description": request.get("description"),
            "createdDate": now(ctx),
            "version": request.get("version"),
            "binaryMediaTypes": request.get("binaryMediaTypes"),
            "minimumCompressionSize": compression,
            "apiKeySource": request.get("apiKeySource") or "HEADER",
            "endpointConfiguration": endpoint,
            "policy": request.get("policy"),
            "tags": request.get("tags") or None,
            "disableExecuteApiEndpoint": bool(request.get("disableExecuteApiEndpoint")),
            "rootResourceId": root_id,
            "securityPolicy": request.get("securityPolicy"),
            "endpointAccessMode": request.get("endpointAccessMode"),
            "apiStatus": "AVAILABLE",
        }
        doc = {k: v for k, v in doc.items() if v is not None}
        if source is not None:
            for member in ("binaryMediaTypes", "minimumCompressionSize", "policy", "apiKeySource"):
                if member in source and request.get(member) is None:
                    doc[member] = source[member]
        put(tx, ctx, "restapi", "", api_id, doc)
        if source is not None:
            doc["rootResourceId"] = clone.copy_api(gw, tx, ctx, source["id"], api_id, root_id)
            put(tx, ctx, "restapi", "", api_id, doc)
        else:
            put(tx, ctx, "resource", api_id, root_id, {"id": root_id, "path": "/"})
            for model_name, description, schema in DEFAULT_MODELS:
                model_id = gw.new_id(tx, "model", 6)
                put(
                    tx,
                    ctx,
                    "model",
                    api_id,
                    model_id,
                    {
                        "id": model_id,
                        "name": model_name,
                        "description": description,
                        "schema": schema,
                        "contentType": "application/json",
                    },
                )
    return doc


def get_rest_api(ctx: RequestContext, request: dict[str, Any]) -> dict[str, Any]:
    with gw_of(ctx).db.read() as conn:
        return get_api(conn, ctx, request["restApiId"])


def get_rest_apis(ctx: RequestContext, request: dict[str, Any]) -> dict[str, Any]:
    with gw_of(ctx).db.read() as conn:
        items = docs(conn, ctx, "restapi", "")
    return page(items, request)


def delete_rest_api(ctx: RequestContext, request: dict[str, Any]) -> dict[str, Any]:
    gw = gw_of(ctx)
    api_id = request["restApiId"]
    with gw.db.transaction() as tx:
        get_api(tx, ctx, api_id)
        store.delete(tx, ctx.account_id, ctx.region, "restapi", "", api_id)
        store.delete_scope(tx, ctx.account_id, ctx.region, api_id)
        gw.invalidate(tx, api_id)
    return {}


def update_rest_api(ctx: RequestContext, request: dict[str, Any]) -> dict[str, Any]:
    gw = gw_of(ctx)
    api_id = request["restApiId"]
    with gw.db.transaction() as tx:
        doc = get_api(tx, ctx, api_id)
        patch.apply(doc, request.get("patchOperations"), _REST_API_FIELDS)
        if not str(doc.get("name") or "").strip():
            raise BadRequestException("Invalid API name specified")
        if doc.get("apiKeySource", "HEADER") not in ("HEADER", "AUTHORIZER"):
            raise BadRequestException(
                f"Invalid API Key source specified: {doc['apiKeySource']}. Valid values are HEADER,AUTHORIZER"
            )
        doc.setdefault("apiKeySource", "HEADER")
        doc.setdefault("disableExecuteApiEndpoint", False)
        if doc.get("minimumCompressionSize") is not None:
            _check_compression(doc["minimumCompressionSize"])
        put(tx, ctx, "restapi", "", api_id, doc)
        gw.invalidate(tx, api_id)
    return doc


def _compression(doc: dict[str, Any], op: str, rest: list[str], value: Any) -> None:
    if rest:
        raise BadRequestException(f"Invalid patch path '/minimumCompressionSize/{'/'.join(rest)}'")
    if op == "remove" or value in (None, ""):
        doc.pop("minimumCompressionSize", None)
    elif op in ("add", "replace"):
        doc["minimumCompressionSize"] = patch.scalar("int", value, "/minimumCompressionSize")
    else:
        raise BadRequestException(
            f"Invalid patch operation specified. '{op}' is not supported on /minimumCompressionSize"
        )


def _endpoint(doc: dict[str, Any], op: str, rest: list[str], value: Any) -> None:
    config = doc.setdefault("endpointConfiguration", {"types": ["EDGE"]})
    path = "/endpointConfiguration/" + "/".join(rest)
    if rest and rest[0] == "types" and op == "replace" and len(rest) == 2:
        if value not in ENDPOINT_TYPES:
            raise BadRequestException(
                f"Invalid endpoint configuration type specified: {value}."
                " Valid values are EDGE,REGIONAL,PRIVATE"
            )
        config["types"] = [value]
        if value != "PRIVATE":
            config.pop("vpcEndpointIds", None)
    elif rest == ["ipAddressType"] and op == "replace":
        if value not in ("ipv4", "dualstack"):
            raise BadRequestException(f"Invalid IP address type specified: {value}")
        config["ipAddressType"] = value
    elif rest and rest[0] == "vpcEndpointIds" and op in ("add", "remove"):
        ids = [i for i in config.get("vpcEndpointIds") or [] if i != value]
        if op == "add":
            ids.append(str(value))
        config["vpcEndpointIds"] = ids
    else:
        raise BadRequestException(f"Invalid patch path '{path}' specified for op '{op}'.")


_REST_API_FIELDS: dict[str, Any] = {
    "name": "str",
    "description": "str",
    "version": "str",
    "policy": "str",
    "apiKeySource": "str",
    "binaryMediaTypes": "set",
    "minimumCompressionSize": _compression,
    "disableExecuteApiEndpoint": "bool",
    "endpointConfiguration": _endpoint,
}


def _endpoint_configuration(config: dict[str, Any] | None) -> dict[str, Any]:
    if not config:
        return {"types": ["EDGE"], "ipAddressType": "ipv4"}
    types = config.get("types") or ["EDGE"]
    if len(types) != 1:
        raise BadRequestException("Cannot create an api with multiple Endpoint Types.")
    out: dict[str, Any] = {"types": list(types), "ipAddressType": config.get("ipAddressType") or "ipv4"}
    if config.get("vpcEndpointIds"):
        if types[0] != "PRIVATE":
            raise BadRequestException("VPC endpoint IDs can only be specified for PRIVATE endpoint types.")
        out["vpcEndpointIds"] = list(config["vpcEndpointIds"])
    return out


def _check_compression(size: int) -> None:
    if size < 0 or size > MAX_COMPRESSION:
        raise BadRequestException(
            f"Invalid minimum compression size, must be between 0 and {MAX_COMPRESSION}"
        )


# -- account -------------------------------------------------------------------------------------------


def _account(conn: Any, ctx: RequestContext) -> dict[str, Any]:
    doc = store.get(conn, ctx.account_id, ctx.region, "account", "", "")
    return doc or {
        "throttleSettings": {"burstLimit": 5000, "rateLimit": 10000.0},
        "features": ["UsagePlans"],
        "apiKeyVersion": "4",
    }


def get_account(ctx: RequestContext, request: dict[str, Any]) -> dict[str, Any]:
    with gw_of(ctx).db.read() as conn:
        return _account(conn, ctx)


def update_account(ctx: RequestContext, request: dict[str, Any]) -> dict[str, Any]:
    gw = gw_of(ctx)
    with gw.db.transaction() as tx:
        doc = _account(tx, ctx)
        patch.apply(doc, request.get("patchOperations"), {"cloudwatchRoleArn": "str"})
        role = doc.get("cloudwatchRoleArn")
        if role is not None and role != "" and not str(role).startswith("arn:"):
            raise BadRequestException(
                "The role ARN does not have required trust relationships set or role ARN is invalid."
            )
        if role == "":
            doc.pop("cloudwatchRoleArn")
        put(tx, ctx, "account", "", "", doc)
    return doc
