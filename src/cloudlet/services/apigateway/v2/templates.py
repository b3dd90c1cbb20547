"""GetModelTemplate: a mapping template (VTL) that copies a JSON document of a model's schema from
`$input` field by field (strings quoted, numbers and booleans bare, arrays by `#foreach`)."""

from __future__ import annotations

from typing import Any

INDENT = "  "


def _resolve(schema: dict[str, Any], root: dict[str, Any]) -> dict[str, Any]:
    """Follow a local `$ref` (`#/definitions/X`); other references are left as an empty schema."""
    ref = schema.get("$ref")
    if not isinstance(ref, str) or not ref.startswith("#/"):
        return schema
    node: Any = root
    for part in ref[2:].split("/"):
        node = node.get(part) if isinstance(node, dict) else None
    return node if isinstance(node, dict) else {}


def _kind(schema: dict[str, Any]) -> str:
    kind = schema.get("type")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), "string")
    if kind is None:
        kind = "object" if "properties" in schema else "array" if "items" in schema else "string"
    return str(kind)


def _value(
    schema: dict[str, Any], root: dict[str, Any], ref: str, depth: int, seen: frozenset[int]
) -> list[str]:
    schema = _resolve(schema, root)
    kind = _kind(schema)
    pad = INDENT * depth
    if id(schema) in seen:
        return [f'"{ref}"']
    seen = seen | {id(schema)}
    if kind == "object":
        props = schema.get("properties") or {}
        lines = ["{"]
        names = list(props)
        for i, name in enumerate(names):
            inner = _value(props[name], root, f"{ref}.{name}", depth + 1, seen)
            comma = "," if i < len(names) - 1 else ""
            lines.append(f'{pad}{INDENT}"{name}" : {inner[0]}')
            lines.extend(inner[1:])
            lines[-1] += comma
        lines.append(f"{pad}}}")
        return lines
    if kind == "array":
        item = schema.get("items") if isinstance(schema.get("items"), dict) else {}
        var = f"$elem{depth}" if depth else "$elem"
        inner = _value(item, root, var, depth + 1, seen)
        return [
            "[",
            f"#foreach({var} in {ref})",
            f"{pad}{INDENT}{inner[0]}",
            *inner[1:-1],
            f"{inner[-1] if len(inner) > 1 else ''}#if($foreach.hasNext),#end",
            "#end",
            f"{pad}]",
        ]
    if kind in ("number", "integer", "boolean"):
        return [ref]
    return [f'"{ref}"']


def model_template(schema: dict[str, Any]) -> str:
    """The mapping template of a model with JSON schema `schema`."""
    lines = ["#set($inputRoot = $input.path('$'))", *_value(schema, schema, "$inputRoot", 0, frozenset())]
    return "\n".join(lines)
