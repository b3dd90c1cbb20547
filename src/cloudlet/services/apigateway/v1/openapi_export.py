"""OpenAPI export for REST APIs: a stage's deployment snapshot (see `snapshot.py`) → an OpenAPI 3.0.1
(`oas30`) or Swagger 2.0 (`swagger`) definition, with API Gateway's extensions when asked for."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

from cloudlet.services.apigateway.v1.openapi_parse import ANY_METHOD

MODEL_URL = re.compile(r"^https://apigateway\.amazonaws\.com/restapis/[^/]+/models/([^/]+)$")
PARAM_OUT = {"path": "path", "querystring": "query", "header": "header"}


def invoke_host(endpoint: str, api_id: str) -> tuple[str, str]:
    """(scheme, host[:port]) of the API's invoke URLs on this endpoint."""
    parts = urlsplit(endpoint)
    port = f":{parts.port}" if parts.port else ""
    return parts.scheme or "http", f"{api_id}.execute-api.localhost{port}"


def iso(seconds: Any) -> str:
    return datetime.fromtimestamp(float(seconds or 0), UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class Exporter:
    def __init__(
        self,
        snap: dict[str, Any],
        stage: str,
        deployed: float,
        endpoint: str,
        version: int,
        extensions: set[str],
    ) -> None:
        self.snap = snap
        self.api: dict[str, Any] = snap["api"]
        self.stage = stage
        self.deployed = deployed
        self.endpoint = endpoint
        self.version = version
        self.integrations = bool(extensions & {"integrations", "apigateway"})
        self.with_authorizers = bool(extensions & {"authorizers", "apigateway"})
        self.everything = "apigateway" in extensions
        self.schemes: dict[str, Any] = {}
        self.ref_root = "#/definitions/" if version == 2 else "#/components/schemas/"

    def build(self) -> dict[str, Any]:
        api = self.api
        info: dict[str, Any] = {}
        if api.get("description"):
            info["description"] = api["description"]
        info["version"] = api.get("version") or iso(self.deployed)
        info["title"] = api["name"]
        scheme, host = invoke_host(self.endpoint, api["id"])
        out: dict[str, Any]
        if self.version == 2:
            out = {"swagger": "2.0", "info": info, "host": host, "basePath": f"/{self.stage}"}
            out["schemes"] = [scheme]
        else:
            out = {"openapi": "3.0.1", "info": info}
            out["servers"] = [
                {
                    "url": f"{scheme}://{host}/{{basePath}}",
                    "variables": {"basePath": {"default": self.stage}},
                }
            ]
        out["paths"] = self._paths()
        schemas = {name: self._schema(doc) for name, doc in self.snap.get("models", {}).items()}
        if self.version == 2:
            if self.schemes:
                out["securityDefinitions"] = self.schemes
            if schemas:
                out["definitions"] = schemas
        else:
            components: dict[str, Any] = {}
            if schemas:
                components["schemas"] = schemas
            if self.schemes:
                components["securitySchemes"] = self.schemes
            if components:
                out["components"] = components
        if self.everything:
            self._api_extensions(out)
        return out

    def _api_extensions(self, out: dict[str, Any]) -> None:
        api = self.api
        validators = self.snap.get("validators") or {}
        if validators:
            out["x-amazon-apigateway-request-validators"] = {
                v["name"]: {
                    "validateRequestBody": bool(v.get("validateRequestBody")),
                    "validateRequestParameters": bool(v.get("validateRequestParameters")),
                }
                for v in validators.values()
            }
        responses = self.snap.get("gatewayResponses") or {}
        if responses:
            gateway: dict[str, Any] = {}
            for kind, doc in responses.items():
                item: dict[str, Any] = {}
                if doc.get("statusCode"):
                    item["statusCode"] = doc["statusCode"]
                for key in ("responseParameters", "responseTemplates"):
                    if doc.get(key):
                        item[key] = doc[key]
                gateway[kind] = item
            out["x-amazon-apigateway-gateway-responses"] = gateway
        if api.get("binaryMediaTypes"):
            out["x-amazon-apigateway-binary-media-types"] = api["binaryMediaTypes"]
        if api.get("minimumCompressionSize") is not None:
            out["x-amazon-apigateway-minimum-compression-size"] = api["minimumCompressionSize"]
        if api.get("apiKeySource") and api["apiKeySource"] != "HEADER":
            out["x-amazon-apigateway-api-key-source"] = api["apiKeySource"]
        if api.get("policy"):
            try:
                out["x-amazon-apigateway-policy"] = json.loads(api["policy"])
            except ValueError:
                out["x-amazon-apigateway-policy"] = api["policy"]
        config = api.get("endpointConfiguration") or {}
        if config.get("vpcEndpointIds") or api.get("disableExecuteApiEndpoint"):
            endpoint: dict[str, Any] = {}
            if config.get("vpcEndpointIds"):
                endpoint["vpcEndpointIds"] = config["vpcEndpointIds"]
            if api.get("disableExecuteApiEndpoint"):
                endpoint["disableExecuteApiEndpoint"] = True
            out["x-amazon-apigateway-endpoint-configuration"] = endpoint

    # -- models ------------------------------------------------------------------------------------

    def _schema(self, model: dict[str, Any]) -> Any:
        try:
            schema = json.loads(model.get("schema") or "{}")
        except ValueError:
            return {}
        if isinstance(schema, dict):
            schema.pop("$schema", None)
        return self._refs(schema)

    def _refs(self, value: Any) -> Any:
        if isinstance(value, dict):
            ref = value.get("$ref")
            if isinstance(ref, str):
                found = MODEL_URL.match(ref)
                if found:
                    return {**value, "$ref": self.ref_root + found.group(1)}
            return {k: self._refs(v) for k, v in value.items()}
        if isinstance(value, list):
            return [self._refs(v) for v in value]
        return value

    def _ref(self, name: str) -> dict[str, str]:
        return {"$ref": self.ref_root + name}

    # -- paths -------------------------------------------------------------------------------------

    def _paths(self) -> dict[str, Any]:
        paths: dict[str, Any] = {}
        for resource in sorted(self.snap.get("resources") or [], key=lambda r: r.get("path", "")):
            methods = resource.get("resourceMethods") or {}
            if not methods:
                continue
            item: dict[str, Any] = {}
            for verb, method in methods.items():
                key = ANY_METHOD if verb == "ANY" else verb.lower()
                item[key] = self._operation(method)
            paths[resource["path"]] = item
        return paths

    def _operation(self, method: dict[str, Any]) -> dict[str, Any]:
        op: dict[str, Any] = {}
        if method.get("operationName"):
            op["operationId"] = method["operationName"]
        parameters = []
        for key, required in (method.get("requestParameters") or {}).items():
            parts = key.split(".", 3)
            if len(parts) != 4 or parts[2] not in PARAM_OUT:
                continue
            param: dict[str, Any] = {"name": parts[3], "in": PARAM_OUT[parts[2]]}
            param["required"] = True if parts[2] == "path" else bool(required)
            if self.version == 2:
                param["type"] = "string"
            else:
                param["schema"] = {"type": "string"}
            parameters.append(param)
        models = method.get("requestModels") or {}
        if models and self.version == 2:
            op["consumes"] = list(models)
            name = next(iter(models.values()))
            parameters.append({"in": "body", "name": name, "required": True, "schema": self._ref(name)})
        elif models:
            op["requestBody"] = {
                "content": {ct: {"schema": self._ref(name)} for ct, name in models.items()},
                "required": True,
            }
        if parameters:
            op["parameters"] = parameters
        op["responses"] = self._responses(method, op)
        security = self._security(method)
        if security:
            op["security"] = security
        validator_id = method.get("requestValidatorId")
        validator = (self.snap.get("validators") or {}).get(validator_id or "")
        if self.everything and validator:
            op["x-amazon-apigateway-request-validator"] = validator["name"]
        integration = method.get("methodIntegration")
        if self.integrations and integration:
            op["x-amazon-apigateway-integration"] = self._integration(integration)
        return op

    def _responses(self, method: dict[str, Any], op: dict[str, Any]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        produces: list[str] = []
        for code, response in (method.get("methodResponses") or {}).items():
            item: dict[str, Any] = {"description": f"{code} response"}
            headers = {
                key.rsplit(".", 1)[-1]: (
                    {"type": "string"} if self.version == 2 else {"schema": {"type": "string"}}
                )
                for key in response.get("responseParameters") or {}
                if key.startswith("method.response.header.")
            }
            if headers:
                item["headers"] = headers
            models = response.get("responseModels") or {}
            if models and self.version == 2:
                item["schema"] = self._ref(next(iter(models.values())))
                produces.extend(ct for ct in models if ct not in produces)
            elif models:
                item["content"] = {ct: {"schema": self._ref(name)} for ct, name in models.items()}
            out[code] = item
        if produces:
            op["produces"] = produces
        return out

    def _security(self, method: dict[str, Any]) -> list[dict[str, Any]]:
        requirement: dict[str, list[str]] = {}
        kind = method.get("authorizationType") or "NONE"
        if kind in ("CUSTOM", "COGNITO_USER_POOLS"):
            authorizer = (self.snap.get("authorizers") or {}).get(method.get("authorizerId") or "")
            if authorizer:
                requirement[authorizer["name"]] = list(method.get("authorizationScopes") or [])
                self.schemes[authorizer["name"]] = self._authorizer(authorizer)
        elif kind == "AWS_IAM":
            requirement["sigv4"] = []
            self.schemes["sigv4"] = {
                "type": "apiKey",
                "name": "Authorization",
                "in": "header",
                "x-amazon-apigateway-authtype": "awsSigv4",
            }
        if method.get("apiKeyRequired"):
            requirement["api_key"] = []
            self.schemes["api_key"] = {"type": "apiKey", "name": "x-api-key", "in": "header"}
        return [requirement] if requirement else []

    def _authorizer(self, doc: dict[str, Any]) -> dict[str, Any]:
        source = str(doc.get("identitySource") or "")
        header = "Unused"
        if doc["type"] != "REQUEST" and source.startswith("method.request.header."):
            header = source[len("method.request.header.") :]
        default_type = "cognito_user_pools" if doc["type"] == "COGNITO_USER_POOLS" else "custom"
        scheme: dict[str, Any] = {"type": "apiKey", "name": header, "in": "header"}
        scheme["x-amazon-apigateway-authtype"] = doc.get("authType") or default_type
        if self.with_authorizers:
            ext: dict[str, Any] = {"type": doc["type"].lower()}
            for key in (
                "authorizerUri",
                "authorizerCredentials",
                "providerARNs",
                "identityValidationExpression",
            ):
                if doc.get(key):
                    ext[key] = doc[key]
            if doc.get("authorizerResultTtlInSeconds") is not None:
                ext["authorizerResultTtlInSeconds"] = doc["authorizerResultTtlInSeconds"]
            if doc["type"] == "REQUEST" and source:
                ext["identitySource"] = source
            scheme["x-amazon-apigateway-authorizer"] = ext
        return scheme

    def _integration(self, doc: dict[str, Any]) -> dict[str, Any]:
        out: dict[str, Any] = {"type": str(doc.get("type", "")).lower()}
        for key in ("httpMethod", "uri", "connectionId", "credentials", "contentHandling", "cacheNamespace"):
            if doc.get(key):
                out[key] = doc[key]
        if doc.get("connectionType") and doc["connectionType"] != "INTERNET":
            out["connectionType"] = doc["connectionType"]
        for key in ("requestParameters", "requestTemplates"):
            if doc.get(key):
                out[key] = doc[key]
        if doc.get("cacheKeyParameters"):
            out["cacheKeyParameters"] = doc["cacheKeyParameters"]
        if doc.get("passthroughBehavior"):
            out["passthroughBehavior"] = str(doc["passthroughBehavior"]).lower()
        if doc.get("timeoutInMillis") is not None:
            out["timeoutInMillis"] = doc["timeoutInMillis"]
        responses: dict[str, Any] = {}
        for code, response in (doc.get("integrationResponses") or {}).items():
            item: dict[str, Any] = {"statusCode": response.get("statusCode", code)}
            for key in ("responseParameters", "responseTemplates", "contentHandling"):
                if response.get(key):
                    item[key] = response[key]
            responses[response.get("selectionPattern") or "default"] = item
        if responses:
            out["responses"] = responses
        return out
