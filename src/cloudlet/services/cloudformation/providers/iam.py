"""AWS::IAM::Role, ::Policy, ::ManagedPolicy, ::RolePolicy, ::InstanceProfile and ::User, stored only.

cloudlet serves no IAM API and enforces no permissions: these resources exist as the stack's resource
rows, so `Ref` and `Fn::GetAtt` resolve to what AWS would return (role names, ARNs as IAM forms them,
`AROA...`/`ANPA...` ids) and templates written for AWS deploy unchanged. Documents are checked for
shape (a policy document must be a JSON object) as CloudFormation's property validation does.
"""

from __future__ import annotations

import hashlib
import json
import re
import string
from typing import Any

from cloudlet.core.clock import iso8601
from cloudlet.services.cloudformation.providers import coerce
from cloudlet.services.cloudformation.providers.base import Context, Created, Provider, Resource

_NAME = re.compile(r"^[\w+=,.@-]+$")
_PATH = re.compile(r"^/([\x21-\x7e]*/)?$")


def _unique_id(resource: Resource, prefix: str) -> str:
    """An IAM unique id (`AROA` + 17 characters), stable for a stack's logical id."""
    digest = hashlib.sha256(f"{resource.stack_id}/{resource.logical_id}/{prefix}".encode()).digest()
    alphabet = string.ascii_uppercase + string.digits
    return prefix + "".join(alphabet[b % len(alphabet)] for b in digest[:17])


def _name(cx: Context, resource: Resource, prop: str, max_length: int) -> str:
    name = coerce.string(resource, prop)
    if name is None:
        return cx.physical_name(resource, max_length)
    if not 1 <= len(name) <= max_length or not _NAME.match(name):
        raise coerce.invalid(resource, f"#/{prop}: string [{name}] does not match pattern ^[\\w+=,.@-]+$")
    return name


def _path(resource: Resource) -> str:
    path = coerce.string(resource, "Path") or "/"
    if not _PATH.match(path) or len(path) > 512:
        raise coerce.invalid(resource, f"#/Path: string [{path}] does not match pattern ^/(.+/)?$")
    return path


def _policy_document(resource: Resource, name: str, value: Any, where: str) -> None:
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            value = None
    if not isinstance(value, dict):
        raise coerce.invalid(resource, f"#/{where}: expected type: JSONObject, found: {_kind(value)}")
    if "Statement" not in value:
        raise coerce.invalid(resource, f"#/{where}: required key [Statement] not found")


def _kind(value: Any) -> str:
    return "JSONArray" if isinstance(value, list) else "String" if value is None else type(value).__name__


def _inline_policies(resource: Resource) -> None:
    policies = resource.properties.get("Policies") or []
    if not isinstance(policies, list):
        raise coerce.invalid(resource, "#/Policies: expected type: JSONArray, found: JSONObject")
    for index, policy in enumerate(policies):
        if not isinstance(policy, dict) or "PolicyName" not in policy or "PolicyDocument" not in policy:
            raise coerce.invalid(
                resource, f"#/Policies/{index}: required key [PolicyDocument, PolicyName] not found"
            )
        _policy_document(
            resource, "PolicyDocument", policy["PolicyDocument"], f"Policies/{index}/PolicyDocument"
        )


def _arn(cx: Context, kind: str, path: str, name: str) -> str:
    return f"arn:aws:iam::{cx.account}:{kind}{path}{name}"


def _check_common(resource: Resource) -> None:
    _inline_policies(resource)
    coerce.strings(resource, "ManagedPolicyArns")
    coerce.tags(resource)


# --- roles ------------------------------------------------------------------------------------------


async def create_role(cx: Context, resource: Resource) -> Created:
    coerce.require(resource, "AssumeRolePolicyDocument")
    _policy_document(
        resource,
        "AssumeRolePolicyDocument",
        resource.properties["AssumeRolePolicyDocument"],
        "AssumeRolePolicyDocument",
    )
    _check_common(resource)
    duration = coerce.integer(resource, "MaxSessionDuration", 3600)
    assert duration is not None
    if not 3600 <= duration <= 43200:
        raise coerce.invalid(resource, f"#/MaxSessionDuration: {duration} is not in range [3600, 43200]")
    name = resource.physical_id or _name(cx, resource, "RoleName", 64)
    arn = _arn(cx, "role", _path(resource), name)
    role_id = resource.attributes.get("RoleId") or _unique_id(resource, "AROA")
    return Created(name, {"Arn": arn, "RoleId": role_id})


# --- policies ---------------------------------------------------------------------------------------


def _attach_lists(resource: Resource) -> None:
    for prop in ("Roles", "Users", "Groups"):
        coerce.strings(resource, prop)


async def create_policy(cx: Context, resource: Resource) -> Created:
    coerce.require(resource, "PolicyDocument", "PolicyName")
    _policy_document(resource, "PolicyDocument", resource.properties["PolicyDocument"], "PolicyDocument")
    _attach_lists(resource)
    if not any(resource.properties.get(prop) for prop in ("Roles", "Users", "Groups")):
        raise coerce.invalid(resource, "At least one of [Groups,Roles,Users] must be non-empty.")
    policy_id = resource.physical_id or cx.physical_name(resource, 64)
    return Created(policy_id, {"Id": policy_id})


async def create_role_policy(cx: Context, resource: Resource) -> Created:
    coerce.require(resource, "PolicyName", "RoleName")
    if resource.properties.get("PolicyDocument") is not None:
        _policy_document(resource, "PolicyDocument", resource.properties["PolicyDocument"], "PolicyDocument")
    name = coerce.string(resource, "PolicyName")
    assert name is not None
    return Created(resource.physical_id or name)


async def create_managed_policy(cx: Context, resource: Resource) -> Created:
    coerce.require(resource, "PolicyDocument")
    _policy_document(resource, "PolicyDocument", resource.properties["PolicyDocument"], "PolicyDocument")
    _attach_lists(resource)
    path = _path(resource)
    arn = resource.physical_id or _arn(cx, "policy", path, _name(cx, resource, "ManagedPolicyName", 128))
    now = iso8601(cx.app.clock.now())
    previous = resource.attributes
    version = int(str(previous.get("DefaultVersionId", "v0"))[1:]) + 1
    attachments = sum(len(resource.properties.get(prop) or []) for prop in ("Roles", "Users", "Groups"))
    attributes = {
        "PolicyArn": arn,
        "PolicyId": previous.get("PolicyId") or _unique_id(resource, "ANPA"),
        "AttachmentCount": attachments,
        "CreateDate": previous.get("CreateDate") or now,
        "UpdateDate": now,
        "DefaultVersionId": f"v{version}",
        "IsAttachable": True,
        "PermissionsBoundaryUsageCount": 0,
    }
    return Created(arn, attributes)


# --- instance profiles and users --------------------------------------------------------------------


async def create_instance_profile(cx: Context, resource: Resource) -> Created:
    coerce.require(resource, "Roles")
    roles = coerce.strings(resource, "Roles")
    if len(roles) > 1:
        raise coerce.invalid(resource, "#/Roles: expected maximum item count: 1, found: " + str(len(roles)))
    name = resource.physical_id or _name(cx, resource, "InstanceProfileName", 128)
    return Created(name, {"Arn": _arn(cx, "instance-profile", _path(resource), name)})


async def create_user(cx: Context, resource: Resource) -> Created:
    _check_common(resource)
    coerce.strings(resource, "Groups")
    name = resource.physical_id or _name(cx, resource, "UserName", 64)
    return Created(name, {"Arn": _arn(cx, "user", _path(resource), name)})


async def _nothing(cx: Context, resource: Resource) -> None:
    """Stored only: deleting the resource row is all there is."""


ROLE_PROPERTIES = frozenset(
    {
        "AssumeRolePolicyDocument",
        "Description",
        "ManagedPolicyArns",
        "MaxSessionDuration",
        "Path",
        "PermissionsBoundary",
        "Policies",
        "RoleName",
        "Tags",
    }
)

PROVIDERS: tuple[Provider, ...] = (
    Provider(
        "AWS::IAM::Role",
        create_role,
        _nothing,
        create_role,
        properties=ROLE_PROPERTIES,
        replace_on=frozenset({"Path", "RoleName"}),
        attributes=frozenset({"Arn", "RoleId"}),
    ),
    Provider(
        "AWS::IAM::Policy",
        create_policy,
        _nothing,
        create_policy,
        properties=frozenset({"Groups", "PolicyDocument", "PolicyName", "Roles", "Users"}),
        attributes=frozenset({"Id"}),
    ),
    Provider(
        "AWS::IAM::RolePolicy",
        create_role_policy,
        _nothing,
        create_role_policy,
        properties=frozenset({"PolicyDocument", "PolicyName", "RoleName"}),
        replace_on=frozenset({"PolicyName", "RoleName"}),
    ),
    Provider(
        "AWS::IAM::ManagedPolicy",
        create_managed_policy,
        _nothing,
        create_managed_policy,
        properties=frozenset(
            {"Description", "Groups", "ManagedPolicyName", "Path", "PolicyDocument", "Roles", "Users"}
        ),
        replace_on=frozenset({"Description", "ManagedPolicyName", "Path"}),
        attributes=frozenset(
            {
                "AttachmentCount",
                "CreateDate",
                "DefaultVersionId",
                "IsAttachable",
                "PermissionsBoundaryUsageCount",
                "PolicyArn",
                "PolicyId",
                "UpdateDate",
            }
        ),
    ),
    Provider(
        "AWS::IAM::InstanceProfile",
        create_instance_profile,
        _nothing,
        create_instance_profile,
        properties=frozenset({"InstanceProfileName", "Path", "Roles"}),
        replace_on=frozenset({"InstanceProfileName", "Path"}),
        attributes=frozenset({"Arn"}),
    ),
    Provider(
        "AWS::IAM::User",
        create_user,
        _nothing,
        create_user,
        properties=frozenset(
            {
                "Groups",
                "LoginProfile",
                "ManagedPolicyArns",
                "Path",
                "PermissionsBoundary",
                "Policies",
                "Tags",
                "UserName",
            }
        ),
        replace_on=frozenset({"UserName"}),
        attributes=frozenset({"Arn"}),
    ),
)
