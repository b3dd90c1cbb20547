"""ASGI entry: read the body (capped), build the HttpRequest, run the pipeline, send the response.

Also answers the lifespan protocol (App.start/stop), hands `/_cloudlet/*` to `internal.py`, Lambda
function URLs (`<url-id>.lambda-url.<region>.localhost`, `/_aws/lambda-url/<url-id>/`) to Lambda, API
Gateway invoke URLs (`<api-id>.execute-api.localhost`, `/_aws/execute-api/<api-id>/`) to API Gateway, and
S3 CORS (OPTIONS preflights, `Access-Control-*` on responses to an `Origin`) to S3's `cors` module.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Awaitable, Callable, MutableMapping
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from cloudlet.gateway import internal
from cloudlet.gateway.pipeline import Pipeline
from cloudlet.gateway.routing import execute_api_target, function_url_target, parse_host
from cloudlet.protocol.http import Headers, HttpRequest, HttpResponse
from cloudlet.protocol.streams import BodyStream

if TYPE_CHECKING:
    from cloudlet.app import App
    from cloudlet.gateway.context import RequestContext

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]

# Largest request body read whole. Streaming payloads (S3 PutObject, UploadPart) are not read whole:
# the service reads them as they arrive (protocol.streams).
MAX_BODY_BYTES = 512 * 1024 * 1024

log = logging.getLogger("cloudlet.gateway")
request_log = logging.getLogger("cloudlet.request")


class Gateway:
    """The ASGI application of one App."""

    def __init__(self, app: App) -> None:
        self.app = app
        self.pipeline = Pipeline(app)
        app.dispatch = self._dispatch
        app.call = self.pipeline.call

    async def _dispatch(self, request: HttpRequest) -> HttpResponse:
        """Answer an AWS API request made from inside the App (API Gateway's AWS integrations)."""
        response, _ = await self.pipeline.handle(request)
        return response

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        kind = scope["type"]
        if kind == "http":
            await self._http(scope, receive, send)
        elif kind == "lifespan":
            await self._lifespan(receive, send)

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                try:
                    await self.app.start()
                except Exception as exc:
                    log.exception("start-up failed")
                    await send({"type": "lifespan.startup.failed", "message": str(exc)})
                    return
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await self.app.stop()
                await send({"type": "lifespan.shutdown.complete"})
                return

    async def _http(self, scope: Scope, receive: Receive, send: Send) -> None:
        began = time.perf_counter()
        headers = Headers((k.decode("latin-1"), v.decode("latin-1")) for k, v in scope["headers"])
        raw_path = scope.get("raw_path")
        path = raw_path.decode("latin-1") if raw_path else quote(scope["path"])
        length = headers.get("content-length")
        client = scope.get("client")
        request = HttpRequest(
            method=scope["method"],
            raw_path=path,
            query_string=scope.get("query_string", b"").decode("latin-1"),
            headers=headers,
            client=client[0] if client else "127.0.0.1",
        )
        target = function_url_target(request) if "lambda" in self.app.specs else None
        api = execute_api_target(request) if "apigateway" in self.app.specs else None
        if (
            request.method == "PUT"  # streaming payloads (PutObject, UploadPart) are all PUTs
            and target is None
            and api is None
            and not path.startswith(internal.PREFIXES)
        ):
            route = self.pipeline.streaming_route(request)
            if route is not None:
                request.stream = BodyStream(receive, int(length) if length and length.isdigit() else None)
                if (headers.get("expect") or "").lower() == "100-continue":
                    request.stream.start_reading()
                response, ctx = await self.pipeline.handle(request, route)
                self._s3_cors(request, ctx, response)
                if not request.stream.done:
                    # Answered before the body was read (an error): close rather than read it all.
                    response.headers.append(("Connection", "close"))
                await _send(send, response)
                self._log(request, f"{ctx.service}.{ctx.operation_name}", response, began)
                return
        if length and length.isdigit() and int(length) > MAX_BODY_BYTES:
            await _send(send, _too_large())
            return
        body = bytearray()
        while True:
            message = await receive()
            body += message.get("body", b"")
            if len(body) > MAX_BODY_BYTES:
                await _send(send, _too_large())
                return
            if not message.get("more_body"):
                break
        request.body = bytes(body)
        if api is not None:
            from cloudlet.services.apigateway import serve

            response = await serve.serve(self.app, request, api.api_id, api.raw_path)
            label = "apigateway.Invoke"
        elif target is not None:
            from cloudlet.services.lambda_ import urls

            response = await urls.serve(self.app, request, target.url_id, target.region, target.raw_path)
            label = "lambda.FunctionUrl"
        elif path.startswith(internal.PREFIXES):
            response = await internal.handle(self.app, request)
            label = "internal"
        elif (
            request.method == "OPTIONS"
            and "s3" in self.app.specs
            and (parse_host(request.host).service or "s3") == "s3"
        ):
            from cloudlet.services.s3 import cors

            response = cors.preflight_response(self.app, request)
            label = "s3.Preflight"
        else:
            response, ctx = await self.pipeline.handle(request)
            self._s3_cors(request, ctx, response)
            label = f"{ctx.service or '?'}.{ctx.operation_name or '?'}"
        await _send(send, response)
        self._log(request, label, response, began)

    def _s3_cors(self, request: HttpRequest, ctx: RequestContext, response: HttpResponse) -> None:
        if ctx.service == "s3" and "origin" in request.headers:
            from cloudlet.services.s3 import cors

            cors.decorate(self.app, request, ctx.host_hints.get("bucket"), response)

    def _log(self, request: HttpRequest, label: str, response: HttpResponse, began: float) -> None:
        if request_log.isEnabledFor(logging.INFO):
            elapsed = (time.perf_counter() - began) * 1000
            request_log.info(
                "%s %s %s %d %.1fms",
                request.method,
                request.path,
                label,
                response.status,
                elapsed,
                extra={"cloudlet_label": label, "cloudlet_status": response.status, "cloudlet_ms": elapsed},
            )


def _too_large() -> HttpResponse:
    body = json.dumps({"__type": "RequestEntityTooLarge", "message": "Request body too large"}).encode()
    return HttpResponse(413, [("Content-Type", "application/json")], body)


async def _send(send: Send, response: HttpResponse) -> None:
    body = response.body
    headers = [(k.encode("latin-1"), v.encode("latin-1")) for k, v in response.headers]
    if isinstance(body, bytes | bytearray):
        if not any(k.lower() == b"content-length" for k, _ in headers):
            headers.append((b"content-length", str(len(body)).encode()))
        await send({"type": "http.response.start", "status": response.status, "headers": headers})
        await send({"type": "http.response.body", "body": bytes(body)})
        return
    await send({"type": "http.response.start", "status": response.status, "headers": headers})
    async for chunk in body:
        await send({"type": "http.response.body", "body": chunk, "more_body": True})
    await send({"type": "http.response.body", "body": b""})
