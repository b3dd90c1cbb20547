"""GatewayError: a request API Gateway itself answers (not the integration), named by its gateway
response type (`MISSING_AUTHENTICATION_TOKEN`, `UNAUTHORIZED`, `THROTTLED`, `BAD_REQUEST_BODY` ...).
The REST data plane turns it into the API's gateway response (customized or AWS's default)."""

from __future__ import annotations


class GatewayError(Exception):
    def __init__(
        self, response_type: str, message: str | None = None, headers: dict[str, str] | None = None
    ) -> None:
        super().__init__(response_type)
        self.response_type = response_type
        """AWS's GatewayResponseType, e.g. `UNAUTHORIZED`."""
        self.message = message
        """Overrides the default message of the response type (`$context.error.message`)."""
        self.headers = headers or {}
        """Extra headers to send (e.g. `WWW-Authenticate`)."""
