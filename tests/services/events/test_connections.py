"""Connections through boto3: lifecycle, what DescribeConnection shows (never a secret), state
transitions (AUTHORIZED, DEAUTHORIZING → DEAUTHORIZED, DELETING → gone) and errors."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError

BASIC = {
    "BasicAuthParameters": {"Username": "user", "Password": "hunter2"},
    "InvocationHttpParameters": {
        "HeaderParameters": [
            {"Key": "x-public", "Value": "visible"},
            {"Key": "x-private", "Value": "hidden-header", "IsValueSecret": True},
        ],
        "QueryStringParameters": [{"Key": "query", "Value": "q"}],
        "BodyParameters": [{"Key": "body", "Value": "b"}],
    },
}


def create_basic(events: Any, name: str = "conn") -> dict[str, Any]:
    return events.create_connection(Name=name, AuthorizationType="BASIC", AuthParameters=BASIC)


def error_of(excinfo: pytest.ExceptionInfo[ClientError]) -> tuple[str, int, str]:
    response = excinfo.value.response
    return (
        response["Error"]["Code"],
        response["ResponseMetadata"]["HTTPStatusCode"],
        response["Error"]["Message"],
    )


def test_create_basic_connection_is_authorized(events: Any) -> None:
    created = create_basic(events)

    assert created["ConnectionState"] == "AUTHORIZED"
    assert created["ConnectionArn"].startswith("arn:aws:events:us-east-1:000000000000:connection/conn/")
    assert created["CreationTime"] == created["LastModifiedTime"]


def test_describe_shows_parameters_but_never_secrets(events: Any) -> None:
    arn = create_basic(events)["ConnectionArn"]

    described = events.describe_connection(Name="conn")

    assert described["ConnectionArn"] == arn
    assert described["AuthorizationType"] == "BASIC"
    assert described["AuthParameters"] == {
        "BasicAuthParameters": {"Username": "user"},
        "InvocationHttpParameters": {
            "HeaderParameters": [
                {"Key": "x-public", "Value": "visible", "IsValueSecret": False},
                {"Key": "x-private", "IsValueSecret": True},
            ],
            "QueryStringParameters": [{"Key": "query", "Value": "q", "IsValueSecret": False}],
            "BodyParameters": [{"Key": "body", "Value": "b", "IsValueSecret": False}],
        },
    }
    assert "hunter2" not in str(described) and "hidden-header" not in str(described)


def test_secret_arn_names_a_managed_secret_of_the_connection(events: Any) -> None:
    create_basic(events)

    secret = events.describe_connection(Name="conn")["SecretArn"]

    prefix = "arn:aws:secretsmanager:us-east-1:000000000000:secret:events!connection/conn/"
    assert secret.startswith(prefix)
    assert len(secret.removeprefix(prefix)) == 36 + 7  # a UUID, a dash and six random characters


def test_api_key_connection_shows_only_the_key_name(events: Any) -> None:
    events.create_connection(
        Name="keyed",
        AuthorizationType="API_KEY",
        AuthParameters={"ApiKeyAuthParameters": {"ApiKeyName": "x-api-key", "ApiKeyValue": "s3cr3t"}},
    )

    described = events.describe_connection(Name="keyed")

    assert described["AuthParameters"] == {"ApiKeyAuthParameters": {"ApiKeyName": "x-api-key"}}
    assert described["ConnectionState"] == "AUTHORIZED"


def test_oauth_connection_without_a_reachable_token_endpoint_is_deauthorized(
    cloudlet: Any, events: Any
) -> None:
    created = events.create_connection(
        Name="oauth",
        AuthorizationType="OAUTH_CLIENT_CREDENTIALS",
        AuthParameters={
            "OAuthParameters": {
                "ClientParameters": {"ClientID": "id", "ClientSecret": "secret"},
                "AuthorizationEndpoint": "http://127.0.0.1:1/token",
                "HttpMethod": "POST",
            }
        },
    )
    assert created["ConnectionState"] == "AUTHORIZING"

    cloudlet.settle()

    described = events.describe_connection(Name="oauth")
    assert described["ConnectionState"] == "DEAUTHORIZED"
    assert "OAuth authorization endpoint" in described["StateReason"]
    assert described["AuthParameters"]["OAuthParameters"] == {
        "ClientParameters": {"ClientID": "id"},
        "AuthorizationEndpoint": "http://127.0.0.1:1/token",
        "HttpMethod": "POST",
    }


def test_create_twice_is_rejected(events: Any) -> None:
    create_basic(events)

    with pytest.raises(ClientError) as excinfo:
        create_basic(events)

    assert error_of(excinfo) == ("ResourceAlreadyExistsException", 400, "Connection 'conn' already exists.")


def test_describe_unknown_connection(events: Any) -> None:
    with pytest.raises(ClientError) as excinfo:
        events.describe_connection(Name="nope")

    assert error_of(excinfo) == (
        "ResourceNotFoundException",
        400,
        "Failed to describe the connection(s). Connection 'nope' does not exist.",
    )


def test_auth_parameters_of_another_type_are_rejected(events: Any) -> None:
    with pytest.raises(ClientError) as excinfo:
        events.create_connection(
            Name="mixed",
            AuthorizationType="BASIC",
            AuthParameters={"ApiKeyAuthParameters": {"ApiKeyName": "k", "ApiKeyValue": "v"}},
        )

    code, status, _ = error_of(excinfo)
    assert (code, status) == ("ValidationException", 400)


def test_name_must_match_the_pattern(events: Any) -> None:
    with pytest.raises(ClientError) as excinfo:
        events.create_connection(Name="has space", AuthorizationType="BASIC", AuthParameters=BASIC)

    assert error_of(excinfo)[2] == (
        "1 validation error detected: Value 'has space' at 'name' failed to satisfy constraint: Member must"
        r" satisfy regular expression pattern: [\.\-_A-Za-z0-9]+"
    )


def test_oauth_endpoint_must_be_https(events: Any) -> None:
    with pytest.raises(ClientError) as excinfo:
        events.create_connection(
            Name="oauth",
            AuthorizationType="OAUTH_CLIENT_CREDENTIALS",
            AuthParameters={
                "OAuthParameters": {
                    "ClientParameters": {"ClientID": "id", "ClientSecret": "secret"},
                    "AuthorizationEndpoint": "http://auth.example.com/token",
                    "HttpMethod": "POST",
                }
            },
        )

    code, status, message = error_of(excinfo)
    assert (code, status) == ("ValidationException", 400)
    assert "please provide a valid HTTPS endpoint URL" in message


def test_update_needs_the_authorization_type_with_new_credentials(events: Any) -> None:
    create_basic(events)

    with pytest.raises(ClientError) as excinfo:
        events.update_connection(Name="conn", AuthParameters={"BasicAuthParameters": {"Password": "new"}})

    assert error_of(excinfo) == (
        "ValidationException",
        400,
        "Failed to update the connection(s). At least one of the following is required: Description,"
        " KmsKeyIdentifier, AuthorizationType with BasicAuthParameters, ApiKeyAuthParameters, or"
        " OAuthParameters.",
    )


def test_update_password_keeps_the_username_and_reauthorizes(cloudlet: Any, events: Any) -> None:
    create_basic(events)
    before = events.describe_connection(Name="conn")
    cloudlet.clock.advance(5)

    updated = events.update_connection(
        Name="conn", AuthorizationType="BASIC", AuthParameters={"BasicAuthParameters": {"Password": "new"}}
    )

    assert updated["ConnectionState"] == "AUTHORIZED"
    assert updated["LastAuthorizedTime"] > before["LastAuthorizedTime"]
    after = events.describe_connection(Name="conn")
    assert after["AuthParameters"]["BasicAuthParameters"] == {"Username": "user"}
    assert after["SecretArn"] == before["SecretArn"]


def test_update_description_leaves_the_authorization_alone(cloudlet: Any, events: Any) -> None:
    create_basic(events)
    before = events.describe_connection(Name="conn")
    cloudlet.clock.advance(5)

    updated = events.update_connection(Name="conn", Description="new words")

    assert updated["LastModifiedTime"] > before["LastModifiedTime"]
    assert updated["LastAuthorizedTime"] == before["LastAuthorizedTime"]
    assert events.describe_connection(Name="conn")["Description"] == "new words"


def test_deauthorize_removes_the_authorization_parameters(events: Any) -> None:
    create_basic(events)

    answer = events.deauthorize_connection(Name="conn")

    assert answer["ConnectionState"] == "DEAUTHORIZING"
    described = events.describe_connection(Name="conn")
    assert described["AuthParameters"] == {}
    assert described["StateReason"] == (
        "The authorization parameters were removed from this connection by a DeauthorizeConnection operation."
    )


def test_deauthorizing_ends_deauthorized_without_a_secret(cloudlet: Any, events: Any) -> None:
    create_basic(events)
    events.deauthorize_connection(Name="conn")

    cloudlet.clock.advance(1)
    cloudlet.settle()

    described = events.describe_connection(Name="conn")
    assert described["ConnectionState"] == "DEAUTHORIZED"
    assert "SecretArn" not in described


def test_new_credentials_reauthorize_a_deauthorized_connection_with_a_new_secret(
    cloudlet: Any, events: Any
) -> None:
    create_basic(events)
    old_secret = events.describe_connection(Name="conn")["SecretArn"]
    events.deauthorize_connection(Name="conn")
    cloudlet.clock.advance(1)
    cloudlet.settle()

    events.update_connection(
        Name="conn",
        AuthorizationType="API_KEY",
        AuthParameters={"ApiKeyAuthParameters": {"ApiKeyName": "x-key", "ApiKeyValue": "v"}},
    )

    described = events.describe_connection(Name="conn")
    assert described["ConnectionState"] == "AUTHORIZED"
    assert described["AuthorizationType"] == "API_KEY"
    assert described["SecretArn"] != old_secret
    assert "StateReason" not in described


def test_delete_goes_through_deleting(cloudlet: Any, events: Any) -> None:
    create_basic(events)

    assert events.delete_connection(Name="conn")["ConnectionState"] == "DELETING"
    assert events.describe_connection(Name="conn")["ConnectionState"] == "DELETING"
    cloudlet.clock.advance(1)
    cloudlet.settle()

    with pytest.raises(ClientError) as excinfo:
        events.describe_connection(Name="conn")
    assert error_of(excinfo)[0] == "ResourceNotFoundException"


def test_list_filters_by_prefix_and_state(cloudlet: Any, events: Any) -> None:
    for name in ("alpha-1", "alpha-2", "beta"):
        create_basic(events, name)
    events.deauthorize_connection(Name="alpha-2")
    cloudlet.clock.advance(1)
    cloudlet.settle()

    by_prefix = events.list_connections(NamePrefix="alpha")["Connections"]
    by_state = events.list_connections(ConnectionState="DEAUTHORIZED")["Connections"]

    assert [c["Name"] for c in by_prefix] == ["alpha-1", "alpha-2"]
    assert [c["Name"] for c in by_state] == ["alpha-2"]
    assert set(by_prefix[0]) == {
        "ConnectionArn", "Name", "ConnectionState", "AuthorizationType", "CreationTime",
        "LastModifiedTime", "LastAuthorizedTime",
    }  # fmt: skip


def test_list_pages_with_next_token(events: Any) -> None:
    for index in range(5):
        create_basic(events, f"c{index}")

    first = events.list_connections(Limit=2)
    second = events.list_connections(Limit=2, NextToken=first["NextToken"])
    third = events.list_connections(Limit=2, NextToken=second["NextToken"])

    names = [c["Name"] for page in (first, second, third) for c in page["Connections"]]
    assert names == ["c0", "c1", "c2", "c3", "c4"]
    assert "NextToken" not in third


def test_connections_are_per_region(cloudlet: Any, events: Any) -> None:
    create_basic(events)

    elsewhere = cloudlet.client("events", region="eu-west-1")

    assert elsewhere.list_connections()["Connections"] == []


def test_connection_survives_a_restart(cloudlet: Any, events: Any) -> None:
    arn = create_basic(events)["ConnectionArn"]

    cloudlet.restart()

    described = cloudlet.client("events").describe_connection(Name="conn")
    assert (described["ConnectionArn"], described["ConnectionState"]) == (arn, "AUTHORIZED")


def test_deletion_finishes_after_a_restart(cloudlet: Any, events: Any) -> None:
    create_basic(events)
    events.delete_connection(Name="conn")

    cloudlet.restart()
    restarted = cloudlet.client("events")
    assert [c["ConnectionState"] for c in restarted.list_connections()["Connections"]] == ["DELETING"]
    cloudlet.clock.advance(1)
    cloudlet.settle()

    assert restarted.list_connections()["Connections"] == []
