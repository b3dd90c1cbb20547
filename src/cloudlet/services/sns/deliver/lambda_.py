"""SNS → Lambda delivery: the event a function receives (sns-lambda-as-subscriber.html).

Invocation is asynchronous through the Lambda service's API; until cloudlet serves Lambda, a
delivery fails as a client-side error (the function cannot be found), which SNS does not retry.
"""

from __future__ import annotations

from typing import Any

from cloudlet.services.sns.deliver import DeliveryFailed, Notification, Target


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


async def deliver_lambda(target: Target) -> None:
    raise DeliveryFailed(f"Function not found: {target.endpoint} (Lambda is not served yet)", retryable=False)
