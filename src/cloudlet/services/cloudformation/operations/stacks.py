"""Stack operations: create, update, delete, describe and list stacks, their resources and events."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from cloudlet.core import ids
from cloudlet.protocol.errors import ServiceError
from cloudlet.services.cloudformation import store
from cloudlet.services.cloudformation.deploy import Deployment
from cloudlet.services.cloudformation.errors import AlreadyExistsException, validation
from cloudlet.services.cloudformation.operations.common import (
    UPDATABLE,
    check_stack_name,
    event_shape,
    find_stack,
    load_template,
    new_stack_id,
    resource_shape,
    stack_shape,
    state,
    summary_shape,
)
from cloudlet.services.cloudformation.prepare import check_capabilities, plan, pseudo_parameters
from cloudlet.services.cloudformation.store import Stack
from cloudlet.services.cloudformation.template import parse
from cloudlet.services.cloudformation.update import Update

if TYPE_CHECKING:
    from cloudlet.gateway.context import RequestContext

__all__ = [
    "cancel_update_stack",
    "continue_update_rollback",
    "create_stack",
    "delete_stack",
    "describe_stack_events",
    "describe_stack_resource",
    "describe_stack_resources",
    "describe_stacks",
    "list_stack_resources",
    "list_stacks",
    "rollback_stack",
    "update_stack",
    "update_termination_protection",
]


def _rollback_options(request: dict[str, Any]) -> tuple[bool, str | None]:
    disable = request.get("DisableRollback")
    on_failure = request.get("OnFailure")
    if disable is not None and on_failure is not None:
        raise validation("Either DisableRollback or OnFailure can be specified, not both.")
    return bool(disable), on_failure


def _log_user_initiated(cf: Any, stack: Stack) -> None:
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
                "reason": "User Initiated",
                "properties": None,
                "client_token": None,
                "timestamp": cf.clock.now(),
            },
        )


async def create_stack(ctx: RequestContext, request: dict[str, Any]) -> dict[str, Any]:
    cf = state(ctx)
    name = request["StackName"]
    check_stack_name(name)
    disable_rollback, on_failure = _rollback_options(request)
    with ctx.app.db.read() as conn:
        if store.live_stack_by_name(conn, ctx.account_id, ctx.region, name) is not None:
            raise AlreadyExistsException(f"Stack [{name}] already exists")
    template = load_template(ctx, request)
    stack_id = new_stack_id(ctx, name)
    notification_arns = list(request.get("NotificationARNs") or [])
    pseudo = pseudo_parameters(ctx.account_id, ctx.region, name, stack_id, notification_arns)
    the_plan = plan(template, list(request.get("Parameters") or []), None, pseudo)
    capabilities = list(request.get("Capabilities") or [])
    check_capabilities(the_plan, capabilities, change_set=False)
    description = template.body.get("Description")
    stack = Stack(
        stack_id=stack_id,
        name=name,
        account=ctx.account_id,
        region=ctx.region,
        status="CREATE_IN_PROGRESS",
        created_at=cf.clock.now(),
        description=description if isinstance(description, str) else None,
        template=template.text,
        processed=the_plan.processed,
        parameters=the_plan.parameters,
        capabilities=capabilities,
        tags=list(request.get("Tags") or []),
        notification_arns=notification_arns,
        timeout=request.get("TimeoutInMinutes"),
        disable_rollback=disable_rollback,
        on_failure=on_failure,
        termination_protection=bool(request.get("EnableTerminationProtection")),
        policy=request.get("StackPolicyBody"),
        role_arn=request.get("RoleARN"),
        template_dir=None,
    )
    _log_user_initiated(cf, stack)
    deployment = Deployment(cf, stack)
    deployment.values = the_plan.values
    task = cf.start(stack_id, lambda: deployment.create(the_plan.order), "create")
    await cf.wait(task)
    return {"StackId": stack_id}


async def update_stack(ctx: RequestContext, request: dict[str, Any]) -> dict[str, Any]:
    cf = state(ctx)
    stack = find_stack(ctx, request["StackName"], deleted=False)
    if stack.status not in UPDATABLE:
        raise validation(f"Stack:{stack.stack_id} is in {stack.status} state and can not be updated.")
    disable_rollback, _ = _rollback_options(request)
    if request.get("UsePreviousTemplate"):
        if request.get("TemplateBody") is not None or request.get("TemplateURL") is not None:
            raise validation(
                "Exactly one of TemplateBody, TemplateUrl or UsePreviousTemplate must be specified."
            )
        template = parse(stack.template or "{}")
    else:
        template = load_template(ctx, request)
    notification_arns = (
        list(request["NotificationARNs"])
        if request.get("NotificationARNs") is not None
        else stack.notification_arns
    )
    pseudo = pseudo_parameters(ctx.account_id, ctx.region, stack.name, stack.stack_id, notification_arns)
    the_plan = plan(template, list(request.get("Parameters") or []), stack.parameters, pseudo)
    capabilities = list(request.get("Capabilities") or [])
    check_capabilities(the_plan, capabilities, change_set=False)
    tags = list(request["Tags"]) if request.get("Tags") is not None else stack.tags
    if (
        the_plan.processed == stack.processed
        and the_plan.parameters == stack.parameters
        and tags == stack.tags
        and notification_arns == stack.notification_arns
    ):
        raise validation("No updates are to be performed.")
    if request.get("StackPolicyBody") is not None:
        stack.policy = request["StackPolicyBody"]
    update = Update(cf, stack)
    update.begin(
        template=template,
        the_plan=the_plan,
        capabilities=capabilities,
        tags=tags,
        notification_arns=notification_arns,
        disable_rollback=disable_rollback,
    )
    task = cf.start(stack.stack_id, lambda: update.run(the_plan.order), "update")
    await cf.wait(task)
    return {"StackId": stack.stack_id}


async def delete_stack(ctx: RequestContext, request: dict[str, Any]) -> None:
    cf = state(ctx)
    try:
        stack = find_stack(ctx, request["StackName"], deleted=False)
    except ServiceError:
        return  # deleting a stack that does not exist succeeds, as AWS
    if stack.termination_protection:
        raise validation(f"Stack [{stack.name}] cannot be deleted while TerminationProtection is enabled")
    if stack.status == "DELETE_IN_PROGRESS":
        return
    if cf.running(stack.stack_id):
        raise validation(f"Stack [{stack.name}] cannot be deleted while in status {stack.status}")
    deployment = Deployment(cf, stack)
    retain = set(request.get("RetainResources") or [])
    if retain and stack.status != "DELETE_FAILED":
        raise validation(
            f"Invalid operation on stack {stack.stack_id}. RetainResources can only be specified when the "
            "stack is in the DELETE_FAILED state"
        )
    deployment.retain = retain
    if stack.status == "REVIEW_IN_PROGRESS":
        with cf.db.transaction() as tx:
            store.delete_change_sets(tx, stack.stack_id)
        deployment.set_stack_status("DELETE_COMPLETE", deleted_at=cf.clock.now())
        return
    stack.status = "DELETE_IN_PROGRESS"
    stack.status_reason = None
    _log_user_initiated(cf, stack)
    task = cf.start(stack.stack_id, deployment.delete, "delete")
    await cf.wait(task)


def describe_stacks(ctx: RequestContext, request: dict[str, Any]) -> dict[str, Any]:
    name = request.get("StackName")
    if name:
        return {"Stacks": [stack_shape(find_stack(ctx, name))]}
    with ctx.app.db.read() as conn:
        stacks = store.stacks(conn, ctx.account_id, ctx.region, deleted=False)
    return {"Stacks": [stack_shape(stack) for stack in stacks]}


def list_stacks(ctx: RequestContext, request: dict[str, Any]) -> dict[str, Any]:
    wanted = set(request.get("StackStatusFilter") or [])
    with ctx.app.db.read() as conn:
        stacks = store.stacks(conn, ctx.account_id, ctx.region, deleted=True)
    return {"StackSummaries": [summary_shape(s) for s in stacks if not wanted or s.status in wanted]}


def describe_stack_events(ctx: RequestContext, request: dict[str, Any]) -> dict[str, Any]:
    stack = find_stack(ctx, request["StackName"])
    with ctx.app.db.read() as conn:
        events = store.events(conn, stack.stack_id)
    return {"StackEvents": [event_shape(stack, event) for event in events]}


def _rows(ctx: RequestContext, stack: Stack) -> list[Any]:
    with ctx.app.db.read() as conn:
        return store.resources(conn, stack.stack_id)


def describe_stack_resource(ctx: RequestContext, request: dict[str, Any]) -> dict[str, Any]:
    stack = find_stack(ctx, request["StackName"])
    logical_id = request["LogicalResourceId"]
    with ctx.app.db.read() as conn:
        row = store.resource(conn, stack.stack_id, logical_id)
    if row is None:
        raise validation(f"Resource {logical_id} does not exist for stack {stack.name}")
    return {"StackResourceDetail": resource_shape(stack, row, detail=True)}


def describe_stack_resources(ctx: RequestContext, request: dict[str, Any]) -> dict[str, Any]:
    name, physical_id = request.get("StackName"), request.get("PhysicalResourceId")
    if name is None and physical_id is None:
        raise validation("Either StackName or PhysicalResourceId must be specified.")
    if name is not None:
        stack = find_stack(ctx, name)
        rows = _rows(ctx, stack)
    else:
        with ctx.app.db.read() as conn:
            found = [
                r for r in store.resources_by_physical_id(conn, physical_id) if r.status != "DELETE_COMPLETE"
            ]
            owner = store.stack_by_id(conn, found[0].stack_id) if found else None
        if owner is None or owner.account != ctx.account_id or owner.region != ctx.region:
            raise validation(f"Stack for {physical_id} does not exist")
        stack = owner
        rows = _rows(ctx, stack)
    wanted = request.get("LogicalResourceId")
    return {
        "StackResources": [resource_shape(stack, r) for r in rows if wanted is None or r.logical_id == wanted]
    }


def list_stack_resources(ctx: RequestContext, request: dict[str, Any]) -> dict[str, Any]:
    stack = find_stack(ctx, request["StackName"])
    return {"StackResourceSummaries": [resource_shape(stack, row, summary=True) for row in _rows(ctx, stack)]}


def update_termination_protection(ctx: RequestContext, request: dict[str, Any]) -> dict[str, Any]:
    stack = find_stack(ctx, request["StackName"], deleted=False)
    stack.termination_protection = bool(request["EnableTerminationProtection"])
    with ctx.app.db.transaction() as tx:
        store.save_stack(tx, stack)
    return {"StackId": stack.stack_id}


async def cancel_update_stack(ctx: RequestContext, request: dict[str, Any]) -> None:
    cf = state(ctx)
    stack = find_stack(ctx, request["StackName"], deleted=False)
    if stack.status != "UPDATE_IN_PROGRESS" or not cf.running(stack.stack_id):
        raise validation(f"CancelUpdateStack cannot be called from current stack status {stack.status}.")
    cf.cancels.add(stack.stack_id)
    await cf.wait(cf.tasks[stack.stack_id])


async def rollback_stack(ctx: RequestContext, request: dict[str, Any]) -> dict[str, Any]:
    cf = state(ctx)
    stack = find_stack(ctx, request["StackName"], deleted=False)
    if stack.status not in ("CREATE_FAILED", "UPDATE_FAILED"):
        raise validation(f"Stack {stack.name} is in {stack.status} state and can not be rolled back.")
    if stack.status == "CREATE_FAILED":
        deployment = Deployment(cf, stack)

        async def work() -> None:
            deployment.set_stack_status("ROLLBACK_IN_PROGRESS", "Rollback requested by user.")
            await deployment.rollback_create()

        task = cf.start(stack.stack_id, work, "rollback")
    else:
        update = Update(cf, stack)
        task = cf.start(stack.stack_id, update.rollback, "rollback")
    await cf.wait(task)
    return {"StackId": stack.stack_id}


async def continue_update_rollback(ctx: RequestContext, request: dict[str, Any]) -> None:
    cf = state(ctx)
    stack = find_stack(ctx, request["StackName"], deleted=False)
    if stack.status != "UPDATE_ROLLBACK_FAILED":
        raise validation(
            f"Stack {stack.name} is in {stack.status} state and can not continue update rollback."
        )
    update = Update(cf, stack)
    task = cf.start(stack.stack_id, update.rollback, "rollback")
    await cf.wait(task)
