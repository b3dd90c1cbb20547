"""ServiceSpec: what the registry knows of a service before importing it, and the loaded service.

A service package exposes `SPEC` in its `__init__.py`; its `operations` module holds one function per
implemented operation, named `xform_name(OperationName)`, taking `(ctx, request_dict)` and returning
the output dict (or an awaitable of it). Every model operation without a function answers
`NotImplemented` (501).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from importlib import import_module
from types import ModuleType
from typing import TYPE_CHECKING, Any

from botocore import xform_name

from cloudlet.protocol import catalog
from cloudlet.protocol.validate import Validator, default_validation_error

if TYPE_CHECKING:
    from cloudlet.app import App
    from cloudlet.gateway.context import RequestContext

Handler = Callable[
    ["RequestContext", dict[str, Any]], Awaitable[dict[str, Any] | None] | dict[str, Any] | None
]


@dataclass(frozen=True)
class ServiceSpec:
    name: str
    """cloudlet's name for the service (`sqs`, `lambda`, `apigateway` ...)."""
    models: dict[str, str | None]
    """botocore model name → module holding its operation functions (None: none implemented yet)."""
    title: str = ""
    validation_error: str | None = None
    """Code of this service's validation error (default: by protocol, see protocol.validate)."""
    check_enums: bool = True
    """False where the service accepts values beyond the model's enums (SQS takes message system
    attribute names in ReceiveMessage's `AttributeNames`, typed as queue attribute names)."""
    setup: str | None = None
    """`module:function` called once with the App when the service loads (schema, timers, hub); what it
    returns is kept as `LoadedService.state`."""
    prepare: str | None = None
    """`module:function(ctx, params)` run after parsing, before validation: fills parameters a
    protocol may carry outside the body (SQS's legacy query requests name the queue in the path)."""
    deviations: tuple[str, ...] = ()
    """Known differences from AWS, listed in the docs."""
    observes_calls: bool = False
    """True when the service, once it has state, watches every call made to the App (EventBridge's "AWS
    API Call via CloudTrail" events): it is loaded at start when its schema exists in the database."""
    streams_bodies: bool = False
    """True when operations with a streaming blob payload (S3 PutObject, UploadPart) take the request
    body as a `protocol.streams.BodyStream` rather than bytes (read as it arrives, never whole)."""


@dataclass
class LoadedService:
    spec: ServiceSpec
    handlers: dict[str, dict[str, Handler]] = field(default_factory=dict)
    """model name → {OperationName: function}."""
    validators: dict[str, Validator] = field(default_factory=dict)
    prepare: Callable[[RequestContext, dict[str, Any]], None] | None = None
    state: Any = None
    """What the spec's `setup` returned: the service's own per-App state (engine), if any."""

    def handler(self, model: str, operation: str) -> Handler | None:
        return self.handlers.get(model, {}).get(operation)


def operation_map(module: ModuleType, model_name: str) -> dict[str, Handler]:
    """{OperationName: function} for every model operation `module` implements."""
    table: dict[str, Handler] = {}
    for op_name in catalog.service_model(model_name).operation_names:
        fn = getattr(module, xform_name(op_name), None)
        if callable(fn):
            table[op_name] = fn
    return table


def unknown_functions(module: ModuleType, model_names: list[str]) -> list[str]:
    """Public functions defined in `module` that match no operation of the models (typo guard)."""
    expected = {xform_name(op) for name in model_names for op in catalog.service_model(name).operation_names}
    return sorted(
        name
        for name, value in vars(module).items()
        if callable(value)
        and not name.startswith("_")
        and getattr(value, "__module__", None) == module.__name__
        and not isinstance(value, type)
        and name not in expected
    )


def load(spec: ServiceSpec, app: App) -> LoadedService:
    loaded = LoadedService(spec)
    for model_name, module_path in spec.models.items():
        model = catalog.service_model(model_name)
        code = spec.validation_error or default_validation_error(model.protocol)
        loaded.validators[model_name] = Validator(code, spec.check_enums)
        loaded.handlers[model_name] = (
            operation_map(import_module(module_path), model_name) if module_path else {}
        )
    if spec.prepare:
        module_path, _, fn_name = spec.prepare.partition(":")
        loaded.prepare = getattr(import_module(module_path), fn_name)
    if spec.setup:
        module_path, _, fn_name = spec.setup.partition(":")
        loaded.state = getattr(import_module(module_path), fn_name)(app)
    return loaded
