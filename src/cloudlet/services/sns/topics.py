"""Topics and subscriptions: create, look up, attributes, tags, permissions, subscribe/confirm/unsubscribe.

Publishing and delivery live in `fanout.py`; this module owns no delivery logic.
"""

from __future__ import annotations

import json
import re
import secrets
import uuid
from typing import TYPE_CHECKING, Any

from cloudlet.core.arns import build_arn, parse_arn
from cloudlet.core.patterns import PatternError
from cloudlet.core.patterns.sns import sns_policy
from cloudlet.services.sns import attributes as attrs
from cloudlet.services.sns import store
from cloudlet.services.sns.errors import (
    InvalidParameterException,
    NotFoundException,
    TagLimitExceededException,
    invalid,
)
from cloudlet.services.sns.store import Subscription, Topic

if TYPE_CHECKING:
    from cloudlet.services.sns.engine import Sns

_NAME = re.compile(r"[A-Za-z0-9_-]{1,256}")
_FIFO_NAME = re.compile(r"[A-Za-z0-9_-]{1,251}\.fifo")
_E164 = re.compile(r"\+?[0-9]{7,15}")
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+")
PROTOCOLS = ("http", "https", "email", "email-json", "sms", "sqs", "application", "lambda", "firehose")
CONFIRMED_AT_ONCE = frozenset({"sqs", "lambda", "firehose", "sms", "application"})
MAX_TAGS = 50


class Registry:
    def __init__(self, sns: Sns) -> None:
        self._sns = sns
        self._filters: dict[str, tuple[str, str, Any]] = {}
        # Read caches for the publish path; every write below goes through this class and drops them.
        self._topics: dict[str, Topic] = {}
        self._subscriptions: dict[str, list[Subscription]] = {}

    def clear_cache(self) -> None:
        self._topics.clear()
        self._subscriptions.clear()
        self._filters.clear()

    def _changed(self, topic_arn: str) -> None:
        self._topics.pop(topic_arn, None)
        self._subscriptions.pop(topic_arn, None)

    # -- topics ---------------------------------------------------------------------------------
    def create_topic(
        self,
        account: str,
        region: str,
        name: str,
        attributes: dict[str, str],
        tags: list[dict[str, str]],
        data_protection_policy: str | None,
    ) -> Topic:
        fifo = str(attributes.get("FifoTopic", "")).lower() == "true"
        if fifo and not _FIFO_NAME.fullmatch(name):
            raise invalid(
                "Fifo Topic names must end with .fifo and must be made up of only uppercase and "
                "lowercase ASCII "
                "letters, numbers, underscores, and hyphens, and must be between 1 and 256 characters long."
            )
        if not fifo and not _NAME.fullmatch(name):
            raise invalid("Topic Name")
        values = {k: attrs.validate_topic_attribute(k, v, fifo, creating=True) for k, v in attributes.items()}
        tag_pairs = _check_tags(tags)
        arn = build_arn("sns", region, account, name)
        with self._sns.db.read() as conn:
            existing = store.get_topic(conn, arn)
        if existing is not None:
            for key, value in values.items():
                if existing.attributes.get(key, "false" if key == "FifoTopic" else None) != value:
                    raise invalid("Attributes Reason: Topic already exists with different attributes")
            if not {tuple(pair) for pair in tag_pairs} <= {tuple(pair) for pair in existing.tags}:
                raise invalid("Tags Reason: Topic already exists with different tags")
            return existing
        merged = {"Policy": attrs.default_policy(arn, account), "DisplayName": "", "Owner": account} | values
        if fifo:
            merged.setdefault("ContentBasedDeduplication", "false")
        topic = Topic(
            arn, account, region, name, fifo, merged, tag_pairs, data_protection_policy, self._sns.clock.now()
        )
        with self._sns.db.transaction() as tx:
            store.insert_topic(tx, topic)
        self._changed(arn)
        return topic

    def topic(self, arn: str) -> Topic:
        """Raises NotFound."""
        topic = self._topics.get(arn)
        if topic is None:
            with self._sns.db.read() as conn:
                topic = store.get_topic(conn, arn)
            if topic is None:
                raise NotFoundException("Topic does not exist")
            self._topics[arn] = topic
        return topic

    def delete_topic(self, arn: str) -> None:
        with self._sns.db.transaction() as tx:
            for sub in store.topic_subscriptions(tx, arn):
                self._filters.pop(sub.arn, None)
            store.delete_topic(tx, arn)
        self._changed(arn)

    def topic_arns(self, account: str, region: str) -> list[str]:
        with self._sns.db.read() as conn:
            return store.list_topics(conn, account, region)

    def set_topic_attribute(self, topic: Topic, name: str, value: str) -> None:
        text = attrs.validate_topic_attribute(name, value, topic.fifo, creating=False)
        if text == "" and name in ("DeliveryPolicy", "KmsMasterKeyId", "ArchivePolicy"):
            topic.attributes.pop(name, None)  # an empty value removes these
        else:
            topic.attributes[name] = text
        with self._sns.db.transaction() as tx:
            store.update_topic(tx, topic)
        self._changed(topic.arn)

    def topic_attributes(self, topic: Topic) -> dict[str, str]:
        subs = self.subscriptions_of(topic.arn)
        out = dict(topic.attributes)
        out["TopicArn"] = topic.arn
        out["SubscriptionsConfirmed"] = str(sum(not s.pending for s in subs))
        out["SubscriptionsPending"] = str(sum(s.pending for s in subs))
        out["SubscriptionsDeleted"] = "0"
        out["EffectiveDeliveryPolicy"] = attrs.effective_delivery_policy(
            topic.attributes.get("DeliveryPolicy")
        )
        if topic.fifo:
            out["FifoTopic"] = "true"
        return out

    def set_data_protection_policy(self, topic: Topic, policy: str) -> None:
        topic.data_protection_policy = policy
        with self._sns.db.transaction() as tx:
            store.update_topic(tx, topic)
        self._changed(topic.arn)

    # -- tags -----------------------------------------------------------------------------------
    def tag(self, topic: Topic, tags: list[dict[str, str]]) -> None:
        keys = [t.get("Key") for t in tags]
        if len(set(keys)) != len(keys):
            raise invalid("Duplicated keys are not allowed.")
        merged = dict(map(tuple, topic.tags))  # type: ignore[arg-type]
        for key, value in _check_tags(tags):
            merged[key] = value
        if len(merged) > MAX_TAGS:
            raise TagLimitExceededException("Could not complete request: tag quota of per resource exceeded")
        topic.tags = [[k, v] for k, v in merged.items()]
        with self._sns.db.transaction() as tx:
            store.update_topic(tx, topic)
        self._changed(topic.arn)

    def untag(self, topic: Topic, keys: list[str]) -> None:
        topic.tags = [pair for pair in topic.tags if pair[0] not in set(keys)]
        with self._sns.db.transaction() as tx:
            store.update_topic(tx, topic)
        self._changed(topic.arn)

    # -- permissions ----------------------------------------------------------------------------
    def add_permission(self, topic: Topic, label: str, accounts: list[str], actions: list[str]) -> None:
        policy = json.loads(topic.attributes.get("Policy") or '{"Version":"2008-10-17","Statement":[]}')
        statements = policy.setdefault("Statement", [])
        if any(s.get("Sid") == label for s in statements):
            raise invalid("Statement already exists")
        principals = [build_arn("iam", "", a, "root") for a in accounts]
        names = [f"SNS:{a}" for a in actions]
        statements.append(
            {
                "Sid": label,
                "Effect": "Allow",
                "Principal": {"AWS": principals[0] if len(principals) == 1 else principals},
                "Action": names[0] if len(names) == 1 else names,
                "Resource": topic.arn,
            }
        )
        topic.attributes["Policy"] = json.dumps(policy, separators=(",", ":"))
        with self._sns.db.transaction() as tx:
            store.update_topic(tx, topic)
        self._changed(topic.arn)

    def remove_permission(self, topic: Topic, label: str) -> None:
        policy = json.loads(topic.attributes.get("Policy") or "{}")
        statements = policy.get("Statement", [])
        kept = [s for s in statements if s.get("Sid") != label]
        if len(kept) == len(statements):
            return  # SNS answers success for an unknown label
        policy["Statement"] = kept
        topic.attributes["Policy"] = json.dumps(policy, separators=(",", ":"))
        with self._sns.db.transaction() as tx:
            store.update_topic(tx, topic)
        self._changed(topic.arn)

    # -- subscriptions --------------------------------------------------------------------------
    def subscribe(
        self, topic: Topic, protocol: str, endpoint: str, attributes: dict[str, str], owner: str
    ) -> tuple[Subscription, bool]:
        """The subscription (new or existing) and whether it was created now."""
        protocol = protocol.lower()
        self._check_endpoint(topic, protocol, endpoint)
        values = {k: attrs.validate_subscription_attribute(k, v, protocol) for k, v in attributes.items()}
        self._check_subscription_attributes(values, protocol, subscribing=True)
        for sub in self.subscriptions_of(topic.arn):
            if sub.protocol == protocol and sub.endpoint == endpoint:
                for key, value in values.items():
                    if sub.attributes.get(key) != value:
                        raise invalid(
                            "Attributes Reason: Subscription already exists with different attributes"
                        )
                return sub, False
        pending = protocol not in CONFIRMED_AT_ONCE
        base = {"RawMessageDelivery": "false"}
        if "FilterPolicy" in values:
            values.setdefault("FilterPolicyScope", "MessageAttributes")
        sub = Subscription(
            arn=f"{topic.arn}:{uuid.uuid4()}",
            topic_arn=topic.arn,
            account=owner,
            protocol=protocol,
            endpoint=endpoint,
            attributes=base | values,
            pending=pending,
            token=secrets.token_hex(64) if pending else None,
            created_at=self._sns.clock.now(),
        )
        with self._sns.db.transaction() as tx:
            store.insert_subscription(tx, sub)
        self._changed(topic.arn)
        return sub, True

    def confirm(self, topic_arn: str, token: str) -> Subscription:
        with self._sns.db.transaction() as tx:
            sub = store.subscription_by_token(tx, token)
            if sub is None or sub.topic_arn != topic_arn:
                if store.get_topic(tx, topic_arn) is None:
                    raise NotFoundException("Topic does not exist")
                raise invalid("Token")
            if sub.pending:
                sub.pending = False
                store.update_subscription(tx, sub)
        self._changed(topic_arn)
        return sub

    def subscription(self, arn: str) -> Subscription:
        with self._sns.db.read() as conn:
            sub = store.get_subscription(conn, arn)
        if sub is None:
            raise NotFoundException("Subscription does not exist")
        return sub

    def find_subscription(self, arn: str) -> Subscription | None:
        with self._sns.db.read() as conn:
            return store.get_subscription(conn, arn)

    def unsubscribe(self, arn: str) -> Subscription | None:
        with self._sns.db.transaction() as tx:
            sub = store.get_subscription(tx, arn)
            if sub is not None:
                store.delete_subscription(tx, arn)
        self._filters.pop(arn, None)
        if sub is not None:
            self._changed(sub.topic_arn)
        return sub

    def subscriptions_of(self, topic_arn: str) -> list[Subscription]:
        subs = self._subscriptions.get(topic_arn)
        if subs is None:
            with self._sns.db.read() as conn:
                subs = self._subscriptions[topic_arn] = store.topic_subscriptions(conn, topic_arn)
        return subs

    def subscriptions_of_account(self, account: str, region: str) -> list[Subscription]:
        with self._sns.db.read() as conn:
            return store.account_subscriptions(conn, account, region)

    def set_subscription_attribute(self, sub: Subscription, name: str, value: str) -> None:
        text = attrs.validate_subscription_attribute(name, value, sub.protocol, subscribing=False)
        self._check_subscription_attributes({name: text}, sub.protocol)
        if name == "FilterPolicy":
            if text:
                sub.attributes["FilterPolicy"] = text
                sub.attributes.setdefault("FilterPolicyScope", "MessageAttributes")
            else:
                sub.attributes.pop("FilterPolicy", None)
                sub.attributes.pop("FilterPolicyScope", None)
        elif name == "FilterPolicyScope":
            sub.attributes[name] = text
            self._compile(sub.attributes.get("FilterPolicy") or "", text)  # the policy must fit its scope
        elif text == "" and name in (
            "RedrivePolicy",
            "DeliveryPolicy",
            "SubscriptionRoleArn",
            "ReplayPolicy",
        ):
            sub.attributes.pop(name, None)
        else:
            sub.attributes[name] = text
        with self._sns.db.transaction() as tx:
            store.update_subscription(tx, sub)
        self._filters.pop(sub.arn, None)
        self._changed(sub.topic_arn)

    def subscription_attributes(self, sub: Subscription) -> dict[str, str]:
        out = dict(sub.attributes)
        out.update(
            SubscriptionArn=sub.arn,
            TopicArn=sub.topic_arn,
            Owner=sub.account,
            Protocol=sub.protocol,
            Endpoint=sub.endpoint,
            PendingConfirmation="true" if sub.pending else "false",
            ConfirmationWasAuthenticated="false" if sub.pending else "true",
            SubscriptionPrincipal=build_arn("iam", "", sub.account, "root"),
        )
        if sub.protocol in ("http", "https"):
            topic_policy = None
            with self._sns.db.read() as conn:
                topic = store.get_topic(conn, sub.topic_arn)
            if topic is not None:
                topic_policy = topic.attributes.get("DeliveryPolicy")
            out["EffectiveDeliveryPolicy"] = attrs.effective_delivery_policy(
                sub.attributes.get("DeliveryPolicy") or topic_policy
            )
        return out

    # -- filtering ------------------------------------------------------------------------------
    def filter_of(self, sub: Subscription) -> Any:
        """The compiled filter policy of `sub` (None: everything matches)."""
        text = sub.attributes.get("FilterPolicy") or ""
        if not text:
            return None
        scope = sub.attributes.get("FilterPolicyScope") or "MessageAttributes"
        cached = self._filters.get(sub.arn)
        if cached is not None and cached[0] == text and cached[1] == scope:
            return cached[2]
        compiled = self._compile(text, scope)
        self._filters[sub.arn] = (text, scope, compiled)
        return compiled

    @staticmethod
    def _compile(text: str, scope: str, subscribing: bool = False) -> Any:
        """Raises InvalidParameter, worded for Subscribe or for SetSubscriptionAttributes."""
        if not text:
            return None
        try:
            return sns_policy(text, scope)
        except PatternError as exc:
            raise InvalidParameterException(exc.subscribe_message if subscribing else exc.message) from None

    # -- checks ---------------------------------------------------------------------------------
    def _check_subscription_attributes(
        self, values: dict[str, str], protocol: str, subscribing: bool = False
    ) -> None:
        if values.get("FilterPolicy"):
            self._compile(
                values["FilterPolicy"], values.get("FilterPolicyScope") or "MessageAttributes", subscribing
            )
        if values.get("RedrivePolicy"):
            target = json.loads(values["RedrivePolicy"])["deadLetterTargetArn"]
            try:
                parts = parse_arn(str(target))
            except ValueError:
                parts = None
            if parts is None or parts.service != "sqs":
                raise invalid("RedrivePolicy: deadLetterTargetArn is an invalid arn")

    def _check_endpoint(self, topic: Topic, protocol: str, endpoint: str) -> None:
        if protocol not in PROTOCOLS:
            raise invalid(f"Amazon SNS does not support this protocol string: {protocol}")
        if topic.fifo and protocol != "sqs":
            raise invalid(f"Invalid protocol type: {protocol}")
        if protocol in ("sqs", "lambda", "firehose"):
            service = {"sqs": "sqs", "lambda": "lambda", "firehose": "firehose"}[protocol]
            try:
                parts = parse_arn(endpoint)
            except ValueError:
                parts = None
            if parts is None or parts.service != service:
                raise invalid(
                    f"{ {'sqs': 'SQS', 'lambda': 'Lambda', 'firehose': 'Firehose'}[protocol] } endpoint ARN"
                )
            if protocol == "sqs":
                self._check_queue_type(topic, endpoint)
        elif protocol in ("http", "https"):
            if not endpoint.lower().startswith(f"{protocol}://"):
                raise invalid("Endpoint must match the specified protocol")
        elif protocol in ("email", "email-json"):
            if not _EMAIL.fullmatch(endpoint):
                raise invalid("Email address")
        elif protocol == "sms":
            if not _E164.fullmatch(endpoint.replace("-", "").replace(" ", "")):
                raise InvalidParameterException(f"Invalid SMS endpoint: {endpoint}")
        elif protocol == "application":
            raise invalid("Endpoint Reason: mobile push endpoints (platform applications) are not supported")

    def _check_queue_type(self, topic: Topic, queue_arn: str) -> None:
        from cloudlet.services.sqs import api as sqs_api

        fifo_queue = sqs_api.is_fifo_queue(self._sns.app, queue_arn)
        if fifo_queue is None:
            return  # AWS accepts a subscription to a queue that does not exist (yet)
        # Standard queues may subscribe to FIFO topics (without ordering); FIFO queues need FIFO topics.
        if fifo_queue and not topic.fifo:
            raise invalid("Endpoint Reason: FIFO SQS Queues can not be subscribed to standard SNS topics")


def _check_tags(tags: list[dict[str, str]]) -> list[list[str]]:
    pairs = []
    for tag in tags:
        key, value = tag.get("Key", ""), tag.get("Value", "")
        if not 1 <= len(key) <= 128 or len(value) > 256:
            raise invalid("Tags Reason: tag keys must be 1 to 128 and values at most 256 characters long")
        pairs.append([key, value])
    if len(pairs) > MAX_TAGS:
        raise TagLimitExceededException("Could not complete request: tag quota of per resource exceeded")
    return pairs
