"""SNS topics: create, delete, list, attributes, tags, permissions, data protection, isolation.

Expected answers follow the SNS API reference and real-AWS recordings (localstack's
tests/aws/services/sns/test_sns.snapshot.json).
"""

from __future__ import annotations

import json

import pytest
from botocore.exceptions import ClientError

ACCOUNT = "000000000000"
REGION = "us-east-1"

DEFAULT_EFFECTIVE_DELIVERY_POLICY = {
    "http": {
        "defaultHealthyRetryPolicy": {
            "minDelayTarget": 20,
            "maxDelayTarget": 20,
            "numRetries": 3,
            "numMaxDelayRetries": 0,
            "numNoDelayRetries": 0,
            "numMinDelayRetries": 0,
            "backoffFunction": "linear",
        },
        "disableSubscriptionOverrides": False,
        "defaultRequestPolicy": {"headerContentType": "text/plain; charset=UTF-8"},
    }
}


def error_of(exc_info) -> tuple[str, int, str]:
    response = exc_info.value.response
    return (
        response["Error"]["Code"],
        response["ResponseMetadata"]["HTTPStatusCode"],
        response["Error"].get("Message", ""),
    )


@pytest.fixture
def topic(sns):
    return sns.create_topic(Name="orders")["TopicArn"]


def _attrs(sns, arn):
    return sns.get_topic_attributes(TopicArn=arn)["Attributes"]


# -- CreateTopic -----------------------------------------------------------------------------------


def test_create_topic_returns_arn_of_account_region_and_name(sns):
    arn = sns.create_topic(Name="orders")["TopicArn"]
    assert arn == f"arn:aws:sns:{REGION}:{ACCOUNT}:orders"


def test_create_topic_is_idempotent_with_same_attributes(sns):
    first = sns.create_topic(Name="orders", Attributes={"DisplayName": "Orders"})["TopicArn"]
    second = sns.create_topic(Name="orders", Attributes={"DisplayName": "Orders"})["TopicArn"]
    assert first == second
    assert [t["TopicArn"] for t in sns.list_topics()["Topics"]] == [first]


def test_create_topic_again_without_attributes_keeps_the_topic(sns):
    first = sns.create_topic(Name="orders")["TopicArn"]
    sns.set_topic_attributes(TopicArn=first, AttributeName="DisplayName", AttributeValue="AlreadySet")
    second = sns.create_topic(Name="orders")["TopicArn"]
    assert second == first
    assert _attrs(sns, first)["DisplayName"] == "AlreadySet"


def test_create_topic_with_different_attributes_is_refused(sns):
    sns.create_topic(Name="orders", Attributes={"DisplayName": "Orders"})
    with pytest.raises(ClientError) as exc:
        sns.create_topic(Name="orders", Attributes={"DisplayName": "Other"})
    assert error_of(exc) == (
        "InvalidParameter",
        400,
        "Invalid parameter: Attributes Reason: Topic already exists with different attributes",
    )


def test_create_topic_again_with_more_tags_is_refused(sns):
    sns.create_topic(Name="orders")
    with pytest.raises(ClientError) as exc:
        sns.create_topic(Name="orders", Tags=[{"Key": "key1", "Value": "value1"}])
    assert error_of(exc) == (
        "InvalidParameter",
        400,
        "Invalid parameter: Tags Reason: Topic already exists with different tags",
    )


def test_create_topic_again_with_a_subset_of_its_tags_returns_it(sns):
    tags = [{"Key": "a", "Value": "1"}, {"Key": "b", "Value": "2"}]
    arn = sns.create_topic(Name="orders", Tags=tags)["TopicArn"]
    assert sns.create_topic(Name="orders", Tags=tags)["TopicArn"] == arn
    assert sns.create_topic(Name="orders", Tags=[tags[0]])["TopicArn"] == arn
    assert sns.create_topic(Name="orders", Tags=[])["TopicArn"] == arn


def test_topic_name_of_256_characters_is_accepted(sns):
    arn = sns.create_topic(Name="a" * 256)["TopicArn"]
    assert arn.endswith(":" + "a" * 256)


@pytest.mark.parametrize("name", ["", "a" * 257, "bad:name", "bad;name", "bad!name", "bad@name", "bad name"])
def test_invalid_topic_names_are_refused(sns, name):
    with pytest.raises(ClientError) as exc:
        sns.create_topic(Name=name)
    assert error_of(exc) == ("InvalidParameter", 400, "Invalid parameter: Topic Name")


@pytest.mark.parametrize(
    ("name", "attributes"),
    [("orders", {"FifoTopic": "true"}), ("orders.fifo", {})],
    ids=["fifo-without-suffix", "suffix-without-fifo"],
)
def test_fifo_topic_needs_both_suffix_and_attribute(sns, name, attributes):
    with pytest.raises(ClientError) as exc:
        sns.create_topic(Name=name, Attributes=attributes)
    assert error_of(exc)[:2] == ("InvalidParameter", 400)


def test_fifo_topic_is_created_with_suffix_and_attribute(sns):
    arn = sns.create_topic(Name="orders.fifo", Attributes={"FifoTopic": "true"})["TopicArn"]
    assert arn == f"arn:aws:sns:{REGION}:{ACCOUNT}:orders.fifo"


# -- DeleteTopic -----------------------------------------------------------------------------------


def test_delete_topic_removes_it(sns, topic):
    sns.delete_topic(TopicArn=topic)
    with pytest.raises(ClientError) as exc:
        sns.get_topic_attributes(TopicArn=topic)
    assert error_of(exc) == ("NotFound", 404, "Topic does not exist")
    assert sns.list_topics()["Topics"] == []


def test_delete_topic_is_idempotent(sns, topic):
    sns.delete_topic(TopicArn=topic)
    sns.delete_topic(TopicArn=topic)
    sns.delete_topic(TopicArn=f"arn:aws:sns:{REGION}:{ACCOUNT}:never-existed")


def test_delete_topic_deletes_its_subscriptions(sns, topic):
    sub = sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=f"arn:aws:sqs:{REGION}:{ACCOUNT}:q")
    sns.delete_topic(TopicArn=topic)
    assert sns.list_subscriptions()["Subscriptions"] == []
    with pytest.raises(ClientError):
        sns.get_subscription_attributes(SubscriptionArn=sub["SubscriptionArn"])


# -- ListTopics ------------------------------------------------------------------------------------


def test_list_topics_pages_by_100_and_shows_every_topic_once(sns):
    created = {sns.create_topic(Name=f"topic-{i:03d}")["TopicArn"] for i in range(230)}
    seen: list[str] = []
    pages = []
    kwargs: dict = {}
    while True:
        page = sns.list_topics(**kwargs)
        pages.append(len(page["Topics"]))
        seen += [t["TopicArn"] for t in page["Topics"]]
        if "NextToken" not in page:
            break
        kwargs = {"NextToken": page["NextToken"]}
    assert pages == [100, 100, 30]
    assert len(seen) == len(set(seen))
    assert set(seen) == created


# -- GetTopicAttributes ----------------------------------------------------------------------------


def test_standard_topic_default_attributes(sns, topic):
    attrs = _attrs(sns, topic)
    assert set(attrs) == {
        "DisplayName",
        "EffectiveDeliveryPolicy",
        "Owner",
        "Policy",
        "SubscriptionsConfirmed",
        "SubscriptionsDeleted",
        "SubscriptionsPending",
        "TopicArn",
    }
    assert attrs["DisplayName"] == ""
    assert attrs["Owner"] == ACCOUNT
    assert attrs["TopicArn"] == topic
    counts = [attrs[k] for k in ("SubscriptionsConfirmed", "SubscriptionsPending", "SubscriptionsDeleted")]
    assert counts == ["0", "0", "0"]
    assert json.loads(attrs["EffectiveDeliveryPolicy"]) == DEFAULT_EFFECTIVE_DELIVERY_POLICY


def test_default_policy_allows_the_owner_account(sns, topic):
    policy = json.loads(_attrs(sns, topic)["Policy"])
    assert policy["Version"] == "2008-10-17"
    assert policy["Id"] == "__default_policy_ID"
    [statement] = policy["Statement"]
    assert statement["Sid"] == "__default_statement_ID"
    assert statement["Effect"] == "Allow"
    assert statement["Principal"] == {"AWS": "*"}
    assert statement["Resource"] == topic
    assert statement["Condition"] == {"StringEquals": {"AWS:SourceOwner": ACCOUNT}}
    assert set(statement["Action"]) == {
        "SNS:GetTopicAttributes",
        "SNS:SetTopicAttributes",
        "SNS:AddPermission",
        "SNS:RemovePermission",
        "SNS:DeleteTopic",
        "SNS:Subscribe",
        "SNS:ListSubscriptionsByTopic",
        "SNS:Publish",
    }


def test_fifo_topic_attributes(sns):
    arn = sns.create_topic(Name="orders.fifo", Attributes={"FifoTopic": "true"})["TopicArn"]
    attrs = _attrs(sns, arn)
    assert attrs["FifoTopic"] == "true"
    assert attrs["ContentBasedDeduplication"] == "false"
    assert attrs["TopicArn"] == arn


def test_subscription_counts_in_topic_attributes(sns, topic):
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=f"arn:aws:sqs:{REGION}:{ACCOUNT}:q")
    sns.subscribe(TopicArn=topic, Protocol="email", Endpoint="someone@example.com")
    attrs = _attrs(sns, topic)
    assert attrs["SubscriptionsConfirmed"] == "1"
    assert attrs["SubscriptionsPending"] == "1"


# -- SetTopicAttributes ----------------------------------------------------------------------------


def test_set_display_name(sns, topic):
    sns.set_topic_attributes(TopicArn=topic, AttributeName="DisplayName", AttributeValue="Orders")
    assert _attrs(sns, topic)["DisplayName"] == "Orders"


def test_set_delivery_policy_shows_in_effective_delivery_policy(sns, topic):
    policy = {
        "http": {"defaultHealthyRetryPolicy": {"minDelayTarget": 5, "maxDelayTarget": 6, "numRetries": 1}}
    }
    sns.set_topic_attributes(
        TopicArn=topic, AttributeName="DeliveryPolicy", AttributeValue=json.dumps(policy)
    )
    attrs = _attrs(sns, topic)
    assert json.loads(attrs["DeliveryPolicy"])["http"]["defaultHealthyRetryPolicy"] == {
        "minDelayTarget": 5,
        "maxDelayTarget": 6,
        "numRetries": 1,
    }
    effective = json.loads(attrs["EffectiveDeliveryPolicy"])["http"]
    default_retry = DEFAULT_EFFECTIVE_DELIVERY_POLICY["http"]["defaultHealthyRetryPolicy"]
    expected_retry = {**default_retry, "minDelayTarget": 5, "maxDelayTarget": 6, "numRetries": 1}
    assert effective["defaultHealthyRetryPolicy"] == expected_retry
    assert effective["defaultRequestPolicy"] == {"headerContentType": "text/plain; charset=UTF-8"}


def test_set_empty_delivery_policy_removes_it(sns, topic):
    policy = {"http": {"defaultRequestPolicy": {"headerContentType": "application/json"}}}
    sns.set_topic_attributes(
        TopicArn=topic, AttributeName="DeliveryPolicy", AttributeValue=json.dumps(policy)
    )
    sns.set_topic_attributes(TopicArn=topic, AttributeName="DeliveryPolicy", AttributeValue="")
    attrs = _attrs(sns, topic)
    assert "DeliveryPolicy" not in attrs
    assert json.loads(attrs["EffectiveDeliveryPolicy"]) == DEFAULT_EFFECTIVE_DELIVERY_POLICY


@pytest.mark.parametrize("version", ["1", "2"])
def test_set_signature_version(sns, topic, version):
    sns.set_topic_attributes(TopicArn=topic, AttributeName="SignatureVersion", AttributeValue=version)
    assert _attrs(sns, topic)["SignatureVersion"] == version


def test_invalid_signature_version_is_refused(sns, topic):
    with pytest.raises(ClientError) as exc:
        sns.set_topic_attributes(TopicArn=topic, AttributeName="SignatureVersion", AttributeValue="3")
    assert error_of(exc)[:2] == ("InvalidParameter", 400)


def test_unknown_attribute_name_is_refused(sns, topic):
    with pytest.raises(ClientError) as exc:
        sns.set_topic_attributes(TopicArn=topic, AttributeName="NoSuchAttribute", AttributeValue="x")
    assert error_of(exc) == ("InvalidParameter", 400, "Invalid parameter: AttributeName")


def test_fifo_topic_cannot_be_set_after_creation(sns, topic):
    with pytest.raises(ClientError) as exc:
        sns.set_topic_attributes(TopicArn=topic, AttributeName="FifoTopic", AttributeValue="false")
    assert error_of(exc) == ("InvalidParameter", 400, "Invalid parameter: AttributeName")


# -- tags ------------------------------------------------------------------------------------------


def test_tag_list_untag_and_update(sns, topic):
    sns.tag_resource(ResourceArn=topic, Tags=[{"Key": "k1", "Value": "v1"}, {"Key": "k2", "Value": "v2"}])
    tags = sorted(sns.list_tags_for_resource(ResourceArn=topic)["Tags"], key=lambda t: t["Key"])
    assert tags == [{"Key": "k1", "Value": "v1"}, {"Key": "k2", "Value": "v2"}]
    sns.untag_resource(ResourceArn=topic, TagKeys=["k1"])
    assert sns.list_tags_for_resource(ResourceArn=topic)["Tags"] == [{"Key": "k2", "Value": "v2"}]
    sns.tag_resource(ResourceArn=topic, Tags=[{"Key": "k2", "Value": "v2b"}])
    assert sns.list_tags_for_resource(ResourceArn=topic)["Tags"] == [{"Key": "k2", "Value": "v2b"}]


def test_tag_resource_with_duplicate_keys_is_refused(sns, topic):
    with pytest.raises(ClientError) as exc:
        sns.tag_resource(
            ResourceArn=topic,
            Tags=[{"Key": "k1", "Value": "v1"}, {"Key": "k2", "Value": "v2"}, {"Key": "k2", "Value": "v2"}],
        )
    assert error_of(exc) == ("InvalidParameter", 400, "Invalid parameter: Duplicated keys are not allowed.")


def test_tags_given_at_creation_are_listed(sns):
    arn = sns.create_topic(Name="orders", Tags=[{"Key": "team", "Value": "billing"}])["TopicArn"]
    assert sns.list_tags_for_resource(ResourceArn=arn)["Tags"] == [{"Key": "team", "Value": "billing"}]


def test_tags_of_missing_topic_are_not_found(sns):
    with pytest.raises(ClientError) as exc:
        sns.list_tags_for_resource(ResourceArn=f"arn:aws:sns:{REGION}:{ACCOUNT}:missing")
    assert error_of(exc)[:2] == ("ResourceNotFound", 404)


# -- permissions -----------------------------------------------------------------------------------


def test_add_permission_adds_a_statement(sns, topic):
    sns.add_permission(
        TopicArn=topic, Label="let-them-publish", AWSAccountId=["111122223333"], ActionName=["Publish"]
    )
    statements = json.loads(_attrs(sns, topic)["Policy"])["Statement"]
    [added] = [s for s in statements if s["Sid"] == "let-them-publish"]
    assert added["Effect"] == "Allow"
    assert added["Principal"] == {"AWS": "arn:aws:iam::111122223333:root"}
    assert added["Action"] in ("SNS:Publish", ["SNS:Publish"])
    assert added["Resource"] == topic
    assert any(s["Sid"] == "__default_statement_ID" for s in statements)


def test_remove_permission_removes_the_statement(sns, topic):
    sns.add_permission(TopicArn=topic, Label="tmp", AWSAccountId=["111122223333"], ActionName=["Publish"])
    sns.remove_permission(TopicArn=topic, Label="tmp")
    sids = [s["Sid"] for s in json.loads(_attrs(sns, topic)["Policy"])["Statement"]]
    assert sids == ["__default_statement_ID"]


# -- data protection policy ------------------------------------------------------------------------


def test_put_and_get_data_protection_policy(sns, topic):
    statement = {
        "Sid": "deny-email",
        "DataDirection": "Inbound",
        "Principal": ["*"],
        "DataIdentifier": ["arn:aws:dataprotection::aws:data-identifier/EmailAddress"],
        "Operation": {"Deny": {}},
    }
    policy = json.dumps({"Name": "p", "Description": "", "Version": "2021-06-01", "Statement": [statement]})
    sns.put_data_protection_policy(ResourceArn=topic, DataProtectionPolicy=policy)
    got = sns.get_data_protection_policy(ResourceArn=topic)["DataProtectionPolicy"]
    assert json.loads(got) == json.loads(policy)


# -- missing topics --------------------------------------------------------------------------------

MISSING = f"arn:aws:sns:{REGION}:{ACCOUNT}:missing"


@pytest.mark.parametrize(
    "call",
    [
        lambda sns: sns.get_topic_attributes(TopicArn=MISSING),
        lambda sns: sns.set_topic_attributes(
            TopicArn=MISSING, AttributeName="DisplayName", AttributeValue="x"
        ),
        lambda sns: sns.publish(TopicArn=MISSING, Message="hello"),
        lambda sns: sns.subscribe(
            TopicArn=MISSING, Protocol="sqs", Endpoint=f"arn:aws:sqs:{REGION}:{ACCOUNT}:q"
        ),
    ],
    ids=["get-attributes", "set-attributes", "publish", "subscribe"],
)
def test_missing_topic_is_not_found(sns, call):
    with pytest.raises(ClientError) as exc:
        call(sns)
    assert error_of(exc) == ("NotFound", 404, "Topic does not exist")


# -- accounts and regions --------------------------------------------------------------------------


def test_accounts_are_isolated(cloudlet, sns):
    other = cloudlet.client("sns", account="111111111111")
    mine = sns.create_topic(Name="shared-name")["TopicArn"]
    theirs = other.create_topic(Name="shared-name")["TopicArn"]
    assert mine == f"arn:aws:sns:{REGION}:{ACCOUNT}:shared-name"
    assert theirs == f"arn:aws:sns:{REGION}:111111111111:shared-name"
    assert [t["TopicArn"] for t in sns.list_topics()["Topics"]] == [mine]
    assert [t["TopicArn"] for t in other.list_topics()["Topics"]] == [theirs]


def test_regions_are_isolated(cloudlet, sns):
    west = cloudlet.client("sns", region="us-west-1")
    east_arn = sns.create_topic(Name="shared-name")["TopicArn"]
    west_arn = west.create_topic(Name="shared-name")["TopicArn"]
    assert west_arn == f"arn:aws:sns:us-west-1:{ACCOUNT}:shared-name"
    assert east_arn != west_arn
    assert [t["TopicArn"] for t in sns.list_topics()["Topics"]] == [east_arn]
    assert [t["TopicArn"] for t in west.list_topics()["Topics"]] == [west_arn]
    assert _attrs(west, west_arn)["TopicArn"] == west_arn


def test_topic_of_another_region_is_refused(cloudlet, sns):
    west = cloudlet.client("sns", region="us-west-1")
    west_arn = west.create_topic(Name="westerly")["TopicArn"]
    with pytest.raises(ClientError) as exc:
        sns.get_topic_attributes(TopicArn=west_arn)
    assert error_of(exc) == ("InvalidParameter", 400, "Invalid parameter: TopicArn")
