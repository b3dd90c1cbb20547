"""Lambda layers: versions published from .zip archives (extracted once per content hash, like function
code), read, listed, deleted, their resource policies, and the layer versions a function references.

A layer belongs to an account and a region (`arn:aws:lambda:<region>:<account>:layer:<name>`); each
publish adds version 1, 2, 3... and a number is never reused. A deleted version can no longer be read or
added to a function, but its files stay: the functions that already use it keep working, as on AWS.
A function may use another account's layer version when that version's policy grants the function's
account (or `*`); organization conditions are not evaluated.
"""

from __future__ import annotations

import json
import re
import uuid
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cloudlet.core.arns import build_arn
from cloudlet.protocol.errors import CodedError
from cloudlet.services.lambda_ import store
from cloudlet.services.lambda_.code import Code, from_request, store_zip
from cloudlet.services.lambda_.errors import (
    InvalidParameterValueException,
    PreconditionFailedException,
    ResourceConflictException,
    ResourceNotFoundException,
)
from cloudlet.services.lambda_.functions import timestamp

if TYPE_CHECKING:
    from cloudlet.services.lambda_.engine import Lambda

MAX_FUNCTION_LAYERS = 5
_LAYER_NAME_PATTERN = r"(arn:[a-zA-Z0-9-]+:lambda:[a-zA-Z0-9-]+:\d{12}:layer:[a-zA-Z0-9-_]+)|[a-zA-Z0-9-_]+"
_LAYER_VERSION_PATTERN = (
    r"(arn:[a-zA-Z0-9-]+:lambda:[a-zA-Z0-9-]+:\d{12}:layer:[a-zA-Z0-9-_]+:[0-9]+)|"
    r"(arn:[a-zA-Z0-9-]+:lambda:::awslayer:[a-zA-Z0-9-_]+)"
)
_LAYER_NAME = re.compile(
    r"(?:arn:[a-zA-Z0-9-]+:lambda:(?P<region>[a-zA-Z0-9-]+):(?P<account>\d{12}):layer:)?(?P<name>[a-zA-Z0-9_-]+)"
)
_LAYER_VERSION_ARN = re.compile(
    r"arn:[a-zA-Z0-9-]+:lambda:(?P<region>[a-zA-Z0-9-]+):(?P<account>\d{12}):layer:(?P<name>[a-zA-Z0-9_-]+)"
    r":(?P<version>[0-9]+)"
)
_PRINCIPAL = re.compile(r"\d{12}|\*|arn:aws[a-zA-Z-]*:iam::\d{12}:root")
_LIST_ITEM_KEYS = (
    "LayerVersionArn",
    "Version",
    "Description",
    "CreatedDate",
    "CompatibleRuntimes",
    "LicenseInfo",
    "CompatibleArchitectures",
)
NOT_FOUND = "The resource you requested does not exist."


def layer_arn(layer: store.Key) -> str:
    return build_arn("lambda", layer[1], layer[0], f"layer:{layer[2]}")


def layer_version_arn(layer: store.Key, version: int) -> str:
    return f"{layer_arn(layer)}:{version}"


def _validation(value: Any, member: str, constraint: str) -> CodedError:
    return CodedError(
        "ValidationException",
        f"1 validation error detected: Value '{value}' at '{member}' failed to satisfy constraint: "
        f"{constraint}",
    )


def parse_layer_name(value: str, account: str, region: str) -> store.Key:
    """The layer a LayerName parameter (name or layer ARN) names."""
    match = _LAYER_NAME.fullmatch(value or "")
    if match is None or len(value) > 140:
        raise _validation(
            value,
            "layerName",
            "Member must have length less than or equal to 140, Member must satisfy regular expression "
            f"pattern: {_LAYER_NAME_PATTERN}",
        )
    return (match["account"] or account, match["region"] or region, match["name"])


def parse_version_arn(value: str, member: str = "arn") -> tuple[store.Key, int]:
    match = _LAYER_VERSION_ARN.fullmatch(value or "")
    if match is None or len(value) > 140:
        raise _validation(
            value,
            member,
            "Member must have length less than or equal to 140, Member must satisfy regular expression "
            f"pattern: {_LAYER_VERSION_PATTERN}",
        )
    return (match["account"], match["region"], match["name"]), int(match["version"])


def _granted(policy: dict[str, Any] | None, account: str) -> bool:
    """Whether `policy` lets `account` use the layer version (organization conditions pass)."""
    for statement in (policy or {}).get("Statement", []):
        principal = statement.get("Principal")
        if principal == "*" or (
            isinstance(principal, dict) and principal.get("AWS") in (account, f"arn:aws:iam::{account}:root")
        ):
            return True
    return False


def _access_denied(account: str, arn: str) -> CodedError:
    return CodedError(
        "AccessDeniedException",
        f"User: arn:aws:iam::{account}:root is not authorized to perform: lambda:GetLayerVersion on "
        f"resource: {arn} because no resource-based policy allows the lambda:GetLayerVersion action",
        status=403,
    )


def _matches(config: dict[str, Any], runtime: str | None, architecture: str | None) -> bool:
    if runtime and runtime not in (config.get("CompatibleRuntimes") or ()):
        return False
    return not architecture or architecture in (config.get("CompatibleArchitectures") or ())


def _list_item(config: dict[str, Any]) -> dict[str, Any]:
    return {k: config[k] for k in _LIST_ITEM_KEYS if k in config}


class Layers:
    def __init__(self, lam: Lambda) -> None:
        self._lam = lam

    # -- publish and read ---------------------------------------------------------------------------
    def publish(self, account: str, region: str, request: dict[str, Any]) -> dict[str, Any]:
        layer = parse_layer_name(request["LayerName"], account, region)
        content = request.get("Content") or {}
        if content.get("ZipFile") is not None:
            code = store_zip(self._lam.code_root, bytes(content["ZipFile"]))
        elif content.get("S3Bucket"):
            source = {k: content.get(k) for k in ("S3Bucket", "S3Key", "S3ObjectVersion") if content.get(k)}
            code = from_request(self._lam.code_root, source, self._lam.app, region)
        else:
            raise InvalidParameterValueException("Please provide a source for layer code.")
        now = self._lam.clock.now()
        with self._lam.db.transaction() as tx:
            version = store.next_layer_version(tx, layer)
            config: dict[str, Any] = {
                "Content": {"Location": f"file://{code.dir}", "CodeSha256": code.sha, "CodeSize": code.size},
                "LayerArn": layer_arn(layer),
                "LayerVersionArn": layer_version_arn(layer, version),
                "Description": request.get("Description") or "",
                "CreatedDate": timestamp(now),
                "Version": version,
            }
            for name in ("CompatibleRuntimes", "LicenseInfo", "CompatibleArchitectures"):
                if request.get(name):
                    config[name] = request[name]
            store.insert_layer_version(tx, layer, version, config, code.as_dict())
        return config

    def get(self, account: str, region: str, layer_name: str, version: int) -> dict[str, Any]:
        layer = parse_layer_name(layer_name, account, region)
        return self._get(account, layer, int(version))

    def get_by_arn(self, account: str, arn: str) -> dict[str, Any]:
        layer, version = parse_version_arn(arn)
        return self._get(account, layer, version)

    def _get(self, account: str, layer: store.Key, version: int) -> dict[str, Any]:
        with self._lam.db.read() as conn:
            row = store.get_layer_version(conn, layer, version)
        if layer[0] != account and (row is None or not _granted(_policy(row), account)):
            raise _access_denied(account, layer_version_arn(layer, version))
        if row is None:
            raise ResourceNotFoundException(NOT_FOUND)
        config: dict[str, Any] = json.loads(row["config"])
        return config

    def list_layers(
        self, account: str, region: str, runtime: str | None, architecture: str | None
    ) -> list[dict[str, Any]]:
        """Each layer with its latest version that matches the filters, by name."""
        out: list[dict[str, Any]] = []
        seen: set[str] = set()
        with self._lam.db.read() as conn:
            rows = store.list_layer_versions(conn, account, region)
        for row in rows:  # by name, newest version first
            config = json.loads(row["config"])
            if row["name"] in seen or not _matches(config, runtime, architecture):
                continue
            seen.add(row["name"])
            out.append(
                {
                    "LayerName": row["name"],
                    "LayerArn": config["LayerArn"],
                    "LatestMatchingVersion": _list_item(config),
                }
            )
        return out

    def list_versions(
        self, account: str, region: str, layer_name: str, runtime: str | None, architecture: str | None
    ) -> list[dict[str, Any]]:
        """The live versions of a layer that match the filters, newest first; none for an unknown layer."""
        layer = parse_layer_name(layer_name, account, region)
        with self._lam.db.read() as conn:
            rows = store.list_layer_versions(conn, layer[0], layer[1], layer[2])
        configs = [json.loads(r["config"]) for r in rows]
        return [_list_item(c) for c in configs if _matches(c, runtime, architecture)]

    def delete(self, account: str, region: str, layer_name: str, version: int) -> None:
        """Idempotent. The files stay for the functions that use the version."""
        layer = parse_layer_name(layer_name, account, region)
        with self._lam.db.transaction() as tx:
            store.delete_layer_version(tx, layer, int(version))

    # -- resource policy ----------------------------------------------------------------------------
    def add_permission(self, account: str, region: str, request: dict[str, Any]) -> dict[str, Any]:
        layer = parse_layer_name(request["LayerName"], account, region)
        version = int(request["VersionNumber"])
        if request["Action"] != "lambda:GetLayerVersion":
            raise _validation(
                request["Action"],
                "action",
                "Member must satisfy regular expression pattern: lambda:GetLayerVersion",
            )
        principal = request["Principal"]
        if not _PRINCIPAL.fullmatch(principal):
            raise _validation(
                principal,
                "principal",
                "Member must satisfy regular expression pattern: "
                "\\d{12}|\\*|arn:(aws[a-zA-Z-]*):iam::\\d{12}:root",
            )
        statement: dict[str, Any] = {
            "Sid": request["StatementId"],
            "Effect": "Allow",
            "Principal": "*"
            if principal == "*"
            else {"AWS": f"arn:aws:iam::{principal}:root" if principal.isdigit() else principal},
            "Action": request["Action"],
            "Resource": layer_version_arn(layer, version),
        }
        if request.get("OrganizationId"):
            statement["Condition"] = {"StringEquals": {"aws:PrincipalOrgID": request["OrganizationId"]}}
        with self._lam.db.transaction() as tx:
            row = store.get_layer_version(tx, layer, version)
            if row is None:
                raise ResourceNotFoundException(
                    f"Layer version {layer_version_arn(layer, version)} does not exist."
                )
            policy = _policy(row) or {
                "Version": "2012-10-17",
                "Id": "default",
                "Statement": [],
                "RevisionId": "",
            }
            _check_revision(policy, request.get("RevisionId"))
            if any(s["Sid"] == statement["Sid"] for s in policy["Statement"]):
                raise ResourceConflictException(
                    f"The statement id ({statement['Sid']}) provided already exists. Please provide a new "
                    "statement id, or remove the existing statement."
                )
            policy["Statement"].append(statement)
            policy["RevisionId"] = str(uuid.uuid4())
            store.put_layer_policy(tx, layer, version, policy)
        return {"Statement": json.dumps(statement, separators=(",", ":")), "RevisionId": policy["RevisionId"]}

    def remove_permission(self, account: str, region: str, request: dict[str, Any]) -> None:
        layer = parse_layer_name(request["LayerName"], account, region)
        version = int(request["VersionNumber"])
        with self._lam.db.transaction() as tx:
            row = store.get_layer_version(tx, layer, version)
            if row is None:
                raise ResourceNotFoundException(
                    f"Layer version {layer_version_arn(layer, version)} does not exist."
                )
            policy = _policy(row)
            statements = (policy or {}).get("Statement", [])
            kept = [s for s in statements if s["Sid"] != request["StatementId"]]
            if policy is None or len(kept) == len(statements):
                raise ResourceNotFoundException(
                    f"Statement {request['StatementId']} is not found in resource policy."
                )
            _check_revision(policy, request.get("RevisionId"))
            policy["Statement"] = kept
            policy["RevisionId"] = str(uuid.uuid4())
            store.put_layer_policy(tx, layer, version, policy if kept else None)

    def policy(self, account: str, region: str, layer_name: str, version: int) -> dict[str, Any]:
        layer = parse_layer_name(layer_name, account, region)
        with self._lam.db.read() as conn:
            row = store.get_layer_version(conn, layer, int(version))
        if row is None:
            raise ResourceNotFoundException(NOT_FOUND)
        policy = _policy(row)
        if policy is None:
            raise ResourceNotFoundException("No policy is associated with the given resource.")
        revision = policy.pop("RevisionId", "")
        return {"Policy": json.dumps(policy, separators=(",", ":")), "RevisionId": revision}

    # -- functions ----------------------------------------------------------------------------------
    def for_function(self, account: str, region: str, arns: list[str]) -> list[dict[str, Any]]:
        """The `Layers` of a FunctionConfiguration for the layer version ARNs a function names, in order.

        Raises ValidationException (not a layer version ARN), InvalidParameterValueException (more than
        five, another region, two versions of one layer, a version that does not exist or was deleted),
        AccessDeniedException (another account's version its policy does not share).
        """
        if len(arns) > MAX_FUNCTION_LAYERS:
            raise InvalidParameterValueException(f"Cannot reference more than {MAX_FUNCTION_LAYERS} layers.")
        parsed: list[tuple[str, store.Key, int]] = []
        for arn in arns:
            try:
                layer, version = parse_version_arn(arn, "layers")
            except CodedError:
                raise _validation(
                    f"[{', '.join(arns)}]",
                    "layers",
                    "Member must satisfy constraint: [Member must have length less than or equal to 140, "
                    "Member must have length greater than or equal to 1, Member must satisfy regular "
                    f"expression pattern: {_LAYER_VERSION_PATTERN}, Member must not be null]",
                ) from None
            if layer[1] != region:
                raise InvalidParameterValueException(
                    "Layers are not in the same region as the function. Layers are expected to be in region "
                    f"{region}."
                )
            for other_arn, other, _ in parsed:
                if other == layer:
                    raise InvalidParameterValueException(
                        "Two different versions of the same layer are not allowed to be referenced in "
                        f"the same function. {other_arn} and {arn} are versions of the same layer."
                    )
            parsed.append((arn, layer, version))
        out = []
        with self._lam.db.read() as conn:
            for arn, layer, version in parsed:
                row = store.get_layer_version(conn, layer, version)
                if layer[0] != account and (row is None or not _granted(_policy(row), account)):
                    raise _access_denied(account, arn)
                if row is None:
                    raise InvalidParameterValueException(f"Layer version {arn} does not exist.")
                out.append({"Arn": arn, "CodeSize": json.loads(row["code"])["size"]})
        return out

    def directory(self, arn: str) -> Path | None:
        """Where the files of a layer version are, deleted or not; None for an unknown version."""
        match = _LAYER_VERSION_ARN.fullmatch(arn or "")
        if match is None:
            return None
        layer = (match["account"], match["region"], match["name"])
        with self._lam.db.read() as conn:
            row = store.get_layer_version(conn, layer, int(match["version"]), deleted=True)
        return None if row is None else Path(Code.from_dict(json.loads(row["code"])).dir)


def _policy(row: Any) -> dict[str, Any] | None:
    return None if row["policy"] is None else json.loads(row["policy"])


def _check_revision(policy: dict[str, Any], revision: str | None) -> None:
    if revision and revision != policy.get("RevisionId"):
        raise PreconditionFailedException(
            "The Revision Id provided does not match the latest Revision Id. Call the GetLayerVersionPolicy "
            "API to retrieve the latest Revision Id"
        )
