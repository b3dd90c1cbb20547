def test_send_receive_delete_round_trip(sqs, queue):
    sent = sqs.send_message(
        QueueUrl=queue,
        MessageBody="hello",
        MessageAttributes={"n": {"DataType": "Number", "StringValue": "42"}},
    )
    got = sqs.receive_message(QueueUrl=queue, MessageAttributeNames=["All"], AttributeNames=["All"])
    (message,) = got["Messages"]
    assert message["MessageId"] == sent["MessageId"]
    assert message["MessageAttributes"]["n"]["StringValue"] == "42"
    sqs.delete_message(QueueUrl=queue, ReceiptHandle=message["ReceiptHandle"])


def test_the_fixture_covers_both_protocols(sqs, request):
    assert sqs.meta.service_model.protocol == request.node.callspec.params["sqs"]
