"""Function URLs: their configs (Create/Get/Update/Delete/ListFunctionUrlConfig(s)) and the HTTP endpoint.

A request to `<url-id>.lambda-url.<region>.localhost[.localstack.cloud]:<port>` (or, without DNS, to
`/_aws/lambda-url/<url-id>/<path>` on the endpoint) becomes an event in payload format 2.0, runs
through `Invoker.run` (concurrency, logs and timeouts apply), and the function's answer becomes the HTTP
response: a dict with `statusCode` is an HTTP response (`headers`, `body`, `isBase64Encoded`,
`cookies`); any other JSON value is a 200 `application/json` body. A failed invocation answers 502.

The `FunctionUrl` is built from the endpoint the caller used, so it stays right across ports.
`AWS_IAM` URLs want a signed request but signatures are not verified: any `Authorization` header
(or presigned query) passes, none answers 403.
"""

from __future__ import annotations

import base64
import binascii
import json
import logging
import re
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urlsplit

from cloudlet.core import ids
from cloudlet.core.clock import epoch_ms
from cloudlet.gateway.identity import account_for, credential_of
from cloudlet.protocol.http import HttpRequest, HttpResponse
from cloudlet.services.lambda_ import store
from cloudlet.services.lambda_.errors import (
    InvalidParameterValueException,
    InvalidRuntimeException,
    ResourceConflictException,
    ResourceNotFoundException,
    TooManyRequestsException,
)
from cloudlet.services.lambda_.functions import function_arn, parse_name
from cloudlet.services.lambda_.invoke import MAX_SYNC_PAYLOAD_B

if TYPE_CHECKING:
    from cloudlet.app import App
    from cloudlet.services.lambda_.engine import Lambda

log = logging.getLogger("cloudlet.lambda")

URL_ID_LENGTH = 32
PATH_PREFIX = "/_aws/lambda-url/"
"""Path form of a function URL on the endpoint: `/_aws/lambda-url/<url-id>/<path>` (no DNS needed)."""
_LOCAL_DOMAINS = ("localhost.localstack.cloud", "localhost")
_QUALIFIER = re.compile(r"(?!^\d+$)^[0-9a-zA-Z_-]+$")
_NOT_FOUND = "The resource you requested does not exist."
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_TEXT_TYPES = ("json", "xml", "javascript", "yaml")
_JSON = "application/json"


# -- configs ------------------------------------------------------------------------------------------


def function_url(url_id: str, region: str, endpoint: str) -> str:
    """`http://<url-id>.lambda-url.<region>.localhost:<port>/` on the scheme, domain and port of
    `endpoint` (`localhost.localstack.cloud` when the caller used that)."""
    parts = urlsplit(endpoint)
    host = parts.hostname or "localhost"
    domain = next((d for d in _LOCAL_DOMAINS if host == d or host.endswith("." + d)), "localhost")
    port = f":{parts.port}" if parts.port else ""
    return f"{parts.scheme or 'http'}://{url_id}.lambda-url.{region}.{domain}{port}/"


def _timestamp(now: float) -> str:
    """ISO-8601 as Lambda writes CreationTime/LastModifiedTime: `2024-01-02T03:04:05.678901Z`."""
    return datetime.fromtimestamp(now, tz=UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _target(
    lam: Lambda, account: str, region: str, function_name: str, qualifier: str | None
) -> tuple[store.Key, str]:
    """(function key, qualifier or '') of a config request; the function (and alias) must exist."""
    key, qualifier = parse_name(function_name, account, region, qualifier)
    if qualifier and not _QUALIFIER.match(qualifier):
        raise InvalidParameterValueException(
            f"1 validation error detected: Value '{qualifier}' at 'qualifier' failed to satisfy constraint: "
            "Member must satisfy regular expression pattern: ((?!^\\d+$)^[0-9a-zA-Z-_]+$)"
        )
    with lam.db.read() as conn:
        if store.get_function(conn, key) is None:
            raise ResourceNotFoundException(f"Function not found: {function_arn(key)}")
        if qualifier and store.get_doc(conn, "lambda_alias", "config", key, qualifier) is None:
            raise ResourceNotFoundException(f"Function not found: {function_arn(key, qualifier)}")
    return key, qualifier or ""


def _answer(row: Any, endpoint: str, *, last_modified: bool = True) -> dict[str, Any]:
    config = json.loads(row["config"])
    out: dict[str, Any] = {"FunctionUrl": function_url(row["url_id"], row["region"], endpoint), **config}
    if not last_modified:
        out.pop("LastModifiedTime", None)
    return out


def create(lam: Lambda, account: str, region: str, request: dict[str, Any], endpoint: str) -> dict[str, Any]:
    key, qualifier = _target(lam, account, region, request["FunctionName"], request.get("Qualifier"))
    now = _timestamp(lam.clock.now())
    config: dict[str, Any] = {
        "FunctionArn": function_arn(key, qualifier or None),
        "AuthType": request["AuthType"],
        "CreationTime": now,
        "LastModifiedTime": now,
        "InvokeMode": request.get("InvokeMode") or "BUFFERED",
    }
    if request.get("Cors") is not None:
        config["Cors"] = request["Cors"]
    url_id = ids.short_id(URL_ID_LENGTH)
    with lam.db.transaction() as tx:
        if store.get_url(tx, key, qualifier) is not None:
            raise ResourceConflictException(
                f"Failed to create function url config for [functionArn = {config['FunctionArn']}]. "
                "Error message:  FunctionUrlConfig exists for this Lambda function"
            )
        store.insert_url(tx, url_id, key, qualifier, config)
        row = store.get_url_by_id(tx, url_id)
    return _answer(row, endpoint, last_modified=False)


def get(
    lam: Lambda, account: str, region: str, function_name: str, qualifier: str | None, endpoint: str
) -> dict[str, Any]:
    key, qualifier = _target(lam, account, region, function_name, qualifier)
    with lam.db.read() as conn:
        row = store.get_url(conn, key, qualifier)
    if row is None:
        raise ResourceNotFoundException(_NOT_FOUND)
    return _answer(row, endpoint)


def update(lam: Lambda, account: str, region: str, request: dict[str, Any], endpoint: str) -> dict[str, Any]:
    key, qualifier = _target(lam, account, region, request["FunctionName"], request.get("Qualifier"))
    with lam.db.transaction() as tx:
        row = store.get_url(tx, key, qualifier)
        if row is None:
            raise ResourceNotFoundException(_NOT_FOUND)
        config = json.loads(row["config"])
        for name in ("AuthType", "Cors", "InvokeMode"):
            if request.get(name) is not None:
                config[name] = request[name]
        config["LastModifiedTime"] = _timestamp(lam.clock.now())
        store.update_url(tx, row["url_id"], config)
        row = store.get_url_by_id(tx, row["url_id"])
    return _answer(row, endpoint)


def delete(lam: Lambda, account: str, region: str, function_name: str, qualifier: str | None) -> None:
    key, qualifier = _target(lam, account, region, function_name, qualifier)
    with lam.db.transaction() as tx:
        row = store.get_url(tx, key, qualifier)
        if row is None:
            raise ResourceNotFoundException(_NOT_FOUND)
        store.delete_url(tx, row["url_id"])


def list_configs(
    lam: Lambda, account: str, region: str, function_name: str, endpoint: str
) -> list[dict[str, Any]]:
    key, _ = parse_name(function_name, account, region)
    lam.functions.row(key)
    with lam.db.read() as conn:
        return [_answer(row, endpoint) for row in store.list_urls(conn, key)]


# -- the HTTP endpoint --------------------------------------------------------------------------------


def _json_response(status: int, payload: Any, request_id: str, error_type: str | None = None) -> HttpResponse:
    headers = [("Content-Type", _JSON), ("x-amzn-RequestId", request_id)]
    if error_type:
        headers.append(("x-amzn-ErrorType", error_type))
    return HttpResponse(status, headers, json.dumps(payload, separators=(",", ":")).encode())


def _bad_gateway(request_id: str) -> HttpResponse:
    """What Lambda answers for a failed invocation (error, timeout, crash) or an unusable response."""
    return HttpResponse(
        502, [("Content-Type", _JSON), ("x-amzn-RequestId", request_id)], b"Internal Server Error"
    )


async def serve(
    app: App, request: HttpRequest, url_id: str, region: str | None, raw_path: str
) -> HttpResponse:
    """Answer one request to the function URL `url_id` (`region` from the host form, None for the path
    form); `raw_path` is the path the function sees."""
    request_id = ids.request_id()
    try:
        return await _serve(app, request, url_id.lower(), region, raw_path or "/", request_id)
    except Exception:
        log.exception("function URL %s failed (request id %s)", url_id, request_id)
        return _json_response(500, {"Message": "Internal Server Error"}, request_id)


async def _serve(
    app: App, request: HttpRequest, url_id: str, region: str | None, raw_path: str, request_id: str
) -> HttpResponse:
    lam: Lambda = app.service("lambda").state
    with lam.db.read() as conn:
        row = store.get_url_by_id(conn, url_id)
    if row is None or (region is not None and region != row["region"]):
        return _json_response(403, {"Message": None}, request_id, "AccessDeniedException")
    config = json.loads(row["config"])
    cors = config.get("Cors")
    origin = request.headers.get("origin")
    if (
        cors is not None
        and request.method == "OPTIONS"
        and origin
        and "access-control-request-method" in request.headers
    ):
        return HttpResponse(200, [("x-amzn-RequestId", request_id), *_preflight_headers(cors, origin)], b"")
    credential = credential_of(request)
    if config["AuthType"] == "AWS_IAM" and credential is None and "authorization" not in request.headers:
        return _json_response(403, {"Message": "Forbidden"}, request_id, "AccessDeniedException")
    try:
        resolved = lam.functions.resolve(row["account"], row["region"], row["name"], row["qualifier"] or None)
    except ResourceNotFoundException:
        return _json_response(403, {"Message": None}, request_id, "AccessDeniedException")

    caller = None
    if config["AuthType"] == "AWS_IAM":
        key_id = credential.access_key_id if credential else ""
        caller = (key_id, account_for(key_id, app.settings.account_id))
    event = event_for(request, url_id, row["region"], raw_path, caller, lam.clock.now(), request_id)
    payload = json.dumps(event).encode()
    if len(payload) > MAX_SYNC_PAYLOAD_B:
        return _json_response(413, {"Message": "Request Entity Too Large"}, request_id)
    try:
        result = await lam.invoker.run(resolved, payload, request_id)
    except TooManyRequestsException:
        return _json_response(429, {"Message": "Rate Exceeded."}, request_id, "TooManyRequestsException")
    except InvalidRuntimeException:
        return _bad_gateway(request_id)
    if result.outcome != "ok":
        return _bad_gateway(request_id)
    try:
        status, headers, body = shape_response(result.payload)
    except ValueError:
        return _bad_gateway(request_id)
    headers.append(("x-amzn-RequestId", request_id))
    if cors is not None and origin:  # the URL's CORS headers replace any the function set
        added = _cors_headers(cors, origin)
        replaced = {name.lower() for name, _ in added}
        headers = [(k, v) for k, v in headers if k.lower() not in replaced] + added
    return HttpResponse(status, headers, body)


def event_for(
    request: HttpRequest,
    url_id: str,
    region: str,
    raw_path: str,
    caller: tuple[str, str] | None,
    now: float,
    request_id: str,
) -> dict[str, Any]:
    """The payload format 2.0 event of `request`. `caller` is (access key id, account) for AWS_IAM."""
    headers: dict[str, str] = {}
    cookies: list[str] = []
    for name, value in request.headers.items():
        name = name.lower()
        if name == "cookie":
            cookies += [c.strip() for c in value.split(";") if c.strip()]
        else:
            headers[name] = f"{headers[name]},{value}" if name in headers else value
    scheme = headers.get("x-forwarded-proto") or "http"
    headers.setdefault("x-forwarded-proto", scheme)
    headers.setdefault("x-forwarded-for", request.client)
    port = (request.headers.get("host") or "").rpartition(":")[2]
    if port.isdigit():
        headers.setdefault("x-forwarded-port", port)
    headers.setdefault("x-amzn-trace-id", f"Root=1-{int(now):08x}-{ids.hex_id(24)}")

    domain = next((d for d in _LOCAL_DOMAINS if request.host.endswith(d)), "localhost")
    dt = datetime.fromtimestamp(now, tz=UTC)
    context: dict[str, Any] = {
        "accountId": caller[1] if caller else "anonymous",
        "apiId": url_id,
        "domainName": f"{url_id}.lambda-url.{region}.{domain}",
        "domainPrefix": url_id,
        "http": {
            "method": request.method,
            "path": raw_path,
            "protocol": "HTTP/1.1",
            "sourceIp": request.client,
            "userAgent": request.headers.get("user-agent") or "",
        },
        "requestId": request_id,
        "routeKey": "$default",
        "stage": "$default",
        "time": f"{dt:%d}/{_MONTHS[dt.month - 1]}/{dt:%Y:%H:%M:%S} +0000",
        "timeEpoch": epoch_ms(now),
    }
    if caller is not None:
        key_id, account = caller
        context["authorizer"] = {
            "iam": {
                "accessKey": key_id,
                "accountId": account,
                "callerId": account,
                "cognitoIdentity": None,
                "principalOrgId": None,
                "userArn": f"arn:aws:iam::{account}:root",
                "userId": account,
            }
        }
    event: dict[str, Any] = {
        "version": "2.0",
        "routeKey": "$default",
        "rawPath": raw_path,
        "rawQueryString": request.query_string,
    }
    if cookies:
        event["cookies"] = cookies
    event["headers"] = headers
    if request.query_string:
        params: dict[str, str] = {}
        for name, value in parse_qsl(request.query_string, keep_blank_values=True):
            params[name] = f"{params[name]},{value}" if name in params else value
        event["queryStringParameters"] = params
    event["requestContext"] = context
    encoded = False
    if request.body:
        text = _text_body(request.body, request.content_type)
        encoded = text is None
        event["body"] = base64.b64encode(request.body).decode() if text is None else text
    event["isBase64Encoded"] = encoded
    return event


def _text_body(body: bytes, content_type: str) -> str | None:
    """The body as text when its content type is textual and it is UTF-8; None means base64."""
    if not (content_type.startswith("text/") or any(t in content_type for t in _TEXT_TYPES)):
        return None
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:
        return None


def shape_response(payload: bytes) -> tuple[int, list[tuple[str, str]], bytes]:
    """(status, headers, body) of the function's answer. Raises ValueError when it is unusable."""
    try:
        value = json.loads(payload)
    except ValueError:
        return 200, [("Content-Type", _JSON)], payload
    if not isinstance(value, dict) or "statusCode" not in value:
        body = value.encode() if isinstance(value, str) else payload
        return 200, [("Content-Type", _JSON)], body
    status = int(value["statusCode"])
    if not 100 <= status <= 599:
        raise ValueError(f"status code {status}")
    headers: list[tuple[str, str]] = []
    for name, header_value in (value.get("headers") or {}).items():
        text = str(header_value).lower() if isinstance(header_value, bool) else str(header_value)
        _check_header(name, text)
        headers.append((name, text))
    for cookie in value.get("cookies") or []:
        _check_header("Set-Cookie", str(cookie))
        headers.append(("Set-Cookie", str(cookie)))
    if not any(name.lower() == "content-type" for name, _ in headers):
        headers.insert(0, ("Content-Type", _JSON))
    raw = value.get("body")
    if raw is None:
        body = b""
    elif not isinstance(raw, str):
        body = json.dumps(raw).encode()
    elif value.get("isBase64Encoded"):
        try:
            body = base64.b64decode(raw, validate=True)
        except binascii.Error as exc:
            raise ValueError("body is not base64") from exc
    else:
        body = raw.encode()
    return status, headers, body


def _check_header(name: str, value: str) -> None:
    if not name or any(c in name for c in " :\r\n") or "\r" in value or "\n" in value:
        raise ValueError(f"invalid header {name!r}")
    name.encode("latin-1")
    value.encode("latin-1")  # UnicodeEncodeError is a ValueError


def _allowed_origin(cors: dict[str, Any], origin: str) -> str | None:
    allowed = cors.get("AllowOrigins") or []
    if "*" in allowed:
        return origin if cors.get("AllowCredentials") else "*"
    lowered = origin.lower()
    return origin if any(o.lower() == lowered for o in allowed) else None


def _cors_headers(cors: dict[str, Any], origin: str) -> list[tuple[str, str]]:
    """The CORS headers of an actual (not preflight) request from `origin`; none for other origins."""
    allow = _allowed_origin(cors, origin)
    if allow is None:
        return []
    headers = [("Access-Control-Allow-Origin", allow)]
    if allow != "*":
        headers.append(("Vary", "Origin"))
    if cors.get("AllowCredentials"):
        headers.append(("Access-Control-Allow-Credentials", "true"))
    if cors.get("ExposeHeaders"):
        headers.append(("Access-Control-Expose-Headers", ",".join(cors["ExposeHeaders"])))
    return headers


def _preflight_headers(cors: dict[str, Any], origin: str) -> list[tuple[str, str]]:
    headers = _cors_headers(cors, origin)
    if not headers:
        return []
    if cors.get("AllowMethods"):
        headers.append(("Access-Control-Allow-Methods", ",".join(cors["AllowMethods"])))
    if cors.get("AllowHeaders"):
        headers.append(("Access-Control-Allow-Headers", ",".join(cors["AllowHeaders"])))
    if cors.get("MaxAge") is not None:
        headers.append(("Access-Control-Max-Age", str(cors["MaxAge"])))
    return headers
