"""Create/Get/List/Update/Delete EventSourceMapping for SQS queues, and the pollers' lifecycle.

Each mapping is a row; a `lambda.esm` timer row per mapping is its heartbeat, so a restarted server
loads Lambda and resumes polling without waiting for a request.
"""

from __future__ import annotations

import json
import uuid
from typing import TYPE_CHECKING, Any

from cloudlet.core.arns import parse_arn
from cloudlet.core.patterns import PatternError, compile_pattern
from cloudlet.core.timers import Timer
from cloudlet.services.lambda_ import store
from cloudlet.services.lambda_.errors import (
    InvalidParameterValueException,
    ResourceConflictException,
    ResourceNotFoundException,
)
from cloudlet.services.lambda_.esm import dynamodb as ddb_esm
from cloudlet.services.lambda_.esm.sqs import SqsPoller
from cloudlet.services.lambda_.functions import function_arn, parse_name

if TYPE_CHECKING:
    from cloudlet.services.lambda_.engine import Lambda

TIMER_KIND = "lambda.esm"
HEARTBEAT_S = 3600.0
MAX_BATCH_STANDARD = 10_000
MAX_BATCH_FIFO = 10


class Mappings:
    def __init__(self, lam: Lambda) -> None:
        self._lam = lam
        self._pollers: dict[str, SqsPoller | ddb_esm.DynamoDBPoller] = {}

    # -- control plane --------------------------------------------------------------------------
    def create(self, account: str, region: str, request: dict[str, Any]) -> dict[str, Any]:
        source = request.get("EventSourceArn") or ""
        try:
            parts = parse_arn(source)
        except ValueError:
            raise InvalidParameterValueException(f"Invalid EventSourceArn: {source}") from None
        if parts.service not in ("sqs", "dynamodb"):
            raise InvalidParameterValueException(
                f"Unsupported event source {parts.service}: cloudlet maps SQS queues and DynamoDB streams "
                "(Kinesis streams arrive with that service)"
            )
        position: int | None = None
        if parts.service == "dynamodb":
            config = ddb_esm.stream_config(request, {}, self._lam.clock.now())
            position = ddb_esm.initial_position(self._lam, source, config["StartingPosition"])
        else:
            from cloudlet.services.sqs import api as sqs_api

            fifo = sqs_api.is_fifo_queue(self._lam.app, source)
            if fifo is None:
                raise InvalidParameterValueException(
                    "Error occurred while ReceiveMessage. SQS Error Code: "
                    "AWS.SimpleQueueService.NonExistentQueue. SQS "
                    "Error Message: The specified queue does not exist for this wsdl version."
                )
            config = self._config(request, fifo, {})
        resolved = self._lam.functions.resolve(account, region, request["FunctionName"])
        config.update(
            UUID=str(uuid.uuid4()),
            EventSourceArn=source,
            FunctionArn=function_arn(resolved.key, resolved.qualifier),
            StateTransitionReason="USER_INITIATED",
            LastProcessingResult="No records processed",
        )
        config["EventSourceMappingArn"] = (
            f"arn:aws:lambda:{region}:{account}:event-source-mapping:{config['UUID']}"
        )
        with self._lam.db.transaction() as tx:
            for row in store.list_esms(tx, account, region):
                existing = json.loads(row["config"])
                if existing["EventSourceArn"] == source and existing["FunctionArn"] == config["FunctionArn"]:
                    raise ResourceConflictException(
                        f"An event source mapping with {_source_word(source)} arn"
                        f' (" {source} ") and function '
                        f'(" {resolved.key[2]} ") already exists. Please update or delete the existing '
                        f"mapping with UUID {existing['UUID']}"
                    )
            store.put_esm(tx, config["UUID"], account, region, resolved.key[2], source, config)
            self._lam.timers.schedule(
                tx, TIMER_KIND, self._lam.clock.now(), {"uuid": config["UUID"]}, key=config["UUID"]
            )
            if position is not None:
                ddb_esm.save_checkpoint(self._lam, tx, config["UUID"], position, 0)
        out = dict(config)
        out["State"] = "Creating" if config["State"] == "Enabled" else "Disabled"
        return out

    def _config(self, request: dict[str, Any], fifo: bool, current: dict[str, Any]) -> dict[str, Any]:
        batch = request.get("BatchSize", current.get("BatchSize", 10))
        window = request.get(
            "MaximumBatchingWindowInSeconds", current.get("MaximumBatchingWindowInSeconds", 0)
        )
        limit = MAX_BATCH_FIFO if fifo else MAX_BATCH_STANDARD
        if not 1 <= batch <= limit:
            raise InvalidParameterValueException(f"BatchSize must be between 1 and {limit}.")
        if batch > 10 and window < 1:
            raise InvalidParameterValueException(
                "Maximum batch window in seconds must be greater than 0 if maximum batch size is "
                "greater than 10"
            )
        if fifo and window:
            raise InvalidParameterValueException("Batching window is not supported for FIFO queues")
        filters = request.get("FilterCriteria", current.get("FilterCriteria"))
        for item in (filters or {}).get("Filters") or []:
            try:
                compile_pattern(item.get("Pattern") or "", flavor="eventbridge")
            except PatternError:
                raise InvalidParameterValueException("Invalid filter pattern definition.") from None
        enabled = request.get("Enabled", current.get("State", "Enabled") != "Disabled")
        config = dict(current)
        config.update(
            BatchSize=batch,
            MaximumBatchingWindowInSeconds=window,
            FunctionResponseTypes=request.get(
                "FunctionResponseTypes", current.get("FunctionResponseTypes", [])
            ),
            State="Enabled" if enabled else "Disabled",
            LastModified=self._lam.clock.now(),
        )
        if filters and filters.get("Filters"):
            config["FilterCriteria"] = filters
        elif "FilterCriteria" in request:  # an empty FilterCriteria removes the filters (AWS)
            config.pop("FilterCriteria", None)
        if request.get("ScalingConfig") is not None or current.get("ScalingConfig"):
            scaling = request.get("ScalingConfig", current.get("ScalingConfig")) or {}
            maximum = scaling.get("MaximumConcurrency")
            if maximum is not None and not 2 <= maximum <= 1000:
                raise InvalidParameterValueException("MaximumConcurrency must be between 2 and 1000.")
            config["ScalingConfig"] = scaling
        return config

    def get(self, uuid_: str) -> dict[str, Any]:
        with self._lam.db.read() as conn:
            row = store.get_esm(conn, uuid_)
        if row is None:
            raise ResourceNotFoundException(
                f"The resource you requested does not exist. (Service: Lambda, UUID: {uuid_})"
            )
        return json.loads(row["config"])

    def update(self, request: dict[str, Any]) -> dict[str, Any]:
        current = self.get(request["UUID"])
        if parse_arn(current["EventSourceArn"]).service == "dynamodb":
            config = ddb_esm.stream_config(request, current, self._lam.clock.now())
        else:
            from cloudlet.services.sqs import api as sqs_api

            fifo = bool(sqs_api.is_fifo_queue(self._lam.app, current["EventSourceArn"]))
            config = self._config(request, fifo, current)
        if request.get("FunctionName"):
            parts = parse_arn(current["EventSourceArn"])
            resolved = self._lam.functions.resolve(parts.account, parts.region, request["FunctionName"])
            config["FunctionArn"] = function_arn(resolved.key, resolved.qualifier)
        with self._lam.db.transaction() as tx:
            row = store.get_esm(tx, request["UUID"])
            assert row is not None
            store.put_esm(
                tx,
                request["UUID"],
                row["account"],
                row["region"],
                row["function_name"],
                config["EventSourceArn"],
                config,
            )
        self._restart(request["UUID"])
        out = dict(config)
        out["State"] = "Updating"
        return out

    def delete(self, uuid_: str) -> dict[str, Any]:
        config = self.get(uuid_)
        with self._lam.db.transaction() as tx:
            store.delete_esm(tx, uuid_)
            self._lam.timers.cancel(tx, TIMER_KIND, uuid_)
        self._stop(uuid_)
        return dict(config, State="Deleting")

    def list(
        self, account: str, region: str, source: str | None, function: str | None
    ) -> list[dict[str, Any]]:
        with self._lam.db.read() as conn:
            configs = [json.loads(r["config"]) for r in store.list_esms(conn, account, region)]
        if source:
            configs = [c for c in configs if c["EventSourceArn"] == source]
        if function:
            key, qualifier = parse_name(function, account, region)
            arn = function_arn(key, qualifier)
            configs = [
                c
                for c in configs
                if c["FunctionArn"] == arn or (not qualifier and c["FunctionArn"].startswith(arn + ":"))
            ]
        return configs

    # -- pollers --------------------------------------------------------------------------------
    def on_timer(self, timer: Timer) -> None:
        """Heartbeat: make sure the mapping's poller runs (after a restart, too)."""
        uuid_ = str(timer.payload["uuid"])
        with self._lam.db.transaction() as tx:
            if store.get_esm(tx, uuid_) is None:
                return
            current = self._lam.timers.get(tx, TIMER_KIND, uuid_)  # keeps a stream mapping's checkpoint
            payload = current.payload if current is not None else dict(timer.payload)
            self._lam.timers.schedule(tx, TIMER_KIND, self._lam.clock.now() + HEARTBEAT_S, payload, key=uuid_)
        if uuid_ not in self._pollers:
            self._restart(uuid_)

    def _restart(self, uuid_: str) -> None:
        self._stop(uuid_)
        with self._lam.db.read() as conn:
            row = store.get_esm(conn, uuid_)
        if row is None:
            return
        config = json.loads(row["config"])
        if config.get("State") == "Disabled":
            return
        kind = (
            ddb_esm.DynamoDBPoller if parse_arn(config["EventSourceArn"]).service == "dynamodb" else SqsPoller
        )
        poller = kind(self._lam, uuid_, config, row["account"], row["region"])
        self._pollers[uuid_] = poller
        poller.start()

    def _stop(self, uuid_: str) -> None:
        poller = self._pollers.pop(uuid_, None)
        if poller is not None:
            poller.stop()

    def resume_all(self) -> None:
        """Start the pollers of every enabled mapping (the service just loaded, e.g. after a restart)."""
        with self._lam.db.read() as conn:
            uuids = [row["uuid"] for row in store.list_esms(conn)]
        for uuid_ in uuids:
            if uuid_ not in self._pollers:
                self._restart(uuid_)

    def stop_all(self) -> None:
        for uuid_ in list(self._pollers):
            self._stop(uuid_)


def _source_word(source: str) -> str:
    return "DynamoDB" if source.startswith("arn:aws:dynamodb:") else "SQS"
