"""Sending and receiving on standard queues: bodies, attributes, digests, delays, batches."""

from __future__ import annotations

import hashlib

from cloudlet.services.sqs.checksums import md5_of_attributes

ATTRIBUTES = {
    "s": {"DataType": "String", "StringValue": "héllo"},
    "n": {"DataType": "Number", "StringValue": "0230.01"},
    "b": {"DataType": "Binary", "BinaryValue": b"\x00\x01\xff"},
    "custom": {"DataType": "Number.int", "StringValue": "7"},
    "label": {"DataType": "String.json", "StringValue": "{}"},
}


def test_body_and_attributes_come_back_unchanged_with_their_digests(sqs, queue):
    body = "unicode ✓ \U0001f600 and tabs\t"
    sent = sqs.send_message(QueueUrl=queue, MessageBody=body, MessageAttributes=ATTRIBUTES)
    assert sent["MD5OfMessageBody"] == hashlib.md5(body.encode()).hexdigest()
    assert sent["MD5OfMessageAttributes"] == md5_of_attributes(ATTRIBUTES)
    (message,) = sqs.receive_message(QueueUrl=queue, MessageAttributeNames=["All"])["Messages"]
    assert message["Body"] == body
    assert message["MD5OfBody"] == sent["MD5OfMessageBody"]
    assert message["MessageAttributes"] == ATTRIBUTES
    assert message["MD5OfMessageAttributes"] == sent["MD5OfMessageAttributes"]


def test_attribute_name_filters_select_a_subset_and_digest_it(sqs, queue):
    attributes = {
        "order.id": {"DataType": "String", "StringValue": "1"},
        "order.total": {"DataType": "Number", "StringValue": "9"},
        "other": {"DataType": "String", "StringValue": "x"},
    }
    sqs.send_message(QueueUrl=queue, MessageBody="m", MessageAttributes=attributes)
    (message,) = sqs.receive_message(QueueUrl=queue, MessageAttributeNames=["order.*"])["Messages"]
    expected = {k: v for k, v in attributes.items() if k.startswith("order.")}
    assert message["MessageAttributes"] == expected
    assert message["MD5OfMessageAttributes"] == md5_of_attributes(expected)


def test_no_attributes_are_returned_unless_asked_for(sqs, queue):
    sqs.send_message(QueueUrl=queue, MessageBody="m", MessageAttributes=ATTRIBUTES)
    (message,) = sqs.receive_message(QueueUrl=queue)["Messages"]
    assert "MessageAttributes" not in message
    assert "Attributes" not in message


def test_trace_header_is_kept_as_a_system_attribute(sqs, queue):
    header = "Root=1-5759e988-bd862e3fe1be46a994272793;Sampled=1"
    sent = sqs.send_message(
        QueueUrl=queue,
        MessageBody="m",
        MessageSystemAttributes={"AWSTraceHeader": {"DataType": "String", "StringValue": header}},
    )
    assert sent["MD5OfMessageSystemAttributes"] == md5_of_attributes(
        {"AWSTraceHeader": {"DataType": "String", "StringValue": header}}
    )
    (message,) = sqs.receive_message(QueueUrl=queue, MessageSystemAttributeNames=["AWSTraceHeader"])[
        "Messages"
    ]
    assert message["Attributes"] == {"AWSTraceHeader": header}


def test_system_attributes_describe_the_message(cloudlet, sqs, queue):
    sent_at = cloudlet.clock.now()
    sqs.send_message(QueueUrl=queue, MessageBody="m")
    cloudlet.clock.advance(5)
    (message,) = sqs.receive_message(QueueUrl=queue, AttributeNames=["All"])["Messages"]
    attributes = message["Attributes"]
    assert attributes["SentTimestamp"] == str(round(sent_at * 1000))
    assert attributes["ApproximateFirstReceiveTimestamp"] == str(round((sent_at + 5) * 1000))
    assert attributes["ApproximateReceiveCount"] == "1"
    assert attributes["SenderId"] == "000000000000"
    assert "SequenceNumber" not in attributes


def test_batch_send_returns_one_result_per_entry(sqs, queue):
    entries = [{"Id": f"e{i}", "MessageBody": f"body {i}"} for i in range(10)]
    result = sqs.send_message_batch(QueueUrl=queue, Entries=entries)
    assert sorted(r["Id"] for r in result["Successful"]) == sorted(e["Id"] for e in entries)
    assert not result.get("Failed")
    bodies = []
    while True:
        got = sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10).get("Messages", [])
        if not got:
            break
        bodies += [m["Body"] for m in got]
    assert sorted(bodies) == sorted(e["MessageBody"] for e in entries)


def test_receive_returns_at_most_max_number_of_messages(sqs, queue):
    sqs.send_message_batch(QueueUrl=queue, Entries=[{"Id": str(i), "MessageBody": "m"} for i in range(5)])
    assert len(sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=3)["Messages"]) == 3
    assert len(sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=3)["Messages"]) == 2
    assert "Messages" not in sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=3)


def test_delay_seconds_hide_a_message_until_due(cloudlet, sqs, queue):
    sqs.send_message(QueueUrl=queue, MessageBody="later", DelaySeconds=10)
    assert "Messages" not in sqs.receive_message(QueueUrl=queue)
    counts = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["ApproximateNumberOfMessagesDelayed"])
    assert counts["Attributes"]["ApproximateNumberOfMessagesDelayed"] == "1"
    cloudlet.clock.advance(10)
    assert sqs.receive_message(QueueUrl=queue)["Messages"][0]["Body"] == "later"


def test_queue_delay_applies_unless_the_message_sets_its_own(cloudlet, sqs):
    url = sqs.create_queue(QueueName="slow", Attributes={"DelaySeconds": "30"})["QueueUrl"]
    sqs.send_message(QueueUrl=url, MessageBody="queue delay")
    sqs.send_message(QueueUrl=url, MessageBody="no delay", DelaySeconds=0)
    assert [m["Body"] for m in sqs.receive_message(QueueUrl=url)["Messages"]] == ["no delay"]
    cloudlet.clock.advance(30)
    assert [m["Body"] for m in sqs.receive_message(QueueUrl=url)["Messages"]] == ["queue delay"]


def test_a_message_of_the_maximum_size_is_accepted(sqs):
    url = sqs.create_queue(QueueName="small", Attributes={"MaximumMessageSize": "1024"})["QueueUrl"]
    sqs.send_message(QueueUrl=url, MessageBody="x" * 1024)
    assert len(sqs.receive_message(QueueUrl=url)["Messages"][0]["Body"]) == 1024


def test_a_one_mebibyte_message_round_trips(sqs_json):
    url = sqs_json.create_queue(QueueName="big")["QueueUrl"]
    body = "y" * 1_048_576
    sqs_json.send_message(QueueUrl=url, MessageBody=body)
    assert sqs_json.receive_message(QueueUrl=url)["Messages"][0]["Body"] == body


def test_delete_removes_the_message_for_good(cloudlet, sqs, queue):
    sqs.send_message(QueueUrl=queue, MessageBody="m")
    (message,) = sqs.receive_message(QueueUrl=queue, VisibilityTimeout=5)["Messages"]
    sqs.delete_message(QueueUrl=queue, ReceiptHandle=message["ReceiptHandle"])
    cloudlet.clock.advance(10)
    assert "Messages" not in sqs.receive_message(QueueUrl=queue)
    # Deleting again with the same handle succeeds and changes nothing.
    sqs.delete_message(QueueUrl=queue, ReceiptHandle=message["ReceiptHandle"])


def test_delete_batch_reports_each_entry(sqs, queue):
    sqs.send_message_batch(QueueUrl=queue, Entries=[{"Id": str(i), "MessageBody": "m"} for i in range(3)])
    messages = sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10)["Messages"]
    entries = [{"Id": f"d{i}", "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(messages)]
    result = sqs.delete_message_batch(QueueUrl=queue, Entries=entries)
    assert sorted(r["Id"] for r in result["Successful"]) == ["d0", "d1", "d2"]
    counts = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["All"])["Attributes"]
    assert counts["ApproximateNumberOfMessages"] == counts["ApproximateNumberOfMessagesNotVisible"] == "0"
