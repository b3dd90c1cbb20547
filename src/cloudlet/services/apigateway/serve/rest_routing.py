"""REST API routing: a deployment's resources compiled into a tree that matches request paths.

At each path segment a literal path part beats a `{param}`, which beats a greedy `{name+}` (which
takes the rest of the path, at least one segment); the match backtracks, so the most specific
resource that matches the whole path wins. A trailing slash and empty segments are ignored. Path
parameter values are passed as sent (percent-encoding kept), as API Gateway does for REST APIs.
The method is looked up on the matched resource, falling back to `ANY`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote

__all__ = ["Match", "Node", "compile_resources", "match"]


@dataclass(slots=True)
class Node:
    resource: dict[str, Any] | None = None
    literals: dict[str, Node] = field(default_factory=dict)
    param: tuple[str, Node] | None = None
    greedy: tuple[str, dict[str, Any]] | None = None


@dataclass(frozen=True, slots=True)
class Match:
    resource: dict[str, Any]
    method: dict[str, Any] | None
    """The Method document for the request's method (or `ANY`); None when the resource has neither."""
    path_params: dict[str, str]


def compile_resources(resources: list[dict[str, Any]]) -> Node:
    """The routing tree of a snapshot's resource documents."""
    root = Node()
    for resource in resources:
        path = resource.get("path") or "/"
        node = root
        parts = [p for p in path.split("/") if p]
        for index, part in enumerate(parts):
            if part.startswith("{") and part.endswith("+}") and index == len(parts) - 1:
                node.greedy = (part[1:-2], resource)
                node = None  # type: ignore[assignment]
                break
            if part.startswith("{") and part.endswith("}"):
                if node.param is None:
                    node.param = (part[1:-1], Node())
                node = node.param[1]
            else:
                node = node.literals.setdefault(part, Node())
        if node is not None:
            node.resource = resource
    return root


def match(root: Node, raw_path: str, http_method: str) -> Match | None:
    """The resource and method for `raw_path` (the request path after the stage, percent-encoded);
    None when no resource matches the path."""
    segments = [s for s in raw_path.split("/") if s]
    found = _walk(root, segments, 0, {})
    if found is None:
        return None
    resource, params = found
    methods = resource.get("resourceMethods") or {}
    method = methods.get(http_method) or methods.get("ANY")
    return Match(resource, method, params)


def _walk(
    node: Node, segments: list[str], index: int, params: dict[str, str]
) -> tuple[dict[str, Any], dict[str, str]] | None:
    if index == len(segments):
        return (node.resource, params) if node.resource is not None else None
    segment = segments[index]
    child = node.literals.get(unquote(segment))
    if child is not None:
        found = _walk(child, segments, index + 1, params)
        if found is not None:
            return found
    if node.param is not None:
        name, child = node.param
        found = _walk(child, segments, index + 1, {**params, name: segment})
        if found is not None:
            return found
    if node.greedy is not None:
        name, resource = node.greedy
        return resource, {**params, name: "/".join(segments[index:])}
    return None
