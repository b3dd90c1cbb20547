"""`cloudlet deploy`'s template preparation: find the template of a folder, and rewrite the local paths
`aws cloudformation package` would upload so the server can use them.

Functions whose code is a local folder run from that folder with hot reload (`{"Bucket": "hot-reload",
"Key": "/abs/path"}`); layers and zip files are uploaded to an artifacts bucket on cloudlet (by the
`upload` callback); local API definitions are inlined as `DefinitionBody`/`Body`.

A YAML template is edited in place, value by value, on its text: short-form tags (`!Ref`), comments,
`Transform` and every line number stay as written, so the server's errors name the user's lines.
A JSON template PyYAML cannot read (tabs) is rewritten through `json` instead.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

HOT_RELOAD_BUCKET = "hot-reload"
TEMPLATE_NAMES = ("template.yaml", "template.yml", "template.json")

Upload = Callable[[bytes, str], tuple[str, str]]
"""(content, file suffix) → (bucket, key) of the uploaded object."""


class TemplateError(Exception):
    """A template that cannot be prepared (the message says which file, resource and line)."""


@dataclass
class Prepared:
    body: str
    parameter_names: list[str]
    rewritten: list[str] = field(default_factory=list)
    """One line per rewritten path, e.g. `HelloFunction.CodeUri: ./src → hot reload from /abs/src`."""


def find_template(path: str | os.PathLike[str]) -> Path:
    """The template file: `path` itself, or `<folder>/template.yaml` (or `.yml`, `.json`)."""
    target = Path(path).expanduser().resolve()
    if target.is_dir():
        for name in TEMPLATE_NAMES:
            if (target / name).is_file():
                return target / name
        raise TemplateError(f"no template in {target} (looked for {', '.join(TEMPLATE_NAMES)})")
    if not target.is_file():
        raise TemplateError(f"no such template file or folder: {path}")
    return target


def default_stack_name(template: Path) -> str:
    """A stack name from the template's folder (`examples/feedback/template.yaml` → `feedback`)."""
    raw = template.parent.name or template.stem
    name = "".join(c if c.isalnum() or c == "-" else "-" for c in raw).strip("-")
    if not name or not name[0].isalpha():
        name = f"stack-{name}" if name else "stack"
    return name[:128]


# -- the rules: which property of which type is a local path, and what it becomes ----------------------


@dataclass(frozen=True)
class _Rule:
    kind: str
    """code (function code: hot reload or zip), zip (always uploaded), inline (document → new_key)."""
    bucket_key: tuple[str, str]
    """Member names of the S3 location the property takes."""
    new_key: str | None = None


_SAM_LOCATION = ("Bucket", "Key")
_CFN_LOCATION = ("S3Bucket", "S3Key")

_RULES: dict[tuple[str, str], _Rule] = {
    ("AWS::Serverless::Function", "CodeUri"): _Rule("code", _SAM_LOCATION),
    ("AWS::Lambda::Function", "Code"): _Rule("code", _CFN_LOCATION),
    ("AWS::Serverless::LayerVersion", "ContentUri"): _Rule("zip", _SAM_LOCATION),
    ("AWS::Lambda::LayerVersion", "Content"): _Rule("zip", _CFN_LOCATION),
    ("AWS::Serverless::Api", "DefinitionUri"): _Rule("inline", _SAM_LOCATION, "DefinitionBody"),
    ("AWS::Serverless::HttpApi", "DefinitionUri"): _Rule("inline", _SAM_LOCATION, "DefinitionBody"),
    ("AWS::ApiGateway::RestApi", "BodyS3Location"): _Rule("inline", _CFN_LOCATION, "Body"),
    ("AWS::ApiGatewayV2::Api", "BodyS3Location"): _Rule("inline", _CFN_LOCATION, "Body"),
}
_GLOBAL_RULES: dict[tuple[str, str], _Rule] = {
    ("Function", "CodeUri"): _Rule("code", _SAM_LOCATION),
}


@dataclass(frozen=True)
class _Site:
    """A local path found in the template."""

    owner: str
    """`Resources.<logical id>` or `Globals.Function`."""
    prop: str
    value: str
    line: int | None
    rule: _Rule


class _Rewriter:
    def __init__(self, base: Path, hot_reload: bool, upload: Upload) -> None:
        self.base = base
        self.hot_reload = hot_reload
        self.upload = upload
        self.notes: list[str] = []

    def replace(self, site: _Site) -> tuple[str, Any]:
        """The new (property name, value) of a local path."""
        path = (self.base / site.value).resolve()
        where = f"{site.prop} of {site.owner}" + (f" (line {site.line})" if site.line else "")
        if not path.exists():
            raise TemplateError(f"{where} refers to a file or folder that does not exist: {path}")
        bucket_member, key_member = site.rule.bucket_key
        if site.rule.kind == "inline":
            if not path.is_file():
                raise TemplateError(f"{where} must name a file (an OpenAPI definition): {path}")
            document = load_document(path)
            self.notes.append(f"{site.owner}.{site.prop}: {site.value} → inlined as {site.rule.new_key}")
            return site.rule.new_key or site.prop, document
        if site.rule.kind == "code" and self.hot_reload and path.is_dir():
            self.notes.append(f"{site.owner}.{site.prop}: {site.value} → hot reload from {path}")
            return site.prop, {bucket_member: HOT_RELOAD_BUCKET, key_member: str(path)}
        if path.is_dir():
            data = zip_folder(path)
        elif zipfile.is_zipfile(path):
            data = path.read_bytes()
        else:  # a single file is packaged on its own, as `aws cloudformation package` does
            data = zip_file(path)
        bucket, key = self.upload(data, ".zip")
        self.notes.append(f"{site.owner}.{site.prop}: {site.value} → s3://{bucket}/{key}")
        return site.prop, {bucket_member: bucket, key_member: key}


def is_local_path(value: Any) -> bool:
    return isinstance(value, str) and bool(value.strip()) and "://" not in value


def prepare(template: Path, hot_reload: bool, upload: Upload) -> Prepared:
    """The template's text with its local paths rewritten, and the names of its parameters."""
    try:
        text = template.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise TemplateError(f"cannot read {template}: {exc}") from None
    rewriter = _Rewriter(template.parent, hot_reload, upload)
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        if template.suffix.lower() != ".json":
            raise TemplateError(f"{template} is not valid YAML: {exc}") from None
        return _prepare_json(template, text, rewriter)
    if not isinstance(root, yaml.MappingNode):
        raise TemplateError(f"{template} is not a template: its top level must be a mapping")
    edits: list[tuple[int, int, str]] = []
    for site, key_node, value_node in _yaml_sites(root):
        new_key, new_value = rewriter.replace(site)
        _splice(edits, text, value_node, flow_json(new_value))
        if new_key != site.prop:
            _splice(edits, text, key_node, json.dumps(new_key))
    for start, end, replacement in sorted(edits, reverse=True):
        text = text[:start] + replacement + text[end:]
    parameters = _mapping(root).get("Parameters")
    names = [str(k.value) for k, _ in parameters.value] if isinstance(parameters, yaml.MappingNode) else []
    return Prepared(text, names, rewriter.notes)


def _splice(edits: list[tuple[int, int, str]], text: str, node: yaml.Node, replacement: str) -> None:
    """Replace a node's text, keeping the text after it on the line it was on."""
    start, end = node.start_mark.index, node.end_mark.index
    edits.append((start, end, replacement + "\n" * text.count("\n", start, end)))


def flow_json(value: Any) -> str:
    """`value` as one line of JSON, which YAML reads as a flow collection (the line breaks YAML knows
    but JSON does not are escaped)."""
    text = json.dumps(value, ensure_ascii=False)
    for char in ("\x85", "\u2028", "\u2029", "\ufeff"):
        text = text.replace(char, f"\\u{ord(char):04x}")
    return text


def _mapping(node: yaml.Node) -> dict[str, yaml.Node]:
    if not isinstance(node, yaml.MappingNode):
        return {}
    return {str(k.value): v for k, v in node.value if isinstance(k, yaml.ScalarNode)}


def _keys(node: yaml.Node) -> dict[str, yaml.Node]:
    if not isinstance(node, yaml.MappingNode):
        return {}
    return {str(k.value): k for k, _ in node.value if isinstance(k, yaml.ScalarNode)}


def _plain_string(node: yaml.Node) -> str | None:
    """A untagged string scalar (a `!Sub` or a number is never a local path)."""
    is_string = isinstance(node, yaml.ScalarNode) and node.tag == "tag:yaml.org,2002:str"
    if is_string and is_local_path(node.value):
        return str(node.value)
    return None


def _yaml_sites(root: yaml.MappingNode) -> list[tuple[_Site, yaml.Node, yaml.Node]]:
    found: list[tuple[_Site, yaml.Node, yaml.Node]] = []
    top = _mapping(root)
    for section, section_node in _mapping(top.get("Globals", yaml.ScalarNode("", ""))).items():
        props, keys = _mapping(section_node), _keys(section_node)
        for (kind, prop), rule in _GLOBAL_RULES.items():
            value = _plain_string(props[prop]) if kind == section and prop in props else None
            if value is not None:
                line = props[prop].start_mark.line + 1
                found.append((_Site(f"Globals.{section}", prop, value, line, rule), keys[prop], props[prop]))
    for logical_id, resource in _mapping(top.get("Resources", yaml.ScalarNode("", ""))).items():
        fields = _mapping(resource)
        type_node = fields.get("Type")
        if not isinstance(type_node, yaml.ScalarNode):
            continue
        props_node = fields.get("Properties", yaml.ScalarNode("", ""))
        props, keys = _mapping(props_node), _keys(props_node)
        for (kind, prop), rule in _RULES.items():
            value = _plain_string(props[prop]) if kind == type_node.value and prop in props else None
            if value is not None:
                line = props[prop].start_mark.line + 1
                site = _Site(f"Resources.{logical_id}", prop, value, line, rule)
                found.append((site, keys[prop], props[prop]))
    return found


def _prepare_json(template: Path, text: str, rewriter: _Rewriter) -> Prepared:
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise TemplateError(f"{template} is not valid JSON: {exc}") from None
    if not isinstance(document, dict):
        raise TemplateError(f"{template} is not a template: its top level must be an object")
    changed = False
    globals_ = document.get("Globals")
    for (section, prop), rule in _GLOBAL_RULES.items():
        holder = globals_.get(section) if isinstance(globals_, dict) else None
        if isinstance(holder, dict) and is_local_path(holder.get(prop)):
            _replace_in(holder, rewriter, _Site(f"Globals.{section}", prop, holder[prop], None, rule))
            changed = True
    resources = document.get("Resources")
    for logical_id, resource in (resources if isinstance(resources, dict) else {}).items():
        props = resource.get("Properties") if isinstance(resource, dict) else None
        if not isinstance(props, dict):
            continue
        for (kind, prop), rule in _RULES.items():
            if resource.get("Type") == kind and is_local_path(props.get(prop)):
                _replace_in(props, rewriter, _Site(f"Resources.{logical_id}", prop, props[prop], None, rule))
                changed = True
    parameters = document.get("Parameters")
    names = list(parameters) if isinstance(parameters, dict) else []
    body = json.dumps(document, indent=2, ensure_ascii=False) if changed else text
    return Prepared(body, names, rewriter.notes)


def _replace_in(holder: dict[str, Any], rewriter: _Rewriter, site: _Site) -> None:
    new_key, new_value = rewriter.replace(site)
    if new_key != site.prop:
        del holder[site.prop]
    holder[new_key] = new_value


# -- documents and archives ------------------------------------------------------------------------------


class _ShortFormLoader(yaml.SafeLoader):
    """YAML with CloudFormation's short forms read as their long JSON forms; dates stay strings."""


def _short_form(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> Any:
    if isinstance(node, yaml.ScalarNode):
        value: Any = loader.construct_scalar(node)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)  # type: ignore[arg-type]
    if suffix == "Ref" or suffix == "Condition":
        return {suffix: value}
    if suffix == "GetAtt" and isinstance(value, str):
        resource, _, attribute = value.partition(".")
        value = [resource, attribute]
    return {f"Fn::{suffix}": value}


_ShortFormLoader.add_multi_constructor("!", _short_form)
_ShortFormLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def load_document(path: Path) -> Any:
    """A JSON or YAML document (an OpenAPI definition), short-form tags read as intrinsic functions."""
    try:
        text = path.read_text(encoding="utf-8")
        document = yaml.load(text, Loader=_ShortFormLoader)
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        try:
            document = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, ValueError):
            raise TemplateError(f"cannot read {path}: {exc}") from None
    if isinstance(document, dict) and isinstance(document.get("swagger"), float):
        document["swagger"] = str(document["swagger"])  # `swagger: 2.0` is the version string "2.0"
    return document


_EPOCH = (1980, 1, 1, 0, 0, 0)
_SKIPPED_DIRS = {"__pycache__", ".git", ".aws-sam"}


def zip_folder(folder: Path) -> bytes:
    """The folder's files as a zip with fixed timestamps: the same files give the same bytes (so an
    unchanged folder makes no change to deploy)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for root, dirs, files in os.walk(folder, followlinks=True):
            dirs[:] = sorted(d for d in dirs if d not in _SKIPPED_DIRS)
            for name in sorted(files):
                full = Path(root) / name
                _add(archive, full, full.relative_to(folder).as_posix())
    return buffer.getvalue()


def zip_file(path: Path) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        _add(archive, path, path.name)
    return buffer.getvalue()


def _add(archive: zipfile.ZipFile, path: Path, name: str) -> None:
    info = zipfile.ZipInfo(name, date_time=_EPOCH)
    mode = 0o755 if os.access(path, os.X_OK) else 0o644
    info.external_attr = (0o100000 | mode) << 16
    info.compress_type = zipfile.ZIP_DEFLATED
    archive.writestr(info, path.read_bytes())


def content_key(data: bytes, suffix: str) -> str:
    return hashlib.sha256(data).hexdigest() + suffix
