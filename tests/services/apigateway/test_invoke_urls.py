"""Invoke URLs: every form that reaches a deployed stage (host under localhost and
localhost.localstack.cloud, with or without a region label, the /_aws/execute-api/ path and the
/restapis/<id>/<stage>/_user_request_/ path), and the URL logged when a stage is deployed."""

from __future__ import annotations

import http.client
import logging
from typing import Any

import pytest


def mock_api(apigw: Any) -> str:
    """A REST API whose GET /hello answers 200 {"hello": "world"} from a MOCK integration."""
    api = apigw.create_rest_api(name="urls")["id"]
    root = apigw.get_resources(restApiId=api)["items"][0]["id"]
    hello = apigw.create_resource(restApiId=api, parentId=root, pathPart="hello")["id"]
    apigw.put_method(restApiId=api, resourceId=hello, httpMethod="GET", authorizationType="NONE")
    apigw.put_integration(
        restApiId=api,
        resourceId=hello,
        httpMethod="GET",
        type="MOCK",
        requestTemplates={"application/json": '{"statusCode": 200}'},
    )
    apigw.put_method_response(restApiId=api, resourceId=hello, httpMethod="GET", statusCode="200")
    apigw.put_integration_response(
        restApiId=api,
        resourceId=hello,
        httpMethod="GET",
        statusCode="200",
        responseTemplates={"application/json": '{"hello": "world"}'},
    )
    return str(api)


def get(port: int, host: str, path: str) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request("GET", path, headers={"Host": host})
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def test_every_invoke_url_form_reaches_the_stage(cloudlet: Any, apigw: Any) -> None:
    api = mock_api(apigw)
    apigw.create_deployment(restApiId=api, stageName="prod")
    port = cloudlet.port
    forms = [
        (f"{api}.execute-api.localhost:{port}", "/prod/hello"),
        (f"{api}.execute-api.localhost.localstack.cloud:{port}", "/prod/hello"),
        (f"{api}.execute-api.us-east-1.localhost.localstack.cloud:{port}", "/prod/hello"),
        (f"127.0.0.1:{port}", f"/_aws/execute-api/{api}/prod/hello"),
        (f"127.0.0.1:{port}", f"/restapis/{api}/prod/_user_request_/hello"),
    ]
    for host, path in forms:
        assert get(port, host, path) == (200, b'{"hello": "world"}'), (host, path)


def test_an_unknown_api_id_is_not_found(cloudlet: Any) -> None:
    status, body = get(cloudlet.port, f"nosuchapi1.execute-api.localhost:{cloudlet.port}", "/prod/hello")
    assert (status, body) == (404, b'{"message": "Not Found"}')


def test_deploying_a_stage_logs_its_invoke_urls(
    cloudlet: Any, apigw: Any, caplog: pytest.LogCaptureFixture
) -> None:
    api = mock_api(apigw)
    with caplog.at_level(logging.INFO, logger="cloudlet.apigateway"):
        apigw.create_deployment(restApiId=api, stageName="prod")
    lines = [r.getMessage() for r in caplog.records if r.name == "cloudlet.apigateway"]
    port = cloudlet.port
    assert (
        f"API {api} deployed to stage prod: http://{api}.execute-api.localhost.localstack.cloud:{port}/prod/"
        f" (or http://127.0.0.1:{port}/_aws/execute-api/{api}/prod/)"
    ) in lines
