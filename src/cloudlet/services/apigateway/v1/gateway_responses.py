"""Gateway responses of a REST API: every response type has AWS's default (status code, the
`{"message":$context.error.messageString}` template); only customized ones are stored (`gatewayresponse`
documents keyed by response type). `default(response_type)` is the uncustomized document."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from cloudlet.services.apigateway import patch, store
from cloudlet.services.apigateway.errors import BadRequestException, NotFoundException
from cloudlet.services.apigateway.v1.common import docs, get_api, gw_of, page, put

if TYPE_CHECKING:
    from cloudlet.gateway.context import RequestContext

DEFAULT_STATUS: dict[str, str | None] = {
    "DEFAULT_4XX": None,
    "DEFAULT_5XX": None,
    "RESOURCE_NOT_FOUND": "404",
    "UNAUTHORIZED": "401",
    "INVALID_API_KEY": "403",
    "ACCESS_DENIED": "403",
    "AUTHORIZER_FAILURE": "500",
    "AUTHORIZER_CONFIGURATION_ERROR": "500",
    "INVALID_SIGNATURE": "403",
    "EXPIRED_TOKEN": "403",
    "MISSING_AUTHENTICATION_TOKEN": "403",
    "INTEGRATION_FAILURE": "504",
    "INTEGRATION_TIMEOUT": "504",
    "API_CONFIGURATION_ERROR": "500",
    "UNSUPPORTED_MEDIA_TYPE": "415",
    "BAD_REQUEST_PARAMETERS": "400",
    "BAD_REQUEST_BODY": "400",
    "REQUEST_TOO_LARGE": "413",
    "THROTTLED": "429",
    "QUOTA_EXCEEDED": "429",
    "WAF_FILTERED": "403",
}
"""Every gateway response type (in AWS's list order) → its default status code (None: the
`DEFAULT_*` fallbacks have none of their own)."""
DEFAULT_TEMPLATE = '{"message":$context.error.messageString}'
_STATUS = re.compile(r"[1-5]\d\d")
_PARAMETER = re.compile(r"gatewayresponse\.header\.[^\s]+")
_SOURCE = re.compile(
    r"'.*'|method\.request\.(header|querystring|path|multivalueheader|multivaluequerystring)\.[^\s]+"
    r"|context\.[A-Za-z0-9_.]+|stageVariables\.[A-Za-z0-9_.]+"
)


def default(response_type: str) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "responseType": response_type,
        "responseParameters": {},
        "responseTemplates": {"application/json": DEFAULT_TEMPLATE},
        "defaultResponse": True,
    }
    if DEFAULT_STATUS.get(response_type):
        doc["statusCode"] = DEFAULT_STATUS[response_type]
    return doc


def _check(doc: dict[str, Any]) -> None:
    status = doc.get("statusCode")
    if status is not None and not _STATUS.fullmatch(status):
        raise BadRequestException(f"Invalid status code specified: {status}")
    for target, source in (doc.get("responseParameters") or {}).items():
        for expression in (target, source):
            if not (
                _PARAMETER.fullmatch(expression) if expression is target else _SOURCE.fullmatch(expression)
            ):
                raise BadRequestException(
                    "Invalid mapping expression specified: Validation Result: warnings : [], errors : "
                    f"[Invalid mapping expression parameter specified: {expression}]"
                )


def _check_type(response_type: str) -> None:
    if response_type not in DEFAULT_STATUS:
        raise BadRequestException(
            f"1 validation error detected: Value '{response_type}' at 'responseType' failed to satisfy"
            f" constraint: Member must satisfy enum value set: [{', '.join(DEFAULT_STATUS)}]"
        )


def put_gateway_response(ctx: RequestContext, request: dict[str, Any]) -> dict[str, Any]:
    gw = gw_of(ctx)
    api_id, response_type = request["restApiId"], request["responseType"]
    with gw.db.transaction() as tx:
        get_api(tx, ctx, api_id)
        _check_type(response_type)
        doc: dict[str, Any] = {
            "responseType": response_type,
            "statusCode": request.get("statusCode"),
            "responseParameters": request.get("responseParameters") or {},
            "responseTemplates": request.get("responseTemplates") or {},
            "defaultResponse": False,
        }
        doc = {k: v for k, v in doc.items() if v is not None}
        _check(doc)
        put(tx, ctx, "gatewayresponse", api_id, response_type, doc)
    return doc


def get_gateway_response(ctx: RequestContext, request: dict[str, Any]) -> dict[str, Any]:
    api_id, response_type = request["restApiId"], request["responseType"]
    with gw_of(ctx).db.read() as conn:
        get_api(conn, ctx, api_id)
        _check_type(response_type)
        doc = store.get(conn, ctx.account_id, ctx.region, "gatewayresponse", api_id, response_type)
    return doc or default(response_type)


def get_gateway_responses(ctx: RequestContext, request: dict[str, Any]) -> dict[str, Any]:
    api_id = request["restApiId"]
    with gw_of(ctx).db.read() as conn:
        get_api(conn, ctx, api_id)
        custom = {doc["responseType"]: doc for doc in docs(conn, ctx, "gatewayresponse", api_id)}
    items = [custom.get(kind) or default(kind) for kind in DEFAULT_STATUS]
    return page(items, {"limit": 500, **request}, key="responseType")


def update_gateway_response(ctx: RequestContext, request: dict[str, Any]) -> dict[str, Any]:
    gw = gw_of(ctx)
    api_id, response_type = request["restApiId"], request["responseType"]
    with gw.db.transaction() as tx:
        get_api(tx, ctx, api_id)
        _check_type(response_type)
        doc = store.get(tx, ctx.account_id, ctx.region, "gatewayresponse", api_id, response_type)
        doc = doc or default(response_type)
        fields: dict[str, Any] = {
            "statusCode": "str",
            "responseParameters": "map",
            "responseTemplates": "map",
        }
        patch.apply(doc, request.get("patchOperations"), fields)
        doc.setdefault("responseParameters", {})
        doc.setdefault("responseTemplates", {})
        doc["defaultResponse"] = False
        _check(doc)
        put(tx, ctx, "gatewayresponse", api_id, response_type, doc)
    return doc


def delete_gateway_response(ctx: RequestContext, request: dict[str, Any]) -> dict[str, Any]:
    gw = gw_of(ctx)
    api_id, response_type = request["restApiId"], request["responseType"]
    with gw.db.transaction() as tx:
        get_api(tx, ctx, api_id)
        _check_type(response_type)
        if not store.delete(tx, ctx.account_id, ctx.region, "gatewayresponse", api_id, response_type):
            raise NotFoundException("Invalid Gateway Response identifier specified")
    return {}
