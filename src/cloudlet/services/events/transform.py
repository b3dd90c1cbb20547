"""What a target receives: the matched event as JSON, a constant `Input`, the part an `InputPath` selects,
or an `InputTransformer`'s template filled from the event (eb-transform-target-input.html).

Pure functions, no state. Template rules, as AWS documents and records them:
- a template starting with `{` or `[` is a JSON template: a placeholder outside a string is replaced by
  its value as JSON (a missing value is `null`); inside a string, by its raw text (strings unquoted and
  unescaped, a missing value empty). The result is minified when it parses as JSON.
- any other template is text: every placeholder is replaced by its raw text (quotes in the template
  stay, e.g. `"instance <id> is up"` delivers the quotes too).
- predefined: `aws.events.rule-arn`, `aws.events.rule-name`, `aws.events.event.ingestion-time`,
  `aws.events.event` (the event without `detail`) and `aws.events.event.json` (the whole event).
"""

from __future__ import annotations

import json
import re
from typing import Any

__all__ = ["MISSING", "evaluate_path", "event_json", "render", "render_template"]

MISSING: Any = object()
"""What `evaluate_path` returns when the path selects nothing."""

_NAME = re.compile(r"<([A-Za-z0-9_.\-]+)>")
_SEGMENT = re.compile(r"\.([^.\[\]]+)|\[(\d+|\*)\]|\['([^']*)'\]|\[\"([^\"]*)\"\]")


def event_json(event: dict[str, Any]) -> str:
    """The event as EventBridge delivers it: compact JSON, key order kept, non-ASCII unescaped."""
    return json.dumps(event, separators=(",", ":"), ensure_ascii=False)


def evaluate_path(document: Any, path: str) -> Any:
    """The value `path` selects in `document`, or MISSING.

    Supports the subset EventBridge documents: `$`, dot names (dashes, underscores, slashes), `['name']`,
    array indices `[0]` and wildcards (`[*]`, `.*`), which make the result a list of what matched.
    """
    path = path.strip()
    if not path.startswith("$"):
        return MISSING
    rest = path[1:]
    values = [document]
    wildcard = False
    position = 0
    while position < len(rest):
        match = _SEGMENT.match(rest, position)
        if match is None:
            return MISSING
        position = match.end()
        name, index, quoted, double = match.groups()
        key = name if name is not None else quoted if quoted is not None else double
        selected: list[Any] = []
        for value in values:
            if index == "*" or key == "*":
                wildcard = True
                if isinstance(value, list):
                    selected.extend(value)
                elif isinstance(value, dict):
                    selected.extend(value.values())
            elif index is not None:
                if isinstance(value, list) and int(index) < len(value):
                    selected.append(value[int(index)])
            elif isinstance(value, dict) and key in value:
                selected.append(value[key])
        values = selected
    if wildcard:
        return values if values else MISSING
    return values[0] if values else MISSING


def render(
    target: dict[str, Any], event: dict[str, Any], rule_arn: str, rule_name: str, ingestion_time: str
) -> str:
    """The payload (text) `target` receives for `event` matched by the rule `rule_arn`."""
    if target.get("Input") is not None:
        return str(target["Input"])
    if target.get("InputPath") is not None:
        found = evaluate_path(event, target["InputPath"])
        return "null" if found is MISSING else _json(found)
    transformer = target.get("InputTransformer")
    if transformer:
        values: dict[str, Any] = {}
        for name, path in (transformer.get("InputPathsMap") or {}).items():
            values[name] = evaluate_path(event, path)
        values.update(predefined(event, rule_arn, rule_name, ingestion_time))
        return render_template(transformer["InputTemplate"], values)
    return event_json(event)


def predefined(event: dict[str, Any], rule_arn: str, rule_name: str, ingestion_time: str) -> dict[str, Any]:
    """The reserved placeholders' values (`aws.events.event` has AWS's field names and no detail)."""
    summary = {
        "id": event.get("id"),
        "account": event.get("account"),
        "detailType": event.get("detail-type"),
        "time": ingestion_time,
        "source": event.get("source"),
        "region": event.get("region"),
        "resources": event.get("resources", []),
        "version": event.get("version"),
    }
    return {
        "aws.events.rule-arn": rule_arn,
        "aws.events.rule-name": rule_name,
        "aws.events.event.ingestion-time": ingestion_time,
        "aws.events.event": summary,
        "aws.events.event.json": event,
    }


def render_template(template: str, values: dict[str, Any]) -> str:
    """Fill `template`'s `<name>` placeholders from `values` (MISSING or absent names: see module doc).

    Placeholders naming nothing in `values` stay as written.
    """
    stripped = template.lstrip()
    if not stripped.startswith(("{", "[")):
        return _NAME.sub(lambda m: _raw(values[m.group(1)]) if m.group(1) in values else m.group(0), template)
    out: list[str] = []
    in_string = False
    position = 0
    length = len(template)
    while position < length:
        char = template[position]
        if in_string and char == "\\" and position + 1 < length:
            out.append(template[position : position + 2])
            position += 2
            continue
        if char == '"':
            in_string = not in_string
        elif char == "<":
            match = _NAME.match(template, position)
            if match is not None and match.group(1) in values:
                value = values[match.group(1)]
                out.append(_raw(value) if in_string else _as_json(value))
                position = match.end()
                continue
        out.append(char)
        position += 1
    text = "".join(out)
    try:
        return _json(json.loads(text))
    except ValueError:
        return text


def _raw(value: Any) -> str:
    if value is MISSING:
        return ""
    if isinstance(value, str):
        return value
    return _json(value)


def _as_json(value: Any) -> str:
    return "null" if value is MISSING else _json(value)


def _json(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)
