"""Tags of EventBridge buses and rules, addressed by ARN (TagResource, UntagResource,
ListTagsForResource). Stored as `[[key, value], ...]` on the bus or rule row."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from cloudlet.services.events import store
from cloudlet.services.events.errors import (
    ManagedRuleException,
    ResourceNotFoundException,
    ValidationException,
)

if TYPE_CHECKING:
    import sqlite3

    from cloudlet.core.db import Tx

MAX_TAGS = 50


def check(tag_list: list[dict[str, Any]]) -> list[list[str]]:
    """`[{"Key", "Value"}, ...]` as stored pairs.

    Raises: ValidationException (a key given twice).
    """
    keys = [t["Key"] for t in tag_list]
    if len(set(keys)) != len(keys):
        raise ValidationException("Invalid parameter: Duplicated keys are not allowed.")
    return [[t["Key"], t.get("Value", "")] for t in tag_list]


def merge(current: list[list[str]], new: list[list[str]]) -> list[list[str]]:
    """`current` with `new` added, a new value replacing an old one of the same key."""
    merged = dict((k, v) for k, v in current)
    merged.update((k, v) for k, v in new)
    if len(merged) > MAX_TAGS:
        raise ValidationException(
            f"The number of tags on the resource exceeds the limit of {MAX_TAGS}."
        )  # tagging quota: 50 user tags per resource
    return [[k, v] for k, v in merged.items()]


def without(current: list[list[str]], keys: list[str]) -> list[list[str]]:
    gone = set(keys)
    return [[k, v] for k, v in current if k not in gone]


def _resource(conn: sqlite3.Connection | Tx, arn: str) -> store.Bus | store.Rule:
    if ":event-bus/" in arn:
        bus = store.get_bus(conn, arn)
        if bus is None:
            raise ResourceNotFoundException(f"Event bus {arn.split(':event-bus/', 1)[1]} does not exist.")
        return bus
    if ":rule/" in arn:
        rule = store.get_rule(conn, arn)
        if rule is None:
            path = arn.split(":rule/", 1)[1]
            bus_name, _, name = path.rpartition("/")
            raise ResourceNotFoundException(
                f"Rule {name} does not exist on EventBus {bus_name or 'default'}."
            )
        return rule
    raise ValidationException(f"Parameter {arn} is not valid. Reason: Provided Arn is not in correct format.")


def read(conn: sqlite3.Connection | Tx, arn: str) -> list[list[str]]:
    """The tags of the bus or rule `arn`.

    Raises: ResourceNotFoundException.
    """
    return list(_resource(conn, arn).tags)


def write(tx: Tx, arn: str, tag_pairs: list[list[str]]) -> None:
    """Replace the tags of the bus or rule `arn`.

    Raises: ResourceNotFoundException; ManagedRuleException (a rule an AWS service manages).
    """
    found = _resource(tx, arn)
    if isinstance(found, store.Rule) and found.managed_by:
        raise ManagedRuleException(
            f"Rule {found.name} is managed by AWS service {found.managed_by} and can only be modified by it."
        )
    found.tags = tag_pairs
    if isinstance(found, store.Bus):
        store.update_bus(tx, found)
    else:
        store.upsert_rule(tx, found)
