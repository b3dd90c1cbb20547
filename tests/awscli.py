"""Run the AWS CLI v1 (`python -m awscli`) against a cloudlet server, isolated from the user's config."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any


def aws(cloudlet: Any, tmp_path: Path, service: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "AWS_ACCESS_KEY_ID": "test",
        "AWS_SECRET_ACCESS_KEY": "test",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_CONFIG_FILE": str(tmp_path / "no-config"),
        "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "no-credentials"),
    }
    env.pop("AWS_PROFILE", None)
    command = [
        sys.executable,
        "-m",
        "awscli",
        service,
        *args,
        "--endpoint-url",
        cloudlet.endpoint,
        "--output",
        "json",
    ]
    return subprocess.run(command, env=env, capture_output=True, text=True, timeout=60, check=False)


def aws_json(cloudlet: Any, tmp_path: Path, service: str, *args: str) -> Any:
    done = aws(cloudlet, tmp_path, service, *args)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout) if done.stdout.strip() else {}
