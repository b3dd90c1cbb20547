"""Account from a 12-digit access key id, region from the SigV4 scope."""

from __future__ import annotations


def test_default_account_and_region(cloudlet):
    identity = cloudlet.client("sts").get_caller_identity()
    assert identity["Account"] == "000000000000"
    assert identity["Arn"] == "arn:aws:iam::000000000000:root"


def test_twelve_digit_access_key_is_the_account(cloudlet):
    first = cloudlet.client("sts", account="111111111111").get_caller_identity()
    second = cloudlet.client("sts", account="222222222222").get_caller_identity()
    assert first["Account"] == "111111111111"
    assert second["Account"] == "222222222222"
    assert first["Arn"] != second["Arn"]


def test_region_comes_from_the_credential_scope(cloudlet):
    from cloudlet.gateway.identity import credential_of
    from cloudlet.protocol import catalog
    from tests.protocol.oracle import to_http_request

    model = catalog.service_model("sqs")
    request = to_http_request(model, model.operation_model("ListQueues"), {}, region="eu-west-3")
    credential = credential_of(request)
    assert credential is not None
    assert (credential.region, credential.service, credential.access_key_id) == (
        "eu-west-3",
        "sqs",
        "AKIDEXAMPLE",
    )
