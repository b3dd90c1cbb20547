"""`cloudlet deploy`: deploy a CloudFormation or SAM template (a file, or a folder's template.yaml) to a
running cloudlet, as `aws cloudformation deploy` would — with local code run in place with hot reload.
`cloudlet up --deploy PATH` runs the same deployment once its server answers."""

from __future__ import annotations

import os
import sys
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from cloudlet.settings import DEFAULT_HOST, DEFAULT_PORT

if TYPE_CHECKING:  # imported when a deployment runs: `cloudlet --help` stays quick
    from rich.console import Console

    from cloudlet.cli.deploy_stack import Outcome

WIDE = 160
READ_TIMEOUT_S = 300
"""ExecuteChangeSet may answer only once the deployment is done."""


def default_endpoint() -> str:
    port = os.environ.get("CLOUDLET_PORT") or DEFAULT_PORT
    return os.environ.get("AWS_ENDPOINT_URL") or f"http://{DEFAULT_HOST}:{port}"


def default_region() -> str:
    for name in ("AWS_REGION", "AWS_DEFAULT_REGION", "CLOUDLET_REGION"):
        if os.environ.get(name):
            return os.environ[name]
    return "us-east-1"


@dataclass
class Request:
    path: str
    stack_name: str | None = None
    overrides: dict[str, str] = field(default_factory=dict)
    endpoint: str = field(default_factory=default_endpoint)
    region: str = field(default_factory=default_region)
    hot_reload: bool = True


class _Clients:
    """boto3 clients of the endpoint (credentials from the environment, else cloudlet's test ones)."""

    def __init__(self, endpoint: str, region: str) -> None:
        self.endpoint = endpoint
        self.region = region
        self._made: dict[str, Any] = {}

    def __call__(self, service: str) -> Any:
        if service not in self._made:
            self._made[service] = self._client(service)
        return self._made[service]

    def _client(self, service: str) -> Any:
        import boto3
        from botocore.config import Config

        config = Config(
            retries={"total_max_attempts": 2, "mode": "standard"},
            connect_timeout=5,
            read_timeout=READ_TIMEOUT_S,
        )
        return boto3.session.Session().client(
            service,
            endpoint_url=self.endpoint,
            region_name=self.region,
            aws_access_key_id=os.environ.get("AWS_ACCESS_KEY_ID") or "test",
            aws_secret_access_key=os.environ.get("AWS_SECRET_ACCESS_KEY") or "test",
            aws_session_token=os.environ.get("AWS_SESSION_TOKEN") or None,
            config=config,
        )


class Artifacts:
    """Uploads packages to `cloudlet-deploy-artifacts-<account>` (with `-<region>` outside us-east-1:
    Lambda reads code only from a bucket in its own region), created on first use."""

    def __init__(self, clients: _Clients) -> None:
        self.clients = clients
        self.bucket: str | None = None

    def _ensure_bucket(self) -> str:
        if self.bucket is None:
            from botocore.exceptions import ClientError

            account = self.clients("sts").get_caller_identity()["Account"]
            region = self.clients.region
            name = f"cloudlet-deploy-artifacts-{account}"
            name = name if region == "us-east-1" else f"{name}-{region}"
            s3 = self.clients("s3")
            try:
                s3.head_bucket(Bucket=name)
            except ClientError:
                where = {"LocationConstraint": region}
                extra = {} if region == "us-east-1" else {"CreateBucketConfiguration": where}
                s3.create_bucket(Bucket=name, **extra)
            self.bucket = name
        return self.bucket

    def __call__(self, data: bytes, suffix: str) -> tuple[str, str]:
        from botocore.exceptions import ClientError

        from cloudlet.cli.deploy_template import content_key

        bucket = self._ensure_bucket()
        key = content_key(data, suffix)
        s3 = self.clients("s3")
        try:
            s3.head_object(Bucket=bucket, Key=key)
        except ClientError:
            s3.put_object(Bucket=bucket, Key=key, Body=data)
        return bucket, key


def run(request: Request, console: Console) -> Outcome:
    """Deploy; raises TemplateError, DeployFailed, or botocore's errors."""
    from rich.markup import escape

    from cloudlet.cli.deploy_stack import StackDeployer
    from cloudlet.cli.deploy_template import default_stack_name, find_template, prepare

    template = find_template(request.path)
    stack_name = request.stack_name or default_stack_name(template)
    clients = _Clients(request.endpoint, request.region)
    artifacts = Artifacts(clients)
    prepared = prepare(template, request.hot_reload, artifacts)
    console.print(f"Deploying [bold]{escape(str(template))}[/] as stack [bold]{stack_name}[/]")
    for note in prepared.rewritten:
        console.print(f"  {note}", markup=False)
    unknown = sorted(set(request.overrides) - set(prepared.parameter_names))
    if unknown:
        names = ", ".join(unknown)
        console.print(f"[yellow]Ignoring overrides of parameters the template does not have: {escape(names)}")
    deployer = StackDeployer(clients, request.endpoint, console)
    return deployer.deploy(stack_name, prepared.body, prepared.parameter_names, request.overrides, artifacts)


def show(outcome: Outcome, endpoint: str, console: Console) -> None:
    from rich.markup import escape

    from cloudlet.cli.deploy_stack import local_url

    plain = {"markup": False, "soft_wrap": True}
    api_ids = {url.split("//", 1)[1].split(".", 1)[0] for _, _, url in outcome.api_urls}
    state = "deployed" if outcome.changed else "unchanged"
    console.print(f"[green]Stack {escape(outcome.stack_name)} {state}[/] ({outcome.status})")
    if outcome.outputs:
        console.print("[bold]Outputs")
        for output in outcome.outputs:
            value = str(output.get("OutputValue", ""))
            console.print(f"  {output['OutputKey']} = {value}", **plain)
            local = local_url(value, endpoint, api_ids)
            if local:
                console.print(f"    local: {local}", **plain)
    if outcome.api_urls:
        console.print("[bold]APIs")
        base = endpoint.rstrip("/")
        for logical_id, stage, url in outcome.api_urls:
            api_id = url.split("//", 1)[1].split(".", 1)[0]
            path = f"{base}/_aws/execute-api/{api_id}/" + ("" if stage == "$default" else f"{stage}/")
            console.print(f"  {logical_id} ({stage}): {url}", **plain)
            console.print(f"    or {path}", **plain)


def deploy_and_show(request: Request, console: Console) -> bool:
    """Deploy and print the result or the failure; True on success."""
    from botocore.exceptions import BotoCoreError, ClientError, EndpointConnectionError
    from rich.markup import escape

    from cloudlet.cli.deploy_stack import DeployFailed, error_text
    from cloudlet.cli.deploy_template import TemplateError

    try:
        outcome = run(request, console)
    except (TemplateError, DeployFailed) as exc:
        console.print(f"[red]Deployment failed:[/] {escape(str(exc))}", soft_wrap=True)
        return False
    except EndpointConnectionError:
        where = escape(request.endpoint)
        console.print(f"[red]no cloudlet answers at {where}[/] (start it with `cloudlet up`)")
        return False
    except (ClientError, BotoCoreError) as exc:
        console.print(f"[red]Deployment failed:[/] {escape(error_text(exc))}", soft_wrap=True)
        return False
    show(outcome, request.endpoint, console)
    return True


def make_console(stderr: bool = False) -> Console:
    from rich.console import Console

    console = Console(stderr=stderr, highlight=False)
    if not console.is_terminal:
        console.width = max(console.width, WIDE)  # logs and pipes: whole lines rather than ellipses
    return console


def deploy_when_ready(request: Request) -> threading.Thread:
    """For `cloudlet up --deploy`: deploy in a thread (the server's own loop must keep serving), shown
    on stderr like the server's banner."""
    console = make_console(stderr=True)
    thread = threading.Thread(
        target=deploy_and_show, args=(request, console), name="cloudlet-up-deploy", daemon=True
    )
    thread.start()
    return thread


def _overrides(values: tuple[str, ...]) -> dict[str, str]:
    overrides: dict[str, str] = {}
    for value in values:
        key, sep, rest = value.partition("=")
        if not sep or not key:
            raise click.BadParameter(f"{value!r} is not Key=Value", param_hint="--parameter-overrides")
        overrides[key] = rest
    return overrides


@click.command()
@click.argument("path", type=click.Path(exists=True))
@click.argument("more_overrides", nargs=-1, metavar="[KEY=VALUE]...")
@click.option("--stack-name", default=None, help="Stack name (default: the template's folder name).")
@click.option(
    "--parameter-overrides",
    multiple=True,
    metavar="KEY=VALUE",
    help="Parameter values: `--parameter-overrides A=1 B=2` (parameters not given keep their previous "
    "value on an update, or their default).",
)
@click.option(
    "--endpoint-url",
    "--endpoint",
    default=default_endpoint,
    show_default="$AWS_ENDPOINT_URL or http://127.0.0.1:$CLOUDLET_PORT (4566)",
    help="Endpoint of a running cloudlet.",
)
@click.option(
    "--region", default=default_region, show_default="$AWS_REGION or us-east-1", help="Region to deploy to."
)
@click.option(
    "--no-hot-reload",
    is_flag=True,
    help="Upload function folders as zip packages instead of running them in place.",
)
def deploy(
    path: str,
    more_overrides: tuple[str, ...],
    stack_name: str | None,
    parameter_overrides: tuple[str, ...],
    endpoint_url: str,
    region: str,
    no_hot_reload: bool,
) -> None:
    """Deploy a CloudFormation or SAM template (PATH: a file, or a folder with template.yaml).

    Function code in local folders (`CodeUri: ./src`) runs from the folder itself: a saved change is live
    on the next invoke. Layers and zip files are uploaded to a bucket on cloudlet; local OpenAPI files are
    inlined. Prints the stack's Outputs and the invoke URLs of its APIs.
    """
    request = Request(
        path=str(Path(path).resolve()),
        stack_name=stack_name,
        overrides=_overrides(parameter_overrides + more_overrides),
        endpoint=endpoint_url,
        region=region,
        hot_reload=not no_hot_reload,
    )
    console = make_console()
    try:
        ok = deploy_and_show(request, console)
    except KeyboardInterrupt:
        console.print("Interrupted: the deployment goes on in cloudlet (see DescribeStacks)")
        sys.exit(130)
    if not ok:
        sys.exit(1)
