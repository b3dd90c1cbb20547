"""Synchronous invocation: resolve the version, enforce concurrency, run it on a warm worker, and
shape the answer (StatusCode, FunctionError, LogResult, ExecutedVersion)."""

from __future__ import annotations

import base64
from typing import TYPE_CHECKING, Any

from cloudlet.core import ids
from cloudlet.services.lambda_.errors import (
    InvalidRuntimeException,
    RequestTooLargeException,
    TooManyRequestsException,
)
from cloudlet.services.lambda_.functions import PYTHON_RUNTIMES, Resolved, function_arn

if TYPE_CHECKING:
    from cloudlet.runtime.pool import FunctionSpec, InvokeResult
    from cloudlet.services.lambda_.engine import Lambda

MAX_SYNC_PAYLOAD_B = 6 * 1024 * 1024
MAX_ASYNC_PAYLOAD_B = 1024 * 1024
LOG_TAIL_B = 4096


class Invoker:
    def __init__(self, lam: Lambda) -> None:
        self._lam = lam
        self._running: dict[tuple[str, str, str], int] = {}

    def spec(self, resolved: Resolved) -> FunctionSpec:
        from cloudlet.runtime.pool import FunctionSpec

        config = resolved.config
        if config.get("Runtime") not in PYTHON_RUNTIMES:
            raise InvalidRuntimeException(
                f"The runtime parameter of {config.get('Runtime')} is not supported by cloudlet: it "
                f"runs Python "
                "functions (python3.9 to python3.14) on its own interpreter."
            )
        key = resolved.key
        arn = function_arn(key, None if resolved.version == "$LATEST" else resolved.version)
        layer_dirs = tuple(self._lam.layer_dir(layer["Arn"]) for layer in config.get("Layers") or ())
        return FunctionSpec(
            key=f"{arn}|{resolved.version}|{resolved.code.fingerprint()}|{config.get('RevisionId')}",
            function_arn=arn,
            name=key[2],
            version=resolved.version,
            account=key[0],
            region=key[1],
            handler=config["Handler"],
            runtime=config["Runtime"],
            code_dir=self._lam.code_path(resolved.code),
            layer_dirs=tuple(d for d in layer_dirs if d is not None),
            memory_mb=int(config.get("MemorySize") or 128),
            timeout_s=float(config.get("Timeout") or 3),
            environment=dict((config.get("Environment") or {}).get("Variables") or {}),
            endpoint_url=self._lam.endpoint_url,
            log_group=(config.get("LoggingConfig") or {}).get("LogGroup") or f"/aws/lambda/{key[2]}",
        )

    async def run(
        self,
        resolved: Resolved,
        payload: bytes,
        request_id: str | None = None,
        client_context: str | None = None,
    ) -> InvokeResult:
        """Run one invocation. Raises TooManyRequestsException when the function is at its concurrency."""
        spec = self.spec(resolved)
        limit = self._lam.concurrency_limit(resolved.key)
        running = self._running.get(resolved.key, 0)
        if running >= limit:
            raise TooManyRequestsException(
                "Rate Exceeded.", Type="User", Reason="ReservedFunctionConcurrentInvocationLimitExceeded"
            )
        self._running[resolved.key] = running + 1
        try:
            return await self._lam.pool.invoke(
                spec, payload, request_id or ids.request_id(), client_context=client_context
            )
        finally:
            left = self._running.get(resolved.key, 1) - 1
            if left:
                self._running[resolved.key] = left
            else:
                self._running.pop(resolved.key, None)

    async def invoke(
        self,
        resolved: Resolved,
        payload: bytes,
        log_type: str | None,
        client_context: str | None,
        request_id: str,
    ) -> dict[str, Any]:
        if len(payload) > MAX_SYNC_PAYLOAD_B:
            raise RequestTooLargeException(
                f"Request must be smaller than {MAX_SYNC_PAYLOAD_B} bytes for the InvokeFunction operation"
            )
        result = await self.run(resolved, payload or b"{}", request_id, client_context)
        out: dict[str, Any] = {
            "StatusCode": 200,
            "Payload": result.payload,
            "ExecutedVersion": resolved.version,
        }
        if result.function_error:
            out["FunctionError"] = result.function_error
        if log_type == "Tail":
            tail = result.log_tail.encode()[-LOG_TAIL_B:]
            out["LogResult"] = base64.b64encode(tail).decode()
        return out
