"""PartiQL statements → requests of the item operations, with the conditions, projections and updates
written as expressions over generated `#nN`/`:vN` placeholders (so reserved words never matter).

WHERE is split at its top-level ANDs: equalities on key attributes give the key (writes, reads by key)
or the key condition of a Query (SELECT with the partition key, sort key ranges included); the rest
becomes the condition or filter."""

from __future__ import annotations

from typing import Any

from cloudlet.services.dynamodb import indexes, items, store
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
    UpdateActions,
)
from cloudlet.services.dynamodb.partiql.statements import Delete, Exists, Insert, Select, Statement, Update

INCOMPLETE_KEY = "Where clause does not contain a mandatory equality on all key attributes"
_SORT_OPS = ("=", "<", "<=", ">", ">=")
_MIRROR = {"=": "=", "<": ">", "<=": ">=", ">": "<", ">=": "<="}


class Render:
    """Writes expression text and collects its ExpressionAttributeNames/Values."""

    def __init__(self) -> None:
        self.names: dict[str, str] = {}
        self.values: dict[str, Any] = {}
        self._placeholders: dict[str, str] = {}

    def name(self, name: str) -> str:
        if name not in self._placeholders:
            placeholder = f"#n{len(self._placeholders)}"
            self._placeholders[name] = placeholder
            self.names[placeholder] = name
        return self._placeholders[name]

    def value(self, value: dict[str, Any]) -> str:
        placeholder = f":v{len(self.values)}"
        self.values[placeholder] = items.to_wire(value)
        return placeholder

    def path(self, path: Path) -> str:
        text = self.name(str(path.elements[0]))
        for element in path.elements[1:]:
            text += f"[{element}]" if isinstance(element, int) else "." + self.name(element)
        return text

    def operand(self, operand: Operand) -> str:
        if isinstance(operand, Path):
            return self.path(operand)
        if isinstance(operand, Literal):
            return self.value(operand.value)
        if isinstance(operand, Call):
            return f"{operand.name}({', '.join(self.operand(a) for a in operand.args)})"
        if isinstance(operand, Arithmetic):
            return f"{self.operand(operand.left)} {operand.op} {self.operand(operand.right)}"
        raise TypeError(operand)

    def condition(self, node: Node) -> str:
        if isinstance(node, Logical):
            return f"{self._group(node.left)} {node.op} {self._group(node.right)}"
        if isinstance(node, Not):
            return f"NOT {self._group(node.operand)}"
        if isinstance(node, Compare):
            return f"{self.operand(node.left)} {node.op} {self.operand(node.right)}"
        if isinstance(node, Between):
            low, high = self.operand(node.low), self.operand(node.high)
            return f"{self.operand(node.operand)} BETWEEN {low} AND {high}"
        if isinstance(node, In):
            choices = ", ".join(self.operand(c) for c in node.choices)
            return f"{self.operand(node.operand)} IN ({choices})"
        if isinstance(node, Function):
            return f"{node.name}({', '.join(self.operand(a) for a in node.args)})"
        raise TypeError(node)

    def _group(self, node: Node) -> str:
        text = self.condition(node)
        return f"({text})" if isinstance(node, Logical | Not) else text

    def update(self, actions: UpdateActions) -> str:
        clauses = []
        if actions.set:
            clauses.append("SET " + ", ".join(f"{self.path(p)} = {self.operand(v)}" for p, v in actions.set))
        if actions.remove:
            clauses.append("REMOVE " + ", ".join(self.path(p) for p in actions.remove))
        if actions.add:
            clauses.append("ADD " + ", ".join(f"{self.path(p)} {self.operand(v)}" for p, v in actions.add))
        if actions.delete:
            clauses.append(
                "DELETE " + ", ".join(f"{self.path(p)} {self.operand(v)}" for p, v in actions.delete)
            )
        return " ".join(clauses)

    def into(self, req: dict[str, Any]) -> dict[str, Any]:
        if self.names:
            req["ExpressionAttributeNames"] = dict(self.names)
        if self.values:
            req["ExpressionAttributeValues"] = dict(self.values)
        return req


# --- WHERE analysis --------------------------------------------------------------------------------------


def conjuncts(node: Node | None) -> list[Node]:
    if node is None:
        return []
    if isinstance(node, Logical) and node.op == "AND":
        return conjuncts(node.left) + conjuncts(node.right)
    return [node]


def combine(nodes: list[Node]) -> Node | None:
    if not nodes:
        return None
    node = nodes[0]
    for other in nodes[1:]:
        node = Logical("AND", node, other)
    return node


def _attribute(operand: Any) -> str | None:
    if isinstance(operand, Path) and len(operand.elements) == 1 and isinstance(operand.elements[0], str):
        return operand.elements[0]
    return None


def _equality(node: Node) -> tuple[str, dict[str, Any]] | None:
    if not isinstance(node, Compare) or node.op != "=":
        return None
    for left, right in ((node.left, node.right), (node.right, node.left)):
        name = _attribute(left)
        if name is not None and isinstance(right, Literal):
            return name, right.value
    return None


def split_key(where: Node | None, table: store.Table) -> tuple[dict[str, Any], Node | None]:
    """(the full table key, the rest of the condition) of a statement that names one item.

    Raises ValidationException when the key is incomplete or of the wrong type."""
    names = items.key_names(table)
    key: dict[str, Any] = {}
    rest: list[Node] = []
    for node in conjuncts(where):
        found = _equality(node)
        if found is not None and found[0] in names and found[0] not in key:
            key[found[0]] = found[1]
        else:
            rest.append(node)
    if set(key) != set(names):
        raise ValidationException(INCOMPLETE_KEY)
    for name in names:
        if next(iter(key[name])) != table.attribute_type(name):
            raise ValidationException(
                f"Key attribute's data type should match its data type in table's schema: Key {name}"
            )
    return key, combine(rest)


# --- requests --------------------------------------------------------------------------------------------


def select(statement: Select, table: store.Table) -> tuple[str, dict[str, Any]]:
    """("query" or "scan", the request) of a SELECT."""
    render = Render()
    req: dict[str, Any] = {"TableName": statement.table}
    hash_key, range_key = table.hash_key, table.range_key
    if statement.index is not None:
        req["IndexName"] = statement.index
        index = indexes.find(table, statement.index)
        if index is not None:
            hash_key, range_key = index.hash_key, index.range_key
    parts = conjuncts(statement.where)
    key_parts: list[str] = []
    rest: list[Node] = []
    for node in parts:
        found = _equality(node)
        if (
            not key_parts
            and found is not None
            and found[0] == hash_key
            and next(iter(found[1])) == table.attribute_type(hash_key)
        ):
            key_parts.append(f"{render.name(hash_key)} = {render.value(found[1])}")
            continue
        rest.append(node)
    if key_parts and range_key is not None:
        for node in rest:
            text = _sort_condition(render, node, range_key, table.attribute_type(range_key))
            if text is not None:
                key_parts.append(text)
                rest.remove(node)
                break
    if statement.order_by is not None:
        if statement.where is None:
            raise ValidationException("Must have WHERE clause in the statement when using ORDER BY clause.")
        if not key_parts:
            raise ValidationException(
                "Must have at least one non-optional hash key condition in WHERE clause when using ORDER BY"
                " clause."
            )
        if statement.order_by not in (hash_key, range_key):
            raise ValidationException(
                f"Variable reference {statement.order_by} in ORDER BY clause must be part of the primary key"
            )
        req["ScanIndexForward"] = not statement.descending
    if key_parts:
        req["KeyConditionExpression"] = " AND ".join(key_parts)
    filter_ = combine(rest)
    if filter_ is not None:
        req["FilterExpression"] = render.condition(filter_)
    if statement.projection is not None:
        req["ProjectionExpression"] = ", ".join(render.path(p) for p in statement.projection)
    return ("query" if key_parts else "scan"), render.into(req)


def _sort_condition(render: Render, node: Node, range_key: str, kind: str) -> str | None:
    """A conjunct usable as the sort key condition, rendered, or None."""
    if isinstance(node, Compare) and node.op in _SORT_OPS:
        left, right, op = node.left, node.right, node.op
        if isinstance(left, Literal):
            left, right, op = right, left, _MIRROR[op]
        if _attribute(left) == range_key and isinstance(right, Literal) and next(iter(right.value)) == kind:
            return f"{render.name(range_key)} {op} {render.value(right.value)}"
    if isinstance(node, Between) and _attribute(node.operand) == range_key:
        low, high = node.low, node.high
        if _literal_of(low, kind) and _literal_of(high, kind):
            assert isinstance(low, Literal) and isinstance(high, Literal)
            bounds = f"{render.value(low.value)} AND {render.value(high.value)}"
            return f"{render.name(range_key)} BETWEEN {bounds}"
    if isinstance(node, Function) and node.name == "begins_with" and kind in ("S", "B"):
        prefix = node.args[1]
        if _attribute(node.args[0]) == range_key and _literal_of(prefix, kind):
            assert isinstance(prefix, Literal)
            return f"begins_with({render.name(range_key)}, {render.value(prefix.value)})"
    return None


def _literal_of(operand: Any, kind: str) -> bool:
    return isinstance(operand, Literal) and next(iter(operand.value)) == kind


def get(statement: Select, table: store.Table) -> tuple[dict[str, Any], Node | None]:
    """(GetItem request, condition left to check on the item) of a SELECT naming one item."""
    key, rest = split_key(statement.where, table)
    req: dict[str, Any] = {"TableName": statement.table, "Key": items.to_wire(key)}
    if statement.projection is not None:
        render = Render()
        req["ProjectionExpression"] = ", ".join(render.path(p) for p in statement.projection)
        render.into(req)
    return req, rest


def write(statement: Statement, table: store.Table) -> tuple[str, dict[str, Any]]:
    """(TransactWriteItems action name, request) of INSERT, UPDATE, DELETE or EXISTS. The request also
    serves PutItem/UpdateItem/DeleteItem; UPDATE and DELETE carry ReturnValues for RETURNING."""
    render = Render()
    req: dict[str, Any] = {"TableName": statement.table}
    if isinstance(statement, Insert):
        for name in items.key_names(table):
            if name not in statement.item:
                raise ValidationException(f"Key attribute should be present in the item: Key {name}")
            if next(iter(statement.item[name])) != table.attribute_type(name):
                raise ValidationException(
                    f"Key attribute's data type should match its data type in table's schema: Key {name}"
                )
        req["Item"] = items.to_wire(statement.item)
        req["ConditionExpression"] = f"attribute_not_exists({render.name(table.hash_key)})"
        return "Put", render.into(req)
    if isinstance(statement, Exists):
        if statement.select.index is not None:
            raise ValidationException("Operations on indices are not supported in transactions")
        key, rest = split_key(statement.select.where, table)
        req["Key"] = items.to_wire(key)
        text = f"attribute_exists({render.name(table.hash_key)})"
        if rest is not None:
            text += (
                f" AND ({render.condition(rest)})"
                if isinstance(rest, Logical)
                else " AND " + render.condition(rest)
            )
        req["ConditionExpression"] = text
        return "ConditionCheck", render.into(req)
    assert isinstance(statement, Update | Delete)
    key, rest = split_key(statement.where, table)
    req["Key"] = items.to_wire(key)
    condition = None if rest is None else render.condition(rest)
    if isinstance(rest, Logical | Not):
        condition = f"({condition})"
    if statement.returning is not None:
        req["ReturnValues"] = statement.returning
    if isinstance(statement, Update):
        req["UpdateExpression"] = render.update(statement.actions)
        exists = f"attribute_exists({render.name(table.hash_key)})"
        req["ConditionExpression"] = exists if condition is None else f"{exists} AND {condition}"
        return "Update", render.into(req)
    if condition is not None:
        req["ConditionExpression"] = f"attribute_not_exists({render.name(table.hash_key)}) OR {condition}"
    return "Delete", render.into(req)
