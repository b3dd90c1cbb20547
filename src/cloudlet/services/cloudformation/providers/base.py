"""The resource-provider interface: how CloudFormation creates, updates and deletes one resource type.

A provider never keeps resources of its own: it calls the service's operations through `cx.call(...)`
(the same operation functions that serve the API, validated as a wire request), so a queue made by a
stack is exactly a queue made by `CreateQueue`. Types with no service in cloudlet (IAM) keep their
resource only as the stack's resource row: `create` returns a physical id and attributes, nothing else.

Each provider module defines `PROVIDERS: tuple[Provider, ...]`; `providers/__init__.py` lists the
modules. The engine resolves intrinsic functions before calling a provider: `properties` hold plain
JSON values (strings, numbers, booleans, lists, dicts) exactly as the template's resource spec names
them (`QueueName`, `VisibilityTimeout`...).
"""

from __future__ import annotations

import hashlib
import re
import string
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from cloudlet.app import App


class ProviderError(Exception):
    """A resource could not be created, updated or deleted; `message` becomes the resource's
    `ResourceStatusReason` (the stack then rolls back). Service errors raised by `cx.call` are turned
    into this by the engine, with their code and message."""


class NeedsReplacement(Exception):
    """Raised by `update` when the change cannot be made in place: the engine creates a new resource,
    points references at it, and deletes the old one after the update completes (as AWS does)."""


@dataclass
class Resource:
    """One resource of a stack, as a provider sees it."""

    logical_id: str
    type: str
    properties: dict[str, Any]
    """Resolved properties (no intrinsic functions left)."""
    stack_name: str
    stack_id: str
    account: str
    region: str
    physical_id: str | None = None
    """Set for update and delete (and after create)."""
    attributes: dict[str, Any] = field(default_factory=dict)
    """What create/update returned last time (for Fn::GetAtt and for delete)."""
    old_properties: dict[str, Any] | None = None
    """For update: the properties the resource has now."""
    replaces: str | None = None
    """For a replacement's create: the physical id of the resource it replaces (generated names then
    differ from the old one's, as AWS gives a replacement a new name)."""


@dataclass
class Created:
    physical_id: str
    """What `Ref` returns (unless `ref` says otherwise) and what delete gets back."""
    attributes: dict[str, Any] = field(default_factory=dict)
    """`Fn::GetAtt` values by attribute name (`Arn`, `QueueName`, `StreamArn`...)."""
    ref: str | None = None
    """What `Ref` returns when it is not the physical id."""


class Context:
    """What a provider may use: the App, the caller's account and region, and `call`."""

    def __init__(self, app: App, account: str, region: str, stack_name: str, template_dir: str | None = None):
        self.app = app
        self.account = account
        self.region = region
        self.stack_name = stack_name
        self.template_dir = template_dir
        """The folder the template came from (`cloudlet deploy`), for local code paths; None otherwise."""

    async def call(self, model: str, operation: str, params: dict[str, Any]) -> dict[str, Any]:
        """Run `operation` of botocore model `model` (`sqs`, `lambda`, `apigateway`...) as this account.
        Raises the operation's ServiceError (`.code`, `.message`)."""
        assert self.app.call is not None, "the gateway sets App.call"
        return await self.app.call(model, operation, params, self.account, self.region)

    def physical_name(
        self, resource: Resource, max_length: int = 64, *, lower: bool = False, suffix: str = ""
    ) -> str:
        """A name as CloudFormation generates one when the template gives none:
        `<stack>-<logical id>-<12 random-looking characters>`, cut to `max_length` (ids are stable for a
        given stack and logical id, so a retried create finds the same name; a replacement gets another)."""
        seed = f"{resource.stack_id}/{resource.logical_id}"
        if resource.replaces:
            seed += f"/{resource.replaces}"
        digest = hashlib.sha256(seed.encode()).digest()
        alphabet = string.ascii_uppercase + string.digits
        tail = "".join(alphabet[b % len(alphabet)] for b in digest[:12])
        room = max_length - len(tail) - len(suffix) - 2
        stack, logical = resource.stack_name, resource.logical_id
        head = f"{stack[: max(1, room // 2)]}-{logical[: max(1, room - min(len(stack), room // 2))]}"
        name = f"{head}-{tail}{suffix}"
        name = re.sub(r"[^A-Za-z0-9._-]", "-", name)
        return name.lower() if lower else name


@dataclass(frozen=True)
class Provider:
    type: str
    """`AWS::SQS::Queue` ..."""
    create: Callable[[Context, Resource], Awaitable[Created]]
    delete: Callable[[Context, Resource], Awaitable[None]]
    """Must succeed when the resource is already gone (a retried delete, a rollback)."""
    update: Callable[[Context, Resource], Awaitable[Created]] | None = None
    """In place; None means every change replaces the resource. May raise NeedsReplacement."""
    properties: frozenset[str] | None = None
    """The properties this provider understands; any other in a template fails the deployment with a
    message naming it (None: accept any)."""
    replace_on: frozenset[str] = frozenset()
    """Properties whose change always needs a new resource (names, keys): the engine replaces without
    calling `update`."""
    attributes: frozenset[str] = frozenset()
    """The `Fn::GetAtt` names it returns (checked at template validation)."""
