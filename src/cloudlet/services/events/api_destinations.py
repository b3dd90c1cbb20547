"""API destinations' data plane and the connection lifecycle behind them.

`send()` makes the HTTP call of one event to an API destination target: method and endpoint from the
destination, parameters from the target and the connection, the connection's authorization, the
destination's invocation rate. The `events.connection` timers finish what the control plane
(`operations/connections.py`) starts: an OAuth connection's authorization, de-authorization and deletion.
Retries, dead-letter queues and input transformation are the caller's (`delivery.py`).

Request and failure semantics: "API destinations as targets in Amazon EventBridge"
(https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-api-destinations.html); connection
authorization: "Authorization methods for connections"
(https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-target-connection-auth.html) and
"De-authorizing connections" (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-target-connection-deauthorize.html).

`ApiDestinationError.code` is one of: `ThrottlingException` (the destination's invocation rate is used
up: `ApiDestinationThrottled`, retry at `retry_at`), `ResourceNotFoundException` (the destination or its
connection is gone), `InvalidConnectionState` (the connection is not authorized), `ERROR_FROM_TARGET`
(the endpoint answered non-2xx; `status` says what), `CONNECTION_FAILURE` (no answer).
"""

from __future__ import annotations

import asyncio
import base64
import http.client
import ipaddress
import json
import math
import secrets
import ssl
import string
import threading
import uuid
from collections import deque
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from functools import partial
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, quote, urlencode, urlsplit, urlunsplit

from cloudlet.services.events import store

if TYPE_CHECKING:
    from cloudlet.app import App
    from cloudlet.core.db import Tx
    from cloudlet.core.timers import Timer
    from cloudlet.services.events.engine import Events

__all__ = [
    "CONNECTION_TIMER", "ApiDestinationError", "ApiDestinationThrottled", "Runtime", "api_destination_arn",
    "build_request", "connection_arn", "is_api_destination_arn", "register", "schedule_connection",
    "secret_arn", "send", "valid_endpoint",
]  # fmt: skip

CONNECTION_TIMER = "events.connection"
HTTP_TIMEOUT_S = 5.0
"""EventBridge times out a request to an API destination endpoint after 5 seconds (and retries it)."""
OAUTH_REFRESH_LEAD_S = 60.0
"""A cached OAuth token expiring within this long is refreshed before the invocation."""
MAX_RESPONSE_BYTES = 1_048_576
RATE_WINDOW_S = 1.0
USER_AGENT = "Amazon/EventBridge/ApiDestinations"
DEFAULT_CONTENT_TYPE = "application/json; charset=utf-8"
FIXED_HEADERS = {
    "User-Agent": USER_AGENT,
    "Range": "bytes=0-1048575",
    "Accept-Encoding": "gzip,deflate",
    "Connection": "close",
}
"""Headers every request carries ("Headers included in requests to API destinations")."""
REMOVED_HEADERS = frozenset(
    {
        "a-im", "accept-charset", "accept-datetime", "accept-encoding", "cache-control", "connection",
        "content-encoding", "content-length", "content-md5", "date", "expect", "forwarded", "from", "host",
        "http2-settings", "if-match", "if-modified-since", "if-none-match", "if-range", "if-unmodified-since",
        "max-forwards", "origin", "pragma", "proxy-authorization", "range", "referer", "te", "trailer",
        "transfer-encoding", "user-agent", "upgrade", "via", "warning",
    }
)  # fmt: skip
"""Headers EventBridge drops from connection and target parameters ("Headers EventBridge removes")."""
RETRYABLE_STATUSES = frozenset({401, 407, 409, 429})
"""With every 5xx, the answers EventBridge retries; other 1xx-4xx answers are not retried."""
DEAUTHORIZING_STATUSES = frozenset({401, 407})
"""Answers that de-authorize a BASIC or API_KEY connection and make an OAuth one refresh its token."""
FINISH_DELAY_S = 1.0
"""How long DEAUTHORIZING and DELETING last before the timer completes them."""


# --- errors ---------------------------------------------------------------------------------------------


class ApiDestinationError(Exception):
    """One failed invocation. `retryable` tells the caller whether AWS would try again; `retry_at` (clock
    time), when set, is the earliest moment it may (a throttle, or the endpoint's `Retry-After`)."""

    def __init__(
        self,
        message: str,
        *,
        retryable: bool,
        code: str,
        status: int | None = None,
        retry_at: float | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.retryable = retryable
        self.code = code
        self.status = status
        self.retry_at = retry_at


class ApiDestinationThrottled(ApiDestinationError):
    """The destination's InvocationRateLimitPerSecond is used up; nothing was sent. Retry at `retry_at`
    (AWS queues such events rather than counting a failed attempt)."""

    def __init__(self, message: str, retry_at: float) -> None:
        super().__init__(message, retryable=True, code="ThrottlingException", retry_at=retry_at)


class _TokenError(Exception):
    def __init__(self, message: str, retryable: bool) -> None:
        super().__init__(message)
        self.message = message
        self.retryable = retryable


# --- per-App runtime state ---------------------------------------------------------------------------------


@dataclass(slots=True)
class _Token:
    authorization: str
    expires_at: float | None
    revision: int


@dataclass
class Runtime:
    """In-memory state of one App: OAuth tokens by connection ARN, recent invocations by destination."""

    tokens: dict[str, _Token] = field(default_factory=dict)
    windows: dict[str, deque[float]] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def clear(self) -> None:
        with self.lock:
            self.tokens.clear()
            self.windows.clear()

    def token(self, arn: str, revision: int, now: float) -> str | None:
        with self.lock:
            token = self.tokens.get(arn)
        if token is None or token.revision != revision:
            return None
        if token.expires_at is not None and token.expires_at - now <= OAUTH_REFRESH_LEAD_S:
            return None
        return token.authorization

    def keep_token(self, arn: str, token: _Token) -> None:
        with self.lock:
            self.tokens[arn] = token

    def drop_token(self, arn: str) -> None:
        with self.lock:
            self.tokens.pop(arn, None)

    def admit(self, destination: str, rate: int, now: float) -> float | None:
        """Count one invocation of `destination` at `now`; None if within `rate` per second, else the
        clock time the next one may go (nothing counted)."""
        with self.lock:
            window = self.windows.setdefault(destination, deque())
            while window and window[0] <= now - RATE_WINDOW_S:
                window.popleft()
            if len(window) >= rate:
                return window[len(window) - rate] + RATE_WINDOW_S
            window.append(now)
            return None


def register(app: App, events: Events) -> Runtime:
    """Create the App's runtime state and register the connection timers; returns the runtime."""
    runtime = Runtime()
    events.api_destinations = runtime
    app.on_reset(runtime.clear)
    app.timers.register(CONNECTION_TIMER, partial(_on_connection_timer, app, runtime))
    return runtime


# --- ARNs and endpoints ---------------------------------------------------------------------------------


def connection_arn(account: str, region: str, name: str, resource_id: str) -> str:
    return f"arn:aws:events:{region}:{account}:connection/{name}/{resource_id}"


def api_destination_arn(account: str, region: str, name: str, resource_id: str) -> str:
    return f"arn:aws:events:{region}:{account}:api-destination/{name}/{resource_id}"


def is_api_destination_arn(arn: str) -> bool:
    parts = arn.split(":", 5)
    return len(parts) == 6 and parts[2] == "events" and parts[5].startswith("api-destination/")


def secret_arn(account: str, region: str, name: str) -> str:
    """A new ARN of the connection's managed secret: `events!connection/<name>/<uuid>` plus the random
    six-character suffix Secrets Manager adds to every secret ARN."""
    suffix = "".join(secrets.choice(string.ascii_letters + string.digits) for _ in range(6))
    return (
        f"arn:aws:secretsmanager:{region}:{account}:secret:events!connection/{name}/{uuid.uuid4()}-{suffix}"
    )


_LOCAL_SUFFIXES = (".localhost", ".local", ".internal")


def valid_endpoint(url: str) -> bool:
    """An HTTPS URL with a host, as AWS requires of InvocationEndpoint and AuthorizationEndpoint. Plain
    HTTP is also accepted for local hosts (loopback addresses, `localhost`, single-label names such as
    Docker service names, `*.localhost`, `*.local`, `*.internal`): endpoints a local cloud reaches."""
    parts = urlsplit(url if "://" in url else "https://" + url)
    host = parts.hostname
    if not host or "*" in host or parts.username is not None or parts.fragment:
        return False
    if parts.scheme == "https":
        return True
    return parts.scheme == "http" and _is_local_host(host)


def _is_local_host(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host == "localhost" or "." not in host or host.endswith(_LOCAL_SUFFIXES)


# --- connection lifecycle -------------------------------------------------------------------------------


def schedule_connection(tx: Tx, app: App, arn: str, action: str, revision: int, due_at: float) -> None:
    """Schedule the connection timer: `authorize` (OAuth token fetch), `deauthorize` (DEAUTHORIZING →
    DEAUTHORIZED) or `delete` (DELETING → gone). A later schedule replaces an earlier one; the handler
    ignores a timer whose `revision` is no longer the connection's."""
    app.timers.schedule(tx, CONNECTION_TIMER, due_at, {"action": action, "revision": revision}, key=arn)


async def _on_connection_timer(app: App, runtime: Runtime, timer: Timer) -> None:
    arn = str(timer.key)
    action = timer.payload.get("action")
    revision = timer.payload.get("revision")
    with app.db.read() as conn:
        found = store.get_document_by_arn(conn, "connection", arn)
    if found is None or found.document.get("Revision") != revision:
        return
    if action == "authorize":
        await _authorize(app, runtime, found)
        return
    with app.db.transaction() as tx:
        current = store.get_document_by_arn(tx, "connection", arn)
        if current is None or current.document.get("Revision") != revision:
            return
        doc = current.document
        if action == "deauthorize" and doc["ConnectionState"] == "DEAUTHORIZING":
            doc["ConnectionState"] = "DEAUTHORIZED"
            doc["SecretArn"] = None
            store.put_document(tx, "connection", current)
        elif action == "delete" and doc["ConnectionState"] == "DELETING":
            store.delete_document(tx, "connection", arn)
    runtime.drop_token(arn)


async def _authorize(app: App, runtime: Runtime, item: store.Document) -> None:
    """AUTHORIZING → AUTHORIZED with a fresh token cached, or → DEAUTHORIZED with the reason."""
    if item.document.get("ConnectionState") != "AUTHORIZING":
        return
    revision = int(item.document["Revision"])
    oauth = (item.document.get("Auth") or {}).get("OAuthParameters") or {}
    loop = asyncio.get_running_loop()
    try:
        authorization, expires_in = await loop.run_in_executor(None, _fetch_token, oauth)
    except _TokenError as exc:
        _set_state(app, item.arn, revision, "DEAUTHORIZED", exc.message)
        return
    now = app.clock.now()
    if _set_state(app, item.arn, revision, "AUTHORIZED", None):
        expires = None if expires_in is None else now + expires_in
        runtime.keep_token(item.arn, _Token(authorization, expires, revision + 1))


def _set_state(app: App, arn: str, revision: int, state: str, reason: str | None) -> bool:
    """Move the connection at `revision` to `state` (a new revision); False if it changed meanwhile."""
    with app.db.transaction() as tx:
        current = store.get_document_by_arn(tx, "connection", arn)
        if current is None or current.document.get("Revision") != revision:
            return False
        doc = current.document
        now = float(int(app.clock.now()))
        doc["ConnectionState"] = state
        doc["StateReason"] = reason
        doc["Revision"] = revision + 1
        if state == "AUTHORIZED":
            doc["LastAuthorizedTime"] = doc["LastModifiedTime"] = now
        store.put_document(tx, "connection", current)
    return True


# --- the invocation -------------------------------------------------------------------------------------


async def send(app: App, events: Events, target: dict[str, Any], payload: str) -> None:
    """Invoke the API destination `target["Arn"]` with `payload` (the target's input, already
    transformed). Call it off any transaction.

    Raises:
        ApiDestinationThrottled: the destination's invocation rate is used up (retryable, `retry_at`).
        ApiDestinationError: any other failure; `retryable` is False for answers AWS does not retry
            (1xx/3xx/4xx other than 401, 407, 409, 429), a missing destination or connection, or a
            connection that is not authorized.
    """
    runtime: Runtime = events.api_destinations
    arn = str(target.get("Arn", ""))
    with app.db.read() as conn:
        destination = store.get_document_by_arn(conn, "api-destination", arn)
        connection_doc = None
        if destination is not None and destination.document.get("ConnectionArn"):
            connection_doc = store.get_document_by_arn(
                conn, "connection", destination.document["ConnectionArn"]
            )
    if destination is None:
        raise ApiDestinationError(
            f"API destination {arn} does not exist.", retryable=False, code="ResourceNotFoundException"
        )
    if connection_doc is None:
        raise ApiDestinationError(
            f"The connection of API destination {destination.name} does not exist.",
            retryable=False,
            code="ResourceNotFoundException",
        )
    connection = connection_doc.document
    state = connection.get("ConnectionState")
    if state != "AUTHORIZED":
        raise ApiDestinationError(
            f"Connection {connection_doc.name} is {state}, not AUTHORIZED.",
            retryable=state in ("AUTHORIZING", "CREATING", "UPDATING"),
            code="InvalidConnectionState",
        )
    now = app.clock.now()
    rate = int(destination.document.get("InvocationRateLimitPerSecond") or 300)
    retry_at = runtime.admit(arn, rate, now)
    if retry_at is not None:
        raise ApiDestinationThrottled(
            f"API destination {destination.name} is limited to {rate} invocations per second.", retry_at
        )
    auth = await _auth_headers(app, runtime, connection_doc, now)
    method, url, headers, body = build_request(destination.document, connection, target, payload, auth)
    loop = asyncio.get_running_loop()
    status, response_headers, _ = await loop.run_in_executor(None, _exchange, method, url, headers, body)
    if 200 <= status < 300:
        return
    error = _status_error(status, response_headers, app.clock.now())
    if _after_failure(app, runtime, connection_doc, status):
        error.retryable, error.retry_at = False, None  # the connection is de-authorized now
    raise error


async def _auth_headers(app: App, runtime: Runtime, item: store.Document, now: float) -> dict[str, str]:
    """The connection's authorization header(s); an OAuth connection's token from the cache, or fetched."""
    doc = item.document
    auth = doc.get("Auth") or {}
    kind = doc.get("AuthorizationType")
    if kind == "BASIC":
        basic = auth.get("BasicAuthParameters") or {}
        raw = f"{basic.get('Username', '')}:{basic.get('Password', '')}".encode()
        return {"Authorization": "Basic " + base64.b64encode(raw).decode("ascii")}
    if kind == "API_KEY":
        key = auth.get("ApiKeyAuthParameters") or {}
        return {str(key.get("ApiKeyName", "")): str(key.get("ApiKeyValue", ""))}
    revision = int(doc.get("Revision", 0))
    cached = runtime.token(item.arn, revision, now)
    if cached is not None:
        return {"Authorization": cached}
    loop = asyncio.get_running_loop()
    try:
        authorization, expires_in = await loop.run_in_executor(
            None, _fetch_token, auth.get("OAuthParameters") or {}
        )
    except _TokenError as exc:
        if not exc.retryable:  # EventBridge de-authorizes a connection whose token it cannot refresh
            _set_state(app, item.arn, revision, "DEAUTHORIZED", exc.message)
        raise ApiDestinationError(
            exc.message, retryable=exc.retryable, code="InvalidConnectionState"
        ) from None
    expires = None if expires_in is None else app.clock.now() + expires_in
    runtime.keep_token(item.arn, _Token(authorization, expires, revision))
    return {"Authorization": authorization}


def _after_failure(app: App, runtime: Runtime, item: store.Document, status: int) -> bool:
    """A 401/407 answer refreshes an OAuth token (on the retry) and de-authorizes a BASIC or API_KEY
    connection, as "De-authorizing connections" describes. True if the connection was de-authorized."""
    if status not in DEAUTHORIZING_STATUSES:
        return False
    if item.document.get("AuthorizationType") == "OAUTH_CLIENT_CREDENTIALS":
        runtime.drop_token(item.arn)
        return False
    reason = f"The endpoint answered HTTP {status}; the connection's credentials were not accepted."
    return _set_state(app, item.arn, int(item.document.get("Revision", 0)), "DEAUTHORIZED", reason)


def _status_error(status: int, headers: dict[str, str], now: float) -> ApiDestinationError:
    retryable = status in RETRYABLE_STATUSES or status >= 500
    retry_at = None
    delay = _retry_after_s(headers.get("retry-after"), now)
    if delay is not None:
        if delay < 0:  # a negative Retry-After stops the retries of this event
            retryable = False
        else:
            retry_at = now + delay
    return ApiDestinationError(
        f"The API destination endpoint answered HTTP {status}.",
        retryable=retryable,
        code="ERROR_FROM_TARGET",
        status=status,
        retry_at=retry_at if retryable else None,
    )


def _retry_after_s(value: str | None, now: float) -> float | None:
    if not value:
        return None
    try:
        seconds = float(value.strip())
    except ValueError:
        try:
            return parsedate_to_datetime(value).timestamp() - now
        except (TypeError, ValueError, IndexError):
            return None
    return seconds if math.isfinite(seconds) else None


# --- the request ----------------------------------------------------------------------------------------


def _pairs(parameters: dict[str, Any] | None, kind: str) -> dict[str, str]:
    """A connection's `[{Key, Value, IsValueSecret}]` list as a dict."""
    return {str(p["Key"]): str(p.get("Value", "")) for p in (parameters or {}).get(kind) or [] if "Key" in p}


def build_request(
    destination: dict[str, Any],
    connection: dict[str, Any],
    target: dict[str, Any],
    payload: str,
    auth: dict[str, str],
) -> tuple[str, str, dict[str, str], bytes]:
    """(method, url, headers, body) of one invocation.

    The endpoint's `*` path wildcards take the target's `HttpParameters.PathParameterValues` in order.
    Query string and headers merge the target's `HttpParameters` with the connection's
    `InvocationHttpParameters`, the connection's values winning ("HttpParameters", EventBridge API
    reference); the connection's body parameters join a JSON-object payload. The connection's
    authorization header(s) `auth` come last; removed headers are dropped and the fixed ones set.
    """
    http_parameters = target.get("HttpParameters") or {}
    invocation = (connection.get("Auth") or {}).get("InvocationHttpParameters") or {}
    endpoint = str(destination["InvocationEndpoint"])
    parts = urlsplit(endpoint if "://" in endpoint else "https://" + endpoint)
    path = parts.path
    for value in http_parameters.get("PathParameterValues") or []:
        if "*" not in path:
            break
        path = path.replace("*", quote(str(value), safe=""), 1)
    query = dict(parse_qsl(parts.query, keep_blank_values=True))
    query.update({str(k): str(v) for k, v in (http_parameters.get("QueryStringParameters") or {}).items()})
    query.update(_pairs(invocation, "QueryStringParameters"))
    url = urlunsplit((parts.scheme, parts.netloc, path or "/", urlencode(query), ""))

    merged: dict[str, tuple[str, str]] = {}  # lower-cased name → (name as given, value); later ones win
    for source in (
        http_parameters.get("HeaderParameters") or {},
        _pairs(invocation, "HeaderParameters"),
        auth,
    ):
        for key, value in source.items():
            name = str(key).strip()
            merged[name.lower()] = (name, str(value))
    for name in REMOVED_HEADERS:
        merged.pop(name, None)
    merged.setdefault("content-type", ("Content-Type", DEFAULT_CONTENT_TYPE))
    merged.update({key.lower(): (key, value) for key, value in FIXED_HEADERS.items()})
    headers = dict(merged.values())

    body = payload
    extra = _pairs(invocation, "BodyParameters")
    if extra:
        try:
            document = json.loads(payload)
        except ValueError:
            document = None
        if isinstance(document, dict):
            document.update(extra)
            body = json.dumps(document, separators=(",", ":"), ensure_ascii=False)
    return str(destination["HttpMethod"]), url, headers, body.encode("utf-8")


def _connect(url: str, timeout_s: float) -> tuple[http.client.HTTPConnection, str]:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ApiDestinationError(
            f"Not an HTTP(S) endpoint: {url}", retryable=False, code="CONNECTION_FAILURE"
        )
    connection: http.client.HTTPConnection
    if parts.scheme == "https":
        context = ssl.create_default_context()
        connection = http.client.HTTPSConnection(
            parts.hostname, parts.port, timeout=timeout_s, context=context
        )
    else:
        connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=timeout_s)
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return connection, target


def _exchange(
    method: str, url: str, headers: dict[str, str], body: bytes | None
) -> tuple[int, dict[str, str], bytes]:
    """One blocking request (run it in an executor): status, lower-cased headers, at most 1 MiB of body.
    Redirects are not followed."""
    connection, target = _connect(url, HTTP_TIMEOUT_S)
    host = urlsplit(url).hostname
    try:
        connection.request(method, target, body=body, headers=headers)
        with connection.getresponse() as response:
            data = response.read(MAX_RESPONSE_BYTES) if method != "HEAD" else b""
            return response.status, {k.lower(): v for k, v in response.getheaders()}, data
    except TimeoutError as exc:
        raise ApiDestinationError(
            f"No answer from {host} within {HTTP_TIMEOUT_S:g} s.", retryable=True, code="CONNECTION_FAILURE"
        ) from exc
    except (OSError, http.client.HTTPException) as exc:
        raise ApiDestinationError(
            f"Cannot reach {host}: {exc}", retryable=True, code="CONNECTION_FAILURE"
        ) from exc
    except ValueError as exc:  # a header or URL http.client refuses to send
        raise ApiDestinationError(
            f"Cannot send to {host}: {exc}", retryable=False, code="CONNECTION_FAILURE"
        ) from exc
    finally:
        connection.close()


def _fetch_token(oauth: dict[str, Any]) -> tuple[str, float | None]:
    """Exchange the client credentials for an access token (blocking): RFC 6749 §4.4, the client
    authenticated with HTTP Basic and in the form (§2.3.1), `grant_type=client_credentials` unless the
    connection's OAuthHttpParameters set it, their headers, query and body parameters added. Returns
    the `Authorization` value and the token's lifetime in seconds (None if the answer gives none).

    Raises: _TokenError (retryable for 429, 5xx and network failures).
    """
    client = oauth.get("ClientParameters") or {}
    client_id = str(client.get("ClientID", ""))
    client_secret = str(client.get("ClientSecret", ""))
    extra = oauth.get("OAuthHttpParameters") or {}
    form = {"grant_type": "client_credentials", **_pairs(extra, "BodyParameters")}
    form.update({"client_id": client_id, "client_secret": client_secret})
    parts = urlsplit(str(oauth.get("AuthorizationEndpoint", "")))
    query = dict(parse_qsl(parts.query, keep_blank_values=True))
    query.update(_pairs(extra, "QueryStringParameters"))
    method = str(oauth.get("HttpMethod") or "POST")
    body: bytes | None = None
    if method == "GET":
        query.update(form)
    else:
        body = urlencode(form).encode()
    url = urlunsplit((parts.scheme, parts.netloc, parts.path or "/", urlencode(query), ""))
    headers = {k.lower(): v for k, v in _pairs(extra, "HeaderParameters").items()}
    basic = base64.b64encode(f"{client_id}:{client_secret}".encode()).decode("ascii")
    headers.update({"authorization": f"Basic {basic}", "accept": "application/json"})
    headers["user-agent"] = USER_AGENT
    if body is not None:
        headers["content-type"] = "application/x-www-form-urlencoded"
    try:
        status, _, data = _exchange(method, url, headers, body)
    except ApiDestinationError as exc:
        raise _TokenError(f"Cannot reach the OAuth authorization endpoint: {exc.message}", True) from None
    if not 200 <= status < 300:
        raise _TokenError(
            f"The OAuth authorization endpoint answered HTTP {status}.", status == 429 or status >= 500
        )
    try:
        answer = json.loads(data)
        token = answer["access_token"]
    except (ValueError, KeyError, TypeError):
        raise _TokenError("The OAuth authorization endpoint did not return an access token.", False) from None
    if not isinstance(token, str) or not token or "\r" in token or "\n" in token:
        raise _TokenError("The OAuth authorization endpoint did not return an access token.", False)
    token_type = answer.get("token_type") or "Bearer"
    if str(token_type).lower() == "bearer":
        token_type = "Bearer"
    expires_in = answer.get("expires_in")
    try:
        lifetime = float(expires_in) if expires_in is not None else None
    except (TypeError, ValueError):
        lifetime = None
    return f"{token_type} {token}", lifetime
