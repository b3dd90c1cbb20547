"""Plain HTTP request/response values shared by the gateway and the protocol layer.

They hold what arrived on the wire (raw, percent-encoded path and query string; case-insensitive,
multi-valued headers; the body as bytes) and know nothing of AWS.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, unquote


class Headers:
    """Case-insensitive, multi-valued, order-preserving header collection."""

    __slots__ = ("_index", "_items")

    def __init__(self, items: Iterable[tuple[str, str]] = ()) -> None:
        self._items: list[tuple[str, str]] = list(items)
        self._index: dict[str, list[str]] = {}
        for name, value in self._items:
            self._index.setdefault(name.lower(), []).append(value)

    def get(self, name: str, default: str | None = None) -> str | None:
        values = self._index.get(name.lower())
        if not values:
            return default
        return values[0] if len(values) == 1 else ",".join(values)

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and name.lower() in self._index

    def __getitem__(self, name: str) -> str:
        value = self.get(name)
        if value is None:
            raise KeyError(name)
        return value

    def items(self) -> list[tuple[str, str]]:
        return list(self._items)

    def lower_items(self) -> Iterator[tuple[str, str]]:
        """(lower-case name, joined value) once per distinct header."""
        for name, values in self._index.items():
            yield name, values[0] if len(values) == 1 else ",".join(values)

    def __len__(self) -> int:
        return len(self._index)

    def __repr__(self) -> str:
        return f"Headers({self._items!r})"


@dataclass(slots=True)
class HttpRequest:
    method: str
    raw_path: str
    """Path exactly as sent (percent-encoded, without the query string)."""
    query_string: str = ""
    """Raw query string, without the leading '?'."""
    headers: Headers = field(default_factory=Headers)
    body: bytes = b""
    client: str = "127.0.0.1"
    """Remote address, for request logs and `sourceIPAddress` fields."""
    stream: Any = None
    """A `protocol.streams.BodyStream` when the body is read as it arrives (then `body` is empty)."""

    @property
    def host(self) -> str:
        """Host header without the port, lower-cased."""
        host = (self.headers.get("host") or "").strip().lower()
        if host.startswith("["):  # IPv6 literal
            return host.split("]", 1)[0] + "]"
        return host.rsplit(":", 1)[0] if ":" in host else host

    @property
    def path(self) -> str:
        """Percent-decoded path (for routing and display; parsers use raw_path segments)."""
        return unquote(self.raw_path)

    @property
    def query(self) -> QueryParams:
        return QueryParams.parse(self.query_string)

    @property
    def content_type(self) -> str:
        return (self.headers.get("content-type") or "").split(";", 1)[0].strip().lower()


class QueryParams:
    """Decoded query-string parameters, multi-valued, order preserving."""

    __slots__ = ("_pairs",)

    def __init__(self, pairs: list[tuple[str, str]]) -> None:
        self._pairs = pairs

    @classmethod
    def parse(cls, raw: str) -> QueryParams:
        return cls(parse_qsl(raw, keep_blank_values=True)) if raw else cls([])

    def get(self, name: str, default: str | None = None) -> str | None:
        for key, value in self._pairs:
            if key == name:
                return value
        return default

    def keys(self) -> list[str]:
        return list(dict.fromkeys(key for key, _ in self._pairs))

    def items(self) -> list[tuple[str, str]]:
        return list(self._pairs)

    def __contains__(self, name: object) -> bool:
        return any(key == name for key, _ in self._pairs)

    def __bool__(self) -> bool:
        return bool(self._pairs)


@dataclass(slots=True)
class HttpResponse:
    status: int = 200
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes | AsyncIterator[bytes] = b""

    def header(self, name: str) -> str | None:
        lname = name.lower()
        for key, value in self.headers:
            if key.lower() == lname:
                return value
        return None
