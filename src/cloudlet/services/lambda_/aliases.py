"""Aliases: names for a version, optionally splitting traffic with a second version by weight."""

from __future__ import annotations

import random
import re
import uuid
from typing import TYPE_CHECKING, Any

from cloudlet.services.lambda_ import store
from cloudlet.services.lambda_.errors import (
    InvalidParameterValueException,
    PreconditionFailedException,
    ResourceConflictException,
    ResourceNotFoundException,
)
from cloudlet.services.lambda_.functions import function_arn, parse_name

if TYPE_CHECKING:
    from cloudlet.services.lambda_.engine import Lambda

_ALIAS = re.compile(r"(?!^[0-9]+$)[a-zA-Z0-9_-]{1,128}")


class Aliases:
    def __init__(self, lam: Lambda) -> None:
        self._lam = lam
        self._random = random.Random()

    def pick_version(self, alias: dict[str, Any]) -> str:
        """The version an invocation through `alias` runs (RoutingConfig weights honoured)."""
        weights = (alias.get("RoutingConfig") or {}).get("AdditionalVersionWeights") or {}
        roll = self._random.random()
        for version, weight in weights.items():
            if roll < weight:
                return str(version)
            roll -= weight
        return str(alias["FunctionVersion"])

    def create(self, account: str, region: str, request: dict[str, Any]) -> dict[str, Any]:
        key, _ = parse_name(request["FunctionName"], account, region)
        name = request["Name"]
        if not _ALIAS.fullmatch(name):
            raise InvalidParameterValueException(f"Invalid alias name: {name}")
        with self._lam.db.transaction() as tx:
            self._check_versions(tx, key, request["FunctionVersion"], request.get("RoutingConfig"))
            if store.get_doc(tx, "lambda_alias", "config", key, name) is not None:
                raise ResourceConflictException(f"Alias already exists: {function_arn(key, name)}")
            alias = {
                "AliasArn": function_arn(key, name),
                "Name": name,
                "FunctionVersion": request["FunctionVersion"],
                "Description": request.get("Description", ""),
                "RevisionId": str(uuid.uuid4()),
            }
            if request.get("RoutingConfig"):
                alias["RoutingConfig"] = request["RoutingConfig"]
            store.put_doc(tx, "lambda_alias", "config", key, name, alias)
        return alias

    def get(self, account: str, region: str, function_name: str, name: str) -> dict[str, Any]:
        key, _ = parse_name(function_name, account, region)
        with self._lam.db.read() as conn:
            self._lam.functions.row(key)
            alias = store.get_doc(conn, "lambda_alias", "config", key, name)
        if alias is None:
            raise ResourceNotFoundException(f"Cannot find alias arn: {function_arn(key, name)}")
        return alias

    def update(self, account: str, region: str, request: dict[str, Any]) -> dict[str, Any]:
        key, _ = parse_name(request["FunctionName"], account, region)
        alias = self.get(account, region, request["FunctionName"], request["Name"])
        if request.get("RevisionId") and request["RevisionId"] != alias["RevisionId"]:
            raise PreconditionFailedException(
                "The Revision Id provided does not match the latest Revision Id. Call the "
                "GetFunction/GetAlias API "
                "to retrieve the latest Revision Id"
            )
        with self._lam.db.transaction() as tx:
            for field in ("FunctionVersion", "Description", "RoutingConfig"):
                if field in request:
                    alias[field] = request[field]
            self._check_versions(tx, key, alias["FunctionVersion"], alias.get("RoutingConfig"))
            alias["RevisionId"] = str(uuid.uuid4())
            store.put_doc(tx, "lambda_alias", "config", key, alias["Name"], alias)
        return alias

    def delete(self, account: str, region: str, function_name: str, name: str) -> None:
        key, _ = parse_name(function_name, account, region)
        with self._lam.db.transaction() as tx:
            store.delete_doc(tx, "lambda_alias", key, name)

    def list(
        self, account: str, region: str, function_name: str, version: str | None
    ) -> list[dict[str, Any]]:
        key, _ = parse_name(function_name, account, region)
        self._lam.functions.row(key)
        with self._lam.db.read() as conn:
            aliases = store.list_docs(conn, "lambda_alias", "config", key)
        return [a for a in aliases if version is None or a["FunctionVersion"] == version]

    @staticmethod
    def _check_versions(tx: Any, key: store.Key, version: str, routing: dict[str, Any] | None) -> None:
        if store.get_function(tx, key) is None:
            raise ResourceNotFoundException(f"Function not found: {function_arn(key)}")
        wanted = [version, *((routing or {}).get("AdditionalVersionWeights") or {})]
        for v in wanted:
            if v != "$LATEST" and store.get_version(tx, key, str(v)) is None:
                raise ResourceNotFoundException(f"Function not found: {function_arn(key, str(v))}")
        weights = (routing or {}).get("AdditionalVersionWeights") or {}
        if any(not 0 <= w <= 1 for w in weights.values()) or sum(weights.values()) > 1:
            raise InvalidParameterValueException(
                "Invalid function version weights: the weights must be within [0.0, 1.0]"
            )
