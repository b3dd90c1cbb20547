"""`AWS` integrations of REST APIs: a call to another AWS service, or a Lambda function invoked without
the proxy format.

The integration URI names the service and either an action or a path:

- `arn:aws:apigateway:{region}:{service}:action/{Action}` — JSON-protocol services (DynamoDB, Kinesis,
  EventBridge, Step Functions...) get `POST /` with `X-Amz-Target: {prefix}.{Action}` and the mapped
  body; query-protocol services (SQS, SNS) get `Action={Action}` added to the query string, the other
  parameters coming from the mapped query string (or a form body).
- `arn:aws:apigateway:{region}:{service}:path/{path}` — the integration's HTTP method on `/{path}`
  (e.g. `sqs:path/{account}/{queue}` with a form body, `s3:path/{bucket}/{key}`).
- `arn:aws:apigateway:{region}:lambda:path/2015-03-31/functions/{arn}/invocations` — the function runs
  with the mapped body as its event; a function error comes back as status 200 with `error_message`
  (what integration responses' `selectionPattern` is matched against).

Requests go through the App's own request pipeline (`app.dispatch`), signed with a SigV4 scope naming
the owning account, region and service. Query-protocol services are asked for JSON (`Accept:
application/json`), as API Gateway does, and their XML answer is given in AWS's JSON form
(`{"SendMessageResponse": {"SendMessageResult": {...}, "ResponseMetadata": {"RequestId": ...}}}`).
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import logging
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, urlencode, urlsplit

from botocore.model import Shape
from botocore.parsers import QueryParser

from cloudlet.protocol import catalog
from cloudlet.protocol.errors import ServiceError
from cloudlet.protocol.http import Headers, HttpRequest

if TYPE_CHECKING:
    from botocore.model import ServiceModel

    from cloudlet.services.apigateway.engine import ApiGateway

log = logging.getLogger("cloudlet.apigateway")

_URI = re.compile(r"^arn:aws[a-zA-Z-]*:apigateway:([^:]*):([^:]+):(action|path)/(.*)$", re.S)
_LAMBDA_INVOKE = re.compile(r"^/?2015-03-31/functions/(.+)/invocations/?$")
_STAGE_VARIABLE = re.compile(r"\$\{stageVariables\.([A-Za-z0-9_]+)\}")
_PLACEHOLDER = re.compile(r"\{([^{}]+)\}")
_FORM = "application/x-www-form-urlencoded"
_DROPPED_HEADERS = {"content-length", "transfer-encoding", "connection", "date", "server"}
INTERNAL_ERROR = b'{"message": "Internal server error"}'


@dataclass
class IntegrationResult:
    status: int
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b""
    error_message: str | None = None
    """Lambda (non-proxy): the `errorMessage` of a failed invocation."""
    failed: bool = False
    """The integration could not be called at all (a configuration error: no such function or service,
    an unreadable URI). AWS answers the client 500 `{"message": "Internal server error"}` directly,
    without integration responses; `status`/`body` already say so."""


async def call(
    gw: ApiGateway,
    *,
    account: str,
    region: str,
    integration: dict,
    body: bytes,
    headers: dict[str, str],
    query: dict[str, list[str]],
    path_params: dict[str, str],
    stage_variables: dict[str, str],
    request_id: str,
) -> IntegrationResult:
    """Call the AWS service (or Lambda function) `integration` names with the mapped request."""
    uri = _STAGE_VARIABLE.sub(lambda m: stage_variables.get(m.group(1), ""), integration.get("uri") or "")
    match = _URI.match(uri)
    if match is None:
        log.warning("AWS integration with an unreadable uri %r", uri)
        return _failure()
    uri_region, service, kind, rest = match.groups()
    service = service.rsplit(".", 1)[-1]  # `{subdomain}.{service}`
    region = uri_region or region
    if kind == "path":
        rest = _PLACEHOLDER.sub(lambda m: _path_value(path_params, m.group(1)), rest)
    if service == "lambda" and kind == "path":
        invoke = _LAMBDA_INVOKE.match(rest)
        if invoke is not None:
            return await _invoke_lambda(gw, invoke.group(1), body, request_id)
    model = _model_for(gw, service)
    if model is None:
        log.warning("AWS integration with service %r, which is not served", service)
        return _failure()
    method = (integration.get("httpMethod") or "POST").upper()
    outgoing = Headers(
        [(k, v) for k, v in headers.items() if k.lower() not in ("host", "authorization", "content-length")]
    )
    extra: list[tuple[str, str]] = []
    query_protocol = "query" in catalog.protocols(model)
    query_pairs = [(k, v) for k, values in query.items() for v in values]
    if kind == "action":
        action = rest.split("/", 1)[0].split("?", 1)[0]
        path = "/"
        if query_protocol:
            query_pairs.insert(0, ("Action", action))
        elif model.protocol == "json":
            method = "POST"
            extra.append(("X-Amz-Target", f"{model.metadata['targetPrefix']}.{action}"))
            if "content-type" not in outgoing:
                version = model.metadata.get("jsonVersion", "1.0")
                extra.append(("Content-Type", f"application/x-amz-json-{version}"))
        else:
            log.warning("AWS integration: %s takes no action/ URIs", service)
            return _failure()
    else:
        path = "/" + rest.lstrip("/")
        path, _, inline = path.partition("?")
        if inline:
            query_pairs = [
                tuple(p.split("=", 1)) if "=" in p else (p, "") for p in inline.split("&")
            ] + query_pairs  # type: ignore[misc]
    if query_protocol and body and _FORM not in (outgoing.get("content-type") or "").lower():
        body = b""  # query services read parameters from the URL or a form body only
    accept = outgoing.get("accept")
    if accept is None:
        accept = "application/json"
        extra.append(("Accept", accept))
    request = _signed_request(gw, account, region, model, method, path, query_pairs, outgoing, extra, body)
    dispatch = gw.app.dispatch
    if dispatch is None:
        return _failure()
    response = await dispatch(request)
    payload = (
        response.body if isinstance(response.body, bytes) else b"".join([c async for c in response.body])
    )
    out_headers = [(k, v) for k, v in response.headers if k.lower() not in _DROPPED_HEADERS]
    if query_protocol and "json" in accept.lower() and _is_xml(response.header("content-type"), payload):
        converted = _query_json(model, response.status, payload)
        if converted is not None:
            payload = converted
            out_headers = [(k, v) for k, v in out_headers if k.lower() != "content-type"]
            out_headers.append(("Content-Type", "application/json"))
    return IntegrationResult(response.status, out_headers, payload)


def _failure() -> IntegrationResult:
    return IntegrationResult(500, [("Content-Type", "application/json")], INTERNAL_ERROR, failed=True)


def _path_value(path_params: dict[str, str], name: str) -> str:
    value = path_params.get(name)
    if value is None:
        value = path_params.get(name.rstrip("+"), "")
    return quote(value, safe="/")


def _model_for(gw: ApiGateway, service: str) -> ServiceModel | None:
    """The served model whose endpoint prefix (or signing name) is `service`."""
    table = gw.runtime.get("aws_integration_models")
    if table is None:
        table = {}
        index = catalog.route_index(gw.app.service_of_model)
        for name, entry in index.items():
            table.setdefault(entry["endpointPrefix"], name)
        for name, entry in index.items():
            table.setdefault(entry["signingName"], name)
        gw.runtime["aws_integration_models"] = table
    name = table.get(service)
    return catalog.service_model(name) if name else None


def _signed_request(
    gw: ApiGateway,
    account: str,
    region: str,
    model: ServiceModel,
    method: str,
    path: str,
    query_pairs: list[tuple[str, str]],
    headers: Headers,
    extra: list[tuple[str, str]],
    body: bytes,
) -> HttpRequest:
    now = dt.datetime.fromtimestamp(gw.clock.now(), dt.UTC)
    endpoint = urlsplit(gw.app.settings.endpoint)
    scope = f"{account}/{now:%Y%m%d}/{region}/{catalog.signing_name(model)}/aws4_request"
    items = [
        ("Host", endpoint.netloc),
        ("Authorization", f"AWS4-HMAC-SHA256 Credential={scope}, SignedHeaders=host, Signature=0"),
        ("X-Amz-Date", f"{now:%Y%m%dT%H%M%SZ}"),
        *headers.items(),
        *extra,
    ]
    if body:
        items.append(("Content-Length", str(len(body))))
    return HttpRequest(
        method=method,
        raw_path=quote(path, safe="/%:@!$&'()*+,;=-._~"),
        query_string=urlencode(query_pairs),
        headers=Headers(items),
        body=body,
        client="127.0.0.1",
    )


# -- Lambda (non-proxy) ------------------------------------------------------------------------------


async def _invoke_lambda(
    gw: ApiGateway, function_arn: str, body: bytes, request_id: str
) -> IntegrationResult:
    from cloudlet.services.lambda_ import api as lambda_api

    try:
        outcome = await lambda_api.invoke(gw.app, function_arn, body)
    except ServiceError as exc:
        log.info("Lambda integration could not invoke %s: %s %s", function_arn, exc.code, exc.message)
        return _failure()
    except ValueError:  # not an ARN
        return _failure()
    headers = [("Content-Type", "application/json")]
    if outcome.outcome == "ok":
        return IntegrationResult(200, headers, outcome.payload)
    return IntegrationResult(200, headers, outcome.payload, error_message=_error_message(outcome.payload))


def _error_message(payload: bytes) -> str:
    try:
        document = json.loads(payload)
    except ValueError:
        return payload.decode("utf-8", errors="replace")
    if isinstance(document, dict) and "errorMessage" in document:
        message = document["errorMessage"]
        return message if isinstance(message, str) else json.dumps(message)
    return payload.decode("utf-8", errors="replace")


# -- query-protocol answers as JSON ------------------------------------------------------------------


def _is_xml(content_type: str | None, payload: bytes) -> bool:
    if content_type and "xml" in content_type.lower():
        return True
    return payload.lstrip().startswith(b"<")


def _query_json(model: ServiceModel, status: int, payload: bytes) -> bytes | None:
    """AWS's JSON rendering of a query-protocol answer; None when the XML is not one."""
    try:
        root = ET.fromstring(payload)
    except ET.ParseError:
        return None
    tag = _local(root.tag)
    if tag == "ErrorResponse" or status >= 400:
        return json.dumps(_error_json(root), separators=(",", ":")).encode()
    if not tag.endswith("Response"):
        return None
    action = tag[: -len("Response")]
    try:
        operation = model.operation_model(action)
    except Exception:
        return None
    request_id = _find_text(root, "RequestId")
    document: dict[str, Any] = {}
    shape = operation.output_shape
    if shape is not None:
        parsed = QueryParser().parse({"body": payload, "headers": {}, "status_code": status}, shape)
        document[f"{action}Result"] = _jsonable(shape, parsed)
    document["ResponseMetadata"] = {"RequestId": request_id}
    return json.dumps({tag: document}, separators=(",", ":")).encode()


def _error_json(root: ET.Element) -> dict[str, Any]:
    error = next((e for e in root.iter() if _local(e.tag) == "Error"), None)
    fields: dict[str, Any] = {}
    if error is not None:
        for name in ("Type", "Code", "Message"):
            fields[name] = _find_text(error, name)
        for child in error:
            local = _local(child.tag)
            if local not in fields:
                fields[local] = child.text
    return {"Error": fields, "RequestId": _find_text(root, "RequestId")}


def _jsonable(shape: Shape, value: Any) -> Any:
    """Parsed output as JSON: structures list every member (absent ones as null), as AWS's JSON does."""
    if shape.type_name == "structure":
        value = value if isinstance(value, dict) else {}
        return {
            name: (_jsonable(member, value[name]) if value.get(name) is not None else None)
            for name, member in shape.members.items()
        }
    if value is None:
        return None
    if shape.type_name == "list":
        return [_jsonable(shape.member, v) for v in value]  # type: ignore[attr-defined]
    if shape.type_name == "map":
        return {k: _jsonable(shape.value, v) for k, v in value.items()}  # type: ignore[attr-defined]
    if shape.type_name == "timestamp" and isinstance(value, dt.datetime):
        return value.timestamp()
    if shape.type_name == "blob" and isinstance(value, bytes | bytearray):
        return base64.b64encode(value).decode()
    return value


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _find_text(root: ET.Element, name: str) -> str | None:
    for element in root.iter():
        if _local(element.tag) == name:
            return element.text
    return None
