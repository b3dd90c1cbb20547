"""The DynamoDB stream poller of one event source mapping: reads the stream in order, invokes the
function with batches, checkpoints, retries on the clock, bisects, and sends what it gives up on to the
OnFailure destination (with-ddb.html, services-ddb-batchfailurereporting.html).

The checkpoint (position in the stream and failed attempts of the current batch) lives in the payload of
the mapping's heartbeat timer row, so a restarted server resumes where it left off. The stream has one
shard, so one poller keeps every item's changes in order; ParallelizationFactor is stored only.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import logging
import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from cloudlet.core.arns import parse_arn
from cloudlet.core.patterns import compile_pattern
from cloudlet.core.timers import backoff_s
from cloudlet.core.waits import wait_until
from cloudlet.protocol.errors import ServiceError
from cloudlet.services.lambda_.errors import InvalidParameterValueException

if TYPE_CHECKING:
    from cloudlet.core.db import Tx
    from cloudlet.services.dynamodb.api import StreamRecord
    from cloudlet.services.lambda_.engine import Lambda

log = logging.getLogger(__name__)

DEFAULT_BATCH = 100
MAX_BATCH = 10_000
MAX_WINDOW_S = 300
STARTING_POSITIONS = ("TRIM_HORIZON", "LATEST")


# --- configuration -------------------------------------------------------------------------------------


def stream_config(request: dict[str, Any], current: dict[str, Any], now: float) -> dict[str, Any]:
    """The mapping configuration of a DynamoDB stream source from a Create/Update request (AWS defaults).

    Raises InvalidParameterValueException.
    """
    creating = not current
    position = request.get("StartingPosition", current.get("StartingPosition"))
    if creating and position not in STARTING_POSITIONS:
        raise InvalidParameterValueException(
            f"Unsupported starting position for DynamoDB stream event sources: {position}"
            if position
            else "StartingPosition is required for DynamoDB stream event sources."
        )

    def pick(name: str, default: Any) -> Any:
        value = request.get(name)
        return current.get(name, default) if value is None else value

    batch = int(pick("BatchSize", DEFAULT_BATCH))
    if not 1 <= batch <= MAX_BATCH:
        raise InvalidParameterValueException(f"BatchSize must be between 1 and {MAX_BATCH}.")
    window = int(pick("MaximumBatchingWindowInSeconds", 0))
    if not 0 <= window <= MAX_WINDOW_S:
        raise InvalidParameterValueException(
            f"MaximumBatchingWindowInSeconds must be between 0 and {MAX_WINDOW_S}."
        )
    age = int(pick("MaximumRecordAgeInSeconds", -1))
    if age != -1 and not 60 <= age <= 604_800:
        raise InvalidParameterValueException("MaximumRecordAgeInSeconds must be -1 or between 60 and 604800.")
    destination = pick("DestinationConfig", {"OnFailure": {}})
    target = (destination.get("OnFailure") or {}).get("Destination")
    if target:
        try:
            service = parse_arn(target).service
        except ValueError:
            service = ""
        if service not in ("sqs", "sns"):
            raise InvalidParameterValueException(
                "The provided destination config DestinationConfig(onSuccess=null, onFailure=OnFailure("
                f"destination={target})) is invalid."
            )
    filters = pick("FilterCriteria", None)
    for item in (filters or {}).get("Filters") or []:
        try:
            compile_pattern(item.get("Pattern") or "", flavor="eventbridge")
        except Exception:
            raise InvalidParameterValueException("Invalid filter pattern definition.") from None
    enabled = request.get("Enabled", current.get("State", "Enabled") != "Disabled")
    config = dict(current)
    config.update(
        StartingPosition=position,
        BatchSize=batch,
        MaximumBatchingWindowInSeconds=window,
        ParallelizationFactor=int(pick("ParallelizationFactor", 1)),
        DestinationConfig={"OnFailure": {"Destination": target}} if target else {"OnFailure": {}},
        MaximumRecordAgeInSeconds=age,
        BisectBatchOnFunctionError=bool(pick("BisectBatchOnFunctionError", False)),
        MaximumRetryAttempts=int(pick("MaximumRetryAttempts", -1)),
        TumblingWindowInSeconds=int(pick("TumblingWindowInSeconds", 0)),
        FunctionResponseTypes=list(pick("FunctionResponseTypes", [])),
        State="Enabled" if enabled else "Disabled",
        LastModified=now,
    )
    if filters:
        config["FilterCriteria"] = filters
    return config


def initial_position(lam: Lambda, stream_arn: str, starting_position: str) -> int:
    """Where a new mapping starts reading. Raises InvalidParameterValueException for an unknown stream."""
    from cloudlet.services.dynamodb import api as ddb_api

    position = ddb_api.stream_position(lam.app, stream_arn, starting_position)
    if position is None:
        raise InvalidParameterValueException(f"Stream not found: {stream_arn}")
    return position


# --- checkpoint ----------------------------------------------------------------------------------------


def save_checkpoint(lam: Lambda, tx: Tx, uuid_: str, position: int, attempts: int) -> None:
    """Store the position (and failed attempts of the batch after it) in the mapping's heartbeat row."""
    from cloudlet.services.lambda_.esm.mappings import HEARTBEAT_S, TIMER_KIND

    timer = lam.timers.get(tx, TIMER_KIND, uuid_)
    due = timer.due_at if timer is not None else lam.clock.now() + HEARTBEAT_S
    payload = {"uuid": uuid_, "position": position, "attempts": attempts}
    lam.timers.schedule(tx, TIMER_KIND, due, payload, key=uuid_)


def load_checkpoint(lam: Lambda, uuid_: str) -> tuple[int, int] | None:
    from cloudlet.services.lambda_.esm.mappings import TIMER_KIND

    with lam.db.read() as conn:
        timer = lam.timers.get(conn, TIMER_KIND, uuid_)
    if timer is None or "position" not in timer.payload:
        return None
    return int(timer.payload["position"]), int(timer.payload.get("attempts") or 0)


# --- the poller ----------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Retry:
    batch: list[StreamRecord]
    attempts: int
    due_at: float


class DynamoDBPoller:
    def __init__(self, lam: Lambda, uuid: str, config: dict[str, Any], account: str, region: str) -> None:
        self._lam = lam
        self.uuid = uuid
        self.config = config
        self.account = account
        self.region = region
        self._task: asyncio.Task[None] | None = None
        self._filters = [
            compile_pattern(f["Pattern"], flavor="eventbridge")
            for f in (config.get("FilterCriteria") or {}).get("Filters") or []
        ]

    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._run(), name=f"esm-{self.uuid}")

    def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            self._task = None

    async def _run(self) -> None:
        from cloudlet.services.dynamodb import api as ddb_api

        app = self._lam.app
        clock = self._lam.clock
        arn = self.config["EventSourceArn"]
        retry: Retry | None = None
        while not app.stopping:
            if retry is None:
                checkpoint = load_checkpoint(self._lam, self.uuid)
                if checkpoint is None:  # the mapping is gone
                    return
                records = await self._collect(ddb_api, arn, checkpoint[0])
                if records is None:  # the stream is gone
                    return
                if not records:
                    continue
                batch, attempts = records, checkpoint[1]
            else:
                # Back off on the clock, outside the work token: a pending retry is not work to settle.
                never: asyncio.Future[None] = asyncio.get_running_loop().create_future()
                await wait_until(clock, retry.due_at, never, app.work)
                batch, attempts = retry.batch, retry.attempts
            token = app.work.begin(f"lambda:esm:{self.uuid}")
            try:
                retry = await self._attempt(arn, batch, attempts)
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.exception("event source mapping %s failed to process a batch", self.uuid)
                app.work.record_failure(exc, f"lambda:esm:{self.uuid}")
                return
            finally:
                app.work.end(token)

    async def _collect(self, ddb_api: Any, arn: str, after: int) -> list[StreamRecord] | None:
        """The next batch: waits for records, then up to the batching window for a full batch."""
        app = self._lam.app
        size = int(self.config.get("BatchSize") or DEFAULT_BATCH)
        window = float(self.config.get("MaximumBatchingWindowInSeconds") or 0)
        signal = ddb_api.stream_signal(app, arn)
        deadline: float | None = None
        while True:
            fut = signal.future()
            try:
                records = ddb_api.read_stream(app, arn, after, size)
                if records is None:
                    return None
                if len(records) >= size or (records and window <= 0):
                    return records  # type: ignore[no-any-return]
                if records and deadline is None:
                    deadline = self._lam.clock.now() + window
                if deadline is None:
                    await fut
                elif not await wait_until(self._lam.clock, deadline, fut, app.work):
                    return ddb_api.read_stream(app, arn, after, size)  # type: ignore[no-any-return]
            finally:
                signal.discard(fut)

    async def _attempt(self, arn: str, batch: list[StreamRecord], attempts: int) -> Retry | None:
        """Invoke once with `batch`; every outcome is checkpointed. Returns the retry to make, if any."""
        lam = self._lam
        if batch:
            kept = [r for r in batch if self._passes(r)]
            if not kept:  # filtered-out records are skipped, as AWS does
                self._checkpoint(batch[-1].position, 0)
                return None
            age = int(self.config.get("MaximumRecordAgeInSeconds") or -1)
            now = lam.clock.now()
            if age != -1 and now - kept[0].created_at > age:
                stale = [r for r in kept if now - r.created_at > age]
                self._give_up(arn, stale, "RecordAgeExceeded", attempts)
                return None
            failed_at = await self._invoke(arn, kept)
            if failed_at is None:
                self._checkpoint(batch[-1].position, 0)
                return None
            done = [r for r in kept if r.position < failed_at]
            remaining = [r for r in kept if r.position >= failed_at]
            attempts += 1
            limit = int(self.config.get("MaximumRetryAttempts", -1))
            if limit != -1 and attempts > limit:
                self._give_up(arn, remaining, "RetryAttemptsExhausted", attempts)
                return None
            if self.config.get("BisectBatchOnFunctionError") and len(remaining) > 1:
                remaining = remaining[: len(remaining) // 2]
            self._checkpoint(done[-1].position if done else remaining[0].position - 1, attempts)
            return Retry(remaining, attempts, lam.clock.now() + backoff_s(attempts - 1))
        return None

    def _passes(self, record: StreamRecord) -> bool:
        return not self._filters or any(p.matches(record.record) for p in self._filters)

    async def _invoke(self, arn: str, batch: list[StreamRecord]) -> int | None:
        """Invoke with `batch`; None on success, else the position of the first record to retry."""
        lam = self._lam
        event = {"Records": [dict(r.record, eventSourceARN=arn) for r in batch]}
        try:
            resolved = lam.functions.resolve(self.account, self.region, self.config["FunctionArn"])
            result = await lam.invoker.run(resolved, json.dumps(event).encode())
        except ServiceError as exc:
            self._note(f"PROBLEM: Function call failed: {exc.message}")
            return batch[0].position
        if result.outcome != "ok":
            self._note("PROBLEM: Function call failed")
            return batch[0].position
        self._note("OK")
        if "ReportBatchItemFailures" not in (self.config.get("FunctionResponseTypes") or []):
            return None
        try:
            doc = json.loads(result.payload) if result.payload else None
        except ValueError:
            return None
        if not isinstance(doc, dict) or not doc.get("batchItemFailures"):
            return None
        by_number = {r.record["dynamodb"]["SequenceNumber"]: r.position for r in batch}
        failed = []
        for item in doc["batchItemFailures"]:
            identifier = item.get("itemIdentifier") if isinstance(item, dict) else None
            if identifier not in by_number:  # an invalid answer fails the whole batch
                return batch[0].position
            failed.append(by_number[identifier])
        return min(failed)

    def _checkpoint(self, position: int, attempts: int) -> None:
        with self._lam.db.transaction() as tx:
            save_checkpoint(self._lam, tx, self.uuid, position, attempts)

    def _give_up(self, arn: str, records: list[StreamRecord], condition: str, attempts: int) -> None:
        """Skip `records`, sending their batch info to the OnFailure destination if there is one."""
        from cloudlet.services.dynamodb import api as ddb_api
        from cloudlet.services.lambda_ import destinations

        lam = self._lam
        target = ((self.config.get("DestinationConfig") or {}).get("OnFailure") or {}).get("Destination")
        with lam.db.transaction() as tx:
            if target:
                body = failure_record(
                    self.config["FunctionArn"],
                    condition,
                    attempts,
                    ddb_api.shard_id(lam.app, arn) or "",
                    arn,
                    records,
                    lam.clock.now(),
                )
                destinations.send(lam.app, tx, target, json.dumps(body))
            save_checkpoint(lam, tx, self.uuid, records[-1].position, 0)

    def _note(self, result: str) -> None:
        self.config["LastProcessingResult"] = result


def _iso(epoch: float, millis: bool = True) -> str:
    moment = dt.datetime.fromtimestamp(epoch, dt.UTC)
    if millis:
        return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def failure_record(
    function_arn: str,
    condition: str,
    attempts: int,
    shard_id: str,
    stream_arn: str,
    records: list[StreamRecord],
    now: float,
) -> dict[str, Any]:
    """AWS's on-failure record for a stream batch (with-ddb.html#services-dynamodb-errors)."""
    return {
        "requestContext": {
            "requestId": str(uuid.uuid4()),
            "functionArn": function_arn,
            "condition": condition,
            "approximateInvokeCount": attempts,
        },
        "responseContext": {"statusCode": 200, "executedVersion": "$LATEST", "functionError": "Unhandled"},
        "version": "1.0",
        "timestamp": _iso(now),
        "DDBStreamBatchInfo": {
            "shardId": shard_id,
            "startSequenceNumber": records[0].record["dynamodb"]["SequenceNumber"],
            "endSequenceNumber": records[-1].record["dynamodb"]["SequenceNumber"],
            "approximateArrivalOfFirstRecord": _iso(records[0].created_at, millis=False),
            "approximateArrivalOfLastRecord": _iso(records[-1].created_at, millis=False),
            "batchSize": len(records),
            "streamArn": stream_arn,
        },
    }
