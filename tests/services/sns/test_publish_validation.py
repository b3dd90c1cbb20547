"""SNS Publish / PublishBatch validation, publishing to phone numbers, the SMS operations, mobile push.

Expected answers follow the SNS API reference and real-AWS recordings (localstack's
tests/aws/services/sns/test_sns.snapshot.json).
"""

from __future__ import annotations

import json
import urllib.request

import pytest
from botocore.exceptions import ClientError

MAX_BYTES = 262_144


def error_of(exc_info) -> tuple[str, int, str]:
    response = exc_info.value.response
    return (
        response["Error"]["Code"],
        response["ResponseMetadata"]["HTTPStatusCode"],
        response["Error"].get("Message", ""),
    )


def outbox(cloudlet, kind: str) -> list[dict]:
    with urllib.request.urlopen(f"{cloudlet.endpoint}/_cloudlet/outbox?kind={kind}") as response:
        return json.loads(response.read())["entries"]


def string_attr(value: str, data_type: str = "String") -> dict:
    return {"DataType": data_type, "StringValue": value}


@pytest.fixture
def topic(sns):
    return sns.create_topic(Name="orders")["TopicArn"]


@pytest.fixture
def fifo_topic(sns):
    return sns.create_topic(Name="orders.fifo", Attributes={"FifoTopic": "true"})["TopicArn"]


# -- message and subject ---------------------------------------------------------------------------


def test_empty_message_is_refused(sns, topic):
    with pytest.raises(ClientError) as exc:
        sns.publish(TopicArn=topic, Message="")
    assert error_of(exc) == ("InvalidParameter", 400, "Invalid parameter: Empty message")


def test_message_of_256_kib_is_accepted(sns, topic):
    assert sns.publish(TopicArn=topic, Message="x" * MAX_BYTES)["MessageId"]


def test_message_longer_than_256_kib_is_refused(sns, topic):
    with pytest.raises(ClientError) as exc:
        sns.publish(TopicArn=topic, Message="x" * (MAX_BYTES + 1))
    assert error_of(exc) == ("InvalidParameter", 400, "Invalid parameter: Message too long")


def test_message_attributes_count_towards_the_size_limit(sns, topic):
    with pytest.raises(ClientError) as exc:
        sns.publish(
            TopicArn=topic, Message="x" * (MAX_BYTES - 10), MessageAttributes={"attr": string_attr("y" * 100)}
        )
    assert error_of(exc) == ("InvalidParameter", 400, "Invalid parameter: Message too long")


def test_size_limit_is_in_bytes_not_characters(sns, topic):
    with pytest.raises(ClientError) as exc:
        sns.publish(TopicArn=topic, Message="é" * (MAX_BYTES // 2 + 1))
    assert error_of(exc)[:2] == ("InvalidParameter", 400)


@pytest.mark.parametrize("subject", ["", "line\nbreak", "s" * 101], ids=["empty", "newline", "101-chars"])
def test_invalid_subject_is_refused(sns, topic, subject):
    with pytest.raises(ClientError) as exc:
        sns.publish(TopicArn=topic, Message="hello", Subject=subject)
    assert error_of(exc) == ("InvalidParameter", 400, "Invalid parameter: Subject")


def test_utf8_subject_is_accepted(sns, topic):
    assert sns.publish(TopicArn=topic, Message="hello", Subject="Grüße aus Köln")["MessageId"]


# -- MessageStructure ------------------------------------------------------------------------------


def test_json_structure_without_default_is_refused(sns, topic):
    with pytest.raises(ClientError) as exc:
        sns.publish(TopicArn=topic, Message=json.dumps({"sqs": "only sqs"}), MessageStructure="json")
    assert error_of(exc) == (
        "InvalidParameter",
        400,
        "Invalid parameter: Message Structure - No default entry in JSON message body",
    )


def test_json_structure_that_is_not_json_is_refused(sns, topic):
    with pytest.raises(ClientError) as exc:
        sns.publish(TopicArn=topic, Message="{not json", MessageStructure="json")
    assert error_of(exc) == (
        "InvalidParameter",
        400,
        "Invalid parameter: Message Structure - JSON message body failed to parse",
    )


def test_json_structure_with_default_is_accepted(sns, topic):
    message = json.dumps({"default": "plain", "sqs": "for queues"})
    assert sns.publish(TopicArn=topic, Message=message, MessageStructure="json")["MessageId"]


# -- message attributes ----------------------------------------------------------------------------


def test_more_than_ten_message_attributes_are_accepted(sns, topic):
    # The 10-attribute limit applies only to raw delivery into SQS (sns-message-attributes.html).
    attributes = {f"attr{i}": string_attr(str(i)) for i in range(11)}
    assert sns.publish(TopicArn=topic, Message="hello", MessageAttributes=attributes)["MessageId"]


def test_unknown_attribute_data_type_is_refused(sns, topic):
    with pytest.raises(ClientError) as exc:
        sns.publish(TopicArn=topic, Message="hello", MessageAttributes={"attr1": string_attr("v", "Integer")})
    assert error_of(exc) == (
        "ParameterValueInvalid",
        400,
        "The message attribute 'attr1' has an invalid message attribute type, the set of supported type "
        "prefixes is Binary, Number, and String.",
    )


def test_custom_data_type_suffix_is_accepted(sns, topic):
    attributes = {"attr1": string_attr("v", "String.custom"), "attr2": string_attr("1", "Number.float")}
    assert sns.publish(TopicArn=topic, Message="hello", MessageAttributes=attributes)["MessageId"]


@pytest.mark.parametrize("data_type", ["String", "Number"])
def test_empty_attribute_value_is_refused(sns, topic, data_type):
    with pytest.raises(ClientError) as exc:
        sns.publish(TopicArn=topic, Message="hello", MessageAttributes={"attr1": string_attr("", data_type)})
    assert error_of(exc) == (
        "ParameterValueInvalid",
        400,
        f"The message attribute 'attr1' must contain non-empty message attribute value for message "
        f"attribute type '{data_type}'.",
    )


def test_empty_binary_attribute_is_refused(sns, topic):
    with pytest.raises(ClientError) as exc:
        sns.publish(
            TopicArn=topic,
            Message="hello",
            MessageAttributes={"attr1": {"DataType": "Binary", "BinaryValue": b""}},
        )
    assert error_of(exc) == (
        "ParameterValueInvalid",
        400,
        "The message attribute 'attr1' must contain non-empty message attribute value for message attribute "
        "type 'Binary'.",
    )


def test_number_attribute_that_is_not_a_number_is_refused(sns, topic):
    with pytest.raises(ClientError) as exc:
        sns.publish(
            TopicArn=topic, Message="hello", MessageAttributes={"attr1": string_attr("abc", "Number")}
        )
    assert error_of(exc)[:2] == ("ParameterValueInvalid", 400)


def test_string_array_attribute_that_is_not_an_array_is_refused(sns, topic):
    with pytest.raises(ClientError) as exc:
        sns.publish(
            TopicArn=topic,
            Message="hello",
            MessageAttributes={"attr1": string_attr("not-an-array", "String.Array")},
        )
    assert error_of(exc)[:2] == ("ParameterValueInvalid", 400)


def test_string_array_attribute_is_accepted(sns, topic):
    attributes = {"attr1": string_attr(json.dumps(["a", 1, True]), "String.Array")}
    assert sns.publish(TopicArn=topic, Message="hello", MessageAttributes=attributes)["MessageId"]


# -- FIFO parameters -------------------------------------------------------------------------------


def test_fifo_publish_needs_message_group_id(sns, fifo_topic):
    with pytest.raises(ClientError) as exc:
        sns.publish(TopicArn=fifo_topic, Message="hello", MessageDeduplicationId="d1")
    assert error_of(exc) == (
        "InvalidParameter",
        400,
        "Invalid parameter: The MessageGroupId parameter is required for FIFO topics",
    )


def test_fifo_publish_needs_dedup_id_without_content_based_deduplication(sns, fifo_topic):
    with pytest.raises(ClientError) as exc:
        sns.publish(TopicArn=fifo_topic, Message="hello", MessageGroupId="g1")
    assert error_of(exc) == (
        "InvalidParameter",
        400,
        "Invalid parameter: The topic should either have ContentBasedDeduplication enabled or "
        "MessageDeduplicationId provided explicitly",
    )


def test_fifo_publish_with_content_based_deduplication_needs_no_dedup_id(sns):
    arn = sns.create_topic(
        Name="cbd.fifo", Attributes={"FifoTopic": "true", "ContentBasedDeduplication": "true"}
    )["TopicArn"]
    answer = sns.publish(TopicArn=arn, Message="hello", MessageGroupId="g1")
    assert answer["MessageId"] and answer["SequenceNumber"]


def test_dedup_id_on_standard_topic_is_refused(sns, topic):
    with pytest.raises(ClientError) as exc:
        sns.publish(TopicArn=topic, Message="hello", MessageDeduplicationId="d1")
    assert error_of(exc) == (
        "InvalidParameter",
        400,
        "Invalid parameter: MessageDeduplicationId Reason: The request includes MessageDeduplicationId "
        "parameter that is not valid for this topic type",
    )


# -- PublishBatch ----------------------------------------------------------------------------------


def _entries(n: int, **extra) -> list[dict]:
    return [{"Id": f"m{i}", "Message": f"message {i}", **extra} for i in range(n)]


def test_publish_batch_of_ten_succeeds(sns, topic):
    answer = sns.publish_batch(TopicArn=topic, PublishBatchRequestEntries=_entries(10))
    assert sorted(s["Id"] for s in answer["Successful"]) == sorted(f"m{i}" for i in range(10))
    assert answer["Failed"] == []


def test_empty_batch_is_refused(sns, topic):
    with pytest.raises(ClientError) as exc:
        sns.publish_batch(TopicArn=topic, PublishBatchRequestEntries=[])
    assert error_of(exc)[:2] == ("EmptyBatchRequest", 400)


BIG = "x" * (MAX_BYTES // 2)


@pytest.mark.parametrize(
    ("entries", "code", "message"),
    [
        (
            _entries(11),
            "TooManyEntriesInBatchRequest",
            "The batch request contains more entries than permissible.",
        ),
        (
            [{"Id": "same", "Message": "a"}, {"Id": "same", "Message": "b"}],
            "BatchEntryIdsNotDistinct",
            "Two or more batch entries in the request have the same Id.",
        ),
        ([{"Id": "bad id!", "Message": "a"}], "InvalidBatchEntryId", None),
        (
            [{"Id": f"m{i}", "Message": BIG} for i in range(3)],
            "BatchRequestTooLong",
            "The length of all the messages put together is more than the limit.",
        ),
    ],
    ids=["eleven-entries", "duplicate-ids", "invalid-id", "too-long-in-total"],
)
def test_invalid_batch_is_refused(sns, topic, entries, code, message):
    with pytest.raises(ClientError) as exc:
        sns.publish_batch(TopicArn=topic, PublishBatchRequestEntries=entries)
    assert error_of(exc)[:2] == (code, 400)
    if message is not None:
        assert error_of(exc)[2] == message


def test_batch_entry_without_default_structure_fails_the_request(sns, topic):
    entries = [{"Id": "1", "Message": json.dumps({"sqs": "test sqs"}), "MessageStructure": "json"}]
    with pytest.raises(ClientError) as exc:
        sns.publish_batch(TopicArn=topic, PublishBatchRequestEntries=entries)
    assert error_of(exc) == (
        "InvalidParameter",
        400,
        "Invalid parameter: Message Structure - No default entry in JSON message body",
    )


def test_fifo_batch_entry_without_group_id_fails_the_request(sns, fifo_topic):
    entries = [{"Id": "1", "Message": "hello", "MessageDeduplicationId": "d1"}]
    with pytest.raises(ClientError) as exc:
        sns.publish_batch(TopicArn=fifo_topic, PublishBatchRequestEntries=entries)
    assert error_of(exc) == (
        "InvalidParameter",
        400,
        "Invalid parameter: The MessageGroupId parameter is required for FIFO topics",
    )


def test_fifo_batch_answers_sequence_numbers(sns, fifo_topic):
    entries = _entries(3, MessageGroupId="g1")
    for i, entry in enumerate(entries):
        entry["MessageDeduplicationId"] = f"d{i}"
    answer = sns.publish_batch(TopicArn=fifo_topic, PublishBatchRequestEntries=entries)
    assert answer["Failed"] == []
    assert all(s["SequenceNumber"] for s in answer["Successful"])


def test_publish_batch_to_missing_topic_is_not_found(sns):
    missing = "arn:aws:sns:us-east-1:000000000000:missing"
    with pytest.raises(ClientError) as exc:
        sns.publish_batch(TopicArn=missing, PublishBatchRequestEntries=_entries(1))
    assert error_of(exc) == ("NotFound", 404, "Topic does not exist")


# -- SMS -------------------------------------------------------------------------------------------


def test_publish_to_phone_number_lands_in_the_sms_outbox(cloudlet, sns):
    message_id = sns.publish(PhoneNumber="+15555550100", Message="your code is 1234")["MessageId"]
    cloudlet.settle()
    [sms] = [e for e in outbox(cloudlet, "sms") if e["destination"] == "+15555550100"]
    assert sms["body"] == "your code is 1234"
    assert sms["meta"]["MessageId"] == message_id


def test_publish_to_malformed_phone_number_is_refused(sns):
    with pytest.raises(ClientError) as exc:
        sns.publish(PhoneNumber="+1a234", Message="hello")
    assert error_of(exc) == (
        "InvalidParameter",
        400,
        "Invalid parameter: PhoneNumber Reason: +1a234 is not valid to publish to",
    )


def test_set_and_get_sms_attributes(sns):
    sns.set_sms_attributes(attributes={"DefaultSMSType": "Transactional", "DefaultSenderID": "Cloudlet"})
    attrs = sns.get_sms_attributes()["attributes"]
    assert attrs["DefaultSMSType"] == "Transactional"
    assert attrs["DefaultSenderID"] == "Cloudlet"
    only = sns.get_sms_attributes(attributes=["DefaultSMSType"])["attributes"]
    assert only == {"DefaultSMSType": "Transactional"}


def test_fresh_number_is_not_opted_out(sns):
    assert sns.check_if_phone_number_is_opted_out(phoneNumber="+15555550100")["isOptedOut"] is False


def test_no_numbers_are_opted_out_at_first(sns):
    assert sns.list_phone_numbers_opted_out()["phoneNumbers"] == []


def test_opt_in_phone_number_succeeds(sns):
    sns.opt_in_phone_number(phoneNumber="+15555550100")
    assert sns.check_if_phone_number_is_opted_out(phoneNumber="+15555550100")["isOptedOut"] is False


def test_sms_sandbox_account_status_answers(sns):
    assert isinstance(sns.get_sms_sandbox_account_status()["IsInSandbox"], bool)


def test_sandbox_number_is_verified_with_the_otp_from_the_outbox(cloudlet, sns):
    sns.create_sms_sandbox_phone_number(PhoneNumber="+15555550101", LanguageCode="en-US")
    listed = sns.list_sms_sandbox_phone_numbers()["PhoneNumbers"]
    assert listed == [{"PhoneNumber": "+15555550101", "Status": "Pending"}]
    cloudlet.settle()
    [sms] = [e for e in outbox(cloudlet, "sms") if e["destination"] == "+15555550101"]
    otp = sms["meta"]["OneTimePassword"]
    assert otp in sms["body"]
    sns.verify_sms_sandbox_phone_number(PhoneNumber="+15555550101", OneTimePassword=otp)
    listed = sns.list_sms_sandbox_phone_numbers()["PhoneNumbers"]
    assert listed == [{"PhoneNumber": "+15555550101", "Status": "Verified"}]


def test_sandbox_number_with_a_wrong_otp_is_refused(cloudlet, sns):
    sns.create_sms_sandbox_phone_number(PhoneNumber="+15555550102")
    cloudlet.settle()
    [sms] = [e for e in outbox(cloudlet, "sms") if e["destination"] == "+15555550102"]
    otp = int(sms["meta"]["OneTimePassword"])
    wrong = str((otp + 1) % 1_000_000).zfill(6)
    with pytest.raises(ClientError) as exc:
        sns.verify_sms_sandbox_phone_number(PhoneNumber="+15555550102", OneTimePassword=wrong)
    assert error_of(exc)[0] == "VerificationException"


def test_delete_sandbox_number(sns):
    sns.create_sms_sandbox_phone_number(PhoneNumber="+15555550103")
    sns.delete_sms_sandbox_phone_number(PhoneNumber="+15555550103")
    assert sns.list_sms_sandbox_phone_numbers()["PhoneNumbers"] == []


def test_delete_unknown_sandbox_number_is_not_found(sns):
    with pytest.raises(ClientError) as exc:
        sns.delete_sms_sandbox_phone_number(PhoneNumber="+15555550199")
    assert error_of(exc)[:2] == ("ResourceNotFound", 404)


def test_list_origination_numbers_answers_a_list(sns):
    assert isinstance(sns.list_origination_numbers()["PhoneNumbers"], list)


# -- mobile push -----------------------------------------------------------------------------------


def test_create_platform_application_is_not_implemented(sns):
    with pytest.raises(ClientError) as exc:
        sns.create_platform_application(Name="app", Platform="GCM", Attributes={"PlatformCredential": "key"})
    code, status, _ = error_of(exc)
    assert (code, status) == ("NotImplemented", 501)
