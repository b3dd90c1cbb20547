"""What other services may use of Lambda: asynchronous invocation inside the caller's transaction
(SNS, S3, EventBridge, destinations) and synchronous invocation (API Gateway)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from cloudlet.services.lambda_.errors import ResourceNotFoundException

if TYPE_CHECKING:
    from cloudlet.app import App
    from cloudlet.core.db import Tx


def function_exists(app: App, function_arn: str) -> bool:
    """True when `function_arn` (qualified or not) names an existing function, version or alias."""
    from cloudlet.core.arns import parse_arn
    from cloudlet.protocol.errors import ServiceError

    if "lambda" not in app.specs:
        return False
    lam = app.service("lambda").state
    try:
        parts = parse_arn(function_arn)
        lam.functions.resolve(parts.account, parts.region, function_arn)
    except (ServiceError, ValueError):
        return False
    return True


def invoke_async(app: App, tx: Tx, function_arn: str, payload: bytes) -> str:
    """Queue an Event invocation of `function_arn` (qualified or not); returns the request id.

    Raises: ResourceNotFoundException when the function (or its qualifier) does not exist.
    """
    from cloudlet.core.arns import parse_arn

    if "lambda" not in app.specs:
        raise ResourceNotFoundException(f"Function not found: {function_arn}")
    lam = app.service("lambda").state
    parts = parse_arn(function_arn)
    resolved = lam.functions.resolve(parts.account, parts.region, function_arn)
    return lam.async_invoker.enqueue(tx, resolved.key, resolved.qualifier, payload)


async def invoke(app: App, function_arn: str, payload: bytes) -> InvokeOutcome:
    """Run a RequestResponse invocation of `function_arn` (qualified or not), as an API Gateway or other
    synchronous caller does. The invocation gets a request id of its own, as on AWS (the caller's request
    id is not the function's `context.aws_request_id`).

    Raises: ResourceNotFoundException (no such function or qualifier), TooManyRequestsException (at its
    concurrency limit), InvalidRuntimeException (not a runtime cloudlet runs), RequestTooLargeException.
    """
    from cloudlet.core.arns import parse_arn
    from cloudlet.services.lambda_.errors import RequestTooLargeException
    from cloudlet.services.lambda_.invoke import MAX_SYNC_PAYLOAD_B

    if "lambda" not in app.specs:
        raise ResourceNotFoundException(f"Function not found: {function_arn}")
    lam = app.service("lambda").state
    parts = parse_arn(function_arn)
    resolved = lam.functions.resolve(parts.account, parts.region, function_arn)
    if len(payload) > MAX_SYNC_PAYLOAD_B:
        raise RequestTooLargeException(
            f"Request must be smaller than {MAX_SYNC_PAYLOAD_B} bytes for the InvokeFunction operation"
        )
    result = await lam.invoker.run(resolved, payload)
    return InvokeOutcome(result.outcome, result.payload, result.function_error, resolved.version)


@dataclass(frozen=True, slots=True)
class InvokeOutcome:
    outcome: str
    """`ok`, `error` (the handler raised; payload is its error JSON), `timeout` or `crash`."""
    payload: bytes
    function_error: str | None
    """`Unhandled` when the invocation failed, else None."""
    executed_version: str
