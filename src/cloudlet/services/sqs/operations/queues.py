"""Queue operations: create, look up, list, attributes, tags, permissions, purge, delete."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from cloudlet.core.arns import is_account_id
from cloudlet.services.sqs import attributes as attrs
from cloudlet.services.sqs import permissions
from cloudlet.services.sqs.errors import InvalidAttributeName, InvalidParameterValue, QueueDoesNotExist
from cloudlet.services.sqs.operations.common import find_queue, page, queue_of, state, url_of
from cloudlet.services.sqs.store import QueueRow

if TYPE_CHECKING:
    from cloudlet.gateway.context import RequestContext


def create_queue(ctx: RequestContext, request: dict[str, Any]) -> dict[str, Any]:
    queue = state(ctx).queues.create(
        ctx.account_id,
        ctx.region,
        request["QueueName"],
        dict(request.get("Attributes") or {}),
        dict(request.get("tags") or {}),
    )
    return {"QueueUrl": url_of(ctx, queue)}


def get_queue_url(ctx: RequestContext, request: dict[str, Any]) -> dict[str, Any]:
    owner = request.get("QueueOwnerAWSAccountId") or ctx.account_id
    if not is_account_id(owner):
        raise QueueDoesNotExist()
    queue = find_queue(ctx, owner, ctx.region, request["QueueName"])
    return {"QueueUrl": url_of(ctx, queue)}


def list_queues(ctx: RequestContext, request: dict[str, Any]) -> dict[str, Any]:
    found = state(ctx).queues.list(ctx.account_id, ctx.region, request.get("QueueNamePrefix") or "")
    by_name = {q.name: q for q in found}
    names, token = page(sorted(by_name), request)
    out: dict[str, Any] = {}
    if names:
        out["QueueUrls"] = [url_of(ctx, by_name[n]) for n in names]
    if token:
        out["NextToken"] = token
    return out


def delete_queue(ctx: RequestContext, request: dict[str, Any]) -> None:
    sqs = state(ctx)
    sqs.queues.delete(queue_of(ctx, request))


def purge_queue(ctx: RequestContext, request: dict[str, Any]) -> None:
    state(ctx).queues.purge(queue_of(ctx, request))


def get_queue_attributes(ctx: RequestContext, request: dict[str, Any]) -> dict[str, Any]:
    queue = queue_of(ctx, request)
    names = list(request.get("AttributeNames") or [])
    if not names:
        return {}
    known = set(attrs.ORDER)
    for name in names:
        if name != "All" and (name not in known or (name in attrs.FIFO_ONLY and not queue.fifo)):
            raise InvalidAttributeName(f"Unknown Attribute {name}.")
    wanted = known if "All" in names else set(names)
    values = _current_attributes(ctx, queue, wanted)
    return (
        {"Attributes": {k: values[k] for k in attrs.ORDER if k in wanted and k in values}} if values else {}
    )


def _current_attributes(ctx: RequestContext, queue: QueueRow, wanted: set[str]) -> dict[str, str]:
    sqs = state(ctx)
    values = dict(queue.attributes)
    values["QueueArn"] = queue.cache["arn"]
    values["CreatedTimestamp"] = str(int(queue.created_at))
    values["LastModifiedTimestamp"] = str(int(queue.modified_at))
    if wanted & {
        "ApproximateNumberOfMessages",
        "ApproximateNumberOfMessagesNotVisible",
        "ApproximateNumberOfMessagesDelayed",
    }:
        visible, in_flight, delayed = sqs.messages.counts(queue)
        values["ApproximateNumberOfMessages"] = str(visible)
        values["ApproximateNumberOfMessagesNotVisible"] = str(in_flight)
        values["ApproximateNumberOfMessagesDelayed"] = str(delayed)
    return values


def set_queue_attributes(ctx: RequestContext, request: dict[str, Any]) -> None:
    queue = queue_of(ctx, request)
    state(ctx).queues.set_attributes(queue, dict(request.get("Attributes") or {}))


def tag_queue(ctx: RequestContext, request: dict[str, Any]) -> None:
    state(ctx).queues.tag(queue_of(ctx, request), dict(request.get("Tags") or {}))


def untag_queue(ctx: RequestContext, request: dict[str, Any]) -> None:
    state(ctx).queues.untag(queue_of(ctx, request), list(request.get("TagKeys") or []))


def list_queue_tags(ctx: RequestContext, request: dict[str, Any]) -> dict[str, Any]:
    queue = queue_of(ctx, request)
    return {"Tags": dict(queue.tags)} if queue.tags else {}


def list_dead_letter_source_queues(ctx: RequestContext, request: dict[str, Any]) -> dict[str, Any]:
    sqs = state(ctx)
    queue = queue_of(ctx, request)
    sources = {q.name: q for q in sqs.queues.dead_letter_sources(queue)}
    names, token = page(sorted(sources), request)
    out: dict[str, Any] = {"queueUrls": [url_of(ctx, sources[n]) for n in names]}
    if token:
        out["NextToken"] = token
    return out


def add_permission(ctx: RequestContext, request: dict[str, Any]) -> None:
    sqs = state(ctx)
    queue = queue_of(ctx, request)
    accounts = list(request.get("AWSAccountIds") or [])
    actions = list(request.get("Actions") or [])
    if not accounts or not actions:
        missing = "AWSAccountIds" if not accounts else "Actions"
        raise InvalidParameterValue(
            f"Value [] for parameter {missing} is invalid. Reason: Must not be empty."
        )
    policy = permissions.add_statement(
        queue.attributes.get("Policy"), queue.cache["arn"], request["Label"], accounts, actions
    )
    with sqs.db.transaction() as tx:
        sqs.queues.set_policy(tx, queue, policy)


def remove_permission(ctx: RequestContext, request: dict[str, Any]) -> None:
    sqs = state(ctx)
    queue = queue_of(ctx, request)
    policy = permissions.remove_statement(
        queue.attributes.get("Policy"), queue.cache["arn"], request["Label"]
    )
    with sqs.db.transaction() as tx:
        sqs.queues.set_policy(tx, queue, policy)
