"""The throttling switch: off by default; `POST /_cloudlet/dynamodb/throttle` makes one table answer
ProvisionedThroughputExceededException (all its item operations, or the ones named, for the next N
requests or until `DELETE`), so that clients can test their retry paths.

Batches return a throttled table's requests in UnprocessedItems/UnprocessedKeys, and throw only when
every table of the request is throttled; transactions are cancelled with a `ThrottlingError` reason
(https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_BatchWriteItem.html,
https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_TransactWriteItems.html).
The switches live in memory (one set per App) and are cleared by `App.reset()`.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from cloudlet.protocol.http import HttpRequest, HttpResponse
from cloudlet.services.dynamodb.errors import (
    ProvisionedThroughputExceededException,
    TransactionCanceledException,
)

if TYPE_CHECKING:
    from cloudlet.app import App
    from cloudlet.gateway.context import RequestContext
    from cloudlet.services.dynamodb import store

PATH = "/_cloudlet/dynamodb/throttle"
DEFAULT_ACCOUNT = "000000000000"
DEFAULT_REGION = "us-east-1"
OPERATIONS = frozenset(
    {
        "GetItem",
        "PutItem",
        "UpdateItem",
        "DeleteItem",
        "Query",
        "Scan",
        "BatchGetItem",
        "BatchWriteItem",
        "TransactGetItems",
        "TransactWriteItems",
    }
)
"""The operations a switch can throttle (the item reads and writes)."""
MESSAGE = (
    "The level of configured provisioned throughput for the table was exceeded. Consider increasing your"
    " provisioning level with the UpdateTable API."
)
THROTTLING_REASON = (
    "Throughput exceeds the current capacity of your table or index. DynamoDB is automatically scaling your"
    " table or index so please try again shortly. If exceptions persist, check if you have a hot key:"
    " https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/bp-partition-key-design.html."
)

TableKey = tuple[str, str, str]
"""(account, region, table name)."""


@dataclass(slots=True)
class Switch:
    operations: frozenset[str] | None
    """None: every operation in OPERATIONS."""
    remaining: int | None
    """Requests still to throttle; None: until switched off."""
    throttled: int = 0
    """Requests throttled so far."""

    def to_json(self) -> dict[str, Any]:
        return {
            "operations": sorted(self.operations) if self.operations is not None else None,
            "remaining": self.remaining,
            "throttled": self.throttled,
        }


class Throttles:
    """The switches of one App, keyed by (account, region, table name). Thread-safe."""

    def __init__(self) -> None:
        self._switches: dict[TableKey, Switch] = {}
        self._lock = threading.Lock()

    def set(self, key: TableKey, operations: Iterable[str] | None = None, count: int | None = None) -> Switch:
        """Throttle `operations` (default all) of the table for the next `count` requests (default: until
        cleared). Replaces an earlier switch of the same table."""
        switch = Switch(frozenset(operations) if operations is not None else None, count)
        with self._lock:
            self._switches[key] = switch
        return switch

    def clear(self, key: TableKey | None = None) -> bool:
        """Switch one table off (or all with None). Returns whether a switch was on."""
        with self._lock:
            if key is None:
                had = bool(self._switches)
                self._switches.clear()
                return had
            return self._switches.pop(key, None) is not None

    def get(self, key: TableKey) -> Switch | None:
        with self._lock:
            return self._switches.get(key)

    def take(self, key: TableKey, operation: str) -> bool:
        """Whether this request on the table is throttled; counts it against the switch."""
        if not self._switches:  # the common case: no lock taken
            return False
        with self._lock:
            switch = self._switches.get(key)
            if switch is None or (switch.operations is not None and operation not in switch.operations):
                return False
            switch.throttled += 1
            if switch.remaining is not None:
                switch.remaining -= 1
                if switch.remaining <= 0:
                    del self._switches[key]
            return True


def _throttles(ctx: RequestContext) -> Throttles:
    throttles: Throttles = ctx.app.service("dynamodb").state.throttles
    return throttles


def _key(table: store.Table) -> TableKey:
    return (table.account, table.region, table.name)


def check(ctx: RequestContext, table: store.Table) -> None:
    """Raises ProvisionedThroughputExceededException when the table is throttled for this operation."""
    if _throttles(ctx).take(_key(table), ctx.operation_name):
        raise ProvisionedThroughputExceededException(MESSAGE)


def throttled_tables(ctx: RequestContext, tables: Iterable[store.Table]) -> set[str]:
    """The names of the tables of a batch whose requests go back unprocessed. Raises
    ProvisionedThroughputExceededException when that is every table of the request."""
    throttles = _throttles(ctx)
    names = {table.name: table for table in tables}
    throttled = {name for name, table in names.items() if throttles.take(_key(table), ctx.operation_name)}
    if throttled and len(throttled) == len(names):
        raise ProvisionedThroughputExceededException(MESSAGE)
    return throttled


def check_transaction(ctx: RequestContext, tables: list[store.Table]) -> None:
    """Cancels the transaction (TransactionCanceledException, one reason per action: `ThrottlingError`
    for an action on a throttled table, `None` for the others) when one of its tables is throttled."""
    throttles = _throttles(ctx)
    verdicts = {table.name: throttles.take(_key(table), ctx.operation_name) for table in tables}
    if not any(verdicts.values()):
        return
    throttled = {"Code": "ThrottlingError", "Message": THROTTLING_REASON}
    reasons = [dict(throttled) if verdicts[table.name] else {"Code": "None"} for table in tables]
    codes = ", ".join(reason["Code"] for reason in reasons)
    raise TransactionCanceledException(
        f"Transaction cancelled, please refer cancellation reasons for specific reasons [{codes}]",
        CancellationReasons=reasons,
    )


# -- the internal endpoint ---------------------------------------------------------------------------


def _json(status: int, payload: Any) -> HttpResponse:
    return HttpResponse(status, [("Content-Type", "application/json")], json.dumps(payload).encode())


def _parse(request: HttpRequest, with_body: bool) -> tuple[dict[str, Any], TableKey | None]:
    """The JSON body (or, without one, the query parameters) and the table it names (None: none named)."""
    fields: dict[str, Any] = {}
    if request.body.strip():
        fields = json.loads(request.body)
        if not isinstance(fields, dict):
            raise ValueError("the body must be a JSON object")
    elif not with_body:
        fields = dict(request.query.items())
    table = fields.get("table")
    if table is None:
        return fields, None
    if not isinstance(table, str) or not table:
        raise ValueError("table must be a table name")
    account = fields.get("account") or DEFAULT_ACCOUNT
    region = fields.get("region") or DEFAULT_REGION
    if not isinstance(account, str) or not isinstance(region, str):
        raise ValueError("account and region must be strings")
    return fields, (account, region, table)


def register_routes(app: App, throttles: Throttles) -> None:
    """`POST`, `GET` and `DELETE` on PATH; the switches are cleared by `App.reset()`."""

    def switch_on(request: HttpRequest) -> HttpResponse:
        try:
            fields, key = _parse(request, with_body=True)
            if key is None:
                raise ValueError("table is required")
            operations = fields.get("operations")
            if operations is not None:
                if not isinstance(operations, list) or not operations:
                    raise ValueError("operations must be a non-empty list of operation names")
                unknown = sorted(set(map(str, operations)) - OPERATIONS)
                if unknown:
                    raise ValueError(f"operations not throttleable: {', '.join(unknown)}")
            count = fields.get("count")
            if count is not None and (isinstance(count, bool) or not isinstance(count, int) or count < 1):
                raise ValueError("count must be a positive integer")
        except ValueError as exc:
            return _json(400, {"error": str(exc)})
        switch = throttles.set(key, operations, count)
        return _json(200, {"account": key[0], "region": key[1], "table": key[2], **switch.to_json()})

    def switch_off(request: HttpRequest) -> HttpResponse:
        try:
            _, key = _parse(request, with_body=False)
        except ValueError as exc:
            return _json(400, {"error": str(exc)})
        return _json(200, {"cleared": throttles.clear(key)})

    def show(request: HttpRequest) -> HttpResponse:
        try:
            _, key = _parse(request, with_body=False)
        except ValueError as exc:
            return _json(400, {"error": str(exc)})
        if key is None:
            return _json(400, {"error": "table is required"})
        switch = throttles.get(key)
        return _json(200, {"on": switch is not None, **(switch.to_json() if switch else {})})

    app.internal_routes[("POST", PATH)] = switch_on
    app.internal_routes[("DELETE", PATH)] = switch_off
    app.internal_routes[("GET", PATH)] = show
    app.on_reset(throttles.clear)
