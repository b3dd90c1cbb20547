"""Match REST requests to operations by the model's `http.requestUri` templates (rest-json, rest-xml).

Owns: literal segments, `{Label}` (one segment), greedy `{Label+}` (one or more segments), required
query literals (`?tagging`, `?list-type=2`) and the tie-breaks between operations sharing a template
(S3 PutObject/UploadPart/CopyObject...). Does not own host-based routing (gateway/routing.py).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import ClassVar
from urllib.parse import parse_qsl, unquote

from botocore.model import OperationModel, ServiceModel

from cloudlet.protocol.http import Headers

_LABEL_RE = re.compile(r"^\{([^{}]+?)(\+?)\}$")
_NO_QUERY: dict[str, str] = {}
# Query parameters any request may carry without being modeled: SigV4 query auth and botocore's x-id.
UNMODELED_QUERY = frozenset(
    {
        "X-Amz-Algorithm",
        "X-Amz-Credential",
        "X-Amz-Date",
        "X-Amz-Expires",
        "X-Amz-SignedHeaders",
        "X-Amz-Signature",
        "X-Amz-Security-Token",
        "x-id",
    }
)


@dataclass(frozen=True, slots=True)
class RouteMatch:
    operation: OperationModel
    uri_params: dict[str, str]
    """Label name → percent-decoded value."""


@dataclass(slots=True)
class _Route:
    operation: OperationModel
    order: int
    query_literals: tuple[tuple[str, str | None], ...]
    """(key, required value or None = any value) from the template's query part."""
    required_query: frozenset[str]
    """Wire names of required querystring members (used only to break ties)."""
    required_headers: tuple[str, ...]
    """Lower-case names of required header members (used only to break ties)."""
    known_query: frozenset[str]
    deprecated: bool
    specificity: tuple[int, int, int] = (0, 0, 0)
    """(query literals, required query members, required headers): more is more specific."""

    def __post_init__(self) -> None:
        self.specificity = (len(self.query_literals), len(self.required_query), len(self.required_headers))

    def literals_ok(self, query: dict[str, str]) -> bool:
        for key, value in self.query_literals:
            got = query.get(key)
            if got is None or (value is not None and got != value):
                return False
        return True

    def requirements_ok(self, query: dict[str, str], headers: Headers | None) -> bool:
        if self.required_query and not self.required_query.issubset(query):
            return False
        if self.required_headers:
            if headers is None:
                return False
            return all(name in headers for name in self.required_headers)
        return True

    def unknown_keys(self, query: dict[str, str]) -> int:
        return sum(1 for key in query if key not in self.known_query and key not in UNMODELED_QUERY)


@dataclass(slots=True)
class _Leaf:
    """The routes sharing one path template, indexed by their query literals' keys."""

    routes: list[_Route] = field(default_factory=list)
    plain: list[_Route] = field(default_factory=list)
    """Routes without query literals, most specific first."""
    by_key: dict[str, list[_Route]] = field(default_factory=dict)
    """Query literal key → routes having it, most specific first."""

    def add(self, route: _Route) -> None:
        self.routes.append(route)

    def finish(self) -> None:
        self.routes.sort(key=lambda r: (tuple(-n for n in r.specificity), r.order))
        self.plain = [r for r in self.routes if not r.query_literals]
        self.by_key = {}
        for route in self.routes:
            for key, _ in route.query_literals:
                self.by_key.setdefault(key, []).append(route)


@dataclass(slots=True)
class _Greedy:
    label: str
    suffix: tuple[tuple[str, bool], ...]
    """Segments after the greedy label as (literal or label name, is_label); empty in current models."""
    leaf: _Leaf = field(default_factory=_Leaf)


@dataclass(slots=True)
class _Node:
    literal: dict[str, _Node] = field(default_factory=dict)
    labels: dict[str, _Node] = field(default_factory=dict)
    """Label name → subtree (several names at one position are possible, e.g. {id} and {api_id})."""
    greedy: list[_Greedy] = field(default_factory=list)
    leaf: _Leaf | None = None


class RestRouter:
    """requestUri matcher of one service: a segment trie per HTTP method, built once."""

    _cache: ClassVar[dict[str, RestRouter]] = {}

    def __init__(self, service: ServiceModel) -> None:
        self.service = service
        self._roots: dict[str, _Node] = {}
        for order, name in enumerate(service.operation_names):
            operation = service.operation_model(name)
            self._add(operation, order)
        for root in self._roots.values():
            _sort(root)

    @classmethod
    def for_service(cls, service: ServiceModel) -> RestRouter:
        """The router of `service`, built once per service name (and model object)."""
        router = cls._cache.get(service.service_name)
        if router is None or router.service is not service:
            router = cls._cache[service.service_name] = cls(service)
        return router

    # --- building ---------------------------------------------------------------------------------

    def _add(self, operation: OperationModel, order: int) -> None:
        http = operation.http
        path, _, query = http.get("requestUri", "/").partition("?")
        node = self._roots.setdefault(http.get("method", "POST").upper(), _Node())
        segments = _split(path)
        route = _make_route(operation, order, query)
        for index, segment in enumerate(segments):
            match = _LABEL_RE.match(segment)
            if match is None:
                node = node.literal.setdefault(segment, _Node())
            elif match.group(2):
                suffix = tuple(_suffix_segment(s) for s in segments[index + 1 :])
                for greedy in node.greedy:
                    if greedy.label == match.group(1) and greedy.suffix == suffix:
                        greedy.leaf.add(route)
                        return
                greedy = _Greedy(match.group(1), suffix)
                greedy.leaf.add(route)
                node.greedy.append(greedy)
                return
            else:
                node = node.labels.setdefault(match.group(1), _Node())
        if node.leaf is None:
            node.leaf = _Leaf()
        node.leaf.add(route)

    # --- matching ---------------------------------------------------------------------------------

    def match(
        self,
        method: str,
        raw_path: str,
        query_string: str,
        headers: Headers | None = None,
    ) -> RouteMatch | None:
        """The operation `method raw_path?query_string` calls, or None.

        `headers` break ties between operations sharing method, path and query literals by their
        required header members (S3 CopyObject vs PutObject: `x-amz-copy-source`).
        """
        root = self._roots.get(method.upper())
        if root is None:
            return None
        raw_segments = _split(raw_path)
        state = _Request(raw_segments, query_string, headers)
        found = _walk(root, 0, state, [])
        if found is None and len(raw_segments) > 0 and raw_segments[-1] == "":
            # A trailing slash (`/bucket/`, `/2015-03-31/functions/`) addresses the same resource.
            state = _Request(raw_segments[:-1], query_string, headers)
            found = _walk(root, 0, state, [])
        if found is None:
            return None
        route, params = found
        return RouteMatch(route.operation, dict(params))


def _split(path: str) -> list[str]:
    path = path[1:] if path.startswith("/") else path
    return path.split("/") if path else []


def _suffix_segment(segment: str) -> tuple[str, bool]:
    match = _LABEL_RE.match(segment)
    return (match.group(1), True) if match else (segment, False)


def _make_route(operation: OperationModel, order: int, query: str) -> _Route:
    literals: list[tuple[str, str | None]] = []
    for part in query.split("&") if query else ():
        key, eq, value = part.partition("=")
        if unquote(key) == "x-id":
            # `x-id=<Operation>` (newer S3 models) only names the operation; older clients and other
            # SDKs omit it, so it cannot be required. A request carrying it is honored in `_choose`.
            continue
        literals.append((unquote(key), unquote(value) if eq else None))
    required_query: set[str] = set()
    required_headers: list[str] = []
    known_query: set[str] = {key for key, _ in literals}
    shape = operation.input_shape
    if shape is not None:
        required = set(shape.required_members)
        for name, member in shape.members.items():
            location = member.serialization.get("location")
            wire = member.serialization.get("name", name)
            if location == "querystring":
                known_query.add(wire)
                if name in required:
                    required_query.add(wire)
            elif location == "header" and name in required:
                required_headers.append(wire.lower())
    return _Route(
        operation=operation,
        order=order,
        query_literals=tuple(literals),
        required_query=frozenset(required_query),
        required_headers=tuple(required_headers),
        known_query=frozenset(known_query),
        deprecated=bool(operation.deprecated),
    )


def _sort(node: _Node) -> None:
    if node.leaf is not None:
        node.leaf.finish()
    for greedy in node.greedy:
        greedy.leaf.finish()
    # Longer literal suffixes first: `{Key+}/tags` before `{Key+}`.
    node.greedy.sort(key=lambda g: -len(g.suffix))
    for child in node.literal.values():
        _sort(child)
    for child in node.labels.values():
        _sort(child)


class _Request:
    __slots__ = ("_query", "decoded", "headers", "query_string", "raw")

    def __init__(self, raw: list[str], query_string: str, headers: Headers | None) -> None:
        self.raw = raw
        self.decoded = [unquote(s) if "%" in s else s for s in raw]
        self.query_string = query_string
        self.headers = headers
        self._query: dict[str, str] | None = None

    @property
    def query(self) -> dict[str, str]:
        if self._query is None:
            if not self.query_string:
                self._query = _NO_QUERY
            else:
                query: dict[str, str] = {}
                for key, value in parse_qsl(self.query_string, keep_blank_values=True):
                    query.setdefault(key, value)
                self._query = query
        return self._query


def _walk(
    node: _Node, index: int, req: _Request, params: list[tuple[str, str]]
) -> tuple[_Route, list[tuple[str, str]]] | None:
    count = len(req.raw)
    if index == count and node.leaf is not None:
        route = _choose(node.leaf, req)
        if route is not None:
            return route, params
    if index < count:
        child = node.literal.get(req.decoded[index])
        if child is not None:
            found = _walk(child, index + 1, req, params)
            if found is not None:
                return found
        if req.raw[index]:
            for name, child in node.labels.items():
                found = _walk(child, index + 1, req, [*params, (name, req.decoded[index])])
                if found is not None:
                    return found
    for greedy in node.greedy:
        rest = count - index - len(greedy.suffix)
        if rest < 1:
            continue
        tail = _match_suffix(greedy.suffix, req.decoded[count - len(greedy.suffix) :])
        if tail is None:
            continue
        value = "/".join(req.raw[index : index + rest])
        if not value:
            continue
        route = _choose(greedy.leaf, req)
        if route is not None:
            return route, [*params, (greedy.label, unquote(value)), *tail]
    return None


def _match_suffix(suffix: tuple[tuple[str, bool], ...], segments: list[str]) -> list[tuple[str, str]] | None:
    captured: list[tuple[str, str]] = []
    for (text, is_label), segment in zip(suffix, segments, strict=True):
        if is_label:
            if not segment:
                return None
            captured.append((text, segment))
        elif segment != text:
            return None
    return captured


def _choose(leaf: _Leaf, req: _Request) -> _Route | None:
    """The route among those sharing a path. Query literals must match, and the routes matching the
    most of them win. Among those: the one an `x-id` parameter names; else the most specific route
    whose required query members and headers are all present (else the least demanding one); ties go
    to the route that knows more of the request's query keys, then to a non-deprecated one, then to
    model order."""
    candidates = leaf.plain
    if leaf.by_key and req.query_string:
        query = req.query
        matched: list[_Route] = []
        for key in query:
            for route in leaf.by_key.get(key, ()):
                if route not in matched and route.literals_ok(query):
                    matched.append(route)
        if matched:
            most = max(len(r.query_literals) for r in matched)
            candidates = sorted(
                (r for r in matched if len(r.query_literals) == most),
                key=lambda r: (tuple(-n for n in r.specificity), r.order),
            )
    if len(candidates) <= 1:
        return candidates[0] if candidates else None
    query = req.query
    named = query.get("x-id")
    if named:
        for route in candidates:
            if route.operation.name == named:
                return route
    for index, route in enumerate(candidates):
        if not route.requirements_ok(query, req.headers):
            continue
        tied = [route]
        for other in candidates[index + 1 :]:
            if other.specificity != route.specificity:
                break
            if other.requirements_ok(query, req.headers):
                tied.append(other)
        if len(tied) == 1:
            return route
        return min(tied, key=lambda r: (r.unknown_keys(query), r.deprecated, r.order))
    return candidates[-1]
