"""HTTP API route selection: which route of a deployment answers `METHOD /path`.

AWS picks the most specific match: a route whose path matches literally beats one with a path
variable (`{id}`), which beats a greedy one (`{proxy+}`), compared segment by segment from the left;
at the same path a route for the request's method beats `ANY`; `$default` catches everything else.
Paths are case-sensitive; a greedy variable needs at least one character (`/{proxy+}` does not match
`/`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote

_LITERAL, _VARIABLE, _GREEDY = 0, 1, 2


@dataclass(frozen=True, slots=True)
class Route:
    route_key: str
    """`GET /pets/{id}` or `$default`."""
    method: str
    """Upper-case method, `ANY`, or '' for `$default`."""
    path: str
    parts: tuple[tuple[int, str], ...]
    """(kind, literal text or variable name) per path segment."""
    doc: dict[str, Any]

    @property
    def rank(self) -> tuple[tuple[int, ...], int]:
        return tuple(kind for kind, _ in self.parts), 1 if self.method == "ANY" else 0


@dataclass(slots=True)
class Router:
    exact: dict[tuple[str, str], Route] = field(default_factory=dict)
    """(method or ANY, path) → route without variables."""
    templates: list[Route] = field(default_factory=list)
    """Routes with variables, most specific first."""
    default: Route | None = None

    def match(self, method: str, raw_path: str) -> tuple[Route, dict[str, str]] | None:
        """The route for `method` on `raw_path` (the path after the stage, percent-encoded) and its
        path parameters (decoded), or None."""
        path = unquote(raw_path)
        literal = self.exact.get((method, path)) or self.exact.get(("ANY", path))
        if literal is not None:  # an all-literal path outranks every template that matches it
            return literal, {}
        segments = raw_path.split("/")[1:]
        for route in self.templates:
            if route.method in (method, "ANY"):
                params = _bind(route, segments)
                if params is not None:
                    return route, params
        return (self.default, {}) if self.default is not None else None


def _bind(route: Route, segments: list[str]) -> dict[str, str] | None:
    parts = route.parts
    greedy = bool(parts) and parts[-1][0] == _GREEDY
    if greedy:
        if len(segments) < len(parts):
            return None
    elif len(segments) != len(parts):
        return None
    params: dict[str, str] = {}
    for index, (kind, text) in enumerate(parts):
        if kind == _GREEDY:
            rest = "/".join(segments[index:])
            if not rest:
                return None
            params[text] = unquote(rest)
            return params
        segment = segments[index]
        if kind == _LITERAL:
            if unquote(segment) != text:
                return None
        else:
            if not segment:
                return None
            params[text] = unquote(segment)
    return params


def parse_route_key(route_key: str) -> tuple[str, str] | None:
    """(method, path) of `GET /pets/{id}`; None for `$default` or a malformed key."""
    method, _, path = route_key.partition(" ")
    if not path.startswith("/"):
        return None
    return method.upper(), path


def compile_routes(routes: list[dict[str, Any]]) -> Router:
    router = Router()
    for doc in routes:
        route_key = doc.get("routeKey") or ""
        if route_key == "$default":
            router.default = Route(route_key, "", "", (), doc)
            continue
        parsed = parse_route_key(route_key)
        if parsed is None:
            continue
        method, path = parsed
        parts: list[tuple[int, str]] = []
        for segment in path.split("/")[1:]:
            if segment.startswith("{") and segment.endswith("+}"):
                parts.append((_GREEDY, segment[1:-2]))
            elif segment.startswith("{") and segment.endswith("}"):
                parts.append((_VARIABLE, segment[1:-1]))
            else:
                parts.append((_LITERAL, segment))
        route = Route(route_key, method, path, tuple(parts), doc)
        if all(kind == _LITERAL for kind, _ in parts):
            router.exact[(method, path)] = route
        else:
            router.templates.append(route)
    router.templates.sort(key=lambda r: r.rank)
    return router
