"""The REST API data plane: answer a request to `/<stage>/<path>` of a REST API with the deployment its
stage serves.

In AWS's order: the stage and its deployment (unknown: 403 Forbidden), the resource and method
(none: 403 Missing Authentication Token), authorization (AWS_IAM wants a signed request; CUSTOM and
COGNITO_USER_POOLS run the method's authorizer), stage throttling, API keys and usage plans, request
validation, the integration (`integrations.py`), then API Gateway's own headers and gzip compression.
Everything API Gateway itself refuses or fails becomes the API's gateway response
(`gateway_responses.py`).

A stage's deployment is compiled once (routing tree and lookups) and cached on the ApiGateway state
until the control plane invalidates it.
"""

from __future__ import annotations

import gzip
import logging
import random
import zlib
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

from cloudlet.core import ids
from cloudlet.gateway.identity import credential_of
from cloudlet.protocol.http import Headers, HttpRequest, HttpResponse
from cloudlet.services.apigateway import store
from cloudlet.services.apigateway.serve import gateway_responses, integrations, rest_context, rest_routing
from cloudlet.services.apigateway.serve.gateway_errors import GatewayError
from cloudlet.services.apigateway.serve.proxy_event import query_pairs, with_headers

if TYPE_CHECKING:
    from cloudlet.services.apigateway.engine import ApiGateway

__all__ = ["Compiled", "compile_stage", "serve"]

log = logging.getLogger("cloudlet.apigateway")

MAX_PAYLOAD_B = 10 * 1024 * 1024
"""API Gateway's payload limit for REST APIs (10 MB)."""
_DECODERS = {"gzip": gzip.decompress, "deflate": zlib.decompress}


@dataclass(frozen=True, slots=True)
class Compiled:
    """What a stage serves, ready for requests."""

    stage: dict[str, Any]
    deployment_id: str
    api: dict[str, Any]
    """The REST API document as deployed."""
    tree: rest_routing.Node
    authorizers: dict[str, dict[str, Any]]
    models: dict[str, dict[str, Any]]
    validators: dict[str, dict[str, Any]]
    gateway_responses: dict[str, dict[str, Any]]
    stage_variables: dict[str, str]
    binary_types: list[str]
    canary: Compiled | None = None
    """The canary deployment (`canarySettings`), with its stage variable overrides."""
    canary_percent: float = 0.0

    def pick(self) -> Compiled:
        """This deployment, or its canary for `canary_percent` of requests."""
        if self.canary is not None and random.random() * 100.0 < self.canary_percent:
            return self.canary
        return self


def compile_stage(gw: ApiGateway, account: str, region: str, api_id: str, stage: str) -> Compiled | None:
    """The compiled deployment `stage` serves (cached); None when there is no such stage or it has no
    deployment."""
    compiled: Compiled | None = gw.compiled(api_id, stage)
    if compiled is not None:
        return compiled
    canary_snapshot = None
    with gw.db.read() as conn:
        stage_doc = store.get(conn, account, region, "stage", api_id, stage)
        deployment_id = (stage_doc or {}).get("deploymentId")
        snapshot = (
            store.get(conn, account, region, "snapshot", api_id, deployment_id) if deployment_id else None
        )
        canary_settings = (stage_doc or {}).get("canarySettings") or None
        if canary_settings and canary_settings.get("deploymentId"):
            canary_snapshot = store.get(
                conn, account, region, "snapshot", api_id, canary_settings["deploymentId"]
            )
    if stage_doc is None or snapshot is None or deployment_id is None:
        return None
    variables = dict(stage_doc.get("variables") or {})
    canary = None
    if canary_settings and canary_snapshot is not None:
        overrides = canary_settings.get("stageVariableOverrides") or {}
        canary = _compile(
            stage_doc, canary_settings["deploymentId"], canary_snapshot, {**variables, **overrides}
        )
    compiled = _compile(stage_doc, deployment_id, snapshot, variables, canary, canary_settings)
    gw.remember(api_id, stage, compiled)
    return compiled


def _compile(
    stage_doc: dict[str, Any],
    deployment_id: str,
    snapshot: dict[str, Any],
    variables: dict[str, str],
    canary: Compiled | None = None,
    canary_settings: dict[str, Any] | None = None,
) -> Compiled:
    api = snapshot.get("api") or {}
    return Compiled(
        stage=stage_doc,
        deployment_id=deployment_id,
        api=api,
        tree=rest_routing.compile_resources(snapshot.get("resources") or []),
        authorizers=snapshot.get("authorizers") or {},
        models=snapshot.get("models") or {},
        validators=snapshot.get("validators") or {},
        gateway_responses=snapshot.get("gatewayResponses") or {},
        stage_variables=variables,
        binary_types=list(api.get("binaryMediaTypes") or []),
        canary=canary,
        canary_percent=float((canary_settings or {}).get("percentTraffic") or 0.0),
    )


async def serve(
    gw: ApiGateway, request: HttpRequest, account: str, region: str, api_doc: dict[str, Any], raw_path: str
) -> HttpResponse:
    """Answer one invoke-URL request; `raw_path` is `/<stage>/<path>` percent-encoded."""
    request_id = ids.request_id()
    extended_id = rest_context.extended_request_id()
    now = gw.clock.now()
    trace = request.headers.get("x-amzn-trace-id") or rest_context.trace_id(now)
    common = [("x-amzn-RequestId", request_id), ("x-amz-apigw-id", extended_id), ("X-Amzn-Trace-Id", trace)]
    api_id = api_doc["id"]
    stage_part, _, rest = raw_path.lstrip("/").partition("/")
    stage = unquote(stage_part)
    path = "/" + rest
    compiled = compile_stage(gw, account, region, api_id, stage) if stage else None
    if compiled is None or api_doc.get("disableExecuteApiEndpoint"):
        return _finish(
            gateway_responses.default_response(403, "Forbidden", "ForbiddenException", common), request, None
        )
    compiled = compiled.pick()
    state = _State(
        request=request, context=_bare_context(request, account, api_id, stage, path, now, request_id)
    )
    try:
        response = await _handle(
            gw, state, compiled, account, region, api_id, stage, path, now, request_id, extended_id, trace
        )
        response.headers[:0] = common
    except GatewayError as exc:
        response = gateway_responses.respond(
            exc,
            customized=compiled.gateway_responses,
            request=state.request,
            context=state.context,
            path_params=state.path_params,
            query=state.query,
            stage_variables=compiled.stage_variables,
            headers=common,
        )
    return _finish(response, request, compiled)


@dataclass
class _State:
    """What is known of the request so far (for the gateway response if it fails)."""

    request: HttpRequest
    context: dict[str, Any]
    path_params: dict[str, str] | None = None
    query: dict[str, list[str]] | None = None


def _bare_context(
    request: HttpRequest, account: str, api_id: str, stage: str, path: str, now: float, request_id: str
) -> dict[str, Any]:
    """The context of a request that matched no resource."""
    return {
        "accountId": account,
        "apiId": api_id,
        "httpMethod": request.method,
        "path": f"/{stage}{path}",
        "protocol": "HTTP/1.1",
        "requestId": request_id,
        "requestTimeEpoch": int(now * 1000),
        "stage": stage,
        "domainName": rest_context.domain_name(request, api_id),
        "identity": {"sourceIp": request.client, "userAgent": request.headers.get("user-agent")},
    }


async def _handle(
    gw: ApiGateway,
    state: _State,
    compiled: Compiled,
    account: str,
    region: str,
    api_id: str,
    stage: str,
    path: str,
    now: float,
    request_id: str,
    extended_id: str,
    trace: str,
) -> HttpResponse:
    request = state.request
    if len(request.body) > MAX_PAYLOAD_B:
        raise GatewayError("REQUEST_TOO_LARGE")
    query: dict[str, list[str]] = {}
    for name, value in query_pairs(request.query_string):
        query.setdefault(name, []).append(value)
    state.query = query
    found = rest_routing.match(compiled.tree, path, request.method)
    if found is None or found.method is None:
        raise GatewayError("MISSING_AUTHENTICATION_TOKEN")
    method = found.method
    resource = found.resource
    state.path_params = found.path_params
    resource_path = resource.get("path") or "/"
    authorization = method.get("authorizationType") or "NONE"
    context = rest_context.build(
        request,
        account=account,
        api_id=api_id,
        stage=stage,
        deployment_id=compiled.deployment_id,
        resource=resource,
        path=path,
        now=now,
        request_id=request_id,
        extended_id=extended_id,
        signed=authorization == "AWS_IAM",
    )
    state.context = context
    request = state.request = _decompress(request, compiled.api)

    auth = None
    if authorization == "AWS_IAM":
        if credential_of(request) is None:
            raise GatewayError("MISSING_AUTHENTICATION_TOKEN")
    elif authorization in ("CUSTOM", "COGNITO_USER_POOLS"):
        auth = await _authorize(
            gw, compiled, method, request, account, region, api_id, stage, path, found, context
        )
        context["authorizer"] = {"principalId": auth.principal_id, **auth.context}

    from cloudlet.services.apigateway.serve import usage

    usage.stage_throttle(
        gw,
        api_id=api_id,
        stage=stage,
        stage_doc=compiled.stage,
        resource_path=resource_path,
        http_method=request.method,
    )
    key_id = usage.check(
        gw,
        account=account,
        region=region,
        api_id=api_id,
        stage=stage,
        api_doc=compiled.api,
        method=method,
        resource_path=resource_path,
        http_method=request.method,
        request=request,
        auth=auth,
    )
    if key_id is not None:
        identity = context["identity"]
        identity["apiKeyId"] = key_id
        if compiled.api.get("apiKeySource") == "AUTHORIZER":
            identity["apiKey"] = auth.usage_identifier_key if auth is not None else None
        else:
            identity["apiKey"] = request.headers.get("x-api-key")

    from cloudlet.services.apigateway.serve import validation

    validation.validate(
        request,
        method=method,
        validators=compiled.validators,
        models=compiled.models,
        path_params=found.path_params,
        query=query,
        api_id=api_id,
    )
    integration = method.get("methodIntegration")
    if not integration:
        raise GatewayError("API_CONFIGURATION_ERROR", "Internal server error")
    port = (request.headers.get("host") or "").rpartition(":")[2]
    forwarded = with_headers(
        request,
        [
            ("X-Amzn-Trace-Id", trace),
            ("X-Forwarded-For", request.client),
            ("X-Forwarded-Port", port if port.isdigit() else "443"),
            ("X-Forwarded-Proto", "http"),
        ],
    )
    call = integrations.Call(
        gw=gw,
        account=account,
        region=region,
        api_id=api_id,
        stage=stage,
        request=forwarded,
        resource=resource,
        method=method,
        integration=integration,
        path=path,
        path_params=found.path_params,
        query=query,
        stage_variables=compiled.stage_variables,
        context=context,
        binary_types=compiled.binary_types,
        request_id=request_id,
    )
    return await integrations.run(call)


async def _authorize(
    gw: ApiGateway,
    compiled: Compiled,
    method: dict[str, Any],
    request: HttpRequest,
    account: str,
    region: str,
    api_id: str,
    stage: str,
    path: str,
    found: rest_routing.Match,
    context: dict[str, Any],
) -> Any:
    from cloudlet.services.apigateway.serve import authorizers

    authorizer = compiled.authorizers.get(method.get("authorizerId") or "")
    if authorizer is None:
        raise GatewayError("AUTHORIZER_CONFIGURATION_ERROR")
    method_arn = f"arn:aws:execute-api:{region}:{account}:{api_id}/{stage}/{request.method}{path}"
    return await authorizers.authorize(
        gw,
        account=account,
        region=region,
        api_id=api_id,
        stage=stage,
        authorizer=authorizer,
        request=request,
        method_arn=method_arn,
        resource_path=found.resource.get("path") or "/",
        path_params=found.path_params,
        stage_variables=compiled.stage_variables,
        request_context=context,
    )


def _decompress(request: HttpRequest, api: dict[str, Any]) -> HttpRequest:
    """The request with its body decompressed (`Content-Encoding` gzip or deflate) when the API has
    payload compression enabled; an unsupported coding or a payload that does not decode is a 415."""
    if api.get("minimumCompressionSize") is None or not request.body:
        return request
    coding = (request.headers.get("content-encoding") or "").strip().lower()
    if not coding or coding == "identity":
        return request
    decoder = _DECODERS.get(coding)
    if decoder is None:
        raise GatewayError("UNSUPPORTED_MEDIA_TYPE")
    try:
        body = decoder(request.body)
    except (OSError, zlib.error, EOFError) as exc:
        raise GatewayError("UNSUPPORTED_MEDIA_TYPE") from exc
    headers = Headers(
        [
            (k, v)
            for k, v in request.headers.items()
            if k.lower() not in ("content-encoding", "content-length")
        ]
    )
    return HttpRequest(request.method, request.raw_path, request.query_string, headers, body, request.client)


def _finish(response: HttpResponse, request: HttpRequest, compiled: Compiled | None) -> HttpResponse:
    """API Gateway's last touches: one Content-Type, gzip when the client accepts it and the API's
    minimum compression size is reached, Content-Length."""
    body = response.body if isinstance(response.body, bytes) else b""
    headers = [(k, v) for k, v in response.headers if k.lower() != "content-length"]
    if not any(k.lower() == "content-type" for k, _ in headers):
        headers.append(("Content-Type", "application/json"))
    minimum = compiled.api.get("minimumCompressionSize") if compiled is not None else None
    if (
        minimum is not None
        and len(body) >= int(minimum)
        and _accepts_gzip(request.headers.get("accept-encoding"))
        and not any(k.lower() == "content-encoding" for k, _ in headers)
    ):
        body = gzip.compress(body)
        headers.append(("Content-Encoding", "gzip"))
    headers.append(("Content-Length", str(len(body))))
    return HttpResponse(response.status, headers, body)


def _accepts_gzip(accept_encoding: str | None) -> bool:
    for part in (accept_encoding or "").split(","):
        coding, _, params = part.strip().partition(";")
        if coding.strip().lower() in ("gzip", "x-gzip"):
            quality = params.strip().removeprefix("q=")
            try:
                return not params or float(quality) > 0
            except ValueError:
                return True
    return False
