"""Peers to compare against, each installed into its own virtualenv under a cache directory.

    ~/.cache/cloudlet-bench/venvs/<peer>   (or $CLOUDLET_BENCH_CACHE/venvs/<peer>)

A venv is created and its package pip-installed on first use; nothing goes into the project's own
environment. Every peer binds 127.0.0.1; `foreign_sockets` checks afterwards that a peer holds no
socket bound to, or connected to, anything but loopback. A peer that cannot be installed or started
raises NotRunnable with the reason.

Both peers answer the SQS JSON protocol (checked with moto 5.2.5 and ministack 1.5.33), so the SQS
cases need no query-protocol fallback. moto's werkzeug server logs every request (its default; there
is no switch to turn that off); the output is drained, never read.

LocalStack (`localstack-core`, run on the host without Docker) is set up in benchmarks/localstack_peer.py:
its venv needs a Python >= 3.12, it gets a temporary filesystem root per start, and the cases it cannot
run here (Lambda needs Docker, DynamoDB a download) are declared in `Peer.not_runnable`.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from benchmarks import localstack_peer
from benchmarks.servers import Running, free_port, spawn

CACHE = Path(os.environ.get("CLOUDLET_BENCH_CACHE", "~/.cache/cloudlet-bench")).expanduser()
INSTALL_TIMEOUT_S = 900


class NotRunnable(Exception):
    pass


@dataclass(frozen=True)
class Peer:
    name: str
    requirement: str
    """What pip installs into the peer's venv (space-separated requirements)."""
    distribution: str
    executable: str
    argv: Callable[[str, int], list[str]]
    """(executable path, port) -> command line."""
    env: Callable[[int, str], dict[str, str]]
    """(port, a temporary directory removed when the peer stops) -> extra environment."""
    ready_marker: str
    probe_path: str
    python: Callable[[], str] = lambda: sys.executable
    """The interpreter its venv is made with; raises ValueError (-> NotRunnable) if there is none."""
    not_runnable: dict[str, str] = field(default_factory=dict)
    """Case id or case group -> why this peer cannot run it on this machine (reported, not attempted)."""
    from_path: bool = True
    """Whether an executable of that name on PATH may stand in when the venv cannot be installed."""


PEERS: dict[str, Peer] = {
    "moto": Peer(
        "moto",
        "moto[server]",
        "moto",
        "moto_server",
        lambda exe, port: [exe, "-H", "127.0.0.1", "-p", str(port)],
        lambda port, tmp: {"PYTHONUNBUFFERED": "1"},
        "Running on",
        "/moto-api/",
        # moto runs Lambda functions in Docker containers (its docs); there is no Docker engine here.
        not_runnable={
            "lambda": "moto runs Lambda functions in Docker, which this machine lacks",
            "apigateway": "moto's server serves no invoke URLs, and its Lambda needs Docker",
            "feedback_flow": "the example's functions need moto's Lambda, which runs in Docker",
            "feedback_load_c8": "the example's functions need moto's Lambda, which runs in Docker",
        },
    ),
    # ministack takes its port and bind address from the environment only (GATEWAY_PORT, BIND_HOST);
    # it otherwise serves its defaults (all services, INFO log without per-request access lines).
    # boto3 beside it: AWS's Python runtimes include boto3, and ministack runs handlers on its own venv;
    # aws-sam-translator: ministack runs the Serverless transform with it when installed.
    "ministack": Peer(
        "ministack",
        "ministack boto3 aws-sam-translator",
        "ministack",
        "ministack",
        lambda exe, port: [exe],
        lambda port, tmp: {"PYTHONUNBUFFERED": "1", "GATEWAY_PORT": str(port), "BIND_HOST": "127.0.0.1"},
        "Running on",
        "/_ministack/health",
    ),
    "localstack": Peer(
        "localstack",
        localstack_peer.REQUIREMENT,
        "localstack-core",
        "python",
        localstack_peer.argv,
        localstack_peer.env,
        "Ready.",
        "/_localstack/health",
        python=localstack_peer.python,
        not_runnable=localstack_peer.NOT_RUNNABLE,
        from_path=False,
    ),
}


def venv_dir(peer: Peer) -> Path:
    return CACHE / "venvs" / peer.name


def ensure_installed(peer: Peer) -> Path:
    """The peer's executable in its own venv, creating the venv and installing it if needed.

    A venv counts as installed when `.installed` in it names the same requirement and interpreter (a
    venv from before that marker counts when its executable exists and the peer runs an executable of
    its own rather than `python`); otherwise it is made again from scratch."""
    venv = venv_dir(peer)
    exe = venv / "bin" / peer.executable
    marker = venv / ".installed"
    try:
        interpreter = peer.python()
    except ValueError as exc:
        raise NotRunnable(str(exc)) from exc
    wanted = f"{peer.requirement}\n{interpreter}\n"
    if exe.exists() and (
        (marker.exists() and marker.read_text() == wanted)
        or (not marker.exists() and peer.executable != "python")
    ):
        return exe
    venv.parent.mkdir(parents=True, exist_ok=True)
    print(f"{peer.name}: installing {peer.requirement!r} into {venv} ...", file=sys.stderr)
    steps = [
        [interpreter, "-m", "venv", "--clear", str(venv)],
        [
            str(venv / "bin" / "pip"),
            "install",
            "--quiet",
            "--disable-pip-version-check",
            *peer.requirement.split(),
        ],
    ]
    for argv in steps:
        try:
            done = subprocess.run(argv, capture_output=True, text=True, timeout=INSTALL_TIMEOUT_S)
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise NotRunnable(f"{' '.join(argv[:3])} failed: {exc}") from exc
        if done.returncode != 0:
            lines = [ln for ln in (done.stderr or done.stdout).splitlines() if not ln.startswith("WARNING")]
            raise NotRunnable(f"{' '.join(argv[:3])} failed: {(lines or ['?'])[-1]}")
    if not exe.exists():
        raise NotRunnable(f"installed {peer.requirement!r} but {exe} is missing")
    marker.write_text(wanted)
    return exe


def version(peer: Peer) -> str:
    python = venv_dir(peer) / "bin" / "python"
    code = f"import importlib.metadata as m; print(m.version({peer.distribution!r}))"
    try:
        return subprocess.run(
            [str(python), "-c", code], capture_output=True, text=True, timeout=60
        ).stdout.strip()
    except (OSError, subprocess.TimeoutExpired):
        return "?"


def start(name: str) -> tuple[Running, str]:
    """Start a peer on a free 127.0.0.1 port: (running server, description such as 'moto 5.2.5')."""
    peer = PEERS[name]
    try:
        exe, label = str(ensure_installed(peer)), f"{peer.name} {version(peer)}"
    except NotRunnable as install_error:
        # fallback: an install the user made themselves
        on_path = shutil.which(peer.executable) if peer.from_path else None
        if on_path is None:
            raise
        exe, label = on_path, f"{peer.name} from PATH ({on_path}; venv install failed: {install_error})"
    port = free_port()
    tmp = tempfile.TemporaryDirectory(prefix=f"cloudlet-bench-{peer.name}-")
    try:
        running = spawn(
            peer.name,
            peer.argv(exe, port),
            peer.ready_marker,
            peer.probe_path,
            peer.env(port, tmp.name),
            tmp,
            port,
        )
    except Exception as exc:
        tmp.cleanup()
        reason = " | ".join(line for line in str(exc).splitlines() if line.strip())
        raise NotRunnable(f"did not start: {reason[-400:]}") from exc
    return running, label


def foreign_sockets(pid: int) -> list[str]:
    """TCP/UDP sockets of the process bound to or connected to anything but loopback (a snapshot)."""
    try:
        inodes = {
            os.readlink(f"/proc/{pid}/fd/{fd}")[8:-1]
            for fd in os.listdir(f"/proc/{pid}/fd")
            if os.readlink(f"/proc/{pid}/fd/{fd}").startswith("socket:[")
        }
    except OSError:
        return []
    found = []
    for table in ("tcp", "tcp6", "udp", "udp6"):
        try:
            rows = Path(f"/proc/{pid}/net/{table}").read_text().splitlines()[1:]
        except OSError:
            continue
        for row in rows:
            fields = row.split()
            local, remote, inode = fields[1], fields[2], fields[9]
            if inode not in inodes:
                continue
            local_ip, remote_ip = _ip(local), _ip(remote)
            if remote_ip in ("0.0.0.0", "::"):
                if not _loopback(local_ip):
                    found.append(f"{table} bound to {local_ip}:{int(local.split(':')[1], 16)}")
            elif not _loopback(remote_ip):
                found.append(f"{table} connected to {remote_ip}:{int(remote.split(':')[1], 16)}")
    return found


def _ip(address: str) -> str:
    raw = bytes.fromhex(address.split(":")[0])
    if len(raw) == 4:
        return ".".join(str(b) for b in reversed(raw))
    words = [raw[i : i + 4][::-1] for i in range(0, 16, 4)]  # four little-endian 32-bit words
    flat = b"".join(words)
    if flat[:12] == b"\0" * 10 + b"\xff\xff":
        return ".".join(str(b) for b in flat[12:])
    if flat == b"\0" * 16:
        return "::"
    return ":".join(flat[i : i + 2].hex() for i in range(0, 16, 2))


def _loopback(ip: str) -> bool:
    return ip.startswith("127.") or ip == "0000:0000:0000:0000:0000:0000:0000:0001"
