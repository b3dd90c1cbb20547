"""A real `python -m cloudlet up` process on a data directory with a virtual clock (scenario helper)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import urllib.request
from pathlib import Path
from typing import Any

import boto3
from botocore.config import Config

READY_TIMEOUT_S = 30.0


class ServerProcess:
    """`python -m cloudlet up` on a data directory, with a virtual clock."""

    def __init__(self, data_dir: Path, services: str = "sqs") -> None:
        self.data_dir = data_dir
        self.services = services
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            self.port = sock.getsockname()[1]
        self.process: subprocess.Popen[str] | None = None

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> ServerProcess:
        argv = [
            sys.executable,
            "-m",
            "cloudlet",
            "up",
            "--port",
            str(self.port),
            "--data-dir",
            str(self.data_dir),
            "--virtual-clock",
            "--services",
            self.services,
        ]
        self.process = subprocess.Popen(
            argv,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
        assert self.process.stdout is not None
        seen = []
        for line in self.process.stdout:  # the server's own "ready" line: a real event
            seen.append(line)
            if "ready in" in line:
                break
        else:
            raise RuntimeError("server exited before it was ready:\n" + "".join(seen))
        threading.Thread(target=lambda: [None for _ in self.process.stdout], daemon=True).start()
        return self

    def kill(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(10)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(10)

    def advance(self, seconds: float) -> None:
        request = urllib.request.Request(
            f"{self.endpoint}/_cloudlet/clock/advance?seconds={seconds}", method="POST"
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            assert response.status == 200

    def client(self, service: str = "sqs") -> Any:
        return boto3.client(
            service,
            endpoint_url=self.endpoint,
            region_name="us-east-1",
            aws_access_key_id="test",
            aws_secret_access_key="test",
            config=Config(retries={"max_attempts": 1}, read_timeout=10),
        )
