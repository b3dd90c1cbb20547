"""What a publish carries: validation of the message, its structure, attributes and FIFO parameters,
and the envelope fields each subscription receives (sns-message-and-json-formats.html).
"""

from __future__ import annotations

import base64
import json
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from cloudlet.services.sns.errors import InvalidParameterValueException, invalid

MAX_MESSAGE_BYTES = 262_144
_ATTRIBUTE_NAME = re.compile(r"[A-Za-z0-9_.-]{1,256}")
_TOKEN = re.compile(r"[!-~]{1,128}")
_SUBJECT = re.compile(r"[^\x00-\x1f\x7f]{1,99}")  # UTF-8 text, no line breaks or control characters
STRUCTURE_KEYS = ("default", "sqs", "lambda", "http", "https", "email", "email-json", "sms", "firehose")


@dataclass(slots=True)
class Outgoing:
    """A validated publish: the message (or its per-protocol variants), subject and attributes."""

    message: str
    subject: str | None = None
    per_protocol: dict[str, str] = field(default_factory=dict)
    attributes: dict[str, dict[str, Any]] = field(default_factory=dict)
    """Wire form: {name: {"DataType", "StringValue" | "BinaryValue" (bytes)}}."""
    group_id: str | None = None
    dedup_id: str | None = None

    def message_for(self, protocol: str) -> str:
        return self.per_protocol.get(protocol, self.message)

    def envelope_attributes(self) -> dict[str, dict[str, str]]:
        """`MessageAttributes` of the JSON envelope: {name: {"Type", "Value"}} (binary as base64)."""
        out = {}
        for name, value in self.attributes.items():
            if value.get("BinaryValue") is not None:
                out[name] = {
                    "Type": value["DataType"],
                    "Value": base64.b64encode(bytes(value["BinaryValue"])).decode(),
                }
            else:
                out[name] = {"Type": value["DataType"], "Value": value.get("StringValue", "")}
        return out


def parse_publish(request: dict[str, Any], fifo: bool, content_dedup: bool) -> Outgoing:
    """Validate a Publish (or PublishBatch entry). Raises InvalidParameter / ParameterValueInvalid."""
    message = request.get("Message")
    if message is None or message == "":
        raise invalid("Empty message")
    subject = request.get("Subject")
    if subject is not None and not _SUBJECT.fullmatch(subject):
        raise invalid("Subject")
    attributes = dict(request.get("MessageAttributes") or {})
    size = len(message.encode("utf-8")) + check_attributes(attributes)
    if size > MAX_MESSAGE_BYTES:
        raise invalid("Message too long")
    per_protocol: dict[str, str] = {}
    if request.get("MessageStructure") is not None:
        if request["MessageStructure"] != "json":
            raise invalid("MessageStructure")
        try:
            doc = json.loads(message)
        except ValueError:
            doc = None
        if not isinstance(doc, dict):
            raise invalid("Message Structure - JSON message body failed to parse")
        if "default" not in doc:
            raise invalid("Message Structure - No default entry in JSON message body")
        for key, value in doc.items():
            if not isinstance(value, str):
                raise invalid(f"Message Structure - JSON message body values must be strings ({key})")
        message = doc["default"]
        per_protocol = {k: v for k, v in doc.items() if k != "default"}
    group = request.get("MessageGroupId")
    dedup = request.get("MessageDeduplicationId")
    if fifo:
        if group is None:
            raise invalid("The MessageGroupId parameter is required for FIFO topics")
        if not _TOKEN.fullmatch(group):
            raise invalid("MessageGroupId Reason: must be 1 to 128 alphanumeric or punctuation characters")
        if dedup is None and not content_dedup:
            raise invalid(
                "The topic should either have ContentBasedDeduplication enabled or MessageDeduplicationId "
                "provided explicitly"
            )
    elif dedup is not None:
        raise invalid(
            "MessageDeduplicationId Reason: The request includes MessageDeduplicationId parameter that "
            "is not valid for this topic type"
        )
    if dedup is not None and not _TOKEN.fullmatch(dedup):
        raise invalid(
            "MessageDeduplicationId Reason: must be 1 to 128 alphanumeric or punctuation characters"
        )
    return Outgoing(message, subject, per_protocol, attributes, group, dedup)


def check_attributes(attributes: dict[str, dict[str, Any]]) -> int:
    """Validate message attributes; returns their size in bytes."""
    # More than 10 attributes are fine on a publish; only raw delivery to SQS cannot carry them
    # (sns-message-attributes.html), which then fails as that subscription's delivery.
    size = 0
    for name, value in attributes.items():
        if (
            not _ATTRIBUTE_NAME.fullmatch(name)
            or name.lower().startswith(("aws.", "amazon."))
            or ".." in name
        ):
            raise invalid(f"MessageAttributes Reason: Invalid attribute name: {name}")
        data_type = value.get("DataType") or ""
        base = data_type.split(".", 1)[0]
        if base not in ("String", "Number", "Binary"):
            raise InvalidParameterValueException(
                f"The message attribute '{name}' has an invalid message attribute type, the set of supported "
                "type prefixes is Binary, Number, and String."
            )
        if base == "Binary":
            raw = value.get("BinaryValue")
            if not raw:
                raise InvalidParameterValueException(
                    f"The message attribute '{name}' must contain non-empty message attribute value for "
                    f"message attribute type 'Binary'."
                )
            size += len(raw)
        else:
            text = value.get("StringValue")
            if text is None or text == "":
                raise InvalidParameterValueException(
                    f"The message attribute '{name}' must contain non-empty message attribute value for "
                    f"message "
                    f"attribute type '{base}'."
                )
            if base == "Number":
                try:
                    number = Decimal(text)
                except InvalidOperation:
                    number = None
                if number is None or not number.is_finite():
                    raise InvalidParameterValueException(
                        f"Could not cast message attribute '{name}' value to number."
                    )
            if data_type == "String.Array":
                try:
                    array = json.loads(text)
                except ValueError:
                    array = None
                if not isinstance(array, list):
                    raise InvalidParameterValueException(
                        f"The message attribute '{name}' with type 'String.Array' must be a JSON array."
                    )
            size += len(text.encode("utf-8"))
        size += len(name.encode("utf-8")) + len(data_type.encode("utf-8"))
    return size
