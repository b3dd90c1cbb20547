"""API keys, usage plans, usage plan keys and usage (v1 control plane)."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError
from hypothesis import given
from hypothesis import strategies as st


def error(exc: pytest.ExceptionInfo[ClientError]) -> tuple[str, str, int]:
    err = exc.value.response
    return err["Error"]["Code"], err["Error"]["Message"], err["ResponseMetadata"]["HTTPStatusCode"]


def rest_api_with_stage(apigw: Any, stage: str = "prod") -> str:
    api_id = apigw.create_rest_api(name="keys")["id"]
    root = apigw.get_resources(restApiId=api_id)["items"][0]["id"]
    apigw.put_method(restApiId=api_id, resourceId=root, httpMethod="GET", authorizationType="NONE")
    apigw.put_integration(restApiId=api_id, resourceId=root, httpMethod="GET", type="MOCK")
    apigw.create_deployment(restApiId=api_id, stageName=stage)
    return api_id


# -- API keys -----------------------------------------------------------------------------------------


def test_api_key_round_trip(apigw: Any) -> None:
    created = apigw.create_api_key(
        name="alpha", description="d", enabled=True, customerId="c1", tags={"t": "v"}
    )
    assert len(created["id"]) == 10
    assert len(created["value"]) == 40 and created["value"].isalnum()
    assert created["enabled"] is True
    assert created["stageKeys"] == []
    assert created["tags"] == {"t": "v"}

    got = apigw.get_api_key(apiKey=created["id"])
    assert "value" not in got
    assert got["name"] == "alpha" and got["customerId"] == "c1" and got["description"] == "d"
    assert apigw.get_api_key(apiKey=created["id"], includeValue=True)["value"] == created["value"]

    updated = apigw.update_api_key(
        apiKey=created["id"],
        patchOperations=[
            {"op": "replace", "path": "/name", "value": "beta"},
            {"op": "replace", "path": "/enabled", "value": "false"},
            {"op": "replace", "path": "/description", "value": "new"},
        ],
    )
    assert updated["name"] == "beta" and updated["enabled"] is False and updated["description"] == "new"

    apigw.delete_api_key(apiKey=created["id"])
    with pytest.raises(ClientError) as exc:
        apigw.get_api_key(apiKey=created["id"])
    assert error(exc) == ("NotFoundException", "Invalid API Key identifier specified", 404)


def test_api_key_defaults_disabled(apigw: Any) -> None:
    created = apigw.create_api_key()
    assert created["enabled"] is False
    assert "name" not in created


def test_api_key_value_rules(apigw: Any) -> None:
    with pytest.raises(ClientError) as exc:
        apigw.create_api_key(name="short", value="tooshort")
    assert error(exc)[0] == "BadRequestException"
    assert error(exc)[2] == 400
    apigw.create_api_key(name="a", value="v" * 20)
    with pytest.raises(ClientError) as exc:
        apigw.create_api_key(name="b", value="v" * 20)
    assert error(exc) == ("ConflictException", "API Key already exists", 409)


def test_get_api_keys_filters_and_pages(apigw: Any) -> None:
    for i in range(5):
        apigw.create_api_key(name=f"team-{i}", customerId="even" if i % 2 == 0 else "odd")
    apigw.create_api_key(name="other")
    assert len(apigw.get_api_keys()["items"]) == 6
    assert [k["name"] for k in apigw.get_api_keys(nameQuery="team-")["items"]] == [
        f"team-{i}" for i in range(5)
    ]
    assert [k["name"] for k in apigw.get_api_keys(customerId="odd")["items"]] == ["team-1", "team-3"]
    assert all("value" not in k for k in apigw.get_api_keys()["items"])
    assert all(len(k["value"]) == 40 for k in apigw.get_api_keys(includeValues=True)["items"])
    first = apigw.get_api_keys(limit=4)
    assert len(first["items"]) == 4 and first["position"]
    rest = apigw.get_api_keys(limit=4, position=first["position"])
    assert len(rest["items"]) == 2 and "position" not in rest
    names = [k["name"] for k in first["items"] + rest["items"]]
    assert len(set(names)) == 6


def test_unknown_api_key_errors(apigw: Any) -> None:
    for call in (
        lambda: apigw.update_api_key(apiKey="nope", patchOperations=[]),
        lambda: apigw.delete_api_key(apiKey="nope"),
    ):
        with pytest.raises(ClientError) as exc:
            call()
        assert error(exc) == ("NotFoundException", "Invalid API Key identifier specified", 404)


def test_api_key_bad_patch(apigw: Any) -> None:
    key = apigw.create_api_key(name="k")["id"]
    with pytest.raises(ClientError) as exc:
        apigw.update_api_key(
            apiKey=key, patchOperations=[{"op": "replace", "path": "/value", "value": "x" * 30}]
        )
    assert error(exc)[0] == "BadRequestException"
    with pytest.raises(ClientError) as exc:
        apigw.update_api_key(
            apiKey=key, patchOperations=[{"op": "replace", "path": "/enabled", "value": "maybe"}]
        )
    assert error(exc)[0] == "BadRequestException"


def test_import_api_keys_csv(apigw: Any) -> None:
    plan = apigw.create_usage_plan(name="imported")["id"]
    value_a, value_b = "a" * 24, "b" * 30
    body = (
        "Name,key,description,Enabled,usageplanIds\n"
        f"first,{value_a},An imported key,TRUE,{plan}\n"
        f'second,{value_b},,false,"{plan}"\n'
    )
    ids = apigw.import_api_keys(body=body.encode(), format="csv")["ids"]
    assert len(ids) == 2
    first = apigw.get_api_key(apiKey=ids[0], includeValue=True)
    assert (first["name"], first["value"], first["description"], first["enabled"]) == (
        "first",
        value_a,
        "An imported key",
        True,
    )
    assert apigw.get_api_key(apiKey=ids[1])["enabled"] is False
    assert sorted(k["id"] for k in apigw.get_usage_plan_keys(usagePlanId=plan)["items"]) == sorted(ids)
    # the same key value again overwrites the key
    again = apigw.import_api_keys(body=f"key,name\n{value_a},renamed\n".encode(), format="csv")["ids"]
    assert again == [ids[0]]
    assert apigw.get_api_key(apiKey=ids[0])["name"] == "renamed"
    with pytest.raises(ClientError) as exc:
        apigw.import_api_keys(body=b"name,description\nx,y\n", format="csv")
    assert error(exc)[0] == "BadRequestException"


# -- usage plans --------------------------------------------------------------------------------------


def test_usage_plan_round_trip(apigw: Any) -> None:
    created = apigw.create_usage_plan(
        name="gold",
        description="best",
        throttle={"burstLimit": 10, "rateLimit": 5.0},
        quota={"limit": 1000, "offset": 0, "period": "MONTH"},
        tags={"tier": "1"},
    )
    assert len(created["id"]) == 6
    assert created["throttle"] == {"burstLimit": 10, "rateLimit": 5.0}
    assert created["quota"] == {"limit": 1000, "offset": 0, "period": "MONTH"}
    assert created["apiStages"] == []
    got = apigw.get_usage_plan(usagePlanId=created["id"])
    assert got["name"] == "gold" and got["tags"] == {"tier": "1"}
    updated = apigw.update_usage_plan(
        usagePlanId=created["id"],
        patchOperations=[
            {"op": "replace", "path": "/throttle/rateLimit", "value": "20"},
            {"op": "replace", "path": "/quota/limit", "value": "50"},
            {"op": "replace", "path": "/quota/period", "value": "WEEK"},
            {"op": "replace", "path": "/name", "value": "platinum"},
        ],
    )
    assert updated["throttle"] == {"burstLimit": 10, "rateLimit": 20.0}
    assert updated["quota"] == {"limit": 50, "offset": 0, "period": "WEEK"}
    assert updated["name"] == "platinum"
    removed = apigw.update_usage_plan(
        usagePlanId=created["id"], patchOperations=[{"op": "remove", "path": "/throttle"}]
    )
    assert "throttle" not in removed
    assert [p["id"] for p in apigw.get_usage_plans()["items"]] == [created["id"]]
    apigw.delete_usage_plan(usagePlanId=created["id"])
    with pytest.raises(ClientError) as exc:
        apigw.get_usage_plan(usagePlanId=created["id"])
    assert error(exc) == ("NotFoundException", "Invalid Usage Plan ID specified", 404)


def test_usage_plan_validation(apigw: Any) -> None:
    with pytest.raises(ClientError) as exc:
        apigw.create_usage_plan(name="q", quota={"limit": 5, "period": "DAY", "offset": 3})
    assert error(exc)[0] == "BadRequestException"
    with pytest.raises(ClientError) as exc:
        apigw.create_usage_plan(name="s", apiStages=[{"apiId": "missing", "stage": "prod"}])
    assert error(exc) == ("BadRequestException", "API Stage not found: missing:prod", 400)
    for call in (
        lambda: apigw.update_usage_plan(usagePlanId="nope", patchOperations=[]),
        lambda: apigw.delete_usage_plan(usagePlanId="nope"),
        lambda: apigw.get_usage_plan_keys(usagePlanId="nope"),
    ):
        with pytest.raises(ClientError) as exc:
            call()
        assert error(exc) == ("NotFoundException", "Invalid Usage Plan ID specified", 404)


def test_usage_plan_api_stages(apigw: Any) -> None:
    api_id = rest_api_with_stage(apigw)
    plan = apigw.create_usage_plan(name="p", apiStages=[{"apiId": api_id, "stage": "prod"}])
    assert plan["apiStages"] == [{"apiId": api_id, "stage": "prod"}]
    with_throttle = apigw.update_usage_plan(
        usagePlanId=plan["id"],
        patchOperations=[
            {"op": "replace", "path": f"/apiStages/{api_id}:prod/throttle/~1/GET/rateLimit", "value": "3"},
            {"op": "replace", "path": f"/apiStages/{api_id}:prod/throttle/~1/GET/burstLimit", "value": "2"},
        ],
    )
    assert with_throttle["apiStages"][0]["throttle"] == {"//GET": {"rateLimit": 3.0, "burstLimit": 2}}
    removed = apigw.update_usage_plan(
        usagePlanId=plan["id"],
        patchOperations=[{"op": "remove", "path": "/apiStages", "value": f"{api_id}:prod"}],
    )
    assert removed["apiStages"] == []
    added = apigw.update_usage_plan(
        usagePlanId=plan["id"],
        patchOperations=[{"op": "add", "path": "/apiStages", "value": f"{api_id}:prod"}],
    )
    assert added["apiStages"] == [{"apiId": api_id, "stage": "prod"}]
    with pytest.raises(ClientError) as exc:
        apigw.update_usage_plan(
            usagePlanId=plan["id"],
            patchOperations=[{"op": "add", "path": "/apiStages", "value": f"{api_id}:dev"}],
        )
    assert error(exc) == ("BadRequestException", f"API Stage not found: {api_id}:dev", 400)


# -- usage plan keys ----------------------------------------------------------------------------------


def test_usage_plan_keys(apigw: Any) -> None:
    plan = apigw.create_usage_plan(name="p")["id"]
    key = apigw.create_api_key(name="k", enabled=True)
    created = apigw.create_usage_plan_key(usagePlanId=plan, keyId=key["id"], keyType="API_KEY")
    assert created == {
        "id": key["id"],
        "type": "API_KEY",
        "value": key["value"],
        "name": "k",
        **_meta(created),
    }
    got = apigw.get_usage_plan_key(usagePlanId=plan, keyId=key["id"])
    assert (got["id"], got["type"], got["name"]) == (key["id"], "API_KEY", "k")
    assert [k["id"] for k in apigw.get_usage_plan_keys(usagePlanId=plan)["items"]] == [key["id"]]
    assert [p["id"] for p in apigw.get_usage_plans(keyId=key["id"])["items"]] == [plan]
    assert apigw.get_usage_plans(keyId="other")["items"] == []

    with pytest.raises(ClientError) as exc:
        apigw.create_usage_plan_key(usagePlanId=plan, keyId=key["id"], keyType="API_KEY")
    assert error(exc)[0] == "ConflictException"
    with pytest.raises(ClientError) as exc:
        apigw.create_usage_plan_key(usagePlanId=plan, keyId="missing", keyType="API_KEY")
    assert error(exc) == ("NotFoundException", "Invalid API Key identifier specified", 404)
    with pytest.raises(ClientError) as exc:
        apigw.create_usage_plan_key(usagePlanId="missing", keyId=key["id"], keyType="API_KEY")
    assert error(exc) == ("NotFoundException", "Invalid Usage Plan ID specified", 404)

    apigw.delete_usage_plan_key(usagePlanId=plan, keyId=key["id"])
    with pytest.raises(ClientError) as exc:
        apigw.get_usage_plan_key(usagePlanId=plan, keyId=key["id"])
    assert error(exc)[0] == "NotFoundException"
    # deleting a key removes it from its plans
    apigw.create_usage_plan_key(usagePlanId=plan, keyId=key["id"], keyType="API_KEY")
    apigw.delete_api_key(apiKey=key["id"])
    assert apigw.get_usage_plan_keys(usagePlanId=plan)["items"] == []


def _meta(out: dict[str, Any]) -> dict[str, Any]:
    return {"ResponseMetadata": out["ResponseMetadata"]}


def test_key_cannot_be_in_two_plans_of_one_stage(apigw: Any) -> None:
    api_id = rest_api_with_stage(apigw)
    stages = [{"apiId": api_id, "stage": "prod"}]
    first = apigw.create_usage_plan(name="a", apiStages=stages)["id"]
    second = apigw.create_usage_plan(name="b", apiStages=stages)["id"]
    key = apigw.create_api_key(name="k")["id"]
    apigw.create_usage_plan_key(usagePlanId=first, keyId=key, keyType="API_KEY")
    with pytest.raises(ClientError) as exc:
        apigw.create_usage_plan_key(usagePlanId=second, keyId=key, keyType="API_KEY")
    code, message, status = error(exc)
    assert (code, status) == ("ConflictException", 409)
    assert f"{api_id}:prod" in message


# -- usage --------------------------------------------------------------------------------------------


def test_get_and_update_usage(apigw: Any, cloudlet: Any) -> None:
    plan = apigw.create_usage_plan(name="q", quota={"limit": 100, "period": "DAY"})["id"]
    key = apigw.create_api_key(name="k", enabled=True)["id"]
    apigw.create_usage_plan_key(usagePlanId=plan, keyId=key, keyType="API_KEY")
    from datetime import UTC, datetime

    today = datetime.fromtimestamp(cloudlet.clock.now(), UTC).date().isoformat()
    usage = apigw.get_usage(usagePlanId=plan, startDate=today, endDate=today)
    assert usage["usagePlanId"] == plan
    assert usage["items"] == {key: [[0, 100]]}
    updated = apigw.update_usage(
        usagePlanId=plan, keyId=key, patchOperations=[{"op": "replace", "path": "/remaining", "value": "40"}]
    )
    assert updated["items"][key][-1] == [0, 40]
    assert apigw.get_usage(usagePlanId=plan, keyId=key, startDate=today, endDate=today)["items"] == {
        key: [[0, 40]]
    }
    with pytest.raises(ClientError) as exc:
        apigw.get_usage(usagePlanId=plan, startDate="yesterday", endDate=today)
    assert error(exc)[0] == "BadRequestException"
    with pytest.raises(ClientError) as exc:
        apigw.get_usage(usagePlanId="nope", startDate=today, endDate=today)
    assert error(exc) == ("NotFoundException", "Invalid Usage Plan ID specified", 404)


@given(
    period=st.sampled_from(["DAY", "WEEK", "MONTH"]),
    offset=st.integers(min_value=0, max_value=27),
    day=st.dates(),
)
def test_quota_period_contains_day(period: str, offset: int, day: Any) -> None:
    from datetime import timedelta

    from cloudlet.services.apigateway.serve.usage import quota_period

    offset = {"DAY": 0, "WEEK": offset % 7, "MONTH": offset}[period]
    try:
        start, end = quota_period({"period": period, "offset": offset}, day)
    except (OverflowError, ValueError):
        return  # the first or last representable month
    assert start <= day < end
    length = (end - start).days
    assert {"DAY": length == 1, "WEEK": length == 7, "MONTH": 28 <= length <= 31}[period]
    if period == "WEEK":
        assert (start.weekday() + 1) % 7 == offset
    if period == "MONTH":
        assert start.day == offset + 1
        assert quota_period({"period": period, "offset": offset}, end - timedelta(days=1))[0] == start
