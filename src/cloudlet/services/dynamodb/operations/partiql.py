"""ExecuteStatement, BatchExecuteStatement and ExecuteTransaction: each PartiQL statement is parsed
(`partiql.parse`), translated into the request of an item operation (`partiql.translate`) and run by
that operation, so conditions, indexes, streams and capacity behave exactly as in the item API."""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from typing import TYPE_CHECKING, Any

from cloudlet.protocol.errors import ServiceError
from cloudlet.services.dynamodb import partiql
from cloudlet.services.dynamodb.errors import (
    ConditionalCheckFailedException,
    DuplicateItemException,
    ResourceNotFoundException,
    TransactionCanceledException,
    ValidationException,
)
from cloudlet.services.dynamodb.expressions.conditions import evaluate
from cloudlet.services.dynamodb.expressions.projections import Projection
from cloudlet.services.dynamodb.operations import items as item_ops
from cloudlet.services.dynamodb.operations import queries, transactions
from cloudlet.services.dynamodb.operations.common import state
from cloudlet.services.dynamodb.partiql import translate

if TYPE_CHECKING:
    from cloudlet.gateway.context import RequestContext
    from cloudlet.services.dynamodb import store

__all__ = ["batch_execute_statement", "execute_statement", "execute_transaction"]

DUPLICATE = "Duplicate primary key exists in table"
MIXED_TRANSACTION = (
    "ExecuteTransaction API does not support both read and write operations in the same request."
)
MIXED_BATCH = "Unsupported operation: Batch must consist of either read statements or write statements"
_ERROR_CODES = {
    "ConditionalCheckFailedException": "ConditionalCheckFailed",
    "DuplicateItemException": "DuplicateItem",
    "ValidationException": "ValidationError",
    "ResourceNotFoundException": "ResourceNotFound",
    "ItemCollectionSizeLimitExceededException": "ItemCollectionSizeLimitExceeded",
    "TransactionConflictException": "TransactionConflict",
    "ProvisionedThroughputExceededException": "ProvisionedThroughputExceeded",
}


def _table(ctx: RequestContext, name: str) -> store.Table:
    dynamo = state(ctx)
    with dynamo.db.read() as conn:
        return dynamo.table(conn, ctx.account_id, ctx.region, name)


def _binary(value: Any) -> str:
    if isinstance(value, bytes | bytearray):
        return base64.b64encode(bytes(value)).decode()
    return str(value)


def _digest(statement: str, parameters: Any) -> str:
    body = json.dumps([statement, parameters], sort_keys=True, default=_binary)
    return hashlib.sha256(body.encode()).hexdigest()[:16]


def _next_token(last_key: dict[str, Any], digest: str) -> str:
    body = json.dumps({"k": last_key, "h": digest}, default=_binary)
    return base64.b64encode(body.encode()).decode()


def _start_key(token: str, digest: str) -> dict[str, Any]:
    try:
        body = json.loads(base64.b64decode(token.encode(), validate=True))
        key, expected = body["k"], body["h"]
    except (binascii.Error, ValueError, KeyError, TypeError):
        raise ValidationException("Invalid NextToken") from None
    if expected != digest:
        raise ValidationException("NextToken does not match request")
    return dict(key)


def _select(ctx: RequestContext, req: dict[str, Any], statement: partiql.Select) -> dict[str, Any]:
    table = _table(ctx, statement.table)
    operation, inner = translate.select(statement, table)
    for member in ("ConsistentRead", "Limit", "ReturnConsumedCapacity"):
        if req.get(member) is not None:
            inner[member] = req[member]
    digest = _digest(req["Statement"], req.get("Parameters"))
    if req.get("NextToken"):
        inner["ExclusiveStartKey"] = _start_key(req["NextToken"], digest)
    try:
        result = (queries.query if operation == "query" else queries.scan)(ctx, inner)
    except ValidationException as exc:
        if exc.message == "Consistent reads are not supported on global secondary indexes":
            raise ValidationException(
                "Strongly consistent read is not supported on Global Secondary Indexes"
            ) from None
        raise
    out: dict[str, Any] = {"Items": result.get("Items", [])}
    if "LastEvaluatedKey" in result:
        out["NextToken"] = _next_token(result["LastEvaluatedKey"], digest)
        out["LastEvaluatedKey"] = result["LastEvaluatedKey"]
    if "ConsumedCapacity" in result:
        out["ConsumedCapacity"] = result["ConsumedCapacity"]
    return out


def _write(ctx: RequestContext, req: dict[str, Any], statement: partiql.Statement) -> dict[str, Any]:
    table = _table(ctx, statement.table)
    kind, inner = translate.write(statement, table)
    for member in ("ReturnConsumedCapacity", "ReturnValuesOnConditionCheckFailure"):
        if req.get(member) is not None:
            inner[member] = req[member]
    if kind == "Put":
        try:
            result = item_ops.put_item(ctx, inner)
        except ConditionalCheckFailedException:
            raise DuplicateItemException(DUPLICATE) from None
    elif kind == "Update":
        result = item_ops.update_item(ctx, inner)
    else:
        result = item_ops.delete_item(ctx, inner)
    out: dict[str, Any] = {"Items": [result["Attributes"]] if result.get("Attributes") else []}
    if "ConsumedCapacity" in result:
        out["ConsumedCapacity"] = result["ConsumedCapacity"]
    return out


def execute_statement(ctx: RequestContext, req: dict[str, Any]) -> dict[str, Any]:
    """One statement. Raises: ValidationException, ResourceNotFoundException,
    ConditionalCheckFailedException, DuplicateItemException."""
    statement = partiql.parse(req["Statement"], req.get("Parameters"))
    if isinstance(statement, partiql.Exists):
        raise ValidationException("EXISTS can only be used in ExecuteTransaction write requests.")
    if isinstance(statement, partiql.Select):
        return _select(ctx, req, statement)
    return _write(ctx, req, statement)


# --- reads by key (batches and transactions) -----------------------------------------------------------


def _get(
    ctx: RequestContext, statement: partiql.Select, what: str, table: store.Table | None = None
) -> tuple[dict[str, Any], Any]:
    """(GetItem request, condition left over) of a SELECT naming one item."""
    table = table or _table(ctx, statement.table)
    if statement.index is not None:
        raise ValidationException(f"Reads on indices are not supported within {what}.")
    try:
        return translate.get(statement, table)
    except ValidationException as exc:
        if exc.message == translate.INCOMPLETE_KEY:
            raise ValidationException(
                f"Select statements within {what} must specify the primary key in the where clause."
            ) from None
        raise


def _without_projection(req: dict[str, Any]) -> None:
    """The projection is applied after the rest of the WHERE is checked on the whole item."""
    req.pop("ProjectionExpression", None)
    req.pop("ExpressionAttributeNames", None)


def _finish(item: dict[str, Any] | None, statement: partiql.Select, rest: Any) -> dict[str, Any] | None:
    """The item a read by key answers: None when the rest of its WHERE is false; projected."""
    if item is None or (rest is not None and not evaluate(rest, item)):
        return None
    if statement.projection is not None:
        return dict(Projection(list(statement.projection)).apply(item))
    return item


# --- BatchExecuteStatement ------------------------------------------------------------------------------


def _error(exc: ServiceError) -> dict[str, Any]:
    error: dict[str, Any] = {"Code": _ERROR_CODES.get(exc.code, exc.code), "Message": exc.message}
    if "Item" in exc.fields:
        error["Item"] = exc.fields["Item"]
    return error


def batch_execute_statement(ctx: RequestContext, req: dict[str, Any]) -> dict[str, Any]:
    """Up to 25 statements, all reads (by full key) or all writes, each answered on its own: a failed
    statement gets an `Error` and the others still run. Raises ValidationException for a mixed batch."""
    parsed: list[partiql.Statement | ServiceError] = []
    for entry in req["Statements"]:
        try:
            parsed.append(partiql.parse(entry["Statement"], entry.get("Parameters")))
        except ValidationException as exc:
            parsed.append(exc)
    reads = {isinstance(s, partiql.Select) for s in parsed if not isinstance(s, ServiceError)}
    if len(reads) > 1:
        raise ValidationException(MIXED_BATCH)
    responses = []
    capacity: dict[str, dict[str, Any]] = {}
    for entry, statement in zip(req["Statements"], parsed, strict=True):
        response: dict[str, Any] = {}
        try:
            if isinstance(statement, ServiceError):
                raise statement
            response["TableName"] = getattr(statement, "table", "")
            if isinstance(statement, partiql.Exists):
                raise ValidationException("EXISTS can only be used in ExecuteTransaction write requests.")
            if isinstance(statement, partiql.Select):
                inner, rest = _get(ctx, statement, "BatchExecuteStatement")
                if entry.get("ConsistentRead") is not None:
                    inner["ConsistentRead"] = entry["ConsistentRead"]
                _without_projection(inner)
                if req.get("ReturnConsumedCapacity") is not None:
                    inner["ReturnConsumedCapacity"] = req["ReturnConsumedCapacity"]
                result = item_ops.get_item(ctx, inner)
                found = _finish(result.get("Item"), statement, rest)
                if found is not None:
                    response["Item"] = found
            else:
                single = {"ReturnConsumedCapacity": req.get("ReturnConsumedCapacity")}
                single["ReturnValuesOnConditionCheckFailure"] = entry.get(
                    "ReturnValuesOnConditionCheckFailure"
                )
                result = _write(ctx, single, statement)
            _add_capacity(capacity, result.get("ConsumedCapacity"))
        except ServiceError as exc:
            response["Error"] = _error(exc)
            if exc.code == "ResourceNotFoundException":
                response.pop("TableName", None)
        responses.append(response)
    out: dict[str, Any] = {"Responses": responses}
    if capacity:
        out["ConsumedCapacity"] = list(capacity.values())
    return out


def _add_capacity(total: dict[str, dict[str, Any]], used: Any) -> None:
    if not used:
        return
    for entry in used if isinstance(used, list) else [used]:
        current = total.setdefault(
            entry["TableName"], {"TableName": entry["TableName"], "CapacityUnits": 0.0}
        )
        current["CapacityUnits"] += entry.get("CapacityUnits", 0.0)


# --- ExecuteTransaction ---------------------------------------------------------------------------------


def execute_transaction(ctx: RequestContext, req: dict[str, Any]) -> dict[str, Any]:
    """Up to 100 statements run all-or-nothing through TransactGetItems (all SELECTs by key) or
    TransactWriteItems (INSERT, UPDATE, DELETE and EXISTS conditions). Raises: ValidationException,
    ResourceNotFoundException, TransactionCanceledException, IdempotentParameterMismatchException."""
    entries = req["TransactStatements"]
    statements = [partiql.parse(e["Statement"], e.get("Parameters")) for e in entries]
    reads = {isinstance(s, partiql.Select) for s in statements}
    if len(reads) > 1:
        raise ValidationException(MIXED_TRANSACTION)
    if reads == {True}:
        return _read_transaction(ctx, req, statements)
    actions = []
    for entry, statement in zip(entries, statements, strict=True):
        if getattr(statement, "returning", None) is not None:
            raise ValidationException("Unsupported operation in transaction.")
        table = _table_or_missing(ctx, statement.table)
        kind, spec = translate.write(statement, table)
        if entry.get("ReturnValuesOnConditionCheckFailure") is not None:
            spec["ReturnValuesOnConditionCheckFailure"] = entry["ReturnValuesOnConditionCheckFailure"]
        actions.append({kind: spec})
    inner: dict[str, Any] = {"TransactItems": actions}
    for member in ("ClientRequestToken", "ReturnConsumedCapacity"):
        if req.get(member) is not None:
            inner[member] = req[member]
    try:
        result = transactions.transact_write_items(ctx, inner)
    except TransactionCanceledException as exc:
        raise _duplicates(exc, statements) from None
    out: dict[str, Any] = {}
    if "ConsumedCapacity" in result:
        out["ConsumedCapacity"] = result["ConsumedCapacity"]
    return out


def _table_or_missing(ctx: RequestContext, name: str) -> store.Table:
    try:
        return _table(ctx, name)
    except ResourceNotFoundException:
        raise ResourceNotFoundException("Requested resource not found") from None


def _duplicates(exc: TransactionCanceledException, statements: list[Any]) -> TransactionCanceledException:
    """An INSERT whose item exists is cancelled as DuplicateItem, not ConditionalCheckFailed."""
    reasons = []
    for reason, statement in zip(exc.fields.get("CancellationReasons", []), statements, strict=False):
        if isinstance(statement, partiql.Insert) and reason.get("Code") == "ConditionalCheckFailed":
            reason = {"Code": "DuplicateItem", "Message": DUPLICATE}
        reasons.append(reason)
    codes = ", ".join(reason["Code"] for reason in reasons)
    return TransactionCanceledException(
        f"Transaction cancelled, please refer cancellation reasons for specific reasons [{codes}]",
        CancellationReasons=reasons,
    )


def _read_transaction(ctx: RequestContext, req: dict[str, Any], statements: list[Any]) -> dict[str, Any]:
    gets = []
    rests = []
    for statement in statements:
        spec, rest = _get(ctx, statement, "ExecuteTransaction", _table_or_missing(ctx, statement.table))
        _without_projection(spec)
        gets.append({"Get": spec})
        rests.append(rest)
    inner: dict[str, Any] = {"TransactItems": gets}
    if req.get("ReturnConsumedCapacity") is not None:
        inner["ReturnConsumedCapacity"] = req["ReturnConsumedCapacity"]
    result = transactions.transact_get_items(ctx, inner)
    responses = []
    for answer, statement, rest in zip(result["Responses"], statements, rests, strict=True):
        found = _finish(answer.get("Item"), statement, rest)
        responses.append({"Item": found} if found is not None else {})
    out: dict[str, Any] = {"Responses": responses}
    if "ConsumedCapacity" in result:
        out["ConsumedCapacity"] = result["ConsumedCapacity"]
    return out
