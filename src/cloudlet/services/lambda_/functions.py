"""Functions, versions and aliases: create, resolve (name, partial or full ARN, qualifier), update,
publish, delete. Configurations are kept in the shape of Lambda's FunctionConfiguration.
"""

from __future__ import annotations

import json
import re
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from cloudlet.core.arns import build_arn
from cloudlet.services.lambda_ import store
from cloudlet.services.lambda_.code import Code, from_request
from cloudlet.services.lambda_.errors import (
    InvalidParameterValueException,
    PreconditionFailedException,
    ResourceConflictException,
    ResourceNotFoundException,
)

if TYPE_CHECKING:
    from cloudlet.core.db import Tx
    from cloudlet.services.lambda_.engine import Lambda

_NAME = re.compile(r"[a-zA-Z0-9_-]{1,64}")
_FUNCTION_ARN = re.compile(
    r"^(?:arn:aws[a-z-]*:lambda:(?P<region>[a-z0-9-]+):(?P<account>\d{12}):function:)?"
    r"(?:(?P<account2>\d{12}):)?(?P<name>[a-zA-Z0-9_-]{1,64})(?::(?P<qualifier>\$LATEST|[a-zA-Z0-9_-]+))?$"
)
PYTHON_RUNTIMES = ("python3.9", "python3.10", "python3.11", "python3.12", "python3.13", "python3.14")
DEFAULT_TIMEOUT_S = 3
DEFAULT_MEMORY_MB = 128


@dataclass(frozen=True)
class Resolved:
    """A function version ready to invoke or describe."""

    key: store.Key
    qualifier: str | None
    version: str
    """`$LATEST` or a published version number (an alias resolves to its version)."""
    config: dict[str, Any]
    code: Code


def timestamp(now: float) -> str:
    """Lambda's LastModified format: `2024-01-02T03:04:05.678+0000`."""
    dt = datetime.fromtimestamp(now, tz=UTC)
    return dt.strftime("%Y-%m-%dT%H:%M:%S.") + f"{dt.microsecond // 1000:03d}+0000"


def function_arn(key: store.Key, qualifier: str | None = None) -> str:
    arn = build_arn("lambda", key[1], key[0], f"function:{key[2]}")
    return f"{arn}:{qualifier}" if qualifier else arn


def parse_name(
    value: str, account: str, region: str, qualifier: str | None = None
) -> tuple[store.Key, str | None]:
    """(function key, qualifier) of a FunctionName parameter (name, partial ARN or ARN)."""
    match = _FUNCTION_ARN.match(value or "")
    if match is None:
        raise InvalidParameterValueException(
            f"1 validation error detected: Value '{value}' at 'functionName' failed to satisfy "
            f"constraint: Member "
            "must satisfy regular expression pattern: "
            "(arn:(aws[a-zA-Z-]*)?:lambda:)?([a-z]{2}(-gov)?-[a-z]+-\\d{1}:)?"
            "(\\d{12}:)?(function:)?([a-zA-Z0-9-_\\.]+)(:(\\$LATEST|[a-zA-Z0-9-_]+))?"
        )
    key = (match["account"] or match["account2"] or account, match["region"] or region, match["name"])
    in_arn = match["qualifier"]
    if in_arn and qualifier and in_arn != qualifier:
        raise InvalidParameterValueException(
            "The derived qualifier from the function name does not match the specified qualifier."
        )
    return key, in_arn or qualifier


class Functions:
    def __init__(self, lam: Lambda) -> None:
        self._lam = lam

    # -- create and update --------------------------------------------------------------------------
    def create(self, account: str, region: str, request: dict[str, Any]) -> dict[str, Any]:
        name = request["FunctionName"]
        if not _NAME.fullmatch(name):
            key, _ = parse_name(name, account, region)
            name = key[2]
        key = (account, region, name)
        if request.get("PackageType") == "Image":
            raise InvalidParameterValueException(
                "Container images are not supported by cloudlet; use a .zip package"
            )
        if not request.get("Runtime") or not request.get("Handler"):
            raise InvalidParameterValueException(
                "Runtime and Handler are mandatory parameters for functions created with deployment packages."
            )
        code = from_request(self._lam.code_root, request.get("Code") or {}, self._lam.app, region)
        now = self._lam.clock.now()
        config = self._config(key, request, code, now)
        if request.get("Layers"):
            config["Layers"] = self._lam.layers.for_function(account, region, list(request["Layers"]))
        with self._lam.db.transaction() as tx:
            if store.get_function(tx, key) is not None:
                raise ResourceConflictException(f"Function already exist: {name}")
            store.insert_function(tx, key, config, code.as_dict(), dict(request.get("Tags") or {}), now)
            published = self._publish(tx, key, config, code) if request.get("Publish") else None
        out = dict(published or config)
        # Lambda reports a new function as Pending in the create answer; it is Active right after.
        out.update(State="Pending", StateReason="The function is being created.", StateReasonCode="Creating")
        return out

    def _config(self, key: store.Key, request: dict[str, Any], code: Code, now: float) -> dict[str, Any]:
        config: dict[str, Any] = {
            "FunctionName": key[2],
            "FunctionArn": function_arn(key),
            "Runtime": request.get("Runtime"),
            "Role": request.get("Role"),
            "Handler": request.get("Handler"),
            "CodeSize": code.size,
            "Description": request.get("Description", ""),
            "Timeout": request.get("Timeout", DEFAULT_TIMEOUT_S),
            "MemorySize": request.get("MemorySize", DEFAULT_MEMORY_MB),
            "LastModified": timestamp(now),
            "CodeSha256": code.sha,
            "Version": "$LATEST",
            "Environment": {"Variables": dict((request.get("Environment") or {}).get("Variables") or {})},
            "TracingConfig": request.get("TracingConfig") or {"Mode": "PassThrough"},
            "RevisionId": str(uuid.uuid4()),
            "State": "Active",
            "LastUpdateStatus": "Successful",
            "PackageType": "Zip",
            "Architectures": request.get("Architectures") or ["x86_64"],
            "EphemeralStorage": request.get("EphemeralStorage") or {"Size": 512},
            "SnapStart": {"ApplyOn": "None", "OptimizationStatus": "Off"},
            "LoggingConfig": {"LogFormat": "Text", "LogGroup": f"/aws/lambda/{key[2]}"}
            | dict(request.get("LoggingConfig") or {}),
        }
        if request.get("DeadLetterConfig"):
            config["DeadLetterConfig"] = request["DeadLetterConfig"]
        if request.get("KMSKeyArn"):
            config["KMSKeyArn"] = request["KMSKeyArn"]
        return config

    def update_code(self, account: str, region: str, request: dict[str, Any]) -> dict[str, Any]:
        key, _ = parse_name(request["FunctionName"], account, region)
        code = from_request(self._lam.code_root, request, self._lam.app, key[1])
        with self._lam.db.transaction() as tx:
            row = self._row(tx, key)
            config = json.loads(row["config"])
            self._check_revision(config, request.get("RevisionId"))
            config.update(
                CodeSha256=code.sha,
                CodeSize=code.size,
                LastModified=timestamp(self._lam.clock.now()),
                RevisionId=str(uuid.uuid4()),
            )
            if not request.get("DryRun"):
                store.update_function(tx, key, config=config, code=code.as_dict())
            published = self._publish(tx, key, config, code) if request.get("Publish") else None
        self._lam.pool_retire(key)
        out = dict(published or config)
        out.update(
            LastUpdateStatus="InProgress",
            LastUpdateStatusReason="The function is being created.",
            LastUpdateStatusReasonCode="Creating",
        )
        return out

    def update_configuration(self, account: str, region: str, request: dict[str, Any]) -> dict[str, Any]:
        key, _ = parse_name(request["FunctionName"], account, region)
        layers = None
        if "Layers" in request:
            layers = self._lam.layers.for_function(key[0], key[1], list(request["Layers"] or []))
        with self._lam.db.transaction() as tx:
            row = self._row(tx, key)
            config = json.loads(row["config"])
            self._check_revision(config, request.get("RevisionId"))
            for name in (
                "Role",
                "Handler",
                "Description",
                "Timeout",
                "MemorySize",
                "Runtime",
                "TracingConfig",
                "EphemeralStorage",
                "KMSKeyArn",
            ):
                if name in request:
                    config[name] = request[name]
            if "Environment" in request:
                config["Environment"] = {
                    "Variables": dict((request["Environment"] or {}).get("Variables") or {})
                }
            if "DeadLetterConfig" in request:
                if (request["DeadLetterConfig"] or {}).get("TargetArn"):
                    config["DeadLetterConfig"] = request["DeadLetterConfig"]
                else:
                    config.pop("DeadLetterConfig", None)
            if layers:
                config["Layers"] = layers
            elif layers is not None:
                config.pop("Layers", None)
            if "LoggingConfig" in request:
                config["LoggingConfig"] = config.get("LoggingConfig", {}) | dict(
                    request["LoggingConfig"] or {}
                )
            config.update(LastModified=timestamp(self._lam.clock.now()), RevisionId=str(uuid.uuid4()))
            store.update_function(tx, key, config=config)
        self._lam.pool_retire(key)
        out = dict(config)
        out.update(
            LastUpdateStatus="InProgress",
            LastUpdateStatusReason="The function is being created.",
            LastUpdateStatusReasonCode="Creating",
        )
        return out

    @staticmethod
    def _check_revision(config: dict[str, Any], revision: str | None) -> None:
        if revision and revision != config.get("RevisionId"):
            raise PreconditionFailedException(
                "The Revision Id provided does not match the latest Revision Id. Call the "
                "GetFunction/GetAlias API "
                "to retrieve the latest Revision Id"
            )

    # -- versions -----------------------------------------------------------------------------------
    def publish(self, account: str, region: str, request: dict[str, Any]) -> dict[str, Any]:
        key, _ = parse_name(request["FunctionName"], account, region)
        with self._lam.db.transaction() as tx:
            row = self._row(tx, key)
            config = json.loads(row["config"])
            self._check_revision(config, request.get("RevisionId"))
            if request.get("CodeSha256") and request["CodeSha256"] != config["CodeSha256"]:
                raise InvalidParameterValueException(
                    f"CodeSHA256 ({request['CodeSha256']}) is different from current CodeSHA256 in $LATEST "
                    f"({config['CodeSha256']}). Please try again with the CodeSHA256 in $LATEST."
                )
            versions = store.list_versions(tx, key)
            if versions:
                last = json.loads(versions[-1]["config"])
                if last["CodeSha256"] == config["CodeSha256"] and _same_config(last, config):
                    return last  # nothing changed since: Lambda returns the latest version
            if request.get("Description") is not None:
                config = dict(config, Description=request["Description"])
            return self._publish(tx, key, config, Code.from_dict(json.loads(row["code"])))

    def _publish(self, tx: Tx, key: store.Key, config: dict[str, Any], code: Code) -> dict[str, Any]:
        version = str(store.next_version(tx, key))
        snapshot = dict(
            config, Version=version, FunctionArn=function_arn(key, version), RevisionId=str(uuid.uuid4())
        )
        store.insert_version(tx, key, version, snapshot, code.as_dict())
        return snapshot

    def versions(self, account: str, region: str, name: str) -> list[dict[str, Any]]:
        key, _ = parse_name(name, account, region)
        with self._lam.db.read() as conn:
            row = self._row(conn, key)
            return [json.loads(row["config"])] + [
                json.loads(r["config"]) for r in store.list_versions(conn, key)
            ]

    # -- resolve, list, delete ----------------------------------------------------------------------
    def resolve(self, account: str, region: str, name: str, qualifier: str | None = None) -> Resolved:
        """Raises ResourceNotFoundException."""
        key, qualifier = parse_name(name, account, region, qualifier)
        with self._lam.db.read() as conn:
            row = store.get_function(conn, key)
            if row is None:
                raise ResourceNotFoundException(f"Function not found: {function_arn(key, qualifier)}")
            if qualifier in (None, "$LATEST"):
                return Resolved(
                    key,
                    qualifier,
                    "$LATEST",
                    json.loads(row["config"]),
                    Code.from_dict(json.loads(row["code"])),
                )
            version = qualifier
            if not qualifier.isdigit():
                alias = store.get_doc(conn, "lambda_alias", "config", key, qualifier)
                if alias is None:
                    raise ResourceNotFoundException(f"Function not found: {function_arn(key, qualifier)}")
                version = self._lam.aliases.pick_version(alias)
            if version == "$LATEST":
                return Resolved(
                    key,
                    qualifier,
                    "$LATEST",
                    json.loads(row["config"]),
                    Code.from_dict(json.loads(row["code"])),
                )
            vrow = store.get_version(conn, key, version)
            if vrow is None:
                raise ResourceNotFoundException(f"Function not found: {function_arn(key, qualifier)}")
            return Resolved(
                key, qualifier, version, json.loads(vrow["config"]), Code.from_dict(json.loads(vrow["code"]))
            )

    def row(self, key: store.Key) -> Any:
        with self._lam.db.read() as conn:
            return self._row(conn, key)

    @staticmethod
    def _row(conn: Any, key: store.Key) -> Any:
        row = store.get_function(conn, key)
        if row is None:
            raise ResourceNotFoundException(f"Function not found: {function_arn(key)}")
        return row

    def list(self, account: str, region: str, all_versions: bool) -> list[dict[str, Any]]:
        out = []
        with self._lam.db.read() as conn:
            for row in store.list_functions(conn, account, region):
                out.append(json.loads(row["config"]))
                if all_versions:
                    key = (account, region, row["name"])
                    out += [json.loads(r["config"]) for r in store.list_versions(conn, key)]
        return out

    def delete(self, account: str, region: str, name: str, qualifier: str | None) -> None:
        key, qualifier = parse_name(name, account, region, qualifier)
        with self._lam.db.transaction() as tx:
            self._row(tx, key)
            if qualifier in (None, "$LATEST"):
                if qualifier == "$LATEST":
                    raise InvalidParameterValueException(
                        "$LATEST version cannot be deleted without deleting the function."
                    )
                store.delete_function(tx, key)
            else:
                if store.get_version(tx, key, qualifier) is None:
                    raise ResourceNotFoundException(f"Function not found: {function_arn(key, qualifier)}")
                for alias in store.list_docs(tx, "lambda_alias", "config", key):
                    if alias["FunctionVersion"] == qualifier:
                        raise ResourceConflictException(
                            f"Unable to delete version because the following aliases reference it: "
                            f"[{alias['Name']}]"
                        )
                store.delete_version(tx, key, qualifier)
        self._lam.pool_retire(key)


def _same_config(a: dict[str, Any], b: dict[str, Any]) -> bool:
    ignore = {"Version", "FunctionArn", "RevisionId", "LastModified", "Description"}
    return {k: v for k, v in a.items() if k not in ignore} == {k: v for k, v in b.items() if k not in ignore}
