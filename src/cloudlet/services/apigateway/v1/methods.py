"""Methods and method responses of a REST API resource. Both live inside the resource's document:
`resourceMethods[httpMethod]` is the Method, its `methodResponses[statusCode]` the MethodResponse."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from cloudlet.services.apigateway import patch, store
from cloudlet.services.apigateway.errors import BadRequestException, ConflictException, NotFoundException
from cloudlet.services.apigateway.store import Conn
from cloudlet.services.apigateway.v1.common import HTTP_METHODS, get_in_api, gw_of, put

if TYPE_CHECKING:
    from cloudlet.gateway.context import RequestContext

RESOURCE_NOT_FOUND = "Invalid Resource identifier specified"
METHOD_NOT_FOUND = "Invalid Method identifier specified"
RESPONSE_NOT_FOUND = "Invalid Response status code specified"
AUTHORIZATION_TYPES = ("NONE", "AWS_IAM", "CUSTOM", "COGNITO_USER_POOLS")
_METHOD_PARAMETER = re.compile(
    r"method\.request\.(path|querystring|multivaluequerystring|header|multivalueheader)\.[^\s]+"
)
_RESPONSE_PARAMETER = re.compile(r"method\.response\.header\.[^\s]+")
_STATUS = re.compile(r"[1-5]\d\d")


def mapping_error(parameter: str) -> BadRequestException:
    """AWS's message for a mapping expression naming something it does not accept or know."""
    return BadRequestException(
        "Invalid mapping expression specified: Validation Result: warnings : [], errors : "
        f"[Invalid mapping expression parameter specified: {parameter}]"
    )


def load(
    conn: Conn, ctx: RequestContext, api_id: str, resource_id: str, http_method: str
) -> tuple[dict[str, Any], dict[str, Any]]:
    """(resource document, its method `http_method`) or AWS's NotFound."""
    resource = get_in_api(conn, ctx, "resource", api_id, resource_id, RESOURCE_NOT_FOUND)
    method = (resource.get("resourceMethods") or {}).get(http_method)
    if method is None:
        raise NotFoundException(METHOD_NOT_FOUND)
    return resource, method


def save(tx: Any, ctx: RequestContext, api_id: str, resource: dict[str, Any]) -> None:
    put(tx, ctx, "resource", api_id, resource["id"], resource)


def check_http_method(http_method: str) -> None:
    if http_method not in HTTP_METHODS:
        raise BadRequestException(
            "Invalid HttpMethod specified. Valid options are GET,PUT,POST,DELETE,PATCH,OPTIONS,HEAD,ANY"
        )


def _check_method(conn: Conn, ctx: RequestContext, api_id: str, method: dict[str, Any]) -> None:
    """AWS's validation of a Method's references (authorizer, validator, models, parameters)."""
    kind = method.get("authorizationType")
    if kind not in AUTHORIZATION_TYPES:
        raise BadRequestException(
            f"Invalid authorization type specified: {kind}."
            " Valid values are NONE,AWS_IAM,CUSTOM,COGNITO_USER_POOLS"
        )
    if kind in ("CUSTOM", "COGNITO_USER_POOLS"):
        authorizer_id = method.get("authorizerId")
        authorizer = (
            store.get(conn, ctx.account_id, ctx.region, "authorizer", api_id, authorizer_id)
            if authorizer_id
            else None
        )
        wanted = ("COGNITO_USER_POOLS",) if kind == "COGNITO_USER_POOLS" else ("TOKEN", "REQUEST")
        if authorizer is None or authorizer.get("type") not in wanted:
            raise BadRequestException(
                "Invalid authorizer ID specified. Setting the authorization type to CUSTOM or"
                " COGNITO_USER_POOLS requires a valid authorizer."
            )
    else:
        method.pop("authorizerId", None)
    validator_id = method.get("requestValidatorId")
    if (
        validator_id
        and store.get(conn, ctx.account_id, ctx.region, "validator", api_id, validator_id) is None
    ):
        raise BadRequestException("Invalid Request Validator identifier specified")
    if method.get("requestModels"):
        names = {doc["name"] for _, doc in store.list_docs(conn, ctx.account_id, ctx.region, "model", api_id)}
        for model in method["requestModels"].values():
            if model not in names:
                raise BadRequestException(f"Invalid model identifier specified: {model}")
    for name in method.get("requestParameters") or {}:
        if not _METHOD_PARAMETER.fullmatch(name):
            raise mapping_error(name)


def put_method(ctx: RequestContext, request: dict[str, Any]) -> dict[str, Any]:
    gw = gw_of(ctx)
    api_id, http_method = request["restApiId"], request["httpMethod"]
    with gw.db.transaction() as tx:
        resource = get_in_api(tx, ctx, "resource", api_id, request["resourceId"], RESOURCE_NOT_FOUND)
        check_http_method(http_method)
        methods = resource.setdefault("resourceMethods", {})
        if http_method in methods:
            raise ConflictException("Method already exists for this resource")
        method: dict[str, Any] = {
            "httpMethod": http_method,
            "authorizationType": request["authorizationType"],
            "authorizerId": request.get("authorizerId"),
            "apiKeyRequired": bool(request.get("apiKeyRequired")),
            "requestValidatorId": request.get("requestValidatorId"),
            "operationName": request.get("operationName"),
            "requestParameters": request.get("requestParameters"),
            "requestModels": request.get("requestModels"),
            "authorizationScopes": request.get("authorizationScopes"),
        }
        method = {k: v for k, v in method.items() if v is not None}
        _check_method(tx, ctx, api_id, method)
        methods[http_method] = method
        save(tx, ctx, api_id, resource)
    return method


def get_method(ctx: RequestContext, request: dict[str, Any]) -> dict[str, Any]:
    with gw_of(ctx).db.read() as conn:
        _, method = load(conn, ctx, request["restApiId"], request["resourceId"], request["httpMethod"])
    return method


def delete_method(ctx: RequestContext, request: dict[str, Any]) -> dict[str, Any]:
    gw = gw_of(ctx)
    api_id = request["restApiId"]
    with gw.db.transaction() as tx:
        resource, _ = load(tx, ctx, api_id, request["resourceId"], request["httpMethod"])
        del resource["resourceMethods"][request["httpMethod"]]
        if not resource["resourceMethods"]:
            del resource["resourceMethods"]
        save(tx, ctx, api_id, resource)
    return {}


def bool_map(name: str) -> patch.Special:
    """Patch handler for a `{key: bool}` map member (`/requestParameters/method.request.header.x`)."""

    def apply(doc: dict[str, Any], op: str, rest: list[str], value: Any) -> None:
        key = "/".join(rest)
        path = f"/{name}/{key}"
        if not key:
            raise BadRequestException(f"Invalid patch path '/{name}' specified for op '{op}'.")
        entries = dict(doc.get(name) or {})
        if op == "remove":
            if key not in entries:
                raise NotFoundException(f"Invalid mapping expression specified: {key}")
            del entries[key]
        elif op in ("add", "replace"):
            entries[key] = bool(patch.scalar("bool", "false" if value in (None, "") else value, path))
        else:
            raise BadRequestException(f"Invalid patch operation specified. '{op}' is not supported on {path}")
        if entries:
            doc[name] = entries
        else:
            doc.pop(name, None)

    return apply


def _scopes(doc: dict[str, Any], op: str, rest: list[str], value: Any) -> None:
    scopes = list(doc.get("authorizationScopes") or [])
    item = "/".join(rest) or (str(value) if value is not None else "")
    if op == "add" and item:
        if item not in scopes:
            scopes.append(item)
    elif op == "remove":
        scopes = [s for s in scopes if s != item] if item else []
    elif op == "replace" and not rest:
        scopes = [s for s in str(value or "").split(",") if s]
    else:
        raise BadRequestException(
            f"Invalid patch operation specified. '{op}' is not supported on /authorizationScopes"
        )
    if scopes:
        doc["authorizationScopes"] = scopes
    else:
        doc.pop("authorizationScopes", None)


_METHOD_FIELDS: dict[str, Any] = {
    "authorizationType": "str",
    "authorizerId": "str",
    "apiKeyRequired": "bool",
    "requestValidatorId": "str",
    "operationName": "str",
    "requestParameters": bool_map("requestParameters"),
    "requestModels": "map",
    "authorizationScopes": _scopes,
}


def update_method(ctx: RequestContext, request: dict[str, Any]) -> dict[str, Any]:
    gw = gw_of(ctx)
    api_id, http_method = request["restApiId"], request["httpMethod"]
    with gw.db.transaction() as tx:
        resource, method = load(tx, ctx, api_id, request["resourceId"], http_method)
        patch.apply(method, request.get("patchOperations"), _METHOD_FIELDS)
        method.setdefault("apiKeyRequired", False)
        if method.get("requestValidatorId") == "":
            method.pop("requestValidatorId")
        _check_method(tx, ctx, api_id, method)
        resource["resourceMethods"][http_method] = method
        save(tx, ctx, api_id, resource)
    return method


# -- method responses ----------------------------------------------------------------------------------


def _check_response(response: dict[str, Any]) -> None:
    for name in response.get("responseParameters") or {}:
        if not _RESPONSE_PARAMETER.fullmatch(name):
            raise mapping_error(name)


def check_status(status: str) -> None:
    if not _STATUS.fullmatch(status):
        raise BadRequestException(f"Invalid status code specified: {status}")


def put_method_response(ctx: RequestContext, request: dict[str, Any]) -> dict[str, Any]:
    gw = gw_of(ctx)
    api_id, status = request["restApiId"], request["statusCode"]
    with gw.db.transaction() as tx:
        resource, method = load(tx, ctx, api_id, request["resourceId"], request["httpMethod"])
        check_status(status)
        responses = method.setdefault("methodResponses", {})
        if status in responses:
            raise ConflictException("Response already exists for this resource")
        response: dict[str, Any] = {"statusCode": status}
        for member in ("responseParameters", "responseModels"):
            if request.get(member):
                response[member] = request[member]
        _check_response(response)
        responses[status] = response
        save(tx, ctx, api_id, resource)
    return response


def load_response(
    conn: Conn, ctx: RequestContext, request: dict[str, Any]
) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    resource, method = load(conn, ctx, request["restApiId"], request["resourceId"], request["httpMethod"])
    response = (method.get("methodResponses") or {}).get(request["statusCode"])
    if response is None:
        raise NotFoundException(RESPONSE_NOT_FOUND)
    return resource, method, response


def get_method_response(ctx: RequestContext, request: dict[str, Any]) -> dict[str, Any]:
    with gw_of(ctx).db.read() as conn:
        return load_response(conn, ctx, request)[2]


def delete_method_response(ctx: RequestContext, request: dict[str, Any]) -> dict[str, Any]:
    gw = gw_of(ctx)
    with gw.db.transaction() as tx:
        resource, method, _ = load_response(tx, ctx, request)
        del method["methodResponses"][request["statusCode"]]
        if not method["methodResponses"]:
            del method["methodResponses"]
        save(tx, ctx, request["restApiId"], resource)
    return {}


def update_method_response(ctx: RequestContext, request: dict[str, Any]) -> dict[str, Any]:
    gw = gw_of(ctx)
    with gw.db.transaction() as tx:
        resource, _, response = load_response(tx, ctx, request)
        fields: dict[str, Any] = {
            "responseParameters": bool_map("responseParameters"),
            "responseModels": "map",
        }
        patch.apply(response, request.get("patchOperations"), fields)
        _check_response(response)
        save(tx, ctx, request["restApiId"], resource)
    return response
