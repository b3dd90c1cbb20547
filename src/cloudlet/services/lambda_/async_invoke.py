"""Asynchronous invocation (InvocationType=Event, SNS, S3): a durable `lambda.async` timer row per
event, retried per the event-invoke config (MaximumRetryAttempts 0-2, default 2, after 1 then 2
minutes; MaximumEventAgeInSeconds), then sent to the OnSuccess/OnFailure destination or the dead-letter
queue (invocation-async-error-handling.html). Throttled events wait and retry without using an attempt.
"""

from __future__ import annotations

import asyncio
import base64
import json
import logging
from typing import TYPE_CHECKING, Any

from cloudlet.core import ids
from cloudlet.core.clock import iso8601
from cloudlet.core.timers import Timer
from cloudlet.protocol.errors import ServiceError
from cloudlet.services.lambda_ import destinations, store
from cloudlet.services.lambda_.errors import TooManyRequestsException
from cloudlet.services.lambda_.functions import function_arn

if TYPE_CHECKING:
    from cloudlet.core.db import Tx
    from cloudlet.services.lambda_.engine import Lambda

log = logging.getLogger(__name__)

TIMER_KIND = "lambda.async"
RETRY_DELAYS_S = (60.0, 120.0)
DEFAULT_MAX_RETRIES = 2
DEFAULT_MAX_AGE_S = 21_600
THROTTLE_RETRY_S = 1.0
LEASE_MARGIN_S = 60.0


class AsyncInvoker:
    def __init__(self, lam: Lambda) -> None:
        self._lam = lam
        self._tasks: set[asyncio.Task[None]] = set()

    def enqueue(
        self, tx: Tx, key: store.Key, qualifier: str | None, payload: bytes, request_id: str | None = None
    ) -> str:
        request_id = request_id or ids.request_id()
        now = self._lam.clock.now()
        body = {
            "key": list(key),
            "qualifier": qualifier,
            "payload": base64.b64encode(payload).decode(),
            "request_id": request_id,
            "attempt": 0,
            "first_at": now,
        }
        self._lam.timers.schedule(tx, TIMER_KIND, now, body, key=request_id)
        return request_id

    async def on_timer(self, timer: Timer) -> None:
        lam = self._lam
        body = timer.payload
        key = tuple(body["key"])
        timeout = 900.0
        try:
            timeout = float(lam.functions.resolve(*key, body["qualifier"]).config.get("Timeout") or 3)
        except ServiceError:
            pass
        with lam.db.transaction() as tx:  # lease: a crash mid-attempt re-runs it after this
            lam.timers.schedule(
                tx, TIMER_KIND, lam.clock.now() + timeout + LEASE_MARGIN_S, body, key=body["request_id"]
            )
        token = lam.app.work.begin(f"lambda:async:{key[2]}")
        task = asyncio.get_running_loop().create_task(self._attempt(body, token))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _attempt(self, body: dict[str, Any], token: int) -> None:
        lam = self._lam
        try:
            key: store.Key = tuple(body["key"])  # type: ignore[assignment]
            request_id = body["request_id"]
            payload = base64.b64decode(body["payload"])
            try:
                resolved = lam.functions.resolve(*key, body["qualifier"])
            except ServiceError:
                self._finish(body)  # the function is gone: nothing to run or report to
                return
            config = lam.invoke_config(key, body["qualifier"], resolved.version)
            max_retries = config.get("MaximumRetryAttempts", DEFAULT_MAX_RETRIES)
            max_age = config.get("MaximumEventAgeInSeconds", DEFAULT_MAX_AGE_S)
            attempt = int(body["attempt"]) + 1
            if lam.clock.now() - body["first_at"] > max_age:
                self._conclude(body, resolved, config, "EventAgeExceeded", attempt - 1, None)
                return
            try:
                result = await lam.invoker.run(resolved, payload or b"{}", request_id)
            except TooManyRequestsException:
                self._reschedule(body, THROTTLE_RETRY_S, same_attempt=True)
                return
            except ServiceError as exc:  # the function cannot run at all (runtime not supported)
                self._conclude(body, resolved, config, "RetriesExhausted", attempt, None, error=exc.message)
                return
            if result.outcome == "ok":
                self._conclude(body, resolved, config, "Success", attempt, result)
            elif attempt <= max_retries:
                self._reschedule(body, RETRY_DELAYS_S[min(attempt, len(RETRY_DELAYS_S)) - 1])
            else:
                self._conclude(body, resolved, config, "RetriesExhausted", attempt, result)
        except Exception as exc:  # a bug: keep the row (the lease retries it) and make it visible
            log.exception("asynchronous invocation failed internally")
            lam.app.work.record_failure(exc, "lambda:async")
        finally:
            lam.app.work.end(token)

    def _reschedule(self, body: dict[str, Any], delay: float, same_attempt: bool = False) -> None:
        lam = self._lam
        retry = dict(body) if same_attempt else dict(body, attempt=int(body["attempt"]) + 1)
        with lam.db.transaction() as tx:
            lam.timers.schedule(tx, TIMER_KIND, lam.clock.now() + delay, retry, key=body["request_id"])

    def _finish(self, body: dict[str, Any]) -> None:
        with self._lam.db.transaction() as tx:
            self._lam.timers.cancel(tx, TIMER_KIND, body["request_id"])

    def _conclude(
        self,
        body: dict[str, Any],
        resolved: Any,
        config: dict[str, Any],
        condition: str,
        invoke_count: int,
        result: Any,
        error: str | None = None,
    ) -> None:
        lam = self._lam
        key = resolved.key
        success = condition == "Success"
        targets = (config.get("DestinationConfig") or {}).get("OnSuccess" if success else "OnFailure") or {}
        destination = targets.get("Destination")
        payload = base64.b64decode(body["payload"])
        with lam.db.transaction() as tx:
            lam.timers.cancel(tx, TIMER_KIND, body["request_id"])
            if destination:
                rec = destinations.record(
                    timestamp=iso8601(lam.clock.now()),
                    request_id=body["request_id"],
                    function_arn=function_arn(key, resolved.version),
                    condition=condition,
                    invoke_count=invoke_count,
                    request_payload=_json_or_text(payload),
                    status_code=200 if result is not None else None,
                    executed_version=resolved.version if result is not None else None,
                    function_error=getattr(result, "function_error", None),
                    response_payload=_json_or_text(result.payload) if result is not None else None,
                )
                destinations.send(lam.app, tx, destination, json.dumps(rec))
            elif not success:
                dlq = (resolved.config.get("DeadLetterConfig") or {}).get("TargetArn")
                if dlq:
                    message = error or (
                        destinations.error_message(result.payload) if result is not None else condition
                    )
                    attributes = destinations.dead_letter_attributes(body["request_id"], "200", message)
                    destinations.send(lam.app, tx, dlq, payload.decode("utf-8", "replace"), attributes)
                else:
                    log.info(
                        "async invocation %s of %s failed for good (%s)",
                        body["request_id"],
                        key[2],
                        condition,
                    )


def _json_or_text(data: bytes) -> Any:
    try:
        return json.loads(data)
    except ValueError:
        return data.decode("utf-8", "replace")
