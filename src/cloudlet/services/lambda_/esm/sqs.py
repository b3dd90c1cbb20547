"""The SQS poller of one event source mapping: long-polls the queue, filters, invokes the function
with a batch, and deletes what succeeded (with-sqs.html, services-sqs-batchfailurereporting.html).

A failed batch is not deleted: it becomes visible again after the queue's visibility timeout, its
receive count grows, and the queue's own redrive policy moves it to the DLQ after maxReceiveCount.
"""

from __future__ import annotations

import asyncio
import base64
import json
import logging
from typing import TYPE_CHECKING, Any

from cloudlet.core.patterns import compile_pattern
from cloudlet.protocol.errors import ServiceError

if TYPE_CHECKING:
    from cloudlet.services.lambda_.engine import Lambda
    from cloudlet.services.sqs.api import Delivered

log = logging.getLogger(__name__)

LONG_POLL_S = 20
DEFAULT_POLLERS = 2


class SqsPoller:
    def __init__(self, lam: Lambda, uuid: str, config: dict[str, Any], account: str, region: str) -> None:
        self._lam = lam
        self.uuid = uuid
        self.config = config
        self.account = account
        self.region = region
        self._tasks: list[asyncio.Task[None]] = []
        self._filters = [
            compile_pattern(f["Pattern"], flavor="eventbridge")
            for f in (config.get("FilterCriteria") or {}).get("Filters") or []
        ]

    def start(self) -> None:
        loop = asyncio.get_running_loop()
        count = (self.config.get("ScalingConfig") or {}).get("MaximumConcurrency") or DEFAULT_POLLERS
        from cloudlet.services.sqs import api as sqs_api

        if sqs_api.is_fifo_queue(self._lam.app, self.config["EventSourceArn"]):
            count = 1  # one poller keeps the per-group order simple; groups still proceed independently
        self._tasks = [loop.create_task(self._run(), name=f"esm-{self.uuid}-{i}") for i in range(count)]

    def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        self._tasks = []

    async def _run(self) -> None:
        from cloudlet.services.sqs import api as sqs_api

        queue = self.config["EventSourceArn"]
        while not self._lam.app.stopping:
            try:
                batch = await self._collect(sqs_api, queue)
            except asyncio.CancelledError:
                raise
            except ServiceError:  # the queue is gone: wait for the next change instead of spinning
                await asyncio.sleep(0)
                return
            if not batch:
                continue
            token = self._lam.app.work.begin(f"lambda:esm:{self.uuid}")
            try:
                await self._process(sqs_api, queue, batch)
            except Exception as exc:
                log.exception("event source mapping %s failed to process a batch", self.uuid)
                self._lam.app.work.record_failure(exc, f"lambda:esm:{self.uuid}")
            finally:
                self._lam.app.work.end(token)

    async def _collect(self, sqs_api: Any, queue: str) -> list[Delivered]:
        size = int(self.config.get("BatchSize") or 10)
        window = float(self.config.get("MaximumBatchingWindowInSeconds") or 0)
        batch = await sqs_api.receive(self._lam.app, queue, min(size, 10), LONG_POLL_S)
        if not batch or window <= 0:
            return list(batch)
        deadline = self._lam.clock.now() + window
        while len(batch) < size and not self._lam.app.stopping:
            remaining = deadline - self._lam.clock.now()
            if remaining <= 0:
                break
            more = await sqs_api.receive(
                self._lam.app, queue, min(size - len(batch), 10), max(1, int(remaining))
            )
            if not more:
                break
            batch += more
        return list(batch)

    async def _process(self, sqs_api: Any, queue: str, batch: list[Delivered]) -> None:
        records = [self._record(m, queue) for m in batch]
        if self._filters:
            kept = [
                (m, r)
                for m, r in zip(batch, records, strict=True)
                if any(p.matches(_filterable(r)) for p in self._filters)
            ]
            dropped = [m.receipt_handle for m in batch if m not in [k[0] for k in kept]]
            if dropped:
                sqs_api.delete(
                    self._lam.app, queue, dropped
                )  # filtered-out messages are deleted, as AWS does
            batch = [k[0] for k in kept]
            records = [k[1] for k in kept]
            if not batch:
                return
        lam = self._lam
        try:
            resolved = lam.functions.resolve(self.account, self.region, self.config["FunctionArn"])
            result = await lam.invoker.run(resolved, json.dumps({"Records": records}).encode())
        except (
            ServiceError
        ) as exc:  # throttled or not runnable: the batch returns after its visibility timeout
            self._note(f"PROBLEM: Function call failed: {exc.message}")
            return
        if result.outcome != "ok":
            self._note("PROBLEM: Function call failed")
            return
        failed = self._reported_failures(result.payload, batch)
        if failed is None:  # an invalid batchItemFailures answer fails the whole batch
            self._note("PROBLEM: Function call failed")
            return
        done = [m.receipt_handle for m in batch if m.message_id not in failed]
        if done:
            sqs_api.delete(lam.app, queue, done)
        self._note("OK")

    def _reported_failures(self, payload: bytes, batch: list[Delivered]) -> set[str] | None:
        if "ReportBatchItemFailures" not in (self.config.get("FunctionResponseTypes") or []):
            return set()
        try:
            doc = json.loads(payload) if payload else None
        except ValueError:
            return set()
        if not isinstance(doc, dict) or doc.get("batchItemFailures") is None:
            return set()
        ids = {m.message_id for m in batch}
        failed = set()
        for item in doc["batchItemFailures"] or []:
            identifier = item.get("itemIdentifier") if isinstance(item, dict) else None
            if not identifier or identifier not in ids:
                return None
            failed.add(identifier)
        return failed

    def _note(self, result: str) -> None:
        self.config["LastProcessingResult"] = result

    def _record(self, message: Delivered, queue: str) -> dict[str, Any]:
        attributes = {}
        for name, value in message.message_attributes.items():
            item: dict[str, Any] = {
                "stringListValues": [],
                "binaryListValues": [],
                "dataType": value["DataType"],
            }
            if value.get("BinaryValue") is not None:
                item["binaryValue"] = base64.b64encode(bytes(value["BinaryValue"])).decode()
            else:
                item["stringValue"] = value.get("StringValue")
            attributes[name] = item
        record: dict[str, Any] = {
            "messageId": message.message_id,
            "receiptHandle": message.receipt_handle,
            "body": message.body,
            "attributes": message.attributes,
            "messageAttributes": attributes,
            "md5OfBody": message.md5_of_body,
            "eventSource": "aws:sqs",
            "eventSourceARN": queue,
            "awsRegion": queue.split(":")[3],
        }
        if message.md5_of_message_attributes:
            record["md5OfMessageAttributes"] = message.md5_of_message_attributes
        return record


def _filterable(record: dict[str, Any]) -> dict[str, Any]:
    """The record as filter criteria see it: a JSON body is matched as an object (with-sqs-filtering)."""
    out = dict(record)
    try:
        body = json.loads(record["body"])
    except ValueError:
        body = record["body"]
    out["body"] = body
    return out
