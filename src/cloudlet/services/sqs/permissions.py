"""AddPermission / RemovePermission: statements in the queue's Policy document, as SQS writes them.

Policies are stored and returned; cloudlet does not evaluate them (a documented deviation).
"""

from __future__ import annotations

import json
import re
from typing import Any

from cloudlet.core.arns import build_arn
from cloudlet.services.sqs.errors import InvalidParameterValue, OverLimit

_LABEL = re.compile(r"[A-Za-z0-9_-]{1,80}")
MAX_ACTIONS = 7
ACTIONS = frozenset(
    {
        "*",
        "ChangeMessageVisibility",
        "DeleteMessage",
        "GetQueueAttributes",
        "GetQueueUrl",
        "ReceiveMessage",
        "SendMessage",
        "ListDeadLetterSourceQueues",
        "PurgeQueue",
        "ListQueueTags",
    }
)


def add_statement(
    policy_text: str | None, queue_arn: str, label: str, accounts: list[str], actions: list[str]
) -> dict[str, Any]:
    """The policy document with a statement `label` added. Raises InvalidParameterValue, OverLimit."""
    if not _LABEL.fullmatch(label):
        raise InvalidParameterValue(
            f"Value {label} for parameter Label is invalid. Reason: Can only include alphanumeric "
            "characters, hyphens, or underscores. 1 to 80 in length."
        )
    if len(actions) > MAX_ACTIONS:
        raise OverLimit(f"{len(actions)} Actions were found, maximum allowed is {MAX_ACTIONS}.")
    for action in actions:
        if action not in ACTIONS:
            raise InvalidParameterValue(
                f"Value SQS:{action} for parameter ActionName is invalid. Reason: Please refer to the "
                "appropriate WSDL for a list of valid actions. "
            )
    policy = _load(policy_text, queue_arn)
    if any(s.get("Sid") == label for s in policy["Statement"]):
        raise InvalidParameterValue(f"Value {label} for parameter Label is invalid. Reason: Already exists.")
    principals = [build_arn("iam", "", account, "root") for account in accounts]
    names = [f"SQS:{action}" for action in actions]
    policy["Statement"].append(
        {
            "Sid": label,
            "Effect": "Allow",
            "Principal": {"AWS": principals[0] if len(principals) == 1 else principals},
            "Action": names[0] if len(names) == 1 else names,
            "Resource": queue_arn,
        }
    )
    return policy


def remove_statement(policy_text: str | None, queue_arn: str, label: str) -> dict[str, Any] | None:
    """The policy without statement `label` (None once no statement is left)."""
    policy = _load(policy_text, queue_arn)
    kept = [s for s in policy["Statement"] if s.get("Sid") != label]
    if len(kept) == len(policy["Statement"]):
        raise InvalidParameterValue(
            f"Value {label} for parameter Label is invalid. Reason: can't find label."
        )
    if not kept:
        return None
    policy["Statement"] = kept
    return policy


def _load(policy_text: str | None, queue_arn: str) -> dict[str, Any]:
    if policy_text:
        policy = json.loads(policy_text)
        statements = policy.get("Statement", [])
        policy["Statement"] = statements if isinstance(statements, list) else [statements]
        return policy
    return {"Version": "2008-10-17", "Id": f"{queue_arn}/SQSDefaultPolicy", "Statement": []}
