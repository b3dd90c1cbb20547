"""GET /_cloudlet/health lists services and their state."""

from __future__ import annotations

import json
import urllib.request


def _get(url: str) -> dict:
    with urllib.request.urlopen(url) as response:
        assert response.headers["Content-Type"] == "application/json"
        return json.loads(response.read())


def test_health_lists_every_service_with_its_state(cloudlet):
    health = _get(cloudlet.endpoint + "/_cloudlet/health")
    assert health["status"] == "running"
    assert health["services"]["sts"] == "available"
    assert health["services"]["sqs"] == "available"
    assert health["services"]["sns"] == "available"
    assert health["services"]["dynamodb"] == "available"
    assert health["services"]["apigateway"] == "available"
    assert health["services"]["kinesis"] == "not_implemented"
    cloudlet.client("sts").get_caller_identity()
    assert _get(cloudlet.endpoint + "/_cloudlet/health")["services"]["sts"] == "running"


def test_localstack_health_path_answers_for_existing_tooling(cloudlet):
    assert _get(cloudlet.endpoint + "/_localstack/health")["services"]["sts"] in ("available", "running")


def test_clock_endpoints_advance_the_virtual_clock(cloudlet):
    before = _get(cloudlet.endpoint + "/_cloudlet/clock")["now"]
    request = urllib.request.Request(cloudlet.endpoint + "/_cloudlet/clock/advance?seconds=90", method="POST")
    with urllib.request.urlopen(request) as response:
        after = json.loads(response.read())["now"]
    assert after - before == 90
    assert cloudlet.clock.now() == after
