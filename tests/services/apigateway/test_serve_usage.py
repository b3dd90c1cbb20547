"""API keys, usage plan throttles and quotas, and stage method throttling, over real HTTP."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from tests.services.apigateway.conftest import lambda_uri

AUTHORIZER = """
def handler(event, context):
    token = event["authorizationToken"]
    return {
        "principalId": "p",
        "policyDocument": {"Version": "2012-10-17", "Statement": [
            {"Action": "execute-api:Invoke", "Effect": "Allow", "Resource": event["methodArn"]}]},
        "usageIdentifierKey": token,
    }
"""


def mock_api(apigw: Any, *, key_required: bool = True, api_key_source: str | None = None) -> tuple[str, str]:
    """A REST API whose `/items` GET answers 200 from a MOCK integration, deployed to `prod`;
    returns (api id, resource id)."""
    kwargs = {"apiKeySource": api_key_source} if api_key_source else {}
    api_id: str = apigw.create_rest_api(name="usage", **kwargs)["id"]
    root = apigw.get_resources(restApiId=api_id)["items"][0]["id"]
    items = apigw.create_resource(restApiId=api_id, parentId=root, pathPart="items")["id"]
    for method in ("GET", "POST"):
        apigw.put_method(
            restApiId=api_id,
            resourceId=items,
            httpMethod=method,
            authorizationType="NONE",
            apiKeyRequired=key_required,
        )
        apigw.put_integration(
            restApiId=api_id,
            resourceId=items,
            httpMethod=method,
            type="MOCK",
            requestTemplates={"application/json": '{"statusCode": 200}'},
        )
        apigw.put_method_response(restApiId=api_id, resourceId=items, httpMethod=method, statusCode="200")
        apigw.put_integration_response(
            restApiId=api_id,
            resourceId=items,
            httpMethod=method,
            statusCode="200",
            responseTemplates={"application/json": '{"ok": true}'},
        )
    apigw.create_deployment(restApiId=api_id, stageName="prod")
    return api_id, items


def plan_with_key(apigw: Any, api_id: str, **plan: Any) -> tuple[str, str, str]:
    """A usage plan for `api_id`/prod holding a new enabled key; returns (plan id, key id, key value)."""
    plan_id = apigw.create_usage_plan(name="plan", apiStages=[{"apiId": api_id, "stage": "prod"}], **plan)[
        "id"
    ]
    key = apigw.create_api_key(name="key", enabled=True)
    apigw.create_usage_plan_key(usagePlanId=plan_id, keyId=key["id"], keyType="API_KEY")
    return plan_id, key["id"], key["value"]


def forbidden(reply: Any) -> bool:
    return reply.status == 403 and reply.json() == {"message": "Forbidden"}


def test_api_key_required(apigw: Any, invoke: Any) -> None:
    api_id, _ = mock_api(apigw)
    _, key_id, value = plan_with_key(apigw, api_id)
    assert forbidden(invoke("GET", api_id, "/prod/items"))
    assert forbidden(invoke("GET", api_id, "/prod/items", headers={"x-api-key": "not-a-key-at-all-xxxx"}))
    reply = invoke("GET", api_id, "/prod/items", headers={"x-api-key": value})
    assert reply.status == 200, reply.body
    assert reply.json() == {"ok": True}
    # a key that exists but is in no plan of this stage
    loose = apigw.create_api_key(name="loose", enabled=True)["value"]
    assert forbidden(invoke("GET", api_id, "/prod/items", headers={"x-api-key": loose}))
    # a disabled key
    apigw.update_api_key(
        apiKey=key_id, patchOperations=[{"op": "replace", "path": "/enabled", "value": "false"}]
    )
    assert forbidden(invoke("GET", api_id, "/prod/items", headers={"x-api-key": value}))


def test_no_key_needed_when_not_required(apigw: Any, invoke: Any) -> None:
    api_id, _ = mock_api(apigw, key_required=False)
    assert invoke("GET", api_id, "/prod/items").status == 200


def test_quota_exceeded_then_next_period(apigw: Any, invoke: Any, cloudlet: Any) -> None:
    api_id, _ = mock_api(apigw)
    plan_id, key_id, value = plan_with_key(apigw, api_id, quota={"limit": 2, "period": "DAY"})
    headers = {"x-api-key": value}
    assert invoke("GET", api_id, "/prod/items", headers=headers).status == 200
    assert invoke("POST", api_id, "/prod/items", headers=headers).status == 200
    reply = invoke("GET", api_id, "/prod/items", headers=headers)
    assert reply.status == 429
    assert reply.json() == {"message": "Limit Exceeded"}
    today = datetime.fromtimestamp(cloudlet.clock.now(), UTC).date().isoformat()
    usage = apigw.get_usage(usagePlanId=plan_id, startDate=today, endDate=today)
    assert usage["items"] == {key_id: [[2, 0]]}
    # UpdateUsage grants more of the current period
    apigw.update_usage(
        usagePlanId=plan_id,
        keyId=key_id,
        patchOperations=[{"op": "replace", "path": "/remaining", "value": "1"}],
    )
    assert invoke("GET", api_id, "/prod/items", headers=headers).status == 200
    assert invoke("GET", api_id, "/prod/items", headers=headers).status == 429
    cloudlet.clock.advance(86_400)
    assert invoke("GET", api_id, "/prod/items", headers=headers).status == 200


def test_usage_plan_throttle(apigw: Any, invoke: Any, cloudlet: Any) -> None:
    api_id, _ = mock_api(apigw)
    _, _, value = plan_with_key(apigw, api_id, throttle={"burstLimit": 2, "rateLimit": 1.0})
    headers = {"x-api-key": value}
    assert [invoke("GET", api_id, "/prod/items", headers=headers).status for _ in range(3)] == [200, 200, 429]
    reply = invoke("GET", api_id, "/prod/items", headers=headers)
    assert reply.status == 429
    assert reply.json() == {"message": "Too Many Requests"}
    cloudlet.clock.advance(1)
    assert invoke("GET", api_id, "/prod/items", headers=headers).status == 200


def test_per_method_throttle_override(apigw: Any, invoke: Any, cloudlet: Any) -> None:
    api_id, _ = mock_api(apigw)
    plan_id, _, value = plan_with_key(apigw, api_id, throttle={"burstLimit": 100, "rateLimit": 100.0})
    apigw.update_usage_plan(
        usagePlanId=plan_id,
        patchOperations=[
            {
                "op": "replace",
                "path": f"/apiStages/{api_id}:prod/throttle/~1items/POST/burstLimit",
                "value": "1",
            },
            {
                "op": "replace",
                "path": f"/apiStages/{api_id}:prod/throttle/~1items/POST/rateLimit",
                "value": "1",
            },
        ],
    )
    headers = {"x-api-key": value}
    assert [invoke("POST", api_id, "/prod/items", headers=headers).status for _ in range(2)] == [200, 429]
    assert [invoke("GET", api_id, "/prod/items", headers=headers).status for _ in range(3)] == [200, 200, 200]


def test_stage_method_throttling(apigw: Any, invoke: Any, cloudlet: Any) -> None:
    api_id, _ = mock_api(apigw, key_required=False)
    apigw.update_stage(
        restApiId=api_id,
        stageName="prod",
        patchOperations=[
            {"op": "replace", "path": "/*/*/throttling/burstLimit", "value": "1"},
            {"op": "replace", "path": "/*/*/throttling/rateLimit", "value": "1"},
        ],
    )
    assert [invoke("GET", api_id, "/prod/items").status for _ in range(2)] == [200, 429]
    # one bucket per method
    assert invoke("POST", api_id, "/prod/items").status == 200
    cloudlet.clock.advance(1)
    assert invoke("GET", api_id, "/prod/items").status == 200


def test_api_key_from_authorizer(apigw: Any, invoke: Any, make_function: Any) -> None:
    api_id, items = mock_api(apigw, api_key_source="AUTHORIZER")
    arn = make_function("keyauth", AUTHORIZER)
    auth_id = apigw.create_authorizer(
        restApiId=api_id,
        name="k",
        type="TOKEN",
        authorizerUri=lambda_uri(arn),
        identitySource="method.request.header.Authorization",
        authorizerResultTtlInSeconds=0,
    )["id"]
    apigw.update_method(
        restApiId=api_id,
        resourceId=items,
        httpMethod="GET",
        patchOperations=[
            {"op": "replace", "path": "/authorizationType", "value": "CUSTOM"},
            {"op": "replace", "path": "/authorizerId", "value": auth_id},
        ],
    )
    apigw.create_deployment(restApiId=api_id, stageName="prod")
    _, _, value = plan_with_key(apigw, api_id)
    assert invoke("GET", api_id, "/prod/items", headers={"Authorization": value}).status == 200
    # the x-api-key header is not what counts with apiKeySource AUTHORIZER
    reply = invoke(
        "GET", api_id, "/prod/items", headers={"Authorization": "unknown-key-value-xxxx", "x-api-key": value}
    )
    assert forbidden(reply)


# -- token buckets (pure) -----------------------------------------------------------------------------


@given(
    burst=st.integers(min_value=1, max_value=20),
    rate=st.floats(min_value=0.5, max_value=20),
    gaps=st.lists(st.floats(min_value=0, max_value=3), max_size=30),
)
def test_token_bucket_never_exceeds_burst_plus_refill(burst: int, rate: float, gaps: list[float]) -> None:
    from cloudlet.core.clock import VirtualClock
    from cloudlet.services.apigateway.serve.usage import take

    class Holder:
        def __init__(self) -> None:
            self.clock = VirtualClock(1_000_000.0)
            self.runtime: dict[str, Any] = {}

    holder = Holder()
    taken = sum(take(holder, ("k",), rate, burst) for _ in range(burst))  # type: ignore[arg-type]
    assert taken == burst
    assert not take(holder, ("k",), rate, burst)  # type: ignore[arg-type]
    elapsed = 0.0
    granted = 0
    for gap in gaps:
        holder.clock.advance(gap)
        elapsed += gap
        granted += take(holder, ("k",), rate, burst)  # type: ignore[arg-type]
    assert granted <= elapsed * rate + 1
