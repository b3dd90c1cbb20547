"""Send traffic to the deployed feedback application and watch what happens to it.

    python examples/feedback/traffic.py [--endpoint URL] [--stack-name NAME] [--valid N] [--invalid N]
                                        [--poison N] [--aws]

1. Finds the API from the stack's outputs (a cloudlet invoke URL, or the AWS one with `--aws`).
2. POSTs valid feedback (202 + id), then invalid feedback (400 + the reasons, printed).
3. Sends poison messages straight to FeedbackQueue, as a buggy producer would: the store function fails
   on them, SQS retries each one until its 5th receive, then moves it to FeedbackDLQ, and the alert
   function tells the support team through SNS (e-mail and SMS).
4. Reads every valid item back with GET /feedback/{id} and, on cloudlet, waits for the alerts in the
   outbox (`cloudlet outbox` shows them too). When the server runs with `--virtual-clock`, the script
   advances the clock past each visibility timeout so the retries happen at once; with the real clock a
   poison message reaches the DLQ after 5 visibility timeouts (5 minutes with the template's defaults).

Standard library + boto3 only.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
import urllib.error
import urllib.request
import uuid
from datetime import UTC, datetime
from typing import Any

import boto3

INVALID = [
    {"rating": 5, "comment": "no customer"},
    {"customerId": "c-42", "rating": 9},
    {"customerId": "c-42", "rating": 3, "comment": "x" * 1001},
    {"customerId": "", "rating": "five", "mood": "bad"},
]


def http(method: str, url: str, body: Any = None, timeout: float = 30.0) -> tuple[int, Any]:
    data = None if body is None else (body if isinstance(body, bytes) else json.dumps(body).encode())
    request = urllib.request.Request(url, data=data, method=method)
    if data is not None:
        request.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            status, raw = response.status, response.read()
    except urllib.error.HTTPError as exc:
        status, raw = exc.code, exc.read()
    try:
        return status, json.loads(raw) if raw else None
    except ValueError:
        return status, raw.decode(errors="replace")


class Feedback:
    """The deployed stack, as seen from outside: its outputs, clients and (on cloudlet) internal endpoints."""

    def __init__(self, endpoint: str | None, stack_name: str, region: str) -> None:
        options: dict[str, Any] = {"region_name": region}
        if endpoint:
            options.update(endpoint_url=endpoint, aws_access_key_id="test", aws_secret_access_key="test")
        self.endpoint = endpoint
        self.cfn = boto3.client("cloudformation", **options)
        self.sqs = boto3.client("sqs", **options)
        self.sns = boto3.client("sns", **options)
        (stack,) = self.cfn.describe_stacks(StackName=stack_name)["Stacks"]
        self.outputs = {o["OutputKey"]: o["OutputValue"] for o in stack.get("Outputs", [])}
        if endpoint:  # cloudlet serves every API under /_aws/execute-api/<api-id>/<stage>/
            self.api = f"{endpoint.rstrip('/')}/_aws/execute-api/{self.outputs['ApiId']}/Prod/"
        else:
            self.api = self.outputs["ApiUrl"]

    # -- cloudlet's internal endpoints (absent on AWS) --
    def internal(self, method: str, path: str, timeout: float = 60.0) -> Any:
        assert self.endpoint
        return http(method, self.endpoint.rstrip("/") + path, b"" if method == "POST" else None, timeout)[1]

    def outbox_cursor(self) -> int:
        return int(self.internal("GET", "/_cloudlet/outbox?limit=1000")["last"])

    def outbox(self, after: int, wait: float = 0) -> list[dict[str, Any]]:
        return self.internal("GET", f"/_cloudlet/outbox?after={after}&wait={wait}&limit=1000")["entries"]

    def confirm_email(self) -> None:
        """Click the link of the support e-mail's confirmation mail, as the support team would."""
        topic = self.outputs["SupportAlertsTopicArn"]
        subs = self.sns.list_subscriptions_by_topic(TopicArn=topic)["Subscriptions"]
        if not any(s["SubscriptionArn"] == "PendingConfirmation" for s in subs):
            return
        for entry in self.outbox(0):
            if entry["kind"] == "email" and entry["source"] == topic:
                link = re.search(r"https?://\S*Action=ConfirmSubscription\S*", entry["body"])
                if link:
                    http("GET", link.group(0))
                    print(f"confirmed the alert e-mail subscription of {entry['destination']}")

    def virtual_clock(self) -> bool:
        return bool(self.internal("GET", "/_cloudlet/clock").get("virtual"))


def post_valid(app: Feedback, count: int) -> list[str]:
    ids = []
    for n in range(count):
        doc = {"customerId": f"c-{n % 7}", "rating": 1 + n % 5, "comment": f"feedback number {n}"}
        status, body = http("POST", app.api + "feedback", doc)
        if status != 202:
            print(f"  unexpected answer to valid feedback: {status} {body}")
            continue
        ids.append(body["id"])
    print(f"posted {count} valid feedback: {len(ids)} accepted (202)")
    return ids


def post_invalid(app: Feedback, count: int) -> None:
    for doc in (INVALID * count)[:count]:
        status, body = http("POST", app.api + "feedback", doc)
        reasons = body.get("errors") if isinstance(body, dict) else body
        print(f"  invalid feedback -> {status}: {reasons}")


def inject_poison(app: Feedback, count: int) -> None:
    now = datetime.now(UTC).isoformat(timespec="milliseconds")
    bodies = [
        json.dumps(
            {
                "id": str(uuid.uuid4()),
                "customerId": "traffic",
                "rating": 4,
                "submittedAt": now,
                "poison": True,
            }
        ),
        "this is not JSON",
        json.dumps(
            {"id": str(uuid.uuid4()), "customerId": "legacy-app", "rating": "five", "submittedAt": now}
        ),
    ]
    for n in range(count):
        app.sqs.send_message(QueueUrl=app.outputs["FeedbackQueueUrl"], MessageBody=bodies[n % len(bodies)])
    print(f"sent {count} poison message(s) straight to FeedbackQueue")


def read_back(app: Feedback, ids: list[str], deadline: float) -> int:
    pending = list(ids)
    while pending and time.monotonic() < deadline:
        pending = [i for i in pending if http("GET", f"{app.api}feedback/{i}")[0] != 200]
        if pending:
            time.sleep(0.2)  # a client polling an API: nothing to wait on but the clock
    return len(ids) - len(pending)


def watch_alerts(app: Feedback, cursor: int, poison: int, timeout: float) -> list[dict[str, Any]]:
    """Outbox entries (alerts) after `cursor`, until there are two per poison message or `timeout`."""
    virtual = app.virtual_clock()
    visibility = int(
        app.sqs.get_queue_attributes(
            QueueUrl=app.outputs["FeedbackQueueUrl"], AttributeNames=["VisibilityTimeout"]
        )["Attributes"]["VisibilityTimeout"]
    )
    if virtual:
        print(f"virtual clock: advancing {visibility + 1} s past each visibility timeout")
    else:
        print(f"waiting for the retries (every {visibility} s, 5 receives) and the alerts...")
    entries: list[dict[str, Any]] = []
    deadline = time.monotonic() + timeout
    while len(entries) < 2 * poison and time.monotonic() < deadline:
        if virtual:
            app.internal("POST", "/_cloudlet/settle?timeout=30")
            app.internal("POST", f"/_cloudlet/clock/advance?seconds={visibility + 1}")
            app.internal("POST", "/_cloudlet/settle?timeout=30")
        got = app.outbox(entries[-1]["id"] if entries else cursor, wait=0 if virtual else 20)
        entries += got
    return entries


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--endpoint", default="http://127.0.0.1:4566", help="cloudlet's endpoint")
    parser.add_argument("--aws", action="store_true", help="talk to AWS itself (ignores --endpoint)")
    parser.add_argument("--stack-name", default="feedback")
    parser.add_argument("--region", default="us-east-1")
    parser.add_argument("--valid", type=int, default=20, help="valid feedback to post")
    parser.add_argument("--invalid", type=int, default=4, help="invalid feedback to post")
    parser.add_argument("--poison", type=int, default=2, help="poison messages to inject")
    parser.add_argument("--timeout", type=float, default=420.0, help="seconds to wait for the alerts")
    args = parser.parse_args()

    app = Feedback(None if args.aws else args.endpoint, args.stack_name, args.region)
    print(f"API: {app.api}")
    cursor = 0
    if not args.aws:
        app.confirm_email()
        cursor = app.outbox_cursor()

    ids = post_valid(app, args.valid)
    post_invalid(app, args.invalid)
    inject_poison(app, args.poison)
    if not args.aws:
        app.internal("POST", "/_cloudlet/settle?timeout=30")
    stored = read_back(app, ids, time.monotonic() + 30)
    print(f"read back {stored}/{len(ids)} stored feedback items (GET /feedback/{{id}} -> 200)")

    if args.aws:
        print("poison messages reach the DLQ after 5 receives; the alerts go to the support e-mail and phone")
        return 0 if stored == len(ids) else 1
    alerts = watch_alerts(app, cursor, args.poison, args.timeout) if args.poison else []
    for entry in alerts:
        text = entry["body"] if entry["kind"] == "sms" else entry["subject"]
        print(f"  {entry['kind']:5} to {entry['destination']}: {text}")
    emails = sum(e["kind"] == "email" for e in alerts)
    texts = sum(e["kind"] == "sms" for e in alerts)
    print(f"alerts: {emails} e-mail, {texts} SMS for {args.poison} poison message(s) (see `cloudlet outbox`)")
    print(f"why the store function failed: cloudlet logs {app.outputs['StoreFunctionName']}")
    return 0 if stored == len(ids) and emails >= args.poison and texts >= args.poison else 1


if __name__ == "__main__":
    sys.exit(main())
