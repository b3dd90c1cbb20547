"""The pool runs real awslambdaric workers: results, warm reuse, concurrency, failures and logs."""

from __future__ import annotations

import asyncio
import json
import os
import re
from pathlib import Path

from cloudlet.runtime.pool import Pool
from tests.runtime.conftest import ACCOUNT


def test_echo_cold_then_warm_on_the_same_worker(harness, make_spec):
    spec = make_spec("app.pid")

    async def scenario(app, pool: Pool):
        first = await pool.invoke(spec, b"{}", "req-1")
        second = await pool.invoke(spec, b"{}", "req-2")
        return first, second, pool.workers(spec.key)

    first, second, workers = harness.run(scenario)
    assert first.outcome == second.outcome == "ok"
    assert json.loads(first.payload) == json.loads(second.payload)  # same process
    assert first.function_error is None
    assert first.init_duration_ms is not None and first.init_duration_ms > 0
    assert second.init_duration_ms is None
    assert "Init Duration" in first.log_tail and "Init Duration" not in second.log_tail
    assert first.log_stream == second.log_stream
    assert workers == 1


def test_payload_round_trips(harness, make_spec):
    event = {"a": [1, 2, {"b": "ü"}], "n": None}

    result = harness.run(
        lambda app, pool: pool.invoke(make_spec("app.echo"), json.dumps(event).encode(), "r")
    )

    assert result.outcome == "ok"
    assert json.loads(result.payload) == event


def test_log_lines_as_on_aws(harness, make_spec):
    spec = make_spec("app.chatty")

    result = harness.run(lambda app, pool: pool.invoke(spec, b"{}", "req-logs"))

    lines = result.log_tail.splitlines()
    assert lines[0] == "init: module loaded"
    assert lines[1] == "START RequestId: req-logs Version: $LATEST"
    assert "hello from print" in lines and "to stderr" in lines
    assert any(re.fullmatch(r"\[INFO\]\t\S+Z\treq-logs\thello from logging", line) for line in lines)
    assert lines[-2] == "END RequestId: req-logs"
    assert re.fullmatch(
        r"REPORT RequestId: req-logs\tDuration: \d+\.\d\d ms\tBilled Duration: \d+ ms\tMemory Size: 128 MB"
        r"\tMax Memory Used: \d+ MB\tInit Duration: \d+\.\d\d ms",
        lines[-1],
    )
    assert result.billed_ms >= result.duration_ms + result.init_duration_ms
    ((sink_spec, stream, sunk),) = harness.sink
    assert sink_spec is spec
    assert re.fullmatch(r"\d{4}/\d\d/\d\d/\[\$LATEST\][0-9a-f]{32}", stream)
    assert [line for _, line in sunk] == lines
    assert all(isinstance(ms, int) for ms, _ in sunk)


def test_handler_exception_is_an_unhandled_error(harness, make_spec):
    result = harness.run(lambda app, pool: pool.invoke(make_spec("app.boom"), b"{}", "req-err"))

    assert result.outcome == "error"
    assert result.function_error == "Unhandled"
    body = json.loads(result.payload)
    assert body["errorType"] == "ValueError"
    assert body["errorMessage"] == "something broke"
    assert body["requestId"] == "req-err"
    assert any("in boom" in frame for frame in body["stackTrace"])
    assert "[ERROR] ValueError: something broke" in result.log_tail


def test_worker_survives_a_handled_error(harness, make_spec):
    async def scenario(app, pool: Pool):
        await pool.invoke(make_spec("app.boom"), b"{}", "r1")
        return await pool.invoke(make_spec("app.boom"), b"{}", "r2")

    assert harness.run(scenario).init_duration_ms is None


def test_import_error_fails_init_and_every_invoke_retries_it(harness, make_spec):
    spec = make_spec("broken.handler")

    async def scenario(app, pool: Pool):
        first = await pool.invoke(spec, b"{}", "r1")
        second = await pool.invoke(spec, b"{}", "r2")
        return first, second, pool.workers(spec.key)

    first, second, workers = harness.run(scenario)
    for result in (first, second):
        assert result.outcome == "error" and result.function_error == "Unhandled"
        body = json.loads(result.payload)
        assert body["errorType"] == "Runtime.ImportModuleError"
        assert body["errorMessage"] == (
            "Unable to import module 'broken': No module named 'does_not_exist_anywhere'"
        )
        assert result.init_duration_ms is not None
        assert "Status: error\tError Type: Runtime.ImportModuleError" in result.log_tail
    assert workers == 0


def test_missing_module_and_missing_handler(harness, make_spec):
    async def scenario(app, pool: Pool):
        return (
            await pool.invoke(make_spec("nope.handler"), b"{}", "r1"),
            await pool.invoke(make_spec("app.nope"), b"{}", "r2"),
        )

    missing_module, missing_handler = harness.run(scenario)
    assert json.loads(missing_module.payload)["errorMessage"] == (
        "Unable to import module 'nope': No module named 'nope'"
    )
    assert json.loads(missing_handler.payload)["errorType"] == "Runtime.HandlerNotFound"


def test_timeout_kills_the_worker_and_the_next_invoke_is_cold(harness, make_spec):
    spec = make_spec("app.sleepy", timeout_s=1.0)

    async def scenario(app, pool: Pool):
        timed_out = await pool.invoke(spec, b"{}", "req-slow")
        return timed_out, pool.workers(spec.key)

    result, workers_after = harness.run(scenario)
    assert result.outcome == "timeout" and result.function_error == "Unhandled"
    assert json.loads(result.payload) == {
        "errorType": "Sandbox.Timedout",
        "errorMessage": "RequestId: req-slow Error: Task timed out after 1.00 seconds",
    }
    assert result.duration_ms == 1000.0
    assert re.search(
        r"\S+Z req-slow Task timed out after 1\.00 seconds\nEND RequestId: req-slow\n", result.log_tail
    )
    assert result.log_tail.rstrip().endswith("Status: timeout")
    assert workers_after == 0


def test_worker_replaced_after_timeout(harness, make_spec):
    spec = make_spec("app.pid", timeout_s=1.0)

    async def scenario(app, pool: Pool):
        before = await pool.invoke(spec, b"{}", "r1")
        timed_out = await pool.invoke(spec, b'{"sleep": 5}', "r2")
        after = await pool.invoke(spec, b"{}", "r3")
        return before, timed_out, after

    before, timed_out, after = harness.run(scenario)
    assert timed_out.outcome == "timeout"
    assert after.outcome == "ok" and after.init_duration_ms is not None
    assert json.loads(after.payload) != json.loads(before.payload)


def test_trivial_handler_runs_at_128_mb_and_more_memory_is_a_kill(harness, make_spec):
    async def scenario(app, pool: Pool):
        small = await pool.invoke(make_spec("app.echo", memory_mb=128), b"{}", "r1")
        fits = await pool.invoke(make_spec("app.hog", memory_mb=128), b'{"mb": 60}', "r2")
        too_much = await pool.invoke(make_spec("app.hog", memory_mb=128), b'{"mb": 400}', "r3")
        return small, fits, too_much, pool.workers(make_spec("app.hog").key)

    small, fits, too_much, hog_workers = harness.run(scenario)
    assert small.outcome == "ok" and small.max_memory_mb < 128
    assert fits.outcome == "ok", fits.payload
    assert too_much.outcome == "crash" and too_much.function_error == "Unhandled"
    assert json.loads(too_much.payload) == {
        "errorType": "Runtime.ExitError",
        "errorMessage": "RequestId: r3 Error: Runtime exited with error: signal: killed",
    }
    assert too_much.max_memory_mb >= 128
    assert "Status: error\tError Type: Runtime.ExitError" in too_much.log_tail
    assert hog_workers == 0


def test_process_exit_is_a_crash(harness, make_spec):
    spec = make_spec("app.die")

    async def scenario(app, pool: Pool):
        crashed = await pool.invoke(spec, b"{}", "r1")
        return crashed, pool.workers(spec.key), await pool.invoke(spec, b"{}", "r2")

    crashed, workers, again = harness.run(scenario)
    assert crashed.outcome == "crash"
    assert (
        json.loads(crashed.payload)["errorMessage"]
        == "RequestId: r1 Error: Runtime exited with error: exit status 3"
    )
    assert (
        "RequestId: r1 Error: Runtime exited with error: exit status 3\nRuntime.ExitError" in crashed.log_tail
    )
    assert workers == 0
    assert again.outcome == "crash" and again.init_duration_ms is not None  # a fresh worker


def test_environment_as_on_aws(harness, make_spec, layer_dir):
    spec = make_spec("app.environment", layer_dirs=(layer_dir,), memory_mb=256, timeout_s=7.0)

    async def scenario(app, pool: Pool):
        result = await pool.invoke(spec, b"{}", "req-env", client_context=json.dumps({"custom": {"k": "v"}}))
        layered = await pool.invoke(make_spec("app.from_layer", layer_dirs=(layer_dir,)), b"{}", "r2")
        return result, layered

    result, layered = harness.run(scenario)
    out = json.loads(result.payload)
    env = out["env"]
    expected = {
        "AWS_LAMBDA_FUNCTION_NAME": "fn",
        "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "256",
        "AWS_LAMBDA_LOG_GROUP_NAME": "/aws/lambda/fn",
        "AWS_LAMBDA_LOG_STREAM_NAME": result.log_stream,
        "AWS_REGION": "us-east-1",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_EXECUTION_ENV": "AWS_Lambda_python3.11",
        "_HANDLER": "app.environment",
        "LAMBDA_TASK_ROOT": str(spec.code_dir),
        "TZ": ":UTC",
        "AWS_ACCESS_KEY_ID": ACCOUNT,
        "AWS_ENDPOINT_URL": "http://127.0.0.1:4566",
        "STAGE": "test",
    }
    assert {k: env.get(k) for k in expected} == expected
    assert env["AWS_SECRET_ACCESS_KEY"] and env["AWS_SESSION_TOKEN"]
    assert env["_X_AMZN_TRACE_ID"].startswith("Root=1-")
    assert env["LAMBDA_RUNTIME_DIR"]
    paths = env["PYTHONPATH"].split(os.pathsep)
    assert paths[0] == str(spec.code_dir)
    assert str(layer_dir / "python") in paths
    assert out["cwd"] == str(spec.code_dir)
    assert Path(out["tmp"]).name.startswith("cloudlet-lambda-")
    assert not Path(out["tmp"]).exists()  # removed when the worker exited (pool closed)
    assert 6000 < out["remaining_ms"] <= 7000
    assert out["arn"] == spec.function_arn and out["request_id"] == "req-env"
    assert out["client_context"] == {"k": "v"}
    assert json.loads(layered.payload) == "from the layer"


def test_parallel_invokes_use_two_workers(harness, make_spec):
    spec = make_spec("app.pid")

    async def scenario(app, pool: Pool):
        results = await asyncio.gather(
            pool.invoke(spec, b'{"sleep": 0.3}', "r1"), pool.invoke(spec, b'{"sleep": 0.3}', "r2")
        )
        return results, pool.workers(spec.key)

    (a, b), workers = harness.run(scenario)
    assert json.loads(a.payload)["pid"] != json.loads(b.payload)["pid"]
    assert a.log_stream != b.log_stream
    assert workers == 2


def test_concurrency_cap_queues_invokes_on_the_same_worker(harness, make_spec):
    spec = make_spec("app.pid")

    async def scenario(app, pool: Pool):
        first = asyncio.ensure_future(pool.invoke(spec, b'{"sleep": 0.2}', "r1"))
        while pool.busy(spec.key) == 0:
            await asyncio.sleep(0.01)
        free_while_busy = pool.has_free_worker(spec.key)
        second = await pool.invoke(spec, b"{}", "r2")
        return await first, second, free_while_busy, pool.has_free_worker(spec.key)

    a, b, free_while_busy, free_after = harness.run(scenario, max_concurrency=1)
    assert json.loads(a.payload) == json.loads(b.payload)
    assert b.init_duration_ms is None
    assert free_while_busy is False and free_after is True


def test_retire_stops_the_workers_of_a_function(harness, make_spec):
    spec = make_spec("app.pid", name="old")
    other = make_spec("app.pid", name="old-but-other")  # its ARN extends spec's

    async def scenario(app, pool: Pool):
        before = await pool.invoke(spec, b"{}", "r1")
        await pool.invoke(other, b"{}", "r2")
        pool.retire(spec.function_arn)
        retired_workers = pool.workers(spec.key)
        after = await pool.invoke(spec, b"{}", "r3")
        return before, after, retired_workers, pool.workers(other.key)

    before, after, retired_workers, other_workers = harness.run(scenario)
    assert retired_workers == 0 and other_workers == 1
    assert after.init_duration_ms is not None
    assert json.loads(after.payload) != json.loads(before.payload)


def test_retire_lets_a_running_invocation_finish(harness, make_spec):
    spec = make_spec("app.pid")

    async def scenario(app, pool: Pool):
        running = asyncio.ensure_future(pool.invoke(spec, b'{"sleep": 0.3}', "r1"))
        while pool.busy(spec.key) == 0:
            await asyncio.sleep(0.01)
        pool.retire(spec.key)
        result = await running
        return result, pool.workers(spec.key)

    result, workers = harness.run(scenario)
    assert result.outcome == "ok"
    assert workers == 0


def test_idle_workers_expire(harness, make_spec):
    spec = make_spec("app.pid")

    async def scenario(app, pool: Pool):
        await pool.invoke(spec, b"{}", "r1")
        warm = pool.workers(spec.key)
        while pool.workers(spec.key):
            await asyncio.sleep(0.02)
        return warm, await pool.invoke(spec, b"{}", "r2")

    warm, again = harness.run(scenario, idle_timeout_s=0.1)
    assert warm == 1
    assert again.init_duration_ms is not None


def test_app_stop_kills_every_worker(tmp_path, make_spec):
    from cloudlet.app import create_app
    from cloudlet.settings import Settings

    async def main():
        app = create_app(Settings(data_dir=tmp_path, virtual_clock=True))
        await app.start()
        pool = Pool(app, None)
        result = await pool.invoke(make_spec("app.pid"), b"{}", "r1")
        await app.stop()
        pid = json.loads(result.payload)["pid"]
        for _ in range(200):
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                return True
            await asyncio.sleep(0.01)
        return False

    assert asyncio.run(main())


def test_boto3_in_a_handler_talks_to_cloudlet_as_the_function_account(harness, make_spec, cloudlet):
    spec = make_spec("app.whoami", endpoint_url=cloudlet.endpoint, timeout_s=20.0)

    result = harness.run(lambda app, pool: pool.invoke(spec, b"{}", "r1"))

    assert result.outcome == "ok", result.payload
    assert json.loads(result.payload) == ACCOUNT
