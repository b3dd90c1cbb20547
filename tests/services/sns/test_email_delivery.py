"""E-mail (`email`, `email-json`) and SMS delivery: every mail and text lands in the outbox; with an SMTP URL
the mail also goes to a real SMTP server (aiosmtpd on loopback), and SMTP failures are retryable."""

from __future__ import annotations

import asyncio
import email
import email.policy
import socket
from collections.abc import Awaitable, Callable, Iterator
from email.message import EmailMessage
from pathlib import Path
from typing import Any, TypeVar

import pytest
from aiosmtpd.controller import Controller

from cloudlet.app import App, create_app
from cloudlet.services.sns.deliver import DeliveryFailed, Target
from cloudlet.services.sns.deliver.email import deliver_email
from cloudlet.services.sns.deliver.sms import deliver_sms
from cloudlet.services.sns.signing import Signer, register_migrations
from cloudlet.settings import Settings
from tests.services.sns.test_signing import confirmation, notification, verify_sns_message

T = TypeVar("T")

TOPIC = "arn:aws:sns:us-east-1:000000000000:orders"
SUBSCRIPTION = TOPIC + ":0f7a"
ADDRESS = "ops@example.com"
SERVER = "http://127.0.0.1:4566"
FOOTER_START = (
    "\n\n--\nIf you wish to stop receiving notifications from this topic, please click or visit the link"
)


class Mailbox:
    """aiosmtpd handler: keeps each accepted message; answers `reply` to DATA (e.g. a 554 refusal)."""

    def __init__(self) -> None:
        self.messages: list[tuple[str, list[str], EmailMessage]] = []
        self.reply = "250 Message accepted for delivery"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.reply.startswith("250"):
            parsed = email.message_from_bytes(envelope.content, policy=email.policy.default)
            assert isinstance(parsed, EmailMessage)
            self.messages.append((envelope.mail_from, list(envelope.rcpt_tos), parsed))
        return self.reply


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def smtp() -> Iterator[tuple[Mailbox, str]]:
    mailbox = Mailbox()
    controller = Controller(mailbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        yield mailbox, f"smtp://127.0.0.1:{controller.port}"
    finally:
        controller.stop()


def target(protocol: str = "email") -> Target:
    return Target(SUBSCRIPTION, TOPIC, protocol, ADDRESS, "000000000000", "us-east-1")


def with_app(data_dir: Path, body: Callable[[App, Signer], Awaitable[T]], smtp_url: str | None = None) -> T:
    async def main() -> T:
        app = create_app(Settings(data_dir=data_dir, virtual_clock=True, smtp_url=smtp_url))
        register_migrations(app.migrations)
        await app.start()
        try:
            return await body(app, Signer(app.db))
        finally:
            await app.stop()

    return asyncio.run(main())


def send(
    data_dir: Path, tgt: Target, message: dict[str, Any], smtp_url: str | None = None, version: str = "1"
) -> tuple[Any, list[dict[str, Any]], bytes]:
    """Deliver once; returns (DeliveryFailed or None, the outbox entries, the signing certificate)."""

    async def body(app: App, signer: Signer) -> tuple[Any, list[dict[str, Any]], bytes]:
        failure = None
        try:
            await deliver_email(app, tgt, message, signer, version, SERVER)
        except DeliveryFailed as exc:
            failure = exc
        return failure, app.outbox.entries(), signer.certificate_pem()

    return with_app(data_dir, body, smtp_url)


# -- what is recorded -------------------------------------------------------------------------------------


def test_an_email_notification_has_the_subject_message_and_unsubscribe_footer(tmp_path: Path) -> None:
    failure, [entry], _ = send(tmp_path, target(), notification(subject="Order placed"))
    assert failure is None
    assert entry["kind"] == "email" and entry["destination"] == ADDRESS and entry["source"] == TOPIC
    assert entry["subject"] == "Order placed"
    message, footer = entry["body"].split("\n\n--\n")
    assert message == notification()["Message"]
    assert footer.startswith(
        "If you wish to stop receiving notifications from this topic, please click or visit"
    )
    assert notification()["UnsubscribeURL"] in footer
    assert footer.rstrip().endswith("please contact us at https://aws.amazon.com/support")
    meta = entry["meta"]
    assert meta["protocol"] == "email" and meta["type"] == "Notification"
    assert meta["subscription_arn"] == SUBSCRIPTION and meta["from"] == "no-reply@sns.amazonaws.com"
    assert meta["message_id"] == notification()["MessageId"]


def test_without_a_subject_the_default_subject_is_used(tmp_path: Path) -> None:
    _, [entry], _ = send(tmp_path, target(), notification(subject=None))
    assert entry["subject"] == "AWS Notification Message"


def test_a_subscription_confirmation_mail_carries_the_subscribe_url(tmp_path: Path) -> None:
    _, [entry], _ = send(tmp_path, target(), confirmation())
    assert entry["subject"] == "AWS Notification - Subscription Confirmation"
    body = entry["body"]
    assert body.startswith(f"You have chosen to subscribe to the topic:\n{TOPIC}\n")
    assert "To confirm this subscription, click or visit the link below" in body
    assert confirmation()["SubscribeURL"] in body
    assert FOOTER_START not in body


@pytest.mark.parametrize("version", ["1", "2"])
def test_email_json_carries_the_signed_json_document(tmp_path: Path, version: str) -> None:
    _, [entry], cert = send(tmp_path, target("email-json"), notification(subject=None), version=version)
    assert entry["subject"] == "AWS Notification Message"
    document = verify_sns_message(entry["body"], cert)
    assert document["Message"] == notification()["Message"]
    assert document["UnsubscribeURL"] == notification()["UnsubscribeURL"]


def test_email_json_confirmation_is_the_signed_confirmation_document(tmp_path: Path) -> None:
    _, [entry], cert = send(tmp_path, target("email-json"), confirmation(), version="2")
    assert entry["subject"] == "AWS Notification - Subscription Confirmation"
    assert verify_sns_message(entry["body"], cert)["SubscribeURL"] == confirmation()["SubscribeURL"]


def test_sms_is_recorded_in_the_outbox(tmp_path: Path) -> None:
    async def body(app: App, signer: Signer) -> list[dict[str, Any]]:
        await deliver_sms(
            app, "000000000000", "us-east-1", TOPIC, "+15555550100", "Your order shipped", {"x": 1}
        )
        return app.outbox.entries(kind="sms")

    [entry] = with_app(tmp_path, body)
    assert (entry["destination"], entry["body"], entry["subject"]) == (
        "+15555550100",
        "Your order shipped",
        None,
    )
    assert entry["source"] == TOPIC and entry["meta"] == {"x": 1}


# -- SMTP -------------------------------------------------------------------------------------------------


def test_with_an_smtp_url_the_mail_is_also_sent(tmp_path: Path, smtp: tuple[Mailbox, str]) -> None:
    mailbox, url = smtp
    failure, [entry], _ = send(tmp_path, target(), notification(subject="Order placed"), smtp_url=url)
    assert failure is None
    [(mail_from, rcpt_tos, mail)] = mailbox.messages
    assert mail_from == "no-reply@sns.amazonaws.com" and rcpt_tos == [ADDRESS]
    assert mail["From"] == "AWS Notifications <no-reply@sns.amazonaws.com>"
    assert mail["To"] == ADDRESS and mail["Subject"] == "Order placed"
    assert mail.get_content_type() == "text/plain"
    assert mail.get_content().replace("\r\n", "\n").rstrip("\n") == entry["body"].rstrip("\n")
    assert entry["meta"]["smtp_message_id"] == mail["Message-ID"]


def test_the_confirmation_mail_goes_over_smtp_too(tmp_path: Path, smtp: tuple[Mailbox, str]) -> None:
    mailbox, url = smtp
    send(tmp_path, target(), confirmation(), smtp_url=url)
    [(_, _, mail)] = mailbox.messages
    assert mail["Subject"] == "AWS Notification - Subscription Confirmation"
    assert confirmation()["SubscribeURL"] in mail.get_content()


def test_an_smtp_refusal_is_retryable_and_records_nothing(tmp_path: Path, smtp: tuple[Mailbox, str]) -> None:
    mailbox, url = smtp
    mailbox.reply = "554 Transaction failed"
    failure, entries, _ = send(tmp_path, target(), notification(), smtp_url=url)
    assert isinstance(failure, DeliveryFailed) and failure.retryable
    assert "554" in failure.reason
    assert entries == []


def test_an_unreachable_smtp_server_is_retryable(tmp_path: Path) -> None:
    failure, entries, _ = send(tmp_path, target(), notification(), smtp_url=f"smtp://127.0.0.1:{free_port()}")
    assert isinstance(failure, DeliveryFailed) and failure.retryable
    assert entries == []


def test_the_smtp_url_setting_comes_from_the_environment() -> None:
    settings = Settings.from_env({"CLOUDLET_SMTP_URL": "smtp://127.0.0.1:2525"})
    assert settings.smtp_url == "smtp://127.0.0.1:2525"
    assert Settings.from_env({}).smtp_url is None


def test_cloudlet_up_refuses_an_smtp_url_that_is_not_smtp() -> None:
    from click.testing import CliRunner

    from cloudlet.cli.main import cli

    result = CliRunner().invoke(cli, ["up", "--in-memory", "--smtp-url", "http://127.0.0.1:25"])
    assert result.exit_code == 2
    assert "--smtp-url" in result.output
