"""PartiQL through boto3 (ExecuteStatement, BatchExecuteStatement, ExecuteTransaction), plus the parser on
its own."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError
from hypothesis import given
from hypothesis import strategies as st

from cloudlet.services.dynamodb.errors import ValidationException
from cloudlet.services.dynamodb.partiql import Insert, Select, parse


def _error(info: Any) -> tuple[str, str]:
    err = info.value.response["Error"]
    return err["Code"], err["Message"]


@pytest.fixture
def music(ddb: Any, make_table: Any) -> str:
    name = make_table(
        "Music",
        hash=("Artist", "S"),
        range=("Song", "S"),
        AttributeDefinitions=[{"AttributeName": "Year", "AttributeType": "N"}],
        GlobalSecondaryIndexes=[
            {
                "IndexName": "ByYear",
                "KeySchema": [{"AttributeName": "Year", "KeyType": "HASH"}],
                "Projection": {"ProjectionType": "ALL"},
            }
        ],
    )
    rows = [("Acme", "a1", 2020), ("Acme", "a2", 2021), ("Acme", "b1", 2020), ("Other", "o1", 2021)]
    for artist, song, year in rows:
        ddb.put_item(
            TableName=name,
            Item={"Artist": {"S": artist}, "Song": {"S": song}, "Year": {"N": str(year)}, "Tags": {"L": []}},
        )
    return name


def _songs(result: dict[str, Any]) -> list[str]:
    return [item["Song"]["S"] for item in result["Items"]]


# --- ExecuteStatement: SELECT ----------------------------------------------------------------------------


def test_select_by_partition_key_queries_in_sort_order(ddb: Any, music: str) -> None:
    out = ddb.execute_statement(
        Statement='SELECT * FROM "Music" WHERE Artist = ?', Parameters=[{"S": "Acme"}]
    )
    assert _songs(out) == ["a1", "a2", "b1"]
    assert out["Items"][0] == {
        "Artist": {"S": "Acme"},
        "Song": {"S": "a1"},
        "Year": {"N": "2020"},
        "Tags": {"L": []},
    }


def test_select_sort_key_conditions_and_order_by_desc(ddb: Any, music: str) -> None:
    out = ddb.execute_statement(
        Statement="SELECT Song FROM Music WHERE Artist = 'Acme' AND begins_with(Song, 'a') ORDER BY Song DESC"
    )
    assert out["Items"] == [{"Song": {"S": "a2"}}, {"Song": {"S": "a1"}}]
    between = ddb.execute_statement(
        Statement="SELECT * FROM Music WHERE Artist = 'Acme' AND Song BETWEEN 'a2' AND 'z'"
    )
    assert _songs(between) == ["a2", "b1"]


def test_select_scan_with_filters(ddb: Any, music: str) -> None:
    def songs(where: str) -> list[str]:
        return sorted(_songs(ddb.execute_statement(Statement=f"SELECT * FROM Music WHERE {where}")))

    assert songs('"Year" = 2021') == ["a2", "o1"]
    assert songs("Song IN ['a1', 'o1']") == ["a1", "o1"]
    assert songs("Artist <> 'Acme' OR Song = 'b1'") == ["b1", "o1"]
    assert songs("NOT (\"Year\" >= 2021) AND contains(Song, '1')") == ["a1", "b1"]
    assert songs("Nope IS MISSING AND Tags IS NOT MISSING AND size(Tags) = 0 AND Song < 'b'") == [
        "a1",
        "a2",
    ]


def test_select_projection_of_nested_paths(ddb: Any, make_table: Any) -> None:
    make_table("docs")
    ddb.execute_statement(
        Statement="INSERT INTO docs VALUE {'pk': 'd', 'm': {'x': 1, 'y': [10, 20]}, 'z': 'no'}"
    )
    out = ddb.execute_statement(Statement="SELECT m.x, m.y[1] FROM docs WHERE pk = 'd'")
    assert out["Items"] == [{"m": {"M": {"x": {"N": "1"}, "y": {"L": [{"N": "20"}]}}}}]


def test_select_from_index(ddb: Any, music: str) -> None:
    out = ddb.execute_statement(Statement='SELECT Song FROM "Music"."ByYear" WHERE "Year" = 2020')
    assert sorted(i["Song"]["S"] for i in out["Items"]) == ["a1", "b1"]
    with pytest.raises(ClientError) as info:
        ddb.execute_statement(Statement='SELECT * FROM "Music"."ByYear"', ConsistentRead=True)
    assert _error(info) == (
        "ValidationException",
        "Strongly consistent read is not supported on Global Secondary Indexes",
    )


def test_select_pages_with_limit_and_next_token(ddb: Any, music: str) -> None:
    statement = "SELECT * FROM Music WHERE Artist = 'Acme'"
    first = ddb.execute_statement(Statement=statement, Limit=2)
    assert _songs(first) == ["a1", "a2"]
    assert first["LastEvaluatedKey"] == {"Artist": {"S": "Acme"}, "Song": {"S": "a2"}}
    second = ddb.execute_statement(Statement=statement, Limit=2, NextToken=first["NextToken"])
    assert _songs(second) == ["b1"]
    assert "NextToken" not in second
    with pytest.raises(ClientError) as info:
        ddb.execute_statement(Statement="SELECT * FROM Music", NextToken=first["NextToken"])
    assert _error(info) == ("ValidationException", "NextToken does not match request")
    with pytest.raises(ClientError) as info:
        ddb.execute_statement(Statement=statement, NextToken="garbage!")
    assert _error(info) == ("ValidationException", "Invalid NextToken")


def test_consumed_capacity_is_returned(ddb: Any, music: str) -> None:
    out = ddb.execute_statement(
        Statement="SELECT * FROM Music WHERE Artist = 'Other'", ReturnConsumedCapacity="TOTAL"
    )
    assert out["ConsumedCapacity"]["TableName"] == "Music"


def test_malformed_statements(ddb: Any, music: str) -> None:
    malformed = "Statement wasn't well formed, can't be processed: "
    cases = {
        "SHOW TABLES": malformed + "Expected data manipulation",
        "SELECT * FROM Music WHERE": malformed + "Unexpected end of input",
        "SELECT * FROM Music WHERE Artist = ?": "Number of parameters in request and statement don't match.",
    }
    for statement, message in cases.items():
        with pytest.raises(ClientError) as info:
            ddb.execute_statement(Statement=statement)
        assert _error(info) == ("ValidationException", message)


def test_unknown_table(ddb: Any) -> None:
    with pytest.raises(ClientError) as info:
        ddb.execute_statement(Statement="SELECT * FROM nope")
    assert _error(info)[0] == "ResourceNotFoundException"


# --- ExecuteStatement: writes ----------------------------------------------------------------------------


def test_insert_writes_every_literal_type(ddb: Any, make_table: Any) -> None:
    make_table("t")
    ddb.execute_statement(
        Statement="INSERT INTO t VALUE {'pk': ?, 'n': -1.50, 'b': true, 'z': null, 'l': [1, 'a'],"
        " 'ss': <<'x', 'y'>>, 'ns': <<1, 2>>, 'bin': ?}",
        Parameters=[{"S": "k"}, {"B": b"\x00\x01"}],
    )
    item = ddb.get_item(TableName="t", Key={"pk": {"S": "k"}})["Item"]
    assert item["n"] == {"N": "-1.5"} and item["b"] == {"BOOL": True} and item["z"] == {"NULL": True}
    assert item["l"] == {"L": [{"N": "1"}, {"S": "a"}]} and item["bin"] == {"B": b"\x00\x01"}
    assert sorted(item["ss"]["SS"]) == ["x", "y"] and sorted(item["ns"]["NS"]) == ["1", "2"]


def test_insert_of_existing_key_is_duplicate(ddb: Any, music: str) -> None:
    with pytest.raises(ClientError) as info:
        ddb.execute_statement(Statement="INSERT INTO Music VALUE {'Artist': 'Acme', 'Song': 'a1'}")
    assert _error(info) == ("DuplicateItemException", "Duplicate primary key exists in table")


def test_insert_without_key(ddb: Any, music: str) -> None:
    with pytest.raises(ClientError) as info:
        ddb.execute_statement(Statement="INSERT INTO Music VALUE {'Artist': 'Acme'}")
    assert _error(info) == ("ValidationException", "Key attribute should be present in the item: Key Song")


def test_update_set_remove_and_returning(ddb: Any, music: str) -> None:
    out = ddb.execute_statement(
        Statement='UPDATE Music SET "Year" = "Year" + 1, Tags = list_append(Tags, [\'new\'])'
        " SET Labels = set_add(Labels, <<'x'>>) REMOVE Extra"
        " WHERE Artist = 'Acme' AND Song = 'a1' RETURNING MODIFIED NEW *"
    )
    assert out["Items"] == [{"Year": {"N": "2021"}, "Tags": {"L": [{"S": "new"}]}, "Labels": {"SS": ["x"]}}]


def test_update_of_missing_item_fails(ddb: Any, music: str) -> None:
    with pytest.raises(ClientError) as info:
        ddb.execute_statement(Statement="UPDATE Music SET x = 1 WHERE Artist = 'Nobody' AND Song = 's'")
    assert _error(info) == ("ConditionalCheckFailedException", "The conditional request failed")
    assert "Item" not in ddb.get_item(TableName="Music", Key={"Artist": {"S": "Nobody"}, "Song": {"S": "s"}})


def test_update_condition_failure_returns_old_item(ddb: Any, music: str) -> None:
    with pytest.raises(ClientError) as info:
        ddb.execute_statement(
            Statement="UPDATE Music SET x = 1 WHERE Artist = 'Acme' AND Song = 'a1' AND \"Year\" > 2020",
            ReturnValuesOnConditionCheckFailure="ALL_OLD",
        )
    assert _error(info)[0] == "ConditionalCheckFailedException"
    assert info.value.response["Item"]["Year"] == {"N": "2020"}


def test_update_and_delete_need_the_full_key(ddb: Any, music: str) -> None:
    for statement in ("UPDATE Music SET x = 1 WHERE Artist = 'Acme'", "DELETE FROM Music WHERE Song = 'a1'"):
        with pytest.raises(ClientError) as info:
            ddb.execute_statement(Statement=statement)
        assert _error(info) == (
            "ValidationException",
            "Where clause does not contain a mandatory equality on all key attributes",
        )


def test_delete_returning_old_and_of_missing_item(ddb: Any, music: str) -> None:
    out = ddb.execute_statement(
        Statement="DELETE FROM Music WHERE Artist = 'Acme' AND Song = 'a1' RETURNING ALL OLD *"
    )
    assert out["Items"][0]["Year"] == {"N": "2020"}
    assert (
        ddb.execute_statement(Statement="DELETE FROM Music WHERE Artist = 'Acme' AND Song = 'a1'")["Items"]
        == []
    )
    with pytest.raises(ClientError) as info:
        ddb.execute_statement(
            Statement="DELETE FROM Music WHERE Artist = 'Acme' AND Song = 'a2' AND \"Year\" = 1"
        )
    assert _error(info)[0] == "ConditionalCheckFailedException"


# --- BatchExecuteStatement -------------------------------------------------------------------------------


def test_batch_reads_by_key(ddb: Any, music: str) -> None:
    out = ddb.batch_execute_statement(
        Statements=[
            {
                "Statement": "SELECT Song FROM Music WHERE Artist = ? AND Song = ?",
                "Parameters": [{"S": "Acme"}, {"S": "a1"}],
            },
            {"Statement": "SELECT * FROM Music WHERE Artist = 'Acme' AND Song = 'zz'"},
            {"Statement": "SELECT * FROM Music WHERE Artist = 'Acme'"},
        ]
    )["Responses"]
    assert out[0] == {"TableName": "Music", "Item": {"Song": {"S": "a1"}}}
    assert out[1] == {"TableName": "Music"}
    assert out[2]["Error"]["Code"] == "ValidationError"


def test_batch_writes_fail_one_by_one(ddb: Any, music: str) -> None:
    out = ddb.batch_execute_statement(
        Statements=[
            {"Statement": "INSERT INTO Music VALUE {'Artist': 'New', 'Song': 'n1'}"},
            {"Statement": "INSERT INTO Music VALUE {'Artist': 'Acme', 'Song': 'a1'}"},
            {"Statement": "UPDATE Music SET x = 1 WHERE Artist = 'Acme' AND Song = 'nope'"},
            {"Statement": "DELETE FROM"},
        ]
    )["Responses"]
    assert out[0] == {"TableName": "Music"}
    assert out[1]["Error"] == {"Code": "DuplicateItem", "Message": "Duplicate primary key exists in table"}
    assert out[2]["Error"]["Code"] == "ConditionalCheckFailed"
    assert out[3]["Error"]["Code"] == "ValidationError"
    assert "Item" in ddb.get_item(TableName="Music", Key={"Artist": {"S": "New"}, "Song": {"S": "n1"}})


def test_batch_of_reads_and_writes_is_refused(ddb: Any, music: str) -> None:
    with pytest.raises(ClientError) as info:
        ddb.batch_execute_statement(
            Statements=[
                {"Statement": "SELECT * FROM Music WHERE Artist = 'Acme' AND Song = 'a1'"},
                {"Statement": "DELETE FROM Music WHERE Artist = 'Acme' AND Song = 'a1'"},
            ]
        )
    assert _error(info)[0] == "ValidationException"


# --- ExecuteTransaction ----------------------------------------------------------------------------------


def test_transaction_is_all_or_nothing(ddb: Any, music: str) -> None:
    with pytest.raises(ClientError) as info:
        ddb.execute_transaction(
            TransactStatements=[
                {"Statement": "INSERT INTO Music VALUE {'Artist': 'T', 'Song': 't1'}"},
                {"Statement": "INSERT INTO Music VALUE {'Artist': 'Acme', 'Song': 'a1'}"},
                {"Statement": "UPDATE Music SET x = 1 WHERE Artist = 'Acme' AND Song = 'zz'"},
            ]
        )
    code, _ = _error(info)
    assert code == "TransactionCanceledException"
    reasons = info.value.response["CancellationReasons"]
    assert [r["Code"] for r in reasons] == ["None", "DuplicateItem", "ConditionalCheckFailed"]
    assert "Item" not in ddb.get_item(TableName="Music", Key={"Artist": {"S": "T"}, "Song": {"S": "t1"}})


def test_transaction_with_exists_condition(ddb: Any, music: str) -> None:
    statements = [
        {
            "Statement": "EXISTS(SELECT * FROM Music"
            " WHERE Artist = 'Acme' AND Song = 'a1' AND \"Year\" = 2020)"
        },
        {"Statement": "UPDATE Music SET x = 1 WHERE Artist = 'Acme' AND Song = 'a2'"},
    ]
    ddb.execute_transaction(TransactStatements=statements, ClientRequestToken="tok-1")
    item = ddb.get_item(TableName="Music", Key={"Artist": {"S": "Acme"}, "Song": {"S": "a2"}})["Item"]
    assert item["x"] == {"N": "1"}
    ddb.execute_transaction(TransactStatements=statements, ClientRequestToken="tok-1")
    with pytest.raises(ClientError) as info:
        ddb.execute_transaction(TransactStatements=statements[:1], ClientRequestToken="tok-1")
    assert _error(info)[0] == "IdempotentParameterMismatchException"
    statements[0]["Statement"] = statements[0]["Statement"].replace("2020", "1999")
    with pytest.raises(ClientError) as info:
        ddb.execute_transaction(TransactStatements=statements)
    assert [r["Code"] for r in info.value.response["CancellationReasons"]] == [
        "ConditionalCheckFailed",
        "None",
    ]


def test_transaction_of_reads(ddb: Any, music: str) -> None:
    out = ddb.execute_transaction(
        TransactStatements=[
            {"Statement": "SELECT Song FROM Music WHERE Artist = 'Acme' AND Song = 'a1'"},
            {"Statement": "SELECT * FROM Music WHERE Artist = 'Acme' AND Song = 'zz'"},
        ]
    )
    assert out["Responses"] == [{"Item": {"Song": {"S": "a1"}}}, {}]


def test_transaction_refuses_mixed_and_partial_keys(ddb: Any, music: str) -> None:
    with pytest.raises(ClientError) as info:
        ddb.execute_transaction(
            TransactStatements=[
                {"Statement": "SELECT * FROM Music WHERE Artist = 'Acme' AND Song = 'a1'"},
                {"Statement": "DELETE FROM Music WHERE Artist = 'Acme' AND Song = 'a1'"},
            ]
        )
    assert _error(info) == (
        "ValidationException",
        "ExecuteTransaction API does not support both read and write operations in the same request.",
    )
    with pytest.raises(ClientError) as info:
        ddb.execute_transaction(
            TransactStatements=[{"Statement": "SELECT * FROM Music WHERE Artist = 'Acme'"}]
        )
    assert _error(info) == (
        "ValidationException",
        "Select statements within ExecuteTransaction must specify the primary key in the where clause.",
    )


# --- the parser alone ------------------------------------------------------------------------------------


def test_parse_comments_case_and_semicolon() -> None:
    statement = parse('select * -- all\n from "t" /* c */ where a = 1;')
    assert isinstance(statement, Select) and statement.table == "t" and statement.where is not None


def test_parse_refuses_two_statements_and_empty_bags() -> None:
    with pytest.raises(ValidationException):
        parse("SELECT * FROM t; SELECT * FROM t")
    with pytest.raises(ValidationException, match="Empty bags are not supported"):
        parse("INSERT INTO t VALUE {'pk': <<>>}")


@given(st.text(max_size=30))
def test_string_literals_round_trip(text: str) -> None:
    quoted = "'" + text.replace("'", "''") + "'"
    statement = parse(f"INSERT INTO t VALUE {{'pk': {quoted}}}")
    assert isinstance(statement, Insert) and statement.item == {"pk": {"S": text}}


@given(st.decimals(allow_nan=False, allow_infinity=False, places=3, min_value=-(10**20), max_value=10**20))
def test_number_literals_keep_their_value(number: Any) -> None:
    statement = parse(f"INSERT INTO t VALUE {{'n': {number}}}")
    assert isinstance(statement, Insert)
    from decimal import Decimal

    assert Decimal(statement.item["n"]["N"]) == number
