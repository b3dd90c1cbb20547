"""Invoke URLs of a deployed stage, and the log line `cloudlet up` prints when a stage is deployed."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from cloudlet.core.db import Tx
    from cloudlet.services.apigateway.engine import ApiGateway

log = logging.getLogger("cloudlet.apigateway")


def invoke_url(port: int, api_id: str, stage: str) -> str:
    """The host form: `http://<api-id>.execute-api.localhost.localstack.cloud:<port>/<stage>/` (any name
    under `localhost` works too; HTTP APIs' `$default` stage has no stage segment)."""
    prefix = "" if stage == "$default" else f"{stage}/"
    return f"http://{api_id}.execute-api.localhost.localstack.cloud:{port}/{prefix}"


def path_url(port: int, api_id: str, stage: str) -> str:
    """The path form, needing no DNS: `http://127.0.0.1:<port>/_aws/execute-api/<api-id>/<stage>/`."""
    prefix = "" if stage == "$default" else f"{stage}/"
    return f"http://127.0.0.1:{port}/_aws/execute-api/{api_id}/{prefix}"


def announce(gw: ApiGateway, tx: Tx, api_id: str, stage: str) -> None:
    """Log the stage's invoke URLs once `tx` commits (shown by `cloudlet up`)."""
    port = gw.app.settings.port

    def say() -> None:
        log.info(
            "API %s deployed to stage %s: %s (or %s)",
            api_id,
            stage,
            invoke_url(port, api_id, stage),
            path_url(port, api_id, stage),
        )

    tx.after_commit(say)
