"""Targets: PutTargets (validation, limits, updates), RemoveTargets, ListTargetsByRule."""

from __future__ import annotations

import json
from typing import Any

import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

QUEUE = "arn:aws:sqs:us-east-1:000000000000:q"
PATTERN = json.dumps({"source": ["my.app"]})


def error(exc: pytest.ExceptionInfo[ClientError]) -> tuple[str, int, str]:
    response = exc.value.response
    return (
        response["Error"]["Code"],
        response["ResponseMetadata"]["HTTPStatusCode"],
        response["Error"]["Message"],
    )


@pytest.fixture
def rule(events: Any) -> str:
    events.put_rule(Name="orders", EventPattern=PATTERN)
    return "orders"


@pytest.fixture
def unchecked(cloudlet: Any) -> Any:
    """An events client that sends out-of-range values instead of refusing them itself."""
    return cloudlet.client("events", config=Config(parameter_validation=False, retries={"max_attempts": 1}))


def put_failing(events: Any, rule: str, target: dict[str, Any]) -> tuple[str, int, str]:
    with pytest.raises(ClientError) as exc:
        events.put_targets(Rule=rule, Targets=[target])
    return error(exc)


def test_target_is_stored_exactly_as_sent(events: Any, rule: str) -> None:
    target = {
        "Id": "full",
        "Arn": QUEUE,
        "RoleArn": "arn:aws:iam::000000000000:role/events",
        "InputTransformer": {
            "InputPathsMap": {"kind": "$.detail-type", "who": "$.detail.user"},
            "InputTemplate": '{"kind": <kind>, "who": <who>, "rule": <aws.events.rule-name>}',
        },
        "RetryPolicy": {"MaximumRetryAttempts": 3, "MaximumEventAgeInSeconds": 600},
        "DeadLetterConfig": {"Arn": "arn:aws:sqs:us-east-1:000000000000:dlq"},
    }
    result = events.put_targets(Rule=rule, Targets=[target])
    assert (result["FailedEntryCount"], result["FailedEntries"]) == (0, [])
    assert events.list_targets_by_rule(Rule=rule)["Targets"] == [target]


def test_put_target_with_same_id_replaces_it_in_place(events: Any, rule: str) -> None:
    events.put_targets(Rule=rule, Targets=[{"Id": "a", "Arn": QUEUE}, {"Id": "b", "Arn": QUEUE}])
    events.put_targets(Rule=rule, Targets=[{"Id": "a", "Arn": QUEUE, "Input": '{"x": 1}'}])
    targets = events.list_targets_by_rule(Rule=rule)["Targets"]
    assert targets == [{"Id": "a", "Arn": QUEUE, "Input": '{"x": 1}'}, {"Id": "b", "Arn": QUEUE}]


def test_put_targets_on_unknown_rule(events: Any) -> None:
    assert put_failing(events, "nope", {"Id": "t", "Arn": QUEUE}) == (
        "ResourceNotFoundException",
        400,
        "Rule nope does not exist on EventBus default.",
    )


def test_put_targets_on_a_custom_bus(events: Any) -> None:
    events.create_event_bus(Name="shop")
    events.put_rule(Name="orders", EventPattern=PATTERN, EventBusName="shop")
    events.put_targets(Rule="orders", EventBusName="shop", Targets=[{"Id": "t", "Arn": QUEUE}])
    assert events.list_targets_by_rule(Rule="orders", EventBusName="shop")["Targets"] == [
        {"Id": "t", "Arn": QUEUE}
    ]
    with pytest.raises(ClientError) as exc:
        events.list_targets_by_rule(Rule="orders")
    assert error(exc)[0] == "ResourceNotFoundException"


def test_at_most_five_targets_per_rule(events: Any, rule: str) -> None:
    events.put_targets(Rule=rule, Targets=[{"Id": f"t{i}", "Arn": QUEUE} for i in range(5)])
    assert put_failing(events, rule, {"Id": "t5", "Arn": QUEUE}) == (
        "LimitExceededException",
        400,
        "The requested resource exceeds the maximum number allowed.",
    )


def test_replacing_a_target_of_a_full_rule_is_allowed(events: Any, rule: str) -> None:
    events.put_targets(Rule=rule, Targets=[{"Id": f"t{i}", "Arn": QUEUE} for i in range(5)])
    events.put_targets(Rule=rule, Targets=[{"Id": "t0", "Arn": QUEUE, "Input": "{}"}])
    assert len(events.list_targets_by_rule(Rule=rule)["Targets"]) == 5


def test_target_id_must_match_the_pattern(events: Any, rule: str) -> None:
    assert put_failing(events, rule, {"Id": "bad id", "Arn": QUEUE}) == (
        "ValidationException",
        400,
        "1 validation error detected: Value 'bad id' at 'targets.1.member.id' failed to satisfy constraint:"
        " Member must satisfy regular expression pattern: [\\.\\-_A-Za-z0-9]+",
    )


def test_target_arn_must_be_an_arn(events: Any, rule: str) -> None:
    assert put_failing(events, rule, {"Id": "t", "Arn": "my-queue"}) == (
        "ValidationException",
        400,
        "Parameter my-queue is not valid. Reason: Provided Arn is not in correct format.",
    )


def test_input_and_input_path_are_exclusive(events: Any, rule: str) -> None:
    target = {"Id": "t", "Arn": QUEUE, "Input": "{}", "InputPath": "$.detail"}
    assert put_failing(events, rule, target) == (
        "ValidationException",
        400,
        "Only one of Input, InputPath, or InputTransformer must be provided for target t.",
    )


def test_input_path_and_transformer_are_exclusive(events: Any, rule: str) -> None:
    target = {"Id": "t", "Arn": QUEUE, "InputPath": "$.detail", "InputTransformer": {"InputTemplate": "x"}}
    assert put_failing(events, rule, target)[2] == (
        "Only one of Input, InputPath, or InputTransformer must be provided for target t."
    )


def test_transformer_template_placeholder_must_be_mapped(events: Any, rule: str) -> None:
    target = {"Id": "t", "Arn": QUEUE, "InputTransformer": {"InputTemplate": '"hello <who>"'}}
    assert put_failing(events, rule, target) == (
        "ValidationException",
        400,
        "InputTemplate for target t contains invalid placeholder who.",
    )


def test_transformer_paths_map_holds_at_most_100_entries(events: Any, rule: str) -> None:
    paths = {f"p{i}": "$.detail" for i in range(101)}
    target = {"Id": "t", "Arn": QUEUE, "InputTransformer": {"InputPathsMap": paths, "InputTemplate": '"x"'}}
    code, status, message = put_failing(events, rule, target)
    assert (code, status) == ("ValidationException", 400)
    assert "Member must have length less than or equal to 100" in message


def test_fifo_queue_target_needs_a_message_group(events: Any, rule: str) -> None:
    target = {"Id": "fifo", "Arn": "arn:aws:sqs:us-east-1:000000000000:q.fifo"}
    assert put_failing(events, rule, target) == (
        "ValidationException",
        400,
        "Parameter(s) SqsParameters must be specified for target: fifo.",
    )


def test_fifo_queue_target_with_a_message_group(events: Any, rule: str) -> None:
    target = {
        "Id": "fifo",
        "Arn": "arn:aws:sqs:us-east-1:000000000000:q.fifo",
        "SqsParameters": {"MessageGroupId": "g"},
    }
    assert events.put_targets(Rule=rule, Targets=[target])["FailedEntryCount"] == 0


@pytest.mark.parametrize(
    ("policy", "member"),
    [
        ({"MaximumRetryAttempts": 186}, "maximumRetryAttempts"),
        ({"MaximumEventAgeInSeconds": 59}, "maximumEventAgeInSeconds"),
        ({"MaximumEventAgeInSeconds": 86401}, "maximumEventAgeInSeconds"),
    ],
)
def test_retry_policy_ranges(unchecked: Any, rule: str, policy: dict[str, int], member: str) -> None:
    code, status, message = put_failing(unchecked, rule, {"Id": "t", "Arn": QUEUE, "RetryPolicy": policy})
    assert (code, status) == ("ValidationException", 400)
    assert member in message


def test_retry_policy_bounds_are_accepted(events: Any, rule: str) -> None:
    policies = [
        {"MaximumRetryAttempts": 0, "MaximumEventAgeInSeconds": 60},
        {"MaximumRetryAttempts": 185, "MaximumEventAgeInSeconds": 86400},
    ]
    targets = [{"Id": f"t{i}", "Arn": QUEUE, "RetryPolicy": p} for i, p in enumerate(policies)]
    assert events.put_targets(Rule=rule, Targets=targets)["FailedEntryCount"] == 0


def test_dead_letter_queue_must_be_sqs(events: Any, rule: str) -> None:
    target = {
        "Id": "t",
        "Arn": QUEUE,
        "DeadLetterConfig": {"Arn": "arn:aws:sns:us-east-1:000000000000:topic"},
    }
    code, status, _ = put_failing(events, rule, target)
    assert (code, status) == ("ValidationException", 400)


def test_invalid_entry_stores_none_of_the_call(events: Any, rule: str) -> None:
    with pytest.raises(ClientError):
        events.put_targets(Rule=rule, Targets=[{"Id": "ok", "Arn": QUEUE}, {"Id": "bad", "Arn": "nope"}])
    assert events.list_targets_by_rule(Rule=rule)["Targets"] == []


def test_remove_targets(events: Any, rule: str) -> None:
    events.put_targets(Rule=rule, Targets=[{"Id": "a", "Arn": QUEUE}, {"Id": "b", "Arn": QUEUE}])
    result = events.remove_targets(Rule=rule, Ids=["a"])
    assert (result["FailedEntryCount"], result["FailedEntries"]) == (0, [])
    assert events.list_targets_by_rule(Rule=rule)["Targets"] == [{"Id": "b", "Arn": QUEUE}]


def test_remove_unknown_target_is_a_failed_entry(events: Any, rule: str) -> None:
    result = events.remove_targets(Rule=rule, Ids=["ghost"])
    assert result["FailedEntryCount"] == 1
    assert result["FailedEntries"][0]["TargetId"] == "ghost"
    assert result["FailedEntries"][0]["ErrorCode"] == "ResourceNotFoundException"


def test_remove_targets_of_unknown_rule(events: Any) -> None:
    with pytest.raises(ClientError) as exc:
        events.remove_targets(Rule="nope", Ids=["a"])
    assert error(exc) == ("ResourceNotFoundException", 400, "Rule nope does not exist on EventBus default.")


def test_rule_can_be_deleted_once_its_targets_are_removed(events: Any, rule: str) -> None:
    events.put_targets(Rule=rule, Targets=[{"Id": "a", "Arn": QUEUE}])
    events.remove_targets(Rule=rule, Ids=["a"])
    events.delete_rule(Name=rule)
    assert events.list_rules()["Rules"] == []


def test_list_targets_pages(events: Any, rule: str) -> None:
    events.put_targets(Rule=rule, Targets=[{"Id": f"t{i}", "Arn": QUEUE} for i in range(5)])
    first = events.list_targets_by_rule(Rule=rule, Limit=3)
    second = events.list_targets_by_rule(Rule=rule, Limit=3, NextToken=first["NextToken"])
    assert [t["Id"] for t in first["Targets"] + second["Targets"]] == ["t0", "t1", "t2", "t3", "t4"]
    assert "NextToken" not in second


def test_list_targets_of_unknown_rule(events: Any) -> None:
    with pytest.raises(ClientError) as exc:
        events.list_targets_by_rule(Rule="nope")
    assert error(exc) == ("ResourceNotFoundException", 400, "Rule nope does not exist on EventBus default.")
