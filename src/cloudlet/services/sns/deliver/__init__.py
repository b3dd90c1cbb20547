"""Deliverers, one module per subscription protocol: each turns one notification into one attempt.

A deliverer returns normally on success and raises `DeliveryFailed` otherwise; the caller (fan-out)
decides on retries (the subscription's delivery policy) and dead-lettering (its RedrivePolicy).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


class DeliveryFailed(Exception):
    """One delivery attempt failed. `retryable=False` for client-side errors SNS does not retry
    (the endpoint is gone or refuses for good); the message then goes to the DLQ, if any."""

    def __init__(self, reason: str, retryable: bool = True) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retryable = retryable


@dataclass(frozen=True, slots=True)
class Target:
    """Where one delivery goes: a confirmed (or confirming) subscription."""

    subscription_arn: str
    topic_arn: str
    protocol: str
    """`sqs`, `lambda`, `http`, `https`, `email`, `email-json`, `sms`, `firehose`, `application`."""
    endpoint: str
    account: str
    region: str
    raw: bool = False
    """RawMessageDelivery."""


Notification = dict[str, Any]
"""SNS's JSON envelope fields for one subscription, without the signature fields: `Type`,
`MessageId`, `TopicArn`, `Subject` (optional), `Message` (already chosen for the protocol when
MessageStructure=json), `Timestamp`, `UnsubscribeURL`, `MessageAttributes` (envelope form
`{name: {"Type": ..., "Value": ...}}`, optional), `SequenceNumber` (FIFO topics); and for
`SubscriptionConfirmation`/`UnsubscribeConfirmation`: `Token`, `SubscribeURL`."""
