"""Queue tags, AddPermission/RemovePermission policies, ListQueues paging, dead-letter sources, and
isolation between accounts and regions, over both protocols."""

from __future__ import annotations

import json

import pytest
from botocore.exceptions import ClientError

from tests.services.sqs.conftest import error_of, query_client

OTHER_ACCOUNT = "111111111111"


@pytest.fixture
def client_for(sqs, cloudlet, legacy_sqs_data):
    """Another client of the same protocol as `sqs`, for an account and/or region."""

    def make(account=None, region=None):
        if sqs.meta.service_model.protocol == "json":
            return cloudlet.client("sqs", account=account, region=region)
        kwargs = {"region_name": region or "us-east-1"}
        if account:
            kwargs["aws_access_key_id"] = account
        return query_client(cloudlet, legacy_sqs_data, **kwargs)

    return make


def _fail(call, **kwargs):
    with pytest.raises(ClientError) as exc_info:
        call(**kwargs)
    code, status = error_of(exc_info)
    return code, status, exc_info.value.response["Error"]["Message"]


def _attribute(sqs, url, name):
    return sqs.get_queue_attributes(QueueUrl=url, AttributeNames=[name]).get("Attributes", {}).get(name)


def _arn(sqs, url):
    return _attribute(sqs, url, "QueueArn")


# -- tags ------------------------------------------------------------------------------------------


def test_tags_given_at_create_are_listed(sqs):
    url = sqs.create_queue(QueueName="tagged", tags={"team": "core", "env": "test"})["QueueUrl"]
    assert sqs.list_queue_tags(QueueUrl=url)["Tags"] == {"team": "core", "env": "test"}


def test_untagged_queue_lists_no_tags(sqs, queue):
    assert sqs.list_queue_tags(QueueUrl=queue).get("Tags", {}) == {}


def test_tag_queue_adds_and_overwrites(sqs):
    url = sqs.create_queue(QueueName="tagged", tags={"team": "core"})["QueueUrl"]
    sqs.tag_queue(QueueUrl=url, Tags={"team": "edge", "cost": "42"})
    assert sqs.list_queue_tags(QueueUrl=url)["Tags"] == {"team": "edge", "cost": "42"}


def test_untag_queue_removes_only_named_keys(sqs):
    url = sqs.create_queue(QueueName="tagged", tags={"a": "1", "b": "2", "c": "3"})["QueueUrl"]
    sqs.untag_queue(QueueUrl=url, TagKeys=["a", "c", "not-there"])
    assert sqs.list_queue_tags(QueueUrl=url)["Tags"] == {"b": "2"}


def test_empty_tag_key_is_rejected(sqs, queue):
    code, status, message = _fail(sqs.tag_queue, QueueUrl=queue, Tags={"": "v"})
    assert (code, status) == ("InvalidParameterValue", 400)
    assert message == "Tag keys must be between 1 and 128 characters in length."


def test_tags_do_not_change_queue_attributes(sqs, queue):
    sqs.tag_queue(QueueUrl=queue, Tags={"a": "1"})
    assert sqs.create_queue(QueueName="work")["QueueUrl"] == queue


# -- AddPermission / RemovePermission --------------------------------------------------------------


def _policy(sqs, url):
    text = _attribute(sqs, url, "Policy")
    return None if text is None else json.loads(text)


def test_add_permission_writes_policy_with_plain_strings(sqs, queue):
    sqs.add_permission(QueueUrl=queue, Label="send", AWSAccountIds=[OTHER_ACCOUNT], Actions=["SendMessage"])
    arn = _arn(sqs, queue)
    assert _policy(sqs, queue) == {
        "Version": "2008-10-17",
        "Id": f"{arn}/SQSDefaultPolicy",
        "Statement": [
            {
                "Sid": "send",
                "Effect": "Allow",
                "Principal": {"AWS": f"arn:aws:iam::{OTHER_ACCOUNT}:root"},
                "Action": "SQS:SendMessage",
                "Resource": arn,
            }
        ],
    }


def test_add_permission_uses_lists_for_several_principals_and_actions(sqs, queue):
    sqs.add_permission(
        QueueUrl=queue,
        Label="both",
        AWSAccountIds=[OTHER_ACCOUNT, "222222222222"],
        Actions=["SendMessage", "ReceiveMessage"],
    )
    (statement,) = _policy(sqs, queue)["Statement"]
    assert statement["Principal"] == {
        "AWS": [f"arn:aws:iam::{OTHER_ACCOUNT}:root", "arn:aws:iam::222222222222:root"]
    }
    assert statement["Action"] == ["SQS:SendMessage", "SQS:ReceiveMessage"]


def test_second_add_permission_appends_a_statement(sqs, queue):
    sqs.add_permission(QueueUrl=queue, Label="one", AWSAccountIds=[OTHER_ACCOUNT], Actions=["SendMessage"])
    sqs.add_permission(QueueUrl=queue, Label="two", AWSAccountIds=[OTHER_ACCOUNT], Actions=["DeleteMessage"])
    assert [s["Sid"] for s in _policy(sqs, queue)["Statement"]] == ["one", "two"]


def test_duplicate_label_is_rejected(sqs, queue):
    sqs.add_permission(QueueUrl=queue, Label="send", AWSAccountIds=[OTHER_ACCOUNT], Actions=["SendMessage"])
    code, status, message = _fail(
        sqs.add_permission,
        QueueUrl=queue,
        Label="send",
        AWSAccountIds=[OTHER_ACCOUNT],
        Actions=["ReceiveMessage"],
    )
    assert (code, status) == ("InvalidParameterValue", 400)
    assert message == "Value send for parameter Label is invalid. Reason: Already exists."


def test_remove_unknown_label_is_rejected(sqs, queue):
    code, status, message = _fail(sqs.remove_permission, QueueUrl=queue, Label="nope")
    assert (code, status) == ("InvalidParameterValue", 400)
    assert message == "Value nope for parameter Label is invalid. Reason: can't find label."


def test_remove_one_of_two_statements_keeps_the_other(sqs, queue):
    sqs.add_permission(QueueUrl=queue, Label="one", AWSAccountIds=[OTHER_ACCOUNT], Actions=["SendMessage"])
    sqs.add_permission(QueueUrl=queue, Label="two", AWSAccountIds=[OTHER_ACCOUNT], Actions=["DeleteMessage"])
    sqs.remove_permission(QueueUrl=queue, Label="one")
    assert [s["Sid"] for s in _policy(sqs, queue)["Statement"]] == ["two"]


def test_removing_last_statement_removes_policy(sqs, queue):
    sqs.add_permission(QueueUrl=queue, Label="only", AWSAccountIds=[OTHER_ACCOUNT], Actions=["SendMessage"])
    sqs.remove_permission(QueueUrl=queue, Label="only")
    assert "Policy" not in sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["All"])["Attributes"]


# -- ListQueues ------------------------------------------------------------------------------------


def test_list_queues_without_queues_has_no_urls(sqs):
    assert "QueueUrls" not in sqs.list_queues()


def test_list_queues_filters_by_prefix(sqs):
    urls = {
        name: sqs.create_queue(QueueName=name)["QueueUrl"]
        for name in ["orders", "orders-dlq", "billing", "Orders"]
    }
    got = sqs.list_queues(QueueNamePrefix="orders")
    assert sorted(got["QueueUrls"]) == sorted([urls["orders"], urls["orders-dlq"]])


def test_list_queues_without_max_results_has_no_token(sqs):
    for i in range(5):
        sqs.create_queue(QueueName=f"q{i}")
    got = sqs.list_queues()
    assert len(got["QueueUrls"]) == 5
    assert "NextToken" not in got


def test_list_queues_pages_with_max_results(sqs):
    created = {sqs.create_queue(QueueName=f"queue-{i}")["QueueUrl"] for i in range(7)}
    seen, sizes, token = [], [], None
    while True:
        kwargs = {"MaxResults": 3} | ({"NextToken": token} if token else {})
        page = sqs.list_queues(**kwargs)
        seen += page["QueueUrls"]
        sizes.append(len(page["QueueUrls"]))
        token = page.get("NextToken")
        if not token:
            break
    assert sizes == [3, 3, 1]
    assert sorted(seen) == sorted(created)


def test_list_queues_exact_page_has_no_token(sqs):
    for i in range(3):
        sqs.create_queue(QueueName=f"q{i}")
    assert "NextToken" not in sqs.list_queues(MaxResults=3)


# -- ListDeadLetterSourceQueues --------------------------------------------------------------------


def test_list_dead_letter_source_queues(sqs):
    dlq = sqs.create_queue(QueueName="dlq")["QueueUrl"]
    policy = json.dumps({"deadLetterTargetArn": _arn(sqs, dlq), "maxReceiveCount": "3"})
    sources = [
        sqs.create_queue(QueueName=name, Attributes={"RedrivePolicy": policy})["QueueUrl"]
        for name in ["src-a", "src-b"]
    ]
    sqs.create_queue(QueueName="unrelated")
    assert sorted(sqs.list_dead_letter_source_queues(QueueUrl=dlq)["queueUrls"]) == sorted(sources)


def test_list_dead_letter_source_queues_of_plain_queue_is_empty(sqs, queue):
    assert sqs.list_dead_letter_source_queues(QueueUrl=queue).get("queueUrls", []) == []


# -- accounts and regions --------------------------------------------------------------------------


def test_get_queue_url_of_another_account(sqs, client_for):
    other = client_for(account=OTHER_ACCOUNT)
    owned = other.create_queue(QueueName="shared")["QueueUrl"]
    found = sqs.get_queue_url(QueueName="shared", QueueOwnerAWSAccountId=OTHER_ACCOUNT)["QueueUrl"]
    assert found == owned
    assert f"/{OTHER_ACCOUNT}/shared" in found


def test_get_queue_url_without_owner_looks_in_own_account(sqs, client_for):
    client_for(account=OTHER_ACCOUNT).create_queue(QueueName="shared")
    code, _, _ = _fail(sqs.get_queue_url, QueueName="shared")
    assert code == "AWS.SimpleQueueService.NonExistentQueue"


def _bodies(sqs, url):
    return [m["Body"] for m in sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])]


def test_same_name_in_two_accounts_are_different_queues(sqs, client_for):
    other = client_for(account=OTHER_ACCOUNT)
    mine = sqs.create_queue(QueueName="jobs")["QueueUrl"]
    theirs = other.create_queue(QueueName="jobs")["QueueUrl"]
    assert mine != theirs
    sqs.send_message(QueueUrl=mine, MessageBody="for me")
    assert _bodies(other, theirs) == []
    assert _bodies(sqs, mine) == ["for me"]


def test_same_name_in_two_regions_are_different_queues(sqs, client_for):
    west = client_for(region="eu-west-1")
    east_url = sqs.create_queue(QueueName="jobs")["QueueUrl"]
    west_url = west.create_queue(QueueName="jobs")["QueueUrl"]
    assert _arn(sqs, east_url) == "arn:aws:sqs:us-east-1:000000000000:jobs"
    assert _arn(west, west_url) == "arn:aws:sqs:eu-west-1:000000000000:jobs"
    sqs.send_message(QueueUrl=east_url, MessageBody="east")
    assert _bodies(west, west_url) == []
    assert _bodies(sqs, east_url) == ["east"]


def test_listing_shows_only_own_account_and_region(sqs, client_for):
    other = client_for(account=OTHER_ACCOUNT)
    west = client_for(region="eu-west-1")
    mine = sqs.create_queue(QueueName="mine")["QueueUrl"]
    theirs = other.create_queue(QueueName="theirs")["QueueUrl"]
    west.create_queue(QueueName="western")
    assert sqs.list_queues()["QueueUrls"] == [mine]
    assert other.list_queues()["QueueUrls"] == [theirs]
    assert [u.rsplit("/", 1)[1] for u in west.list_queues()["QueueUrls"]] == ["western"]
