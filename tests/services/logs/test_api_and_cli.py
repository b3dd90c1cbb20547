"""`logs.api.append` (what Lambda's runtime calls), the tail endpoint, and `cloudlet logs [--follow]`."""

from __future__ import annotations

import json
import threading
import urllib.request

from click.testing import CliRunner

from cloudlet.cli.main import cli
from cloudlet.services.logs.api import append
from tests.cli_process import cli_process, read_line
from tests.services.logs.conftest import now_ms

ACCOUNT = "000000000000"
REGION = "us-east-1"
FN_GROUP = "/aws/lambda/orders"
JOIN_S = 15


def _append(cloudlet, events, group=FN_GROUP, stream="2024/01/01/[$LATEST]abc"):
    append(cloudlet.app, ACCOUNT, REGION, group, stream, events)


def test_append_creates_the_group_and_stream(cloudlet, logs):
    t = now_ms(cloudlet)
    _append(cloudlet, [(t + 1, "second"), (t, "first")])
    [group] = logs.describe_log_groups()["logGroups"]
    assert group["logGroupName"] == FN_GROUP
    [stream] = logs.describe_log_streams(logGroupName=FN_GROUP)["logStreams"]
    page = logs.get_log_events(logGroupName=FN_GROUP, logStreamName=stream["logStreamName"])
    assert [e["message"] for e in page["events"]] == ["first", "second"]  # sorted by timestamp


def test_append_drops_events_past_retention_quietly(cloudlet, logs):
    logs.create_log_group(logGroupName=FN_GROUP)
    logs.put_retention_policy(logGroupName=FN_GROUP, retentionInDays=1)
    t = now_ms(cloudlet)
    _append(cloudlet, [(t - 2 * 86_400_000, "expired"), (t, "kept")])
    assert [e["message"] for e in logs.filter_log_events(logGroupName=FN_GROUP)["events"]] == ["kept"]


def test_the_tail_endpoint_wakes_on_append(cloudlet):
    _append(cloudlet, [(now_ms(cloudlet), "before")])
    first = _tail(cloudlet, after=0)
    assert [e["message"] for e in first["events"]] == ["before"]
    answer: dict = {}
    reader = threading.Thread(target=lambda: answer.update(_tail(cloudlet, after=first["cursor"], wait=20)))
    reader.start()
    assert cloudlet.app.service("logs").state.wait_for_followers(1, JOIN_S)
    _append(cloudlet, [(now_ms(cloudlet), "after")])
    reader.join(JOIN_S)
    assert [(e["stream"], e["message"]) for e in answer["events"]] == [("2024/01/01/[$LATEST]abc", "after")]


def test_the_tail_endpoint_answers_empty_when_the_wait_passes(cloudlet):
    _append(cloudlet, [(now_ms(cloudlet), "x")])
    cursor = _tail(cloudlet, after=0)["cursor"]
    answer: dict = {}
    reader = threading.Thread(target=lambda: answer.update(_tail(cloudlet, after=cursor, wait=5)))
    reader.start()
    assert cloudlet.app.service("logs").state.wait_for_followers(1, JOIN_S)
    cloudlet.clock.advance(5)
    reader.join(JOIN_S)
    assert answer == {"events": [], "cursor": cursor, "exists": True, "start": None}


def _tail(cloudlet, **params):
    query = "&".join(f"{k}={v}" for k, v in {"group": FN_GROUP, **params}.items())
    with urllib.request.urlopen(f"{cloudlet.endpoint}/_cloudlet/logs/tail?{query}", timeout=JOIN_S) as r:
        return json.loads(r.read())


def test_cli_prints_a_functions_events(cloudlet):
    t = now_ms(cloudlet)
    _append(cloudlet, [(t, "START RequestId: 1\n"), (t + 1, "ERROR boom"), (t + 2, "END RequestId: 1")])
    result = CliRunner().invoke(cli, ["logs", "orders", "--endpoint-url", cloudlet.endpoint])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert len(lines) == 3
    when, stream, message = lines[0].split(" ", 2)
    assert when.endswith("Z") and stream == "2024/01/01/[$LATEST]abc" and message == "START RequestId: 1"
    filtered = CliRunner().invoke(
        cli, ["logs", FN_GROUP, "--filter", "ERROR", "--endpoint-url", cloudlet.endpoint]
    )
    assert [line.split(" ", 2)[2] for line in filtered.output.splitlines()] == ["ERROR boom"]


def test_cli_since_limits_to_recent_events(cloudlet):
    t = now_ms(cloudlet)
    _append(cloudlet, [(t - 20 * 60_000, "old"), (t - 60_000, "recent")])
    result = CliRunner().invoke(
        cli, ["logs", "orders", "--since", "10m", "--endpoint-url", cloudlet.endpoint]
    )
    assert [line.split(" ", 2)[2] for line in result.output.splitlines()] == ["recent"]


def test_cli_missing_group_fails(cloudlet):
    result = CliRunner().invoke(cli, ["logs", "nope", "--endpoint-url", cloudlet.endpoint])
    assert result.exit_code == 1
    assert "log group /aws/lambda/nope does not exist" in result.output


def test_cli_follows_new_events_until_interrupted(cloudlet):
    _append(cloudlet, [(now_ms(cloudlet), "before")])
    with cli_process("logs", "orders", "--follow", "--endpoint-url", cloudlet.endpoint) as process:
        assert read_line(process).rstrip("\n").endswith(" before")
        assert cloudlet.app.service("logs").state.wait_for_followers(1, JOIN_S)  # long-polling now
        _append(cloudlet, [(now_ms(cloudlet), "after")])
        assert read_line(process).rstrip("\n").endswith(" after")
