"""SNS subscriptions: subscribe, confirm, unsubscribe, list, attributes, FIFO rules.

Expected answers follow the SNS API reference and real-AWS recordings (localstack's
tests/aws/services/sns/test_sns.snapshot.json).
"""

from __future__ import annotations

import json
import re
import urllib.request

import pytest
from botocore.exceptions import ClientError

ACCOUNT = "000000000000"
REGION = "us-east-1"
HTTP_ENDPOINT = "http://127.0.0.1:9/sns"  # nothing listens; confirmation deliveries just fail


def error_of(exc_info) -> tuple[str, int, str]:
    response = exc_info.value.response
    return (
        response["Error"]["Code"],
        response["ResponseMetadata"]["HTTPStatusCode"],
        response["Error"].get("Message", ""),
    )


def queue_arn(name: str) -> str:
    return f"arn:aws:sqs:{REGION}:{ACCOUNT}:{name}"


@pytest.fixture
def topic(sns):
    return sns.create_topic(Name="orders")["TopicArn"]


@pytest.fixture
def fifo_topic(sns):
    return sns.create_topic(Name="orders.fifo", Attributes={"FifoTopic": "true"})["TopicArn"]


@pytest.fixture
def sqs_sub(sns, topic):
    return sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=queue_arn("q"))["SubscriptionArn"]


def _sub_attrs(sns, arn):
    return sns.get_subscription_attributes(SubscriptionArn=arn)["Attributes"]


def _confirmation_mail(cloudlet, address):
    cloudlet.settle()
    with urllib.request.urlopen(f"{cloudlet.endpoint}/_cloudlet/outbox?kind=email") as response:
        entries = json.loads(response.read())["entries"]
    [mail] = [e for e in entries if e["destination"] == address]
    return mail


def _subscribe_url(mail) -> str:
    return re.search(r"(https?://\S*Action=ConfirmSubscription\S*)", mail["body"]).group(1)


def _all_pages(call, **kwargs):
    items, sizes = [], []
    while True:
        page = call(**kwargs)
        sizes.append(len(page["Subscriptions"]))
        items += page["Subscriptions"]
        if "NextToken" not in page:
            return items, sizes
        kwargs["NextToken"] = page["NextToken"]


# -- Subscribe -------------------------------------------------------------------------------------


def test_sqs_subscription_is_confirmed_at_once(sns, topic):
    arn = sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=queue_arn("q"))["SubscriptionArn"]
    assert re.fullmatch(re.escape(topic) + r":[0-9a-f-]{36}", arn)
    attrs = _sub_attrs(sns, arn)
    assert attrs["PendingConfirmation"] == "false"
    assert attrs["ConfirmationWasAuthenticated"] == "true"
    assert attrs["Protocol"] == "sqs"
    assert attrs["Endpoint"] == queue_arn("q")
    assert attrs["TopicArn"] == topic
    assert attrs["Owner"] == ACCOUNT
    assert attrs["RawMessageDelivery"] == "false"


@pytest.mark.parametrize(
    ("protocol", "endpoint"),
    [("http", HTTP_ENDPOINT), ("https", "https://127.0.0.1:9/sns"), ("email", "someone@example.com")],
)
def test_confirmable_protocols_answer_pending_confirmation(sns, topic, protocol, endpoint):
    answer = sns.subscribe(TopicArn=topic, Protocol=protocol, Endpoint=endpoint)
    assert answer["SubscriptionArn"] == "pending confirmation"


def test_return_subscription_arn_gives_the_arn_of_a_pending_subscription(sns, topic):
    arn = sns.subscribe(TopicArn=topic, Protocol="http", Endpoint=HTTP_ENDPOINT, ReturnSubscriptionArn=True)[
        "SubscriptionArn"
    ]
    assert arn.startswith(topic + ":")
    attrs = _sub_attrs(sns, arn)
    assert attrs["PendingConfirmation"] == "true"
    assert attrs["ConfirmationWasAuthenticated"] == "false"


def test_subscribing_twice_returns_the_same_arn(sns, topic, sqs_sub):
    again = sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=queue_arn("q"))["SubscriptionArn"]
    assert again == sqs_sub
    assert len(sns.list_subscriptions_by_topic(TopicArn=topic)["Subscriptions"]) == 1


def test_subscribing_again_with_different_attributes_is_refused(sns, topic):
    sns.subscribe(
        TopicArn=topic, Protocol="sqs", Endpoint=queue_arn("q"), Attributes={"RawMessageDelivery": "true"}
    )
    with pytest.raises(ClientError) as exc:
        sns.subscribe(
            TopicArn=topic,
            Protocol="sqs",
            Endpoint=queue_arn("q"),
            Attributes={"RawMessageDelivery": "false"},
        )
    assert error_of(exc) == (
        "InvalidParameter",
        400,
        "Invalid parameter: Attributes Reason: Subscription already exists with different attributes",
    )


def test_subscription_to_a_queue_that_does_not_exist_is_accepted(sns, topic):
    arn = sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=queue_arn("not-yet"))["SubscriptionArn"]
    assert arn.startswith(topic + ":")


def test_sms_subscription_shows_raw_message_delivery_false(sns, topic):
    arn = sns.subscribe(TopicArn=topic, Protocol="sms", Endpoint="+123123123")["SubscriptionArn"]
    attrs = _sub_attrs(sns, arn)
    assert attrs["PendingConfirmation"] == "false"
    assert attrs["RawMessageDelivery"] == "false"


@pytest.mark.parametrize(
    ("protocol", "endpoint", "attributes", "message"),
    [
        (
            "test-protocol",
            "x",
            {},
            "Invalid parameter: Amazon SNS does not support this protocol string: test-protocol",
        ),
        ("sqs", f"http://localhost/{ACCOUNT}/q", {}, "Invalid parameter: SQS endpoint ARN"),
        ("sms", "invalid-number", {}, "Invalid SMS endpoint: invalid-number"),
        (
            "sqs",
            queue_arn("q"),
            {"RawMessageDelivery": "wrongvalue"},
            "Invalid parameter: Attributes Reason: RawMessageDelivery: Invalid value [wrongvalue]. "
            "Must be true or false.",
        ),
        (
            "sqs",
            queue_arn("q"),
            {"FilterPolicy": "invalid"},
            "Invalid parameter: Attributes Reason: FilterPolicy: failed to parse JSON.",
        ),
    ],
    ids=["unknown-protocol", "sqs-queue-url", "bad-sms-number", "raw-not-boolean", "filter-not-json"],
)
def test_invalid_subscribe_is_refused_with_aws_message(sns, topic, protocol, endpoint, attributes, message):
    with pytest.raises(ClientError) as exc:
        sns.subscribe(TopicArn=topic, Protocol=protocol, Endpoint=endpoint, Attributes=attributes)
    code, status, text = error_of(exc)
    assert (code, status) == ("InvalidParameter", 400)
    assert text.startswith(message)  # AWS appends the JSON parser's complaint to "failed to parse JSON."


@pytest.mark.parametrize(
    ("protocol", "endpoint"),
    [("http", "https://example.com/x"), ("https", "ftp://example.com/x"), ("email", "not-an-address")],
)
def test_endpoint_not_matching_the_protocol_is_refused(sns, topic, protocol, endpoint):
    with pytest.raises(ClientError) as exc:
        sns.subscribe(TopicArn=topic, Protocol=protocol, Endpoint=endpoint)
    assert error_of(exc)[:2] == ("InvalidParameter", 400)


# -- Subscribe attributes --------------------------------------------------------------------------


def test_subscribe_attributes_are_stored(sns, topic):
    policy = {"store": ["example_corp"]}
    redrive = {"deadLetterTargetArn": queue_arn("dlq")}
    arn = sns.subscribe(
        TopicArn=topic,
        Protocol="sqs",
        Endpoint=queue_arn("q"),
        Attributes={
            "RawMessageDelivery": "true",
            "FilterPolicy": json.dumps(policy),
            "FilterPolicyScope": "MessageBody",
            "RedrivePolicy": json.dumps(redrive),
        },
    )["SubscriptionArn"]
    attrs = _sub_attrs(sns, arn)
    assert attrs["RawMessageDelivery"] == "true"
    assert json.loads(attrs["FilterPolicy"]) == policy
    assert attrs["FilterPolicyScope"] == "MessageBody"
    assert json.loads(attrs["RedrivePolicy"]) == redrive


def test_filter_policy_scope_defaults_to_message_attributes(sns, topic):
    arn = sns.subscribe(
        TopicArn=topic,
        Protocol="sqs",
        Endpoint=queue_arn("q"),
        Attributes={"FilterPolicy": json.dumps({"attr1": [{"numeric": [">", 0, "<=", 100]}]})},
    )["SubscriptionArn"]
    assert _sub_attrs(sns, arn)["FilterPolicyScope"] == "MessageAttributes"


@pytest.mark.parametrize(
    ("protocol", "endpoint"),
    [("lambda", f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:f"), ("email", "someone@example.com")],
)
def test_raw_message_delivery_is_refused_for_lambda_and_email(sns, topic, protocol, endpoint):
    with pytest.raises(ClientError) as exc:
        sns.subscribe(
            TopicArn=topic, Protocol=protocol, Endpoint=endpoint, Attributes={"RawMessageDelivery": "true"}
        )
    assert error_of(exc)[:2] == ("InvalidParameter", 400)


# -- ConfirmSubscription ---------------------------------------------------------------------------


def test_confirm_with_the_token_from_the_confirmation_mail(cloudlet, sns, topic):
    arn = sns.subscribe(
        TopicArn=topic, Protocol="email", Endpoint="someone@example.com", ReturnSubscriptionArn=True
    )["SubscriptionArn"]
    mail = _confirmation_mail(cloudlet, "someone@example.com")
    assert mail["subject"] == "AWS Notification - Subscription Confirmation"
    token = re.search(r"[?&]Token=([^&\s]+)", _subscribe_url(mail)).group(1)
    confirmed = sns.confirm_subscription(TopicArn=topic, Token=token)["SubscriptionArn"]
    assert confirmed == arn
    assert _sub_attrs(sns, arn)["PendingConfirmation"] == "false"


def test_following_the_subscribe_url_confirms(cloudlet, sns, topic):
    arn = sns.subscribe(
        TopicArn=topic, Protocol="email", Endpoint="someone@example.com", ReturnSubscriptionArn=True
    )["SubscriptionArn"]
    url = _subscribe_url(_confirmation_mail(cloudlet, "someone@example.com"))
    with urllib.request.urlopen(url) as response:
        assert response.status == 200
        assert arn in response.read().decode()
    assert _sub_attrs(sns, arn)["PendingConfirmation"] == "false"


def test_confirm_with_an_unknown_token_is_refused(sns, topic):
    with pytest.raises(ClientError) as exc:
        sns.confirm_subscription(TopicArn=topic, Token="deadbeef" * 16)
    assert error_of(exc) == ("InvalidParameter", 400, "Invalid parameter: Token")


# -- Unsubscribe -----------------------------------------------------------------------------------


def test_unsubscribe_removes_the_subscription(sns, topic, sqs_sub):
    sns.unsubscribe(SubscriptionArn=sqs_sub)
    assert sns.list_subscriptions_by_topic(TopicArn=topic)["Subscriptions"] == []
    with pytest.raises(ClientError) as exc:
        sns.set_subscription_attributes(
            SubscriptionArn=sqs_sub, AttributeName="RawMessageDelivery", AttributeValue="true"
        )
    assert error_of(exc) == ("NotFound", 404, "Subscription does not exist")


def test_unsubscribe_is_idempotent(sns, sqs_sub):
    sns.unsubscribe(SubscriptionArn=sqs_sub)
    sns.unsubscribe(SubscriptionArn=sqs_sub)


# -- listing ---------------------------------------------------------------------------------------


def test_list_subscriptions_by_topic_shows_pending_ones(sns, topic, sqs_sub):
    sns.subscribe(TopicArn=topic, Protocol="email", Endpoint="test@example.com")
    listed = {s["Protocol"]: s for s in sns.list_subscriptions_by_topic(TopicArn=topic)["Subscriptions"]}
    assert listed["email"] == {
        "Endpoint": "test@example.com",
        "Owner": ACCOUNT,
        "Protocol": "email",
        "SubscriptionArn": "PendingConfirmation",
        "TopicArn": topic,
    }
    assert listed["sqs"]["SubscriptionArn"] == sqs_sub


def test_list_subscriptions_by_topic_pages_by_100(sns, topic):
    endpoints = {f"user{i}@example.com" for i in range(120)}
    for address in endpoints:
        sns.subscribe(TopicArn=topic, Protocol="email", Endpoint=address)
    items, sizes = _all_pages(sns.list_subscriptions_by_topic, TopicArn=topic)
    assert sizes == [100, 20]
    assert sorted(s["Endpoint"] for s in items) == sorted(endpoints)


def test_list_subscriptions_pages_over_all_topics(sns):
    arns = set()
    for t in range(3):
        topic = sns.create_topic(Name=f"topic-{t}")["TopicArn"]
        for q in range(45):
            arns.add(
                sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=queue_arn(f"q{q}"))["SubscriptionArn"]
            )
    items, sizes = _all_pages(sns.list_subscriptions)
    assert sizes == [100, 35]
    seen = [s["SubscriptionArn"] for s in items]
    assert len(seen) == len(set(seen))
    assert set(seen) == arns


# -- SetSubscriptionAttributes ---------------------------------------------------------------------


def test_set_raw_message_delivery(sns, sqs_sub):
    sns.set_subscription_attributes(
        SubscriptionArn=sqs_sub, AttributeName="RawMessageDelivery", AttributeValue="true"
    )
    assert _sub_attrs(sns, sqs_sub)["RawMessageDelivery"] == "true"


def test_set_filter_policy_and_scope(sns, sqs_sub):
    policy = json.dumps({"store": ["example_corp"]})
    sns.set_subscription_attributes(
        SubscriptionArn=sqs_sub, AttributeName="FilterPolicy", AttributeValue=policy
    )
    attrs = _sub_attrs(sns, sqs_sub)
    assert json.loads(attrs["FilterPolicy"]) == {"store": ["example_corp"]}
    assert attrs["FilterPolicyScope"] == "MessageAttributes"
    sns.set_subscription_attributes(
        SubscriptionArn=sqs_sub, AttributeName="FilterPolicyScope", AttributeValue="MessageBody"
    )
    assert _sub_attrs(sns, sqs_sub)["FilterPolicyScope"] == "MessageBody"


def test_set_redrive_policy(sns, sqs_sub):
    redrive = json.dumps({"deadLetterTargetArn": queue_arn("dlq")})
    sns.set_subscription_attributes(
        SubscriptionArn=sqs_sub, AttributeName="RedrivePolicy", AttributeValue=redrive
    )
    assert json.loads(_sub_attrs(sns, sqs_sub)["RedrivePolicy"]) == {"deadLetterTargetArn": queue_arn("dlq")}


def test_set_delivery_policy_on_http_subscription(sns, topic):
    arn = sns.subscribe(TopicArn=topic, Protocol="http", Endpoint=HTTP_ENDPOINT, ReturnSubscriptionArn=True)[
        "SubscriptionArn"
    ]
    policy = {"healthyRetryPolicy": {"minDelayTarget": 1, "maxDelayTarget": 1, "numRetries": 0}}
    sns.set_subscription_attributes(
        SubscriptionArn=arn, AttributeName="DeliveryPolicy", AttributeValue=json.dumps(policy)
    )
    attrs = _sub_attrs(sns, arn)
    assert json.loads(attrs["DeliveryPolicy"])["healthyRetryPolicy"]["numRetries"] == 0
    assert "EffectiveDeliveryPolicy" in attrs


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("Fake", "x", "Invalid parameter: AttributeName"),
        (
            "RawMessageDelivery",
            "test-ValUe",
            "Invalid parameter: RawMessageDelivery: Invalid value [test-ValUe]. Must be true or false.",
        ),
        (
            "RedrivePolicy",
            json.dumps({"deadLetterTargetArn": "fake-arn"}),
            "Invalid parameter: RedrivePolicy: deadLetterTargetArn is an invalid arn",
        ),
        ("RedrivePolicy", "{invalid", "Invalid parameter: RedrivePolicy: failed to parse JSON."),
        ("FilterPolicy", "{invalid", "Invalid parameter: FilterPolicy: failed to parse JSON."),
    ],
    ids=["unknown-name", "raw-not-boolean", "redrive-not-sqs-arn", "redrive-not-json", "filter-not-json"],
)
def test_set_invalid_subscription_attribute_is_refused(sns, sqs_sub, name, value, message):
    with pytest.raises(ClientError) as exc:
        sns.set_subscription_attributes(SubscriptionArn=sqs_sub, AttributeName=name, AttributeValue=value)
    code, status, text = error_of(exc)
    assert (code, status) == ("InvalidParameter", 400)
    assert text.startswith(message)  # AWS appends the JSON parser's complaint to "failed to parse JSON."


# -- FIFO ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("protocol", "endpoint"),
    [
        ("http", HTTP_ENDPOINT),
        ("email", "someone@example.com"),
        ("lambda", f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:f"),
    ],
)
def test_fifo_topic_refuses_non_sqs_protocols(sns, fifo_topic, protocol, endpoint):
    with pytest.raises(ClientError) as exc:
        sns.subscribe(TopicArn=fifo_topic, Protocol=protocol, Endpoint=endpoint)
    assert error_of(exc)[:2] == ("InvalidParameter", 400)


def test_fifo_topic_accepts_a_fifo_queue(sns, sqs, fifo_topic):
    sqs.create_queue(QueueName="q.fifo", Attributes={"FifoQueue": "true"})
    arn = sns.subscribe(TopicArn=fifo_topic, Protocol="sqs", Endpoint=queue_arn("q.fifo"))["SubscriptionArn"]
    assert arn.startswith(fifo_topic + ":")


def test_fifo_topic_accepts_a_standard_queue(sns, sqs, fifo_topic):
    sqs.create_queue(QueueName="standard")
    arn = sns.subscribe(TopicArn=fifo_topic, Protocol="sqs", Endpoint=queue_arn("standard"))[
        "SubscriptionArn"
    ]
    assert _sub_attrs(sns, arn)["Endpoint"] == queue_arn("standard")


def test_standard_topic_refuses_a_fifo_queue(sns, sqs, topic):
    sqs.create_queue(QueueName="q.fifo", Attributes={"FifoQueue": "true"})
    with pytest.raises(ClientError) as exc:
        sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=queue_arn("q.fifo"))
    code, status, message = error_of(exc)
    assert (code, status) == ("InvalidParameter", 400)
    assert "FIFO SQS Queues can not be subscribed to standard SNS topics" in message
