"""Checks SQS makes beyond the model's constraints: message bodies, attributes, sizes, batch entries.

Messages quote AWS's answers (recorded AWS responses; see the SQS API reference pages of each action).
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Any

from cloudlet.services.sqs.errors import (
    BatchEntryIdsNotDistinct,
    BatchRequestTooLong,
    EmptyBatchRequest,
    InvalidBatchEntryId,
    InvalidMessageContents,
    InvalidParameterValue,
    MissingParameter,
    TooManyEntriesInBatchRequest,
)

MAX_BATCH_ENTRIES = 10
MAX_BATCH_BYTES = 1_048_576
MAX_ATTRIBUTES = 10
MAX_DELAY_S = 900

# Allowed: #x9 | #xA | #xD | #x20 to #xD7FF | #xE000 to #xFFFD | #x10000 to #x10FFFF
_INVALID_CHARS = re.compile("[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_BATCH_ID = re.compile(r"[A-Za-z0-9_-]{1,80}")
_ATTRIBUTE_NAME = re.compile(r"[A-Za-z0-9_.-]{1,256}")
_TOKEN = re.compile(r"[!-~]{1,128}")  # alphanumerics and punctuation, as group/dedup/attempt ids allow
_INVALID_CHARS_MESSAGE = (
    "Invalid characters found. Valid unicode characters are #x9 | #xA | #xD | #x20 to #xD7FF | #xE000 to "
    "#xFFFD | #x10000 to #x10FFFF"
)


def check_body(body: str | None) -> str:
    if not body:
        raise MissingParameter("The request must contain the parameter MessageBody.")
    if _INVALID_CHARS.search(body):
        raise InvalidMessageContents(_INVALID_CHARS_MESSAGE)
    return body


def check_attributes(attributes: dict[str, dict[str, Any]] | None) -> int:
    """Validate message attributes; returns their size in bytes (name + type + value)."""
    if not attributes:
        return 0
    if len(attributes) > MAX_ATTRIBUTES:
        raise InvalidParameterValue(
            f"Number of message attributes [{len(attributes)}] exceeds the allowed maximum "
            f"[{MAX_ATTRIBUTES}]."
        )
    size = 0
    for name, value in attributes.items():
        _check_attribute_name(name)
        data_type = value.get("DataType") or ""
        base = data_type.split(".", 1)[0]
        if base not in ("String", "Number", "Binary") or len(data_type) > 256:
            raise InvalidParameterValue(
                f"The type of message (user) attribute '{name}' is invalid. You must use only the following "
                "supported type prefixes: Binary, Number, String."
            )
        if value.get("StringListValues") or value.get("BinaryListValues"):
            raise InvalidParameterValue(
                f"Message (user) attribute '{name}': list values are reserved for future use and not "
                "supported."
            )
        if base == "Binary":
            raw = value.get("BinaryValue")
            if not raw:
                raise InvalidParameterValue(
                    f"Message (user) attribute '{name}' must contain a non-empty value of type 'Binary'."
                )
            size += len(raw)
        else:
            text = value.get("StringValue")
            if text is None or text == "":
                raise InvalidParameterValue(
                    f"Message (user) attribute '{name}' must contain a non-empty value of type 'String'."
                )
            if _INVALID_CHARS.search(text):
                raise InvalidParameterValue(_INVALID_CHARS_MESSAGE)
            if base == "Number":
                _check_number(name, text)
            size += len(text.encode("utf-8"))
        size += len(name.encode("utf-8")) + len(data_type.encode("utf-8"))
    return size


def _check_attribute_name(name: str) -> None:
    if len(name.encode("utf-8")) > 256:
        raise InvalidParameterValue("Message (user) attribute names must be shorter than 256 Bytes")
    lowered = name.lower()
    if (
        not _ATTRIBUTE_NAME.fullmatch(name)
        or lowered.startswith(("aws.", "amazon."))
        or name.startswith(".")
        or name.endswith(".")
        or ".." in name
    ):
        raise InvalidParameterValue(
            f"Message (user) attribute name '{name}' is invalid. The attribute name can contain A-Z, a-z, "
            "0-9, underscore (_), hyphen (-), and period (.). It can't start with 'AWS.' or 'Amazon.' (in "
            "any casing), start or end with a period, or have consecutive periods."
        )


def _check_number(name: str, text: str) -> None:
    try:
        number = Decimal(text.strip())
    except InvalidOperation:
        number = None
    if number is None or not number.is_finite():
        raise InvalidParameterValue(f"Can't cast the value of message (user) attribute '{name}' to a number.")


def check_system_attributes(attributes: dict[str, dict[str, Any]] | None) -> str | None:
    """The AWSTraceHeader value, the only message system attribute a sender may set."""
    if not attributes:
        return None
    for name, value in attributes.items():
        if name != "AWSTraceHeader":
            raise InvalidParameterValue(
                f"Message system attribute name '{name}' is invalid. Valid names: AWSTraceHeader."
            )
        if value.get("DataType") != "String" or not value.get("StringValue"):
            raise InvalidParameterValue(
                "Message system attribute 'AWSTraceHeader' must contain a non-empty value of type 'String'."
            )
    return str(attributes["AWSTraceHeader"]["StringValue"])


def check_size(body: str, attributes_size: int, max_size: int) -> int:
    size = len(body.encode("utf-8")) + attributes_size
    if size > max_size:
        raise InvalidParameterValue(
            f"One or more parameters are invalid. Reason: Message must be shorter than {max_size} bytes."
        )
    return size


def check_delay(delay: int | None, fifo: bool) -> int | None:
    if delay is None:
        return None
    if fifo and delay != 0:
        raise InvalidParameterValue(
            f"Value {delay} for parameter DelaySeconds is invalid. Reason: The request include parameter "
            "that is not valid for this queue type."
        )
    if not 0 <= delay <= MAX_DELAY_S:
        raise InvalidParameterValue(
            f"Value {delay} for parameter DelaySeconds is invalid. Reason: DelaySeconds must be >= 0 and <= "
            "900."
        )
    return delay


def check_token(name: str, value: str | None) -> str | None:
    """MessageGroupId / MessageDeduplicationId / ReceiveRequestAttemptId: 1-128 printable ASCII."""
    if value is None:
        return None
    if not _TOKEN.fullmatch(value):
        raise InvalidParameterValue(
            f"Value {value} for parameter {name} is invalid. Reason: {name} can only include alphanumeric "
            "and punctuation characters. 1 to 128 in length."
        )
    return value


def check_batch(entries: list[dict[str, Any]] | None, entry_type: str) -> list[dict[str, Any]]:
    entries = entries or []
    if not entries:
        raise EmptyBatchRequest(f"There should be at least one {entry_type} in the request.")
    if len(entries) > MAX_BATCH_ENTRIES:
        raise TooManyEntriesInBatchRequest(
            f"Maximum number of entries per request are {MAX_BATCH_ENTRIES}. You have sent {len(entries)}."
        )
    seen: set[str] = set()
    for entry in entries:
        entry_id = entry.get("Id") or ""
        if not _BATCH_ID.fullmatch(entry_id):
            raise InvalidBatchEntryId(
                "A batch entry id can only contain alphanumeric characters, hyphens and underscores. It can "
                "be at most 80 letters long."
            )
        if entry_id in seen:
            raise BatchEntryIdsNotDistinct(f"Id {entry_id} repeated.")
        seen.add(entry_id)
    return entries


def check_batch_size(total: int) -> None:
    if total > MAX_BATCH_BYTES:
        raise BatchRequestTooLong(
            f"Batch requests cannot be longer than {MAX_BATCH_BYTES} bytes. You have sent {total} bytes."
        )
