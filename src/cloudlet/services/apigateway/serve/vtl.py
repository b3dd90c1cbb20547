"""Mapping templates (Velocity) of REST APIs, rendered with airspeed.

`render(template, input, context, stage_variables)` evaluates a template with the variables of AWS's
reference: `$input` (`body`, `json(x)`, `path(x)`, `params()`, `params(x)`), `$util` (`escapeJavaScript`,
`parseJson`, `urlEncode`, `urlDecode`, `base64Encode`, `base64Decode`), `$context` (the dict the caller
gives, plus `requestOverride` / `responseOverride` that `#set` fills in) and `$stageVariables`.

As on AWS, a reference to nothing (a missing header, an absent JSON member, an unset variable) renders as
an empty string, and values print the way Java prints them (`true`, `{a=1}`, `[1, 2]`).
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any
from urllib.parse import quote_plus, unquote_plus

import airspeed

from cloudlet.services.apigateway.serve import vtl_jsonpath
from cloudlet.services.apigateway.serve.vtl_values import (
    JMap,
    JStr,
    Namespace,
    extend_airspeed,
    java_str,
    wrap,
)

extend_airspeed()


class TemplateError(Exception):
    """The template does not parse, or failed while rendering (AWS: "Execution failed due to
    configuration error: Unable to transform request" and a 500)."""


class InvalidJsonBody(TemplateError):
    """The template read the body as JSON (`$input.json`, `$input.path`) and it is not JSON. On AWS the
    request is answered 400 `{"message": "<this message>"}`."""


@dataclass
class Input:
    """What `$input` sees."""

    body: str
    path: dict[str, str] = field(default_factory=dict)
    querystring: dict[str, list[str]] = field(default_factory=dict)
    header: dict[str, list[str]] = field(default_factory=dict)
    """Names as sent."""


@dataclass
class Rendered:
    text: str
    request_override: dict
    """`{"header": {}, "querystring": {}, "path": {}}` from `$context.requestOverride.*`."""
    response_override: dict
    """`{"status": int | None, "header": {}}` from `$context.responseOverride.*`."""


def render(template: str, inp: Input, context: dict, stage_variables: dict) -> Rendered:
    compiled = _compile(template)
    request_override = JMap(header=JMap(), querystring=JMap(), path=JMap())
    response_override = JMap(status=None, header=JMap())
    ctx = wrap(context)
    ctx["requestOverride"] = request_override
    ctx["responseOverride"] = response_override
    namespace = Namespace(
        {
            "input": _InputVariable(inp),
            "util": _Util(),
            "context": ctx,
            "stageVariables": wrap(stage_variables or {}),
        }
    )
    try:
        text = compiled.merge(namespace)
    except airspeed.TemplateExecutionError as exc:
        cause = exc.__cause__
        while isinstance(cause, airspeed.TemplateExecutionError):
            cause = cause.__cause__
        if isinstance(cause, TemplateError):
            raise cause from None
        raise TemplateError(str(exc)) from exc
    except TemplateError:
        raise
    except Exception as exc:
        raise TemplateError(str(exc)) from exc
    return Rendered(
        text=text,
        request_override={
            "header": _strings(request_override.get("header")),
            "querystring": _strings(request_override.get("querystring")),
            "path": _strings(request_override.get("path")),
        },
        response_override={
            "status": _status(response_override.get("status")),
            "header": _strings(response_override.get("header")),
        },
    )


@lru_cache(maxsize=512)
def _compile(template: str) -> airspeed.Template:
    compiled = airspeed.Template(_quiet_references(template))
    try:
        compiled.ensure_compiled()
    except airspeed.TemplateError as exc:
        raise TemplateError(str(exc)) from exc
    return compiled


_REFERENCE = re.compile(r"(?<!\\)\$(?=\{?[A-Za-z_])")
_DIRECTIVE_TARGET = re.compile(r"(#\{?(?:set|foreach)\}?\s*\(\s*)\$!")
_MACRO_HEAD = re.compile(r"#\{?macro\}?\s*\([^)]*\)")


def _quiet_references(template: str) -> str:
    """`$x` → `$!x` (Velocity's quiet reference: nothing rather than the reference's own text when the
    value is null), except where a reference is a name being bound (`#set($x`, `#foreach($x`, macros)."""
    text = _REFERENCE.sub("$!", template)
    text = _DIRECTIVE_TARGET.sub(lambda m: m.group(1) + "$", text)
    return _MACRO_HEAD.sub(lambda m: m.group(0).replace("$!", "$"), text)


def _strings(values: Any) -> dict[str, str]:
    if not isinstance(values, dict):
        return {}
    return {str(k): java_str(v) for k, v in dict.items(values) if v is not None}


def _status(value: Any) -> int | None:
    if value is None or value == "":
        return None
    try:
        return int(str(value).strip())
    except ValueError:
        return None


# -- $input ------------------------------------------------------------------------------------------


_UNPARSED = object()


class _InputVariable:
    """`$input`: the request (or, in response templates, integration response) payload and the method
    request's parameters."""

    def __init__(self, inp: Input) -> None:
        self.body = JStr(inp.body or "")
        self._inp = inp
        self._document: Any = _UNPARSED

    def _json(self) -> Any:
        if self._document is _UNPARSED:
            text = self.body
            if text is None or not text.strip():
                self._document = {}
            else:
                try:
                    self._document = json.loads(text)
                except ValueError as exc:
                    raise InvalidJsonBody(_parse_message(text, exc)) from None
        return self._document

    def _select(self, path: Any) -> Any:
        try:
            return vtl_jsonpath.select(self._json(), java_str(path))
        except vtl_jsonpath.JsonPathError as exc:
            raise TemplateError(str(exc)) from None

    def json(self, path: Any) -> str:
        """The JSON text of what the JSONPath selects; empty when nothing is there."""
        value = self._select(path)
        if value is vtl_jsonpath.MISSING:
            return ""
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))

    def path(self, path: Any) -> Any:
        """What the JSONPath selects, as an object (map, list, string, number, boolean)."""
        value = self._select(path)
        return None if value is vtl_jsonpath.MISSING else wrap(value)

    def params(self, name: Any = None) -> Any:
        """No argument: `{path={...}, querystring={...}, header={...}}`; with a name: the value of that
        path, query string or header parameter (looked up in that order), or an empty string."""
        inp = self._inp
        if name is None:
            return JMap(
                path=wrap(dict(inp.path)),
                querystring=JMap((k, _last(v)) for k, v in inp.querystring.items()),
                header=JMap((k, _last(v)) for k, v in inp.header.items()),
            )
        name = java_str(name)
        if name in inp.path:
            return JStr(inp.path[name])
        if name in inp.querystring:
            return _last(inp.querystring[name])
        if name in inp.header:
            return _last(inp.header[name])
        lowered = name.lower()
        for key, values in inp.header.items():
            if key.lower() == lowered:
                return _last(values)
        return ""

    def __str__(self) -> str:
        return "{}"


def _last(values: Any) -> JStr:
    if isinstance(values, list | tuple):
        return JStr(values[-1] if values else "")
    return JStr("" if values is None else values)


def _parse_message(text: str, exc: ValueError) -> str:
    """Jackson-style wording of why a body is not JSON."""
    token = re.match(r"[^\s\[\]{}:,\"]*", text.strip()).group(0)  # type: ignore[union-attr]
    if token:
        detail = (
            f"Unrecognized token '{token[:256]}': was expecting (JSON String, Number, Array, Object or token "
            f"'null', 'true' or 'false')"
        )
    else:
        detail = str(exc)
    return f"Could not parse request body into json: Could not parse payload into json: {detail}"


# -- $util -------------------------------------------------------------------------------------------


class _Util:
    """`$util`."""

    @staticmethod
    def escapeJavaScript(value: Any) -> str:
        return JStr(escape_javascript(java_str(value)))

    @staticmethod
    def parseJson(value: Any) -> Any:
        try:
            return wrap(json.loads(java_str(value)))
        except ValueError as exc:
            raise TemplateError(f"Unable to parse JSON: {exc}") from None

    @staticmethod
    def urlEncode(value: Any) -> str:
        return JStr(url_encode(java_str(value)))

    @staticmethod
    def urlDecode(value: Any) -> str:
        return JStr(url_decode(java_str(value)))

    @staticmethod
    def base64Encode(value: Any) -> str:
        return JStr(base64.b64encode(java_str(value).encode()).decode())

    @staticmethod
    def base64Decode(value: Any) -> str:
        try:
            raw = base64.b64decode(java_str(value).encode(), validate=True)
        except (binascii.Error, ValueError) as exc:
            raise TemplateError(f"Illegal base64 input: {exc}") from None
        return JStr(raw.decode("utf-8", errors="replace"))

    def __str__(self) -> str:
        return "$util"


_JS_NAMED = {"\b": "\\b", "\n": "\\n", "\t": "\\t", "\f": "\\f", "\r": "\\r"}
_JS_QUOTED = {"'": "\\'", '"': '\\"', "\\": "\\\\", "/": "\\/"}


def escape_javascript(text: str) -> str:
    """JavaScript string rules (as Apache Commons' escapeJavaScript): quotes, backslash and `/` escaped,
    control characters as `\\n`-style or `\\u00XX`, everything outside ASCII as `\\uXXXX` (UTF-16 units)."""
    out: list[str] = []
    for ch in text:
        code = ord(ch)
        if 32 <= code <= 0x7F:
            out.append(_JS_QUOTED.get(ch, ch))
        elif ch in _JS_NAMED:
            out.append(_JS_NAMED[ch])
        elif code > 0xFFFF:
            units = ch.encode("utf-16-be")
            out.append(f"\\u{units[:2].hex().upper()}\\u{units[2:].hex().upper()}")
        else:
            out.append(f"\\u{code:04X}")
    return "".join(out)


def url_encode(text: str) -> str:
    """`java.net.URLEncoder.encode(text, "UTF-8")`: space as `+`, only `A-Za-z0-9.-*_` kept."""
    return quote_plus(text, safe="*").replace("~", "%7E")


def url_decode(text: str) -> str:
    """`java.net.URLDecoder.decode(text, "UTF-8")`."""
    return unquote_plus(text)


__all__ = ["Input", "InvalidJsonBody", "Rendered", "TemplateError", "render"]
