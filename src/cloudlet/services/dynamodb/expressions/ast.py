"""The parsed forms of expressions: document paths, operands, conditions and update actions."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

Element = str | int
"""A document path element: an attribute or map key name, or a list index."""


@dataclass(frozen=True)
class Path:
    """A document path, its placeholders resolved: `a.#b[2]` → ("a", "<value of #b>", 2)."""

    elements: tuple[Element, ...]

    def __str__(self) -> str:
        """DynamoDB's rendering in error messages: `[a, b, [2]]`."""
        return "[" + ", ".join(f"[{e}]" if isinstance(e, int) else e for e in self.elements) + "]"


@dataclass(frozen=True)
class Literal:
    """An expression attribute value (`:v`), already looked up."""

    name: str
    value: dict[str, Any]


@dataclass(frozen=True)
class Call:
    """A function applied to operands: size, if_not_exists, list_append (and the condition functions)."""

    name: str
    args: tuple[Any, ...]


@dataclass(frozen=True)
class Arithmetic:
    """`a + b` or `a - b` in a SET action."""

    op: str
    left: Any
    right: Any


Operand = Path | Literal | Call | Arithmetic


@dataclass(frozen=True)
class Compare:
    op: str  # = <> < <= > >=
    left: Operand
    right: Operand


@dataclass(frozen=True)
class Between:
    operand: Operand
    low: Operand
    high: Operand


@dataclass(frozen=True)
class In:
    operand: Operand
    choices: tuple[Operand, ...]


@dataclass(frozen=True)
class Function:
    """A boolean function: attribute_exists, attribute_not_exists, attribute_type, begins_with, contains."""

    name: str
    args: tuple[Operand, ...]


@dataclass(frozen=True)
class Not:
    operand: Any


@dataclass(frozen=True)
class Logical:
    op: str  # AND, OR
    left: Any
    right: Any


@dataclass(frozen=True)
class Parens:
    """A parenthesised condition (kept to detect DynamoDB's "redundant parentheses")."""

    inner: Any


Node = Compare | Between | In | Function | Not | Logical | Parens


@dataclass
class UpdateActions:
    """The clauses of an update expression, each action in the order written."""

    set: list[tuple[Path, Operand]] = field(default_factory=list)
    remove: list[Path] = field(default_factory=list)
    add: list[tuple[Path, Literal]] = field(default_factory=list)
    delete: list[tuple[Path, Literal]] = field(default_factory=list)
