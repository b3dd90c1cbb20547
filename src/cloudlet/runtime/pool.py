"""Warm workers per function version: cold starts, reuse, concurrency cap, idle expiry, retirement.

`Pool.invoke` runs one invocation on an idle worker of `FunctionSpec.key` (or starts one), enforces the
timeout on the wall clock, and turns what happened into an `InvokeResult` plus the log lines Lambda
would write (START/END/REPORT around the handler's output). Throttling and the AWS API are the
caller's: the pool only caps workers per function and waits for one to free up.

Deviation from AWS: a worker has no cgroup. A worker whose peak RSS passed MemorySize (checked after
each invocation), or a handler failing with `MemoryError` (RLIMIT_DATA, see `worker.py`), is reported
as the kill AWS would have done (`Runtime.ExitError`, `signal: killed`) and replaced.
"""

from __future__ import annotations

import asyncio
import json
import logging
import math
import os
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from cloudlet.core.clock import Clock
from cloudlet.core.work import WorkTracker
from cloudlet.runtime import logs
from cloudlet.runtime.runtime_api import InitFailed, Invocation, InvocationOutcome, RuntimeApiError
from cloudlet.runtime.worker import Worker, exit_reason

__all__ = ["FunctionSpec", "InvokeResult", "LogSink", "Pool"]

log = logging.getLogger("cloudlet.runtime")

LogSink = Callable[["FunctionSpec", str, list[tuple[int, str]]], None]
"""(spec, log stream name, [(epoch ms, line)]): called once per invocation, and for output between."""

DEFAULT_MAX_CONCURRENCY = 16
"""Workers per function version at most; further invokes wait for one to free up."""
DEFAULT_MAX_WORKERS = 64
"""Live workers in the whole pool before idle ones of other functions are evicted (oldest first)."""
DEFAULT_IDLE_TIMEOUT_S = 300.0
"""A worker idle this long (wall clock) is stopped; the next invoke is a cold start."""
INIT_TIMEOUT_S = 10.0
"""AWS's limit on the init phase of an on-demand function."""
MAX_RESPONSE_B = 6 * 1024 * 1024 + 100
"""Largest synchronous response: 6 MB, and AWS's message names 6291556 bytes."""
_EXIT_WAIT_S = 2.0


class Host(Protocol):
    """What the pool needs of the App (runtime depends on core only)."""

    clock: Clock
    work: WorkTracker

    def on_stopping(self, fn: Callable[[], None]) -> Callable[[], None]: ...


@dataclass(frozen=True)
class FunctionSpec:
    """Everything needed to run one function version; `key` changes whenever code or config changes."""

    key: str
    function_arn: str
    name: str
    version: str
    account: str
    region: str
    handler: str
    runtime: str
    code_dir: Path
    layer_dirs: tuple[Path, ...]
    memory_mb: int
    timeout_s: float
    environment: dict[str, str]
    endpoint_url: str
    log_group: str


@dataclass
class InvokeResult:
    outcome: str
    """`ok` | `error` (the handler raised or init failed; payload is the error JSON) | `timeout` | `crash`."""
    payload: bytes
    function_error: str | None
    """`Unhandled` for every kind of failure (AWS's `X-Amz-Function-Error` today); None when ok."""
    log_tail: str
    """This invocation's log lines (init output on a cold start, START … REPORT), newline-terminated."""
    duration_ms: float
    billed_ms: int
    init_duration_ms: float | None
    max_memory_mb: int
    request_id: str
    log_stream: str = ""


@dataclass(eq=False)
class _Env:
    """A worker as the pool sees it."""

    key: str
    spec: FunctionSpec
    worker: Worker
    busy: bool = True
    initialized: bool = False
    retired: bool = False
    last_used: float = field(default_factory=time.monotonic)
    idle_timer: asyncio.TimerHandle | None = None
    max_memory_mb: int = 0


class Pool:
    """Workers of every function version of one App (see the module docstring)."""

    def __init__(
        self,
        app: Host,
        log_sink: LogSink | None,
        *,
        max_concurrency: int = DEFAULT_MAX_CONCURRENCY,
        max_workers: int = DEFAULT_MAX_WORKERS,
        idle_timeout_s: float = DEFAULT_IDLE_TIMEOUT_S,
    ) -> None:
        self._app = app
        self._clock = app.clock
        self._log_sink = log_sink
        self.max_concurrency = max_concurrency
        self.max_workers = max_workers
        self.idle_timeout_s = idle_timeout_s
        self._envs: dict[str, list[_Env]] = {}
        self._slot_waiters: dict[str, deque[asyncio.Future[None]]] = {}
        self._closed = False
        app.on_stopping(self.kill_all)

    # -- inspection (for callers doing their own throttling) -------------------------------------------

    def busy(self, key: str) -> int:
        """Invocations running (or starting) on workers of `key`."""
        return sum(1 for env in self._envs.get(key, ()) if env.busy)

    def workers(self, key: str) -> int:
        """Live workers of `key`, busy or idle."""
        return len(self._envs.get(key, ()))

    def has_free_worker(self, key: str) -> bool:
        """True if an invoke of `key` would start at once (an idle worker, or room for a new one)."""
        envs = self._envs.get(key, ())
        return any(not env.busy for env in envs) or len(envs) < self.max_concurrency

    # -- invoke ----------------------------------------------------------------------------------------

    async def invoke(
        self,
        spec: FunctionSpec,
        payload: bytes,
        request_id: str,
        *,
        client_context: str | None = None,
        trace_id: str | None = None,
    ) -> InvokeResult:
        """Run one invocation; never raises for anything the function did (see `InvokeResult.outcome`).

        `client_context` is the decoded client context JSON (the runtime API header carries it as is).
        Raises RuntimeError if the pool is closed.
        """
        async with self._app.work.atrack(f"lambda:{spec.name}"):
            env = await self._acquire(spec)
            try:
                return await self._run(env, payload, request_id, client_context, trace_id)
            except BaseException:
                # Cancelled (or a bug) mid-invocation: the worker's state is unknown, so it is not reused.
                env.retired = True
                raise
            finally:
                self._release(env)

    async def _run(
        self, env: _Env, payload: bytes, request_id: str, client_context: str | None, trace_id: str | None
    ) -> InvokeResult:
        spec, worker = env.spec, env.worker
        init_ms: float | None = None
        lines: list[tuple[int, str]] = []
        if not env.initialized:
            failed = await self._init(env, request_id)
            init_ms = env_init_ms(env)
            if failed is not None:
                return failed
            env.initialized = True
            lines += worker.take_lines()
        api = worker.api
        assert api is not None
        lines.append(self._line(logs.start_line(request_id, spec.version)))
        loop = asyncio.get_running_loop()
        inv = Invocation(
            request_id=request_id,
            payload=payload,
            deadline_ms=int((time.time() + spec.timeout_s) * 1000),
            function_arn=spec.function_arn,
            trace_id=trace_id or _trace_id(),
            client_context=client_context,
        )
        began = time.perf_counter()
        timer = loop.call_later(spec.timeout_s, _complete, inv.future, _TIMED_OUT)
        exit_watch = _watch_exit(worker, inv.future)
        api.dispatch(inv)
        try:
            outcome = await inv.future
        except RuntimeApiError:
            outcome = _CRASHED
        finally:
            timer.cancel()
            worker.exited.remove_done_callback(exit_watch)  # type: ignore[union-attr]
        duration_ms = (time.perf_counter() - began) * 1000
        if outcome is _TIMED_OUT:
            return await self._timed_out(env, request_id, lines, init_ms)
        if outcome is _CRASHED:
            return await self._crashed(env, request_id, lines, init_ms, duration_ms)
        env.max_memory_mb = worker.max_memory_mb() or env.max_memory_mb
        if outcome.kind == "error" and _error_type(outcome.body) == "MemoryError":
            return await self._crashed(env, request_id, lines, init_ms, duration_ms, oom=True)
        if env.max_memory_mb > spec.memory_mb:
            return await self._crashed(env, request_id, lines, init_ms, duration_ms, oom=True)
        body, kind = outcome.body, outcome.kind
        if kind == "ok" and len(body) > MAX_RESPONSE_B:
            kind, body = "error", _response_too_large(len(body))
            lines += worker.take_lines()
            lines.append(self._line(f"[ERROR] Function.ResponseSizeTooLarge: {_message(body)}"))
        return self._finish(env, request_id, kind, body, lines, init_ms, duration_ms, error_type=None)

    async def _init(self, env: _Env, request_id: str) -> InvokeResult | None:
        """Wait for the worker's first `/next`; an InvokeResult if init failed instead."""
        worker = env.worker
        api = worker.api
        assert api is not None and worker.exited is not None
        done, _ = await asyncio.wait(
            {api.init_done, worker.exited}, timeout=INIT_TIMEOUT_S, return_when=asyncio.FIRST_COMPLETED
        )
        if api.init_done.done() and api.init_done.exception() is None:
            return None
        lines = worker.take_lines()
        init_ms = env_init_ms(env)
        if not done:  # init ran past AWS's 10 s
            env.max_memory_mb = worker.max_memory_mb()
            self._discard(env, kill=True)
            return self._timeout_result(env, request_id, lines, init_ms, INIT_TIMEOUT_S)
        exc = api.init_done.exception() if api.init_done.done() else None
        if isinstance(exc, InitFailed) or api.init_error is not None:
            body = exc.body if isinstance(exc, InitFailed) else (api.init_error or b"")
            error_type = (exc.error_type if isinstance(exc, InitFailed) else None) or _error_type(body)
            env.max_memory_mb = worker.max_memory_mb()
            await worker.wait_exited(_EXIT_WAIT_S)  # awslambdaric exits after reporting
            self._discard(env, kill=True)
            lines += worker.take_lines()
            lines.append(
                self._line(
                    f"INIT_REPORT Init Duration: {init_ms or 0:.2f} ms\tPhase: init\tStatus: error"
                    f"\tError Type: {error_type or 'Runtime.Unknown'}"
                )
            )
            lines.append(self._line(logs.start_line(request_id, env.spec.version)))
            return self._finish(
                env, request_id, "error", body, lines, init_ms, 0.0, error_type=error_type, status="error"
            )
        lines.append(self._line(logs.start_line(request_id, env.spec.version)))
        return await self._crashed(env, request_id, lines, init_ms, 0.0)

    async def _timed_out(
        self, env: _Env, request_id: str, lines: list[tuple[int, str]], init_ms: float | None
    ) -> InvokeResult:
        env.max_memory_mb = env.worker.max_memory_mb() or env.max_memory_mb
        self._discard(env, kill=True)
        await env.worker.wait_exited(_EXIT_WAIT_S)
        lines += env.worker.take_lines()
        return self._timeout_result(env, request_id, lines, init_ms, env.spec.timeout_s)

    def _timeout_result(
        self, env: _Env, request_id: str, lines: list[tuple[int, str]], init_ms: float | None, after_s: float
    ) -> InvokeResult:
        # https://docs.aws.amazon.com/lambda/latest/dg/troubleshooting-invocation.html (Sandbox.Timedout)
        body = json.dumps(
            {
                "errorType": "Sandbox.Timedout",
                "errorMessage": f"RequestId: {request_id} Error: Task timed out after {after_s:.2f} seconds",
            }
        ).encode()
        if not any(line.startswith("START RequestId:") for _, line in lines):
            lines.append(self._line(logs.start_line(request_id, env.spec.version)))
        lines.append(self._line(logs.timeout_line(self._clock.now(), request_id, after_s)))
        return self._finish(
            env,
            request_id,
            "timeout",
            body,
            lines,
            init_ms,
            after_s * 1000,
            error_type=None,
            status="timeout",
        )

    async def _crashed(
        self,
        env: _Env,
        request_id: str,
        lines: list[tuple[int, str]],
        init_ms: float | None,
        duration_ms: float,
        *,
        oom: bool = False,
    ) -> InvokeResult:
        worker = env.worker
        if oom:
            env.max_memory_mb = max(env.max_memory_mb, env.spec.memory_mb)
            self._discard(env, kill=True)
        returncode = await worker.wait_exited(_EXIT_WAIT_S)
        self._discard(env, kill=True)
        reason = exit_reason(-9 if oom else returncode)
        lines += worker.take_lines()
        lines.append(self._line(logs.exit_error_line(request_id, reason)))
        body = json.dumps(
            {"errorType": "Runtime.ExitError", "errorMessage": f"RequestId: {request_id} Error: {reason}"}
        ).encode()
        return self._finish(
            env,
            request_id,
            "crash",
            body,
            lines,
            init_ms,
            duration_ms,
            error_type="Runtime.ExitError",
            status="error",
        )

    def _finish(
        self,
        env: _Env,
        request_id: str,
        kind: str,
        body: bytes,
        lines: list[tuple[int, str]],
        init_ms: float | None,
        duration_ms: float,
        *,
        error_type: str | None,
        status: str | None = None,
    ) -> InvokeResult:
        spec = env.spec
        lines += env.worker.take_lines()
        # Since 2025-08-01 the init phase is billed too: Billed Duration = Duration + Init Duration.
        billed_ms = max(1, math.ceil(duration_ms + (init_ms or 0.0)))
        lines.append(self._line(logs.end_line(request_id)))
        lines.append(
            self._line(
                logs.report_line(
                    request_id,
                    duration_ms=duration_ms,
                    billed_ms=billed_ms,
                    memory_mb=spec.memory_mb,
                    max_memory_mb=env.max_memory_mb,
                    init_duration_ms=init_ms,
                    status=status,
                    error_type=error_type,
                )
            )
        )
        self._emit(env, lines)
        return InvokeResult(
            outcome=kind,
            payload=body,
            function_error=None if kind == "ok" else "Unhandled",
            log_tail="".join(f"{line}\n" for _, line in lines),
            duration_ms=round(duration_ms, 2),
            billed_ms=billed_ms,
            init_duration_ms=None if init_ms is None else round(init_ms, 2),
            max_memory_mb=env.max_memory_mb,
            request_id=request_id,
            log_stream=env.worker.log_stream,
        )

    def _line(self, text: str) -> tuple[int, str]:
        return round(self._clock.now() * 1000), text

    def _emit(self, env: _Env, lines: list[tuple[int, str]]) -> None:
        if self._log_sink is None or not lines:
            return
        try:
            self._log_sink(env.spec, env.worker.log_stream, lines)
        except Exception as exc:  # the sink is another service's code: record, never break the invoke
            self._app.work.record_failure(exc, "lambda.log_sink")

    # -- workers ---------------------------------------------------------------------------------------

    async def _acquire(self, spec: FunctionSpec) -> _Env:
        while True:
            if self._closed:
                raise RuntimeError("the Lambda worker pool is closed")
            envs = self._envs.setdefault(spec.key, [])
            idle = [env for env in envs if not env.busy and env.worker.alive]
            if idle:
                env = max(idle, key=lambda e: e.last_used)  # the warmest one
                env.busy = True
                if env.idle_timer is not None:
                    env.idle_timer.cancel()
                    env.idle_timer = None
                return env
            if len(envs) < self.max_concurrency:
                return await self._spawn(spec, envs)
            waiter = asyncio.get_running_loop().create_future()
            self._slot_waiters.setdefault(spec.key, deque()).append(waiter)
            try:
                await waiter
            finally:
                waiters = self._slot_waiters.get(spec.key)
                if waiters is not None and waiter in waiters:
                    waiters.remove(waiter)
                    if not waiters:
                        del self._slot_waiters[spec.key]

    async def _spawn(self, spec: FunctionSpec, envs: list[_Env]) -> _Env:
        self._evict_for_room()
        worker = Worker(spec, logs.log_stream_name(self._clock.now(), spec.version), self._clock.now)
        env = _Env(key=spec.key, spec=spec, worker=worker)
        envs.append(env)
        worker.on_lines = lambda: self._between_invokes(env)
        try:
            await worker.start()
        except BaseException:
            self._discard(env, kill=True)
            raise
        assert worker.exited is not None
        worker.exited.add_done_callback(lambda _: self._on_exit(env))
        return env

    def _release(self, env: _Env) -> None:
        if env.retired or self._closed or not env.worker.alive:
            self._discard(env, kill=True)
            return
        env.busy = False
        env.last_used = time.monotonic()
        if env.idle_timer is not None:
            env.idle_timer.cancel()
        env.idle_timer = asyncio.get_running_loop().call_later(self.idle_timeout_s, self._expire, env)
        self._wake(env.key)

    def _expire(self, env: _Env) -> None:
        env.idle_timer = None
        if not env.busy:
            self._discard(env, kill=True)

    def _between_invokes(self, env: _Env) -> None:
        """Output while no invocation runs (background threads) goes to the sink straight away."""
        if not env.busy and env.initialized:
            self._emit(env, env.worker.take_lines())

    def _on_exit(self, env: _Env) -> None:
        if not env.busy:
            self._emit(env, env.worker.take_lines())
        self._discard(env, kill=False)

    def _discard(self, env: _Env, *, kill: bool) -> None:
        if kill:
            env.worker.kill()
        if env.idle_timer is not None:
            env.idle_timer.cancel()
            env.idle_timer = None
        envs = self._envs.get(env.key)
        if envs is not None and env in envs:
            envs.remove(env)
            if not envs:
                del self._envs[env.key]
            self._wake(env.key)

    def _wake(self, key: str) -> None:
        waiters = self._slot_waiters.get(key)
        while waiters:
            waiter = waiters.popleft()
            if not waiter.done():
                waiter.set_result(None)
                break
        if waiters is not None and not waiters:
            del self._slot_waiters[key]

    def _evict_for_room(self) -> None:
        all_envs = [env for envs in self._envs.values() for env in envs]
        excess = len(all_envs) + 1 - self.max_workers
        if excess <= 0:
            return
        idle = sorted((env for env in all_envs if not env.busy), key=lambda e: e.last_used)
        for env in idle[:excess]:
            self._discard(env, kill=True)

    # -- lifecycle -------------------------------------------------------------------------------------

    def retire(self, key_prefix: str) -> None:
        """Stop the workers of every key starting with `key_prefix`: idle ones now, busy ones after their
        invocation (as on AWS, an update or delete does not abort running invocations).

        The match stops at a name boundary: `...:function:foo` retires `foo|…` and `foo:3|…` keys but not
        `foobar|…` (function names never contain `:` or `|`).
        """
        for key in [k for k in self._envs if _prefix_matches(k, key_prefix)]:
            for env in list(self._envs.get(key, ())):
                env.retired = True
                if not env.busy:
                    self._discard(env, kill=True)

    def kill_all(self) -> None:
        """SIGKILL every worker (the App is stopping); running invocations end as crashes."""
        self._closed = True
        for envs in list(self._envs.values()):
            for env in list(envs):
                env.retired = True
                env.worker.kill()
                if not env.busy:
                    self._discard(env, kill=False)
        for waiters in self._slot_waiters.values():
            for waiter in waiters:
                if not waiter.done():
                    waiter.set_result(None)

    async def close(self) -> None:
        """Kill every worker and wait (briefly) for them to exit and their temp dirs to go."""
        workers = [env.worker for envs in self._envs.values() for env in envs]
        self.kill_all()
        if workers:
            await asyncio.gather(*(w.wait_exited(_EXIT_WAIT_S) for w in workers))


# -- helpers ---------------------------------------------------------------------------------------------

_TIMED_OUT = InvocationOutcome("timeout", b"")
_CRASHED = InvocationOutcome("crash", b"")


def env_init_ms(env: _Env) -> float | None:
    api = env.worker.api
    end = api.ready_at if api is not None and api.ready_at is not None else time.perf_counter()
    return (end - env.worker.spawned_at) * 1000


def _prefix_matches(key: str, prefix: str) -> bool:
    if not key.startswith(prefix):
        return False
    return len(key) == len(prefix) or not prefix or prefix[-1] in "|:" or key[len(prefix)] in "|:"


def _complete(fut: asyncio.Future[InvocationOutcome], outcome: InvocationOutcome) -> None:
    if not fut.done():
        fut.set_result(outcome)


def _watch_exit(worker: Worker, fut: asyncio.Future[InvocationOutcome]) -> Callable[[asyncio.Future], None]:  # type: ignore[type-arg]
    def on_exit(_: asyncio.Future) -> None:  # type: ignore[type-arg]
        _complete(fut, _CRASHED)

    assert worker.exited is not None
    worker.exited.add_done_callback(on_exit)
    return on_exit


def _trace_id() -> str:
    """An X-Ray trace header, unsampled, as Lambda passes one to every invocation."""
    return f"Root=1-{int(time.time()):08x}-{os.urandom(12).hex()};Parent={os.urandom(8).hex()};Sampled=0"


def _error_type(body: bytes) -> str | None:
    try:
        value = json.loads(body).get("errorType")
    except (ValueError, AttributeError):
        return None
    return value if isinstance(value, str) else None


def _message(body: bytes) -> str:
    try:
        return str(json.loads(body).get("errorMessage", ""))
    except (ValueError, AttributeError):
        return ""


def _response_too_large(size: int) -> bytes:
    return json.dumps(
        {
            "errorMessage": f"Response payload size ({size} bytes) exceeded maximum allowed payload size "
            f"({MAX_RESPONSE_B} bytes).",
            "errorType": "Function.ResponseSizeTooLarge",
        }
    ).encode()
