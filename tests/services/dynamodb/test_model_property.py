"""Query and Scan agree with a plain in-Python model: random items (number, string or binary sort keys),
random key conditions in both directions, paged with random limits."""

from __future__ import annotations

import itertools
from decimal import Decimal
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

_names = itertools.count()

numbers = st.decimals(min_value=-10_000, max_value=10_000, places=2, allow_nan=False, allow_infinity=False)
texts = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), min_size=1, max_size=4)
blobs = st.binary(min_size=1, max_size=3)
SORT_VALUES = {"N": numbers, "S": texts, "B": blobs}
OPS = ("=", "<", "<=", ">", ">=", "BETWEEN", "begins_with")


def _typed(kind: str, value: Any) -> dict[str, Any]:
    return {kind: str(value) if kind == "N" else value}


def _order(kind: str, value: Any) -> Any:
    """DynamoDB's sort order: numbers by value, strings by UTF-8 bytes, binary bytewise."""
    if kind == "N":
        return Decimal(value)
    if kind == "S":
        return value.encode("utf-8")
    return bytes(value)


def _plain(kind: str, av: dict[str, Any]) -> Any:
    return Decimal(av["N"]) if kind == "N" else av[kind]


def _matches(kind: str, op: str, value: Any, args: list[Any]) -> bool:
    v, a = _order(kind, value), [_order(kind, x) for x in args]
    if op == "=":
        return bool(v == a[0])
    if op == "<":
        return bool(v < a[0])
    if op == "<=":
        return bool(v <= a[0])
    if op == ">":
        return bool(v > a[0])
    if op == ">=":
        return bool(v >= a[0])
    if op == "BETWEEN":
        return bool(a[0] <= v <= a[1])
    return bool(v.startswith(a[0]))


def _pages(call: Any, **kwargs: Any) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    while True:
        out = call(**kwargs)
        found += out["Items"]
        if "LastEvaluatedKey" not in out:
            return found
        kwargs["ExclusiveStartKey"] = out["LastEvaluatedKey"]


@st.composite
def scenarios(draw: st.DrawFn) -> dict[str, Any]:
    kind = draw(st.sampled_from(["N", "S", "B"]))
    values = SORT_VALUES[kind]
    rows = draw(st.lists(st.tuples(st.sampled_from(["a", "b", "c"]), values), max_size=25))
    op = draw(st.sampled_from(OPS if kind != "N" else OPS[:-1]))
    args = [draw(values)]
    if op == "BETWEEN":
        args = sorted([draw(values), draw(values)], key=lambda x: _order(kind, x))
    return {
        "kind": kind,
        "rows": rows,
        "pk": draw(st.sampled_from(["a", "b", "c"])),
        "op": op,
        "args": args,
        "forward": draw(st.booleans()),
        "limit": draw(st.none() | st.integers(1, 6)),
    }


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(scenarios())
def test_query_and_scan_match_the_model(ddb: Any, make_table: Any, case: dict[str, Any]) -> None:
    kind = case["kind"]
    table = make_table(f"model{next(_names)}", range=("sk", kind))
    model: dict[tuple[str, Any], dict[str, Any]] = {}
    for i, (pk, sk) in enumerate(case["rows"]):
        item = {"pk": {"S": pk}, "sk": _typed(kind, sk), "i": {"N": str(i)}}
        ddb.put_item(TableName=table, Item=item)
        model[(pk, _order(kind, sk))] = item

    # Query: the model's items of one partition matching the condition, in sort key order.
    values = {":p": {"S": case["pk"]}}
    op, args = case["op"], case["args"]
    if op == "BETWEEN":
        condition = "pk = :p AND sk BETWEEN :a AND :b"
        values.update({":a": _typed(kind, args[0]), ":b": _typed(kind, args[1])})
    elif op == "begins_with":
        condition = "pk = :p AND begins_with(sk, :a)"
        values[":a"] = _typed(kind, args[0])
    else:
        condition = f"pk = :p AND sk {op} :a"
        values[":a"] = _typed(kind, args[0])
    expected = sorted(
        (
            item
            for (pk, _), item in model.items()
            if pk == case["pk"] and _matches(kind, op, _plain(kind, item["sk"]), args)
        ),
        key=lambda item: _order(kind, _plain(kind, item["sk"])),
        reverse=not case["forward"],
    )
    kwargs: dict[str, Any] = {
        "TableName": table,
        "KeyConditionExpression": condition,
        "ExpressionAttributeValues": values,
        "ScanIndexForward": case["forward"],
    }
    if case["limit"] is not None:
        kwargs["Limit"] = case["limit"]
    got = _pages(ddb.query, **kwargs)
    assert [g["i"] for g in got] == [e["i"] for e in expected]

    # Scan: every item exactly once, paged, and split over two segments.
    scan_kwargs: dict[str, Any] = {"TableName": table}
    if case["limit"] is not None:
        scan_kwargs["Limit"] = case["limit"]
    scanned = _pages(ddb.scan, **scan_kwargs)
    assert sorted(int(s["i"]["N"]) for s in scanned) == sorted(int(e["i"]["N"]) for e in model.values())
    halves = _pages(ddb.scan, Segment=0, TotalSegments=2, **scan_kwargs) + _pages(
        ddb.scan, Segment=1, TotalSegments=2, **scan_kwargs
    )
    assert sorted(int(s["i"]["N"]) for s in halves) == sorted(int(e["i"]["N"]) for e in model.values())
