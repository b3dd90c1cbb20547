"""API Gateway v1 `patchOperations`: apply `[{op, path, value, from}]` to a resource document.

Each Update operation declares the paths it accepts as `fields`: top-level member name → how a value at
that path is stored:

- `"str"`, `"bool"`, `"int"`, `"float"`: a scalar (values arrive as strings; `remove` deletes it);
- `"map"`: `/member/<key>` sets or removes one entry of a string map (stage variables);
- `"set"`: `/member/<item>` adds or removes one item of a string list, the item named in the path with
  `~1` for `/` and `~0` for `~` (binaryMediaTypes); `replace` on `/member` with a value swaps the list;
- a callable `(doc, op, rest, value) -> None` for anything else (`rest` is the path after the member,
  already unescaped into segments).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from cloudlet.services.apigateway.errors import BadRequestException

Special = Callable[[dict[str, Any], str, list[str], Any], None]
OPS = ("add", "remove", "replace", "move", "copy", "test")


def segments(path: str) -> list[str]:
    """A JSON-pointer path's segments, unescaped (`~1` → `/`, `~0` → `~`)."""
    if not path.startswith("/"):
        raise BadRequestException(f"Invalid patch path {path}")
    return [part.replace("~1", "/").replace("~0", "~") for part in path[1:].split("/")]


def apply(
    doc: dict[str, Any], operations: list[dict[str, Any]] | None, fields: dict[str, str | Special]
) -> dict[str, Any]:
    """Apply `operations` to `doc` in place and return it. Raises BadRequestException for an op or
    path the resource does not accept, or a value of the wrong type."""
    for operation in operations or ():
        op = operation.get("op")
        path = operation.get("path") or ""
        value = operation.get("value")
        if op not in OPS:
            raise BadRequestException(
                f"Invalid patch operation specified. Must be one of: [{', '.join(OPS)}]"
            )
        parts = segments(path)
        name, rest = parts[0], parts[1:]
        kind = fields.get(name)
        if kind is None:
            raise BadRequestException(
                f"Invalid patch path '{path}' specified for op '{op}'. Must be one of: "
                f"[{', '.join('/' + f for f in fields)}]"
            )
        if callable(kind):
            kind(doc, op, rest, value)
        elif kind == "map":
            _map(doc, name, op, rest, value, path)
        elif kind == "set":
            _set(doc, name, op, rest, value, path)
        else:
            if rest:
                raise BadRequestException(f"Invalid patch path '{path}' specified for op '{op}'.")
            if op == "remove":
                doc.pop(name, None)
            elif op in ("add", "replace"):
                doc[name] = scalar(kind, value, path)
            else:
                raise BadRequestException(
                    f"Invalid patch operation specified. '{op}' is not supported on {path}"
                )
    return doc


def scalar(kind: str, value: Any, path: str) -> Any:
    if value is None:
        return None
    text = str(value)
    if kind == "str":
        return text
    if kind == "bool":
        if text.lower() not in ("true", "false"):
            raise BadRequestException(f"Invalid boolean value '{text}' for {path}")
        return text.lower() == "true"
    try:
        return int(text) if kind == "int" else float(text)
    except ValueError:
        raise BadRequestException(
            f"Invalid {'integer' if kind == 'int' else 'number'} value '{text}' for {path}"
        ) from None


def _map(doc: dict[str, Any], name: str, op: str, rest: list[str], value: Any, path: str) -> None:
    entries = doc.setdefault(name, {})
    if not rest:
        if op == "remove":
            doc.pop(name, None)
            return
        raise BadRequestException(f"Invalid patch path '{path}' specified for op '{op}'.")
    key = "/".join(rest)
    if op == "remove":
        entries.pop(key, None)
    elif op in ("add", "replace"):
        entries[key] = "" if value is None else str(value)
    else:
        raise BadRequestException(f"Invalid patch operation specified. '{op}' is not supported on {path}")
    if not entries:
        doc.pop(name, None)


def _set(doc: dict[str, Any], name: str, op: str, rest: list[str], value: Any, path: str) -> None:
    items: list[str] = list(doc.get(name) or [])
    item = "/".join(rest)
    if op == "add" and item:
        if item not in items:
            items.append(item)
    elif op == "remove" and item:
        items = [i for i in items if i != item]
    elif op == "replace" and item:
        items = [str(value) if i == item else i for i in items]
    elif op == "replace" and not item:
        items = [v for v in str(value or "").split(",") if v]
    elif op == "remove":
        items = []
    else:
        raise BadRequestException(f"Invalid patch operation specified. '{op}' is not supported on {path}")
    if items:
        doc[name] = items
    else:
        doc.pop(name, None)
