"""Invoke URLs of HTTP APIs: stage, route, throttling, authorization, integration, CORS.

Stage: the first path segment when it names a stage, else the `$default` stage (the whole path is
the route path), else 404. A stage serves the snapshot of its deployment, compiled once (routes,
integrations, authorizers, CORS, limits) and cached until the control plane changes the API's stages
or deployments. Every answer carries `apigw-requestid` and `date`; API Gateway's own answers are
`{"message": ...}` JSON (404 Not Found, 401 Unauthorized, 403 Forbidden, 429 Too Many Requests,
500 Internal Server Error, 503 Service Unavailable).
"""

from __future__ import annotations

import base64
import json
import logging
import os
from dataclasses import dataclass, field
from email.utils import formatdate
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

from cloudlet.protocol.http import HttpRequest, HttpResponse
from cloudlet.services.apigateway import store
from cloudlet.services.apigateway.serve import http_auth, http_cors, http_integrations, http_throttle
from cloudlet.services.apigateway.serve.http_event import (
    FORBIDDEN,
    INTERNAL,
    NOT_FOUND,
    THROTTLED,
    Call,
    Refusal,
)
from cloudlet.services.apigateway.serve.http_routing import Router, compile_routes

if TYPE_CHECKING:
    from cloudlet.services.apigateway.engine import ApiGateway

log = logging.getLogger("cloudlet.apigateway")

_STAGES = ""
"""Cache slot (stage name no stage can have) holding the API's stage names."""


@dataclass(slots=True)
class Deployed:
    """What one stage serves, compiled from its deployment's snapshot."""

    stage: dict[str, Any]
    router: Router
    integrations: dict[str, dict[str, Any]]
    authorizers: dict[str, dict[str, Any]]
    cors: dict[str, Any] | None
    variables: dict[str, str] = field(default_factory=dict)


def _request_id() -> str:
    """AWS's `apigw-requestid` form: 16 characters, base64 of 12 random bytes minus the padding."""
    return base64.b64encode(os.urandom(12)).decode()[:15] + "="


def refusal(
    request_id: str, now: float, status: int, message: str, headers: list[tuple[str, str]]
) -> HttpResponse:
    body = json.dumps({"message": message}).encode()
    return HttpResponse(
        status,
        [
            ("date", formatdate(now, usegmt=True)),
            ("content-type", "application/json"),
            ("apigw-requestid", request_id),
            *headers,
        ],
        body,
    )


async def serve(
    gw: ApiGateway, request: HttpRequest, account: str, region: str, api_doc: dict[str, Any], raw_path: str
) -> HttpResponse:
    """Answer one request to HTTP API `api_doc`; `raw_path` is `/<stage>/<path>` or, for the
    `$default` stage, `/<path>` (percent-encoded as sent)."""
    request_id = _request_id()
    now = gw.clock.now()
    cors: dict[str, Any] | None = None
    try:
        if api_doc.get("disableExecuteApiEndpoint"):
            raise Refusal(*FORBIDDEN)
        if api_doc.get("protocolType") != "HTTP":
            raise Refusal(*NOT_FOUND)
        api_id = api_doc["apiId"]
        found = _stage_of(gw, account, region, api_id, raw_path or "/")
        if found is None:
            raise Refusal(*NOT_FOUND)
        stage_name, path = found
        deployed = _deployed(gw, account, region, api_id, stage_name)
        if deployed is None:
            raise Refusal(*NOT_FOUND)
        cors = deployed.cors
        if cors is not None and http_cors.is_preflight(request):
            headers = [("date", formatdate(now, usegmt=True)), ("apigw-requestid", request_id)]
            return HttpResponse(204, headers + http_cors.preflight_headers(cors, request), b"")
        call = Call(
            request=request,
            account=account,
            region=region,
            api_id=api_id,
            stage=stage_name,
            raw_path=raw_path or "/",
            route_key="",
            request_id=request_id,
            now=now,
            domain_name=_domain_name(request, api_id),
            stage_variables=deployed.variables,
        )
        response = await _route(gw, call, path, deployed)
    except Refusal as refused:
        response = refusal(request_id, now, refused.status, refused.message, refused.headers)
    except Exception:
        log.exception("HTTP API request failed (request id %s)", request_id)
        response = refusal(request_id, now, *INTERNAL, [])
    if cors is not None:
        response.headers = http_cors.replace(
            response.headers, http_cors.response_headers(cors, request.headers.get("origin"))
        )
    return response


async def _route(gw: ApiGateway, call: Call, path: str, deployed: Deployed) -> HttpResponse:
    matched = deployed.router.match(call.request.method, path)
    if matched is None:
        raise Refusal(*NOT_FOUND)
    route, call.path_params = matched
    call.route_key = route.route_key
    limits = http_throttle.limits(deployed.stage, route.route_key)
    if limits is not None and not http_throttle.admit(
        gw, (call.api_id, call.stage, route.route_key), *limits
    ):
        raise Refusal(*THROTTLED)
    await http_auth.authorize(gw, call, route, deployed.authorizers)
    target = route.doc.get("target") or ""
    integration = deployed.integrations.get(target.removeprefix("integrations/"))
    if integration is None:
        raise Refusal(*NOT_FOUND)
    status, headers, body = await http_integrations.run(gw, call, route, integration)
    present = {name.lower() for name, _ in headers}
    extra = [("apigw-requestid", call.request_id)]
    if "date" not in present:
        extra.insert(0, ("date", formatdate(call.now, usegmt=True)))
    return HttpResponse(status, [*headers, *extra], body)


def _domain_name(request: HttpRequest, api_id: str) -> str:
    host = request.host
    if host.startswith(f"{api_id}.execute-api."):
        return host
    return f"{api_id}.execute-api.localhost.localstack.cloud"


# -- stages and deployments ---------------------------------------------------------------------------


def _stage_of(
    gw: ApiGateway, account: str, region: str, api_id: str, raw_path: str
) -> tuple[str, str] | None:
    """(stage name, route path) of `raw_path`, or None when no stage serves it."""
    names: frozenset[str] | None = gw.compiled(api_id, _STAGES)
    if names is None:
        with gw.db.read() as conn:
            names = frozenset(name for name, _ in store.list_docs(conn, account, region, "stage2", api_id))
        gw.remember(api_id, _STAGES, names)
    first, _, rest = raw_path[1:].partition("/")
    first = unquote(first)
    if first and first != "$default" and first in names:
        return first, "/" + rest
    if "$default" in names:
        return "$default", raw_path
    return None


def _deployed(gw: ApiGateway, account: str, region: str, api_id: str, stage_name: str) -> Deployed | None:
    deployed: Deployed | None = gw.compiled(api_id, stage_name)
    if deployed is not None:
        return deployed
    with gw.db.read() as conn:
        stage = store.get(conn, account, region, "stage2", api_id, stage_name)
        deployment_id = (stage or {}).get("deploymentId")
        snapshot = (
            store.get(conn, account, region, "snapshot2", api_id, deployment_id) if deployment_id else None
        )
    if stage is None or snapshot is None:
        return None
    api = snapshot.get("api") or {}
    deployed = Deployed(
        stage=stage,
        router=compile_routes(snapshot.get("routes") or []),
        integrations=snapshot.get("integrations") or {},
        authorizers=snapshot.get("authorizers") or {},
        cors=api.get("corsConfiguration") or None,
        variables=dict(stage.get("stageVariables") or {}),
    )
    gw.remember(api_id, stage_name, deployed)
    return deployed
