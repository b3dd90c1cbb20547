"""UpdateTable's checks and changes to a table's definition (billing, throughput, GSIs, stream, SSE, table
class, deletion protection), as DynamoDB words its refusals. No operations here; `tables.update_table`
calls `apply_update` inside its transaction."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from cloudlet.core.db import Tx
from cloudlet.services.dynamodb import indexes, store
from cloudlet.services.dynamodb.errors import LimitExceededException, ValidationException

if TYPE_CHECKING:
    from cloudlet.gateway.context import RequestContext
    from cloudlet.services.dynamodb.engine import Dynamo

__all__: list[str] = []

INVALID = "One or more parameter values were invalid: "
_EXCLUSIVE = (
    ("SSESpecification", "Server-Side Encryption modification"),
    ("TableClass", "TableClass modification"),
    ("DeletionProtectionEnabled", "DeletionProtection modification"),
)


def apply_update(
    ctx: RequestContext, tx: Tx, dynamo: Dynamo, table: store.Table, req: dict[str, Any]
) -> set[str]:
    """Validate `req` against `table` and change `table.definition` (and stream label) in place.

    Returns: the names of GSIs created by this request (the caller backfills them).
    Raises: ValidationException, LimitExceededException.
    """
    from cloudlet.services.dynamodb.operations import tables

    changes = [m for m in req if m not in ("TableName", "AttributeDefinitions")]
    for member, what in _EXCLUSIVE:
        if member in req and len(changes) > 1:
            raise ValidationException(f"{INVALID}{what} must be the only operation in the request")
    d = table.definition
    meta = d.setdefault("_meta", {})
    now = dynamo.clock.now()
    current_billing = d.get("BillingMode", "PROVISIONED")
    billing = req.get("BillingMode", current_billing)
    throughput = req.get("ProvisionedThroughput")
    gsi_updates = req.get("GlobalSecondaryIndexUpdates")
    stream = req.get("StreamSpecification")
    creates_or_deletes = any("Create" in u or "Delete" in u for u in gsi_updates or [])
    iops = throughput is not None or "BillingMode" in req
    if iops and stream is not None:
        raise ValidationException(f"{INVALID}You cannot modify stream status while updating table IOPS")
    if iops and creates_or_deletes:
        raise ValidationException(f"{INVALID}You cannot create or delete index while updating table IOPS")
    if stream is not None and creates_or_deletes:
        raise ValidationException(f"{INVALID}You cannot create or delete index while changing stream status")

    if billing == "PAY_PER_REQUEST" and throughput is not None:
        raise ValidationException(
            f"{INVALID}Neither ReadCapacityUnits nor WriteCapacityUnits can be specified when BillingMode is"
            " PAY_PER_REQUEST"
        )
    if billing == "PROVISIONED" and current_billing == "PAY_PER_REQUEST" and throughput is None:
        raise ValidationException(
            f"{INVALID}ProvisionedThroughput must be specified when BillingMode is PROVISIONED"
        )
    if throughput is not None and current_billing == "PROVISIONED" and billing == "PROVISIONED":
        old = d["ProvisionedThroughput"]
        r0, w0 = int(old["ReadCapacityUnits"]), int(old["WriteCapacityUnits"])
        r1, w1 = int(throughput["ReadCapacityUnits"]), int(throughput["WriteCapacityUnits"])
        if (r0, w0) == (r1, w1):
            raise ValidationException(
                "The provisioned throughput for the table will not change. The requested value equals the"
                " current value. Current ReadCapacityUnits provisioned for the table:"
                f" {r0}. Requested ReadCapacityUnits: {r1}. Current WriteCapacityUnits provisioned for the"
                f" table: {w0}. Requested WriteCapacityUnits: {w1}. Refer to the Amazon DynamoDB Developer"
                " Guide for current limits and how to request higher limits."
            )
        if r1 > r0 or w1 > w0:
            meta["LastIncreaseDateTime"] = now
        if r1 < r0 or w1 < w0:
            meta["LastDecreaseDateTime"] = now
    if "BillingMode" in req:
        meta["BillingModeGiven"] = True
        d["BillingMode"] = billing
        if billing == "PAY_PER_REQUEST" and current_billing != "PAY_PER_REQUEST":
            meta["LastUpdateToPayPerRequestDateTime"] = now
    if billing == "PAY_PER_REQUEST":
        d.pop("ProvisionedThroughput", None)
        for gsi in d.get("GlobalSecondaryIndexes", []):
            gsi.pop("ProvisionedThroughput", None)
    elif throughput is not None:
        d["ProvisionedThroughput"] = throughput

    created = _apply_gsi_updates(tx, table, req, gsi_updates, billing) if gsi_updates is not None else set()
    if billing == "PROVISIONED" and current_billing == "PAY_PER_REQUEST":
        for gsi in d.get("GlobalSecondaryIndexes", []):
            if "ProvisionedThroughput" not in gsi:
                raise ValidationException(
                    f"{INVALID}ProvisionedThroughput must be specified for index: {gsi['IndexName']}"
                )
    if stream is not None:
        _apply_stream(dynamo, table, stream, now)
    if "SSESpecification" in req:
        sse = req["SSESpecification"]
        tables._check_sse(sse)
        enabled_now = bool((d.get("SSESpecification") or {}).get("Enabled"))
        if not sse.get("Enabled") and not enabled_now:
            raise ValidationException(f"{INVALID}Table is already encrypted by default")
        if sse.get("Enabled"):
            d["SSESpecification"] = sse
            meta["KMSMasterKeyArn"] = tables._kms_arn(ctx, sse)
        else:
            d.pop("SSESpecification", None)
            meta.pop("KMSMasterKeyArn", None)
    if "TableClass" in req:
        d["TableClass"] = req["TableClass"]
    if "DeletionProtectionEnabled" in req:
        d["DeletionProtectionEnabled"] = bool(req["DeletionProtectionEnabled"])
    return created


def _apply_stream(dynamo: Dynamo, table: store.Table, spec: dict[str, Any], now: float) -> None:
    from cloudlet.services.dynamodb.operations import tables

    enabled_now = bool((table.definition.get("StreamSpecification") or {}).get("StreamEnabled"))
    if spec.get("StreamEnabled") and enabled_now:
        raise ValidationException(f"Table already has an enabled stream: TableName: {table.name}")
    if not spec.get("StreamEnabled") and not enabled_now:
        raise ValidationException(f"Table has no stream to disable: TableName: {table.name}")
    tables._check_stream_spec(spec, creating=False)
    if spec.get("StreamEnabled"):
        table.definition["StreamSpecification"] = {
            "StreamEnabled": True,
            "StreamViewType": spec["StreamViewType"],
        }
        table.stream_label = tables._stream_label(now, table.stream_label)
    else:
        table.definition["StreamSpecification"] = {"StreamEnabled": False}


def _apply_gsi_updates(
    tx: Tx, table: store.Table, req: dict[str, Any], updates: list[dict[str, Any]], billing: str
) -> set[str]:
    from cloudlet.services.dynamodb.operations import tables

    d = table.definition
    if not updates:
        raise ValidationException(f"{INVALID}List of GlobalSecondaryIndexUpdates is empty")
    seen: set[str] = set()
    for update in updates:
        actions = [a for a in ("Update", "Create", "Delete") if a in update]
        if not actions:
            raise ValidationException(
                f"{INVALID}One of GlobalSecondaryIndexUpdate.Update, GlobalSecondaryIndexUpdate.Create,"
                " GlobalSecondaryIndexUpdate.Delete must not be null"
            )
        if len(actions) > 1:
            raise ValidationException(
                f"{INVALID}Only one global secondary index action is allowed per"
                " GlobalSecondaryIndexUpdate object"
            )
        name = update[actions[0]]["IndexName"]
        if name in seen:
            raise ValidationException(
                f"{INVALID}Only one global secondary index update per index is allowed simultaneously."
                f" Index: {name}"
            )
        seen.add(name)
    gsis: list[dict[str, Any]] = d.setdefault("GlobalSecondaryIndexes", [])
    existing = {g["IndexName"] for g in gsis} | {i["IndexName"] for i in d.get("LocalSecondaryIndexes", [])}
    definitions = {a["AttributeName"]: a for a in d["AttributeDefinitions"]}
    given = req.get("AttributeDefinitions")
    created: set[str] = set()
    for update in updates:
        if "Create" in update:
            index = update["Create"]
            name = index["IndexName"]
            if name in existing:
                raise ValidationException("Attempting to create an index which already exists")
            if given is None:
                raise ValidationException(f"{INVALID}AttributeDefinitions is not specified for index: {name}")
            for attribute in given:
                definitions.setdefault(attribute["AttributeName"], attribute)
            tables._check_key_schema(index["KeySchema"], set(definitions))
            tables._check_projection(index["Projection"])
            if billing == "PAY_PER_REQUEST" and "ProvisionedThroughput" in index:
                raise ValidationException(
                    f"{INVALID}Neither ReadCapacityUnits nor WriteCapacityUnits can be specified for index:"
                    f" {name} when BillingMode is PAY_PER_REQUEST"
                )
            if billing == "PROVISIONED" and "ProvisionedThroughput" not in index:
                raise ValidationException(
                    f"{INVALID}ProvisionedThroughput must be specified for index: {name}"
                )
            entry = {
                k: index[k]
                for k in ("IndexName", "KeySchema", "Projection", "ProvisionedThroughput")
                if k in index
            }
            gsis.append(entry)
            existing.add(name)
            created.add(name)
            if len(gsis) > tables.MAX_GSI:
                raise LimitExceededException(
                    f"{INVALID}GlobalSecondaryIndex count exceeds the per-table limit of {tables.MAX_GSI}"
                )
        elif "Update" in update:
            name = update["Update"]["IndexName"]
            gsi = next((g for g in gsis if g["IndexName"] == name), None)
            if gsi is None:
                raise ValidationException(
                    f"Cannot update an index that is not a GlobalSecondaryIndex: {name}"
                )
            if billing == "PAY_PER_REQUEST":
                raise ValidationException(
                    f"{INVALID}The only Updates for index: {name} when TableThroughputMode is PAY_PER_REQUEST"
                    " can be to OnDemandThroughput, WarmThroughput"
                )
            if "ProvisionedThroughput" not in update["Update"]:
                raise ValidationException(
                    f"{INVALID}Both ReadCapacityUnits and WriteCapacityUnits must be specified for index:"
                    f" {name}"
                )
            gsi["ProvisionedThroughput"] = update["Update"]["ProvisionedThroughput"]
        else:
            name = update["Delete"]["IndexName"]
            gsi = next((g for g in gsis if g["IndexName"] == name), None)
            if gsi is None:
                raise ValidationException(
                    f"Cannot delete an index that is not a GlobalSecondaryIndex: {name}"
                )
            gsis.remove(gsi)
            existing.discard(name)
            indexes.drop(tx, table, name)
    if not gsis:
        d.pop("GlobalSecondaryIndexes")
    used = {k["AttributeName"] for k in d["KeySchema"]}
    for index in d.get("LocalSecondaryIndexes", []) + d.get("GlobalSecondaryIndexes", []):
        used.update(k["AttributeName"] for k in index["KeySchema"])
    d["AttributeDefinitions"] = [definitions[name] for name in definitions if name in used]
    return created
