"""Hypothesis strategies built from botocore shapes: values any AWS client could send or receive.

Values respect what each wire location can carry at all (AWS cannot carry more either): header strings
are printable ASCII without surrounding whitespace, XML text has no characters XML 1.0 forbids, header
timestamps have second precision (RFC 822), `statusCode` members are 2xx. Constraints (min/max, enums
aside) are deliberately ignored: the round trip tests the wire, not validation.
"""

from __future__ import annotations

import datetime as dt
import string
from dataclasses import dataclass, replace
from typing import Any

from botocore.model import Shape
from hypothesis import strategies as st

UTC = dt.UTC
MAX_DEPTH = 4

_HEADER_ALPHABET = string.ascii_letters + string.digits + "-_.~!#$&'()*+/:;=?@[]^`{|}"
_HEADER_KEY_ALPHABET = string.ascii_lowercase + string.digits + "-"
_FORBIDDEN_XML = {chr(c) for c in range(0x20) if chr(c) not in "\t\n"} | {"\r", "\ufffe", "\uffff"}

body_text = st.text(
    alphabet=st.characters(exclude_categories=("Cs",), exclude_characters=_FORBIDDEN_XML), max_size=12
)
header_text = st.builds(
    lambda first, middle, last: first + middle + last if middle.strip() else first + last,
    st.sampled_from(_HEADER_ALPHABET),
    st.text(alphabet=_HEADER_ALPHABET + " ", max_size=10),
    st.sampled_from(_HEADER_ALPHABET),
) | st.sampled_from(_HEADER_ALPHABET)
header_key = st.text(alphabet=_HEADER_KEY_ALPHABET, min_size=1, max_size=8).filter(
    lambda k: not k.startswith("-") and not k.endswith("-")
)
json_scalar = st.none() | st.booleans() | st.integers(-(2**31), 2**31) | body_text
json_value = st.recursive(
    json_scalar,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(body_text, inner, max_size=3),
    max_leaves=6,
)
# botocore sends milliseconds (or seconds in headers); AWS keeps milliseconds.
timestamp_ms = st.datetimes(
    min_value=dt.datetime(1971, 1, 1), max_value=dt.datetime(2100, 1, 1), timezones=st.just(UTC)
).map(lambda d: d.replace(microsecond=d.microsecond // 1000 * 1000))
timestamp_s = timestamp_ms.map(lambda d: d.replace(microsecond=0))


@dataclass(frozen=True)
class Where:
    """Where a value travels, which decides what it can carry."""

    protocol: str
    location: str | None = None
    """None (body), "header", "headers" (prefix map), "querystring", "uri", "statusCode"."""
    greedy: bool = False
    depth: int = 0
    request_uri: str = ""
    """The operation's `requestUri`, to tell greedy labels (`{Key+}`) apart."""

    @property
    def xml(self) -> bool:
        return self.protocol in ("query", "rest-xml", "ec2")

    def deeper(self) -> Where:
        return replace(self, depth=self.depth + 1)


def for_shape(shape: Shape, where: Where) -> st.SearchStrategy[Any]:
    """A strategy of Python values for `shape` at `where`."""
    kind = shape.type_name
    if getattr(shape, "is_document_type", False):
        return json_value
    if kind == "structure":
        if shape.serialization.get("eventstream"):
            return _event_stream(shape, where)
        return _structure(shape, where)
    if kind == "list":
        return _list(shape, where)
    if kind == "map":
        return _map(shape, where)
    if kind == "string":
        return _string(shape, where)
    if kind in ("integer", "long", "short", "byte"):
        if where.location == "statusCode":
            return st.sampled_from([200, 201, 202, 203, 206])
        bits = 63 if kind == "long" else 31
        return st.integers(-(2**bits), 2**bits - 1)
    if kind in ("float", "double"):
        return st.floats(allow_nan=False, allow_infinity=False, width=32 if kind == "float" else 64)
    if kind == "boolean":
        return st.booleans()
    if kind == "timestamp":
        return timestamp_s if where.location == "header" else timestamp_ms
    if kind == "blob":
        if where.location == "header":
            return st.binary(min_size=1, max_size=16)
        return st.binary(max_size=16)
    raise AssertionError(f"unhandled shape type {kind} ({shape.name})")


def _string(shape: Shape, where: Where) -> st.SearchStrategy[Any]:
    if shape.serialization.get("jsonvalue") or getattr(shape, "metadata", {}).get("jsonvalue"):
        return st.dictionaries(header_key, json_scalar, max_size=3)
    if shape.serialization.get("hostLabel"):
        # Also sent in the host name: botocore accepts only [A-Za-z0-9.-]+ (serialize.HOST_PREFIX_RE).
        return st.text(alphabet=string.ascii_letters + string.digits + ".-", min_size=1, max_size=12)
    if shape.enum:
        values = [v for v in shape.enum if where.location != "header" or v == v.strip()]
        if values:
            return st.sampled_from(values)
    if where.location == "header":
        return header_text
    if where.location == "uri":
        text = st.text(
            alphabet=st.characters(exclude_categories=("Cs", "Cc")), min_size=1, max_size=12
        ).filter(lambda s: s not in (".", ".."))
        if where.greedy:
            return st.lists(text, min_size=1, max_size=3).map("/".join)
        return text
    if where.location == "querystring":
        return st.text(alphabet=st.characters(exclude_categories=("Cs",)), max_size=12)
    return body_text


def _structure(shape: Shape, where: Where) -> st.SearchStrategy[dict[str, Any]]:
    required = set(shape.required_members)
    is_union = bool(shape.metadata.get("union"))
    members: dict[str, st.SearchStrategy[Any]] = {}
    at_limit = where.depth >= MAX_DEPTH
    for name, member in shape.members.items():
        if member.metadata.get("exception"):
            continue
        container = member.type_name in ("structure", "list", "map")
        if at_limit and name not in required and (not is_union or container):
            continue
        loc = member.serialization.get("location")
        if loc == "headers" or (loc == "header" and member.type_name in ("list", "map")):
            member_where = replace(where, location=loc)
        elif loc:
            member_where = replace(where, location=loc, greedy=_is_greedy(where, name, member))
        else:
            member_where = where
        members[name] = for_shape(member, member_where.deeper())
    if is_union:
        if not members:
            return st.just({})
        return st.one_of(*(s.map(lambda v, n=n: {n: v}) for n, s in members.items()))
    return st.fixed_dictionaries(
        {n: s for n, s in members.items() if n in required},
        optional={n: s for n, s in members.items() if n not in required},
    )


def _is_greedy(where: Where, name: str, member: Shape) -> bool:
    label = member.serialization.get("name", name)
    return member.serialization.get("location") == "uri" and "{" + label + "+}" in where.request_uri


def _list(shape: Shape, where: Where) -> st.SearchStrategy[list[Any]]:
    inner = replace(where, depth=where.depth + 1)
    if where.location == "header":
        item = for_shape(shape.member, where)
        return st.lists(item, min_size=1, max_size=3)
    size = 0 if where.depth >= MAX_DEPTH else 3
    return st.lists(for_shape(shape.member, inner), max_size=size)


def _map(shape: Shape, where: Where) -> st.SearchStrategy[dict[str, Any]]:
    inner = replace(where, depth=where.depth + 1)
    if where.location == "headers":
        return st.dictionaries(header_key, header_text, max_size=3)
    if where.location == "querystring":
        key = st.text(alphabet=string.ascii_lowercase, min_size=1, max_size=6).map(lambda k: "qk" + k)
        return st.dictionaries(key, for_shape(shape.value, where), max_size=3)
    size = 0 if where.depth >= MAX_DEPTH else 3
    key = _string(shape.key, replace(where, location=None)) if shape.key.enum else body_text
    return st.dictionaries(key, for_shape(shape.value, inner), max_size=size)


def _event_stream(shape: Shape, where: Where) -> st.SearchStrategy[list[dict[str, Any]]]:
    events = {
        name: member
        for name, member in shape.members.items()
        if not member.metadata.get("exception") and not member.metadata.get("error")
    }
    if not events:
        return st.just([])
    one = st.one_of(
        *(
            _structure(member, replace(where, depth=where.depth + 1)).map(lambda v, n=name: {n: v})
            for name, member in events.items()
        )
    )
    return st.lists(one, max_size=2)
