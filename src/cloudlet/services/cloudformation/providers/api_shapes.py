"""Nested template values to API types, by the operation's botocore input shape.

Templates write numbers and booleans as strings as often as not (`ReadCapacityUnits: "5"`,
`Enabled: "true"`), deep inside structures (lifecycle rules, index throughput, target retry policies),
and tag values as numbers; CloudFormation converts each to the type the resource's schema declares.
Providers build a request in the operation's member names and pass it through
`coerce(model, operation, params)`, which walks the input shape and converts scalars the same way (a
value that cannot be converted is left as it is, so the operation's own validation reports it).
`coerce.py` has the per-property helpers (required keys, top-level types, tags).
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from botocore.model import Shape

from cloudlet.protocol import catalog

_TRUE = {"true": True, "false": False}


def coerce(model: str, operation: str, params: dict[str, Any]) -> dict[str, Any]:
    """A copy of `params` with scalars converted to the types of `operation`'s input shape."""
    shape = catalog.service_model(model).operation_model(operation).input_shape
    if shape is None:
        return dict(params)
    result = _value(shape, params)
    return result if isinstance(result, dict) else dict(params)


def _value(shape: Shape, value: Any) -> Any:
    kind = shape.type_name
    if value is None:
        return None
    if kind == "structure":
        if not isinstance(value, dict):
            return value
        members = shape.members  # type: ignore[attr-defined]
        return {k: (_value(members[k], v) if k in members else v) for k, v in value.items()}
    if kind == "list":
        if not isinstance(value, list):
            return value
        member = shape.member  # type: ignore[attr-defined]
        return [_value(member, v) for v in value]
    if kind == "map":
        if not isinstance(value, dict):
            return value
        key, item = shape.key, shape.value  # type: ignore[attr-defined]
        return {_value(key, k): _value(item, v) for k, v in value.items()}
    return _scalar(kind, value)


def _scalar(kind: str, value: Any) -> Any:
    if kind in ("integer", "long"):
        if isinstance(value, bool):
            return value
        if isinstance(value, float) and value.is_integer():
            return int(value)
        if isinstance(value, str):
            try:
                return int(value.strip())
            except ValueError:
                return value
        return value
    if kind in ("double", "float"):
        if isinstance(value, str):
            try:
                return float(value.strip())
            except ValueError:
                return value
        return value
    if kind == "boolean":
        if isinstance(value, str):
            return _TRUE.get(value.strip().lower(), value)
        return value
    if kind == "string":
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, int | float):
            return str(value)
        if isinstance(value, dict | list):
            return json.dumps(value, separators=(",", ":"))
        return value
    if kind == "timestamp":
        if isinstance(value, int | float) and not isinstance(value, bool):
            return dt.datetime.fromtimestamp(value, dt.UTC)
        if isinstance(value, str):
            try:
                parsed = dt.datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
            except ValueError:
                return value
            return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)
        return value
    if kind == "blob" and isinstance(value, str):
        return value.encode()
    return value


def flag(value: Any, default: bool = False) -> bool:
    """A nested template boolean (`true`, `"true"`, `"True"`)."""
    if value is None:
        return default
    if isinstance(value, str):
        return value.strip().lower() == "true"
    return bool(value)


def json_text(value: Any) -> str:
    """A JSON-typed property (event pattern, policy document) as the API's string: a template may give
    it as an object or as a string already."""
    if isinstance(value, str):
        return value
    return json.dumps(value, separators=(",", ":"))
