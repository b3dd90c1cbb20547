"""HTTP API integrations (Lambda `AWS_PROXY`, `HTTP_PROXY`, AWS service integrations by
`integrationSubtype`) and integration responses (WebSocket APIs)."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from cloudlet.services.apigateway import store
from cloudlet.services.apigateway.errors import BadRequestException, ConflictException
from cloudlet.services.apigateway.v2.common import (
    api_or_404,
    body,
    changed,
    child_or_404,
    get_all,
    get_one,
    out,
    where,
)
from cloudlet.services.apigateway.v2.responses import INTEGRATION_RESPONSES

if TYPE_CHECKING:
    from cloudlet.core.db import Tx
    from cloudlet.gateway.context import RequestContext

__all__ = [
    "create_integration",
    "create_integration_response",
    "delete_integration",
    "delete_integration_response",
    "get_integration",
    "get_integration_response",
    "get_integration_responses",
    "get_integrations",
    "update_integration",
    "update_integration_response",
]

SUBTYPES: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "EventBridge-PutEvents": (
        ("Detail", "DetailType", "Source"),
        ("Time", "EventBusName", "Resources", "Region", "TraceHeader"),
    ),
    "SQS-SendMessage": (
        ("QueueUrl", "MessageBody"),
        (
            "DelaySeconds",
            "MessageAttributes",
            "MessageDeduplicationId",
            "MessageGroupId",
            "MessageSystemAttributes",
            "Region",
        ),
    ),
    "SQS-ReceiveMessage": (
        ("QueueUrl",),
        (
            "AttributeNames",
            "MaxNumberOfMessages",
            "MessageAttributeNames",
            "ReceiveRequestAttemptId",
            "VisibilityTimeout",
            "WaitTimeSeconds",
            "Region",
        ),
    ),
    "SQS-DeleteMessage": (("ReceiptHandle", "QueueUrl"), ("Region",)),
    "SQS-PurgeQueue": (("QueueUrl",), ("Region",)),
    "AppConfig-GetConfiguration": (
        ("Application", "Environment", "Configuration", "ClientId"),
        ("ClientConfigurationVersion", "Region"),
    ),
    "Kinesis-PutRecord": (
        ("StreamName", "Data", "PartitionKey"),
        ("SequenceNumberForOrdering", "ExplicitHashKey", "Region"),
    ),
    "StepFunctions-StartExecution": (("StateMachineArn",), ("Name", "Input", "Region")),
    "StepFunctions-StartSyncExecution": (("StateMachineArn",), ("Name", "Input", "Region", "TraceHeader")),
    "StepFunctions-StopExecution": (("ExecutionArn",), ("Cause", "Error", "Region")),
}
"""AWS service integrations of HTTP APIs: subtype → (required, optional) request parameters."""

_LAMBDA_ARN = re.compile(
    r"^arn:aws[a-z-]*:lambda:[a-z0-9-]+:\d{12}:function:[A-Za-z0-9_-]+(:[A-Za-z0-9$_-]+)?$"
)
_LAMBDA_URI = re.compile(
    r"^arn:aws[a-z-]*:apigateway:[a-z0-9-]+:lambda:path/2015-03-31/functions/(.+)/invocations$"
)
_HTTP_URL = re.compile(r"^https?://[^/\s]+")
_ARN = re.compile(r"^arn:aws[a-z-]*:[a-z0-9-]+:")
_PARAM_KEY = re.compile(r"^(append|overwrite|remove):(header|querystring)\.[^\s]+$|^overwrite:path$")


def is_lambda(uri: str) -> bool:
    return bool(_LAMBDA_ARN.match(uri) or _LAMBDA_URI.match(uri))


def _check_http(doc: dict[str, Any]) -> None:
    """The rules HTTP APIs put on an integration (document in wire names, defaults applied)."""
    kind = doc["integrationType"]
    uri = doc.get("integrationUri")
    version = doc.get("payloadFormatVersion")
    subtype = doc.get("integrationSubtype")
    if kind not in ("AWS_PROXY", "HTTP_PROXY"):
        raise BadRequestException(f"Integration type {kind} is not supported for HTTP APIs")
    if doc.get("requestTemplates") or doc.get("templateSelectionExpression"):
        raise BadRequestException("Request templates are not supported for HTTP APIs")
    if doc.get("passthroughBehavior"):
        raise BadRequestException("PassthroughBehavior is not supported for HTTP APIs")
    if version not in ("1.0", "2.0"):
        raise BadRequestException(
            f"Invalid payload format version {version}. Supported values are 1.0 and 2.0"
        )
    if subtype is not None:
        if kind != "AWS_PROXY":
            raise BadRequestException("IntegrationSubtype is only supported for AWS_PROXY integrations")
        if subtype not in SUBTYPES:
            raise BadRequestException(
                f"Unsupported integration subtype {subtype}. Supported subtypes are: {', '.join(SUBTYPES)}"
            )
        if uri is not None:
            raise BadRequestException("IntegrationUri is not supported for integrations with a subtype")
        if version != "1.0":
            raise BadRequestException(
                "Only payload format version 1.0 is supported for AWS service integrations"
            )
        required, optional = SUBTYPES[subtype]
        params = doc.get("requestParameters") or {}
        missing = [p for p in required if p not in params]
        unknown = [p for p in params if p not in required and p not in optional]
        if missing:
            raise BadRequestException(
                f"Missing required parameters for integration with subtype {subtype}: [{', '.join(missing)}]"
            )
        if unknown:
            raise BadRequestException(
                f"Unsupported parameters for integration with subtype {subtype}: [{', '.join(unknown)}]"
            )
        return
    if uri is None:
        raise BadRequestException(f"IntegrationUri is required for {kind} integrations")
    if kind == "AWS_PROXY":
        if not is_lambda(uri):
            raise BadRequestException(
                f"Invalid integration URI specified {uri}. AWS_PROXY integrations without a subtype take a "
                "Lambda function ARN"
            )
    else:
        if version != "1.0":
            raise BadRequestException(
                "Only payload format version 1.0 is supported for HTTP_PROXY integrations"
            )
        private = doc.get("connectionType") == "VPC_LINK"
        if not (_ARN.match(uri) if private else _HTTP_URL.match(uri)):
            raise BadRequestException(f"Invalid HTTP endpoint specified for URI {uri}")
        if not doc.get("integrationMethod"):
            raise BadRequestException("IntegrationMethod is required for HTTP_PROXY integrations")
        params = doc.get("requestParameters") or {}
        bad = [key for key in params if not _PARAM_KEY.match(key)]
        if bad:
            raise BadRequestException(
                f"Invalid mapping expression specified: {bad[0]}. Keys must be of the form "
                "append|overwrite|remove:header|querystring.<name> or overwrite:path"
            )


def _check(api: dict[str, Any], doc: dict[str, Any]) -> None:
    if doc.get("connectionType") == "VPC_LINK" and not doc.get("connectionId"):
        raise BadRequestException("ConnectionId is required for VPC_LINK connections")
    if api["protocolType"] == "HTTP":
        _check_http(doc)
    elif doc["integrationType"] != "MOCK" and not doc.get("integrationUri"):
        raise BadRequestException(f"IntegrationUri is required for {doc['integrationType']} integrations")


def defaults(api: dict[str, Any], fields: dict[str, Any]) -> dict[str, Any]:
    """A new integration's document: AWS's defaults under the given fields."""
    doc: dict[str, Any] = {"connectionType": "INTERNET", "timeoutInMillis": 30000}
    kind = fields["integrationType"]
    if api["protocolType"] == "HTTP":
        doc["payloadFormatVersion"] = "1.0"
        if kind == "AWS_PROXY" and not fields.get("integrationSubtype"):
            doc["integrationMethod"] = "POST"
    else:
        doc["integrationResponseSelectionExpression"] = "${integration.response.statuscode}"
        if kind in ("AWS", "HTTP", "MOCK"):
            doc["passthroughBehavior"] = "WHEN_NO_MATCH"
        if kind == "AWS_PROXY":
            doc["integrationMethod"] = "POST"
        doc["timeoutInMillis"] = 29000
    doc.update(fields)
    return doc


def insert(tx: Tx, ctx: RequestContext, api: dict[str, Any], fields: dict[str, Any]) -> dict[str, Any]:
    """Validate and store a new integration (fields in wire names); returns its document."""
    gw, account, region = where(ctx)
    doc = defaults(api, fields)
    _check(api, doc)
    doc["integrationId"] = gw.new_id(tx, "integration", 7)
    store.put(tx, account, region, "integration", api["apiId"], doc["integrationId"], doc)
    return doc


def create_integration(ctx: RequestContext, request: dict[str, Any]) -> dict[str, Any]:
    gw, _, _ = where(ctx)
    with gw.db.transaction() as tx:
        api = api_or_404(tx, ctx, request["ApiId"])
        fields = body(ctx, request)
        if (
            api["protocolType"] == "HTTP"
            and fields.get("integrationType") == "AWS_PROXY"
            and not fields.get("integrationSubtype")
            and not fields.get("payloadFormatVersion")
        ):
            # AWS: "If you create a Lambda integration by using the AWS CLI, CloudFormation, or an SDK,
            # you must specify a payloadFormatVersion" (only the console picks one).
            raise BadRequestException(
                "PayloadFormatVersion is required for AWS_PROXY integrations of HTTP APIs"
            )
        doc = insert(tx, ctx, api, fields)
        changed(tx, ctx, api["apiId"])
    return out(ctx, doc)


def get_integration(ctx: RequestContext, request: dict[str, Any]) -> dict[str, Any]:
    return get_one(ctx, request, "integration", "IntegrationId")


def get_integrations(ctx: RequestContext, request: dict[str, Any]) -> dict[str, Any]:
    return get_all(ctx, request, "integration")


def update(
    tx: Tx, ctx: RequestContext, api: dict[str, Any], doc: dict[str, Any], fields: dict[str, Any]
) -> None:
    """Apply `fields` (wire names) to the integration `doc`, validate and store it."""
    _, account, region = where(ctx)
    if "requestParameters" in fields and doc.get("integrationSubtype") is None:
        merged = {**doc.get("requestParameters", {}), **fields["requestParameters"]}
        fields["requestParameters"] = {k: v for k, v in merged.items() if v != ""}
    doc.update(fields)
    if doc.get("integrationType") == "HTTP_PROXY":
        doc.pop("integrationSubtype", None)
    _check(api, doc)
    store.put(tx, account, region, "integration", api["apiId"], doc["integrationId"], doc)


def update_integration(ctx: RequestContext, request: dict[str, Any]) -> dict[str, Any]:
    gw, _, _ = where(ctx)
    with gw.db.transaction() as tx:
        api = api_or_404(tx, ctx, request["ApiId"])
        doc = child_or_404(tx, ctx, "integration", request["ApiId"], request["IntegrationId"])
        update(tx, ctx, api, doc, body(ctx, request))
        changed(tx, ctx, api["apiId"])
    return out(ctx, doc)


def delete_integration(ctx: RequestContext, request: dict[str, Any]) -> None:
    gw, account, region = where(ctx)
    api_id, integration_id = request["ApiId"], request["IntegrationId"]
    with gw.db.transaction() as tx:
        api_or_404(tx, ctx, api_id)
        child_or_404(tx, ctx, "integration", api_id, integration_id)
        users = [
            route_id
            for route_id, route in store.list_docs(tx, account, region, "route", api_id)
            if route.get("target") == f"integrations/{integration_id}"
        ]
        if users:
            raise ConflictException(
                "Cannot delete Integration because it is referenced by the following Routes with Ids: "
                f"[{', '.join(users)}]"
            )
        store.delete(tx, account, region, "integration", api_id, integration_id)
        store.delete_scope(tx, account, region, f"{api_id}/{integration_id}")
        changed(tx, ctx, api_id)


# -- integration responses -----------------------------------------------------------------------------------


def create_integration_response(ctx: RequestContext, request: dict[str, Any]) -> dict[str, Any]:
    return INTEGRATION_RESPONSES.create(ctx, request)


def get_integration_response(ctx: RequestContext, request: dict[str, Any]) -> dict[str, Any]:
    return INTEGRATION_RESPONSES.get(ctx, request)


def get_integration_responses(ctx: RequestContext, request: dict[str, Any]) -> dict[str, Any]:
    return INTEGRATION_RESPONSES.list(ctx, request)


def update_integration_response(ctx: RequestContext, request: dict[str, Any]) -> dict[str, Any]:
    return INTEGRATION_RESPONSES.update(ctx, request)


def delete_integration_response(ctx: RequestContext, request: dict[str, Any]) -> None:
    INTEGRATION_RESPONSES.delete(ctx, request)
