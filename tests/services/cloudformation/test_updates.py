"""Stack updates and change sets: in place, replacement, removal, rollback, "no updates"."""

from __future__ import annotations

import json

import pytest
from botocore.exceptions import ClientError

from tests.services.cloudformation.conftest import error, events, outputs, reasons, status

pytestmark = pytest.mark.cloudlet(in_memory=True, services=["sqs", "cloudformation"])


def template(resources: dict, outputs_: dict | None = None, parameters: dict | None = None) -> str:
    body: dict = {"Resources": resources}
    if outputs_:
        body["Outputs"] = outputs_
    if parameters:
        body["Parameters"] = parameters
    return json.dumps(body)


def queue(**props: object) -> dict:
    return {"Type": "AWS::SQS::Queue", "Properties": props}


V1 = template({"A": queue(VisibilityTimeout=30), "Old": queue()}, {"A": {"Value": {"Ref": "A"}}})


def test_update_in_place_add_and_remove(cloudlet, cfn):
    sqs = cloudlet.client("sqs")
    cfn.create_stack(StackName="u", TemplateBody=V1)
    url = outputs(cfn, "u")["A"]
    old_url = cfn.describe_stack_resource(StackName="u", LogicalResourceId="Old")["StackResourceDetail"][
        "PhysicalResourceId"
    ]
    v2 = template({"A": queue(VisibilityTimeout=60), "New": queue()}, {"A": {"Value": {"Ref": "A"}}})
    cfn.update_stack(StackName="u", TemplateBody=v2)
    assert status(cfn, "u") == "UPDATE_COMPLETE"
    assert outputs(cfn, "u")["A"] == url  # updated in place: same queue
    attrs = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["VisibilityTimeout"])["Attributes"]
    assert attrs["VisibilityTimeout"] == "60"
    assert old_url not in sqs.list_queues()["QueueUrls"]
    tail = events(cfn, "u")[-9:]
    assert tail == [
        ("u", "UPDATE_IN_PROGRESS"),
        ("A", "UPDATE_IN_PROGRESS"),
        ("A", "UPDATE_COMPLETE"),
        ("New", "CREATE_IN_PROGRESS"),
        ("New", "CREATE_COMPLETE"),
        ("u", "UPDATE_COMPLETE_CLEANUP_IN_PROGRESS"),
        ("Old", "DELETE_IN_PROGRESS"),
        ("Old", "DELETE_COMPLETE"),
        ("u", "UPDATE_COMPLETE"),
    ]
    names = sorted(
        r["LogicalResourceId"] for r in cfn.list_stack_resources(StackName="u")["StackResourceSummaries"]
    )
    assert names == ["A", "New"]
    with pytest.raises(ClientError) as exc:
        cfn.update_stack(StackName="u", TemplateBody=v2)
    assert error(exc) == ("ValidationError", "No updates are to be performed.")


def test_replacement_creates_new_then_deletes_old(cloudlet, cfn):
    sqs = cloudlet.client("sqs")
    cfn.create_stack(
        StackName="r", TemplateBody=template({"A": queue(QueueName="one")}, {"A": {"Value": {"Ref": "A"}}})
    )
    cfn.update_stack(
        StackName="r", TemplateBody=template({"A": queue(QueueName="two")}, {"A": {"Value": {"Ref": "A"}}})
    )
    assert status(cfn, "r") == "UPDATE_COMPLETE"
    assert outputs(cfn, "r")["A"].endswith("/two")
    assert [u.rsplit("/", 1)[1] for u in sqs.list_queues()["QueueUrls"]] == ["two"]
    assert reasons(cfn, "r")[("A", "UPDATE_IN_PROGRESS")] == (
        "Requested update requires the creation of a new physical resource; hence creating one."
    )
    assert events(cfn, "r")[-4:] == [
        ("r", "UPDATE_COMPLETE_CLEANUP_IN_PROGRESS"),
        ("A", "DELETE_IN_PROGRESS"),
        ("A", "DELETE_COMPLETE"),
        ("r", "UPDATE_COMPLETE"),
    ]


def test_failed_update_rolls_back_to_previous_state(cloudlet, cfn):
    sqs = cloudlet.client("sqs")
    cfn.create_stack(StackName="f", TemplateBody=V1)
    url = outputs(cfn, "f")["A"]
    broken = template(
        {
            "A": queue(VisibilityTimeout=90),
            "Old": queue(),
            "Bad": {**queue(DelaySeconds=9999), "DependsOn": "A"},
        },
        {"A": {"Value": {"Ref": "A"}}},
    )
    cfn.update_stack(StackName="f", TemplateBody=broken)
    assert status(cfn, "f") == "UPDATE_ROLLBACK_COMPLETE"
    attrs = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["VisibilityTimeout"])["Attributes"]
    assert attrs["VisibilityTimeout"] == "30"
    assert len(sqs.list_queues()["QueueUrls"]) == 2
    assert json.loads(json.dumps(cfn.get_template(StackName="f")["TemplateBody"])) == json.loads(V1)
    seq = events(cfn, "f")
    assert seq[seq.index(("f", "UPDATE_ROLLBACK_IN_PROGRESS")) :] == [
        ("f", "UPDATE_ROLLBACK_IN_PROGRESS"),
        ("A", "UPDATE_IN_PROGRESS"),
        ("A", "UPDATE_COMPLETE"),
        ("f", "UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS"),
        ("Bad", "DELETE_COMPLETE"),
        ("f", "UPDATE_ROLLBACK_COMPLETE"),
    ]
    # the stack is updatable again after a rolled-back update
    cfn.update_stack(StackName="f", TemplateBody=template({"A": queue(VisibilityTimeout=31)}))
    assert status(cfn, "f") == "UPDATE_COMPLETE"


def test_use_previous_value_and_template(cfn):
    body = template({"A": queue(VisibilityTimeout={"Ref": "T"})}, parameters={"T": {"Type": "Number"}})
    cfn.create_stack(
        StackName="p", TemplateBody=body, Parameters=[{"ParameterKey": "T", "ParameterValue": "5"}]
    )
    cfn.update_stack(
        StackName="p", UsePreviousTemplate=True, Parameters=[{"ParameterKey": "T", "ParameterValue": "6"}]
    )
    assert status(cfn, "p") == "UPDATE_COMPLETE"
    with pytest.raises(ClientError) as exc:
        cfn.update_stack(
            StackName="p",
            UsePreviousTemplate=True,
            Parameters=[{"ParameterKey": "T", "UsePreviousValue": True}],
        )
    assert error(exc) == ("ValidationError", "No updates are to be performed.")


def test_change_sets_add_modify_remove(cloudlet, cfn):
    created = cfn.create_change_set(
        StackName="cs", ChangeSetName="first", ChangeSetType="CREATE", TemplateBody=V1
    )
    assert status(cfn, "cs") == "REVIEW_IN_PROGRESS"
    described = cfn.describe_change_set(ChangeSetName=created["Id"])
    assert described["Status"] == "CREATE_COMPLETE" and described["ExecutionStatus"] == "AVAILABLE"
    assert sorted(
        (c["ResourceChange"]["Action"], c["ResourceChange"]["LogicalResourceId"])
        for c in described["Changes"]
    ) == [
        ("Add", "A"),
        ("Add", "Old"),
    ]
    cfn.execute_change_set(ChangeSetName="first", StackName="cs")
    assert status(cfn, "cs") == "CREATE_COMPLETE"
    assert cfn.list_change_sets(StackName="cs")["Summaries"] == []  # executing one deletes them all

    v2 = template(
        {"A": queue(VisibilityTimeout=60), "B": queue(QueueName="bee")}, {"A": {"Value": {"Ref": "A"}}}
    )
    cfn.create_change_set(StackName="cs", ChangeSetName="second", TemplateBody=v2, Description="grow")
    second = cfn.describe_change_set(ChangeSetName="second", StackName="cs")
    changes = {c["ResourceChange"]["LogicalResourceId"]: c["ResourceChange"] for c in second["Changes"]}
    assert changes["A"]["Action"] == "Modify" and changes["A"]["Replacement"] == "False"
    assert changes["A"]["Details"][0]["Target"] == {
        "Attribute": "Properties",
        "Name": "VisibilityTimeout",
        "RequiresRecreation": "Never",
    }
    assert changes["B"]["Action"] == "Add"
    assert changes["Old"]["Action"] == "Remove" and changes["Old"]["PhysicalResourceId"].startswith("http")
    assert status(cfn, "cs") == "CREATE_COMPLETE"  # a change set changes nothing by itself
    summaries = cfn.list_change_sets(StackName="cs")["Summaries"]
    assert [(s["ChangeSetName"], s["Description"]) for s in summaries] == [("second", "grow")]
    cfn.execute_change_set(ChangeSetName="second", StackName="cs")
    assert status(cfn, "cs") == "UPDATE_COMPLETE"
    with pytest.raises(ClientError) as exc:
        cfn.execute_change_set(ChangeSetName="second", StackName="cs")
    assert error(exc) == ("ChangeSetNotFound", "ChangeSet [second] does not exist")

    v3 = template(
        {"A": queue(VisibilityTimeout=60), "B": queue(QueueName="bee2")}, {"A": {"Value": {"Ref": "A"}}}
    )
    cfn.create_change_set(StackName="cs", ChangeSetName="third", TemplateBody=v3)
    third = cfn.describe_change_set(ChangeSetName="third", StackName="cs")["Changes"]
    assert [
        (c["ResourceChange"]["LogicalResourceId"], c["ResourceChange"]["Replacement"]) for c in third
    ] == [("B", "True")]
    cfn.delete_change_set(ChangeSetName="third", StackName="cs")
    with pytest.raises(ClientError) as exc:
        cfn.describe_change_set(ChangeSetName="third", StackName="cs")
    assert error(exc) == ("ChangeSetNotFound", "ChangeSet [third] does not exist")

    cfn.create_change_set(StackName="cs", ChangeSetName="same", TemplateBody=v2)
    same = cfn.describe_change_set(ChangeSetName="same", StackName="cs")
    assert same["Status"] == "FAILED" and same["ExecutionStatus"] == "UNAVAILABLE"
    assert same["StatusReason"].startswith("The submitted information didn't contain changes.")
    with pytest.raises(ClientError) as exc:
        cfn.execute_change_set(ChangeSetName="same", StackName="cs")
    assert error(exc)[0] == "InvalidChangeSetStatus"


def test_change_set_errors(cfn):
    with pytest.raises(ClientError) as exc:
        cfn.create_change_set(StackName="none", ChangeSetName="c", TemplateBody=V1)
    assert error(exc) == ("ValidationError", "Stack [none] does not exist")
    with pytest.raises(ClientError) as exc:
        cfn.create_change_set(StackName="none", ChangeSetName="c", TemplateBody=V1, ChangeSetType="IMPORT")
    assert error(exc)[0] == "ValidationError"
    cfn.create_change_set(StackName="rev", ChangeSetName="c", ChangeSetType="CREATE", TemplateBody=V1)
    with pytest.raises(ClientError) as exc:
        cfn.create_change_set(StackName="rev", ChangeSetName="c", ChangeSetType="CREATE", TemplateBody=V1)
    assert error(exc)[0] == "AlreadyExistsException"
    cfn.delete_stack(StackName="rev")
    with pytest.raises(ClientError):
        cfn.describe_stacks(StackName="rev")


def test_retained_resources_outlive_the_stack(cloudlet, cfn):
    sqs = cloudlet.client("sqs")
    body = template({"Kept": {**queue(QueueName="kept"), "DeletionPolicy": "Retain"}, "Gone": queue()})
    cfn.create_stack(StackName="ret", TemplateBody=body)
    cfn.delete_stack(StackName="ret")
    cloudlet.settle()
    assert [u.rsplit("/", 1)[1] for u in sqs.list_queues()["QueueUrls"]] == ["kept"]
    stack_id = cfn.list_stacks()["StackSummaries"][0]["StackId"]
    assert ("Kept", "DELETE_SKIPPED") in events(cfn, stack_id)


@pytest.mark.cloudlet(in_memory=True, services=["dynamodb", "cloudformation"])
def test_a_replaced_resource_with_a_generated_name_gets_a_new_name(cloudlet, cfn):
    """AWS names a replacement anew; reusing the old name would collide with the resource it replaces."""
    ddb = cloudlet.client("dynamodb")

    def table(key: str) -> dict:
        return {
            "Type": "AWS::DynamoDB::Table",
            "Properties": {
                "BillingMode": "PAY_PER_REQUEST",
                "AttributeDefinitions": [{"AttributeName": key, "AttributeType": "S"}],
                "KeySchema": [{"AttributeName": key, "KeyType": "HASH"}],
            },
        }

    body = {"Table": table("id")}
    cfn.create_stack(StackName="names", TemplateBody=template(body, {"Name": {"Value": {"Ref": "Table"}}}))
    first = outputs(cfn, "names")["Name"]
    for key in ("pk", "sk"):
        cfn.update_stack(
            StackName="names",
            TemplateBody=template({"Table": table(key)}, {"Name": {"Value": {"Ref": "Table"}}}),
        )
        assert status(cfn, "names") == "UPDATE_COMPLETE"
    last = outputs(cfn, "names")["Name"]
    assert last != first and last.startswith("names-Table-")
    assert ddb.list_tables()["TableNames"] == [last]
