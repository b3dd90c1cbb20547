"""CloudFormation test helpers: a client, stack status and event sequences."""

from __future__ import annotations

from typing import Any

import pytest


@pytest.fixture
def cfn(cloudlet: Any) -> Any:
    return cloudlet.client("cloudformation")


def status(cfn: Any, name: str) -> str:
    return str(cfn.describe_stacks(StackName=name)["Stacks"][0]["StackStatus"])


def stack(cfn: Any, name: str) -> dict[str, Any]:
    return dict(cfn.describe_stacks(StackName=name)["Stacks"][0])


def outputs(cfn: Any, name: str) -> dict[str, str]:
    return {o["OutputKey"]: o["OutputValue"] for o in stack(cfn, name).get("Outputs", [])}


def events(cfn: Any, name: str) -> list[tuple[str, str]]:
    """(logical id, status) of every event, oldest first."""
    found = cfn.describe_stack_events(StackName=name)["StackEvents"]
    return [(e["LogicalResourceId"], e["ResourceStatus"]) for e in reversed(found)]


def reasons(cfn: Any, name: str) -> dict[tuple[str, str], str]:
    found = cfn.describe_stack_events(StackName=name)["StackEvents"]
    return {
        (e["LogicalResourceId"], e["ResourceStatus"]): e["ResourceStatusReason"]
        for e in found
        if "ResourceStatusReason" in e
    }


def error(exc_info: Any) -> tuple[str, str]:
    err = exc_info.value.response["Error"]
    return err["Code"], err["Message"]
