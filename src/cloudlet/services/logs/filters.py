"""CloudWatch Logs filter patterns, compiled once into a `message -> bool` predicate.

Follows "Filter pattern syntax for metric filters, subscription filters, filter log events, and Live
Tail" (https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/FilterAndPatternSyntax.html):

- terms (`ERROR`, `"exact phrase"`), all required; `-term` excludes; `?term ?other` matches any of them;
  case-sensitive substring matching;
- `%regex%` on its own;
- JSON patterns `{ $.a.b[0] = "v*" && ($.n >= 5 || $.flag IS TRUE) }` with `=`, `!=`, `<`, `>`, `<=`,
  `>=`, `IS TRUE|FALSE|NULL`, `NOT EXISTS`, string wildcards `*` and `%regex%` values;
- space-delimited patterns `[ip, user, ..., status = 4*, size > 1000]`.

Owns no state. Does not do metric extraction (`MetricValue`).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

__all__ = ["FilterPatternError", "compile_pattern"]

Matcher = Callable[[str], bool]
_MISSING = object()


class FilterPatternError(ValueError):
    """The pattern does not parse; the message says where."""


def compile_pattern(pattern: str | None) -> Matcher:
    """A predicate over event messages. Raises FilterPatternError."""
    text = (pattern or "").strip()
    if not text:
        return _everything
    if text.startswith("{"):
        return _compile_json(text)
    if text.startswith("["):
        return _compile_delimited(text)
    if len(text) > 1 and text.startswith("%") and text.endswith("%"):
        regex = _regex(text[1:-1])
        return lambda message: regex.search(message) is not None
    return _compile_terms(text)


def _everything(message: str) -> bool:
    return True


def _regex(body: str) -> re.Pattern[str]:
    if "(" in body or ")" in body:
        raise FilterPatternError("Invalid regex: parentheses are not supported in filter pattern regexes")
    try:
        return re.compile(body)
    except re.error as exc:
        raise FilterPatternError(f"Invalid regex: {exc}") from None


# -- terms -----------------------------------------------------------------------------------------

_TERM = re.compile(r'\s*([-?]?)(?:"((?:[^"\\]|\\.)*)"|(\S+))')


def _compile_terms(text: str) -> Matcher:
    required: list[str] = []
    excluded: list[str] = []
    optional: list[str] = []
    pos = 0
    while pos < len(text):
        m = _TERM.match(text, pos)
        if m is None:
            if text[pos:].strip():
                raise FilterPatternError(f"Invalid filter pattern near '{text[pos:]}'")
            break
        sign, quoted, bare = m.groups()
        term = _unescape(quoted) if quoted is not None else bare
        if bare is not None and '"' in bare:
            raise FilterPatternError(f"Invalid character(s) in term '{bare}'")
        {"": required, "-": excluded, "?": optional}[sign].append(term)
        pos = m.end()

    def match(message: str) -> bool:
        if any(t in message for t in excluded):
            return False
        if not all(t in message for t in required):
            return False
        return not optional or any(t in message for t in optional)

    return match


def _unescape(s: str) -> str:
    return re.sub(r"\\(.)", r"\1", s)


# -- JSON patterns ---------------------------------------------------------------------------------

_JSON_TOKEN = re.compile(
    r"""\s*(?:
        (?P<str>"(?:[^"\\]|\\.)*")
      | (?P<regex>%[^%]*%)
      | (?P<op>&&|\|\||!=|<=|>=|=|<|>|\(|\))
      | (?P<sel>\$(?:\.[A-Za-z0-9_@\-]+|\[\d+\]|\.\*|\[\*\])*)
      | (?P<word>[^\s()=!<>&|"]+)
    )""",
    re.VERBOSE,
)


def _tokens(body: str) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    pos = 0
    body = body.rstrip()
    while pos < len(body):
        m = _JSON_TOKEN.match(body, pos)
        if m is None or m.end() == pos:
            raise FilterPatternError(f"Invalid filter pattern near '{body[pos:].strip()}'")
        kind = m.lastgroup
        assert kind is not None
        out.append((kind, m.group(kind)))
        pos = m.end()
        while pos < len(body) and body[pos].isspace():
            pos += 1
    return out


class _JsonParser:
    def __init__(self, tokens: list[tuple[str, str]]) -> None:
        self.tokens = tokens
        self.i = 0

    def peek(self) -> tuple[str, str] | None:
        return self.tokens[self.i] if self.i < len(self.tokens) else None

    def take(self) -> tuple[str, str]:
        tok = self.peek()
        if tok is None:
            raise FilterPatternError("Invalid filter pattern: unexpected end of pattern")
        self.i += 1
        return tok

    def parse(self) -> Callable[[Any], bool]:
        node = self.or_expr()
        rest = self.peek()
        if rest is not None:
            raise FilterPatternError(f"Invalid filter pattern near '{rest[1]}'")
        return node

    def or_expr(self) -> Callable[[Any], bool]:
        parts = [self.and_expr()]
        while self.peek() == ("op", "||"):
            self.take()
            parts.append(self.and_expr())
        return parts[0] if len(parts) == 1 else (lambda doc: any(p(doc) for p in parts))

    def and_expr(self) -> Callable[[Any], bool]:
        parts = [self.atom()]
        while self.peek() == ("op", "&&"):
            self.take()
            parts.append(self.atom())
        return parts[0] if len(parts) == 1 else (lambda doc: all(p(doc) for p in parts))

    def atom(self) -> Callable[[Any], bool]:
        kind, value = self.take()
        if (kind, value) == ("op", "("):
            node = self.or_expr()
            if self.take() != ("op", ")"):
                raise FilterPatternError("Invalid filter pattern: missing ')'")
            return node
        if kind != "sel":
            raise FilterPatternError(
                f"Invalid filter pattern: expected a selector like $.field, got '{value}'"
            )
        path = _selector_path(value)
        kind, value = self.take()
        if kind == "word" and value.upper() == "IS":
            _, what = self.take()
            expected = {"TRUE": True, "FALSE": False, "NULL": None}.get(what.upper(), _MISSING)
            if expected is _MISSING:
                raise FilterPatternError(f"Invalid filter pattern: IS {what}")
            return lambda doc: _is(_resolve(doc, path), expected)
        if kind == "word" and value.upper() == "NOT":
            _, what = self.take()
            if what.upper() != "EXISTS":
                raise FilterPatternError(f"Invalid filter pattern: NOT {what}")
            return lambda doc: _resolve(doc, path) is _MISSING
        if kind == "word" and value.upper() == "EXISTS":
            return lambda doc: _resolve(doc, path) is not _MISSING
        if kind != "op" or value not in ("=", "!=", "<", ">", "<=", ">="):
            raise FilterPatternError(
                f"Invalid filter pattern: expected an operator after a selector, got '{value}'"
            )
        compare = _comparison(value, self.take())
        return lambda doc: compare(_resolve(doc, path))


def _is(found: Any, expected: Any) -> bool:
    if found is _MISSING:
        return False
    if expected is None:
        return found is None
    return found is expected


def _selector_path(selector: str) -> list[str | int]:
    path: list[str | int] = []
    for m in re.finditer(r"\.([A-Za-z0-9_@\-]+)|\[(\d+)\]|(\.\*|\[\*\])", selector[1:]):
        if m.group(1) is not None:
            path.append(m.group(1))
        elif m.group(2) is not None:
            path.append(int(m.group(2)))
        else:
            raise FilterPatternError("Invalid filter pattern: wildcard selectors are not supported")
    return path


def _resolve(doc: Any, path: list[str | int]) -> Any:
    for step in path:
        if isinstance(step, int):
            if not isinstance(doc, list) or step >= len(doc):
                return _MISSING
            doc = doc[step]
        else:
            if not isinstance(doc, dict) or step not in doc:
                return _MISSING
            doc = doc[step]
    return doc


def _number(text: str) -> float | None:
    try:
        value = float(text)
    except ValueError:
        return None
    return value if re.fullmatch(r"[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?", text) else None


def _wildcard(text: str) -> re.Pattern[str]:
    return re.compile(".*".join(re.escape(part) for part in text.split("*")), re.DOTALL)


def _comparison(op: str, token: tuple[str, str]) -> Callable[[Any], bool]:
    """A test of one resolved value against the literal `token`, as field values compare in AWS."""
    kind, raw = token
    if kind == "regex":
        if op not in ("=", "!="):
            raise FilterPatternError(f"Invalid filter pattern: regex values take = or !=, not {op}")
        regex = _regex(raw[1:-1])
        return lambda found: isinstance(found, str) and (regex.search(found) is not None) == (op == "=")
    if kind == "str":
        literal = _unescape(raw[1:-1])
        number = None
    elif kind == "word":
        literal = raw
        number = _number(raw)
    else:
        raise FilterPatternError(f"Invalid filter pattern: expected a value after {op}, got '{raw}'")
    if number is not None:
        return _numeric(op, number)
    if op not in ("=", "!="):
        raise FilterPatternError(f"Invalid filter pattern: {op} needs a numeric value, got '{raw}'")
    pattern = _wildcard(literal)
    want = op == "="

    def compare(found: Any) -> bool:
        if found is _MISSING or isinstance(found, dict | list) or found is None:
            return False
        text = _render(found)
        return (pattern.fullmatch(text) is not None) == want

    return compare


def _render(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _numeric(op: str, number: float) -> Callable[[Any], bool]:
    tests: dict[str, Callable[[float], bool]] = {
        "=": lambda v: v == number,
        "!=": lambda v: v != number,
        "<": lambda v: v < number,
        ">": lambda v: v > number,
        "<=": lambda v: v <= number,
        ">=": lambda v: v >= number,
    }
    test = tests[op]

    def compare(found: Any) -> bool:
        if isinstance(found, bool) or not isinstance(found, int | float):
            if isinstance(found, str) and _number(found) is not None:
                return test(float(found))
            return False
        return test(float(found))

    return compare


def _compile_json(text: str) -> Matcher:
    if not text.endswith("}"):
        raise FilterPatternError("Invalid filter pattern: a JSON pattern must end with '}'")
    node = _JsonParser(_tokens(text[1:-1])).parse()

    def match(message: str) -> bool:
        stripped = message.strip()
        if not stripped.startswith(("{", "[")):
            return False
        try:
            doc = json.loads(stripped)
        except ValueError:
            return False
        return node(doc)

    return match


# -- space-delimited patterns ----------------------------------------------------------------------

_FIELD = re.compile(
    r"^\s*(?P<name>[A-Za-z0-9_\-.]+|\.\.\.)\s*(?:(?P<op>!=|<=|>=|=|<|>)\s*(?P<value>.+?))?\s*$"
)
_MESSAGE_TOKEN = re.compile(r'"[^"]*"|\[[^\]]*\]|\S+')


def _compile_delimited(text: str) -> Matcher:
    if not text.endswith("]"):
        raise FilterPatternError("Invalid filter pattern: a space-delimited pattern must end with ']'")
    fields: list[tuple[bool, Callable[[str], bool] | None]] = []
    for part in _split_fields(text[1:-1]):
        m = _FIELD.match(part)
        if m is None:
            raise FilterPatternError(f"Invalid filter pattern: bad field '{part.strip()}'")
        if m.group("name") == "...":
            fields.append((True, None))
            continue
        test = None
        if m.group("op"):
            test = _field_test(m.group("op"), m.group("value"))
        fields.append((False, test))

    def match(message: str) -> bool:
        tokens = [t[1:-1] if t[:1] in '"[' and len(t) > 1 else t for t in _MESSAGE_TOKEN.findall(message)]
        return _match_fields(fields, 0, tokens, 0)

    return match


def _split_fields(body: str) -> list[str]:
    parts: list[str] = []
    current = ""
    quoted = False
    for ch in body:
        if ch == '"':
            quoted = not quoted
        if ch == "," and not quoted:
            parts.append(current)
            current = ""
        else:
            current += ch
    parts.append(current)
    return parts


def _field_test(op: str, raw: str) -> Callable[[str], bool]:
    raw = raw.strip()
    if raw.startswith('"') and raw.endswith('"') and len(raw) > 1:
        token = ("str", raw)
    elif raw.startswith("%") and raw.endswith("%") and len(raw) > 1:
        token = ("regex", raw)
    else:
        token = ("word", raw)
    compare = _comparison(op, token)
    return lambda value: compare(value)


def _match_fields(
    fields: list[tuple[bool, Callable[[str], bool] | None]], fi: int, tokens: list[str], ti: int
) -> bool:
    if fi == len(fields):
        return ti == len(tokens)
    ellipsis, test = fields[fi]
    if ellipsis:
        return any(_match_fields(fields, fi + 1, tokens, k) for k in range(ti, len(tokens) + 1))
    if ti >= len(tokens):
        return False
    if test is not None and not test(tokens[ti]):
        return False
    return _match_fields(fields, fi + 1, tokens, ti + 1)
