"""REST APIs: create (root resource, default models, cloneFrom), read, list with paging, update through
patch operations, delete (cascading), and the account settings."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

ACCOUNT = "000000000000"


def error(exc: pytest.ExceptionInfo[ClientError]) -> tuple[str, str, int]:
    err = exc.value.response
    return err["Error"]["Code"], err["Error"]["Message"], err["ResponseMetadata"]["HTTPStatusCode"]


def test_create_get_round_trip(apigw: Any) -> None:
    created = apigw.create_rest_api(name="shop", description="the shop", version="1", tags={"team": "a"})
    assert created["ResponseMetadata"]["HTTPStatusCode"] == 201
    api_id = created["id"]
    assert len(api_id) == 10 and api_id.isalnum() and api_id == api_id.lower()
    assert created["name"] == "shop" and created["description"] == "the shop" and created["version"] == "1"
    assert created["apiKeySource"] == "HEADER"
    assert created["endpointConfiguration"]["types"] == ["EDGE"]
    assert created["disableExecuteApiEndpoint"] is False
    assert created["tags"] == {"team": "a"}
    assert created["createdDate"].year >= 2020
    got = apigw.get_rest_api(restApiId=api_id)
    for member in ("id", "name", "description", "rootResourceId", "apiKeySource", "tags", "createdDate"):
        assert got[member] == created[member]
    resources = apigw.get_resources(restApiId=api_id)["items"]
    assert resources == [{"id": created["rootResourceId"], "path": "/"}]
    models = {m["name"]: m for m in apigw.get_models(restApiId=api_id)["items"]}
    assert set(models) == {"Error", "Empty"}
    assert models["Empty"]["contentType"] == "application/json"


def test_create_validation(apigw: Any) -> None:
    with pytest.raises(ClientError) as exc:
        apigw.create_rest_api(name="x", endpointConfiguration={"types": ["EDGE", "REGIONAL"]})
    assert error(exc) == ("BadRequestException", "Cannot create an api with multiple Endpoint Types.", 400)
    with pytest.raises(ClientError) as exc:
        apigw.create_rest_api(name="x", minimumCompressionSize=10485761)
    assert error(exc)[0] == "BadRequestException"
    with pytest.raises(ClientError) as exc:
        apigw.create_rest_api(name="x", apiKeySource="BODY")
    assert error(exc)[0] == "BadRequestException"
    regional = apigw.create_rest_api(name="r", endpointConfiguration={"types": ["REGIONAL"]})
    assert regional["endpointConfiguration"]["types"] == ["REGIONAL"]


def test_not_found_messages(apigw: Any) -> None:
    for call in (
        lambda: apigw.get_rest_api(restApiId="nope123456"),
        lambda: apigw.delete_rest_api(restApiId="nope123456"),
        lambda: apigw.update_rest_api(restApiId="nope123456", patchOperations=[]),
        lambda: apigw.get_resources(restApiId="nope123456"),
    ):
        with pytest.raises(ClientError) as exc:
            call()
        assert error(exc) == (
            "NotFoundException",
            f"Invalid API identifier specified {ACCOUNT}:nope123456",
            404,
        )


def test_list_paging(apigw: Any) -> None:
    ids = [apigw.create_rest_api(name=f"api{i}")["id"] for i in range(5)]
    first = apigw.get_rest_apis(limit=2)
    assert [a["id"] for a in first["items"]] == ids[:2]
    second = apigw.get_rest_apis(limit=2, position=first["position"])
    assert [a["id"] for a in second["items"]] == ids[2:4]
    last = apigw.get_rest_apis(limit=2, position=second["position"])
    assert [a["id"] for a in last["items"]] == ids[4:] and "position" not in last
    paged = [
        a["id"]
        for p in apigw.get_paginator("get_rest_apis").paginate(PaginationConfig={"PageSize": 3})
        for a in p["items"]
    ]
    assert paged == ids


def test_update_patch_operations(apigw: Any) -> None:
    api_id = apigw.create_rest_api(name="a")["id"]
    updated = apigw.update_rest_api(
        restApiId=api_id,
        patchOperations=[
            {"op": "replace", "path": "/name", "value": "b"},
            {"op": "replace", "path": "/description", "value": "desc"},
            {"op": "add", "path": "/binaryMediaTypes/image~1png", "value": ""},
            {"op": "add", "path": "/binaryMediaTypes/*~1*"},
            {"op": "replace", "path": "/minimumCompressionSize", "value": "1024"},
            {"op": "replace", "path": "/apiKeySource", "value": "AUTHORIZER"},
            {"op": "replace", "path": "/disableExecuteApiEndpoint", "value": "true"},
            {"op": "replace", "path": "/endpointConfiguration/types/EDGE", "value": "REGIONAL"},
        ],
    )
    assert updated["name"] == "b" and updated["description"] == "desc"
    assert updated["binaryMediaTypes"] == ["image/png", "*/*"]
    assert updated["minimumCompressionSize"] == 1024
    assert updated["apiKeySource"] == "AUTHORIZER"
    assert updated["disableExecuteApiEndpoint"] is True
    assert updated["endpointConfiguration"]["types"] == ["REGIONAL"]
    again = apigw.update_rest_api(
        restApiId=api_id,
        patchOperations=[
            {"op": "remove", "path": "/binaryMediaTypes/image~1png"},
            {"op": "replace", "path": "/minimumCompressionSize", "value": ""},
        ],
    )
    assert again["binaryMediaTypes"] == ["*/*"] and "minimumCompressionSize" not in again
    assert apigw.get_rest_api(restApiId=api_id)["name"] == "b"
    with pytest.raises(ClientError) as exc:
        apigw.update_rest_api(
            restApiId=api_id, patchOperations=[{"op": "replace", "path": "/id", "value": "x"}]
        )
    assert error(exc)[0] == "BadRequestException"
    with pytest.raises(ClientError) as exc:
        apigw.update_rest_api(
            restApiId=api_id, patchOperations=[{"op": "replace", "path": "/apiKeySource", "value": "X"}]
        )
    assert error(exc)[0] == "BadRequestException"


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    name=st.text(alphabet=st.characters(codec="ascii", categories=["L", "N", "P"]), min_size=1, max_size=40)
)
def test_name_round_trips(apigw: Any, name: str) -> None:
    api_id = apigw.create_rest_api(name=name)["id"]
    assert apigw.get_rest_api(restApiId=api_id)["name"] == name
    renamed = apigw.update_rest_api(
        restApiId=api_id, patchOperations=[{"op": "replace", "path": "/name", "value": name[::-1]}]
    )
    assert renamed["name"] == name[::-1]


def test_delete_cascades(apigw: Any) -> None:
    api = apigw.create_rest_api(name="gone")
    api_id = api["id"]
    child = apigw.create_resource(restApiId=api_id, parentId=api["rootResourceId"], pathPart="x")["id"]
    apigw.put_method(restApiId=api_id, resourceId=child, httpMethod="GET", authorizationType="NONE")
    assert apigw.delete_rest_api(restApiId=api_id)["ResponseMetadata"]["HTTPStatusCode"] == 202
    with pytest.raises(ClientError) as exc:
        apigw.get_resource(restApiId=api_id, resourceId=child)
    assert error(exc)[0] == "NotFoundException"
    assert apigw.get_rest_apis()["items"] == []


def test_clone_from(apigw: Any) -> None:
    api = apigw.create_rest_api(name="src", binaryMediaTypes=["image/png"])
    api_id, root = api["id"], api["rootResourceId"]
    child = apigw.create_resource(restApiId=api_id, parentId=root, pathPart="items")["id"]
    validator = apigw.create_request_validator(restApiId=api_id, name="v", validateRequestBody=True)["id"]
    apigw.put_method(
        restApiId=api_id,
        resourceId=child,
        httpMethod="POST",
        authorizationType="NONE",
        requestValidatorId=validator,
    )
    apigw.put_integration(restApiId=api_id, resourceId=child, httpMethod="POST", type="MOCK")
    clone = apigw.create_rest_api(name="copy", cloneFrom=api_id)
    assert clone["binaryMediaTypes"] == ["image/png"] and clone["rootResourceId"] != root
    resources = {r["path"]: r for r in apigw.get_resources(restApiId=clone["id"], embed=["methods"])["items"]}
    assert set(resources) == {"/", "/items"}
    copied = resources["/items"]
    assert copied["id"] != child and copied["parentId"] == clone["rootResourceId"]
    method = copied["resourceMethods"]["POST"]
    validators = apigw.get_request_validators(restApiId=clone["id"])["items"]
    assert [v["name"] for v in validators] == ["v"]
    assert method["requestValidatorId"] == validators[0]["id"] != validator
    assert method["methodIntegration"]["cacheNamespace"] == copied["id"]


def test_account(apigw: Any) -> None:
    account = apigw.get_account()
    assert account["throttleSettings"] == {"burstLimit": 5000, "rateLimit": 10000.0}
    role = f"arn:aws:iam::{ACCOUNT}:role/apigw-logs"
    updated = apigw.update_account(
        patchOperations=[{"op": "replace", "path": "/cloudwatchRoleArn", "value": role}]
    )
    assert updated["cloudwatchRoleArn"] == role
    assert apigw.get_account()["cloudwatchRoleArn"] == role
    with pytest.raises(ClientError) as exc:
        apigw.update_account(
            patchOperations=[{"op": "replace", "path": "/cloudwatchRoleArn", "value": "bad"}]
        )
    assert error(exc)[0] == "BadRequestException"
