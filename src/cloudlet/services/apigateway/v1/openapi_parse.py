"""Reading OpenAPI definitions (shared by REST and HTTP API import): OpenAPI 3.0 or Swagger 2.0, JSON or
YAML, local `$ref`s, paths and base paths, and AWS's import error and warning messages."""

from __future__ import annotations

import json
import re
from typing import Any

import yaml

from cloudlet.services.apigateway.errors import BadRequestException

HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch")
ANY_METHOD = "x-amazon-apigateway-any-method"
PATH_PART = re.compile(r"^(\{[a-zA-Z0-9._-]+\+?\}|[a-zA-Z0-9._:-]+)$")
INVALID = "Invalid OpenAPI input."


def load(body: bytes | str | None) -> tuple[dict[str, Any], int]:
    """The definition as a dict of plain JSON values, and its major version (2 for Swagger 2.0, 3 for
    OpenAPI 3.x). Raises BadRequestException for anything else."""
    if isinstance(body, bytes):
        try:
            text = body.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise BadRequestException(INVALID) from None
    else:
        text = body or ""
    if not text.strip():
        raise BadRequestException(INVALID)
    try:
        document = json.loads(text)
    except ValueError:
        try:
            document = yaml.safe_load(text)
        except yaml.YAMLError:
            raise BadRequestException(INVALID) from None
    document = plain(document)
    if not isinstance(document, dict):
        raise BadRequestException(INVALID)
    if str(document.get("swagger", "")) == "2.0":
        version = 2
    elif str(document.get("openapi", "")).startswith("3."):
        version = 3
    else:
        raise BadRequestException(
            "Errors found during import:\n\tUnable to determine the OpenAPI version: the definition has"
            " neither 'swagger: \"2.0\"' nor 'openapi: \"3.0.x\"'."
        )
    if not isinstance(document.get("paths", {}), dict):
        raise BadRequestException(INVALID)
    return document, version


def plain(value: Any) -> Any:
    """YAML scalars made JSON (dates → ISO text; keys → strings, YAML reads `200:` as an int)."""
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    if value is None or isinstance(value, (str, bool, int, float)):
        return value
    return value.isoformat() if hasattr(value, "isoformat") else str(value)


def resolve(document: dict[str, Any], value: Any) -> Any:
    """Follow a local `$ref` (`#/components/...`); other values as they are (None when unresolvable)."""
    seen = 0
    while isinstance(value, dict) and isinstance(value.get("$ref"), str) and seen < 20:
        ref: str = value["$ref"]
        if not ref.startswith("#/"):
            return None
        node: Any = document
        for part in ref[2:].split("/"):
            part = part.replace("~1", "/").replace("~0", "~")
            if not isinstance(node, dict) or part not in node:
                return None
            node = node[part]
        value, seen = node, seen + 1
    return value


def ref_name(value: Any) -> str | None:
    """`Pet` for `{"$ref": "#/components/schemas/Pet"}` / `#/definitions/Pet`."""
    if isinstance(value, dict) and isinstance(value.get("$ref"), str):
        ref: str = value["$ref"]
        for prefix in ("#/components/schemas/", "#/definitions/"):
            if ref.startswith(prefix):
                return ref[len(prefix) :]
    return None


def split_path(path: str) -> list[str]:
    """The path parts of an OpenAPI path (`/pets/{id}` → `["pets", "{id}"]`); BadRequestException for
    one API Gateway cannot hold."""
    if not path.startswith("/"):
        raise BadRequestException(f"Errors found during import:\n\tInvalid resource path specified: {path}")
    parts = [p for p in path.split("/") if p]
    for part in parts:
        if not PATH_PART.match(part):
            raise BadRequestException(
                f"Errors found during import:\n\tResource's path part only allow a-zA-Z0-9._- and curly"
                f" braces at the beginning and the end and an optional plus sign before the closing"
                f" brace. (path: {path})"
            )
    return parts


def base_path(document: dict[str, Any], version: int) -> str:
    """The definition's base path: Swagger's `basePath`; OpenAPI 3's first server's `basePath`
    variable, else the path of its URL."""
    if version == 2:
        return str(document.get("basePath") or "/")
    servers = [s for s in document.get("servers") or [] if isinstance(s, dict)]
    for server in servers:
        variables = server.get("variables")
        if isinstance(variables, dict) and isinstance(variables.get("basePath"), dict):
            default = str(variables["basePath"].get("default") or "")
            return "/" + default.strip("/")
    url = str(servers[0].get("url") or "") if servers else ""
    path = re.sub(r"^[a-zA-Z][a-zA-Z0-9+.-]*://[^/]*", "", url)
    return path if path.startswith("/") and "{" not in path else "/"


def fail(errors: list[str]) -> BadRequestException:
    return BadRequestException("Errors found during import:\n\t" + "\n\t".join(errors))


def check_warnings(warnings: list[str], fail_on_warnings: bool | None) -> None:
    if warnings and fail_on_warnings:
        raise BadRequestException("Warnings found during import:\n\t" + "\n\t".join(warnings))
