"""A committed write survives kill -9 of the process that made it (WAL + synchronous=NORMAL)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import cloudlet
from cloudlet.core.db import Database

SRC = str(Path(cloudlet.__file__).resolve().parent.parent)

CHILD = textwrap.dedent(
    """
    import os, signal, sys
    from cloudlet.core.db import Database

    db = Database(sys.argv[1])
    with db.transaction() as tx:
        tx.execute("CREATE TABLE t (v TEXT)")
        tx.execute("INSERT INTO t VALUES ('acknowledged')")
    print("committed", flush=True)
    os.kill(os.getpid(), signal.SIGKILL)
    print("unreachable", flush=True)
    """
)


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL")
def test_committed_row_survives_sigkill(tmp_path: Path) -> None:
    path = tmp_path / "crash.db"
    env = {**os.environ, "PYTHONPATH": SRC + os.pathsep + os.environ.get("PYTHONPATH", "")}
    proc = subprocess.run(
        [sys.executable, "-c", CHILD, str(path)], capture_output=True, text=True, timeout=60, env=env
    )
    assert proc.returncode == -signal.SIGKILL, proc.stderr
    assert proc.stdout.splitlines() == ["committed"]
    assert Path(f"{path}-wal").exists()  # the commit lives in the WAL; nothing checkpointed it

    db = Database(path)
    with db.read() as conn:
        assert [r["v"] for r in conn.execute("SELECT v FROM t")] == ["acknowledged"]
    db.close()
