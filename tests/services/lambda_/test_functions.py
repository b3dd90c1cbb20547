"""The Lambda control plane through boto3: functions, versions, aliases, policies, configs, tags."""

from __future__ import annotations

import json

import pytest
from botocore.exceptions import ClientError

from tests.services.lambda_.conftest import ROLE, package


def error(exc: pytest.ExceptionInfo[ClientError]) -> tuple[str, int]:
    return exc.value.response["Error"]["Code"], exc.value.response["ResponseMetadata"]["HTTPStatusCode"]


def test_create_reports_pending_then_active(lam, make_function):
    created = make_function()
    assert created["State"] == "Pending"
    assert created["FunctionArn"] == "arn:aws:lambda:us-east-1:000000000000:function:echo"
    assert created["Version"] == "$LATEST"
    assert created["Timeout"] == 3 and created["MemorySize"] == 128
    config = lam.get_function(FunctionName="echo")["Configuration"]
    assert config["State"] == "Active" and config["LastUpdateStatus"] == "Successful"
    assert config["CodeSha256"] == created["CodeSha256"]
    lam.get_waiter("function_active_v2").wait(FunctionName="echo")


def test_creating_an_existing_function_conflicts(make_function):
    make_function()
    with pytest.raises(ClientError) as exc:
        make_function()
    assert error(exc) == ("ResourceConflictException", 409)


def test_a_missing_function_is_not_found(lam):
    with pytest.raises(ClientError) as exc:
        lam.get_function(FunctionName="nope")
    assert error(exc) == ("ResourceNotFoundException", 404)
    assert "Function not found: arn:aws:lambda:us-east-1:000000000000:function:nope" in str(exc.value)


def test_an_invalid_zip_is_refused(lam):
    with pytest.raises(ClientError) as exc:
        lam.create_function(
            FunctionName="bad",
            Runtime="python3.11",
            Role=ROLE,
            Handler="app.handler",
            Code={"ZipFile": b"not a zip"},
        )
    assert error(exc)[0] == "InvalidZipFileException"


def test_a_zip_with_a_path_outside_the_package_is_refused(lam):
    with pytest.raises(ClientError) as exc:
        lam.create_function(
            FunctionName="slip",
            Runtime="python3.11",
            Role=ROLE,
            Handler="app.handler",
            Code={"ZipFile": package({"../escape.py": "x = 1"})},
        )
    assert error(exc)[0] == "InvalidZipFileException"


def test_functions_are_found_by_name_partial_arn_and_arn(lam, make_function):
    make_function()
    for name in ("echo", "000000000000:echo", "arn:aws:lambda:us-east-1:000000000000:function:echo"):
        assert lam.get_function_configuration(FunctionName=name)["FunctionName"] == "echo"


def test_list_functions_pages(lam, make_function):
    for i in range(5):
        make_function(f"f{i}")
    first = lam.list_functions(MaxItems=3)
    second = lam.list_functions(MaxItems=3, Marker=first["NextMarker"])
    names = [f["FunctionName"] for f in first["Functions"] + second["Functions"]]
    assert names == [f"f{i}" for i in range(5)]
    assert "NextMarker" not in second


def test_update_configuration_and_code(lam, make_function):
    make_function()
    updated = lam.update_function_configuration(
        FunctionName="echo", Timeout=10, MemorySize=256, Environment={"Variables": {"A": "1"}}
    )
    assert updated["LastUpdateStatus"] == "InProgress"
    config = lam.get_function_configuration(FunctionName="echo")
    assert (config["Timeout"], config["MemorySize"], config["Environment"]) == (
        10,
        256,
        {"Variables": {"A": "1"}},
    )
    before = config["CodeSha256"]
    lam.update_function_code(
        FunctionName="echo", ZipFile=package({"app.py": "def handler(e, c):\n    return 2\n"})
    )
    assert lam.get_function_configuration(FunctionName="echo")["CodeSha256"] != before


def test_a_stale_revision_id_is_refused(lam, make_function):
    make_function()
    with pytest.raises(ClientError) as exc:
        lam.update_function_configuration(FunctionName="echo", Timeout=5, RevisionId="stale")
    assert error(exc) == ("PreconditionFailedException", 412)


def test_versions_are_immutable_snapshots(lam, make_function):
    make_function()
    v1 = lam.publish_version(FunctionName="echo")
    assert v1["Version"] == "1" and v1["FunctionArn"].endswith(":echo:1")
    assert lam.publish_version(FunctionName="echo")["Version"] == "1"  # nothing changed since
    lam.update_function_configuration(FunctionName="echo", Timeout=9)
    assert lam.publish_version(FunctionName="echo")["Version"] == "2"
    assert lam.get_function_configuration(FunctionName="echo", Qualifier="1")["Timeout"] == 3
    versions = [v["Version"] for v in lam.list_versions_by_function(FunctionName="echo")["Versions"]]
    assert versions == ["$LATEST", "1", "2"]


def test_aliases_point_at_versions_and_guard_them(lam, make_function):
    make_function()
    lam.publish_version(FunctionName="echo")
    alias = lam.create_alias(FunctionName="echo", Name="live", FunctionVersion="1")
    assert alias["AliasArn"].endswith(":echo:live")
    assert lam.get_function_configuration(FunctionName="echo", Qualifier="live")["Version"] == "1"
    assert [a["Name"] for a in lam.list_aliases(FunctionName="echo")["Aliases"]] == ["live"]
    with pytest.raises(ClientError) as exc:
        lam.delete_function(FunctionName="echo", Qualifier="1")
    assert error(exc)[0] == "ResourceConflictException"
    lam.update_alias(FunctionName="echo", Name="live", Description="prod")
    lam.delete_alias(FunctionName="echo", Name="live")
    lam.delete_function(FunctionName="echo", Qualifier="1")
    with pytest.raises(ClientError):
        lam.get_alias(FunctionName="echo", Name="live")


def test_an_alias_to_a_missing_version_is_refused(lam, make_function):
    make_function()
    with pytest.raises(ClientError) as exc:
        lam.create_alias(FunctionName="echo", Name="live", FunctionVersion="7")
    assert error(exc)[0] == "ResourceNotFoundException"


def test_permissions_build_the_resource_policy(lam, make_function):
    make_function()
    added = lam.add_permission(
        FunctionName="echo",
        StatementId="sns",
        Action="lambda:InvokeFunction",
        Principal="sns.amazonaws.com",
        SourceArn="arn:aws:sns:us-east-1:000000000000:events",
    )
    statement = json.loads(added["Statement"])
    assert statement["Principal"] == {"Service": "sns.amazonaws.com"}
    assert statement["Condition"]["ArnLike"]["AWS:SourceArn"].endswith(":events")
    policy = json.loads(lam.get_policy(FunctionName="echo")["Policy"])
    assert [s["Sid"] for s in policy["Statement"]] == ["sns"]
    with pytest.raises(ClientError) as exc:
        lam.add_permission(
            FunctionName="echo",
            StatementId="sns",
            Action="lambda:InvokeFunction",
            Principal="s3.amazonaws.com",
        )
    assert error(exc)[0] == "ResourceConflictException"
    lam.remove_permission(FunctionName="echo", StatementId="sns")
    with pytest.raises(ClientError) as exc:
        lam.get_policy(FunctionName="echo")
    assert error(exc)[0] == "ResourceNotFoundException"


def test_tags(lam, make_function):
    arn = make_function(Tags={"team": "a"})["FunctionArn"]
    lam.tag_resource(Resource=arn, Tags={"env": "dev"})
    assert lam.list_tags(Resource=arn)["Tags"] == {"team": "a", "env": "dev"}
    lam.untag_resource(Resource=arn, TagKeys=["team"])
    assert lam.get_function(FunctionName="echo")["Tags"] == {"env": "dev"}


def test_reserved_concurrency_and_account_settings(lam, make_function):
    make_function()
    lam.put_function_concurrency(FunctionName="echo", ReservedConcurrentExecutions=5)
    assert lam.get_function_concurrency(FunctionName="echo")["ReservedConcurrentExecutions"] == 5
    settings = lam.get_account_settings()
    assert settings["AccountLimit"]["UnreservedConcurrentExecutions"] == 995
    assert settings["AccountUsage"]["FunctionCount"] == 1
    lam.delete_function_concurrency(FunctionName="echo")
    assert "ReservedConcurrentExecutions" not in lam.get_function_concurrency(FunctionName="echo")


def test_event_invoke_configs(lam, make_function):
    make_function()
    queue = "arn:aws:sqs:us-east-1:000000000000:failures"
    put = lam.put_function_event_invoke_config(
        FunctionName="echo", MaximumRetryAttempts=1, DestinationConfig={"OnFailure": {"Destination": queue}}
    )
    assert put["MaximumRetryAttempts"] == 1
    lam.update_function_event_invoke_config(FunctionName="echo", MaximumEventAgeInSeconds=120)
    got = lam.get_function_event_invoke_config(FunctionName="echo")
    assert (
        got["MaximumEventAgeInSeconds"] == 120
        and got["DestinationConfig"]["OnFailure"]["Destination"] == queue
    )
    assert len(lam.list_function_event_invoke_configs(FunctionName="echo")["FunctionEventInvokeConfigs"]) == 1
    lam.delete_function_event_invoke_config(FunctionName="echo")
    with pytest.raises(ClientError) as exc:
        lam.get_function_event_invoke_config(FunctionName="echo")
    assert error(exc)[0] == "ResourceNotFoundException"


def test_delete_function(lam, make_function):
    make_function()
    lam.delete_function(FunctionName="echo")
    with pytest.raises(ClientError):
        lam.get_function(FunctionName="echo")


def test_the_account_concurrency_limit_is_a_setting(cloudlet_factory):
    server = cloudlet_factory(lambda_concurrency=150)
    limits = server.client("lambda").get_account_settings()["AccountLimit"]
    assert limits["ConcurrentExecutions"] == limits["UnreservedConcurrentExecutions"] == 150
