"""The `cloudlet` command: up (as a real process), status, reset, version."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest
from click.testing import CliRunner

from cloudlet import __version__
from cloudlet.cli.main import cli


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_version():
    result = CliRunner().invoke(cli, ["--version"])
    assert result.exit_code == 0
    assert __version__ in result.output


def test_status_of_a_running_server(cloudlet):
    result = CliRunner().invoke(cli, ["status", "--endpoint-url", cloudlet.endpoint, "--json"])
    assert result.exit_code == 0, result.output
    health = json.loads(result.output)
    assert health["status"] == "running"
    assert "sts" in health["services"]
    table = CliRunner().invoke(cli, ["status", "--endpoint-url", cloudlet.endpoint])
    assert table.exit_code == 0
    assert "sts" in table.output


def test_status_uses_aws_endpoint_url(cloudlet):
    result = CliRunner().invoke(cli, ["status", "--json"], env={"AWS_ENDPOINT_URL": cloudlet.endpoint})
    assert result.exit_code == 0, result.output


def test_status_when_nothing_runs():
    result = CliRunner().invoke(cli, ["status", "--endpoint-url", f"http://127.0.0.1:{_free_port()}"])
    assert result.exit_code == 1
    assert "no cloudlet answers" in result.output


def test_reset_asks_first_and_accepts_yes(cloudlet):
    refused = CliRunner().invoke(cli, ["reset", "--endpoint-url", cloudlet.endpoint], input="n\n")
    assert refused.exit_code == 1
    assert "Nothing deleted" in refused.output
    done = CliRunner().invoke(cli, ["reset", "--endpoint-url", cloudlet.endpoint, "--yes"])
    assert done.exit_code == 0, done.output
    assert "Reset" in done.output


def test_reset_of_a_data_directory(tmp_path: Path):
    (tmp_path / "cloudlet.db").write_bytes(b"x")
    result = CliRunner().invoke(
        cli,
        ["reset", "--endpoint-url", f"http://127.0.0.1:{_free_port()}", "--data-dir", str(tmp_path), "--yes"],
    )
    assert result.exit_code == 0, result.output
    assert not (tmp_path / "cloudlet.db").exists()


def test_unknown_service_is_refused():
    result = CliRunner().invoke(cli, ["up", "--services", "sqs,nope", "--in-memory"])
    assert result.exit_code == 2
    assert "nope" in result.output


@pytest.mark.slow
def test_up_serves_the_aws_cli_and_stops_on_sigterm(tmp_path: Path):
    port = _free_port()
    env = {**os.environ, "CLOUDLET_DATA_DIR": str(tmp_path / "data"), "PYTHONUNBUFFERED": "1"}
    process = subprocess.Popen(
        [sys.executable, "-m", "cloudlet", "up", "--port", str(port), "--virtual-clock"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=env,
    )
    try:
        banner = []
        assert process.stdout is not None
        for line in process.stdout:  # blocks on the server's own output: a real wait
            banner.append(line)
            if "ready in" in line:
                break
        output = "".join(banner)
        assert f"http://127.0.0.1:{port}" in output, output
        assert str(tmp_path / "data") in output
        if shutil.which("aws"):
            cli_env = {**os.environ, "AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test"}
            result = subprocess.run(
                [
                    "aws",
                    "sts",
                    "get-caller-identity",
                    "--endpoint-url",
                    f"http://127.0.0.1:{port}",
                    "--region",
                    "us-east-1",
                    "--output",
                    "json",
                ],
                capture_output=True,
                text=True,
                env=cli_env,
                timeout=60,
                check=False,
            )
            assert result.returncode == 0, result.stderr
            assert json.loads(result.stdout)["Account"] == "000000000000"
        assert (tmp_path / "data" / "cloudlet.db").exists()
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/_cloudlet/clock") as response:
            assert json.loads(response.read())["virtual"] is True
    finally:
        process.send_signal(signal.SIGTERM)
        rest, _ = process.communicate(timeout=30)
    assert process.returncode == 0, rest
    assert "cloudlet stopped" in rest
    assert "Traceback" not in rest
