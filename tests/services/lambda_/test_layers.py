"""Lambda layers through boto3: publish, read, list, delete, layer version policies, and functions that
import a layer's files (merge order, deleted versions, validation, accounts and regions)."""

from __future__ import annotations

import io
import json
import zipfile

import pytest
from botocore.exceptions import ClientError

from tests.services.lambda_.conftest import ROLE, package, payload

ARN = "arn:aws:lambda:us-east-1:000000000000:layer"
OTHER_ACCOUNT = "111111111111"

USES_HELPER = """
import helper

def handler(event, context):
    return {"value": helper.VALUE, "where": helper.__file__}
"""


def error(exc: pytest.ExceptionInfo[ClientError]) -> tuple[str, int]:
    return exc.value.response["Error"]["Code"], exc.value.response["ResponseMetadata"]["HTTPStatusCode"]


def helper_layer(value: str, path: str = "python/helper.py") -> bytes:
    return package({path: f"VALUE = {value!r}\n"})


def publish(lam, name: str = "shared", value: str = "from layer", **kwargs) -> dict:
    return lam.publish_layer_version(LayerName=name, Content={"ZipFile": helper_layer(value)}, **kwargs)


# -- publish, read, list, delete ---------------------------------------------------------------------


def test_publish_numbers_versions_and_answers_the_content(lam):
    first = publish(
        lam,
        Description="helpers",
        CompatibleRuntimes=["python3.11", "python3.12"],
        CompatibleArchitectures=["x86_64"],
        LicenseInfo="MIT",
    )
    assert first["LayerArn"] == f"{ARN}:shared"
    assert first["LayerVersionArn"] == f"{ARN}:shared:1"
    assert first["Version"] == 1
    assert first["Description"] == "helpers"
    assert first["CompatibleRuntimes"] == ["python3.11", "python3.12"]
    assert first["CompatibleArchitectures"] == ["x86_64"]
    assert first["LicenseInfo"] == "MIT"
    assert first["Content"]["CodeSize"] == len(helper_layer("from layer"))
    assert first["Content"]["CodeSha256"] and first["Content"]["Location"]
    assert first["CreatedDate"].endswith("+0000")
    second = publish(lam, value="newer")
    assert second["Version"] == 2 and second["LayerVersionArn"] == f"{ARN}:shared:2"

    got = lam.get_layer_version(LayerName="shared", VersionNumber=1)
    assert got["LayerVersionArn"] == first["LayerVersionArn"]
    assert got["Content"]["CodeSha256"] == first["Content"]["CodeSha256"]
    assert got["LicenseInfo"] == "MIT"
    by_arn = lam.get_layer_version_by_arn(Arn=f"{ARN}:shared:2")
    assert by_arn["Version"] == 2 and by_arn["Description"] == ""
    by_layer_arn = lam.get_layer_version(LayerName=f"{ARN}:shared", VersionNumber=2)
    assert by_layer_arn["Version"] == 2


def test_a_missing_layer_version_is_not_found(lam):
    publish(lam)
    for call in (
        lambda: lam.get_layer_version(LayerName="shared", VersionNumber=9),
        lambda: lam.get_layer_version(LayerName="nope", VersionNumber=1),
        lambda: lam.get_layer_version_by_arn(Arn=f"{ARN}:nope:1"),
    ):
        with pytest.raises(ClientError) as exc:
            call()
        assert error(exc) == ("ResourceNotFoundException", 404)


def test_layer_content_from_a_bucket_answers_like_function_code(lam):
    with pytest.raises(ClientError) as exc:
        lam.publish_layer_version(LayerName="s3", Content={"S3Bucket": "my-bucket", "S3Key": "layer.zip"})
    assert error(exc) == ("InvalidParameterValueException", 400)
    assert "S3 Error Code: NoSuchBucket" in str(exc.value)


def test_layer_content_is_read_from_a_bucket(cloudlet, lam):
    s3 = cloudlet.client("s3")
    s3.create_bucket(Bucket="layers")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("python/helper.py", "VALUE = 42\n")
    s3.put_object(Bucket="layers", Key="layer.zip", Body=buffer.getvalue())
    out = lam.publish_layer_version(LayerName="s3", Content={"S3Bucket": "layers", "S3Key": "layer.zip"})
    assert out["Version"] == 1 and out["Content"]["CodeSize"] == len(buffer.getvalue())


def test_an_invalid_layer_zip_is_refused(lam):
    with pytest.raises(ClientError) as exc:
        lam.publish_layer_version(LayerName="bad", Content={"ZipFile": b"not a zip"})
    assert error(exc)[0] == "InvalidZipFileException"


def test_list_layers_shows_the_latest_matching_version(lam):
    publish(lam, "alpha", CompatibleRuntimes=["python3.11"])
    publish(lam, "alpha", CompatibleRuntimes=["python3.12"])
    publish(lam, "beta", CompatibleRuntimes=["python3.11"], CompatibleArchitectures=["arm64"])

    layers = lam.list_layers()["Layers"]
    assert [(x["LayerName"], x["LatestMatchingVersion"]["Version"]) for x in layers] == [
        ("alpha", 2),
        ("beta", 1),
    ]
    assert layers[0]["LayerArn"] == f"{ARN}:alpha"
    assert layers[0]["LatestMatchingVersion"]["LayerVersionArn"] == f"{ARN}:alpha:2"
    assert layers[0]["LatestMatchingVersion"]["CompatibleRuntimes"] == ["python3.12"]

    on_311 = lam.list_layers(CompatibleRuntime="python3.11")["Layers"]
    assert [(x["LayerName"], x["LatestMatchingVersion"]["Version"]) for x in on_311] == [
        ("alpha", 1),
        ("beta", 1),
    ]
    assert [x["LayerName"] for x in lam.list_layers(CompatibleArchitecture="arm64")["Layers"]] == ["beta"]
    assert lam.list_layers(CompatibleRuntime="python3.9")["Layers"] == []

    page = lam.list_layers(MaxItems=1)
    assert [x["LayerName"] for x in page["Layers"]] == ["alpha"]
    rest = lam.list_layers(MaxItems=1, Marker=page["NextMarker"])
    assert [x["LayerName"] for x in rest["Layers"]] == ["beta"] and "NextMarker" not in rest
    names = [x["LayerName"] for p in lam.get_paginator("list_layers").paginate() for x in p["Layers"]]
    assert names == ["alpha", "beta"]


def test_list_layer_versions_newest_first(lam):
    publish(lam, CompatibleRuntimes=["python3.11"])
    publish(lam, CompatibleRuntimes=["python3.12"])
    publish(lam, CompatibleRuntimes=["python3.11"])
    versions = lam.list_layer_versions(LayerName="shared")["LayerVersions"]
    assert [v["Version"] for v in versions] == [3, 2, 1]
    assert versions[0]["LayerVersionArn"] == f"{ARN}:shared:3"
    assert "Content" not in versions[0]
    filtered = lam.list_layer_versions(LayerName="shared", CompatibleRuntime="python3.11")
    assert [v["Version"] for v in filtered["LayerVersions"]] == [3, 1]
    first = lam.list_layer_versions(LayerName="shared", MaxItems=2)
    assert [v["Version"] for v in first["LayerVersions"]] == [3, 2]
    second = lam.list_layer_versions(LayerName="shared", MaxItems=2, Marker=first["NextMarker"])
    assert [v["Version"] for v in second["LayerVersions"]] == [1]
    assert lam.list_layer_versions(LayerName="unknown")["LayerVersions"] == []


def test_delete_is_idempotent_and_numbers_are_not_reused(lam):
    publish(lam)
    publish(lam)
    lam.delete_layer_version(LayerName="shared", VersionNumber=2)
    lam.delete_layer_version(LayerName="shared", VersionNumber=2)
    lam.delete_layer_version(LayerName="never", VersionNumber=1)
    with pytest.raises(ClientError) as exc:
        lam.get_layer_version(LayerName="shared", VersionNumber=2)
    assert error(exc) == ("ResourceNotFoundException", 404)
    assert [v["Version"] for v in lam.list_layer_versions(LayerName="shared")["LayerVersions"]] == [1]
    assert lam.list_layers()["Layers"][0]["LatestMatchingVersion"]["Version"] == 1
    assert publish(lam)["Version"] == 3
    lam.delete_layer_version(LayerName="shared", VersionNumber=1)
    lam.delete_layer_version(LayerName="shared", VersionNumber=3)
    assert lam.list_layers()["Layers"] == []
    assert publish(lam)["Version"] == 4


# -- functions using layers ---------------------------------------------------------------------------


def test_a_function_imports_its_layer(lam, make_function):
    layer = publish(lam)
    created = make_function("uses", USES_HELPER, Layers=[layer["LayerVersionArn"]])
    assert created["Layers"] == [{"Arn": layer["LayerVersionArn"], "CodeSize": layer["Content"]["CodeSize"]}]
    config = lam.get_function_configuration(FunctionName="uses")
    assert config["Layers"] == created["Layers"]
    assert payload(lam.invoke(FunctionName="uses"))["value"] == "from layer"


def test_site_packages_of_a_layer_are_importable(lam, make_function):
    import sys

    version = f"python{sys.version_info.major}.{sys.version_info.minor}"
    layer = lam.publish_layer_version(
        LayerName="deps",
        Content={"ZipFile": helper_layer("site", f"python/lib/{version}/site-packages/helper.py")},
    )
    make_function("site", USES_HELPER, Layers=[layer["LayerVersionArn"]])
    assert payload(lam.invoke(FunctionName="site"))["value"] == "site"


def test_later_layers_win_and_the_function_code_wins_over_layers(lam, make_function):
    first = publish(lam, "first", "first")
    second = publish(lam, "second", "second")
    make_function("order", USES_HELPER, Layers=[first["LayerVersionArn"], second["LayerVersionArn"]])
    assert payload(lam.invoke(FunctionName="order"))["value"] == "second"

    make_function("reverse", USES_HELPER, Layers=[second["LayerVersionArn"], first["LayerVersionArn"]])
    assert payload(lam.invoke(FunctionName="reverse"))["value"] == "first"

    make_function(
        "own",
        files={"app.py": USES_HELPER, "helper.py": "VALUE = 'own code'\n"},
        Layers=[first["LayerVersionArn"], second["LayerVersionArn"]],
    )
    assert payload(lam.invoke(FunctionName="own"))["value"] == "own code"


def test_update_function_configuration_sets_and_clears_layers(lam, make_function):
    v1 = publish(lam, value="one")
    v2 = publish(lam, value="two")
    make_function("upd", USES_HELPER)
    assert "Layers" not in lam.get_function_configuration(FunctionName="upd")
    assert payload(lam.invoke(FunctionName="upd"))["errorType"] == "Runtime.ImportModuleError"

    lam.update_function_configuration(FunctionName="upd", Layers=[v1["LayerVersionArn"]])
    assert payload(lam.invoke(FunctionName="upd"))["value"] == "one"
    updated = lam.update_function_configuration(FunctionName="upd", Layers=[v2["LayerVersionArn"]])
    assert updated["Layers"] == [{"Arn": v2["LayerVersionArn"], "CodeSize": v2["Content"]["CodeSize"]}]
    assert payload(lam.invoke(FunctionName="upd"))["value"] == "two"

    lam.update_function_configuration(FunctionName="upd", Layers=[])
    assert "Layers" not in lam.get_function_configuration(FunctionName="upd")
    assert payload(lam.invoke(FunctionName="upd"))["errorType"] == "Runtime.ImportModuleError"


def test_a_published_function_version_keeps_its_layers(lam, make_function):
    v1 = publish(lam, value="one")
    v2 = publish(lam, value="two")
    make_function("pinned", USES_HELPER, Layers=[v1["LayerVersionArn"]], Publish=True)
    lam.update_function_configuration(FunctionName="pinned", Layers=[v2["LayerVersionArn"]])
    assert payload(lam.invoke(FunctionName="pinned", Qualifier="1"))["value"] == "one"
    assert payload(lam.invoke(FunctionName="pinned"))["value"] == "two"


def test_a_deleted_layer_version_keeps_working_for_functions_that_use_it(lam, make_function):
    layer = publish(lam)
    make_function("keeps", USES_HELPER, Layers=[layer["LayerVersionArn"]])
    lam.delete_layer_version(LayerName="shared", VersionNumber=1)
    # a configuration change starts fresh workers: they still find the layer's files
    lam.update_function_configuration(FunctionName="keeps", Environment={"Variables": {"X": "1"}})
    assert payload(lam.invoke(FunctionName="keeps"))["value"] == "from layer"
    assert (
        lam.get_function_configuration(FunctionName="keeps")["Layers"][0]["Arn"] == layer["LayerVersionArn"]
    )

    with pytest.raises(ClientError) as exc:
        lam.create_function(
            FunctionName="late",
            Runtime="python3.11",
            Role=ROLE,
            Handler="app.handler",
            Code={"ZipFile": package({"app.py": USES_HELPER})},
            Layers=[layer["LayerVersionArn"]],
        )
    assert error(exc) == ("InvalidParameterValueException", 400)
    assert f"Layer version {layer['LayerVersionArn']} does not exist." in str(exc.value)


def test_layer_references_are_validated(lam, make_function):
    arns = [publish(lam, f"l{i}")["LayerVersionArn"] for i in range(6)]
    v2 = publish(lam, "l0")["LayerVersionArn"]
    cases = [
        (
            [f"{ARN}:missing:1"],
            "InvalidParameterValueException",
            f"Layer version {ARN}:missing:1 does not exist",
        ),
        ([f"{ARN}:l0:7"], "InvalidParameterValueException", "does not exist"),
        (arns, "InvalidParameterValueException", "Cannot reference more than 5 layers."),
        ([arns[0], v2], "InvalidParameterValueException", "Two different versions of the same layer"),
        (
            ["arn:aws:lambda:eu-west-1:000000000000:layer:l0:1"],
            "InvalidParameterValueException",
            "Layers are expected to be in region us-east-1",
        ),
        (["not-an-arn"], "ValidationException", "failed to satisfy constraint"),
        ([f"{ARN}:l0"], "ValidationException", "failed to satisfy constraint"),
    ]
    for layers, code, message in cases:
        with pytest.raises(ClientError) as exc:
            make_function("checked", USES_HELPER, Layers=layers)
        assert error(exc)[0] == code, layers
        assert message in str(exc.value)
    make_function("checked", USES_HELPER, Layers=arns[:5])
    with pytest.raises(ClientError) as exc:
        lam.update_function_configuration(FunctionName="checked", Layers=[f"{ARN}:missing:1"])
    assert error(exc)[0] == "InvalidParameterValueException"
    assert len(lam.get_function_configuration(FunctionName="checked")["Layers"]) == 5


# -- layer version policies ---------------------------------------------------------------------------


def test_layer_version_permissions(lam):
    publish(lam)
    with pytest.raises(ClientError) as exc:
        lam.get_layer_version_policy(LayerName="shared", VersionNumber=1)
    assert error(exc) == ("ResourceNotFoundException", 404)

    added = lam.add_layer_version_permission(
        LayerName="shared",
        VersionNumber=1,
        StatementId="xaccount",
        Action="lambda:GetLayerVersion",
        Principal=OTHER_ACCOUNT,
    )
    statement = json.loads(added["Statement"])
    assert statement == {
        "Sid": "xaccount",
        "Effect": "Allow",
        "Principal": {"AWS": f"arn:aws:iam::{OTHER_ACCOUNT}:root"},
        "Action": "lambda:GetLayerVersion",
        "Resource": f"{ARN}:shared:1",
    }
    org = lam.add_layer_version_permission(
        LayerName="shared",
        VersionNumber=1,
        StatementId="org",
        Action="lambda:GetLayerVersion",
        Principal="*",
        OrganizationId="o-abc123",
        RevisionId=added["RevisionId"],
    )
    assert json.loads(org["Statement"])["Principal"] == "*"
    assert json.loads(org["Statement"])["Condition"] == {"StringEquals": {"aws:PrincipalOrgID": "o-abc123"}}

    got = lam.get_layer_version_policy(LayerName="shared", VersionNumber=1)
    assert got["RevisionId"] == org["RevisionId"]
    policy = json.loads(got["Policy"])
    assert policy["Version"] == "2012-10-17"
    assert [s["Sid"] for s in policy["Statement"]] == ["xaccount", "org"]

    with pytest.raises(ClientError) as exc:
        lam.add_layer_version_permission(
            LayerName="shared",
            VersionNumber=1,
            StatementId="org",
            Action="lambda:GetLayerVersion",
            Principal="*",
        )
    assert error(exc) == ("ResourceConflictException", 409)
    with pytest.raises(ClientError) as exc:
        lam.remove_layer_version_permission(
            LayerName="shared", VersionNumber=1, StatementId="org", RevisionId="stale"
        )
    assert error(exc) == ("PreconditionFailedException", 412)

    lam.remove_layer_version_permission(LayerName="shared", VersionNumber=1, StatementId="org")
    with pytest.raises(ClientError) as exc:
        lam.remove_layer_version_permission(LayerName="shared", VersionNumber=1, StatementId="org")
    assert error(exc) == ("ResourceNotFoundException", 404)
    lam.remove_layer_version_permission(LayerName="shared", VersionNumber=1, StatementId="xaccount")
    with pytest.raises(ClientError) as exc:
        lam.get_layer_version_policy(LayerName="shared", VersionNumber=1)
    assert error(exc) == ("ResourceNotFoundException", 404)

    with pytest.raises(ClientError) as exc:
        lam.add_layer_version_permission(
            LayerName="shared",
            VersionNumber=5,
            StatementId="s",
            Action="lambda:GetLayerVersion",
            Principal="*",
        )
    assert error(exc) == ("ResourceNotFoundException", 404)


# -- accounts and regions -------------------------------------------------------------------------------


def test_accounts_and_regions_isolate_layers(cloudlet, lam):
    publish(lam)
    other_account = cloudlet.client("lambda", account=OTHER_ACCOUNT)
    other_region = cloudlet.client("lambda", region="eu-west-1")
    assert other_account.list_layers()["Layers"] == []
    assert other_region.list_layers()["Layers"] == []
    theirs = publish(other_account)
    assert theirs["Version"] == 1
    assert theirs["LayerVersionArn"] == f"arn:aws:lambda:us-east-1:{OTHER_ACCOUNT}:layer:shared:1"
    there = publish(other_region)
    assert there["LayerVersionArn"] == "arn:aws:lambda:eu-west-1:000000000000:layer:shared:1"
    assert publish(lam)["Version"] == 2
    assert [v["Version"] for v in other_account.list_layer_versions(LayerName="shared")["LayerVersions"]] == [
        1
    ]


def test_another_accounts_layer_needs_its_permission(cloudlet, lam):
    layer = publish(lam, value="shared across accounts")
    other = cloudlet.client("lambda", account=OTHER_ACCOUNT)

    def create() -> dict:
        return other.create_function(
            FunctionName="borrower",
            Runtime="python3.11",
            Role=f"arn:aws:iam::{OTHER_ACCOUNT}:role/r",
            Handler="app.handler",
            Code={"ZipFile": package({"app.py": USES_HELPER})},
            Layers=[layer["LayerVersionArn"]],
        )

    with pytest.raises(ClientError) as exc:
        create()
    assert error(exc) == ("AccessDeniedException", 403)
    with pytest.raises(ClientError) as exc:
        other.get_layer_version_by_arn(Arn=layer["LayerVersionArn"])
    assert error(exc) == ("AccessDeniedException", 403)

    lam.add_layer_version_permission(
        LayerName="shared",
        VersionNumber=1,
        StatementId="share",
        Action="lambda:GetLayerVersion",
        Principal=OTHER_ACCOUNT,
    )
    assert other.get_layer_version_by_arn(Arn=layer["LayerVersionArn"])["Version"] == 1
    create()
    assert payload(other.invoke(FunctionName="borrower"))["value"] == "shared across accounts"
