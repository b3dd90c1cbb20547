"""Queue attributes: names, defaults, ranges and validation (no storage, no other queues).

Values are kept as AWS renders them: strings (`"30"`, `"true"`, JSON documents). Cross-queue checks of
RedrivePolicy (the target exists, same type, allowed by its RedriveAllowPolicy) live in the engine.
Sources: https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_SetQueueAttributes.html
and API_GetQueueAttributes.html.
"""

from __future__ import annotations

import json
from typing import Any

from cloudlet.services.sqs.errors import InvalidAttributeName, InvalidAttributeValue, InvalidParameterValue

__all__ = [
    "COMPUTED",
    "FIFO_ONLY",
    "SETTABLE",
    "defaults",
    "parse_redrive_allow_policy",
    "parse_redrive_policy",
    "validate",
]

MAX_MESSAGE_SIZE_B = 1_048_576
MAX_RECEIVE_COUNT = 1000

# name → (min, max) for integer attributes
_RANGES: dict[str, tuple[int, int]] = {
    "DelaySeconds": (0, 900),
    "MaximumMessageSize": (1024, MAX_MESSAGE_SIZE_B),
    "MessageRetentionPeriod": (60, 1_209_600),
    "ReceiveMessageWaitTimeSeconds": (0, 20),
    "VisibilityTimeout": (0, 43_200),
    "KmsDataKeyReusePeriodSeconds": (60, 86_400),
}
_BOOLEANS = {"ContentBasedDeduplication", "SqsManagedSseEnabled", "FifoQueue"}
_ENUMS: dict[str, tuple[str, ...]] = {
    "DeduplicationScope": ("messageGroup", "queue"),
    "FifoThroughputLimit": ("perQueue", "perMessageGroupId"),
}
_DOCUMENTS = {"Policy", "RedrivePolicy", "RedriveAllowPolicy"}

FIFO_ONLY = frozenset({"FifoQueue", "ContentBasedDeduplication", "DeduplicationScope", "FifoThroughputLimit"})
SETTABLE = frozenset({*_RANGES, *_BOOLEANS, *_ENUMS, *_DOCUMENTS, "KmsMasterKeyId"})
COMPUTED = (
    "ApproximateNumberOfMessages",
    "ApproximateNumberOfMessagesNotVisible",
    "ApproximateNumberOfMessagesDelayed",
    "CreatedTimestamp",
    "LastModifiedTimestamp",
    "QueueArn",
)
# The order GetQueueAttributes(All) lists them in (stored ones follow the computed ones).
ORDER = (
    "QueueArn",
    "ApproximateNumberOfMessages",
    "ApproximateNumberOfMessagesNotVisible",
    "ApproximateNumberOfMessagesDelayed",
    "CreatedTimestamp",
    "LastModifiedTimestamp",
    "VisibilityTimeout",
    "MaximumMessageSize",
    "MessageRetentionPeriod",
    "DelaySeconds",
    "ReceiveMessageWaitTimeSeconds",
    "Policy",
    "RedrivePolicy",
    "RedriveAllowPolicy",
    "KmsMasterKeyId",
    "KmsDataKeyReusePeriodSeconds",
    "SqsManagedSseEnabled",
    "FifoQueue",
    "ContentBasedDeduplication",
    "DeduplicationScope",
    "FifoThroughputLimit",
)


def defaults(fifo: bool) -> dict[str, str]:
    """Attributes a new queue has before the caller's are applied."""
    values = {
        "VisibilityTimeout": "30",
        "MaximumMessageSize": str(MAX_MESSAGE_SIZE_B),
        "MessageRetentionPeriod": "345600",
        "DelaySeconds": "0",
        "ReceiveMessageWaitTimeSeconds": "0",
        # SSE-SQS is on by default for new queues since 2022 (sqs-server-side-encryption.html).
        "SqsManagedSseEnabled": "true",
    }
    if fifo:
        values |= {
            "FifoQueue": "true",
            "ContentBasedDeduplication": "false",
            "DeduplicationScope": "queue",
            "FifoThroughputLimit": "perQueue",
        }
    return values


def validate(name: str, value: Any, fifo: bool) -> str:
    """The stored form of attribute `name` set to `value` on a (FIFO or standard) queue.

    Raises:
        InvalidAttributeName: unknown, read-only, or FIFO-only on a standard queue.
        InvalidAttributeValue: out of range or malformed.
    """
    if name not in SETTABLE or (name in FIFO_ONLY and not fifo):
        raise InvalidAttributeName(f"Unknown Attribute {name}.")
    text = value if isinstance(value, str) else str(value)
    if name in _RANGES:
        low, high = _RANGES[name]
        try:
            number = int(text.strip())
        except ValueError:
            raise _invalid(name) from None
        if not low <= number <= high:
            raise _invalid(name)
        return str(number)
    if name in _BOOLEANS:
        lowered = text.strip().lower()
        if lowered not in ("true", "false"):
            raise _invalid(name)
        if name == "FifoQueue" and lowered != ("true" if fifo else "false"):
            raise _invalid(name)
        return lowered
    if name in _ENUMS:
        if text not in _ENUMS[name]:
            raise _invalid(name)
        return text
    if name == "Policy":
        if text:
            try:
                doc = json.loads(text)
            except ValueError:
                raise _invalid(name) from None
            if not isinstance(doc, dict):
                raise _invalid(name)
        return text
    if name == "RedrivePolicy":
        if text:
            parse_redrive_policy(text)
        return text
    if name == "RedriveAllowPolicy":
        if text:
            parse_redrive_allow_policy(text)
        return text
    return text  # KmsMasterKeyId: any key id or alias is stored


def parse_redrive_policy(text: str) -> tuple[str, int]:
    """(deadLetterTargetArn, maxReceiveCount) of a RedrivePolicy document.

    Raises:
        InvalidParameterValue: malformed, missing a key, or maxReceiveCount outside 1..1000.
    """
    try:
        doc = json.loads(text)
    except ValueError:
        doc = None
    if not isinstance(doc, dict) or "deadLetterTargetArn" not in doc or "maxReceiveCount" not in doc:
        raise _redrive_error(
            text, "Redrive policy is not a dictionary with deadLetterTargetArn and maxReceiveCount."
        )
    unknown = set(doc) - {"deadLetterTargetArn", "maxReceiveCount"}
    if unknown:
        raise _redrive_error(
            text, "Only following attributes are supported: [deadLetterTargetArn, maxReceiveCount]."
        )
    try:
        count = int(str(doc["maxReceiveCount"]))
    except ValueError:
        count = 0
    if not 1 <= count <= MAX_RECEIVE_COUNT:
        raise _redrive_error(
            text,
            f"Invalid value for maxReceiveCount: {doc['maxReceiveCount']}, valid values are from 1 to "
            f"{MAX_RECEIVE_COUNT} both inclusive.",
        )
    return str(doc["deadLetterTargetArn"]), count


def parse_redrive_allow_policy(text: str) -> tuple[str, list[str]]:
    """(redrivePermission, sourceQueueArns) of a RedriveAllowPolicy document."""
    try:
        doc = json.loads(text)
    except ValueError:
        doc = None
    if not isinstance(doc, dict) or doc.get("redrivePermission") not in ("allowAll", "denyAll", "byQueue"):
        raise InvalidParameterValue(
            f"Value {text} for parameter RedriveAllowPolicy is invalid. Reason: Amazon SQS can't create the "
            "redrive allow policy, as it's in an unsupported format."
        )
    permission = doc["redrivePermission"]
    sources = doc.get("sourceQueueArns")
    if permission == "byQueue":
        if not isinstance(sources, list) or not 1 <= len(sources) <= 10:
            raise InvalidParameterValue(
                f"Value {text} for parameter RedriveAllowPolicy is invalid. Reason: Amazon SQS can't create "
                "the redrive allow policy. When you specify the byQueue permission type, you must also "
                "specify one or more sourceQueueArns values, up to a maximum of 10."
            )
        return permission, [str(s) for s in sources]
    if sources:
        raise InvalidParameterValue(
            f"Value {text} for parameter RedriveAllowPolicy is invalid. Reason: Amazon SQS can't create the "
            "redrive allow policy. To specify one or more source queue ARNs, you must set redrivePermission "
            "to byQueue."
        )
    return permission, []


def _invalid(name: str) -> InvalidAttributeValue:
    return InvalidAttributeValue(f"Invalid value for the parameter {name}.")


def _redrive_error(text: str, reason: str) -> InvalidParameterValue:
    return InvalidParameterValue(f"Value {text} for parameter RedrivePolicy is invalid. Reason: {reason}")
