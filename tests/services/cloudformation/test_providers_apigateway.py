"""API Gateway REST API (v1) resource providers, driven directly (create / update / delete with a
provider `Context` on the server's loop), checked through boto3 and real HTTP requests to invoke URLs."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Coroutine
from typing import Any

import pytest

from cloudlet.protocol.errors import ServiceError
from cloudlet.services.cloudformation.providers import apigateway, apigatewayv2
from cloudlet.services.cloudformation.providers.base import Context, Created, Provider, Resource
from tests.services.apigateway.conftest import InvokeClient
from tests.services.lambda_.conftest import ROLE, package

ACCOUNT, REGION = "000000000000", "us-east-1"
STACK_ID = f"arn:aws:cloudformation:{REGION}:{ACCOUNT}:stack/apis/1234"
BY_TYPE: dict[str, Provider] = {p.type: p for p in (*apigateway.PROVIDERS, *apigatewayv2.PROVIDERS)}

HANDLER = """
import json
def handler(event, context):
    body = {"path": event["path"], "stage": event["requestContext"]["stage"]}
    return {"statusCode": 200, "body": json.dumps(body)}
"""


class Stack:
    """Runs providers against the test server as the engine does."""

    def __init__(self, cloudlet: Any) -> None:
        self.cloudlet = cloudlet
        self.cx = Context(cloudlet.app, ACCOUNT, REGION, "apis")
        self.live: dict[str, Resource] = {}

    def run(self, coro: Coroutine[Any, Any, Any]) -> Any:
        return asyncio.run_coroutine_threadsafe(coro, self.cloudlet._loop).result(30)

    def create(self, logical_id: str, type_: str, properties: dict[str, Any]) -> Created:
        resource = Resource(logical_id, type_, properties, "apis", STACK_ID, ACCOUNT, REGION)
        created = self.run(BY_TYPE[type_].create(self.cx, resource))
        resource.physical_id, resource.attributes = created.physical_id, created.attributes
        self.live[logical_id] = resource
        return created

    def update(self, logical_id: str, properties: dict[str, Any]) -> Created:
        resource = self.live[logical_id]
        provider = BY_TYPE[resource.type]
        assert provider.update is not None
        resource.old_properties, resource.properties = resource.properties, properties
        created = self.run(provider.update(self.cx, resource))
        resource.physical_id, resource.attributes = created.physical_id, created.attributes
        return created

    def delete(self, logical_id: str) -> None:
        resource = self.live[logical_id]
        self.run(BY_TYPE[resource.type].delete(self.cx, resource))
        self.run(BY_TYPE[resource.type].delete(self.cx, resource))  # again: already gone is fine


@pytest.fixture
def stack(cloudlet: Any) -> Stack:
    return Stack(cloudlet)


def test_rest_api_built_from_resources(stack: Stack, cloudlet: Any) -> None:
    apigw, invoke = cloudlet.client("apigateway"), InvokeClient(cloudlet.port)
    api = stack.create(
        "Api",
        "AWS::ApiGateway::RestApi",
        {
            "Name": "pets",
            "Description": "v1",
            "BinaryMediaTypes": ["image/png"],
            "EndpointConfiguration": {"Types": ["REGIONAL"]},
            "Tags": [{"Key": "team", "Value": "a"}],
        },
    )
    api_id = api.physical_id
    assert api.attributes["RootResourceId"] == apigw.get_resources(restApiId=api_id)["items"][0]["id"]
    doc = apigw.get_rest_api(restApiId=api_id)
    assert (doc["name"], doc["binaryMediaTypes"], doc["endpointConfiguration"]["types"]) == (
        "pets",
        ["image/png"],
        ["REGIONAL"],
    )
    assert doc["tags"] == {"team": "a"}
    res = stack.create(
        "Pets",
        "AWS::ApiGateway::Resource",
        {"RestApiId": api_id, "ParentId": api.attributes["RootResourceId"], "PathPart": "pets"},
    )
    assert res.attributes == {"ResourceId": res.physical_id}
    method_props = {
        "RestApiId": api_id,
        "ResourceId": res.physical_id,
        "HttpMethod": "GET",
        "AuthorizationType": "NONE",
        "RequestParameters": {"method.request.querystring.kind": "false"},
        "MethodResponses": [
            {"StatusCode": 200, "ResponseParameters": {"method.response.header.X-Kind": True}}
        ],
        "Integration": {
            "Type": "MOCK",
            "RequestTemplates": {"application/json": '{"statusCode": 200}'},
            "TimeoutInMillis": "5000",
            "IntegrationResponses": [
                {
                    "StatusCode": "200",
                    "ResponseParameters": {"method.response.header.X-Kind": "'cat'"},
                    "ResponseTemplates": {"application/json": '{"pets": ["tom"]}'},
                }
            ],
        },
    }
    method = stack.create("PetsGet", "AWS::ApiGateway::Method", method_props)
    assert method.physical_id.startswith("apis-petsg-")
    integration = apigw.get_integration(restApiId=api_id, resourceId=res.physical_id, httpMethod="GET")
    assert integration["timeoutInMillis"] == 5000
    deployment = stack.create(
        "Deployment",
        "AWS::ApiGateway::Deployment",
        {
            "RestApiId": api_id,
            "Description": "first",
            "StageName": "dev",
            "StageDescription": {
                "Variables": {"color": "blue"},
                "MetricsEnabled": True,
                "TracingEnabled": True,
            },
        },
    )
    dev = apigw.get_stage(restApiId=api_id, stageName="dev")
    assert dev["deploymentId"] == deployment.physical_id
    assert dev["variables"] == {"color": "blue"} and dev["tracingEnabled"] is True
    assert dev["methodSettings"]["*/*"]["metricsEnabled"] is True
    stage = stack.create(
        "Prod",
        "AWS::ApiGateway::Stage",
        {
            "RestApiId": api_id,
            "StageName": "prod",
            "DeploymentId": deployment.physical_id,
            "Variables": {"a": "1", "b": "2"},
            "MethodSettings": [
                {
                    "ResourcePath": "/~1pets",
                    "HttpMethod": "GET",
                    "ThrottlingRateLimit": 10,
                    "ThrottlingBurstLimit": 5,
                }
            ],
            "AccessLogSetting": {
                "DestinationArn": "arn:aws:logs:us-east-1:000000000000:log-group:x",
                "Format": "$context.requestId",
            },
            "Tags": [{"Key": "env", "Value": "prod"}],
        },
    )
    assert stage.physical_id == "prod"
    prod = apigw.get_stage(restApiId=api_id, stageName="prod")
    assert prod["methodSettings"]["pets/GET"]["throttlingRateLimit"] == 10.0
    assert prod["accessLogSettings"]["format"] == "$context.requestId"
    assert prod["tags"] == {"env": "prod"}
    reply = invoke("GET", api_id, "/prod/pets")
    assert (reply.status, reply.json(), reply.headers["x-kind"]) == (200, {"pets": ["tom"]}, "cat")

    # updates in place: API properties, the method (put again), stage variables and settings
    stack.update(
        "Api",
        {
            "Name": "pets2",
            "BinaryMediaTypes": ["image/gif"],
            "EndpointConfiguration": {"Types": ["REGIONAL"]},
        },
    )
    doc = apigw.get_rest_api(restApiId=api_id)
    assert (doc["name"], doc["binaryMediaTypes"], doc.get("description"), doc.get("tags")) == (
        "pets2",
        ["image/gif"],
        None,
        None,
    )
    method_props["Integration"]["IntegrationResponses"][0]["ResponseTemplates"] = {
        "application/json": '{"v": 2}'
    }
    stack.update("PetsGet", method_props)
    redeploy = stack.create("Deployment2", "AWS::ApiGateway::Deployment", {"RestApiId": api_id})
    stack.update(
        "Prod",
        {
            "RestApiId": api_id,
            "StageName": "prod",
            "DeploymentId": redeploy.physical_id,
            "Variables": {"a": "3"},
        },
    )
    prod = apigw.get_stage(restApiId=api_id, stageName="prod")
    assert prod["variables"] == {"a": "3"} and "accessLogSettings" not in prod
    assert "pets/GET" not in prod["methodSettings"] and not prod.get("tags")
    assert invoke("GET", api_id, "/prod/pets").json() == {"v": 2}
    assert invoke("GET", api_id, "/dev/pets").json() == {"pets": ["tom"]}

    # deletes, each twice (already gone is fine); the deployment takes the stage it created along
    stack.delete("Prod")
    stack.delete("Deployment")
    assert [s["stageName"] for s in apigw.get_stages(restApiId=api_id)["item"]] == []
    stack.delete("PetsGet")
    stack.delete("Pets")
    stack.delete("Api")
    assert apigw.get_rest_apis()["items"] == []
    stack.delete("Deployment2")


def test_rest_api_from_openapi_body_serves_lambda(stack: Stack, cloudlet: Any) -> None:
    """What SAM generates for `AWS::Serverless::Api`: RestApi with Body, Deployment with StageName
    `Stage`, and a Stage pointing at the deployment."""
    lam, apigw, invoke = cloudlet.client("lambda"), cloudlet.client("apigateway"), InvokeClient(cloudlet.port)
    arn = lam.create_function(
        FunctionName="fn",
        Runtime="python3.11",
        Role=ROLE,
        Handler="app.handler",
        Code={"ZipFile": package({"app.py": HANDLER})},
    )["FunctionArn"]
    uri = f"arn:aws:apigateway:{REGION}:lambda:path/2015-03-31/functions/{arn}/invocations"

    def body(*paths: str) -> dict[str, Any]:
        return {
            "swagger": "2.0",
            "info": {"version": "1.0", "title": "from-body"},
            "paths": {
                path: {
                    "get": {
                        "x-amazon-apigateway-integration": {
                            "httpMethod": "POST",
                            "type": "aws_proxy",
                            "uri": uri,
                        },
                        "responses": {},
                    }
                }
                for path in paths
            },
        }

    api = stack.create(
        "ServerlessRestApi",
        "AWS::ApiGateway::RestApi",
        {"Body": body("/hello"), "Tags": [{"Key": "k", "Value": "v"}]},
    )
    api_id = api.physical_id
    assert apigw.get_rest_api(restApiId=api_id)["name"] == "from-body"
    deployment = stack.create(
        "ServerlessRestApiDeploymentabc",
        "AWS::ApiGateway::Deployment",
        {"RestApiId": api_id, "Description": "RestApi deployment id: abc", "StageName": "Stage"},
    )
    stack.create(
        "ServerlessRestApiProdStage",
        "AWS::ApiGateway::Stage",
        {"RestApiId": api_id, "DeploymentId": deployment.physical_id, "StageName": "Prod"},
    )
    reply = invoke("GET", api_id, "/Prod/hello")
    assert (reply.status, reply.json()) == (200, {"path": "/hello", "stage": "Prod"})

    # a changed Body is put over the API (mode overwrite); SAM then makes a new deployment
    stack.update("ServerlessRestApi", {"Body": body("/bye"), "Name": "named"})
    paths = sorted(r["path"] for r in apigw.get_resources(restApiId=api_id)["items"])
    assert paths == ["/", "/bye"]
    assert apigw.get_rest_api(restApiId=api_id)["name"] == "named"
    redeploy = stack.create(
        "ServerlessRestApiDeploymentdef",
        "AWS::ApiGateway::Deployment",
        {"RestApiId": api_id, "StageName": "Stage"},
    )
    stack.update(
        "ServerlessRestApiProdStage",
        {"RestApiId": api_id, "DeploymentId": redeploy.physical_id, "StageName": "Prod"},
    )
    stack.delete("ServerlessRestApiDeploymentabc")
    assert invoke("GET", api_id, "/Prod/bye").json() == {"path": "/bye", "stage": "Prod"}
    assert invoke("GET", api_id, "/Prod/hello").status == 403


def test_body_from_s3_and_bad_body(stack: Stack, cloudlet: Any) -> None:
    s3, apigw = cloudlet.client("s3"), cloudlet.client("apigateway")
    s3.create_bucket(Bucket="defs")
    definition = {
        "openapi": "3.0.1",
        "info": {"title": "s3-api", "version": "1"},
        "paths": {"/x": {"get": {}}},
    }
    s3.put_object(Bucket="defs", Key="api.json", Body=json.dumps(definition).encode())
    api = stack.create(
        "Api", "AWS::ApiGateway::RestApi", {"BodyS3Location": {"Bucket": "defs", "Key": "api.json"}}
    )
    assert apigw.get_rest_api(restApiId=api.physical_id)["name"] == "s3-api"
    with pytest.raises(ServiceError) as failure:
        stack.create("Bad", "AWS::ApiGateway::RestApi", {"Body": "not: [valid", "FailOnWarnings": True})
    assert failure.value.code == "BadRequestException"
    assert [a["name"] for a in apigw.get_rest_apis()["items"]] == ["s3-api"]
