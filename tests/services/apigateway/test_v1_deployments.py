"""Deployments (frozen snapshots) and stages: variables, method settings, caches, deletion rules."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cloudlet.services.apigateway import store
from cloudlet.services.apigateway.engine import state

ACCOUNT, REGION = "000000000000", "us-east-1"


def fails(call: Any, **kwargs: Any) -> tuple[str, str, int]:
    with pytest.raises(ClientError) as exc:
        call(**kwargs)
    err = exc.value.response
    return err["Error"]["Code"], err["Error"]["Message"], err["ResponseMetadata"]["HTTPStatusCode"]


@pytest.fixture
def api(apigw: Any) -> tuple[str, str]:
    created = apigw.create_rest_api(name="deployed")
    api_id, root = created["id"], created["rootResourceId"]
    apigw.put_method(restApiId=api_id, resourceId=root, httpMethod="GET", authorizationType="NONE")
    apigw.put_integration(restApiId=api_id, resourceId=root, httpMethod="GET", type="MOCK")
    return api_id, root


def snapshot_row(cloudlet: Any, api_id: str, deployment_id: str) -> dict[str, Any] | None:
    with state(cloudlet.app).db.read() as conn:
        return store.get(conn, ACCOUNT, REGION, "snapshot", api_id, deployment_id)


def test_deployment_needs_methods_with_integrations(apigw: Any) -> None:
    created = apigw.create_rest_api(name="empty")
    api_id, root = created["id"], created["rootResourceId"]
    assert fails(apigw.create_deployment, restApiId=api_id) == (
        "BadRequestException",
        "The REST API doesn't contain any methods",
        400,
    )
    apigw.put_method(restApiId=api_id, resourceId=root, httpMethod="GET", authorizationType="NONE")
    assert fails(apigw.create_deployment, restApiId=api_id) == (
        "BadRequestException",
        "No integration defined for method",
        400,
    )
    assert fails(apigw.create_deployment, restApiId="missing000")[1] == (
        f"Invalid API identifier specified {ACCOUNT}:missing000"
    )


def test_deployment_with_stage(cloudlet: Any, apigw: Any, api: tuple[str, str]) -> None:
    api_id, root = api
    deployment = apigw.create_deployment(
        restApiId=api_id,
        stageName="prod",
        stageDescription="live",
        description="v1",
        variables={"color": "red"},
    )
    assert deployment["ResponseMetadata"]["HTTPStatusCode"] == 201
    assert len(deployment["id"]) == 6 and deployment["description"] == "v1"
    assert "apiSummary" not in deployment
    stage = apigw.get_stage(restApiId=api_id, stageName="prod")
    assert stage["deploymentId"] == deployment["id"] and stage["description"] == "live"
    assert stage["variables"] == {"color": "red"}
    assert stage["methodSettings"] == {} and stage["cacheClusterEnabled"] is False
    assert stage["tracingEnabled"] is False
    summary = apigw.get_deployment(restApiId=api_id, deploymentId=deployment["id"], embed=["apisummary"])
    assert summary["apiSummary"] == {"/": {"GET": {"authorizationType": "NONE", "apiKeyRequired": False}}}
    frozen = snapshot_row(cloudlet, api_id, deployment["id"])
    assert frozen is not None and [r["path"] for r in frozen["resources"]] == ["/"]
    # later edits do not change what the deployment froze
    apigw.create_resource(restApiId=api_id, parentId=root, pathPart="later")
    apigw.update_integration(
        restApiId=api_id,
        resourceId=root,
        httpMethod="GET",
        patchOperations=[{"op": "replace", "path": "/timeoutInMillis", "value": "100"}],
    )
    assert snapshot_row(cloudlet, api_id, deployment["id"]) == frozen
    second = apigw.create_deployment(restApiId=api_id, stageName="prod", variables={"size": "big"})
    stage = apigw.get_stage(restApiId=api_id, stageName="prod")
    assert stage["deploymentId"] == second["id"] and stage["variables"] == {"color": "red", "size": "big"}
    new_frozen = snapshot_row(cloudlet, api_id, second["id"])
    assert new_frozen is not None and [r["path"] for r in new_frozen["resources"]] == ["/", "/later"]
    listed = apigw.get_deployments(restApiId=api_id)["items"]
    assert [d["id"] for d in listed] == [deployment["id"], second["id"]]
    assert fails(apigw.create_deployment, restApiId=api_id, stageName="bad name!")[0] == "BadRequestException"


def test_delete_deployment_rules(cloudlet: Any, apigw: Any, api: tuple[str, str]) -> None:
    api_id, _ = api
    used = apigw.create_deployment(restApiId=api_id, stageName="dev")["id"]
    spare = apigw.create_deployment(restApiId=api_id)["id"]
    assert fails(apigw.delete_deployment, restApiId=api_id, deploymentId=used) == (
        "BadRequestException",
        "Active stages pointing to this deployment must be moved or deleted",
        400,
    )
    assert (
        apigw.delete_deployment(restApiId=api_id, deploymentId=spare)["ResponseMetadata"]["HTTPStatusCode"]
        == 202
    )
    assert snapshot_row(cloudlet, api_id, spare) is None
    assert fails(apigw.get_deployment, restApiId=api_id, deploymentId=spare) == (
        "NotFoundException",
        "Invalid Deployment identifier specified",
        404,
    )
    updated = apigw.update_deployment(
        restApiId=api_id,
        deploymentId=used,
        patchOperations=[{"op": "replace", "path": "/description", "value": "d"}],
    )
    assert updated["description"] == "d"
    apigw.delete_stage(restApiId=api_id, stageName="dev")
    apigw.delete_deployment(restApiId=api_id, deploymentId=used)
    assert apigw.get_deployments(restApiId=api_id)["items"] == []


def test_stages(apigw: Any, api: tuple[str, str]) -> None:
    api_id, _ = api
    first = apigw.create_deployment(restApiId=api_id)["id"]
    second = apigw.create_deployment(restApiId=api_id)["id"]
    stage = apigw.create_stage(
        restApiId=api_id,
        stageName="beta",
        deploymentId=first,
        description="b",
        tags={"k": "v"},
        variables={"a": "1"},
    )
    assert stage["ResponseMetadata"]["HTTPStatusCode"] == 201
    assert stage["stageName"] == "beta" and stage["tags"] == {"k": "v"}
    assert stage["createdDate"] == stage["lastUpdatedDate"]
    assert fails(apigw.create_stage, restApiId=api_id, stageName="beta", deploymentId=first) == (
        "ConflictException",
        "Stage already exists",
        409,
    )
    assert (
        fails(apigw.create_stage, restApiId=api_id, stageName="x", deploymentId="nope00")[0]
        == "NotFoundException"
    )
    apigw.create_stage(restApiId=api_id, stageName="gamma", deploymentId=second)
    assert [s["stageName"] for s in apigw.get_stages(restApiId=api_id)["item"]] == ["beta", "gamma"]
    assert [s["stageName"] for s in apigw.get_stages(restApiId=api_id, deploymentId=second)["item"]] == [
        "gamma"
    ]
    updated = apigw.update_stage(
        restApiId=api_id,
        stageName="beta",
        patchOperations=[
            {"op": "replace", "path": "/deploymentId", "value": second},
            {"op": "replace", "path": "/description", "value": "new"},
            {"op": "replace", "path": "/variables/b", "value": "2"},
            {"op": "remove", "path": "/variables/a"},
            {"op": "replace", "path": "/tracingEnabled", "value": "true"},
            {"op": "replace", "path": "/*/*/throttling/rateLimit", "value": "100"},
            {"op": "replace", "path": "/*/*/throttling/burstLimit", "value": "50"},
            {"op": "replace", "path": "/~1items/GET/caching/enabled", "value": "true"},
            {"op": "replace", "path": "/~1items/GET/logging/loglevel", "value": "INFO"},
            {"op": "replace", "path": "/accessLogSettings/format", "value": "$context.requestId"},
        ],
    )
    assert updated["deploymentId"] == second and updated["description"] == "new"
    assert updated["variables"] == {"b": "2"} and updated["tracingEnabled"] is True
    everything = updated["methodSettings"]["*/*"]
    assert everything["throttlingRateLimit"] == 100.0 and everything["throttlingBurstLimit"] == 50
    items = updated["methodSettings"]["items/GET"]
    assert items["cachingEnabled"] is True and items["loggingLevel"] == "INFO"
    assert updated["accessLogSettings"] == {"format": "$context.requestId"}
    assert apigw.get_stage(restApiId=api_id, stageName="beta")["methodSettings"] == updated["methodSettings"]
    removed = apigw.update_stage(
        restApiId=api_id, stageName="beta", patchOperations=[{"op": "remove", "path": "/~1items/GET"}]
    )
    assert list(removed["methodSettings"]) == ["*/*"]
    for bad in (
        {"op": "replace", "path": "/deploymentId", "value": "nope00"},
        {"op": "replace", "path": "/*/*/logging/loglevel", "value": "LOUD"},
        {"op": "replace", "path": "/*/*/throttling/rateLimit", "value": "fast"},
        {"op": "replace", "path": "/*/*/nothing/here", "value": "1"},
        {"op": "replace", "path": "/stageName", "value": "x"},
    ):
        code, _, status = fails(apigw.update_stage, restApiId=api_id, stageName="beta", patchOperations=[bad])
        assert (code, status) in (("BadRequestException", 400), ("NotFoundException", 404)), bad
    assert (
        apigw.flush_stage_cache(restApiId=api_id, stageName="beta")["ResponseMetadata"]["HTTPStatusCode"]
        == 202
    )
    apigw.flush_stage_authorizers_cache(restApiId=api_id, stageName="beta")
    assert apigw.delete_stage(restApiId=api_id, stageName="beta")["ResponseMetadata"]["HTTPStatusCode"] == 202
    assert fails(apigw.get_stage, restApiId=api_id, stageName="beta") == (
        "NotFoundException",
        "Invalid Stage identifier specified",
        404,
    )
    assert fails(apigw.flush_stage_cache, restApiId=api_id, stageName="beta")[0] == "NotFoundException"


def test_flush_authorizers_cache_clears_runtime_entries(
    cloudlet: Any, apigw: Any, api: tuple[str, str]
) -> None:
    api_id, _ = api
    apigw.create_deployment(restApiId=api_id, stageName="prod")
    cache = state(cloudlet.app).runtime.setdefault("authorizer_cache", {})
    cache[(api_id, "prod", "auth", "token")] = "policy"
    cache[(api_id, "other", "auth", "token")] = "kept"
    apigw.flush_stage_authorizers_cache(restApiId=api_id, stageName="prod")
    assert cache == {(api_id, "other", "auth", "token"): "kept"}


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    variables=st.dictionaries(
        st.from_regex(r"[A-Za-z0-9_]{1,20}", fullmatch=True),
        st.from_regex(r"[A-Za-z0-9\-._~:/?#&=,]{1,30}", fullmatch=True),
        max_size=5,
    )
)
def test_stage_variables_round_trip(apigw: Any, api: tuple[str, str], variables: dict[str, str]) -> None:
    api_id, _ = api
    deployment = apigw.create_deployment(restApiId=api_id)["id"]
    name = f"s{len(apigw.get_stages(restApiId=api_id)['item'])}"
    apigw.create_stage(restApiId=api_id, stageName=name, deploymentId=deployment)
    ops = [{"op": "replace", "path": f"/variables/{k}", "value": v} for k, v in variables.items()]
    updated = apigw.update_stage(restApiId=api_id, stageName=name, patchOperations=ops)
    assert updated.get("variables", {}) == variables


def test_canary_deployment_and_method_setting_inheritance(apigw: Any, api: tuple[str, str]) -> None:
    api_id, _ = api
    base = apigw.create_deployment(restApiId=api_id, stageName="prod")["id"]
    canary = apigw.create_deployment(
        restApiId=api_id, stageName="prod", canarySettings={"percentTraffic": 10.0, "useStageCache": False}
    )["id"]
    stage = apigw.get_stage(restApiId=api_id, stageName="prod")
    assert stage["deploymentId"] == base
    assert stage["canarySettings"]["deploymentId"] == canary
    assert stage["canarySettings"]["percentTraffic"] == 10.0
    assert fails(apigw.delete_deployment, restApiId=api_id, deploymentId=canary)[0] == "BadRequestException"
    updated = apigw.update_stage(
        restApiId=api_id,
        stageName="prod",
        patchOperations=[
            {"op": "replace", "path": "/canarySettings/percentTraffic", "value": "25"},
            {"op": "replace", "path": "/*/*/throttling/rateLimit", "value": "7"},
            {"op": "replace", "path": "/~1items~1{id}/POST/metrics/enabled", "value": "true"},
        ],
    )
    assert updated["canarySettings"]["percentTraffic"] == 25.0
    specific = updated["methodSettings"]["items/{id}/POST"]
    assert specific["metricsEnabled"] is True and specific["throttlingRateLimit"] == 7.0
    removed = apigw.update_stage(
        restApiId=api_id, stageName="prod", patchOperations=[{"op": "remove", "path": "/canarySettings"}]
    )
    assert "canarySettings" not in removed
    apigw.delete_deployment(restApiId=api_id, deploymentId=canary)
