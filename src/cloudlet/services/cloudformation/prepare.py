"""Everything checked before a deployment starts: the template's structure, its transforms, parameter
values, capabilities, resource types and properties cloudlet supports (errors name the template line),
references, conditions and the dependency order."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from cloudlet.services.cloudformation import graph, sam
from cloudlet.services.cloudformation.errors import (
    InsufficientCapabilitiesException,
    format_error,
    template_error,
    validation,
)
from cloudlet.services.cloudformation.intrinsics import (
    IntrinsicError,
    Resolver,
    condition_names,
    references,
)
from cloudlet.services.cloudformation.providers import registry
from cloudlet.services.cloudformation.template import Template, is_logical_id

PSEUDO = frozenset(
    {
        "AWS::AccountId",
        "AWS::Region",
        "AWS::StackName",
        "AWS::StackId",
        "AWS::Partition",
        "AWS::URLSuffix",
        "AWS::NoValue",
        "AWS::NotificationARNs",
    }
)
RESOURCE_KEYS = frozenset(
    {
        "Type",
        "Properties",
        "DependsOn",
        "Condition",
        "Metadata",
        "DeletionPolicy",
        "UpdateReplacePolicy",
        "CreationPolicy",
        "UpdatePolicy",
        "Version",
    }
)
_PARAMETER_TYPES = frozenset({"String", "Number", "List<Number>", "CommaDelimitedList"})
_IAM_TYPES = frozenset(
    {
        "AWS::IAM::AccessKey",
        "AWS::IAM::Group",
        "AWS::IAM::InstanceProfile",
        "AWS::IAM::ManagedPolicy",
        "AWS::IAM::Policy",
        "AWS::IAM::Role",
        "AWS::IAM::User",
        "AWS::IAM::UserToGroupAddition",
    }
)
_IAM_NAMES = frozenset({"RoleName", "UserName", "GroupName", "ManagedPolicyName", "InstanceProfileName"})


def pseudo_parameters(
    account: str, region: str, stack_name: str, stack_id: str, notification_arns: list[str] | None = None
) -> dict[str, Any]:
    return {
        "AWS::AccountId": account,
        "AWS::Region": region,
        "AWS::StackName": stack_name,
        "AWS::StackId": stack_id,
        "AWS::Partition": "aws-cn" if region.startswith("cn-") else "aws",
        "AWS::URLSuffix": "amazonaws.com.cn" if region.startswith("cn-") else "amazonaws.com",
        "AWS::NotificationARNs": list(notification_arns or []),
    }


# -- parameters -------------------------------------------------------------------------------------


def _check_type(name: str, spec: dict[str, Any]) -> str:
    kind = spec.get("Type")
    if not isinstance(kind, str):
        raise format_error("Every Parameters object must contain a Type member.")
    if kind.startswith("AWS::SSM::Parameter::Value<"):
        raise validation(
            f"Parameter '{name}' has type {kind}: SSM parameter types are not supported by cloudlet "
            "(there is no SSM Parameter Store); use a String parameter"
        )
    if kind in _PARAMETER_TYPES or kind == "AWS::SSM::Parameter::Name":
        return kind
    inner = kind[5:-1] if kind.startswith("List<") and kind.endswith(">") else kind
    if re.fullmatch(r"AWS::EC2::[A-Za-z]+::[A-Za-z]+|AWS::Route53::HostedZone::Id", inner):
        return kind
    raise format_error(f"Unrecognized parameter type: {kind}")


def _is_list(kind: str) -> bool:
    return kind.startswith("List<") or kind == "CommaDelimitedList"


def _constraint(name: str, spec: dict[str, Any], default: str) -> Exception:
    description = spec.get("ConstraintDescription")
    if description:
        return validation(f"Parameter '{name}' failed to satisfy constraint: {description}")
    return validation(default)


def _validate_value(name: str, spec: dict[str, Any], kind: str, value: str) -> None:
    items = [item.strip() for item in value.split(",")] if _is_list(kind) else [value]
    numeric = kind in ("Number", "List<Number>")
    for item in items:
        if numeric:
            try:
                number = float(item)
            except ValueError:
                raise validation(f"Parameter '{name}' must be a number.") from None
            if "MinValue" in spec and number < float(spec["MinValue"]):
                raise _constraint(
                    name, spec, f"Parameter '{name}' must be a number not less than {spec['MinValue']}"
                )
            if "MaxValue" in spec and number > float(spec["MaxValue"]):
                raise _constraint(
                    name, spec, f"Parameter '{name}' must be a number not greater than {spec['MaxValue']}"
                )
        allowed = spec.get("AllowedValues")
        if isinstance(allowed, list) and item not in [str(a) for a in allowed]:
            raise _constraint(name, spec, f"Parameter '{name}' must be one of AllowedValues")
    if "AllowedPattern" in spec:
        try:
            matched = re.fullmatch(str(spec["AllowedPattern"]), value)
        except re.error:
            raise format_error(f"Parameter {name} has an invalid AllowedPattern") from None
        if not matched:
            raise _constraint(name, spec, f"Parameter '{name}' must match pattern {spec['AllowedPattern']}")
    for key in ("MinLength", "MaxLength", "MinValue", "MaxValue"):
        if key in spec:
            try:
                float(spec[key])
            except (TypeError, ValueError):
                raise format_error(f"Parameter {name} has an invalid {key}") from None
    if "MinLength" in spec and len(value) < int(spec["MinLength"]):
        raise _constraint(
            name, spec, f"Parameter '{name}' must contain at least {spec['MinLength']} characters"
        )
    if "MaxLength" in spec and len(value) > int(spec["MaxLength"]):
        raise _constraint(
            name, spec, f"Parameter '{name}' must contain at most {spec['MaxLength']} characters"
        )


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return ",".join(_text(item) for item in value)
    return str(value)


def declared_parameters(body: dict[str, Any]) -> dict[str, dict[str, Any]]:
    params = body.get("Parameters") or {}
    if not isinstance(params, dict):
        raise format_error("Parameters must be a mapping")
    for name, spec in params.items():
        if not isinstance(spec, dict):
            raise format_error(f"Parameter {name} must be a mapping")
        _check_type(name, spec)
    return params


def resolve_parameters(
    body: dict[str, Any],
    given: list[dict[str, Any]],
    previous: list[dict[str, Any]] | None = None,
) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """(the stack's Parameters as stored, {name: value for Ref}) from the template and the request."""
    declared = declared_parameters(body)
    supplied: dict[str, str] = {}
    old = {p["ParameterKey"]: p.get("ParameterValue", "") for p in previous or []}
    unknown = [p.get("ParameterKey") for p in given if p.get("ParameterKey") not in declared]
    if unknown:
        raise validation(f"Parameters: [{', '.join(str(u) for u in unknown)}] do not exist in the template")
    for item in given:
        key = item["ParameterKey"]
        if item.get("UsePreviousValue"):
            if "ParameterValue" in item:
                raise validation(
                    f"Invalid input for parameter key {key}. Cannot specify usePreviousValue as true and "
                    "non empty value for a parameter key"
                )
            if key not in old:
                raise validation(
                    f"Invalid input for parameter key {key}. Cannot specify usePreviousValue as true for a "
                    "parameter key not in the previous template"
                )
            supplied[key] = old[key]
        elif "ParameterValue" in item:
            supplied[key] = _text(item["ParameterValue"])
    missing = [name for name, spec in declared.items() if name not in supplied and "Default" not in spec]
    if missing:
        raise validation(f"Parameters: [{', '.join(missing)}] must have values")
    stored: list[dict[str, Any]] = []
    values: dict[str, Any] = {}
    for name, spec in declared.items():
        kind = _check_type(name, spec)
        value = supplied[name] if name in supplied else _text(spec["Default"])
        _validate_value(name, spec, kind, value)
        stored.append({"ParameterKey": name, "ParameterValue": value})
        values[name] = [item.strip() for item in value.split(",")] if _is_list(kind) else value
        if _is_list(kind) and value == "":
            values[name] = []
    return stored, values


# -- the plan ---------------------------------------------------------------------------------------


@dataclass
class Plan:
    template: Template
    processed: dict[str, Any]
    parameters: list[dict[str, Any]]
    values: dict[str, Any]
    conditions: dict[str, bool]
    order: list[str]
    """Logical ids of the resources to deploy (their Condition holds), in creation order."""
    capabilities: list[str] = field(default_factory=list)
    capabilities_reason: str | None = None


def process(template: Template, values: dict[str, Any], account: str, region: str) -> dict[str, Any]:
    """The template after its transforms (the Serverless transform; LanguageExtensions is built in)."""
    transforms = template.transforms
    for name in transforms:
        if name not in (sam.SERVERLESS, sam.LANGUAGE_EXTENSIONS):
            raise validation(
                f"Template format error: transform {name} is not supported by cloudlet "
                f"(supported: {sam.SERVERLESS}, {sam.LANGUAGE_EXTENSIONS})"
            )
    if sam.SERVERLESS in transforms:
        sam_values = {k: v for k, v in values.items()}
        return sam.transform(template.body, sam_values, region, account)
    return template.body


def required_capabilities(processed: dict[str, Any], transforms: list[str]) -> tuple[list[str], str | None]:
    types: list[str] = []
    named = False
    for definition in (processed.get("Resources") or {}).values():
        if isinstance(definition, dict) and definition.get("Type") in _IAM_TYPES:
            types.append(definition["Type"])
            props = definition.get("Properties") or {}
            if isinstance(props, dict) and any(name in props for name in _IAM_NAMES):
                named = True
    capabilities: list[str] = []
    reason = None
    if types:
        capabilities.append("CAPABILITY_NAMED_IAM" if named else "CAPABILITY_IAM")
        reason = f"The following resource(s) require capabilities: [{', '.join(sorted(set(types)))}]"
    if transforms:
        capabilities.append("CAPABILITY_AUTO_EXPAND")
        reason = reason or "The following resource(s) require capabilities: [AWS::Serverless-2016-10-31]"
    return capabilities, reason


def check_capabilities(plan: Plan, given: list[str], *, change_set: bool) -> None:
    have = set(given)
    missing = []
    for capability in plan.capabilities:
        if capability == "CAPABILITY_AUTO_EXPAND" and change_set:
            continue
        if capability == "CAPABILITY_IAM" and "CAPABILITY_NAMED_IAM" in have:
            continue
        if capability not in have:
            missing.append(capability)
    if missing:
        raise InsufficientCapabilitiesException(f"Requires capabilities : [{', '.join(missing)}]")


def _where(template: Template, *path: str) -> str:
    line = template.line(*path)
    return f" (line {line})" if line else ""


def check_resources(
    template: Template,
    processed: dict[str, Any],
    pseudo: dict[str, Any],
    values: dict[str, Any],
    *,
    evaluate: bool = True,
) -> Plan:
    """Check the processed template; the plan of what to deploy. Raises ValidationError naming the
    resource (and line) of the first problem."""
    resources = processed.get("Resources")
    if not isinstance(resources, dict) or not resources:
        raise format_error("At least one Resources member must be defined.")
    providers = registry()
    conditions_def = processed.get("Conditions") or {}
    mappings = processed.get("Mappings") or {}
    names = set(resources) | set(values) | PSEUDO
    for logical_id, definition in resources.items():
        if not is_logical_id(logical_id):
            raise format_error(f"Resource name {logical_id} is non alphanumeric.")
        if not isinstance(definition, dict) or not isinstance(definition.get("Type"), str):
            raise format_error(
                f"[/Resources/{logical_id}] Every Resources object must contain a Type member."
            )
        extra = sorted(set(definition) - RESOURCE_KEYS)
        if extra:
            raise format_error(f"[/Resources/{logical_id}] Invalid template resource property '{extra[0]}'")
        kind = definition["Type"]
        where = _where(template, "Resources", logical_id)
        provider = providers.get(kind)
        if provider is None:
            raise template_error(
                f"resource {logical_id}{where} has type {kind}, which cloudlet does not support"
            )
        props = definition.get("Properties") or {}
        if not isinstance(props, dict):
            raise template_error(f"resource {logical_id}{where}: Properties must be a mapping")
        if provider.properties is not None:
            for prop in props:
                if prop not in provider.properties:
                    at = _where(template, "Resources", logical_id, "Properties", prop)
                    raise template_error(
                        f"resource {logical_id}{where} has property {prop}{at}, which cloudlet does not "
                        f"support for {kind}"
                    )
        condition = definition.get("Condition")
        if condition is not None and condition not in conditions_def:
            raise format_error(
                f"Unresolved dependencies [{condition}]. Cannot find condition {condition} of resource "
                f"{logical_id}"
            )
        depends = definition.get("DependsOn")
        if depends is not None and not (
            isinstance(depends, str)
            or (isinstance(depends, list) and all(isinstance(d, str) for d in depends))
        ):
            raise format_error(f"DependsOn of resource {logical_id} must be a logical id or a list of them")
        for dep in [depends] if isinstance(depends, str) else depends or []:
            if dep not in resources:
                raise format_error(
                    f"Unresolved resource dependencies [{dep}] in the Resources block of the template"
                )
        _check_getatts(props, resources, providers, logical_id)
        unresolved = sorted(references(props) - names)
        if unresolved:
            raise format_error(
                f"Unresolved resource dependencies [{', '.join(unresolved)}] in the Resources block of the "
                "template"
            )
        for missing in sorted(condition_names(props) - set(conditions_def)):
            raise template_error(f"unresolved condition dependency {missing} in Fn::If")
    outputs = processed.get("Outputs") or {}
    for name, output in outputs.items():
        if not isinstance(output, dict) or "Value" not in output:
            raise format_error(
                f"Every Outputs member must contain a Value object, the Output {name} is missing the key "
                "Value."
            )
        if output.get("Condition") is not None and output["Condition"] not in conditions_def:
            raise format_error(
                f"Unresolved dependencies [{output['Condition']}]. Cannot find condition of output {name}"
            )
        unresolved = sorted(references(output) - names)
        if unresolved:
            raise format_error(
                f"Unresolved resource dependencies [{', '.join(unresolved)}] in the Outputs block of the "
                "template"
            )
        _check_getatts(output, resources, providers, name)
    resolver = Resolver(parameters=values, pseudo=pseudo, conditions=conditions_def, mappings=mappings)
    try:
        conditions = resolver.all_conditions()
    except IntrinsicError as exc:
        if evaluate:
            raise template_error(str(exc)) from None
        conditions = {name: True for name in conditions_def}
    active = {
        logical_id: definition
        for logical_id, definition in resources.items()
        if definition.get("Condition") is None or conditions[definition["Condition"]]
    }
    order = graph.order(active)
    capabilities, reason = required_capabilities(processed, template.transforms)
    return Plan(
        template=template,
        processed=processed,
        parameters=[],
        values=values,
        conditions=conditions,
        order=order,
        capabilities=capabilities,
        capabilities_reason=reason,
    )


def _check_getatts(value: Any, resources: dict[str, Any], providers: dict[str, Any], where: str) -> None:
    if isinstance(value, dict):
        if len(value) == 1 and "Fn::GetAtt" in value:
            arg = value["Fn::GetAtt"]
            if isinstance(arg, str):
                arg = arg.split(".", 1)
            if isinstance(arg, list) and len(arg) == 2 and isinstance(arg[0], str):
                target = resources.get(arg[0])
                if target is None:
                    raise template_error(f"instance of Fn::GetAtt references undefined resource {arg[0]}")
                provider = providers.get(target.get("Type"))
                known = provider.attributes if provider is not None else frozenset()
                if known and isinstance(arg[1], str) and arg[1] not in known:
                    raise template_error(
                        f"resource {arg[0]} does not support attribute type {arg[1]} in Fn::GetAtt"
                    )
            return
        if len(value) == 1 and "Fn::Sub" in value:
            from cloudlet.services.cloudformation.intrinsics import sub_variables

            arg = value["Fn::Sub"]
            text = arg if isinstance(arg, str) else arg[0] if isinstance(arg, list) and arg else ""
            local = arg[1] if isinstance(arg, list) and len(arg) > 1 and isinstance(arg[1], dict) else {}
            if isinstance(text, str):
                for var in sub_variables(text):
                    if "." in var and var not in local and not var.startswith("AWS::"):
                        _check_getatts({"Fn::GetAtt": var.split(".", 1)}, resources, providers, where)
        for item in value.values():
            _check_getatts(item, resources, providers, where)
    elif isinstance(value, list):
        for item in value:
            _check_getatts(item, resources, providers, where)


def check_rules(body: dict[str, Any], values: dict[str, Any], pseudo: dict[str, Any]) -> None:
    """Evaluate the template's Rules: a failed assertion is a ValidationError with its description."""
    rules = body.get("Rules")
    if rules is None:
        return
    if not isinstance(rules, dict):
        raise format_error("Rules must be a mapping")
    resolver = Resolver(parameters=values, pseudo=pseudo, conditions=body.get("Conditions") or {})
    for name, rule in rules.items():
        if not isinstance(rule, dict) or not isinstance(rule.get("Assertions"), list):
            raise format_error(
                f"Every Rules member must contain an Assertions list, the Rule {name} does not."
            )
        try:
            if "RuleCondition" in rule and not resolver._condition_value(rule["RuleCondition"]):
                continue
            for assertion in rule["Assertions"]:
                if not isinstance(assertion, dict) or "Assert" not in assertion:
                    raise format_error(f"Every assertion of Rule {name} must contain an Assert member.")
                if not resolver._condition_value(assertion["Assert"]):
                    description = assertion.get("AssertDescription")
                    raise validation(
                        str(description) if description else f"Template error: rule {name} failed"
                    )
        except IntrinsicError as exc:
            raise template_error(f"rule {name}: {exc}") from None


def plan(
    template: Template,
    given: list[dict[str, Any]],
    previous: list[dict[str, Any]] | None,
    pseudo: dict[str, Any],
) -> Plan:
    """Parameters, transforms and checks of one deployment request."""
    declared_parameters(template.body)
    stored, values = resolve_parameters(template.body, given, previous)
    check_rules(template.body, values, pseudo)
    processed = process(template, values, pseudo["AWS::AccountId"], pseudo["AWS::Region"])
    if processed is not template.body:
        stored, values = resolve_parameters(processed, given, previous)
    result = check_resources(template, processed, pseudo, values)
    result.parameters = stored
    return result
