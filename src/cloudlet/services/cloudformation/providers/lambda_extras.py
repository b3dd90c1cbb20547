"""AWS::Lambda::EventSourceMapping, ::EventInvokeConfig, ::Url, ::LayerVersion and
::LayerVersionPermission through Lambda's own operations.

An event source mapping's `Ref` is its UUID (`Fn::GetAtt Id`, `EventSourceMappingArn`); a function URL's
`Ref` is the function's ARN (`Fn::GetAtt FunctionUrl`, `FunctionArn`); a layer version's `Ref` is its
ARN (`Fn::GetAtt LayerVersionArn`).
"""

from __future__ import annotations

import json
from typing import Any

from cloudlet.services.cloudformation.providers import coerce
from cloudlet.services.cloudformation.providers.base import Context, Created, Provider, Resource
from cloudlet.services.cloudformation.providers.lambda_ import call, code_source, delete_quietly

# --- event source mappings --------------------------------------------------------------------------

_ESM_MUTABLE = (
    "BatchSize",
    "BisectBatchOnFunctionError",
    "DestinationConfig",
    "Enabled",
    "FilterCriteria",
    "FunctionName",
    "FunctionResponseTypes",
    "MaximumBatchingWindowInSeconds",
    "MaximumRecordAgeInSeconds",
    "MaximumRetryAttempts",
    "ParallelizationFactor",
    "ScalingConfig",
    "TumblingWindowInSeconds",
)
_ESM_CREATE_ONLY = ("EventSourceArn", "StartingPosition", "StartingPositionTimestamp")
# What a removed property returns to on update (Lambda's defaults).
_ESM_RESET: dict[str, Any] = {
    "Enabled": True,
    "FilterCriteria": {},
    "FunctionResponseTypes": [],
    "MaximumBatchingWindowInSeconds": 0,
    "DestinationConfig": {"OnFailure": {}},
    "ScalingConfig": {},
    "BisectBatchOnFunctionError": False,
    "MaximumRecordAgeInSeconds": -1,
    "MaximumRetryAttempts": -1,
    "ParallelizationFactor": 1,
    "TumblingWindowInSeconds": 0,
}


def _esm_value(resource: Resource, prop: str) -> Any:
    value = resource.properties.get(prop)
    if prop == "FilterCriteria" and isinstance(value, dict):
        filters = []
        for item in value.get("Filters") or []:
            pattern = item.get("Pattern") if isinstance(item, dict) else None
            if isinstance(pattern, (dict, list)):
                pattern = json.dumps(pattern, separators=(",", ":"))
            filters.append({"Pattern": pattern} if pattern is not None else {})
        return {"Filters": filters}
    return value


async def create_mapping(cx: Context, resource: Resource) -> Created:
    coerce.require(resource, "FunctionName")
    params: dict[str, Any] = {}
    for prop in (*_ESM_MUTABLE, *_ESM_CREATE_ONLY):
        if resource.properties.get(prop) is not None:
            params[prop] = _esm_value(resource, prop)
    tags = coerce.tags(resource)
    if tags:
        params["Tags"] = tags
    out = await call(cx, "CreateEventSourceMapping", params)
    return _mapping_created(out)


def _mapping_created(out: dict[str, Any]) -> Created:
    uuid = out["UUID"]
    return Created(uuid, {"Id": uuid, "EventSourceMappingArn": out.get("EventSourceMappingArn", "")})


async def update_mapping(cx: Context, resource: Resource) -> Created:
    old = resource.old_properties or {}
    params: dict[str, Any] = {"UUID": resource.physical_id}
    for prop in _ESM_MUTABLE:
        if old.get(prop) == resource.properties.get(prop):
            continue
        value = _esm_value(resource, prop)
        if value is None:
            if prop == "BatchSize":  # Lambda's default: 10 for queues, 100 for streams
                value = 10 if ":sqs:" in str(resource.properties.get("EventSourceArn", "")) else 100
            elif prop not in _ESM_RESET:
                continue
            else:
                value = _ESM_RESET[prop]
        params[prop] = value
    if len(params) > 1:
        out = await call(cx, "UpdateEventSourceMapping", params)
    else:
        out = await cx.call("lambda", "GetEventSourceMapping", {"UUID": resource.physical_id})
    if coerce.changed(resource, "Tags"):
        arn = out.get("EventSourceMappingArn", "")
        new, was = coerce.tags(resource), coerce.old_tags(resource)
        gone = sorted(was.keys() - new.keys())
        if gone:
            await cx.call("lambda", "UntagResource", {"Resource": arn, "TagKeys": gone})
        changed = {k: v for k, v in new.items() if was.get(k) != v}
        if changed:
            await cx.call("lambda", "TagResource", {"Resource": arn, "Tags": changed})
    return _mapping_created(out)


async def delete_mapping(cx: Context, resource: Resource) -> None:
    if resource.physical_id:
        await delete_quietly(cx, "DeleteEventSourceMapping", {"UUID": resource.physical_id})


# --- asynchronous invocation configuration ----------------------------------------------------------


def _invoke_config(resource: Resource) -> dict[str, Any]:
    coerce.require(resource, "FunctionName", "Qualifier")
    params: dict[str, Any] = {
        "FunctionName": coerce.string(resource, "FunctionName"),
        "Qualifier": coerce.string(resource, "Qualifier"),
    }
    for prop in ("MaximumRetryAttempts", "MaximumEventAgeInSeconds", "DestinationConfig"):
        if resource.properties.get(prop) is not None:
            params[prop] = resource.properties[prop]
    return params


async def put_invoke_config(cx: Context, resource: Resource) -> Created:
    params = _invoke_config(resource)
    await call(cx, "PutFunctionEventInvokeConfig", params)
    return Created(resource.physical_id or cx.physical_name(resource, 128))


async def delete_invoke_config(cx: Context, resource: Resource) -> None:
    if resource.properties.get("FunctionName") is None:
        return
    params = {
        "FunctionName": coerce.text(resource.properties["FunctionName"]),
        "Qualifier": coerce.text(resource.properties.get("Qualifier") or "$LATEST"),
    }
    await delete_quietly(cx, "DeleteFunctionEventInvokeConfig", params)


# --- function URLs ----------------------------------------------------------------------------------


def _url_params(resource: Resource, *, creating: bool) -> dict[str, Any]:
    coerce.require(resource, "TargetFunctionArn", "AuthType")
    params: dict[str, Any] = {
        "FunctionName": coerce.string(resource, "TargetFunctionArn"),
        "AuthType": coerce.string(resource, "AuthType"),
    }
    if resource.properties.get("Qualifier") is not None:
        params["Qualifier"] = coerce.string(resource, "Qualifier")
    cors = resource.properties.get("Cors")
    if cors is not None or not creating:
        params["Cors"] = cors or {}
    mode = coerce.string(resource, "InvokeMode")
    if mode is not None or not creating:
        params["InvokeMode"] = mode or "BUFFERED"
    return params


def _url_created(out: dict[str, Any]) -> Created:
    arn = out["FunctionArn"]
    return Created(arn, {"FunctionArn": arn, "FunctionUrl": out["FunctionUrl"]})


async def create_url(cx: Context, resource: Resource) -> Created:
    return _url_created(await call(cx, "CreateFunctionUrlConfig", _url_params(resource, creating=True)))


async def update_url(cx: Context, resource: Resource) -> Created:
    return _url_created(await call(cx, "UpdateFunctionUrlConfig", _url_params(resource, creating=False)))


async def delete_url(cx: Context, resource: Resource) -> None:
    target = resource.properties.get("TargetFunctionArn")
    if target is None:
        return
    params = {"FunctionName": coerce.text(target)}
    if resource.properties.get("Qualifier") is not None:
        params["Qualifier"] = coerce.text(resource.properties["Qualifier"])
    await delete_quietly(cx, "DeleteFunctionUrlConfig", params)


# --- layers -----------------------------------------------------------------------------------------


async def create_layer_version(cx: Context, resource: Resource) -> Created:
    coerce.require(resource, "Content")
    name = coerce.string(resource, "LayerName") or cx.physical_name(resource, 140)
    params: dict[str, Any] = {"LayerName": name, "Content": code_source(cx, resource, "Content")}
    if resource.properties.get("Description") is not None:
        params["Description"] = coerce.string(resource, "Description")
    if resource.properties.get("LicenseInfo") is not None:
        params["LicenseInfo"] = coerce.string(resource, "LicenseInfo")
    for prop in ("CompatibleRuntimes", "CompatibleArchitectures"):
        if resource.properties.get(prop) is not None:
            params[prop] = coerce.strings(resource, prop)
    out = await call(cx, "PublishLayerVersion", params)
    arn = out["LayerVersionArn"]
    return Created(arn, {"LayerVersionArn": arn})


def _layer_parts(arn: str) -> tuple[str, int]:
    """(layer ARN, version number) of a layer version ARN."""
    layer, _, version = arn.rpartition(":")
    return layer, int(version)


async def delete_layer_version(cx: Context, resource: Resource) -> None:
    if not resource.physical_id:
        return
    layer, version = _layer_parts(resource.physical_id)
    await delete_quietly(cx, "DeleteLayerVersion", {"LayerName": layer, "VersionNumber": version})


async def create_layer_permission(cx: Context, resource: Resource) -> Created:
    coerce.require(resource, "LayerVersionArn", "Action", "Principal")
    arn = coerce.string(resource, "LayerVersionArn")
    assert arn is not None
    try:
        layer, version = _layer_parts(arn)
    except ValueError:
        raise coerce.invalid(resource, f"#/LayerVersionArn: {arn} is not a layer version ARN") from None
    statement = cx.physical_name(resource, 100)
    params: dict[str, Any] = {
        "LayerName": layer,
        "VersionNumber": version,
        "StatementId": statement,
        "Action": coerce.string(resource, "Action"),
        "Principal": coerce.string(resource, "Principal"),
    }
    if resource.properties.get("OrganizationId") is not None:
        params["OrganizationId"] = coerce.string(resource, "OrganizationId")
    await call(cx, "AddLayerVersionPermission", params)
    permission_id = f"{arn}#{statement}"
    return Created(permission_id, {"Id": permission_id})


async def delete_layer_permission(cx: Context, resource: Resource) -> None:
    if not resource.physical_id or "#" not in resource.physical_id:
        return
    arn, _, statement = resource.physical_id.partition("#")
    layer, version = _layer_parts(arn)
    params = {"LayerName": layer, "VersionNumber": version, "StatementId": statement}
    await delete_quietly(cx, "RemoveLayerVersionPermission", params)


PROVIDERS: tuple[Provider, ...] = (
    Provider(
        "AWS::Lambda::EventSourceMapping",
        create_mapping,
        delete_mapping,
        update_mapping,
        properties=frozenset({*_ESM_MUTABLE, *_ESM_CREATE_ONLY, "Tags"}),
        replace_on=frozenset(_ESM_CREATE_ONLY),
        attributes=frozenset({"EventSourceMappingArn", "Id"}),
    ),
    Provider(
        "AWS::Lambda::EventInvokeConfig",
        put_invoke_config,
        delete_invoke_config,
        put_invoke_config,
        properties=frozenset(
            {
                "DestinationConfig",
                "FunctionName",
                "MaximumEventAgeInSeconds",
                "MaximumRetryAttempts",
                "Qualifier",
            }
        ),
        replace_on=frozenset({"FunctionName", "Qualifier"}),
    ),
    Provider(
        "AWS::Lambda::Url",
        create_url,
        delete_url,
        update_url,
        properties=frozenset({"AuthType", "Cors", "InvokeMode", "Qualifier", "TargetFunctionArn"}),
        replace_on=frozenset({"Qualifier", "TargetFunctionArn"}),
        attributes=frozenset({"FunctionArn", "FunctionUrl"}),
    ),
    Provider(
        "AWS::Lambda::LayerVersion",
        create_layer_version,
        delete_layer_version,
        None,
        properties=frozenset(
            {
                "CompatibleArchitectures",
                "CompatibleRuntimes",
                "Content",
                "Description",
                "LayerName",
                "LicenseInfo",
            }
        ),
        replace_on=frozenset(
            {
                "CompatibleArchitectures",
                "CompatibleRuntimes",
                "Content",
                "Description",
                "LayerName",
                "LicenseInfo",
            }
        ),
        attributes=frozenset({"LayerVersionArn"}),
    ),
    Provider(
        "AWS::Lambda::LayerVersionPermission",
        create_layer_permission,
        delete_layer_permission,
        None,
        properties=frozenset({"Action", "LayerVersionArn", "OrganizationId", "Principal"}),
        replace_on=frozenset({"Action", "LayerVersionArn", "OrganizationId", "Principal"}),
        attributes=frozenset({"Id"}),
    ),
)
