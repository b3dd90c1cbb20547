"""OpenAPI import for REST APIs: an OpenAPI 3.0 or Swagger 2.0 definition (JSON or YAML) with API
Gateway's `x-amazon-apigateway-*` extensions → the store documents the control plane keeps (`restapi`,
`resource` with methods and integrations embedded, `authorizer`, `model`, `validator`,
`gatewayresponse`). `Importer` builds the documents without writing them; `operations/exports.py`
writes them in one transaction."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from cloudlet.services.apigateway.errors import BadRequestException
from cloudlet.services.apigateway.v1.openapi_parse import (
    ANY_METHOD,
    HTTP_METHODS,
    base_path,
    fail,
    ref_name,
    resolve,
    split_path,
)

MODEL_URL = "https://apigateway.amazonaws.com/restapis/{api}/models/{name}"
INTEGRATION_TYPES = ("AWS", "AWS_PROXY", "HTTP", "HTTP_PROXY", "MOCK")
PASSTHROUGH = ("WHEN_NO_MATCH", "WHEN_NO_TEMPLATES", "NEVER")
AUTHORIZER_TYPES = {"token": "TOKEN", "request": "REQUEST", "cognito_user_pools": "COGNITO_USER_POOLS"}
PARAM_IN = {"path": "path", "query": "querystring", "header": "header"}


# -- REST API import ---------------------------------------------------------------------------------


@dataclass
class Existing:
    """What the API holds before a PutRestApi in merge mode (empty for an import or an overwrite)."""

    resources: dict[str, dict[str, Any]] = field(default_factory=dict)
    """path → resource document."""
    authorizers: dict[str, dict[str, Any]] = field(default_factory=dict)
    """name → authorizer document."""
    models: dict[str, dict[str, Any]] = field(default_factory=dict)
    validators: dict[str, dict[str, Any]] = field(default_factory=dict)
    """name → validator document."""


@dataclass
class Built:
    api: dict[str, Any]
    resources: list[dict[str, Any]]
    authorizers: list[dict[str, Any]]
    models: list[dict[str, Any]]
    validators: list[dict[str, Any]]
    gateway_responses: list[dict[str, Any]]
    warnings: list[str]


class Importer:
    """Builds the documents of one import. `new_id(kind, length)` gives fresh ids."""

    def __init__(
        self,
        document: dict[str, Any],
        version: int,
        api: dict[str, Any],
        parameters: dict[str, str] | None,
        new_id: Any,
        existing: Existing | None = None,
    ) -> None:
        self.doc = document
        self.version = version
        self.api = api
        self.params = {k.lower(): v for k, v in (parameters or {}).items()}
        self.new_id = new_id
        self.existing = existing or Existing()
        self.warnings: list[str] = []
        self.errors: list[str] = []
        self.authorizers: dict[str, dict[str, Any]] = {}
        self.validators: dict[str, dict[str, Any]] = {}
        self.models: dict[str, dict[str, Any]] = {}

    # -- top level ---------------------------------------------------------------------------------

    def build(self) -> Built:
        self._api_fields()
        self._models()
        self._validators()
        self._authorizers()
        resources = self._resources()
        responses = self._gateway_responses()
        if self.errors:
            raise fail(self.errors)
        return Built(
            self.api,
            resources,
            list(self.authorizers.values()),
            list(self.models.values()),
            list(self.validators.values()),
            responses,
            self.warnings,
        )

    def _api_fields(self) -> None:
        info = self.doc.get("info") if isinstance(self.doc.get("info"), dict) else {}
        title = info.get("title")
        if not title or not isinstance(title, str):
            raise fail(["API name is required: the definition's 'info.title' is missing."])
        api = self.api
        api["name"] = title
        for key, source in (("description", info.get("description")), ("version", info.get("version"))):
            if source is not None:
                api[key] = str(source)
            else:
                api.pop(key, None)
        binary = self.doc.get("x-amazon-apigateway-binary-media-types")
        if isinstance(binary, list) and binary:
            api["binaryMediaTypes"] = [str(b) for b in binary]
        size = self.doc.get("x-amazon-apigateway-minimum-compression-size")
        if size is not None:
            if not isinstance(size, int) or not 0 <= size <= 10485760:
                self.errors.append("Invalid minimum compression size, must be between 0 and 10485760")
            else:
                api["minimumCompressionSize"] = size
        source = self.doc.get("x-amazon-apigateway-api-key-source")
        if source is not None:
            if str(source).upper() not in ("HEADER", "AUTHORIZER"):
                self.errors.append(f"Invalid API key source specified: {source}")
            else:
                api["apiKeySource"] = str(source).upper()
        policy = self.doc.get("x-amazon-apigateway-policy")
        if policy is not None:
            api["policy"] = policy if isinstance(policy, str) else json.dumps(policy)
        endpoint = self.doc.get("x-amazon-apigateway-endpoint-configuration")
        config = dict(api.get("endpointConfiguration") or {"types": ["EDGE"]})
        if isinstance(endpoint, dict):
            if endpoint.get("vpcEndpointIds"):
                config["vpcEndpointIds"] = [str(v) for v in endpoint["vpcEndpointIds"]]
            if "disableExecuteApiEndpoint" in endpoint:
                api["disableExecuteApiEndpoint"] = bool(endpoint["disableExecuteApiEndpoint"])
        types = self.params.get("endpointconfigurationtypes")
        if types:
            if types.upper() not in ("EDGE", "REGIONAL", "PRIVATE"):
                raise BadRequestException(
                    f"Invalid endpoint configuration type specified: {types}. Must be one of: "
                    "[REGIONAL, EDGE, PRIVATE]"
                )
            config["types"] = [types.upper()]
        api["endpointConfiguration"] = config

    # -- models, validators, authorizers -----------------------------------------------------------

    def _schemas(self) -> dict[str, Any]:
        if self.version == 2:
            found = self.doc.get("definitions")
        else:
            components = self.doc.get("components")
            found = components.get("schemas") if isinstance(components, dict) else None
        return found if isinstance(found, dict) else {}

    def _models(self) -> None:
        for name, schema in self._schemas().items():
            if not re.fullmatch(r"[a-zA-Z0-9]+", name):
                self.warnings.append(f"Unable to create model '{name}': model names must be alphanumeric.")
                continue
            previous = self.existing.models.get(name)
            doc = {
                "id": previous["id"] if previous else self.new_id("model", 6),
                "name": name,
                "contentType": "application/json",
                "schema": json.dumps(self._model_refs(schema)),
            }
            if isinstance(schema, dict) and schema.get("description"):
                doc["description"] = str(schema["description"])
            self.models[name] = doc

    def _model_refs(self, value: Any) -> Any:
        """A schema with its `$ref`s to other definitions pointing at the API's model URLs."""
        if isinstance(value, dict):
            name = ref_name(value)
            if name is not None:
                return {**value, "$ref": MODEL_URL.format(api=self.api["id"], name=name)}
            return {k: self._model_refs(v) for k, v in value.items()}
        if isinstance(value, list):
            return [self._model_refs(v) for v in value]
        return value

    def _validators(self) -> None:
        found = self.doc.get("x-amazon-apigateway-request-validators")
        if not isinstance(found, dict):
            return
        for name, spec in found.items():
            spec = spec if isinstance(spec, dict) else {}
            previous = self.existing.validators.get(name)
            self.validators[name] = {
                "id": previous["id"] if previous else self.new_id("validator", 6),
                "name": name,
                "validateRequestBody": bool(spec.get("validateRequestBody", False)),
                "validateRequestParameters": bool(spec.get("validateRequestParameters", False)),
            }

    def _security_schemes(self) -> dict[str, Any]:
        if self.version == 2:
            found = self.doc.get("securityDefinitions")
        else:
            components = self.doc.get("components")
            found = components.get("securitySchemes") if isinstance(components, dict) else None
        return found if isinstance(found, dict) else {}

    def _authorizers(self) -> None:
        for name, scheme in self._security_schemes().items():
            scheme = resolve(self.doc, scheme)
            if not isinstance(scheme, dict):
                continue
            ext = scheme.get("x-amazon-apigateway-authorizer")
            if not isinstance(ext, dict):
                continue
            kind = AUTHORIZER_TYPES.get(str(ext.get("type", "")).lower())
            if kind is None:
                self.errors.append(f"Invalid authorizer type '{ext.get('type')}' for authorizer '{name}'")
                continue
            previous = self.existing.authorizers.get(name)
            doc: dict[str, Any] = {"id": previous["id"] if previous else self.new_id("authorizer", 6)}
            doc.update({"name": name, "type": kind})
            header = scheme.get("name") if scheme.get("in") == "header" else None
            source = ext.get("identitySource") or (f"method.request.header.{header}" if header else None)
            if kind != "COGNITO_USER_POOLS":
                if not ext.get("authorizerUri"):
                    self.errors.append(f"Authorizer URI is required for authorizer '{name}'")
                    continue
                doc["authorizerUri"] = str(ext["authorizerUri"])
            elif not ext.get("providerARNs"):
                self.errors.append(f"providerARNs are required for authorizer '{name}'")
                continue
            else:
                doc["providerARNs"] = [str(a) for a in ext["providerARNs"]]
            for key in ("authorizerCredentials", "identityValidationExpression"):
                if ext.get(key) is not None:
                    doc[key] = str(ext[key])
            if source:
                doc["identitySource"] = str(source)
            doc["authorizerResultTtlInSeconds"] = int(ext.get("authorizerResultTtlInSeconds", 300))
            authtype = scheme.get("x-amazon-apigateway-authtype")
            if authtype:
                doc["authType"] = str(authtype)
            self.authorizers[name] = doc

    # -- resources and methods ---------------------------------------------------------------------

    def _resources(self) -> list[dict[str, Any]]:
        prefix: list[str] = []
        mode = (self.params.get("basepath") or "ignore").lower()
        if mode not in ("ignore", "prepend", "split"):
            raise BadRequestException(
                f"Invalid basepath value specified: {mode}. Must be one of: [ignore, prepend, split]"
            )
        base = [p for p in base_path(self.doc, self.version).split("/") if p]
        if mode == "prepend":
            prefix = base
        elif mode == "split" and base:
            prefix = base[1:]
        by_path: dict[str, dict[str, Any]] = {}
        order: list[str] = []
        root = self.existing.resources.get("/") or {"id": self.api["rootResourceId"], "path": "/"}
        by_path["/"] = {**root, "resourceMethods": dict(root.get("resourceMethods") or {})}
        order.append("/")
        for path in self.existing.resources:
            if path != "/":
                by_path[path] = {**self.existing.resources[path]}
                order.append(path)
        for raw_path, item in (self.doc.get("paths") or {}).items():
            item = resolve(self.doc, item)
            if not isinstance(item, dict):
                self.warnings.append(f"Parse issue: paths.'{raw_path}' is not an object")
                continue
            parts = prefix + split_path(raw_path)
            resource = self._ensure(parts, by_path, order)
            methods = dict(resource.get("resourceMethods") or {})
            shared = item.get("parameters") if isinstance(item.get("parameters"), list) else []
            for key, operation in item.items():
                verb = "ANY" if key == ANY_METHOD else key.upper() if key in HTTP_METHODS else None
                if verb is None or not isinstance(operation, dict):
                    continue
                methods[verb] = self._method(verb, raw_path, operation, shared, resource["id"])
            if methods:
                resource["resourceMethods"] = methods
        return [by_path[p] for p in order]

    def _ensure(
        self, parts: list[str], by_path: dict[str, dict[str, Any]], order: list[str]
    ) -> dict[str, Any]:
        parent = by_path["/"]
        for index, part in enumerate(parts):
            path = "/" + "/".join(parts[: index + 1])
            found = by_path.get(path)
            if found is None:
                if str(parent.get("pathPart") or "").endswith("+}"):
                    raise fail([f"Cannot create a child of a resource with a greedy path variable: {path}"])
                if part.startswith("{"):
                    for other in by_path.values():
                        sibling = str(other.get("pathPart") or "")
                        if other.get("parentId") == parent["id"] and sibling.startswith("{"):
                            raise fail(
                                [
                                    f"A sibling ({sibling}) of this resource already has a variable path"
                                    f" part -- only one is allowed (path: {path})"
                                ]
                            )
                found = {
                    "id": self.new_id("resource", 10),
                    "parentId": parent["id"],
                    "pathPart": part,
                    "path": path,
                }
                by_path[path] = found
                order.append(path)
            parent = found
        return parent

    def _method(
        self, verb: str, path: str, operation: dict[str, Any], shared: list[Any], resource_id: str
    ) -> dict[str, Any]:
        where = f"{verb} {path}"
        method: dict[str, Any] = {"httpMethod": verb, "authorizationType": "NONE", "apiKeyRequired": False}
        if operation.get("operationId"):
            method["operationName"] = str(operation["operationId"])
        params: dict[str, bool] = {}
        models: dict[str, str] = {}
        by_key: dict[tuple[str, str], dict[str, Any]] = {}
        for param in list(shared) + list(operation.get("parameters") or []):
            param = resolve(self.doc, param)
            if isinstance(param, dict) and param.get("name") and param.get("in"):
                by_key[(str(param["in"]), str(param["name"]))] = param
        for (where_in, name), param in by_key.items():
            if where_in == "body":
                model = ref_name(param.get("schema"))
                if model:
                    consumes = operation.get("consumes") or self.doc.get("consumes") or ["application/json"]
                    for content_type in consumes:
                        models[str(content_type)] = model
                continue
            location = PARAM_IN.get(where_in)
            if location is None:
                self.warnings.append(f"Unsupported parameter location '{where_in}' for '{name}' on {where}")
                continue
            params[f"method.request.{location}.{name}"] = where_in == "path" or bool(param.get("required"))
        body = resolve(self.doc, operation.get("requestBody"))
        if isinstance(body, dict) and isinstance(body.get("content"), dict):
            for content_type, media in body["content"].items():
                model = ref_name(media.get("schema")) if isinstance(media, dict) else None
                if model:
                    models[content_type] = model
                elif isinstance(media, dict) and media.get("schema"):
                    self.warnings.append(
                        f"Inline request schema for '{content_type}' on {where} was not imported"
                    )
        for model in models.values():
            if model not in self.models and model not in self.existing.models:
                self.errors.append(f"Invalid model name specified: {model} (used by {where})")
        if params:
            method["requestParameters"] = params
        if models:
            method["requestModels"] = models
        responses = operation.get("responses")
        if not isinstance(responses, dict):
            self.warnings.append(
                f"Parse issue: attribute paths.'{path}'({verb.lower()}).responses is missing"
            )
            responses = {}
        method_responses = {}
        for code, response in responses.items():
            if code == "default" or not re.fullmatch(r"[1-5]\d\d", code):
                continue
            method_responses[code] = self._method_response(code, resolve(self.doc, response), where)
        if method_responses:
            method["methodResponses"] = method_responses
        self._security(method, operation, where)
        validator = operation.get(
            "x-amazon-apigateway-request-validator", self.doc.get("x-amazon-apigateway-request-validator")
        )
        if validator:
            found = self.validators.get(str(validator)) or self.existing.validators.get(str(validator))
            if found is None:
                self.errors.append(f"Invalid request validator '{validator}' on {where}")
            else:
                method["requestValidatorId"] = found["id"]
        integration = operation.get("x-amazon-apigateway-integration")
        if isinstance(integration, dict):
            method["methodIntegration"] = self._integration(
                resolve(self.doc, integration), where, resource_id
            )
        return method

    def _method_response(self, code: str, response: Any, where: str) -> dict[str, Any]:
        doc: dict[str, Any] = {"statusCode": code}
        if not isinstance(response, dict):
            return doc
        headers = response.get("headers")
        if isinstance(headers, dict) and headers:
            doc["responseParameters"] = {f"method.response.header.{name}": False for name in headers}
        models: dict[str, str] = {}
        if self.version == 2:
            model = ref_name(response.get("schema"))
            if model:
                for content_type in self.doc.get("produces") or ["application/json"]:
                    models[str(content_type)] = model
        elif isinstance(response.get("content"), dict):
            for content_type, media in response["content"].items():
                model = ref_name(media.get("schema")) if isinstance(media, dict) else None
                if model:
                    models[content_type] = model
        models = {ct: m for ct, m in models.items() if m in self.models or m in self.existing.models}
        if models:
            doc["responseModels"] = models
        return doc

    def _security(self, method: dict[str, Any], operation: dict[str, Any], where: str) -> None:
        requirements = operation.get("security", self.doc.get("security"))
        if not isinstance(requirements, list):
            return
        schemes = self._security_schemes()
        for requirement in requirements:
            if not isinstance(requirement, dict):
                continue
            for name, scopes in requirement.items():
                authorizer = self.authorizers.get(name) or self.existing.authorizers.get(name)
                scheme = resolve(self.doc, schemes.get(name))
                if authorizer is not None:
                    cognito = authorizer["type"] == "COGNITO_USER_POOLS"
                    method["authorizationType"] = "COGNITO_USER_POOLS" if cognito else "CUSTOM"
                    method["authorizerId"] = authorizer["id"]
                    if cognito and scopes:
                        method["authorizationScopes"] = [str(s) for s in scopes]
                elif not isinstance(scheme, dict):
                    self.warnings.append(f"Security scheme '{name}' used by {where} is not defined")
                elif str(scheme.get("x-amazon-apigateway-authtype", "")).lower() == "awssigv4":
                    method["authorizationType"] = "AWS_IAM"
                elif scheme.get("type") == "apiKey" and str(scheme.get("name", "")).lower() == "x-api-key":
                    method["apiKeyRequired"] = True
                else:
                    self.warnings.append(f"Unsupported security scheme '{name}' on {where} was ignored")

    def _integration(self, ext: Any, where: str, resource_id: str) -> dict[str, Any]:
        cannot = f"Unable to put integration on '{where}'"
        if not isinstance(ext, dict):
            self.errors.append(f"{cannot}: malformed integration")
            return {}
        kind = str(ext.get("type", "")).upper()
        if kind not in INTEGRATION_TYPES:
            self.errors.append(f"{cannot}: Invalid integration type specified: {ext.get('type')}")
            return {}
        doc: dict[str, Any] = {"type": kind}
        if kind != "MOCK":
            if not ext.get("uri"):
                self.errors.append(f"{cannot}: Enumeration value for uri is required")
                return {}
            if not ext.get("httpMethod"):
                self.errors.append(f"{cannot}: Enumeration value for HttpMethod must be non-empty")
                return {}
        if ext.get("httpMethod"):
            doc["httpMethod"] = str(ext["httpMethod"]).upper()
        if ext.get("uri"):
            doc["uri"] = str(ext["uri"])
        doc["connectionType"] = str(ext.get("connectionType") or "INTERNET").upper()
        for key in ("connectionId", "credentials", "contentHandling"):
            if ext.get(key) is not None:
                doc[key] = str(ext[key])
        for key in ("requestParameters", "requestTemplates"):
            if isinstance(ext.get(key), dict) and ext[key]:
                doc[key] = {str(k): str(v) for k, v in ext[key].items()}
        passthrough = str(ext.get("passthroughBehavior") or "WHEN_NO_MATCH").upper()
        if passthrough not in PASSTHROUGH:
            self.errors.append(f"{cannot}: Invalid passthrough behavior specified: {passthrough}")
        doc["passthroughBehavior"] = passthrough
        doc["timeoutInMillis"] = int(ext.get("timeoutInMillis") or 29000)
        doc["cacheNamespace"] = str(ext.get("cacheNamespace") or resource_id)
        doc["cacheKeyParameters"] = [str(k) for k in ext.get("cacheKeyParameters") or []]
        responses: dict[str, Any] = {}
        for pattern, response in (ext.get("responses") or {}).items():
            if not isinstance(response, dict) or not response.get("statusCode"):
                self.errors.append(f"{cannot}: the response for '{pattern}' has no statusCode")
                continue
            code = str(response["statusCode"])
            item: dict[str, Any] = {"statusCode": code}
            if pattern != "default":
                item["selectionPattern"] = pattern
            for key in ("responseParameters", "responseTemplates"):
                if isinstance(response.get(key), dict) and response[key]:
                    item[key] = {str(k): str(v) for k, v in response[key].items()}
            if response.get("contentHandling"):
                item["contentHandling"] = str(response["contentHandling"])
            responses[code] = item
        if responses:
            doc["integrationResponses"] = responses
        return doc

    # -- gateway responses -------------------------------------------------------------------------

    def _gateway_responses(self) -> list[dict[str, Any]]:
        found = self.doc.get("x-amazon-apigateway-gateway-responses")
        out: list[dict[str, Any]] = []
        if not isinstance(found, dict):
            return out
        for kind, spec in found.items():
            spec = spec if isinstance(spec, dict) else {}
            doc: dict[str, Any] = {"responseType": kind, "defaultResponse": False}
            if spec.get("statusCode") is not None:
                doc["statusCode"] = str(spec["statusCode"])
            for key in ("responseParameters", "responseTemplates"):
                doc[key] = {str(k): str(v) for k, v in (spec.get(key) or {}).items()}
            out.append(doc)
        return out
