"""Change set operations: create (computing Add/Modify/Remove), describe, list, execute, delete."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from cloudlet.core import ids
from cloudlet.services.cloudformation import changes, store
from cloudlet.services.cloudformation.deploy import Deployment
from cloudlet.services.cloudformation.errors import (
    AlreadyExistsException,
    ChangeSetNotFoundException,
    InvalidChangeSetStatusException,
    validation,
)
from cloudlet.services.cloudformation.operations.common import (
    UPDATABLE,
    check_stack_name,
    find_stack,
    load_template,
    new_change_set_id,
    new_stack_id,
    state,
)
from cloudlet.services.cloudformation.prepare import check_capabilities, plan, pseudo_parameters
from cloudlet.services.cloudformation.store import Stack
from cloudlet.services.cloudformation.template import parse
from cloudlet.services.cloudformation.update import Update

if TYPE_CHECKING:
    from cloudlet.gateway.context import RequestContext

__all__ = [
    "create_change_set",
    "delete_change_set",
    "describe_change_set",
    "execute_change_set",
    "list_change_sets",
]

NO_CHANGES = (
    "The submitted information didn't contain changes. Submit different information to create a change set."
)
_NAME = re.compile(r"[a-zA-Z][-a-zA-Z0-9]*")


def _stack_event(cf: Any, stack: Stack, reason: str | None) -> None:
    with cf.db.transaction() as tx:
        store.save_stack(tx, stack)
        store.add_event(
            tx,
            stack.stack_id,
            {
                "event_id": ids.uuid4(),
                "logical_id": stack.name,
                "physical_id": stack.stack_id,
                "type": "AWS::CloudFormation::Stack",
                "status": stack.status,
                "reason": reason,
                "properties": None,
                "client_token": None,
                "timestamp": cf.clock.now(),
            },
        )


def create_change_set(ctx: RequestContext, request: dict[str, Any]) -> dict[str, Any]:
    cf = state(ctx)
    name, stack_name = request["ChangeSetName"], request["StackName"]
    if len(name) > 128 or not _NAME.fullmatch(name):
        raise validation(
            f"1 validation error detected: Value '{name}' at 'changeSetName' failed to satisfy constraint: "
            "Member "
            "must satisfy regular expression pattern: [a-zA-Z][-a-zA-Z0-9]*"
        )
    kind = request.get("ChangeSetType") or "UPDATE"
    if kind == "IMPORT":
        raise validation("ChangeSetType IMPORT (importing existing resources) is not supported by cloudlet")
    with ctx.app.db.read() as conn:
        stack = (
            find_stack(ctx, stack_name, deleted=False)
            if stack_name.startswith("arn:")
            else store.live_stack_by_name(conn, ctx.account_id, ctx.region, stack_name)
        )
    if kind == "CREATE":
        if stack is not None and stack.status != "REVIEW_IN_PROGRESS":
            raise AlreadyExistsException(
                f"Stack [{stack_name}] already exists and cannot be created again with the changeSet "
                f"[{name}]."
            )
        check_stack_name(stack_name)
    else:
        if stack is None:
            raise validation(f"Stack [{stack_name}] does not exist")
        if stack.status == "REVIEW_IN_PROGRESS":
            raise validation(f"Stack [{stack_name}] does not exist")
        if stack.status not in UPDATABLE:
            raise validation(f"Stack:{stack.stack_id} is in {stack.status} state and can not be updated.")
    if stack is not None:
        with ctx.app.db.read() as conn:
            if store.change_set_by_name(conn, stack.stack_id, name) is not None:
                raise AlreadyExistsException(f"ChangeSet [{name}] already exists")
    if request.get("UsePreviousTemplate"):
        if stack is None or kind == "CREATE":
            raise validation("UsePreviousTemplate cannot be used when creating a stack")
        text = stack.template or "{}"
        template = parse(text)
    else:
        template = load_template(ctx, request)
    stack_id = stack.stack_id if stack is not None else new_stack_id(ctx, stack_name)
    notification_arns = list(
        request["NotificationARNs"]
        if request.get("NotificationARNs") is not None
        else (stack.notification_arns if stack is not None else [])
    )
    pseudo = pseudo_parameters(
        ctx.account_id,
        ctx.region,
        stack_name.split("/")[-2] if stack_name.startswith("arn:") else stack_name,
        stack_id,
        notification_arns,
    )
    previous = stack.parameters if stack is not None and kind == "UPDATE" else None
    the_plan = plan(template, list(request.get("Parameters") or []), previous, pseudo)
    capabilities = list(request.get("Capabilities") or [])
    check_capabilities(the_plan, capabilities, change_set=True)
    if stack is None:
        stack = Stack(
            stack_id=stack_id,
            name=stack_name,
            account=ctx.account_id,
            region=ctx.region,
            status="REVIEW_IN_PROGRESS",
            created_at=cf.clock.now(),
            notification_arns=notification_arns,
            tags=list(request.get("Tags") or []),
        )
        _stack_event(cf, stack, "User Initiated")
    deployment = Deployment(cf, stack)
    found = changes.compute(deployment, the_plan)
    tags = list(request["Tags"]) if request.get("Tags") is not None else stack.tags
    status, reason, execution = "CREATE_COMPLETE", None, "AVAILABLE"
    if (
        kind == "UPDATE"
        and not found
        and the_plan.processed == stack.processed
        and (the_plan.parameters == stack.parameters and tags == stack.tags)
    ):
        status, reason, execution = "FAILED", NO_CHANGES, "UNAVAILABLE"
    change_set_id = new_change_set_id(ctx, name)
    with ctx.app.db.transaction() as tx:
        store.save_change_set(
            tx,
            {
                "id": change_set_id,
                "name": name,
                "stack_id": stack_id,
                "type": kind,
                "status": status,
                "status_reason": reason,
                "execution_status": execution,
                "description": request.get("Description"),
                "request": {
                    "template": template.text,
                    "parameters": list(request.get("Parameters") or []),
                    "stack_parameters": the_plan.parameters,
                    "capabilities": capabilities,
                    "tags": tags,
                    "notification_arns": notification_arns,
                    "disable_rollback": bool(request.get("OnStackFailure") == "DO_NOTHING"),
                },
                "changes": found,
                "created_at": cf.clock.now(),
            },
        )
    return {"Id": change_set_id, "StackId": stack_id}


def _find(ctx: RequestContext, request: dict[str, Any]) -> tuple[dict[str, Any], Stack]:
    name, stack_name = request["ChangeSetName"], request.get("StackName")
    with ctx.app.db.read() as conn:
        if name.startswith("arn:"):
            found = store.change_set_by_id(conn, name)
        else:
            if not stack_name:
                raise validation("StackName must be specified if ChangeSetName is not specified as an ARN.")
            stack = find_stack(ctx, stack_name, deleted=False)
            found = store.change_set_by_name(conn, stack.stack_id, name)
        stack_of = store.stack_by_id(conn, found["stack_id"]) if found else None
    if (
        found is None
        or stack_of is None
        or stack_of.account != ctx.account_id
        or stack_of.region != ctx.region
    ):
        raise ChangeSetNotFoundException(f"ChangeSet [{name}] does not exist")
    return found, stack_of


def describe_change_set(ctx: RequestContext, request: dict[str, Any]) -> dict[str, Any]:
    found, stack = _find(ctx, request)
    req = found["request"]
    out: dict[str, Any] = {
        "ChangeSetName": found["name"],
        "ChangeSetId": found["id"],
        "StackId": stack.stack_id,
        "StackName": stack.name,
        "Parameters": req["stack_parameters"],
        "CreationTime": found["created_at"],
        "ExecutionStatus": found["execution_status"],
        "Status": found["status"],
        "NotificationARNs": req["notification_arns"],
        "Capabilities": req["capabilities"],
        "Tags": req["tags"],
        "Changes": found["changes"],
        "IncludeNestedStacks": False,
        "RollbackConfiguration": {},
    }
    if found["description"]:
        out["Description"] = found["description"]
    if found["status_reason"]:
        out["StatusReason"] = found["status_reason"]
    return out


def list_change_sets(ctx: RequestContext, request: dict[str, Any]) -> dict[str, Any]:
    stack = find_stack(ctx, request["StackName"], deleted=False)
    with ctx.app.db.read() as conn:
        found = store.change_sets(conn, stack.stack_id)
    summaries = []
    for item in found:
        summary = {
            "StackId": stack.stack_id,
            "StackName": stack.name,
            "ChangeSetId": item["id"],
            "ChangeSetName": item["name"],
            "ExecutionStatus": item["execution_status"],
            "Status": item["status"],
            "CreationTime": item["created_at"],
            "IncludeNestedStacks": False,
        }
        if item["status_reason"]:
            summary["StatusReason"] = item["status_reason"]
        if item["description"]:
            summary["Description"] = item["description"]
        summaries.append(summary)
    return {"Summaries": summaries}


def delete_change_set(ctx: RequestContext, request: dict[str, Any]) -> None:
    found, _ = _find(ctx, request)
    if found["execution_status"] == "EXECUTE_IN_PROGRESS":
        raise InvalidChangeSetStatusException(
            f"ChangeSet [{found['id']}] cannot be deleted in its current status of "
            f"[{found['execution_status']}]"
        )
    with ctx.app.db.transaction() as tx:
        store.delete_change_set(tx, found["id"])


def _set_execution(cf: Any, change_set_id: str, status: str) -> None:
    """Record how an execution ended; a successful one deletes the stack's change sets, as AWS does."""
    with cf.db.transaction() as tx:
        found = store.change_set_by_id(tx, change_set_id)
        if found is not None and status == "EXECUTE_COMPLETE":
            store.delete_change_sets(tx, found["stack_id"])
            return
        if found is not None:
            found["execution_status"] = status
            store.save_change_set(tx, found)


async def execute_change_set(ctx: RequestContext, request: dict[str, Any]) -> None:
    cf = state(ctx)
    found, stack = _find(ctx, request)
    if found["execution_status"] != "AVAILABLE":
        raise InvalidChangeSetStatusException(
            f"ChangeSet [{found['id']}] cannot be executed in its current status of "
            f"[{found['execution_status']}]"
        )
    if cf.running(stack.stack_id) or (stack.status not in UPDATABLE and stack.status != "REVIEW_IN_PROGRESS"):
        raise InvalidChangeSetStatusException(
            f"ChangeSet [{found['id']}] cannot be executed in its current status of "
            f"[{found['execution_status']}]"
        )
    req = found["request"]
    template = parse(req["template"])
    pseudo = pseudo_parameters(
        stack.account, stack.region, stack.name, stack.stack_id, req["notification_arns"]
    )
    previous = stack.parameters if found["type"] == "UPDATE" else None
    the_plan = plan(template, req["parameters"], previous, pseudo)
    disable_rollback = bool(request.get("DisableRollback")) or req.get("disable_rollback", False)
    _set_execution(cf, found["id"], "EXECUTE_IN_PROGRESS")
    with cf.db.transaction() as tx:
        for other in store.change_sets(tx, stack.stack_id):
            if other["id"] != found["id"]:
                store.delete_change_set(tx, other["id"])
    if stack.status == "REVIEW_IN_PROGRESS":
        description = template.body.get("Description")
        stack.template = template.text
        stack.processed = the_plan.processed
        stack.parameters = the_plan.parameters
        stack.capabilities = req["capabilities"]
        stack.tags = req["tags"]
        stack.notification_arns = req["notification_arns"]
        stack.description = description if isinstance(description, str) else None
        stack.disable_rollback = disable_rollback
        stack.change_set_id = found["id"]
        stack.status = "CREATE_IN_PROGRESS"
        _stack_event(cf, stack, "User Initiated")
        deployment = Deployment(cf, stack)
        deployment.values = the_plan.values

        async def work() -> None:
            await deployment.create(the_plan.order)
            _set_execution(
                cf,
                found["id"],
                "EXECUTE_COMPLETE" if deployment.stack.status == "CREATE_COMPLETE" else "EXECUTE_FAILED",
            )

    else:
        update = Update(cf, stack)
        update.begin(
            template=template,
            the_plan=the_plan,
            capabilities=req["capabilities"],
            tags=req["tags"],
            notification_arns=req["notification_arns"],
            disable_rollback=disable_rollback,
            change_set_id=found["id"],
        )

        async def work() -> None:
            await update.run(the_plan.order)
            _set_execution(
                cf,
                found["id"],
                "EXECUTE_COMPLETE" if update.stack.status == "UPDATE_COMPLETE" else "EXECUTE_FAILED",
            )

    task = cf.start(stack.stack_id, work, "execute")
    await cf.wait(task)
