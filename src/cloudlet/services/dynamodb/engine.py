"""The DynamoDB state of one App, and what every write shares: table lookup, key extraction and the
hand-off to indexes and streams.

`setup(app)` registers the schema and timer kinds and returns the `Dynamo` object operations reach
through `ctx.app.service("dynamodb").state` (the Streams model shares it). Item writes go through
`items.py` (written by the item module) so that indexes and stream records commit with the item.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from cloudlet.core.db import Tx
from cloudlet.core.waits import Signal
from cloudlet.services.dynamodb import keys, store, throttle
from cloudlet.services.dynamodb.errors import ResourceNotFoundException

if TYPE_CHECKING:
    import sqlite3

    from cloudlet.app import App


def table_arn(account: str, region: str, name: str) -> str:
    return f"arn:aws:dynamodb:{region}:{account}:table/{name}"


class Dynamo:
    def __init__(self, app: App) -> None:
        self.app = app
        self.db = app.db
        self.clock = app.clock
        self.timers = app.timers
        self.stream_signals: dict[str, Signal] = {}  # stream ARN → wake-up of its readers
        self.throttles = throttle.Throttles()  # the throttling switch (`throttle.py`)

    def table(self, conn: sqlite3.Connection | Tx, account: str, region: str, name: str) -> store.Table:
        """The table `name` (a name or a table ARN). Raises ResourceNotFoundException as AWS words it."""
        if name.startswith("arn:"):
            found = store.get_table_by_arn(conn, name)
        else:
            found = store.get_table(conn, account, region, name)
        if found is None:
            raise ResourceNotFoundException(f"Requested resource not found: Table: {name} not found")
        return found

    @staticmethod
    def key_bytes(table: store.Table, key: dict[str, Any]) -> tuple[bytes, bytes]:
        """(partition, sort) key bytes of a key or item map (typed JSON). The caller validated that the
        key attributes are present and of the declared types."""
        hash_name = table.hash_key
        kind = table.attribute_type(hash_name)
        pk = keys.encode(kind, key[hash_name][kind])
        range_name = table.range_key
        if range_name is None:
            return pk, b""
        kind = table.attribute_type(range_name)
        return pk, keys.encode(kind, key[range_name][kind])


def setup(app: App) -> Dynamo:
    app.migrations.register("dynamodb", store.MIGRATIONS)
    dynamo = Dynamo(app)
    from cloudlet.services.dynamodb import streams

    app.timers.register(streams.TRIM_TIMER_KIND, lambda timer: streams.on_trim_timer(dynamo, timer))
    from cloudlet.services.dynamodb import ttl

    app.timers.register(ttl.TIMER_KIND, lambda timer: ttl.on_timer(dynamo, timer))
    throttle.register_routes(app, dynamo.throttles)
    return dynamo
