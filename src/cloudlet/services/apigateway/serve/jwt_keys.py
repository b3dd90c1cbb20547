"""Signing keys of JWT issuers: OpenID discovery (`{issuer}/.well-known/openid-configuration` →
`jwks_uri`) and the JWKS it names, fetched over HTTP(S) off the event loop and kept for a while in
`gw.runtime["jwks"]` (a key id the cached set lacks triggers a refetch, at most every few seconds)."""

from __future__ import annotations

import asyncio
import http.client
import json
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

if TYPE_CHECKING:
    from cloudlet.services.apigateway.engine import ApiGateway

KEYS_TTL_S = 300.0
REFETCH_AFTER_S = 5.0
MAX_ISSUERS = 64
FETCH_TIMEOUT_S = 5.0
MAX_DOCUMENT_B = 1 << 20


class KeysUnavailable(Exception):
    """The issuer's keys could not be had (unreachable, not JSON, no `jwks_uri`)."""


def _get(url: str) -> Any:
    """GET `url` and parse its JSON (blocking)."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise KeysUnavailable(f"unsupported URL {url!r}")
    cls = http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
    conn = cls(parts.hostname, parts.port, timeout=FETCH_TIMEOUT_S)
    try:
        target = parts.path or "/"
        if parts.query:
            target += "?" + parts.query
        conn.request("GET", target, headers={"Accept": "application/json"})
        response = conn.getresponse()
        data = response.read(MAX_DOCUMENT_B)
        if response.status != 200:
            raise KeysUnavailable(f"{url} answered {response.status}")
        return json.loads(data)
    except (OSError, ValueError, http.client.HTTPException) as exc:
        raise KeysUnavailable(f"{url}: {exc}") from exc
    finally:
        conn.close()


def _fetch(issuer: str) -> list[dict[str, Any]]:
    discovery = _get(issuer.rstrip("/") + "/.well-known/openid-configuration")
    jwks_uri = discovery.get("jwks_uri") if isinstance(discovery, dict) else None
    if not isinstance(jwks_uri, str):
        raise KeysUnavailable(f"{issuer}: the discovery document has no jwks_uri")
    jwks = _get(jwks_uri)
    keys = jwks.get("keys") if isinstance(jwks, dict) else None
    if not isinstance(keys, list):
        raise KeysUnavailable(f"{jwks_uri}: not a JWK set")
    return [k for k in keys if isinstance(k, dict)]


async def key_for(gw: ApiGateway, issuer: str, kid: str | None) -> dict[str, Any] | None:
    """The JWK of `issuer` with key id `kid` (with no kid: the only key), or None when it has none.
    Raises KeysUnavailable when the keys cannot be fetched."""
    cache: dict[str, tuple[float, list[dict[str, Any]]]] = gw.runtime.setdefault("jwks", {})
    now = gw.clock.now()
    entry = cache.get(issuer)
    if entry is not None and now - entry[0] < KEYS_TTL_S:
        found = _pick(entry[1], kid)
        if found is not None or now - entry[0] < REFETCH_AFTER_S:
            return found
    keys = await asyncio.to_thread(_fetch, issuer)
    if len(cache) >= MAX_ISSUERS and issuer not in cache:
        cache.pop(next(iter(cache)))
    cache[issuer] = (gw.clock.now(), keys)
    return _pick(keys, kid)


def _pick(keys: list[dict[str, Any]], kid: str | None) -> dict[str, Any] | None:
    if kid is None:
        return keys[0] if len(keys) == 1 else None
    return next((k for k in keys if k.get("kid") == kid), None)
