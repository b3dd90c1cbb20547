"""SMS deliverer: a text message is recorded in the outbox (kind `sms`); nothing leaves the machine.

SMS subscriptions and direct `Publish(PhoneNumber=...)` both end here ("Mobile text messaging (SMS)",
https://docs.aws.amazon.com/sns/latest/dg/sns-mobile-phone-number-as-subscriber.html).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from cloudlet.app import App

__all__ = ["deliver_sms"]


async def deliver_sms(
    app: App,
    account: str,
    region: str,
    source: str,
    phone_number: str,
    text: str,
    meta: dict[str, Any] | None = None,
) -> None:
    """Record `text` to `phone_number` from `source` (a topic ARN, or the account for direct publishes)."""
    with app.db.transaction() as tx:
        app.outbox.record(tx, "sms", account, region, source, phone_number, None, text, meta)
