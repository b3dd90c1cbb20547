"""SQS error answers, over both wire protocols: codes, HTTP status and messages as AWS gives them.

Expected values come from recorded AWS responses (see the SQS API reference and the error pages); a
test asserts the message text only where AWS's wording is known.
"""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

from tests.services.sqs.conftest import error_of

NON_EXISTENT = "AWS.SimpleQueueService.NonExistentQueue"
BAD_NAME = "Can only include alphanumeric characters, hyphens, or underscores. 1 to 80 in length"


def _protocol(sqs):
    return sqs.meta.service_model.protocol


def _missing_url(cloudlet):
    return f"{cloudlet.endpoint}/000000000000/no-such-queue"


def _fail(call, **kwargs):
    """Run a call that must fail; returns (code, status, message)."""
    with pytest.raises(ClientError) as exc_info:
        call(**kwargs)
    code, status = error_of(exc_info)
    return code, status, exc_info.value.response["Error"]["Message"]


# -- unknown queue ---------------------------------------------------------------------------------


def test_get_queue_url_of_unknown_queue(sqs):
    code, status, _ = _fail(sqs.get_queue_url, QueueName="no-such-queue")
    assert (code, status) == (NON_EXISTENT, 400)


def test_send_message_to_unknown_queue(sqs, cloudlet):
    code, status, _ = _fail(sqs.send_message, QueueUrl=_missing_url(cloudlet), MessageBody="x")
    assert (code, status) == (NON_EXISTENT, 400)


def test_get_queue_attributes_of_unknown_queue(sqs, cloudlet):
    code, status, _ = _fail(sqs.get_queue_attributes, QueueUrl=_missing_url(cloudlet), AttributeNames=["All"])
    assert (code, status) == (NON_EXISTENT, 400)


def test_unknown_queue_message_text_per_protocol(sqs):
    """AWS words it differently per protocol: the XML (query) answer mentions the wsdl version."""
    _, _, message = _fail(sqs.get_queue_url, QueueName="no-such-queue")
    if _protocol(sqs) == "json":
        assert message == "The specified queue does not exist."
    else:
        assert message == "The specified queue does not exist for this wsdl version."


# -- queue names -----------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["bad/name", "has space", "dot.name", "x" * 81])
def test_invalid_queue_name(sqs, name):
    code, status, message = _fail(sqs.create_queue, QueueName=name)
    assert (code, status, message) == ("InvalidParameterValue", 400, BAD_NAME)


def test_queue_name_of_80_characters_is_allowed(sqs):
    assert sqs.create_queue(QueueName="x" * 80)["QueueUrl"].endswith("/" + "x" * 80)


def test_fifo_suffix_without_fifo_attribute(sqs):
    code, status, message = _fail(sqs.create_queue, QueueName="jobs.fifo")
    assert (code, status, message) == ("InvalidParameterValue", 400, BAD_NAME)


def test_fifo_attribute_without_fifo_suffix(sqs):
    code, status, message = _fail(sqs.create_queue, QueueName="jobs", Attributes={"FifoQueue": "true"})
    assert (code, status) == ("InvalidParameterValue", 400)
    assert message == (
        "The name of a FIFO queue can only include alphanumeric characters, hyphens, or underscores, "
        "must end with .fifo suffix and be 1 to 80 in length."
    )


def test_fifo_name_counts_suffix_toward_80(sqs):
    code, _, _ = _fail(sqs.create_queue, QueueName="x" * 76 + ".fifo", Attributes={"FifoQueue": "true"})
    assert code == "InvalidParameterValue"


# -- QueueAlreadyExists / QueueDeletedRecently -----------------------------------------------------


def test_create_with_different_attribute_is_queue_already_exists(sqs):
    sqs.create_queue(QueueName="jobs", Attributes={"DelaySeconds": "0"})
    code, status, message = _fail(sqs.create_queue, QueueName="jobs", Attributes={"DelaySeconds": "5"})
    assert (code, status) == ("QueueAlreadyExists", 400)
    assert (
        message
        == "A queue already exists with the same name and a different value for attribute DelaySeconds"
    )


def test_create_with_same_attributes_returns_same_url(sqs):
    first = sqs.create_queue(QueueName="jobs", Attributes={"DelaySeconds": "5"})["QueueUrl"]
    again = sqs.create_queue(QueueName="jobs", Attributes={"DelaySeconds": "5"})["QueueUrl"]
    assert again == first


def test_create_without_attributes_returns_existing_url(sqs):
    first = sqs.create_queue(QueueName="jobs", Attributes={"VisibilityTimeout": "99"})["QueueUrl"]
    assert sqs.create_queue(QueueName="jobs")["QueueUrl"] == first


def test_recreate_within_60_seconds_of_delete_is_refused(sqs, cloudlet):
    sqs.delete_queue(QueueUrl=sqs.create_queue(QueueName="jobs")["QueueUrl"])
    cloudlet.clock.advance(59)
    code, status, message = _fail(sqs.create_queue, QueueName="jobs")
    assert (code, status) == ("AWS.SimpleQueueService.QueueDeletedRecently", 400)
    assert message == (
        "You must wait 60 seconds after deleting a queue before you can create another with the same name."
    )


def test_recreate_after_60_seconds_is_allowed(sqs, cloudlet):
    sqs.delete_queue(QueueUrl=sqs.create_queue(QueueName="jobs")["QueueUrl"])
    cloudlet.clock.advance(60)
    url = sqs.create_queue(QueueName="jobs")["QueueUrl"]
    assert sqs.get_queue_url(QueueName="jobs")["QueueUrl"] == url


# -- PurgeQueue ------------------------------------------------------------------------------------


def test_second_purge_within_60_seconds_is_in_progress(sqs, queue):
    sqs.purge_queue(QueueUrl=queue)
    code, status, message = _fail(sqs.purge_queue, QueueUrl=queue)
    assert (code, status) == ("AWS.SimpleQueueService.PurgeQueueInProgress", 403)
    assert message == "Only one PurgeQueue operation on work is allowed every 60 seconds."


def test_purge_allowed_again_after_60_seconds(sqs, queue, cloudlet):
    sqs.purge_queue(QueueUrl=queue)
    cloudlet.clock.advance(60)
    sqs.purge_queue(QueueUrl=queue)


# -- SendMessage bodies and attributes -------------------------------------------------------------


def test_empty_body_is_missing_parameter(sqs, queue):
    code, status, message = _fail(sqs.send_message, QueueUrl=queue, MessageBody="")
    assert (code, status) == ("MissingParameter", 400)
    assert message == "The request must contain the parameter MessageBody."


@pytest.mark.parametrize("bad", ["\u0000", "\ufffe", "\u0008"], ids=["nul", "fffe", "backspace"])
def test_invalid_characters_in_body(sqs, queue, bad):
    code, status, _ = _fail(sqs.send_message, QueueUrl=queue, MessageBody=f"a{bad}b")
    assert (code, status) == ("InvalidMessageContents", 400)


@pytest.fixture
def small_queue(sqs):
    return sqs.create_queue(QueueName="small", Attributes={"MaximumMessageSize": "1024"})["QueueUrl"]


def test_body_at_maximum_message_size_is_accepted(sqs, small_queue):
    sqs.send_message(QueueUrl=small_queue, MessageBody="x" * 1024)


def test_body_over_maximum_message_size(sqs, small_queue):
    code, status, message = _fail(sqs.send_message, QueueUrl=small_queue, MessageBody="x" * 1025)
    assert (code, status) == ("InvalidParameterValue", 400)
    assert message == "One or more parameters are invalid. Reason: Message must be shorter than 1024 bytes."


def test_body_and_attributes_count_together_toward_size(sqs, small_queue):
    attributes = {"attr": {"DataType": "String", "StringValue": "v" * 20}}
    sqs.send_message(QueueUrl=small_queue, MessageBody="x" * 1000)
    code, _, _ = _fail(
        sqs.send_message, QueueUrl=small_queue, MessageBody="x" * 1000, MessageAttributes=attributes
    )
    assert code == "InvalidParameterValue"


def test_more_than_10_message_attributes(sqs, queue):
    attributes = {f"a{i}": {"DataType": "String", "StringValue": "v"} for i in range(11)}
    code, status, message = _fail(
        sqs.send_message, QueueUrl=queue, MessageBody="x", MessageAttributes=attributes
    )
    assert (code, status) == ("InvalidParameterValue", 400)
    assert message == "Number of message attributes [11] exceeds the allowed maximum [10]."


def test_bad_attribute_data_type(sqs, queue):
    attributes = {"a": {"DataType": "Integer", "StringValue": "1"}}
    code, _, message = _fail(sqs.send_message, QueueUrl=queue, MessageBody="x", MessageAttributes=attributes)
    assert code == "InvalidParameterValue"
    assert message == (
        "The type of message (user) attribute 'a' is invalid. You must use only the following supported "
        "type prefixes: Binary, Number, String."
    )


def test_empty_attribute_value(sqs, queue):
    attributes = {"a": {"DataType": "String", "StringValue": ""}}
    code, _, message = _fail(sqs.send_message, QueueUrl=queue, MessageBody="x", MessageAttributes=attributes)
    assert code == "InvalidParameterValue"
    assert message == "Message (user) attribute 'a' must contain a non-empty value of type 'String'."


@pytest.mark.parametrize("name", ["AWS.trace", "amazon.x", "a..b", ".lead", "trail.", "has space", "a/b"])
def test_invalid_attribute_name(sqs, queue, name):
    """Only the code is asserted: AWS's exact text for bad names is not on record."""
    attributes = {name: {"DataType": "String", "StringValue": "v"}}
    code, status, _ = _fail(sqs.send_message, QueueUrl=queue, MessageBody="x", MessageAttributes=attributes)
    assert (code, status) == ("InvalidParameterValue", 400)


# -- batch requests --------------------------------------------------------------------------------


def _entries(n, body="x"):
    return [{"Id": f"m{i}", "MessageBody": body} for i in range(n)]


def test_empty_batch(sqs, queue):
    code, status, message = _fail(sqs.send_message_batch, QueueUrl=queue, Entries=[])
    assert (code, status) == ("AWS.SimpleQueueService.EmptyBatchRequest", 400)
    assert message == "There should be at least one SendMessageBatchRequestEntry in the request."


def test_eleven_entries(sqs, queue):
    code, status, message = _fail(sqs.send_message_batch, QueueUrl=queue, Entries=_entries(11))
    assert (code, status) == ("AWS.SimpleQueueService.TooManyEntriesInBatchRequest", 400)
    assert message == "Maximum number of entries per request are 10. You have sent 11."


def test_duplicate_entry_ids(sqs, queue):
    entries = [{"Id": "same", "MessageBody": "a"}, {"Id": "same", "MessageBody": "b"}]
    code, status, message = _fail(sqs.send_message_batch, QueueUrl=queue, Entries=entries)
    assert (code, status) == ("AWS.SimpleQueueService.BatchEntryIdsNotDistinct", 400)
    assert message == "Id same repeated."


@pytest.mark.parametrize("entry_id", ["has space", "a.b", "x" * 81])
def test_invalid_entry_id(sqs, queue, entry_id):
    code, status, _ = _fail(
        sqs.send_message_batch, QueueUrl=queue, Entries=[{"Id": entry_id, "MessageBody": "x"}]
    )
    assert (code, status) == ("AWS.SimpleQueueService.InvalidBatchEntryId", 400)


def test_batch_over_one_mebibyte(sqs, queue):
    code, status, _ = _fail(sqs.send_message_batch, QueueUrl=queue, Entries=_entries(2, "x" * 600 * 1024))
    assert (code, status) == ("AWS.SimpleQueueService.BatchRequestTooLong", 400)


def test_batch_entry_with_invalid_body_fails_alone(sqs, queue):
    entries = [
        {"Id": "good1", "MessageBody": "one"},
        {"Id": "bad", "MessageBody": "a\u0000b"},
        {"Id": "good2", "MessageBody": "two"},
    ]
    result = sqs.send_message_batch(QueueUrl=queue, Entries=entries)
    assert sorted(e["Id"] for e in result["Successful"]) == ["good1", "good2"]
    (failed,) = result["Failed"]
    assert failed["Id"] == "bad"
    assert failed["SenderFault"] is True
    got = sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10)["Messages"]
    assert sorted(m["Body"] for m in got) == ["one", "two"]


def test_batch_entry_with_empty_body_is_empty_value(sqs, queue):
    entries = [{"Id": "good", "MessageBody": "one"}, {"Id": "empty", "MessageBody": ""}]
    result = sqs.send_message_batch(QueueUrl=queue, Entries=entries)
    (failed,) = result["Failed"]
    assert (failed["Id"], failed["Code"], failed["SenderFault"]) == ("empty", "EmptyValue", True)


def test_failed_batch_leaves_earlier_messages_intact(sqs, queue):
    sqs.send_message(QueueUrl=queue, MessageBody="kept")
    _fail(sqs.send_message_batch, QueueUrl=queue, Entries=[{"Id": "a", "MessageBody": "x"}] * 2)
    _fail(sqs.send_message_batch, QueueUrl=queue, Entries=_entries(2, "x" * 600 * 1024))
    got = sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10)["Messages"]
    assert [m["Body"] for m in got] == ["kept"]


def test_rejected_batch_sends_none_of_its_entries(sqs, queue):
    entries = [*_entries(3), {"Id": "m0", "MessageBody": "dup"}]
    _fail(sqs.send_message_batch, QueueUrl=queue, Entries=entries)
    attributes = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["ApproximateNumberOfMessages"])
    assert attributes["Attributes"]["ApproximateNumberOfMessages"] == "0"


# -- receipt handles -------------------------------------------------------------------------------


def test_garbage_receipt_handle_on_delete(sqs, queue):
    """The code is asserted, not the status: AWS was seen answering 404 (json) where the docs say 400."""
    code, _, message = _fail(sqs.delete_message, QueueUrl=queue, ReceiptHandle="garbage")
    assert code == "ReceiptHandleIsInvalid"
    assert message == 'The input receipt handle "garbage" is not a valid receipt handle.'


def test_garbage_receipt_handle_in_delete_batch_fails_that_entry(sqs, queue):
    sqs.send_message(QueueUrl=queue, MessageBody="x")
    (message,) = sqs.receive_message(QueueUrl=queue)["Messages"]
    entries = [
        {"Id": "good", "ReceiptHandle": message["ReceiptHandle"]},
        {"Id": "bad", "ReceiptHandle": "garbage"},
    ]
    result = sqs.delete_message_batch(QueueUrl=queue, Entries=entries)
    assert [e["Id"] for e in result["Successful"]] == ["good"]
    assert result["Failed"] == [
        {
            "Id": "bad",
            "SenderFault": True,
            "Code": "ReceiptHandleIsInvalid",
            "Message": 'The input receipt handle "garbage" is not a valid receipt handle.',
        }
    ]


# -- ReceiveMessage parameters ---------------------------------------------------------------------


def test_receive_more_than_10_messages(sqs, queue):
    code, status, message = _fail(sqs.receive_message, QueueUrl=queue, MaxNumberOfMessages=11)
    assert (code, status) == ("InvalidParameterValue", 400)
    assert message == (
        "Value 11 for parameter MaxNumberOfMessages is invalid. "
        "Reason: Must be between 1 and 10, if provided."
    )


def test_receive_wait_over_20_seconds(sqs, queue):
    code, status, _ = _fail(sqs.receive_message, QueueUrl=queue, WaitTimeSeconds=21)
    assert (code, status) == ("InvalidParameterValue", 400)


# -- FIFO and standard queue parameters ------------------------------------------------------------


def test_per_message_delay_on_fifo(sqs, fifo_queue):
    code, status, message = _fail(
        sqs.send_message,
        QueueUrl=fifo_queue,
        MessageBody="x",
        MessageGroupId="g",
        MessageDeduplicationId="d",
        DelaySeconds=2,
    )
    assert (code, status) == ("InvalidParameterValue", 400)
    assert message == (
        "Value 2 for parameter DelaySeconds is invalid. Reason: The request include parameter that is not "
        "valid for this queue type."
    )


def test_fifo_without_group_id(sqs, fifo_queue):
    code, status, message = _fail(
        sqs.send_message, QueueUrl=fifo_queue, MessageBody="x", MessageDeduplicationId="d"
    )
    assert (code, status) == ("MissingParameter", 400)
    assert message == "The request must contain the parameter MessageGroupId."


def test_fifo_without_deduplication(sqs, fifo_queue):
    code, status, message = _fail(sqs.send_message, QueueUrl=fifo_queue, MessageBody="x", MessageGroupId="g")
    assert (code, status) == ("InvalidParameterValue", 400)
    assert message == (
        "The queue should either have ContentBasedDeduplication enabled or MessageDeduplicationId provided "
        "explicitly"
    )


def test_deduplication_id_on_standard_queue(sqs, queue):
    code, status, _ = _fail(sqs.send_message, QueueUrl=queue, MessageBody="x", MessageDeduplicationId="d")
    assert (code, status) == ("InvalidParameterValue", 400)
