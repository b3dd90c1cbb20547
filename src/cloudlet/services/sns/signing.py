"""SNS message signatures: one RSA-2048 key and self-signed certificate per data directory.

Owns the table `sns_signing_key` and the certificate's internal route. Canonical strings follow
"Verifying the signatures of Amazon SNS messages"
(https://docs.aws.amazon.com/sns/latest/dg/sns-verify-signature-of-message.html); SignatureVersion 1 is
SHA1withRSA, 2 is SHA256withRSA ("HTTP/HTTPS notification JSON format",
https://docs.aws.amazon.com/sns/latest/dg/http-notification-json.html). Does not build envelopes.
"""

from __future__ import annotations

import base64
import datetime
import hashlib
import sqlite3
import threading
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509.oid import NameOID

from cloudlet.core.clock import Clock, SystemClock
from cloudlet.core.db import Database
from cloudlet.protocol.http import HttpRequest, HttpResponse

if TYPE_CHECKING:
    from cloudlet.app import App
    from cloudlet.core.migrations import Migrations

__all__ = ["SIGNING_MIGRATIONS", "Signer", "register_migrations", "register_routes", "string_to_sign"]

SIGNING_MIGRATIONS: tuple[str, ...] = (
    """
    CREATE TABLE sns_signing_key (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        key_pem BLOB NOT NULL,
        cert_pem BLOB NOT NULL,
        created_at REAL NOT NULL
    );
    """,
)

CERT_VALIDITY_DAYS = 3650
KEY_SIZE_BITS = 2048

# Fields of the string to sign, in byte order, per message type (AWS doc above). `Subject` is included
# only when the notification has one.
NOTIFICATION_FIELDS = ("Message", "MessageId", "Subject", "Timestamp", "TopicArn", "Type")
CONFIRMATION_FIELDS = ("Message", "MessageId", "SubscribeURL", "Timestamp", "Token", "TopicArn", "Type")
_STORE_SQL = "INSERT OR IGNORE INTO sns_signing_key (id, key_pem, cert_pem, created_at) VALUES (1, ?, ?, ?)"
_FIELDS_BY_TYPE = {
    "Notification": NOTIFICATION_FIELDS,
    "SubscriptionConfirmation": CONFIRMATION_FIELDS,
    "UnsubscribeConfirmation": CONFIRMATION_FIELDS,
}
_OPTIONAL = frozenset({"Subject"})
_HASHES: dict[str, Callable[[], hashes.HashAlgorithm]] = {"1": hashes.SHA1, "2": hashes.SHA256}

# Envelope order as SNS sends it: these fields, then the signature fields, then the rest
# (`UnsubscribeURL`, `MessageAttributes`).
_LEADING = ("Type", "MessageId", "SequenceNumber", "Token", "TopicArn", "Subject", "Message", "SubscribeURL")
_BEFORE_SIGNATURE = (*_LEADING, "Timestamp")
_AFTER_SIGNATURE = ("UnsubscribeURL", "MessageAttributes")


def register_migrations(migrations: Migrations) -> None:
    """Register the `sns.signing` component (table `sns_signing_key`)."""
    migrations.register("sns.signing", SIGNING_MIGRATIONS)


def string_to_sign(fields: Mapping[str, Any]) -> str:
    """AWS's canonical string for `fields["Type"]`: `name\\nvalue\\n` per field, in byte order.

    Raises:
        ValueError: unknown `Type`, or a required field is missing.
    """
    names = _FIELDS_BY_TYPE.get(str(fields.get("Type")))
    if names is None:
        raise ValueError(f"cannot sign a message of type {fields.get('Type')!r}")
    parts: list[str] = []
    for name in names:
        value = fields.get(name)
        if value is None:
            if name in _OPTIONAL:
                continue
            raise ValueError(f"a {fields['Type']} message needs {name} to be signed")
        parts.append(f"{name}\n{value}\n")
    return "".join(parts)


class Signer:
    """The data directory's signing key and certificate, loaded (or created) on first use.

    Thread-safe. `when_loaded(fn)` runs `fn` once the key is known (at once if it already is).
    """

    def __init__(self, db: Database, clock: Clock | None = None) -> None:
        self._db = db
        self._clock: Clock = clock or SystemClock()
        self._lock = threading.Lock()
        self._key: rsa.RSAPrivateKey | None = None
        self._key_pem = b""
        self._cert_pem = b""
        self._fingerprint = ""
        self._listeners: list[Callable[[], None]] = []

    # -- the key -------------------------------------------------------------------------------

    @property
    def loaded(self) -> bool:
        return self._key is not None

    def load_existing(self) -> bool:
        """Load a key stored by an earlier run, never creating one (cheap; safe before migrations ran)."""
        if self._key is not None:
            return True
        try:
            with self._db.read() as conn:
                row = conn.execute("SELECT key_pem, cert_pem FROM sns_signing_key WHERE id = 1").fetchone()
        except sqlite3.OperationalError:  # the table does not exist yet
            return False
        if row is None:
            return False
        self._install(bytes(row[0]), bytes(row[1]))
        return True

    def _ensure(self) -> rsa.RSAPrivateKey:
        key = self._key
        if key is not None:
            return key
        if self.load_existing():
            assert self._key is not None
            return self._key
        key_pem, cert_pem = self._generate()
        with self._db.transaction() as tx:
            tx.execute(_STORE_SQL, (key_pem, cert_pem, self._clock.now()))
            row = tx.fetchone("SELECT key_pem, cert_pem FROM sns_signing_key WHERE id = 1")
        assert row is not None
        self._install(bytes(row[0]), bytes(row[1]))  # another process may have stored one first
        assert self._key is not None
        return self._key

    def _generate(self) -> tuple[bytes, bytes]:
        key = rsa.generate_private_key(public_exponent=65537, key_size=KEY_SIZE_BITS)
        name = x509.Name(
            [
                x509.NameAttribute(NameOID.COMMON_NAME, "sns.amazonaws.com"),
                x509.NameAttribute(NameOID.ORGANIZATION_NAME, "cloudlet (local SNS emulation)"),
            ]
        )
        now = datetime.datetime.fromtimestamp(self._clock.now(), datetime.UTC)
        cert = (
            x509.CertificateBuilder()
            .subject_name(name)
            .issuer_name(name)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(days=1))
            .not_valid_after(now + datetime.timedelta(days=CERT_VALIDITY_DAYS))
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256())
        )
        key_pem = key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        return key_pem, cert.public_bytes(serialization.Encoding.PEM)

    def _install(self, key_pem: bytes, cert_pem: bytes) -> None:
        with self._lock:
            if self._key is not None:
                return
            key = serialization.load_pem_private_key(key_pem, password=None)
            if not isinstance(key, rsa.RSAPrivateKey):
                raise ValueError("sns_signing_key holds a key that is not RSA")
            cert = x509.load_pem_x509_certificate(cert_pem)
            der = cert.public_bytes(serialization.Encoding.DER)
            self._key_pem, self._cert_pem = key_pem, cert_pem
            self._fingerprint = hashlib.sha256(der).hexdigest()[:32]
            self._key = key
            listeners, self._listeners = self._listeners, []
        for fn in listeners:
            fn()

    def when_loaded(self, fn: Callable[[], None]) -> None:
        with self._lock:
            if self._key is None:
                self._listeners.append(fn)
                return
        fn()

    def restore(self) -> None:
        """Store the loaded key again (after `App.reset()` emptied every table): URLs stay valid."""
        if self._key is None:
            return
        with self._db.transaction() as tx:
            tx.execute(_STORE_SQL, (self._key_pem, self._cert_pem, self._clock.now()))

    # -- what deliverers use -------------------------------------------------------------------

    def certificate_pem(self) -> bytes:
        self._ensure()
        return self._cert_pem

    @property
    def cert_path(self) -> str:
        """Internal URL path of the certificate, named like AWS's `SimpleNotificationService-<hex>.pem`."""
        self._ensure()
        return f"/_cloudlet/sns/SimpleNotificationService-{self._fingerprint}.pem"

    def sign(self, fields: Mapping[str, Any], version: str = "1") -> str:
        """Base64 signature over `string_to_sign(fields)`: version "1" SHA1withRSA, "2" SHA256withRSA.

        Raises:
            ValueError: unknown version or message type, or a required field is missing.
        """
        algorithm = _HASHES.get(str(version))
        if algorithm is None:
            raise ValueError(f"unknown SignatureVersion {version!r} (expected '1' or '2')")
        data = string_to_sign(fields).encode("utf-8")
        signature = self._ensure().sign(data, padding.PKCS1v15(), algorithm())
        return base64.b64encode(signature).decode("ascii")

    def signed(self, fields: Mapping[str, Any], version: str, endpoint: str) -> dict[str, Any]:
        """`fields` plus `SignatureVersion`, `Signature` and `SigningCertURL` (`endpoint` + `cert_path`),
        in the order SNS sends them."""
        version = str(version)
        signature = self.sign(fields, version)
        envelope = {name: fields[name] for name in _BEFORE_SIGNATURE if name in fields}
        envelope["SignatureVersion"] = version
        envelope["Signature"] = signature
        envelope["SigningCertURL"] = endpoint.rstrip("/") + self.cert_path
        envelope.update((name, fields[name]) for name in _AFTER_SIGNATURE if name in fields)
        for name, value in fields.items():
            envelope.setdefault(name, value)
        return envelope


def register_routes(app: App, signer: Signer) -> None:
    """Serve the certificate at `signer.cert_path` (GET) and keep the key across `App.reset()`.

    A key stored by an earlier run is served at once; a new one is created (and served) on first signing.
    """

    def certificate(request: HttpRequest) -> HttpResponse:
        return HttpResponse(200, [("Content-Type", "application/x-pem-file")], signer.certificate_pem())

    def route() -> None:
        app.internal_routes[("GET", signer.cert_path)] = certificate

    signer.when_loaded(route)
    signer.load_existing()
    app.on_reset(signer.restore)
