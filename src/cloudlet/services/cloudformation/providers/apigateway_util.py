"""Helpers shared by the API Gateway providers (`apigateway`, `apigateway_access`, `apigatewayv2`):
property-name conversion, v1 patch operations, tags, OpenAPI bodies, tolerant deletes."""

from __future__ import annotations

import hashlib
import json
import string
from collections.abc import Awaitable
from typing import Any

from cloudlet.protocol.errors import ServiceError
from cloudlet.services.cloudformation.providers.api_shapes import coerce
from cloudlet.services.cloudformation.providers.base import Context, ProviderError, Resource

GONE = ("NotFoundException",)


async def call(cx: Context, model: str, operation: str, params: dict[str, Any]) -> dict[str, Any]:
    """`cx.call` with template values converted to the operation's types (`"true"`, `"30"`...) and
    absent (None) members left out."""
    request = coerce(model, operation, {k: v for k, v in params.items() if v is not None})
    return await cx.call(model, operation, request)


async def tolerate_gone(call: Awaitable[Any]) -> None:
    """Await a delete; a resource (or its API) that is already gone is fine."""
    try:
        await call
    except ServiceError as exc:
        if exc.code not in GONE:
            raise


def camel(props: dict[str, Any] | None, keys: tuple[str, ...] | None = None) -> dict[str, Any]:
    """`{"PercentTraffic": 10}` → `{"percentTraffic": 10}` (top level only: map values such as request
    parameters keep their keys). `keys` limits which properties are taken."""
    out: dict[str, Any] = {}
    for key, value in (props or {}).items():
        if value is None or (keys is not None and key not in keys):
            continue
        out[key[:1].lower() + key[1:]] = value
    return out


def tag_map(tags: Any) -> dict[str, str]:
    """CloudFormation tags (`[{Key, Value}]`, or a map for ApiGatewayV2) as a map."""
    if isinstance(tags, dict):
        return {str(k): str(v) for k, v in tags.items()}
    return {str(t["Key"]): str(t.get("Value", "")) for t in tags or []}


def text(value: Any) -> str:
    """A patch-operation value: booleans as `true`/`false`, objects as JSON, numbers as text."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict | list):
        return json.dumps(value)
    return str(value)


def escape(part: str) -> str:
    """A JSON-pointer path segment (`/` → `~1`)."""
    return part.replace("~", "~0").replace("/", "~1")


def scalar_ops(
    old: dict[str, Any], new: dict[str, Any], paths: dict[str, str], defaults: dict[str, Any] | None = None
) -> list[dict[str, str]]:
    """Patch operations turning properties `old` into `new` for scalar properties (`{property: path}`).
    A property dropped from the template is reset to `defaults[property]`, or removed."""
    ops: list[dict[str, str]] = []
    for prop, path in paths.items():
        before, after = old.get(prop), new.get(prop)
        if before == after:
            continue
        if after is None:
            if defaults and prop in defaults:
                ops.append({"op": "replace", "path": path, "value": text(defaults[prop])})
            else:
                ops.append({"op": "remove", "path": path})
        else:
            ops.append({"op": "replace", "path": path, "value": text(after)})
    return ops


def set_ops(path: str, before: list[str] | None, after: list[str] | None) -> list[dict[str, str]]:
    """add/remove operations on a string-set member (`/binaryMediaTypes/image~1png`)."""
    old, new = list(before or []), list(after or [])
    ops = [{"op": "remove", "path": f"{path}/{escape(item)}"} for item in old if item not in new]
    ops += [{"op": "add", "path": f"{path}/{escape(item)}"} for item in new if item not in old]
    return ops


async def retag(cx: Context, model: str, arn: str, old: Any, new: Any) -> None:
    """Bring a resource's tags from `old` to `new` (TagResource / UntagResource)."""
    before, after = tag_map(old), tag_map(new)
    v2 = model == "apigatewayv2"
    gone = [k for k in before if k not in after]
    if gone:
        params = {"ResourceArn": arn, "TagKeys": gone} if v2 else {"resourceArn": arn, "tagKeys": gone}
        await call(cx, model, "UntagResource", params)
    changed = {k: v for k, v in after.items() if before.get(k) != v}
    if changed:
        params = {"ResourceArn": arn, "Tags": changed} if v2 else {"resourceArn": arn, "tags": changed}
        await call(cx, model, "TagResource", params)


def arn(cx: Context, path: str) -> str:
    """`arn:aws:apigateway:<region>::/restapis/<id>` ..."""
    return f"arn:aws:apigateway:{cx.region}::{path}"


def generated_id(resource: Resource) -> str:
    """An id as CloudFormation makes one for resources without a service id (`mysta-metho-a1b2c3d4e5f6`):
    stable for a stack and logical id."""
    digest = hashlib.sha256(f"{resource.stack_id}/{resource.logical_id}".encode()).digest()
    alphabet = string.ascii_lowercase + string.digits
    tail = "".join(alphabet[b % len(alphabet)] for b in digest[:12])
    return f"{resource.stack_name[:5].lower()}-{resource.logical_id[:5].lower()}-{tail}"


async def openapi_body(cx: Context, props: dict[str, Any], name: str) -> str | None:
    """The OpenAPI definition from `Body` (an object, or JSON/YAML text) or `BodyS3Location` (read from
    the bucket), as text; None when neither is given."""
    body = props.get("Body")
    if body is not None:
        return body if isinstance(body, str) else json.dumps(body)
    location = props.get("BodyS3Location")
    if location is None:
        return None
    if not isinstance(location, dict) or not location.get("Bucket") or not location.get("Key"):
        raise ProviderError(f"Property {name}.BodyS3Location needs Bucket and Key")
    params: dict[str, Any] = {"Bucket": location["Bucket"], "Key": location["Key"]}
    if location.get("Version"):
        params["VersionId"] = location["Version"]
    if location.get("ETag"):
        params["IfMatch"] = location["ETag"]
    out = await call(cx, "s3", "GetObject", params)
    data = out.get("Body", b"")
    if hasattr(data, "__aiter__"):  # the object's bytes arrive as a stream of chunks
        data = b"".join([chunk async for chunk in data])
    return data.decode() if isinstance(data, bytes | bytearray) else str(data)
