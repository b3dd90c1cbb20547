"""E-mail deliverer (`email`, `email-json`): records every mail in the outbox and, with
`Settings.smtp_url`, also sends it over SMTP.

Texts as SNS sends them (AWS's guide names them but does not spell them out; these are the texts of
real SNS mail): the default subject "AWS Notification Message" and the unsubscribe footer of `email`
notifications, and the "AWS Notification - Subscription Confirmation" mail with the SubscribeURL.
`email-json` carries the signed JSON document ("Email notifications",
https://docs.aws.amazon.com/sns/latest/dg/sns-email-notifications.html; "HTTP/HTTPS notification JSON
format", https://docs.aws.amazon.com/sns/latest/dg/http-notification-json.html).
"""

from __future__ import annotations

import asyncio
import smtplib
import ssl
from email.message import EmailMessage
from email.utils import formataddr, formatdate, make_msgid
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urlsplit

from cloudlet.services.sns.deliver import DeliveryFailed, Notification, Target
from cloudlet.services.sns.deliver.http import envelope_body

if TYPE_CHECKING:
    from cloudlet.app import App
    from cloudlet.services.sns.signing import Signer

__all__ = ["FROM_ADDRESS", "SMTP_TIMEOUT_S", "compose", "deliver_email", "send_smtp"]

FROM_ADDRESS = "no-reply@sns.amazonaws.com"
FROM_NAME = "AWS Notifications"
DEFAULT_SUBJECT = "AWS Notification Message"
CONFIRMATION_SUBJECT = "AWS Notification - Subscription Confirmation"
SMTP_TIMEOUT_S = 15.0

_FOOTER = (
    "\n\n--\n"
    "If you wish to stop receiving notifications from this topic, please click or visit the link below "
    "to unsubscribe:\n{unsubscribe_url}\n\n"
    "Please do not reply directly to this email. If you have any questions or comments regarding this "
    "email, please contact us at https://aws.amazon.com/support\n"
)
_CONFIRMATION = (
    "You have chosen to subscribe to the topic:\n{topic_arn}\n\n"
    "To confirm this subscription, click or visit the link below (If this was in error no action is "
    "necessary):\n{subscribe_url}\n\n"
    "Please do not reply directly to this email. If you wish to remove yourself from receiving all future "
    "SNS subscription confirmation requests please send an email to sns-opt-out\n"
)


def compose(
    target: Target, notification: Notification, signer: Signer, signature_version: str, endpoint: str
) -> tuple[str, str]:
    """(subject, plain-text body) of the mail SNS sends for `notification` to `target`."""
    kind = notification.get("Type")
    confirming = kind == "SubscriptionConfirmation"
    subject = CONFIRMATION_SUBJECT if confirming else str(notification.get("Subject") or DEFAULT_SUBJECT)
    if target.protocol == "email-json":
        return subject, envelope_body(signer.signed(notification, signature_version, endpoint))
    if confirming:
        return subject, _CONFIRMATION.format(
            topic_arn=notification["TopicArn"], subscribe_url=notification["SubscribeURL"]
        )
    body = str(notification.get("Message", ""))
    if kind == "Notification" and notification.get("UnsubscribeURL"):
        body += _FOOTER.format(unsubscribe_url=notification["UnsubscribeURL"])
    return subject, body


async def deliver_email(
    app: App,
    target: Target,
    notification: Notification,
    signer: Signer,
    signature_version: str,
    endpoint: str,
) -> None:
    """Record the mail in the outbox (kind `email`); with `app.settings.smtp_url`, send it first.

    Raises:
        DeliveryFailed: the SMTP server refused or could not be reached (retryable); nothing is recorded.
    """
    subject, body = compose(target, notification, signer, signature_version, endpoint)
    meta: dict[str, Any] = {
        "protocol": target.protocol,
        "type": notification.get("Type"),
        "message_id": notification.get("MessageId"),
        "subscription_arn": target.subscription_arn,
        "from": FROM_ADDRESS,
    }
    smtp_url = app.settings.smtp_url
    if smtp_url:
        mail = _message(target.endpoint, subject, body, app.clock.now())
        meta["smtp_message_id"] = mail["Message-ID"]
        await asyncio.get_running_loop().run_in_executor(None, send_smtp, smtp_url, mail)
    with app.db.transaction() as tx:
        app.outbox.record(
            tx,
            "email",
            target.account,
            target.region,
            target.topic_arn,
            target.endpoint,
            subject,
            body,
            meta,
        )


def _message(to: str, subject: str, body: str, now: float) -> EmailMessage:
    mail = EmailMessage()
    mail["From"] = formataddr((FROM_NAME, FROM_ADDRESS))
    mail["To"] = to
    mail["Subject"] = subject
    mail["Date"] = formatdate(now, usegmt=True)
    mail["Message-ID"] = make_msgid(domain="sns.amazonaws.com")
    mail.set_content(body)
    return mail


def send_smtp(smtp_url: str, mail: EmailMessage) -> None:
    """Send `mail` through `smtp://[user:password@]host[:port]` (STARTTLS before logging in) or `smtps://…`.

    Blocking: run it in an executor.

    Raises:
        DeliveryFailed: (retryable) on any SMTP or connection error.
    """
    parts = urlsplit(smtp_url)
    host = parts.hostname
    if parts.scheme not in ("smtp", "smtps") or not host:
        raise DeliveryFailed(f"smtp_url must be smtp://host:port or smtps://host:port, not {parts.scheme!r}")
    try:
        smtp: smtplib.SMTP
        if parts.scheme == "smtps":
            smtp = smtplib.SMTP_SSL(
                host, parts.port or 465, timeout=SMTP_TIMEOUT_S, context=ssl.create_default_context()
            )
        else:
            smtp = smtplib.SMTP(host, parts.port or 25, timeout=SMTP_TIMEOUT_S)
        with smtp:
            if parts.scheme == "smtp" and parts.username is not None:
                smtp.starttls(context=ssl.create_default_context())
            if parts.username is not None:
                smtp.login(unquote(parts.username), unquote(parts.password or ""))
            smtp.send_message(mail, from_addr=FROM_ADDRESS)
    except (smtplib.SMTPException, OSError) as exc:
        raise DeliveryFailed(f"SMTP server {host}:{parts.port or ''} did not take the mail: {exc}") from exc
