"""Intrinsic functions, conditions and template reading, without a server."""

from __future__ import annotations

import base64

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cloudlet.protocol.errors import ServiceError
from cloudlet.services.cloudformation import graph
from cloudlet.services.cloudformation.intrinsics import NO_VALUE, IntrinsicError, Resolver, references
from cloudlet.services.cloudformation.template import parse

PSEUDO = {
    "AWS::Region": "eu-west-1",
    "AWS::AccountId": "123456789012",
    "AWS::StackName": "app",
    "AWS::Partition": "aws",
    "AWS::URLSuffix": "amazonaws.com",
}


def resolver(**kwargs: object) -> Resolver:
    attributes = {("Q", "Arn"): "arn:aws:sqs:eu-west-1:123456789012:q", ("Q", "QueueName"): "q"}

    def getatt(name: str, attribute: str) -> object:
        if (name, attribute) not in attributes:
            raise IntrinsicError(f"resource {name} does not support attribute type {attribute} in Fn::GetAtt")
        return attributes[(name, attribute)]

    options: dict = {
        "parameters": {"Env": "prod", "Subnets": ["a", "b"]},
        "pseudo": PSEUDO,
        "ref": lambda name: f"ref-of-{name}",
        "getatt": getatt,
        "import_value": lambda name: f"import-{name}",
        "mappings": {"Sizes": {"prod": {"Memory": 512}, "dev": {"Memory": 128}}},
        "conditions": {
            "IsProd": {"Fn::Equals": [{"Ref": "Env"}, "prod"]},
            "IsDev": {"Fn::Not": [{"Condition": "IsProd"}]},
            "Both": {"Fn::And": [{"Condition": "IsProd"}, {"Fn::Or": [{"Condition": "IsDev"}, True]}]},
        },
    }
    options.update(kwargs)
    return Resolver(**options)  # type: ignore[arg-type]


def test_ref_getatt_and_pseudo_parameters():
    r = resolver()
    assert r.resolve({"Ref": "Env"}) == "prod"
    assert r.resolve({"Ref": "Q"}) == "ref-of-Q"
    assert r.resolve({"Ref": "AWS::Region"}) == "eu-west-1"
    assert r.resolve({"Fn::GetAtt": ["Q", "Arn"]}) == "arn:aws:sqs:eu-west-1:123456789012:q"
    assert r.resolve({"Fn::GetAtt": "Q.QueueName"}) == "q"
    with pytest.raises(IntrinsicError, match="does not support attribute type Nope"):
        r.resolve({"Fn::GetAtt": ["Q", "Nope"]})
    assert r.resolve({"A": {"Ref": "AWS::NoValue"}, "B": [1, {"Ref": "AWS::NoValue"}]}) == {"B": [1]}


def test_sub_both_forms_and_literals():
    r = resolver()
    assert r.resolve({"Fn::Sub": "${AWS::StackName}-${Env}-${Q.QueueName}"}) == "app-prod-q"
    assert r.resolve({"Fn::Sub": ["${X}/${Env}", {"X": {"Ref": "Q"}}]}) == "ref-of-Q/prod"
    assert r.resolve({"Fn::Sub": "${!Literal} and ${Env}"}) == "${Literal} and prod"
    assert r.resolve({"Fn::Sub": "arn:${AWS::Partition}:s3:::${Subnets}"}) == "arn:aws:s3:::a,b"


def test_join_select_split_and_friends():
    r = resolver()
    assert r.resolve({"Fn::Join": [",", {"Ref": "Subnets"}]}) == "a,b"
    assert r.resolve({"Fn::Select": ["1", {"Ref": "Subnets"}]}) == "b"
    with pytest.raises(IntrinsicError, match="nonexistent value at index 5"):
        r.resolve({"Fn::Select": [5, ["x"]]})
    assert r.resolve({"Fn::Split": ["|", "a|b||c"]}) == ["a", "b", "", "c"]
    assert r.resolve({"Fn::FindInMap": ["Sizes", {"Ref": "Env"}, "Memory"]}) == 512
    assert r.resolve({"Fn::FindInMap": ["Sizes", "test", "Memory", {"DefaultValue": 64}]}) == 64
    with pytest.raises(IntrinsicError, match="Unable to get mapping for Sizes::test::Memory"):
        r.resolve({"Fn::FindInMap": ["Sizes", "test", "Memory"]})
    assert r.resolve({"Fn::GetAZs": ""}) == ["eu-west-1a", "eu-west-1b", "eu-west-1c"]
    assert r.resolve({"Fn::Base64": "hi"}) == base64.b64encode(b"hi").decode()
    assert r.resolve({"Fn::ImportValue": {"Fn::Sub": "${Env}-url"}}) == "import-prod-url"
    assert r.resolve({"Fn::Cidr": ["10.0.0.0/16", 3, 8]}) == ["10.0.0.0/24", "10.0.1.0/24", "10.0.2.0/24"]
    assert r.resolve({"Fn::ToJsonString": {"a": [1, "b"]}}) == '{"a":[1,"b"]}'
    assert r.resolve({"Fn::Length": [1, 2, 3]}) == 3


def test_conditions():
    r = resolver()
    assert r.all_conditions() == {"IsProd": True, "IsDev": False, "Both": True}
    assert r.resolve({"Fn::If": ["IsDev", "small", {"Ref": "AWS::NoValue"}]}) is NO_VALUE
    assert r.resolve({"Fn::If": ["IsProd", "big", "small"]}) == "big"
    with pytest.raises(IntrinsicError, match="unresolved condition dependency Nope in Fn::If"):
        r.resolve({"Fn::If": ["Nope", 1, 2]})
    looping = resolver(conditions={"A": {"Condition": "B"}, "B": {"Condition": "A"}})
    with pytest.raises(IntrinsicError, match="Circular dependency between conditions"):
        looping.all_conditions()


_TEXT = st.text(alphabet=st.characters(blacklist_characters="${}", blacklist_categories=("Cs",)), max_size=20)


@given(st.lists(_TEXT, min_size=1, max_size=6), st.sampled_from([",", "|", "--", ";"]))
def test_join_then_split_round_trips(parts, delimiter):
    parts = [p.replace(delimiter, "") for p in parts]
    r = resolver()
    joined = r.resolve({"Fn::Join": [delimiter, parts]})
    assert joined == delimiter.join(parts)
    assert r.resolve({"Fn::Split": [delimiter, joined]}) == parts
    for index, part in enumerate(parts):
        assert r.resolve({"Fn::Select": [index, {"Fn::Split": [delimiter, joined]}]}) == part


@given(_TEXT, _TEXT)
def test_sub_leaves_plain_text_alone_and_substitutes_variables(left, right):
    r = resolver()
    assert r.resolve({"Fn::Sub": left}) == left
    assert r.resolve({"Fn::Sub": [f"{left}${{V}}{right}", {"V": "value"}]}) == f"{left}value{right}"
    assert r.resolve({"Fn::Sub": f"{left}${{!V}}{right}"}) == f"{left}${{V}}{right}"


def test_references_and_order():
    resources = {
        "C": {"Type": "T", "Properties": {"X": {"Fn::Sub": "${B.Arn}-${AWS::Region}"}}},
        "B": {"Type": "T", "Properties": {"X": {"Ref": "A"}}},
        "A": {"Type": "T"},
        "D": {"Type": "T", "DependsOn": ["A"]},
    }
    assert references(resources["C"]) == {"B", "AWS::Region"}
    assert graph.order(resources) == ["A", "B", "D", "C"]
    cyclic = {"A": {"Type": "T", "Properties": {"X": {"Ref": "B"}}}, "B": {"Type": "T", "DependsOn": "A"}}
    with pytest.raises(ServiceError, match=r"Circular dependency between resources: \[A, B\]"):
        graph.order(cyclic)


def test_yaml_short_forms_and_lines():
    template = parse(
        "Resources:\n"
        "  Q:\n"
        "    Type: AWS::SQS::Queue\n"
        "    Properties:\n"
        "      QueueName: !Sub '${AWS::StackName}-q'\n"
        "      Arn: !GetAtt Other.Arn\n"
        "      List: !Split [',', !Join [',', [a, b]]]\n"
        "      Choice: !If [C, !Ref X, !Base64 text]\n"
        "      Version: 2010-09-09\n"
    )
    props = template.body["Resources"]["Q"]["Properties"]
    assert props["QueueName"] == {"Fn::Sub": "${AWS::StackName}-q"}
    assert props["Arn"] == {"Fn::GetAtt": ["Other", "Arn"]}
    assert props["List"] == {"Fn::Split": [",", {"Fn::Join": [",", ["a", "b"]]}]}
    assert props["Choice"] == {"Fn::If": ["C", {"Ref": "X"}, {"Fn::Base64": "text"}]}
    assert props["Version"] == "2010-09-09"
    assert template.line("Resources", "Q") == 2
    assert template.line("Resources", "Q", "Properties", "Arn") == 6
    json_template = parse('{\n "Resources": {\n  "Q": {"Type": "AWS::SQS::Queue"}\n }\n}')
    assert json_template.format == "JSON" and json_template.line("Resources", "Q") == 3


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("Resources: [\n", "Template format error: YAML not well-formed"),
        ('{"Resources": ', "Template format error: JSON not well-formed. (line 1, column 15)"),
        ("- a\n- b\n", "Template format error: unsupported structure."),
        ("Resources: {}\nFoo: 1\n", "Template format error: Invalid template property or properties [Foo]"),
        ("Resources:\n  Q: !Bogus x\n", "Template format error: YAML not well-formed"),
    ],
)
def test_format_errors(text, message):
    with pytest.raises(ServiceError) as exc:
        parse(text)
    assert exc.value.code == "ValidationError"
    assert exc.value.message.startswith(message)
