"""API Gateway cases: HTTP request → REST API (Lambda proxy integration) → Python function → response,
with a trivial handler and with the CRUD read of the seed application (the function reads a DynamoDB
item with boto3 and returns it).

Load comes from wrk (a real HTTP load generator in its own process) when it is installed, else from a
raw keep-alive client in this process. The API is set up with boto3 on each target; its invoke URL is
tried in the forms the targets serve: `<api-id>.execute-api.localhost` (Host header),
`/_aws/execute-api/<api-id>/<stage>/...` and `/restapis/<api-id>/<stage>/_user_request_/...`.
"""

from __future__ import annotations

import http.client
import json
import re
import shutil
import subprocess
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from benchmarks.cases import Result, timed_loop
from benchmarks.lambda_cases import ROLE, _zip

TRIVIAL = """
def handler(event, context):
    return {"statusCode": 200, "headers": {"Content-Type": "application/json"}, "body": '{"ok": true}'}
"""

CRUD = """
import json, os
import boto3

table = boto3.resource("dynamodb", endpoint_url=os.environ["BENCH_ENDPOINT"], region_name="us-east-1",
                       aws_access_key_id="test", aws_secret_access_key="test").Table(os.environ["TABLE"])

def handler(event, context):
    item = table.get_item(Key={"id": event["pathParameters"]["id"]}).get("Item")
    if item is None:
        return {"statusCode": 404, "body": json.dumps({"message": "not found"})}
    body = json.dumps(item, default=str)
    return {"statusCode": 200, "headers": {"Content-Type": "application/json"}, "body": body}
"""


TRUST = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}
        ],
    }
)


def _client(service: str, endpoint: str) -> Any:
    import boto3
    from botocore.config import Config

    return boto3.client(
        service,
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id="test",
        aws_secret_access_key="test",
        config=Config(retries={"max_attempts": 1}, read_timeout=120),
    )


@dataclass
class Api:
    host: str
    """Host header to send."""
    path: str
    """Request path (stage included)."""


@contextmanager
def _api(endpoint: str, source: str, crud: bool) -> Iterator[Api]:
    """A deployed REST API `/items/{id}` GET → Lambda proxy → a function from `source`."""
    lam, apigw = _client("lambda", endpoint), _client("apigateway", endpoint)
    ddb = _client("dynamodb", endpoint)
    suffix = uuid.uuid4().hex[:8]
    name, table = f"bench-api-{suffix}", f"bench-items-{suffix}"
    environment = {"BENCH_ENDPOINT": endpoint, "TABLE": table}
    if crud:
        ddb.create_table(
            TableName=table,
            KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
        )
        ddb.put_item(TableName=table, Item={"id": {"S": "42"}, "name": {"S": "widget"}, "price": {"N": "9"}})
    account = _client("sts", endpoint).get_caller_identity()["Account"]
    role = ROLE.replace("000000000000", account)
    try:  # targets that check the role (moto) need it to exist; the others do not serve IAM
        _client("iam", endpoint).create_role(
            RoleName=role.rsplit("/", 1)[1], AssumeRolePolicyDocument=TRUST, Path="/"
        )
    except Exception:
        pass
    arn = lam.create_function(
        FunctionName=name,
        Runtime="python3.11",
        Role=role,
        Handler="app.handler",
        Code={"ZipFile": _zip(source)},
        Environment={"Variables": environment},
        Timeout=30,
    )["FunctionArn"]
    lam.get_waiter("function_active_v2").wait(FunctionName=name)
    api = apigw.create_rest_api(name=name)["id"]
    root = next(r["id"] for r in apigw.get_resources(restApiId=api)["items"] if r["path"] == "/")
    items = apigw.create_resource(restApiId=api, parentId=root, pathPart="items")["id"]
    item = apigw.create_resource(restApiId=api, parentId=items, pathPart="{id}")["id"]
    apigw.put_method(restApiId=api, resourceId=item, httpMethod="GET", authorizationType="NONE")
    apigw.put_integration(
        restApiId=api,
        resourceId=item,
        httpMethod="GET",
        type="AWS_PROXY",
        integrationHttpMethod="POST",
        uri=f"arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/{arn}/invocations",
    )
    apigw.create_deployment(restApiId=api, stageName="prod")
    try:
        yield _reachable(endpoint, api)
    finally:
        for cleanup in (
            lambda: apigw.delete_rest_api(restApiId=api),
            lambda: lam.delete_function(FunctionName=name),
            lambda: ddb.delete_table(TableName=table) if crud else None,
        ):
            try:
                cleanup()
            except Exception:
                pass


def _reachable(endpoint: str, api: str) -> Api:
    """The first invoke-URL form the target answers with a 200."""
    parts = urlsplit(endpoint)
    port = parts.port or 80
    candidates = [
        Api(f"{api}.execute-api.localhost:{port}", "/prod/items/42"),
        Api(f"127.0.0.1:{port}", f"/_aws/execute-api/{api}/prod/items/42"),
        Api(f"127.0.0.1:{port}", f"/restapis/{api}/prod/_user_request_/items/42"),
    ]
    seen = []
    for candidate in candidates:
        conn = http.client.HTTPConnection(parts.hostname or "127.0.0.1", port, timeout=120)
        try:
            conn.request("GET", candidate.path, headers={"Host": candidate.host})
            response = conn.getresponse()
            body = response.read()
        finally:
            conn.close()
        if response.status == 200:
            return candidate
        seen.append(f"{candidate.path}: {response.status} {body[:80]!r}")
    raise RuntimeError("unsupported: no invoke URL form answered 200 (" + "; ".join(seen) + ")")


def _wrk(endpoint: str, api: Api, seconds: float, connections: int) -> tuple[int, float, float, float]:
    """(requests, seconds, p50 ms, p99 ms) from wrk with `connections` keep-alive connections."""
    parts = urlsplit(endpoint)
    url = f"http://{parts.hostname}:{parts.port}{api.path}"
    argv = [
        "wrk",
        f"-t{min(2, connections)}",
        f"-c{connections}",
        f"-d{max(1, round(seconds))}s",
        "--latency",
        "-H",
        f"Host: {api.host}",
        url,
    ]
    # warm-up: every connection's function worker started (cold starts are not what this case measures)
    subprocess.run([*argv[:3], "-d3s", *argv[4:]], capture_output=True, text=True, timeout=60)
    out = subprocess.run(argv, capture_output=True, text=True, timeout=seconds + 60).stdout
    if "Non-2xx" in out:
        raise RuntimeError(f"wrk saw errors: {out.strip().splitlines()[-3:]}")
    total = re.search(r"(\d+) requests in ([\d.]+)(m?s)", out)
    if total is None:
        raise RuntimeError(f"unreadable wrk output: {out[:300]}")
    elapsed = float(total.group(2)) * (1 if total.group(3) == "s" else 0.001)
    return int(total.group(1)), elapsed, _wrk_ms(out, "50%"), _wrk_ms(out, "99%")


def _wrk_ms(out: str, label: str) -> float:
    found = re.search(rf"^\s*{re.escape(label)}\s+([\d.]+)(us|ms|s)\s*$", out, re.M)
    if found is None:
        return float("nan")
    return float(found.group(1)) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[found.group(2)]


def _lean(endpoint: str, api: Api, seconds: float) -> tuple[int, float, list[float]]:
    parts = urlsplit(endpoint)
    conn = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port, timeout=120)

    def call() -> None:
        conn.request("GET", api.path, headers={"Host": api.host})
        response = conn.getresponse()
        body = response.read()
        if response.status != 200:
            raise RuntimeError(f"GET {api.path}: {response.status} {body[:200]!r}")

    try:
        return timed_loop(call, seconds, 200_000)
    finally:
        conn.close()


def _measure(target: str, endpoint: str, seconds: float, source: str, crud: bool, connections: int) -> Result:
    with _api(endpoint, source, crud) as api:
        if shutil.which("wrk"):
            n, elapsed, p50, p99 = _wrk(endpoint, api, seconds, connections)
            note = f"wrk -c{connections}: p50 {p50:.2f} ms, p99 {p99:.2f} ms"
            return Result("", target, n, elapsed, [p50], note=note, percentiles={50: p50, 99: p99})
        n, elapsed, latencies = _lean(endpoint, api, seconds)
        return Result("", target, n, elapsed, latencies, note="raw keep-alive client (wrk not installed)")


def trivial_latency(target: str, endpoint: str, seconds: float) -> Result:
    """GET → Lambda proxy → a trivial handler, one connection: p50/p99 and requests per second."""
    return _measure(target, endpoint, seconds, TRIVIAL, False, 1)


def crud_latency(target: str, endpoint: str, seconds: float) -> Result:
    """GET /items/{id} → Lambda proxy → DynamoDB GetItem (boto3 in the handler), one connection."""
    return _measure(target, endpoint, seconds, CRUD, True, 1)


def crud_throughput(target: str, endpoint: str, seconds: float) -> Result:
    """The CRUD read with 8 concurrent connections: requests per second."""
    return _measure(target, endpoint, seconds, CRUD, True, 8)
