"""OpenAPI 3 import and export for HTTP APIs: routes (`METHOD /path`, `x-amazon-apigateway-any-method`
→ `ANY`, the path `/$default` → the `$default` route), integrations from `x-amazon-apigateway-integration`
(inline or a `$ref` to `components/x-amazon-apigateway-integrations`), JWT and Lambda (`request`)
authorizers from security schemes with `x-amazon-apigateway-authorizer`, and `x-amazon-apigateway-cors`.
Documents are in wire names (see `v2/common.py`)."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import yaml

from cloudlet.services.apigateway.errors import BadRequestException
from cloudlet.services.apigateway.v1.openapi_parse import ANY_METHOD, HTTP_METHODS, fail, resolve

DEFAULT_PATH = "/$default"
CORS_KEYS = ("allowCredentials", "allowHeaders", "allowMethods", "allowOrigins", "exposeHeaders", "maxAge")
INTEGRATION_TYPES = {"aws_proxy": "AWS_PROXY", "http_proxy": "HTTP_PROXY"}
IMPORT_EXPORT_VERSION = "1.0"


@dataclass
class HttpBuilt:
    fields: dict[str, Any]
    """API members from the definition (name, description, version, corsConfiguration)."""
    routes: list[dict[str, Any]]
    integrations: list[dict[str, Any]]
    authorizers: list[dict[str, Any]]
    warnings: list[str]


class HttpImporter:
    def __init__(
        self, document: dict[str, Any], new_id: Callable[[str, int], str], basepath: str | None
    ) -> None:
        self.doc = document
        self.new_id = new_id
        self.basepath = (basepath or "ignore").lower()
        self.warnings: list[str] = []
        self.errors: list[str] = []
        self.authorizers: dict[str, dict[str, Any]] = {}
        self.integrations: list[dict[str, Any]] = []
        self.shared: dict[str, str] = {}
        """`$ref` of a components integration → its integration id."""
        self.iam_schemes: set[str] = set()

    def build(self) -> HttpBuilt:
        if self.basepath not in ("ignore", "prepend", "split"):
            raise BadRequestException(f"Invalid basepath value specified: {self.basepath}")
        info = self.doc.get("info") if isinstance(self.doc.get("info"), dict) else {}
        if not isinstance(info.get("title"), str) or not info["title"]:
            raise fail(["API name is required: the definition's 'info.title' is missing."])
        fields: dict[str, Any] = {"name": info["title"]}
        if info.get("description") is not None:
            fields["description"] = str(info["description"])
        if info.get("version") is not None:
            fields["version"] = str(info["version"])
        cors = self.doc.get("x-amazon-apigateway-cors")
        if isinstance(cors, dict):
            fields["corsConfiguration"] = {k: cors[k] for k in CORS_KEYS if k in cors}
        self._authorizers()
        routes = self._routes()
        if self.errors:
            raise fail(self.errors)
        return HttpBuilt(fields, routes, self.integrations, list(self.authorizers.values()), self.warnings)

    def _schemes(self) -> dict[str, Any]:
        components = self.doc.get("components")
        found = components.get("securitySchemes") if isinstance(components, dict) else None
        return found if isinstance(found, dict) else {}

    def _authorizers(self) -> None:
        for name, scheme in self._schemes().items():
            scheme = resolve(self.doc, scheme)
            if not isinstance(scheme, dict):
                continue
            if str(scheme.get("x-amazon-apigateway-authtype", "")).lower() == "awssigv4":
                self.iam_schemes.add(name)
                continue
            ext = scheme.get("x-amazon-apigateway-authorizer")
            if not isinstance(ext, dict):
                continue
            kind = str(ext.get("type", "")).lower()
            doc: dict[str, Any] = {"authorizerId": self.new_id("authorizer2", 6), "name": name}
            sources = ext.get("identitySource")
            if isinstance(sources, str):
                sources = [s.strip() for s in sources.split(",") if s.strip()]
            if kind == "jwt":
                config = ext.get("jwtConfiguration") if isinstance(ext.get("jwtConfiguration"), dict) else {}
                if not config.get("issuer"):
                    self.errors.append(
                        f"Unable to create authorizer '{name}': jwtConfiguration.issuer is required"
                    )
                    continue
                audience = config.get("audience") or []
                if not audience:
                    self.errors.append(
                        f"Unable to create authorizer '{name}': jwtConfiguration.audience is required"
                    )
                    continue
                doc.update(
                    authorizerType="JWT",
                    identitySource=sources or ["$request.header.Authorization"],
                    jwtConfiguration={
                        "issuer": str(config["issuer"]),
                        "audience": [
                            str(a) for a in (audience if isinstance(audience, list) else [audience])
                        ],
                    },
                )
            elif kind == "request":
                if not ext.get("authorizerUri"):
                    self.errors.append(f"Unable to create authorizer '{name}': authorizerUri is required")
                    continue
                version = str(ext.get("authorizerPayloadFormatVersion") or "2.0")
                if version not in ("1.0", "2.0"):
                    self.errors.append(
                        f"Unable to create authorizer '{name}': invalid payload format {version}"
                    )
                    continue
                doc.update(
                    authorizerType="REQUEST",
                    authorizerUri=str(ext["authorizerUri"]),
                    authorizerPayloadFormatVersion=version,
                    authorizerResultTtlInSeconds=int(ext.get("authorizerResultTtlInSeconds", 0)),
                    identitySource=list(sources or []),
                )
                if ext.get("enableSimpleResponses") is not None:
                    doc["enableSimpleResponses"] = bool(ext["enableSimpleResponses"])
                if ext.get("authorizerCredentials"):
                    doc["authorizerCredentialsArn"] = str(ext["authorizerCredentials"])
            else:
                self.errors.append(
                    f"Unable to create authorizer '{name}': unsupported authorizer type {ext.get('type')}"
                )
                continue
            self.authorizers[name] = doc

    def _prefix(self) -> str:
        servers = self.doc.get("servers") if isinstance(self.doc.get("servers"), list) else []
        base = ""
        for server in servers:
            variables = server.get("variables") if isinstance(server, dict) else None
            if isinstance(variables, dict) and isinstance(variables.get("basePath"), dict):
                base = str(variables["basePath"].get("default") or "")
                break
        parts = [p for p in base.split("/") if p]
        if self.basepath == "prepend":
            return "".join("/" + p for p in parts)
        if self.basepath == "split":
            return "".join("/" + p for p in parts[1:])
        return ""

    def _routes(self) -> list[dict[str, Any]]:
        routes: list[dict[str, Any]] = []
        keys: set[str] = set()
        prefix = self._prefix()
        for path, item in (self.doc.get("paths") or {}).items():
            item = resolve(self.doc, item)
            if not isinstance(item, dict) or not path.startswith("/"):
                self.errors.append(f"Invalid path specified: {path}")
                continue
            for key, operation in item.items():
                verb = "ANY" if key == ANY_METHOD else key.upper() if key in HTTP_METHODS else None
                if verb is None or not isinstance(operation, dict):
                    continue
                if path == DEFAULT_PATH:
                    if verb != "ANY":
                        self.errors.append("The $default route must use x-amazon-apigateway-any-method")
                        continue
                    route_key = "$default"
                else:
                    route_key = f"{verb} {prefix}{path}"
                if route_key in keys:
                    self.errors.append(f"Route with key {route_key} is defined more than once")
                    continue
                keys.add(route_key)
                routes.append(self._route(route_key, operation))
        return routes

    def _route(self, route_key: str, operation: dict[str, Any]) -> dict[str, Any]:
        route: dict[str, Any] = {
            "apiKeyRequired": False,
            "authorizationType": "NONE",
            "routeKey": route_key,
            "routeId": self.new_id("route", 7),
        }
        if operation.get("operationId"):
            route["operationName"] = str(operation["operationId"])
        requirements = operation.get("security", self.doc.get("security"))
        for requirement in requirements if isinstance(requirements, list) else []:
            for name, scopes in (requirement if isinstance(requirement, dict) else {}).items():
                authorizer = self.authorizers.get(name)
                if name in self.iam_schemes:
                    route["authorizationType"] = "AWS_IAM"
                elif authorizer is None:
                    self.warnings.append(
                        f"Security scheme '{name}' used by route {route_key} is not an authorizer"
                    )
                    continue
                else:
                    jwt = authorizer["authorizerType"] == "JWT"
                    route["authorizationType"] = "JWT" if jwt else "CUSTOM"
                    route["authorizerId"] = authorizer["authorizerId"]
                    if jwt and scopes:
                        route["authorizationScopes"] = [str(s) for s in scopes]
        raw = operation.get("x-amazon-apigateway-integration")
        if raw is None:
            self.warnings.append(
                f"Route {route_key} has no x-amazon-apigateway-integration and was imported without a target"
            )
            return route
        ref = raw.get("$ref") if isinstance(raw, dict) else None
        if isinstance(ref, str) and ref in self.shared:
            route["target"] = f"integrations/{self.shared[ref]}"
            return route
        integration = self._integration(resolve(self.doc, raw), route_key)
        if integration is not None:
            self.integrations.append(integration)
            if isinstance(ref, str):
                self.shared[ref] = integration["integrationId"]
            route["target"] = f"integrations/{integration['integrationId']}"
        return route

    def _integration(self, ext: Any, route_key: str) -> dict[str, Any] | None:
        where = f"Unable to create integration for route {route_key}"
        if not isinstance(ext, dict):
            self.errors.append(f"{where}: malformed or unresolvable x-amazon-apigateway-integration")
            return None
        kind = INTEGRATION_TYPES.get(str(ext.get("type", "")).lower())
        if kind is None:
            self.errors.append(f"{where}: integration type {ext.get('type')} is not supported for HTTP APIs")
            return None
        subtype = ext.get("integrationSubtype")
        if not ext.get("uri") and not subtype:
            self.errors.append(f"{where}: uri is required")
            return None
        version = str(ext.get("payloadFormatVersion") or "1.0")
        if version not in ("1.0", "2.0") or (kind == "HTTP_PROXY" and version != "1.0"):
            self.errors.append(f"{where}: invalid payload format version {version}")
            return None
        doc: dict[str, Any] = {
            "connectionType": str(ext.get("connectionType") or "INTERNET").upper(),
            "timeoutInMillis": int(ext.get("timeoutInMillis") or 30000),
            "payloadFormatVersion": version,
            "integrationType": kind,
        }
        if ext.get("uri"):
            doc["integrationUri"] = str(ext["uri"])
        method = ext.get("httpMethod") or ("POST" if kind == "AWS_PROXY" and not subtype else None)
        if method:
            doc["integrationMethod"] = str(method).upper()
        elif kind == "HTTP_PROXY":
            self.errors.append(f"{where}: httpMethod is required for http_proxy integrations")
            return None
        for key, target in (
            ("connectionId", "connectionId"),
            ("credentials", "credentialsArn"),
            ("integrationSubtype", "integrationSubtype"),
        ):
            if ext.get(key):
                doc[target] = str(ext[key])
        if isinstance(ext.get("requestParameters"), dict) and ext["requestParameters"]:
            doc["requestParameters"] = {str(k): str(v) for k, v in ext["requestParameters"].items()}
        if isinstance(ext.get("responseParameters"), dict) and ext["responseParameters"]:
            doc["responseParameters"] = ext["responseParameters"]
        if isinstance(ext.get("tlsConfig"), dict) and ext["tlsConfig"].get("serverNameToVerify"):
            doc["tlsConfig"] = {"serverNameToVerify": str(ext["tlsConfig"]["serverNameToVerify"])}
        doc["integrationId"] = self.new_id("integration", 7)
        return doc


# -- export ------------------------------------------------------------------------------------------


def export(snap: dict[str, Any], stage: str | None, extensions: bool, created: float) -> dict[str, Any]:
    """The OpenAPI 3.0.1 definition of an HTTP API snapshot (`snapshot.http` shape)."""
    api: dict[str, Any] = snap["api"]
    info: dict[str, Any] = {"title": api["name"]}
    if api.get("description"):
        info["description"] = api["description"]
    info["version"] = api.get("version") or datetime.fromtimestamp(created, UTC).strftime("%Y-%m-%d %H:%M:%S")
    out: dict[str, Any] = {"openapi": "3.0.1", "info": info}
    if stage is not None:
        out["servers"] = [
            {
                "url": f"{api.get('apiEndpoint', '')}/{{basePath}}",
                "variables": {"basePath": {"default": "" if stage == "$default" else stage}},
            }
        ]
    authorizers = snap.get("authorizers") or {}
    integrations = snap.get("integrations") or {}
    paths: dict[str, Any] = {}
    schemes: dict[str, Any] = {}
    for route in sorted(snap.get("routes") or [], key=lambda r: r["routeKey"]):
        route_key: str = route["routeKey"]
        if route_key == "$default":
            verb, path = "ANY", DEFAULT_PATH
        elif " " in route_key:
            verb, path = route_key.split(" ", 1)
        else:
            continue
        op: dict[str, Any] = {}
        if route.get("operationName"):
            op["operationId"] = route["operationName"]
        params = [p[1:-1] for p in path.split("/") if p.startswith("{") and p.endswith("}")]
        if params:
            op["parameters"] = [
                {
                    "name": p,
                    "in": "path",
                    "description": f"Generated path parameter for {p}",
                    "required": True,
                    "schema": {"type": "string"},
                }
                for p in params
            ]
        op["responses"] = {"default": {"description": f"Default response for {route_key}"}}
        security = _route_security(route, authorizers, schemes, extensions)
        if security:
            op["security"] = security
        target = str(route.get("target") or "")
        integration = integrations.get(target.removeprefix("integrations/")) if target else None
        if extensions and integration:
            op["x-amazon-apigateway-integration"] = _integration_out(integration)
        key = ANY_METHOD if verb == "ANY" else verb.lower()
        paths.setdefault(path, {})[key] = op
    out["paths"] = paths
    if schemes:
        out["components"] = {"securitySchemes": schemes}
    if extensions:
        cors = api.get("corsConfiguration")
        if cors:
            out["x-amazon-apigateway-cors"] = cors
        out["x-amazon-apigateway-importexport-version"] = IMPORT_EXPORT_VERSION
    return out


def _route_security(
    route: dict[str, Any], authorizers: dict[str, Any], schemes: dict[str, Any], extensions: bool
) -> list[dict[str, Any]]:
    kind = route.get("authorizationType") or "NONE"
    if kind == "AWS_IAM":
        schemes["sigv4"] = {"type": "apiKey", "name": "Authorization", "in": "header"}
        if extensions:
            schemes["sigv4"]["x-amazon-apigateway-authtype"] = "awsSigv4"
        return [{"sigv4": []}]
    authorizer = authorizers.get(route.get("authorizerId") or "")
    if kind not in ("JWT", "CUSTOM") or authorizer is None:
        return []
    name = authorizer["name"]
    ext: dict[str, Any] = {"identitySource": ", ".join(authorizer.get("identitySource") or [])}
    if authorizer["authorizerType"] == "JWT":
        scheme: dict[str, Any] = {"type": "oauth2", "flows": {}}
        ext["jwtConfiguration"] = authorizer.get("jwtConfiguration") or {}
        ext["type"] = "jwt"
    else:
        scheme = {"type": "apiKey", "name": "Unused", "in": "header"}
        for key in ("authorizerUri", "authorizerPayloadFormatVersion", "authorizerResultTtlInSeconds"):
            if authorizer.get(key) is not None:
                ext[key] = authorizer[key]
        if authorizer.get("authorizerCredentialsArn"):
            ext["authorizerCredentials"] = authorizer["authorizerCredentialsArn"]
        if authorizer.get("enableSimpleResponses") is not None:
            ext["enableSimpleResponses"] = authorizer["enableSimpleResponses"]
        ext["type"] = "request"
    if extensions:
        scheme["x-amazon-apigateway-authorizer"] = ext
    schemes[name] = scheme
    return [{name: list(route.get("authorizationScopes") or [])}]


def _integration_out(doc: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {"payloadFormatVersion": doc.get("payloadFormatVersion", "1.0")}
    out["type"] = str(doc.get("integrationType", "")).lower()
    if doc.get("integrationMethod"):
        out["httpMethod"] = doc["integrationMethod"]
    if doc.get("integrationUri"):
        out["uri"] = doc["integrationUri"]
    out["connectionType"] = doc.get("connectionType", "INTERNET")
    for key, name in (
        ("connectionId", "connectionId"),
        ("credentialsArn", "credentials"),
        ("integrationSubtype", "integrationSubtype"),
        ("requestParameters", "requestParameters"),
        ("responseParameters", "responseParameters"),
        ("tlsConfig", "tlsConfig"),
    ):
        if doc.get(key):
            out[name] = doc[key]
    if doc.get("timeoutInMillis") is not None:
        out["timeoutInMillis"] = doc["timeoutInMillis"]
    return out


def render(definition: dict[str, Any], output_type: str) -> bytes:
    if output_type == "YAML":
        return yaml.safe_dump(definition, sort_keys=False, allow_unicode=True).encode()
    return json.dumps(definition, indent=2).encode()
