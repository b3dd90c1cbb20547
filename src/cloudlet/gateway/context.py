"""RequestContext: what every operation function receives besides its input dict."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from botocore.model import OperationModel, ServiceModel

from cloudlet.protocol.http import HttpRequest

if TYPE_CHECKING:
    from cloudlet.app import App


@dataclass(slots=True)
class RequestContext:
    request_id: str
    """Echoed as `x-amzn-RequestId` / `x-amz-request-id` and in error bodies."""
    request: HttpRequest
    app: App
    service: str = ""
    """botocore model name (`sqs`, `s3`, `apigatewayv2` ...)."""
    model: ServiceModel | None = None
    operation: OperationModel | None = None
    protocol: str = ""
    """Wire protocol of this request (`json`, `query`, `rest-xml`, `smithy-rpc-v2-cbor` ...)."""
    account_id: str = ""
    region: str = ""
    access_key_id: str = ""
    host_hints: dict[str, str] = field(default_factory=dict)
    """Facts taken from the Host header, e.g. `{"bucket": "photos"}` for virtual-hosted S3."""

    @property
    def operation_name(self) -> str:
        return self.operation.name if self.operation is not None else ""

    @property
    def endpoint(self) -> str:
        """Base URL the client used (scheme and host[:port]), for URLs handed back to it."""
        host = self.request.headers.get("host") or f"127.0.0.1:{self.app.settings.port}"
        scheme = self.request.headers.get("x-forwarded-proto") or "http"
        return f"{scheme}://{host}"
