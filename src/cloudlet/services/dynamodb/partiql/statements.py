"""The parsed forms of PartiQL statements. Conditions, paths and update actions reuse the expression
language's nodes (`expressions.ast`), so that they are evaluated by the same code."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from cloudlet.services.dynamodb.expressions.ast import Node, Path, UpdateActions


@dataclass
class Select:
    table: str
    index: str | None = None
    projection: list[Path] | None = None
    """None for `*`."""
    where: Node | None = None
    descending: bool | None = None
    """ORDER BY direction (None: no ORDER BY)."""
    order_by: str | None = None


@dataclass
class Insert:
    table: str
    item: dict[str, Any]
    """The item in stored form."""


@dataclass
class Update:
    table: str
    actions: UpdateActions = field(default_factory=UpdateActions)
    where: Node | None = None
    returning: str | None = None
    """UpdateItem's ReturnValues for `RETURNING ...` (ALL_OLD, UPDATED_OLD, ALL_NEW, UPDATED_NEW)."""


@dataclass
class Delete:
    table: str
    where: Node | None = None
    returning: str | None = None


@dataclass
class Exists:
    """`EXISTS(SELECT ...)`: a condition check inside ExecuteTransaction."""

    select: Select

    @property
    def table(self) -> str:
        return self.select.table


Statement = Select | Insert | Update | Delete | Exists


def is_read(statement: Statement) -> bool:
    return isinstance(statement, Select)
