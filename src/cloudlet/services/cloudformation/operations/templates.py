"""Template operations (GetTemplate, GetTemplateSummary, ValidateTemplate), exports and imports, stack
policies."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from cloudlet.services.cloudformation import store
from cloudlet.services.cloudformation.deploy import parameter_values
from cloudlet.services.cloudformation.errors import validation
from cloudlet.services.cloudformation.operations.common import find_stack, load_template
from cloudlet.services.cloudformation.prepare import (
    check_resources,
    declared_parameters,
    process,
    pseudo_parameters,
    required_capabilities,
)
from cloudlet.services.cloudformation.template import Template, parse

if TYPE_CHECKING:
    from cloudlet.gateway.context import RequestContext

__all__ = [
    "get_stack_policy",
    "get_template",
    "get_template_summary",
    "list_exports",
    "list_imports",
    "set_stack_policy",
    "validate_template",
]


def get_template(ctx: RequestContext, request: dict[str, Any]) -> dict[str, Any]:
    stage = request.get("TemplateStage") or "Original"
    if request.get("ChangeSetName"):
        from cloudlet.services.cloudformation.operations.changesets import _find

        found, _ = _find(
            ctx, {"ChangeSetName": request["ChangeSetName"], "StackName": request.get("StackName")}
        )
        text = found["request"]["template"]
        template = parse(text)
        if stage == "Processed":
            return {
                "TemplateBody": json.dumps(
                    process(
                        template,
                        parameter_values(template.body, found["request"]["stack_parameters"]),
                        ctx.account_id,
                        ctx.region,
                    )
                ),
                "StagesAvailable": ["Original", "Processed"],
            }
        return {"TemplateBody": text, "StagesAvailable": ["Original", "Processed"]}
    if not request.get("StackName"):
        raise validation("StackName or ChangeSetName must be specified.")
    stack = find_stack(ctx, request["StackName"])
    body = stack.template or ""
    if stage == "Processed":
        body = json.dumps(stack.processed or {}, indent=2) if stack.processed else body
    return {"TemplateBody": body, "StagesAvailable": ["Original", "Processed"]}


def _placeholders(body: dict[str, Any]) -> dict[str, Any]:
    """Parameter values for checking a template without values: defaults, else a dummy of the type."""
    values: dict[str, Any] = {}
    for name, spec in declared_parameters(body).items():
        kind = str(spec.get("Type"))
        default = spec.get("Default")
        if kind.startswith("List<") or kind == "CommaDelimitedList":
            values[name] = [p.strip() for p in str(default).split(",")] if default is not None else ["0"]
        elif default is not None:
            values[name] = str(default).lower() if isinstance(default, bool) else str(default)
        else:
            allowed = spec.get("AllowedValues")
            values[name] = str(allowed[0]) if isinstance(allowed, list) and allowed else "0"
    return values


def _parameter_list(body: dict[str, Any], summary: bool) -> list[dict[str, Any]]:
    out = []
    for name, spec in declared_parameters(body).items():
        item: dict[str, Any] = {
            "ParameterKey": name,
            "NoEcho": str(spec.get("NoEcho", "false")).lower() == "true",
        }
        if "Default" in spec:
            default = spec["Default"]
            item["DefaultValue"] = ",".join(map(str, default)) if isinstance(default, list) else str(default)
        if "Description" in spec:
            item["Description"] = str(spec["Description"])
        if summary:
            item["ParameterType"] = str(spec.get("Type"))
            if isinstance(spec.get("AllowedValues"), list):
                item["ParameterConstraints"] = {"AllowedValues": [str(v) for v in spec["AllowedValues"]]}
            else:
                item["ParameterConstraints"] = {}
        out.append(item)
    return out


def _checked(ctx: RequestContext, template: Template) -> tuple[dict[str, Any], list[str], str | None]:
    values = _placeholders(template.body)
    processed = process(template, values, ctx.account_id, ctx.region)
    pseudo = pseudo_parameters(
        ctx.account_id,
        ctx.region,
        "stack",
        f"arn:aws:cloudformation:{ctx.region}:{ctx.account_id}:stack/stack/0",
        [],
    )
    check_resources(template, processed, pseudo, _placeholders(processed) | values, evaluate=False)
    capabilities, reason = required_capabilities(processed, template.transforms)
    return processed, capabilities, reason


def validate_template(ctx: RequestContext, request: dict[str, Any]) -> dict[str, Any]:
    template = load_template(ctx, request)
    _, capabilities, reason = _checked(ctx, template)
    out: dict[str, Any] = {"Parameters": _parameter_list(template.body, summary=False)}
    description = template.body.get("Description")
    if isinstance(description, str):
        out["Description"] = description
    if capabilities:
        out["Capabilities"] = capabilities
        if reason:
            out["CapabilitiesReason"] = reason
    if template.transforms:
        out["DeclaredTransforms"] = template.transforms
    return out


def get_template_summary(ctx: RequestContext, request: dict[str, Any]) -> dict[str, Any]:
    if request.get("StackName"):
        if request.get("TemplateBody") is not None or request.get("TemplateURL") is not None:
            raise validation("Specify exactly one of TemplateBody, TemplateUrl or StackName.")
        stack = find_stack(ctx, request["StackName"])
        template = parse(stack.template or "{}")
        processed = stack.processed or template.body
        capabilities, reason = required_capabilities(processed, template.transforms)
    else:
        template = load_template(ctx, request)
        processed, capabilities, reason = _checked(ctx, template)
    resources = template.body.get("Resources") or {}
    types = sorted({str(r.get("Type")) for r in resources.values() if isinstance(r, dict)})
    out: dict[str, Any] = {
        "Parameters": _parameter_list(template.body, summary=True),
        "ResourceTypes": types,
        "Version": str(template.body.get("AWSTemplateFormatVersion", "2010-09-09")),
        "ResourceIdentifierSummaries": [],
    }
    description = template.body.get("Description")
    if isinstance(description, str):
        out["Description"] = description
    if capabilities:
        out["Capabilities"] = capabilities
        if reason:
            out["CapabilitiesReason"] = reason
    if "Metadata" in template.body:
        out["Metadata"] = json.dumps(template.body["Metadata"])
    if template.transforms:
        out["DeclaredTransforms"] = template.transforms
    return out


def list_exports(ctx: RequestContext, request: dict[str, Any]) -> dict[str, Any]:
    with ctx.app.db.read() as conn:
        exports = store.exports(conn, ctx.account_id, ctx.region)
    return {
        "Exports": [
            {"ExportingStackId": item["stack_id"], "Name": item["name"], "Value": item["value"]}
            for item in exports
        ]
    }


def list_imports(ctx: RequestContext, request: dict[str, Any]) -> dict[str, Any]:
    name = request["ExportName"]
    with ctx.app.db.read() as conn:
        if store.export(conn, ctx.account_id, ctx.region, name) is None:
            raise validation(f"Export '{name}' does not exist.")
        ids = store.importers(conn, ctx.account_id, ctx.region, name)
        names = [stack.name for stack in (store.stack_by_id(conn, i) for i in ids) if stack is not None]
    return {"Imports": names}


def get_stack_policy(ctx: RequestContext, request: dict[str, Any]) -> dict[str, Any]:
    stack = find_stack(ctx, request["StackName"])
    return {"StackPolicyBody": stack.policy} if stack.policy else {}


def set_stack_policy(ctx: RequestContext, request: dict[str, Any]) -> None:
    stack = find_stack(ctx, request["StackName"], deleted=False)
    body = request.get("StackPolicyBody")
    if body is None and request.get("StackPolicyURL"):
        from cloudlet.services.cloudformation.operations.common import template_text

        body = template_text(ctx, {"TemplateURL": request["StackPolicyURL"]})
    if body is not None:
        try:
            json.loads(body)
        except ValueError:
            raise validation("Error parsing stack policy: the policy is not valid JSON") from None
    stack.policy = body
    with ctx.app.db.transaction() as tx:
        store.save_stack(tx, stack)
