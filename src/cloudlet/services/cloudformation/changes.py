"""What a change set would do: Add, Modify (with Replacement True/False/Conditional) and Remove, per
resource, computed from the stack's current resources and the new template."""

from __future__ import annotations

from typing import Any

from cloudlet.services.cloudformation.deploy import GONE, Deployment, parameter_values
from cloudlet.services.cloudformation.intrinsics import IntrinsicError, references
from cloudlet.services.cloudformation.prepare import Plan
from cloudlet.services.cloudformation.providers import registry
from cloudlet.services.cloudformation.update import changed_keys


def compute(deployment: Deployment, the_plan: Plan) -> list[dict[str, Any]]:
    """The `Changes` of a change set turning the deployment's stack into `the_plan`."""
    rows = {name: row for name, row in deployment.rows.items() if row.status not in GONE}
    saved_template, saved_values = deployment.template, deployment.values
    deployment.template = the_plan.processed
    deployment.values = the_plan.values or parameter_values(the_plan.processed, the_plan.parameters)
    resolver = deployment.resolver()
    definitions = the_plan.processed.get("Resources") or {}
    providers = registry()
    changes: list[dict[str, Any]] = []
    touched: set[str] = set()
    try:
        for name in the_plan.order:
            definition = definitions[name]
            kind = definition["Type"]
            row = rows.get(name)
            if row is None:
                changes.append(_change("Add", name, kind))
                touched.add(name)
                continue
            provider = providers.get(kind)
            declared = definition.get("Properties") or {}
            conditional = bool(references(declared) & touched)
            try:
                new = resolver.resolve(declared)
            except IntrinsicError:
                new, conditional = None, True
            if new is not None and new == row.properties and kind == row.type and not conditional:
                continue
            keys = changed_keys(row.properties, new) if new is not None else set()
            if conditional:
                keys |= {key for key, value in declared.items() if references(value) & touched}
            replace_on = provider.replace_on if provider is not None else frozenset()
            always = kind != row.type or (provider is not None and provider.update is None)
            details = []
            replacement = "False"
            for key in sorted(keys):
                recreate = "Always" if always or key in replace_on else "Never"
                if recreate == "Always":
                    replacement = "True"
                details.append(
                    {
                        "Target": {"Attribute": "Properties", "Name": key, "RequiresRecreation": recreate},
                        "Evaluation": "Dynamic" if conditional else "Static",
                        "ChangeSource": "ResourceReference" if conditional else "DirectModification",
                    }
                )
            if replacement == "False" and conditional:
                replacement = "Conditional"
            change = _change("Modify", name, kind, row.physical_id)
            change["ResourceChange"].update(
                {"Replacement": replacement, "Scope": ["Properties"], "Details": details}
            )
            changes.append(change)
            if replacement == "True":
                touched.add(name)
        wanted = set(the_plan.order)
        for name, row in rows.items():
            if name not in wanted:
                changes.append(_change("Remove", name, row.type, row.physical_id))
    finally:
        deployment.template, deployment.values = saved_template, saved_values
    return changes


def _change(action: str, logical_id: str, kind: str, physical_id: str | None = None) -> dict[str, Any]:
    change: dict[str, Any] = {
        "Action": action,
        "LogicalResourceId": logical_id,
        "ResourceType": kind,
        "Scope": [],
        "Details": [],
    }
    if physical_id is not None:
        change["PhysicalResourceId"] = physical_id
    return {"Type": "Resource", "ResourceChange": change}
