"""`cloudlet deploy`'s template preparation: local paths rewritten, everything else (short forms, comments,
Transform, line numbers) kept as written."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import pytest
import yaml

from cloudlet.cli.deploy_template import (
    TemplateError,
    _ShortFormLoader,
    default_stack_name,
    find_template,
    load_document,
    prepare,
    zip_folder,
)

SAM = """\
AWSTemplateFormatVersion: '2010-09-09'
Transform: AWS::Serverless-2016-10-31   # the SAM transform
Description: test app
Parameters:
  Stage:
    Type: String
    Default: dev
  Size: {Type: Number, Default: 1}
Globals:
  Function:
    Runtime: python3.12
    CodeUri: ./shared
Resources:
  Hello:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: ./src/hello   # local code
      Handler: app.handler
      Environment:
        Variables:
          QUEUE: !Ref Queue
          ARN: !GetAtt Queue.Arn
  Remote:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: s3://bucket/key.zip
      Handler: app.handler
  Subbed:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: !Sub "${Stage}/code"
      Handler: app.handler
  Inline:
    Type: AWS::Serverless::Function
    Properties:
      InlineCode: "def handler(e, c): return 1"
      Handler: index.handler
  Queue:
    Type: AWS::SQS::Queue
Outputs:
  Url:
    Value: !Sub "https://${ServerlessRestApi}.execute-api.${AWS::Region}.amazonaws.com/Prod/"
"""


class Uploads:
    def __init__(self) -> None:
        self.objects: list[tuple[bytes, str]] = []

    def __call__(self, data: bytes, suffix: str) -> tuple[str, str]:
        self.objects.append((data, suffix))
        return "artifacts", f"k{len(self.objects)}{suffix}"


def _app(tmp_path: Path, template: str = SAM, name: str = "template.yaml") -> Path:
    (tmp_path / "src" / "hello").mkdir(parents=True)
    (tmp_path / "src" / "hello" / "app.py").write_text("def handler(event, context):\n    return 1\n")
    (tmp_path / "shared").mkdir()
    (tmp_path / "shared" / "x.py").write_text("X = 1\n")
    (tmp_path / name).write_text(template)
    return tmp_path / name


def test_find_template_in_a_folder_and_default_stack_name(tmp_path: Path):
    app = tmp_path / "my_app"
    app.mkdir()
    with pytest.raises(TemplateError, match=r"no template in .*template\.yaml"):
        find_template(app)
    (app / "template.yml").write_text("Resources: {}\n")
    assert find_template(app) == app / "template.yml"
    assert find_template(app / "template.yml") == app / "template.yml"
    assert default_stack_name(app / "template.yml") == "my-app"
    assert default_stack_name(tmp_path / "1x" / "t.yaml") == "stack-1x"
    with pytest.raises(TemplateError, match="no such template"):
        find_template(tmp_path / "nope.yaml")


def test_local_code_runs_in_place_and_the_rest_is_kept_line_for_line(tmp_path: Path):
    template = _app(tmp_path)
    uploads = Uploads()
    prepared = prepare(template, hot_reload=True, upload=uploads)
    assert uploads.objects == []
    assert prepared.parameter_names == ["Stage", "Size"]
    before, after = SAM.splitlines(), prepared.body.splitlines()
    assert len(before) == len(after)
    changed = [i for i, (a, b) in enumerate(zip(before, after, strict=True)) if a != b]
    assert [before[i].strip() for i in changed] == [
        "CodeUri: ./shared",
        "CodeUri: ./src/hello   # local code",
    ]
    assert after[changed[1]].endswith("# local code")  # comments stay
    document = load_document_text(prepared.body)
    hello = document["Resources"]["Hello"]["Properties"]
    assert hello["CodeUri"] == {"Bucket": "hot-reload", "Key": str(tmp_path / "src" / "hello")}
    assert hello["Environment"]["Variables"] == {
        "QUEUE": {"Ref": "Queue"},
        "ARN": {"Fn::GetAtt": ["Queue", "Arn"]},
    }
    assert document["Globals"]["Function"]["CodeUri"] == {
        "Bucket": "hot-reload",
        "Key": str(tmp_path / "shared"),
    }
    assert document["Resources"]["Remote"]["Properties"]["CodeUri"] == "s3://bucket/key.zip"
    assert document["Resources"]["Subbed"]["Properties"]["CodeUri"] == {"Fn::Sub": "${Stage}/code"}
    assert "InlineCode" in document["Resources"]["Inline"]["Properties"]
    assert document["Transform"] == "AWS::Serverless-2016-10-31"
    assert "!Sub" in prepared.body and "!GetAtt Queue.Arn" in prepared.body  # short forms sent as written
    assert any("hot reload" in note for note in prepared.rewritten)


def test_no_hot_reload_uploads_a_zip_that_is_the_same_for_the_same_files(tmp_path: Path):
    template = _app(tmp_path)
    uploads = Uploads()
    prepared = prepare(template, hot_reload=False, upload=uploads)
    assert len(uploads.objects) == 2
    names = sorted(zipfile.ZipFile(io.BytesIO(data)).namelist()[0] for data, _ in uploads.objects)
    assert names == ["app.py", "x.py"]
    hello = load_document_text(prepared.body)["Resources"]["Hello"]["Properties"]
    assert hello["CodeUri"]["Bucket"] == "artifacts"
    (tmp_path / "src" / "hello" / "__pycache__").mkdir()
    (tmp_path / "src" / "hello" / "__pycache__" / "app.pyc").write_bytes(b"x")
    assert zip_folder(tmp_path / "src" / "hello") == zip_folder(tmp_path / "src" / "hello")
    assert zip_folder(tmp_path / "src" / "hello") in [data for data, _ in uploads.objects]


def test_lambda_code_layers_and_openapi_definitions(tmp_path: Path):
    (tmp_path / "fn").mkdir()
    (tmp_path / "fn" / "index.py").write_text("def handler(e, c):\n    return 1\n")
    (tmp_path / "layer" / "python").mkdir(parents=True)
    (tmp_path / "layer" / "python" / "lib.py").write_text("V = 2\n")
    (tmp_path / "openapi.yaml").write_text(
        "swagger: 2.0\ninfo: {title: t, version: 2024-01-01}\npaths:\n  /x:\n    get:\n"
        "      x-amazon-apigateway-integration:\n        uri: !Sub arn:aws:apigateway:${AWS::Region}:x\n"
    )
    template = tmp_path / "stack.yaml"
    template.write_text(
        "Resources:\n"
        "  Fn:\n    Type: AWS::Lambda::Function\n    Properties:\n      Code: fn\n"
        "      Handler: index.handler\n"
        "  Layer:\n    Type: AWS::Serverless::LayerVersion\n    Properties:\n      ContentUri: ./layer\n"
        "  CfnLayer:\n    Type: AWS::Lambda::LayerVersion\n    Properties:\n      Content: ./layer\n"
        "  Api:\n    Type: AWS::Serverless::Api\n    Properties:\n      StageName: Prod\n"
        "      DefinitionUri: openapi.yaml\n"
    )
    uploads = Uploads()
    prepared = prepare(template, hot_reload=True, upload=uploads)
    resources = load_document_text(prepared.body)["Resources"]
    assert resources["Fn"]["Properties"]["Code"] == {"S3Bucket": "hot-reload", "S3Key": str(tmp_path / "fn")}
    assert resources["Layer"]["Properties"]["ContentUri"] == {"Bucket": "artifacts", "Key": "k1.zip"}
    assert resources["CfnLayer"]["Properties"]["Content"] == {"S3Bucket": "artifacts", "S3Key": "k2.zip"}
    assert zipfile.ZipFile(io.BytesIO(uploads.objects[0][0])).namelist() == ["python/lib.py"]
    api = resources["Api"]["Properties"]
    assert "DefinitionUri" not in api
    body = api["DefinitionBody"]
    assert body["swagger"] == "2.0"
    assert body["info"]["version"] == "2024-01-01"
    uri = body["paths"]["/x"]["get"]["x-amazon-apigateway-integration"]["uri"]
    assert uri == {"Fn::Sub": "arn:aws:apigateway:${AWS::Region}:x"}
    assert len(prepared.body.splitlines()) == len(template.read_text().splitlines())


def test_a_missing_local_path_names_the_resource_and_line(tmp_path: Path):
    template = tmp_path / "template.yaml"
    template.write_text(
        "Transform: AWS::Serverless-2016-10-31\nResources:\n  Fn:\n    Type: AWS::Serverless::Function\n"
        "    Properties:\n      Handler: a.b\n      Runtime: python3.12\n      CodeUri: ./missing\n"
    )
    with pytest.raises(TemplateError) as caught:
        prepare(template, hot_reload=True, upload=Uploads())
    assert "CodeUri of Resources.Fn (line 8)" in str(caught.value)
    assert str(tmp_path / "missing") in str(caught.value)


def test_json_templates_yaml_cannot_read_are_rewritten_as_json(tmp_path: Path):
    document = {
        "Parameters": {"P": {"Type": "String"}},
        "Resources": {
            "Fn": {
                "Type": "AWS::Lambda::Function",
                "Properties": {
                    "Code": "./src/hello",
                    "Handler": "app.handler",
                    "Role": {"Fn::GetAtt": ["R", "Arn"]},
                },
            }
        },
    }
    template = _app(tmp_path, json.dumps(document, indent="\t"), "template.json")
    prepared = prepare(template, hot_reload=True, upload=Uploads())
    result = json.loads(prepared.body)
    assert result["Resources"]["Fn"]["Properties"]["Code"] == {
        "S3Bucket": "hot-reload",
        "S3Key": str(tmp_path / "src" / "hello"),
    }
    assert result["Resources"]["Fn"]["Properties"]["Role"] == {"Fn::GetAtt": ["R", "Arn"]}
    assert prepared.parameter_names == ["P"]
    # JSON PyYAML can read is edited in place like YAML, and stays JSON
    (tmp_path / "template.json").write_text(json.dumps(document, indent=2))
    spliced = prepare(tmp_path / "template.json", hot_reload=True, upload=Uploads())
    assert json.loads(spliced.body) == result


def test_bad_yaml_is_reported(tmp_path: Path):
    template = tmp_path / "template.yaml"
    template.write_text("Resources: [\n")
    with pytest.raises(TemplateError, match="not valid YAML"):
        prepare(template, hot_reload=True, upload=Uploads())


def load_document_text(text: str) -> dict:
    """The template as the server reads it: short forms as their long forms."""
    return yaml.load(text, Loader=_ShortFormLoader)


def test_load_document_reads_json_and_short_forms(tmp_path: Path):
    (tmp_path / "a.json").write_text('{"openapi": "3.0.1", "x": {"Fn::Sub": "${A}"}}')
    assert load_document(tmp_path / "a.json") == {"openapi": "3.0.1", "x": {"Fn::Sub": "${A}"}}
    (tmp_path / "b.yaml").write_text(
        "a: !If [C, !Ref X, !Ref AWS::NoValue]\nb: !Condition C\nc: !GetAZs ''\n"
    )
    assert load_document(tmp_path / "b.yaml") == {
        "a": {"Fn::If": ["C", {"Ref": "X"}, {"Ref": "AWS::NoValue"}]},
        "b": {"Condition": "C"},
        "c": {"Fn::GetAZs": ""},
    }
