"""HTTP API integrations: Lambda proxy (payload format 2.0 or 1.0), HTTP proxy, and AWS service
integrations (`integrationSubtype`), each returning (status, headers, body) or raising Refusal.

Parameter mapping (`requestParameters` of HTTP proxy integrations: `overwrite:path`,
`append|overwrite|remove:header.<name>` / `querystring.<name>`; `responseParameters` per status code:
`overwrite:statuscode`, `append|overwrite|remove:header.<name>`) takes values with `$request.*`,
`$response.*`, `$context.*` and `$stageVariables.*` references (also as `${...}` inside text).
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, urlencode, urlsplit, urlunsplit

from cloudlet.services.apigateway.serve import http_event, proxy_event, upstream
from cloudlet.services.apigateway.serve.http_auth import function_arn
from cloudlet.services.apigateway.serve.http_event import INTERNAL, UNAVAILABLE, Call, Refusal

if TYPE_CHECKING:
    from cloudlet.services.apigateway.engine import ApiGateway
    from cloudlet.services.apigateway.serve.http_routing import Route

log = logging.getLogger("cloudlet.apigateway")

Answer = tuple[int, list[tuple[str, str]], bytes]
DEFAULT_TIMEOUT_MS = 30000
_REFERENCE = re.compile(r"\$\{([^}]+)\}|\$((?:request|response|context|stageVariables)\.[A-Za-z0-9_.:\-]+)")
_TEMPLATE_VAR = re.compile(r"\{([^}]+)\}")


async def run(gw: ApiGateway, call: Call, route: Route, integration: dict[str, Any]) -> Answer:
    kind = integration.get("integrationType")
    timeout = int(integration.get("timeoutInMillis") or DEFAULT_TIMEOUT_MS) / 1000
    if kind == "AWS_PROXY" and integration.get("integrationSubtype"):
        from cloudlet.services.apigateway.serve import http_services

        answer = await _bounded(gw, http_services.call(gw, call, integration), timeout)
    elif kind == "AWS_PROXY":
        answer = await _bounded(gw, _lambda(gw, call, route, integration), timeout)
    elif kind == "HTTP_PROXY" and integration.get("connectionType", "INTERNET") == "INTERNET":
        answer = await _http(call, integration, timeout)
    else:
        raise Refusal(*INTERNAL)
    return map_response(call, integration, answer)


async def _bounded(gw: ApiGateway, work: Any, timeout: float) -> Answer:
    """`work`'s answer, or 503 after `timeout` (the work itself runs on, unobserved)."""
    task = asyncio.ensure_future(work)
    try:
        return await asyncio.wait_for(asyncio.shield(task), timeout)
    except TimeoutError:
        pending: set[asyncio.Future[Any]] = gw.runtime.setdefault("pending_integrations2", set())
        pending.add(task)
        task.add_done_callback(pending.discard)
        task.add_done_callback(lambda t: t.cancelled() or t.exception())
        raise Refusal(*UNAVAILABLE) from None


# -- Lambda -------------------------------------------------------------------------------------------


async def _lambda(gw: ApiGateway, call: Call, route: Route, integration: dict[str, Any]) -> Answer:
    from cloudlet.services.lambda_ import api as lambda_api

    v1 = integration.get("payloadFormatVersion") == "1.0"
    event = v1_proxy_event(call, route) if v1 else http_event.event(call)
    target = function_arn(integration.get("integrationUri") or "")
    try:
        outcome = await lambda_api.invoke(gw.app, target, json.dumps(event).encode())
    except Exception as exc:  # no such function, throttled, too large: the integration failed
        log.info("HTTP API %s: invoking %s failed: %s", call.api_id, target, exc)
        raise Refusal(*INTERNAL) from None
    if outcome.outcome != "ok":
        log.info(
            "HTTP API %s: %s answered %s: %s", call.api_id, target, outcome.outcome, outcome.payload[:500]
        )
        raise Refusal(*INTERNAL)
    try:
        if v1:
            return proxy_event.parse_v1_response(outcome.payload)
        return http_event.parse_response(outcome.payload)
    except ValueError:
        raise Refusal(*INTERNAL) from None


def v1_proxy_event(call: Call, route: Route | None = None) -> dict[str, Any]:
    """The payload format 1.0 event of an HTTP API request (REST API shape, HTTP API context)."""
    request = call.request
    resource = call.route_key if route is None or not route.path else route.path
    context: dict[str, Any] = {
        "accountId": call.account,
        "apiId": call.api_id,
        "authorizer": call.authorizer_v1
        if call.authorizer_v1 is not None
        else {"claims": None, "scopes": None},
        "domainName": call.domain_name,
        "domainPrefix": call.domain_name.split(".", 1)[0],
        "extendedRequestId": call.request_id,
        "httpMethod": request.method,
        "identity": {
            "accessKey": None,
            "accountId": None,
            "caller": None,
            "cognitoAmr": None,
            "cognitoAuthenticationProvider": None,
            "cognitoAuthenticationType": None,
            "cognitoIdentityId": None,
            "cognitoIdentityPoolId": None,
            "principalOrgId": None,
            "sourceIp": request.client,
            "user": None,
            "userAgent": request.headers.get("user-agent") or "",
            "userArn": None,
        },
        "path": call.raw_path,
        "protocol": "HTTP/1.1",
        "requestId": call.request_id,
        "requestTime": http_event.request_time(call.now),
        "requestTimeEpoch": int(call.now * 1000),
        "resourceId": call.route_key,
        "resourcePath": resource,
        "stage": call.stage,
    }
    iam = (call.authorizer or {}).get("iam")
    if iam:
        context["identity"].update(
            {"accessKey": iam["accessKey"], "accountId": iam["accountId"], "caller": iam["callerId"]}
        )
        context["identity"].update({"user": iam["userId"], "userArn": iam["userArn"]})
    event = proxy_event.v1_event(
        request,
        resource=resource,
        path=call.raw_path,
        path_params=call.path_params,
        stage_variables=call.stage_variables,
        request_context=context,
        binary_types=[],
    )
    if request.body:
        event["body"], event["isBase64Encoded"] = http_event.encode_body(
            request.body, request.headers.get("content-type") or ""
        )
    return {"version": "1.0", **event}


# -- HTTP proxy ---------------------------------------------------------------------------------------


async def _http(call: Call, integration: dict[str, Any], timeout: float) -> Answer:
    request = call.request
    uri = _TEMPLATE_VAR.sub(lambda m: _path_value(call, m.group(1)), integration.get("integrationUri") or "")
    uri = resolve(call, uri, None)
    parts = urlsplit(uri)
    path = parts.path or "/"
    query = [q for q in (parts.query, request.query_string) if q]
    headers, _ = http_event.joined_headers(request)
    headers = {k: v for k, v in http_event.forwarded_headers(call, headers).items() if k != "content-length"}
    cookie = request.headers.get("cookie")
    if cookie:
        headers["cookie"] = cookie
    query_pairs = proxy_event.query_pairs("&".join(query))
    for spec, value in (integration.get("requestParameters") or {}).items():
        action, _, target = spec.partition(":")
        resolved = resolve(call, value, None)
        if target == "path":
            if action == "overwrite":
                path = quote(resolved, safe="/%")
        elif target.startswith("header."):
            name = target[len("header.") :].lower()
            _apply(headers, action, name, resolved)
        elif target.startswith("querystring."):
            name = target[len("querystring.") :]
            if action == "remove":
                query_pairs = [(k, v) for k, v in query_pairs if k != name]
            elif action == "overwrite":
                query_pairs = [(k, v) for k, v in query_pairs if k != name] + [(name, resolved)]
            elif action == "append":
                query_pairs.append((name, resolved))
    url = urlunsplit((parts.scheme, parts.netloc, path, urlencode(query_pairs), ""))
    method = integration.get("integrationMethod") or "ANY"
    if method == "ANY":
        method = request.method
    try:
        return await upstream.send(method, url, list(headers.items()), request.body, timeout)
    except TimeoutError:
        raise Refusal(*UNAVAILABLE) from None
    except upstream.UpstreamError:
        raise Refusal(*INTERNAL) from None


def _path_value(call: Call, name: str) -> str:
    """`{proxy}` and `{id}` in an HTTP proxy URI: the route's path parameters, encoded."""
    if name in call.path_params:
        return quote(call.path_params[name], safe="/")
    return "{" + name + "}"


def _apply(headers: dict[str, str], action: str, name: str, value: str) -> None:
    if action == "remove":
        headers.pop(name, None)
    elif action == "overwrite":
        headers[name] = value
    elif action == "append":
        headers[name] = f"{headers[name]},{value}" if name in headers else value


# -- values and response mapping ----------------------------------------------------------------------


def resolve(call: Call, text: str, response: Answer | None) -> str:
    """`text` with its `$request...`, `$response...`, `$context...`, `$stageVariables...` references
    replaced by their values ('' when absent)."""
    if "$" not in text:
        return text
    return _REFERENCE.sub(lambda m: _value(call, m.group(1) or m.group(2), response), text)


def _value(call: Call, ref: str, response: Answer | None) -> str:
    from cloudlet.services.apigateway.serve.http_auth import identity_value

    if ref == "request.path":
        return call.raw_path
    if ref.startswith("request.path."):
        return call.path_params.get(ref[len("request.path.") :], "")
    if ref == "request.body":
        return call.request.body.decode("utf-8", errors="replace")
    if ref.startswith("request.body."):
        return _body_value(call.request.body, ref[len("request.body.") :])
    if ref.startswith(("request.", "context.", "stageVariables.")):
        return identity_value(call, "$" + ref) or ""
    if response is not None and ref.startswith("response.header."):
        wanted = ref[len("response.header.") :].lower()
        return ",".join(v for k, v in response[1] if k.lower() == wanted)
    if response is not None and ref == "response.body":
        return response[2].decode("utf-8", errors="replace")
    return ""


def _body_value(body: bytes, path: str) -> str:
    """`$request.body.a.b`: a member of the JSON body (JSON text unless it is a string)."""
    try:
        found: Any = json.loads(body)
    except ValueError:
        return ""
    for part in path.split("."):
        if isinstance(found, dict):
            found = found.get(part)
        elif isinstance(found, list) and part.isdigit() and int(part) < len(found):
            found = found[int(part)]
        else:
            return ""
    if found is None:
        return ""
    return found if isinstance(found, str) else json.dumps(found)


def map_response(call: Call, integration: dict[str, Any], answer: Answer) -> Answer:
    """Apply the integration's `responseParameters` for the answer's status code."""
    mappings = (integration.get("responseParameters") or {}).get(str(answer[0]))
    if not mappings:
        return answer
    status, headers, body = answer
    mapped = list(headers)
    for spec, value in mappings.items():
        action, _, target = spec.partition(":")
        resolved = resolve(call, value, answer)
        if target == "statuscode" and action == "overwrite" and resolved.isdigit():
            status = int(resolved)
        elif target.startswith("header."):
            name = target[len("header.") :]
            if action in ("remove", "overwrite"):
                mapped = [(k, v) for k, v in mapped if k.lower() != name.lower()]
            if action in ("append", "overwrite"):
                mapped.append((name, resolved))
    return status, mapped, body
