"""The input transformer without a server: JSON paths, template quoting, predefined variables, and
properties over generated events (eb-transform-target-input.html; AWS-recorded cases)."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from cloudlet.services.events.transform import MISSING, evaluate_path, event_json, render, render_template

EVENT: dict[str, Any] = {
    "version": "0",
    "id": "7bf73129-1428-4cd3-a780-95db273d1602",
    "detail-type": "EC2 Instance State-change Notification",
    "source": "aws.ec2",
    "account": "123456789012",
    "time": "2015-11-11T21:29:54Z",
    "region": "us-east-1",
    "resources": ["arn:aws:ec2:us-east-1:123456789012:instance/i-abcd1111"],
    "detail": {"instance-id": "i-0123456789", "state": "RUNNING", "count": 3, "tags": ["a", "b"]},
}
RULE_ARN = "arn:aws:events:us-east-1:123456789012:rule/example"
INGESTED = "2015-11-11T21:29:55.123Z"


def transformer(template: str, paths: dict[str, str] | None = None) -> dict[str, Any]:
    return {
        "Id": "t",
        "Arn": "arn",
        "InputTransformer": {"InputPathsMap": paths or {}, "InputTemplate": template},
    }


def out(target: dict[str, Any], event: dict[str, Any] = EVENT) -> str:
    return render(target, event, RULE_ARN, "example", INGESTED)


PATHS = {"instance": "$.detail.instance-id", "state": "$.detail.state"}


# -- paths ---------------------------------------------------------------------------------------------


def test_a_dot_path_selects_a_nested_value():
    assert evaluate_path(EVENT, "$.detail.instance-id") == "i-0123456789"


def test_the_root_path_selects_the_whole_event():
    assert evaluate_path(EVENT, "$") == EVENT


def test_an_array_index_selects_one_item():
    assert evaluate_path(EVENT, "$.resources[0]") == EVENT["resources"][0]


def test_a_wildcard_selects_every_item():
    assert evaluate_path(EVENT, "$.detail.tags[*]") == ["a", "b"]


def test_bracket_notation_names_a_member():
    assert evaluate_path(EVENT, "$['detail']['state']") == "RUNNING"


def test_a_path_to_nothing_is_missing():
    assert evaluate_path(EVENT, "$.detail.nope") is MISSING
    assert evaluate_path(EVENT, "$.resources[5]") is MISSING
    assert evaluate_path(EVENT, "detail") is MISSING


# -- Input and InputPath -----------------------------------------------------------------------------------


def test_no_input_setting_sends_the_event_as_compact_json():
    assert out({"Id": "t", "Arn": "arn"}) == json.dumps(EVENT, separators=(",", ":"))


def test_input_is_sent_verbatim():
    assert out({"Id": "t", "Arn": "arn", "Input": '{"fixed": true}'}) == '{"fixed": true}'


def test_input_path_sends_the_selected_object_as_json():
    assert json.loads(out({"Id": "t", "Arn": "arn", "InputPath": "$.detail"})) == EVENT["detail"]


def test_input_path_to_a_string_sends_a_json_string():
    # AWS-recorded: InputPath "$.detail.payload.sf_id" delivers "\"baz\"".
    assert out({"Id": "t", "Arn": "arn", "InputPath": "$.detail.state"}) == '"RUNNING"'


# -- templates -----------------------------------------------------------------------------------------


def test_a_text_template_keeps_its_quotes_and_inserts_raw_values():
    assert (
        out(transformer('"instance <instance> is in <state>"', PATHS))
        == '"instance i-0123456789 is in RUNNING"'
    )


def test_a_text_template_leaves_a_missing_value_empty():
    template = '"Event of <type> type, info <command>"'
    paths = {"type": "$.detail-type", "command": "$.detail.command"}
    assert (
        out(transformer(template, paths)) == '"Event of EC2 Instance State-change Notification type, info "'
    )


def test_a_text_template_starting_with_brace_characters_inside_quotes_is_text():
    assert out(transformer('"{[/Check <state>"', PATHS)) == '"{[/Check RUNNING"'


def test_a_json_template_quotes_string_values_outside_strings():
    result = json.loads(out(transformer('{"instance": <instance>, "state": <state>}', PATHS)))
    assert result == {"instance": "i-0123456789", "state": "RUNNING"}


def test_a_json_template_inserts_raw_text_inside_strings():
    template = '{"instanceStatus": "instance \\"<instance>\\" is in <state>"}'
    assert json.loads(out(transformer(template, PATHS))) == {
        "instanceStatus": 'instance "i-0123456789" is in RUNNING'
    }


def test_a_json_template_mixes_variables_and_constants():
    template = '{"instance" : <instance>, "state": [ 9, <state>, true ], "Transformed" : "Yes"}'
    assert (
        out(transformer(template, PATHS))
        == '{"instance":"i-0123456789","state":[9,"RUNNING",true],"Transformed":"Yes"}'
    )


def test_a_json_template_keeps_numbers_and_arrays_as_json():
    result = json.loads(
        out(transformer('{"n": <n>, "tags": <tags>}', {"n": "$.detail.count", "tags": "$.detail.tags"}))
    )
    assert result == {"n": 3, "tags": ["a", "b"]}


def test_a_json_template_makes_a_missing_quoted_value_empty_and_an_unquoted_one_null():
    result = json.loads(out(transformer('{"a": "<x>", "b": <x>}', {"x": "$.detail.nope"})))
    assert result == {"a": "", "b": None}


def test_predefined_rule_variables_fill_a_text_template():
    template = '"<aws.events.rule-arn> <aws.events.rule-name> <aws.events.event.ingestion-time>"'
    assert out(transformer(template)) == f'"{RULE_ARN} example {INGESTED}"'


def test_the_event_json_variable_is_the_whole_event():
    result = json.loads(out(transformer('{"original": <aws.events.event.json>}')))
    assert result == {"original": EVENT}


def test_the_event_variable_is_the_event_without_detail_in_aws_field_names():
    result = json.loads(out(transformer('{"original": <aws.events.event>}')))["original"]
    assert "detail" not in result
    assert result["detailType"] == EVENT["detail-type"]
    assert result["time"] == INGESTED
    assert result["id"] == EVENT["id"]


def test_an_undefined_placeholder_stays_as_written():
    assert render_template("a <b> c", {}) == "a <b> c"


# -- properties ------------------------------------------------------------------------------------------

json_leaf = st.one_of(st.none(), st.booleans(), st.integers(-(10**9), 10**9), st.text(max_size=20))
json_value = st.recursive(
    json_leaf,
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=12,
)
names = st.from_regex(r"[a-z][a-z0-9_\-]{0,8}", fullmatch=True)


@given(st.dictionaries(names, json_value, min_size=1, max_size=5))
def test_an_unquoted_json_template_round_trips_every_value(values):
    template = "{" + ", ".join(f'"{name}": <{name}>' for name in values) + "}"
    assert json.loads(render_template(template, values)) == values


@given(st.dictionaries(names, json_value, max_size=5))
def test_a_json_template_output_is_always_valid_minified_json_for_unquoted_values(values):
    template = "[" + ", ".join(f"<{name}>" for name in values) + "]"
    text = render_template(template, values)
    assert text == json.dumps(json.loads(text), separators=(",", ":"), ensure_ascii=False)


@given(json_value)
def test_input_path_dollar_sends_back_the_whole_document(document):
    event = {"detail": document}
    assert (
        json.loads(render({"Id": "t", "Arn": "a", "InputPath": "$.detail"}, event, "r", "n", "t")) == document
    )


@given(
    st.text(alphabet=st.characters(blacklist_characters="<>"), max_size=40).filter(
        lambda s: not s.lstrip().startswith(("{", "["))
    )
)
def test_a_text_template_without_placeholders_is_unchanged(template):
    assert render_template(template, {"x": 1}) == template


@given(st.dictionaries(st.text(max_size=6), json_value, max_size=4))
def test_the_default_payload_is_the_event_itself(detail):
    event = {**EVENT, "detail": detail}
    assert json.loads(render({"Id": "t", "Arn": "a"}, event, "r", "n", "t")) == event
    assert render({"Id": "t", "Arn": "a"}, event, "r", "n", "t") == event_json(event)
