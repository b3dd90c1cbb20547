"""AWS service integrations of HTTP APIs (`AWS_PROXY` with an `integrationSubtype`): the integration's
`requestParameters` (`{"QueueUrl": "...", "MessageBody": "$request.body"}`) are resolved against the
request and become one call of the service's action, made through the App's own request pipeline. The
service's answer (status, JSON body) is the response. Subtypes of services cloudlet does not serve
(Kinesis, Step Functions, AppConfig) answer 500.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from cloudlet.services.apigateway.serve import aws_integration
from cloudlet.services.apigateway.serve.http_event import INTERNAL, Call, Refusal

if TYPE_CHECKING:
    from cloudlet.services.apigateway.engine import ApiGateway

Answer = tuple[int, list[tuple[str, str]], bytes]

SUBTYPES: dict[str, tuple[str, str]] = {
    "SQS-SendMessage": ("sqs", "SendMessage"),
    "SQS-ReceiveMessage": ("sqs", "ReceiveMessage"),
    "SQS-DeleteMessage": ("sqs", "DeleteMessage"),
    "SQS-PurgeQueue": ("sqs", "PurgeQueue"),
    "EventBridge-PutEvents": ("events", "PutEvents"),
    "Kinesis-PutRecord": ("kinesis", "PutRecord"),
    "StepFunctions-StartExecution": ("states", "StartExecution"),
    "StepFunctions-StartSyncExecution": ("states", "StartSyncExecution"),
    "StepFunctions-StopExecution": ("states", "StopExecution"),
    "AppConfig-GetConfiguration": ("appconfig", "GetConfiguration"),
}
_LIST_PARAMETERS = {"AttributeNames", "MessageAttributeNames", "Resources"}
_QUERY_SERVICES = {"sqs"}


async def call(gw: ApiGateway, call: Call, integration: dict[str, Any]) -> Answer:
    from cloudlet.services.apigateway.serve.http_integrations import resolve

    found = SUBTYPES.get(integration.get("integrationSubtype") or "")
    if found is None:
        raise Refusal(*INTERNAL)
    service, action = found
    params = {
        name: resolve(call, str(value), None)
        for name, value in (integration.get("requestParameters") or {}).items()
    }
    region = params.pop("Region", None) or call.region
    query: dict[str, list[str]] = {}
    body = b""
    headers: dict[str, str] = {}
    if service in _QUERY_SERVICES:
        for name, value in params.items():
            if name in _LIST_PARAMETERS:
                for index, item in enumerate(_items(value), start=1):
                    query[f"{name}.{index}"] = [item]
            else:
                query[name] = [value]
    else:
        document: dict[str, Any] = {}
        for name, value in params.items():
            document[name] = _items(value) if name in _LIST_PARAMETERS else value
        if action == "PutEvents":
            document = {"Entries": [document]}
        body = json.dumps(document).encode()
    result = await aws_integration.call(
        gw,
        account=call.account,
        region=region,
        integration={"uri": f"arn:aws:apigateway:{region}:{service}:action/{action}", "httpMethod": "POST"},
        body=body,
        headers=headers,
        query=query,
        path_params=call.path_params,
        stage_variables=call.stage_variables,
        request_id=call.request_id,
    )
    if result.failed:
        raise Refusal(*INTERNAL)
    kept = [(k, v) for k, v in result.headers if k.lower() in ("content-type",)]
    return result.status, kept, result.body


def _items(value: str) -> list[str]:
    """A list parameter given as a JSON array or comma-separated text."""
    try:
        parsed = json.loads(value)
    except ValueError:
        parsed = None
    if isinstance(parsed, list):
        return [v if isinstance(v, str) else json.dumps(v) for v in parsed]
    return [v.strip() for v in value.split(",") if v.strip()]
