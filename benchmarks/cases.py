"""Benchmark cases. Each runs for a bounded time against an endpoint and returns a Result."""

from __future__ import annotations

import http.client
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

STS_BODY = b"Action=GetCallerIdentity&Version=2011-06-15"
STS_HEADERS = {
    "Content-Type": "application/x-www-form-urlencoded; charset=utf-8",
    "Authorization": "AWS4-HMAC-SHA256 Credential=test/20240101/us-east-1/sts/aws4_request, "
    "SignedHeaders=content-type;host;x-amz-date, Signature=0",
    "X-Amz-Date": "20240101T000000Z",
}


@dataclass
class Result:
    case: str
    target: str
    requests: int
    seconds: float
    latencies_ms: list[float]
    note: str = ""
    messages: int = 0
    """Messages sent or received and deleted (0 for cases that move none)."""
    error: str = ""
    percentiles: dict[float, float] | None = None
    """Percentiles a load generator reported (wrk), when per-request latencies are not at hand."""

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    @property
    def mps(self) -> float:
        return self.messages / self.seconds if self.seconds else 0.0

    def pct(self, p: float) -> float:
        if self.percentiles and p in self.percentiles:
            return self.percentiles[p]
        if not self.latencies_ms:
            return float("nan")
        ordered = sorted(self.latencies_ms)
        return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]

    @property
    def p50(self) -> float:
        if self.percentiles and 50 in self.percentiles:
            return self.percentiles[50]
        return statistics.median(self.latencies_ms) if self.latencies_ms else float("nan")


def timed_loop(fn: Callable[[], object], seconds: float, max_requests: int) -> tuple[int, float, list[float]]:
    warm_until = time.perf_counter() + seconds
    for _ in range(20):  # warm-up: connections, lazy imports, first-request work (bounded for slow targets)
        fn()
        if time.perf_counter() > warm_until:
            break
    latencies: list[float] = []
    began = time.perf_counter()
    deadline = began + seconds
    while len(latencies) < max_requests:
        t0 = time.perf_counter()
        fn()
        t1 = time.perf_counter()
        latencies.append((t1 - t0) * 1000)
        if t1 >= deadline:
            break
    return len(latencies), time.perf_counter() - began, latencies


def sts_raw(target: str, endpoint: str, seconds: float, max_requests: int = 200_000) -> Result:
    """GetCallerIdentity over one raw keep-alive HTTP/1.1 connection (a lean client)."""
    parts = urlsplit(endpoint)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)

    def call() -> None:
        conn.request("POST", "/", body=STS_BODY, headers=STS_HEADERS)
        response = conn.getresponse()
        body = response.read()
        if response.status != 200 or b"<Account>" not in body:
            raise RuntimeError(f"unexpected answer {response.status}: {body[:200]!r}")

    n, elapsed, lat = timed_loop(call, seconds, max_requests)
    conn.close()
    return Result("sts GetCallerIdentity, raw keep-alive HTTP", target, n, elapsed, lat)


def sts_boto3(target: str, endpoint: str, seconds: float, max_requests: int = 100_000) -> Result:
    """GetCallerIdentity through boto3 (one thread): mostly measures botocore itself."""
    import boto3
    from botocore.config import Config

    client = boto3.client(
        "sts",
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id="test",
        aws_secret_access_key="test",
        config=Config(retries={"max_attempts": 1}),
    )
    n, elapsed, lat = timed_loop(client.get_caller_identity, seconds, max_requests)
    return Result("sts GetCallerIdentity, boto3", target, n, elapsed, lat)
