"""Example-application cases: deploy time of each example in `examples/` (CreateStack → CREATE_COMPLETE
through boto3, repeated, then deleted), and the feedback system end to end: POST /feedback → the item
readable in DynamoDB (p50/p99, with the time split per stage) and sustained POST load from wrk.

Templates are sent as `cloudlet deploy` sends them (local code folders rewritten to hot reload), so the
target must run on this machine and understand `S3Bucket: hot-reload`; a target whose stack does not
reach CREATE_COMPLETE is reported as unsupported.
"""

from __future__ import annotations

import http.client
import json
import os
import re
import shutil
import statistics
import subprocess
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from benchmarks.cases import Result

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
PATTERNS = (
    "sqs-lambda-dlq",
    "fifo-lambda",
    "sns-lambda-retries",
    "sns-fanout",
    "s3-notifications",
    "eventbridge-archive-replay",
    "deletetable-alert",
)
STACK_TIMEOUT_S = 120.0
ITEM_TIMEOUT_S = 30.0
POLL_S = 0.002
"""How often a client-side wait re-reads a stack or an item (the benchmark is a remote client)."""
MIN_DEPLOYS = 3
MAX_DEPLOYS = 20
MIN_FLOWS = 20
GOOD_FEEDBACK = {"customerId": "bench", "rating": 5, "comment": "fast"}


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


def _template(example: str) -> str:
    from cloudlet.cli.deploy_template import find_template, prepare

    def no_upload(data: bytes, suffix: str) -> tuple[str, str]:
        raise RuntimeError(f"{example}: the examples' code is local folders, nothing should be uploaded")

    return prepare(find_template(EXAMPLES / example), True, no_upload).body


def _wait(cfn: Any, stack: str, deleting: bool = False) -> str:
    """The stack's status once it is no longer in progress (`DELETE_COMPLETE` once it is gone)."""
    deadline = time.monotonic() + STACK_TIMEOUT_S
    while time.monotonic() < deadline:
        try:
            (described,) = cfn.describe_stacks(StackName=stack)["Stacks"]
        except Exception as exc:  # a deleted stack is not found by name
            if deleting and "does not exist" in str(exc):
                return "DELETE_COMPLETE"
            raise
        status = str(described["StackStatus"])
        if not status.endswith("_IN_PROGRESS"):
            return status
        time.sleep(POLL_S)
    raise RuntimeError(f"stack {stack} still in progress after {STACK_TIMEOUT_S:.0f} s")


def _create(cfn: Any, stack: str, body: str) -> float:
    """Seconds from CreateStack to CREATE_COMPLETE; raises `unsupported` when the stack fails."""
    began = time.perf_counter()
    cfn.create_stack(
        StackName=stack, TemplateBody=body, Capabilities=["CAPABILITY_IAM", "CAPABILITY_AUTO_EXPAND"]
    )
    status = _wait(cfn, stack)
    elapsed = time.perf_counter() - began
    if status != "CREATE_COMPLETE":
        reasons = [
            f"{e['LogicalResourceId']}: {e.get('ResourceStatusReason', '')}"
            for e in cfn.describe_stack_events(StackName=stack)["StackEvents"]
            if e["ResourceStatus"].endswith("_FAILED")
        ]
        _delete(cfn, stack)
        raise RuntimeError(f"unsupported: stack {status}: {'; '.join(reasons)[:200]}")
    return elapsed


def _delete(cfn: Any, stack: str) -> None:
    cfn.delete_stack(StackName=stack)
    _wait(cfn, stack, deleting=True)


def deploy_time(target: str, endpoint: str, seconds: float, example: str) -> Result:
    """Create the example's stack (timed) and delete it (not timed), repeated within `seconds`."""
    try:
        cfn = _client("cloudformation", endpoint)
        cfn.list_stacks()
    except Exception as exc:
        raise RuntimeError(f"unsupported: no CloudFormation API ({type(exc).__name__})") from None
    body = _template(example)
    latencies: list[float] = []
    began = time.perf_counter()
    while len(latencies) < MAX_DEPLOYS:
        stack = f"bench-{example.rsplit('/', 1)[-1]}-{uuid.uuid4().hex[:6]}"
        latencies.append(_create(cfn, stack, body) * 1000)
        _delete(cfn, stack)
        if len(latencies) >= MIN_DEPLOYS and time.perf_counter() - began >= seconds:
            break
    elapsed = time.perf_counter() - began
    note = f"{len(latencies)} deploys, p50 {statistics.median(latencies):.0f} ms"
    return Result("", target, len(latencies), elapsed, latencies, note=note)


# -- the feedback flow -------------------------------------------------------------------------------


@contextmanager
def _feedback(endpoint: str) -> Iterator[dict[str, str]]:
    """The feedback example deployed as a fresh stack; its Outputs. Deleted afterwards."""
    cfn = _client("cloudformation", endpoint)
    stack = f"bench-feedback-{uuid.uuid4().hex[:6]}"
    _create(cfn, stack, _template("feedback"))
    try:
        (described,) = cfn.describe_stacks(StackName=stack)["Stacks"]
        yield {o["OutputKey"]: o["OutputValue"] for o in described.get("Outputs", [])}
    finally:
        try:
            _delete(cfn, stack)
        except Exception:
            pass


def _post_path(outputs: dict[str, str]) -> str:
    return f"/_aws/execute-api/{outputs['ApiId']}/Prod/feedback"


def _stamp(value: str) -> float:
    """An ISO 8601 time the functions wrote (`2026-01-01T00:00:00.123+00:00`) as epoch seconds."""
    from datetime import datetime

    return datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()


def flow_latency(target: str, endpoint: str, seconds: float) -> Result:
    """POST /feedback → API Gateway → submit → SQS → store → DynamoDB, one at a time: from sending the
    POST to the item being readable with GetItem. The note splits the p50 per stage from the times the
    functions stamp (`submittedAt`, `storedAt`): API → submit function, submit → queue → store function,
    store → item readable, and the POST's own round trip."""
    parts = urlsplit(endpoint)
    with _feedback(endpoint) as outputs:
        ddb = _client("dynamodb", endpoint)
        table, path = outputs["FeedbackTableName"], _post_path(outputs)
        conn = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port, timeout=60)
        body = json.dumps(GOOD_FEEDBACK)
        stages: dict[str, list[float]] = {
            "api_to_submit": [],
            "queue_to_store": [],
            "visible": [],
            "post": [],
        }
        latencies: list[float] = []

        def one() -> None:
            t0 = time.time()
            conn.request("POST", path, body=body, headers={"Content-Type": "application/json"})
            response = conn.getresponse()
            answer = response.read()
            t1 = time.time()
            if response.status != 202:  # the submit function did not answer: the flow is not there
                raise RuntimeError(f"unsupported: POST /feedback answered {response.status} {answer[:80]!r}")
            key = {"id": {"S": json.loads(answer)["id"]}}
            deadline = time.monotonic() + ITEM_TIMEOUT_S
            while (item := ddb.get_item(TableName=table, Key=key).get("Item")) is None:
                if time.monotonic() > deadline:
                    raise RuntimeError(f"item {key} not stored after {ITEM_TIMEOUT_S:.0f} s")
            t2 = time.time()
            submitted, stored = _stamp(item["submittedAt"]["S"]), _stamp(item["storedAt"]["S"])
            latencies.append((t2 - t0) * 1000)
            stages["post"].append((t1 - t0) * 1000)
            stages["api_to_submit"].append((submitted - t0) * 1000)
            stages["queue_to_store"].append((stored - submitted) * 1000)
            stages["visible"].append((t2 - stored) * 1000)

        for _ in range(3):  # warm-up: cold starts of both functions are not what this measures
            one()
        latencies.clear()
        for values in stages.values():
            values.clear()
        began = time.perf_counter()
        while len(latencies) < MIN_FLOWS or time.perf_counter() - began < seconds:
            one()
        elapsed = time.perf_counter() - began
        conn.close()
    p50 = {name: statistics.median(values) for name, values in stages.items()}
    note = (
        f"p50 per stage: API -> submit fn {p50['api_to_submit']:.1f} ms, queue -> store fn "
        f"{p50['queue_to_store']:.1f} ms, store fn -> item readable {p50['visible']:.1f} ms "
        f"(POST round trip {p50['post']:.1f} ms; function clocks have ms resolution)"
    )
    return Result("", target, len(latencies), elapsed, latencies, note=note)


WRK_POST = """wrk.method = "POST"
wrk.body = '{body}'
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Host"] = "{host}"
"""


def _count(ddb: Any, table: str) -> int:
    total, start = 0, None
    while True:
        page = ddb.scan(TableName=table, Select="COUNT", **({"ExclusiveStartKey": start} if start else {}))
        total += page["Count"]
        start = page.get("LastEvaluatedKey")
        if not start:
            return total


def _drain(ddb: Any, table: str, expected: int, timeout: float) -> int:
    """The table's item count once it reaches `expected` (or when `timeout` seconds have passed)."""
    deadline = time.monotonic() + timeout
    stored = _count(ddb, table)
    while stored < expected and time.monotonic() < deadline:
        time.sleep(0.05)
        stored = _count(ddb, table)
    return stored


def flow_throughput(target: str, endpoint: str, seconds: float, connections: int = 8) -> Result:
    """Sustained POST /feedback from wrk (`connections` keep-alive connections), then the time until every
    accepted feedback is stored: requests per second at the API, and feedback stored per second end to
    end (accepted / (load + drain))."""
    if not shutil.which("wrk"):
        raise RuntimeError("unsupported here: wrk is not installed")
    parts = urlsplit(endpoint)
    with _feedback(endpoint) as outputs, tempfile.TemporaryDirectory() as tmp:
        ddb = _client("dynamodb", endpoint)
        table = outputs["FeedbackTableName"]
        script = os.path.join(tmp, "post.lua")
        with open(script, "w") as fh:
            fh.write(WRK_POST.format(body=json.dumps(GOOD_FEEDBACK), host=f"127.0.0.1:{parts.port}"))
        url = f"http://{parts.hostname}:{parts.port}{_post_path(outputs)}"
        base = ["wrk", f"-t{min(2, connections)}", f"-c{connections}", "--latency", "-s", script]
        warm = subprocess.run([*base, "-d2s", url], capture_output=True, text=True, timeout=60).stdout
        warmed = _wrk_requests(warm)
        _drain(ddb, table, warmed, ITEM_TIMEOUT_S)  # the warm-up's feedback stored before counting
        before = _count(ddb, table)
        began = time.perf_counter()
        out = subprocess.run(
            [*base, f"-d{max(1, round(seconds))}s", url], capture_output=True, text=True, timeout=seconds + 60
        ).stdout
        if "Non-2xx" in out:
            raise RuntimeError(f"wrk saw errors: {out.strip().splitlines()[-3:]}")
        accepted, load_s = _wrk_requests(out), _wrk_seconds(out)
        stored = _drain(ddb, table, before + accepted, max(ITEM_TIMEOUT_S, seconds * 10))
        total_s = time.perf_counter() - began
    drained = stored - before
    p50, p99 = _wrk_ms(out, "50%"), _wrk_ms(out, "99%")
    if drained >= accepted:
        stored_text = (
            f"all {accepted} accepted stored end to end at {drained / total_s:.0f}/s "
            f"(+{drained - accepted} in flight when wrk stopped)"
        )
    elif drained == 0:
        # answered but nothing reached the table: not the flow this case measures
        raise RuntimeError(f"unsupported: {accepted} POSTs answered, none stored end to end")
    else:
        stored_text = f"only {drained}/{accepted} stored after the wait"
    note = (
        f"wrk -c{connections} POST: {accepted / load_s:.0f} req/s, p50 {p50:.1f} ms, p99 {p99:.1f} ms; "
        f"{stored_text}; drain {max(0.0, total_s - load_s):.1f} s after the load ({warmed} warm-up POSTs)"
    )
    return Result("", target, accepted, load_s, [p50], note=note, percentiles={50: p50, 99: p99})


def _wrk_requests(out: str) -> int:
    found = re.search(r"(\d+) requests in", out)
    if found is None:
        raise RuntimeError(f"unreadable wrk output: {out[:300]}")
    return int(found.group(1))


def _wrk_seconds(out: str) -> float:
    found = re.search(r"requests in ([\d.]+)(m?s)", out)
    if found is None:
        raise RuntimeError(f"unreadable wrk output: {out[:300]}")
    return float(found.group(1)) * (1 if found.group(2) == "s" else 0.001)


def _wrk_ms(out: str, label: str) -> float:
    found = re.search(rf"^\s*{re.escape(label)}\s+([\d.]+)(us|ms|s)\s*$", out, re.M)
    if found is None:
        return float("nan")
    return float(found.group(1)) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[found.group(2)]
