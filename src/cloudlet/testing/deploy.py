"""`cloudlet.deploy(path)`: deploy a CloudFormation or SAM template (a file, or a folder holding
`template.yaml`) on the test server exactly as `cloudlet deploy` would, and return its Outputs."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from cloudlet.testing.server import CloudletServer

CAPABILITIES = ["CAPABILITY_IAM", "CAPABILITY_NAMED_IAM", "CAPABILITY_AUTO_EXPAND"]


class DeployFailed(AssertionError):
    """The stack did not reach CREATE_COMPLETE / UPDATE_COMPLETE; the message lists the failed resources."""


class _Clients:
    """What the deploy command's artifact uploader needs: clients of this server, and its region."""

    def __init__(self, server: CloudletServer) -> None:
        self.server = server
        self.region = server.settings.region

    def __call__(self, service: str) -> Any:
        return self.server.client(service)


def deploy(
    server: CloudletServer,
    path: str | Path,
    stack_name: str | None = None,
    parameters: dict[str, str] | None = None,
    *,
    hot_reload: bool = True,
) -> dict[str, str]:
    """Create (or update) the stack and wait for it; local code folders run with hot reload unless
    `hot_reload=False` (then they are zipped and uploaded). Returns {OutputKey: OutputValue}.

    Raises: DeployFailed naming each failed resource and its reason."""
    from botocore.exceptions import ClientError

    from cloudlet.cli.deploy import Artifacts
    from cloudlet.cli.deploy_template import find_template, prepare

    template = find_template(Path(path))
    name = stack_name or (Path(path).name if Path(path).is_dir() else template.parent.name)
    prepared = prepare(template, hot_reload, Artifacts(_Clients(server)))
    cfn = server.client("cloudformation")
    request: dict[str, Any] = {
        "StackName": name,
        "TemplateBody": prepared.body,
        "Parameters": [{"ParameterKey": k, "ParameterValue": v} for k, v in (parameters or {}).items()],
        "Capabilities": CAPABILITIES,
    }
    try:
        current = cfn.describe_stacks(StackName=name)["Stacks"][0]["StackStatus"]
    except ClientError:
        current = None
    if current in (None, "DELETE_COMPLETE"):
        cfn.create_stack(**request)
    else:
        try:
            cfn.update_stack(**request)
        except ClientError as exc:
            if "No updates are to be performed" not in str(exc):
                raise
    server.settle(timeout=60)  # the deployment is tracked work: settle returns once it has finished
    stack = cfn.describe_stacks(StackName=name)["Stacks"][0]
    if stack["StackStatus"] not in ("CREATE_COMPLETE", "UPDATE_COMPLETE"):
        failed = [
            f"{e['LogicalResourceId']} ({e['ResourceType']}) {e['ResourceStatus']}: "
            f"{e.get('ResourceStatusReason')}"
            for e in reversed(cfn.describe_stack_events(StackName=name)["StackEvents"])
            if e["ResourceStatus"].endswith("FAILED")
        ]
        raise DeployFailed(f"stack {name} is {stack['StackStatus']}:\n" + "\n".join(failed))
    return {o["OutputKey"]: o["OutputValue"] for o in stack.get("Outputs", [])}
