"""The "AWS API Call via CloudTrail" events: after a successful management call made to cloudlet, an
event in CloudTrail's record format on the default bus of the caller's account and region (EventBridge
User Guide, "Events from AWS services"; CloudTrail User Guide, "CloudTrail record contents").

Which calls count is a small table (`classify`): data-plane calls CloudTrail logs only as data events
never produce one; read-only calls (Get/List/Describe ...) reach only rules in state
`ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS`. The event is built only when some rule or archive of
the default bus could take it; otherwise a call costs a cached classification and an index lookup.
`requestParameters` are the request's members camel-cased, which for REST services can differ from
CloudTrail's own names (S3's `bucketName` is `bucket` here).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from cloudlet.core.clock import iso8601
from cloudlet.services.events import api, store
from cloudlet.services.events.engine import DEFAULT_BUS, bus_arn

if TYPE_CHECKING:
    import sqlite3

    from botocore.model import OperationModel, ServiceModel, Shape

    from cloudlet.app import App
    from cloudlet.gateway.context import RequestContext
    from cloudlet.services.events.engine import Events

log = logging.getLogger("cloudlet.events")

DETAIL_TYPE = "AWS API Call via CloudTrail"
EVENT_VERSION = "1.09"
ALL_MANAGEMENT_EVENTS = "ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS"
"""The rule state that also receives read-only management events (API_PutRule, `State`)."""
MAX_EVENT_BYTES = 256 * 1024
"""Larger events are not delivered (EventBridge User Guide, "Events from AWS services")."""

READ_ONLY_PREFIXES = ("Get", "List", "Describe", "Head", "BatchGet", "Lookup", "Search", "Test")
"""Operations whose names start so are read-only management events (`readOnly: true`)."""
READ_ONLY_SERVICES = frozenset({"sts"})
"""Services all of whose calls CloudTrail records as read-only (AssumeRole, GetSessionToken ...)."""
DATA_EVENTS: dict[str, frozenset[str]] = {
    "sqs": frozenset(
        {
            "SendMessage",
            "SendMessageBatch",
            "ReceiveMessage",
            "DeleteMessage",
            "DeleteMessageBatch",
            "ChangeMessageVisibility",
            "ChangeMessageVisibilityBatch",
        }
    ),
    "s3": frozenset({"DeleteObjects", "WriteGetObjectResponse"}),
    "sns": frozenset({"Publish", "PublishBatch"}),
    "lambda": frozenset({"Invoke", "InvokeAsync", "InvokeWithResponseStream"}),
    "events": frozenset({"PutEvents", "PutPartnerEvents"}),
    "logs": frozenset({"PutLogEvents"}),
    "dynamodb": frozenset(
        {
            "GetItem",
            "PutItem",
            "UpdateItem",
            "DeleteItem",
            "BatchGetItem",
            "BatchWriteItem",
            "Query",
            "Scan",
            "TransactGetItems",
            "TransactWriteItems",
            "ExecuteStatement",
            "BatchExecuteStatement",
            "ExecuteTransaction",
        }
    ),
    "dynamodbstreams": frozenset({"GetRecords", "GetShardIterator"}),
    "kinesis": frozenset({"PutRecord", "PutRecords", "GetRecords", "GetShardIterator", "SubscribeToShard"}),
    "firehose": frozenset({"PutRecord", "PutRecordBatch"}),
}
"""Per botocore model: operations CloudTrail logs only as data events (CloudTrail User Guide, "Logging
data events"). Also S3's object-level operations: those whose input has a `Key` member."""
SOURCE_NAMES = {"monitoring": "cloudwatch", "email": "ses"}
"""Endpoint prefixes whose `aws.<name>` source differs from the prefix."""
LAMBDA_V2_NAMES = frozenset(
    {"AddPermission", "RemovePermission", "UpdateFunctionCode", "UpdateFunctionConfiguration"}
)
"""Lambda operations CloudTrail names with a `v2` after the API version (`AddPermission20150331v2`)."""
_DATED_URI = re.compile(r"^/(\d{4})-(\d{2})-(\d{2})/")


@dataclass(frozen=True, slots=True)
class Call:
    """How an operation appears in CloudTrail."""

    source: str
    """`aws.sqs`"""
    event_source: str
    """`sqs.amazonaws.com`"""
    event_name: str
    read_only: bool


def classify(model: ServiceModel, operation: OperationModel) -> Call | None:
    """The CloudTrail identity of a management call; None for data events."""
    name = operation.name
    service = model.service_name
    if name in DATA_EVENTS.get(service, ()):
        return None
    input_shape = operation.input_shape
    if service == "s3" and input_shape is not None and "Key" in input_shape.members:
        return None
    prefix = str(model.metadata.get("endpointPrefix") or service)
    event_name = name
    if service == "lambda":
        # Lambda's event names carry the API version of the request URI: CreateFunction20150331.
        dated = _DATED_URI.match(operation.http.get("requestUri", ""))
        if dated:
            event_name += "".join(dated.groups()) + ("v2" if name in LAMBDA_V2_NAMES else "")
    read_only = service in READ_ONLY_SERVICES or name.startswith(READ_ONLY_PREFIXES)
    return Call(f"aws.{SOURCE_NAMES.get(prefix, prefix)}", f"{prefix}.amazonaws.com", event_name, read_only)


def camel(value: Any, shape: Shape | None) -> Any:
    """A request or response value as CloudTrail records it: structure member names with a lower-case
    first letter (`QueueUrl` → `queueUrl`), map keys as they are, blobs left out, timestamps in ISO-8601."""
    if value is None:
        return None
    kind = shape.type_name if shape is not None else None
    if isinstance(value, dict):
        if kind == "structure":
            members = shape.members  # type: ignore[union-attr]
            out = {}
            for key, item in value.items():
                if isinstance(item, bytes | bytearray) or (
                    key in members and members[key].type_name == "blob"
                ):
                    continue
                out[key[:1].lower() + key[1:]] = camel(item, members.get(key))
            return out
        value_shape = shape.value if kind == "map" else None  # type: ignore[union-attr]
        return {
            str(k): camel(v, value_shape) for k, v in value.items() if not isinstance(v, bytes | bytearray)
        }
    if isinstance(value, list | tuple):
        member = shape.member if kind == "list" else None  # type: ignore[union-attr]
        return [camel(item, member) for item in value]
    if isinstance(value, dt.datetime):
        return iso8601(value.timestamp())
    if kind == "timestamp" and isinstance(value, int | float) and not isinstance(value, bool):
        return iso8601(float(value))
    if isinstance(value, bytes | bytearray):
        return None
    if isinstance(value, str | int | float | bool):
        return value
    return str(value)


def record_of(
    ctx: RequestContext, call: Call, request: dict[str, Any], response: dict[str, Any], time: str
) -> dict[str, Any]:
    """The CloudTrail record of one call (the event's `detail`); `time` is the event's ISO-8601 time."""
    operation = ctx.operation
    assert operation is not None
    account = ctx.account_id
    return {
        "eventVersion": EVENT_VERSION,
        "userIdentity": {
            "type": "Root",
            "principalId": account,
            "arn": f"arn:aws:iam::{account}:root",
            "accountId": account,
            "accessKeyId": ctx.access_key_id,
        },
        "eventTime": time,
        "eventSource": call.event_source,
        "eventName": call.event_name,
        "awsRegion": ctx.region,
        "sourceIPAddress": ctx.request.client,
        "userAgent": ctx.request.headers.get("user-agent", ""),
        "requestParameters": camel(request, operation.input_shape) or None,
        "responseElements": camel(response, operation.output_shape) or None,
        "requestID": ctx.request_id,
        "eventID": str(uuid.uuid4()),
        "readOnly": call.read_only,
        "eventType": "AwsApiCall",
        "managementEvent": True,
        "recipientAccountId": account,
        "eventCategory": "Management",
    }


def may_take(events: Events, conn: sqlite3.Connection, account: str, region: str, call: Call) -> bool:
    """False when no enabled rule of the default bus can match an event of the call's `source` and (for
    mutating calls) the bus has no enabled archive: then the event is not even built. A dictionary
    lookup once the bus's rule index is built (and one indexed query when no rule lists the source)."""
    arn = bus_arn(account, region, DEFAULT_BUS)
    candidates = events.index(conn, arn).candidates({"source": call.source})
    if call.read_only:
        return any(entry.rule.state == ALL_MANAGEMENT_EVENTS for entry in candidates)
    if candidates:
        return True
    probe = store.Bus(arn, account, region, DEFAULT_BUS)
    return any(archive.state == "ENABLED" for archive in store.archives_of_bus(conn, probe))


class ApiCallEvents:
    """The call observer the events service registers on the App (`App.call_observers`)."""

    def __init__(self, app: App, events: Events) -> None:
        self.app = app
        self.events = events
        self._calls: dict[tuple[str, str], Call | None] = {}

    def __call__(self, ctx: RequestContext, request: dict[str, Any], response: dict[str, Any]) -> None:
        model, operation = ctx.model, ctx.operation
        if model is None or operation is None:
            return
        key = (model.service_name, operation.name)
        try:
            call = self._calls[key]
        except KeyError:
            call = self._calls[key] = classify(model, operation)
        if call is None:
            return
        try:
            self._observe(ctx, call, request, response)
        except Exception as exc:  # the call itself succeeded: never fail it here
            log.exception("no CloudTrail event for %s (request id %s)", call.event_name, ctx.request_id)
            self.app.work.record_failure(exc, "events.cloudtrail")

    def _observe(
        self, ctx: RequestContext, call: Call, request: dict[str, Any], response: dict[str, Any]
    ) -> None:
        account, region = ctx.account_id, ctx.region
        with self.app.db.read() as conn:
            if not may_take(self.events, conn, account, region, call):
                return
        time = dt.datetime.fromtimestamp(self.app.clock.now(), dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        detail = record_of(ctx, call, request, response, time)
        if len(json.dumps(detail, separators=(",", ":"), ensure_ascii=False).encode()) > MAX_EVENT_BYTES:
            return
        with self.app.db.transaction() as tx:
            if not call.read_only:
                api.put_event(
                    self.app,
                    tx,
                    account,
                    region,
                    source=call.source,
                    detail_type=DETAIL_TYPE,
                    detail=detail,
                    time=time,
                )
                return
            # Read-only calls reach only the rules that opted in, and are not archived.
            entry = {
                "Source": call.source,
                "DetailType": DETAIL_TYPE,
                "Detail": json.dumps(detail),
                "Time": time,
            }
            event = api.build_event(entry, account, region, self.app.clock.now())
            arn = bus_arn(account, region, DEFAULT_BUS)
            candidates = self.events.index(tx, arn).candidates(event)
            names = [
                c.rule.name
                for c in candidates
                if c.rule.state == ALL_MANAGEMENT_EVENTS and c.pattern.matches(event)
            ]
            if names:
                api.deliver_to_rules(self.app, tx, arn, event, rule_names=names)


def register(app: App, events: Events) -> None:
    """Observe every successful call made to this App."""
    app.call_observers.append(ApiCallEvents(app, events))
