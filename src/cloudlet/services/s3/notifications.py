"""S3 event notifications: a bucket's notification configuration (validated and normalized here, stored
by the operation), matching an event against it, the event record, and delivery to SQS, SNS and Lambda
inside the transaction of the write that caused the event.

Destinations are checked for existence only: queue and topic policies and Lambda permissions are stored by
their services but not enforced. A destination that has gone away since is skipped, as on AWS.
"""

from __future__ import annotations

import base64
import functools
import json
import logging
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import quote_plus

from cloudlet.core.arns import parse_arn
from cloudlet.core.clock import iso8601
from cloudlet.protocol.errors import ServiceError
from cloudlet.protocol.serializers.xml import host_id
from cloudlet.services.lambda_ import api as lambda_api
from cloudlet.services.s3 import store
from cloudlet.services.s3.errors import InvalidArgument, invalid_argument
from cloudlet.services.sns import api as sns_api
from cloudlet.services.sqs import api as sqs_api

if TYPE_CHECKING:
    from cloudlet.app import App
    from cloudlet.core.db import Tx
    from cloudlet.services.s3.engine import S3, Origin

log = logging.getLogger("cloudlet.s3")

CONFIG_KIND = "notification"
"""`s3_bucket_config.kind` of the NotificationConfiguration document."""
SUBJECT = "Amazon S3 Notification"
"""The SNS Subject of every message S3 publishes."""
S3_SENDER_ID = "AIDAJHIPRHEMV73VRJEBU"
"""The SenderId SQS reports for messages S3 sends."""
MAX_FILTER_VALUE_CHARS = 1024

SUPPORTED_EVENTS = frozenset(
    {
        "s3:ReducedRedundancyLostObject",
        "s3:ObjectCreated:*",
        "s3:ObjectCreated:Put",
        "s3:ObjectCreated:Post",
        "s3:ObjectCreated:Copy",
        "s3:ObjectCreated:CompleteMultipartUpload",
        "s3:ObjectRemoved:*",
        "s3:ObjectRemoved:Delete",
        "s3:ObjectRemoved:DeleteMarkerCreated",
        "s3:ObjectRestore:*",
        "s3:ObjectRestore:Post",
        "s3:ObjectRestore:Completed",
        "s3:ObjectRestore:Delete",
        "s3:Replication:*",
        "s3:Replication:OperationFailedReplication",
        "s3:Replication:OperationNotTracked",
        "s3:Replication:OperationMissedThreshold",
        "s3:Replication:OperationReplicatedAfterThreshold",
        "s3:LifecycleTransition",
        "s3:IntelligentTiering",
        "s3:ObjectAcl:Put",
        "s3:LifecycleExpiration:*",
        "s3:LifecycleExpiration:Delete",
        "s3:LifecycleExpiration:DeleteMarkerCreated",
        "s3:ObjectTagging:*",
        "s3:ObjectTagging:Put",
        "s3:ObjectTagging:Delete",
    }
)
"""Event types a configuration may name (S3 User Guide, "Event notification types and destinations")."""


@dataclass(frozen=True, slots=True)
class Destination:
    """One configuration list of NotificationConfiguration and the service behind it."""

    member: str
    arn_member: str
    service: str
    noun: str


DESTINATIONS = (
    Destination("QueueConfigurations", "QueueArn", "sqs", "queue"),
    Destination("TopicConfigurations", "TopicArn", "sns", "topic"),
    Destination("LambdaFunctionConfigurations", "LambdaFunctionArn", "lambda", "Lambda"),
)
_UNVALIDATED = "Unable to validate the following destination configurations"


# --- configuration: validate and normalize ----------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Target:
    """A configuration compiled for matching: where, under which id, for which events and keys."""

    service: str
    arn: str
    config_id: str
    events: frozenset[str]
    prefix: str
    suffix: str

    def matches(self, event: str, key: str) -> bool:
        """`event` is the full name (`s3:ObjectCreated:Put`); `key` the raw object key."""
        if event not in self.events and f"{event.rpartition(':')[0]}:*" not in self.events:
            return False
        return key.startswith(self.prefix) and key.endswith(self.suffix)


def normalize(config: dict[str, Any] | None) -> dict[str, Any]:
    """The NotificationConfiguration to store: Ids generated where absent, filter rule names as
    `Prefix`/`Suffix`, empty lists dropped. Raises: InvalidArgument (unknown event, bad filter rule,
    unparsable ARN, overlapping configurations)."""
    config = config or {}
    out: dict[str, Any] = {}
    targets: list[Target] = []
    for dest in DESTINATIONS:
        items = []
        for item in config.get(dest.member) or []:
            item = _normalize_one(dest, item)
            items.append(item)
            targets.append(target_of(dest, item))
        if items:
            out[dest.member] = items
    check_overlaps(targets)
    if config.get("EventBridgeConfiguration") is not None:
        out["EventBridgeConfiguration"] = {}
    return out


def _normalize_one(dest: Destination, item: dict[str, Any]) -> dict[str, Any]:
    arn = item.get(dest.arn_member) or ""
    try:
        parts = parse_arn(arn)
    except ValueError:
        parts = None
    if parts is None or parts.service != dest.service:
        raise invalid_argument("The ARN could not be parsed", dest.arn_member, arn)
    events = list(dict.fromkeys(item.get("Events") or []))
    for event in events:
        if event not in SUPPORTED_EVENTS:
            raise invalid_argument("The event is not supported for notifications", "Event", event)
    out: dict[str, Any] = {"Id": item.get("Id") or _new_id(), dest.arn_member: arn, "Events": events}
    rules = ((item.get("Filter") or {}).get("Key") or {}).get("FilterRules")
    if rules:
        out["Filter"] = {"Key": {"FilterRules": _normalize_rules(rules)}}
    return out


def _normalize_rules(rules: list[dict[str, Any]]) -> list[dict[str, str]]:
    seen: set[str] = set()
    out = []
    for rule in rules:
        name, value = str(rule.get("Name") or ""), str(rule.get("Value") or "")
        canonical = name.capitalize()
        if canonical not in ("Prefix", "Suffix"):
            raise invalid_argument("filter rule name must be either prefix or suffix", name, value)
        if canonical in seen:
            raise invalid_argument(
                f"Cannot specify more than one {canonical.lower()} rule in a filter.", name, value
            )
        if not value:
            raise invalid_argument("filter value cannot be empty", name, value)
        if len(value) > MAX_FILTER_VALUE_CHARS:
            raise invalid_argument("filter value cannot be longer than 1024 characters", name, value)
        seen.add(canonical)
        out.append({"Name": canonical, "Value": value})
    return out


def _new_id() -> str:
    """S3 names an unnamed configuration with the base64 of a UUID."""
    return base64.b64encode(str(uuid.uuid4()).encode()).decode()


def target_of(dest: Destination, item: dict[str, Any]) -> Target:
    rules = {
        r["Name"]: r["Value"] for r in ((item.get("Filter") or {}).get("Key") or {}).get("FilterRules", [])
    }
    return Target(
        dest.service,
        item[dest.arn_member],
        item["Id"],
        frozenset(item["Events"]),
        rules.get("Prefix", ""),
        rules.get("Suffix", ""),
    )


def overlapping(a: Target, b: Target) -> bool:
    """True when some event type and some key would match both (S3 User Guide, "Configuring event
    notifications using object key name filtering"): the event types intersect, one prefix starts the
    other, and one suffix ends the other (an absent prefix or suffix overlaps everything)."""
    if not any(_events_overlap(x, y) for x in a.events for y in b.events):
        return False
    prefixes = a.prefix.startswith(b.prefix) or b.prefix.startswith(a.prefix)
    return prefixes and (a.suffix.endswith(b.suffix) or b.suffix.endswith(a.suffix))


def _events_overlap(x: str, y: str) -> bool:
    if x == y:
        return True
    if x.endswith(":*") and y.startswith(x[:-1]):
        return True
    return y.endswith(":*") and x.startswith(y[:-1])


def check_overlaps(targets: list[Target]) -> None:
    """Raises: InvalidArgument when two configurations are ambiguous."""
    for i, a in enumerate(targets):
        for b in targets[i + 1 :]:
            if overlapping(a, b):
                raise InvalidArgument(
                    "Configuration is ambiguously defined. Cannot have overlapping suffixes in two rules if "
                    "the prefixes are overlapping for the same event type."
                )


def destinations(document: dict[str, Any] | None) -> list[tuple[Destination, str]]:
    """(destination kind, ARN) of every configuration, in document order, without repeats."""
    seen: dict[tuple[str, str], tuple[Destination, str]] = {}
    for dest in DESTINATIONS:
        for item in (document or {}).get(dest.member) or []:
            seen.setdefault((dest.service, item[dest.arn_member]), (dest, item[dest.arn_member]))
    return list(seen.values())


def check_destinations(app: App, region: str, document: dict[str, Any]) -> None:
    """Every destination exists, in the bucket's region, and can take S3's messages (standard queues
    and topics only). Policies and permissions are not evaluated.

    Raises: InvalidArgument "Unable to validate the following destination configurations" (the ARN as
    ArgumentName, the reason as ArgumentValue).
    """
    for dest, arn in destinations(document):
        if parse_arn(arn).region != region:
            raise invalid_argument(
                "The notification destination service region is not valid for the bucket location constraint",
                arn,
                arn,
            )
        if dest.service == "sqs":
            fifo = sqs_api.is_fifo_queue(app, arn)
        elif dest.service == "sns":
            fifo = sns_api.is_fifo_topic(app, arn)
        else:
            fifo = False if lambda_api.function_exists(app, arn) else None
        if fifo is None:
            raise invalid_argument(_UNVALIDATED, arn, f"The destination {dest.noun} does not exist")
        if fifo:
            raise invalid_argument(
                _UNVALIDATED,
                arn,
                f"FIFO {dest.noun}s are not supported as S3 event notification destinations",
            )


def send_test_events(
    app: App, tx: Tx, bucket: str, targets: Iterable[tuple[Destination, str]], request_id: str, now: float
) -> None:
    """Send `s3:TestEvent` to queue and topic destinations (S3 User Guide, "Event message structure").

    Raises: InvalidArgument when a destination refuses it.
    """
    message = json.dumps(
        {
            "Service": "Amazon S3",
            "Event": "s3:TestEvent",
            "Time": iso8601(now),
            "Bucket": bucket,
            "RequestId": request_id,
            "HostId": host_id(request_id),
        },
        separators=(",", ":"),
    )
    for dest, arn in targets:
        if dest.service == "lambda":
            continue
        try:
            with app.db.transaction() as inner:
                _send(app, inner, dest.service, arn, message)
        except ServiceError as exc:
            raise invalid_argument(_UNVALIDATED, arn, exc.message) from exc


@functools.lru_cache(maxsize=1024)
def compile_document(text: str) -> tuple[tuple[Target, ...], bool]:
    """(targets, EventBridge enabled) of a stored configuration. Memoized on the stored text, so the
    result can never be stale (a pure function of its argument, like `re.compile`)."""
    document = json.loads(text)
    targets = tuple(
        target_of(dest, item) for dest in DESTINATIONS for item in document.get(dest.member) or []
    )
    return targets, "EventBridgeConfiguration" in document


# --- events -----------------------------------------------------------------------------------------


def event_version(event_name: str) -> str:
    """2.3 for lifecycle, Intelligent-Tiering, ACL, tagging and restore-delete events, 2.2 for
    replication, 2.1 for the rest (S3 User Guide, "Event message structure")."""
    kind = event_name.split(":", 1)[0]
    if kind in (
        "LifecycleExpiration",
        "LifecycleTransition",
        "IntelligentTiering",
        "ObjectTagging",
        "ObjectAcl",
    ):
        return "2.3"
    if event_name == "ObjectRestore:Delete":
        return "2.3"
    return "2.2" if kind == "Replication" else "2.1"


def event_record(
    bucket: store.Bucket,
    event_name: str,
    obj: store.ObjectVersion,
    origin: Origin,
    sequencer: str | None,
    now: float,
    extra: dict[str, Any],
) -> dict[str, Any]:
    """One `Records[]` item, without `s3.configurationId` (set per destination)."""
    kind = event_name.split(":", 1)[0]
    described: dict[str, Any] = {"key": quote_plus(obj.key, safe="/")}
    if kind in ("ObjectCreated", "ObjectRestore", "LifecycleTransition", "IntelligentTiering"):
        described["size"] = obj.size
    if kind in (
        "ObjectCreated",
        "ObjectRestore",
        "LifecycleTransition",
        "IntelligentTiering",
        "ObjectTagging",
        "ObjectAcl",
    ):
        described["eTag"] = obj.etag.strip('"')
    if bucket.versioning:
        described["versionId"] = obj.version_id
    if sequencer is not None:
        described["sequencer"] = sequencer
    record: dict[str, Any] = {
        "eventVersion": event_version(event_name),
        "eventSource": "aws:s3",
        "awsRegion": bucket.region,
        "eventTime": iso8601(now),
        "eventName": event_name,
        "userIdentity": {"principalId": origin.principal},
        "requestParameters": {"sourceIPAddress": origin.source_ip},
        "responseElements": {"x-amz-request-id": origin.request_id, "x-amz-id-2": host_id(origin.request_id)},
        "s3": {
            "s3SchemaVersion": "1.0",
            "configurationId": "",
            "bucket": {
                "name": bucket.name,
                "ownerIdentity": {"principalId": bucket.account},
                "arn": bucket.arn,
            },
            "object": described,
        },
    }
    storage_class = extra.get("destination_storage_class")
    if kind == "LifecycleTransition" and storage_class:
        record["lifecycleEventData"] = {"transitionEventData": {"destinationStorageClass": storage_class}}
    return record


def _has_sequencer(event_name: str) -> bool:
    """Events that create or remove objects carry a sequencer."""
    return event_name.split(":", 1)[0] in ("ObjectCreated", "ObjectRemoved", "LifecycleExpiration")


def emit(
    s3: S3,
    tx: Tx,
    bucket: store.Bucket,
    event_name: str,
    obj: store.ObjectVersion,
    origin: Origin,
    **extra: Any,
) -> None:
    """Deliver `event_name` (`ObjectCreated:Put` ...) on `obj` to every matching destination of the
    bucket, inside `tx`. A bucket without a configuration costs one primary-key lookup. Extra keywords:
    `destination_storage_class` (LifecycleTransition)."""
    text = store.get_config_text(tx, bucket.name, CONFIG_KIND)
    if text is None:
        return
    targets, eventbridge = compile_document(text)
    full = f"s3:{event_name}"
    matched = [target for target in targets if target.matches(full, obj.key)]
    if not matched and not eventbridge:
        return
    sequencer = s3.sequencer() if _has_sequencer(event_name) else None
    if eventbridge:
        _to_eventbridge(s3, tx, bucket, event_name, obj, origin, sequencer, extra)
    if not matched:
        return
    record = event_record(bucket, event_name, obj, origin, sequencer, s3.clock.now(), extra)
    for target in matched:
        record["s3"]["configurationId"] = target.config_id
        body = json.dumps({"Records": [record]}, separators=(",", ":"))
        try:
            with s3.db.transaction() as inner:  # a refused delivery undoes only its own writes
                _send(s3.app, inner, target.service, target.arn, body)
        except ServiceError as exc:
            log.warning(
                "S3 event %s on s3://%s/%s not delivered to %s: %s",
                event_name,
                bucket.name,
                obj.key,
                target.arn,
                exc.message,
            )


def _send(app: App, tx: Tx, service: str, arn: str, body: str) -> None:
    if service == "sqs":
        sqs_api.enqueue(app, tx, arn, body, sender_id=S3_SENDER_ID)
    elif service == "sns":
        sns_api.publish(app, tx, arn, body, subject=SUBJECT)
    else:
        lambda_api.invoke_async(app, tx, arn, body.encode())


EVENTBRIDGE_TYPES: dict[str, tuple[str, str | None, str | None]] = {
    "ObjectCreated:Put": ("Object Created", "PutObject", None),
    "ObjectCreated:Post": ("Object Created", "POST Object", None),
    "ObjectCreated:Copy": ("Object Created", "CopyObject", None),
    "ObjectCreated:CompleteMultipartUpload": ("Object Created", "CompleteMultipartUpload", None),
    "ObjectRemoved:Delete": ("Object Deleted", "DeleteObject", "Permanently Deleted"),
    "ObjectRemoved:DeleteMarkerCreated": ("Object Deleted", "DeleteObject", "Delete Marker Created"),
    "LifecycleExpiration:Delete": ("Object Deleted", "Lifecycle Expiration", "Permanently Deleted"),
    "LifecycleExpiration:DeleteMarkerCreated": (
        "Object Deleted",
        "Lifecycle Expiration",
        "Delete Marker Created",
    ),
    "ObjectRestore:Post": ("Object Restore Initiated", None, None),
    "ObjectRestore:Completed": ("Object Restore Completed", None, None),
    "ObjectRestore:Delete": ("Object Restore Expired", None, None),
    "LifecycleTransition": ("Object Storage Class Changed", None, None),
    "IntelligentTiering": ("Object Access Tier Changed", None, None),
    "ObjectTagging:Put": ("Object Tags Added", None, None),
    "ObjectTagging:Delete": ("Object Tags Deleted", None, None),
    "ObjectAcl:Put": ("Object ACL Updated", None, None),
}
"""S3 event → EventBridge (detail-type, reason, deletion-type) (S3 User Guide, "Amazon EventBridge mapping
and troubleshooting" and "EventBridge event message structure"). Other events are not sent."""
SIZED_TYPES = frozenset(
    {
        "Object Created",
        "Object Restore Initiated",
        "Object Restore Completed",
        "Object Storage Class Changed",
        "Object Access Tier Changed",
    }
)
"""EventBridge detail types whose `object` carries the size."""
EMPTY_ETAG = "d41d8cd98f00b204e9800998ecf8427e"
"""The etag a delete marker reports."""
S3_PRINCIPAL = "s3.amazonaws.com"


def eventbridge_detail(
    bucket: store.Bucket,
    event_name: str,
    obj: store.ObjectVersion,
    origin: Origin,
    sequencer: str | None,
    extra: dict[str, Any],
) -> tuple[str, dict[str, Any]] | None:
    """(detail-type, detail) of the `aws.s3` event EventBridge receives for `event_name`
    (`ObjectCreated:Put` ...), or None for events S3 does not send there (replication, reduced
    redundancy). Keys are sent as they are, not URL-encoded."""
    kind = EVENTBRIDGE_TYPES.get(event_name)
    if kind is None:
        return None
    detail_type, reason, deletion = kind
    described: dict[str, Any] = {"key": obj.key}
    if detail_type in SIZED_TYPES:
        described["size"] = obj.size
    if deletion is None:
        described["etag"] = obj.etag.strip('"')
    elif deletion == "Delete Marker Created":
        described["etag"] = EMPTY_ETAG
    if bucket.versioning:
        described["version-id"] = obj.version_id
    if sequencer is not None:
        described["sequencer"] = sequencer
    detail: dict[str, Any] = {
        "version": "0",
        "bucket": {"name": bucket.name},
        "object": described,
        "request-id": origin.request_id,
        "requester": origin.principal,
    }
    if origin.principal != S3_PRINCIPAL:  # only for events an S3 request caused
        detail["source-ip-address"] = origin.source_ip
    if reason is not None:
        detail["reason"] = reason
    if deletion is not None:
        detail["deletion-type"] = deletion
    storage_class = extra.get("destination_storage_class")
    if detail_type == "Object Storage Class Changed" and storage_class:
        detail["destination-storage-class"] = storage_class
    return detail_type, detail


def _to_eventbridge(
    s3: S3,
    tx: Tx,
    bucket: store.Bucket,
    event_name: str,
    obj: store.ObjectVersion,
    origin: Origin,
    sequencer: str | None,
    extra: dict[str, Any],
) -> None:
    """The bucket sends every event to EventBridge (`EventBridgeConfiguration`): put the `aws.s3` event on
    the default bus of the bucket owner, inside `tx` (a failure undoes only its own writes)."""
    described = eventbridge_detail(bucket, event_name, obj, origin, sequencer, extra)
    if described is None:
        return
    from cloudlet.services.events import api as events_api

    detail_type, detail = described
    try:
        with s3.db.transaction() as inner:
            events_api.put_event(
                s3.app,
                inner,
                bucket.account,
                bucket.region,
                source="aws.s3",
                detail_type=detail_type,
                detail=detail,
                resources=[bucket.arn],
                time=s3.clock.now(),
            )
    except ServiceError as exc:
        log.warning(
            "S3 event %s on s3://%s/%s not sent to EventBridge: %s", event_name, bucket.name, obj.key, exc
        )
