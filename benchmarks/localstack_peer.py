"""LocalStack as a peer: `localstack-core` from PyPI, run directly on the host (no Docker).

`localstack-core[runtime]` holds the whole community runtime; `python -m localstack.runtime.main` starts
its gateway (twisted, the default GATEWAY_SERVER) in the foreground and prints "Ready." once it serves.
What a host install needs beyond the package, found by starting it (localstack-core 2026.3.0):

- Python >= 3.12: the package declares >=3.10 but uses PEP 695 generics (`class RegionBundle[T]`), so
  under 3.11 every plugin fails to import ("No component plugins found"). Its venv is therefore made
  with a 3.12+ interpreter found on this machine (CLOUDLET_BENCH_LOCALSTACK_PYTHON overrides).
- cbor2 < 6 (6.x dropped the `cbor2._decoder` module it imports) and pyOpenSSL < 25 (its self-signed
  gateway certificate uses `X509.add_extensions`, removed in 25); service-identity, which twisted's TLS
  needs and the extra does not pull in. The Docker image pins these; a plain pip install does not.

2026.3.0 is the newest release and starts without an auth token (the token check lives in the
proprietary localstack-ext, not in core), so it is pinned as is: a pin keeps the dependency fixes
above valid.

Outbound calls are switched off: DISABLE_EVENTS (analytics), SKIP_SSL_CERT_DOWNLOAD (it fetches a
certificate at start), DNS_ADDRESS=0 (no DNS server on 0.0.0.0:53), and every HTTP(S) proxy setting,
its own OUTBOUND_* and the standard ones, points at a closed loopback port, so the packages it would
download on demand (Java and DynamoDB Local, the Lambda runtime init, kinesis-mock, its service
catalog) fail at once instead of leaving the machine; loopback names bypass the proxy. Its twisted
gateway ignores the IPv4 interface of GATEWAY_LISTEN and binds 0.0.0.0, so it gets the IPv4-mapped
form `[::ffff:127.0.0.1]:<port>`, which binds loopback only. State lives in a temporary
FILESYSTEM_ROOT (LocalStack's default is a folder inside the installed package); persistence is off
and it logs one INFO line per request, both LocalStack's defaults (the output is drained).
"""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import sys
from pathlib import Path

VERSION = "2026.3.0"
REQUIREMENT = f"localstack-core[runtime]=={VERSION} cbor2<6 pyopenssl<25 service-identity"
MIN_PYTHON = (3, 12)
PYTHON_ENV = "CLOUDLET_BENCH_LOCALSTACK_PYTHON"
DEAD_PROXY = "http://127.0.0.1:9"
"""A loopback port nothing listens on: a download through it is refused at once."""

LAMBDA = "LocalStack runs Lambda in Docker (here it runs without Docker)"
DYNAMODB = "LocalStack's DynamoDB is DynamoDB Local, a Java download (downloads are off)"
NOT_RUNNABLE: dict[str, str] = {
    "lambda": LAMBDA,
    "dynamodb": DYNAMODB,
    "apigateway": f"{LAMBDA}; the integrations are Lambda functions",
    **{
        case: f"{LAMBDA}; the example has Lambda functions"
        for case in (
            "feedback_flow",
            "feedback_load_c8",
            "deploy_feedback",
            "deploy_s3_ingest",
            "deploy_fifo_lambda",
            "deploy_s3_notifications",
            "deploy_sns_lambda_retries",
            "deploy_sqs_lambda_dlq",
        )
    },
}
"""Case id or case group -> why LocalStack cannot run it on this machine (reported, never attempted)."""


def argv(python: str, port: int) -> list[str]:
    return [python, "-m", "localstack.runtime.main"]


def env(port: int, root: str) -> dict[str, str]:
    loopback = "localhost,127.0.0.1,::1,localhost.localstack.cloud,.localstack.cloud"
    return {
        "PYTHONUNBUFFERED": "1",
        "GATEWAY_LISTEN": f"[::ffff:127.0.0.1]:{port}",
        "LOCALSTACK_HOST": f"127.0.0.1:{port}",
        "FILESYSTEM_ROOT": root,
        "DISABLE_EVENTS": "1",
        "SKIP_SSL_CERT_DOWNLOAD": "1",
        "DNS_ADDRESS": "0",
        "OUTBOUND_HTTP_PROXY": DEAD_PROXY,
        "OUTBOUND_HTTPS_PROXY": DEAD_PROXY,
        "HTTP_PROXY": DEAD_PROXY,
        "HTTPS_PROXY": DEAD_PROXY,
        "http_proxy": DEAD_PROXY,
        "https_proxy": DEAD_PROXY,
        "NO_PROXY": loopback,
        "no_proxy": loopback,
        "LOCALSTACK_AUTH_TOKEN": "",
        "LOCALSTACK_API_KEY": "",
    }


def python() -> str:
    """A Python >= 3.12 interpreter for LocalStack's venv, or ValueError saying none was found."""
    override = os.environ.get(PYTHON_ENV)
    candidates = [override] if override else []
    candidates.append(sys.executable)
    for minor in range(20, MIN_PYTHON[1] - 1, -1):
        candidates.append(shutil.which(f"python3.{minor}"))
    pyenv = os.environ.get("PYENV_ROOT", str(Path("~/.pyenv").expanduser()))
    candidates.extend(sorted(glob.glob(f"{pyenv}/versions/3.1[2-9]*/bin/python3"), reverse=True))
    candidates.extend(sorted(glob.glob("/usr/local/bin/python3.1[2-9]"), reverse=True))
    for candidate in candidates:
        if candidate and _version_of(candidate) >= MIN_PYTHON:
            return candidate
        if candidate and candidate == override:
            raise ValueError(f"{PYTHON_ENV}={override} is not a Python >= 3.12")
    raise ValueError(
        f"localstack-core {VERSION} needs Python >= 3.12 (it uses PEP 695 syntax) and none was found "
        f"(PATH, pyenv); set {PYTHON_ENV} to one"
    )


def _version_of(interpreter: str) -> tuple[int, int]:
    try:
        out = subprocess.run(
            [interpreter, "-c", "import sys; print(*sys.version_info[:2])"],
            capture_output=True,
            text=True,
            timeout=30,
        ).stdout.split()
        return int(out[0]), int(out[1])
    except (OSError, subprocess.TimeoutExpired, ValueError, IndexError):
        return (0, 0)
