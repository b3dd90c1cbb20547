"""Model-driven input validation, in AWS's message format."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cloudlet.protocol import catalog
from cloudlet.protocol.errors import ServiceError
from cloudlet.protocol.validate import Validator, default_validation_error


def _op(service: str, name: str):
    return catalog.service_model(service).operation_model(name)


def _message(service: str, op: str, params: dict) -> str:
    with pytest.raises(ServiceError) as caught:
        Validator("ValidationException").validate(_op(service, op), params)
    assert caught.value.code == "ValidationException"
    return caught.value.message


def test_missing_required_member():
    message = _message("dynamodb", "GetItem", {"TableName": "t"})
    assert message == (
        "1 validation error detected: "
        "Value null at 'key' failed to satisfy constraint: Member must not be null"
    )


def test_length_range_and_enum_violations_are_all_listed():
    message = _message(
        "dynamodb",
        "Query",
        {"TableName": "t" * 1025, "Limit": 0, "Select": "EVERYTHING", "KeyConditionExpression": "k = :v"},
    )
    assert message.startswith("3 validation errors detected: ")
    assert (
        "at 'tableName' failed to satisfy constraint: Member must have length less than or equal to 1024"
        in message
    )
    assert (
        "Value 0 at 'limit' failed to satisfy constraint: Member must have value greater than or equal to 1"
        in message
    )
    assert (
        "Value 'EVERYTHING' at 'select' failed to satisfy constraint: Member must satisfy enum value set: ["
        in message
    )


def test_nested_members_carry_their_path():
    message = _message(
        "dynamodb",
        "CreateTable",
        {
            "TableName": "table",
            "AttributeDefinitions": [{"AttributeName": "id", "AttributeType": "S"}],
            "KeySchema": [{"AttributeName": "id"}],
        },
    )
    assert (
        "Value null at 'keySchema.1.member.keyType' failed to satisfy constraint: Member must not be null"
        in message
    )


def test_recursive_shapes_are_validated_without_looping():
    # AttributeValue (M → AttributeValue) is recursive; a deep valid item passes.
    item: dict = {"S": "leaf"}
    for _ in range(30):
        item = {"M": {"k": item}}
    Validator().validate(_op("dynamodb", "PutItem"), {"TableName": "table", "Item": {"pk": item}})


def test_valid_input_passes():
    Validator().validate(_op("sqs", "SendMessage"), {"QueueUrl": "http://q", "MessageBody": "hello"})


@given(st.integers())
def test_range_checks_agree_with_the_model(limit):
    op = _op("dynamodb", "Scan")
    minimum = op.input_shape.members["Limit"].metadata["min"]
    try:
        Validator().validate(op, {"TableName": "table", "Limit": limit})
    except ServiceError:
        assert limit < minimum
    else:
        assert limit >= minimum


def test_default_codes_by_protocol():
    assert default_validation_error("query") == "ValidationError"
    assert default_validation_error("json") == "ValidationException"
    assert default_validation_error("rest-json") == "ValidationException"
