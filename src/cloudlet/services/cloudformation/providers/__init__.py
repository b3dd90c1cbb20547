"""Resource providers by type. Each module listed here defines `PROVIDERS` (see `base.py`)."""

from __future__ import annotations

from importlib import import_module

from cloudlet.services.cloudformation.providers.base import Provider

MODULES: tuple[str, ...] = (
    "sqs",
    "sns",
    "lambda_",
    "lambda_extras",
    "logs",
    "iam",
    "s3",
    "events",
    "dynamodb",
    "apigateway",
    "apigateway_access",
    "apigatewayv2",
)

_registry: dict[str, Provider] | None = None


def registry() -> dict[str, Provider]:
    """{resource type: provider}, built on first use from the modules that exist."""
    global _registry
    if _registry is None:
        table: dict[str, Provider] = {}
        for name in MODULES:
            try:
                module = import_module(f"cloudlet.services.cloudformation.providers.{name}")
            except ModuleNotFoundError as exc:
                if exc.name != f"cloudlet.services.cloudformation.providers.{name}":
                    raise
                continue
            for provider in module.PROVIDERS:
                table[provider.type] = provider
        _registry = table
    return _registry
