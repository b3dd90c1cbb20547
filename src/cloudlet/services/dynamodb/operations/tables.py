"""DynamoDB's control plane: tables (create, describe, list, update, delete) with their secondary indexes
and stream settings, Time to Live settings, tags, endpoints and account limits.

Status windows are zero: CreateTable, UpdateTable and DeleteTable answer CREATING / UPDATING / DELETING (and
a new index CREATING) as AWS does, and the change is complete once the call returns, so the next
DescribeTable already says ACTIVE (or the table is gone). A new GSI is backfilled in the same transaction.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import TYPE_CHECKING, Any

from cloudlet.services.dynamodb import indexes, store, streams, ttl
from cloudlet.services.dynamodb.engine import table_arn
from cloudlet.services.dynamodb.errors import (
    LimitExceededException,
    ResourceInUseException,
    ResourceNotFoundException,
    ValidationException,
)
from cloudlet.services.dynamodb.operations.common import state

if TYPE_CHECKING:
    from cloudlet.gateway.context import RequestContext

__all__ = [
    "create_table",
    "delete_table",
    "describe_endpoints",
    "describe_limits",
    "describe_table",
    "describe_time_to_live",
    "list_tables",
    "list_tags_of_resource",
    "tag_resource",
    "untag_resource",
    "update_table",
    "update_time_to_live",
]

INVALID = "One or more parameter values were invalid: "
MAX_LSI = 5
MAX_GSI = 20
MAX_TAGS = 50
# DescribeLimits: the default quotas of an account (ServiceQuotas.html, "Throughput default quotas").
ACCOUNT_LIMITS = {
    "AccountMaxReadCapacityUnits": 80000,
    "AccountMaxWriteCapacityUnits": 80000,
    "TableMaxReadCapacityUnits": 40000,
    "TableMaxWriteCapacityUnits": 40000,
}
ENDPOINT_CACHE_MINUTES = 1440
_UPDATE_MEMBERS = (
    "ProvisionedThroughput, BillingMode, UpdateStreamEnabled, GlobalSecondaryIndexUpdates, SSESpecification,"
    " ReplicaUpdates, MultiAccountReplicaReady, ReplicaTransitRoleArn, MultiRegionConsistency,"
    " DeletionProtectionEnabled, OnDemandThroughput, WarmThroughput or TableClass"
)


def _names(values: list[str] | set[str]) -> str:
    return "[" + ", ".join(sorted(values)) + "]"


# --- validation ------------------------------------------------------------------------------------------


def _check_key_schema(schema: list[dict[str, str]], defined: set[str], single_message: bool = True) -> None:
    names = [k["AttributeName"] for k in schema]
    if any(name not in defined for name in names):
        if len(names) == 2:
            raise ValidationException("Invalid KeySchema: Some index key attribute have no definition")
        raise ValidationException(
            f"{INVALID}Some index key attributes are not defined in AttributeDefinitions. Keys: "
            f"[{', '.join(names)}], AttributeDefinitions: {_names(defined)}"
        )
    if len(names) == 2 and names[0] == names[1]:
        raise ValidationException(
            "Both the Hash Key and the Range Key element in the KeySchema have the same name"
        )
    if schema[0]["KeyType"] != "HASH":
        raise ValidationException("Invalid KeySchema: The first KeySchemaElement is not a HASH key type")
    if len(schema) == 2 and schema[1]["KeyType"] != "RANGE":
        raise ValidationException("Invalid KeySchema: The second KeySchemaElement is not a RANGE key type")


def _check_projection(projection: dict[str, Any]) -> None:
    kind = projection.get("ProjectionType")
    non_key = projection.get("NonKeyAttributes")
    if kind is None:
        raise ValidationException(f"{INVALID}Unknown ProjectionType: null")
    if non_key is not None and kind != "INCLUDE":
        raise ValidationException(f"{INVALID}ProjectionType is {kind}, but NonKeyAttributes is specified")
    if kind == "INCLUDE" and not non_key:
        raise ValidationException(
            f"{INVALID}ProjectionType is INCLUDE, but NonKeyAttributes is not specified"
        )
    if non_key and len(set(non_key)) != len(non_key):
        duplicate = next(name for name in non_key if non_key.count(name) > 1)
        raise ValidationException(f"{INVALID}Duplicate element in NonKeyAttributes: {duplicate}")


def _check_index(index: dict[str, Any], defined: set[str], seen: set[str]) -> None:
    _check_key_schema(index["KeySchema"], defined)
    _check_projection(index["Projection"])
    name = index["IndexName"]
    if name in seen:
        raise ValidationException(f"{INVALID}Duplicate index name: {name}")
    seen.add(name)


def _check_gsi_throughput(index: dict[str, Any], billing: str) -> None:
    name = index["IndexName"]
    if billing == "PAY_PER_REQUEST" and "ProvisionedThroughput" in index:
        raise ValidationException(
            f"{INVALID}ProvisionedThroughput should not be specified for index: {name} when BillingMode is"
            " PAY_PER_REQUEST"
        )
    if billing == "PROVISIONED" and "ProvisionedThroughput" not in index:
        raise ValidationException(f"{INVALID}ProvisionedThroughput is not specified for index: {name}")


def _check_stream_spec(spec: dict[str, Any] | None, creating: bool) -> None:
    if spec is None:
        return
    enabled = bool(spec.get("StreamEnabled"))
    if creating:
        if enabled and "StreamViewType" not in spec:
            raise ValidationException(
                f"{INVALID}Table is being created with a stream enabled, UpdateViewType is required"
            )
        if not enabled and "StreamViewType" in spec:
            raise ValidationException(
                f"{INVALID}Table is being created with a stream disabled, UpdateViewType should not be"
                " specified"
            )
    else:
        if enabled and "StreamViewType" not in spec:
            raise ValidationException(f"{INVALID}If stream is being enabled then UpdateViewType is required")
        if not enabled and "StreamViewType" in spec:
            raise ValidationException(
                f"{INVALID}If stream is being disabled, then UpdateViewType must not be specified"
            )


def _check_sse(spec: dict[str, Any] | None) -> None:
    if spec is None:
        return
    if spec.get("Enabled") is False:
        if "SSEType" in spec:
            raise ValidationException(f"{INVALID}SSEType can not be specified if Enabled is false")
        if "KMSMasterKeyId" in spec:
            raise ValidationException(f"{INVALID}KMSMasterKeyId can not be specified if Enabled is false")
    if spec.get("SSEType") == "AES256":
        raise ValidationException(f"{INVALID}SSEType AES256 is not supported")


def _check_tags(tags: list[dict[str, str]]) -> None:
    keys = [tag["Key"] for tag in tags]
    for tag in tags:
        if tag["Key"].startswith("aws:"):
            raise ValidationException(f"Tag Key cannot be prefixed with aws:, Key: {tag['Key']}")
    duplicate = next((key for key in keys if keys.count(key) > 1), None)
    if duplicate is not None:
        raise ValidationException(
            f"Duplicate Tag Keys provided as input: Duplicate Tag Key found {duplicate}"
        )


def _check_create(req: dict[str, Any]) -> str:
    """Validate a CreateTable request as DynamoDB does; returns the billing mode."""
    billing = req.get("BillingMode", "PROVISIONED")
    if billing == "PAY_PER_REQUEST" and "ProvisionedThroughput" in req:
        raise ValidationException(
            f"{INVALID}Neither ReadCapacityUnits nor WriteCapacityUnits can be specified when BillingMode is"
            " PAY_PER_REQUEST"
        )
    if billing == "PROVISIONED" and "ProvisionedThroughput" not in req:
        raise ValidationException(
            f"{INVALID}ReadCapacityUnits and WriteCapacityUnits must both be specified when BillingMode is"
            " PROVISIONED"
        )
    definitions = [d["AttributeName"] for d in req["AttributeDefinitions"]]
    duplicate = next((name for name in definitions if definitions.count(name) > 1), None)
    if duplicate is not None:
        raise ValidationException(f"Attribute Name is duplicated: {duplicate}")
    defined = set(definitions)
    schema = req["KeySchema"]
    _check_key_schema(schema, defined)
    lsis = req.get("LocalSecondaryIndexes")
    gsis = req.get("GlobalSecondaryIndexes")
    used = {k["AttributeName"] for k in schema}
    seen: set[str] = set()
    if lsis is not None:
        if not lsis:
            raise ValidationException(f"{INVALID}List of LocalSecondaryIndexes is empty")
        if len(schema) != 2:
            raise ValidationException(
                f"{INVALID}Table KeySchema does not have a range key, which is required when specifying a"
                " LocalSecondaryIndex"
            )
        for lsi in lsis:
            _check_index(lsi, defined, seen)
            name, index_schema = lsi["IndexName"], lsi["KeySchema"]
            if len(index_schema) != 2:
                raise ValidationException(
                    f"{INVALID}Index KeySchema does not have a range key for index: {name}"
                )
            if index_schema[0]["AttributeName"] != schema[0]["AttributeName"]:
                raise ValidationException(
                    f"{INVALID}Index KeySchema does not have the same leading hash key as table KeySchema for"
                    f" index: {name}. index hash key: {index_schema[0]['AttributeName']}, table hash key:"
                    f" {schema[0]['AttributeName']}"
                )
            used.update(k["AttributeName"] for k in index_schema)
        if len(lsis) > MAX_LSI:
            raise ValidationException(
                f"{INVALID}Number of LocalSecondaryIndexes exceeds per-table limit of 5"
            )
    if gsis is not None:
        if not gsis:
            raise ValidationException(f"{INVALID}List of GlobalSecondaryIndexes is empty")
        for gsi in gsis:
            _check_index(gsi, defined, seen)
            _check_gsi_throughput(gsi, billing)
            used.update(k["AttributeName"] for k in gsi["KeySchema"])
        if len(gsis) > MAX_GSI:
            raise ValidationException(
                f"{INVALID}GlobalSecondaryIndex count exceeds the per-table limit of 20"
            )
    if defined - used:
        if lsis or gsis:
            raise ValidationException(
                f"{INVALID}Some AttributeDefinitions are not used. AttributeDefinitions: {_names(defined)},"
                f" keys used: {_names(used)}"
            )
        raise ValidationException(
            f"{INVALID}Number of attributes in KeySchema does not exactly match number of attributes defined"
            " in AttributeDefinitions"
        )
    _check_stream_spec(req.get("StreamSpecification"), creating=True)
    _check_sse(req.get("SSESpecification"))
    _check_tags(req.get("Tags", []))
    if len(req.get("Tags", [])) > MAX_TAGS:
        raise ValidationException("Number of Tags exceed the current limit for the provided ResourceArn")
    return str(billing)


# --- descriptions ----------------------------------------------------------------------------------------


def _throughput(definition: dict[str, Any], meta: dict[str, Any] | None = None) -> dict[str, Any]:
    given = definition.get("ProvisionedThroughput") or {"ReadCapacityUnits": 0, "WriteCapacityUnits": 0}
    out: dict[str, Any] = {}
    meta = meta or {}
    for name in ("LastIncreaseDateTime", "LastDecreaseDateTime"):
        if name in meta:
            out[name] = meta[name]
    out["NumberOfDecreasesToday"] = 0
    out["ReadCapacityUnits"] = int(given["ReadCapacityUnits"])
    out["WriteCapacityUnits"] = int(given["WriteCapacityUnits"])
    return out


def _index_stats(conn: Any, table_id: int, name: str) -> tuple[int, int]:
    row = conn.execute(
        "SELECT COUNT(*), COALESCE(SUM(LENGTH(item)), 0) FROM ddb_index_item"
        " WHERE table_id = ? AND index_name = ?",
        (table_id, name),
    ).fetchone()
    return int(row[0]), int(row[1])


def describe(
    conn: Any, table: store.Table, status: str | None = None, creating: set[str] | None = None
) -> dict:
    """The TableDescription of `table` as AWS shapes it; `status` overrides TableStatus, and indexes named in
    `creating` are described as CREATING (the answers of CreateTable/UpdateTable)."""
    d = table.definition
    meta = d.get("_meta", {})
    count, size = store.table_stats(conn, table.id)
    out: dict[str, Any] = {
        "AttributeDefinitions": d["AttributeDefinitions"],
        "TableName": table.name,
        "KeySchema": d["KeySchema"],
        "TableStatus": status or table.status,
        "CreationDateTime": table.created_at,
        "ProvisionedThroughput": _throughput(d, meta),
        "TableSizeBytes": size,
        "ItemCount": count,
        "TableArn": table.arn,
        "TableId": table.table_uuid,
    }
    billing = d.get("BillingMode", "PROVISIONED")
    if billing == "PAY_PER_REQUEST" or meta.get("BillingModeGiven"):
        summary: dict[str, Any] = {"BillingMode": billing}
        if "LastUpdateToPayPerRequestDateTime" in meta:
            summary["LastUpdateToPayPerRequestDateTime"] = meta["LastUpdateToPayPerRequestDateTime"]
        out["BillingModeSummary"] = summary
    if d.get("LocalSecondaryIndexes"):
        out["LocalSecondaryIndexes"] = []
        for lsi in d["LocalSecondaryIndexes"]:
            n, s = _index_stats(conn, table.id, lsi["IndexName"])
            out["LocalSecondaryIndexes"].append(
                {
                    "IndexName": lsi["IndexName"],
                    "KeySchema": lsi["KeySchema"],
                    "Projection": lsi["Projection"],
                    "IndexSizeBytes": s,
                    "ItemCount": n,
                    "IndexArn": f"{table.arn}/index/{lsi['IndexName']}",
                }
            )
    if d.get("GlobalSecondaryIndexes"):
        out["GlobalSecondaryIndexes"] = []
        for gsi in d["GlobalSecondaryIndexes"]:
            n, s = _index_stats(conn, table.id, gsi["IndexName"])
            new = creating is not None and gsi["IndexName"] in creating
            entry: dict[str, Any] = {
                "IndexName": gsi["IndexName"],
                "KeySchema": gsi["KeySchema"],
                "Projection": gsi["Projection"],
                "IndexStatus": "CREATING" if new else "ACTIVE",
            }
            if new:
                entry["Backfilling"] = False
            entry.update(
                {
                    "ProvisionedThroughput": _throughput(gsi),
                    "IndexSizeBytes": s,
                    "ItemCount": n,
                    "IndexArn": f"{table.arn}/index/{gsi['IndexName']}",
                }
            )
            out["GlobalSecondaryIndexes"].append(entry)
    spec = d.get("StreamSpecification")
    if spec and spec.get("StreamEnabled"):
        out["StreamSpecification"] = {"StreamEnabled": True, "StreamViewType": spec["StreamViewType"]}
    if table.stream_label is not None:
        out["LatestStreamLabel"] = table.stream_label
        out["LatestStreamArn"] = streams.stream_arn(table, table.stream_label)
    sse = d.get("SSESpecification")
    if sse and sse.get("Enabled"):
        out["SSEDescription"] = {
            "Status": "ENABLED",
            "SSEType": "KMS",
            "KMSMasterKeyArn": meta["KMSMasterKeyArn"],
        }
    if "TableClass" in d:
        out["TableClassSummary"] = {"TableClass": d["TableClass"]}
    out["DeletionProtectionEnabled"] = bool(d.get("DeletionProtectionEnabled", False))
    return out


def _stream_label(now: float, previous: str | None) -> str:
    """An ISO-8601 label of `now` in milliseconds (as AWS's), later than `previous`."""
    label = dt.datetime.fromtimestamp(now, dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3]
    while previous is not None and label <= previous:
        now += 0.001
        label = dt.datetime.fromtimestamp(now, dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3]
    return label


def _kms_arn(ctx: RequestContext, spec: dict[str, Any]) -> str:
    key = spec.get("KMSMasterKeyId")
    if key and key.startswith("arn:"):
        return str(key)
    return f"arn:aws:kms:{ctx.region}:{ctx.account_id}:key/{key or uuid.uuid4()}"


# --- operations ------------------------------------------------------------------------------------------


def create_table(ctx: RequestContext, req: dict[str, Any]) -> dict[str, Any]:
    """Raises: ValidationException, ResourceInUseException, LimitExceededException."""
    billing = _check_create(req)
    dynamo = state(ctx)
    now = dynamo.clock.now()
    definition: dict[str, Any] = {
        "KeySchema": req["KeySchema"],
        "AttributeDefinitions": req["AttributeDefinitions"],
        "BillingMode": billing,
        "DeletionProtectionEnabled": bool(req.get("DeletionProtectionEnabled", False)),
    }
    meta: dict[str, Any] = {"BillingModeGiven": "BillingMode" in req}
    if billing == "PAY_PER_REQUEST":
        meta["LastUpdateToPayPerRequestDateTime"] = now
    else:
        definition["ProvisionedThroughput"] = req["ProvisionedThroughput"]
    for member in ("LocalSecondaryIndexes", "GlobalSecondaryIndexes", "StreamSpecification", "TableClass"):
        if member in req:
            definition[member] = req[member]
    sse = req.get("SSESpecification")
    if sse and sse.get("Enabled"):
        definition["SSESpecification"] = sse
        meta["KMSMasterKeyArn"] = _kms_arn(ctx, sse)
    definition["_meta"] = meta
    stream = req.get("StreamSpecification") or {}
    name = req["TableName"]
    table = store.Table(
        0,
        table_arn(ctx.account_id, ctx.region, name),
        ctx.account_id,
        ctx.region,
        name,
        "ACTIVE",
        definition,
        now,
        str(uuid.uuid4()),
        _stream_label(now, None) if stream.get("StreamEnabled") else None,
        None,
        [[t["Key"], t["Value"]] for t in req.get("Tags", [])],
    )
    with dynamo.db.transaction() as tx:
        if store.get_table(tx, ctx.account_id, ctx.region, name) is not None:
            raise ResourceInUseException(f"Table already exists: {name}")
        count = tx.execute(
            "SELECT COUNT(*) FROM ddb_table WHERE account = ? AND region = ?", (ctx.account_id, ctx.region)
        ).fetchone()[0]
        if count >= 2500:
            raise LimitExceededException(
                "Subscriber limit exceeded: Only 2500 tables can be created per account per region"
            )
        store.insert_table(tx, table)
        return {"TableDescription": describe(tx, table, status="CREATING")}


def describe_table(ctx: RequestContext, req: dict[str, Any]) -> dict[str, Any]:
    dynamo = state(ctx)
    with dynamo.db.read() as conn:
        table = dynamo.table(conn, ctx.account_id, ctx.region, req["TableName"])
        return {"Table": describe(conn, table)}


def list_tables(ctx: RequestContext, req: dict[str, Any]) -> dict[str, Any]:
    dynamo = state(ctx)
    limit = int(req.get("Limit", 100))
    start = req.get("ExclusiveStartTableName")
    with dynamo.db.read() as conn:
        names = [t.name for t in store.list_tables(conn, ctx.account_id, ctx.region)]
    if start is not None:
        names = [n for n in names if n > start]
    out: dict[str, Any] = {"TableNames": names[:limit]}
    if len(names) > limit:
        out["LastEvaluatedTableName"] = names[limit - 1]
    return out


def delete_table(ctx: RequestContext, req: dict[str, Any]) -> dict[str, Any]:
    """Raises: ResourceNotFoundException, ValidationException (deletion protection)."""
    dynamo = state(ctx)
    with dynamo.db.transaction() as tx:
        table = dynamo.table(tx, ctx.account_id, ctx.region, req["TableName"])
        if table.definition.get("DeletionProtectionEnabled"):
            raise ValidationException(
                "Resource cannot be deleted as it is currently protected against deletion. Disable deletion"
                " protection first."
            )
        description = describe(tx, table, status="DELETING")
        ttl.disable(tx, dynamo, table)
        tx.execute("DELETE FROM ddb_stream_record WHERE table_id = ?", (table.id,))
        store.delete_table(tx, table.id)
    return {"TableDescription": description}


def update_table(ctx: RequestContext, req: dict[str, Any]) -> dict[str, Any]:
    """Billing mode and throughput, GSI create/update/delete (backfilled at once), stream on/off, SSE,
    table class and deletion protection. Raises: ValidationException, ResourceNotFoundException,
    LimitExceededException."""
    from cloudlet.services.dynamodb.operations.table_updates import apply_update

    dynamo = state(ctx)
    changes = [m for m in req if m not in ("TableName", "AttributeDefinitions")]
    if not changes:
        raise ValidationException(f"At least one of {_UPDATE_MEMBERS} is required")
    with dynamo.db.transaction() as tx:
        table = dynamo.table(tx, ctx.account_id, ctx.region, req["TableName"])
        created = apply_update(ctx, tx, dynamo, table, req)
        store.update_table(tx, table)
        for name in created:
            indexes.rebuild(tx, table, name)
        return {"TableDescription": describe(tx, table, status="UPDATING", creating=created)}


# --- time to live ----------------------------------------------------------------------------------------


def update_time_to_live(ctx: RequestContext, req: dict[str, Any]) -> dict[str, Any]:
    """Raises: ValidationException (already enabled/disabled, other attribute), ResourceNotFoundException."""
    dynamo = state(ctx)
    spec = req["TimeToLiveSpecification"]
    attribute, enabled = spec["AttributeName"], spec["Enabled"]
    with dynamo.db.transaction() as tx:
        table = dynamo.table(tx, ctx.account_id, ctx.region, req["TableName"])
        current = table.ttl_attribute
        if current is not None and current != attribute:
            raise ValidationException(
                f"TimeToLive is active on a different AttributeName: current AttributeName is {current}"
            )
        if enabled and current is not None:
            raise ValidationException("TimeToLive is already enabled")
        if not enabled and current is None:
            raise ValidationException("TimeToLive is already disabled")
        table.ttl_attribute = attribute if enabled else None
        store.update_table(tx, table)
        if enabled:
            ttl.enable(tx, dynamo, table)
        else:
            ttl.disable(tx, dynamo, table)
    return {"TimeToLiveSpecification": {"Enabled": enabled, "AttributeName": attribute}}


def describe_time_to_live(ctx: RequestContext, req: dict[str, Any]) -> dict[str, Any]:
    dynamo = state(ctx)
    with dynamo.db.read() as conn:
        table = dynamo.table(conn, ctx.account_id, ctx.region, req["TableName"])
    if table.ttl_attribute is None:
        return {"TimeToLiveDescription": {"TimeToLiveStatus": "DISABLED"}}
    return {"TimeToLiveDescription": {"TimeToLiveStatus": "ENABLED", "AttributeName": table.ttl_attribute}}


# --- tags, endpoints, limits -----------------------------------------------------------------------------


def _tagged_table(ctx: RequestContext, conn: Any, arn: str) -> store.Table:
    if not arn.startswith("arn:"):
        raise ValidationException(f"{INVALID}ARNs must start with 'arn:': {arn}")
    parts = arn.split(":", 5)
    if len(parts) < 6 or parts[2] != "dynamodb":
        raise ValidationException(f"{INVALID}Provided Arn is not a DynamoDB resource arn: {arn}")
    resource = parts[5]
    if not resource.startswith("table/") or "/" in resource[len("table/") :]:
        raise ValidationException(
            f"{INVALID}Invalid resource arn provided, only table or stream is accepted. Provided resource"
            f" arn: {arn}"
        )
    if parts[3] != ctx.region:
        raise ValidationException(f"Invalid TableArn: Invalid ResourceArn provided as input {arn}")
    table = store.get_table_by_arn(conn, arn)
    if table is None:
        raise ResourceNotFoundException(f"Requested resource not found: ResourcArn: {arn} not found")
    return table


def tag_resource(ctx: RequestContext, req: dict[str, Any]) -> dict[str, Any]:
    """Raises: ValidationException, ResourceNotFoundException."""
    tags = req["Tags"]
    if not tags:
        raise ValidationException("Atleast one Tag needs to be provided as Input.")
    _check_tags(tags)
    dynamo = state(ctx)
    with dynamo.db.transaction() as tx:
        table = _tagged_table(ctx, tx, req["ResourceArn"])
        merged = dict((k, v) for k, v in table.tags)
        merged.update((t["Key"], t["Value"]) for t in tags)
        if len(merged) > MAX_TAGS:
            raise ValidationException("Number of Tags exceed the current limit for the provided ResourceArn")
        table.tags = [[k, v] for k, v in merged.items()]
        store.update_table(tx, table)
    return {}


def untag_resource(ctx: RequestContext, req: dict[str, Any]) -> dict[str, Any]:
    """Raises: ValidationException, ResourceNotFoundException."""
    if not req["TagKeys"]:
        raise ValidationException("Atleast one Tag Key needs to be provided as Input.")
    dynamo = state(ctx)
    with dynamo.db.transaction() as tx:
        table = _tagged_table(ctx, tx, req["ResourceArn"])
        drop = set(req["TagKeys"])
        table.tags = [[k, v] for k, v in table.tags if k not in drop]
        store.update_table(tx, table)
    return {}


def list_tags_of_resource(ctx: RequestContext, req: dict[str, Any]) -> dict[str, Any]:
    """All tags in one page (AWS pages at its own discretion; NextToken is accepted and ends the list)."""
    dynamo = state(ctx)
    with dynamo.db.read() as conn:
        table = _tagged_table(ctx, conn, req["ResourceArn"])
    if req.get("NextToken"):
        return {"Tags": []}
    return {"Tags": [{"Key": k, "Value": v} for k, v in table.tags]}


def describe_endpoints(ctx: RequestContext, req: dict[str, Any]) -> dict[str, Any]:
    """This server's own address (AWS answers `dynamodb.<region>.amazonaws.com`), so clients that discover
    endpoints keep talking to it."""
    host = ctx.endpoint.split("://", 1)[-1]
    return {"Endpoints": [{"Address": host, "CachePeriodInMinutes": ENDPOINT_CACHE_MINUTES}]}


def describe_limits(ctx: RequestContext, req: dict[str, Any]) -> dict[str, Any]:
    return dict(ACCOUNT_LIMITS)
