"""Route a request with the gateway's own Router, for the protocol round-trip tests."""

from __future__ import annotations

from functools import cache

from botocore.model import OperationModel, ServiceModel

from cloudlet.gateway.identity import credential_of
from cloudlet.gateway.routing import Router
from cloudlet.protocol.http import HttpRequest
from tests.protocol.oracle import SERVICE_PROTOCOLS


@cache
def _router() -> Router:
    return Router(SERVICE_PROTOCOLS)


def route_operation(
    service: ServiceModel, protocol: str, request: HttpRequest
) -> tuple[OperationModel, dict[str, str] | None]:
    route = _router().route(request, credential_of(request))
    assert route.model.service_name == service.service_name
    assert route.protocol == protocol
    return route.operation, route.uri_params
