"""The request-parser interface and the protocol → parser factory.

    RequestParser
      ├── QueryRequestParser        (query.py: query, and the query mode of query-compatible services)
      ├── JSONRequestParser         (json.py: json 1.0/1.1)
      ├── CBORRequestParser         (cbor.py: smithy-rpc-v2-cbor)
      └── BaseRestRequestParser     (rest.py: uri labels, querystring, headers, payload)
            ├── RestJSONRequestParser  (rest.py)
            └── RestXMLRequestParser   (xml.py)

A parser turns an `HttpRequest` already routed to an operation into the operation's input dict (AWS
member names, Python values: str, int, float, bool, bytes, datetime, list, dict). Malformed input
raises the protocol's error (`SerializationException`, `MalformedXML`, ...); it never raises anything
else. Validation against shape constraints is not the parser's job (see `protocol/validate.py`).
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache
from importlib import import_module
from typing import Any, ClassVar

from botocore.model import OperationModel, ServiceModel

from cloudlet.protocol.http import HttpRequest


class RequestParser:
    protocol: ClassVar[str]

    def __init__(self, service: ServiceModel) -> None:
        self.service = service

    def parse(
        self,
        operation: OperationModel,
        request: HttpRequest,
        uri_params: Mapping[str, str] | None = None,
    ) -> dict[str, Any]:
        """Input members of `operation` found in `request`.

        Parameters:
            uri_params: percent-decoded values of the `requestUri` labels, from the REST router.
        Raises:
            SerializationException, MalformedXML, MalformedQueryString, ... (per protocol)
        """
        raise NotImplementedError


_PARSERS = {
    "query": "cloudlet.protocol.parsers.query:QueryRequestParser",
    "json": "cloudlet.protocol.parsers.json:JSONRequestParser",
    "smithy-rpc-v2-cbor": "cloudlet.protocol.parsers.cbor:CBORRequestParser",
    "rest-json": "cloudlet.protocol.parsers.rest:RestJSONRequestParser",
    "rest-xml": "cloudlet.protocol.parsers.xml:RestXMLRequestParser",
}


@lru_cache(maxsize=256)
def create_parser(service: ServiceModel, protocol: str | None = None) -> RequestParser:
    """The (cached) parser of `service` for `protocol` (default: the model's own protocol)."""
    module_name, _, class_name = _PARSERS[protocol or service.protocol].partition(":")
    return getattr(import_module(module_name), class_name)(service)
