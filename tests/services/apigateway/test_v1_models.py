"""Models and their default mapping templates, request validators, gateway responses and tags."""

from __future__ import annotations

import json
from typing import Any

import pytest
from botocore.exceptions import ClientError

ACCOUNT, REGION = "000000000000", "us-east-1"


def fails(call: Any, **kwargs: Any) -> tuple[str, str, int]:
    with pytest.raises(ClientError) as exc:
        call(**kwargs)
    err = exc.value.response
    return err["Error"]["Code"], err["Error"]["Message"], err["ResponseMetadata"]["HTTPStatusCode"]


@pytest.fixture
def api_id(apigw: Any) -> str:
    return str(apigw.create_rest_api(name="models")["id"])


PET = json.dumps(
    {
        "type": "object",
        "properties": {
            "name": {"type": "string"},
            "age": {"type": "integer"},
            "tags": {"type": "array", "items": {"type": "string"}},
        },
    }
)


def test_models(apigw: Any, api_id: str) -> None:
    created = apigw.create_model(
        restApiId=api_id, name="Pet", contentType="application/json", schema=PET, description="a pet"
    )
    assert created["ResponseMetadata"]["HTTPStatusCode"] == 201
    assert len(created["id"]) == 6 and created["name"] == "Pet" and created["schema"] == PET
    got = apigw.get_model(restApiId=api_id, modelName="Pet")
    assert got["id"] == created["id"] and got["description"] == "a pet"
    assert fails(apigw.create_model, restApiId=api_id, name="Pet", contentType="application/json") == (
        "ConflictException",
        "Model name already exists for this REST API",
        409,
    )
    assert fails(apigw.create_model, restApiId=api_id, name="bad-name", contentType="application/json")[
        0
    ] == ("BadRequestException")
    assert (
        fails(
            apigw.create_model, restApiId=api_id, name="Broken", contentType="application/json", schema="{"
        )[0]
        == "BadRequestException"
    )
    assert fails(apigw.get_model, restApiId=api_id, modelName="Nope") == (
        "NotFoundException",
        "Invalid model name specified: Nope",
        404,
    )
    names = [m["name"] for m in apigw.get_models(restApiId=api_id)["items"]]
    assert names == ["Error", "Empty", "Pet"]
    updated = apigw.update_model(
        restApiId=api_id,
        modelName="Pet",
        patchOperations=[{"op": "replace", "path": "/description", "value": "d"}],
    )
    assert updated["description"] == "d"
    template = apigw.get_model_template(restApiId=api_id, modelName="Pet")["value"]
    assert template.startswith("#set($inputRoot = $input.path('$'))")
    assert '"name" : "$inputRoot.name"' in template and '"age" : $inputRoot.age' in template
    assert "#foreach($elem1 in $inputRoot.tags)" in template
    root = apigw.get_rest_api(restApiId=api_id)["rootResourceId"]
    apigw.put_method(
        restApiId=api_id,
        resourceId=root,
        httpMethod="POST",
        authorizationType="NONE",
        requestModels={"application/json": "Pet"},
    )
    code, message, _ = fails(apigw.delete_model, restApiId=api_id, modelName="Pet")
    assert code == "ConflictException" and "/POST" in message
    apigw.delete_method(restApiId=api_id, resourceId=root, httpMethod="POST")
    assert apigw.delete_model(restApiId=api_id, modelName="Pet")["ResponseMetadata"]["HTTPStatusCode"] == 202
    assert fails(apigw.get_model, restApiId=api_id, modelName="Pet")[0] == "NotFoundException"


def test_request_validators(apigw: Any, api_id: str) -> None:
    created = apigw.create_request_validator(restApiId=api_id, name="body", validateRequestBody=True)
    assert created["ResponseMetadata"]["HTTPStatusCode"] == 201
    assert (created["validateRequestBody"], created["validateRequestParameters"]) == (True, False)
    vid = created["id"]
    assert apigw.get_request_validator(restApiId=api_id, requestValidatorId=vid)["name"] == "body"
    updated = apigw.update_request_validator(
        restApiId=api_id,
        requestValidatorId=vid,
        patchOperations=[
            {"op": "replace", "path": "/validateRequestParameters", "value": "true"},
            {"op": "replace", "path": "/name", "value": "both"},
        ],
    )
    assert updated["validateRequestParameters"] is True and updated["name"] == "both"
    assert [v["id"] for v in apigw.get_request_validators(restApiId=api_id)["items"]] == [vid]
    apigw.delete_request_validator(restApiId=api_id, requestValidatorId=vid)
    assert fails(apigw.get_request_validator, restApiId=api_id, requestValidatorId=vid) == (
        "NotFoundException",
        "Invalid Request Validator identifier specified",
        404,
    )


def test_gateway_responses(apigw: Any, api_id: str) -> None:
    listed = apigw.get_gateway_responses(restApiId=api_id)["items"]
    assert len(listed) == 21 and all(r["defaultResponse"] for r in listed)
    by_type = {r["responseType"]: r for r in listed}
    assert by_type["MISSING_AUTHENTICATION_TOKEN"]["statusCode"] == "403"
    assert "statusCode" not in by_type["DEFAULT_4XX"]
    assert by_type["THROTTLED"]["responseTemplates"] == {
        "application/json": '{"message":$context.error.messageString}'
    }
    put = apigw.put_gateway_response(
        restApiId=api_id,
        responseType="UNAUTHORIZED",
        statusCode="401",
        responseParameters={"gatewayresponse.header.WWW-Authenticate": "'Bearer'"},
        responseTemplates={"application/json": '{"error":"$context.error.message"}'},
    )
    assert put["ResponseMetadata"]["HTTPStatusCode"] == 201 and put["defaultResponse"] is False
    got = apigw.get_gateway_response(restApiId=api_id, responseType="UNAUTHORIZED")
    assert got["responseParameters"] == {"gatewayresponse.header.WWW-Authenticate": "'Bearer'"}
    updated = apigw.update_gateway_response(
        restApiId=api_id,
        responseType="DEFAULT_4XX",
        patchOperations=[
            {
                "op": "add",
                "path": "/responseParameters/gatewayresponse.header.Access-Control-Allow-Origin",
                "value": "'*'",
            }
        ],
    )
    assert updated["defaultResponse"] is False
    assert updated["responseParameters"] == {"gatewayresponse.header.Access-Control-Allow-Origin": "'*'"}
    custom = [
        r["responseType"]
        for r in apigw.get_gateway_responses(restApiId=api_id)["items"]
        if not r["defaultResponse"]
    ]
    assert custom == ["DEFAULT_4XX", "UNAUTHORIZED"]
    apigw.delete_gateway_response(restApiId=api_id, responseType="UNAUTHORIZED")
    assert (
        apigw.get_gateway_response(restApiId=api_id, responseType="UNAUTHORIZED")["defaultResponse"] is True
    )
    assert (
        fails(apigw.delete_gateway_response, restApiId=api_id, responseType="UNAUTHORIZED")[0]
        == "NotFoundException"
    )
    assert fails(apigw.put_gateway_response, restApiId=api_id, responseType="THROTTLED", statusCode="abc")[
        0
    ] == ("BadRequestException")


def test_tags(apigw: Any, api_id: str) -> None:
    arn = f"arn:aws:apigateway:{REGION}::/restapis/{api_id}"
    apigw.tag_resource(resourceArn=arn, tags={"a": "1", "b": "2"})
    assert apigw.get_tags(resourceArn=arn)["tags"] == {"a": "1", "b": "2"}
    assert apigw.get_rest_api(restApiId=api_id)["tags"] == {"a": "1", "b": "2"}
    apigw.untag_resource(resourceArn=arn, tagKeys=["a"])
    assert apigw.get_tags(resourceArn=arn)["tags"] == {"b": "2"}
    root = apigw.get_rest_api(restApiId=api_id)["rootResourceId"]
    apigw.put_method(restApiId=api_id, resourceId=root, httpMethod="GET", authorizationType="NONE")
    apigw.put_integration(restApiId=api_id, resourceId=root, httpMethod="GET", type="MOCK")
    apigw.create_deployment(restApiId=api_id, stageName="prod")
    stage_arn = f"{arn}/stages/prod"
    apigw.tag_resource(resourceArn=stage_arn, tags={"env": "prod"})
    assert apigw.get_stage(restApiId=api_id, stageName="prod")["tags"] == {"env": "prod"}
    assert apigw.get_tags(resourceArn=stage_arn)["tags"] == {"env": "prod"}
    assert fails(apigw.get_tags, resourceArn=f"{arn}/stages/none") == (
        "NotFoundException",
        "Invalid Stage identifier specified",
        404,
    )
    missing = f"arn:aws:apigateway:{REGION}::/restapis/abcdefghij"
    assert fails(apigw.tag_resource, resourceArn=missing, tags={"a": "b"})[1] == (
        f"Invalid API identifier specified {ACCOUNT}:abcdefghij"
    )
    assert fails(apigw.get_tags, resourceArn="not-an-arn")[0] == "BadRequestException"
