"""The legacy query protocol on the wire, as pre-JSON SDKs speak it (raw form posts, XML answers)."""

from __future__ import annotations

import urllib.error
import urllib.parse
import urllib.request
from xml.etree import ElementTree

NS = {"sqs": "http://queue.amazonaws.com/doc/2012-11-05/"}
AUTH = (
    "AWS4-HMAC-SHA256 Credential=test/20240101/us-east-1/sqs/aws4_request, "
    "SignedHeaders=content-type;host;x-amz-date, Signature=0"
)


def post(url: str, **form: str) -> tuple[int, ElementTree.Element]:
    body = urllib.parse.urlencode({"Version": "2012-11-05", **form}).encode()
    request = urllib.request.Request(
        url,
        data=body,
        headers={"Content-Type": "application/x-www-form-urlencoded", "Authorization": AUTH},
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, ElementTree.fromstring(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, ElementTree.fromstring(exc.read())


def test_a_request_posted_to_the_queue_url_needs_no_queue_url_parameter(cloudlet, sqs_json):
    url = sqs_json.create_queue(QueueName="legacy")["QueueUrl"]
    status, xml = post(url, Action="SendMessage", MessageBody="from an old SDK")
    assert status == 200
    assert xml.tag == "{http://queue.amazonaws.com/doc/2012-11-05/}SendMessageResponse"
    assert xml.find("sqs:SendMessageResult/sqs:MessageId", NS) is not None
    (message,) = sqs_json.receive_message(QueueUrl=url)["Messages"]
    assert message["Body"] == "from an old SDK"


def test_receive_answers_in_the_legacy_xml_shape(cloudlet, sqs_json):
    url = sqs_json.create_queue(QueueName="legacy")["QueueUrl"]
    sqs_json.send_message(
        QueueUrl=url, MessageBody="b", MessageAttributes={"k": {"DataType": "String", "StringValue": "v"}}
    )
    status, xml = post(
        cloudlet.endpoint + "/",
        Action="ReceiveMessage",
        QueueUrl=url,
        **{"AttributeName.1": "All", "MessageAttributeName.1": "All"},
    )
    assert status == 200
    message = xml.find("sqs:ReceiveMessageResult/sqs:Message", NS)
    assert message.find("sqs:Body", NS).text == "b"
    names = {a.find("sqs:Name", NS).text for a in message.findall("sqs:Attribute", NS)}
    assert {"SentTimestamp", "ApproximateReceiveCount"} <= names
    attribute = message.find("sqs:MessageAttribute", NS)
    assert attribute.find("sqs:Name", NS).text == "k"
    assert attribute.find("sqs:Value/sqs:StringValue", NS).text == "v"


def test_an_unknown_queue_answers_the_legacy_error_code(cloudlet):
    status, xml = post(cloudlet.endpoint + "/", Action="GetQueueUrl", QueueName="missing")
    assert status == 400
    assert xml.find("sqs:Error/sqs:Code", NS).text == "AWS.SimpleQueueService.NonExistentQueue"
    assert xml.find("sqs:Error/sqs:Type", NS).text == "Sender"
