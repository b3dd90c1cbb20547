"""Running a REST API method's integration: AWS_PROXY (Lambda proxy, payload format 1.0), HTTP_PROXY
(the request forwarded as is), and the mapped types AWS, HTTP and MOCK (`rest_mapping.py`).

A failure on API Gateway's side raises GatewayError (turned into the API's gateway response): the
integration's `timeoutInMillis` (default 29 s) exceeded is INTEGRATION_TIMEOUT (504); a Lambda
function that fails or answers something that is not a proxy response is a 502; a throttled Lambda a
500 INTEGRATION_FAILURE; an integration that points at nothing a 500 API_CONFIGURATION_ERROR.
"""

from __future__ import annotations

import asyncio
import base64
import json
import logging
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from cloudlet.protocol.errors import ServiceError
from cloudlet.protocol.http import HttpRequest, HttpResponse
from cloudlet.services.apigateway.lambda_uris import function_of
from cloudlet.services.apigateway.serve import proxy_event
from cloudlet.services.apigateway.serve.gateway_errors import GatewayError
from cloudlet.services.apigateway.serve.gateway_responses import GatewayFailure
from cloudlet.services.apigateway.serve.rest_context import Sources, resolve

if TYPE_CHECKING:
    from cloudlet.services.apigateway.engine import ApiGateway

__all__ = [
    "Call",
    "endpoint_url",
    "integration_method",
    "lambda_function_arn",
    "run",
    "substitute_stage_variables",
]

log = logging.getLogger("cloudlet.apigateway")

DEFAULT_TIMEOUT_MS = 29_000
_STAGE_VAR = re.compile(r"\$\{stageVariables\.([A-Za-z0-9_.~-]+)\}")
_INTERNAL_ERROR = "Internal server error"


@dataclass
class Call:
    """One request on its way to a method's integration."""

    gw: ApiGateway
    account: str
    region: str
    api_id: str
    stage: str
    request: HttpRequest
    """The method request as the integration sees it (forwarding headers added, body decompressed)."""
    resource: dict[str, Any]
    method: dict[str, Any]
    integration: dict[str, Any]
    path: str
    """The request path after the stage, percent-encoded as sent."""
    path_params: dict[str, str]
    query: dict[str, list[str]]
    stage_variables: dict[str, str]
    context: dict[str, Any]
    binary_types: list[str]
    request_id: str

    @property
    def timeout(self) -> float:
        return float(self.integration.get("timeoutInMillis") or DEFAULT_TIMEOUT_MS) / 1000.0

    def sources(self) -> Sources:
        return Sources(
            request=self.request,
            path_params=self.path_params,
            query=self.query,
            stage_variables=self.stage_variables,
            context=self.context,
        )


async def run(call: Call) -> HttpResponse:
    """The integration's answer to the method request (before API Gateway's own headers)."""
    kind = call.integration.get("type")
    if kind == "AWS_PROXY":
        return await _lambda_proxy(call)
    if kind == "HTTP_PROXY":
        return await _http_proxy(call)
    if kind in ("AWS", "HTTP", "MOCK"):
        from cloudlet.services.apigateway.serve import rest_mapping

        return await rest_mapping.run(call)
    raise GatewayError("API_CONFIGURATION_ERROR", _INTERNAL_ERROR)


def substitute_stage_variables(text: str, stage_variables: dict[str, str]) -> str:
    """`${stageVariables.name}` references in an integration URI replaced by their values."""
    return _STAGE_VAR.sub(lambda m: stage_variables.get(m.group(1), ""), text)


def lambda_function_arn(uri: str, stage_variables: dict[str, str]) -> str | None:
    """The function ARN of a Lambda integration URI
    (`arn:aws:apigateway:<region>:lambda:path/2015-03-31/functions/<arn>/invocations`)."""
    return function_of(substitute_stage_variables(uri or "", stage_variables))


# -- AWS_PROXY -----------------------------------------------------------------------------------------


async def _lambda_proxy(call: Call) -> HttpResponse:
    from cloudlet.services.lambda_ import api as lambda_api

    function_arn = lambda_function_arn(call.integration.get("uri") or "", call.stage_variables)
    if function_arn is None:
        raise GatewayError("API_CONFIGURATION_ERROR", _INTERNAL_ERROR)
    event = proxy_event.v1_event(
        call.request,
        resource=call.resource.get("path") or "/",
        path=call.path,
        path_params=call.path_params,
        stage_variables=call.stage_variables,
        request_context=call.context,
        binary_types=call.binary_types,
    )
    payload = json.dumps(event).encode()
    try:
        outcome = await asyncio.wait_for(lambda_api.invoke(call.gw.app, function_arn, payload), call.timeout)
    except TimeoutError as exc:
        raise GatewayError("INTEGRATION_TIMEOUT") from exc
    except ServiceError as exc:
        if exc.code == "TooManyRequestsException":
            raise GatewayFailure("INTEGRATION_FAILURE", 500, _INTERNAL_ERROR) from exc
        if exc.code == "RequestTooLargeException":
            raise GatewayError("REQUEST_TOO_LARGE") from exc
        log.info("Lambda proxy integration of %s failed: %s", call.api_id, exc)
        raise GatewayError("API_CONFIGURATION_ERROR", _INTERNAL_ERROR) from exc
    except ValueError as exc:  # a function ARN that does not parse
        raise GatewayError("API_CONFIGURATION_ERROR", _INTERNAL_ERROR) from exc
    if outcome.outcome != "ok":
        raise GatewayFailure("DEFAULT_5XX", 502, _INTERNAL_ERROR)
    try:
        status, headers, body, encoded = proxy_event.parse_v1_output(outcome.payload)
    except ValueError as exc:
        log.info("Malformed Lambda proxy response from %s: %s", function_arn, exc)
        raise GatewayFailure("DEFAULT_5XX", 502, _INTERNAL_ERROR) from exc
    if encoded and not proxy_event.is_binary(_first_accept(call.request), call.binary_types):
        body = base64.b64encode(body)  # binary only for clients that accept a binary media type
    if not any(name.lower() == "content-type" for name, _ in headers):
        headers.insert(0, ("Content-Type", "application/json"))
    return HttpResponse(status, headers, body)


def integration_method(call: Call) -> str:
    """The HTTP method of the integration request (`ANY` forwards the client's)."""
    method = call.integration.get("httpMethod")
    return call.request.method if not method or method == "ANY" else method


def _first_accept(request: HttpRequest) -> str | None:
    accept = request.headers.get("accept")
    return accept.split(",", 1)[0].strip() if accept else None


# -- HTTP_PROXY ----------------------------------------------------------------------------------------


def endpoint_url(
    call: Call, overrides: dict[str, dict[str, str]] | None = None
) -> tuple[str, dict[str, str]]:
    """The integration URI with `{name}` placeholders filled from `integration.request.path.name`
    mappings (else the method's path parameter of that name) and stage variables substituted; and
    the mapped path values."""
    sources = call.sources()
    mapped: dict[str, str] = {}
    for target, expression in (call.integration.get("requestParameters") or {}).items():
        if target.startswith("integration.request.path."):
            value = resolve(expression, sources)
            if value is not None:
                mapped[target[len("integration.request.path.") :]] = (
                    value if isinstance(value, str) else ",".join(value)
                )
    mapped.update((overrides or {}).get("path") or {})
    uri = substitute_stage_variables(call.integration.get("uri") or "", call.stage_variables)

    def fill(found: re.Match[str]) -> str:
        name = found.group(1)
        greedy = name.endswith("+")
        name = name.rstrip("+")
        value = mapped.get(name, call.path_params.get(name))
        if value is None:
            return found.group(0)
        return value if greedy or "/" in value else quote(value, safe="%:@!$&'()*+,;=-._~")

    return re.sub(r"\{([A-Za-z0-9_.+-]+)\}", fill, uri), mapped


async def _http_proxy(call: Call) -> HttpResponse:
    from cloudlet.services.apigateway.serve import upstream

    url, _ = endpoint_url(call)
    sources = call.sources()
    headers = [(k, v) for k, v in call.request.headers.items()]
    query = call.request.query_string
    extra_query: list[str] = []
    for target, expression in (call.integration.get("requestParameters") or {}).items():
        value = resolve(expression, sources)
        if value is None:
            continue
        values = [value] if isinstance(value, str) else value
        if target.startswith("integration.request.header."):
            name = target[len("integration.request.header.") :]
            headers = [(k, v) for k, v in headers if k.lower() != name.lower()]
            headers += [(name, v) for v in values]
        elif target.startswith("integration.request.querystring."):
            name = target[len("integration.request.querystring.") :]
            extra_query += [f"{quote(name, safe='')}={quote(v, safe='')}" for v in values]
    query = "&".join(q for q in [query, *extra_query] if q)
    if query:
        url += ("&" if "?" in url else "?") + query
    try:
        status, out_headers, body = await upstream.send(
            integration_method(call), url, headers, call.request.body, call.timeout
        )
    except TimeoutError as exc:
        raise GatewayError("INTEGRATION_TIMEOUT") from exc
    except upstream.UpstreamError as exc:
        log.info("HTTP_PROXY integration of %s failed: %s", call.api_id, exc)
        if exc.configuration:
            raise GatewayError("API_CONFIGURATION_ERROR", _INTERNAL_ERROR) from exc
        raise GatewayError("INTEGRATION_FAILURE") from exc
    return HttpResponse(status, out_headers, body)
