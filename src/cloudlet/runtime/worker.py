"""One execution environment: an `awslambdaric` process with its own Runtime API endpoint.

Builds the environment AWS gives a Python function, spawns awslambdaric (`python -S`, see `_BOOTSTRAP`) in its
own process group with a memory limit and a private TMPDIR, captures stdout/stderr line by line, and
kills the group on request. What an invocation means (logs, results, timeouts) is the pool's business.
Environment variables: https://docs.aws.amazon.com/lambda/latest/dg/configuration-envvars.html
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib.util
import logging
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from cloudlet.runtime.logs import LineSplitter
from cloudlet.runtime.runtime_api import RuntimeApi

if TYPE_CHECKING:
    from cloudlet.runtime.pool import FunctionSpec

__all__ = ["Worker", "WorkerExited", "exit_reason", "runtime_paths"]

log = logging.getLogger("cloudlet.runtime")

# RLIMIT_DATA = MemorySize x 2 + 128 MB. It counts private writable mappings (thread stacks, reserved
# heap), which exceed the resident memory AWS's cgroup charges, so it is a backstop protecting the host;
# the pool reports a peak RSS above MemorySize (or a MemoryError) as the out-of-memory kill.
MEMORY_LIMIT_FACTOR = 2
MEMORY_LIMIT_EXTRA_MB = 128
# How long the pipe may stay open after the process exited (a grandchild holding stdout).
_PIPE_GRACE_S = 0.5


# `python -m awslambdaric <handler>`, except that /next is polled on the main thread for every runtime.
# awslambdaric polls on a fresh thread per event when AWS_EXECUTION_ENV is python3.12+ (so signal handlers
# run while idle); here that costs ~0.5 ms per invoke and a multi-ms p99 and buys nothing.
_BOOTSTRAP = (
    "import sys\n"
    "from awslambdaric import __main__ as ric, lambda_config\n"
    "lambda_config.LambdaConfigProvider.SUPPORTED_THREADPOLLING_ENVS = frozenset()\n"
    "ric.main(['awslambdaric', *sys.argv[1:]])\n"
)


class WorkerExited(Exception):
    """The worker process ended; `returncode` as subprocess reports it (negative: killed by signal)."""

    def __init__(self, returncode: int | None) -> None:
        super().__init__(exit_reason(returncode))
        self.returncode = returncode


def exit_reason(returncode: int | None) -> str:
    """AWS's wording: `Runtime exited with error: signal: killed` / `... exit status 1`."""
    if returncode is None:
        return "Runtime exited without providing a reason"
    if returncode < 0:
        try:
            name = {
                signal.SIGKILL: "killed",
                signal.SIGSEGV: "segmentation fault",
                signal.SIGABRT: "aborted",
                signal.SIGTERM: "terminated",
            }.get(signal.Signals(-returncode))
        except ValueError:
            name = None
        return f"Runtime exited with error: signal: {name or -returncode}"
    if returncode == 0:
        return "Runtime exited without providing a reason"
    return f"Runtime exited with error: exit status {returncode}"


@cache
def runtime_paths() -> tuple[str, ...]:
    """Directories holding awslambdaric, its C client and boto3 (what `/var/runtime` holds on AWS)."""
    out: list[str] = []
    for name in ("awslambdaric", "runtime_client", "boto3", "botocore"):
        spec = importlib.util.find_spec(name)
        if spec is None or spec.origin is None:
            continue
        origin = Path(spec.origin)
        root = origin.parent.parent if origin.name == "__init__.py" else origin.parent
        if str(root) not in out:
            out.append(str(root))
    if not out:
        raise RuntimeError("awslambdaric is not installed; cloudlet needs it to run Lambda functions")
    return tuple(out)


def python_paths(spec: FunctionSpec) -> list[str]:
    """sys.path order on AWS: task root, /opt/python/lib/python3.X/site-packages, /opt/python, then the
    runtime. Lambda merges the layers into /opt in their order, a later layer's files replacing an earlier
    one's: so each of the two directories is searched in the layers, last layer first."""
    version = f"python{sys.version_info.major}.{sys.version_info.minor}"
    layers = list(reversed(spec.layer_dirs))
    paths = [str(spec.code_dir)]
    paths += [str(layer / "python" / "lib" / version / "site-packages") for layer in layers]
    paths += [str(layer / "python") for layer in layers]
    return paths + list(runtime_paths())


def _own_runtime() -> str:
    return f"python{sys.version_info[0]}.{sys.version_info[1]}"


def build_environment(
    spec: FunctionSpec, *, runtime_api: str, log_stream: str, tmpdir: str
) -> dict[str, str]:
    """The process environment: unreserved defaults, the function's variables, then the reserved ones."""
    runtime = spec.runtime if spec.runtime.startswith("python") else _own_runtime()
    env = {
        "PATH": os.environ.get("PATH", "/usr/local/bin:/usr/bin:/bin"),
        "LANG": "en_US.UTF-8",
        "TZ": ":UTC",
        "AWS_ENDPOINT_URL": spec.endpoint_url,
    }
    user_pythonpath = spec.environment.get("PYTHONPATH")
    env.update(spec.environment)
    paths = python_paths(spec)
    if user_pythonpath:
        paths = [*user_pythonpath.split(os.pathsep), *paths]
    env.update(
        {
            "PYTHONPATH": os.pathsep.join(paths),
            "TMPDIR": tmpdir,
            "_HANDLER": spec.handler,
            "LAMBDA_TASK_ROOT": str(spec.code_dir),
            "LAMBDA_RUNTIME_DIR": runtime_paths()[0],
            "AWS_EXECUTION_ENV": f"AWS_Lambda_{runtime}",
            "AWS_LAMBDA_FUNCTION_NAME": spec.name,
            "AWS_LAMBDA_FUNCTION_VERSION": spec.version,
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(spec.memory_mb),
            "AWS_LAMBDA_LOG_GROUP_NAME": spec.log_group,
            "AWS_LAMBDA_LOG_STREAM_NAME": log_stream,
            "AWS_LAMBDA_INITIALIZATION_TYPE": "on-demand",
            "AWS_LAMBDA_RUNTIME_API": runtime_api,
            "AWS_REGION": spec.region,
            "AWS_DEFAULT_REGION": spec.region,
            # The access key id is the account id: cloudlet's gateway maps the calls back to it.
            "AWS_ACCESS_KEY_ID": spec.account,
            "AWS_SECRET_ACCESS_KEY": "cloudlet",
            "AWS_SESSION_TOKEN": "cloudlet",
        }
    )
    # awslambdaric would run multi-concurrent (Managed Instances) mode if this were set.
    env.pop("AWS_LAMBDA_MAX_CONCURRENCY", None)
    return env


class _Protocol(asyncio.SubprocessProtocol):
    def __init__(self, worker: Worker) -> None:
        self._worker = worker

    def pipe_data_received(self, fd: int, data: bytes) -> None:
        self._worker._on_output(data)

    def pipe_connection_lost(self, fd: int, exc: Exception | None) -> None:
        self._worker._on_pipe_closed()

    def process_exited(self) -> None:
        self._worker._on_process_exited()


class Worker:
    """One `awslambdaric` process and its Runtime API server.

    Output lines (stamped with `now()` epoch ms) accumulate in `lines` until the owner takes them.
    `exited` completes with the return code once the process is gone and its output drained.
    """

    def __init__(self, spec: FunctionSpec, log_stream: str, now: Callable[[], float]) -> None:
        self.spec = spec
        self.log_stream = log_stream
        self._now = now
        self.api: RuntimeApi | None = None
        self.pid: int | None = None
        self.lines: list[tuple[int, str]] = []
        self.on_lines: Callable[[], None] | None = None
        """Called after new output lines arrived (the pool forwards lines printed between invokes)."""
        self._splitter = LineSplitter()
        self._transport: asyncio.SubprocessTransport | None = None
        self._tmpdir: str | None = None
        self._process_gone = False
        self._pipe_gone = False
        self.exited: asyncio.Future[int | None] | None = None
        self.spawned_at = 0.0
        """`time.perf_counter()` at spawn; init duration runs from here to the first `/next`."""

    async def start(self) -> None:
        loop = asyncio.get_running_loop()
        self.exited = loop.create_future()
        self.api = RuntimeApi()
        await self.api.start()
        self._tmpdir = tempfile.mkdtemp(prefix="cloudlet-lambda-")
        env = build_environment(
            self.spec, runtime_api=self.api.address, log_stream=self.log_stream, tmpdir=self._tmpdir
        )
        self.spawned_at = time.perf_counter()
        try:
            # -S: no site.py (its .pth processing costs tens of ms per cold start); the runtime's
            # directories are on PYTHONPATH instead, as /var/runtime is on AWS.
            transport, _ = await loop.subprocess_exec(
                lambda: _Protocol(self),
                sys.executable,
                "-S",
                "-c",
                _BOOTSTRAP,
                self.spec.handler,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                cwd=str(self.spec.code_dir),
                env=env,
                start_new_session=True,
            )
        except BaseException:
            self.api.close()
            self._remove_tmpdir()
            raise
        self._transport = transport
        self.pid = transport.get_pid()
        self._limit_memory()

    def _limit_memory(self) -> None:
        """RLIMIT_DATA from MemorySize, set right after spawn (no preexec_fn: keeps spawning a vfork)."""
        resource = _resource()
        if resource is None or self.pid is None or not hasattr(resource, "prlimit"):
            return
        limit = (self.spec.memory_mb * MEMORY_LIMIT_FACTOR + MEMORY_LIMIT_EXTRA_MB) * 1024 * 1024
        with contextlib.suppress(OSError, ValueError):
            resource.prlimit(self.pid, resource.RLIMIT_DATA, (limit, limit))

    @property
    def alive(self) -> bool:
        return self.exited is not None and not self.exited.done() and not self._process_gone

    def returncode(self) -> int | None:
        return self._transport.get_returncode() if self._transport is not None else None

    def take_lines(self) -> list[tuple[int, str]]:
        lines, self.lines = self.lines, []
        return lines

    def max_memory_mb(self) -> int:
        """Peak resident memory of the worker (VmHWM), in MB; 0 where /proc is unavailable."""
        if self.pid is None:
            return 0
        try:
            with open(f"/proc/{self.pid}/status", "rb") as f:
                for line in f:
                    if line.startswith(b"VmHWM:"):
                        return (int(line.split()[1]) + 1023) // 1024
        except (OSError, ValueError, IndexError):
            pass
        return 0

    def kill(self) -> None:
        """SIGKILL the whole process group (handler children too); idempotent."""
        if self.pid is not None and not self._process_gone:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(self.pid, signal.SIGKILL)
        if self.api is not None:
            self.api.close()

    async def wait_exited(self, timeout: float = 5.0) -> int | None:
        if self.exited is None:
            return None
        with contextlib.suppress(TimeoutError):
            return await asyncio.wait_for(asyncio.shield(self.exited), timeout)
        return self.returncode()

    # -- protocol callbacks ----------------------------------------------------------------------------

    def _on_output(self, data: bytes) -> None:
        lines = self._splitter.feed(data)
        if lines:
            self._append(lines)

    def _append(self, lines: list[str]) -> None:
        ms = round(self._now() * 1000)
        self.lines.extend((ms, line) for line in lines)
        if self.on_lines is not None:
            self.on_lines()

    def _on_pipe_closed(self) -> None:
        self._pipe_gone = True
        rest = self._splitter.flush()
        if rest:
            self._append(rest)
        self._maybe_exited()

    def _on_process_exited(self) -> None:
        if self.pid is not None and not self._process_gone:
            # The group outlives its leader while a handler's child process is still running.
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(self.pid, signal.SIGKILL)
        self._process_gone = True
        if self.api is not None:
            self.api.close()
        if not self._pipe_gone:
            # Give the pipe a moment to drain; a grandchild may hold it open, so do not wait for ever.
            asyncio.get_running_loop().call_later(_PIPE_GRACE_S, self._force_exited)
        self._maybe_exited()

    def _force_exited(self) -> None:
        self._pipe_gone = True
        self._maybe_exited()

    def _maybe_exited(self) -> None:
        if self._process_gone and self._pipe_gone and self.exited is not None and not self.exited.done():
            self.exited.set_result(self.returncode())
            if self._transport is not None:
                self._transport.close()
            self._remove_tmpdir()

    def _remove_tmpdir(self) -> None:
        tmpdir, self._tmpdir = self._tmpdir, None
        if tmpdir is None:
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            shutil.rmtree(tmpdir, ignore_errors=True)
        else:
            try:
                loop.run_in_executor(None, shutil.rmtree, tmpdir, True)
            except RuntimeError:  # the loop's executor is already shut down
                shutil.rmtree(tmpdir, ignore_errors=True)


def _resource():  # type: ignore[no-untyped-def]
    try:
        import resource
    except ImportError:  # not on Windows
        return None
    return resource
