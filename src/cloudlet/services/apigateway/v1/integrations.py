"""Integrations and integration responses of a REST API method, stored inside the resource document
(`resourceMethods[m].methodIntegration`, its `integrationResponses[statusCode]`)."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from cloudlet.services.apigateway import patch
from cloudlet.services.apigateway.errors import BadRequestException, NotFoundException
from cloudlet.services.apigateway.store import Conn
from cloudlet.services.apigateway.v1.common import gw_of
from cloudlet.services.apigateway.v1.methods import (
    RESPONSE_NOT_FOUND,
    check_http_method,
    check_status,
    load,
    mapping_error,
    save,
)

if TYPE_CHECKING:
    from cloudlet.gateway.context import RequestContext

INTEGRATION_NOT_FOUND = "Invalid Integration identifier specified"
DEFAULT_TIMEOUT_MS = 29000
MIN_TIMEOUT_MS = 50
PASSTHROUGH = ("WHEN_NO_MATCH", "WHEN_NO_TEMPLATES", "NEVER")
_AWS_URI = re.compile(r"arn:aws[a-z-]*:apigateway:[a-z0-9-]+:([a-z0-9.-]+):(path|action)/(.+)")
_LAMBDA_PATH = re.compile(r"[0-9-]+/functions/.+/invocations")
_TARGET = re.compile(r"integration\.request\.(header|querystring|multivaluequerystring|path)\.[^\s]+")
_SOURCE = re.compile(
    r"method\.request\.(path|querystring|multivaluequerystring|header|multivalueheader)\.[^\s]+"
)
_RESPONSE_SOURCE = re.compile(
    r"integration\.response\.(header|multivalueheader)\.[^\s]+|integration\.response\.body(\..+)?"
)
_COMMON_SOURCE = re.compile(r"'.*'|context\.[A-Za-z0-9_.]+|stageVariables\.[A-Za-z0-9_.]+")
_BODY_SOURCE = re.compile(r"method\.request\.body(\..+)?")


def check_integration(integration: dict[str, Any], method: dict[str, Any]) -> None:
    """AWS's validation of an Integration against its method."""
    kind = integration["type"]
    if kind != "MOCK":
        http_method = integration.get("httpMethod")
        if not http_method:
            raise BadRequestException("Enumeration value for HttpMethod must be non-empty")
        check_http_method(http_method)
        uri = integration.get("uri") or ""
        if kind in ("HTTP", "HTTP_PROXY"):
            vpc_link = integration.get("connectionType") == "VPC_LINK"
            if (not vpc_link or uri) and not re.fullmatch(r"https?://[^/\s]+.*", uri):
                raise BadRequestException("Invalid HTTP endpoint specified for URI")
        else:
            match = _AWS_URI.fullmatch(uri)
            if not uri.startswith("arn:"):
                raise BadRequestException("Invalid ARN specified in the request")
            if match is None:
                raise BadRequestException("AWS ARN for integration must contain path or action")
            if kind == "AWS_PROXY" and not (
                (match.group(1) == "lambda" and _LAMBDA_PATH.fullmatch(match.group(3)))
                or match.group(1) == "firehose"
            ):
                raise BadRequestException(
                    "Integrations of type 'AWS_PROXY' currently only supports Lambda function and Firehose"
                    " stream invocations."
                )
    if integration.get("connectionType") == "VPC_LINK" and not integration.get("connectionId"):
        raise BadRequestException("ConnectionId must be set for connection type VPC_LINK")
    timeout = integration.get("timeoutInMillis", DEFAULT_TIMEOUT_MS)
    if not MIN_TIMEOUT_MS <= timeout <= DEFAULT_TIMEOUT_MS:
        raise BadRequestException(
            f"Timeout should be between {MIN_TIMEOUT_MS} ms and {DEFAULT_TIMEOUT_MS} ms"
        )
    if integration.get("passthroughBehavior") not in PASSTHROUGH:
        raise BadRequestException(
            f"Invalid passthrough behavior specified: {integration.get('passthroughBehavior')}, valid values"
            " are: WHEN_NO_MATCH, WHEN_NO_TEMPLATES, NEVER"
        )
    declared = method.get("requestParameters") or {}
    for target, source in (integration.get("requestParameters") or {}).items():
        if not _TARGET.fullmatch(target):
            raise mapping_error(target)
        if _SOURCE.fullmatch(source):
            if source not in declared:
                raise mapping_error(source)
        elif not (_COMMON_SOURCE.fullmatch(source) or _BODY_SOURCE.fullmatch(source)):
            raise mapping_error(source)
    for parameter in integration.get("cacheKeyParameters") or []:
        if parameter not in declared and not parameter.startswith("method.request."):
            raise mapping_error(parameter)


def load_integration(
    conn: Conn, ctx: RequestContext, request: dict[str, Any]
) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    resource, method = load(conn, ctx, request["restApiId"], request["resourceId"], request["httpMethod"])
    integration = method.get("methodIntegration")
    if integration is None:
        raise NotFoundException(INTEGRATION_NOT_FOUND)
    return resource, method, integration


def put_integration(ctx: RequestContext, request: dict[str, Any]) -> dict[str, Any]:
    gw = gw_of(ctx)
    api_id = request["restApiId"]
    with gw.db.transaction() as tx:
        resource, method = load(tx, ctx, api_id, request["resourceId"], request["httpMethod"])
        kind = request["type"]
        integration: dict[str, Any] = {
            "type": kind,
            "httpMethod": request.get("integrationHttpMethod"),
            "uri": request.get("uri"),
            "connectionType": request.get("connectionType") or (None if kind == "MOCK" else "INTERNET"),
            "connectionId": request.get("connectionId"),
            "credentials": request.get("credentials"),
            "requestParameters": request.get("requestParameters") or None,
            "requestTemplates": request.get("requestTemplates") or None,
            "passthroughBehavior": request.get("passthroughBehavior") or "WHEN_NO_MATCH",
            "contentHandling": request.get("contentHandling"),
            "timeoutInMillis": request.get("timeoutInMillis") or DEFAULT_TIMEOUT_MS,
            "cacheNamespace": request.get("cacheNamespace") or resource["id"],
            "cacheKeyParameters": list(request.get("cacheKeyParameters") or []),
            "tlsConfig": request.get("tlsConfig"),
            "responseTransferMode": request.get("responseTransferMode"),
            "integrationTarget": request.get("integrationTarget"),
        }
        integration = {k: v for k, v in integration.items() if v is not None}
        if request.get("timeoutInMillis") is not None:
            integration["timeoutInMillis"] = request["timeoutInMillis"]
        check_integration(integration, method)
        method["methodIntegration"] = integration
        save(tx, ctx, api_id, resource)
    return integration


def get_integration(ctx: RequestContext, request: dict[str, Any]) -> dict[str, Any]:
    with gw_of(ctx).db.read() as conn:
        return load_integration(conn, ctx, request)[2]


def delete_integration(ctx: RequestContext, request: dict[str, Any]) -> dict[str, Any]:
    gw = gw_of(ctx)
    with gw.db.transaction() as tx:
        resource, method, _ = load_integration(tx, ctx, request)
        del method["methodIntegration"]
        save(tx, ctx, request["restApiId"], resource)
    return {}


def _tls(doc: dict[str, Any], op: str, rest: list[str], value: Any) -> None:
    if rest != ["insecureSkipVerification"] or op not in ("add", "replace", "remove"):
        raise BadRequestException(
            f"Invalid patch path '/tlsConfig/{'/'.join(rest)}' specified for op '{op}'."
        )
    config = dict(doc.get("tlsConfig") or {})
    if op == "remove":
        config.pop("insecureSkipVerification", None)
    else:
        config["insecureSkipVerification"] = patch.scalar(
            "bool", value, "/tlsConfig/insecureSkipVerification"
        )
    doc["tlsConfig"] = config


_INTEGRATION_FIELDS: dict[str, Any] = {
    "type": "str",
    "httpMethod": "str",
    "uri": "str",
    "connectionType": "str",
    "connectionId": "str",
    "credentials": "str",
    "passthroughBehavior": "str",
    "contentHandling": "str",
    "timeoutInMillis": "int",
    "cacheNamespace": "str",
    "cacheKeyParameters": "set",
    "requestParameters": "map",
    "requestTemplates": "map",
    "tlsConfig": _tls,
    "responseTransferMode": "str",
    "integrationTarget": "str",
}


def update_integration(ctx: RequestContext, request: dict[str, Any]) -> dict[str, Any]:
    gw = gw_of(ctx)
    with gw.db.transaction() as tx:
        resource, method, integration = load_integration(tx, ctx, request)
        patch.apply(integration, request.get("patchOperations"), _INTEGRATION_FIELDS)
        if integration.get("type") not in ("HTTP", "HTTP_PROXY", "AWS", "AWS_PROXY", "MOCK"):
            raise BadRequestException(
                f"Invalid integration type specified: {integration.get('type')}. Valid values are"
                " HTTP,HTTP_PROXY,AWS,AWS_PROXY,MOCK"
            )
        if integration.get("contentHandling") not in (None, "CONVERT_TO_BINARY", "CONVERT_TO_TEXT"):
            raise BadRequestException(f"Invalid content handling specified: {integration['contentHandling']}")
        integration.setdefault("passthroughBehavior", "WHEN_NO_MATCH")
        integration.setdefault("timeoutInMillis", DEFAULT_TIMEOUT_MS)
        integration.setdefault("cacheKeyParameters", [])
        check_integration(integration, method)
        save(tx, ctx, request["restApiId"], resource)
    return integration


# -- integration responses -----------------------------------------------------------------------------


def _check_integration_response(response: dict[str, Any], method: dict[str, Any]) -> None:
    status = response["statusCode"]
    declared = ((method.get("methodResponses") or {}).get(status) or {}).get("responseParameters") or {}
    for target, source in (response.get("responseParameters") or {}).items():
        if target not in declared:
            raise mapping_error(target)
        if not (_RESPONSE_SOURCE.fullmatch(source) or _COMMON_SOURCE.fullmatch(source)):
            raise mapping_error(source)
    pattern = response.get("selectionPattern")
    if pattern:
        try:
            re.compile(pattern)
        except re.error:
            raise BadRequestException(f"Invalid selection pattern specified: {pattern}") from None
    if response.get("contentHandling") not in (None, "CONVERT_TO_BINARY", "CONVERT_TO_TEXT"):
        raise BadRequestException(f"Invalid content handling specified: {response['contentHandling']}")


def put_integration_response(ctx: RequestContext, request: dict[str, Any]) -> dict[str, Any]:
    gw = gw_of(ctx)
    status = request["statusCode"]
    with gw.db.transaction() as tx:
        resource, method, integration = load_integration(tx, ctx, request)
        check_status(status)
        if status not in (method.get("methodResponses") or {}):
            raise NotFoundException(RESPONSE_NOT_FOUND)
        response: dict[str, Any] = {"statusCode": status}
        for member in ("selectionPattern", "responseParameters", "responseTemplates", "contentHandling"):
            if request.get(member) is not None:
                response[member] = request[member]
        _check_integration_response(response, method)
        integration.setdefault("integrationResponses", {})[status] = response
        save(tx, ctx, request["restApiId"], resource)
    return response


def _load_response(
    conn: Conn, ctx: RequestContext, request: dict[str, Any]
) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any], dict[str, Any]]:
    resource, method, integration = load_integration(conn, ctx, request)
    response = (integration.get("integrationResponses") or {}).get(request["statusCode"])
    if response is None:
        raise NotFoundException("Invalid Integration Response identifier specified")
    return resource, method, integration, response


def get_integration_response(ctx: RequestContext, request: dict[str, Any]) -> dict[str, Any]:
    with gw_of(ctx).db.read() as conn:
        return _load_response(conn, ctx, request)[3]


def delete_integration_response(ctx: RequestContext, request: dict[str, Any]) -> dict[str, Any]:
    gw = gw_of(ctx)
    with gw.db.transaction() as tx:
        resource, _, integration, _ = _load_response(tx, ctx, request)
        del integration["integrationResponses"][request["statusCode"]]
        if not integration["integrationResponses"]:
            del integration["integrationResponses"]
        save(tx, ctx, request["restApiId"], resource)
    return {}


def update_integration_response(ctx: RequestContext, request: dict[str, Any]) -> dict[str, Any]:
    gw = gw_of(ctx)
    with gw.db.transaction() as tx:
        resource, method, _, response = _load_response(tx, ctx, request)
        fields: dict[str, Any] = {
            "selectionPattern": "str",
            "contentHandling": "str",
            "responseParameters": "map",
            "responseTemplates": "map",
        }
        patch.apply(response, request.get("patchOperations"), fields)
        _check_integration_response(response, method)
        save(tx, ctx, request["restApiId"], resource)
    return response
