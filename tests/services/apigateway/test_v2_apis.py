"""HTTP APIs control plane: APIs, quick create, CORS, tags."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.services.apigateway.conftest import ACCOUNT, REGION

FUNCTION_ARN = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:handler"


def error(excinfo: pytest.ExceptionInfo[ClientError]) -> tuple[str, str, int]:
    response: Any = excinfo.value.response
    return (
        response["Error"]["Code"],
        response["Error"]["Message"],
        response["ResponseMetadata"]["HTTPStatusCode"],
    )


def test_create_get_list_update_delete(apigw2: Any, cloudlet: Any) -> None:
    created = apigw2.create_api(
        Name="shop", ProtocolType="HTTP", Description="d", Version="1", Tags={"a": "b"}
    )
    api_id = created["ApiId"]
    assert len(api_id) == 10
    assert created["ApiEndpoint"] == f"http://{api_id}.execute-api.localhost.localstack.cloud:{cloudlet.port}"
    assert created["RouteSelectionExpression"] == "$request.method $request.path"
    assert created["ApiKeySelectionExpression"] == "$request.header.x-api-key"
    assert created["DisableExecuteApiEndpoint"] is False
    assert created["Tags"] == {"a": "b"}
    assert created["ResponseMetadata"]["HTTPStatusCode"] == 201

    got = apigw2.get_api(ApiId=api_id)
    assert {k: v for k, v in got.items() if k != "ResponseMetadata"} == {
        k: v for k, v in created.items() if k != "ResponseMetadata"
    }

    updated = apigw2.update_api(ApiId=api_id, Name="shop2", DisableExecuteApiEndpoint=True)
    assert updated["Name"] == "shop2"
    assert updated["Description"] == "d"
    assert updated["DisableExecuteApiEndpoint"] is True
    assert [a["ApiId"] for a in apigw2.get_apis()["Items"]] == [api_id]

    apigw2.delete_api(ApiId=api_id)
    with pytest.raises(ClientError) as excinfo:
        apigw2.get_api(ApiId=api_id)
    assert error(excinfo) == (
        "NotFoundException",
        f"Invalid API identifier specified {ACCOUNT}:{api_id}",
        404,
    )
    assert apigw2.get_apis()["Items"] == []


def test_not_found_everywhere(apigw2: Any) -> None:
    for call in (
        lambda: apigw2.update_api(ApiId="nope", Name="x"),
        lambda: apigw2.delete_api(ApiId="nope"),
        lambda: apigw2.get_routes(ApiId="nope"),
        lambda: apigw2.delete_cors_configuration(ApiId="nope"),
    ):
        with pytest.raises(ClientError) as excinfo:
            call()
        assert error(excinfo)[0] == "NotFoundException"


def test_get_apis_pages(apigw2: Any) -> None:
    ids = [apigw2.create_api(Name=f"a{i}", ProtocolType="HTTP")["ApiId"] for i in range(5)]
    first = apigw2.get_apis(MaxResults="2")
    assert [a["ApiId"] for a in first["Items"]] == ids[:2]
    second = apigw2.get_apis(MaxResults="2", NextToken=first["NextToken"])
    third = apigw2.get_apis(MaxResults="2", NextToken=second["NextToken"])
    assert [a["ApiId"] for a in second["Items"] + third["Items"]] == ids[2:]
    assert "NextToken" not in third
    paginator = apigw2.get_paginator("get_apis")
    assert [
        a["ApiId"] for page in paginator.paginate(PaginationConfig={"PageSize": 3}) for a in page["Items"]
    ] == ids


def test_quick_create_lambda(apigw2: Any) -> None:
    api = apigw2.create_api(Name="quick", ProtocolType="HTTP", Target=FUNCTION_ARN)
    api_id = api["ApiId"]
    [integration] = apigw2.get_integrations(ApiId=api_id)["Items"]
    assert integration["IntegrationType"] == "AWS_PROXY"
    assert integration["IntegrationUri"] == FUNCTION_ARN
    assert integration["PayloadFormatVersion"] == "2.0"
    assert integration["TimeoutInMillis"] == 30000
    assert integration["ApiGatewayManaged"] is True
    [route] = apigw2.get_routes(ApiId=api_id)["Items"]
    assert route["RouteKey"] == "$default"
    assert route["Target"] == f"integrations/{integration['IntegrationId']}"
    assert route["AuthorizationType"] == "NONE"
    [stage] = apigw2.get_stages(ApiId=api_id)["Items"]
    assert stage["StageName"] == "$default"
    assert stage["AutoDeploy"] is True
    [deployment] = apigw2.get_deployments(ApiId=api_id)["Items"]
    assert stage["DeploymentId"] == deployment["DeploymentId"]
    assert deployment["AutoDeployed"] is True
    assert deployment["DeploymentStatus"] == "DEPLOYED"


def test_quick_create_http_with_route_key_and_update(apigw2: Any) -> None:
    api = apigw2.create_api(
        Name="quick", ProtocolType="HTTP", Target="https://example.com/items", RouteKey="GET /items"
    )
    api_id = api["ApiId"]
    [integration] = apigw2.get_integrations(ApiId=api_id)["Items"]
    assert (integration["IntegrationType"], integration["IntegrationMethod"]) == ("HTTP_PROXY", "ANY")
    assert integration["PayloadFormatVersion"] == "1.0"
    [route] = apigw2.get_routes(ApiId=api_id)["Items"]
    assert route["RouteKey"] == "GET /items"
    before = apigw2.get_stage(ApiId=api_id, StageName="$default")["DeploymentId"]

    apigw2.update_api(ApiId=api_id, Target="https://example.org/other", RouteKey="POST /other")
    assert apigw2.get_integrations(ApiId=api_id)["Items"][0]["IntegrationUri"] == "https://example.org/other"
    assert apigw2.get_routes(ApiId=api_id)["Items"][0]["RouteKey"] == "POST /other"
    assert apigw2.get_stage(ApiId=api_id, StageName="$default")["DeploymentId"] != before


def test_quick_create_rejects_bad_target(apigw2: Any) -> None:
    with pytest.raises(ClientError) as excinfo:
        apigw2.create_api(Name="q", ProtocolType="HTTP", Target="ftp://nowhere")
    assert error(excinfo)[0] == "BadRequestException"
    assert apigw2.get_apis()["Items"] == []


def test_cors_configuration(apigw2: Any) -> None:
    cors = {
        "AllowOrigins": ["https://example.com"],
        "AllowMethods": ["GET", "POST"],
        "AllowHeaders": ["content-type"],
        "ExposeHeaders": ["x-id"],
        "MaxAge": 300,
        "AllowCredentials": True,
    }
    api_id = apigw2.create_api(Name="c", ProtocolType="HTTP", CorsConfiguration=cors)["ApiId"]
    assert apigw2.get_api(ApiId=api_id)["CorsConfiguration"] == cors
    with pytest.raises(ClientError) as excinfo:
        apigw2.update_api(ApiId=api_id, CorsConfiguration={"AllowOrigins": ["*"], "AllowCredentials": True})
    assert error(excinfo)[0] == "BadRequestException"
    with pytest.raises(ClientError) as excinfo:
        apigw2.update_api(ApiId=api_id, CorsConfiguration={"MaxAge": 90000})
    assert error(excinfo)[0] == "BadRequestException"
    apigw2.delete_cors_configuration(ApiId=api_id)
    assert "CorsConfiguration" not in apigw2.get_api(ApiId=api_id)


def test_websocket_api_is_stored(apigw2: Any) -> None:
    with pytest.raises(ClientError) as excinfo:
        apigw2.create_api(Name="ws", ProtocolType="WEBSOCKET")
    assert error(excinfo)[0] == "BadRequestException"
    api = apigw2.create_api(
        Name="ws", ProtocolType="WEBSOCKET", RouteSelectionExpression="$request.body.action"
    )
    assert api["ApiEndpoint"].startswith("ws://")
    route = apigw2.create_route(ApiId=api["ApiId"], RouteKey="$connect")
    assert route["RouteKey"] == "$connect"


def test_tags(apigw2: Any) -> None:
    api_id = apigw2.create_api(Name="t", ProtocolType="HTTP", Tags={"a": "1"})["ApiId"]
    arn = f"arn:aws:apigateway:{REGION}::/apis/{api_id}"
    apigw2.tag_resource(ResourceArn=arn, Tags={"b": "2"})
    assert apigw2.get_tags(ResourceArn=arn)["Tags"] == {"a": "1", "b": "2"}
    apigw2.untag_resource(ResourceArn=arn, TagKeys=["a"])
    assert apigw2.get_api(ApiId=api_id)["Tags"] == {"b": "2"}

    apigw2.create_stage(ApiId=api_id, StageName="prod", Tags={"s": "1"})
    stage_arn = f"{arn}/stages/prod"
    apigw2.tag_resource(ResourceArn=stage_arn, Tags={"t": "2"})
    assert apigw2.get_stage(ApiId=api_id, StageName="prod")["Tags"] == {"s": "1", "t": "2"}

    with pytest.raises(ClientError) as excinfo:
        apigw2.get_tags(ResourceArn=f"arn:aws:apigateway:{REGION}::/apis/nope")
    assert error(excinfo)[0] == "NotFoundException"


def test_delete_api_cascades(apigw2: Any, cloudlet: Any) -> None:
    api_id = apigw2.create_api(Name="q", ProtocolType="HTTP", Target=FUNCTION_ARN)["ApiId"]
    other = apigw2.create_api(Name="keep", ProtocolType="HTTP", Target=FUNCTION_ARN)["ApiId"]
    apigw2.delete_api(ApiId=api_id)
    with pytest.raises(ClientError):
        apigw2.get_routes(ApiId=api_id)
    app = cloudlet.app
    with app.db.read() as conn:
        left = conn.execute(
            "SELECT kind, scope FROM apigw_doc WHERE scope LIKE ? OR id = ?", (f"{api_id}%", api_id)
        )
        assert left.fetchall() == []
    assert len(apigw2.get_routes(ApiId=other)["Items"]) == 1
