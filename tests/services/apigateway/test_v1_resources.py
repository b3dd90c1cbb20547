"""Resources, methods, method responses, integrations and integration responses of a REST API."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

LAMBDA_URI = (
    "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/"
    "arn:aws:lambda:us-east-1:000000000000:function:f/invocations"
)


def error(exc: pytest.ExceptionInfo[ClientError]) -> tuple[str, str, int]:
    err = exc.value.response
    return err["Error"]["Code"], err["Error"]["Message"], err["ResponseMetadata"]["HTTPStatusCode"]


@pytest.fixture
def api(apigw: Any) -> tuple[str, str]:
    created = apigw.create_rest_api(name="tree")
    return created["id"], created["rootResourceId"]


def fails(call: Any, **kwargs: Any) -> tuple[str, str, int]:
    with pytest.raises(ClientError) as exc:
        call(**kwargs)
    return error(exc)


def test_resource_tree(apigw: Any, api: tuple[str, str]) -> None:
    api_id, root = api
    items = apigw.create_resource(restApiId=api_id, parentId=root, pathPart="items")
    assert items["ResponseMetadata"]["HTTPStatusCode"] == 201
    assert len(items["id"]) == 10
    assert (items["parentId"], items["pathPart"], items["path"]) == (root, "items", "/items")
    item = apigw.create_resource(restApiId=api_id, parentId=items["id"], pathPart="{id}")
    assert item["path"] == "/items/{id}"
    proxy = apigw.create_resource(restApiId=api_id, parentId=item["id"], pathPart="{proxy+}")
    assert proxy["path"] == "/items/{id}/{proxy+}"
    got = apigw.get_resource(restApiId=api_id, resourceId=item["id"])
    assert {k: got[k] for k in ("id", "parentId", "pathPart", "path")} == {
        k: item[k] for k in ("id", "parentId", "pathPart", "path")
    }
    paths = [r["path"] for r in apigw.get_resources(restApiId=api_id)["items"]]
    assert paths == ["/", "/items", "/items/{id}", "/items/{id}/{proxy+}"]
    page = apigw.get_resources(restApiId=api_id, limit=2)
    assert len(page["items"]) == 2 and "position" in page
    rest = apigw.get_resources(restApiId=api_id, limit=2, position=page["position"])
    assert [r["path"] for r in rest["items"]] == paths[2:]


def test_create_resource_errors(apigw: Any, api: tuple[str, str]) -> None:
    api_id, root = api
    apigw.create_resource(restApiId=api_id, parentId=root, pathPart="a")
    var = apigw.create_resource(restApiId=api_id, parentId=root, pathPart="{v}")
    greedy = apigw.create_resource(restApiId=api_id, parentId=var["id"], pathPart="{proxy+}")
    assert fails(apigw.create_resource, restApiId=api_id, parentId=root, pathPart="a") == (
        "ConflictException",
        "Another resource with the same parent already has this name: a",
        409,
    )
    code, message, status = fails(apigw.create_resource, restApiId=api_id, parentId=root, pathPart="{w}")
    assert (code, status) == ("BadRequestException", 400)
    assert (
        message == "A sibling ({v}) of this resource already has a variable path part -- only one is allowed"
    )
    code, message, _ = fails(apigw.create_resource, restApiId=api_id, parentId=greedy["id"], pathPart="x")
    assert message == "Cannot create a child of a resource with a greedy path variable: {proxy+}"
    for bad in ("a/b", "a b", "{x", "x}", "{x+}y", "a+", "{}"):
        code, message, status = fails(apigw.create_resource, restApiId=api_id, parentId=root, pathPart=bad)
        assert (code, status) == ("BadRequestException", 400), bad
        assert message.startswith("Resource's path part only allow a-zA-Z0-9._-"), bad
    assert fails(apigw.create_resource, restApiId=api_id, parentId="nope", pathPart="x") == (
        "NotFoundException",
        "Invalid Resource identifier specified",
        404,
    )
    assert (
        fails(apigw.get_resource, restApiId=api_id, resourceId="nope")[1]
        == "Invalid Resource identifier specified"
    )


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(part=st.from_regex(r"[a-zA-Z0-9._-]{1,20}|\{[a-zA-Z0-9_]{1,10}\+?\}", fullmatch=True))
def test_any_valid_path_part_is_accepted(apigw: Any, api: tuple[str, str], part: str) -> None:
    api_id, root = api
    created = apigw.create_resource(restApiId=api_id, parentId=root, pathPart=part)
    assert created["path"] == "/" + part
    apigw.delete_resource(restApiId=api_id, resourceId=created["id"])


def test_delete_and_update_resource(apigw: Any, api: tuple[str, str]) -> None:
    api_id, root = api
    a = apigw.create_resource(restApiId=api_id, parentId=root, pathPart="a")["id"]
    b = apigw.create_resource(restApiId=api_id, parentId=a, pathPart="b")["id"]
    c = apigw.create_resource(restApiId=api_id, parentId=root, pathPart="c")["id"]
    moved = apigw.update_resource(
        restApiId=api_id,
        resourceId=a,
        patchOperations=[
            {"op": "replace", "path": "/pathPart", "value": "aa"},
            {"op": "replace", "path": "/parentId", "value": c},
        ],
    )
    assert moved["path"] == "/c/aa" and moved["parentId"] == c
    assert apigw.get_resource(restApiId=api_id, resourceId=b)["path"] == "/c/aa/b"
    code, _, _ = fails(
        apigw.update_resource,
        restApiId=api_id,
        resourceId=c,
        patchOperations=[{"op": "replace", "path": "/parentId", "value": b}],
    )
    assert code == "BadRequestException"
    assert fails(apigw.delete_resource, restApiId=api_id, resourceId=root)[0] == "BadRequestException"
    assert apigw.delete_resource(restApiId=api_id, resourceId=c)["ResponseMetadata"]["HTTPStatusCode"] == 202
    assert [r["path"] for r in apigw.get_resources(restApiId=api_id)["items"]] == ["/"]


def test_methods(apigw: Any, api: tuple[str, str]) -> None:
    api_id, root = api
    res = apigw.create_resource(restApiId=api_id, parentId=root, pathPart="items")["id"]
    validator = apigw.create_request_validator(restApiId=api_id, name="all", validateRequestParameters=True)
    method = apigw.put_method(
        restApiId=api_id,
        resourceId=res,
        httpMethod="GET",
        authorizationType="NONE",
        apiKeyRequired=True,
        operationName="ListItems",
        requestParameters={"method.request.querystring.page": False, "method.request.header.X-Id": True},
        requestModels={"application/json": "Empty"},
        requestValidatorId=validator["id"],
    )
    assert method["ResponseMetadata"]["HTTPStatusCode"] == 201
    assert method["httpMethod"] == "GET" and method["apiKeyRequired"] is True
    got = apigw.get_method(restApiId=api_id, resourceId=res, httpMethod="GET")
    assert got["requestParameters"] == {
        "method.request.querystring.page": False,
        "method.request.header.X-Id": True,
    }
    assert got["requestValidatorId"] == validator["id"] and got["operationName"] == "ListItems"
    assert fails(
        apigw.put_method, restApiId=api_id, resourceId=res, httpMethod="GET", authorizationType="NONE"
    ) == (
        "ConflictException",
        "Method already exists for this resource",
        409,
    )
    assert fails(apigw.get_method, restApiId=api_id, resourceId=res, httpMethod="POST") == (
        "NotFoundException",
        "Invalid Method identifier specified",
        404,
    )
    assert (
        fails(
            apigw.put_method, restApiId=api_id, resourceId=res, httpMethod="FETCH", authorizationType="NONE"
        )[0]
        == "BadRequestException"
    )
    code, message, _ = fails(
        apigw.put_method, restApiId=api_id, resourceId=res, httpMethod="POST", authorizationType="CUSTOM"
    )
    assert message.startswith("Invalid authorizer ID specified.")
    code, _, _ = fails(
        apigw.put_method,
        restApiId=api_id,
        resourceId=res,
        httpMethod="POST",
        authorizationType="NONE",
        requestModels={"application/json": "Missing"},
    )
    assert code == "BadRequestException"
    updated = apigw.update_method(
        restApiId=api_id,
        resourceId=res,
        httpMethod="GET",
        patchOperations=[
            {"op": "replace", "path": "/apiKeyRequired", "value": "false"},
            {"op": "add", "path": "/requestParameters/method.request.querystring.q", "value": "true"},
            {"op": "remove", "path": "/requestParameters/method.request.header.X-Id"},
            {"op": "replace", "path": "/operationName", "value": "Other"},
        ],
    )
    assert updated["apiKeyRequired"] is False and updated["operationName"] == "Other"
    assert updated["requestParameters"] == {
        "method.request.querystring.page": False,
        "method.request.querystring.q": True,
    }
    embedded = apigw.get_resource(restApiId=api_id, resourceId=res, embed=["methods"])
    assert embedded["resourceMethods"]["GET"]["operationName"] == "Other"
    listed = {r["id"]: r for r in apigw.get_resources(restApiId=api_id)["items"]}
    assert listed[res]["resourceMethods"] == {"GET": {}}
    apigw.delete_method(restApiId=api_id, resourceId=res, httpMethod="GET")
    assert (
        fails(apigw.get_method, restApiId=api_id, resourceId=res, httpMethod="GET")[0] == "NotFoundException"
    )


def test_method_responses(apigw: Any, api: tuple[str, str]) -> None:
    api_id, root = api
    apigw.put_method(restApiId=api_id, resourceId=root, httpMethod="GET", authorizationType="NONE")
    response = apigw.put_method_response(
        restApiId=api_id,
        resourceId=root,
        httpMethod="GET",
        statusCode="200",
        responseParameters={"method.response.header.X-Req": False},
        responseModels={"application/json": "Empty"},
    )
    assert response["ResponseMetadata"]["HTTPStatusCode"] == 201
    assert response["statusCode"] == "200"
    got = apigw.get_method_response(restApiId=api_id, resourceId=root, httpMethod="GET", statusCode="200")
    assert got["responseParameters"] == {"method.response.header.X-Req": False}
    assert fails(
        apigw.get_method_response, restApiId=api_id, resourceId=root, httpMethod="GET", statusCode="404"
    ) == (
        "NotFoundException",
        "Invalid Response status code specified",
        404,
    )
    code, message, _ = fails(
        apigw.put_method_response,
        restApiId=api_id,
        resourceId=root,
        httpMethod="GET",
        statusCode="400",
        responseParameters={"method.response.body.x": True},
    )
    assert code == "BadRequestException" and "method.response.body.x" in message
    updated = apigw.update_method_response(
        restApiId=api_id,
        resourceId=root,
        httpMethod="GET",
        statusCode="200",
        patchOperations=[
            {"op": "add", "path": "/responseParameters/method.response.header.X-Two", "value": "true"}
        ],
    )
    assert updated["responseParameters"] == {
        "method.response.header.X-Req": False,
        "method.response.header.X-Two": True,
    }
    method = apigw.get_method(restApiId=api_id, resourceId=root, httpMethod="GET")
    assert method["methodResponses"]["200"]["responseModels"] == {"application/json": "Empty"}
    apigw.delete_method_response(restApiId=api_id, resourceId=root, httpMethod="GET", statusCode="200")
    assert "methodResponses" not in apigw.get_method(restApiId=api_id, resourceId=root, httpMethod="GET")


def test_integrations(apigw: Any, api: tuple[str, str]) -> None:
    api_id, root = api
    res = apigw.create_resource(restApiId=api_id, parentId=root, pathPart="{id}")["id"]
    apigw.put_method(
        restApiId=api_id,
        resourceId=res,
        httpMethod="POST",
        authorizationType="NONE",
        requestParameters={"method.request.path.id": True},
    )
    assert fails(apigw.get_integration, restApiId=api_id, resourceId=res, httpMethod="POST") == (
        "NotFoundException",
        "Invalid Integration identifier specified",
        404,
    )
    base = {"restApiId": api_id, "resourceId": res, "httpMethod": "POST"}
    assert fails(apigw.put_integration, **base, type="HTTP", uri="http://example.com") == (
        "BadRequestException",
        "Enumeration value for HttpMethod must be non-empty",
        400,
    )
    assert fails(apigw.put_integration, **base, type="HTTP", integrationHttpMethod="GET", uri="nope")[1] == (
        "Invalid HTTP endpoint specified for URI"
    )
    assert fails(
        apigw.put_integration,
        **base,
        type="AWS_PROXY",
        integrationHttpMethod="POST",
        uri="arn:aws:apigateway:us-east-1:sqs:path/q",
    )[1].startswith("Integrations of type 'AWS_PROXY' currently only supports Lambda function")
    assert fails(apigw.put_integration, **base, type="MOCK", timeoutInMillis=30000) == (
        "BadRequestException",
        "Timeout should be between 50 ms and 29000 ms",
        400,
    )
    code, message, _ = fails(
        apigw.put_integration,
        **base,
        type="HTTP",
        integrationHttpMethod="GET",
        uri="http://example.com/{id}",
        requestParameters={"integration.request.path.id": "method.request.path.other"},
    )
    assert message == (
        "Invalid mapping expression specified: Validation Result: warnings : [], errors : "
        "[Invalid mapping expression parameter specified: method.request.path.other]"
    )
    integration = apigw.put_integration(
        **base,
        type="AWS_PROXY",
        integrationHttpMethod="POST",
        uri=LAMBDA_URI,
        requestParameters={"integration.request.header.X-Id": "method.request.path.id"},
    )
    assert integration["ResponseMetadata"]["HTTPStatusCode"] == 201
    assert integration["type"] == "AWS_PROXY" and integration["httpMethod"] == "POST"
    assert integration["passthroughBehavior"] == "WHEN_NO_MATCH"
    assert integration["timeoutInMillis"] == 29000
    assert integration["cacheNamespace"] == res and integration["cacheKeyParameters"] == []
    mock = apigw.put_integration(
        **base,
        type="MOCK",
        requestTemplates={"application/json": '{"statusCode": 200}'},
        timeoutInMillis=1000,
    )
    assert mock["type"] == "MOCK" and mock["timeoutInMillis"] == 1000
    updated = apigw.update_integration(
        **base,
        patchOperations=[
            {"op": "replace", "path": "/timeoutInMillis", "value": "5000"},
            {"op": "add", "path": "/requestTemplates/application~1xml", "value": "<x/>"},
            {"op": "replace", "path": "/passthroughBehavior", "value": "NEVER"},
        ],
    )
    assert updated["timeoutInMillis"] == 5000 and updated["passthroughBehavior"] == "NEVER"
    assert updated["requestTemplates"] == {
        "application/json": '{"statusCode": 200}',
        "application/xml": "<x/>",
    }
    code, _, _ = fails(
        apigw.update_integration,
        **base,
        patchOperations=[{"op": "replace", "path": "/timeoutInMillis", "value": "10"}],
    )
    assert code == "BadRequestException"
    got = apigw.get_integration(**base)
    assert got["timeoutInMillis"] == 5000
    assert apigw.get_method(**base)["methodIntegration"]["type"] == "MOCK"
    apigw.delete_integration(**base)
    assert fails(apigw.get_integration, **base)[0] == "NotFoundException"


def test_integration_responses(apigw: Any, api: tuple[str, str]) -> None:
    api_id, root = api
    base = {"restApiId": api_id, "resourceId": root, "httpMethod": "GET"}
    apigw.put_method(**base, authorizationType="NONE")
    assert fails(apigw.put_integration_response, **base, statusCode="200")[1] == (
        "Invalid Integration identifier specified"
    )
    apigw.put_integration(**base, type="MOCK")
    assert fails(apigw.put_integration_response, **base, statusCode="200") == (
        "NotFoundException",
        "Invalid Response status code specified",
        404,
    )
    apigw.put_method_response(
        **base, statusCode="200", responseParameters={"method.response.header.X-Out": False}
    )
    created = apigw.put_integration_response(
        **base,
        statusCode="200",
        selectionPattern="",
        responseParameters={"method.response.header.X-Out": "'static'"},
        responseTemplates={"application/json": "$input.body"},
    )
    assert created["ResponseMetadata"]["HTTPStatusCode"] == 201
    assert created["responseParameters"] == {"method.response.header.X-Out": "'static'"}
    code, message, _ = fails(
        apigw.put_integration_response,
        **base,
        statusCode="200",
        responseParameters={"method.response.header.Undeclared": "'x'"},
    )
    assert code == "BadRequestException" and "method.response.header.Undeclared" in message
    updated = apigw.update_integration_response(
        **base,
        statusCode="200",
        patchOperations=[
            {"op": "replace", "path": "/selectionPattern", "value": "2\\d{2}"},
            {"op": "replace", "path": "/responseTemplates/application~1json", "value": "{}"},
        ],
    )
    assert updated["selectionPattern"] == "2\\d{2}" and updated["responseTemplates"] == {
        "application/json": "{}"
    }
    integration = apigw.get_integration(**base)
    assert integration["integrationResponses"]["200"]["selectionPattern"] == "2\\d{2}"
    apigw.delete_integration_response(**base, statusCode="200")
    assert fails(apigw.get_integration_response, **base, statusCode="200")[1] == (
        "Invalid Integration Response identifier specified"
    )
