"""SNS → Lambda delivery: the event a function receives (sns-lambda-as-subscriber.html).

Invocation is asynchronous through the Lambda service's API: the event is queued durably and Lambda's
own retry, destination and dead-letter rules apply from there. A missing function is a client-side
error, which SNS does not retry.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from cloudlet.services.sns.deliver import DeliveryFailed, Notification, Target

if TYPE_CHECKING:
    from cloudlet.app import App


def lambda_event(target: Target, notification: Notification, signed: dict[str, Any]) -> dict[str, Any]:
    """The `{"Records": [{"EventSource": "aws:sns", ...}]}` event for one notification."""
    sns: dict[str, Any] = {
        "Type": notification["Type"],
        "MessageId": notification["MessageId"],
        "TopicArn": notification["TopicArn"],
        "Subject": notification.get("Subject"),
        "Message": notification["Message"],
        "Timestamp": notification["Timestamp"],
        "SignatureVersion": signed.get("SignatureVersion"),
        "Signature": signed.get("Signature"),
        "SigningCertUrl": signed.get("SigningCertURL"),
        "UnsubscribeUrl": notification.get("UnsubscribeURL"),
        "MessageAttributes": notification.get("MessageAttributes", {}),
    }
    return {
        "Records": [
            {
                "EventSource": "aws:sns",
                "EventVersion": "1.0",
                "EventSubscriptionArn": target.subscription_arn,
                "Sns": sns,
            }
        ]
    }


async def deliver_lambda(
    app: App, target: Target, notification: Notification, signed: dict[str, Any]
) -> None:
    """Queue an asynchronous invocation of the subscribed function with the SNS event.

    Raises DeliveryFailed(retryable=False) when the function does not exist (a client-side error).
    """
    from cloudlet.protocol.errors import ServiceError
    from cloudlet.services.lambda_ import api as lambda_api

    event = json.dumps(lambda_event(target, notification, signed)).encode()
    try:
        with app.db.transaction() as tx:
            lambda_api.invoke_async(app, tx, target.endpoint, event)
    except ServiceError as exc:
        raise DeliveryFailed(f"{exc.code}: {exc.message}", retryable=False) from exc
