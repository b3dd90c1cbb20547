"""Mapping templates: `$input`, `$util`, `$context`, `$stageVariables`, Velocity directives and Java-like
values, rendered the way API Gateway renders them."""

from __future__ import annotations

import base64
import json
import re
from typing import Any
from urllib.parse import unquote_plus

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cloudlet.services.apigateway.serve import vtl
from cloudlet.services.apigateway.serve.vtl import Input, InvalidJsonBody, TemplateError, render

BODY = {
    "name": "Ann O'Neil",
    "age": 42,
    "ratio": 1.5,
    "active": True,
    "nothing": None,
    "tags": ["a", "b", "c"],
    "address": {"city": "Oslo", "zip": "0150"},
    "orders": [{"id": 1, "total": 9.5}, {"id": 2, "total": 20}],
}


def run(
    template: str,
    body: Any = BODY,
    *,
    path: dict[str, str] | None = None,
    query: dict[str, list[str]] | None = None,
    header: dict[str, list[str]] | None = None,
    context: dict[str, Any] | None = None,
    stage_variables: dict[str, str] | None = None,
) -> str:
    text = body if isinstance(body, str) else json.dumps(body)
    inp = Input(body=text, path=path or {}, querystring=query or {}, header=header or {})
    return render(template, inp, context or {}, stage_variables or {}).text


# -- $input.json / $input.path / $input.body ---------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("$", json.dumps(BODY, separators=(",", ":"))),
        ("$.name", '"Ann O\'Neil"'),
        ("$.age", "42"),
        ("$.active", "true"),
        ("$.nothing", "null"),
        ("$.address", '{"city":"Oslo","zip":"0150"}'),
        ("$.tags[0]", '"a"'),
        ("$.tags[-1]", '"c"'),
        ("$['address']['city']", '"Oslo"'),
        ('$["address"].zip', '"0150"'),
        ("$.orders[*].id", "[1,2]"),
        ("$.orders[1:].total", "[20]"),
        ("$..city", '["Oslo"]'),
        ("$.tags[0,2]", '["a","c"]'),
        ("$.address.*", '["Oslo","0150"]'),
        ("address.city", '"Oslo"'),
        ("$.missing", ""),
        ("$.tags[9]", ""),
        ("$.missing[*]", "[]"),
    ],
)
def test_input_json_selects_json_text(path: str, expected: str) -> None:
    quoted = f'"{path}"' if "'" in path else f"'{path}'"
    assert run(f"$input.json({quoted})") == expected


def test_input_json_of_an_empty_body_is_an_empty_object() -> None:
    assert run("$input.json('$')", "") == "{}"
    assert run("[$input.path('$').size()]", "") == "[0]"


def test_input_path_gives_objects_usable_in_the_template() -> None:
    template = (
        "$input.path('$.name')|$input.path('$.age')|$input.path('$.active')|$input.path('$.address')|"
        "$input.path('$.tags')|$input.path('$.tags').size()|$input.path('$.address').city|"
        "$input.path('$.orders')[1].total|$input.path('$.missing')|$input.path('$.ratio')"
    )
    assert run(template) == "Ann O'Neil|42|true|{city=Oslo, zip=0150}|[a, b, c]|3|Oslo|20||1.5"


def test_input_body_is_the_raw_text() -> None:
    assert run("<$input.body>", "not json at all") == "<not json at all>"


def test_reading_a_body_that_is_not_json_as_json_fails_like_aws() -> None:
    with pytest.raises(InvalidJsonBody) as info:
        run("$input.json('$')", "hello")
    assert str(info.value).startswith("Could not parse request body into json: ")
    assert "Unrecognized token 'hello'" in str(info.value)


def test_filters_are_a_template_error() -> None:
    with pytest.raises(TemplateError):
        run("$input.json('$.orders[?(@.id > 1)]')")


# -- $input.params -----------------------------------------------------------------------------------


PARAMS = {
    "path": {"id": "7", "shared": "from-path"},
    "query": {"q": ["x", "y"], "shared": ["from-query"], "page": ["2"]},
    "header": {"X-Trace": ["t1"], "Content-Type": ["application/json"], "shared": ["from-header"]},
}


def params_run(template: str) -> str:
    return run(template, path=PARAMS["path"], query=PARAMS["query"], header=PARAMS["header"])  # type: ignore[arg-type]


def test_input_params_by_name_looks_in_path_then_query_then_header() -> None:
    assert params_run("$input.params('id')") == "7"
    assert params_run("$input.params('shared')") == "from-path"
    assert params_run("$input.params('page')") == "2"
    assert params_run("$input.params('X-Trace')") == "t1"
    assert params_run("[$input.params('absent')]") == "[]"
    assert params_run("#if($input.params('absent') == '')empty#end") == "empty"


def test_input_params_map_prints_and_iterates_like_a_java_map() -> None:
    assert params_run("$input.params().path") == "{id=7, shared=from-path}"
    assert params_run("$input.params().header.get('Content-Type')") == "application/json"
    assert params_run("[$input.params().header.get('content-type')]") == "[]"  # Java map: exact names
    assert params_run("$input.params().keySet()") == "[path, querystring, header]"
    template = (
        "#set($all = $input.params())"
        "{#foreach($type in $all.keySet())#set($p = $all.get($type))"
        '"$type":{#foreach($name in $p.keySet())"$name":"$util.escapeJavaScript($p.get($name))"'
        "#if($foreach.hasNext),#end#end}#if($foreach.hasNext),#end#end}"
    )
    assert json.loads(params_run(template)) == {
        "path": {"id": "7", "shared": "from-path"},
        "querystring": {"q": "y", "shared": "from-query", "page": "2"},
        "header": {"X-Trace": "t1", "Content-Type": "application/json", "shared": "from-header"},
    }


# -- $context, $stageVariables, overrides ------------------------------------------------------------


def test_context_and_stage_variables() -> None:
    context = {
        "requestId": "r-1",
        "identity": {"sourceIp": "192.0.2.1", "apiKey": None},
        "authorizer": {"principalId": "user-1", "claims": {"email": "a@example.com"}},
    }
    template = (
        "$context.requestId $context.identity.sourceIp [$context.identity.apiKey] "
        "$context.authorizer.principalId $context.authorizer.claims.email $stageVariables.env "
        "${stageVariables.env}-x [$stageVariables.none]"
    )
    out = run(template, context=context, stage_variables={"env": "prod"})
    assert out == "r-1 192.0.2.1 [] user-1 a@example.com prod prod-x []"


def test_the_callers_context_is_not_modified() -> None:
    context = {"identity": {"sourceIp": "1.2.3.4"}}
    run("#set($context.identity.sourceIp = 'x')", context=context)
    assert context == {"identity": {"sourceIp": "1.2.3.4"}}


def test_request_and_response_overrides() -> None:
    template = (
        "#set($context.requestOverride.header.XCustom = 'v1')"
        "#set($context.requestOverride.querystring.limit = 10)"
        "#set($context.requestOverride.path.id = $input.path('$.age'))"
        "#set($context.responseOverride.status = 418)"
        '#set($context.responseOverride.header.XReason = "teapot")'
        "body"
    )
    rendered = render(template, Input(body=json.dumps(BODY)), {}, {})
    assert rendered.text == "body"
    assert rendered.request_override == {
        "header": {"XCustom": "v1"},
        "querystring": {"limit": "10"},
        "path": {"id": "42"},
    }
    assert rendered.response_override == {"status": 418, "header": {"XReason": "teapot"}}


def test_no_overrides_by_default() -> None:
    rendered = render("x", Input(body=""), {}, {})
    assert rendered.request_override == {"header": {}, "querystring": {}, "path": {}}
    assert rendered.response_override == {"status": None, "header": {}}


# -- Velocity ----------------------------------------------------------------------------------------


def test_set_if_elseif_else() -> None:
    template = (
        "#set($age = $input.path('$.age'))"
        "#if($age > 50)old#elseif($age > 40)middle#else young#end"
        "#if($input.path('$.active')) active#end"
        "#if(!$input.path('$.missing')) none#end"
        "#if($input.path('$.active') == true) t#end"
    )
    assert run(template) == "middle active none t"


def test_foreach_with_has_next_and_velocity_variables() -> None:
    template = (
        "[#foreach($o in $input.path('$.orders'))"
        '{"id":$o.id,"n":$foreach.count,"i":$foreach.index}#if($foreach.hasNext),#end'
        "#end]"
        "#foreach($t in $input.path('$.tags'))$t#if($velocityHasNext)-#end#end"
    )
    first, _, second = run(template).partition("]")
    assert json.loads(first + "]") == [{"id": 1, "n": 1, "i": 0}, {"id": 2, "n": 2, "i": 1}]
    assert second == "a-b-c"


def test_map_and_list_methods() -> None:
    template = (
        "#set($a = $input.path('$.address'))"
        "$a.size() $a.keySet() $a.containsKey('city') $a.containsKey('x') $a.get('zip') $a.isEmpty() "
        "#foreach($e in $a.entrySet())$e.key=$e.value;#end "
        "#set($tags = $input.path('$.tags'))$tags.contains('b') $tags.get(2) $tags.indexOf('c') "
        "#set($m = {})#set($ignored = $m.put('k', 'v'))$m.size() $m.containsKey('k') "
        "#set($l = [])#set($ignored = $l.add(1))$l.size() $l.isEmpty()"
    )
    assert run(template) == "2 [city, zip] true false 0150 false city=Oslo;zip=0150; true c 2 1 true 1 false"


def test_python_dict_methods_are_not_map_members() -> None:
    body = {"items": None, "keys": [1], "data": {"x": 1}}
    assert run("[$input.path('$').items][$input.path('$').keys][$input.path('$.data').values()]", body) == (
        "[][[1]][[1]]"
    )
    assert run("#foreach($i in $input.path('$').items)x#end-$input.path('$').copy", body) == "-"


def test_string_methods() -> None:
    template = (
        "#set($s = $input.path('$.name'))"
        "$s.length() $s.toUpperCase() $s.toLowerCase() $s.substring(0, 3) $s.indexOf('O') "
        "$s.replace(\"'\", '') $s.startsWith('Ann') $s.endsWith('x') $s.contains('Neil') "
        "$s.equalsIgnoreCase(\"ANN O'NEIL\") $s.matches('A.*l') $s.replaceAll('[aeiou]', '_') "
        "#set($p = '  pad  ')[$p.trim()] $p.isEmpty() $s.split(' ').size() $s.charAt(0) "
        "$input.params('csv').split(',').size() $input.params('csv').split('[,b]').size()"
    )
    assert run(template, query={"csv": ["a,b,,"]}) == (
        "10 ANN O'NEIL ann o'neil Ann 4 Ann ONeil true false true true true Ann O'N__l [pad] false 2 A 2 1"
    )


def test_references_to_nothing_render_empty() -> None:
    assert run("[$nothing][${nothing}][$!nothing][$input.path('$.nothing')][$context.none.deeper]") == (
        "[][][][][]"
    )


def test_escaped_references_and_comments() -> None:
    assert run("## a comment\n#* block *#\\$input.body costs $5") == "$input.body costs $5"


def test_booleans_print_as_java_does() -> None:
    template = "#set($t = true)#set($f = 1 > 2)$t $f #set($context.flag = false)$context.flag"
    assert run(template) == "true false false"


def test_syntax_errors_are_template_errors() -> None:
    with pytest.raises(TemplateError):
        run("#if($x")
    with pytest.raises(TemplateError):
        run("#foreach($x in $input.path('$.tags'))")


def test_runtime_errors_are_template_errors() -> None:
    with pytest.raises(TemplateError):
        run("$input.path('$.name').substring(50)")


def test_templates_are_compiled_once() -> None:
    template = "$input.path('$.age') compiled"
    run(template)
    hits = vtl._compile.cache_info().hits
    assert run(template) == "42 compiled"
    assert vtl._compile.cache_info().hits == hits + 1


# -- $util -------------------------------------------------------------------------------------------


def test_util_functions() -> None:
    template = (
        "$util.escapeJavaScript($input.path('$.name'))|$util.urlEncode('a b&c=d/é~*')|"
        "$util.urlDecode('a+b%26c')|$util.base64Encode('héllo')|$util.base64Decode('aMOpbGxv')|"
        "#set($doc = $util.parseJson($input.json('$.address')))$doc.city|"
        "$util.parseJson('[1,true,null]')|$util.escapeJavaScript('say \"hi\"\n\t</b>')"
    )
    assert run(template) == (
        "Ann O\\'Neil|a+b%26c%3Dd%2F%C3%A9%7E*|a b&c|aMOpbGxv|héllo|Oslo|[1, true, null]|"
        'say \\"hi\\"\\n\\t<\\/b>'
    )


def test_escape_javascript_escapes_outside_ascii_as_utf16_units() -> None:
    assert vtl.escape_javascript("é\u2028\x01\x7f😀") == "\\u00E9\\u2028\\u0001\x7f\\uD83D\\uDE00"


def test_util_errors() -> None:
    with pytest.raises(TemplateError):
        run("$util.parseJson('{nope')")
    with pytest.raises(TemplateError):
        run("$util.base64Decode('***')")


def _js_unescape(text: str) -> str:
    """Undo JavaScript string escapes (the inverse the property test checks against)."""
    simple = {"b": "\b", "n": "\n", "t": "\t", "f": "\f", "r": "\r", "'": "'", '"': '"', "\\": "\\", "/": "/"}

    def one(match: re.Match[str]) -> str:
        code = match.group(1)
        return simple[code] if len(code) == 1 else chr(int(code[1:], 16))

    return re.sub(r"\\(u[0-9A-F]{4}|.)", one, text).encode("utf-16", "surrogatepass").decode("utf-16")


@given(st.text())
def test_escape_javascript_round_trips(text: str) -> None:
    escaped = vtl.escape_javascript(text)
    assert all(32 <= ord(ch) <= 0x7F for ch in escaped)
    assert "'" not in escaped.replace("\\'", "")
    assert _js_unescape(escaped) == text


@given(st.text())
def test_url_encode_round_trips_and_is_java_urlencoder(text: str) -> None:
    encoded = vtl.url_encode(text)
    assert re.fullmatch(r"[A-Za-z0-9.\-*_+%]*", encoded)
    assert unquote_plus(encoded) == text
    assert run("$util.urlDecode($util.urlEncode($input.body))", text) == text


@given(st.text())
def test_base64_round_trips(text: str) -> None:
    encoded = run("$util.base64Encode($input.body)", text)
    assert base64.b64decode(encoded).decode() == text
    assert run("$util.base64Decode($util.base64Encode($input.body))", text) == text
