"""API keys, usage plans, usage plan keys and usage (v1): CreateApiKey … GetUsage, UpdateUsage.

Stored documents: `apikey` (scope '', the ApiKey shape with its `value`), `usageplan` (scope '', the
UsagePlan shape) and `usageplankey` (scope = usage plan id, id = API key id; `{id, type}` — the key's
name and value are read from the key when answering). Usage counts: `serve/usage.py`.
"""

from __future__ import annotations

import csv
import io
import secrets
import string
from typing import TYPE_CHECKING, Any

from cloudlet.services.apigateway import patch, store
from cloudlet.services.apigateway.errors import BadRequestException, ConflictException, NotFoundException
from cloudlet.services.apigateway.v1.common import get_api, gw_of, now, page, public
from cloudlet.services.apigateway.v1.common import key_or_404 as _key
from cloudlet.services.apigateway.v1.common import plan_or_404 as _plan

if TYPE_CHECKING:
    from cloudlet.gateway.context import RequestContext
    from cloudlet.services.apigateway.store import Conn

__all__ = [
    "create_api_key",
    "delete_api_key",
    "get_api_key",
    "get_api_keys",
    "import_api_keys",
    "update_api_key",
]

KEY_CHARS = string.ascii_letters + string.digits


# -- API keys -----------------------------------------------------------------------------------------


def _key_out(doc: dict[str, Any], include_value: bool) -> dict[str, Any]:
    out = public(doc)
    out.setdefault("stageKeys", [])
    if not include_value:
        out.pop("value", None)
    return out


def _check_value(value: str) -> None:
    if len(value) < 20:
        raise BadRequestException("API Key value should be at least 20 characters")
    if len(value) > 128:
        raise BadRequestException("API Key value exceeds maximum size of 128 characters")


def _value_taken(conn: Conn, ctx: RequestContext, value: str, except_id: str | None = None) -> str | None:
    for key_id, doc in store.list_docs(conn, ctx.account_id, ctx.region, "apikey", ""):
        if doc.get("value") == value and key_id != except_id:
            return key_id
    return None


def _stage_key(conn: Conn, ctx: RequestContext, api_id: str | None, stage: str | None) -> str:
    get_api(conn, ctx, api_id or "")
    if not stage or store.get(conn, ctx.account_id, ctx.region, "stage", api_id, stage) is None:
        raise NotFoundException("Invalid stage identifier specified")
    return f"{api_id}/{stage}"


def create_api_key(ctx: RequestContext, request: dict[str, Any]) -> dict[str, Any]:
    gw = gw_of(ctx)
    value = request.get("value")
    if value is not None:
        _check_value(value)
    now_s = now(ctx)
    with gw.db.transaction() as tx:
        if value is None:
            value = "".join(secrets.choice(KEY_CHARS) for _ in range(40))
        elif _value_taken(tx, ctx, value):
            raise ConflictException("API Key already exists")
        stage_keys = [
            _stage_key(tx, ctx, sk.get("restApiId"), sk.get("stageName"))
            for sk in request.get("stageKeys") or ()
        ]
        doc: dict[str, Any] = {"id": gw.new_id(tx, "apikey", 10), "value": value}
        for member in ("name", "customerId", "description"):
            if request.get(member) is not None:
                doc[member] = request[member]
        doc.update(
            enabled=bool(request.get("enabled", False)),
            createdDate=now_s,
            lastUpdatedDate=now_s,
            stageKeys=list(dict.fromkeys(stage_keys)),
        )
        if request.get("tags"):
            doc["tags"] = dict(request["tags"])
        store.put(tx, ctx.account_id, ctx.region, "apikey", "", doc["id"], doc)
    return _key_out(doc, True)


def get_api_key(ctx: RequestContext, request: dict[str, Any]) -> dict[str, Any]:
    gw = gw_of(ctx)
    with gw.db.read() as conn:
        doc = _key(conn, ctx, request["apiKey"])
    return _key_out(doc, bool(request.get("includeValue")))


def get_api_keys(ctx: RequestContext, request: dict[str, Any]) -> dict[str, Any]:
    gw = gw_of(ctx)
    with gw.db.read() as conn:
        docs = [doc for _, doc in store.list_docs(conn, ctx.account_id, ctx.region, "apikey", "")]
    name_query = request.get("nameQuery")
    if name_query:
        docs = [d for d in docs if str(d.get("name") or "").startswith(name_query)]
    if request.get("customerId") is not None:
        docs = [d for d in docs if d.get("customerId") == request["customerId"]]
    return page([_key_out(d, bool(request.get("includeValues"))) for d in docs], request)


def update_api_key(ctx: RequestContext, request: dict[str, Any]) -> dict[str, Any]:
    gw = gw_of(ctx)
    with gw.db.transaction() as tx:
        doc = _key(tx, ctx, request["apiKey"])

        def stages(target: dict[str, Any], op: str, rest: list[str], value: Any) -> None:
            items: list[str] = list(target.get("stageKeys") or [])
            item = "/".join(rest) or str(value or "")
            api_id, _, stage = item.partition("/")
            if op == "add":
                key = _stage_key(tx, ctx, api_id, stage)
                if key not in items:
                    items.append(key)
            elif op == "remove":
                if item not in items:
                    raise NotFoundException("Invalid stage identifier specified")
                items.remove(item)
            else:
                raise BadRequestException(
                    f"Invalid patch operation specified. '{op}' is not supported on /stages"
                )
            target["stageKeys"] = items

        patch.apply(
            doc,
            request.get("patchOperations"),
            {"name": "str", "description": "str", "enabled": "bool", "customerId": "str", "stages": stages},
        )
        doc["lastUpdatedDate"] = now(ctx)
        store.put(tx, ctx.account_id, ctx.region, "apikey", "", doc["id"], doc)
    return _key_out(doc, False)


def delete_api_key(ctx: RequestContext, request: dict[str, Any]) -> None:
    gw = gw_of(ctx)
    with gw.db.transaction() as tx:
        doc = _key(tx, ctx, request["apiKey"])
        store.delete(tx, ctx.account_id, ctx.region, "apikey", "", doc["id"])
        for plan_id, _ in store.list_docs(tx, ctx.account_id, ctx.region, "usageplan", ""):
            store.delete(tx, ctx.account_id, ctx.region, "usageplankey", plan_id, doc["id"])


def import_api_keys(ctx: RequestContext, request: dict[str, Any]) -> dict[str, Any]:
    """CSV with `Key` and `Name` columns (any case, any order) and optionally `Description`,
    `Enabled` and `UsagePlanIds` (comma-separated, quoted); a key whose value exists is overwritten."""
    body = request["body"]
    text = body.decode("utf-8-sig", errors="replace") if isinstance(body, bytes) else str(body)
    rows = list(csv.reader(io.StringIO(text), skipinitialspace=True))
    rows = [row for row in rows if any(cell.strip() for cell in row)]
    if not rows:
        raise BadRequestException("Invalid API Key file: the file is empty")
    header = [cell.strip().lower() for cell in rows[0]]
    if "key" not in header or "name" not in header:
        raise BadRequestException(
            "Invalid API Key file: the header must contain the columns 'Name' and 'Key'"
        )
    gw = gw_of(ctx)
    now_s = now(ctx)
    imported: list[str] = []
    with gw.db.transaction() as tx:
        for line, row in enumerate(rows[1:], start=2):
            cells = dict(zip(header, (cell.strip() for cell in row), strict=False))
            value = cells.get("key") or ""
            if not 20 <= len(value) <= 128:
                raise BadRequestException(
                    f"Invalid API Key value at line {line}: must be 20 to 128 characters"
                )
            enabled = (cells.get("enabled") or "true").lower()
            if enabled not in ("true", "false"):
                raise BadRequestException(f"Invalid Enabled value at line {line}: {cells.get('enabled')}")
            plan_ids = [
                p.strip() for p in (cells.get("usageplanids") or "").strip("'\"").split(",") if p.strip()
            ]
            for plan_id in plan_ids:
                _plan(tx, ctx, plan_id)
            existing = _value_taken(tx, ctx, value)
            doc = (
                _key(tx, ctx, existing)
                if existing
                else {"id": gw.new_id(tx, "apikey", 10), "createdDate": now_s}
            )
            doc.update(
                value=value,
                name=cells.get("name") or "",
                description=cells.get("description") or "",
                enabled=enabled == "true",
                lastUpdatedDate=now_s,
            )
            doc.setdefault("stageKeys", [])
            store.put(tx, ctx.account_id, ctx.region, "apikey", "", doc["id"], doc)
            for plan_id in plan_ids:
                store.put(
                    tx, ctx.account_id, ctx.region, "usageplankey", plan_id, doc["id"], plan_key_doc(doc)
                )
            imported.append(doc["id"])
    return {"ids": imported, "warnings": []}


def plan_key_doc(key: dict[str, Any]) -> dict[str, Any]:
    """The UsagePlanKey shape of API key document `key`."""
    out: dict[str, Any] = {"id": key["id"], "type": "API_KEY", "value": key.get("value")}
    if key.get("name") is not None:
        out["name"] = key["name"]
    return out
