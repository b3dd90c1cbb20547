"""What every CloudFormation operation needs: the service state, finding stacks, reading templates,
and the output shapes of stacks, resources and events."""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urlparse

from cloudlet.core import ids
from cloudlet.protocol.errors import ServiceError
from cloudlet.services.cloudformation import store
from cloudlet.services.cloudformation.errors import stack_not_found, validation
from cloudlet.services.cloudformation.store import ResourceRow, Stack
from cloudlet.services.cloudformation.template import MAX_BODY, MAX_URL_BODY, Template, parse

if TYPE_CHECKING:
    from cloudlet.gateway.context import RequestContext
    from cloudlet.services.cloudformation.engine import CloudFormation

__all__: list[str] = []

_STACK_NAME = re.compile(r"[a-zA-Z][-a-zA-Z0-9]*")
UPDATABLE = frozenset({"CREATE_COMPLETE", "UPDATE_COMPLETE", "UPDATE_ROLLBACK_COMPLETE", "IMPORT_COMPLETE"})


def state(ctx: RequestContext) -> CloudFormation:
    cf: CloudFormation = ctx.app.service("cloudformation").state
    return cf


def check_stack_name(name: str) -> None:
    if len(name) > 128 or not _STACK_NAME.fullmatch(name):
        raise validation(
            f"1 validation error detected: Value '{name}' at 'stackName' failed to satisfy constraint: "
            "Member "
            "must satisfy regular expression pattern: [a-zA-Z][-a-zA-Z0-9]*|arn:[-a-zA-Z0-9:/._+]*"
        )


def new_stack_id(ctx: RequestContext, name: str) -> str:
    return f"arn:aws:cloudformation:{ctx.region}:{ctx.account_id}:stack/{name}/{ids.uuid4()}"


def new_change_set_id(ctx: RequestContext, name: str) -> str:
    return f"arn:aws:cloudformation:{ctx.region}:{ctx.account_id}:changeSet/{name}/{ids.uuid4()}"


def find_stack(ctx: RequestContext, name: str, *, deleted: bool = True) -> Stack:
    """The stack `name` (a name: the live one; an id: any, deleted included when `deleted`)."""
    with ctx.app.db.read() as conn:
        if name.startswith("arn:"):
            stack = store.stack_by_id(conn, name)
            if stack is not None and (stack.account != ctx.account_id or stack.region != ctx.region):
                stack = None
            if stack is not None and not deleted and stack.status == "DELETE_COMPLETE":
                stack = None
        else:
            stack = store.live_stack_by_name(conn, ctx.account_id, ctx.region, name)
    if stack is None:
        raise stack_not_found(name)
    return stack


# -- templates --------------------------------------------------------------------------------------


def _s3_location(url: str) -> tuple[str, str]:
    parsed = urlparse(url)
    host = (parsed.hostname or "").lower()
    path = unquote(parsed.path).lstrip("/")
    match = re.match(
        r"^(.+?)\.s3([.-][a-z0-9-]+)?\.(amazonaws\.com(\.cn)?|localhost\.localstack\.cloud)$", host
    )
    if match and not host.startswith("s3."):
        return match.group(1), path
    bucket, _, key = path.partition("/")
    return bucket, key


def template_text(ctx: RequestContext, request: dict[str, Any], *, required: bool = True) -> str | None:
    """The template of a request: `TemplateBody`, or the S3 object `TemplateURL` names."""
    body, url = request.get("TemplateBody"), request.get("TemplateURL")
    if body is not None and url is not None:
        raise validation("Specify exactly one of TemplateBody or TemplateUrl.")
    if body is not None:
        if len(body.encode()) > MAX_BODY:
            raise validation(
                "1 validation error detected: Value at 'templateBody' failed to satisfy constraint: "
                "Member must "
                f"have length less than or equal to {MAX_BODY}"
            )
        return str(body)
    if url is not None:
        if not re.match(r"^https?://", url):
            raise validation("TemplateURL must be a supported URL.")
        bucket, key = _s3_location(url)
        if not bucket or not key:
            raise validation("TemplateURL must be a supported URL.")
        from cloudlet.services.s3.api import read_object

        try:
            data = read_object(ctx.app, bucket, key)
        except ServiceError as exc:
            raise validation(f"S3 error: {exc.message or exc.code}") from None
        if len(data) > MAX_URL_BODY:
            raise validation("Template format error: the template may not be larger than 1 MB")
        try:
            return data.decode()
        except UnicodeDecodeError:
            raise validation("Template format error: the template is not UTF-8 text") from None
    if required:
        raise validation("Either Template URL or Template Body must be specified.")
    return None


def load_template(ctx: RequestContext, request: dict[str, Any]) -> Template:
    text = template_text(ctx, request)
    assert text is not None
    return parse(text)


# -- output shapes ----------------------------------------------------------------------------------


def stack_parameters(stack: Stack) -> list[dict[str, Any]]:
    declared = (stack.processed or {}).get("Parameters") or {}
    out = []
    for item in stack.parameters:
        spec = declared.get(item["ParameterKey"]) or {}
        value = item.get("ParameterValue", "")
        if str(spec.get("NoEcho", "false")).lower() == "true":
            value = "****"
        out.append({"ParameterKey": item["ParameterKey"], "ParameterValue": value})
    return out


def stack_shape(stack: Stack) -> dict[str, Any]:
    out: dict[str, Any] = {
        "StackId": stack.stack_id,
        "StackName": stack.name,
        "CreationTime": stack.created_at,
        "StackStatus": stack.status,
        "DisableRollback": stack.disable_rollback,
        "NotificationARNs": stack.notification_arns,
        "Capabilities": stack.capabilities,
        "Tags": stack.tags,
        "EnableTerminationProtection": stack.termination_protection,
        "DriftInformation": {"StackDriftStatus": "NOT_CHECKED"},
        "RollbackConfiguration": {},
    }
    if stack.parameters:
        out["Parameters"] = stack_parameters(stack)
    if stack.outputs:
        out["Outputs"] = stack.outputs
    optional = {
        "ChangeSetId": stack.change_set_id,
        "Description": stack.description,
        "StackStatusReason": stack.status_reason,
        "LastUpdatedTime": stack.updated_at,
        "DeletionTime": stack.deleted_at,
        "TimeoutInMinutes": stack.timeout,
        "RoleARN": stack.role_arn,
    }
    out.update({key: value for key, value in optional.items() if value is not None})
    return out


def summary_shape(stack: Stack) -> dict[str, Any]:
    out: dict[str, Any] = {
        "StackId": stack.stack_id,
        "StackName": stack.name,
        "CreationTime": stack.created_at,
        "StackStatus": stack.status,
        "DriftInformation": {"StackDriftStatus": "NOT_CHECKED"},
    }
    optional = {
        "TemplateDescription": stack.description,
        "StackStatusReason": stack.status_reason,
        "LastUpdatedTime": stack.updated_at,
        "DeletionTime": stack.deleted_at,
    }
    out.update({key: value for key, value in optional.items() if value is not None})
    return out


def resource_shape(
    stack: Stack, row: ResourceRow, *, detail: bool = False, summary: bool = False
) -> dict[str, Any]:
    out: dict[str, Any] = {
        "LogicalResourceId": row.logical_id,
        "ResourceType": row.type,
        "ResourceStatus": row.status,
        "DriftInformation": {"StackResourceDriftStatus": "NOT_CHECKED"},
    }
    if not summary:
        out["StackName"] = stack.name
        out["StackId"] = stack.stack_id
    out["LastUpdatedTimestamp" if detail or summary else "Timestamp"] = row.updated_at
    if row.physical_id is not None:
        out["PhysicalResourceId"] = row.physical_id
    if row.status_reason:
        out["ResourceStatusReason"] = row.status_reason
    if detail:
        definition = ((stack.processed or {}).get("Resources") or {}).get(row.logical_id) or {}
        if "Metadata" in definition:
            out["Metadata"] = json.dumps(definition["Metadata"])
    return out


def event_shape(stack: Stack, event: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {
        "StackId": stack.stack_id,
        "EventId": event["event_id"],
        "StackName": stack.name,
        "LogicalResourceId": event["logical_id"],
        "ResourceType": event["type"],
        "Timestamp": event["timestamp"],
        "ResourceStatus": event["status"],
    }
    if event["physical_id"] is not None:
        out["PhysicalResourceId"] = event["physical_id"]
    if event["reason"]:
        out["ResourceStatusReason"] = event["reason"]
    if event["properties"]:
        out["ResourceProperties"] = event["properties"]
    if event["client_token"]:
        out["ClientRequestToken"] = event["client_token"]
    return out
