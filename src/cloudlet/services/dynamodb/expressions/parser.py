"""Recursive-descent parser for condition, projection and update expressions, with DynamoDB's checks
that need no item (reserved words, placeholders, function use, operand types of literal values)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, NoReturn

from cloudlet.services.dynamodb import values as typed
from cloudlet.services.dynamodb.errors import ValidationException
from cloudlet.services.dynamodb.expressions.ast import (
    Arithmetic,
    Between,
    Call,
    Compare,
    Function,
    In,
    Literal,
    Logical,
    Node,
    Not,
    Operand,
    Parens,
    Path,
    UpdateActions,
)
from cloudlet.services.dynamodb.expressions.lexer import Token, tokenize
from cloudlet.services.dynamodb.expressions.reserved import RESERVED_WORDS

COMPARATORS = ("=", "<>", "<", "<=", ">", ">=")
CONDITION_FUNCTIONS = (
    "attribute_exists",
    "attribute_not_exists",
    "attribute_type",
    "begins_with",
    "contains",
)
OPERAND_FUNCTIONS = ("size",)
UPDATE_FUNCTIONS = ("if_not_exists", "list_append")
ARITY = {
    "attribute_exists": 1,
    "attribute_not_exists": 1,
    "attribute_type": 2,
    "begins_with": 2,
    "contains": 2,
    "size": 1,
    "if_not_exists": 2,
    "list_append": 2,
}
MAX_IN_OPERANDS = 100
MAX_NESTING = 32
CLAUSES = ("SET", "REMOVE", "ADD", "DELETE")
GRAMMAR_WORDS = frozenset(("AND", "OR", "NOT", "BETWEEN", "IN", *CLAUSES))
SCALAR_ORDERED = ("N", "S", "B")
ATTRIBUTE_TYPES = "{B,NULL,SS,BOOL,L,BS,N,NS,S,M}"


class Parser:
    """One expression's parser; records the placeholders it used (`names_used`, `values_used`)."""

    def __init__(
        self,
        text: str,
        names: Mapping[str, str] | None,
        values: Mapping[str, dict[str, Any]] | None,
        kind: str,
    ) -> None:
        self.text = text
        self.names = names or {}
        self.values = values or {}
        self.kind = kind
        self.names_used: set[str] = set()
        self.values_used: set[str] = set()
        if not text.strip():
            self.fail("The expression can not be empty;")
        self.tokens = tokenize(text)
        self.pos = 0

    # --- helpers ---------------------------------------------------------------------------------

    def fail(self, message: str) -> NoReturn:
        raise ValidationException(f"Invalid {self.kind}: {message}")

    def syntax_error(self, token: Token | None = None) -> NoReturn:
        index = self.pos if token is None else self.tokens.index(token)
        token = self.tokens[index]
        start = self.tokens[index - 1].start if index > 0 else token.start
        after = self.tokens[index + 1] if index + 1 < len(self.tokens) else token
        end = max(token.end, after.end)
        near = self.text[start:end]
        self.fail(f'Syntax error; token: "{token.text}", near: "{near}"')

    @property
    def peek(self) -> Token:
        return self.tokens[self.pos]

    def advance(self) -> Token:
        token = self.tokens[self.pos]
        if token.kind == "bad":
            self.syntax_error()
        self.pos += 1
        return token

    def at_op(self, text: str) -> bool:
        return self.peek.kind == "op" and self.peek.text == text

    def at_keyword(self, word: str) -> bool:
        return self.peek.kind == "name" and self.peek.text.upper() == word

    def expect_op(self, text: str) -> Token:
        if not self.at_op(text):
            self.syntax_error()
        return self.advance()

    def expect_end(self) -> None:
        if self.peek.kind != "eof":
            self.syntax_error()

    # --- operands --------------------------------------------------------------------------------

    def parse_path(self) -> Path:
        elements: list[str | int] = [self.path_name()]
        while True:
            if self.at_op("."):
                self.advance()
                elements.append(self.path_name())
            elif self.at_op("["):
                self.advance()
                if self.peek.kind != "int":
                    self.syntax_error()
                elements.append(int(self.advance().text))
                self.expect_op("]")
            else:
                break
        if len(elements) > MAX_NESTING:
            self.fail(f"The document path has too many nesting levels; nesting levels: {len(elements)}")
        return Path(tuple(elements))

    def path_name(self) -> str:
        token = self.peek
        if token.kind == "hashname" and len(token.text) > 1:
            self.advance()
            if token.text not in self.names:
                self.fail(
                    "An expression attribute name used in the document path is not defined; "
                    f"attribute name: {token.text}"
                )
            self.names_used.add(token.text)
            return self.names[token.text]
        if token.kind == "name":
            if token.text.upper() in GRAMMAR_WORDS:
                self.syntax_error()
            if token.text.upper() in RESERVED_WORDS:
                self.fail(f"Attribute name is a reserved keyword; reserved keyword: {token.text}")
            self.advance()
            return token.text
        self.syntax_error()

    def literal(self) -> Literal:
        token = self.advance()
        if len(token.text) == 1:
            self.syntax_error(token)
        if token.text not in self.values:
            self.fail(
                "An expression attribute value used in expression is not defined; "
                f"attribute value: {token.text}"
            )
        self.values_used.add(token.text)
        return Literal(token.text, self.values[token.text])

    def is_call(self) -> bool:
        if self.peek.kind != "name":
            return False
        nxt = self.tokens[self.pos + 1]
        return nxt.kind == "op" and nxt.text == "("

    def parse_call(self, allowed: tuple[str, ...], context: str) -> tuple[str, list[Any]]:
        """A function call `name(args)`; the arguments are parsed as operands of the same context."""
        name_token = self.advance()
        name = name_token.text
        if name not in ARITY:
            self.fail(f"Invalid function name; function: {name}")
        if name not in allowed:
            if context == "update":
                self.fail(f"The function is not allowed in an update expression; function: {name}")
            self.misused(name)
        self.expect_op("(")
        args: list[Any] = []
        if not self.at_op(")"):
            args.append(self.parse_argument(context))
            while self.at_op(","):
                self.advance()
                args.append(self.parse_argument(context))
        self.expect_op(")")
        if len(args) != ARITY[name]:
            self.fail(
                "Incorrect number of operands for operator or function; "
                f"operator or function: {name}, number of operands: {len(args)}"
            )
        return name, args

    def misused(self, name: str) -> NoReturn:
        self.fail(f"The function is not allowed to be used this way in an expression; function: {name}")

    def parse_argument(self, context: str) -> Operand:
        if context == "update":
            return self.parse_update_operand()
        return self.parse_operand()

    def parse_operand(self) -> Operand:
        """A condition operand: a path, a `:value` or `size(path)`."""
        token = self.peek
        if token.kind == "value":
            return self.literal()
        if self.is_call():
            name, args = self.parse_call(OPERAND_FUNCTIONS, "condition")
            self.require_path(name, args[0])
            return Call(name, tuple(args))
        if token.kind in ("name", "hashname"):
            return self.parse_path()
        self.syntax_error()

    def require_path(self, name: str, operand: Any) -> None:
        if not isinstance(operand, Path):
            self.fail(f"Operator or function requires a document path; operator or function: {name}")

    def operand_type_error(self, name: str, value: dict[str, Any]) -> NoReturn:
        self.fail(
            "Incorrect operand type for operator or function; "
            f"operator or function: {name}, operand type: {typed.type_of(value)}"
        )

    # --- conditions ------------------------------------------------------------------------------

    def parse_condition(self) -> Node:
        node = self.parse_or()
        self.expect_end()
        return node

    def parse_or(self) -> Node:
        node = self.parse_and()
        while self.at_keyword("OR"):
            self.advance()
            node = Logical("OR", node, self.parse_and())
        return node

    def parse_and(self) -> Node:
        node = self.parse_not()
        while self.at_keyword("AND"):
            self.advance()
            node = Logical("AND", node, self.parse_not())
        return node

    def parse_not(self) -> Node:
        if self.at_keyword("NOT"):
            self.advance()
            return Not(self.parse_not())
        return self.parse_primary()

    def parse_primary(self) -> Node:
        if self.at_op("("):
            self.advance()
            inner = self.parse_or()
            self.expect_op(")")
            if isinstance(inner, Parens):
                self.fail("The expression has redundant parentheses;")
            return Parens(inner)
        if self.is_call() and self.peek.text in CONDITION_FUNCTIONS:
            name, args = self.parse_call(CONDITION_FUNCTIONS, "condition")
            return self.check_function(name, args)
        left = self.parse_operand()
        if self.peek.kind == "op" and self.peek.text in COMPARATORS:
            op = self.advance().text
            right = self.parse_operand()
            return self.check_compare(op, left, right)
        if self.at_keyword("BETWEEN"):
            self.advance()
            low = self.parse_operand()
            if not self.at_keyword("AND"):
                self.syntax_error()
            self.advance()
            high = self.parse_operand()
            return self.check_between(left, low, high)
        if self.at_keyword("IN"):
            self.advance()
            self.expect_op("(")
            choices = [self.parse_operand()]
            while self.at_op(","):
                self.advance()
                choices.append(self.parse_operand())
            self.expect_op(")")
            if len(choices) > MAX_IN_OPERANDS:
                self.fail(
                    f"The IN operator is provided with too many operands; number of operands: {len(choices)}"
                )
            return In(left, tuple(choices))
        if isinstance(left, Call):
            self.misused(left.name)
        self.syntax_error()

    def check_function(self, name: str, args: list[Operand]) -> Function:
        if name in ("attribute_exists", "attribute_not_exists", "attribute_type", "begins_with", "contains"):
            self.require_path(name, args[0])
        if name == "attribute_type":
            kind = args[1]
            if isinstance(kind, Literal):
                if typed.type_of(kind.value) != "S":
                    self.operand_type_error(name, kind.value)
                if kind.value["S"] not in typed.TYPES:
                    self.fail(
                        f"Invalid attribute type name found; type: {kind.value['S']}, "
                        f"valid types: {ATTRIBUTE_TYPES}"
                    )
        second = args[1] if len(args) > 1 else None
        if (
            name == "begins_with"
            and isinstance(second, Literal)
            and typed.type_of(second.value) not in ("S", "B")
        ):
            self.operand_type_error(name, second.value)
        return Function(name, tuple(args))

    def check_compare(self, op: str, left: Operand, right: Operand) -> Compare:
        if isinstance(left, Path) and left == right:
            self.fail(
                "The first operand must be distinct from the remaining operands for this operator or "
                f"function; operator: {op}, first operand: {left}"
            )
        if op not in ("=", "<>"):
            for side in (left, right):
                if isinstance(side, Literal) and typed.type_of(side.value) not in SCALAR_ORDERED:
                    self.operand_type_error(op, side.value)
        return Compare(op, left, right)

    def check_between(self, operand: Operand, low: Operand, high: Operand) -> Between:
        for side in (operand, low, high):
            if isinstance(side, Literal) and typed.type_of(side.value) not in SCALAR_ORDERED:
                self.operand_type_error("BETWEEN", side.value)
        if isinstance(low, Literal) and isinstance(high, Literal):
            shown_low, shown_high = _shown(low.value), _shown(high.value)
            if typed.type_of(low.value) != typed.type_of(high.value):
                self.fail(
                    "The BETWEEN operator requires same data type for lower and upper bounds; "
                    f"lower bound operand: AttributeValue: {shown_low}, "
                    f"upper bound operand: AttributeValue: {shown_high}"
                )
            if (typed.compare(low.value, high.value) or 0) > 0:
                self.fail(
                    "The BETWEEN operator requires upper bound to be greater than or equal to lower bound; "
                    f"lower bound operand: AttributeValue: {shown_low}, "
                    f"upper bound operand: AttributeValue: {shown_high}"
                )
        return Between(operand, low, high)

    # --- projections -----------------------------------------------------------------------------

    def parse_projection(self) -> list[Path]:
        paths = [self.parse_path()]
        while self.at_op(","):
            self.advance()
            paths.append(self.parse_path())
        self.expect_end()
        check_overlaps(paths, self.fail)
        return paths

    # --- updates ---------------------------------------------------------------------------------

    def parse_update(self) -> UpdateActions:
        actions = UpdateActions()
        seen: set[str] = set()
        if self.peek.kind == "eof":
            self.syntax_error()
        while self.peek.kind != "eof":
            clause = self.peek.text.upper() if self.peek.kind == "name" else ""
            if clause not in CLAUSES:
                self.syntax_error()
            if clause in seen:
                self.fail(f'The "{clause}" section can only be used once in an update expression;')
            seen.add(clause)
            self.advance()
            while True:
                self.parse_action(clause, actions)
                if not self.at_op(","):
                    break
                self.advance()
        targets = (
            [path for path, _ in actions.set]
            + actions.remove
            + [path for path, _ in actions.add]
            + [path for path, _ in actions.delete]
        )
        check_overlaps(targets, self.fail)
        return actions

    def parse_action(self, clause: str, actions: UpdateActions) -> None:
        path = self.parse_path()
        if clause == "SET":
            self.expect_op("=")
            actions.set.append((path, self.parse_set_value()))
        elif clause == "REMOVE":
            actions.remove.append(path)
        else:
            if self.peek.kind != "value":
                self.syntax_error()
            value = self.literal()
            tag = typed.type_of(value.value)
            allowed = ("N", "SS", "NS", "BS") if clause == "ADD" else ("SS", "NS", "BS")
            if tag not in allowed:
                self.fail(
                    "Incorrect operand type for operator or function; "
                    f"operator: {clause}, operand type: {typed.TYPE_WORDS[tag]}, "
                    f"typeSet: ALLOWED_FOR_{clause}_OPERAND"
                )
            (actions.add if clause == "ADD" else actions.delete).append((path, value))

    def parse_set_value(self) -> Operand:
        left = self.parse_update_operand()
        if self.at_op("+") or self.at_op("-"):
            op = self.advance().text
            right = self.parse_update_operand()
            for side in (left, right):
                if isinstance(side, Literal) and typed.type_of(side.value) != "N":
                    self.operand_type_error(op, side.value)
            return Arithmetic(op, left, right)
        return left

    def parse_update_operand(self) -> Operand:
        token = self.peek
        if token.kind == "value":
            return self.literal()
        if self.is_call():
            name, args = self.parse_call(UPDATE_FUNCTIONS, "update")
            if name == "if_not_exists":
                self.require_path(name, args[0])
            else:
                for arg in args:
                    if isinstance(arg, Literal) and typed.type_of(arg.value) != "L":
                        self.operand_type_error(name, arg.value)
            return Call(name, tuple(args))
        if token.kind in ("name", "hashname"):
            return self.parse_path()
        self.syntax_error()


def _shown(value: dict[str, Any]) -> str:
    tag = typed.type_of(value)
    return f"{{{tag}:{value[tag]}}}"


def check_overlaps(paths: list[Path], fail: Any) -> None:
    """DynamoDB's rule that no two paths of one expression overlap (one a prefix of the other) or
    conflict (one indexes a list where the other names a map key)."""
    for i, first in enumerate(paths):
        for second in paths[i + 1 :]:
            a, b = first.elements, second.elements
            common = 0
            while common < min(len(a), len(b)) and a[common] == b[common]:
                common += 1
            if common == min(len(a), len(b)):
                fail(
                    "Two document paths overlap with each other; must remove or rewrite one of these "
                    f"paths; path one: {first}, path two: {second}"
                )
            if isinstance(a[common], int) != isinstance(b[common], int):
                fail(
                    "Two document paths conflict with each other; must remove or rewrite one of these "
                    f"paths; path one: {first}, path two: {second}"
                )
