"""Dependency order of a template's resources: from Ref, Fn::GetAtt, Fn::Sub references and DependsOn."""

from __future__ import annotations

from typing import Any

from cloudlet.services.cloudformation.errors import validation
from cloudlet.services.cloudformation.intrinsics import references

__all__ = ["dependencies", "order", "reverse_order"]


def dependencies(resources: dict[str, Any]) -> dict[str, set[str]]:
    """{logical id: the logical ids of resources it needs created first}."""
    deps: dict[str, set[str]] = {}
    for logical_id, definition in resources.items():
        needed: set[str] = set()
        if isinstance(definition, dict):
            for key in ("Properties", "Metadata", "CreationPolicy", "UpdatePolicy"):
                if key in definition:
                    needed |= references(definition[key])
            depends_on = definition.get("DependsOn")
            if isinstance(depends_on, str):
                needed.add(depends_on)
            elif isinstance(depends_on, list):
                needed |= {item for item in depends_on if isinstance(item, str)}
        deps[logical_id] = {name for name in needed if name in resources and name != logical_id}
    return deps


def order(resources: dict[str, Any]) -> list[str]:
    """Logical ids in creation order (stable: template order among independent resources).
    Raises ValidationError "Circular dependency between resources: [...]"."""
    deps = dependencies(resources)
    done: set[str] = set()
    result: list[str] = []
    pending = list(resources)
    while pending:
        ready = [name for name in pending if deps[name] <= done]
        if not ready:
            raise validation(f"Circular dependency between resources: [{', '.join(sorted(pending))}]")
        for name in ready:
            done.add(name)
            result.append(name)
        pending = [name for name in pending if name not in done]
    return result


def reverse_order(resources: dict[str, Any], names: list[str]) -> list[str]:
    """`names` in deletion order (dependents first), by the dependencies `resources` declares;
    names without a definition go first."""
    known = {name: resources[name] for name in names if name in resources}
    try:
        forward = order(known)
    except Exception:
        forward = list(known)
    unknown = [name for name in names if name not in known]
    return unknown + list(reversed(forward))
