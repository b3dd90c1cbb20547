"""Recursive-descent parser of DynamoDB's PartiQL subset: SELECT, INSERT, UPDATE, DELETE and (inside
transactions) EXISTS. `?` parameters and literals become typed values in stored form at parse time."""

from __future__ import annotations

from typing import Any, NoReturn

from cloudlet.services.dynamodb import items
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
    Path,
)
from cloudlet.services.dynamodb.partiql.lexer import Token, malformed, tokenize
from cloudlet.services.dynamodb.partiql.statements import Delete, Exists, Insert, Select, Statement, Update

KEYWORDS = frozenset(
    {
        "SELECT",
        "FROM",
        "WHERE",
        "AND",
        "OR",
        "NOT",
        "BETWEEN",
        "IN",
        "IS",
        "MISSING",
        "NULL",
        "TRUE",
        "FALSE",
        "SET",
        "REMOVE",
        "VALUE",
        "VALUES",
        "INTO",
        "INSERT",
        "UPDATE",
        "DELETE",
        "RETURNING",
        "ORDER",
        "BY",
        "ASC",
        "DESC",
        "EXISTS",
        "LIMIT",
        "GROUP",
        "HAVING",
        "JOIN",
        "AS",
        "AT",
        "UNION",
    }
)
COMPARATORS = ("=", "<>", "!=", "<", "<=", ">", ">=")
CONDITION_FUNCTIONS = {
    "begins_with": 2,
    "contains": 2,
    "attribute_exists": 1,
    "attribute_not_exists": 1,
    "attribute_type": 2,
}
RETURNING = {
    ("ALL", "OLD"): "ALL_OLD",
    ("MODIFIED", "OLD"): "UPDATED_OLD",
    ("ALL", "NEW"): "ALL_NEW",
    ("MODIFIED", "NEW"): "UPDATED_NEW",
}
PARAMETER_COUNT = "Number of parameters in request and statement don't match."
EMPTY_BAG = "Empty bags are not supported"
BAG_TYPES = "Unsupported data type in Bag. DynamoDB only supports either numbers or strings in bags"


def parse(text: str, parameters: list[dict[str, Any]] | None = None) -> Statement:
    """Parse one statement. Raises ValidationException with DynamoDB's messages."""
    return Parser(text, parameters or []).statement()


class Parser:
    def __init__(self, text: str, parameters: list[dict[str, Any]]) -> None:
        self.tokens = tokenize(text)
        self.pos = 0
        self.parameters = parameters
        self.used = 0

    # --- tokens -----------------------------------------------------------------------------------

    @property
    def peek(self) -> Token:
        return self.tokens[self.pos]

    def advance(self) -> Token:
        token = self.tokens[self.pos]
        if token.kind != "eof":
            self.pos += 1
        return token

    def unexpected(self) -> NoReturn:
        token = self.peek
        if token.kind == "eof":
            raise malformed("Unexpected end of input")
        if token.kind == "word" and token.text.upper() in KEYWORDS:
            raise malformed("Unexpected keyword")
        raise malformed("Unexpected token")

    def at(self, *words: str) -> bool:
        token = self.peek
        return token.kind == "word" and token.text.upper() in words

    def at_punct(self, *texts: str) -> bool:
        return self.peek.kind == "punct" and self.peek.text in texts

    def keyword(self, word: str) -> None:
        if not self.at(word):
            self.unexpected()
        self.advance()

    def punct(self, text: str) -> None:
        if not self.at_punct(text):
            self.unexpected()
        self.advance()

    def identifier(self) -> str:
        token = self.peek
        if token.kind == "name" or (token.kind == "word" and token.text.upper() not in KEYWORDS):
            self.advance()
            return token.text
        self.unexpected()

    # --- statements -------------------------------------------------------------------------------

    def statement(self) -> Statement:
        if not self.at("SELECT", "INSERT", "UPDATE", "DELETE", "EXISTS"):
            raise malformed("Expected data manipulation")
        word = self.advance().text.upper()
        result: Statement
        if word == "SELECT":
            result = self.select()
        elif word == "INSERT":
            result = self.insert()
        elif word == "UPDATE":
            result = self.update()
        elif word == "DELETE":
            result = self.delete()
        else:
            self.punct("(")
            self.keyword("SELECT")
            result = Exists(self.select())
            self.punct(")")
        if self.at_punct(";"):
            self.advance()
        if self.peek.kind != "eof":
            self.unexpected()
        return result

    def select(self) -> Select:
        projection: list[Path] | None = None
        if self.at_punct("*"):
            self.advance()
        else:
            projection = [self.path()]
            while self.at_punct(","):
                self.advance()
                projection.append(self.path())
            if self.at_punct("*"):
                raise ValidationException(
                    "Other attributes should not be present in the projection when '*' is used."
                )
            seen: set[Path] = set()
            for path in projection:
                if path in seen:
                    raise ValidationException(f"Duplicate identifiers in select clause: {path.elements[0]}")
                seen.add(path)
        self.keyword("FROM")
        table = self.identifier()
        index = None
        if self.at_punct("."):
            self.advance()
            index = self.identifier()
            if self.at_punct("."):
                raise ValidationException("A path may contain at most 2 components in the FROM clause")
        statement = Select(table, index, projection)
        if self.at("WHERE"):
            self.advance()
            statement.where = self.condition()
        if self.at("ORDER"):
            self.advance()
            self.keyword("BY")
            statement.order_by = self.identifier()
            statement.descending = False
            if self.at("ASC", "DESC"):
                statement.descending = self.advance().text.upper() == "DESC"
        return statement

    def insert(self) -> Insert:
        self.keyword("INTO")
        table = self.identifier()
        if not self.at("VALUE"):
            self.unexpected()
        self.advance()
        if not self.at_punct("{"):
            if self.at_punct("<<"):
                raise ValidationException(
                    "Unsupported operation: Inserting multiple items in a single statement is not supported,"
                    ' use "INSERT INTO tableName VALUE item" instead'
                )
            raise ValidationException(
                "Unsupported format in item expression. Please use struct format {...} to express item values"
                " for insert statement."
            )
        item = self.value()["M"]
        if self.at("RETURNING"):
            raise ValidationException("RETURNING is not supported in INSERT")
        return Insert(table, item)

    def update(self) -> Update:
        statement = Update(self.identifier())
        while self.at("SET", "REMOVE"):
            clause = self.advance().text.upper()
            while True:
                if clause == "SET":
                    self.assignment(statement)
                else:
                    statement.actions.remove.append(self.path())
                if not self.at_punct(","):
                    break
                self.advance()
        actions = statement.actions
        if not (actions.set or actions.remove or actions.add or actions.delete):
            if self.at("ADD", "DELETE"):
                raise ValidationException(
                    "Only SET and REMOVE are supported in update expressions at this time"
                )
            self.unexpected()
        if not self.at("WHERE"):
            if self.peek.kind == "eof":
                raise ValidationException(
                    "Where clause does not contain a mandatory equality on all key attributes"
                )
            self.unexpected()
        self.advance()
        statement.where = self.condition()
        statement.returning = self.returning()
        return statement

    def assignment(self, statement: Update) -> None:
        target = self.path()
        self.punct("=")
        if self.peek.kind == "word" and self.peek.text.lower() in ("set_add", "set_delete"):
            name = self.advance().text.upper()
            self.punct("(")
            first = self.path()
            self.punct(",")
            second = self.operand()
            self.punct(")")
            if first != target:
                raise ValidationException(f"The first argument to {name} must equal the assignment value")
            if not isinstance(second, Literal) or next(iter(second.value)) not in ("SS", "NS", "BS"):
                raise ValidationException(f"The second argument to {name} must be a value with type SET")
            bucket = statement.actions.add if name == "SET_ADD" else statement.actions.delete
            bucket.append((target, second))
            return
        value: Operand = self.set_term()
        if self.at_punct("+", "-"):
            op = self.advance().text
            value = Arithmetic(op, value, self.set_term())
        statement.actions.set.append((target, value))

    def set_term(self) -> Operand:
        if self.peek.kind == "word" and self.peek.text.lower() in ("list_append", "if_not_exists"):
            name = self.advance().text.lower()
            self.punct("(")
            first = self.set_term()
            self.punct(",")
            second = self.set_term()
            self.punct(")")
            return Call(name, (first, second))
        return self.operand()

    def delete(self) -> Delete:
        self.keyword("FROM")
        statement = Delete(self.identifier())
        if not self.at("WHERE"):
            if self.peek.kind == "eof":
                raise ValidationException(
                    "Where clause does not contain a mandatory equality on all key attributes"
                )
            self.unexpected()
        self.advance()
        statement.where = self.condition()
        statement.returning = self.returning()
        if statement.returning not in (None, "ALL_OLD"):
            shown = {v: " ".join(k) for k, v in RETURNING.items()}[statement.returning]
            raise ValidationException(
                f"Invalid returning clause: RETURNING {shown} *. Only RETURNING ALL OLD * is allowed in"
                " DELETE statements."
            )
        return statement

    def returning(self) -> str | None:
        if not self.at("RETURNING"):
            return None
        self.advance()
        first = self.advance().text.upper()
        second = self.advance().text.upper()
        mode = RETURNING.get((first, second))
        if mode is None:
            raise malformed("Unexpected token")
        if not self.at_punct("*"):
            raise ValidationException(
                "Expected '*' after ( MODIFIED | ALL ) ( NEW | OLD ) in RETURNING clause"
            )
        self.advance()
        return mode

    # --- conditions -------------------------------------------------------------------------------

    def condition(self) -> Node:
        node = self.conjunction()
        while self.at("OR"):
            self.advance()
            node = Logical("OR", node, self.conjunction())
        return node

    def conjunction(self) -> Node:
        node = self.negation()
        while self.at("AND"):
            self.advance()
            node = Logical("AND", node, self.negation())
        return node

    def negation(self) -> Node:
        if self.at("NOT"):
            self.advance()
            return Not(self.negation())
        return self.predicate()

    def predicate(self) -> Node:
        if self.at_punct("("):
            self.advance()
            inner = self.condition()
            self.punct(")")
            return inner
        token = self.peek
        if token.kind == "word" and self.tokens[self.pos + 1].text == "(" and token.text.lower() != "size":
            return self.function()
        left = self.operand()
        if self.at_punct(*COMPARATORS):
            op = self.advance().text
            return Compare("<>" if op == "!=" else op, left, self.operand())
        if self.at("BETWEEN"):
            self.advance()
            low = self.operand()
            self.keyword("AND")
            return Between(left, low, self.operand())
        negated = False
        if self.at("NOT") and self.tokens[self.pos + 1].text.upper() == "IN":
            self.advance()
            negated = True
        if self.at("IN"):
            self.advance()
            closing = {"[": "]", "(": ")"}.get(self.peek.text) if self.peek.kind == "punct" else None
            if closing is None or not isinstance(left, Path):
                raise ValidationException(
                    "IN operator must have a left hand argument of type Variable Reference and right hand"
                    " argument of type Seq with at least one member"
                )
            self.advance()
            choices = [self.operand()]
            while self.at_punct(","):
                self.advance()
                choices.append(self.operand())
            self.punct(closing)
            node: Node = In(left, tuple(choices))
            return Not(node) if negated else node
        if self.at("IS"):
            self.advance()
            negated = self.at("NOT")
            if negated:
                self.advance()
            if not self.at("MISSING"):
                word = self.advance().text.upper()
                raise ValidationException(
                    f"Unsupported data type for IS operator: {word}. Supported data types are [MISSING, NULL,"
                    " BOOLEAN, BLOB, STRING, NUMERIC, STRUCT, TUPLE, LIST]"
                )
            self.advance()
            if not isinstance(left, Path):
                raise ValidationException(
                    "The left hand side argument to IS must be a Variable Reference, Literal, or Path"
                )
            return Function("attribute_exists" if negated else "attribute_not_exists", (left,))
        self.unexpected()

    def function(self) -> Function:
        name = self.advance().text.lower()
        if name not in CONDITION_FUNCTIONS:
            raise ValidationException(f"Unrecognized function: {name}")
        self.punct("(")
        args = [self.operand()]
        while self.at_punct(","):
            self.advance()
            args.append(self.operand())
        self.punct(")")
        if len(args) != CONDITION_FUNCTIONS[name] or not isinstance(args[0], Path):
            raise malformed(f"Invalid arguments to function {name}")
        return Function(name, tuple(args))

    def operand(self) -> Operand:
        token = self.peek
        if token.kind == "word" and token.text.lower() == "size" and self.tokens[self.pos + 1].text == "(":
            self.advance()
            self.punct("(")
            path = self.path()
            self.punct(")")
            return Call("size", (path,))
        if token.kind == "name" or (token.kind == "word" and token.text.upper() not in KEYWORDS):
            return self.path()
        if self.at("MISSING"):
            raise ValidationException("MISSING must be compared using IS operator")
        return Literal("?" if token.text == "?" else token.text, self.value())

    def path(self) -> Path:
        elements: list[str | int] = [self.identifier()]
        while True:
            if self.at_punct("."):
                self.advance()
                elements.append(self.identifier())
            elif self.at_punct("["):
                self.advance()
                token = self.advance()
                if token.kind == "number" and token.text.isdigit():
                    elements.append(int(token.text))
                elif token.kind == "string":
                    elements.append(token.text)
                else:
                    raise malformed("Unexpected path component")
                self.punct("]")
            else:
                return Path(tuple(elements))

    # --- values -----------------------------------------------------------------------------------

    def value(self) -> dict[str, Any]:
        """A literal or parameter as a typed value in stored form."""
        start = self.pos
        token = self.advance()
        if token.kind == "string":
            return {"S": token.text}
        if token.kind == "number":
            return {"N": _number(token.text)}
        if token.kind == "punct":
            if token.text == "-" and self.peek.kind == "number":
                return {"N": _number("-" + self.advance().text)}
            if token.text == "?":
                return self.parameter()
            if token.text == "[":
                elements = []
                if not self.at_punct("]"):
                    elements.append(self.value())
                    while self.at_punct(","):
                        self.advance()
                        elements.append(self.value())
                self.punct("]")
                return {"L": elements}
            if token.text == "{":
                return self.struct()
            if token.text == "<<":
                return self.bag()
        if token.kind == "word":
            word = token.text.upper()
            if word in ("TRUE", "FALSE"):
                return {"BOOL": word == "TRUE"}
            if word == "NULL":
                return {"NULL": True}
        self.pos = start
        self.unexpected()

    def parameter(self) -> dict[str, Any]:
        if self.used >= len(self.parameters):
            raise ValidationException(PARAMETER_COUNT)
        raw = self.parameters[self.used]
        self.used += 1
        try:
            return items.value(raw)
        except items.InvalidValue as exc:
            raise ValidationException(exc.message) from None

    def struct(self) -> dict[str, Any]:
        members: dict[str, Any] = {}
        if not self.at_punct("}"):
            while True:
                key = self.advance()
                if key.kind != "string":
                    if key.kind == "punct" and key.text == "?":
                        raise ValidationException("Tuple keys must be of type String. Actual type: PARAMETER")
                    self.pos -= 1
                    self.unexpected()
                self.punct(":")
                if key.text in members:
                    raise ValidationException(f"Duplicate keys in tuple. Key: {key.text} under {key.text}")
                members[key.text] = self.value()
                if not self.at_punct(","):
                    break
                self.advance()
        self.punct("}")
        return {"M": members}

    def bag(self) -> dict[str, Any]:
        members: list[dict[str, Any]] = []
        if not self.at_punct(">>"):
            while True:
                if self.at_punct("?"):
                    raise ValidationException(BAG_TYPES)
                members.append(self.value())
                if not self.at_punct(","):
                    break
                self.advance()
        self.punct(">>")
        if not members:
            raise ValidationException(EMPTY_BAG)
        kinds = {next(iter(m)) for m in members}
        if len(kinds) != 1 or not kinds <= {"S", "N"}:
            raise ValidationException(BAG_TYPES)
        kind = kinds.pop()
        raw = {kind + "S": [m[kind] for m in members]}
        try:
            return items.value(raw)
        except items.InvalidValue as exc:
            raise ValidationException(exc.message) from None


def _number(text: str) -> str:
    try:
        return items.number(text)
    except items.InvalidValue as exc:
        raise ValidationException(exc.message) from None
