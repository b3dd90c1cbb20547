"""API destinations: the control plane through boto3, and `api_destinations.send()` (the HTTP call a rule's
target makes) against a real HTTP server on loopback: authorization, parameters, OAuth tokens, answers
that are and are not retried, the invocation rate."""

from __future__ import annotations

import asyncio
import base64
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from botocore.exceptions import ClientError
from hypothesis import given
from hypothesis import strategies as st

from cloudlet.services.events.api_destinations import (
    ApiDestinationError,
    ApiDestinationThrottled,
    Runtime,
    build_request,
    send,
    valid_endpoint,
)

# --- a loopback HTTP endpoint ---------------------------------------------------------------------------


class Endpoint:
    """Answers every method on every path (200 unless `answer()` says otherwise) and records requests."""

    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        self.answers: dict[str, tuple[int, dict[str, str], bytes]] = {}
        lock = threading.Lock()
        endpoint = self

        class Handler(BaseHTTPRequestHandler):
            def handle_any(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length).decode()
                parts = urlsplit(self.path)
                with lock:
                    endpoint.requests.append(
                        {
                            "method": self.command,
                            "path": parts.path,
                            "query": parse_qs(parts.query),
                            "headers": self.headers,
                            "body": body,
                        }
                    )
                    status, headers, data = endpoint.answers.get(parts.path, (200, {}, b""))
                self.send_response(status)
                for key, value in headers.items():
                    self.send_header(key, value)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_OPTIONS = handle_any

            def log_message(self, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self._server.serve_forever, args=(0.01,), daemon=True).start()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}{path}"

    def answer(self, path: str, status: int, body: Any = b"", **headers: str) -> None:
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        self.answers[path] = (status, {k.replace("_", "-"): v for k, v in headers.items()}, data)

    def to(self, path: str) -> list[dict[str, Any]]:
        return [r for r in self.requests if r["path"] == path]

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()


@pytest.fixture
def endpoint() -> Iterator[Endpoint]:
    server = Endpoint()
    yield server
    server.close()


# --- helpers --------------------------------------------------------------------------------------------


def basic_connection(events: Any, name: str = "conn", **http: Any) -> str:
    auth: dict[str, Any] = {"BasicAuthParameters": {"Username": "user", "Password": "pw"}}
    if http:
        auth["InvocationHttpParameters"] = http
    return events.create_connection(Name=name, AuthorizationType="BASIC", AuthParameters=auth)[
        "ConnectionArn"
    ]


def oauth_connection(cloudlet: Any, events: Any, endpoint: Endpoint, **token: Any) -> str:
    endpoint.answer("/token", 200, {"access_token": "tok-1", "token_type": "bearer", **token})
    arn = events.create_connection(
        Name="oauth",
        AuthorizationType="OAUTH_CLIENT_CREDENTIALS",
        AuthParameters={
            "OAuthParameters": {
                "ClientParameters": {"ClientID": "client", "ClientSecret": "shh"},
                "AuthorizationEndpoint": endpoint.url("/token"),
                "HttpMethod": "POST",
                "OAuthHttpParameters": {"BodyParameters": [{"Key": "audience", "Value": "api"}]},
            }
        },
    )["ConnectionArn"]
    cloudlet.settle()
    return str(arn)


def destination(events: Any, connection: str, url: str, name: str = "dest", **extra: Any) -> str:
    return events.create_api_destination(
        Name=name, ConnectionArn=connection, InvocationEndpoint=url, HttpMethod="POST", **extra
    )["ApiDestinationArn"]


def invoke(cloudlet: Any, arn: str, payload: str = '{"detail":{"n":1}}', **target: Any) -> None:
    """`send()` as the delivery of a rule's target calls it."""
    app = cloudlet.app
    asyncio.run(send(app, app.service("events").state, {"Id": "t1", "Arn": arn, **target}, payload))


def failure(cloudlet: Any, arn: str, **target: Any) -> ApiDestinationError:
    with pytest.raises(ApiDestinationError) as excinfo:
        invoke(cloudlet, arn, **target)
    return excinfo.value


def error_of(excinfo: pytest.ExceptionInfo[ClientError]) -> tuple[str, int, str]:
    response = excinfo.value.response
    return (
        response["Error"]["Code"],
        response["ResponseMetadata"]["HTTPStatusCode"],
        response["Error"]["Message"],
    )


# --- control plane --------------------------------------------------------------------------------------


def test_create_and_describe_with_defaults(events: Any) -> None:
    connection = basic_connection(events)

    created = events.create_api_destination(
        Name="dest",
        ConnectionArn=connection,
        InvocationEndpoint="https://api.example.com/in",
        HttpMethod="PUT",
    )
    described = events.describe_api_destination(Name="dest")

    assert created["ApiDestinationState"] == "ACTIVE"
    assert created["ApiDestinationArn"].startswith(
        "arn:aws:events:us-east-1:000000000000:api-destination/dest/"
    )
    assert described["InvocationRateLimitPerSecond"] == 300
    assert described["ConnectionArn"] == connection
    assert (described["HttpMethod"], described["InvocationEndpoint"]) == ("PUT", "https://api.example.com/in")


def test_connection_must_exist(events: Any) -> None:
    missing = "arn:aws:events:us-east-1:000000000000:connection/nope/4a1f2a3e-0000-4000-8000-000000000000"

    with pytest.raises(ClientError) as excinfo:
        destination(events, missing, "https://api.example.com/in")

    assert error_of(excinfo) == (
        "ResourceNotFoundException",
        400,
        f"Failed to create the api-destination(s). Connection '{missing}' does not exist.",
    )


def test_rate_limit_above_300_is_refused(events: Any) -> None:
    connection = basic_connection(events)

    with pytest.raises(ClientError) as excinfo:
        destination(events, connection, "https://api.example.com/in", InvocationRateLimitPerSecond=301)

    assert error_of(excinfo) == (
        "LimitExceededException",
        400,
        "Failed to create the api-destination(s). Invalid Invocation Rate Limit: Rate specified '301' for"
        " 'dest' exceeds maximum allowed of '300'.",
    )


def test_endpoint_must_be_https(events: Any) -> None:
    connection = basic_connection(events)

    with pytest.raises(ClientError) as excinfo:
        destination(events, connection, "http://api.example.com/in")

    assert error_of(excinfo) == (
        "ValidationException",
        400,
        "Failed to create the api-destination(s). Parameter InvocationEndpoint is not valid. Reason: Endpoint"
        " 'http://api.example.com/in' is invalid, please provide a valid HTTPS endpoint URL.",
    )


def test_create_twice_is_rejected(events: Any) -> None:
    connection = basic_connection(events)
    destination(events, connection, "https://api.example.com/in")

    with pytest.raises(ClientError) as excinfo:
        destination(events, connection, "https://api.example.com/in")

    assert error_of(excinfo)[:2] == ("ResourceAlreadyExistsException", 400)


def test_update_changes_only_what_is_given(cloudlet: Any, events: Any) -> None:
    connection = basic_connection(events)
    destination(events, connection, "https://api.example.com/in", Description="first")
    cloudlet.clock.advance(3)

    events.update_api_destination(Name="dest", InvocationRateLimitPerSecond=7, HttpMethod="PATCH")

    described = events.describe_api_destination(Name="dest")
    assert (described["InvocationRateLimitPerSecond"], described["HttpMethod"]) == (7, "PATCH")
    assert described["Description"] == "first"
    assert described["LastModifiedTime"] > described["CreationTime"]


def test_deleted_destination_is_gone(events: Any) -> None:
    destination(events, basic_connection(events), "https://api.example.com/in")

    events.delete_api_destination(Name="dest")

    with pytest.raises(ClientError) as excinfo:
        events.describe_api_destination(Name="dest")
    assert error_of(excinfo) == (
        "ResourceNotFoundException",
        400,
        "Failed to describe the api-destination(s). An api-destination 'dest' does not exist.",
    )


def test_list_by_connection(events: Any) -> None:
    first, second = basic_connection(events, "one"), basic_connection(events, "two")
    destination(events, first, "https://a.example.com/", name="a")
    destination(events, second, "https://b.example.com/", name="b")

    listed = events.list_api_destinations(ConnectionArn=second)["ApiDestinations"]

    assert [d["Name"] for d in listed] == ["b"]


def test_list_takes_one_filter_only(events: Any) -> None:
    with pytest.raises(ClientError) as excinfo:
        events.list_api_destinations(NamePrefix="a", ConnectionArn=basic_connection(events))

    assert error_of(excinfo)[:2] == ("ValidationException", 400)


def test_destination_of_a_deauthorized_connection_is_inactive(cloudlet: Any, events: Any) -> None:
    destination(events, basic_connection(events), "https://api.example.com/in")

    events.deauthorize_connection(Name="conn")
    cloudlet.clock.advance(1)
    cloudlet.settle()

    assert events.describe_api_destination(Name="dest")["ApiDestinationState"] == "INACTIVE"


# --- send(): the request --------------------------------------------------------------------------------


def test_basic_auth_and_the_fixed_headers(cloudlet: Any, events: Any, endpoint: Endpoint) -> None:
    arn = destination(events, basic_connection(events), endpoint.url("/hook"))

    invoke(cloudlet, arn, payload='{"hello":"world"}')

    [request] = endpoint.to("/hook")
    headers = request["headers"]
    assert request["method"] == "POST"
    assert headers["Authorization"] == "Basic " + base64.b64encode(b"user:pw").decode()
    assert headers["User-Agent"] == "Amazon/EventBridge/ApiDestinations"
    assert headers["Content-Type"] == "application/json; charset=utf-8"
    assert headers["Range"] == "bytes=0-1048575"
    assert request["body"] == '{"hello":"world"}'


def test_api_key_goes_in_its_header(cloudlet: Any, events: Any, endpoint: Endpoint) -> None:
    connection = events.create_connection(
        Name="keyed",
        AuthorizationType="API_KEY",
        AuthParameters={"ApiKeyAuthParameters": {"ApiKeyName": "x-api-key", "ApiKeyValue": "k-123"}},
    )["ConnectionArn"]
    arn = destination(events, connection, endpoint.url("/hook"))

    invoke(cloudlet, arn)

    [request] = endpoint.to("/hook")
    assert request["headers"]["x-api-key"] == "k-123"
    assert "Authorization" not in request["headers"]


def test_path_query_and_header_parameters(cloudlet: Any, events: Any, endpoint: Endpoint) -> None:
    connection = basic_connection(
        events,
        HeaderParameters=[
            {"Key": "X-Shared", "Value": "from-connection"},
            {"Key": "X-Secret", "Value": "s", "IsValueSecret": True},
        ],
        QueryStringParameters=[{"Key": "q", "Value": "connection"}],
    )
    arn = destination(events, connection, endpoint.url("/orders/*/lines/*"))

    invoke(
        cloudlet,
        arn,
        HttpParameters={
            "PathParameterValues": ["42", "a b"],
            "QueryStringParameters": {"q": "target", "t": "1"},
            "HeaderParameters": {"X-Shared": "from-target", "X-Target": "yes"},
        },
    )

    [request] = endpoint.requests
    assert request["path"] == "/orders/42/lines/a%20b"
    assert request["query"] == {"q": ["connection"], "t": ["1"]}  # the connection's values win
    assert request["headers"]["X-Shared"] == "from-connection"
    assert (request["headers"]["X-Target"], request["headers"]["X-Secret"]) == ("yes", "s")


def test_connection_body_parameters_join_a_json_payload(
    cloudlet: Any, events: Any, endpoint: Endpoint
) -> None:
    connection = basic_connection(events, BodyParameters=[{"Key": "tenant", "Value": "acme"}])
    arn = destination(events, connection, endpoint.url("/hook"))

    invoke(cloudlet, arn, payload='{"detail":{"n":1}}')

    assert json.loads(endpoint.requests[0]["body"]) == {"detail": {"n": 1}, "tenant": "acme"}


def test_target_headers_cannot_replace_fixed_ones(cloudlet: Any, events: Any, endpoint: Endpoint) -> None:
    arn = destination(events, basic_connection(events), endpoint.url("/hook"))

    invoke(
        cloudlet, arn, HttpParameters={"HeaderParameters": {"User-Agent": "me", "Content-Type": "text/plain"}}
    )

    headers = endpoint.requests[0]["headers"]
    assert headers["User-Agent"] == "Amazon/EventBridge/ApiDestinations"
    assert headers["Content-Type"] == "text/plain"  # a custom content type is allowed


def test_updated_connection_keeps_a_secret_value_not_resent(
    cloudlet: Any, events: Any, endpoint: Endpoint
) -> None:
    connection = basic_connection(
        events, HeaderParameters=[{"Key": "X-Secret", "Value": "s1", "IsValueSecret": True}]
    )
    arn = destination(events, connection, endpoint.url("/hook"))

    events.update_connection(
        Name="conn",
        AuthorizationType="BASIC",
        AuthParameters={
            "BasicAuthParameters": {"Password": "pw2"},
            "InvocationHttpParameters": {"HeaderParameters": [{"Key": "X-Secret", "IsValueSecret": True}]},
        },
    )
    invoke(cloudlet, arn)

    headers = endpoint.requests[0]["headers"]
    assert headers["X-Secret"] == "s1"
    assert headers["Authorization"] == "Basic " + base64.b64encode(b"user:pw2").decode()


# --- send(): OAuth --------------------------------------------------------------------------------------


def test_oauth_connection_is_authorized_by_a_token_request(
    cloudlet: Any, events: Any, endpoint: Endpoint
) -> None:
    oauth_connection(cloudlet, events, endpoint, expires_in=3600)

    [token_request] = endpoint.to("/token")
    form = parse_qs(token_request["body"])
    assert events.describe_connection(Name="oauth")["ConnectionState"] == "AUTHORIZED"
    assert form["grant_type"] == ["client_credentials"] and form["audience"] == ["api"]
    assert token_request["headers"]["Authorization"] == "Basic " + base64.b64encode(b"client:shh").decode()


def test_oauth_token_is_reused(cloudlet: Any, events: Any, endpoint: Endpoint) -> None:
    arn = destination(
        events, oauth_connection(cloudlet, events, endpoint, expires_in=3600), endpoint.url("/hook")
    )

    invoke(cloudlet, arn)
    invoke(cloudlet, arn)

    assert len(endpoint.to("/token")) == 1
    assert [r["headers"]["Authorization"] for r in endpoint.to("/hook")] == ["Bearer tok-1", "Bearer tok-1"]


def test_oauth_token_is_refreshed_a_minute_before_it_expires(
    cloudlet: Any, events: Any, endpoint: Endpoint
) -> None:
    arn = destination(
        events, oauth_connection(cloudlet, events, endpoint, expires_in=120), endpoint.url("/hook")
    )

    cloudlet.clock.advance(61)
    invoke(cloudlet, arn)

    assert len(endpoint.to("/token")) == 2


def test_oauth_401_is_retried_with_a_new_token(cloudlet: Any, events: Any, endpoint: Endpoint) -> None:
    arn = destination(
        events, oauth_connection(cloudlet, events, endpoint, expires_in=3600), endpoint.url("/hook")
    )
    endpoint.answer("/hook", 401)

    error = failure(cloudlet, arn)
    endpoint.answer("/hook", 200)
    invoke(cloudlet, arn)

    assert (error.retryable, error.status) == (True, 401)
    assert len(endpoint.to("/token")) == 2
    assert events.describe_connection(Name="oauth")["ConnectionState"] == "AUTHORIZED"


# --- send(): failures -----------------------------------------------------------------------------------


def test_server_error_is_retryable(cloudlet: Any, events: Any, endpoint: Endpoint) -> None:
    arn = destination(events, basic_connection(events), endpoint.url("/hook"))
    endpoint.answer("/hook", 503)

    error = failure(cloudlet, arn)

    assert (error.retryable, error.status, error.code) == (True, 503, "ERROR_FROM_TARGET")


def test_client_error_is_not_retried(cloudlet: Any, events: Any, endpoint: Endpoint) -> None:
    arn = destination(events, basic_connection(events), endpoint.url("/hook"))
    endpoint.answer("/hook", 400)

    error = failure(cloudlet, arn)

    assert (error.retryable, error.status) == (False, 400)


def test_retry_after_sets_the_earliest_retry(cloudlet: Any, events: Any, endpoint: Endpoint) -> None:
    arn = destination(events, basic_connection(events), endpoint.url("/hook"))
    endpoint.answer("/hook", 429, Retry_After="30")

    error = failure(cloudlet, arn)

    assert error.retryable
    assert error.retry_at == pytest.approx(cloudlet.clock.now() + 30)


def test_negative_retry_after_stops_the_retries(cloudlet: Any, events: Any, endpoint: Endpoint) -> None:
    arn = destination(events, basic_connection(events), endpoint.url("/hook"))
    endpoint.answer("/hook", 503, Retry_After="-1")

    assert not failure(cloudlet, arn).retryable


def test_401_deauthorizes_a_basic_connection(cloudlet: Any, events: Any, endpoint: Endpoint) -> None:
    arn = destination(events, basic_connection(events), endpoint.url("/hook"))
    endpoint.answer("/hook", 401)

    error = failure(cloudlet, arn)

    assert not error.retryable
    assert events.describe_connection(Name="conn")["ConnectionState"] == "DEAUTHORIZED"
    assert failure(cloudlet, arn).code == "InvalidConnectionState"


def test_unreachable_endpoint_is_retryable(cloudlet: Any, events: Any) -> None:
    arn = destination(events, basic_connection(events), "http://127.0.0.1:1/hook")

    error = failure(cloudlet, arn)

    assert (error.retryable, error.code) == (True, "CONNECTION_FAILURE")


def test_deleted_destination_is_not_retried(cloudlet: Any, events: Any, endpoint: Endpoint) -> None:
    arn = destination(events, basic_connection(events), endpoint.url("/hook"))
    events.delete_api_destination(Name="dest")

    error = failure(cloudlet, arn)

    assert (error.retryable, error.code) == (False, "ResourceNotFoundException")


def test_invocation_rate_is_enforced_without_sending(cloudlet: Any, events: Any, endpoint: Endpoint) -> None:
    arn = destination(events, basic_connection(events), endpoint.url("/hook"), InvocationRateLimitPerSecond=2)
    invoke(cloudlet, arn)
    invoke(cloudlet, arn)

    with pytest.raises(ApiDestinationThrottled) as excinfo:
        invoke(cloudlet, arn)
    cloudlet.clock.advance(1)
    invoke(cloudlet, arn)

    assert excinfo.value.retryable
    assert excinfo.value.retry_at == pytest.approx(cloudlet.clock.now())
    assert len(endpoint.to("/hook")) == 3


# --- pure parts -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "ok"),
    [
        ("https://api.example.com/x", True),
        ("api.example.com/x", True),
        ("http://api.example.com/x", False),
        ("http://127.0.0.1:8080/x", True),
        ("http://localhost/x", True),
        ("http://webhook:3000/x", True),
        ("https://user:pw@api.example.com/", False),
        ("https://*.example.com/", False),
    ],
)
def test_valid_endpoint(url: str, ok: bool) -> None:
    assert valid_endpoint(url) is ok


def test_build_request_without_a_scheme_uses_https() -> None:
    method, url, headers, body = build_request(
        {"InvocationEndpoint": "api.example.com/a/*", "HttpMethod": "DELETE"},
        {"Auth": {}},
        {"HttpParameters": {"PathParameterValues": ["x/y"]}},
        "[1]",
        {},
    )

    assert (method, url, body) == ("DELETE", "https://api.example.com/a/x%2Fy", b"[1]")
    assert headers["Connection"] == "close"


@given(
    rate=st.integers(min_value=1, max_value=5),
    gaps=st.lists(st.floats(min_value=0, max_value=0.7, allow_nan=False), min_size=1, max_size=40),
)
def test_admissions_never_exceed_the_rate_in_any_second(rate: int, gaps: list[float]) -> None:
    runtime = Runtime()
    now, admitted = 0.0, []
    for gap in gaps:
        now += gap
        retry_at = runtime.admit("d", rate, now)
        if retry_at is None:
            admitted.append(now)
        else:
            assert retry_at > now
    for start in admitted:
        assert sum(1 for t in admitted if start <= t < start + 1.0) <= rate


# --- end to end -----------------------------------------------------------------------------------------


def test_rule_delivers_a_matching_event_to_the_api_destination(
    cloudlet: Any, events: Any, endpoint: Endpoint
) -> None:
    # Given a rule whose target is an API destination with path and query parameters
    arn = destination(events, basic_connection(events), endpoint.url("/orders/*"))
    events.put_rule(Name="to-webhook", EventPattern=json.dumps({"source": ["shop"]}))
    events.put_targets(
        Rule="to-webhook",
        Targets=[
            {
                "Id": "hook",
                "Arn": arn,
                "RoleArn": "arn:aws:iam::000000000000:role/invoke",
                "HttpParameters": {"PathParameterValues": ["eu"], "QueryStringParameters": {"v": "2"}},
            }
        ],
    )

    # When a matching event and one that does not match are put
    events.put_events(
        Entries=[
            {"Source": "shop", "DetailType": "OrderPlaced", "Detail": json.dumps({"id": 7})},
            {"Source": "other", "DetailType": "OrderPlaced", "Detail": "{}"},
        ]
    )
    cloudlet.settle()

    # Then the endpoint got the matching event, authorized
    [request] = endpoint.requests
    event = json.loads(request["body"])
    assert (request["path"], request["query"]) == ("/orders/eu", {"v": ["2"]})
    assert request["headers"]["Authorization"] == "Basic " + base64.b64encode(b"user:pw").decode()
    assert (event["source"], event["detail-type"], event["detail"]) == ("shop", "OrderPlaced", {"id": 7})


def route_to(events: Any, arn: str) -> None:
    events.put_rule(Name="to-webhook", EventPattern=json.dumps({"source": ["shop"]}))
    events.put_targets(
        Rule="to-webhook", Targets=[{"Id": "hook", "Arn": arn, "RoleArn": "arn:aws:iam::000000000000:role/r"}]
    )


def put(events: Any, count: int) -> None:
    events.put_events(Entries=[{"Source": "shop", "DetailType": "T", "Detail": "{}"}] * count)


def test_a_server_error_is_delivered_on_a_later_attempt(
    cloudlet: Any, events: Any, endpoint: Endpoint
) -> None:
    route_to(events, destination(events, basic_connection(events), endpoint.url("/hook")))
    endpoint.answer("/hook", 503)
    put(events, 1)
    cloudlet.settle()

    endpoint.answer("/hook", 200)
    cloudlet.clock.advance(600)
    cloudlet.settle()

    assert len(endpoint.to("/hook")) == 2


def test_the_invocation_rate_spreads_deliveries_over_time(
    cloudlet: Any, events: Any, endpoint: Endpoint
) -> None:
    arn = destination(events, basic_connection(events), endpoint.url("/hook"), InvocationRateLimitPerSecond=1)
    route_to(events, arn)
    put(events, 3)

    delivered = []
    for _ in range(3):
        cloudlet.settle()
        delivered.append(len(endpoint.to("/hook")))
        cloudlet.clock.advance(1)

    assert delivered == [1, 2, 3]


_HEADER_NAMES = st.sampled_from(
    ["User-Agent", "Host", "Range", "X-A", "x-a", "Content-Type", "Authorization"]
)


@given(
    target=st.dictionaries(_HEADER_NAMES, st.text("abc", min_size=1), max_size=5),
    connection=st.dictionaries(_HEADER_NAMES, st.text("xyz", min_size=1), max_size=5),
)
def test_fixed_headers_always_win_and_the_connection_beats_the_target(
    target: dict[str, str], connection: dict[str, str]
) -> None:
    invocation = {"HeaderParameters": [{"Key": k, "Value": v} for k, v in connection.items()]}
    _, _, headers, _ = build_request(
        {"InvocationEndpoint": "https://h.example.com/", "HttpMethod": "POST"},
        {"Auth": {"InvocationHttpParameters": invocation}},
        {"HttpParameters": {"HeaderParameters": target}},
        "{}",
        {},
    )

    lowered = {k.lower(): v for k, v in headers.items()}
    assert len(lowered) == len(headers)  # one spelling per header
    assert lowered["user-agent"] == "Amazon/EventBridge/ApiDestinations" and "host" not in lowered
    assert lowered["range"] == "bytes=0-1048575"
    for key in connection:
        if key.lower() not in ("user-agent", "host", "range"):
            assert lowered[key.lower()] in {v for k, v in connection.items() if k.lower() == key.lower()}
