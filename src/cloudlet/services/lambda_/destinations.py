"""Where asynchronous invocation results go: OnSuccess/OnFailure destinations (SQS, SNS, Lambda,
EventBridge buses) in AWS's destination record format, and the function's dead-letter queue (SQS or SNS)
(invocation-async-retain-records.html)."""

from __future__ import annotations

import json
import logging
from typing import TYPE_CHECKING, Any

from cloudlet.core.arns import parse_arn
from cloudlet.protocol.errors import ServiceError

if TYPE_CHECKING:
    from cloudlet.app import App
    from cloudlet.core.db import Tx

log = logging.getLogger(__name__)


def record(
    *,
    timestamp: str,
    request_id: str,
    function_arn: str,
    condition: str,
    invoke_count: int,
    request_payload: Any,
    status_code: int | None,
    executed_version: str | None,
    function_error: str | None,
    response_payload: Any,
) -> dict[str, Any]:
    out: dict[str, Any] = {
        "version": "1.0",
        "timestamp": timestamp,
        "requestContext": {
            "requestId": request_id,
            "functionArn": function_arn,
            "condition": condition,
            "approximateInvokeCount": invoke_count,
        },
        "requestPayload": request_payload,
        "responseContext": {},
        "responsePayload": response_payload,
    }
    if status_code is not None:
        out["responseContext"]["statusCode"] = status_code
    if executed_version is not None:
        out["responseContext"]["executedVersion"] = executed_version
    if function_error:
        out["responseContext"]["functionError"] = function_error
    return out


def send(
    app: App, tx: Tx, target_arn: str, body: str, attributes: dict[str, dict[str, Any]] | None = None
) -> bool:
    """Deliver `body` to an SQS queue, SNS topic or (asynchronously) a Lambda function; False if refused."""
    try:
        service = parse_arn(target_arn).service
    except ValueError:
        return False
    try:
        if service == "sqs":
            from cloudlet.services.sqs import api as sqs_api

            sqs_api.enqueue(app, tx, target_arn, body, attributes=attributes, sender_id="AROAIDLAMBDASERVICE")
        elif service == "sns":
            from cloudlet.services.sns import api as sns_api

            sns_api.publish(app, tx, target_arn, body, attributes=attributes)
        elif service == "lambda":
            from cloudlet.services.lambda_ import api as lambda_api

            lambda_api.invoke_async(app, tx, target_arn, body.encode())
        elif service == "events":
            return _to_event_bus(app, tx, target_arn, body)
        else:
            log.warning("Lambda destination %s is not a service cloudlet delivers to yet", target_arn)
            return False
    except ServiceError as exc:
        log.warning("Lambda destination %s refused the record: %s", target_arn, exc.message)
        return False
    return True


def _to_event_bus(app: App, tx: Tx, bus_arn: str, body: str) -> bool:
    """Put the record on the bus as the `detail` of a `lambda` event ("Lambda Function Invocation Result
    - Success" or "- Failure"), its resources the bus and the function (invocation-async-retain-records)."""
    from cloudlet.services.events import api as events_api

    try:
        record = json.loads(body)
        context = record["requestContext"]
        function = parse_arn(context["functionArn"])
    except (ValueError, KeyError, TypeError):
        log.warning("Lambda destination %s: not a destination record", bus_arn)
        return False
    outcome = "Success" if context.get("condition") == "Success" else "Failure"
    entry = {
        "Source": "lambda",
        "DetailType": f"Lambda Function Invocation Result - {outcome}",
        "Detail": body,
        "Resources": [bus_arn, context["functionArn"]],
        "EventBusName": bus_arn,
    }
    (result,) = events_api.put_events(app, tx, function.account, function.region, [entry])
    if "ErrorCode" in result:
        log.warning("Lambda destination %s refused the record: %s", bus_arn, result.get("ErrorMessage"))
        return False
    return True


def dead_letter_attributes(request_id: str, error_code: str, error_message: str) -> dict[str, dict[str, Any]]:
    return {
        "RequestID": {"DataType": "String", "StringValue": request_id},
        "ErrorCode": {"DataType": "Number", "StringValue": error_code},
        "ErrorMessage": {"DataType": "String", "StringValue": error_message[:1000] or "Error"},
    }


def error_message(payload: bytes) -> str:
    try:
        doc = json.loads(payload)
    except ValueError:
        return payload.decode("utf-8", "replace")
    return str(doc.get("errorMessage", "")) if isinstance(doc, dict) else str(doc)
