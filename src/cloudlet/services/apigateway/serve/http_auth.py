"""Route authorization for HTTP APIs: JWT authorizers, Lambda (REQUEST) authorizers and AWS_IAM.

JWT: the token (identity source, `Bearer ` stripped) must be signed with an RSA algorithm by a key
(by `kid`) of the issuer's JWKS; `iss` must be the issuer; `aud` (or, without `aud`, `client_id`) one of
the audiences; `exp`, `nbf` and `iat` are checked against the clock; a route's `authorizationScopes`
want at least one of them in the `scope`/`scp` claim. Lambda: the identity sources must all be present
(else 401), then the function decides (simple `{"isAuthorized", "context"}` or an IAM policy for the
route's ARN); results are cached per identity for `authorizerResultTtlInSeconds`.
"""

from __future__ import annotations

import asyncio
import json
from typing import TYPE_CHECKING, Any

import jwt

from cloudlet.gateway.identity import account_for, credential_of
from cloudlet.services.apigateway.lambda_uris import function_of
from cloudlet.services.apigateway.serve import jwt_keys
from cloudlet.services.apigateway.serve.authorizers import decision as policy_decision
from cloudlet.services.apigateway.serve.http_event import (
    FORBIDDEN,
    INTERNAL,
    UNAUTHORIZED,
    Call,
    Refusal,
    authorizer_event,
    query_params,
    request_context,
)

if TYPE_CHECKING:
    from cloudlet.services.apigateway.engine import ApiGateway
    from cloudlet.services.apigateway.serve.http_routing import Route

RSA_ALGORITHMS = ("RS256", "RS384", "RS512", "PS256", "PS384", "PS512")
AUTHORIZER_TIMEOUT_S = 10.0
MAX_CACHED_RESULTS = 1000


def function_arn(uri: str) -> str:
    """The Lambda function an integration or authorizer URI names (its invocation ARN or the
    function ARN itself)."""
    return function_of(uri) or uri


async def authorize(gw: ApiGateway, call: Call, route: Route, authorizers: dict[str, Any]) -> None:
    """Check the route's authorization; sets `call.authorizer`. Raises Refusal."""
    doc = route.doc
    kind = doc.get("authorizationType") or "NONE"
    if kind == "NONE":
        return
    if kind == "AWS_IAM":
        _iam(gw, call)
        return
    authorizer = authorizers.get(doc.get("authorizerId") or "")
    if authorizer is None:
        raise Refusal(*INTERNAL)
    if kind == "JWT" or authorizer.get("authorizerType") == "JWT":
        await _jwt(gw, call, authorizer, doc.get("authorizationScopes") or [])
    else:
        await _lambda(gw, call, route, authorizer)


# -- identity sources ---------------------------------------------------------------------------------


def identity_value(call: Call, source: str) -> str | None:
    """The value of one identity source (`$request.header.X`, `$request.querystring.X`,
    `$context.X`, `$stageVariables.X`), None when absent or empty."""
    request = call.request
    value: str | None = None
    if source.startswith("$request.header."):
        value = request.headers.get(source[len("$request.header.") :])
    elif source.startswith("$request.querystring."):
        value = query_params(request.query_string).get(source[len("$request.querystring.") :])
    elif source.startswith("$stageVariables."):
        value = call.stage_variables.get(source[len("$stageVariables.") :])
    elif source.startswith("$context."):
        found: Any = request_context(call)
        for part in source[len("$context.") :].split("."):
            found = found.get(part) if isinstance(found, dict) else None
        value = None if found is None or isinstance(found, dict | list) else str(found)
    return value or None


# -- AWS_IAM ------------------------------------------------------------------------------------------


def _iam(gw: ApiGateway, call: Call) -> None:
    credential = credential_of(call.request)
    if credential is None:
        raise Refusal(*FORBIDDEN)
    key_id = credential.access_key_id
    account = account_for(key_id, gw.app.settings.account_id)
    call.authorizer = {
        "iam": {
            "accessKey": key_id,
            "accountId": account,
            "callerId": account,
            "cognitoIdentity": None,
            "principalOrgId": None,
            "userArn": f"arn:aws:iam::{account}:root",
            "userId": account,
        }
    }


# -- JWT ----------------------------------------------------------------------------------------------


def _invalid(description: str | None = None) -> Refusal:
    challenge = (
        "Bearer"
        if description is None
        else f'Bearer scope="" error="invalid_token" error_description="{description}"'
    )
    return Refusal(*UNAUTHORIZED, headers=[("www-authenticate", challenge)])


async def _jwt(gw: ApiGateway, call: Call, authorizer: dict[str, Any], scopes: list[str]) -> None:
    sources = authorizer.get("identitySource") or ["$request.header.Authorization"]
    token = identity_value(call, sources[0]) if sources else None
    if token is None:
        raise _invalid()
    if token[:7].lower() == "bearer ":
        token = token[7:].strip()
    config = authorizer.get("jwtConfiguration") or {}
    issuer = config.get("issuer") or ""
    audiences = config.get("audience") or []
    try:
        header = jwt.get_unverified_header(token)
    except jwt.PyJWTError:
        raise _invalid("token contains an invalid number of segments") from None
    algorithm = header.get("alg")
    if algorithm not in RSA_ALGORITHMS:
        raise _invalid(f"signing method {algorithm} is invalid")
    try:
        jwk = await jwt_keys.key_for(gw, issuer, header.get("kid"))
    except jwt_keys.KeysUnavailable:
        raise _invalid("unable to fetch the issuer's signing keys") from None
    if jwk is None:
        raise _invalid("the token's key id does not match a signing key of the issuer")
    try:
        key = jwt.PyJWK(jwk, algorithm).key
        claims = jwt.decode(
            token,
            key,
            algorithms=[algorithm],
            options={
                "verify_exp": False,
                "verify_nbf": False,
                "verify_iat": False,
                "verify_aud": False,
                "verify_iss": False,
            },
        )
    except jwt.PyJWTError:
        raise _invalid("crypto/rsa: verification error") from None
    now = gw.clock.now()
    if claims.get("iss") != issuer:
        raise _invalid("the token does not have a valid issuer")
    aud = claims.get("aud")
    given = [aud] if isinstance(aud, str) else aud if isinstance(aud, list) else None
    if given is None:
        given = [claims["client_id"]] if isinstance(claims.get("client_id"), str) else []
    if not any(a in audiences for a in given):
        raise _invalid("the token does not have a valid audience")
    exp = claims.get("exp")
    if not isinstance(exp, int | float) or exp <= now:
        raise _invalid("the token has expired")
    nbf = claims.get("nbf")
    if isinstance(nbf, int | float) and nbf > now:
        raise _invalid("the token is not valid yet")
    iat = claims.get("iat")
    if isinstance(iat, int | float) and iat > now + 60:
        raise _invalid("the token was issued in the future")
    held = _scopes(claims)
    if scopes and not any(s in held for s in scopes):
        raise Refusal(
            *FORBIDDEN,
            headers=[
                (
                    "www-authenticate",
                    f'Bearer scope="{" ".join(scopes)}" error="insufficient_scope" '
                    f'error_description="expected scopes: [{" ".join(scopes)}]"',
                )
            ],
        )
    flat = {name: _claim_text(value) for name, value in claims.items()}
    call.authorizer = {"jwt": {"claims": flat, "scopes": held or None}}
    call.authorizer_v1 = {"claims": flat, "scopes": held or None}


def _scopes(claims: dict[str, Any]) -> list[str]:
    for name in ("scope", "scp"):
        value = claims.get(name)
        if isinstance(value, str):
            return value.split()
        if isinstance(value, list):
            return [str(v) for v in value]
    return []


def _claim_text(value: Any) -> str:
    """Claims reach the integration as strings: arrays as `[a b]`."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return "[" + " ".join(_claim_text(v) for v in value) + "]"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dict):
        return json.dumps(value, separators=(",", ":"))
    return str(value)


# -- Lambda authorizers -------------------------------------------------------------------------------


def route_arn(call: Call) -> str:
    """`arn:aws:execute-api:<region>:<account>:<api>/<stage>/<METHOD>/<path>` (`$default` for the
    default route)."""
    if call.route_key == "$default":
        tail = "$default"
    else:
        path = call.raw_path
        if call.stage != "$default" and path.startswith(f"/{call.stage}"):
            path = path[len(call.stage) + 1 :] or "/"
        tail = f"{call.request.method}{path}"
    return f"arn:aws:execute-api:{call.region}:{call.account}:{call.api_id}/{call.stage}/{tail}"


async def _lambda(gw: ApiGateway, call: Call, route: Route, authorizer: dict[str, Any]) -> None:
    sources: list[str] = authorizer.get("identitySource") or []
    identity: list[str] = []
    for source in sources:
        value = identity_value(call, source)
        if value is None:
            raise Refusal(*UNAUTHORIZED)
        identity.append(value)
    arn = route_arn(call)
    ttl = int(authorizer.get("authorizerResultTtlInSeconds") or 0)
    cache: dict[tuple[Any, ...], tuple[float, dict[str, Any]]] = gw.runtime.setdefault(
        "authorizer_cache2", {}
    )
    key = (call.api_id, call.stage, authorizer.get("authorizerId"), tuple(identity))
    now = gw.clock.now()
    cached = cache.get(key) if ttl > 0 and identity else None
    if cached is not None and cached[0] > now:
        answer = cached[1]
    else:
        answer = await _invoke_authorizer(gw, call, authorizer, arn, identity)
        if ttl > 0 and identity:
            _remember(cache, key, (now + ttl, answer), now)
    _decide(call, authorizer, answer, arn)


def _remember(
    cache: dict[tuple[Any, ...], tuple[float, dict[str, Any]]],
    key: tuple[Any, ...],
    value: tuple[float, dict[str, Any]],
    now: float,
) -> None:
    if len(cache) >= MAX_CACHED_RESULTS:
        for stale in [k for k, (expires, _) in cache.items() if expires <= now]:
            del cache[stale]
        while len(cache) >= MAX_CACHED_RESULTS:
            cache.pop(next(iter(cache)))
    cache[key] = value


async def _invoke_authorizer(
    gw: ApiGateway, call: Call, authorizer: dict[str, Any], arn: str, identity: list[str]
) -> dict[str, Any]:
    from cloudlet.services.lambda_ import api as lambda_api

    if authorizer.get("authorizerPayloadFormatVersion") == "1.0":
        payload = _v1_event(call, arn, identity, authorizer.get("identitySource") or [])
    else:
        payload = authorizer_event(call, arn, identity)
    target = function_arn(authorizer.get("authorizerUri") or "")
    try:
        outcome = await asyncio.wait_for(
            lambda_api.invoke(gw.app, target, json.dumps(payload).encode()),
            AUTHORIZER_TIMEOUT_S,
        )
    except Exception:  # no such function, throttled, timed out: the authorizer failed
        raise Refusal(*INTERNAL) from None
    if outcome.outcome != "ok":
        raise Refusal(*INTERNAL)
    try:
        answer = json.loads(outcome.payload)
    except ValueError:
        raise Refusal(*INTERNAL) from None
    if not isinstance(answer, dict):
        raise Refusal(*INTERNAL)
    return answer


def _v1_event(call: Call, arn: str, identity: list[str], sources: list[str]) -> dict[str, Any]:
    """The payload format 1.0 authorizer event (the REST API REQUEST authorizer's shape)."""
    from cloudlet.services.apigateway.serve import http_integrations

    event = http_integrations.v1_proxy_event(call)
    for name in ("body", "isBase64Encoded"):
        event.pop(name, None)
    token = next(
        (v for s, v in zip(sources, identity, strict=False) if s.lower() == "$request.header.authorization"),
        None,
    )
    return {
        "version": "1.0",
        "type": "REQUEST",
        "methodArn": arn,
        "identitySource": ",".join(identity),
        "authorizationToken": token,
        **event,
    }


def _decide(call: Call, authorizer: dict[str, Any], answer: dict[str, Any], arn: str) -> None:
    context = answer.get("context")
    if context is not None and not isinstance(context, dict):
        raise Refusal(*INTERNAL)
    if authorizer.get("enableSimpleResponses") and "isAuthorized" in answer:
        allowed = answer.get("isAuthorized")
        if not isinstance(allowed, bool):
            raise Refusal(*INTERNAL)
        if not allowed:
            raise Refusal(*FORBIDDEN)
        call.authorizer = {"lambda": context or {}}
        call.authorizer_v1 = dict(context or {})
        return
    policy = answer.get("policyDocument")
    if not isinstance(policy, dict) or not answer.get("principalId"):
        raise Refusal(*INTERNAL)
    if policy_decision(policy, arn) != "allow":
        raise Refusal(*FORBIDDEN)
    call.authorizer = {"lambda": context or {}}
    call.authorizer_v1 = {**(context or {}), "principalId": answer["principalId"]}
