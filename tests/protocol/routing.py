"""Find the operation of a request the way the gateway does, for the protocol round-trip tests."""

from __future__ import annotations

from typing import Any

from botocore.model import OperationModel, ServiceModel

from cloudlet.protocol.http import HttpRequest


def route_operation(
    service: ServiceModel, protocol: str, request: HttpRequest
) -> tuple[OperationModel, dict[str, str] | None]:
    if protocol in ("rest-json", "rest-xml"):
        from cloudlet.protocol.uri_templates import RestRouter

        match = RestRouter.for_service(service).match(request.method, request.raw_path, request.query_string)
        assert match is not None, (
            f"no operation matches {request.method} {request.raw_path}?{request.query_string}"
        )
        return match.operation, match.uri_params
    if protocol == "json":
        target = request.headers.get("x-amz-target") or ""
        return service.operation_model(target.rsplit(".", 1)[-1]), None
    if protocol == "smithy-rpc-v2-cbor":
        return service.operation_model(request.raw_path.rsplit("/", 1)[-1]), None
    if protocol == "query":
        from urllib.parse import parse_qsl

        form: dict[str, Any] = dict(parse_qsl(request.body.decode("utf-8"), keep_blank_values=True))
        return service.operation_model(form["Action"]), None
    raise AssertionError(protocol)
