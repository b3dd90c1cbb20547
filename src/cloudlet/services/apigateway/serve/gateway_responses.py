"""Gateway responses: what a REST API answers when API Gateway itself refuses or fails a request.

Each response type has AWS's default status and message (body `{"message": <message>}`); an API
customizes a type with PutGatewayResponse (status code, `gatewayresponse.header.X` parameters,
templates over `$context.error.*`), and a customized `DEFAULT_4XX` / `DEFAULT_5XX` applies to every
4xx / 5xx type that is not customized itself.
"""

from __future__ import annotations

import json
from typing import Any

from cloudlet.protocol.http import HttpRequest, HttpResponse
from cloudlet.services.apigateway.serve.gateway_errors import GatewayError
from cloudlet.services.apigateway.serve.rest_context import Sources, resolve

__all__ = ["DEFAULTS", "GatewayFailure", "default_response", "respond"]

DEFAULTS: dict[str, tuple[int, str | None, str]] = {
    # response type: (status, message, x-amzn-ErrorType)
    "ACCESS_DENIED": (403, "User is not authorized to access this resource", "AccessDeniedException"),
    "API_CONFIGURATION_ERROR": (500, "Internal server error", "InternalServerErrorException"),
    "AUTHORIZER_CONFIGURATION_ERROR": (500, None, "AuthorizerConfigurationException"),
    "AUTHORIZER_FAILURE": (500, None, "AuthorizerFailureException"),
    "BAD_REQUEST_PARAMETERS": (400, "Bad request", "BadRequestException"),
    "BAD_REQUEST_BODY": (400, "Invalid request body", "BadRequestException"),
    "DEFAULT_4XX": (400, "Bad request", "BadRequestException"),
    "DEFAULT_5XX": (500, "Internal server error", "InternalServerErrorException"),
    "EXPIRED_TOKEN": (403, "The security token included in the request is expired", "ExpiredTokenException"),
    "INTEGRATION_FAILURE": (504, "Internal server error", "InternalServerErrorException"),
    "INTEGRATION_TIMEOUT": (504, "Endpoint request timed out", "InternalServerErrorException"),
    "INVALID_API_KEY": (403, "Forbidden", "ForbiddenException"),
    "INVALID_SIGNATURE": (
        403,
        "The request signature we calculated does not match the signature you provided.",
        "InvalidSignatureException",
    ),
    "MISSING_AUTHENTICATION_TOKEN": (
        403,
        "Missing Authentication Token",
        "MissingAuthenticationTokenException",
    ),
    "QUOTA_EXCEEDED": (429, "Limit Exceeded", "LimitExceededException"),
    "REQUEST_TOO_LARGE": (413, "Request Too Long", "RequestTooLongException"),
    "RESOURCE_NOT_FOUND": (404, "Not Found", "NotFoundException"),
    "THROTTLED": (429, "Too Many Requests", "TooManyRequestsException"),
    "UNAUTHORIZED": (401, "Unauthorized", "UnauthorizedException"),
    "UNSUPPORTED_MEDIA_TYPE": (415, "Unsupported Media Type", "UnsupportedMediaTypeException"),
    "WAF_FILTERED": (403, "Forbidden", "WAFFilteredException"),
}
_JSON = "application/json"


class GatewayFailure(GatewayError):
    """A gateway-side failure whose status differs from its type's default (a failed Lambda proxy
    invocation is a 502 `DEFAULT_5XX`, a throttled Lambda a 500 `INTEGRATION_FAILURE`)."""

    def __init__(self, response_type: str, status: int, message: str | None = None) -> None:
        super().__init__(response_type, message)
        self.status = status


def default_response(
    status: int, message: str | None, error_type: str, headers: list[tuple[str, str]]
) -> HttpResponse:
    """A gateway response outside any API's customization (unknown stage, ...)."""
    body = json.dumps({"message": message}).encode()
    return HttpResponse(status, [("Content-Type", _JSON), *headers, ("x-amzn-ErrorType", error_type)], body)


def respond(
    error: GatewayError,
    *,
    customized: dict[str, dict[str, Any]],
    request: HttpRequest,
    context: dict[str, Any],
    path_params: dict[str, str] | None,
    query: dict[str, list[str]] | None,
    stage_variables: dict[str, str],
    headers: list[tuple[str, str]],
) -> HttpResponse:
    """The response for `error`: its type's customization if the API has one, else the DEFAULT_4XX /
    DEFAULT_5XX customization, else AWS's default. `headers` are the common response headers."""
    response_type = error.response_type
    default_status, default_message, error_type = DEFAULTS.get(response_type, DEFAULTS["DEFAULT_5XX"])
    status = getattr(error, "status", None) or default_status
    message = error.message if error.message is not None else default_message
    doc = customized.get(response_type)
    if doc is None:
        doc = customized.get("DEFAULT_4XX" if status < 500 else "DEFAULT_5XX")
    out_headers: list[tuple[str, str]] = [*headers]
    for name, value in error.headers.items():
        out_headers.append((name, value))
    out_headers.append(("x-amzn-ErrorType", error_type))
    if doc is None:
        body = json.dumps({"message": message}).encode()
        return HttpResponse(status, [("Content-Type", _JSON), *out_headers], body)

    if doc.get("statusCode"):
        status = int(doc["statusCode"])
    error_context = {
        **context,
        "error": {
            "message": message,
            "messageString": json.dumps(message),
            "responseType": response_type,
            "validationErrorString": message if response_type.startswith("BAD_REQUEST") else "",
        },
    }
    sources = Sources(
        request=request,
        path_params=path_params,
        query=query,
        stage_variables=stage_variables,
        context=error_context,
    )
    for target, expression in (doc.get("responseParameters") or {}).items():
        if not target.startswith("gatewayresponse.header."):
            continue
        value = resolve(expression, sources)
        if value is None:
            continue
        name = target[len("gatewayresponse.header.") :]
        out_headers = [(k, v) for k, v in out_headers if k.lower() != name.lower()]
        out_headers.append((name, value if isinstance(value, str) else ",".join(value)))
    templates = doc.get("responseTemplates") or {}
    content_type = _JSON
    template = templates.get(_JSON)
    if template is None and templates:
        content_type, template = next(iter(templates.items()))
    if template is None:
        body = json.dumps({"message": message}).encode()
    else:
        body = _render(template, request, error_context, stage_variables, path_params, query)
    if not any(k.lower() == "content-type" for k, _ in out_headers):
        out_headers.insert(0, ("Content-Type", content_type))
    return HttpResponse(status, out_headers, body)


def _render(
    template: str,
    request: HttpRequest,
    context: dict[str, Any],
    stage_variables: dict[str, str],
    path_params: dict[str, str] | None,
    query: dict[str, list[str]] | None,
) -> bytes:
    from cloudlet.services.apigateway.serve import vtl

    header: dict[str, list[str]] = {}
    for name, value in request.headers.items():
        header.setdefault(name, []).append(value)
    inp = vtl.Input(
        body=request.body.decode("utf-8", errors="replace"),
        path=dict(path_params or {}),
        querystring=dict(query or {}),
        header=header,
    )
    try:
        return vtl.render(template, inp, context, stage_variables).text.encode()
    except vtl.TemplateError:
        return json.dumps({"message": context["error"]["message"]}).encode()
