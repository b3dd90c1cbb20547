"""API Gateway resources through real stacks (CreateStack / UpdateStack / DeleteStack): SAM `Api` and
`HttpApi` events end to end over HTTP, a plain CloudFormation REST API, and a failed create rolled back."""

from __future__ import annotations

import json
from typing import Any

from tests.services.apigateway.conftest import InvokeClient

SAM = """
AWSTemplateFormatVersion: '2010-09-09'
Transform: AWS::Serverless-2016-10-31
Resources:
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.11
      Handler: index.handler
      InlineCode: |
        import json
        def handler(event, context):
            if "rawPath" in event:
                return {"statusCode": 200, "body": "http " + event["rawPath"]}
            return {"statusCode": 201, "body": json.dumps(event["pathParameters"])}
      Events:
        Rest:
          Type: Api
          Properties:
            Path: /items/{id}
            Method: get
        Http:
          Type: HttpApi
          Properties:
            Path: /hello
            Method: get
%(more)sOutputs:
  RestApiId:
    Value: !Ref ServerlessRestApi
  HttpApiId:
    Value: !Ref ServerlessHttpApi
  HttpApiUrl:
    Value: !GetAtt ServerlessHttpApi.ApiEndpoint
"""
MORE_EVENTS = """\
        RestPost:
          Type: Api
          Properties:
            Path: /items/{id}
            Method: post
        HttpBye:
          Type: HttpApi
          Properties:
            Path: /bye
            Method: get
"""


def _deploy(cloudlet: Any, name: str, body: str, update: bool = False) -> dict[str, str]:
    cfn = cloudlet.client("cloudformation")
    call = cfn.update_stack if update else cfn.create_stack
    call(StackName=name, TemplateBody=body, Capabilities=["CAPABILITY_IAM", "CAPABILITY_AUTO_EXPAND"])
    cloudlet.settle()
    stack = cfn.describe_stacks(StackName=name)["Stacks"][0]
    assert stack["StackStatus"] in ("CREATE_COMPLETE", "UPDATE_COMPLETE"), stack.get("StackStatusReason")
    return {o["OutputKey"]: o["OutputValue"] for o in stack.get("Outputs") or []}


def test_sam_api_and_http_api_events_end_to_end(cloudlet: Any) -> None:
    invoke = InvokeClient(cloudlet.port)
    apigw, apigw2 = cloudlet.client("apigateway"), cloudlet.client("apigatewayv2")
    out = _deploy(cloudlet, "sam", SAM % {"more": ""})
    rest, http = out["RestApiId"], out["HttpApiId"]
    assert out["HttpApiUrl"] == apigw2.get_api(ApiId=http)["ApiEndpoint"]
    reply = invoke("GET", rest, "/Prod/items/42")
    assert (reply.status, reply.json()) == (201, {"id": "42"})
    assert invoke("GET", rest, "/Stage/items/42").status == 201  # SAM's deployment stage
    assert invoke("GET", http, "/hello").body == b"http /hello"
    assert invoke("GET", http, "/hello", host=True).body == b"http /hello"

    # more events: the REST API's body is put again with a new deployment, the HTTP API reimported
    out = _deploy(cloudlet, "sam", SAM % {"more": MORE_EVENTS}, update=True)
    assert (out["RestApiId"], out["HttpApiId"]) == (rest, http)
    assert invoke("POST", rest, "/Prod/items/7").json() == {"id": "7"}
    assert invoke("GET", rest, "/Prod/items/7").json() == {"id": "7"}
    assert invoke("DELETE", rest, "/Prod/items/7").status == 403
    assert invoke("GET", http, "/bye").body == b"http /bye"
    assert invoke("GET", http, "/hello").body == b"http /hello"
    assert len(apigw.get_deployments(restApiId=rest)["items"]) == 1

    cloudlet.client("cloudformation").delete_stack(StackName="sam")
    cloudlet.settle()
    assert apigw.get_rest_apis()["items"] == [] and apigw2.get_apis()["Items"] == []


def _rest_template(body_status: int) -> dict[str, Any]:
    mock = {
        "Type": "MOCK",
        "RequestTemplates": {"application/json": '{"statusCode": 200}'},
        "IntegrationResponses": [
            {"StatusCode": 200, "ResponseTemplates": {"application/json": json.dumps({"n": body_status})}}
        ],
    }
    return {
        "Parameters": {"Stage": {"Type": "String", "Default": "live"}},
        "Resources": {
            "Api": {
                "Type": "AWS::ApiGateway::RestApi",
                "Properties": {"Name": {"Fn::Sub": "${AWS::StackName}-api"}},
            },
            "Things": {
                "Type": "AWS::ApiGateway::Resource",
                "Properties": {
                    "RestApiId": {"Ref": "Api"},
                    "ParentId": {"Fn::GetAtt": ["Api", "RootResourceId"]},
                    "PathPart": "things",
                },
            },
            "ThingsGet": {
                "Type": "AWS::ApiGateway::Method",
                "Properties": {
                    "RestApiId": {"Ref": "Api"},
                    "ResourceId": {"Ref": "Things"},
                    "HttpMethod": "GET",
                    "AuthorizationType": "NONE",
                    "MethodResponses": [{"StatusCode": 200}],
                    "Integration": mock,
                },
            },
            f"Deployment{body_status}": {
                "Type": "AWS::ApiGateway::Deployment",
                "DependsOn": "ThingsGet",
                "Properties": {"RestApiId": {"Ref": "Api"}},
            },
            "Stage": {
                "Type": "AWS::ApiGateway::Stage",
                "Properties": {
                    "RestApiId": {"Ref": "Api"},
                    "StageName": {"Ref": "Stage"},
                    "DeploymentId": {"Ref": f"Deployment{body_status}"},
                    "Variables": {"n": str(body_status)},
                },
            },
        },
        "Outputs": {
            "ApiId": {"Value": {"Ref": "Api"}},
            "Root": {"Value": {"Fn::GetAtt": ["Api", "RootResourceId"]}},
            "StageName": {"Value": {"Ref": "Stage"}},
        },
    }


def test_cloudformation_rest_api_update_and_rollback(cloudlet: Any) -> None:
    invoke, apigw = InvokeClient(cloudlet.port), cloudlet.client("apigateway")
    out = _deploy(cloudlet, "rest", json.dumps(_rest_template(1)))
    api_id = out["ApiId"]
    assert out["StageName"] == "live"
    assert out["Root"] == next(
        r["id"] for r in apigw.get_resources(restApiId=api_id)["items"] if r["path"] == "/"
    )
    assert apigw.get_rest_api(restApiId=api_id)["name"] == "rest-api"
    assert invoke("GET", api_id, "/live/things").json() == {"n": 1}

    out = _deploy(cloudlet, "rest", json.dumps(_rest_template(2)), update=True)
    assert invoke("GET", api_id, "/live/things").json() == {"n": 2}
    assert apigw.get_stage(restApiId=api_id, stageName="live")["variables"] == {"n": "2"}
    assert len(apigw.get_deployments(restApiId=api_id)["items"]) == 1

    # a create that fails (an invalid OpenAPI body) rolls back: no API is left behind
    cfn = cloudlet.client("cloudformation")
    bad = {
        "Resources": {
            "Good": {
                "Type": "AWS::ApiGatewayV2::Api",
                "Properties": {"Name": "good", "ProtocolType": "HTTP"},
            },
            "Bad": {
                "Type": "AWS::ApiGateway::RestApi",
                "DependsOn": "Good",
                "Properties": {"Body": {"swagger": "2.0", "paths": "nope"}, "FailOnWarnings": True},
            },
        }
    }
    cfn.create_stack(StackName="bad", TemplateBody=json.dumps(bad))
    cloudlet.settle()
    stack = cfn.describe_stacks(StackName="bad")["Stacks"][0]
    assert stack["StackStatus"] == "ROLLBACK_COMPLETE"
    failed = [
        e
        for e in cfn.describe_stack_events(StackName="bad")["StackEvents"]
        if e["ResourceStatus"] == "CREATE_FAILED" and e["LogicalResourceId"] == "Bad"
    ]
    assert failed and failed[0]["ResourceStatusReason"]
    assert cloudlet.client("apigatewayv2").get_apis()["Items"] == []
    assert [a["id"] for a in apigw.get_rest_apis()["items"]] == [api_id]
