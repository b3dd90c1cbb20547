"""AWS::Lambda::Function, ::Version, ::Alias and ::Permission through Lambda's own operations.

`Code` takes inline source (`ZipFile`, packaged as `index.py` for Python runtimes and `index.js` for
Node.js, as CloudFormation does), an S3 object (`S3Bucket`/`S3Key`/`S3ObjectVersion`), or a local folder
with hot reload (`S3Bucket: hot-reload`, `S3Key` an absolute path or one relative to the template's
folder). Container images (`ImageUri`, `PackageType: Image`) are refused. A function's `Ref` is its name
and `Fn::GetAtt Arn` its ARN; a version's `Ref` is the version ARN (`Fn::GetAtt Version`); an alias's
`Ref` is the alias ARN; a permission's `Ref` is its statement id.
"""

from __future__ import annotations

import io
import os
import zipfile
from typing import Any

from cloudlet.protocol.errors import ServiceError
from cloudlet.services.cloudformation.providers import coerce
from cloudlet.services.cloudformation.providers.base import (
    Context,
    Created,
    Provider,
    ProviderError,
    Resource,
)

GONE = ("ResourceNotFoundException",)
HOT_RELOAD_BUCKET = "hot-reload"

# Configuration properties (template name → API name) and the value each returns to when removed.
_CONFIG: dict[str, tuple[str, Any]] = {
    "Description": ("Description", ""),
    "Timeout": ("Timeout", 3),
    "MemorySize": ("MemorySize", 128),
    "Environment": ("Environment", {"Variables": {}}),
    "DeadLetterConfig": ("DeadLetterConfig", {"TargetArn": ""}),
    "TracingConfig": ("TracingConfig", {"Mode": "PassThrough"}),
    "Layers": ("Layers", []),
    "EphemeralStorage": ("EphemeralStorage", {"Size": 512}),
    "KmsKeyArn": ("KMSKeyArn", ""),
    "LoggingConfig": ("LoggingConfig", None),
    "Role": ("Role", None),
    "Handler": ("Handler", None),
    "Runtime": ("Runtime", None),
}
FUNCTION_PROPERTIES = frozenset(
    {*_CONFIG, "Architectures", "Code", "FunctionName", "PackageType", "ReservedConcurrentExecutions", "Tags"}
)
_CODE_KEYS = frozenset({"ZipFile", "S3Bucket", "S3Key", "S3ObjectVersion", "ImageUri", "SourceKMSKeyArn"})


def inline_package(source: str, runtime: str | None) -> bytes:
    """A deployment package holding `source` as CloudFormation writes inline code: `index.py` for Python,
    `index.js` for Node.js (fixed timestamps, so the same source always has the same CodeSha256)."""
    runtime = runtime or ""
    name = (
        "index.js"
        if runtime.startswith("nodejs")
        else "index.py"
        if runtime.startswith("python")
        else "index"
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
        info.external_attr = 0o644 << 16
        archive.writestr(info, source)
    return buffer.getvalue()


def code_source(
    cx: Context, resource: Resource, prop: str = "Code", runtime: str | None = None
) -> dict[str, Any]:
    """The `Code`/`Content` property as the API's code members (ZipFile bytes or S3 location)."""
    code = resource.properties.get(prop)
    if not isinstance(code, dict):
        raise coerce.invalid(resource, f"#/{prop}: expected type: JSONObject, found: {type(code).__name__}")
    unknown = sorted(set(code) - _CODE_KEYS)
    if unknown:
        raise coerce.invalid(resource, f"#/{prop}: extraneous key [{unknown[0]}] is not permitted")
    if code.get("ImageUri") is not None:
        raise ProviderError(
            f"Resource {resource.logical_id}: container image functions ({prop}.ImageUri) are not supported "
            "by cloudlet; use a .zip package (ZipFile, S3Bucket/S3Key, or a local CodeUri folder)"
        )
    if code.get("ZipFile") is not None:
        return {"ZipFile": inline_package(coerce.text(code["ZipFile"]), runtime)}
    if code.get("S3Bucket") is None or code.get("S3Key") is None:
        raise coerce.invalid(resource, f"#/{prop}: Please provide a source for function code.")
    bucket, key = coerce.text(code["S3Bucket"]), coerce.text(code["S3Key"])
    if bucket == HOT_RELOAD_BUCKET and not os.path.isabs(key) and cx.template_dir:
        key = os.path.normpath(os.path.join(cx.template_dir, key))
    source: dict[str, Any] = {"S3Bucket": bucket, "S3Key": key}
    if code.get("S3ObjectVersion") is not None:
        source["S3ObjectVersion"] = coerce.text(code["S3ObjectVersion"])
    return source


def _config_value(resource: Resource, prop: str) -> Any:
    value = resource.properties.get(prop)
    if prop == "Environment" and isinstance(value, dict):
        variables = value.get("Variables") or {}
        if not isinstance(variables, dict):
            raise coerce.invalid(resource, "#/Environment/Variables: expected type: JSONObject")
        return {"Variables": {str(k): coerce.text(v) for k, v in variables.items()}}
    return value


async def call(cx: Context, operation: str, params: dict[str, Any]) -> dict[str, Any]:
    """A Lambda operation with template values converted to the operation's types."""
    return await cx.call("lambda", operation, coerce.for_operation("lambda", operation, params))


async def create_function(cx: Context, resource: Resource) -> Created:
    coerce.require(resource, "Code", "Role")
    if coerce.string(resource, "PackageType") == "Image":
        raise ProviderError(
            f"Resource {resource.logical_id}: container image functions (PackageType: Image) are not "
            "supported by cloudlet; use a .zip package"
        )
    name = coerce.string(resource, "FunctionName") or cx.physical_name(resource, 64)
    runtime = coerce.string(resource, "Runtime")
    params: dict[str, Any] = {"FunctionName": name, "Code": code_source(cx, resource, runtime=runtime)}
    for prop, (api, _) in _CONFIG.items():
        if resource.properties.get(prop) is not None:
            params[api] = _config_value(resource, prop)
    if resource.properties.get("Architectures") is not None:
        params["Architectures"] = coerce.strings(resource, "Architectures")
    tags = coerce.tags(resource)
    if tags:
        params["Tags"] = tags
    reserved = coerce.integer(resource, "ReservedConcurrentExecutions")
    out = await call(cx, "CreateFunction", params)
    if reserved is not None:
        try:
            await call(
                cx, "PutFunctionConcurrency", {"FunctionName": name, "ReservedConcurrentExecutions": reserved}
            )
        except ServiceError:
            await cx.call("lambda", "DeleteFunction", {"FunctionName": name})  # nothing half-created
            raise
    return Created(name, {"Arn": out["FunctionArn"]})


async def update_function(cx: Context, resource: Resource) -> Created:
    name = resource.physical_id
    assert name is not None
    old = resource.old_properties or {}
    if coerce.string(resource, "PackageType") == "Image":
        raise ProviderError(f"Resource {resource.logical_id}: container image functions are not supported")
    changes: dict[str, Any] = {}
    for prop, (api, default) in _CONFIG.items():
        if old.get(prop) == resource.properties.get(prop):
            continue
        value = _config_value(resource, prop)
        if value is None:
            if prop == "LoggingConfig":
                value = {"LogFormat": "Text", "LogGroup": f"/aws/lambda/{name}"}
            elif default is None:
                continue
            else:
                value = default
        changes[api] = value
    if changes:
        await call(cx, "UpdateFunctionConfiguration", {"FunctionName": name, **changes})
    runtime = coerce.string(resource, "Runtime")
    if coerce.changed(resource, "Code", "Architectures") or (
        changes.get("Runtime")
        and isinstance(resource.properties.get("Code"), dict)
        and "ZipFile" in resource.properties["Code"]
    ):
        params: dict[str, Any] = {"FunctionName": name, **code_source(cx, resource, runtime=runtime)}
        if resource.properties.get("Architectures") is not None:
            params["Architectures"] = coerce.strings(resource, "Architectures")
        await call(cx, "UpdateFunctionCode", params)
    if coerce.changed(resource, "ReservedConcurrentExecutions"):
        reserved = coerce.integer(resource, "ReservedConcurrentExecutions")
        if reserved is None:
            await cx.call("lambda", "DeleteFunctionConcurrency", {"FunctionName": name})
        else:
            await call(
                cx, "PutFunctionConcurrency", {"FunctionName": name, "ReservedConcurrentExecutions": reserved}
            )
    out = await cx.call("lambda", "GetFunctionConfiguration", {"FunctionName": name})
    arn = out["FunctionArn"]
    new_tags, old_tags = coerce.tags(resource), coerce.old_tags(resource)
    gone = sorted(old_tags.keys() - new_tags.keys())
    if gone:
        await cx.call("lambda", "UntagResource", {"Resource": arn, "TagKeys": gone})
    changed = {k: v for k, v in new_tags.items() if old_tags.get(k) != v}
    if changed:
        await cx.call("lambda", "TagResource", {"Resource": arn, "Tags": changed})
    return Created(name, {"Arn": arn})


async def delete_function(cx: Context, resource: Resource) -> None:
    if resource.physical_id:
        await delete_quietly(cx, "DeleteFunction", {"FunctionName": resource.physical_id})


async def delete_quietly(cx: Context, operation: str, params: dict[str, Any]) -> None:
    """Run a delete; a resource that is already gone counts as deleted."""
    try:
        await cx.call("lambda", operation, params)
    except ServiceError as exc:
        if not coerce.not_found(exc, GONE):
            raise


# --- versions and aliases ---------------------------------------------------------------------------


def split_qualified(arn: str) -> tuple[str, str]:
    """(function ARN, qualifier) of a qualified function ARN."""
    function, _, qualifier = arn.rpartition(":")
    return function, qualifier


async def create_version(cx: Context, resource: Resource) -> Created:
    coerce.require(resource, "FunctionName")
    params: dict[str, Any] = {"FunctionName": coerce.string(resource, "FunctionName")}
    for prop in ("CodeSha256", "Description"):
        if resource.properties.get(prop) is not None:
            params[prop] = coerce.string(resource, prop)
    out = await call(cx, "PublishVersion", params)
    arn = out["FunctionArn"]
    return Created(arn, {"Version": out["Version"], "FunctionArn": arn})


async def delete_version(cx: Context, resource: Resource) -> None:
    if not resource.physical_id:
        return
    function, version = split_qualified(resource.physical_id)
    await delete_quietly(cx, "DeleteFunction", {"FunctionName": function, "Qualifier": version})


def _alias_params(resource: Resource) -> dict[str, Any]:
    coerce.require(resource, "FunctionName", "FunctionVersion", "Name")
    params: dict[str, Any] = {
        "FunctionName": coerce.string(resource, "FunctionName"),
        "Name": coerce.string(resource, "Name"),
        "FunctionVersion": coerce.string(resource, "FunctionVersion"),
        "Description": coerce.string(resource, "Description", ""),
    }
    routing = resource.properties.get("RoutingConfig")
    weights: dict[str, Any] = {}
    if routing is not None:
        entries = routing.get("AdditionalVersionWeights") if isinstance(routing, dict) else None
        for index, entry in enumerate(entries or []):
            if not isinstance(entry, dict) or "FunctionVersion" not in entry or "FunctionWeight" not in entry:
                raise coerce.invalid(
                    resource,
                    f"#/RoutingConfig/AdditionalVersionWeights/{index}: required key "
                    "[FunctionVersion, FunctionWeight] not found",
                )
            weights[coerce.text(entry["FunctionVersion"])] = entry["FunctionWeight"]
    params["RoutingConfig"] = {"AdditionalVersionWeights": weights}
    return params


async def create_alias(cx: Context, resource: Resource) -> Created:
    out = await call(cx, "CreateAlias", _alias_params(resource))
    return Created(out["AliasArn"], {"AliasArn": out["AliasArn"]})


async def update_alias(cx: Context, resource: Resource) -> Created:
    out = await call(cx, "UpdateAlias", _alias_params(resource))
    return Created(out["AliasArn"], {"AliasArn": out["AliasArn"]})


async def delete_alias(cx: Context, resource: Resource) -> None:
    if not resource.physical_id:
        return
    function, name = split_qualified(resource.physical_id)
    await delete_quietly(cx, "DeleteAlias", {"FunctionName": function, "Name": name})


# --- permissions ------------------------------------------------------------------------------------

_PERMISSION_OPTIONAL = (
    "EventSourceToken",
    "FunctionUrlAuthType",
    "InvokedViaFunctionUrl",
    "PrincipalOrgID",
    "SourceAccount",
    "SourceArn",
)


async def create_permission(cx: Context, resource: Resource) -> Created:
    coerce.require(resource, "FunctionName", "Action", "Principal")
    statement = cx.physical_name(resource, 100)
    params: dict[str, Any] = {
        "FunctionName": coerce.string(resource, "FunctionName"),
        "StatementId": statement,
        "Action": coerce.string(resource, "Action"),
        "Principal": coerce.string(resource, "Principal"),
    }
    for prop in _PERMISSION_OPTIONAL:
        if resource.properties.get(prop) is not None:
            params[prop] = resource.properties[prop]
    await call(cx, "AddPermission", params)
    return Created(statement, {"Id": statement})


async def delete_permission(cx: Context, resource: Resource) -> None:
    function = resource.properties.get("FunctionName")
    if not resource.physical_id or not function:
        return
    params = {"FunctionName": coerce.text(function), "StatementId": resource.physical_id}
    await delete_quietly(cx, "RemovePermission", params)


PROVIDERS: tuple[Provider, ...] = (
    Provider(
        "AWS::Lambda::Function",
        create_function,
        delete_function,
        update_function,
        properties=FUNCTION_PROPERTIES,
        replace_on=frozenset({"FunctionName", "PackageType"}),
        attributes=frozenset({"Arn"}),
    ),
    Provider(
        "AWS::Lambda::Version",
        create_version,
        delete_version,
        None,
        properties=frozenset({"CodeSha256", "Description", "FunctionName"}),
        replace_on=frozenset({"CodeSha256", "Description", "FunctionName"}),
        attributes=frozenset({"FunctionArn", "Version"}),
    ),
    Provider(
        "AWS::Lambda::Alias",
        create_alias,
        delete_alias,
        update_alias,
        properties=frozenset({"Description", "FunctionName", "FunctionVersion", "Name", "RoutingConfig"}),
        replace_on=frozenset({"FunctionName", "Name"}),
        attributes=frozenset({"AliasArn"}),
    ),
    Provider(
        "AWS::Lambda::Permission",
        create_permission,
        delete_permission,
        None,
        properties=frozenset({"Action", "FunctionName", "Principal", *_PERMISSION_OPTIONAL}),
        replace_on=frozenset({"Action", "FunctionName", "Principal", *_PERMISSION_OPTIONAL}),
        attributes=frozenset({"Id"}),
    ),
)
