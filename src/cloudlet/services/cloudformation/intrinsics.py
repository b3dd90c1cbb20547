"""Intrinsic functions, conditions, pseudo parameters: `Resolver.resolve(value)` turns a template value
into plain JSON.

Resources are reached through callbacks (`ref`, `getatt`), exports through `import_value`: the resolver
itself holds no stack state. Errors raise `IntrinsicError` with AWS's wording (without the "Template
error: " prefix, which the caller adds where AWS does).
"""

from __future__ import annotations

import base64
import ipaddress
import json
import re
from collections.abc import Callable
from typing import Any

__all__ = [
    "NO_VALUE",
    "IntrinsicError",
    "Resolver",
    "azs",
    "condition_names",
    "references",
    "sub_variables",
]


class IntrinsicError(Exception):
    """A function could not be evaluated (bad arguments, unknown names)."""


class _NoValue:
    def __repr__(self) -> str:
        return "AWS::NoValue"


NO_VALUE: Any = _NoValue()
"""What `Ref: AWS::NoValue` yields: the enclosing property or list item is dropped."""

_SUB = re.compile(r"\$\{([^}]*)\}")
FUNCTIONS = frozenset(
    {
        "Ref",
        "Fn::GetAtt",
        "Fn::Sub",
        "Fn::Join",
        "Fn::Select",
        "Fn::Split",
        "Fn::If",
        "Fn::Equals",
        "Fn::And",
        "Fn::Or",
        "Fn::Not",
        "Fn::FindInMap",
        "Fn::ImportValue",
        "Fn::GetAZs",
        "Fn::Base64",
        "Fn::Cidr",
        "Fn::ToJsonString",
        "Fn::Length",
        "Fn::Transform",
        "Condition",
    }
)


_RULE_FUNCTIONS = frozenset({"Fn::Contains", "Fn::EachMemberEquals", "Fn::EachMemberIn"})


def azs(region: str) -> list[str]:
    """The Availability Zones cloudlet reports for `region`: a, b and c."""
    return [f"{region}{letter}" for letter in "abc"]


def _function(value: Any) -> tuple[str, Any] | None:
    """(name, argument) when `value` is a one-key mapping naming an intrinsic function."""
    if isinstance(value, dict) and len(value) == 1:
        ((name, arg),) = value.items()
        if name in FUNCTIONS and name != "Condition":
            return name, arg
    return None


def sub_variables(text: str) -> list[str]:
    """The `${Name}` / `${Res.Attr}` variables of an Fn::Sub string (not `${!Literal}`)."""
    return [m.group(1).strip() for m in _SUB.finditer(text) if not m.group(1).startswith("!")]


def references(value: Any) -> set[str]:
    """Names a value refers to through Ref, Fn::GetAtt and Fn::Sub (resources, parameters, pseudo)."""
    found: set[str] = set()

    def walk(node: Any) -> None:
        fn = _function(node)
        if fn is not None:
            name, arg = fn
            if name == "Ref" and isinstance(arg, str):
                found.add(arg)
                return
            if name == "Fn::GetAtt":
                if isinstance(arg, str):
                    found.add(arg.split(".", 1)[0])
                    return
                if isinstance(arg, list) and arg and isinstance(arg[0], str):
                    found.add(arg[0])
                    walk(arg[1:])
                    return
            if name == "Fn::Sub":
                text, variables = (arg, {}) if isinstance(arg, str) else (None, {})
                if isinstance(arg, list) and arg:
                    text = arg[0]
                    variables = arg[1] if len(arg) > 1 and isinstance(arg[1], dict) else {}
                    walk(variables)
                if isinstance(text, str):
                    for var in sub_variables(text):
                        if var not in variables:
                            found.add(var.split(".", 1)[0])
                return
        if isinstance(node, dict):
            for item in node.values():
                walk(item)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(value)
    return found


def condition_names(value: Any) -> set[str]:
    """Conditions named by Fn::If and `Condition` inside a value."""
    found: set[str] = set()

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if len(node) == 1:
                ((name, arg),) = node.items()
                if name == "Fn::If" and isinstance(arg, list) and arg and isinstance(arg[0], str):
                    found.add(arg[0])
                elif name == "Condition" and isinstance(arg, str):
                    found.add(arg)
            for item in node.values():
                walk(item)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(value)
    return found


def _text(value: Any, fn: str) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (str, int, float)):
        return str(value)
    raise IntrinsicError(f"every value of {fn} must be a string")


class Resolver:
    """Evaluates intrinsic functions of one template against parameters and resources."""

    def __init__(
        self,
        *,
        parameters: dict[str, Any],
        pseudo: dict[str, Any],
        conditions: dict[str, Any] | None = None,
        mappings: dict[str, Any] | None = None,
        ref: Callable[[str], Any] | None = None,
        getatt: Callable[[str, str], Any] | None = None,
        import_value: Callable[[str], Any] | None = None,
    ) -> None:
        self.parameters = parameters
        self.pseudo = pseudo
        self.condition_defs = conditions or {}
        self.mappings = mappings or {}
        self._ref = ref
        self._getatt = getatt
        self._import = import_value
        self._conditions: dict[str, bool] = {}
        self._evaluating: set[str] = set()

    # -- conditions ------------------------------------------------------------------------------

    def condition(self, name: str) -> bool:
        if name in self._conditions:
            return self._conditions[name]
        if name not in self.condition_defs:
            raise IntrinsicError(f"unresolved condition dependency {name}")
        if name in self._evaluating:
            raise IntrinsicError(
                f"Circular dependency between conditions: [{', '.join(sorted(self._evaluating))}]"
            )
        self._evaluating.add(name)
        try:
            value = self._condition_value(self.condition_defs[name])
        finally:
            self._evaluating.discard(name)
        self._conditions[name] = value
        return value

    def all_conditions(self) -> dict[str, bool]:
        return {name: self.condition(name) for name in self.condition_defs}

    def _condition_value(self, node: Any) -> bool:
        if isinstance(node, dict) and len(node) == 1:
            ((name, arg),) = node.items()
            if name == "Condition":
                return self.condition(arg)
            if name == "Fn::Equals":
                if not isinstance(arg, list) or len(arg) != 2:
                    raise IntrinsicError("Fn::Equals requires a list of two values")
                left, right = (self.resolve(item) for item in arg)
                return _comparable(left) == _comparable(right)
            if name in ("Fn::And", "Fn::Or"):
                if not isinstance(arg, list) or not 2 <= len(arg) <= 10:
                    raise IntrinsicError(f"{name} requires a list of 2 to 10 conditions")
                values = [self._condition_value(item) for item in arg]
                return all(values) if name == "Fn::And" else any(values)
            if name in _RULE_FUNCTIONS:
                if not isinstance(arg, list) or len(arg) != 2:
                    raise IntrinsicError(f"{name} requires a list of two values")
                left, right = (self.resolve(item) for item in arg)
                left = left if isinstance(left, list) else [left]
                if name == "Fn::Contains":
                    return _comparable(right) in [_comparable(item) for item in left]
                if name == "Fn::EachMemberEquals":
                    return all(_comparable(item) == _comparable(right) for item in left)
                allowed = [_comparable(item) for item in (right if isinstance(right, list) else [right])]
                return all(_comparable(item) in allowed for item in left)
            if name == "Fn::Not":
                if not isinstance(arg, list) or len(arg) != 1:
                    raise IntrinsicError("Fn::Not requires a list of one condition")
                return not self._condition_value(arg[0])
        value = self.resolve(node)
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.lower() in ("true", "false"):
            return value.lower() == "true"
        raise IntrinsicError("a condition must be Fn::Equals, Fn::And, Fn::Or, Fn::Not or Condition")

    # -- values ----------------------------------------------------------------------------------

    def resolve(self, value: Any) -> Any:
        fn = _function(value)
        if fn is not None:
            return self._call(*fn)
        if isinstance(value, dict):
            out: dict[str, Any] = {}
            for key, item in value.items():
                resolved = self.resolve(item)
                if resolved is not NO_VALUE:
                    out[key] = resolved
            return out
        if isinstance(value, list):
            return [item for item in (self.resolve(v) for v in value) if item is not NO_VALUE]
        return value

    def ref(self, name: str) -> Any:
        if name in self.parameters:
            return self.parameters[name]
        if name == "AWS::NoValue":
            return NO_VALUE
        if name in self.pseudo:
            return self.pseudo[name]
        if self._ref is None:
            raise IntrinsicError(
                f"Unresolved resource dependencies [{name}] in the Resources block of the template"
            )
        return self._ref(name)

    def _call(self, name: str, arg: Any) -> Any:
        method = getattr(self, "_fn_" + name.removeprefix("Fn::").lower())
        return method(arg)

    def _fn_ref(self, arg: Any) -> Any:
        if not isinstance(arg, str):
            arg = self.resolve(arg)
            if not isinstance(arg, str):
                raise IntrinsicError("Ref requires a string name")
        return self.ref(arg)

    def _fn_getatt(self, arg: Any) -> Any:
        if isinstance(arg, str):
            arg = arg.split(".", 1)
        if not isinstance(arg, list) or len(arg) != 2 or not isinstance(arg[0], str):
            raise IntrinsicError("Fn::GetAtt requires a list of a logical id and an attribute name")
        attribute = self.resolve(arg[1])
        if not isinstance(attribute, str):
            raise IntrinsicError("the attribute name of Fn::GetAtt must be a string")
        if self._getatt is None:
            raise IntrinsicError(f"instance of Fn::GetAtt references undefined resource {arg[0]}")
        return self._getatt(arg[0], attribute)

    def _fn_sub(self, arg: Any) -> str:
        variables: dict[str, Any] = {}
        if isinstance(arg, list):
            if len(arg) != 2 or not isinstance(arg[0], str) or not isinstance(arg[1], dict):
                raise IntrinsicError("Fn::Sub requires a string or a list of a string and a mapping")
            text = arg[0]
            variables = {key: self.resolve(value) for key, value in arg[1].items()}
        elif isinstance(arg, str):
            text = arg
        else:
            raise IntrinsicError("Fn::Sub requires a string or a list of a string and a mapping")

        def replace(match: re.Match[str]) -> str:
            body = match.group(1)
            if body.startswith("!"):
                return "${" + body[1:] + "}"
            name = body.strip()
            if name in variables:
                return _text(variables[name], "Fn::Sub")
            if "." in name and not name.startswith("AWS::"):
                resource, attribute = name.split(".", 1)
                if resource not in self.parameters:
                    return _text(self._fn_getatt([resource, attribute]), "Fn::Sub")
            value = self.ref(name)
            if isinstance(value, list):
                return ",".join(_text(item, "Fn::Sub") for item in value)
            return _text(value, "Fn::Sub")

        return _SUB.sub(replace, text)

    def _fn_join(self, arg: Any) -> str:
        if not isinstance(arg, list) or len(arg) != 2:
            raise IntrinsicError("Fn::Join requires a list of a delimiter and a list of values")
        delimiter = self.resolve(arg[0])
        items = self.resolve(arg[1])
        if not isinstance(delimiter, str) or not isinstance(items, list):
            raise IntrinsicError("Fn::Join requires a list of a delimiter and a list of values")
        return delimiter.join(_text(item, "Fn::Join") for item in items)

    def _fn_select(self, arg: Any) -> Any:
        if not isinstance(arg, list) or len(arg) != 2:
            raise IntrinsicError("Fn::Select requires a list of an index and a list of values")
        index, items = self.resolve(arg[0]), self.resolve(arg[1])
        try:
            position = int(index)
        except (TypeError, ValueError):
            raise IntrinsicError("Fn::Select requires an integer index") from None
        if not isinstance(items, list):
            raise IntrinsicError("Fn::Select requires a list of values")
        if not 0 <= position < len(items):
            raise IntrinsicError(f"Fn::Select cannot select nonexistent value at index {position}")
        return items[position]

    def _fn_split(self, arg: Any) -> list[str]:
        if not isinstance(arg, list) or len(arg) != 2:
            raise IntrinsicError("Fn::Split requires a list of a delimiter and a string")
        delimiter, text = self.resolve(arg[0]), self.resolve(arg[1])
        if not isinstance(delimiter, str) or not delimiter or not isinstance(text, str):
            raise IntrinsicError("Fn::Split requires a list of a delimiter and a string")
        return text.split(delimiter)

    def _fn_if(self, arg: Any) -> Any:
        if not isinstance(arg, list) or len(arg) != 3 or not isinstance(arg[0], str):
            raise IntrinsicError("Fn::If requires a list of a condition name and two values")
        try:
            chosen = self.condition(arg[0])
        except IntrinsicError as exc:
            if arg[0] not in self.condition_defs:
                raise IntrinsicError(f"unresolved condition dependency {arg[0]} in Fn::If") from exc
            raise
        return self.resolve(arg[1] if chosen else arg[2])

    def _fn_equals(self, arg: Any) -> bool:
        return self._condition_value({"Fn::Equals": arg})

    def _fn_and(self, arg: Any) -> bool:
        return self._condition_value({"Fn::And": arg})

    def _fn_or(self, arg: Any) -> bool:
        return self._condition_value({"Fn::Or": arg})

    def _fn_not(self, arg: Any) -> bool:
        return self._condition_value({"Fn::Not": arg})

    def _fn_findinmap(self, arg: Any) -> Any:
        if not isinstance(arg, list) or len(arg) not in (3, 4):
            raise IntrinsicError(
                "Fn::FindInMap requires a list of a map name, a top-level key and a second key"
            )
        default: Any = NO_VALUE
        if len(arg) == 4:
            option = arg[3]
            if not isinstance(option, dict) or "DefaultValue" not in option:
                raise IntrinsicError("the fourth item of Fn::FindInMap must be {DefaultValue: ...}")
            default = self.resolve(option["DefaultValue"])
        keys = [self.resolve(item) for item in arg[:3]]
        node: Any = self.mappings
        for key in keys:
            if not isinstance(node, dict) or str(key) not in node:
                if default is not NO_VALUE:
                    return default
                raise IntrinsicError(f"Unable to get mapping for {'::'.join(str(k) for k in keys)}")
            node = node[str(key)]
        return node

    def _fn_importvalue(self, arg: Any) -> Any:
        name = self.resolve(arg)
        if not isinstance(name, str):
            raise IntrinsicError("Fn::ImportValue requires an export name")
        if self._import is None:
            raise IntrinsicError(f"No export named {name} found.")
        return self._import(name)

    def _fn_getazs(self, arg: Any) -> list[str]:
        region = self.resolve(arg)
        if region in ("", None):
            region = self.pseudo.get("AWS::Region", "us-east-1")
        if not isinstance(region, str):
            raise IntrinsicError("Fn::GetAZs requires a region name")
        return azs(region)

    def _fn_base64(self, arg: Any) -> str:
        value = self.resolve(arg)
        return base64.b64encode(_text(value, "Fn::Base64").encode()).decode()

    def _fn_cidr(self, arg: Any) -> list[str]:
        if not isinstance(arg, list) or len(arg) != 3:
            raise IntrinsicError("Fn::Cidr requires a list of an address block, a count and a number of bits")
        block, count, bits = (self.resolve(item) for item in arg)
        try:
            network = ipaddress.ip_network(str(block), strict=False)
            count, bits = int(count), int(bits)
        except ValueError as exc:
            raise IntrinsicError(f"Fn::Cidr: {exc}") from None
        prefix = network.max_prefixlen - bits
        if prefix < network.prefixlen or not 1 <= count <= 256:
            raise IntrinsicError("Fn::Cidr: the block is too small for the requested subnets")
        subnets = []
        for subnet in network.subnets(new_prefix=prefix):
            subnets.append(str(subnet))
            if len(subnets) == count:
                break
        if len(subnets) < count:
            raise IntrinsicError("Fn::Cidr: the block is too small for the requested subnets")
        return subnets

    def _fn_tojsonstring(self, arg: Any) -> str:
        return json.dumps(self.resolve(arg), separators=(",", ":"))

    def _fn_length(self, arg: Any) -> int:
        value = self.resolve(arg)
        if not isinstance(value, list):
            raise IntrinsicError("Fn::Length requires a list")
        return len(value)

    def _fn_transform(self, arg: Any) -> Any:
        raise IntrinsicError("Fn::Transform (macros, AWS::Include) is not supported by cloudlet")


def _comparable(value: Any) -> Any:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(value)
    return value
