"""Deployments: what a stage serves is a frozen copy of its API taken when the deployment was made
(REST APIs: CreateDeployment; HTTP APIs: CreateDeployment or every change under an auto-deploying
stage). Stored as a `snapshot` (v1) / `snapshot2` (v2) row with the deployment's id.

v1 snapshot: `{"api": restapi doc, "resources": [resource docs with resourceMethods embedded (methods,
method responses, integrations, integration responses)], "authorizers": {id: doc}, "models": {name:
doc}, "validators": {id: doc}, "gatewayResponses": {responseType: doc}}`.

v2 snapshot: `{"api": httpapi doc, "routes": [route docs], "integrations": {id: doc},
"authorizers": {id: doc}}`.
"""

from __future__ import annotations

from typing import Any

from cloudlet.services.apigateway import store
from cloudlet.services.apigateway.store import Conn


def rest(conn: Conn, account: str, region: str, api_id: str) -> dict[str, Any]:
    """The v1 snapshot of REST API `api_id` as it is now."""
    docs = {
        kind: store.list_docs(conn, account, region, kind, api_id)
        for kind in ("resource", "authorizer", "model", "validator", "gatewayresponse")
    }
    return {
        "api": store.get(conn, account, region, "restapi", "", api_id),
        "resources": [doc for _, doc in docs["resource"]],
        "authorizers": dict(docs["authorizer"]),
        "models": {doc["name"]: doc for _, doc in docs["model"]},
        "validators": dict(docs["validator"]),
        "gatewayResponses": {doc["responseType"]: doc for _, doc in docs["gatewayresponse"]},
    }


def http(conn: Conn, account: str, region: str, api_id: str) -> dict[str, Any]:
    """The v2 snapshot of HTTP API `api_id` as it is now."""
    return {
        "api": store.get(conn, account, region, "httpapi", "", api_id),
        "routes": [doc for _, doc in store.list_docs(conn, account, region, "route", api_id)],
        "integrations": dict(store.list_docs(conn, account, region, "integration", api_id)),
        "authorizers": dict(store.list_docs(conn, account, region, "authorizer2", api_id)),
    }
