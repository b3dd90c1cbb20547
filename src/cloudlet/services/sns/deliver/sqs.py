"""SNS → SQS delivery, inside the publish's transaction (sns-sqs-as-subscriber.html).

The envelope (or, with RawMessageDelivery, the bare message with its attributes as SQS message
attributes) is enqueued through `sqs.api` in the same transaction, so the publish and every queue it
reaches commit together. A missing queue or a message the queue refuses is a client-side error: SNS does not
retry those.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from cloudlet.protocol import catalog
from cloudlet.protocol.errors import ServiceError, error_info
from cloudlet.services.sns.deliver import DeliveryFailed

if TYPE_CHECKING:
    from cloudlet.app import App
    from cloudlet.core.db import Tx

SNS_SENDER_ID = "AIDAIT2UOQQY3AUEKVGXU"
"""The SenderId SQS reports for messages SNS delivers."""


def deliver_sqs(
    app: App,
    tx: Tx,
    queue_arn: str,
    body: str,
    attributes: dict[str, dict[str, Any]] | None,
    group_id: str | None,
    dedup_id: str | None,
) -> None:
    """Raises DeliveryFailed(retryable=False) when the queue is missing or refuses the message."""
    from cloudlet.services.sqs import api as sqs_api

    try:  # enqueue checks everything before it writes: a refusal leaves `tx` untouched
        sqs_api.enqueue(
            app,
            tx,
            queue_arn,
            body,
            attributes=attributes,
            group_id=group_id,
            dedup_id=dedup_id,
            sender_id=SNS_SENDER_ID,
        )
    except ServiceError as exc:
        code = error_info(catalog.service_model("sqs"), exc).query_code
        raise DeliveryFailed(f"{code}: {exc.message}", retryable=False) from exc
