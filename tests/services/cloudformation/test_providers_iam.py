"""AWS::IAM::* providers (stored only), driven directly on the server loop."""

from __future__ import annotations

import re

import pytest

from cloudlet.services.cloudformation.providers.base import ProviderError
from tests.services.cloudformation.test_providers_sqs import create, resource, update

pytestmark = pytest.mark.cloudlet(in_memory=True, services=["cloudformation"])

TRUST = {
    "Version": "2012-10-17",
    "Statement": [
        {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}
    ],
}
DOC = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sqs:*", "Resource": "*"}]}


def test_role_names_arns_and_ids(cloudlet):
    role = resource("FnRole", "AWS::IAM::Role", {"AssumeRolePolicyDocument": TRUST, "Path": "/service/"})
    done = create(cloudlet, role)
    assert done.physical_id.startswith("app-FnRole-") and len(done.physical_id) <= 64
    assert done.attributes["Arn"] == f"arn:aws:iam::000000000000:role/service/{done.physical_id}"
    assert re.fullmatch(r"AROA[A-Z0-9]{17}", done.attributes["RoleId"])
    again = update(
        cloudlet, role, {"AssumeRolePolicyDocument": TRUST, "Path": "/service/", "Description": "x"}
    )
    assert again.physical_id == done.physical_id and again.attributes == done.attributes

    named = create(
        cloudlet, resource("R", "AWS::IAM::Role", {"AssumeRolePolicyDocument": TRUST, "RoleName": "worker"})
    )
    assert named.attributes["Arn"] == "arn:aws:iam::000000000000:role/worker"

    with pytest.raises(ProviderError, match="AssumeRolePolicyDocument: expected type: JSONObject"):
        create(cloudlet, resource("Bad", "AWS::IAM::Role", {"AssumeRolePolicyDocument": ["x"]}))
    with pytest.raises(ProviderError, match=r"required key \[AssumeRolePolicyDocument\] not found"):
        create(cloudlet, resource("Bad", "AWS::IAM::Role", {}))


def test_policies_profiles_and_users(cloudlet):
    policy = create(
        cloudlet,
        resource("P", "AWS::IAM::Policy", {"PolicyName": "p", "PolicyDocument": DOC, "Roles": ["worker"]}),
    )
    assert policy.attributes == {"Id": policy.physical_id}
    with pytest.raises(ProviderError, match="At least one of"):
        create(cloudlet, resource("P2", "AWS::IAM::Policy", {"PolicyName": "p", "PolicyDocument": DOC}))

    managed = resource("M", "AWS::IAM::ManagedPolicy", {"PolicyDocument": DOC, "Roles": ["worker"]})
    done = create(cloudlet, managed)
    assert done.physical_id.startswith("arn:aws:iam::000000000000:policy/app-M-")
    assert done.attributes["DefaultVersionId"] == "v1" and done.attributes["AttachmentCount"] == 1
    assert re.fullmatch(r"ANPA[A-Z0-9]{17}", done.attributes["PolicyId"])
    assert update(cloudlet, managed, {"PolicyDocument": DOC}).attributes["DefaultVersionId"] == "v2"

    profile = create(
        cloudlet,
        resource("IP", "AWS::IAM::InstanceProfile", {"Roles": ["worker"], "InstanceProfileName": "ip"}),
    )
    assert profile.attributes["Arn"] == "arn:aws:iam::000000000000:instance-profile/ip"
    user = create(cloudlet, resource("U", "AWS::IAM::User", {"UserName": "ci"}))
    assert (user.physical_id, user.attributes["Arn"]) == ("ci", "arn:aws:iam::000000000000:user/ci")
    inline = create(
        cloudlet,
        resource(
            "RP", "AWS::IAM::RolePolicy", {"PolicyName": "rp", "RoleName": "worker", "PolicyDocument": DOC}
        ),
    )
    assert inline.physical_id == "rp"
