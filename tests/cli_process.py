"""Run `python -m cloudlet ...` as a real process (for commands that follow until Ctrl-C)."""

from __future__ import annotations

import os
import selectors
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager

JOIN_S = 15.0


def _default_sigint() -> None:
    signal.signal(signal.SIGINT, signal.SIG_DFL)


@contextmanager
def cli_process(*args: str) -> Iterator[subprocess.Popen[bytes]]:
    """The running CLI; on exit it is sent Ctrl-C and must stop cleanly (exit 0, nothing more printed)."""
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    # Ctrl-C must reach the CLI even if this test process ignores SIGINT (children inherit that).
    process = subprocess.Popen(
        [sys.executable, "-m", "cloudlet", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
        preexec_fn=_default_sigint,
    )
    try:
        yield process
    finally:
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=JOIN_S)
    assert process.returncode == 0, err.decode()
    assert out == b""


def read_line(process: subprocess.Popen[bytes]) -> str:
    """The process's next stdout line, or a failure after JOIN_S (the CLI must not hang the suite)."""
    assert process.stdout is not None
    with selectors.DefaultSelector() as selector:
        selector.register(process.stdout, selectors.EVENT_READ)
        assert selector.select(JOIN_S), f"no output from {process.args}"
    return process.stdout.readline().decode()
