"""Picks the deliverer of a subscription's protocol (SQS is delivered inline by fan-out, not here)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from cloudlet.services.sns.deliver import DeliveryFailed, Notification, Target

if TYPE_CHECKING:
    from cloudlet.services.sns.engine import Sns


class Deliverers:
    def __init__(self, sns: Sns) -> None:
        self._sns = sns

    async def deliver(self, target: Target, notification: Notification, version: str, endpoint: str) -> None:
        """One attempt. Raises DeliveryFailed."""
        sns = self._sns
        protocol = target.protocol
        if protocol in ("http", "https"):
            from cloudlet.services.sns.deliver.http import deliver_http

            await deliver_http(sns.app, target, notification, sns.signer, version, endpoint)
        elif protocol in ("email", "email-json"):
            from cloudlet.services.sns.deliver.email import deliver_email

            await deliver_email(sns.app, target, notification, sns.signer, version, endpoint)
        elif protocol == "sms":
            from cloudlet.services.sns.deliver.sms import deliver_sms

            await deliver_sms(
                sns.app,
                target.account,
                target.region,
                target.topic_arn,
                target.endpoint,
                str(notification["Message"]),
                {"MessageId": notification["MessageId"]},
            )
        elif protocol == "lambda":
            from cloudlet.services.sns.deliver.lambda_ import deliver_lambda

            signed = sns.signer.signed(
                {k: v for k, v in notification.items() if isinstance(v, str)}, version, endpoint
            )
            await deliver_lambda(sns.app, target, notification, signed)
        else:
            raise DeliveryFailed(f"Protocol {protocol} cannot be delivered to in cloudlet", retryable=False)
