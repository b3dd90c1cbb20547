"""HTTP/HTTPS delivery: one POST per attempt to a real server on loopback, with AWS's headers and the signed
envelope (or the raw message); success, permanent and retryable failure by status as AWS documents them;
connection errors, TLS errors and timeouts are retryable; the event loop never blocks."""

from __future__ import annotations

import asyncio
import datetime
import ipaddress
import json
import socket
import ssl
import threading
from collections.abc import Awaitable, Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, TypeVar

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

from cloudlet.app import App, create_app
from cloudlet.services.sns.deliver import DeliveryFailed, Target
from cloudlet.services.sns.deliver import http as http_deliver
from cloudlet.services.sns.deliver.http import deliver_http
from cloudlet.services.sns.signing import Signer, register_migrations
from cloudlet.settings import Settings
from tests.services.sns.test_signing import confirmation, notification, verify_sns_message

T = TypeVar("T")

TOPIC = "arn:aws:sns:us-east-1:000000000000:orders"
SUBSCRIPTION = TOPIC + ":5f0c2a9e-1111-4d2b-9c3e-2f7d6b0a9e01"
SERVER = "http://127.0.0.1:4566"
JOIN_S = 10.0


class Receiver:
    """A loopback HTTP(S) server that records each POST and answers `status`; `hold` makes it wait."""

    def __init__(self, tls: tuple[Path, Path] | None = None) -> None:
        self.status = 200
        self.requests: list[dict[str, Any]] = []
        self.hold = threading.Event()
        self.hold.set()
        self.arrived: Callable[[], None] = lambda: None
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                receiver.requests.append({"path": self.path, "headers": self.headers, "body": body})
                receiver.arrived()
                receiver.hold.wait(JOIN_S)
                self.send_response(receiver.status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.scheme = "http"
        if tls is not None:
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(str(tls[0]), str(tls[1]))
            self._server.socket = context.wrap_socket(self._server.socket, server_side=True)
            self.scheme = "https"
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,), daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        return f"{self.scheme}://127.0.0.1:{self._server.server_address[1]}/hooks/sns?source=cloudlet"

    def close(self) -> None:
        self.hold.set()
        self._server.shutdown()
        self._server.server_close()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    server = Receiver()
    yield server
    server.close()


def target(url: str, raw: bool = False, protocol: str = "http") -> Target:
    return Target(SUBSCRIPTION, TOPIC, protocol, url, "000000000000", "us-east-1", raw)


def with_app(data_dir: Path, body: Callable[[App, Signer], Awaitable[T]]) -> T:
    async def main() -> T:
        app = create_app(Settings(data_dir=data_dir, virtual_clock=True))
        register_migrations(app.migrations)
        await app.start()
        try:
            return await body(app, Signer(app.db))
        finally:
            await app.stop()

    return asyncio.run(main())


def deliver(data_dir: Path, tgt: Target, message: dict[str, Any], version: str = "1") -> tuple[Any, bytes]:
    """Deliver once; returns (DeliveryFailed or None, the signer's certificate)."""

    async def body(app: App, signer: Signer) -> tuple[Any, bytes]:
        try:
            await deliver_http(app, tgt, message, signer, version, SERVER)
        except DeliveryFailed as exc:
            return exc, signer.certificate_pem()
        return None, signer.certificate_pem()

    return with_app(data_dir, body)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# -- what is sent -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("version", ["1", "2"])
def test_a_notification_is_posted_signed_with_the_sns_headers(
    tmp_path: Path, receiver: Receiver, version: str
) -> None:
    failure, cert = deliver(tmp_path, target(receiver.url), notification(), version)
    assert failure is None
    [request] = receiver.requests
    assert request["path"] == "/hooks/sns?source=cloudlet"
    headers = request["headers"]
    assert headers["x-amz-sns-message-type"] == "Notification"
    assert headers["x-amz-sns-message-id"] == notification()["MessageId"]
    assert headers["x-amz-sns-topic-arn"] == TOPIC
    assert headers["x-amz-sns-subscription-arn"] == SUBSCRIPTION
    assert headers["Content-Type"] == "text/plain; charset=UTF-8"
    assert headers["User-Agent"] == "Amazon Simple Notification Service Agent"
    assert "x-amz-sns-rawdelivery" not in headers
    message = verify_sns_message(request["body"].decode("utf-8"), cert)
    assert message["Message"] == notification()["Message"]
    assert message["SignatureVersion"] == version
    assert message["SigningCertURL"].startswith(SERVER + "/_cloudlet/sns/")


def test_a_subscription_confirmation_has_no_subscription_arn_header(
    tmp_path: Path, receiver: Receiver
) -> None:
    failure, cert = deliver(tmp_path, target(receiver.url, raw=True), confirmation(), "2")
    assert failure is None
    [request] = receiver.requests
    assert request["headers"]["x-amz-sns-message-type"] == "SubscriptionConfirmation"
    assert "x-amz-sns-subscription-arn" not in request["headers"]
    assert "x-amz-sns-rawdelivery" not in request["headers"]  # confirmations are never raw
    message = verify_sns_message(request["body"].decode("utf-8"), cert)
    assert message["SubscribeURL"] == confirmation()["SubscribeURL"]
    assert message["Token"] == confirmation()["Token"]


def test_raw_delivery_posts_the_bare_message(tmp_path: Path, receiver: Receiver) -> None:
    failure, _ = deliver(tmp_path, target(receiver.url, raw=True), notification())
    assert failure is None
    [request] = receiver.requests
    assert request["body"].decode("utf-8") == notification()["Message"]
    assert request["headers"]["x-amz-sns-rawdelivery"] == "true"
    assert request["headers"]["x-amz-sns-message-type"] == "Notification"
    assert request["headers"]["x-amz-sns-subscription-arn"] == SUBSCRIPTION


def test_the_envelope_is_pretty_printed_json_like_sns(tmp_path: Path, receiver: Receiver) -> None:
    deliver(tmp_path, target(receiver.url), notification(subject=None))
    body = receiver.requests[0]["body"].decode("utf-8")
    assert body.startswith('{\n  "Type" : "Notification",\n  "MessageId" : ')
    assert "Subject" not in json.loads(body)


# -- what counts as delivered -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "outcome"),
    [
        (200, "delivered"),
        (204, "delivered"),
        (302, "delivered"),
        (400, "permanent"),
        (404, "permanent"),
        (429, "permanent"),
        (101, "retry"),
        (500, "retry"),
        (503, "retry"),
    ],
)
def test_statuses_as_aws_documents_them(
    tmp_path: Path, receiver: Receiver, status: int, outcome: str
) -> None:
    receiver.status = status
    if status == 101:  # http.server cannot answer 1xx as a final status; classify it directly
        failure = http_deliver.classify_status(101)
    else:
        failure, _ = deliver(tmp_path, target(receiver.url), notification())
    if outcome == "delivered":
        assert failure is None
    else:
        assert isinstance(failure, DeliveryFailed)
        assert failure.retryable is (outcome == "retry")
        assert str(status) in failure.reason


def test_a_refused_connection_is_retryable(tmp_path: Path) -> None:
    failure, _ = deliver(tmp_path, target(f"http://127.0.0.1:{free_port()}/"), notification())
    assert isinstance(failure, DeliveryFailed) and failure.retryable


def test_an_endpoint_that_does_not_answer_in_time_is_retryable(
    tmp_path: Path, receiver: Receiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(http_deliver, "HTTP_TIMEOUT_S", 0.2)
    receiver.hold.clear()  # the endpoint takes the request and never answers until closed
    failure, _ = deliver(tmp_path, target(receiver.url), notification())
    assert isinstance(failure, DeliveryFailed) and failure.retryable
    assert "within 0.2 s" in failure.reason


def test_a_non_http_endpoint_is_a_permanent_failure(tmp_path: Path) -> None:
    failure, _ = deliver(tmp_path, target("ftp://127.0.0.1/"), notification())
    assert isinstance(failure, DeliveryFailed) and not failure.retryable


def test_delivery_does_not_block_the_event_loop(tmp_path: Path, receiver: Receiver) -> None:
    receiver.hold.clear()

    async def body(app: App, signer: Signer) -> None:
        loop = asyncio.get_running_loop()
        arrived = loop.create_future()
        receiver.arrived = lambda: loop.call_soon_threadsafe(arrived.set_result, None)
        task = asyncio.create_task(
            deliver_http(app, target(receiver.url), notification(), signer, "1", SERVER)
        )
        await asyncio.wait_for(arrived, JOIN_S)  # the loop runs while the endpoint holds the request
        assert not task.done()
        receiver.hold.set()
        await asyncio.wait_for(task, JOIN_S)

    with_app(tmp_path, body)
    assert len(receiver.requests) == 1


# -- https ------------------------------------------------------------------------------------------------


@pytest.fixture
def tls_files(tmp_path: Path) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 and its key."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = tmp_path / "cert.pem", tmp_path / "key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    return cert_file, key_file


def test_https_with_an_untrusted_certificate_is_a_retryable_failure(
    tmp_path: Path, tls_files: tuple[Path, Path]
) -> None:
    server = Receiver(tls=tls_files)
    try:
        failure, _ = deliver(tmp_path / "db", target(server.url, protocol="https"), notification())
    finally:
        server.close()
    assert isinstance(failure, DeliveryFailed) and failure.retryable
    assert "TLS" in failure.reason
    assert server.requests == []


def test_https_delivers_to_a_trusted_endpoint(
    tmp_path: Path, tls_files: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(
        http_deliver, "_ssl_context", lambda: ssl.create_default_context(cafile=str(tls_files[0]))
    )
    server = Receiver(tls=tls_files)
    try:
        failure, cert = deliver(tmp_path / "db", target(server.url, protocol="https"), notification(), "2")
    finally:
        server.close()
    assert failure is None
    [request] = server.requests
    verify_sns_message(request["body"].decode("utf-8"), cert)
