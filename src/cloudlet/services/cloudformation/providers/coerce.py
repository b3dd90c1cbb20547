"""Turning resolved template values into the values a service operation takes.

Templates give numbers and booleans as JSON values or as strings (a `Ref` to a `String` parameter is
always a string), JSON documents as objects or as strings, and tags as `[{Key, Value}]` lists. These
helpers convert them, and fail the way CloudFormation's property validation does: the resource's
status reason reads `Properties validation failed for resource <id> with message: ...`.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from cloudlet.protocol.errors import ServiceError
from cloudlet.services.cloudformation.providers.base import ProviderError, Resource


def invalid(resource: Resource, message: str) -> ProviderError:
    return ProviderError(
        f"Properties validation failed for resource {resource.logical_id} with message: {message}"
    )


def require(resource: Resource, *names: str) -> None:
    """Every name is present (not None) in the resource's properties."""
    missing = [name for name in names if resource.properties.get(name) is None]
    if missing:
        keys = ", ".join(f"[{name}]" for name in missing)
        raise invalid(resource, f"#: required key {keys} not found")


def text(value: Any) -> str:
    """A template scalar as the string an API takes (`true`, `30`, `1.5`)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, (dict, list)):
        return json.dumps(value, separators=(",", ":"))
    return str(value)


def boolean(resource: Resource, name: str, default: bool | None = None) -> bool | None:
    value = resource.properties.get(name)
    if value is None:
        return default
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    raise invalid(resource, f"#/{name}: expected type: Boolean, found: {_kind(value)}")


def integer(resource: Resource, name: str, default: int | None = None) -> int | None:
    value = resource.properties.get(name)
    if value is None:
        return default
    if isinstance(value, bool):
        raise invalid(resource, f"#/{name}: expected type: Integer, found: Boolean")
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str):
        try:
            return int(value.strip())
        except ValueError:
            pass
    raise invalid(resource, f"#/{name}: expected type: Integer, found: {_kind(value)}")


def string(resource: Resource, name: str, default: str | None = None) -> str | None:
    value = resource.properties.get(name)
    if value is None:
        return default
    if isinstance(value, (dict, list)):
        raise invalid(resource, f"#/{name}: expected type: String, found: {_kind(value)}")
    return text(value)


def strings(resource: Resource, name: str) -> list[str]:
    value = resource.properties.get(name)
    if value is None:
        return []
    if not isinstance(value, list):
        raise invalid(resource, f"#/{name}: expected type: JSONArray, found: {_kind(value)}")
    return [text(item) for item in value]


def document(resource: Resource, name: str) -> str | None:
    """A JSON-typed property (policy, redrive policy...) as compact JSON text; a string is kept as given
    after checking it parses."""
    value = resource.properties.get(name)
    if value is None:
        return None
    if isinstance(value, str):
        try:
            json.loads(value)
        except ValueError:
            raise invalid(resource, f"#/{name}: expected type: JSONObject, found: String") from None
        return value
    if not isinstance(value, (dict, list)):
        raise invalid(resource, f"#/{name}: expected type: JSONObject, found: {_kind(value)}")
    return json.dumps(value, separators=(",", ":"))


def document_object(resource: Resource, name: str) -> dict[str, Any] | None:
    """A JSON-typed property as an object (a JSON string is parsed)."""
    value = resource.properties.get(name)
    if value is None:
        return None
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            value = None
    if not isinstance(value, dict):
        raise invalid(resource, f"#/{name}: expected type: JSONObject, found: {_kind(value)}")
    return value


def tags(resource: Resource, name: str = "Tags", properties: dict[str, Any] | None = None) -> dict[str, str]:
    """A `[{Key, Value}]` tag list as a map."""
    source = resource.properties if properties is None else properties
    value = source.get(name)
    if value is None:
        return {}
    if isinstance(value, dict):  # SAM-style map tags
        return {str(k): text(v) for k, v in value.items()}
    if not isinstance(value, list):
        raise invalid(resource, f"#/{name}: expected type: JSONArray, found: {_kind(value)}")
    result: dict[str, str] = {}
    for index, item in enumerate(value):
        if not isinstance(item, dict) or "Key" not in item or "Value" not in item:
            raise invalid(resource, f"#/{name}/{index}: required key [Key, Value] not found")
        result[text(item["Key"])] = text(item["Value"])
    return result


def old_tags(resource: Resource, name: str = "Tags") -> dict[str, str]:
    return tags(resource, name, resource.old_properties or {})


def changed(resource: Resource, *names: str) -> bool:
    """Whether any of `names` differs between the old and new properties (an update)."""
    old = resource.old_properties or {}
    return any(old.get(name) != resource.properties.get(name) for name in names)


def not_found(exc: BaseException, codes: Iterable[str]) -> bool:
    return isinstance(exc, ServiceError) and exc.code in set(codes)


def _kind(value: Any) -> str:
    if isinstance(value, bool):
        return "Boolean"
    if isinstance(value, (int, float)):
        return "Number"
    if isinstance(value, str):
        return "String"
    if isinstance(value, list):
        return "JSONArray"
    if isinstance(value, dict):
        return "JSONObject"
    return "Null"


def for_operation(model: str, operation: str, params: dict[str, Any]) -> dict[str, Any]:
    """`params` (template values) converted to the types the operation's input shape declares (see
    `api_shapes.coerce`)."""
    from cloudlet.services.cloudformation.providers.api_shapes import coerce

    return coerce(model, operation, params)
