"""Invoke URLs: answer a request to `<api-id>.execute-api.localhost:4566/...` (or the path forms) with
the REST (`rest.py`) or HTTP (`http.py`) API it names."""

from __future__ import annotations

import json
import logging
from typing import TYPE_CHECKING

from cloudlet.core import ids
from cloudlet.protocol.http import HttpResponse
from cloudlet.services.apigateway import store
from cloudlet.services.apigateway.engine import state

if TYPE_CHECKING:
    from cloudlet.app import App
    from cloudlet.protocol.http import HttpRequest

log = logging.getLogger("cloudlet.apigateway")


async def serve(app: App, request: HttpRequest, api_id: str, raw_path: str) -> HttpResponse:
    """Answer one invoke-URL request; `raw_path` is `/<stage>/<path>` (HTTP APIs' `$default` stage:
    just `/<path>`), percent-encoded as sent."""
    gw = state(app)
    with gw.db.read() as conn:
        found = store.find_api(conn, api_id)
    if found is None:
        return not_found_api()
    account, region, kind, api = found
    if kind == "restapi":
        from cloudlet.services.apigateway.serve import rest

        return await rest.serve(gw, request, account, region, api, raw_path)
    from cloudlet.services.apigateway.serve import http

    return await http.serve(gw, request, account, region, api, raw_path)


def not_found_api() -> HttpResponse:
    """No API has this id (on AWS the host name would not resolve)."""
    body = json.dumps({"message": "Not Found"}).encode()
    return HttpResponse(
        404,
        [
            ("Content-Type", "application/json"),
            ("x-amzn-RequestId", ids.request_id()),
            ("x-amzn-ErrorType", "NotFoundException"),
        ],
        body,
    )
