"""Authorizers (v1): CreateAuthorizer, GetAuthorizer(s), UpdateAuthorizer, DeleteAuthorizer and
TestInvokeAuthorizer. Stored as `authorizer` documents (scope = REST API id, the Authorizer shape).
What happens at request time: `serve/authorizers.py`."""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urlsplit

from cloudlet.services.apigateway import patch, store
from cloudlet.services.apigateway.errors import BadRequestException, ConflictException, NotFoundException
from cloudlet.services.apigateway.serve import authorizers as runtime
from cloudlet.services.apigateway.serve.gateway_errors import GatewayError
from cloudlet.services.apigateway.v1.common import get_api, gw_of, page, public

if TYPE_CHECKING:
    from cloudlet.gateway.context import RequestContext
    from cloudlet.services.apigateway.store import Conn

__all__ = [
    "create_authorizer",
    "delete_authorizer",
    "get_authorizer",
    "get_authorizers",
    "test_invoke_authorizer",
    "update_authorizer",
]

NOT_FOUND = "Invalid authorizer ID specified"
MAX_TTL_S = 3600
_HEADER_SOURCE = re.compile(r"^method\.request\.header\.[a-zA-Z0-9._-]+$")
_REQUEST_SOURCE = re.compile(
    r"^(method\.request\.(header|querystring)\.[^\s,]+|stageVariables\.[^\s,]+|context\.[^\s,]+)$"
)


def _authorizer(conn: Conn, ctx: RequestContext, api_id: str, authorizer_id: str) -> dict[str, Any]:
    get_api(conn, ctx, api_id)
    doc = store.get(conn, ctx.account_id, ctx.region, "authorizer", api_id, authorizer_id)
    if doc is None:
        raise NotFoundException(NOT_FOUND)
    return doc


def validate(doc: dict[str, Any]) -> None:
    """What AWS checks of an authorizer's definition (on create and after an update)."""
    kind = doc.get("type")
    if kind not in ("TOKEN", "REQUEST", "COGNITO_USER_POOLS"):
        raise BadRequestException(
            f"Invalid authorizer type '{kind}'. Must be one of: [TOKEN, REQUEST, COGNITO_USER_POOLS]"
        )
    if not doc.get("name"):
        raise BadRequestException("Authorizer name must be specified")
    ttl = doc.get("authorizerResultTtlInSeconds")
    if ttl is not None and not 0 <= ttl <= MAX_TTL_S:
        raise BadRequestException(
            f"Invalid value for authorizerResultTtlInSeconds: {ttl}. Must be between 0 and {MAX_TTL_S}"
        )
    sources = runtime.identity_sources(doc)
    if kind == "COGNITO_USER_POOLS":
        if not doc.get("providerARNs"):
            raise BadRequestException("ProviderARNs must be specified for authorizer type COGNITO_USER_POOLS")
    elif not doc.get("authorizerUri"):
        raise BadRequestException(f"Authorizer URI must be specified for authorizer type {kind}")
    elif runtime.function_arn(doc) is None:
        raise BadRequestException(f"Invalid authorizer URI specified: {doc['authorizerUri']}")
    if kind in ("TOKEN", "COGNITO_USER_POOLS"):
        source = doc.get("identitySource") or ""
        if not _HEADER_SOURCE.match(source):
            raise BadRequestException(
                f"Invalid token source expression: {source}. The source must be a method request header,"
                " matching 'method.request.header.[a-zA-Z0-9._-]+'."
            )
    else:
        for source in sources:
            if not _REQUEST_SOURCE.match(source):
                raise BadRequestException(f"Invalid identity source expression specified: {source}")
        if not sources and (ttl is None or ttl > 0):
            raise BadRequestException(
                "Identity source must be specified for a REQUEST authorizer when authorization caching is"
                " enabled"
            )
    expression = doc.get("identityValidationExpression")
    if expression:
        if kind != "TOKEN":
            raise BadRequestException(
                "Identity validation expression is only supported for TOKEN authorizers"
            )
        try:
            re.compile(expression)
        except re.error:
            raise BadRequestException(
                f"Invalid identity validation expression specified: {expression}"
            ) from None


def create_authorizer(ctx: RequestContext, request: dict[str, Any]) -> dict[str, Any]:
    gw = gw_of(ctx)
    api_id = request["restApiId"]
    doc: dict[str, Any] = {"id": "", "name": request["name"], "type": request["type"]}
    for member in (
        "providerARNs",
        "authType",
        "authorizerUri",
        "authorizerCredentials",
        "identitySource",
        "identityValidationExpression",
        "authorizerResultTtlInSeconds",
    ):
        if request.get(member) is not None:
            doc[member] = request[member]
    if doc["type"] in ("TOKEN", "REQUEST", "COGNITO_USER_POOLS"):
        doc.setdefault("authorizerResultTtlInSeconds", runtime.DEFAULT_TTL_S)
    validate(doc)
    with gw.db.transaction() as tx:
        get_api(tx, ctx, api_id)
        doc["id"] = gw.new_id(tx, "authorizer", 6)
        store.put(tx, ctx.account_id, ctx.region, "authorizer", api_id, doc["id"], doc)
    return public(doc)


def get_authorizer(ctx: RequestContext, request: dict[str, Any]) -> dict[str, Any]:
    gw = gw_of(ctx)
    with gw.db.read() as conn:
        return public(_authorizer(conn, ctx, request["restApiId"], request["authorizerId"]))


def get_authorizers(ctx: RequestContext, request: dict[str, Any]) -> dict[str, Any]:
    gw = gw_of(ctx)
    with gw.db.read() as conn:
        get_api(conn, ctx, request["restApiId"])
        docs = store.list_docs(conn, ctx.account_id, ctx.region, "authorizer", request["restApiId"])
    return page([public(doc) for _, doc in docs], request)


def _ttl(doc: dict[str, Any], op: str, rest: list[str], value: Any) -> None:
    if rest or op not in ("add", "replace", "remove"):
        raise BadRequestException(
            f"Invalid patch operation specified. '{op}' is not supported on /authorizerResultTtlInSeconds"
        )
    if op == "remove":
        doc.pop("authorizerResultTtlInSeconds", None)
    else:
        doc["authorizerResultTtlInSeconds"] = patch.scalar("int", value, "/authorizerResultTtlInSeconds")


def update_authorizer(ctx: RequestContext, request: dict[str, Any]) -> dict[str, Any]:
    gw = gw_of(ctx)
    api_id = request["restApiId"]
    with gw.db.transaction() as tx:
        doc = _authorizer(tx, ctx, api_id, request["authorizerId"])
        patch.apply(
            doc,
            request.get("patchOperations"),
            {
                "name": "str",
                "type": "str",
                "authType": "str",
                "authorizerUri": "str",
                "authorizerCredentials": "str",
                "identitySource": "str",
                "identityValidationExpression": "str",
                "authorizerResultTtlInSeconds": _ttl,
                "providerARNs": "set",
            },
        )
        validate(doc)
        store.put(tx, ctx.account_id, ctx.region, "authorizer", api_id, doc["id"], doc)
    return public(doc)


def delete_authorizer(ctx: RequestContext, request: dict[str, Any]) -> None:
    gw = gw_of(ctx)
    api_id = request["restApiId"]
    with gw.db.transaction() as tx:
        doc = _authorizer(tx, ctx, api_id, request["authorizerId"])
        for _, resource in store.list_docs(tx, ctx.account_id, ctx.region, "resource", api_id):
            for http_method, method in (resource.get("resourceMethods") or {}).items():
                if (method or {}).get("authorizerId") == doc["id"]:
                    raise ConflictException(
                        f"Cannot delete authorizer '{doc['name']}', is referenced in method:"
                        f" {http_method}:{resource.get('path')}"
                    )
        store.delete(tx, ctx.account_id, ctx.region, "authorizer", api_id, doc["id"])


async def test_invoke_authorizer(ctx: RequestContext, request: dict[str, Any]) -> dict[str, Any]:
    """Call the authorizer with a simulated request (no cache, no policy check against a method)."""
    gw = gw_of(ctx)
    api_id = request["restApiId"]
    with gw.db.read() as conn:
        doc = _authorizer(conn, ctx, api_id, request["authorizerId"])
    if doc.get("type") not in ("TOKEN", "REQUEST"):
        raise BadRequestException("TestInvokeAuthorizer is only supported for TOKEN and REQUEST authorizers")
    headers: list[tuple[str, str]] = list((request.get("headers") or {}).items())
    for name, values in (request.get("multiValueHeaders") or {}).items():
        headers.extend((name, v) for v in values if (name, v) not in headers)
    target = urlsplit(request.get("pathWithQueryString") or "/")
    query = parse_qsl(target.query, keep_blank_values=True)
    stage_variables = dict(request.get("stageVariables") or {})
    stage = "test-invoke-stage"
    method_arn = runtime.method_arn(ctx.region, ctx.account_id, api_id, stage, "GET", target.path or "/")
    request_context: dict[str, Any] = {
        "accountId": ctx.account_id,
        "apiId": api_id,
        "httpMethod": "GET",
        "path": target.path or "/",
        "resourcePath": target.path or "/",
        "stage": stage,
        "requestId": ctx.request_id,
        "identity": {"sourceIp": "test-invoke-source-ip", "userAgent": ""},
        **dict(request.get("additionalContext") or {}),
    }
    lower_headers: dict[str, list[str]] = {}
    for name, value in headers:
        lower_headers.setdefault(name.lower(), []).append(value)
    query_map: dict[str, list[str]] = {}
    for name, value in query:
        query_map.setdefault(name, []).append(value)
    sources = runtime.identity_sources(doc)
    values = [
        runtime.identity_value(s, lower_headers, query_map, stage_variables, request_context) for s in sources
    ]
    log = [
        f"Execution log for request {ctx.request_id}",
        f"Starting authorizer: {doc['id']} for request: {ctx.request_id}",
    ]
    if doc["type"] == "TOKEN":
        token = values[0] if values else None
        expression = doc.get("identityValidationExpression")
        if not token or (expression and re.fullmatch(expression, token) is None):
            log.append("Unauthorized request: the identity source is missing or does not match")
            return {"clientStatus": 401, "log": "\n".join(log), "latency": 0}
        event = runtime.token_event(token, method_arn)
    else:
        ttl = runtime.ttl(doc)
        if ttl > 0 and (not sources or any(not v for v in values)):
            log.append("Unauthorized request: an identity source is missing")
            return {"clientStatus": 401, "log": "\n".join(log), "latency": 0}
        event = runtime.request_event(
            method_arn=method_arn,
            resource_path=target.path or "/",
            path=target.path or "/",
            http_method="GET",
            headers=headers,
            query=query,
            path_params={},
            stage_variables=stage_variables,
            request_context=request_context,
        )
    log.append(f"Incoming identity: {json.dumps(values)}")
    log.append(f"Endpoint request body after transformations: {json.dumps(event)}")
    try:
        invocation = await runtime.invoke(gw, doc, event)
    except GatewayError as exc:
        status = 401 if exc.response_type == "UNAUTHORIZED" else 500
        log.append(f"Execution failed: {exc.response_type}")
        return {"clientStatus": status, "log": "\n".join(log), "latency": 0}
    output = invocation.output
    log.append(f"Authorizer result body before parsing: {json.dumps(output)}")
    result: dict[str, Any] = {
        "clientStatus": 200,
        "log": "\n".join(log),
        "latency": invocation.latency_ms,
        "principalId": str(output.get("principalId")),
        "policy": json.dumps(output.get("policyDocument")),
    }
    return result
