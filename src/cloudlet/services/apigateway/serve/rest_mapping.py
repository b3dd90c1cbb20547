"""The mapped (non-proxy) integrations of REST APIs: AWS (service actions, Lambda), HTTP and MOCK.

Integration request: `requestParameters` fill the integration's headers, query string and path
(`integration.request.header.X` ← `method.request.querystring.y`, `'literal'`, `stageVariables.x`,
`context.x`); the request template is chosen by Content-Type (default `application/json`) and
`passthroughBehavior` decides what happens without one (WHEN_NO_MATCH passes the body through,
WHEN_NO_TEMPLATES only when the integration has no templates at all, NEVER answers 415).

Integration response: chosen by `selectionPattern` (a regular expression matching the whole status code,
or a failed Lambda function's `errorMessage`), else the one without a pattern; its `responseParameters`
set method response headers, its template (chosen by the Accept header, else `application/json`) maps the
body, `contentHandling` converts between binary and base64 text. MOCK integrations answer the status code
their request template names (`{"statusCode": 200}`).
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import json
import logging
import re
from typing import Any
from urllib.parse import quote

from cloudlet.protocol.http import HttpResponse
from cloudlet.services.apigateway.serve.gateway_errors import GatewayError
from cloudlet.services.apigateway.serve.integrations import (
    Call,
    endpoint_url,
    integration_method,
    lambda_function_arn,
)
from cloudlet.services.apigateway.serve.rest_context import Sources, resolve

__all__ = ["run", "select_response"]

log = logging.getLogger("cloudlet.apigateway")

_JSON = "application/json"
_INTERNAL_ERROR = "Internal server error"


async def run(call: Call) -> HttpResponse:
    from cloudlet.services.apigateway.serve import vtl

    integration = call.integration
    headers, query, path = _map_request_parameters(call)
    body = _convert(call.request.body, integration.get("contentHandling"))
    templates: dict[str, str] = integration.get("requestTemplates") or {}
    behavior = integration.get("passthroughBehavior") or "WHEN_NO_MATCH"
    content_type = call.request.content_type or _JSON
    template = templates.get(content_type)
    if template == "" and content_type in templates:
        pass  # an empty template passes the body through
    elif template is None:
        if behavior == "NEVER" or (behavior == "WHEN_NO_TEMPLATES" and templates):
            raise GatewayError("UNSUPPORTED_MEDIA_TYPE")
    else:
        try:
            rendered = vtl.render(template, _input(call, body), call.context, call.stage_variables)
        except vtl.InvalidJsonBody as exc:
            raise GatewayError("BAD_REQUEST_BODY", str(exc)) from exc
        except vtl.TemplateError as exc:
            log.info("request template of %s failed: %s", call.api_id, exc)
            raise GatewayError("API_CONFIGURATION_ERROR", _INTERNAL_ERROR) from exc
        body = rendered.text.encode()
        overrides = rendered.request_override
        headers.update(overrides.get("header") or {})
        for name, value in (overrides.get("querystring") or {}).items():
            query[name] = [value]
        path.update(overrides.get("path") or {})

    kind = integration.get("type")
    error_message: str | None = None
    if kind == "MOCK":
        status, out_headers, out_body = _mock_status(body), [], b""
    elif kind == "AWS":
        status, out_headers, out_body, error_message = await _aws(call, body, headers, query, path)
    else:
        status, out_headers, out_body = await _http(call, body, headers, query, path, content_type)
    return _integration_response(call, status, out_headers, out_body, error_message)


def _map_request_parameters(call: Call) -> tuple[dict[str, str], dict[str, list[str]], dict[str, str]]:
    sources = call.sources()
    headers: dict[str, str] = {}
    query: dict[str, list[str]] = {}
    path: dict[str, str] = {}
    for target, expression in (call.integration.get("requestParameters") or {}).items():
        value = resolve(expression, sources)
        if value is None:
            continue
        kind, _, name = target.removeprefix("integration.request.").partition(".")
        values = [value] if isinstance(value, str) else list(value)
        if kind in ("header", "multivalueheader"):
            headers[name] = ",".join(values)
        elif kind in ("querystring", "multivaluequerystring"):
            query[name] = values
        elif kind == "path":
            path[name] = values[-1] if values else ""
    return headers, query, path


def _convert(body: bytes, handling: str | None) -> bytes:
    if handling == "CONVERT_TO_TEXT":
        return base64.b64encode(body)
    if handling == "CONVERT_TO_BINARY":
        try:
            return base64.b64decode(body, validate=True)
        except (binascii.Error, ValueError) as exc:
            raise GatewayError("API_CONFIGURATION_ERROR", _INTERNAL_ERROR) from exc
    return body


def _input(call: Call, body: bytes) -> Any:
    from cloudlet.services.apigateway.serve import vtl

    header: dict[str, list[str]] = {}
    for name, value in call.request.headers.items():
        header.setdefault(name, []).append(value)
    return vtl.Input(
        body=body.decode("utf-8", errors="replace"),
        path=dict(call.path_params),
        querystring={k: list(v) for k, v in call.query.items()},
        header=header,
    )


def _mock_status(body: bytes) -> int:
    try:
        value = json.loads(body) if body.strip() else {}
    except (ValueError, UnicodeDecodeError):
        return 200
    status = value.get("statusCode") if isinstance(value, dict) else None
    try:
        return int(status) if status is not None else 200
    except (TypeError, ValueError):
        return 200


async def _aws(
    call: Call, body: bytes, headers: dict[str, str], query: dict[str, list[str]], path: dict[str, str]
) -> tuple[int, list[tuple[str, str]], bytes, str | None]:
    from cloudlet.services.apigateway.serve import aws_integration

    try:
        result = await asyncio.wait_for(
            aws_integration.call(
                call.gw,
                account=call.account,
                region=call.region,
                integration=call.integration,
                body=body,
                headers=headers,
                query=query,
                path_params=path,
                stage_variables=call.stage_variables,
                request_id=call.request_id,
            ),
            call.timeout,
        )
    except TimeoutError as exc:
        raise GatewayError("INTEGRATION_TIMEOUT") from exc
    if getattr(result, "failed", False):
        raise GatewayError("API_CONFIGURATION_ERROR", _INTERNAL_ERROR)
    return result.status, list(result.headers), result.body, result.error_message


async def _http(
    call: Call,
    body: bytes,
    headers: dict[str, str],
    query: dict[str, list[str]],
    path: dict[str, str],
    content_type: str,
) -> tuple[int, list[tuple[str, str]], bytes]:
    from cloudlet.services.apigateway.serve import upstream

    url, _ = endpoint_url(call, {"path": path})
    pairs = [f"{quote(k, safe='')}={quote(v, safe='')}" for k, values in query.items() for v in values]
    if pairs:
        url += ("&" if "?" in url else "?") + "&".join(pairs)
    out = list(headers.items())
    if not any(k.lower() == "content-type" for k, _ in out) and body:
        out.append(("Content-Type", content_type))
    try:
        return await upstream.send(integration_method(call), url, out, body, call.timeout)
    except TimeoutError as exc:
        raise GatewayError("INTEGRATION_TIMEOUT") from exc
    except upstream.UpstreamError as exc:
        log.info("HTTP integration of %s failed: %s", call.api_id, exc)
        if exc.configuration:
            raise GatewayError("API_CONFIGURATION_ERROR", _INTERNAL_ERROR) from exc
        raise GatewayError("INTEGRATION_FAILURE") from exc


def select_response(responses: dict[str, dict[str, Any]], subject: str | None) -> dict[str, Any] | None:
    """The integration response whose `selectionPattern` matches `subject` in full, else the default
    one (no pattern); `subject` None (a successful Lambda invocation) selects the default."""
    default = None
    for response in responses.values():
        pattern = response.get("selectionPattern")
        if not pattern:
            default = default or response
            continue
        if subject is None:
            continue
        try:
            if re.fullmatch(pattern, subject):
                return response
        except re.error:
            continue
    return default


def _integration_response(
    call: Call, status: int, headers: list[tuple[str, str]], body: bytes, error_message: str | None
) -> HttpResponse:
    from cloudlet.services.apigateway.serve import vtl

    responses = call.integration.get("integrationResponses") or {}
    is_lambda = lambda_function_arn(call.integration.get("uri") or "", call.stage_variables) is not None
    subject = error_message if call.integration.get("type") == "AWS" and is_lambda else str(status)
    chosen = select_response(responses, subject)
    if chosen is None:
        log.info(
            "No match for output mapping and no default output mapping configured (%s, status %s)",
            call.api_id,
            status,
        )
        raise GatewayError("API_CONFIGURATION_ERROR", _INTERNAL_ERROR)
    out_status = int(chosen.get("statusCode") or 200)
    sources = Sources(
        request=call.request,
        path_params=call.path_params,
        query=call.query,
        stage_variables=call.stage_variables,
        context=call.context,
        response_headers=headers,
        response_body=body,
    )
    out_headers: list[tuple[str, str]] = []
    for target, expression in (chosen.get("responseParameters") or {}).items():
        value = resolve(expression, sources)
        if value is None or not target.startswith("method.response.header."):
            continue
        name = target[len("method.response.header.") :]
        out_headers.append((name, value if isinstance(value, str) else ",".join(value)))
    templates: dict[str, str] = chosen.get("responseTemplates") or {}
    content_type = _JSON
    template_type = _pick_template(templates, call.request.headers.get("accept"))
    if template_type is not None and templates[template_type]:
        content_type = template_type
        inp = _input(call, b"")
        inp.body = body.decode("utf-8", errors="replace")
        try:
            rendered = vtl.render(templates[template_type], inp, call.context, call.stage_variables)
        except vtl.TemplateError as exc:
            log.info("response template of %s failed: %s", call.api_id, exc)
            raise GatewayError("API_CONFIGURATION_ERROR", _INTERNAL_ERROR) from exc
        body = rendered.text.encode()
        override = rendered.response_override
        if override.get("status"):
            out_status = int(override["status"])
        for name, value in (override.get("header") or {}).items():
            out_headers = [(k, v) for k, v in out_headers if k.lower() != name.lower()]
            out_headers.append((name, value))
    elif template_type is not None:
        content_type = template_type
    body = _convert(body, chosen.get("contentHandling"))
    if not any(k.lower() == "content-type" for k, _ in out_headers):
        out_headers.insert(0, ("Content-Type", content_type))
    return HttpResponse(out_status, out_headers, body)


def _pick_template(templates: dict[str, str], accept: str | None) -> str | None:
    if not templates:
        return None
    for part in (accept or "").split(","):
        media = part.split(";", 1)[0].strip().lower()
        if media in templates:
            return media
    if _JSON in templates:
        return _JSON
    return next(iter(templates))
