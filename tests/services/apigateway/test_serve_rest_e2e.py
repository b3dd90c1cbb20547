"""REST APIs end to end: built with the control plane (boto3), deployed, and called over real HTTP on
their invoke URLs: Lambda proxy and non-proxy integrations, an SQS service integration with a mapping
template, and a MOCK CORS preflight."""

from __future__ import annotations

import base64
import json
from typing import Any

from tests.services.apigateway.conftest import ACCOUNT, lambda_uri

ECHO = """
import base64, json, time

def handler(event, context):
    if "httpMethod" not in event:  # a non-proxy (mapped) invocation
        if event.get("fail"):
            raise ValueError("boom: " + event["fail"])
        return {"got": event}
    mode = (event.get("queryStringParameters") or {}).get("mode")
    if mode == "sleep":
        time.sleep(0.5)
    if mode == "bad":
        return {"statusCode": 200, "body": {"not": "a string"}}
    if mode == "raise":
        raise RuntimeError("failed")
    if mode == "binary":
        return {
            "statusCode": 200,
            "headers": {"Content-Type": "image/png"},
            "body": base64.b64encode(b"\\x89PNG\\x00\\xff").decode(),
            "isBase64Encoded": True,
        }
    return {
        "statusCode": 201,
        "headers": {"X-Echo": "yes", "Set-Cookie": "ignored=1"},
        "multiValueHeaders": {"Set-Cookie": ["a=1", "b=2"]},
        "body": json.dumps(event),
    }
"""


def root_id(apigw: Any, api_id: str) -> str:
    return next(r["id"] for r in apigw.get_resources(restApiId=api_id)["items"] if r["path"] == "/")


def add_resource(apigw: Any, api_id: str, parent: str, part: str) -> str:
    return apigw.create_resource(restApiId=api_id, parentId=parent, pathPart=part)["id"]


def proxy_method(apigw: Any, api_id: str, resource: str, method: str, uri: str, **integration: Any) -> None:
    apigw.put_method(restApiId=api_id, resourceId=resource, httpMethod=method, authorizationType="NONE")
    apigw.put_integration(
        restApiId=api_id,
        resourceId=resource,
        httpMethod=method,
        type="AWS_PROXY",
        integrationHttpMethod="POST",
        uri=uri,
        **integration,
    )


def test_lambda_proxy_rest_api_end_to_end(apigw: Any, lam: Any, invoke: Any, make_function: Any) -> None:
    arn = make_function("echo", ECHO)
    api_id = apigw.create_rest_api(name="shop", binaryMediaTypes=["image/png"])["id"]
    root = root_id(apigw, api_id)
    items = add_resource(apigw, api_id, root, "items")
    item = add_resource(apigw, api_id, items, "{id}")
    proxy = add_resource(apigw, api_id, root, "{proxy+}")
    slow = add_resource(apigw, api_id, root, "slow")
    proxy_method(
        apigw,
        api_id,
        item,
        "GET",
        "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/"
        "arn:aws:lambda:us-east-1:000000000000:function:${stageVariables.fn}/invocations",
    )
    proxy_method(apigw, api_id, proxy, "ANY", lambda_uri(arn))
    proxy_method(apigw, api_id, slow, "GET", lambda_uri(arn), timeoutInMillis=200)
    deployment = apigw.create_deployment(restApiId=api_id, stageName="prod", variables={"fn": "echo"})

    reply = invoke(
        "GET",
        api_id,
        "/prod/items/a%20b?a=1&a=2&c=x%20y",
        headers=[("X-Multi", "1"), ("X-Multi", "2"), ("User-Agent", "tests")],
    )
    assert reply.status == 201
    event = reply.json()
    assert reply.headers["x-echo"] == "yes"
    assert [v for k, v in reply.raw_headers if k.lower() == "set-cookie"] == ["a=1", "b=2"]
    assert reply.headers["content-type"] == "application/json"
    assert event["resource"] == "/items/{id}"
    assert event["path"] == "/items/a%20b"
    assert event["httpMethod"] == "GET"
    assert event["headers"]["x-multi"] == "2"
    assert event["multiValueHeaders"]["x-multi"] == ["1", "2"]
    assert event["queryStringParameters"] == {"a": "2", "c": "x y"}
    assert event["multiValueQueryStringParameters"] == {"a": ["1", "2"], "c": ["x y"]}
    assert event["pathParameters"] == {"id": "a%20b"}
    assert event["stageVariables"] == {"fn": "echo"}
    assert (event["body"], event["isBase64Encoded"]) == (None, False)
    context = event["requestContext"]
    assert context["resourcePath"] == "/items/{id}"
    assert context["resourceId"] == item
    assert context["httpMethod"] == "GET"
    assert context["path"] == "/prod/items/a%20b"
    assert context["stage"] == "prod"
    assert context["accountId"] == ACCOUNT
    assert context["apiId"] == api_id
    assert context["deploymentId"] == deployment["id"]
    assert context["requestId"] == reply.headers["x-amzn-requestid"]
    assert context["extendedRequestId"] == reply.headers["x-amz-apigw-id"]
    assert context["protocol"] == "HTTP/1.1"
    assert context["identity"]["sourceIp"] == "127.0.0.1"
    assert context["identity"]["userAgent"] == "tests"
    assert isinstance(context["requestTimeEpoch"], int)

    # a binary request body reaches the function base64-encoded
    reply = invoke(
        "POST", api_id, "/prod/upload/f.png", body=b"\x00\x01\xfe", headers={"Content-Type": "image/png"}
    )
    event = reply.json()
    assert (event["resource"], event["path"]) == ("/{proxy+}", "/upload/f.png")
    assert event["pathParameters"] == {"proxy": "upload/f.png"}
    assert (event["body"], event["isBase64Encoded"]) == (base64.b64encode(b"\x00\x01\xfe").decode(), True)
    reply = invoke(
        "POST", api_id, "/prod/text", body='{"a": 1}', headers={"Content-Type": "application/json"}
    )
    assert (reply.json()["body"], reply.json()["isBase64Encoded"]) == ('{"a": 1}', False)

    # a base64 response is binary for clients that accept a binary media type, base64 text otherwise
    reply = invoke("GET", api_id, "/prod/x?mode=binary", headers={"Accept": "image/png"})
    assert (reply.status, reply.body, reply.headers["content-type"]) == (200, b"\x89PNG\x00\xff", "image/png")
    reply = invoke("GET", api_id, "/prod/x?mode=binary")
    assert reply.body == base64.b64encode(b"\x89PNG\x00\xff")

    for mode in ("bad", "raise"):
        reply = invoke("GET", api_id, f"/prod/x?mode={mode}")
        assert (reply.status, reply.json()) == (502, {"message": "Internal server error"})
    reply = invoke("GET", api_id, "/prod/slow?mode=sleep")
    assert (reply.status, reply.json()) == (504, {"message": "Endpoint request timed out"})

    reply = invoke("GET", api_id, "/prod")
    assert (reply.status, reply.json()) == (403, {"message": "Missing Authentication Token"})
    assert reply.headers["x-amzn-errortype"] == "MissingAuthenticationTokenException"
    reply = invoke("DELETE", api_id, "/prod/items/1")
    assert reply.status == 403
    reply = invoke("GET", api_id, "/staging/items/1")
    assert (reply.status, reply.json()) == (403, {"message": "Forbidden"})

    # a throttled function is an integration failure: 500
    lam.put_function_concurrency(FunctionName="echo", ReservedConcurrentExecutions=0)
    reply = invoke("GET", api_id, "/prod/items/1")
    assert (reply.status, reply.json()) == (500, {"message": "Internal server error"})


def test_lambda_non_proxy_maps_errors_by_selection_pattern(
    apigw: Any, invoke: Any, make_function: Any
) -> None:
    arn = make_function("mapped", ECHO)
    api_id = apigw.create_rest_api(name="mapped")["id"]
    root = root_id(apigw, api_id)
    apigw.put_method(restApiId=api_id, resourceId=root, httpMethod="POST", authorizationType="NONE")
    apigw.put_integration(
        restApiId=api_id,
        resourceId=root,
        httpMethod="POST",
        type="AWS",
        integrationHttpMethod="POST",
        uri=lambda_uri(arn),
        requestTemplates={
            "application/json": '{"fail": "$input.params(\'fail\')", "name": $input.json(\'$.name\')}'
        },
    )
    apigw.put_method_response(restApiId=api_id, resourceId=root, httpMethod="POST", statusCode="200")
    apigw.put_method_response(
        restApiId=api_id,
        resourceId=root,
        httpMethod="POST",
        statusCode="400",
        responseParameters={"method.response.header.X-Error": False},
    )
    apigw.put_integration_response(
        restApiId=api_id,
        resourceId=root,
        httpMethod="POST",
        statusCode="200",
        selectionPattern="",
        responseTemplates={"application/json": "{\"name\": $input.json('$.got.name')}"},
    )
    apigw.put_integration_response(
        restApiId=api_id,
        resourceId=root,
        httpMethod="POST",
        statusCode="400",
        selectionPattern="boom: .*",
        responseParameters={"method.response.header.X-Error": "'yes'"},
        responseTemplates={"application/json": '{"error": "$input.path(\'$.errorMessage\')"}'},
    )
    apigw.create_deployment(restApiId=api_id, stageName="v1")
    reply = invoke("POST", api_id, "/v1", body='{"name": "n"}', headers={"Content-Type": "application/json"})
    assert (reply.status, reply.json()) == (200, {"name": "n"})
    reply = invoke(
        "POST", api_id, "/v1?fail=bad", body='{"name": "n"}', headers={"Content-Type": "application/json"}
    )
    assert (reply.status, reply.json(), reply.headers["x-error"]) == (400, {"error": "boom: bad"}, "yes")


def test_sqs_service_integration_with_a_mapping_template(apigw: Any, sqs: Any, invoke: Any) -> None:
    queue_url = sqs.create_queue(QueueName="orders")["QueueUrl"]
    api_id = apigw.create_rest_api(name="to-sqs")["id"]
    root = root_id(apigw, api_id)
    orders = add_resource(apigw, api_id, root, "orders")
    apigw.put_method(restApiId=api_id, resourceId=orders, httpMethod="POST", authorizationType="NONE")
    apigw.put_integration(
        restApiId=api_id,
        resourceId=orders,
        httpMethod="POST",
        type="AWS",
        integrationHttpMethod="POST",
        uri=f"arn:aws:apigateway:us-east-1:sqs:path/{ACCOUNT}/orders",
        credentials=f"arn:aws:iam::{ACCOUNT}:role/apigw-sqs",
        requestParameters={"integration.request.header.Content-Type": "'application/x-www-form-urlencoded'"},
        requestTemplates={"application/json": "Action=SendMessage&MessageBody=$util.urlEncode($input.body)"},
        passthroughBehavior="NEVER",
    )
    apigw.put_method_response(restApiId=api_id, resourceId=orders, httpMethod="POST", statusCode="200")
    apigw.put_integration_response(
        restApiId=api_id,
        resourceId=orders,
        httpMethod="POST",
        statusCode="200",
        responseTemplates={
            "application/json": '{"queued": "$input.path(\'$.SendMessageResponse.SendMessageResult'
            ".MessageId')\"}"
        },
    )
    apigw.create_deployment(restApiId=api_id, stageName="prod")
    body = json.dumps({"order": 1, "note": "a&b=c"})
    reply = invoke("POST", api_id, "/prod/orders", body=body, headers={"Content-Type": "application/json"})
    assert reply.status == 200
    messages = sqs.receive_message(QueueUrl=queue_url)["Messages"]
    assert [m["Body"] for m in messages] == [body]
    assert reply.json() == {"queued": messages[0]["MessageId"]}
    reply = invoke("POST", api_id, "/prod/orders", body="x", headers={"Content-Type": "text/plain"})
    assert (reply.status, reply.json()) == (415, {"message": "Unsupported Media Type"})


def test_mock_cors_preflight_and_redeploy(apigw: Any, invoke: Any) -> None:
    api_id = apigw.create_rest_api(name="cors")["id"]
    root = root_id(apigw, api_id)
    apigw.put_method(restApiId=api_id, resourceId=root, httpMethod="OPTIONS", authorizationType="NONE")
    apigw.put_integration(
        restApiId=api_id,
        resourceId=root,
        httpMethod="OPTIONS",
        type="MOCK",
        requestTemplates={"application/json": '{"statusCode": 200}'},
    )
    apigw.put_method_response(
        restApiId=api_id,
        resourceId=root,
        httpMethod="OPTIONS",
        statusCode="200",
        responseParameters={
            "method.response.header.Access-Control-Allow-Origin": False,
            "method.response.header.Access-Control-Allow-Headers": False,
        },
    )
    apigw.put_integration_response(
        restApiId=api_id,
        resourceId=root,
        httpMethod="OPTIONS",
        statusCode="200",
        responseParameters={
            "method.response.header.Access-Control-Allow-Origin": "'*'",
            "method.response.header.Access-Control-Allow-Headers": "'Content-Type,X-Api-Key'",
        },
    )
    apigw.create_deployment(restApiId=api_id, stageName="prod")
    reply = invoke(
        "OPTIONS", api_id, "/prod/", headers={"Origin": "http://site", "Access-Control-Request-Method": "GET"}
    )
    assert reply.status == 200
    assert reply.headers["access-control-allow-origin"] == "*"
    assert reply.headers["access-control-allow-headers"] == "Content-Type,X-Api-Key"

    # what a stage serves changes only with a new deployment
    apigw.put_integration_response(
        restApiId=api_id,
        resourceId=root,
        httpMethod="OPTIONS",
        statusCode="200",
        responseParameters={"method.response.header.Access-Control-Allow-Origin": "'http://site'"},
    )
    assert invoke("OPTIONS", api_id, "/prod/").headers["access-control-allow-origin"] == "*"
    apigw.create_deployment(restApiId=api_id, stageName="prod")
    assert invoke("OPTIONS", api_id, "/prod/").headers["access-control-allow-origin"] == "http://site"
