"""The request pipeline, top to bottom: route → identify → parse → validate → dispatch → serialize.

Errors are mapped in one place: a ServiceError becomes that protocol's error response; anything else
is logged with the request id and answered `InternalFailure` (`InternalError` for S3), never a
traceback.
"""

from __future__ import annotations

import inspect
import json
import logging
from typing import TYPE_CHECKING, Any
from xml.sax.saxutils import escape

from cloudlet.core import ids
from cloudlet.gateway.context import RequestContext
from cloudlet.gateway.identity import account_for, credential_of
from cloudlet.gateway.routing import Route, RoutingError, parse_host
from cloudlet.protocol import catalog
from cloudlet.protocol.errors import (
    InternalError,
    InternalFailure,
    NotImplementedOperation,
    ServiceError,
    error_info,
)
from cloudlet.protocol.http import Headers, HttpRequest, HttpResponse
from cloudlet.protocol.parsers.base import create_parser
from cloudlet.protocol.serializers.base import create_serializer

if TYPE_CHECKING:
    from cloudlet.app import App

log = logging.getLogger("cloudlet.gateway")


class Pipeline:
    def __init__(self, app: App) -> None:
        self.app = app

    def streaming_route(self, request: HttpRequest) -> Route | None:
        """The route of `request` (its body not read yet) when its operation takes the body as a
        stream (a streaming blob payload of a service with `streams_bodies`), else None."""
        if request.content_type == "application/x-www-form-urlencoded":
            return None  # query protocol: routing needs the body
        try:
            route = self.app.router.route(request, credential_of(request))
        except RoutingError:
            return None
        service = self.app.service_of_model.get(route.model.service_name)
        if service is None or not self.app.specs[service].streams_bodies:
            return None
        shape = route.operation.input_shape
        payload = shape.serialization.get("payload") if shape is not None else None
        if payload is None:
            return None
        member = shape.members[payload]
        return route if member.type_name == "blob" and member.serialization.get("streaming") else None

    async def handle(
        self, request: HttpRequest, route: Route | None = None
    ) -> tuple[HttpResponse, RequestContext]:
        app = self.app
        ctx = RequestContext(request_id=ids.request_id(), request=request, app=app)
        credential = credential_of(request)
        ctx.access_key_id = credential.access_key_id if credential else ""
        ctx.account_id = account_for(ctx.access_key_id, app.settings.account_id)
        ctx.region = (
            (credential.region if credential else None)
            or parse_host(request.host).region
            or (app.settings.region)
        )
        # route
        try:
            if route is None:
                route = app.router.route(request, credential)
        except RoutingError as exc:
            ctx.protocol = exc.protocol or "json"
            if exc.model is not None:
                ctx.model, ctx.service = exc.model, exc.model.service_name
                return self._error(ctx, exc.error), ctx
            return generic_error(exc.error, exc.protocol, ctx.request_id), ctx
        ctx.model, ctx.service, ctx.protocol = route.model, route.model.service_name, route.protocol
        ctx.operation, ctx.host_hints = route.operation, route.host_hints
        try:
            service = app.service_for_model(ctx.service)
            # parse, validate
            params = create_parser(route.model, route.protocol).parse(
                route.operation, request, route.uri_params
            )
            if service.prepare is not None:
                service.prepare(ctx, params)
            service.validators[ctx.service].validate(route.operation, params)
            # dispatch
            handler = service.handler(ctx.service, route.operation.name)
            if handler is None:
                raise NotImplementedOperation(
                    f"{route.operation.name} of {route.model.service_name} is not implemented in cloudlet yet"
                )
            result = handler(ctx, params)
            if inspect.isawaitable(result):
                result = await result
            for observe in app.call_observers:
                observe(ctx, params, result or {})
            # serialize
            serializer = create_serializer(route.model, route.protocol)
            return serializer.serialize_response(route.operation, result or {}, ctx.request_id), ctx
        except ServiceError as exc:
            return self._error(ctx, exc), ctx
        except Exception:
            log.exception(
                "internal error in %s.%s (request id %s)", ctx.service, ctx.operation_name, ctx.request_id
            )
            return self._error(ctx, self._internal(ctx)), ctx

    async def call(
        self, model_name: str, operation_name: str, params: dict[str, Any], account: str, region: str
    ) -> dict[str, Any]:
        """Run one operation from inside the App (CloudFormation's resource providers): the request
        dict, in the model's member names and parsed types (blobs as bytes, timestamps as datetimes),
        is validated like a wire request and handed to the same operation function.

        Raises: the operation's ServiceError (with its AWS code), or the validation error."""
        app = self.app
        service = app.service_for_model(model_name)
        model = catalog.service_model(model_name)
        operation = model.operation_model(operation_name)
        host = f"127.0.0.1:{app.settings.port}"
        request = HttpRequest("POST", "/", headers=Headers([("host", host)]))
        ctx = RequestContext(
            request_id=ids.request_id(),
            request=request,
            app=app,
            service=model_name,
            model=model,
            operation=operation,
            protocol=model.protocol,
            account_id=account,
            region=region,
            access_key_id=account,
        )
        service.validators[model_name].validate(operation, params)
        handler = service.handler(model_name, operation_name)
        if handler is None:
            raise NotImplementedOperation(
                f"{operation_name} of {model_name} is not implemented in cloudlet yet"
            )
        result = handler(ctx, params)
        if inspect.isawaitable(result):
            result = await result
        for observe in app.call_observers:
            observe(ctx, params, result or {})
        return result or {}

    def _internal(self, ctx: RequestContext) -> ServiceError:
        message = f"An internal error occurred (request id {ctx.request_id})."
        return InternalError(message) if ctx.protocol == "rest-xml" else InternalFailure(message)

    def _error(self, ctx: RequestContext, error: ServiceError) -> HttpResponse:
        assert ctx.model is not None
        try:
            serializer = create_serializer(ctx.model, ctx.protocol)
            return serializer.serialize_error(error, ctx.operation, ctx.request_id)
        except Exception:
            log.exception("could not serialize %r (request id %s)", error, ctx.request_id)
            return generic_error(self._internal(ctx), "json", ctx.request_id)


def generic_error(error: ServiceError, protocol: str | None, request_id: str) -> HttpResponse:
    """An error response when no service model applies (unknown service or target)."""
    info = error_info(None, error)
    if protocol == "query":
        kind = "Sender" if info.sender_fault else "Receiver"
        body = (
            f"<ErrorResponse><Error><Type>{kind}</Type><Code>{escape(info.query_code)}</Code>"
            f"<Message>{escape(error.message)}</Message></Error><RequestId>{request_id}</RequestId></ErrorResponse>"
        ).encode()
        headers = [("Content-Type", "text/xml"), ("x-amzn-RequestId", request_id)]
    else:
        body = json.dumps({"__type": info.code, "message": error.message}).encode()
        headers = [
            ("Content-Type", "application/x-amz-json-1.0"),
            ("x-amzn-RequestId", request_id),
            ("x-amzn-ErrorType", info.code),
        ]
    return HttpResponse(info.status, headers, body)
