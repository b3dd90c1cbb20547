"""Reading templates: JSON or YAML (with the `!Ref`/`!GetAtt`/`!Sub`... short forms), keeping the line
of every mapping key so that errors can name where a resource or property is.

`parse(text)` returns a `Template`: `body` is plain dicts and lists (mappings are `Located` dicts, which
carry `lines`: key → 1-based line), `line(*path)` finds the line of a key.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

import yaml

from cloudlet.services.cloudformation.errors import format_error

SECTIONS = frozenset(
    {
        "AWSTemplateFormatVersion",
        "Description",
        "Metadata",
        "Parameters",
        "Mappings",
        "Conditions",
        "Transform",
        "Resources",
        "Outputs",
        "Rules",
        "Hooks",
    }
)
MAX_BODY = 51_200
"""TemplateBody limit (bytes), as AWS; TemplateURL allows 1 MB."""
MAX_URL_BODY = 1_048_576

_SHORT_FORMS = frozenset(
    {
        "Ref",
        "Condition",
        "GetAtt",
        "Sub",
        "Join",
        "Select",
        "Split",
        "If",
        "Equals",
        "And",
        "Or",
        "Not",
        "FindInMap",
        "ImportValue",
        "GetAZs",
        "Base64",
        "Cidr",
        "Transform",
        "ToJsonString",
        "Length",
    }
)


class Located(dict[str, Any]):
    """A mapping read from a template, with the 1-based line of each of its keys (and its own)."""

    lines: dict[str, int]
    line: int | None

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.lines = {}
        self.line = None


class _Loader(yaml.SafeLoader):
    """Safe YAML without timestamps (a template's `2010-09-09` stays text), with short forms."""


_Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def _construct_mapping(loader: _Loader, node: yaml.MappingNode) -> Located:
    loader.flatten_mapping(node)
    out = Located()
    out.line = node.start_mark.line + 1
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if not isinstance(key, str):
            key = str(key)
        if key in out:
            raise yaml.constructor.ConstructorError(None, None, f"duplicate key {key!r}", key_node.start_mark)
        out[key] = loader.construct_object(value_node, deep=True)
        out.lines[key] = key_node.start_mark.line + 1
    return out


def _construct_short_form(loader: _Loader, suffix: str, node: yaml.Node) -> Any:
    if suffix not in _SHORT_FORMS:
        raise yaml.constructor.ConstructorError(None, None, f"unknown tag !{suffix}", node.start_mark)
    name = suffix if suffix in ("Ref", "Condition") else f"Fn::{suffix}"
    value: Any
    if isinstance(node, yaml.ScalarNode):
        value = loader.construct_scalar(node)
        if suffix == "GetAtt" and isinstance(value, str):
            value = value.split(".", 1)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = _construct_mapping(loader, node)  # type: ignore[arg-type]
    located = Located({name: value})
    located.line = node.start_mark.line + 1
    located.lines[name] = located.line
    return located


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)  # type: ignore[arg-type]
_Loader.add_multi_constructor("!", _construct_short_form)


@dataclass
class Template:
    body: dict[str, Any]
    text: str
    format: str
    """`JSON` or `YAML`."""

    def line(self, *path: str) -> int | None:
        """The line of the last key of `path` (`"Resources", "Queue", "Properties", "Name"`)."""
        node: Any = self.body
        line = None
        for key in path:
            if not isinstance(node, dict) or key not in node:
                return line
            line = getattr(node, "lines", {}).get(key, line)
            node = node[key]
        return line

    @property
    def resources(self) -> dict[str, Any]:
        resources = self.body.get("Resources")
        return resources if isinstance(resources, dict) else {}

    @property
    def transforms(self) -> list[str]:
        raw = self.body.get("Transform")
        if raw is None:
            return []
        items = raw if isinstance(raw, list) else [raw]
        return [item if isinstance(item, str) else str(item.get("Name", "")) for item in items]


def parse(text: str) -> Template:
    """Read a template body. Raises ValidationError "Template format error: ..." when it is not JSON
    or YAML, not a mapping, or has unknown sections."""
    stripped = text.lstrip()
    if stripped.startswith("{"):
        try:
            json.loads(text)
        except json.JSONDecodeError as exc:
            raise format_error(f"JSON not well-formed. (line {exc.lineno}, column {exc.colno})") from None
        try:
            body = yaml.load(text, Loader=_Loader)
        except yaml.YAMLError:
            body = json.loads(text, object_pairs_hook=Located)  # valid JSON PyYAML cannot read
        fmt = "JSON"
    else:
        try:
            body = yaml.load(text, Loader=_Loader)
        except yaml.MarkedYAMLError as exc:
            mark = exc.problem_mark or exc.context_mark
            where = f" (line {mark.line + 1}, column {mark.column + 1})" if mark else ""
            problem = exc.problem or "not well-formed"
            raise format_error(f"YAML not well-formed: {problem}.{where}") from None
        except yaml.YAMLError:
            raise format_error("YAML not well-formed.") from None
        fmt = "YAML"
    if not isinstance(body, dict):
        raise format_error("unsupported structure.")
    serverless = "AWS::Serverless-2016-10-31" in str(body.get("Transform", ""))
    unknown = sorted(key for key in body if key not in SECTIONS and not (key == "Globals" and serverless))
    if unknown:
        raise format_error(f"Invalid template property or properties [{', '.join(unknown)}]")
    for section in ("Parameters", "Mappings", "Conditions", "Outputs", "Rules", "Metadata", "Globals"):
        if section in body and body[section] is not None and not isinstance(body[section], dict):
            raise format_error(f"The {section} section must be a mapping.")
    transform = body.get("Transform")
    if transform is not None:
        items = transform if isinstance(transform, list) else [transform]
        if not all(
            isinstance(i, str) or (isinstance(i, dict) and isinstance(i.get("Name"), str)) for i in items
        ):
            raise format_error("Transform must be a transform name or a list of them.")
    version = body.get("AWSTemplateFormatVersion")
    if version is not None and str(version) != "2010-09-09":
        raise format_error(f"'{version}' is not a valid template version.")
    return Template(body, text, fmt)


def to_json(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), default=str)


_IDENT = re.compile(r"^[A-Za-z0-9]+$")


def is_logical_id(name: str) -> bool:
    """Logical ids are alphanumeric (A-Za-z0-9), as AWS requires."""
    return bool(_IDENT.match(name))
