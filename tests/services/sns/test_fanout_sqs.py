"""Fan-out to SQS: envelopes and raw delivery, filter policies, message structure, FIFO order and
deduplication end to end, client-side failures dead-lettered without touching other subscriptions."""

from __future__ import annotations

import base64
import json
import urllib.request

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding

from tests.services.sns.conftest import bodies, drain, make_queue


def test_one_publish_reaches_every_subscribed_queue(sns, sqs, topic):
    queues = [make_queue(sqs, f"q{i}") for i in range(3)]
    for _, arn in queues:
        sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=arn)
    message_id = sns.publish(TopicArn=topic, Message="hello", Subject="greeting")["MessageId"]
    for url, _ in queues:
        (envelope,) = bodies(drain(sqs, url))
        assert envelope["Type"] == "Notification"
        assert envelope["MessageId"] == message_id
        assert envelope["TopicArn"] == topic
        assert envelope["Subject"] == "greeting"
        assert envelope["Message"] == "hello"
        assert envelope["SignatureVersion"] == "1"
        assert envelope["UnsubscribeURL"].endswith(
            "Action=Unsubscribe&SubscriptionArn=" + envelope["UnsubscribeURL"].split("SubscriptionArn=")[1]
        )


def test_the_envelope_signature_verifies_with_the_served_certificate(sns, sqs, topic):
    url, arn = make_queue(sqs, "signed")
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=arn)
    sns.publish(TopicArn=topic, Message="verify me", Subject="s")
    (envelope,) = bodies(drain(sqs, url))
    with urllib.request.urlopen(envelope["SigningCertURL"], timeout=10) as response:
        certificate = x509.load_pem_x509_certificate(response.read())
    canonical = "".join(
        f"{key}\n{envelope[key]}\n"
        for key in ("Message", "MessageId", "Subject", "Timestamp", "TopicArn", "Type")
    )
    certificate.public_key().verify(
        base64.b64decode(envelope["Signature"]), canonical.encode(), padding.PKCS1v15(), hashes.SHA1()
    )


def test_message_attributes_ride_in_the_envelope(sns, sqs, topic):
    url, arn = make_queue(sqs, "attrs")
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=arn)
    sns.publish(
        TopicArn=topic,
        Message="m",
        MessageAttributes={
            "color": {"DataType": "String", "StringValue": "red"},
            "size": {"DataType": "Number", "StringValue": "3"},
            "blob": {"DataType": "Binary", "BinaryValue": b"\x00\x01"},
        },
    )
    (envelope,) = bodies(drain(sqs, url))
    assert envelope["MessageAttributes"] == {
        "color": {"Type": "String", "Value": "red"},
        "size": {"Type": "Number", "Value": "3"},
        "blob": {"Type": "Binary", "Value": base64.b64encode(b"\x00\x01").decode()},
    }


def test_raw_delivery_sends_the_bare_message_with_sqs_attributes(sns, sqs, topic):
    url, arn = make_queue(sqs, "raw")
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=arn, Attributes={"RawMessageDelivery": "true"})
    sns.publish(
        TopicArn=topic,
        Message="just this",
        MessageAttributes={"k": {"DataType": "String", "StringValue": "v"}},
    )
    (message,) = drain(sqs, url, MessageAttributeNames=["All"], MessageSystemAttributeNames=["SenderId"])
    assert message["Body"] == "just this"
    assert message["MessageAttributes"] == {"k": {"DataType": "String", "StringValue": "v"}}


def test_filter_policies_pick_the_subscriptions_that_get_a_message(sns, sqs, topic):
    red_url, red_arn = make_queue(sqs, "red")
    big_url, big_arn = make_queue(sqs, "big")
    sns.subscribe(
        TopicArn=topic,
        Protocol="sqs",
        Endpoint=red_arn,
        Attributes={"FilterPolicy": json.dumps({"color": ["red"]})},
    )
    sns.subscribe(
        TopicArn=topic,
        Protocol="sqs",
        Endpoint=big_arn,
        Attributes={"FilterPolicy": json.dumps({"size": [{"numeric": [">", 10]}]})},
    )
    for color, size in (("red", 1), ("blue", 20), ("red", 50)):
        sns.publish(
            TopicArn=topic,
            Message=f"{color}-{size}",
            MessageAttributes={
                "color": {"DataType": "String", "StringValue": color},
                "size": {"DataType": "Number", "StringValue": str(size)},
            },
        )
    assert sorted(b["Message"] for b in bodies(drain(sqs, red_url))) == ["red-1", "red-50"]
    assert sorted(b["Message"] for b in bodies(drain(sqs, big_url))) == ["blue-20", "red-50"]


def test_message_body_filter_scope_matches_the_json_body(sns, sqs, topic):
    url, arn = make_queue(sqs, "orders")
    sns.subscribe(
        TopicArn=topic,
        Protocol="sqs",
        Endpoint=arn,
        Attributes={
            "FilterPolicyScope": "MessageBody",
            "FilterPolicy": json.dumps({"order": {"status": ["paid"]}}),
        },
    )
    sns.publish(TopicArn=topic, Message=json.dumps({"order": {"status": "paid", "id": 1}}))
    sns.publish(TopicArn=topic, Message=json.dumps({"order": {"status": "open", "id": 2}}))
    sns.publish(TopicArn=topic, Message="not json")
    assert [json.loads(b["Message"])["order"]["id"] for b in bodies(drain(sqs, url))] == [1]


def test_message_structure_json_sends_each_protocol_its_own_text(sns, sqs, topic, endpoint, cloudlet):
    url, arn = make_queue(sqs, "structured")
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=arn)
    sns.publish(
        TopicArn=topic,
        MessageStructure="json",
        Message=json.dumps({"default": "for all", "sqs": "for queues"}),
    )
    (envelope,) = bodies(drain(sqs, url))
    assert envelope["Message"] == "for queues"


def test_fifo_topic_keeps_group_order_and_deduplicates_end_to_end(sns, sqs):
    topic = sns.create_topic(Name="orders.fifo", Attributes={"FifoTopic": "true"})["TopicArn"]
    url, arn = make_queue(sqs, "orders.fifo")
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=arn, Attributes={"RawMessageDelivery": "true"})
    first = None
    for i in range(5):
        result = sns.publish(
            TopicArn=topic, Message=f"m{i}", MessageGroupId="g", MessageDeduplicationId=f"d{i}"
        )
        first = first or result
        assert result["SequenceNumber"]
    again = sns.publish(TopicArn=topic, Message="m0", MessageGroupId="g", MessageDeduplicationId="d0")
    assert again["MessageId"] == first["MessageId"]
    received = drain(sqs, url, MessageSystemAttributeNames=["MessageGroupId"])
    assert [m["Body"] for m in received] == [f"m{i}" for i in range(5)]
    assert {m["Attributes"]["MessageGroupId"] for m in received} == {"g"}


def test_fifo_topic_content_based_deduplication(sns, sqs):
    topic = sns.create_topic(
        Name="c.fifo", Attributes={"FifoTopic": "true", "ContentBasedDeduplication": "true"}
    )["TopicArn"]
    url, arn = make_queue(sqs, "c.fifo", ContentBasedDeduplication="true")
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=arn)
    sns.publish(TopicArn=topic, Message="same", MessageGroupId="g")
    sns.publish(TopicArn=topic, Message="same", MessageGroupId="g")
    assert len(drain(sqs, url)) == 1


def test_a_missing_queue_does_not_stop_the_others_and_goes_to_the_dlq(sns, sqs, topic):
    good_url, good_arn = make_queue(sqs, "good")
    dlq_url, dlq_arn = make_queue(sqs, "dlq")
    gone_url, gone_arn = make_queue(sqs, "gone")
    sns.subscribe(
        TopicArn=topic,
        Protocol="sqs",
        Endpoint=gone_arn,
        Attributes={"RedrivePolicy": json.dumps({"deadLetterTargetArn": dlq_arn})},
    )
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=good_arn)
    sqs.delete_queue(QueueUrl=gone_url)
    message_id = sns.publish(TopicArn=topic, Message="still delivered")["MessageId"]
    assert [b["Message"] for b in bodies(drain(sqs, good_url))] == ["still delivered"]
    (dead,) = drain(sqs, dlq_url, MessageAttributeNames=["All"])
    assert json.loads(dead["Body"])["MessageId"] == message_id
    assert dead["MessageAttributes"]["ErrorCode"]["StringValue"] == "AWS.SimpleQueueService.NonExistentQueue"
    assert dead["MessageAttributes"]["RequestID"]["StringValue"] == message_id


def test_unconfirmed_and_unsubscribed_subscriptions_get_nothing(sns, sqs, topic):
    url, arn = make_queue(sqs, "leaving")
    sub = sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=arn)["SubscriptionArn"]
    sns.unsubscribe(SubscriptionArn=sub)
    sns.publish(TopicArn=topic, Message="nobody home")
    assert drain(sqs, url) == []


def test_publish_batch_fans_out_every_entry(sns, sqs, topic):
    url, arn = make_queue(sqs, "batch")
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=arn, Attributes={"RawMessageDelivery": "true"})
    result = sns.publish_batch(
        TopicArn=topic, PublishBatchRequestEntries=[{"Id": f"e{i}", "Message": f"m{i}"} for i in range(10)]
    )
    assert len(result["Successful"]) == 10
    assert sorted(m["Body"] for m in drain(sqs, url)) == sorted(f"m{i}" for i in range(10))


def test_the_sender_of_delivered_messages_is_sns(sns, sqs, topic):
    url, arn = make_queue(sqs, "sender")
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=arn)
    sns.publish(TopicArn=topic, Message="m")
    (message,) = drain(sqs, url, MessageSystemAttributeNames=["SenderId"])
    assert message["Attributes"]["SenderId"] == "AIDAIT2UOQQY3AUEKVGXU"
