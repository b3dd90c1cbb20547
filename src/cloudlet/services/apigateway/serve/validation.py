"""Request validation of REST API methods: the method's request validator decides whether the required
`requestParameters` must be present and whether the body must match the method's request model
(a JSON Schema draft 4 document; `$ref`s to `https://apigateway.amazonaws.com/restapis/<api>/models/<name>`
name other models of the API)."""

from __future__ import annotations

import json
from typing import Any

import jsonschema
from referencing import Registry, Resource
from referencing.exceptions import NoSuchResource
from referencing.jsonschema import DRAFT4 as _DRAFT4

from cloudlet.protocol.http import HttpRequest
from cloudlet.services.apigateway.serve.gateway_errors import GatewayError

__all__ = ["model_schema", "validate"]

_MODEL_URI = "https://apigateway.amazonaws.com/restapis/"


def validate(
    request: HttpRequest,
    *,
    method: dict[str, Any],
    validators: dict[str, dict[str, Any]],
    models: dict[str, dict[str, Any]],
    path_params: dict[str, str],
    query: dict[str, list[str]],
    api_id: str,
) -> None:
    """Raise GatewayError BAD_REQUEST_PARAMETERS / BAD_REQUEST_BODY when the request fails the
    method's validator."""
    validator_id = method.get("requestValidatorId")
    validator = validators.get(validator_id) if validator_id else None
    if validator is None:
        return
    if validator.get("validateRequestParameters"):
        missing = _missing_parameters(request, method, path_params, query)
        if missing:
            raise GatewayError(
                "BAD_REQUEST_PARAMETERS", f"Missing required request parameters: [{', '.join(missing)}]"
            )
    if validator.get("validateRequestBody"):
        model_name = _model_for(request, method.get("requestModels") or {})
        if model_name is None or model_name == "Empty":
            return
        model = models.get(model_name)
        if model is None:
            return
        _check_body(request.body, model, models, api_id)


def _missing_parameters(
    request: HttpRequest, method: dict[str, Any], path_params: dict[str, str], query: dict[str, list[str]]
) -> list[str]:
    missing: list[str] = []
    for name, required in (method.get("requestParameters") or {}).items():
        if not required:
            continue
        kind, _, param = name.removeprefix("method.request.").partition(".")
        if kind == "querystring":
            present = bool(query.get(param))
        elif kind in ("header", "multivalueheader"):
            present = param in request.headers
        elif kind == "multivaluequerystring":
            present = bool(query.get(param))
        elif kind == "path":
            present = bool(path_params.get(param))
        else:
            continue
        if not present:
            missing.append(param)
    return missing


def _model_for(request: HttpRequest, request_models: dict[str, str]) -> str | None:
    if not request_models:
        return None
    content_type = request.content_type or "application/json"
    return request_models.get(content_type) or request_models.get("$default")


def model_schema(model: dict[str, Any]) -> Any:
    schema = model.get("schema")
    if isinstance(schema, str):
        return json.loads(schema)
    return schema if schema is not None else {}


def _check_body(body: bytes, model: dict[str, Any], models: dict[str, dict[str, Any]], api_id: str) -> None:
    try:
        schema = model_schema(model)
    except ValueError:
        return
    try:
        document = json.loads(body) if body.strip() else None
    except (ValueError, UnicodeDecodeError) as exc:
        raise GatewayError("BAD_REQUEST_BODY", "Invalid request body") from exc

    def retrieve(uri: str) -> Resource:
        if not uri.startswith(_MODEL_URI):
            raise NoSuchResource(ref=uri)
        name = uri.rstrip("/").rsplit("/", 1)[-1]
        target = models.get(name)
        if target is None:
            raise NoSuchResource(ref=uri)
        try:
            contents = model_schema(target)
        except ValueError as exc:
            raise NoSuchResource(ref=uri) from exc
        return Resource.from_contents(contents, default_specification=_DRAFT4)

    registry: Registry[Any] = Registry(retrieve=retrieve)  # type: ignore[call-arg]
    checker = jsonschema.Draft4Validator(schema, registry=registry)
    try:
        error = next(iter(checker.iter_errors(document)), None)
    except Exception as exc:  # an unresolvable $ref or a broken schema: the body cannot be validated
        raise GatewayError("BAD_REQUEST_BODY", "Invalid request body") from exc
    if error is not None:
        raise GatewayError("BAD_REQUEST_BODY", "Invalid request body")
