"""HTTP API deployments: freezing an API (`deployment2` document + `snapshot2` row) and auto-deploy,
which redeploys every `autoDeploy` stage after each change to the API's routes, integrations,
authorizers or CORS configuration (in the transaction that made the change)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from cloudlet.services.apigateway import snapshot, store, urls
from cloudlet.services.apigateway.errors import BadRequestException

if TYPE_CHECKING:
    from cloudlet.core.db import Tx
    from cloudlet.services.apigateway.engine import ApiGateway

AUTO_DESCRIPTION = "Automatic deployment triggered by changes to the Api configuration"
NO_ROUTES = "Unable to deploy API because no routes exist in this API"


def has_routes(conn: Any, account: str, region: str, api_id: str) -> bool:
    return bool(store.list_docs(conn, account, region, "route", api_id))


def create(
    tx: Tx,
    gw: ApiGateway,
    account: str,
    region: str,
    api_id: str,
    description: str | None = None,
    *,
    auto: bool = False,
) -> dict[str, Any]:
    """A new deployment of the API as it is now (raises BadRequestException when it has no routes)."""
    if not has_routes(tx, account, region, api_id):
        raise BadRequestException(NO_ROUTES)
    deployment_id = gw.new_id(tx, "deployment2", 6)
    doc: dict[str, Any] = {
        "deploymentId": deployment_id,
        "autoDeployed": auto,
        "createdDate": gw.clock.now(),
        "deploymentStatus": "DEPLOYED",
    }
    if description is not None:
        doc["description"] = description
    store.put(tx, account, region, "deployment2", api_id, deployment_id, doc)
    store.put(
        tx, account, region, "snapshot2", api_id, deployment_id, snapshot.http(tx, account, region, api_id)
    )
    return doc


def point(stage: dict[str, Any], deployment_id: str, now: float) -> None:
    """Make `stage` serve `deployment_id`."""
    stage["deploymentId"] = deployment_id
    stage["lastUpdatedDate"] = now
    if stage.get("autoDeploy"):
        stage["lastDeploymentStatusMessage"] = (
            f"Successfully deployed stage with deployment ID '{deployment_id}'"
        )


def auto_deploy(tx: Tx, gw: ApiGateway, account: str, region: str, api_id: str) -> None:
    """Redeploy the API's auto-deploying stages, if any."""
    stages = [
        doc for _, doc in store.list_docs(tx, account, region, "stage2", api_id) if doc.get("autoDeploy")
    ]
    if not stages:
        return
    now = gw.clock.now()
    if not has_routes(tx, account, region, api_id):
        for stage in stages:
            stage["lastDeploymentStatusMessage"] = f"Deployment attempt failed: {NO_ROUTES}"
            stage["lastUpdatedDate"] = now
            store.put(tx, account, region, "stage2", api_id, stage["stageName"], stage)
        return
    deployment = create(tx, gw, account, region, api_id, AUTO_DESCRIPTION, auto=True)
    for stage in stages:
        point(stage, deployment["deploymentId"], now)
        store.put(tx, account, region, "stage2", api_id, stage["stageName"], stage)
        urls.announce(gw, tx, api_id, stage["stageName"])
