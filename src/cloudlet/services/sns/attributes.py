"""Topic and subscription attributes: names, defaults, validation, rendering (no storage).

Sources: API_SetTopicAttributes, API_GetTopicAttributes, API_SetSubscriptionAttributes and
API_GetSubscriptionAttributes of the SNS API reference.
"""

from __future__ import annotations

import json
from typing import Any

from cloudlet.services.sns.errors import invalid
from cloudlet.services.sns.retry import DEFAULT_HTTP_POLICY

_FEEDBACK = [
    f"{proto}{kind}"
    for proto in ("HTTP", "Lambda", "SQS", "Application", "Firehose")
    for kind in ("SuccessFeedbackRoleArn", "FailureFeedbackRoleArn", "SuccessFeedbackSampleRate")
]
TOPIC_SETTABLE = frozenset(
    {
        "DeliveryPolicy",
        "DisplayName",
        "Policy",
        "TracingConfig",
        "KmsMasterKeyId",
        "SignatureVersion",
        "ContentBasedDeduplication",
        "ArchivePolicy",
        "FifoThroughputScope",
        "FifoTopic",
        *_FEEDBACK,
    }
)
FIFO_ONLY = frozenset({"ContentBasedDeduplication", "ArchivePolicy", "FifoThroughputScope"})
SUBSCRIPTION_SETTABLE = frozenset(
    {
        "DeliveryPolicy",
        "FilterPolicy",
        "FilterPolicyScope",
        "RawMessageDelivery",
        "RedrivePolicy",
        "SubscriptionRoleArn",
        "ReplayPolicy",
    }
)
RAW_PROTOCOLS = frozenset({"sqs", "http", "https", "firehose"})


def default_policy(topic_arn: str, account: str) -> str:
    """The access policy SNS gives a new topic (owner-only)."""
    return json.dumps(
        {
            "Version": "2008-10-17",
            "Id": "__default_policy_ID",
            "Statement": [
                {
                    "Sid": "__default_statement_ID",
                    "Effect": "Allow",
                    "Principal": {"AWS": "*"},
                    "Action": [
                        "SNS:GetTopicAttributes",
                        "SNS:SetTopicAttributes",
                        "SNS:AddPermission",
                        "SNS:RemovePermission",
                        "SNS:DeleteTopic",
                        "SNS:Subscribe",
                        "SNS:ListSubscriptionsByTopic",
                        "SNS:Publish",
                    ],
                    "Resource": topic_arn,
                    "Condition": {"StringEquals": {"AWS:SourceOwner": account}},
                }
            ],
        },
        separators=(",", ":"),
    )


def effective_delivery_policy(delivery_policy: str | None) -> str:
    base: dict[str, Any] = {
        "http": {
            "defaultHealthyRetryPolicy": dict(DEFAULT_HTTP_POLICY),
            "disableSubscriptionOverrides": False,
            "defaultRequestPolicy": {"headerContentType": "text/plain; charset=UTF-8"},
        }
    }
    if delivery_policy:
        try:
            doc = json.loads(delivery_policy)
        except ValueError:
            doc = {}
        if isinstance(doc.get("http"), dict):
            for key, value in doc["http"].items():
                if isinstance(value, dict) and isinstance(base["http"].get(key), dict):
                    base["http"][key] = base["http"][key] | value
                else:
                    base["http"][key] = value
        elif isinstance(doc.get("healthyRetryPolicy"), dict):
            base["http"]["defaultHealthyRetryPolicy"] |= doc["healthyRetryPolicy"]
    return json.dumps(base, separators=(",", ":"))


def validate_topic_attribute(name: str, value: Any, fifo: bool, creating: bool) -> str:
    """Raises InvalidParameter with SNS's wording."""
    if name not in TOPIC_SETTABLE or (name == "FifoTopic" and not creating):
        raise invalid("AttributeName")
    if name in FIFO_ONLY and not fifo:
        raise invalid(f"Attributes Reason: {name} is only valid for FIFO topics")
    text = value if isinstance(value, str) else str(value)
    if name in ("ContentBasedDeduplication", "FifoTopic"):
        lowered = text.lower()
        if lowered not in ("true", "false"):
            raise invalid(f"Attributes Reason: {name}: Invalid value [{text}]. Must be true or false.")
        return lowered
    if name == "SignatureVersion" and text not in ("1", "2"):
        raise invalid("Attributes Reason: SignatureVersion: Invalid value [" + text + "]. Must be 1 or 2.")
    if name == "TracingConfig" and text not in ("Active", "PassThrough"):
        raise invalid(
            "Attributes Reason: TracingConfig: Invalid value [" + text + "]. Must be Active or PassThrough."
        )
    if name == "FifoThroughputScope" and text not in ("Topic", "MessageGroup"):
        raise invalid("Attributes Reason: FifoThroughputScope: Invalid value [" + text + "].")
    if name in ("Policy", "DeliveryPolicy", "ArchivePolicy") and text:
        try:
            doc = json.loads(text)
        except ValueError:
            doc = None
        if not isinstance(doc, dict):
            raise invalid(f"Attributes Reason: {name}: failed to parse JSON.")
    return text


def validate_subscription_attribute(name: str, value: Any, protocol: str, subscribing: bool = True) -> str:
    """Raises InvalidParameter; Subscribe words reasons "Attributes Reason: ...", SetSubscriptionAttributes
    names the attribute alone."""
    if name not in SUBSCRIPTION_SETTABLE:
        raise invalid("AttributeName")
    text = value if isinstance(value, str) else str(value)
    reason = "Attributes Reason: " if subscribing else ""
    if name == "RawMessageDelivery":
        lowered = text.lower()
        if lowered not in ("true", "false"):
            raise invalid(f"{reason}RawMessageDelivery: Invalid value [{text}]. Must be true or false.")
        if lowered == "true" and protocol not in RAW_PROTOCOLS:
            raise invalid(f"{reason}Delivery protocol [{protocol}] does not support raw message delivery.")
        return lowered
    if name == "FilterPolicyScope" and text not in ("MessageAttributes", "MessageBody"):
        raise invalid(
            "Attributes Reason: FilterPolicyScope: Invalid value ["
            + text
            + "]. Please use either MessageBody or MessageAttributes"
        )
    if name == "RedrivePolicy" and text:
        try:
            doc = json.loads(text)
        except ValueError:
            doc = None
        if not isinstance(doc, dict) or "deadLetterTargetArn" not in doc:
            raise invalid("RedrivePolicy: failed to parse JSON.")
    if name == "DeliveryPolicy" and text:
        try:
            doc = json.loads(text)
        except ValueError:
            doc = None
        if not isinstance(doc, dict):
            raise invalid("DeliveryPolicy: failed to parse JSON.")
    return text
