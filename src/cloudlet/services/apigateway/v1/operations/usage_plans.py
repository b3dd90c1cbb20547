"""Usage plans, usage plan keys and usage (v1): CreateUsagePlan … GetUsage, UpdateUsage.

Stored documents: `usageplan` (scope '', the UsagePlan shape) and `usageplankey` (scope = usage plan id,
id = API key id; `{id, type}` — the key's name and value are read from the key when answering). Usage
counts: `serve/usage.py`.
"""

from __future__ import annotations

import json
from datetime import date
from typing import TYPE_CHECKING, Any

from cloudlet.services.apigateway import patch, store
from cloudlet.services.apigateway.errors import BadRequestException, ConflictException, NotFoundException
from cloudlet.services.apigateway.serve import usage
from cloudlet.services.apigateway.v1.common import gw_of, page, public
from cloudlet.services.apigateway.v1.common import key_or_404 as _key
from cloudlet.services.apigateway.v1.common import plan_or_404 as _plan
from cloudlet.services.apigateway.v1.operations.keys import plan_key_doc as _plan_key_doc

if TYPE_CHECKING:
    from cloudlet.gateway.context import RequestContext
    from cloudlet.services.apigateway.store import Conn

__all__ = [
    "create_usage_plan",
    "create_usage_plan_key",
    "delete_usage_plan",
    "delete_usage_plan_key",
    "get_usage",
    "get_usage_plan",
    "get_usage_plan_key",
    "get_usage_plan_keys",
    "get_usage_plans",
    "update_usage",
    "update_usage_plan",
]

MAX_USAGE_DAYS = 90


# -- usage plans --------------------------------------------------------------------------------------


def _check_api_stage(conn: Conn, ctx: RequestContext, plan_name: str, api_id: str, stage: str) -> None:
    if not api_id or not stage:
        raise BadRequestException(
            f"Invalid API Stage {{api: {api_id}, stage: {stage}}} specified for usageplan {plan_name}"
        )
    if (
        store.get(conn, ctx.account_id, ctx.region, "restapi", "", api_id) is None
        or store.get(conn, ctx.account_id, ctx.region, "stage", api_id, stage) is None
    ):
        raise BadRequestException(f"API Stage not found: {api_id}:{stage}")


def _throttle(value: dict[str, Any] | None, where: str) -> dict[str, Any] | None:
    if value is None:
        return None
    out: dict[str, Any] = {}
    if value.get("burstLimit") is not None:
        if value["burstLimit"] < 0:
            raise BadRequestException(f"Invalid {where} burst limit: must be a non-negative number")
        out["burstLimit"] = int(value["burstLimit"])
    if value.get("rateLimit") is not None:
        if value["rateLimit"] < 0:
            raise BadRequestException(f"Invalid {where} rate limit: must be a non-negative number")
        out["rateLimit"] = float(value["rateLimit"])
    return out


def _quota(value: dict[str, Any] | None) -> dict[str, Any] | None:
    if value is None:
        return None
    if value.get("limit") is None or value["limit"] < 0:
        raise BadRequestException("Quota limit must be a non-negative number")
    period = value.get("period")
    if period not in ("DAY", "WEEK", "MONTH"):
        raise BadRequestException("Quota period must be one of DAY, WEEK or MONTH")
    offset = int(value.get("offset") or 0)
    most = {"DAY": 0, "WEEK": 6, "MONTH": 27}[period]
    if not 0 <= offset <= most:
        raise BadRequestException(f"Quota offset must be between 0 and {most} for period {period}")
    return {"limit": int(value["limit"]), "offset": offset, "period": period}


def create_usage_plan(ctx: RequestContext, request: dict[str, Any]) -> dict[str, Any]:
    gw = gw_of(ctx)
    name = request["name"]
    throttle = _throttle(request.get("throttle"), "usage plan")
    quota = _quota(request.get("quota"))
    with gw.db.transaction() as tx:
        api_stages: list[dict[str, Any]] = []
        for item in request.get("apiStages") or ():
            api_id, stage = item.get("apiId") or "", item.get("stage") or ""
            _check_api_stage(tx, ctx, name, api_id, stage)
            if any(s["apiId"] == api_id and s["stage"] == stage for s in api_stages):
                raise BadRequestException(
                    f"Duplicate API Stage {api_id}:{stage} specified for usageplan {name}"
                )
            entry: dict[str, Any] = {"apiId": api_id, "stage": stage}
            if item.get("throttle"):
                entry["throttle"] = {
                    path: _throttle(settings, "method") for path, settings in item["throttle"].items()
                }
            api_stages.append(entry)
        doc: dict[str, Any] = {"id": gw.new_id(tx, "usageplan", 6), "name": name}
        if request.get("description") is not None:
            doc["description"] = request["description"]
        doc["apiStages"] = api_stages
        if throttle is not None:
            doc["throttle"] = throttle
        if quota is not None:
            doc["quota"] = quota
        if request.get("tags"):
            doc["tags"] = dict(request["tags"])
        store.put(tx, ctx.account_id, ctx.region, "usageplan", "", doc["id"], doc)
    return public(doc)


def get_usage_plan(ctx: RequestContext, request: dict[str, Any]) -> dict[str, Any]:
    gw = gw_of(ctx)
    with gw.db.read() as conn:
        return public(_plan(conn, ctx, request["usagePlanId"]))


def get_usage_plans(ctx: RequestContext, request: dict[str, Any]) -> dict[str, Any]:
    gw = gw_of(ctx)
    key_id = request.get("keyId")
    with gw.db.read() as conn:
        plans = store.list_docs(conn, ctx.account_id, ctx.region, "usageplan", "")
        if key_id:
            plans = [
                (plan_id, doc)
                for plan_id, doc in plans
                if store.get(conn, ctx.account_id, ctx.region, "usageplankey", plan_id, key_id) is not None
            ]
    return page([public(doc) for _, doc in plans], request)


def update_usage_plan(ctx: RequestContext, request: dict[str, Any]) -> dict[str, Any]:
    gw = gw_of(ctx)
    with gw.db.transaction() as tx:
        doc = _plan(tx, ctx, request["usagePlanId"])
        plan_id = doc["id"]

        def api_stages(target: dict[str, Any], op: str, rest: list[str], value: Any) -> None:
            stages: list[dict[str, Any]] = target.setdefault("apiStages", [])
            if not rest:
                api_id, _, stage = str(value or "").partition(":")
                if op == "add":
                    _check_api_stage(tx, ctx, target["name"], api_id, stage)
                    if not any(s["apiId"] == api_id and s["stage"] == stage for s in stages):
                        _check_keys_unique(tx, ctx, plan_id, api_id, stage)
                        stages.append({"apiId": api_id, "stage": stage})
                elif op == "remove":
                    kept = [s for s in stages if not (s["apiId"] == api_id and s["stage"] == stage)]
                    if len(kept) == len(stages):
                        raise NotFoundException(f"API Stage not found: {api_id}:{stage}")
                    target["apiStages"] = kept
                else:
                    raise BadRequestException(
                        f"Invalid patch operation specified. '{op}' is not supported on /apiStages"
                    )
                return
            api_id, _, stage = rest[0].partition(":")
            entry = next((s for s in stages if s["apiId"] == api_id and s["stage"] == stage), None)
            if entry is None:
                raise NotFoundException(f"API Stage not found: {api_id}:{stage}")
            if len(rest) < 2 or rest[1] != "throttle":
                raise BadRequestException(f"Invalid patch path /apiStages/{'/'.join(rest)}")
            _method_throttle(entry, op, rest[2:], value)

        def throttle(target: dict[str, Any], op: str, rest: list[str], value: Any) -> None:
            _limit_patch(target, "throttle", op, rest, value, {"rateLimit": "float", "burstLimit": "int"})

        def quota(target: dict[str, Any], op: str, rest: list[str], value: Any) -> None:
            _limit_patch(target, "quota", op, rest, value, {"limit": "int", "offset": "int", "period": "str"})
            if "quota" in target:
                target["quota"] = _quota({"offset": 0, "period": "DAY", **target["quota"]})

        patch.apply(
            doc,
            request.get("patchOperations"),
            {
                "name": "str",
                "description": "str",
                "productCode": "str",
                "apiStages": api_stages,
                "throttle": throttle,
                "quota": quota,
            },
        )
        if not doc.get("name"):
            raise BadRequestException("Usage plan name must not be empty")
        store.put(tx, ctx.account_id, ctx.region, "usageplan", "", plan_id, doc)
    return public(doc)


def _limit_patch(
    target: dict[str, Any], member: str, op: str, rest: list[str], value: Any, fields: dict[str, str]
) -> None:
    """`/throttle`, `/throttle/rateLimit`, `/quota/limit` ...: remove the whole member, or set/remove one
    of its fields."""
    if not rest:
        if op != "remove":
            raise BadRequestException(
                f"Invalid patch operation specified. '{op}' is not supported on /{member}"
            )
        target.pop(member, None)
        return
    name = rest[0]
    if len(rest) != 1 or name not in fields:
        raise BadRequestException(
            f"Invalid patch path /{member}/{'/'.join(rest)}. Must be one of: "
            f"[{', '.join(f'/{member}/{f}' for f in fields)}]"
        )
    settings: dict[str, Any] = dict(target.get(member) or {})
    if op == "remove":
        settings.pop(name, None)
    elif op in ("add", "replace"):
        settings[name] = patch.scalar(fields[name], value, f"/{member}/{name}")
        if fields[name] == "str":
            settings[name] = str(value or "")
    else:
        raise BadRequestException(f"Invalid patch operation specified. '{op}' is not supported on /{member}")
    if settings:
        target[member] = settings
    else:
        target.pop(member, None)


def _method_throttle(entry: dict[str, Any], op: str, rest: list[str], value: Any) -> None:
    """`/apiStages/<api>:<stage>/throttle` (replace with a JSON map, or remove),
    `.../throttle/<resource path>/<METHOD>` (remove) and
    `.../throttle/<path>/<METHOD>/rateLimit|burstLimit`."""
    throttles: dict[str, Any] = dict(entry.get("throttle") or {})
    if not rest:
        if op == "remove":
            entry.pop("throttle", None)
            return
        if op not in ("add", "replace"):
            raise BadRequestException(
                f"Invalid patch operation specified. '{op}' is not supported on throttle"
            )
        try:
            parsed = json.loads(value or "{}")
        except ValueError:
            raise BadRequestException("Invalid throttle value: must be a JSON object") from None
        if not isinstance(parsed, dict):
            raise BadRequestException("Invalid throttle value: must be a JSON object")
        throttles = {path: _throttle(settings or {}, "method") for path, settings in parsed.items()}
    else:
        field = rest[-1] if rest[-1] in ("rateLimit", "burstLimit") else None
        method_key = "/".join(rest[:-1] if field else rest)
        if not method_key.startswith("/"):
            method_key = "/" + method_key
        if field is None:
            if op != "remove":
                raise BadRequestException(f"Invalid patch path for method throttle {method_key}")
            throttles.pop(method_key, None)
        else:
            settings = dict(throttles.get(method_key) or {})
            if op == "remove":
                settings.pop(field, None)
            elif op in ("add", "replace"):
                settings[field] = patch.scalar("float" if field == "rateLimit" else "int", value, field)
            else:
                raise BadRequestException(
                    f"Invalid patch operation specified. '{op}' is not supported on {field}"
                )
            throttles[method_key] = settings
    if throttles:
        entry["throttle"] = throttles
    else:
        entry.pop("throttle", None)


def _check_keys_unique(tx: Conn, ctx: RequestContext, plan_id: str, api_id: str, stage: str) -> None:
    """Adding a stage to a plan must not make one of its keys belong to two plans of that stage."""
    for key_id, _ in store.list_docs(tx, ctx.account_id, ctx.region, "usageplankey", plan_id):
        other = _other_plan_with_stage(tx, ctx, key_id, plan_id, [(api_id, stage)])
        if other is not None:
            raise ConflictException(
                f"Usage Plan {plan_id} cannot be added because API Key {key_id} cannot reference multiple"
                f" Usage Plans with the same API Stage: {api_id}:{stage}"
            )


def _other_plan_with_stage(
    conn: Conn, ctx: RequestContext, key_id: str, plan_id: str, stages: list[tuple[str, str]]
) -> tuple[str, str] | None:
    """(api id, stage) of `stages` that another plan holding `key_id` also serves, if any."""
    for other_id, other in store.list_docs(conn, ctx.account_id, ctx.region, "usageplan", ""):
        if (
            other_id == plan_id
            or store.get(conn, ctx.account_id, ctx.region, "usageplankey", other_id, key_id) is None
        ):
            continue
        for s in other.get("apiStages") or ():
            if (s.get("apiId"), s.get("stage")) in stages:
                return s["apiId"], s["stage"]
    return None


def delete_usage_plan(ctx: RequestContext, request: dict[str, Any]) -> None:
    gw = gw_of(ctx)
    with gw.db.transaction() as tx:
        doc = _plan(tx, ctx, request["usagePlanId"])
        store.delete(tx, ctx.account_id, ctx.region, "usageplan", "", doc["id"])
        for key_id, _ in store.list_docs(tx, ctx.account_id, ctx.region, "usageplankey", doc["id"]):
            store.delete(tx, ctx.account_id, ctx.region, "usageplankey", doc["id"], key_id)
        store.usage_delete_plan(tx, doc["id"])


# -- usage plan keys ----------------------------------------------------------------------------------


def _plan_key_out(conn: Conn, ctx: RequestContext, key_id: str) -> dict[str, Any] | None:
    key = store.get(conn, ctx.account_id, ctx.region, "apikey", "", key_id)
    return _plan_key_doc(key) if key is not None else None


def create_usage_plan_key(ctx: RequestContext, request: dict[str, Any]) -> dict[str, Any]:
    if request["keyType"] != "API_KEY":
        raise BadRequestException(f"Invalid key type specified: {request['keyType']}. Must be API_KEY")
    gw = gw_of(ctx)
    with gw.db.transaction() as tx:
        plan = _plan(tx, ctx, request["usagePlanId"])
        key = _key(tx, ctx, request["keyId"])
        if store.get(tx, ctx.account_id, ctx.region, "usageplankey", plan["id"], key["id"]) is not None:
            raise ConflictException("Usage Plan Key already exists")
        stages = [(s["apiId"], s["stage"]) for s in plan.get("apiStages") or ()]
        clash = _other_plan_with_stage(tx, ctx, key["id"], plan["id"], stages)
        if clash is not None:
            raise ConflictException(
                f"Usage Plan {plan['id']} cannot be added because API Key {key['id']} cannot reference"
                f" multiple Usage Plans with the same API Stage: {clash[0]}:{clash[1]}"
            )
        doc = _plan_key_doc(key)
        store.put(tx, ctx.account_id, ctx.region, "usageplankey", plan["id"], key["id"], doc)
    return doc


def get_usage_plan_key(ctx: RequestContext, request: dict[str, Any]) -> dict[str, Any]:
    gw = gw_of(ctx)
    with gw.db.read() as conn:
        plan = _plan(conn, ctx, request["usagePlanId"])
        found = store.get(conn, ctx.account_id, ctx.region, "usageplankey", plan["id"], request["keyId"])
        out = _plan_key_out(conn, ctx, request["keyId"]) if found is not None else None
    if out is None:
        raise NotFoundException("Invalid Usage Plan Key identifier specified")
    return out


def get_usage_plan_keys(ctx: RequestContext, request: dict[str, Any]) -> dict[str, Any]:
    gw = gw_of(ctx)
    with gw.db.read() as conn:
        plan = _plan(conn, ctx, request["usagePlanId"])
        rows = store.list_docs(conn, ctx.account_id, ctx.region, "usageplankey", plan["id"])
        items = [out for key_id, _ in rows if (out := _plan_key_out(conn, ctx, key_id)) is not None]
    if request.get("nameQuery"):
        items = [i for i in items if str(i.get("name") or "").startswith(request["nameQuery"])]
    return page(items, request)


def delete_usage_plan_key(ctx: RequestContext, request: dict[str, Any]) -> None:
    gw = gw_of(ctx)
    with gw.db.transaction() as tx:
        plan = _plan(tx, ctx, request["usagePlanId"])
        if not store.delete(tx, ctx.account_id, ctx.region, "usageplankey", plan["id"], request["keyId"]):
            raise NotFoundException("Invalid Usage Plan Key identifier specified")


# -- usage --------------------------------------------------------------------------------------------


def _date(text: str, member: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise BadRequestException(f"Invalid {member}: '{text}'. Must be in the format yyyy-MM-dd") from None


def get_usage(ctx: RequestContext, request: dict[str, Any]) -> dict[str, Any]:
    start = _date(request["startDate"], "startDate")
    end = _date(request["endDate"], "endDate")
    if end < start:
        raise BadRequestException("The endDate must not be before the startDate")
    if (end - start).days >= MAX_USAGE_DAYS:
        raise BadRequestException(f"The usage date range must not exceed {MAX_USAGE_DAYS} days")
    gw = gw_of(ctx)
    with gw.db.read() as conn:
        plan = _plan(conn, ctx, request["usagePlanId"])
        key_ids = [
            k for k, _ in store.list_docs(conn, ctx.account_id, ctx.region, "usageplankey", plan["id"])
        ]
        if request.get("keyId"):
            key_ids = [k for k in key_ids if k == request["keyId"]]
        chunk = page([{"id": k} for k in key_ids], request)
        items = usage.items(conn, plan, [k["id"] for k in chunk["items"]], start, end)
    out = {
        "usagePlanId": plan["id"],
        "startDate": start.isoformat(),
        "endDate": end.isoformat(),
        "items": items,
    }
    if "position" in chunk:
        out["position"] = chunk["position"]
    return out


def update_usage(ctx: RequestContext, request: dict[str, Any]) -> dict[str, Any]:
    """`replace /remaining` sets what is left of the key's quota in the current period."""
    gw = gw_of(ctx)
    day = usage.today(gw.clock.now())
    with gw.db.transaction() as tx:
        plan = _plan(tx, ctx, request["usagePlanId"])
        key_id = request["keyId"]
        if store.get(tx, ctx.account_id, ctx.region, "usageplankey", plan["id"], key_id) is None:
            raise NotFoundException("Invalid Usage Plan Key identifier specified")
        quota = plan.get("quota")
        for operation in request.get("patchOperations") or ():
            if operation.get("path") != "/remaining" or operation.get("op") != "replace":
                raise BadRequestException(
                    f"Invalid patch path '{operation.get('path')}' specified for op '{operation.get('op')}'."
                    " Must be one of: [/remaining]"
                )
            if not quota:
                raise BadRequestException(f"Usage plan {plan['id']} has no quota")
            remaining = patch.scalar("int", operation.get("value"), "/remaining")
            if remaining < 0:
                raise BadRequestException("Invalid remaining value: must be a non-negative number")
            store.usage_set(
                tx, plan["id"], key_id, usage.quota_key(quota, day), max(0, quota["limit"] - remaining)
            )
        start = usage.quota_period(quota, day)[0] if quota else day
        items = usage.items(tx, plan, [key_id], start, day)
    return {
        "usagePlanId": plan["id"],
        "startDate": start.isoformat(),
        "endDate": day.isoformat(),
        "items": items,
    }
