"""Target operations: PutTargets, RemoveTargets, ListTargetsByRule. A target is stored as the AWS `Target`
document exactly as sent; what delivery does with it lives in `delivery.py`."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from cloudlet.services.events import store
from cloudlet.services.events.errors import LimitExceededException, ValidationException
from cloudlet.services.events.operations.buses import page
from cloudlet.services.events.operations.common import state
from cloudlet.services.events.operations.rules import check_name, refuse_managed, require_rule, rule_changed

if TYPE_CHECKING:
    from cloudlet.gateway.context import RequestContext

__all__ = ["list_targets_by_rule", "put_targets", "remove_targets"]

MAX_TARGETS_PER_RULE = 5  # EventBridge quotas: targets per rule
_ARN = re.compile(r"arn:[\w\-]+:[\w\-]+:[\w\-]*:\d*:.+")
_PLACEHOLDER = re.compile(r"<([^<>\s]+)>")
PREDEFINED_PLACEHOLDERS = frozenset(
    {
        "aws.events.rule-arn",
        "aws.events.rule-name",
        "aws.events.event.ingestion-time",
        "aws.events.event",
        "aws.events.event.json",
    }
)


def _check_target(target: dict[str, Any]) -> None:
    """The checks AWS applies to the whole call (ValidationException) rather than per entry."""
    target_id, arn = target["Id"], target["Arn"]
    if not _ARN.fullmatch(arn):
        raise ValidationException(
            f"Parameter {arn} is not valid. Reason: Provided Arn is not in correct format."
        )
    given = [m for m in ("Input", "InputPath", "InputTransformer") if target.get(m) is not None]
    if len(given) > 1:
        raise ValidationException(
            f"Only one of Input, InputPath, or InputTransformer must be provided for target {target_id}."
        )
    if (
        ":sqs:" in arn
        and arn.endswith(".fifo")
        and not (target.get("SqsParameters") or {}).get("MessageGroupId")
    ):
        raise ValidationException(f"Parameter(s) SqsParameters must be specified for target: {target_id}.")
    transformer = target.get("InputTransformer")
    if transformer:
        paths = transformer.get("InputPathsMap") or {}
        for name in _PLACEHOLDER.findall(transformer["InputTemplate"]):
            if name not in paths and name not in PREDEFINED_PLACEHOLDERS:
                raise ValidationException(
                    f"InputTemplate for target {target_id} contains invalid placeholder {name}."
                )
        for name in paths:
            if name in PREDEFINED_PLACEHOLDERS:
                raise ValidationException(
                    f"Input path map for target {target_id} contains reserved key {name}."
                )
    dead_letter = (target.get("DeadLetterConfig") or {}).get("Arn")
    if dead_letter is not None and not _is_queue_arn(dead_letter):
        raise ValidationException(
            f"Parameter DeadLetterConfig.Arn is not valid. Reason: {dead_letter} is not an SQS queue ARN."
        )


def _is_queue_arn(arn: str) -> bool:
    parts = arn.split(":")
    return len(parts) == 6 and parts[0] == "arn" and parts[2] == "sqs" and bool(parts[5])


def put_targets(ctx: RequestContext, request: dict[str, Any]) -> dict[str, Any]:
    targets: list[dict[str, Any]] = request["Targets"]
    for index, target in enumerate(targets, 1):
        check_name(target["Id"], f"targets.{index}.member.id")
    for target in targets:
        _check_target(target)
    events = state(ctx)
    with events.db.transaction() as tx:
        rule = require_rule(ctx, tx, request["Rule"], request.get("EventBusName"))
        refuse_managed(rule)
        existing = {t["Id"] for t in store.targets_of(tx, rule.arn)}
        if len(existing | {t["Id"] for t in targets}) > MAX_TARGETS_PER_RULE:
            raise LimitExceededException("The requested resource exceeds the maximum number allowed.")
        for target in targets:
            store.put_target(tx, rule.arn, target)
        rule_changed(tx, events, rule)
    return {"FailedEntryCount": 0, "FailedEntries": []}


def _not_found(rule: str, target_id: str) -> dict[str, str]:
    """AWS reports an unknown Id as a failed entry, not a failed call (API_RemoveTargets)."""
    return {
        "TargetId": target_id,
        "ErrorCode": "ResourceNotFoundException",
        "ErrorMessage": f"Rule '{rule}' does not have a target with the Id '{target_id}'.",
    }


def remove_targets(ctx: RequestContext, request: dict[str, Any]) -> dict[str, Any]:
    events = state(ctx)
    failed: list[dict[str, Any]] = []
    with events.db.transaction() as tx:
        rule = require_rule(ctx, tx, request["Rule"], request.get("EventBusName"))
        refuse_managed(rule, bool(request.get("Force")))
        for target_id in request["Ids"]:
            if not store.remove_target(tx, rule.arn, target_id):
                failed.append(_not_found(rule.name, target_id))
        rule_changed(tx, events, rule)
    return {"FailedEntryCount": len(failed), "FailedEntries": failed}


def list_targets_by_rule(ctx: RequestContext, request: dict[str, Any]) -> dict[str, Any]:
    with state(ctx).db.read() as conn:
        rule = require_rule(ctx, conn, request["Rule"], request.get("EventBusName"))
        targets = store.targets_of(conn, rule.arn)
    chosen, token = page(targets, request.get("NextToken"), request.get("Limit"))
    out: dict[str, Any] = {"Targets": chosen}
    if token:
        out["NextToken"] = token
    return out
