"""Route selection of HTTP APIs (the compiled router on its own): the most specific route wins."""

from __future__ import annotations

from urllib.parse import quote

from hypothesis import given
from hypothesis import strategies as st

from cloudlet.services.apigateway.serve.http_routing import Router, compile_routes

SEGMENT = st.text(alphabet="abcxyz019-_. ~é", min_size=1, max_size=8)


def _router(*keys: str) -> Router:
    return compile_routes([{"routeKey": key, "routeId": key} for key in keys])


@given(st.lists(SEGMENT, min_size=1, max_size=4))
def test_specificity(segments: list[str]) -> None:
    path = "/" + "/".join(segments)
    raw = "/" + "/".join(quote(s, safe="") for s in segments)
    template = "/" + "/".join([*segments[:-1], "{last}"]) if len(segments) > 1 else "/{last}"
    greedy = "/" + "/".join([*segments[:1], "{proxy+}"]) if len(segments) > 1 else "/{proxy+}"
    router = _router(
        "$default", "ANY /{proxy+}", f"GET {greedy}", f"GET {template}", f"ANY {path}", f"GET {path}"
    )
    assert router.match("GET", raw)[0].route_key == f"GET {path}"
    assert router.match("POST", raw)[0].route_key == f"ANY {path}"
    router = _router("$default", "ANY /{proxy+}", f"GET {greedy}", f"GET {template}")
    route, params = router.match("GET", raw)
    assert (route.route_key, params) == (f"GET {template}", {"last": segments[-1]})
    router = _router("$default", "ANY /{proxy+}", f"GET {greedy}")
    route, params = router.match("GET", raw)
    if len(segments) > 1:
        assert (route.route_key, params) == (f"GET {greedy}", {"proxy": "/".join(segments[1:])})
    else:
        assert (route.route_key, params) == ("GET /{proxy+}", {"proxy": segments[0]})
    route, params = router.match("DELETE", raw)
    assert (route.route_key, params) == ("ANY /{proxy+}", {"proxy": path[1:]})
    assert router.match("GET", "/")[0].route_key == "$default"


def test_no_match_without_default() -> None:
    router = _router("GET /pets/{id}", "GET /pets/{id}/toys/{proxy+}")
    assert router.match("GET", "/pets") is None
    assert router.match("GET", "/pets/") is None
    assert router.match("POST", "/pets/1") is None
    assert router.match("GET", "/pets/1/toys/") is None
    assert router.match("GET", "/Pets/1") is None  # paths are case-sensitive
    matched = router.match("GET", "/pets/1/toys/a/b")
    assert matched is not None and matched[1] == {"id": "1", "proxy": "a/b"}
