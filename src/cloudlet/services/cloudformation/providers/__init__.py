"""Resource providers by type. Each module listed here defines `PROVIDERS` (see `base.py`)."""

from __future__ import annotations

from functools import cache
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

@cache
def registry() -> dict[str, Provider]:
    """{resource type: provider}, built once from the modules above (code, not state: the same for every
    App)."""
    table: dict[str, Provider] = {}
    for name in MODULES:
        module = import_module(f"cloudlet.services.cloudformation.providers.{name}")
        for provider in module.PROVIDERS:
            table[provider.type] = provider
    return table
