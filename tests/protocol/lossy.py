"""What each protocol cannot carry, so that the round trip compares like with like.

Every normalization names the wire rule that loses the information (AWS loses it too).
`lossy_rpc` owns query/json/cbor; `lossy_rest` owns rest-json/rest-xml.
"""

from __future__ import annotations

from typing import Any

from botocore.model import OperationModel

from tests.protocol import lossy_rest, lossy_rpc
from tests.protocol.oracle import comparable


def normalize_request(protocol: str, operation: OperationModel, value: dict[str, Any]) -> Any:
    module = lossy_rest if protocol.startswith("rest") else lossy_rpc
    return module.normalize_request(protocol, operation, comparable(value))


def normalize_response(protocol: str, operation: OperationModel, value: dict[str, Any]) -> Any:
    module = lossy_rest if protocol.startswith("rest") else lossy_rpc
    return module.normalize_response(protocol, operation, comparable(value))
