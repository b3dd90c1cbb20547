"""Java-like values for mapping templates.

API Gateway's Velocity engine runs on Java: `$input.path('$')` is a `java.util.Map`, a JSON `true` prints
as `true`, a list prints as `[a, b]` and a map as `{a=1, b=2}`, and templates call Java methods on them
(`.size()`, `.keySet()`, `.containsKey()`, `.toLowerCase()`, `.substring()`...). `JMap`, `JList` and
`JBool` give data those behaviours; `extend_airspeed()` teaches the engine the same methods for the plain
values templates create themselves (string literals, `{}` and `[]`).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from typing import Any

import airspeed


def java_str(value: Any) -> str:
    """`String.valueOf(value)` as Java would print it."""
    if value is None:
        return "null"
    if value is True or value is False:
        return "true" if value else "false"
    if isinstance(value, float):
        return _java_double(value)
    if isinstance(value, dict):
        return "{" + ", ".join(f"{java_str(k)}={java_str(v)}" for k, v in dict.items(value)) + "}"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(java_str(v) for v in value) + "]"
    return str(value)


def _java_double(value: float) -> str:
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "Infinity" if value > 0 else "-Infinity"
    if value == int(value) and abs(value) < 1e7:
        return f"{int(value)}.0"
    if 1e-3 <= abs(value) < 1e7:
        return repr(value)
    mantissa, exponent = f"{value:.16e}".split("e")
    digits = repr(float(mantissa)).rstrip("0")
    if digits.endswith("."):
        digits += "0"
    return f"{digits}E{int(exponent)}"


class JBool(int):
    """A JSON boolean: truthy/falsy and equal to `true`/`false`, printed as `true`/`false`."""

    def __new__(cls, value: bool) -> JBool:
        return super().__new__(cls, 1 if value else 0)

    def __str__(self) -> str:
        return "true" if self else "false"

    __repr__ = __str__

    def toString(self) -> str:
        return str(self)

    def booleanValue(self) -> bool:
        return bool(self)


class JStr(str):
    """A `java.lang.String` from the request or the context: Java's `split` (a regex; trailing empty
    strings dropped) rather than Python's, and the other Java methods of plain strings."""

    def split(self, regex: str, limit: int = 0) -> JList:  # type: ignore[override]
        return _split(self, regex, limit)

    def __getattr__(self, name: str) -> Any:
        method = _STRING_METHODS.get(name)
        if method is None:
            raise AttributeError(name)
        return lambda *args: _java_value(method(self, *args))


class JList(list):
    """A `java.util.List`."""

    def __str__(self) -> str:
        return java_str(self)

    def size(self) -> int:
        return len(self)

    def isEmpty(self) -> bool:
        return JBool(not self)

    def get(self, index: int) -> Any:
        return self[index]

    def contains(self, value: Any) -> bool:
        return JBool(value in self)

    def indexOf(self, value: Any) -> int:
        return self.index(value) if value in self else -1

    def add(self, value: Any) -> bool:
        self.append(value)
        return JBool(True)

    def set(self, index: int, value: Any) -> Any:
        previous = self[index]
        self[index] = value
        return previous

    def toString(self) -> str:
        return str(self)


class JEntry:
    """A `Map.Entry` (`$entry.key`, `$entry.getValue()`)."""

    def __init__(self, key: Any, value: Any) -> None:
        self.key = key
        self.value = value

    def getKey(self) -> Any:
        return self.key

    def getValue(self) -> Any:
        return self.value

    def __str__(self) -> str:
        return f"{java_str(self.key)}={java_str(self.value)}"


_PYTHON_ONLY = frozenset(
    {"items", "keys", "copy", "pop", "update", "clear", "fromkeys", "setdefault", "popitem"}
)


class JMap(dict):
    """A `java.util.Map` (insertion-ordered, like the JSON it came from). Python's own dict methods are
    hidden from templates, so `$map.items` is the member `items` (or nothing), as in Java."""

    def __getattribute__(self, name: str) -> Any:
        if name in _PYTHON_ONLY:
            raise AttributeError(name)
        if name == "values":
            return lambda: JList(dict.values(self))
        return super().__getattribute__(name)

    def __setitem__(self, key: Any, value: Any) -> None:
        super().__setitem__(key, JBool(value) if isinstance(value, bool) else value)

    def __str__(self) -> str:
        return java_str(self)

    def size(self) -> int:
        return len(self)

    def isEmpty(self) -> bool:
        return JBool(not self)

    def keySet(self) -> JList:
        return JList(dict.keys(self))

    def entrySet(self) -> JList:
        return JList(JEntry(k, v) for k, v in dict.items(self))

    def containsKey(self, key: Any) -> bool:
        return JBool(key in self)

    def containsValue(self, value: Any) -> bool:
        return JBool(value in dict.values(self))

    def put(self, key: Any, value: Any) -> Any:
        previous = dict.get(self, key)
        self[key] = value
        return previous

    def putAll(self, other: dict) -> None:
        dict.update(self, other)

    def remove(self, key: Any) -> Any:
        return dict.pop(self, key, None)

    def toString(self) -> str:
        return str(self)


class Namespace(airspeed.LocalNamespace):
    """A template's top-level variables: a boolean `#set` there prints as `true`/`false`."""

    def __setitem__(self, key: Any, value: Any) -> None:
        super().__setitem__(key, JBool(value) if isinstance(value, bool) else value)


def wrap(value: Any) -> Any:
    """Python data (parsed JSON, a context dict) as Java-like values."""
    if isinstance(value, bool):
        return JBool(value)
    if isinstance(value, str):
        return value if isinstance(value, JStr) else JStr(value)
    if isinstance(value, dict):
        return JMap((k, wrap(v)) for k, v in dict.items(value))
    if isinstance(value, list | tuple):
        return JList(wrap(v) for v in value)
    return value


def unwrap(value: Any) -> Any:
    """Back to plain JSON-able Python data."""
    if isinstance(value, JBool):
        return bool(value)
    if isinstance(value, dict):
        return {k: unwrap(v) for k, v in dict.items(value)}
    if isinstance(value, list | tuple):
        return [unwrap(v) for v in value]
    return value


# -- methods of Java strings, lists and maps for plain values -----------------------------------------


def _substring(s: str, start: int, end: int | None = None) -> str:
    if start < 0 or (end is not None and (end > len(s) or end < start)) or start > len(s):
        raise IndexError(f"String index out of range: {start if end is None else end}")
    return s[start:end]


def _index_of(s: str, needle: str, start: int = 0) -> int:
    return s.find(needle, max(start, 0))


def _last_index_of(s: str, needle: str, start: int | None = None) -> int:
    return s.rfind(needle) if start is None else s.rfind(needle, 0, start + len(needle))


def _split(s: str, regex: str, limit: int = 0) -> JList:
    parts = re.split(regex, s) if limit <= 0 else re.split(regex, s, maxsplit=limit - 1)
    if limit == 0:
        while parts and parts[-1] == "":
            parts.pop()
    return JList(parts)


_STRING_METHODS: dict[str, Callable[..., Any]] = {
    "length": len,
    "toLowerCase": lambda s: s.lower(),
    "toUpperCase": lambda s: s.upper(),
    "trim": lambda s: s.strip("".join(chr(c) for c in range(33))),
    "substring": _substring,
    "indexOf": _index_of,
    "lastIndexOf": _last_index_of,
    "charAt": lambda s, i: s[i],
    "equals": lambda s, other: isinstance(other, str) and s == other,
    "equalsIgnoreCase": lambda s, other: isinstance(other, str) and s.lower() == other.lower(),
    "isEmpty": lambda s: not s,
    "startsWith": lambda s, prefix: s.startswith(prefix),
    "endsWith": lambda s, suffix: s.endswith(suffix),
    "contains": lambda s, part: java_str(part) in s,
    "concat": lambda s, other: s + other,
    "matches": lambda s, regex: re.fullmatch(regex, s) is not None,
    "replaceAll": lambda s, regex, repl: re.sub(regex, _java_replacement(repl), s),
    "replaceFirst": lambda s, regex, repl: re.sub(regex, _java_replacement(repl), s, count=1),
    "split": _split,
    "toString": lambda s: s,
    "hashCode": lambda s: _java_hash(s),
}

_LIST_METHODS: dict[str, Callable[..., Any]] = {
    "size": len,
    "isEmpty": lambda lst: not lst,
    "get": lambda lst, i: lst[i],
    "contains": lambda lst, v: v in lst,
    "indexOf": lambda lst, v: lst.index(v) if v in lst else -1,
    "add": lambda lst, v: lst.append(v) or True,
    "toString": java_str,
}

_MAP_METHODS: dict[str, Callable[..., Any]] = {
    "size": len,
    "isEmpty": lambda m: not m,
    "keySet": lambda m: JList(dict.keys(m)),
    "entrySet": lambda m: JList(JEntry(k, v) for k, v in dict.items(m)),
    "containsKey": lambda m, k: k in m,
    "containsValue": lambda m, v: v in dict.values(m),
    "remove": lambda m, k: dict.pop(m, k, None),
    "toString": java_str,
}


def _java_replacement(repl: str) -> str:
    """A Java regex replacement (`$1`, `\\$`) as a Python one."""
    out = []
    i = 0
    while i < len(repl):
        ch = repl[i]
        if ch == "\\" and i + 1 < len(repl):
            out.append(repl[i + 1].replace("\\", "\\\\"))
            i += 2
            continue
        if ch == "$" and i + 1 < len(repl) and repl[i + 1].isdigit():
            out.append(f"\\g<{repl[i + 1]}>")
            i += 2
            continue
        out.append("\\\\" if ch == "\\" else ch)
        i += 1
    return "".join(out)


def _java_hash(s: str) -> int:
    h = 0
    for unit in s.encode("utf-16-be").hex(" ", 2).split():
        h = (31 * h + int(unit, 16)) & 0xFFFFFFFF
    return h - (1 << 32) if h & 0x80000000 else h


def extend_airspeed() -> None:
    """Register the Java methods above for airspeed's plain `str`, `list` and `dict` values (its table of
    additional methods; entries it already has for these names keep working the same way)."""
    table = airspeed.__additional_methods__
    for kind, methods in ((str, _STRING_METHODS), (list, _LIST_METHODS), (dict, _MAP_METHODS)):
        table.setdefault(kind, {}).update({name: _java_result(fn) for name, fn in methods.items()})


def _java_value(result: Any) -> Any:
    if isinstance(result, bool):
        return JBool(result)
    if type(result) is str:
        return JStr(result)
    return result


def _java_result(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Booleans a method returns print as Java's `true`/`false`."""

    def method(*args: Any) -> Any:
        return _java_value(fn(*args))

    return method
