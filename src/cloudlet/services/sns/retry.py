"""Delivery retry schedules: AWS-managed endpoints (SQS, Lambda), customer HTTP/S delivery policies,
and the internal policy for e-mail and SMS (sns-message-delivery-retries.html).

A schedule is four phases: immediate retries, pre-backoff retries at the minimum delay, backoff
retries growing from the minimum to the maximum delay, post-backoff retries at the maximum delay.
"""

from __future__ import annotations

import json
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class RetrySchedule:
    no_delay: int
    min_delay_retries: int
    backoff: int
    max_delay_retries: int
    min_delay_s: float
    max_delay_s: float
    function: str = "exponential"

    @property
    def total(self) -> int:
        return self.no_delay + self.min_delay_retries + self.backoff + self.max_delay_retries

    def delay(self, retry: int) -> float | None:
        """Seconds before retry number `retry` (1-based), or None once retries are exhausted."""
        if retry < 1 or retry > self.total:
            return None
        if retry <= self.no_delay:
            return 0.0
        retry -= self.no_delay
        if retry <= self.min_delay_retries:
            return self.min_delay_s
        retry -= self.min_delay_retries
        if retry <= self.backoff:
            return self._backoff(retry)
        return self.max_delay_s

    def _backoff(self, step: int) -> float:
        lo, hi, n = self.min_delay_s, self.max_delay_s, self.backoff
        if n <= 1 or hi <= lo:
            return hi
        frac = (step - 1) / (n - 1)
        if self.function == "linear":
            return lo + (hi - lo) * frac
        if self.function == "arithmetic":
            return lo + (hi - lo) * frac * frac
        if self.function == "geometric":
            return lo * (hi / max(lo, 1e-9)) ** frac if lo > 0 else hi * frac
        return lo * (hi / lo) ** frac if lo > 0 else hi * frac  # exponential


# SQS and Lambda: 3 immediate, 2 at 1 s, 10 backing off from 1 to 20 s, 100,000 at 20 s (23 days).
AWS_MANAGED = RetrySchedule(3, 2, 10, 100_000, 1.0, 20.0)
# SMTP, SMS and mobile push: 50 attempts over about 6 hours.
CUSTOMER_MANAGED_INTERNAL = RetrySchedule(0, 2, 8, 40, 10.0, 600.0)
# HTTP/S without a delivery policy: 3 retries, 20 s apart (the default healthyRetryPolicy).
HTTP_DEFAULT = RetrySchedule(0, 0, 3, 0, 20.0, 20.0, "linear")

DEFAULT_HTTP_POLICY = {
    "minDelayTarget": 20,
    "maxDelayTarget": 20,
    "numRetries": 3,
    "numMaxDelayRetries": 0,
    "numNoDelayRetries": 0,
    "numMinDelayRetries": 0,
    "backoffFunction": "linear",
}


def http_schedule(delivery_policy: str | None) -> RetrySchedule:
    """The schedule of an HTTP/S subscription's (or its topic's) DeliveryPolicy."""
    if not delivery_policy:
        return HTTP_DEFAULT
    try:
        doc = json.loads(delivery_policy)
    except ValueError:
        return HTTP_DEFAULT
    policy = doc.get("healthyRetryPolicy") or (doc.get("http") or {}).get("defaultHealthyRetryPolicy")
    if not isinstance(policy, dict):
        return HTTP_DEFAULT
    merged = DEFAULT_HTTP_POLICY | policy
    total = int(merged["numRetries"])
    no_delay = int(merged["numNoDelayRetries"])
    min_n = int(merged["numMinDelayRetries"])
    max_n = int(merged["numMaxDelayRetries"])
    return RetrySchedule(
        no_delay,
        min_n,
        max(0, total - no_delay - min_n - max_n),
        max_n,
        float(merged["minDelayTarget"]),
        float(merged["maxDelayTarget"]),
        str(merged["backoffFunction"]),
    )


def schedule_for(protocol: str, delivery_policy: str | None) -> RetrySchedule:
    if protocol in ("http", "https"):
        return http_schedule(delivery_policy)
    if protocol in ("sqs", "lambda", "firehose"):
        return AWS_MANAGED
    return CUSTOMER_MANAGED_INTERNAL
