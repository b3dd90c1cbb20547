"""API Gateway HTTP API (v2) providers: Api (from properties, quick create with Target, or an OpenAPI
`Body` as SAM's `AWS::Serverless::HttpApi` and `HttpApi` events generate it), Route, Integration, Stage
(`$default` included), Deployment, Authorizer, Model, RouteResponse and IntegrationResponse.

The `apigatewayv2` operations take CloudFormation's property names as they are, so properties pass
through; updates call the Update operations with what changed. Custom domain names, API mappings and
VPC links have no provider (cloudlet's API Gateway does not serve them)."""

from __future__ import annotations

from typing import Any

from cloudlet.protocol.errors import ServiceError
from cloudlet.services.cloudformation.providers.apigateway_util import (
    arn,
    call,
    openapi_body,
    retag,
    tag_map,
    tolerate_gone,
)
from cloudlet.services.cloudformation.providers.base import Context, Created, Provider, Resource

V2 = "apigatewayv2"


def _flag(value: Any) -> bool:
    return value in (True, "true", "True")


def _pick(props: dict[str, Any], keys: tuple[str, ...]) -> dict[str, Any]:
    return {k: props[k] for k in keys if props.get(k) is not None}


def _changed(props: dict[str, Any], old: dict[str, Any], keys: tuple[str, ...]) -> dict[str, Any]:
    return {k: props[k] for k in keys if props.get(k) is not None and props.get(k) != old.get(k)}


# -- Api ------------------------------------------------------------------------------------------------

_API_SETTINGS = (
    "ApiKeySelectionExpression",
    "CorsConfiguration",
    "Description",
    "DisableExecuteApiEndpoint",
    "DisableSchemaValidation",
    "IpAddressType",
    "Name",
    "RouteSelectionExpression",
    "Version",
)
_QUICK_CREATE = ("CredentialsArn", "RouteKey", "Target")


def _import_params(p: dict[str, Any], body: str) -> dict[str, Any]:
    params: dict[str, Any] = {"Body": body}
    if p.get("BasePath"):
        params["Basepath"] = p["BasePath"]
    if p.get("FailOnWarnings") is not None:
        params["FailOnWarnings"] = _flag(p["FailOnWarnings"])
    return params


def _api_created(doc: dict[str, Any]) -> Created:
    return Created(doc["ApiId"], {"ApiId": doc["ApiId"], "ApiEndpoint": doc.get("ApiEndpoint")})


async def _api_create(cx: Context, r: Resource) -> Created:
    p = r.properties
    body = await openapi_body(cx, p, r.logical_id)
    if body is None:
        params = {**_pick(p, _API_SETTINGS + _QUICK_CREATE), "ProtocolType": p.get("ProtocolType")}
        params["Name"] = p.get("Name") or ""
        if p.get("Tags"):
            params["Tags"] = tag_map(p["Tags"])
        return _api_created(await call(cx, V2, "CreateApi", params))
    doc = await call(cx, V2, "ImportApi", _import_params(p, body))
    try:
        settings = _pick(p, _API_SETTINGS)
        if settings:
            doc = await call(cx, V2, "UpdateApi", {"ApiId": doc["ApiId"], **settings})
        await retag(cx, V2, arn(cx, f"/apis/{doc['ApiId']}"), None, p.get("Tags"))
    except ServiceError:
        await tolerate_gone(call(cx, V2, "DeleteApi", {"ApiId": doc["ApiId"]}))
        raise
    return _api_created(doc)


async def _api_update(cx: Context, r: Resource) -> Created:
    p, old = r.properties, r.old_properties or {}
    api_id = r.physical_id or ""
    reimported = any(p.get(k) != old.get(k) for k in ("Body", "BodyS3Location", "BasePath"))
    body = await openapi_body(cx, p, r.logical_id) if reimported else None
    if body is not None:
        await call(cx, V2, "ReimportApi", {"ApiId": api_id, **_import_params(p, body)})
        settings = _pick(p, _API_SETTINGS)  # a reimport takes the definition's; the template's win
    else:
        settings = _changed(p, old, _API_SETTINGS + _QUICK_CREATE)
    if old.get("CorsConfiguration") and not p.get("CorsConfiguration"):
        await tolerate_gone(call(cx, V2, "DeleteCorsConfiguration", {"ApiId": api_id}))
    if settings:
        await call(cx, V2, "UpdateApi", {"ApiId": api_id, **settings})
    await retag(cx, V2, arn(cx, f"/apis/{api_id}"), old.get("Tags"), p.get("Tags"))
    return _api_created(await call(cx, V2, "GetApi", {"ApiId": api_id}))


async def _api_delete(cx: Context, r: Resource) -> None:
    if r.physical_id:
        await tolerate_gone(call(cx, V2, "DeleteApi", {"ApiId": r.physical_id}))


# -- Route, Integration, Authorizer, Model, responses: create / update with the same properties ---------


def _child(
    kind: str, id_member: str, keys: tuple[str, ...], parent: str | None = None
) -> tuple[Any, Any, Any]:
    """create, update and delete of a resource below an API (`Create<kind>`, `Update<kind>`,
    `Delete<kind>`), whose id is returned as `<kind>Id` and is what `Ref` gives."""

    def where(p: dict[str, Any]) -> dict[str, Any]:
        out = {"ApiId": p.get("ApiId")}
        if parent:
            out[parent] = p.get(parent)
        return out

    async def create(cx: Context, r: Resource) -> Created:
        out = await call(cx, V2, f"Create{kind}", {**where(r.properties), **_pick(r.properties, keys)})
        return Created(out[id_member], {id_member: out[id_member]})

    async def update(cx: Context, r: Resource) -> Created:
        p, old = r.properties, r.old_properties or {}
        changes = _changed(p, old, keys)
        if changes:
            await call(cx, V2, f"Update{kind}", {**where(p), id_member: r.physical_id, **changes})
        return Created(r.physical_id or "", {id_member: r.physical_id})

    async def delete(cx: Context, r: Resource) -> None:
        if r.physical_id:
            await tolerate_gone(
                call(cx, V2, f"Delete{kind}", {**where(r.properties), id_member: r.physical_id})
            )

    return create, update, delete


_ROUTE_KEYS = (
    "ApiKeyRequired",
    "AuthorizationScopes",
    "AuthorizationType",
    "AuthorizerId",
    "ModelSelectionExpression",
    "OperationName",
    "RequestModels",
    "RequestParameters",
    "RouteKey",
    "RouteResponseSelectionExpression",
    "Target",
)
_INTEGRATION_KEYS = (
    "ConnectionId",
    "ConnectionType",
    "ContentHandlingStrategy",
    "CredentialsArn",
    "Description",
    "IntegrationMethod",
    "IntegrationSubtype",
    "IntegrationType",
    "IntegrationUri",
    "PassthroughBehavior",
    "PayloadFormatVersion",
    "RequestParameters",
    "RequestTemplates",
    "ResponseParameters",
    "TemplateSelectionExpression",
    "TimeoutInMillis",
    "TlsConfig",
)
_AUTHORIZER_KEYS = (
    "AuthorizerCredentialsArn",
    "AuthorizerPayloadFormatVersion",
    "AuthorizerResultTtlInSeconds",
    "AuthorizerType",
    "AuthorizerUri",
    "EnableSimpleResponses",
    "IdentitySource",
    "IdentityValidationExpression",
    "JwtConfiguration",
    "Name",
)
_MODEL_KEYS = ("ContentType", "Description", "Name", "Schema")
_ROUTE_RESPONSE_KEYS = (
    "ModelSelectionExpression",
    "ResponseModels",
    "ResponseParameters",
    "RouteResponseKey",
)
_INTEGRATION_RESPONSE_KEYS = (
    "ContentHandlingStrategy",
    "IntegrationResponseKey",
    "ResponseParameters",
    "ResponseTemplates",
    "TemplateSelectionExpression",
)


_route = _child("Route", "RouteId", _ROUTE_KEYS)
_integration = _child("Integration", "IntegrationId", _INTEGRATION_KEYS)
_authorizer = _child("Authorizer", "AuthorizerId", _AUTHORIZER_KEYS)
_model = _child("Model", "ModelId", _MODEL_KEYS)
_route_response = _child("RouteResponse", "RouteResponseId", _ROUTE_RESPONSE_KEYS, "RouteId")
_integration_response = _child(
    "IntegrationResponse", "IntegrationResponseId", _INTEGRATION_RESPONSE_KEYS, "IntegrationId"
)

# -- Stage ----------------------------------------------------------------------------------------------

_STAGE_KEYS = (
    "AccessLogSettings",
    "AutoDeploy",
    "ClientCertificateId",
    "DefaultRouteSettings",
    "DeploymentId",
    "Description",
    "RouteSettings",
    "StageVariables",
)


async def _stage_create(cx: Context, r: Resource) -> Created:
    p = r.properties
    params = {"ApiId": p.get("ApiId"), "StageName": p.get("StageName"), **_pick(p, _STAGE_KEYS)}
    if p.get("Tags"):
        params["Tags"] = tag_map(p["Tags"])
    out = await call(cx, V2, "CreateStage", params)
    return Created(out["StageName"])


async def _stage_update(cx: Context, r: Resource) -> Created:
    p, old = r.properties, r.old_properties or {}
    api_id, name = p.get("ApiId"), r.physical_id or ""
    changes = _changed(p, old, _STAGE_KEYS)
    gone_vars = [k for k in old.get("StageVariables") or {} if k not in (p.get("StageVariables") or {})]
    if gone_vars:  # UpdateStage merges variables: an empty value removes one
        changes["StageVariables"] = {**(p.get("StageVariables") or {}), **dict.fromkeys(gone_vars, "")}
    if "AutoDeploy" in old and "AutoDeploy" not in p:
        changes["AutoDeploy"] = False
    if changes:
        await call(cx, V2, "UpdateStage", {"ApiId": api_id, "StageName": name, **changes})
    if old.get("AccessLogSettings") and not p.get("AccessLogSettings"):
        await tolerate_gone(call(cx, V2, "DeleteAccessLogSettings", {"ApiId": api_id, "StageName": name}))
    for route_key in old.get("RouteSettings") or {}:
        if route_key not in (p.get("RouteSettings") or {}):
            params = {"ApiId": api_id, "StageName": name, "RouteKey": route_key}
            await tolerate_gone(call(cx, V2, "DeleteRouteSettings", params))
    stage_arn = arn(cx, f"/apis/{api_id}/stages/{name}")
    await retag(cx, V2, stage_arn, old.get("Tags"), p.get("Tags"))
    return Created(name)


async def _stage_delete(cx: Context, r: Resource) -> None:
    if r.physical_id:
        params = {"ApiId": r.properties.get("ApiId"), "StageName": r.physical_id}
        await tolerate_gone(call(cx, V2, "DeleteStage", params))


# -- Deployment -----------------------------------------------------------------------------------------


async def _deployment_create(cx: Context, r: Resource) -> Created:
    p = r.properties
    out = await call(
        cx, V2, "CreateDeployment", {"ApiId": p.get("ApiId"), **_pick(p, ("Description", "StageName"))}
    )
    return Created(out["DeploymentId"], {"DeploymentId": out["DeploymentId"]})


async def _deployment_update(cx: Context, r: Resource) -> Created:
    p, old = r.properties, r.old_properties or {}
    api_id, deployment_id = p.get("ApiId"), r.physical_id or ""
    if p.get("Description") != old.get("Description"):
        params = {"ApiId": api_id, "DeploymentId": deployment_id, "Description": p.get("Description") or ""}
        await call(cx, V2, "UpdateDeployment", params)
    if p.get("StageName") and p.get("StageName") != old.get("StageName"):
        params = {"ApiId": api_id, "StageName": p["StageName"], "DeploymentId": deployment_id}
        await call(cx, V2, "UpdateStage", params)
    return Created(deployment_id, {"DeploymentId": deployment_id})


async def _deployment_delete(cx: Context, r: Resource) -> None:
    """A deployment a stage still serves stays until the stage moves on or the API goes (AWS refuses
    to delete it; the stack's delete must not fail on it)."""
    if not r.physical_id:
        return
    try:
        await tolerate_gone(
            call(
                cx,
                V2,
                "DeleteDeployment",
                {"ApiId": r.properties.get("ApiId"), "DeploymentId": r.physical_id},
            )
        )
    except ServiceError as exc:
        if exc.code != "BadRequestException" or "Active stages" not in exc.message:
            raise


PROVIDERS: tuple[Provider, ...] = (
    Provider(
        "AWS::ApiGatewayV2::Api",
        _api_create,
        _api_delete,
        _api_update,
        properties=frozenset(
            {
                *_API_SETTINGS,
                *_QUICK_CREATE,
                "BasePath",
                "Body",
                "BodyS3Location",
                "FailOnWarnings",
                "ProtocolType",
                "Tags",
            }
        ),
        replace_on=frozenset({"ProtocolType"}),
        attributes=frozenset({"ApiEndpoint", "ApiId"}),
    ),
    Provider(
        "AWS::ApiGatewayV2::Route",
        _route[0],
        _route[2],
        _route[1],
        properties=frozenset({"ApiId", *_ROUTE_KEYS}),
        replace_on=frozenset({"ApiId"}),
        attributes=frozenset({"RouteId"}),
    ),
    Provider(
        "AWS::ApiGatewayV2::Integration",
        _integration[0],
        _integration[2],
        _integration[1],
        properties=frozenset({"ApiId", *_INTEGRATION_KEYS}),
        replace_on=frozenset({"ApiId"}),
        attributes=frozenset({"IntegrationId"}),
    ),
    Provider(
        "AWS::ApiGatewayV2::Authorizer",
        _authorizer[0],
        _authorizer[2],
        _authorizer[1],
        properties=frozenset({"ApiId", *_AUTHORIZER_KEYS}),
        replace_on=frozenset({"ApiId"}),
        attributes=frozenset({"AuthorizerId"}),
    ),
    Provider(
        "AWS::ApiGatewayV2::Model",
        _model[0],
        _model[2],
        _model[1],
        properties=frozenset({"ApiId", *_MODEL_KEYS}),
        replace_on=frozenset({"ApiId"}),
        attributes=frozenset({"ModelId"}),
    ),
    Provider(
        "AWS::ApiGatewayV2::RouteResponse",
        _route_response[0],
        _route_response[2],
        _route_response[1],
        properties=frozenset({"ApiId", "RouteId", *_ROUTE_RESPONSE_KEYS}),
        replace_on=frozenset({"ApiId", "RouteId"}),
        attributes=frozenset({"RouteResponseId"}),
    ),
    Provider(
        "AWS::ApiGatewayV2::IntegrationResponse",
        _integration_response[0],
        _integration_response[2],
        _integration_response[1],
        properties=frozenset({"ApiId", "IntegrationId", *_INTEGRATION_RESPONSE_KEYS}),
        replace_on=frozenset({"ApiId", "IntegrationId"}),
        attributes=frozenset({"IntegrationResponseId"}),
    ),
    Provider(
        "AWS::ApiGatewayV2::Stage",
        _stage_create,
        _stage_delete,
        _stage_update,
        properties=frozenset({"ApiId", "StageName", "Tags", *_STAGE_KEYS}),
        replace_on=frozenset({"ApiId", "StageName"}),
    ),
    Provider(
        "AWS::ApiGatewayV2::Deployment",
        _deployment_create,
        _deployment_delete,
        _deployment_update,
        properties=frozenset({"ApiId", "Description", "StageName"}),
        replace_on=frozenset({"ApiId"}),
        attributes=frozenset({"DeploymentId"}),
    ),
)
