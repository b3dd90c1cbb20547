"""REST API Lambda authorizers at request time: identity sources, the authorizer event (TOKEN and
REQUEST formats), invoking the function, checking its output, evaluating its IAM policy against the
method ARN, and caching results for `authorizerResultTtlInSeconds`.

The cache lives in `gw.runtime["authorizer_cache"]` keyed by (api id, stage, authorizer id, fingerprint
of the authorizer's definition, identity source values). What is cached is the function's output; the
policy in it is evaluated again for every request against that request's method ARN, as AWS does.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections import OrderedDict
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from cloudlet.protocol.errors import ServiceError
from cloudlet.services.apigateway.lambda_uris import function_of
from cloudlet.services.apigateway.serve.gateway_errors import GatewayError

if TYPE_CHECKING:
    from cloudlet.protocol.http import HttpRequest
    from cloudlet.services.apigateway.engine import ApiGateway

CACHE_SIZE = 10_000
DEFAULT_TTL_S = 300
EXPLICIT_DENY = "User is not authorized to access this resource with an explicit deny"
NOT_ALLOWED = "User is not authorized to access this resource"


@dataclass
class AuthResult:
    principal_id: str
    context: dict[str, Any]
    """Becomes `$context.authorizer.<key>` and the proxy event's `requestContext.authorizer` (the
    caller adds `principalId`). Values are strings, numbers or booleans as the function returned them."""
    usage_identifier_key: str | None
    """The API key value the function named (`usageIdentifierKey`), for apiKeySource AUTHORIZER."""


@dataclass
class Invocation:
    """What one authorizer call produced (also reported by TestInvokeAuthorizer)."""

    output: dict[str, Any]
    latency_ms: int


# -- identity sources ----------------------------------------------------------------------------------


def identity_sources(authorizer: dict[str, Any]) -> list[str]:
    return [part.strip() for part in (authorizer.get("identitySource") or "").split(",") if part.strip()]


def identity_value(
    source: str,
    headers: dict[str, list[str]],
    query: dict[str, list[str]],
    stage_variables: dict[str, str],
    request_context: dict[str, Any],
) -> str | None:
    """The value of one identity source expression (`method.request.header.X`,
    `method.request.querystring.X`, `stageVariables.X`, `context.X`), or None when absent."""
    if source.startswith("method.request.header."):
        values = headers.get(source[len("method.request.header.") :].lower())
        return values[-1] if values else None
    if source.startswith("method.request.querystring."):
        values = query.get(source[len("method.request.querystring.") :])
        return values[-1] if values else None
    if source.startswith("stageVariables."):
        return stage_variables.get(source[len("stageVariables.") :])
    if source.startswith("context."):
        value: Any = request_context
        for part in source[len("context.") :].split("."):
            value = value.get(part) if isinstance(value, dict) else None
        return None if value is None else str(value)
    return None


def multi_headers(request: HttpRequest) -> dict[str, list[str]]:
    """Header name (lower-case) → values, in order."""
    out: dict[str, list[str]] = {}
    for name, value in request.headers.items():
        out.setdefault(name.lower(), []).append(value)
    return out


def multi_query(request: HttpRequest) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for name, value in request.query.items():
        out.setdefault(name, []).append(value)
    return out


# -- events --------------------------------------------------------------------------------------------


def token_event(token: str, method_arn: str) -> dict[str, Any]:
    return {"type": "TOKEN", "methodArn": method_arn, "authorizationToken": token}


def request_event(
    *,
    method_arn: str,
    resource_path: str,
    path: str,
    http_method: str,
    headers: list[tuple[str, str]],
    query: list[tuple[str, str]],
    path_params: dict[str, str],
    stage_variables: dict[str, str],
    request_context: dict[str, Any],
) -> dict[str, Any]:
    """The REQUEST authorizer event (the shape of a Lambda proxy event without the body)."""
    single_headers: dict[str, str] = {}
    multi: dict[str, list[str]] = {}
    for name, value in headers:
        single_headers[name] = value
        multi.setdefault(name, []).append(value)
    single_query: dict[str, str] = {}
    multi_q: dict[str, list[str]] = {}
    for name, value in query:
        single_query[name] = value
        multi_q.setdefault(name, []).append(value)
    return {
        "type": "REQUEST",
        "methodArn": method_arn,
        "resource": resource_path,
        "path": path,
        "httpMethod": http_method,
        "headers": single_headers,
        "multiValueHeaders": multi,
        "queryStringParameters": single_query or None,
        "multiValueQueryStringParameters": multi_q or None,
        "pathParameters": dict(path_params) or None,
        "stageVariables": dict(stage_variables) or None,
        "requestContext": request_context,
    }


# -- invocation and output ----------------------------------------------------------------------------


def function_arn(authorizer: dict[str, Any]) -> str | None:
    return function_of(authorizer.get("authorizerUri") or "")


async def invoke(gw: ApiGateway, authorizer: dict[str, Any], event: dict[str, Any]) -> Invocation:
    """Call the authorizer function with `event`; returns its checked output.

    Raises GatewayError UNAUTHORIZED (the function failed with the message `Unauthorized`),
    AUTHORIZER_CONFIGURATION_ERROR (no such function, it failed otherwise, or its output is not a
    valid authorizer response) or AUTHORIZER_FAILURE (it timed out, crashed or was throttled).
    """
    from cloudlet.services.lambda_ import api as lambda_api

    target = function_arn(authorizer)
    if target is None:
        raise GatewayError("AUTHORIZER_CONFIGURATION_ERROR")
    started = gw.clock.now()
    try:
        outcome = await lambda_api.invoke(gw.app, target, json.dumps(event).encode())
    except ServiceError as exc:
        if exc.code == "ResourceNotFoundException":
            raise GatewayError("AUTHORIZER_CONFIGURATION_ERROR") from None
        raise GatewayError("AUTHORIZER_FAILURE") from None
    latency_ms = max(0, int((gw.clock.now() - started) * 1000))
    if outcome.outcome == "error":
        if _error_message(outcome.payload) == "Unauthorized":
            raise GatewayError("UNAUTHORIZED")
        raise GatewayError("AUTHORIZER_CONFIGURATION_ERROR")
    if outcome.outcome != "ok":
        raise GatewayError("AUTHORIZER_FAILURE")
    return Invocation(check_output(outcome.payload), latency_ms)


def _error_message(payload: bytes) -> str | None:
    try:
        body = json.loads(payload)
    except ValueError:
        return None
    return body.get("errorMessage") if isinstance(body, dict) else None


def check_output(payload: bytes) -> dict[str, Any]:
    """The function's response when it is a valid authorizer output: an object with a `principalId`,
    a `policyDocument` with a list of statements, and a `context` of strings, numbers and booleans."""
    try:
        output = json.loads(payload)
    except ValueError:
        raise GatewayError("AUTHORIZER_CONFIGURATION_ERROR") from None
    if not isinstance(output, dict) or "principalId" not in output:
        raise GatewayError("AUTHORIZER_CONFIGURATION_ERROR")
    policy = output.get("policyDocument")
    if not isinstance(policy, dict) or not isinstance(_statements(policy), list):
        raise GatewayError("AUTHORIZER_CONFIGURATION_ERROR")
    context = output.get("context")
    if context is not None and (
        not isinstance(context, dict)
        or any(not isinstance(v, str | int | float | bool) for v in context.values() if v is not None)
    ):
        raise GatewayError("AUTHORIZER_CONFIGURATION_ERROR")
    key = output.get("usageIdentifierKey")
    if key is not None and not isinstance(key, str):
        raise GatewayError("AUTHORIZER_CONFIGURATION_ERROR")
    return output


def _statements(policy: dict[str, Any]) -> Any:
    statements = policy.get("Statement")
    return [statements] if isinstance(statements, dict) else statements


# -- policy evaluation --------------------------------------------------------------------------------


@lru_cache(maxsize=1024)
def _pattern(expression: str, ignore_case: bool) -> re.Pattern[str]:
    """An IAM wildcard (`*`, `?`) as a compiled regex (cached: cached policies are checked per request)."""
    regex = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in expression)
    return re.compile(regex, re.S | (re.IGNORECASE if ignore_case else 0))


def _matches(patterns: Any, value: str, *, ignore_case: bool = False) -> bool:
    items = [patterns] if isinstance(patterns, str) else patterns if isinstance(patterns, list) else []
    return any(isinstance(item, str) and _pattern(item, ignore_case).fullmatch(value) for item in items)


def _applies(statement: dict[str, Any], method_arn: str) -> bool:
    if "Action" in statement:
        action_ok = _matches(statement["Action"], "execute-api:Invoke", ignore_case=True)
    elif "NotAction" in statement:
        action_ok = not _matches(statement["NotAction"], "execute-api:Invoke", ignore_case=True)
    else:
        action_ok = False
    if not action_ok:
        return False
    if "Resource" in statement:
        return _matches(statement["Resource"], method_arn)
    if "NotResource" in statement:
        return not _matches(statement["NotResource"], method_arn)
    return False


def decision(policy: dict[str, Any], arn: str) -> str:
    """`deny` when a statement denies `execute-api:Invoke` on `arn` (an explicit Deny wins), `allow`
    when one allows it, else `none`. REST and HTTP API authorizer policies are both judged here."""
    allowed = False
    for statement in _statements(policy) or ():
        if not isinstance(statement, dict) or not _applies(statement, arn):
            continue
        effect = str(statement.get("Effect") or "").lower()
        if effect == "deny":
            return "deny"
        allowed = allowed or effect == "allow"
    return "allow" if allowed else "none"


def evaluate(policy: dict[str, Any], method_arn: str) -> None:
    """Raise ACCESS_DENIED unless a statement allows `execute-api:Invoke` on `method_arn` and none
    denies it."""
    verdict = decision(policy, method_arn)
    if verdict == "deny":
        raise GatewayError("ACCESS_DENIED", EXPLICIT_DENY)
    if verdict == "none":
        raise GatewayError("ACCESS_DENIED", NOT_ALLOWED)


# -- the cache ----------------------------------------------------------------------------------------


def _cache(gw: ApiGateway) -> OrderedDict[tuple[Any, ...], tuple[float, dict[str, Any]]]:
    cache: OrderedDict[tuple[Any, ...], tuple[float, dict[str, Any]]] = gw.runtime.setdefault(
        "authorizer_cache", OrderedDict()
    )
    return cache


def fingerprint(authorizer: dict[str, Any]) -> str:
    return hashlib.sha1(json.dumps(authorizer, sort_keys=True).encode(), usedforsecurity=False).hexdigest()


def ttl(authorizer: dict[str, Any]) -> int:
    value = authorizer.get("authorizerResultTtlInSeconds")
    return DEFAULT_TTL_S if value is None else int(value)


def _cached(gw: ApiGateway, key: tuple[Any, ...]) -> dict[str, Any] | None:
    cache = _cache(gw)
    entry = cache.get(key)
    if entry is None:
        return None
    expires, output = entry
    if gw.clock.now() >= expires:
        cache.pop(key, None)
        return None
    cache.move_to_end(key)
    return output


def _remember(gw: ApiGateway, key: tuple[Any, ...], output: dict[str, Any], seconds: int) -> None:
    cache = _cache(gw)
    cache[key] = (gw.clock.now() + seconds, output)
    cache.move_to_end(key)
    while len(cache) > CACHE_SIZE:
        cache.popitem(last=False)


# -- the entry point ----------------------------------------------------------------------------------


async def authorize(
    gw: ApiGateway,
    *,
    account: str,
    region: str,
    api_id: str,
    stage: str,
    authorizer: dict[str, Any],
    request: HttpRequest,
    method_arn: str,
    resource_path: str,
    path_params: dict[str, str],
    stage_variables: dict[str, str],
    request_context: dict[str, Any],
) -> AuthResult:
    """Run the method's authorizer for `request`; returns who the caller is, or raises GatewayError
    (UNAUTHORIZED, ACCESS_DENIED, AUTHORIZER_CONFIGURATION_ERROR, AUTHORIZER_FAILURE)."""
    kind = authorizer.get("type")
    if kind not in ("TOKEN", "REQUEST"):
        # COGNITO_USER_POOLS: there is no Cognito user pool service to validate tokens against.
        raise GatewayError("AUTHORIZER_CONFIGURATION_ERROR")
    headers = multi_headers(request)
    query = multi_query(request)
    seconds = ttl(authorizer)
    sources = identity_sources(authorizer)
    values = [identity_value(s, headers, query, stage_variables, request_context) for s in sources]
    if kind == "TOKEN":
        token = values[0] if values else None
        if not token:
            raise GatewayError("UNAUTHORIZED")
        expression = authorizer.get("identityValidationExpression")
        if expression and not _java_matches(expression, token):
            raise GatewayError("UNAUTHORIZED")
    elif seconds > 0 and (not sources or any(not v for v in values)):
        raise GatewayError("UNAUTHORIZED")
    key = (api_id, stage, authorizer.get("id"), fingerprint(authorizer), tuple(v or "" for v in values))
    output = _cached(gw, key) if seconds > 0 else None
    if output is None:
        if kind == "TOKEN":
            event = token_event(values[0] or "", method_arn)
        else:
            event = request_event(
                method_arn=method_arn,
                resource_path=resource_path,
                path=_path_without_stage(request_context, stage, request),
                http_method=request.method,
                headers=request.headers.items(),
                query=request.query.items(),
                path_params=path_params,
                stage_variables=stage_variables,
                request_context=request_context,
            )
        output = (await invoke(gw, authorizer, event)).output
        if seconds > 0:
            _remember(gw, key, output, seconds)
    evaluate(output["policyDocument"], method_arn)
    return AuthResult(
        principal_id=str(output.get("principalId")),
        context=dict(output.get("context") or {}),
        usage_identifier_key=output.get("usageIdentifierKey"),
    )


def _java_matches(expression: str, value: str) -> bool:
    """`identityValidationExpression` must match the whole token (Java's String.matches)."""
    try:
        return re.fullmatch(expression, value) is not None
    except re.error:
        return False


def _path_without_stage(request_context: dict[str, Any], stage: str, request: HttpRequest) -> str:
    path = str(request_context.get("path") or request.path)
    prefix = f"/{stage}"
    if path == prefix:
        return "/"
    return path[len(prefix) :] if path.startswith(prefix + "/") else path


def method_arn(
    region: str, account: str, api_id: str, stage: str, http_method: str, resource_path: str
) -> str:
    """`arn:aws:execute-api:{region}:{account}:{api}/{stage}/{METHOD}/{path without leading slash}`."""
    return (
        f"arn:aws:execute-api:{region}:{account}:{api_id}/{stage}/{http_method}/{resource_path.lstrip('/')}"
    )
