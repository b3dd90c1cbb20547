"""Stages of a REST API: which deployment each serves, stage variables, method settings (throttling,
caching, logging per `resource path/HTTP method` or `*/*`), canary and access-log settings.

Method settings are patched with paths `/{resource path, '/' as ~1}/{METHOD}/{group}/{setting}`, e.g.
`/*/*/throttling/rateLimit` or `/~1items/GET/caching/enabled`, and stored under keys `*/*` and
`items/GET` (the resource path without its leading slash), as AWS returns them."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from cloudlet.services.apigateway import patch, store, urls
from cloudlet.services.apigateway.errors import BadRequestException, ConflictException
from cloudlet.services.apigateway.store import Conn
from cloudlet.services.apigateway.v1.common import HTTP_METHODS, docs, get_api, get_in_api, gw_of, now, put

if TYPE_CHECKING:
    from cloudlet.gateway.context import RequestContext

STAGE_NOT_FOUND = "Invalid Stage identifier specified"
DEPLOYMENT_NOT_FOUND = "Invalid Deployment identifier specified"
CACHE_SIZES = ("0.5", "1.6", "6.1", "13.5", "28.4", "58.2", "118", "237")
_STAGE_NAME = re.compile(r"[a-zA-Z0-9_-]{1,128}")
_VARIABLE_NAME = re.compile(r"[A-Za-z0-9_]{1,64}")
_VARIABLE_VALUE = re.compile(r"[A-Za-z0-9\-._~:/?#&=,]{1,512}")
METHOD_SETTING_DEFAULTS: dict[str, Any] = {
    "metricsEnabled": False,
    "loggingLevel": "OFF",
    "dataTraceEnabled": False,
    "throttlingBurstLimit": 5000,
    "throttlingRateLimit": 10000.0,
    "cachingEnabled": False,
    "cacheTtlInSeconds": 300,
    "cacheDataEncrypted": False,
    "requireAuthorizationForCacheControl": True,
    "unauthorizedCacheControlHeaderStrategy": "SUCCEED_WITH_RESPONSE_HEADER",
}
_SETTINGS: dict[str, tuple[str, str]] = {
    "metrics/enabled": ("metricsEnabled", "bool"),
    "logging/loglevel": ("loggingLevel", "str"),
    "logging/dataTrace": ("dataTraceEnabled", "bool"),
    "throttling/burstLimit": ("throttlingBurstLimit", "int"),
    "throttling/rateLimit": ("throttlingRateLimit", "float"),
    "caching/enabled": ("cachingEnabled", "bool"),
    "caching/ttlInSeconds": ("cacheTtlInSeconds", "int"),
    "caching/dataEncrypted": ("cacheDataEncrypted", "bool"),
    "caching/requireAuthorizationForCacheControl": ("requireAuthorizationForCacheControl", "bool"),
    "caching/unauthorizedCacheControlHeaderStrategy": ("unauthorizedCacheControlHeaderStrategy", "str"),
}
_CHOICES = {
    "loggingLevel": ("OFF", "ERROR", "INFO"),
    "unauthorizedCacheControlHeaderStrategy": (
        "FAIL_WITH_403",
        "SUCCEED_WITH_RESPONSE_HEADER",
        "SUCCEED_WITHOUT_RESPONSE_HEADER",
    ),
}


def check_stage_name(name: str) -> None:
    if not _STAGE_NAME.fullmatch(name):
        raise BadRequestException("Stage name only allows a-zA-Z0-9_")


def check_variables(variables: dict[str, str] | None) -> None:
    for name, value in (variables or {}).items():
        if not _VARIABLE_NAME.fullmatch(name):
            raise BadRequestException(
                f"Stage variable name {name} does not match regular expression: [A-Za-z0-9_]{{1,64}}"
            )
        if not _VARIABLE_VALUE.fullmatch(value):
            raise BadRequestException(
                f"Stage variable value {value} does not match regular expression:"
                " [A-Za-z0-9-._~:/?#&=,]{1,512}"
            )


def get_deployment(conn: Conn, ctx: RequestContext, api_id: str, deployment_id: str) -> dict[str, Any]:
    return get_in_api(conn, ctx, "deployment", api_id, deployment_id, DEPLOYMENT_NOT_FOUND)


def get_stage_doc(conn: Conn, ctx: RequestContext, api_id: str, name: str) -> dict[str, Any]:
    return get_in_api(conn, ctx, "stage", api_id, name, STAGE_NOT_FOUND)


def new_stage(ctx: RequestContext, name: str, deployment_id: str, request: dict[str, Any]) -> dict[str, Any]:
    """A Stage document from CreateStage-like input (`description`, `variables`, cache, tracing ...)."""
    check_stage_name(name)
    check_variables(request.get("variables"))
    created = now(ctx)
    doc: dict[str, Any] = {
        "stageName": name,
        "deploymentId": deployment_id,
        "description": request.get("description"),
        "cacheClusterEnabled": bool(request.get("cacheClusterEnabled")),
        "cacheClusterStatus": "NOT_AVAILABLE",
        "methodSettings": {},
        "variables": request.get("variables") or None,
        "documentationVersion": request.get("documentationVersion"),
        "tracingEnabled": bool(request.get("tracingEnabled")),
        "tags": request.get("tags") or None,
        "createdDate": created,
        "lastUpdatedDate": created,
    }
    if doc["cacheClusterEnabled"]:
        doc["cacheClusterSize"] = request.get("cacheClusterSize") or "0.5"
        doc["cacheClusterStatus"] = "AVAILABLE"
    elif request.get("cacheClusterSize"):
        doc["cacheClusterSize"] = request["cacheClusterSize"]
    if doc.get("cacheClusterSize") and doc["cacheClusterSize"] not in CACHE_SIZES:
        raise BadRequestException(f"Invalid cache cluster size specified: {doc['cacheClusterSize']}")
    if request.get("canarySettings"):
        doc["canarySettings"] = dict(request["canarySettings"])
    return {k: v for k, v in doc.items() if v is not None}


def create_stage(ctx: RequestContext, request: dict[str, Any]) -> dict[str, Any]:
    gw = gw_of(ctx)
    api_id, name = request["restApiId"], request["stageName"]
    with gw.db.transaction() as tx:
        get_api(tx, ctx, api_id)
        get_deployment(tx, ctx, api_id, request["deploymentId"])
        doc = new_stage(ctx, name, request["deploymentId"], request)
        canary = doc.get("canarySettings")
        if canary and canary.get("deploymentId"):
            get_deployment(tx, ctx, api_id, canary["deploymentId"])
        if store.get(tx, ctx.account_id, ctx.region, "stage", api_id, name) is not None:
            raise ConflictException("Stage already exists")
        put(tx, ctx, "stage", api_id, name, doc)
        urls.announce(gw, tx, api_id, name)
        gw.invalidate(tx, api_id)
    return doc


def get_stage(ctx: RequestContext, request: dict[str, Any]) -> dict[str, Any]:
    with gw_of(ctx).db.read() as conn:
        return get_stage_doc(conn, ctx, request["restApiId"], request["stageName"])


def get_stages(ctx: RequestContext, request: dict[str, Any]) -> dict[str, Any]:
    api_id = request["restApiId"]
    with gw_of(ctx).db.read() as conn:
        get_api(conn, ctx, api_id)
        items = docs(conn, ctx, "stage", api_id)
    deployment_id = request.get("deploymentId")
    if deployment_id:
        items = [s for s in items if s.get("deploymentId") == deployment_id]
    return {"item": items}


def delete_stage(ctx: RequestContext, request: dict[str, Any]) -> dict[str, Any]:
    gw = gw_of(ctx)
    api_id, name = request["restApiId"], request["stageName"]
    with gw.db.transaction() as tx:
        get_stage_doc(tx, ctx, api_id, name)
        store.delete(tx, ctx.account_id, ctx.region, "stage", api_id, name)
        gw.invalidate(tx, api_id)
    _flush(ctx, "response_cache", api_id, name)
    _flush(ctx, "authorizer_cache", api_id, name)
    return {}


def _flush(ctx: RequestContext, owner: str, api_id: str, stage: str) -> None:
    cache = gw_of(ctx).runtime.get(owner)
    if isinstance(cache, dict):
        for key in [k for k in cache if isinstance(k, tuple) and k[:2] == (api_id, stage)]:
            cache.pop(key, None)


def flush_stage_cache(ctx: RequestContext, request: dict[str, Any]) -> dict[str, Any]:
    with gw_of(ctx).db.read() as conn:
        get_stage_doc(conn, ctx, request["restApiId"], request["stageName"])
    _flush(ctx, "response_cache", request["restApiId"], request["stageName"])
    return {}


def flush_stage_authorizers_cache(ctx: RequestContext, request: dict[str, Any]) -> dict[str, Any]:
    with gw_of(ctx).db.read() as conn:
        get_stage_doc(conn, ctx, request["restApiId"], request["stageName"])
    _flush(ctx, "authorizer_cache", request["restApiId"], request["stageName"])
    return {}


# -- UpdateStage ---------------------------------------------------------------------------------------


def _sub_object(member: str, fields: dict[str, str]) -> patch.Special:
    """Patch handler for a small structure member (`/accessLogSettings/format`)."""

    def apply(doc: dict[str, Any], op: str, rest: list[str], value: Any) -> None:
        if not rest:
            if op == "remove":
                doc.pop(member, None)
                return
            raise BadRequestException(f"Invalid patch path '/{member}' specified for op '{op}'.")
        inner = dict(doc.get(member) or {})
        patch.apply(
            inner,
            [
                {
                    "op": op,
                    "path": "/" + "/".join(r.replace("~", "~0").replace("/", "~1") for r in rest),
                    "value": value,
                }
            ],
            fields,
        )
        if inner:
            doc[member] = inner
        else:
            doc.pop(member, None)

    return apply


_STAGE_FIELDS: dict[str, Any] = {
    "description": "str",
    "deploymentId": "str",
    "variables": "map",
    "tracingEnabled": "bool",
    "cacheClusterEnabled": "bool",
    "cacheClusterSize": "str",
    "clientCertificateId": "str",
    "documentationVersion": "str",
    "webAclArn": "str",
    "accessLogSettings": _sub_object("accessLogSettings", {"destinationArn": "str", "format": "str"}),
    "canarySettings": _sub_object(
        "canarySettings",
        {
            "percentTraffic": "float",
            "deploymentId": "str",
            "stageVariableOverrides": "map",
            "useStageCache": "bool",
        },
    ),
}


def _method_setting(doc: dict[str, Any], operation: dict[str, Any]) -> None:
    path = operation.get("path") or ""
    op = operation.get("op")
    parts = patch.segments(path)
    if len(parts) < 2:
        raise BadRequestException(
            f"Invalid method setting path: {path}. Must be one of: [/deploymentId, ...]"
        )
    resource_path, http_method, setting = parts[0], parts[1], "/".join(parts[2:])
    if resource_path != "*" and not resource_path.startswith("/"):
        raise BadRequestException(f"Invalid method setting path: {path}")
    if http_method != "*" and http_method not in HTTP_METHODS:
        raise BadRequestException(f"Invalid method setting path: {path}")
    key = f"{resource_path.lstrip('/') if resource_path != '*' else '*'}/{http_method}"
    settings: dict[str, Any] = doc.setdefault("methodSettings", {})
    if not setting:
        if op != "remove":
            raise BadRequestException(f"Invalid method setting path: {path}")
        settings.pop(key, None)
        return
    if setting not in _SETTINGS:
        raise BadRequestException(
            f"Invalid method setting path: {path}. Must be one of: "
            f"[{', '.join('/{resource}/{method}/' + s for s in _SETTINGS)}]"
        )
    member, kind = _SETTINGS[setting]
    # a new method-level entry starts from the stage-wide (`*/*`) settings, else AWS's defaults
    entry = settings.setdefault(key, dict(settings.get("*/*") or METHOD_SETTING_DEFAULTS))
    if op == "remove":
        entry[member] = METHOD_SETTING_DEFAULTS[member]
        return
    if op not in ("add", "replace"):
        raise BadRequestException(f"Invalid patch operation specified. '{op}' is not supported on {path}")
    value = patch.scalar(kind, operation.get("value"), path)
    if value is None:
        raise BadRequestException(f"Invalid value for {path}")
    if member in _CHOICES and value not in _CHOICES[member]:
        raise BadRequestException(
            f"Invalid value '{value}' for {setting}. Valid values are {', '.join(_CHOICES[member])}"
        )
    if member == "cacheTtlInSeconds" and not 0 <= value <= 3600:
        raise BadRequestException("Cache TTL must be between 0 and 3600 seconds")
    if member in ("throttlingBurstLimit", "throttlingRateLimit") and value < 0:
        raise BadRequestException(f"Invalid value for {setting}: must be non-negative")
    entry[member] = value


def update_stage(ctx: RequestContext, request: dict[str, Any]) -> dict[str, Any]:
    gw = gw_of(ctx)
    api_id, name = request["restApiId"], request["stageName"]
    with gw.db.transaction() as tx:
        doc = get_stage_doc(tx, ctx, api_id, name)
        for operation in request.get("patchOperations") or []:
            first = patch.segments(operation.get("path") or "/")[0]
            if first in _STAGE_FIELDS:
                patch.apply(doc, [operation], _STAGE_FIELDS)
            else:
                _method_setting(doc, operation)
        if not doc.get("deploymentId"):
            raise BadRequestException("Deployment id must be specified")
        get_deployment(tx, ctx, api_id, doc["deploymentId"])
        canary = doc.get("canarySettings") or {}
        if canary.get("deploymentId"):
            get_deployment(tx, ctx, api_id, canary["deploymentId"])
        check_variables(doc.get("variables"))
        doc["cacheClusterEnabled"] = bool(doc.get("cacheClusterEnabled"))
        doc["tracingEnabled"] = bool(doc.get("tracingEnabled"))
        if doc["cacheClusterEnabled"]:
            doc.setdefault("cacheClusterSize", "0.5")
            doc["cacheClusterStatus"] = "AVAILABLE"
        else:
            doc["cacheClusterStatus"] = "NOT_AVAILABLE"
        if doc.get("cacheClusterSize") and doc["cacheClusterSize"] not in CACHE_SIZES:
            raise BadRequestException(f"Invalid cache cluster size specified: {doc['cacheClusterSize']}")
        doc.setdefault("methodSettings", {})
        doc["lastUpdatedDate"] = now(ctx)
        put(tx, ctx, "stage", api_id, name, doc)
        gw.invalidate(tx, api_id)
    return doc


__all__ = [
    "create_stage",
    "delete_stage",
    "flush_stage_authorizers_cache",
    "flush_stage_cache",
    "get_stage",
    "get_stages",
    "update_stage",
]
