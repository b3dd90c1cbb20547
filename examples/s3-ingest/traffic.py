"""Traffic for the s3-ingest example: uploads JSON files to the bucket and exercises the items API.

    python examples/s3-ingest/traffic.py [--endpoint http://localhost:4566] [--stack-name s3-ingest]
        [--files 3] [--records 5]

Reads the stack's Outputs (bucket, API id), uploads `--files` files of `--records` records under
`incoming/` (plus one file outside the prefix and one that is not `.json`, which are ignored), waits
until the loaded items are readable through the API, then creates, reads and deletes an item.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import urllib.error
import urllib.request
from typing import Any
from urllib.parse import urlsplit

import boto3


def client(service: str, endpoint: str) -> Any:
    return boto3.client(
        service,
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id="test",
        aws_secret_access_key="test",
    )


def outputs(endpoint: str, stack: str) -> dict[str, str]:
    (described,) = client("cloudformation", endpoint).describe_stacks(StackName=stack)["Stacks"]
    return {o["OutputKey"]: o["OutputValue"] for o in described.get("Outputs", [])}


def call(method: str, url: str, body: Any = None) -> tuple[int, Any]:
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(
        url, data=data, method=method, headers={"Content-Type": "application/json"}
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            status, raw = response.status, response.read()
    except urllib.error.HTTPError as error:
        status, raw = error.code, error.read()
    return status, json.loads(raw) if raw else None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--endpoint", default="http://localhost:4566")
    parser.add_argument("--stack-name", default="s3-ingest")
    parser.add_argument("--files", type=int, default=3)
    parser.add_argument("--records", type=int, default=5)
    args = parser.parse_args(argv)

    out = outputs(args.endpoint, args.stack_name)
    bucket, api = out["BucketName"], out["ApiId"]
    port = urlsplit(args.endpoint).port or 4566
    items_url = f"http://127.0.0.1:{port}/_aws/execute-api/{api}/prod/items"
    s3 = client("s3", args.endpoint)

    expected: set[str] = set()
    for f in range(args.files):
        rows = [{"id": f"order-{f}-{r}", "total": (f + 1) * 10 + r, "file": f} for r in range(args.records)]
        s3.put_object(Bucket=bucket, Key=f"incoming/orders-{f}.json", Body=json.dumps(rows).encode())
        expected |= {row["id"] for row in rows}
        print(f"uploaded s3://{bucket}/incoming/orders-{f}.json ({len(rows)} records)")
    s3.put_object(Bucket=bucket, Key="archive/old.json", Body=b'[{"id": "ignored-prefix"}]')
    s3.put_object(Bucket=bucket, Key="incoming/notes.txt", Body=b"ignored suffix")

    deadline = time.monotonic() + 30
    seen: set[str] = set()
    while time.monotonic() < deadline:
        status, body = call("GET", items_url)
        seen = {item["id"] for item in body["items"]} if status == 200 else set()
        if expected <= seen:
            break
        time.sleep(0.2)  # polling a remote endpoint from a client script
    print(f"{len(expected & seen)}/{len(expected)} records loaded into DynamoDB, readable at {items_url}")

    status, created = call("POST", items_url, {"name": "widget", "price": 9.5})
    print(f"POST /items -> {status} {created}")
    status, got = call("GET", f"{items_url}/{created['id']}")
    print(f"GET /items/{created['id']} -> {status} {got}")
    status, _ = call("DELETE", f"{items_url}/{created['id']}")
    print(f"DELETE /items/{created['id']} -> {status}")
    status, missing = call("GET", f"{items_url}/{created['id']}")
    print(f"GET /items/{created['id']} -> {status} {missing}")
    status, bad = call("POST", items_url, ["not", "an", "object"])
    print(f"POST /items (a list) -> {status} {bad}")
    return 0 if expected <= seen else 1


if __name__ == "__main__":
    sys.exit(main())
