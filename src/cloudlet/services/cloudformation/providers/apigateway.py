"""API Gateway REST API (v1) providers: RestApi (from properties or an OpenAPI `Body`, as SAM's
`AWS::Serverless::Api` and implicit `Api` events generate it), Resource, Method (with its integration and
responses), Deployment and Stage. Authorizers, keys, usage plans, models, validators, gateway responses
and the account settings are in `apigateway_access`; this module lists them all in `PROVIDERS`.

Every resource is made through the `apigateway` operations (`cx.call`); updates use the operations'
patch operations, or a new resource where AWS replaces it."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from cloudlet.protocol.errors import ServiceError
from cloudlet.services.cloudformation.providers.apigateway_access import PROVIDERS as ACCESS
from cloudlet.services.cloudformation.providers.apigateway_util import (
    arn,
    call,
    camel,
    escape,
    generated_id,
    openapi_body,
    retag,
    scalar_ops,
    set_ops,
    tag_map,
    text,
    tolerate_gone,
)
from cloudlet.services.cloudformation.providers.base import (
    Context,
    Created,
    NeedsReplacement,
    Provider,
    Resource,
)

V1 = "apigateway"

# -- RestApi --------------------------------------------------------------------------------------------

_API_SCALARS = {  # property → (API member, value when the property is dropped; None: remove)
    "Name": ("name", None),
    "Description": ("description", None),
    "ApiKeySourceType": ("apiKeySource", "HEADER"),
    "MinimumCompressionSize": ("minimumCompressionSize", None),
    "Policy": ("policy", None),
    "DisableExecuteApiEndpoint": ("disableExecuteApiEndpoint", False),
}


def _policy(value: Any) -> Any:
    return text(value) if isinstance(value, dict | list) else value


def _number(value: Any) -> Any:
    """A number given as text (to compare with the API's document)."""
    try:
        return int(value)
    except (TypeError, ValueError):
        return value


def _endpoint(config: dict[str, Any] | None) -> dict[str, Any] | None:
    if not config:
        return None
    return camel(config, ("Types", "VpcEndpointIds", "IpAddressType"))


def _api_ops(actual: dict[str, Any], new: dict[str, Any], old: dict[str, Any]) -> list[dict[str, str]]:
    """Patch operations bringing the API's document `actual` to the template's top-level properties."""
    ops: list[dict[str, str]] = []
    for prop, (member, reset) in _API_SCALARS.items():
        if prop in new:
            want = new[prop]
            want = _policy(want) if prop == "Policy" else want
            want = _number(want) if prop == "MinimumCompressionSize" else want
        elif prop in old:
            want = reset
        else:
            continue
        if prop == "DisableExecuteApiEndpoint":
            want = want in (True, "true", "True")
        if actual.get(member) == want:
            continue
        if want is None:
            ops.append({"op": "remove", "path": f"/{member}"})
        else:
            ops.append({"op": "replace", "path": f"/{member}", "value": text(want)})
    if "BinaryMediaTypes" in new or "BinaryMediaTypes" in old:
        ops += set_ops("/binaryMediaTypes", actual.get("binaryMediaTypes"), new.get("BinaryMediaTypes"))
    config = new.get("EndpointConfiguration")
    if config:
        have = actual.get("endpointConfiguration") or {}
        types, old_types = config.get("Types") or [], have.get("types") or ["EDGE"]
        if types and types[:1] != old_types[:1]:
            ops.append(
                {"op": "replace", "path": f"/endpointConfiguration/types/{old_types[0]}", "value": types[0]}
            )
        if "VpcEndpointIds" in config:
            ids_before, ids_after = have.get("vpcEndpointIds") or [], config["VpcEndpointIds"] or []
            ops += [
                {"op": "remove", "path": "/endpointConfiguration/vpcEndpointIds", "value": i}
                for i in ids_before
                if i not in ids_after
            ]
            ops += [
                {"op": "add", "path": "/endpointConfiguration/vpcEndpointIds", "value": i}
                for i in ids_after
                if i not in ids_before
            ]
        if config.get("IpAddressType") and config["IpAddressType"] != have.get("ipAddressType"):
            ops.append(
                {
                    "op": "replace",
                    "path": "/endpointConfiguration/ipAddressType",
                    "value": config["IpAddressType"],
                }
            )
    return ops


def _import_params(props: dict[str, Any], body: str) -> dict[str, Any]:
    params: dict[str, Any] = {"body": body.encode()}
    if props.get("Parameters"):
        params["parameters"] = {str(k): text(v) for k, v in props["Parameters"].items()}
    if props.get("FailOnWarnings") is not None:
        params["failOnWarnings"] = props["FailOnWarnings"] in (True, "true", "True")
    return params


def _api_created(doc: dict[str, Any]) -> Created:
    return Created(doc["id"], {"RestApiId": doc["id"], "RootResourceId": doc.get("rootResourceId")})


async def _rest_api_create(cx: Context, r: Resource) -> Created:
    p = r.properties
    body = await openapi_body(cx, p, r.logical_id)
    if body is None:
        params: dict[str, Any] = {
            "name": p.get("Name") or "",
            **camel(p, ("Description", "BinaryMediaTypes", "CloneFrom", "DisableExecuteApiEndpoint")),
        }
        if p.get("ApiKeySourceType"):
            params["apiKeySource"] = p["ApiKeySourceType"]
        if p.get("MinimumCompressionSize") is not None:
            params["minimumCompressionSize"] = p["MinimumCompressionSize"]
        if p.get("Policy") is not None:
            params["policy"] = _policy(p["Policy"])
        if _endpoint(p.get("EndpointConfiguration")):
            params["endpointConfiguration"] = _endpoint(p["EndpointConfiguration"])
        if p.get("Tags"):
            params["tags"] = tag_map(p["Tags"])
        return _api_created(await call(cx, V1, "CreateRestApi", params))
    doc = await call(cx, V1, "ImportRestApi", _import_params(p, body))
    try:
        ops = _api_ops(doc, p, {})
        if ops:
            doc = await call(cx, V1, "UpdateRestApi", {"restApiId": doc["id"], "patchOperations": ops})
        await retag(cx, V1, arn(cx, f"/restapis/{doc['id']}"), None, p.get("Tags"))
    except ServiceError:
        await tolerate_gone(call(cx, V1, "DeleteRestApi", {"restApiId": doc["id"]}))
        raise
    return _api_created(doc)


async def _rest_api_update(cx: Context, r: Resource) -> Created:
    p, old = r.properties, r.old_properties or {}
    api_id = r.physical_id
    assert api_id is not None
    body_changed = any(p.get(k) != old.get(k) for k in ("Body", "BodyS3Location", "Parameters"))
    body = await openapi_body(cx, p, r.logical_id) if body_changed else None
    if body is not None:
        params = {"restApiId": api_id, "mode": p.get("Mode") or "overwrite", **_import_params(p, body)}
        await call(cx, V1, "PutRestApi", params)
    doc = await call(cx, V1, "GetRestApi", {"restApiId": api_id})
    ops = _api_ops(doc, p, old)
    if ops:
        doc = await call(cx, V1, "UpdateRestApi", {"restApiId": api_id, "patchOperations": ops})
    await retag(cx, V1, arn(cx, f"/restapis/{api_id}"), old.get("Tags"), p.get("Tags"))
    return _api_created(doc)


async def _rest_api_delete(cx: Context, r: Resource) -> None:
    if r.physical_id:
        await tolerate_gone(call(cx, V1, "DeleteRestApi", {"restApiId": r.physical_id}))


# -- Resource -------------------------------------------------------------------------------------------


async def _resource_create(cx: Context, r: Resource) -> Created:
    p = r.properties
    out = await call(
        cx,
        V1,
        "CreateResource",
        {"restApiId": p.get("RestApiId"), "parentId": p.get("ParentId"), "pathPart": p.get("PathPart")},
    )
    return Created(out["id"], {"ResourceId": out["id"]})


async def _resource_delete(cx: Context, r: Resource) -> None:
    if r.physical_id:
        params = {"restApiId": r.properties.get("RestApiId"), "resourceId": r.physical_id}
        await tolerate_gone(call(cx, V1, "DeleteResource", params))


# -- Method ---------------------------------------------------------------------------------------------

_INTEGRATION_KEYS = (
    "CacheKeyParameters",
    "CacheNamespace",
    "ConnectionId",
    "ConnectionType",
    "ContentHandling",
    "Credentials",
    "IntegrationHttpMethod",
    "IntegrationTarget",
    "PassthroughBehavior",
    "RequestParameters",
    "RequestTemplates",
    "ResponseTransferMode",
    "TimeoutInMillis",
    "Type",
    "Uri",
)


def _flag(value: Any) -> bool:
    return value in (True, "true", "True")


async def _method_put(cx: Context, r: Resource) -> None:
    p = r.properties
    where = {
        "restApiId": p.get("RestApiId"),
        "resourceId": p.get("ResourceId"),
        "httpMethod": p.get("HttpMethod"),
    }
    method: dict[str, Any] = {
        **where,
        "authorizationType": p.get("AuthorizationType") or "NONE",
        **camel(
            p, ("AuthorizerId", "OperationName", "RequestModels", "RequestValidatorId", "AuthorizationScopes")
        ),
    }
    if p.get("ApiKeyRequired") is not None:
        method["apiKeyRequired"] = _flag(p["ApiKeyRequired"])
    if p.get("RequestParameters"):
        method["requestParameters"] = {k: _flag(v) for k, v in p["RequestParameters"].items()}
    await call(cx, V1, "PutMethod", method)
    for response in p.get("MethodResponses") or []:
        params = {**where, "statusCode": str(response.get("StatusCode"))}
        params.update(camel(response, ("ResponseModels",)))
        if response.get("ResponseParameters"):
            params["responseParameters"] = {k: _flag(v) for k, v in response["ResponseParameters"].items()}
        await call(cx, V1, "PutMethodResponse", params)
    integration = p.get("Integration")
    if integration:
        params = {**where, **camel(integration, _INTEGRATION_KEYS)}
        await call(cx, V1, "PutIntegration", params)
        for response in integration.get("IntegrationResponses") or []:
            params = {**where, "statusCode": str(response.get("StatusCode"))}
            params.update(
                camel(
                    response,
                    ("SelectionPattern", "ResponseParameters", "ResponseTemplates", "ContentHandling"),
                )
            )
            await call(cx, V1, "PutIntegrationResponse", params)


async def _method_create(cx: Context, r: Resource) -> Created:
    try:
        await _method_put(cx, r)
    except ServiceError:
        await _method_delete(cx, r)
        raise
    return Created(generated_id(r))


async def _method_update(cx: Context, r: Resource) -> Created:
    """A method is put again as a whole (its responses and integration with it)."""
    await _method_delete(cx, r)
    await _method_put(cx, r)
    return Created(r.physical_id or generated_id(r))


async def _method_delete(cx: Context, r: Resource) -> None:
    p = r.properties
    params = {
        "restApiId": p.get("RestApiId"),
        "resourceId": p.get("ResourceId"),
        "httpMethod": p.get("HttpMethod"),
    }
    await tolerate_gone(call(cx, V1, "DeleteMethod", params))


# -- Stage settings (Stage, and Deployment's StageDescription) ------------------------------------------

_METHOD_SETTINGS = {
    "CacheDataEncrypted": "caching/dataEncrypted",
    "CacheTtlInSeconds": "caching/ttlInSeconds",
    "CachingEnabled": "caching/enabled",
    "DataTraceEnabled": "logging/dataTrace",
    "LoggingLevel": "logging/loglevel",
    "MetricsEnabled": "metrics/enabled",
    "ThrottlingBurstLimit": "throttling/burstLimit",
    "ThrottlingRateLimit": "throttling/rateLimit",
}
_STAGE_SCALARS = {
    "DeploymentId": "/deploymentId",
    "Description": "/description",
    "TracingEnabled": "/tracingEnabled",
    "CacheClusterEnabled": "/cacheClusterEnabled",
    "CacheClusterSize": "/cacheClusterSize",
    "ClientCertificateId": "/clientCertificateId",
    "DocumentationVersion": "/documentationVersion",
}


def _setting_prefix(setting: dict[str, Any]) -> str:
    """`/*/*`, `/~1items/GET`: CloudFormation's ResourcePath is already escaped (`/~1items`)."""
    path = str(setting.get("ResourcePath") or "/*")
    path = "/~1" if path == "/" else path if path.startswith("/") else "/" + path
    return f"{path}/{setting.get('HttpMethod') or '*'}"


def _method_setting_ops(before: list[dict[str, Any]], after: list[dict[str, Any]]) -> list[dict[str, str]]:
    old = {_setting_prefix(s): s for s in before or []}
    new = {_setting_prefix(s): s for s in after or []}
    ops = [{"op": "remove", "path": prefix} for prefix in old if prefix not in new]
    for prefix, setting in new.items():
        paths = {prop: f"{prefix}/{path}" for prop, path in _METHOD_SETTINGS.items()}
        ops += scalar_ops(old.get(prefix, {}), setting, paths)
    return ops


def _stage_ops(old: dict[str, Any], new: dict[str, Any]) -> list[dict[str, str]]:
    """Patch operations turning stage properties `old` into `new` (AWS::ApiGateway::Stage names)."""
    ops = scalar_ops(old, new, _STAGE_SCALARS, {"TracingEnabled": False, "CacheClusterEnabled": False})
    before, after = old.get("Variables") or {}, new.get("Variables") or {}
    ops += [{"op": "remove", "path": f"/variables/{escape(k)}"} for k in before if k not in after]
    ops += [
        {"op": "replace", "path": f"/variables/{escape(k)}", "value": text(v)}
        for k, v in after.items()
        if before.get(k) != v
    ]
    for prop, member, fields in (
        ("AccessLogSetting", "accessLogSettings", ("DestinationArn", "Format")),
        ("CanarySetting", "canarySettings", ("DeploymentId", "PercentTraffic", "UseStageCache")),
    ):
        was, now = old.get(prop), new.get(prop)
        if was and not now:
            ops.append({"op": "remove", "path": f"/{member}"})
        elif now and now != was:
            paths = {f: f"/{member}/{f[:1].lower() + f[1:]}" for f in fields}
            ops += scalar_ops(was or {}, now, paths)
            overrides, previous = (
                now.get("StageVariableOverrides") or {},
                (was or {}).get("StageVariableOverrides") or {},
            )
            ops += [
                {"op": "remove", "path": f"/{member}/stageVariableOverrides/{escape(k)}"}
                for k in previous
                if k not in overrides
            ]
            ops += [
                {"op": "replace", "path": f"/{member}/stageVariableOverrides/{escape(k)}", "value": text(v)}
                for k, v in overrides.items()
                if previous.get(k) != v
            ]
    ops += _method_setting_ops(old.get("MethodSettings") or [], new.get("MethodSettings") or [])
    return ops


def _canary(setting: dict[str, Any] | None) -> dict[str, Any] | None:
    if not setting:
        return None
    out = camel(setting, ("DeploymentId", "PercentTraffic", "StageVariableOverrides", "UseStageCache"))
    return out


_CREATE_STAGE_KEYS = ("Description", "CacheClusterEnabled", "CacheClusterSize", "TracingEnabled", "Variables")


async def _make_stage(cx: Context, api_id: str, name: str, deployment_id: str, p: dict[str, Any]) -> None:
    """CreateStage with what it takes, then UpdateStage for the rest (method settings, access logs...)."""
    params: dict[str, Any] = {
        "restApiId": api_id,
        "stageName": name,
        "deploymentId": deployment_id,
        **camel(p, (*_CREATE_STAGE_KEYS, "DocumentationVersion")),
    }
    for key in ("cacheClusterEnabled", "tracingEnabled"):
        if key in params:
            params[key] = _flag(params[key])
    if _canary(p.get("CanarySetting")):
        params["canarySettings"] = _canary(p["CanarySetting"])
    if p.get("Tags"):
        params["tags"] = tag_map(p["Tags"])
    await call(cx, V1, "CreateStage", params)
    done = {k: p[k] for k in (*_CREATE_STAGE_KEYS, "DocumentationVersion", "CanarySetting") if k in p}
    ops = _stage_ops({**done, "DeploymentId": p.get("DeploymentId")}, p)
    if ops:
        try:
            await call(
                cx, V1, "UpdateStage", {"restApiId": api_id, "stageName": name, "patchOperations": ops}
            )
        except ServiceError:  # nothing half-made is left
            await tolerate_gone(call(cx, V1, "DeleteStage", {"restApiId": api_id, "stageName": name}))
            raise


# -- Deployment -----------------------------------------------------------------------------------------

_STAGE_WIDE = tuple(_METHOD_SETTINGS)


def _description_as_stage(description: dict[str, Any]) -> dict[str, Any]:
    """A Deployment's StageDescription as Stage properties (its method-setting fields apply to `/*/*`)."""
    stage = {k: v for k, v in description.items() if k not in _STAGE_WIDE}
    wide = {k: description[k] for k in _STAGE_WIDE if k in description}
    if wide:
        settings = [s for s in stage.get("MethodSettings") or [] if _setting_prefix(s) != "/*/*"]
        stage["MethodSettings"] = [{"ResourcePath": "/*", "HttpMethod": "*", **wide}, *settings]
    return stage


async def _deployment_create(cx: Context, r: Resource) -> Created:
    p = r.properties
    api_id = p.get("RestApiId")
    params: dict[str, Any] = {"restApiId": api_id, **camel(p, ("Description",))}
    if _canary(p.get("DeploymentCanarySettings")):
        params["canarySettings"] = _canary(p["DeploymentCanarySettings"])
    stage_name = p.get("StageName")
    stage = _description_as_stage(p.get("StageDescription") or {})
    if stage_name:
        params["stageName"] = stage_name
        if stage.get("Description") is not None:
            params["stageDescription"] = stage["Description"]
        params.update(
            camel(stage, ("CacheClusterEnabled", "CacheClusterSize", "Variables", "TracingEnabled"))
        )
        for key in ("cacheClusterEnabled", "tracingEnabled"):
            if key in params:
                params[key] = _flag(params[key])
    out = await call(cx, V1, "CreateDeployment", params)
    deployment_id = out["id"]
    if stage_name:
        done = {k: stage[k] for k in _CREATE_STAGE_KEYS if k in stage}
        ops = _stage_ops(done, {k: v for k, v in stage.items() if k != "Tags"})
        try:
            if ops:
                params = {"restApiId": api_id, "stageName": stage_name, "patchOperations": ops}
                await call(cx, V1, "UpdateStage", params)
            await retag(cx, V1, arn(cx, f"/restapis/{api_id}/stages/{stage_name}"), None, stage.get("Tags"))
        except ServiceError:  # nothing half-made is left: the stage and the deployment go again
            await _deployment_delete(cx, replace(r, physical_id=deployment_id))
            raise
    return Created(deployment_id, {"DeploymentId": deployment_id})


async def _deployment_update(cx: Context, r: Resource) -> Created:
    p, old = r.properties, r.old_properties or {}
    if any(p.get(k) != old.get(k) for k in ("StageName", "StageDescription")):
        raise NeedsReplacement()
    deployment_id = r.physical_id
    assert deployment_id is not None
    ops = scalar_ops(old, p, {"Description": "/description"})
    if ops:
        params = {"restApiId": p.get("RestApiId"), "deploymentId": deployment_id, "patchOperations": ops}
        await call(cx, V1, "UpdateDeployment", params)
    return Created(deployment_id, {"DeploymentId": deployment_id})


async def _deployment_delete(cx: Context, r: Resource) -> None:
    """The stage the deployment created (`StageName`) goes with it while it still serves this deployment."""
    if not r.physical_id:
        return
    api_id, stage_name = r.properties.get("RestApiId"), r.properties.get("StageName")
    params = {"restApiId": api_id, "deploymentId": r.physical_id}
    try:
        await tolerate_gone(call(cx, V1, "DeleteDeployment", params))
        return
    except ServiceError as exc:
        if exc.code != "BadRequestException" or not stage_name:
            raise
    stages = await call(cx, V1, "GetStages", {"restApiId": api_id, "deploymentId": r.physical_id})
    if any(s.get("stageName") == stage_name for s in stages.get("item") or []):
        await tolerate_gone(call(cx, V1, "DeleteStage", {"restApiId": api_id, "stageName": stage_name}))
    await tolerate_gone(call(cx, V1, "DeleteDeployment", params))


# -- Stage ----------------------------------------------------------------------------------------------


async def _stage_create(cx: Context, r: Resource) -> Created:
    p = r.properties
    name = p.get("StageName") or cx.physical_name(r, 128)
    await _make_stage(cx, p.get("RestApiId"), name, p.get("DeploymentId"), p)
    return Created(name)


async def _stage_update(cx: Context, r: Resource) -> Created:
    p, old = r.properties, r.old_properties or {}
    api_id, name = p.get("RestApiId"), r.physical_id
    ops = _stage_ops(old, p)
    if ops:
        await call(cx, V1, "UpdateStage", {"restApiId": api_id, "stageName": name, "patchOperations": ops})
    await retag(cx, V1, arn(cx, f"/restapis/{api_id}/stages/{name}"), old.get("Tags"), p.get("Tags"))
    return Created(name or "")


async def _stage_delete(cx: Context, r: Resource) -> None:
    if r.physical_id:
        params = {"restApiId": r.properties.get("RestApiId"), "stageName": r.physical_id}
        await tolerate_gone(call(cx, V1, "DeleteStage", params))


PROVIDERS: tuple[Provider, ...] = (
    Provider(
        "AWS::ApiGateway::RestApi",
        _rest_api_create,
        _rest_api_delete,
        _rest_api_update,
        properties=frozenset(
            {
                *_API_SCALARS,
                "BinaryMediaTypes",
                "Body",
                "BodyS3Location",
                "CloneFrom",
                "EndpointConfiguration",
            }
            | {"FailOnWarnings", "Mode", "Parameters", "Tags"}
        ),
        replace_on=frozenset({"CloneFrom"}),
        attributes=frozenset({"RestApiId", "RootResourceId"}),
    ),
    Provider(
        "AWS::ApiGateway::Resource",
        _resource_create,
        _resource_delete,
        None,
        properties=frozenset({"ParentId", "PathPart", "RestApiId"}),
        replace_on=frozenset({"ParentId", "PathPart", "RestApiId"}),
        attributes=frozenset({"ResourceId"}),
    ),
    Provider(
        "AWS::ApiGateway::Method",
        _method_create,
        _method_delete,
        _method_update,
        properties=frozenset(
            {
                "ApiKeyRequired",
                "AuthorizationScopes",
                "AuthorizationType",
                "AuthorizerId",
                "HttpMethod",
                "Integration",
                "MethodResponses",
                "OperationName",
                "RequestModels",
                "RequestParameters",
                "RequestValidatorId",
                "ResourceId",
                "RestApiId",
            }
        ),
        replace_on=frozenset({"RestApiId", "ResourceId", "HttpMethod"}),
    ),
    Provider(
        "AWS::ApiGateway::Deployment",
        _deployment_create,
        _deployment_delete,
        _deployment_update,
        properties=frozenset(
            {"DeploymentCanarySettings", "Description", "RestApiId", "StageDescription", "StageName"}
        ),
        replace_on=frozenset({"DeploymentCanarySettings", "RestApiId"}),
        attributes=frozenset({"DeploymentId"}),
    ),
    Provider(
        "AWS::ApiGateway::Stage",
        _stage_create,
        _stage_delete,
        _stage_update,
        properties=frozenset(
            {*_STAGE_SCALARS, "AccessLogSetting", "CanarySetting", "MethodSettings", "RestApiId", "StageName"}
            | {"Tags", "Variables"}
        ),
        replace_on=frozenset({"RestApiId", "StageName"}),
    ),
    *ACCESS,
)
