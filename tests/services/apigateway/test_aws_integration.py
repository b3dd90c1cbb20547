"""AWS integrations: service calls (SQS, SNS, DynamoDB, EventBridge) and Lambda non-proxy invocations,
made by `aws_integration.call` on the running server's event loop against its real services."""

from __future__ import annotations

import asyncio
import hashlib
import json
from collections.abc import Callable
from typing import Any

import pytest

from cloudlet.services.apigateway.engine import state
from cloudlet.services.apigateway.serve import aws_integration
from tests.services.apigateway.conftest import ACCOUNT, REGION, lambda_uri

FORM = {"Content-Type": "application/x-www-form-urlencoded"}


@pytest.fixture
def call(cloudlet: Any) -> Callable[..., aws_integration.IntegrationResult]:
    """Run `aws_integration.call` on the server's loop (where the App's services run)."""

    def run(
        uri: str,
        *,
        body: bytes | str = b"",
        headers: dict[str, str] | None = None,
        query: dict[str, list[str]] | None = None,
        path_params: dict[str, str] | None = None,
        stage_variables: dict[str, str] | None = None,
        http_method: str = "POST",
    ) -> aws_integration.IntegrationResult:
        gw = state(cloudlet.app)
        coro = aws_integration.call(
            gw,
            account=ACCOUNT,
            region=REGION,
            integration={"type": "AWS", "httpMethod": http_method, "uri": uri},
            body=body.encode() if isinstance(body, str) else body,
            headers=headers or {},
            query=query or {},
            path_params=path_params or {},
            stage_variables=stage_variables or {},
            request_id="11111111-2222-3333-4444-555555555555",
        )
        return asyncio.run_coroutine_threadsafe(coro, cloudlet._loop).result(30)

    return run


def test_sqs_action_send_message_answers_aws_json(call: Any, sqs: Any) -> None:
    url = sqs.create_queue(QueueName="orders")["QueueUrl"]
    result = call(
        f"arn:aws:apigateway:{REGION}:sqs:action/SendMessage",
        query={"QueueUrl": [url], "MessageBody": ["hello & goodbye"]},
    )
    assert result.status == 200
    assert dict((k.lower(), v) for k, v in result.headers)["content-type"] == "application/json"
    answer = json.loads(result.body)["SendMessageResponse"]
    sent = answer["SendMessageResult"]
    assert sent["MessageId"]
    assert sent["MD5OfMessageBody"] == hashlib.md5(b"hello & goodbye").hexdigest()
    assert sent["SequenceNumber"] is None  # absent members are null, as in AWS's JSON
    assert answer["ResponseMetadata"]["RequestId"]
    messages = sqs.receive_message(QueueUrl=url)["Messages"]
    assert [m["Body"] for m in messages] == ["hello & goodbye"]
    assert messages[0]["MessageId"] == sent["MessageId"]


def test_sqs_path_form_with_a_form_body_and_stage_variables(call: Any, sqs: Any) -> None:
    url = sqs.create_queue(QueueName="jobs")["QueueUrl"]
    result = call(
        f"arn:aws:apigateway:{REGION}:sqs:path/{{account}}/${{stageVariables.queue}}",
        body="Action=SendMessage&MessageBody=%7B%22job%22%3A1%7D",
        headers=FORM,
        path_params={"account": ACCOUNT},
        stage_variables={"queue": "jobs"},
    )
    assert result.status == 200, result.body
    assert "SendMessageResponse" in json.loads(result.body)
    messages = sqs.receive_message(QueueUrl=url)["Messages"]
    assert [m["Body"] for m in messages] == ['{"job":1}']


def test_sqs_unknown_queue_is_a_400_with_the_error_as_json(call: Any) -> None:
    result = call(
        f"arn:aws:apigateway:{REGION}:sqs:path/{ACCOUNT}/missing",
        body="Action=SendMessage&MessageBody=x",
        headers=FORM,
    )
    assert result.status == 400
    error = json.loads(result.body)
    assert error["Error"]["Code"] == "AWS.SimpleQueueService.NonExistentQueue"
    assert error["Error"]["Type"] == "Sender"
    assert error["Error"]["Message"] == "The specified queue does not exist for this wsdl version."
    assert error["RequestId"]


def test_sns_publish_delivers_to_a_subscribed_queue(call: Any, cloudlet: Any, sqs: Any) -> None:
    sns = cloudlet.client("sns")
    topic = sns.create_topic(Name="events")["TopicArn"]
    url = sqs.create_queue(QueueName="inbox")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    sns.subscribe(
        TopicArn=topic, Protocol="sqs", Endpoint=queue_arn, Attributes={"RawMessageDelivery": "true"}
    )
    result = call(
        f"arn:aws:apigateway:{REGION}:sns:action/Publish",
        query={"TopicArn": [topic], "Message": ["ping"]},
    )
    assert result.status == 200, result.body
    message_id = json.loads(result.body)["PublishResponse"]["PublishResult"]["MessageId"]
    assert message_id
    cloudlet.settle()
    assert [m["Body"] for m in sqs.receive_message(QueueUrl=url)["Messages"]] == ["ping"]


def test_dynamodb_put_item_then_get_item(call: Any, cloudlet: Any) -> None:
    ddb = cloudlet.client("dynamodb")
    ddb.create_table(
        TableName="items",
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    put = call(
        f"arn:aws:apigateway:{REGION}:dynamodb:action/PutItem",
        body=json.dumps({"TableName": "items", "Item": {"id": {"S": "a"}, "n": {"N": "3"}}}),
    )
    assert put.status == 200, put.body
    assert json.loads(put.body) == {}
    got = call(
        f"arn:aws:apigateway:{REGION}:dynamodb:action/GetItem",
        body=json.dumps({"TableName": "items", "Key": {"id": {"S": "a"}}}),
    )
    assert got.status == 200
    assert json.loads(got.body) == {"Item": {"id": {"S": "a"}, "n": {"N": "3"}}}
    missing_table = call(
        f"arn:aws:apigateway:{REGION}:dynamodb:action/GetItem",
        body=json.dumps({"TableName": "nope", "Key": {"id": {"S": "a"}}}),
    )
    assert missing_table.status == 400
    assert "ResourceNotFoundException" in json.loads(missing_table.body)["__type"]


def test_eventbridge_put_events(call: Any) -> None:
    entry = {"Source": "shop", "DetailType": "order", "Detail": json.dumps({"id": 1})}
    result = call(
        f"arn:aws:apigateway:{REGION}:events:action/PutEvents", body=json.dumps({"Entries": [entry]})
    )
    assert result.status == 200, result.body
    answer = json.loads(result.body)
    assert answer["FailedEntryCount"] == 0
    assert answer["Entries"][0]["EventId"]


LAMBDA = """
def handler(event, context):
    if event.get("fail"):
        raise ValueError("bad input: " + event["fail"])
    return {"echo": event}
"""


def test_lambda_non_proxy_ok_error_and_missing(call: Any, make_function: Any) -> None:
    arn = make_function("echo", LAMBDA)
    ok = call(lambda_uri(arn), body=json.dumps({"a": 1}))
    assert ok.status == 200
    assert ok.error_message is None
    assert json.loads(ok.body) == {"echo": {"a": 1}}

    failed = call(lambda_uri(arn), body=json.dumps({"fail": "no id"}))
    assert failed.status == 200
    assert failed.error_message == "bad input: no id"
    assert json.loads(failed.body)["errorType"] == "ValueError"

    missing = call(lambda_uri(arn.replace("echo", "absent")), body="{}")
    assert missing.failed
    assert missing.status == 500
    assert json.loads(missing.body) == {"message": "Internal server error"}


def test_unreadable_uri_and_unserved_service_fail(call: Any) -> None:
    assert call("not-an-arn").failed
    assert call(f"arn:aws:apigateway:{REGION}:nosuchservice:action/Go").failed


# -- end to end: a REST API over HTTP ----------------------------------------------------------------


def _rest_api(apigw: Any, method: str, integration: dict[str, Any], responses: list[dict[str, Any]]) -> str:
    api = apigw.create_rest_api(name="aws-integration")["id"]
    root = apigw.get_resources(restApiId=api)["items"][0]["id"]
    resource = apigw.create_resource(restApiId=api, parentId=root, pathPart="things")["id"]
    apigw.put_method(restApiId=api, resourceId=resource, httpMethod=method, authorizationType="NONE")
    apigw.put_integration(restApiId=api, resourceId=resource, httpMethod=method, **integration)
    for response in responses:
        status = response["statusCode"]
        apigw.put_method_response(restApiId=api, resourceId=resource, httpMethod=method, statusCode=status)
        apigw.put_integration_response(restApiId=api, resourceId=resource, httpMethod=method, **response)
    apigw.create_deployment(restApiId=api, stageName="prod")
    return api


def test_rest_api_sends_the_body_to_sqs_through_a_mapping_template(apigw: Any, sqs: Any, invoke: Any) -> None:
    url = sqs.create_queue(QueueName="intake")["QueueUrl"]
    api = _rest_api(
        apigw,
        "POST",
        {
            "type": "AWS",
            "integrationHttpMethod": "POST",
            "uri": f"arn:aws:apigateway:{REGION}:sqs:path/{ACCOUNT}/intake",
            "requestParameters": {
                "integration.request.header.Content-Type": "'application/x-www-form-urlencoded'"
            },
            "requestTemplates": {
                "application/json": "Action=SendMessage&MessageBody=$util.urlEncode($input.body)"
            },
            "passthroughBehavior": "NEVER",
        },
        [
            {
                "statusCode": "200",
                "responseTemplates": {
                    "application/json": "#set($sent = $input.path('$.SendMessageResponse.SendMessageResult'))"
                    '{"id": "$sent.MessageId"}'
                },
            },
            {"statusCode": "400", "selectionPattern": "4\\d\\d"},
        ],
    )
    reply = invoke(
        "POST",
        api,
        "/prod/things",
        body='{"order": 7, "note": "a&b"}',
        headers={"Content-Type": "application/json"},
    )
    assert reply.status == 200, reply.body
    message_id = reply.json()["id"]
    messages = sqs.receive_message(QueueUrl=url)["Messages"]
    assert [(m["MessageId"], m["Body"]) for m in messages] == [(message_id, '{"order": 7, "note": "a&b"}')]


def test_rest_api_lambda_non_proxy_selects_responses_by_error_message(
    apigw: Any, make_function: Any, invoke: Any
) -> None:
    arn = make_function("worker", LAMBDA)
    api = _rest_api(
        apigw,
        "POST",
        {"type": "AWS", "integrationHttpMethod": "POST", "uri": lambda_uri(arn)},
        [
            {"statusCode": "200", "responseTemplates": {"application/json": "$input.json('$.echo')"}},
            {
                "statusCode": "400",
                "selectionPattern": "bad input:.*",
                "responseTemplates": {"application/json": '{"error": "$input.path(\'$.errorMessage\')"}'},
            },
        ],
    )
    ok = invoke("POST", api, "/prod/things", body='{"n": 1}', headers={"Content-Type": "application/json"})
    assert (ok.status, ok.json()) == (200, {"n": 1})
    failed = invoke(
        "POST", api, "/prod/things", body='{"fail": "x"}', headers={"Content-Type": "application/json"}
    )
    assert (failed.status, failed.json()) == (400, {"error": "bad input: x"})
