"""Request → (service model, protocol, operation), from what AWS clients really send.

Order: `X-Amz-Target` (json) → `smithy-protocol`/`/service/../operation/..` (cbor) → `Action` (query)
→ REST `requestUri` templates of the services the SigV4 scope or the Host header names → S3 (which
also takes anonymous and presigned requests). Indexes are built once from the served models; a
request costs a few dict lookups.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from urllib.parse import unquote_plus

from botocore.model import OperationModel, ServiceModel

from cloudlet.gateway.identity import Credential
from cloudlet.protocol import catalog
from cloudlet.protocol.errors import (
    CodedError,
    InvalidAction,
    MissingAction,
    ServiceError,
    UnknownOperationException,
    UnknownService,
)
from cloudlet.protocol.http import HttpRequest
from cloudlet.protocol.uri_templates import RestRouter

_FORM_TYPE = "application/x-www-form-urlencoded"
_ACTION_FIELD = re.compile(rb"(?:^|&)Action=([^&]*)")
_CBOR_PATH_RE = re.compile(r"^/service/([^/]+)/operation/([^/?]+)$")
# <bucket>.s3.<domain>, s3.<domain>, <api-id>.execute-api.<domain>, sqs.<region>.<domain>,
# <url-id>.lambda-url.<region>.<domain>
_LOCAL_DOMAINS = ("localhost.localstack.cloud", "localhost")
FUNCTION_URL_PATH = "/_aws/lambda-url/"
"""Path form of a Lambda function URL, needing no wildcard DNS: `/_aws/lambda-url/<url-id>/<path>`."""
_REST_ORDER_LAST = ("s3",)


@dataclass(slots=True)
class Route:
    model: ServiceModel
    protocol: str
    operation: OperationModel
    uri_params: dict[str, str] | None = None
    host_hints: dict[str, str] = field(default_factory=dict)


class RoutingError(Exception):
    """No operation for the request: `error` rendered with `model`/`protocol` (None = generic JSON)."""

    def __init__(self, error: ServiceError, model: ServiceModel | None, protocol: str | None) -> None:
        super().__init__(error.message)
        self.error = error
        self.model = model
        self.protocol = protocol


@dataclass(frozen=True, slots=True)
class HostInfo:
    service: str | None = None
    region: str | None = None
    hints: tuple[tuple[str, str], ...] = ()


def parse_host(host: str) -> HostInfo:
    """What the Host header says under `localhost` / `localhost.localstack.cloud`."""
    for domain in _LOCAL_DOMAINS:
        if host == domain or not host.endswith("." + domain):
            continue
        labels = host[: -len(domain) - 1].split(".")
        if labels[-1] == "s3":
            bucket = ".".join(labels[:-1])
            return HostInfo("s3", None, (("bucket", bucket),) if bucket else ())
        if len(labels) >= 2 and labels[-2] == "s3":  # <bucket>.s3.<region>.<domain>
            bucket = ".".join(labels[:-2])
            return HostInfo("s3", labels[-1], (("bucket", bucket),) if bucket else ())
        if labels[-1] == "execute-api" and len(labels) >= 2:
            return HostInfo("execute-api", None, (("api_id", labels[0]),))
        if len(labels) == 3 and labels[1] == "execute-api":  # <api-id>.execute-api.<region>.<domain>
            return HostInfo("execute-api", labels[2], (("api_id", labels[0]),))
        if len(labels) == 3 and labels[1] == "lambda-url":  # <url-id>.lambda-url.<region>.<domain>
            return HostInfo("lambda-url", labels[2], (("url_id", labels[0]),))
        if len(labels) == 2:  # <service>.<region>.<domain>, e.g. sqs.us-east-1.localhost
            return HostInfo(labels[0], labels[1])
        if len(labels) == 1:
            return HostInfo(labels[0])
        return HostInfo()
    return HostInfo()


@dataclass(frozen=True, slots=True)
class FunctionUrlTarget:
    """A request to a Lambda function URL rather than to an AWS API."""

    url_id: str
    region: str | None
    """From the host form; None for the path form (any region)."""
    raw_path: str
    """The path the function sees (the path form's prefix removed), percent-encoded as sent."""


def function_url_target(request: HttpRequest) -> FunctionUrlTarget | None:
    """The function URL `request` addresses, by its Host or its `/_aws/lambda-url/<url-id>` path."""
    if ".lambda-url." in request.host:
        host = parse_host(request.host)
        if host.service == "lambda-url":
            return FunctionUrlTarget(dict(host.hints)["url_id"], host.region, request.raw_path or "/")
    if request.raw_path.startswith(FUNCTION_URL_PATH):
        url_id, _, rest = request.raw_path[len(FUNCTION_URL_PATH) :].partition("/")
        if url_id:
            return FunctionUrlTarget(url_id, None, "/" + rest)
    return None


@dataclass(frozen=True, slots=True)
class ExecuteApiTarget:
    """A request to an API Gateway invoke URL rather than to an AWS API."""

    api_id: str
    raw_path: str
    """The path after the API id, stage included (`/<stage>/<path>`; HTTP APIs' `$default` stage has
    none), percent-encoded as sent."""


EXECUTE_API_PATH = "/_aws/execute-api/"
"""Path form of an invoke URL, needing no wildcard DNS: `/_aws/execute-api/<api-id>/<stage>/<path>`."""


def execute_api_target(request: HttpRequest) -> ExecuteApiTarget | None:
    """The API the request addresses by its Host (`<api-id>.execute-api.localhost[:port]`), by the
    `/_aws/execute-api/<api-id>/` path, or by the `/restapis/<api-id>/<stage>/_user_request_/` path
    earlier local-cloud tooling uses."""
    if ".execute-api." in request.host:
        host = parse_host(request.host)
        if host.service == "execute-api":
            return ExecuteApiTarget(dict(host.hints)["api_id"], request.raw_path or "/")
    path = request.raw_path
    if path.startswith(EXECUTE_API_PATH):
        api_id, _, rest = path[len(EXECUTE_API_PATH) :].partition("/")
        if api_id:
            return ExecuteApiTarget(api_id, "/" + rest)
    if path.startswith("/restapis/") and "/_user_request_" in path:
        parts = path.split("/", 5)  # '', restapis, id, stage, _user_request_, rest
        if len(parts) >= 5 and parts[4] == "_user_request_":
            return ExecuteApiTarget(parts[2], f"/{parts[3]}/{parts[5] if len(parts) > 5 else ''}")
    return None


class Router:
    """Indexes come from `catalog.route_index`; a model is loaded when a request first needs it."""

    def __init__(self, model_names: Iterable[str]) -> None:
        index = catalog.route_index(model_names)
        self.model_names = tuple(index)
        self._by_target: dict[str, str] = {}
        self._by_signing: dict[str, list[str]] = defaultdict(list)
        self._by_endpoint: dict[str, list[str]] = defaultdict(list)
        self._query_models: list[str] = []
        self._rest_models: list[str] = []
        self._action_index: dict[str, list[str]] = defaultdict(list)
        for name, entry in index.items():
            if entry["targetPrefix"]:
                self._by_target[entry["targetPrefix"]] = name
            self._by_signing[entry["signingName"]].append(name)
            self._by_endpoint[entry["endpointPrefix"]].append(name)
            if "query" in entry["protocols"]:
                self._query_models.append(name)
                for op in entry["queryOperations"]:
                    self._action_index[op].append(name)
            if entry["protocol"] in ("rest-json", "rest-xml"):
                self._rest_models.append(name)
        self._rest_models.sort(key=lambda name: name in _REST_ORDER_LAST)

    # -- entry point ---------------------------------------------------------------------------

    def route(self, request: HttpRequest, credential: Credential | None) -> Route:
        host = parse_host(request.host)
        hints = dict(host.hints)
        target = request.headers.get("x-amz-target")
        if target:
            return self._route_target(target, hints)
        if request.headers.get("smithy-protocol") == "rpc-v2-cbor" or request.raw_path.startswith(
            "/service/"
        ):
            cbor = self._route_cbor(request, hints)
            if cbor is not None:
                return cbor
        signing = credential.service if credential else None
        action = self._action(request)
        if action is not None:
            return self._route_query(action, signing, host, hints)
        return self._route_rest(request, signing, host, hints)

    # -- protocols -----------------------------------------------------------------------------

    def _route_target(self, target: str, hints: dict[str, str]) -> Route:
        prefix, _, op_name = target.rpartition(".")
        name = self._by_target.get(prefix)
        if name is None:
            raise RoutingError(
                UnknownOperationException(f"Unrecognized operation target: {target}"), None, "json"
            )
        model = catalog.service_model(name)
        operation = catalog.operations(name).get(op_name)
        if operation is None:
            raise RoutingError(UnknownOperationException(""), model, "json")
        return Route(model, "json", operation, None, hints)

    def _route_cbor(self, request: HttpRequest, hints: dict[str, str]) -> Route | None:
        match = _CBOR_PATH_RE.match(request.raw_path)
        if not match:
            return None
        name = self._by_target.get(match.group(1))
        if name is None:
            raise RoutingError(UnknownOperationException(f"Unknown service {match.group(1)}"), None, "json")
        model = catalog.service_model(name)
        operation = catalog.operations(name).get(match.group(2))
        if operation is None:
            raise RoutingError(UnknownOperationException(""), model, "smithy-rpc-v2-cbor")
        return Route(model, "smithy-rpc-v2-cbor", operation, None, hints)

    def _action(self, request: HttpRequest) -> str | None:
        """`Action` of a query-protocol request (form body, or URL for GET), else None."""
        if request.method == "POST" and request.content_type == _FORM_TYPE:
            match = _ACTION_FIELD.search(request.body)  # a scan in C: bodies may be large
            if match is not None:
                return unquote_plus(match.group(1).decode("utf-8", "replace"))
            if request.raw_path in ("/", "") or self._query_host(request):
                return ""
        if request.query_string and "Action=" in request.query_string:
            return request.query.get("Action")
        return None

    def _query_host(self, request: HttpRequest) -> bool:
        host = parse_host(request.host)
        return host.service is not None and any(
            name in self._query_models for name in self._by_endpoint.get(host.service, ())
        )

    def _route_query(self, action: str, signing: str | None, host: HostInfo, hints: dict[str, str]) -> Route:
        if signing and signing not in self._by_signing and signing not in self._by_endpoint:
            raise _unknown_service(signing, "query")
        candidates = [m for m in self._by_signing.get(signing or "", ()) if m in self._query_models]
        if not candidates and host.service:
            candidates = [m for m in self._by_endpoint.get(host.service, ()) if m in self._query_models]
        if not action:
            model = catalog.service_model(candidates[0]) if candidates else None
            raise RoutingError(MissingAction("Missing Action"), model, "query")
        if not candidates:
            candidates = self._action_index.get(action, [])
        for name in candidates:
            operation = catalog.operations(name).get(action)
            if operation is not None:
                return Route(catalog.service_model(name), "query", operation, None, hints)
        model = catalog.service_model(candidates[0]) if candidates else None
        raise RoutingError(
            InvalidAction(f"The action {action} is not valid for this web service."), model, "query"
        )

    def _route_rest(
        self, request: HttpRequest, signing: str | None, host: HostInfo, hints: dict[str, str]
    ) -> Route:
        if host.service == "s3" or "bucket" in hints:
            candidates = [name for name in self._by_endpoint.get("s3", ()) if name in self._rest_models]
        elif signing:
            candidates = [m for m in self._by_signing.get(signing, ()) if m in self._rest_models]
            if not candidates:
                raise _unknown_service(signing, None)
        else:
            candidates = self._rest_models
        path = request.raw_path
        if "bucket" in hints:
            # Virtual-hosted S3: the bucket is in the Host; route as the path-style request.
            path = "/" + hints["bucket"] + (path if path != "/" else "")
        for name in candidates:
            model = catalog.service_model(name)
            match = RestRouter.for_service(model).match(
                request.method, path, request.query_string, headers=request.headers
            )
            if match is not None:
                return Route(model, model.protocol, match.operation, match.uri_params, hints)
        model = catalog.service_model(candidates[0]) if len(candidates) == 1 else None
        if model is not None and model.protocol == "rest-xml":
            raise RoutingError(
                CodedError(
                    "MethodNotAllowed", "The specified method is not allowed against this resource.", 405
                ),
                model,
                "rest-xml",
            )
        raise RoutingError(
            UnknownOperationException(f"No operation matches {request.method} {request.path}"),
            model,
            model.protocol if model is not None else None,
        )


def _unknown_service(signing: str, protocol: str | None) -> RoutingError:
    """An error for a service cloudlet does not serve, in the wire format that service's clients read."""
    if protocol is None:
        try:
            protocol = catalog.service_model(signing).protocol
        except Exception:  # not a botocore service name either
            protocol = "json"
    generic = "query" if protocol in ("query", "ec2", "rest-xml") else "json"
    return RoutingError(UnknownService(f"cloudlet does not serve the {signing!r} service"), None, generic)
