"""The response-serializer interface and the protocol → serializer factory.

    ResponseSerializer
      ├── QueryResponseSerializer      (query.py)
      ├── JSONResponseSerializer       (json.py)
      ├── CBORResponseSerializer       (cbor.py)
      └── BaseRestResponseSerializer   (rest.py: status code, headers, payload)
            ├── RestJSONResponseSerializer  (rest.py)
            └── RestXMLResponseSerializer   (xml.py)

A serializer renders an operation's output dict (AWS member names; timestamps as datetime or epoch
seconds; blobs as bytes) or a `ServiceError` into an `HttpResponse` exactly as AWS would, including the
request id header. Status codes and error codes come from `protocol.errors.error_info`.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache
from importlib import import_module
from typing import Any, ClassVar

from botocore.model import OperationModel, ServiceModel

from cloudlet.protocol.errors import ServiceError
from cloudlet.protocol.http import HttpResponse


class ResponseSerializer:
    protocol: ClassVar[str]

    def __init__(self, service: ServiceModel) -> None:
        self.service = service

    def serialize_response(
        self, operation: OperationModel, output: Mapping[str, Any], request_id: str
    ) -> HttpResponse:
        raise NotImplementedError

    def serialize_error(
        self, error: ServiceError, operation: OperationModel | None, request_id: str
    ) -> HttpResponse:
        raise NotImplementedError


_SERIALIZERS = {
    "query": "cloudlet.protocol.serializers.query:QueryResponseSerializer",
    "json": "cloudlet.protocol.serializers.json:JSONResponseSerializer",
    "smithy-rpc-v2-cbor": "cloudlet.protocol.serializers.cbor:CBORResponseSerializer",
    "rest-json": "cloudlet.protocol.serializers.rest:RestJSONResponseSerializer",
    "rest-xml": "cloudlet.protocol.serializers.xml:RestXMLResponseSerializer",
}


@lru_cache(maxsize=256)
def create_serializer(service: ServiceModel, protocol: str | None = None) -> ResponseSerializer:
    """The (cached) serializer of `service` for `protocol` (default: the model's own protocol)."""
    module_name, _, class_name = _SERIALIZERS[protocol or service.protocol].partition(":")
    return getattr(import_module(module_name), class_name)(service)
