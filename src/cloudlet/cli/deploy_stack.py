"""`cloudlet deploy`'s conversation with CloudFormation, as `aws cloudformation deploy` has it: a change
set (CREATE or UPDATE), "No changes to deploy" when it is empty, ExecuteChangeSet, then the stack
followed to the end in a live table of its resources, its Outputs and the invoke URLs of its APIs.

This is a client of a server in another process (or thread): it polls the CloudFormation API with a
short interval while it waits, as every CloudFormation client does — there is no condition to wait on.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from botocore.exceptions import BotoCoreError, ClientError
from rich.console import Console, Group
from rich.live import Live
from rich.markup import escape
from rich.table import Table
from rich.text import Text

CAPABILITIES = ["CAPABILITY_IAM", "CAPABILITY_NAMED_IAM", "CAPABILITY_AUTO_EXPAND"]
MAX_TEMPLATE_BODY = 51200
POLL_S = 0.25
CHANGE_SET_TIMEOUT_S = 300.0
NO_CHANGES = ("didn't contain changes", "No updates are to be performed")
FAILED_CREATE = ("ROLLBACK_COMPLETE", "ROLLBACK_FAILED")
SUCCESS = ("CREATE_COMPLETE", "UPDATE_COMPLETE", "IMPORT_COMPLETE")


class DeployFailed(Exception):
    """The deployment failed; the message names the failing resource and reason."""


@dataclass
class Row:
    type: str
    status: str
    reason: str = ""
    failure: str = ""


@dataclass
class Outcome:
    stack_name: str
    status: str
    changed: bool
    outputs: list[dict[str, Any]] = field(default_factory=list)
    api_urls: list[tuple[str, str, str]] = field(default_factory=list)
    """(logical id, stage, invoke URL) of each API stage of the stack."""


def error_text(exc: Exception) -> str:
    if isinstance(exc, ClientError):
        error = exc.response.get("Error", {})
        return f"{error.get('Code', 'Error')}: {error.get('Message', '')}"
    return str(exc)


class StackDeployer:
    """Deploys one template to one stack through `clients` (a callable: service name → boto3 client)."""

    def __init__(self, clients: Any, endpoint: str, console: Console) -> None:
        self.clients = clients
        self.cfn = clients("cloudformation")
        self.endpoint = endpoint.rstrip("/")
        self.console = console
        self.events: list[dict[str, Any]] = []
        """This deployment's events, oldest first."""
        self.stack_status = ""

    # -- the flow --------------------------------------------------------------------------------------

    def deploy(
        self,
        stack_name: str,
        template_body: str,
        parameter_names: list[str],
        overrides: dict[str, str],
        upload: Any,
    ) -> Outcome:
        stack = self._describe(stack_name)
        if stack is not None and stack["StackStatus"] in FAILED_CREATE:
            status = stack["StackStatus"]
            self.console.print(
                f"Stack {escape(stack_name)} is in {status} (its creation failed): deleting it first"
            )
            self._delete(stack["StackId"])
            stack = None
        creating = stack is None or stack["StackStatus"] == "REVIEW_IN_PROGRESS"
        request: dict[str, Any] = {
            "StackName": stack_name,
            "ChangeSetName": f"cloudlet-deploy-{time.time_ns() // 1_000_000}",
            "ChangeSetType": "CREATE" if creating else "UPDATE",
            "Capabilities": CAPABILITIES,
            "Description": "Created by cloudlet deploy",
            "Parameters": self._parameters(parameter_names, overrides, None if creating else stack),
        }
        if len(template_body.encode()) > MAX_TEMPLATE_BODY:
            bucket, key = upload(template_body.encode(), ".template")
            request["TemplateURL"] = f"{self.endpoint}/{bucket}/{key}"
        else:
            request["TemplateBody"] = template_body
        self.console.print(f"Creating a change set for stack [bold]{escape(stack_name)}[/]…")
        created = self.cfn.create_change_set(**request)
        change_set = self._wait_for_change_set(created["Id"])
        if change_set["Status"] == "FAILED":
            reason = change_set.get("StatusReason") or ""
            if any(marker in reason for marker in NO_CHANGES):
                self._delete_change_set(created["Id"])
                self.console.print(f"No changes to deploy. Stack {escape(stack_name)} is up to date")
                return self._finish(stack_name, changed=False)
            raise DeployFailed(f"change set {change_set.get('ChangeSetName')} failed: {reason}")
        rows = {
            change["ResourceChange"]["LogicalResourceId"]: Row(
                change["ResourceChange"].get("ResourceType", ""),
                _planned(change["ResourceChange"]),
            )
            for change in _all_changes(self.cfn, change_set)
            if change.get("Type", "Resource") == "Resource" and "ResourceChange" in change
        }
        status = self._execute(stack_name, created["Id"], created.get("StackId") or stack_name, rows)
        if status not in SUCCESS:
            raise DeployFailed(self._failure(stack_name, status, rows))
        return self._finish(stack_name, changed=True)

    def _describe(self, stack_name: str) -> dict[str, Any] | None:
        try:
            return self.cfn.describe_stacks(StackName=stack_name)["Stacks"][0]
        except ClientError as exc:
            error = exc.response.get("Error", {})
            if error.get("Code") == "ValidationError" and "does not exist" in error.get("Message", ""):
                return None
            raise

    def _delete(self, stack_id: str) -> None:
        self.cfn.delete_stack(StackName=stack_id)
        while True:
            stack = self._describe(stack_id)
            if stack is None or stack["StackStatus"] == "DELETE_COMPLETE":
                return
            if stack["StackStatus"] == "DELETE_FAILED":
                raise DeployFailed(f"could not delete stack {stack_id}: {stack.get('StackStatusReason', '')}")
            time.sleep(POLL_S)  # polling a remote API: nothing to wait on

    @staticmethod
    def _parameters(
        names: list[str], overrides: dict[str, str], stack: dict[str, Any] | None
    ) -> list[dict[str, Any]]:
        """Overrides for the template's parameters; on an update, the others keep their previous value
        (as `aws cloudformation deploy` does)."""
        previous = {p["ParameterKey"] for p in (stack or {}).get("Parameters", [])}
        parameters: list[dict[str, Any]] = []
        for name in names:
            if name in overrides:
                parameters.append({"ParameterKey": name, "ParameterValue": overrides[name]})
            elif name in previous:
                parameters.append({"ParameterKey": name, "UsePreviousValue": True})
        return parameters

    def _wait_for_change_set(self, change_set_id: str) -> dict[str, Any]:
        deadline = time.monotonic() + CHANGE_SET_TIMEOUT_S
        while True:
            change_set = self.cfn.describe_change_set(ChangeSetName=change_set_id)
            if change_set["Status"] in ("CREATE_COMPLETE", "FAILED"):
                return change_set
            if time.monotonic() > deadline:
                raise DeployFailed(f"change set {change_set_id} still {change_set['Status']}")
            time.sleep(POLL_S)  # polling a remote API: nothing to wait on

    def _delete_change_set(self, change_set_id: str) -> None:
        try:
            self.cfn.delete_change_set(ChangeSetName=change_set_id)
        except ClientError:
            pass

    # -- execution, followed live ----------------------------------------------------------------------

    def _execute(self, stack_name: str, change_set_id: str, stack_id: str, rows: dict[str, Row]) -> str:
        seen = {event["EventId"] for event in self._events_page(stack_id)[0]}
        failure: list[Exception] = []

        def execute() -> None:
            try:
                self.cfn.execute_change_set(ChangeSetName=change_set_id)
            except (ClientError, BotoCoreError) as exc:
                failure.append(exc)

        # The server may answer ExecuteChangeSet only once the deployment is done: follow it meanwhile.
        runner = threading.Thread(target=execute, name="cloudlet-deploy-execute", daemon=True)
        self.events.clear()
        self.stack_status = ""
        with Live(self._table(stack_name, "", rows), console=self.console, refresh_per_second=8) as live:
            runner.start()
            status = ""
            while True:
                runner.join(timeout=POLL_S)  # wakes as soon as ExecuteChangeSet answers
                self._poll_events(stack_id, seen, rows)
                if runner.is_alive():
                    live.update(self._table(stack_name, self.stack_status, rows))
                    continue
                if failure:
                    raise DeployFailed(f"ExecuteChangeSet failed: {error_text(failure[0])}")
                stack = self._describe(stack_id)
                status = stack["StackStatus"] if stack else "DELETE_COMPLETE"
                live.update(self._table(stack_name, status, rows))
                if not status.endswith("_IN_PROGRESS"):
                    self._poll_events(stack_id, seen, rows)
                    live.update(self._table(stack_name, status, rows))
                    break
                # The deployment goes on after the server's answer (long ones do): poll until it ends.
                time.sleep(POLL_S)
        if not self.console.is_terminal:
            self.console.line()  # Live ends a terminal's table with a new line, not a file's
        return status

    def _events_page(
        self, stack_id: str, token: str | None = None
    ) -> tuple[list[dict[str, Any]], str | None]:
        request = {"StackName": stack_id, **({"NextToken": token} if token else {})}
        answer = self.cfn.describe_stack_events(**request)
        return answer.get("StackEvents", []), answer.get("NextToken")

    def _poll_events(self, stack_id: str, seen: set[str], rows: dict[str, Row]) -> None:
        """New events (DescribeStackEvents lists the newest first) applied to the rows, oldest first."""
        fresh: list[dict[str, Any]] = []
        token: str | None = None
        while True:
            page, token = self._events_page(stack_id, token)
            new = [event for event in page if event["EventId"] not in seen]
            fresh.extend(new)
            if len(new) < len(page) or not token:
                break
        for event in reversed(fresh):
            seen.add(event["EventId"])
            self.events.append(event)
            if event.get("ResourceType") == "AWS::CloudFormation::Stack":
                self.stack_status = event.get("ResourceStatus", "")
                continue
            row = rows.setdefault(event["LogicalResourceId"], Row(event.get("ResourceType", ""), ""))
            row.status = event.get("ResourceStatus", "")
            reason = event.get("ResourceStatusReason", "") or ""
            if row.status.endswith("_FAILED") and reason:
                row.failure = reason
            row.reason = reason or row.failure  # a rolled back resource still says why it failed

    def _table(self, stack_name: str, status: str, rows: dict[str, Row]) -> Group:
        table = Table(box=None, pad_edge=False, header_style="bold")
        table.add_column("Resource", no_wrap=True)
        table.add_column("Type", no_wrap=True)
        table.add_column("Status", no_wrap=True)
        table.add_column("Reason", overflow="fold")
        for logical_id, row in rows.items():
            table.add_row(
                Text(logical_id), Text(row.type), Text(row.status, style=_style(row.status)), Text(row.reason)
            )
        title = Text.assemble(("Stack ", ""), (stack_name, "bold"), " ", (status, _style(status)))
        return Group(title, table)

    def _failure(self, stack_name: str, status: str, rows: dict[str, Row]) -> str:
        """The first resource that failed, and why (the stack's own reason otherwise)."""
        for event in self.events:
            reason = event.get("ResourceStatusReason") or ""
            if (
                event.get("ResourceStatus", "").endswith("_FAILED")
                and event.get("ResourceType") != "AWS::CloudFormation::Stack"
                and "cancelled" not in reason.lower()
            ):
                return (
                    f"stack {stack_name} is {status}: {event['LogicalResourceId']} "
                    f"({event.get('ResourceType', '')}) {event['ResourceStatus']}: {reason}"
                )
        stack = self._describe(stack_name)
        reason = (stack or {}).get("StackStatusReason") or "no reason given"
        return f"stack {stack_name} is {status}: {reason}"

    # -- the result ------------------------------------------------------------------------------------

    def _finish(self, stack_name: str, changed: bool) -> Outcome:
        stack = self._describe(stack_name) or {}
        outcome = Outcome(stack_name, stack.get("StackStatus", ""), changed, stack.get("Outputs", []))
        outcome.api_urls = self._api_urls(stack.get("StackId") or stack_name)
        return outcome

    def _api_urls(self, stack_id: str) -> list[tuple[str, str, str]]:
        urls: list[tuple[str, str, str]] = []
        paginator = self.cfn.get_paginator("list_stack_resources")
        pages = paginator.paginate(StackName=stack_id)
        resources = [r for page in pages for r in page["StackResourceSummaries"]]
        for resource in resources:
            api_id = resource.get("PhysicalResourceId")
            kind = resource.get("ResourceType")
            if not api_id or kind not in ("AWS::ApiGateway::RestApi", "AWS::ApiGatewayV2::Api"):
                continue
            try:
                if kind == "AWS::ApiGateway::RestApi":
                    found = self.clients("apigateway").get_stages(restApiId=api_id)["item"]
                    stages = [s["stageName"] for s in found]
                else:
                    found = self.clients("apigatewayv2").get_stages(ApiId=api_id)["Items"]
                    stages = [s["StageName"] for s in found]
            except ClientError:
                continue
            for stage in sorted(stages, key=lambda name: (name == "Stage", name)):  # SAM's extra stage last
                urls.append((resource["LogicalResourceId"], stage, invoke_url(self.endpoint, api_id, stage)))
        return urls


def invoke_url(endpoint: str, api_id: str, stage: str) -> str:
    """`http://<api-id>.execute-api.localhost.localstack.cloud:<port>/<stage>/` (HTTP APIs' `$default`
    stage has no stage segment)."""
    parts = urlsplit(endpoint)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    prefix = "" if stage == "$default" else f"{stage}/"
    return f"{parts.scheme}://{api_id}.execute-api.localhost.localstack.cloud:{port}/{prefix}"


def local_url(value: str, endpoint: str, api_ids: Iterable[str]) -> str | None:
    """The local form of an AWS invoke URL of one of the stack's APIs found in an output value
    (`https://<id>.execute-api.<region>.amazonaws.com/Prod/x` → `http://<id>.execute-api.localhost…/Prod/x`)."""
    parts = urlsplit(value.strip())
    host = parts.hostname or ""
    api_id, _, rest = host.partition(".")
    if parts.scheme not in ("http", "https") or api_id not in set(api_ids):
        return None
    if not rest.startswith("execute-api.") or not rest.endswith(".amazonaws.com"):
        return None
    base = invoke_url(endpoint, api_id, "$default").rstrip("/")
    return base + (parts.path or "/") + (f"?{parts.query}" if parts.query else "")


def _all_changes(cfn: Any, change_set: dict[str, Any]) -> list[dict[str, Any]]:
    changes = list(change_set.get("Changes", []))
    token = change_set.get("NextToken")
    while token:
        page = cfn.describe_change_set(ChangeSetName=change_set["ChangeSetId"], NextToken=token)
        changes.extend(page.get("Changes", []))
        token = page.get("NextToken")
    return changes


def _planned(change: dict[str, Any]) -> str:
    action = change.get("Action", "")
    if action == "Modify" and change.get("Replacement") == "True":
        return "Replace (pending)"
    return f"{action} (pending)" if action else "pending"


def _style(status: str) -> str:
    if "FAILED" in status or "ROLLBACK" in status:
        return "red"
    if status.endswith("IN_PROGRESS"):
        return "yellow"
    if status.endswith("COMPLETE"):
        return "green"
    return "dim"
