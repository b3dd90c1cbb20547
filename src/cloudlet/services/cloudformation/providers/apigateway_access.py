"""API Gateway REST API (v1) providers for access and shape: Authorizer, ApiKey, UsagePlan, UsagePlanKey,
Model, RequestValidator, GatewayResponse and Account. Listed through `apigateway.PROVIDERS`."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from cloudlet.services.cloudformation.providers.apigateway_util import (
    arn,
    call,
    camel,
    generated_id,
    retag,
    scalar_ops,
    set_ops,
    tag_map,
    text,
    tolerate_gone,
)
from cloudlet.services.cloudformation.providers.base import Context, Created, Provider, Resource

V1 = "apigateway"


def _flag(value: Any) -> bool:
    return value in (True, "true", "True")


# -- Authorizer -----------------------------------------------------------------------------------------

_AUTHORIZER_SCALARS = {
    "Name": "/name",
    "Type": "/type",
    "AuthType": "/authType",
    "AuthorizerUri": "/authorizerUri",
    "AuthorizerCredentials": "/authorizerCredentials",
    "IdentitySource": "/identitySource",
    "IdentityValidationExpression": "/identityValidationExpression",
    "AuthorizerResultTtlInSeconds": "/authorizerResultTtlInSeconds",
}


async def _authorizer_create(cx: Context, r: Resource) -> Created:
    p = r.properties
    params = {
        "restApiId": p.get("RestApiId"),
        **camel(p, ("Name", "Type", "ProviderARNs", "AuthType", "AuthorizerUri", "AuthorizerCredentials")),
        **camel(p, ("IdentitySource", "IdentityValidationExpression")),
    }
    params.update(camel(p, ("AuthorizerResultTtlInSeconds",)))
    out = await call(cx, V1, "CreateAuthorizer", params)
    return Created(out["id"], {"AuthorizerId": out["id"]})


async def _authorizer_update(cx: Context, r: Resource) -> Created:
    p, old = r.properties, r.old_properties or {}
    ops = scalar_ops(old, p, _AUTHORIZER_SCALARS)
    ops += set_ops("/providerARNs", old.get("ProviderARNs"), p.get("ProviderARNs"))
    if ops:
        params = {"restApiId": p.get("RestApiId"), "authorizerId": r.physical_id, "patchOperations": ops}
        await call(cx, V1, "UpdateAuthorizer", params)
    return Created(r.physical_id or "", {"AuthorizerId": r.physical_id})


async def _authorizer_delete(cx: Context, r: Resource) -> None:
    if r.physical_id:
        params = {"restApiId": r.properties.get("RestApiId"), "authorizerId": r.physical_id}
        await tolerate_gone(call(cx, V1, "DeleteAuthorizer", params))


# -- ApiKey ---------------------------------------------------------------------------------------------


def _stage_keys(value: Any) -> list[str]:
    return [f"{k.get('RestApiId')}/{k.get('StageName')}" for k in value or []]


async def _api_key_create(cx: Context, r: Resource) -> Created:
    p = r.properties
    params: dict[str, Any] = {
        "name": p.get("Name") or cx.physical_name(r, 128),
        "enabled": _flag(p.get("Enabled", False)),
        **camel(p, ("Description", "Value", "CustomerId")),
    }
    if p.get("GenerateDistinctId") is not None:
        params["generateDistinctId"] = _flag(p["GenerateDistinctId"])
    if p.get("StageKeys"):
        params["stageKeys"] = [camel(k, ("RestApiId", "StageName")) for k in p["StageKeys"]]
    if p.get("Tags"):
        params["tags"] = tag_map(p["Tags"])
    out = await call(cx, V1, "CreateApiKey", params)
    return Created(out["id"], {"APIKeyId": out["id"]})


async def _api_key_update(cx: Context, r: Resource) -> Created:
    p, old = r.properties, r.old_properties or {}
    key_id = r.physical_id or ""
    paths = {"Description": "/description", "Enabled": "/enabled", "CustomerId": "/customerId"}
    ops = scalar_ops(old, p, paths, {"Enabled": False})
    before, after = _stage_keys(old.get("StageKeys")), _stage_keys(p.get("StageKeys"))
    ops += [{"op": "remove", "path": "/stages", "value": s} for s in before if s not in after]
    ops += [{"op": "add", "path": "/stages", "value": s} for s in after if s not in before]
    if ops:
        await call(cx, V1, "UpdateApiKey", {"apiKey": key_id, "patchOperations": ops})
    await retag(cx, V1, arn(cx, f"/apikeys/{key_id}"), old.get("Tags"), p.get("Tags"))
    return Created(key_id, {"APIKeyId": key_id})


async def _api_key_delete(cx: Context, r: Resource) -> None:
    if r.physical_id:
        await tolerate_gone(call(cx, V1, "DeleteApiKey", {"apiKey": r.physical_id}))


# -- UsagePlan ------------------------------------------------------------------------------------------


def _limits(value: dict[str, Any] | None) -> dict[str, Any] | None:
    """ThrottleSettings / QuotaSettings as the API's members, numbers as numbers."""
    if not value:
        return None
    out = camel(value, ("BurstLimit", "RateLimit", "Limit", "Offset", "Period"))
    for key in ("burstLimit", "limit", "offset"):
        if isinstance(out.get(key), str) and out[key].strip().isdigit():
            out[key] = int(out[key])
    if isinstance(out.get("rateLimit"), str | int):
        try:
            out["rateLimit"] = float(out["rateLimit"])
        except ValueError:
            pass
    return out


def _api_stages(value: Any) -> dict[str, dict[str, Any]]:
    """`{"<api id>:<stage>": {apiId, stage, throttle?}}` from the ApiStages property."""
    out: dict[str, dict[str, Any]] = {}
    for item in value or []:
        stage: dict[str, Any] = {"apiId": item.get("ApiId"), "stage": item.get("Stage")}
        if item.get("Throttle"):
            stage["throttle"] = {path: _limits(t) or {} for path, t in item["Throttle"].items()}
        out[f"{stage['apiId']}:{stage['stage']}"] = stage
    return out


def _limit_ops(member: str, fields: tuple[str, ...], old: Any, new: Any) -> list[dict[str, str]]:
    before, after = _limits(old) or {}, _limits(new) or {}
    if before == after:
        return []
    if not after:
        return [{"op": "remove", "path": f"/{member}"}]
    ops = [{"op": "remove", "path": f"/{member}/{f}"} for f in fields if f in before and f not in after]
    ops += [
        {"op": "replace", "path": f"/{member}/{f}", "value": text(after[f])} for f in fields if f in after
    ]
    return ops


async def _usage_plan_create(cx: Context, r: Resource) -> Created:
    p = r.properties
    params: dict[str, Any] = {"name": p.get("UsagePlanName") or cx.physical_name(r, 128)}
    params.update(camel(p, ("Description",)))
    if p.get("ApiStages"):
        params["apiStages"] = list(_api_stages(p["ApiStages"]).values())
    for prop in ("Throttle", "Quota"):
        if _limits(p.get(prop)):
            params[prop.lower()] = _limits(p[prop])
    if p.get("Tags"):
        params["tags"] = tag_map(p["Tags"])
    out = await call(cx, V1, "CreateUsagePlan", params)
    return Created(out["id"], {"Id": out["id"]})


async def _usage_plan_update(cx: Context, r: Resource) -> Created:
    p, old = r.properties, r.old_properties or {}
    plan_id = r.physical_id or ""
    ops = scalar_ops(old, p, {"Description": "/description"})
    if p.get("UsagePlanName") and p.get("UsagePlanName") != old.get("UsagePlanName"):
        ops.append({"op": "replace", "path": "/name", "value": p["UsagePlanName"]})
    ops += _limit_ops("throttle", ("burstLimit", "rateLimit"), old.get("Throttle"), p.get("Throttle"))
    ops += _limit_ops("quota", ("limit", "offset", "period"), old.get("Quota"), p.get("Quota"))
    before, after = _api_stages(old.get("ApiStages")), _api_stages(p.get("ApiStages"))
    ops += [{"op": "remove", "path": "/apiStages", "value": key} for key in before if key not in after]
    for key, stage in after.items():
        if key not in before:
            ops.append({"op": "add", "path": "/apiStages", "value": key})
        if stage.get("throttle") != before.get(key, {}).get("throttle"):
            path = f"/apiStages/{key}/throttle"
            if stage.get("throttle"):
                ops.append({"op": "replace", "path": path, "value": json.dumps(stage["throttle"])})
            elif key in before:
                ops.append({"op": "remove", "path": path})
    if ops:
        await call(cx, V1, "UpdateUsagePlan", {"usagePlanId": plan_id, "patchOperations": ops})
    await retag(cx, V1, arn(cx, f"/usageplans/{plan_id}"), old.get("Tags"), p.get("Tags"))
    return Created(plan_id, {"Id": plan_id})


async def _usage_plan_delete(cx: Context, r: Resource) -> None:
    if r.physical_id:
        await tolerate_gone(call(cx, V1, "DeleteUsagePlan", {"usagePlanId": r.physical_id}))


# -- UsagePlanKey ---------------------------------------------------------------------------------------


async def _usage_plan_key_create(cx: Context, r: Resource) -> Created:
    p = r.properties
    params = {"usagePlanId": p.get("UsagePlanId"), "keyId": p.get("KeyId"), "keyType": p.get("KeyType")}
    out = await call(cx, V1, "CreateUsagePlanKey", params)
    return Created(out["id"], {"Id": out["id"]})


async def _usage_plan_key_delete(cx: Context, r: Resource) -> None:
    if r.physical_id:
        params = {"usagePlanId": r.properties.get("UsagePlanId"), "keyId": r.physical_id}
        await tolerate_gone(call(cx, V1, "DeleteUsagePlanKey", params))


# -- Model, RequestValidator, GatewayResponse -----------------------------------------------------------


def _schema(value: Any) -> str | None:
    return value if isinstance(value, str) or value is None else json.dumps(value)


def _model_name(r: Resource) -> str:
    """A generated model name (model names are alphanumeric)."""
    digest = hashlib.sha256(f"{r.stack_id}/{r.logical_id}".encode()).hexdigest()[:12].upper()
    return "".join(c for c in r.logical_id if c.isalnum())[:50] + digest


async def _model_create(cx: Context, r: Resource) -> Created:
    p = r.properties
    name = p.get("Name") or _model_name(r)
    params = {
        "restApiId": p.get("RestApiId"),
        "name": name,
        "contentType": p.get("ContentType") or "application/json",
        **camel(p, ("Description",)),
    }
    if p.get("Schema") is not None:
        params["schema"] = _schema(p["Schema"])
    await call(cx, V1, "CreateModel", params)
    return Created(name)


async def _model_update(cx: Context, r: Resource) -> Created:
    p, old = r.properties, r.old_properties or {}
    new_schema, old_schema = _schema(p.get("Schema")), _schema(old.get("Schema"))
    ops = scalar_ops(
        {"Schema": old_schema, **old}, {**p, "Schema": new_schema}, {"Description": "/description"}
    )
    if new_schema != old_schema:
        ops.append({"op": "replace", "path": "/schema", "value": new_schema or ""})
    if ops:
        params = {"restApiId": p.get("RestApiId"), "modelName": r.physical_id, "patchOperations": ops}
        await call(cx, V1, "UpdateModel", params)
    return Created(r.physical_id or "")


async def _model_delete(cx: Context, r: Resource) -> None:
    if r.physical_id:
        params = {"restApiId": r.properties.get("RestApiId"), "modelName": r.physical_id}
        await tolerate_gone(call(cx, V1, "DeleteModel", params))


async def _validator_create(cx: Context, r: Resource) -> Created:
    p = r.properties
    params: dict[str, Any] = {"restApiId": p.get("RestApiId"), **camel(p, ("Name",))}
    for prop in ("ValidateRequestBody", "ValidateRequestParameters"):
        if p.get(prop) is not None:
            params[prop[:1].lower() + prop[1:]] = _flag(p[prop])
    out = await call(cx, V1, "CreateRequestValidator", params)
    return Created(out["id"], {"RequestValidatorId": out["id"]})


async def _validator_update(cx: Context, r: Resource) -> Created:
    p, old = r.properties, r.old_properties or {}
    paths = {
        "ValidateRequestBody": "/validateRequestBody",
        "ValidateRequestParameters": "/validateRequestParameters",
    }
    ops = scalar_ops(old, p, paths, {"ValidateRequestBody": False, "ValidateRequestParameters": False})
    if ops:
        params = {
            "restApiId": p.get("RestApiId"),
            "requestValidatorId": r.physical_id,
            "patchOperations": ops,
        }
        await call(cx, V1, "UpdateRequestValidator", params)
    return Created(r.physical_id or "", {"RequestValidatorId": r.physical_id})


async def _validator_delete(cx: Context, r: Resource) -> None:
    if r.physical_id:
        params = {"restApiId": r.properties.get("RestApiId"), "requestValidatorId": r.physical_id}
        await tolerate_gone(call(cx, V1, "DeleteRequestValidator", params))


async def _gateway_response_put(cx: Context, r: Resource) -> Created:
    """Create and update alike: PutGatewayResponse replaces the customization as a whole."""
    p = r.properties
    params: dict[str, Any] = {
        "restApiId": p.get("RestApiId"),
        "responseType": p.get("ResponseType"),
        **camel(p, ("ResponseParameters", "ResponseTemplates")),
    }
    if p.get("StatusCode") is not None:
        params["statusCode"] = str(p["StatusCode"])
    await call(cx, V1, "PutGatewayResponse", params)
    physical_id = r.physical_id or generated_id(r)
    return Created(physical_id, {"Id": physical_id})


async def _gateway_response_delete(cx: Context, r: Resource) -> None:
    params = {"restApiId": r.properties.get("RestApiId"), "responseType": r.properties.get("ResponseType")}
    await tolerate_gone(call(cx, V1, "DeleteGatewayResponse", params))


# -- Account --------------------------------------------------------------------------------------------


async def _account_put(cx: Context, r: Resource) -> Created:
    """The account's CloudWatch role (UpdateAccount); deleting the resource leaves the setting, as on AWS."""
    role = r.properties.get("CloudWatchRoleArn")
    ops = [{"op": "replace", "path": "/cloudwatchRoleArn", "value": role or ""}]
    if role or (r.old_properties or {}).get("CloudWatchRoleArn"):
        await call(cx, V1, "UpdateAccount", {"patchOperations": ops})
    physical_id = r.physical_id or generated_id(r)
    return Created(physical_id, {"Id": physical_id})


async def _account_delete(cx: Context, r: Resource) -> None:
    return None


PROVIDERS: tuple[Provider, ...] = (
    Provider(
        "AWS::ApiGateway::Authorizer",
        _authorizer_create,
        _authorizer_delete,
        _authorizer_update,
        properties=frozenset(
            {
                "AuthType",
                "AuthorizerCredentials",
                "AuthorizerResultTtlInSeconds",
                "AuthorizerUri",
                "IdentitySource",
                "IdentityValidationExpression",
                "Name",
                "ProviderARNs",
                "RestApiId",
                "Type",
            }
        ),
        replace_on=frozenset({"RestApiId"}),
        attributes=frozenset({"AuthorizerId"}),
    ),
    Provider(
        "AWS::ApiGateway::ApiKey",
        _api_key_create,
        _api_key_delete,
        _api_key_update,
        properties=frozenset(
            {
                "CustomerId",
                "Description",
                "Enabled",
                "GenerateDistinctId",
                "Name",
                "StageKeys",
                "Tags",
                "Value",
            }
        ),
        replace_on=frozenset({"GenerateDistinctId", "Name", "Value"}),
        attributes=frozenset({"APIKeyId"}),
    ),
    Provider(
        "AWS::ApiGateway::UsagePlan",
        _usage_plan_create,
        _usage_plan_delete,
        _usage_plan_update,
        properties=frozenset({"ApiStages", "Description", "Quota", "Tags", "Throttle", "UsagePlanName"}),
        attributes=frozenset({"Id"}),
    ),
    Provider(
        "AWS::ApiGateway::UsagePlanKey",
        _usage_plan_key_create,
        _usage_plan_key_delete,
        None,
        properties=frozenset({"KeyId", "KeyType", "UsagePlanId"}),
        replace_on=frozenset({"KeyId", "KeyType", "UsagePlanId"}),
        attributes=frozenset({"Id"}),
    ),
    Provider(
        "AWS::ApiGateway::Model",
        _model_create,
        _model_delete,
        _model_update,
        properties=frozenset({"ContentType", "Description", "Name", "RestApiId", "Schema"}),
        replace_on=frozenset({"ContentType", "Name", "RestApiId"}),
    ),
    Provider(
        "AWS::ApiGateway::RequestValidator",
        _validator_create,
        _validator_delete,
        _validator_update,
        properties=frozenset({"Name", "RestApiId", "ValidateRequestBody", "ValidateRequestParameters"}),
        replace_on=frozenset({"Name", "RestApiId"}),
        attributes=frozenset({"RequestValidatorId"}),
    ),
    Provider(
        "AWS::ApiGateway::GatewayResponse",
        _gateway_response_put,
        _gateway_response_delete,
        _gateway_response_put,
        properties=frozenset(
            {"ResponseParameters", "ResponseTemplates", "ResponseType", "RestApiId", "StatusCode"}
        ),
        replace_on=frozenset({"ResponseType", "RestApiId"}),
        attributes=frozenset({"Id"}),
    ),
    Provider(
        "AWS::ApiGateway::Account",
        _account_put,
        _account_delete,
        _account_put,
        properties=frozenset({"CloudWatchRoleArn"}),
        attributes=frozenset({"Id"}),
    ),
)
