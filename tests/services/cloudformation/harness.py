"""Driving resource providers directly on the test server's loop, as the engine drives them."""

from __future__ import annotations

import asyncio
from typing import Any

from cloudlet.services.cloudformation.providers import registry
from cloudlet.services.cloudformation.providers.base import Context, Provider, Resource

ACCOUNT, REGION = "000000000000", "us-east-1"
STACK_ID = f"arn:aws:cloudformation:{REGION}:{ACCOUNT}:stack/app/1"


def run(cloudlet: Any, coro: Any) -> Any:
    return asyncio.run_coroutine_threadsafe(coro, cloudlet._loop).result(10)


def resource(logical: str, type_: str, props: dict[str, Any], **extra: Any) -> Resource:
    return Resource(logical, type_, props, "app", STACK_ID, ACCOUNT, REGION, **extra)


def cx(cloudlet: Any) -> Context:
    return Context(cloudlet.app, ACCOUNT, REGION, "app")


def provider(type_: str) -> Provider:
    return registry()[type_]


def create(cloudlet: Any, res: Resource) -> Any:
    done = run(cloudlet, provider(res.type).create(cx(cloudlet), res))
    res.physical_id, res.attributes = done.physical_id, done.attributes
    return done


def update(cloudlet: Any, res: Resource, props: dict[str, Any]) -> Any:
    res.old_properties, res.properties = res.properties, props
    update_ = provider(res.type).update
    assert update_ is not None
    done = run(cloudlet, update_(cx(cloudlet), res))
    res.attributes = done.attributes
    return done


def delete(cloudlet: Any, res: Resource) -> None:
    run(cloudlet, provider(res.type).delete(cx(cloudlet), res))
