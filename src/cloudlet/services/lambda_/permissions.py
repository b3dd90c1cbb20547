"""Resource-based policies of functions (AddPermission, RemovePermission, GetPolicy): stored and
returned in Lambda's document shape; cloudlet does not evaluate them."""

from __future__ import annotations

import json
import uuid
from typing import TYPE_CHECKING, Any

from cloudlet.services.lambda_ import store
from cloudlet.services.lambda_.errors import (
    PreconditionFailedException,
    ResourceConflictException,
    ResourceNotFoundException,
)
from cloudlet.services.lambda_.functions import function_arn, parse_name

if TYPE_CHECKING:
    from cloudlet.services.lambda_.engine import Lambda


class Permissions:
    def __init__(self, lam: Lambda) -> None:
        self._lam = lam

    def add(self, account: str, region: str, request: dict[str, Any]) -> dict[str, Any]:
        key, qualifier = parse_name(request["FunctionName"], account, region, request.get("Qualifier"))
        self._lam.functions.resolve(account, region, request["FunctionName"], qualifier)
        principal = request["Principal"]
        statement: dict[str, Any] = {
            "Sid": request["StatementId"],
            "Effect": "Allow",
            "Principal": {"Service": principal}
            if principal.endswith(".amazonaws.com")
            else {"AWS": principal},
            "Action": request["Action"],
            "Resource": function_arn(key, qualifier),
        }
        conditions: dict[str, Any] = {}
        if request.get("SourceArn"):
            conditions.setdefault("ArnLike", {})["AWS:SourceArn"] = request["SourceArn"]
        if request.get("SourceAccount"):
            conditions.setdefault("StringEquals", {})["AWS:SourceAccount"] = request["SourceAccount"]
        if request.get("FunctionUrlAuthType"):
            conditions.setdefault("StringEquals", {})["lambda:FunctionUrlAuthType"] = request[
                "FunctionUrlAuthType"
            ]
        if conditions:
            statement["Condition"] = conditions
        with self._lam.db.transaction() as tx:
            policy = store.get_doc(tx, "lambda_policy", "policy", key, qualifier or "")
            policy = policy or {"Version": "2012-10-17", "Id": "default", "Statement": [], "RevisionId": ""}
            if request.get("RevisionId") and request["RevisionId"] != policy.get("RevisionId"):
                raise PreconditionFailedException(
                    "The Revision Id provided does not match the latest Revision Id. Call the "
                    "GetPolicy API to "
                    "retrieve the latest Revision Id"
                )
            if any(s["Sid"] == statement["Sid"] for s in policy["Statement"]):
                raise ResourceConflictException(
                    f"The statement id ({statement['Sid']}) provided already exists. Please provide a "
                    f"new statement "
                    "id, or remove the existing statement."
                )
            policy["Statement"].append(statement)
            policy["RevisionId"] = str(uuid.uuid4())
            store.put_doc(tx, "lambda_policy", "policy", key, qualifier or "", policy)
        return {"Statement": json.dumps(statement, separators=(",", ":"))}

    def remove(self, account: str, region: str, request: dict[str, Any]) -> None:
        key, qualifier = parse_name(request["FunctionName"], account, region, request.get("Qualifier"))
        with self._lam.db.transaction() as tx:
            policy = store.get_doc(tx, "lambda_policy", "policy", key, qualifier or "")
            statements = (policy or {}).get("Statement", [])
            kept = [s for s in statements if s["Sid"] != request["StatementId"]]
            if policy is None or len(kept) == len(statements):
                raise ResourceNotFoundException(
                    f"Statement {request['StatementId']} is not found in resource policy."
                )
            policy["Statement"] = kept
            policy["RevisionId"] = str(uuid.uuid4())
            if kept:
                store.put_doc(tx, "lambda_policy", "policy", key, qualifier or "", policy)
            else:
                store.delete_doc(tx, "lambda_policy", key, qualifier or "")

    def get(self, account: str, region: str, name: str, qualifier: str | None) -> dict[str, Any]:
        key, qualifier = parse_name(name, account, region, qualifier)
        self._lam.functions.resolve(account, region, name, qualifier)
        with self._lam.db.read() as conn:
            policy = store.get_doc(conn, "lambda_policy", "policy", key, qualifier or "")
        if policy is None:
            raise ResourceNotFoundException("The resource you requested does not exist.")
        revision = policy.pop("RevisionId", "")
        return {"Policy": json.dumps(policy, separators=(",", ":")), "RevisionId": revision}
