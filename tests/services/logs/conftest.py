"""CloudWatch Logs fixtures: a client, a group with a stream, and `now_ms` on the server's clock."""

from __future__ import annotations

from typing import Any

import pytest

GROUP = "/app/orders"
STREAM = "web-1"


@pytest.fixture
def logs(cloudlet: Any) -> Any:
    return cloudlet.client("logs")


@pytest.fixture
def stream(logs: Any) -> tuple[str, str]:
    logs.create_log_group(logGroupName=GROUP)
    logs.create_log_stream(logGroupName=GROUP, logStreamName=STREAM)
    return GROUP, STREAM


def now_ms(cloudlet: Any) -> int:
    return round(cloudlet.clock.now() * 1000)


def error_of(exc_info: Any) -> tuple[str, str, int]:
    err = exc_info.value.response
    return err["Error"]["Code"], err["Error"]["Message"], err["ResponseMetadata"]["HTTPStatusCode"]
