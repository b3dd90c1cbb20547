"""Publish and fan-out: one publish becomes one delivery per matching confirmed subscription.

SQS deliveries are written in the publish's own transaction (all or nothing). Every other protocol
gets a durable `sns.deliver` timer row in that transaction; its handler leases the row, attempts the
delivery in a task of its own (one slow endpoint never holds up another), then deletes the row,
re-schedules it by the subscription's retry schedule, or dead-letters the message. Rows left by a
crash fire again after restart, so nothing acknowledged is lost (delivery is at least once).
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from cloudlet.core import ids
from cloudlet.core.clock import iso8601
from cloudlet.core.timers import Timer
from cloudlet.services.sns import store
from cloudlet.services.sns.deliver import DeliveryFailed, Notification, Target
from cloudlet.services.sns.deliver.sqs import deliver_sqs
from cloudlet.services.sns.messages import Outgoing
from cloudlet.services.sns.retry import schedule_for
from cloudlet.services.sns.store import Subscription, Topic

if TYPE_CHECKING:
    from cloudlet.core.db import Tx
    from cloudlet.services.sns.engine import Sns

log = logging.getLogger(__name__)

DEDUP_WINDOW_S = 300.0
LEASE_S = 60.0
"""A delivery attempt in progress keeps its row this far in the future: a crash re-runs it then."""
SEQUENCE_BASE = 10_000_000_000_000_000_000
TIMER_KIND = "sns.deliver"


class Fanout:
    def __init__(self, sns: Sns) -> None:
        self._sns = sns
        self._tasks: set[asyncio.Task[None]] = set()

    # -- publish ----------------------------------------------------------------------------------
    def publish(
        self, topic: Topic, outgoing: Outgoing, endpoint: str, tx: Tx | None = None
    ) -> tuple[str, str | None]:
        """Record the publish and every delivery; returns (MessageId, SequenceNumber)."""
        sns = self._sns
        if tx is None:
            with sns.db.transaction() as own:
                return self.publish(topic, outgoing, endpoint, own)
        now = sns.clock.now()
        sequence = None
        dedup = None
        if topic.fifo:
            dedup = outgoing.dedup_id or hashlib.sha256(outgoing.message.encode()).hexdigest()
            hit = store.find_dedup(tx, topic.arn, dedup, now)
            if hit is not None:
                return hit[0], hit[1]
            sequence = str(SEQUENCE_BASE + store.next_sequence(tx, topic.arn))
        message_id = ids.message_id()
        if dedup is not None and sequence is not None:
            store.record_dedup(tx, topic.arn, dedup, message_id, sequence, now + DEDUP_WINDOW_S)
            self._schedule_dedup_cleanup(tx, now)
        timestamp = iso8601(now)
        version = topic.attributes.get("SignatureVersion", "1")
        signed_by_message: dict[str, dict[str, Any]] = {}
        for sub in sns.registry.subscriptions_of(topic.arn):
            if sub.pending or not self._matches(sub, outgoing):
                continue
            if sub.protocol == "sqs" and sub.attributes.get("RawMessageDelivery") == "true":
                self._to_sqs_raw(tx, sub, outgoing, dedup, message_id)
                continue
            notification = self.notification(topic, sub, outgoing, message_id, timestamp, sequence, endpoint)
            if sub.protocol == "sqs":
                signed: dict[str, Any] = {}
                if sub.attributes.get("RawMessageDelivery") != "true":  # raw deliveries carry no signature
                    key = notification["Message"]
                    signed = signed_by_message.get(key) or {}
                    if not signed:
                        signed = signed_by_message[key] = sns.signer.signed(
                            _canonical(notification), version, endpoint
                        )
                self._to_sqs(tx, topic, sub, notification, signed, outgoing, dedup, message_id)
            else:
                self.schedule(tx, topic, sub, notification, endpoint, message_id, group_id=outgoing.group_id)
        return message_id, sequence

    def _matches(self, sub: Subscription, outgoing: Outgoing) -> bool:
        policy = self._sns.registry.filter_of(sub)
        if policy is None:
            return True
        if sub.attributes.get("FilterPolicyScope") == "MessageBody":
            return bool(policy.matches_body(outgoing.message_for(sub.protocol)))
        return bool(policy.matches_attributes(outgoing.attributes))

    @staticmethod
    def notification(
        topic: Topic,
        sub: Subscription,
        outgoing: Outgoing,
        message_id: str,
        timestamp: str,
        sequence: str | None,
        endpoint: str,
    ) -> Notification:
        n: Notification = {"Type": "Notification", "MessageId": message_id}
        if sequence is not None:
            n["SequenceNumber"] = sequence
        n["TopicArn"] = topic.arn
        if outgoing.subject is not None:
            n["Subject"] = outgoing.subject
        n["Message"] = outgoing.message_for(sub.protocol)
        n["Timestamp"] = timestamp
        n["UnsubscribeURL"] = f"{endpoint}/?Action=Unsubscribe&SubscriptionArn={quote(sub.arn, safe='')}"
        if outgoing.attributes:
            n["MessageAttributes"] = outgoing.envelope_attributes()
        return n

    # -- SQS, inline -------------------------------------------------------------------------------
    def _to_sqs(
        self,
        tx: Tx,
        topic: Topic,
        sub: Subscription,
        notification: Notification,
        signed: dict[str, Any],
        outgoing: Outgoing,
        dedup: str | None,
        request_id: str,
    ) -> None:
        raw = sub.attributes.get("RawMessageDelivery") == "true"
        if raw:
            body, attributes = notification["Message"], (outgoing.attributes or None)
        else:
            body, attributes = envelope_json(notification, signed), None
        try:
            deliver_sqs(self._sns.app, tx, sub.endpoint, body, attributes, outgoing.group_id, dedup)
        except DeliveryFailed as failure:
            self._dead_letter(tx, sub, body, attributes, failure, request_id, outgoing.group_id, dedup)

    def _to_sqs_raw(
        self, tx: Tx, sub: Subscription, outgoing: Outgoing, dedup: str | None, request_id: str
    ) -> None:
        """Raw delivery: the bare message, its attributes as SQS message attributes; no envelope."""
        body, attributes = outgoing.message_for("sqs"), (outgoing.attributes or None)
        try:
            deliver_sqs(self._sns.app, tx, sub.endpoint, body, attributes, outgoing.group_id, dedup)
        except DeliveryFailed as failure:
            self._dead_letter(tx, sub, body, attributes, failure, request_id, outgoing.group_id, dedup)

    def _dead_letter(
        self,
        tx: Tx,
        sub: Subscription,
        body: str,
        attributes: dict[str, Any] | None,
        failure: DeliveryFailed,
        request_id: str,
        group_id: str | None,
        dedup: str | None,
    ) -> None:
        """Send a finally failed delivery to the subscription's DLQ, or drop it (logged)."""
        policy = sub.attributes.get("RedrivePolicy")
        target = json.loads(policy).get("deadLetterTargetArn") if policy else None
        if not target:
            log.info("SNS delivery to %s failed for good and has no DLQ: %s", sub.arn, failure.reason)
            return
        error_attributes = {
            "ErrorCode": {"DataType": "String", "StringValue": failure.reason.split(":", 1)[0] or "Error"},
            "ErrorMessage": {"DataType": "String", "StringValue": failure.reason[:1000]},
            "RequestID": {"DataType": "String", "StringValue": request_id},
        }
        merged = dict(error_attributes)
        for name, value in (attributes or {}).items():
            if len(merged) < 10:
                merged.setdefault(name, value)
        try:
            deliver_sqs(
                self._sns.app, tx, target, body, merged, group_id or ("dlq" if dedup else None), dedup
            )
        except DeliveryFailed as again:
            log.warning(
                "SNS dead-letter queue %s of %s refused the message: %s", target, sub.arn, again.reason
            )

    # -- scheduled deliveries ---------------------------------------------------------------------------
    def schedule(
        self,
        tx: Tx,
        topic: Topic,
        sub: Subscription,
        notification: Notification,
        endpoint: str,
        request_id: str,
        group_id: str | None = None,
        due: float | None = None,
    ) -> None:
        target = Target(
            sub.arn,
            topic.arn,
            sub.protocol,
            sub.endpoint,
            sub.account,
            topic.region,
            sub.attributes.get("RawMessageDelivery") == "true",
        )
        key = f"{notification['MessageId']}:{sub.arn}"
        payload = {
            "key": key,
            "attempt": 0,
            "target": _target_fields(target),
            "notification": notification,
            "endpoint": endpoint,
            "version": topic.attributes.get("SignatureVersion", "1"),
            "request_id": request_id,
            "group_id": group_id,
        }
        self._sns.timers.schedule(
            tx, TIMER_KIND, self._sns.clock.now() if due is None else due, payload, key=key
        )

    async def on_timer(self, timer: Timer) -> None:
        """Lease the row, then attempt the delivery in a task of its own."""
        sns = self._sns
        payload = timer.payload
        with sns.db.transaction() as tx:
            sns.timers.schedule(tx, TIMER_KIND, sns.clock.now() + LEASE_S, payload, key=payload["key"])
        token = sns.app.work.begin(f"sns:deliver:{payload['target'][2]}")
        task = asyncio.get_running_loop().create_task(self._attempt(payload, token))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _attempt(self, payload: dict[str, Any], token: int) -> None:
        sns = self._sns
        try:
            target = Target(*payload["target"])
            notification: Notification = payload["notification"]
            sub = sns.registry.find_subscription(target.subscription_arn)
            if notification["Type"] == "Notification" and sub is None:
                with sns.db.transaction() as tx:  # unsubscribed meanwhile: nothing to deliver
                    sns.timers.cancel(tx, TIMER_KIND, payload["key"])
                return
            failure: DeliveryFailed | None = None
            try:
                await sns.deliverers.deliver(target, notification, payload["version"], payload["endpoint"])
            except DeliveryFailed as exc:
                failure = exc
            except Exception as exc:  # a bug in a deliverer: retry like a server-side error, and report it
                log.exception("SNS delivery to %s raised", target.subscription_arn)
                sns.app.work.record_failure(exc, f"sns:deliver:{target.protocol}")
                failure = DeliveryFailed(f"InternalError: {exc}")
            self._settle_attempt(payload, sub, failure)
        finally:
            sns.app.work.end(token)

    def _settle_attempt(
        self, payload: dict[str, Any], sub: Subscription | None, failure: DeliveryFailed | None
    ) -> None:
        sns = self._sns
        key = payload["key"]
        with sns.db.transaction() as tx:
            if failure is None:
                sns.timers.cancel(tx, TIMER_KIND, key)
                return
            target = Target(*payload["target"])
            attempt = int(payload["attempt"]) + 1
            policy = (sub.attributes.get("DeliveryPolicy") if sub else None) or self._topic_delivery_policy(
                tx, target
            )
            delay = schedule_for(target.protocol, policy).delay(attempt) if failure.retryable else None
            if delay is not None:
                retry = dict(payload, attempt=attempt)
                sns.timers.schedule(tx, TIMER_KIND, sns.clock.now() + delay, retry, key=key)
                return
            sns.timers.cancel(tx, TIMER_KIND, key)
            if sub is not None and payload["notification"]["Type"] == "Notification":
                body = self._body_for_dead_letter(target, payload)
                self._dead_letter(
                    tx, sub, body, None, failure, payload["request_id"], payload.get("group_id"), None
                )

    def _body_for_dead_letter(self, target: Target, payload: dict[str, Any]) -> str:
        notification = payload["notification"]
        if target.raw:
            return str(notification["Message"])
        signed = self._sns.signer.signed(_canonical(notification), payload["version"], payload["endpoint"])
        return envelope_json(notification, signed)

    @staticmethod
    def _topic_delivery_policy(tx: Tx, target: Target) -> str | None:
        topic = store.get_topic(tx, target.topic_arn)
        return None if topic is None else topic.attributes.get("DeliveryPolicy")

    def _schedule_dedup_cleanup(self, tx: Tx, now: float) -> None:
        self._sns.timers.schedule(tx, "sns.dedup", now + DEDUP_WINDOW_S, {}, key="cleanup")

    def on_dedup_timer(self, timer: Timer) -> None:
        with self._sns.db.transaction() as tx:
            store.forget_expired_dedup(tx, self._sns.clock.now())


def _target_fields(target: Target) -> list[Any]:
    return [
        target.subscription_arn,
        target.topic_arn,
        target.protocol,
        target.endpoint,
        target.account,
        target.region,
        target.raw,
    ]


def _canonical(notification: Notification) -> dict[str, str]:
    """The fields a signature covers (the signer picks them by Type)."""
    return {k: v for k, v in notification.items() if isinstance(v, str)}


def envelope_json(notification: Notification, signed: dict[str, Any]) -> str:
    """The JSON envelope in SNS's field order: signature fields after Timestamp."""
    out: dict[str, Any] = {}
    for key, value in notification.items():
        if key == "UnsubscribeURL":
            continue
        out[key] = value
        if key == "Timestamp":
            for extra in ("SignatureVersion", "Signature", "SigningCertURL"):
                if extra in signed:
                    out[extra] = signed[extra]
            if "UnsubscribeURL" in notification:
                out["UnsubscribeURL"] = notification["UnsubscribeURL"]
    return json.dumps(out, separators=(",", ":"), ensure_ascii=False)
