"""HTTP/HTTPS deliverer: one POST of the signed JSON envelope (or the raw message) per attempt.

Headers: "HTTP/HTTPS headers" (https://docs.aws.amazon.com/sns/latest/dg/http-header.html). Body: "HTTP/HTTPS
notification JSON format" (https://docs.aws.amazon.com/sns/latest/dg/http-notification-json.html) and
"Amazon SNS raw message delivery" (https://docs.aws.amazon.com/sns/latest/dg/sns-large-payload-raw-message-delivery.html).
Success and retry by status: "Amazon SNS message delivery retries"
(https://docs.aws.amazon.com/sns/latest/dg/sns-message-delivery-retries.html). Retries are the caller's.
"""

from __future__ import annotations

import asyncio
import base64
import http.client
import json
import ssl
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from cloudlet.services.sns.deliver import DeliveryFailed, Notification, Target

if TYPE_CHECKING:
    from cloudlet.app import App
    from cloudlet.services.sns.signing import Signer

__all__ = ["HTTP_TIMEOUT_S", "USER_AGENT", "classify_status", "deliver_http", "envelope_body"]

HTTP_TIMEOUT_S = 15.0
"""SNS counts a request that takes longer than 15 seconds as a failed (retryable) attempt."""
USER_AGENT = "Amazon Simple Notification Service Agent"
CONTENT_TYPE = "text/plain; charset=UTF-8"


def envelope_body(envelope: dict[str, Any]) -> str:
    """The envelope as SNS writes it: one field per line, `"Name" : value`, two-space indent."""
    return json.dumps(envelope, indent=2, separators=(",", " : "), ensure_ascii=False)


def classify_status(status: int) -> DeliveryFailed | None:
    """None for success; otherwise the failure. SNS treats 100-101 and 500-599 as failed attempts (retried)
    and 400-499 as permanent failures; other statuses in 200-399 are successes."""
    if 200 <= status < 400:
        return None
    if 400 <= status < 500:
        return DeliveryFailed(f"the endpoint answered HTTP {status} (a permanent failure)", retryable=False)
    return DeliveryFailed(f"the endpoint answered HTTP {status}", retryable=True)


async def deliver_http(
    app: App,
    target: Target,
    notification: Notification,
    signer: Signer,
    signature_version: str,
    endpoint: str,
) -> None:
    """POST `notification` to `target.endpoint`.

    `endpoint` is this server's base URL (for `SigningCertURL`). With `target.raw`, a `Notification` is sent
    as its bare message with `x-amz-sns-rawdelivery: true`; confirmations are always the signed envelope.

    Raises:
        DeliveryFailed: a 4xx answer (not retryable); a 1xx/5xx answer, a connection error, a TLS error or
            no answer within `HTTP_TIMEOUT_S` (retryable).
    """
    kind = str(notification["Type"])
    headers = {
        "x-amz-sns-message-type": kind,
        "x-amz-sns-message-id": str(notification["MessageId"]),
        "x-amz-sns-topic-arn": target.topic_arn,
        "Content-Type": CONTENT_TYPE,
        "User-Agent": USER_AGENT,
    }
    if kind != "SubscriptionConfirmation":
        headers["x-amz-sns-subscription-arn"] = target.subscription_arn
    if target.raw and kind == "Notification":
        body = str(notification["Message"])
        headers["x-amz-sns-rawdelivery"] = "true"
    else:
        body = envelope_body(signer.signed(notification, signature_version, endpoint))
    data = body.encode("utf-8")
    loop = asyncio.get_running_loop()
    status = await loop.run_in_executor(None, _post, target.endpoint, headers, data, HTTP_TIMEOUT_S)
    failure = classify_status(status)
    if failure is not None:
        raise failure


def _ssl_context() -> ssl.SSLContext:
    return ssl.create_default_context()


def _post(url: str, headers: dict[str, str], data: bytes, timeout_s: float) -> int:
    """One blocking POST (run in an executor thread); returns the status. Redirects are not followed."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise DeliveryFailed(f"not an http(s) endpoint (scheme {parts.scheme!r})", retryable=False)
    target = parts.path or "/"
    if parts.query:
        target += "?" + parts.query
    connection: http.client.HTTPConnection
    if parts.scheme == "https":
        connection = http.client.HTTPSConnection(
            parts.hostname, parts.port, timeout=timeout_s, context=_ssl_context()
        )
    else:
        connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=timeout_s)
    if parts.username is not None:  # https://user:password@host/ endpoints use basic auth
        token = f"{parts.username}:{parts.password or ''}".encode()
        headers = {**headers, "Authorization": "Basic " + base64.b64encode(token).decode("ascii")}
    try:
        connection.request("POST", target, body=data, headers=headers)
        with connection.getresponse() as response:
            response.read()
            return response.status
    except TimeoutError as exc:
        raise DeliveryFailed(
            f"no answer from {parts.hostname} within {timeout_s:g} s", retryable=True
        ) from exc
    except ssl.SSLError as exc:
        raise DeliveryFailed(f"TLS error with {parts.hostname}: {exc}", retryable=True) from exc
    except (OSError, http.client.HTTPException) as exc:
        raise DeliveryFailed(f"cannot reach {parts.hostname}: {exc}", retryable=True) from exc
    finally:
        connection.close()
