"""SNS message signatures verify the way a standard SNS message validator checks them: the string to sign
rebuilt from the JSON document per message type, then RSA PKCS#1 v1.5 with SHA1 (version 1) or SHA256
(version 2) against the certificate at SigningCertURL. The verifier here is written from AWS's page
"Verifying the signatures of Amazon SNS messages", independently of `cloudlet.services.sns.signing`."""

from __future__ import annotations

import asyncio
import base64
import datetime
import json
import urllib.request
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, TypeVar

import pytest
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from cloudlet.app import App, create_app
from cloudlet.services.sns.deliver.http import envelope_body
from cloudlet.services.sns.signing import Signer, register_migrations, register_routes, string_to_sign
from cloudlet.settings import Settings

T = TypeVar("T")

TOPIC = "arn:aws:sns:us-east-1:000000000000:orders"
ENDPOINT = "http://127.0.0.1:4566"


# -- the verifier (what an SNS subscriber runs) ---------------------------------------------------------


def canonical(message: dict[str, Any]) -> bytes:
    """The string to sign, per AWS: `name\\nvalue\\n` for each listed field in byte order."""
    if message["Type"] == "Notification":
        names = ["Message", "MessageId", "Subject", "Timestamp", "TopicArn", "Type"]
        if "Subject" not in message:
            names.remove("Subject")
    elif message["Type"] in ("SubscriptionConfirmation", "UnsubscribeConfirmation"):
        names = ["Message", "MessageId", "SubscribeURL", "Timestamp", "Token", "TopicArn", "Type"]
    else:
        raise AssertionError(f"unexpected Type {message['Type']!r}")
    return "".join(f"{name}\n{message[name]}\n" for name in names).encode("utf-8")


def verify_sns_message(document: str, cert_pem: bytes) -> dict[str, Any]:
    """Parse an SNS JSON document and verify its signature with `cert_pem`; returns the message.

    Raises InvalidSignature if it does not verify."""
    message = json.loads(document)
    algorithm = {"1": hashes.SHA1(), "2": hashes.SHA256()}[message["SignatureVersion"]]
    public_key = x509.load_pem_x509_certificate(cert_pem).public_key()
    assert isinstance(public_key, rsa.RSAPublicKey)
    signature = base64.b64decode(message["Signature"])
    public_key.verify(signature, canonical(message), padding.PKCS1v15(), algorithm)
    return message


# -- helpers --------------------------------------------------------------------------------------------


def with_app(data_dir: Path, body: Callable[[App], Awaitable[T]]) -> T:
    """Run `body(app)` with a started in-process App whose schema includes `sns.signing`."""

    async def main() -> T:
        app = create_app(Settings(data_dir=data_dir, virtual_clock=True))
        register_migrations(app.migrations)
        await app.start()
        try:
            return await body(app)
        finally:
            await app.stop()

    return asyncio.run(main())


def notification(subject: str | None = "Order placed") -> dict[str, Any]:
    fields: dict[str, Any] = {
        "Type": "Notification",
        "MessageId": "22b80b92-fdea-4c2c-8f9d-bdfb0c7bf324",
        "TopicArn": TOPIC,
        "Message": 'line one\nline "two" with ünïcödé',
        "Timestamp": "2024-05-01T12:00:00.000Z",
        "UnsubscribeURL": f"{ENDPOINT}/?Action=Unsubscribe&SubscriptionArn={TOPIC}:0f7a",
        "MessageAttributes": {"colour": {"Type": "String", "Value": "blue"}},
    }
    if subject is not None:
        fields["Subject"] = subject
    return fields


def confirmation(kind: str = "SubscriptionConfirmation") -> dict[str, Any]:
    return {
        "Type": kind,
        "MessageId": "165545c9-2a5c-472c-8df2-7ff2be2b3b1b",
        "Token": "2336412f37fb687f5d51e6e241d09c8058323f60b964268bfe08ce35640228c2",
        "TopicArn": TOPIC,
        "Message": f"You have chosen to subscribe to the topic {TOPIC}.\n"
        "To confirm the subscription, visit the SubscribeURL included in this message.",
        "SubscribeURL": f"{ENDPOINT}/?Action=ConfirmSubscription&TopicArn={TOPIC}&Token=2336",
        "Timestamp": "2024-05-01T12:00:00.000Z",
    }


MESSAGES = {
    "notification": notification(),
    "notification-without-subject": notification(subject=None),
    "subscription-confirmation": confirmation(),
    "unsubscribe-confirmation": confirmation("UnsubscribeConfirmation"),
}


# -- tests ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("version", ["1", "2"])
@pytest.mark.parametrize("name", list(MESSAGES))
def test_signed_messages_verify_with_the_certificate(tmp_path: Path, name: str, version: str) -> None:
    async def body(app: App) -> tuple[str, bytes]:
        signer = Signer(app.db)
        document = envelope_body(signer.signed(MESSAGES[name], version, ENDPOINT + "/"))
        return document, signer.certificate_pem()

    document, cert_pem = with_app(tmp_path, body)
    message = verify_sns_message(document, cert_pem)
    assert message["SignatureVersion"] == version
    assert message["SigningCertURL"].startswith(ENDPOINT + "/_cloudlet/sns/SimpleNotificationService-")
    assert message["SigningCertURL"].endswith(".pem")
    assert {
        k: v for k, v in message.items() if k not in ("SignatureVersion", "Signature", "SigningCertURL")
    } == (MESSAGES[name])


@pytest.mark.parametrize("version", ["1", "2"])
def test_a_changed_field_or_the_other_hash_does_not_verify(tmp_path: Path, version: str) -> None:
    async def body(app: App) -> tuple[dict[str, Any], bytes]:
        signer = Signer(app.db)
        return signer.signed(notification(), version, ENDPOINT), signer.certificate_pem()

    signed, cert_pem = with_app(tmp_path, body)
    with pytest.raises(InvalidSignature):
        verify_sns_message(json.dumps({**signed, "Message": "tampered"}), cert_pem)
    with pytest.raises(InvalidSignature):
        verify_sns_message(json.dumps({**signed, "Subject": "other"}), cert_pem)
    other = {"1": "2", "2": "1"}[version]
    with pytest.raises(InvalidSignature):
        verify_sns_message(json.dumps({**signed, "SignatureVersion": other}), cert_pem)


def test_the_envelope_keeps_sns_field_order(tmp_path: Path) -> None:
    signed_order = [
        "Type",
        "MessageId",
        "TopicArn",
        "Subject",
        "Message",
        "Timestamp",
        "SignatureVersion",
        "Signature",
        "SigningCertURL",
        "UnsubscribeURL",
        "MessageAttributes",
    ]
    shuffled = dict(reversed(list(notification().items())))

    async def body(app: App) -> list[str]:
        return list(Signer(app.db).signed(shuffled, "1", ENDPOINT))

    assert with_app(tmp_path, body) == signed_order


def test_string_to_sign_matches_the_aws_example() -> None:
    # The Notification example of "Verifying the signatures of Amazon SNS messages".
    fields = {
        "Type": "Notification",
        "MessageId": "4d4dc071-ddbf-465d-bba8-08f81c89da64",
        "TopicArn": "arn:aws:sns:us-east-2:123456789012:s4-MySNSTopic-1G1WEFCOXTC0P",
        "Subject": "My subject",
        "Message": "My Test Message",
        "Timestamp": "2012-06-05T04:37:04.321Z",
        "UnsubscribeURL": "ignored",
    }
    assert string_to_sign(fields) == (
        "Message\nMy Test Message\nMessageId\n4d4dc071-ddbf-465d-bba8-08f81c89da64\nSubject\nMy subject\n"
        "Timestamp\n2012-06-05T04:37:04.321Z\nTopicArn\n"
        "arn:aws:sns:us-east-2:123456789012:s4-MySNSTopic-1G1WEFCOXTC0P\nType\nNotification\n"
    )


def test_unknown_versions_types_and_missing_fields_are_refused(tmp_path: Path) -> None:
    async def body(app: App) -> None:
        signer = Signer(app.db)
        with pytest.raises(ValueError, match="SignatureVersion"):
            signer.sign(notification(), "3")
        with pytest.raises(ValueError, match="type"):
            signer.sign({**notification(), "Type": "Other"})
        with pytest.raises(ValueError, match="Token"):
            signer.sign({k: v for k, v in confirmation().items() if k != "Token"})

    with_app(tmp_path, body)


def test_the_key_is_made_once_per_data_directory_and_kept(tmp_path: Path) -> None:
    async def first(app: App) -> tuple[bytes, str]:
        signer = Signer(app.db)
        assert not signer.load_existing()
        return signer.certificate_pem(), signer.cert_path

    async def second(app: App) -> tuple[bytes, str]:
        signer = Signer(app.db)
        assert signer.load_existing()
        return signer.certificate_pem(), signer.cert_path

    cert, path = with_app(tmp_path, first)
    assert with_app(tmp_path, second) == (cert, path)
    assert with_app(tmp_path / "other", first)[0] != cert


def test_the_certificate_is_a_valid_self_signed_rsa_2048_certificate(tmp_path: Path) -> None:
    async def body(app: App) -> bytes:
        return Signer(app.db, app.clock).certificate_pem()

    cert = x509.load_pem_x509_certificate(with_app(tmp_path, body))
    key = cert.public_key()
    assert isinstance(key, rsa.RSAPublicKey) and key.key_size == 2048
    assert cert.issuer == cert.subject
    cert.verify_directly_issued_by(cert)
    now = datetime.datetime.now(datetime.UTC)
    assert cert.not_valid_before_utc < now < cert.not_valid_after_utc


def test_the_certificate_is_served_at_the_signing_cert_url_and_survives_reset(cloudlet: Any) -> None:
    app = cloudlet.app
    if "sns.signing" not in app.migrations.components:
        register_migrations(app.migrations)
    app.migrations.apply(app.db)
    signer = Signer(app.db)
    register_routes(app, signer)
    message = signer.signed(notification(), "2", cloudlet.endpoint)

    with urllib.request.urlopen(message["SigningCertURL"]) as response:
        served = response.read()
    assert served == signer.certificate_pem()
    verify_sns_message(json.dumps(message), served)

    reset = urllib.request.Request(cloudlet.endpoint + "/_cloudlet/reset", method="POST")
    urllib.request.urlopen(reset).close()
    with urllib.request.urlopen(message["SigningCertURL"]) as response:
        assert response.read() == served
    again = Signer(app.db)
    assert again.load_existing() and again.cert_path == signer.cert_path


def test_a_key_stored_earlier_is_served_before_anything_is_signed(tmp_path: Path) -> None:
    async def make(app: App) -> str:
        return Signer(app.db).cert_path

    async def serve(app: App) -> list[tuple[str, str]]:
        register_routes(app, Signer(app.db))
        return list(app.internal_routes)

    path = with_app(tmp_path, make)
    assert ("GET", path) in with_app(tmp_path, serve)
