"""Connection and API destination operations: create, describe, update, delete, list, and
DeauthorizeConnection. The connection's secrets (passwords, API key values, client secrets, secret
parameter values) are kept with the connection and never returned. The HTTP call an API destination
target makes, and the connection state changes that happen later (OAuth authorization, the end of
de-authorization and deletion), are in `api_destinations.py`.

Connection states: BASIC and API_KEY connections are AUTHORIZED at once; OAUTH_CLIENT_CREDENTIALS ones are
AUTHORIZING until their first token arrives (then AUTHORIZED, or DEAUTHORIZED with the reason).
DeauthorizeConnection removes the authorization parameters (DEAUTHORIZING, then DEAUTHORIZED);
DeleteConnection goes through DELETING. An API destination is ACTIVE while its connection is usable.
"""

from __future__ import annotations

import base64
import binascii
import re
import uuid
from typing import TYPE_CHECKING, Any

from cloudlet.services.events import store
from cloudlet.services.events.api_destinations import (
    FINISH_DELAY_S,
    api_destination_arn,
    connection_arn,
    schedule_connection,
    secret_arn,
    valid_endpoint,
)
from cloudlet.services.events.errors import (
    ConcurrentModificationException,
    LimitExceededException,
    ResourceAlreadyExistsException,
    ResourceNotFoundException,
    ValidationException,
)

if TYPE_CHECKING:
    import sqlite3

    from cloudlet.core.db import Tx
    from cloudlet.gateway.context import RequestContext

__all__ = [
    "create_api_destination",
    "create_connection",
    "deauthorize_connection",
    "delete_api_destination",
    "delete_connection",
    "describe_api_destination",
    "describe_connection",
    "list_api_destinations",
    "list_connections",
    "update_api_destination",
    "update_connection",
]

CONNECTION = "connection"
DESTINATION = "api-destination"
MAX_RATE_PER_S = 300
"""InvocationRateLimitPerSecond's default and maximum."""
DEFAULT_PAGE = 100
_NAME = re.compile(r"[\.\-_A-Za-z0-9]+")
_AUTH_MEMBERS = {
    "BASIC": "BasicAuthParameters",
    "API_KEY": "ApiKeyAuthParameters",
    "OAUTH_CLIENT_CREDENTIALS": "OAuthParameters",
}
_REQUIRED = {
    "BasicAuthParameters": ("Username", "Password"),
    "ApiKeyAuthParameters": ("ApiKeyName", "ApiKeyValue"),
    "OAuthParameters": ("AuthorizationEndpoint", "HttpMethod"),
}
_HTTP_LISTS = ("HeaderParameters", "QueryStringParameters", "BodyParameters")
_DEAUTHORIZED_REASON = (
    "The authorization parameters were removed from this connection by a DeauthorizeConnection operation."
)
_ACTIVE_CONNECTION_STATES = ("AUTHORIZED", "DEAUTHORIZING")


# --- shared helpers -----------------------------------------------------------------------------------


def _check_name(name: str) -> None:
    if not _NAME.fullmatch(name):
        raise ValidationException(
            f"1 validation error detected: Value '{name}' at 'name' failed to satisfy constraint: Member must"
            r" satisfy regular expression pattern: [\.\-_A-Za-z0-9]+"
        )


def _page(items: list[store.Document], token: str | None, limit: int | None) -> tuple[list[Any], str | None]:
    """One page of name-ordered `items` after the name in `token`, and the token of the next page.

    Raises: ValidationException (a token not made here).
    """
    if token:
        try:
            after = base64.urlsafe_b64decode(token.encode()).decode()
        except (ValueError, binascii.Error, UnicodeDecodeError):
            raise ValidationException("The NextToken provided is invalid.") from None
        if not after.startswith("after:"):
            raise ValidationException("The NextToken provided is invalid.")
        items = [item for item in items if item.name > after[len("after:") :]]
    size = limit or DEFAULT_PAGE
    following = None
    if len(items) > size:
        following = base64.urlsafe_b64encode(f"after:{items[size - 1].name}".encode()).decode()
    return items[:size], following


def _now(ctx: RequestContext) -> float:
    """Now, in whole seconds: connection and API destination times have no fraction."""
    return float(int(ctx.app.clock.now()))


def _drop_empty(out: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in out.items() if value is not None}


# --- connections: stored form and public form ---------------------------------------------------------


def _connection(conn: sqlite3.Connection | Tx, ctx: RequestContext, name: str) -> store.Document:
    """Raises: ResourceNotFoundException."""
    found = store.get_document(conn, CONNECTION, ctx.account_id, ctx.region, name)
    if found is None:
        raise ResourceNotFoundException(
            f"Failed to describe the connection(s). Connection '{name}' does not exist."
        )
    return found


def _http_parameters(given: dict[str, Any] | None, prior: dict[str, Any] | None) -> dict[str, Any] | None:
    """Stored InvocationHttpParameters/OAuthHttpParameters: each list given replaces the prior one; an entry
    without a Value keeps the prior value of its key (secret values are never shown, so never resent)."""
    if given is None:
        return prior
    out = dict(prior or {})
    for kind in _HTTP_LISTS:
        if kind not in given:
            continue
        old = {p["Key"]: p.get("Value", "") for p in (prior or {}).get(kind) or []}
        entries = []
        for p in given[kind] or []:
            if not p.get("Key"):
                raise ValidationException(f"Every entry of {kind} needs a Key.")
            value = p["Value"] if "Value" in p else old.get(p["Key"], "")
            entries.append({"Key": p["Key"], "Value": value, "IsValueSecret": bool(p.get("IsValueSecret"))})
        out[kind] = entries
    return out


def _auth(action: str, kind: str, given: dict[str, Any], prior: dict[str, Any] | None) -> dict[str, Any]:
    """The stored AuthParameters of a connection of type `kind`: `given` over `prior` (same type).

    Raises: ValidationException (parameters of another type, or missing required members).
    """
    member = _AUTH_MEMBERS[kind]
    others = [m for m in _AUTH_MEMBERS.values() if m != member and given.get(m) is not None]
    if others:
        raise ValidationException(
            f"Failed to {action} the connection(s). {others[0]} is not valid for AuthorizationType {kind}."
        )
    base = dict(prior or {})
    fields = dict(base.get(member) or {})
    for key, value in (given.get(member) or {}).items():
        if key == "ClientParameters":
            fields[key] = {**(fields.get(key) or {}), **value}
        elif key == "OAuthHttpParameters":
            fields[key] = _http_parameters(value, fields.get(key))
        else:
            fields[key] = value
    if not fields:
        raise ValidationException(
            f"Failed to {action} the connection(s). {member} is required for AuthorizationType {kind}."
        )
    missing = [key for key in _REQUIRED[member] if not fields.get(key)]
    if member == "OAuthParameters":
        client = fields.get("ClientParameters") or {}
        missing += [f"ClientParameters.{key}" for key in ("ClientID", "ClientSecret") if not client.get(key)]
        endpoint = fields.get("AuthorizationEndpoint")
        if endpoint and not valid_endpoint(endpoint):
            raise ValidationException(
                f"Failed to {action} the connection(s). Parameter AuthorizationEndpoint is not valid. Reason:"
                f" Endpoint '{endpoint}' is invalid, please provide a valid HTTPS endpoint URL."
            )
    if missing:
        raise ValidationException(
            f"Failed to {action} the connection(s). {member} must include {', '.join(missing)}."
        )
    out = {member: fields}
    invocation = _http_parameters(given.get("InvocationHttpParameters"), base.get("InvocationHttpParameters"))
    if invocation is not None:
        out["InvocationHttpParameters"] = invocation
    return out


def _public_http(parameters: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for kind in _HTTP_LISTS:
        if kind not in parameters:
            continue
        out[kind] = [
            {"Key": p["Key"], "IsValueSecret": True}
            if p.get("IsValueSecret")
            else {"Key": p["Key"], "Value": p.get("Value", ""), "IsValueSecret": False}
            for p in parameters[kind] or []
        ]
    return out


def _public_auth(auth: dict[str, Any] | None) -> dict[str, Any]:
    """What DescribeConnection shows of the authorization parameters: no secret ever."""
    if not auth:
        return {}
    out: dict[str, Any] = {}
    if "BasicAuthParameters" in auth:
        out["BasicAuthParameters"] = {"Username": auth["BasicAuthParameters"].get("Username")}
    if "ApiKeyAuthParameters" in auth:
        out["ApiKeyAuthParameters"] = {"ApiKeyName": auth["ApiKeyAuthParameters"].get("ApiKeyName")}
    if "OAuthParameters" in auth:
        oauth = auth["OAuthParameters"]
        shown: dict[str, Any] = {
            "ClientParameters": {"ClientID": (oauth.get("ClientParameters") or {}).get("ClientID")},
            "AuthorizationEndpoint": oauth.get("AuthorizationEndpoint"),
            "HttpMethod": oauth.get("HttpMethod"),
        }
        if oauth.get("OAuthHttpParameters") is not None:
            shown["OAuthHttpParameters"] = _public_http(oauth["OAuthHttpParameters"])
        out["OAuthParameters"] = shown
    if auth.get("InvocationHttpParameters") is not None:
        out["InvocationHttpParameters"] = _public_http(auth["InvocationHttpParameters"])
    return out


def _summary(item: store.Document) -> dict[str, Any]:
    doc = item.document
    return _drop_empty(
        {
            "ConnectionArn": item.arn,
            "Name": item.name,
            "ConnectionState": doc["ConnectionState"],
            "StateReason": doc.get("StateReason"),
            "AuthorizationType": doc["AuthorizationType"],
            "CreationTime": doc["CreationTime"],
            "LastModifiedTime": doc["LastModifiedTime"],
            "LastAuthorizedTime": doc.get("LastAuthorizedTime"),
        }
    )


def _state_change(item: store.Document, modified: float | None = None) -> dict[str, Any]:
    """The output of Update/Delete/DeauthorizeConnection."""
    doc = item.document
    return _drop_empty(
        {
            "ConnectionArn": item.arn,
            "ConnectionState": doc["ConnectionState"],
            "CreationTime": doc["CreationTime"],
            "LastModifiedTime": doc["LastModifiedTime"] if modified is None else modified,
            "LastAuthorizedTime": doc.get("LastAuthorizedTime"),
        }
    )


def _authorize(tx: Tx, ctx: RequestContext, item: store.Document, now: float, new_secret: bool) -> None:
    """Start using the connection's (new) authorization parameters."""
    doc = item.document
    doc["StateReason"] = None
    if new_secret or doc.get("SecretArn") is None:
        doc["SecretArn"] = secret_arn(item.account, item.region, item.name)
    if doc["AuthorizationType"] == "OAUTH_CLIENT_CREDENTIALS":
        doc["ConnectionState"] = "AUTHORIZING"  # the token arrives through the connection timer
        schedule_connection(tx, ctx.app, item.arn, "authorize", doc["Revision"], now)
    else:
        doc["ConnectionState"] = "AUTHORIZED"
        doc["LastAuthorizedTime"] = now


# --- connection operations ----------------------------------------------------------------------------


def create_connection(ctx: RequestContext, request: dict[str, Any]) -> dict[str, Any]:
    name = request["Name"]
    _check_name(name)
    kind = request["AuthorizationType"]
    auth = _auth("create", kind, request["AuthParameters"], None)
    app = ctx.app
    now = _now(ctx)
    resource_id = str(uuid.uuid4())
    item = store.Document(
        connection_arn(ctx.account_id, ctx.region, name, resource_id),
        ctx.account_id,
        ctx.region,
        name,
        {
            "Id": resource_id,
            "Description": request.get("Description"),
            "AuthorizationType": kind,
            "Auth": auth,
            "KmsKeyIdentifier": request.get("KmsKeyIdentifier"),
            "SecretArn": None,
            "Revision": 1,
            "CreationTime": now,
            "LastModifiedTime": now,
        },
    )
    with app.db.transaction() as tx:
        if store.get_document(tx, CONNECTION, ctx.account_id, ctx.region, name) is not None:
            raise ResourceAlreadyExistsException(f"Connection '{name}' already exists.")
        _authorize(tx, ctx, item, now, new_secret=True)
        store.put_document(tx, CONNECTION, item)
    return {
        "ConnectionArn": item.arn,
        "ConnectionState": item.document["ConnectionState"],
        "CreationTime": now,
        "LastModifiedTime": now,
    }


def describe_connection(ctx: RequestContext, request: dict[str, Any]) -> dict[str, Any]:
    with ctx.app.db.read() as conn:
        item = _connection(conn, ctx, request["Name"])
    doc = item.document
    out = _summary(item)
    out["Description"] = doc.get("Description")
    out["KmsKeyIdentifier"] = doc.get("KmsKeyIdentifier")
    if doc["ConnectionState"] != "DEAUTHORIZED":
        out["SecretArn"] = doc.get("SecretArn")
    out["AuthParameters"] = _public_auth(doc.get("Auth"))
    return _drop_empty(out)


def list_connections(ctx: RequestContext, request: dict[str, Any]) -> dict[str, Any]:
    prefix = request.get("NamePrefix") or ""
    wanted = request.get("ConnectionState")
    with ctx.app.db.read() as conn:
        items = store.list_documents(conn, CONNECTION, ctx.account_id, ctx.region)
    items = [
        item
        for item in items
        if item.name.startswith(prefix) and (wanted is None or item.document["ConnectionState"] == wanted)
    ]
    chosen, following = _page(items, request.get("NextToken"), request.get("Limit"))
    return _drop_empty({"Connections": [_summary(item) for item in chosen], "NextToken": following})


def update_connection(ctx: RequestContext, request: dict[str, Any]) -> dict[str, Any]:
    given = request.get("AuthParameters") or {}
    kind = request.get("AuthorizationType")
    auth_change = kind is not None and any(given.get(m) is not None for m in _AUTH_MEMBERS.values())
    if not auth_change and "Description" not in request and "KmsKeyIdentifier" not in request:
        raise ValidationException(
            "Failed to update the connection(s). At least one of the following is required: Description,"
            " KmsKeyIdentifier, AuthorizationType with BasicAuthParameters, ApiKeyAuthParameters, or"
            " OAuthParameters."
        )
    app = ctx.app
    now = _now(ctx)
    with app.db.transaction() as tx:
        item = _connection(tx, ctx, request["Name"])
        doc = item.document
        if doc["ConnectionState"] == "DELETING":
            raise ConcurrentModificationException(
                f"Failed to update the connection(s). Connection '{item.name}' is being deleted."
            )
        for key in ("Description", "KmsKeyIdentifier"):
            if key in request:
                doc[key] = request[key]
        if auth_change:
            assert kind is not None
            removed = doc.get("Auth") is None  # de-authorized: the old secret is gone, a new one is made
            prior = None if removed or kind != doc["AuthorizationType"] else doc["Auth"]
            doc.update(Auth=_auth("update", kind, given, prior), AuthorizationType=kind)
            doc["Revision"] += 1  # outdates pending connection timers and cached tokens
            _authorize(tx, ctx, item, now, new_secret=removed)
        doc["LastModifiedTime"] = now
        store.put_document(tx, CONNECTION, item)
    return _state_change(item)


def deauthorize_connection(ctx: RequestContext, request: dict[str, Any]) -> dict[str, Any]:
    app = ctx.app
    now = _now(ctx)
    with app.db.transaction() as tx:
        item = _connection(tx, ctx, request["Name"])
        doc = item.document
        modified = doc["LastModifiedTime"]
        if doc["ConnectionState"] == "DELETING":
            raise ConcurrentModificationException(
                f"Failed to deauthorize the connection(s). Connection '{item.name}' is being deleted."
            )
        if doc.get("Auth") is not None:
            doc.update(
                Auth=None,
                ConnectionState="DEAUTHORIZING",
                StateReason=_DEAUTHORIZED_REASON,
                LastModifiedTime=now,
                Revision=doc["Revision"] + 1,
            )
            schedule_connection(tx, app, item.arn, "deauthorize", doc["Revision"], now + FINISH_DELAY_S)
            store.put_document(tx, CONNECTION, item)
    return _state_change(item, modified)


def delete_connection(ctx: RequestContext, request: dict[str, Any]) -> dict[str, Any]:
    app = ctx.app
    now = _now(ctx)
    with app.db.transaction() as tx:
        item = _connection(tx, ctx, request["Name"])
        doc = item.document
        modified = doc["LastModifiedTime"]
        if doc["ConnectionState"] != "DELETING":
            doc.update(ConnectionState="DELETING", LastModifiedTime=now, Revision=doc["Revision"] + 1)
            schedule_connection(tx, app, item.arn, "delete", doc["Revision"], now + FINISH_DELAY_S)
            store.put_document(tx, CONNECTION, item)
    return _state_change(item, modified)


# --- API destinations ---------------------------------------------------------------------------------


def _destination(
    conn: sqlite3.Connection | Tx, ctx: RequestContext, action: str, name: str
) -> store.Document:
    """Raises: ResourceNotFoundException."""
    found = store.get_document(conn, DESTINATION, ctx.account_id, ctx.region, name)
    if found is None:
        raise ResourceNotFoundException(
            f"Failed to {action} the api-destination(s). An api-destination '{name}' does not exist."
        )
    return found


def _usable_connection(conn: sqlite3.Connection | Tx, action: str, arn: str) -> store.Document:
    """Raises: ResourceNotFoundException (no such connection, or one being deleted)."""
    found = store.get_document_by_arn(conn, CONNECTION, arn)
    if found is None or found.document["ConnectionState"] == "DELETING":
        raise ResourceNotFoundException(
            f"Failed to {action} the api-destination(s). Connection '{arn}' does not exist."
        )
    return found


def _check_destination(action: str, name: str, request: dict[str, Any]) -> None:
    """Raises: ValidationException (endpoint), LimitExceededException (rate above 300)."""
    endpoint = request.get("InvocationEndpoint")
    if endpoint is not None and not valid_endpoint(endpoint):
        raise ValidationException(
            f"Failed to {action} the api-destination(s). Parameter InvocationEndpoint is not valid. Reason:"
            f" Endpoint '{endpoint}' is invalid, please provide a valid HTTPS endpoint URL."
        )
    rate = request.get("InvocationRateLimitPerSecond")
    if rate is not None and rate > MAX_RATE_PER_S:
        raise LimitExceededException(
            f"Failed to {action} the api-destination(s). Invalid Invocation Rate Limit: Rate specified"
            f" '{rate}' for '{name}' exceeds maximum allowed of '{MAX_RATE_PER_S}'."
        )


def _destination_state(conn: sqlite3.Connection | Tx, item: store.Document) -> str:
    arn = item.document.get("ConnectionArn")
    connection = store.get_document_by_arn(conn, CONNECTION, arn) if arn else None
    active = connection is not None and connection.document["ConnectionState"] in _ACTIVE_CONNECTION_STATES
    return "ACTIVE" if active else "INACTIVE"


def _destination_out(conn: sqlite3.Connection | Tx, item: store.Document) -> dict[str, Any]:
    doc = item.document
    return _drop_empty(
        {
            "ApiDestinationArn": item.arn,
            "Name": item.name,
            "ApiDestinationState": _destination_state(conn, item),
            "ConnectionArn": doc.get("ConnectionArn"),
            "InvocationEndpoint": doc["InvocationEndpoint"],
            "HttpMethod": doc["HttpMethod"],
            "InvocationRateLimitPerSecond": doc["InvocationRateLimitPerSecond"],
            "CreationTime": doc["CreationTime"],
            "LastModifiedTime": doc["LastModifiedTime"],
        }
    )


def _destination_change(conn: sqlite3.Connection | Tx, item: store.Document) -> dict[str, Any]:
    return {
        "ApiDestinationArn": item.arn,
        "ApiDestinationState": _destination_state(conn, item),
        "CreationTime": item.document["CreationTime"],
        "LastModifiedTime": item.document["LastModifiedTime"],
    }


def create_api_destination(ctx: RequestContext, request: dict[str, Any]) -> dict[str, Any]:
    name = request["Name"]
    _check_name(name)
    _check_destination("create", name, request)
    now = _now(ctx)
    resource_id = str(uuid.uuid4())
    item = store.Document(
        api_destination_arn(ctx.account_id, ctx.region, name, resource_id),
        ctx.account_id,
        ctx.region,
        name,
        {
            "Id": resource_id,
            "Description": request.get("Description"),
            "ConnectionArn": request["ConnectionArn"],
            "InvocationEndpoint": request["InvocationEndpoint"],
            "HttpMethod": request["HttpMethod"],
            "InvocationRateLimitPerSecond": request.get("InvocationRateLimitPerSecond") or MAX_RATE_PER_S,
            "CreationTime": now,
            "LastModifiedTime": now,
        },
    )
    with ctx.app.db.transaction() as tx:
        if store.get_document(tx, DESTINATION, ctx.account_id, ctx.region, name) is not None:
            raise ResourceAlreadyExistsException(
                f"Failed to create the api-destination(s). An api-destination with name '{name}' already"
                " exists."
            )
        _usable_connection(tx, "create", request["ConnectionArn"])
        store.put_document(tx, DESTINATION, item)
        return _destination_change(tx, item)


def describe_api_destination(ctx: RequestContext, request: dict[str, Any]) -> dict[str, Any]:
    with ctx.app.db.read() as conn:
        item = _destination(conn, ctx, "describe", request["Name"])
        out = _destination_out(conn, item)
    if item.document.get("Description") is not None:
        out["Description"] = item.document["Description"]
    return out


def list_api_destinations(ctx: RequestContext, request: dict[str, Any]) -> dict[str, Any]:
    prefix = request.get("NamePrefix")
    connection = request.get("ConnectionArn")
    if prefix is not None and connection is not None:
        raise ValidationException(
            "Failed to list the api-destination(s). Request failed because only one filter is supported per"
            " request, either ConnectionArn or NamePrefix."
        )
    with ctx.app.db.read() as conn:
        items = [
            item
            for item in store.list_documents(conn, DESTINATION, ctx.account_id, ctx.region)
            if item.name.startswith(prefix or "")
            and (connection is None or item.document.get("ConnectionArn") == connection)
        ]
        chosen, following = _page(items, request.get("NextToken"), request.get("Limit"))
        found = [_destination_out(conn, item) for item in chosen]
    return _drop_empty({"ApiDestinations": found, "NextToken": following})


def update_api_destination(ctx: RequestContext, request: dict[str, Any]) -> dict[str, Any]:
    name = request["Name"]
    _check_destination("update", name, request)
    with ctx.app.db.transaction() as tx:
        item = _destination(tx, ctx, "update", name)
        if request.get("ConnectionArn") is not None:
            _usable_connection(tx, "update", request["ConnectionArn"])
        for key in (
            "Description",
            "ConnectionArn",
            "InvocationEndpoint",
            "HttpMethod",
            "InvocationRateLimitPerSecond",
        ):
            if request.get(key) is not None:
                item.document[key] = request[key]
        item.document["LastModifiedTime"] = _now(ctx)
        store.put_document(tx, DESTINATION, item)
        return _destination_change(tx, item)


def delete_api_destination(ctx: RequestContext, request: dict[str, Any]) -> dict[str, Any]:
    with ctx.app.db.transaction() as tx:
        item = _destination(tx, ctx, "delete", request["Name"])
        store.delete_document(tx, DESTINATION, item.arn)
    return {}
