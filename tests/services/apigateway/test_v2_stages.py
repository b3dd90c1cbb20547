"""HTTP APIs control plane: stages, deployments, auto-deploy, authorizers, models."""

from __future__ import annotations

import json
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.services.apigateway.conftest import ACCOUNT, REGION, lambda_uri

FUNCTION_ARN = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:handler"


def code(excinfo: pytest.ExceptionInfo[ClientError]) -> str:
    return str(excinfo.value.response["Error"]["Code"])


@pytest.fixture
def api_id(apigw2: Any) -> str:
    return str(apigw2.create_api(Name="api", ProtocolType="HTTP")["ApiId"])


def test_stage_round_trip(apigw2: Any, api_id: str) -> None:
    created = apigw2.create_stage(
        ApiId=api_id,
        StageName="prod",
        Description="production",
        StageVariables={"color": "blue"},
        DefaultRouteSettings={"ThrottlingBurstLimit": 10, "ThrottlingRateLimit": 5.0},
        RouteSettings={"GET /items": {"ThrottlingBurstLimit": 1}},
        AccessLogSettings={
            "DestinationArn": f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:g",
            "Format": "$context.requestId",
        },
    )
    assert created["StageName"] == "prod"
    assert created["AutoDeploy"] is False
    assert created["DefaultRouteSettings"] == {
        "DetailedMetricsEnabled": False,
        "ThrottlingBurstLimit": 10,
        "ThrottlingRateLimit": 5.0,
    }
    assert "DeploymentId" not in created
    with pytest.raises(ClientError) as excinfo:
        apigw2.create_stage(ApiId=api_id, StageName="prod")
    assert code(excinfo) == "ConflictException"

    updated = apigw2.update_stage(
        ApiId=api_id,
        StageName="prod",
        StageVariables={"size": "L"},
        DefaultRouteSettings={"ThrottlingBurstLimit": 20},
    )
    assert updated["StageVariables"] == {"color": "blue", "size": "L"}
    assert updated["DefaultRouteSettings"]["ThrottlingRateLimit"] == 5.0
    assert updated["DefaultRouteSettings"]["ThrottlingBurstLimit"] == 20
    assert updated["Description"] == "production"

    apigw2.delete_route_settings(ApiId=api_id, StageName="prod", RouteKey="GET /items")
    assert apigw2.get_stage(ApiId=api_id, StageName="prod")["RouteSettings"] == {}
    with pytest.raises(ClientError) as excinfo:
        apigw2.delete_route_settings(ApiId=api_id, StageName="prod", RouteKey="GET /items")
    assert code(excinfo) == "NotFoundException"
    apigw2.delete_access_log_settings(ApiId=api_id, StageName="prod")
    assert "AccessLogSettings" not in apigw2.get_stage(ApiId=api_id, StageName="prod")

    assert [s["StageName"] for s in apigw2.get_stages(ApiId=api_id)["Items"]] == ["prod"]
    apigw2.delete_stage(ApiId=api_id, StageName="prod")
    with pytest.raises(ClientError) as excinfo:
        apigw2.get_stage(ApiId=api_id, StageName="prod")
    assert code(excinfo) == "NotFoundException"


def test_stage_name_and_variables_are_checked(apigw2: Any, api_id: str) -> None:
    for kwargs in (
        {"StageName": "bad name"},
        {"StageName": "ok", "StageVariables": {"bad-name": "x"}},
        {"StageName": "ok", "DeploymentId": "abcdef"},
    ):
        with pytest.raises(ClientError) as excinfo:
            apigw2.create_stage(ApiId=api_id, **kwargs)
        assert code(excinfo) in ("BadRequestException", "NotFoundException"), kwargs
    assert apigw2.get_stages(ApiId=api_id)["Items"] == []


def add_route(apigw2: Any, api_id: str, key: str = "GET /items") -> str:
    integration_id = apigw2.create_integration(
        ApiId=api_id,
        IntegrationType="AWS_PROXY",
        IntegrationUri=lambda_uri(FUNCTION_ARN),
        PayloadFormatVersion="2.0",
    )["IntegrationId"]
    return str(
        apigw2.create_route(ApiId=api_id, RouteKey=key, Target=f"integrations/{integration_id}")["RouteId"]
    )


def test_create_deployment_and_point_stage(apigw2: Any, api_id: str, cloudlet: Any) -> None:
    with pytest.raises(ClientError) as excinfo:
        apigw2.create_deployment(ApiId=api_id)
    assert code(excinfo) == "BadRequestException"
    assert (
        excinfo.value.response["Error"]["Message"]
        == "Unable to deploy API because no routes exist in this API"
    )

    add_route(apigw2, api_id)
    apigw2.create_stage(ApiId=api_id, StageName="prod")
    deployment = apigw2.create_deployment(ApiId=api_id, StageName="prod", Description="first")
    assert len(deployment["DeploymentId"]) == 6
    assert deployment["AutoDeployed"] is False
    assert deployment["DeploymentStatus"] == "DEPLOYED"
    assert apigw2.get_stage(ApiId=api_id, StageName="prod")["DeploymentId"] == deployment["DeploymentId"]

    with cloudlet.app.db.read() as conn:
        row = conn.execute(
            "SELECT doc FROM apigw_doc WHERE kind = 'snapshot2' AND scope = ? AND id = ?",
            (api_id, deployment["DeploymentId"]),
        ).fetchone()
    frozen = json.loads(row[0])
    assert [r["routeKey"] for r in frozen["routes"]] == ["GET /items"]
    assert frozen["api"]["apiId"] == api_id

    unpointed = apigw2.create_deployment(ApiId=api_id)
    assert apigw2.get_stage(ApiId=api_id, StageName="prod")["DeploymentId"] == deployment["DeploymentId"]
    assert (
        apigw2.update_deployment(ApiId=api_id, DeploymentId=unpointed["DeploymentId"], Description="x")[
            "Description"
        ]
        == "x"
    )
    assert [d["DeploymentId"] for d in apigw2.get_deployments(ApiId=api_id)["Items"]] == [
        deployment["DeploymentId"],
        unpointed["DeploymentId"],
    ]
    with pytest.raises(ClientError) as excinfo:
        apigw2.delete_deployment(ApiId=api_id, DeploymentId=deployment["DeploymentId"])
    assert code(excinfo) == "BadRequestException"
    apigw2.delete_deployment(ApiId=api_id, DeploymentId=unpointed["DeploymentId"])
    with pytest.raises(ClientError) as excinfo:
        apigw2.get_deployment(ApiId=api_id, DeploymentId=unpointed["DeploymentId"])
    assert code(excinfo) == "NotFoundException"

    apigw2.update_stage(ApiId=api_id, StageName="prod", DeploymentId=deployment["DeploymentId"])


def test_auto_deploy_follows_changes(apigw2: Any, api_id: str) -> None:
    stage = apigw2.create_stage(ApiId=api_id, StageName="$default", AutoDeploy=True)
    assert "DeploymentId" not in stage
    assert stage["LastDeploymentStatusMessage"].startswith("Deployment attempt failed")

    route_id = add_route(apigw2, api_id)
    first = apigw2.get_stage(ApiId=api_id, StageName="$default")
    assert first["DeploymentId"]
    assert first["LastDeploymentStatusMessage"] == (
        f"Successfully deployed stage with deployment ID '{first['DeploymentId']}'"
    )
    apigw2.update_route(ApiId=api_id, RouteId=route_id, RouteKey="POST /items")
    second = apigw2.get_stage(ApiId=api_id, StageName="$default")["DeploymentId"]
    assert second != first["DeploymentId"]
    apigw2.update_api(ApiId=api_id, CorsConfiguration={"AllowOrigins": ["https://example.com"]})
    third = apigw2.get_stage(ApiId=api_id, StageName="$default")["DeploymentId"]
    assert third != second
    deployments = apigw2.get_deployments(ApiId=api_id)["Items"]
    assert all(d["AutoDeployed"] for d in deployments)
    assert deployments[-1]["DeploymentId"] == third

    # a stage that does not auto-deploy keeps what it was given
    apigw2.create_stage(ApiId=api_id, StageName="fixed", DeploymentId=third)
    add_route(apigw2, api_id, "GET /more")
    assert apigw2.get_stage(ApiId=api_id, StageName="fixed")["DeploymentId"] == third
    assert apigw2.get_stage(ApiId=api_id, StageName="$default")["DeploymentId"] != third


def test_jwt_and_lambda_authorizers(apigw2: Any, api_id: str) -> None:
    jwt = apigw2.create_authorizer(
        ApiId=api_id,
        AuthorizerType="JWT",
        Name="jwt",
        IdentitySource=["$request.header.Authorization"],
        JwtConfiguration={"Issuer": "https://issuer.example.com", "Audience": ["a1"]},
    )
    assert len(jwt["AuthorizerId"]) == 6
    updated = apigw2.update_authorizer(
        ApiId=api_id, AuthorizerId=jwt["AuthorizerId"], JwtConfiguration={"Audience": ["a1", "a2"]}
    )
    assert updated["JwtConfiguration"] == {"Issuer": "https://issuer.example.com", "Audience": ["a1", "a2"]}

    request = apigw2.create_authorizer(
        ApiId=api_id,
        AuthorizerType="REQUEST",
        Name="lambda",
        AuthorizerUri=lambda_uri(FUNCTION_ARN),
        AuthorizerPayloadFormatVersion="2.0",
        EnableSimpleResponses=True,
        AuthorizerResultTtlInSeconds=300,
        IdentitySource=["$request.header.X-Token", "$context.stage"],
    )
    assert request["EnableSimpleResponses"] is True
    got = apigw2.get_authorizer(ApiId=api_id, AuthorizerId=request["AuthorizerId"])
    assert got["IdentitySource"] == ["$request.header.X-Token", "$context.stage"]
    assert [a["Name"] for a in apigw2.get_authorizers(ApiId=api_id)["Items"]] == ["jwt", "lambda"]

    apigw2.create_stage(ApiId=api_id, StageName="prod")
    apigw2.reset_authorizers_cache(ApiId=api_id, StageName="prod")
    with pytest.raises(ClientError) as excinfo:
        apigw2.reset_authorizers_cache(ApiId=api_id, StageName="nope")
    assert code(excinfo) == "NotFoundException"

    apigw2.delete_authorizer(ApiId=api_id, AuthorizerId=request["AuthorizerId"])
    with pytest.raises(ClientError) as excinfo:
        apigw2.get_authorizer(ApiId=api_id, AuthorizerId=request["AuthorizerId"])
    assert code(excinfo) == "NotFoundException"


def test_authorizer_validation(apigw2: Any, api_id: str) -> None:
    for kwargs in (
        {"AuthorizerType": "JWT", "IdentitySource": ["$request.header.Authorization"]},
        {
            "AuthorizerType": "JWT",
            "IdentitySource": ["$request.header.A", "$request.header.B"],
            "JwtConfiguration": {"Issuer": "https://i", "Audience": ["a"]},
        },
        {
            "AuthorizerType": "REQUEST",
            "IdentitySource": ["$request.header.A"],
            "AuthorizerUri": lambda_uri(FUNCTION_ARN),
        },
        {
            "AuthorizerType": "REQUEST",
            "IdentitySource": ["$request.header.A"],
            "AuthorizerUri": lambda_uri(FUNCTION_ARN),
            "AuthorizerPayloadFormatVersion": "1.0",
            "EnableSimpleResponses": True,
        },
        {
            "AuthorizerType": "REQUEST",
            "IdentitySource": ["header.A"],
            "AuthorizerUri": lambda_uri(FUNCTION_ARN),
            "AuthorizerPayloadFormatVersion": "2.0",
        },
    ):
        with pytest.raises(ClientError) as excinfo:
            apigw2.create_authorizer(ApiId=api_id, Name="a", **kwargs)
        assert code(excinfo) == "BadRequestException", kwargs


def test_models(apigw2: Any, api_id: str) -> None:
    schema = json.dumps(
        {
            "type": "object",
            "properties": {"name": {"type": "string"}, "price": {"type": "number"}},
        }
    )
    model = apigw2.create_model(ApiId=api_id, Name="Item", Schema=schema, ContentType="application/json")
    model_id = model["ModelId"]
    assert len(model_id) == 6
    with pytest.raises(ClientError) as excinfo:
        apigw2.create_model(ApiId=api_id, Name="Item", Schema=schema)
    assert code(excinfo) == "ConflictException"
    with pytest.raises(ClientError) as excinfo:
        apigw2.create_model(ApiId=api_id, Name="Bad", Schema="{not json")
    assert code(excinfo) == "BadRequestException"
    template = apigw2.get_model_template(ApiId=api_id, ModelId=model_id)["Value"]
    assert '"name" : "$inputRoot.name"' in template
    assert '"price" : $inputRoot.price' in template
    assert apigw2.update_model(ApiId=api_id, ModelId=model_id, Description="d")["Description"] == "d"
    assert [m["Name"] for m in apigw2.get_models(ApiId=api_id)["Items"]] == ["Item"]
    apigw2.delete_model(ApiId=api_id, ModelId=model_id)
    with pytest.raises(ClientError) as excinfo:
        apigw2.get_model(ApiId=api_id, ModelId=model_id)
    assert code(excinfo) == "NotFoundException"
