"""The JSONPath of `$input.json(x)` and `$input.path(x)` (Jayway JsonPath syntax, without filters and
functions): `$`, `.name`, `['name']`, `["a","b"]`, `[0]`, `[-1]`, `[0,2]`, `[1:3]`, `[*]`, `.*`, `..name`.
A path that does not start with `$` is read as `$.<path>`.

A definite path (names and single indexes only) selects one value, or nothing; any other path selects
a list of every match.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any


class JsonPathError(ValueError):
    """The expression is not a JSONPath this evaluator reads."""


MISSING = object()
"""What a definite path selects when nothing is there."""


@dataclass(frozen=True, slots=True)
class _Step:
    kind: str  # "name" | "index" | "wild" | "slice" | "deep"
    keys: tuple[Any, ...] = ()


_NAME = re.compile(r"[^.\[\]\s]+")
_QUOTED = re.compile(r"""\s*(?:'((?:[^'\\]|\\.)*)'|"((?:[^"\\]|\\.)*)")\s*""")
_INT = re.compile(r"\s*(-?\d+)\s*")
_SLICE = re.compile(r"\s*(-?\d*)\s*:\s*(-?\d*)\s*(?::\s*(-?\d*)\s*)?")


@lru_cache(maxsize=1024)
def compile_path(path: str) -> tuple[tuple[_Step, ...], bool]:
    """(steps, definite)."""
    text = path.strip()
    if not text.startswith("$"):
        text = "$." + text
    pos = 1
    steps: list[_Step] = []
    while pos < len(text):
        if text.startswith("..", pos):
            pos += 2
            if pos < len(text) and text[pos] == "[":
                steps.append(_Step("deep"))
                continue
            pos, step = _dot_member(text, pos)
            steps.append(_Step("deep"))
            steps.append(step)
        elif text[pos] == ".":
            pos, step = _dot_member(text, pos + 1)
            steps.append(step)
        elif text[pos] == "[":
            pos, step = _bracket(text, pos + 1)
            steps.append(step)
        else:
            raise JsonPathError(f"Invalid path {path}")
    definite = all(s.kind == "name" or (s.kind == "index" and len(s.keys) == 1) for s in steps)
    definite = definite and all(len(s.keys) == 1 for s in steps)
    return tuple(steps), definite


def _dot_member(text: str, pos: int) -> tuple[int, _Step]:
    if text.startswith("*", pos):
        return pos + 1, _Step("wild")
    match = _NAME.match(text, pos)
    if match is None:
        raise JsonPathError(f"Path must not end with a '.' or '..': {text}")
    return match.end(), _Step("name", (match.group(0),))


def _bracket(text: str, pos: int) -> tuple[int, _Step]:
    end = text.find("]", pos)
    if end < 0:
        raise JsonPathError(f"Property has not been closed - missing closing ]: {text}")
    inner = text[pos:end]
    if inner.strip() == "*":
        return end + 1, _Step("wild")
    if inner.lstrip().startswith("?"):
        raise JsonPathError(f"Filter expressions are not supported: {text}")
    if inner.lstrip()[:1] in ("'", '"'):
        names: list[str] = []
        cursor = pos
        while True:
            match = _QUOTED.match(text, cursor)
            if match is None:
                raise JsonPathError(f"Invalid property in path {text}")
            raw = match.group(1) if match.group(1) is not None else match.group(2)
            names.append(re.sub(r"\\(.)", r"\1", raw))
            cursor = match.end()
            if text.startswith(",", cursor):
                cursor += 1
                continue
            break
        end = text.find("]", cursor)
        if end != cursor:
            raise JsonPathError(f"Property has not been closed - missing closing ]: {text}")
        return end + 1, _Step("name", tuple(names))
    if ":" in inner:
        match = _SLICE.fullmatch(inner)
        if match is None:
            raise JsonPathError(f"Invalid array slice: {inner}")
        bounds = tuple(int(g) if g not in (None, "") else None for g in match.groups())
        return end + 1, _Step("slice", bounds)
    indexes = []
    for part in inner.split(","):
        match = _INT.fullmatch(part)
        if match is None:
            raise JsonPathError(f"Could not parse token starting at position {pos}: {text}")
        indexes.append(int(match.group(1)))
    return end + 1, _Step("index", tuple(indexes))


def select(document: Any, path: str) -> Any:
    """The value a definite path names (`MISSING` when absent), or the list an indefinite path matches."""
    steps, definite = compile_path(path)
    nodes = [document]
    for step in steps:
        nodes = _apply(step, nodes)
    if definite:
        return nodes[0] if nodes else MISSING
    return nodes


def _apply(step: _Step, nodes: list[Any]) -> list[Any]:
    out: list[Any] = []
    for node in nodes:
        if step.kind == "name":
            if isinstance(node, dict):
                out.extend(node[k] for k in step.keys if k in node)
        elif step.kind == "index":
            if isinstance(node, list):
                for i in step.keys:
                    if -len(node) <= i < len(node):
                        out.append(node[i])
        elif step.kind == "wild":
            if isinstance(node, dict):
                out.extend(node.values())
            elif isinstance(node, list):
                out.extend(node)
        elif step.kind == "slice":
            if isinstance(node, list):
                start, stop, stride = step.keys
                out.extend(node[slice(start, stop, stride)])
        elif step.kind == "deep":
            out.extend(_descendants(node))
    return out


def _descendants(node: Any) -> list[Any]:
    """The node and everything under it, document order (for `..`)."""
    found = [node]
    children = node.values() if isinstance(node, dict) else node if isinstance(node, list) else ()
    for child in children:
        found.extend(_descendants(child))
    return found
