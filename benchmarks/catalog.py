"""Every benchmark case, with what `--cases` selects it by and how its figures compare.

kind "lean": a raw keep-alive client; compared with each other target (ratio > 1: this one is better).
kind "boto3": through boto3; reported as a share of boto3 against the trivial canned server.
metric "throughput" compares (messages or requests) per second; "latency" compares p50.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from benchmarks import (
    apigw_cases,
    cases,
    deploy_cases,
    dynamodb_cases,
    events_cases,
    lambda_cases,
    s3_cases,
    sns_cases,
    sqs_cases,
)


@dataclass(frozen=True)
class Case:
    id: str
    group: str
    title: str
    run: Callable[[str, str, float], cases.Result]
    """(target name, endpoint, seconds) -> Result."""
    kind: Literal["lean", "boto3"]
    metric: Literal["throughput", "latency"] = "throughput"
    on_ceiling: bool = False
    """Also run against the trivial canned server."""
    shows_rate: bool = True
    """False where requests per second mean nothing (the long-poll case waits on purpose)."""


CASES: tuple[Case, ...] = (
    Case(
        "sts_raw", "sts", "sts GetCallerIdentity, raw keep-alive HTTP", cases.sts_raw, "lean", on_ceiling=True
    ),
    Case("sts_boto3", "sts", "sts GetCallerIdentity, boto3", cases.sts_boto3, "boto3", on_ceiling=True),
    Case("sqs_send_batch", "sqs", "sqs SendMessageBatch x10, raw keep-alive", sqs_cases.send_batch, "lean"),
    Case(
        "sqs_receive_delete_1",
        "sqs",
        "sqs Receive(10)+DeleteMessageBatch, 1 conn",
        functools.partial(sqs_cases.receive_delete, threads=1),
        "lean",
    ),
    Case(
        "sqs_receive_delete_8",
        "sqs",
        "sqs Receive(10)+DeleteMessageBatch, 8 conns",
        functools.partial(sqs_cases.receive_delete, threads=8),
        "lean",
    ),
    Case(
        "sqs_send", "sqs", "sqs SendMessage latency, raw keep-alive", sqs_cases.send_single, "lean", "latency"
    ),
    Case(
        "sqs_long_poll",
        "sqs",
        "sqs long-poll wake-up (send -> receiver)",
        sqs_cases.long_poll_wakeup,
        "lean",
        "latency",
        shows_rate=False,
    ),
    Case(
        "sqs_boto3_send_batch",
        "sqs",
        "sqs SendMessageBatch x10, boto3",
        sqs_cases.boto3_send_batch,
        "boto3",
        on_ceiling=True,
    ),
    Case("sqs_boto3_send", "sqs", "sqs SendMessage, boto3", sqs_cases.boto3_send, "boto3", on_ceiling=True),
    Case(
        "sns_fanout",
        "sns",
        "sns Publish -> 3 raw SQS queues, throughput",
        sns_cases.fanout_throughput,
        "lean",
    ),
    Case(
        "sns_fanout_latency",
        "sns",
        "sns publish-to-receivable (Publish, ReceiveMessage)",
        sns_cases.fanout_latency,
        "lean",
        "latency",
        shows_rate=False,
    ),
    Case("lambda_warm_boto3", "lambda", "lambda warm Invoke, boto3", lambda_cases.warm_invoke_boto3, "boto3"),
    Case(
        "lambda_warm_raw",
        "lambda",
        "lambda warm Invoke, raw keep-alive",
        lambda_cases.warm_invoke_raw,
        "lean",
    ),
    Case(
        "lambda_cold",
        "lambda",
        "lambda cold start (first Invoke)",
        lambda_cases.cold_start,
        "lean",
        "latency",
        shows_rate=False,
    ),
    Case(
        "lambda_sqs_esm",
        "lambda",
        "lambda SQS -> function (ESM, batch 10)",
        lambda_cases.sqs_to_lambda,
        "lean",
    ),
    Case(
        "s3_put_4k",
        "s3",
        "s3 PutObject 4 KB, raw keep-alive",
        functools.partial(s3_cases.put_objects, size=s3_cases.SMALL),
        "lean",
    ),
    Case(
        "s3_get_4k",
        "s3",
        "s3 GetObject 4 KB, raw keep-alive",
        functools.partial(s3_cases.get_objects, size=s3_cases.SMALL),
        "lean",
    ),
    Case(
        "s3_put_8m",
        "s3",
        "s3 PutObject 8 MB, raw keep-alive",
        functools.partial(s3_cases.put_objects, size=s3_cases.LARGE),
        "lean",
    ),
    Case(
        "s3_get_8m",
        "s3",
        "s3 GetObject 8 MB, raw keep-alive",
        functools.partial(s3_cases.get_objects, size=s3_cases.LARGE),
        "lean",
    ),
    Case("s3_boto3_put", "s3", "s3 PutObject 4 KB, boto3", s3_cases.boto3_put, "boto3", on_ceiling=True),
    Case("s3_boto3_get", "s3", "s3 GetObject 4 KB, boto3", s3_cases.boto3_get, "boto3", on_ceiling=True),
    Case(
        "s3_notify_latency",
        "s3",
        "s3 PutObject -> SQS event, receivable",
        s3_cases.notification_latency,
        "lean",
        "latency",
        shows_rate=False,
    ),
    Case(
        "events_put",
        "events",
        "events PutEvents x10 -> rule -> SQS",
        events_cases.put_throughput,
        "lean",
    ),
    Case(
        "events_put_1000_rules",
        "events",
        "events PutEvents x10, 1 of 1000 rules match",
        functools.partial(events_cases.put_throughput, other_rules=events_cases.MANY_RULES - 1),
        "lean",
    ),
    Case(
        "events_latency",
        "events",
        "events PutEvents -> SQS message received",
        events_cases.put_latency,
        "lean",
        "latency",
        shows_rate=False,
    ),
    Case("dynamodb_put", "dynamodb", "dynamodb PutItem, raw keep-alive", dynamodb_cases.put_item, "lean"),
    Case("dynamodb_get", "dynamodb", "dynamodb GetItem, raw keep-alive", dynamodb_cases.get_item, "lean"),
    Case(
        "dynamodb_batch_write",
        "dynamodb",
        "dynamodb BatchWriteItem x25, raw keep-alive",
        dynamodb_cases.batch_write,
        "lean",
    ),
    Case(
        "dynamodb_query_page",
        "dynamodb",
        "dynamodb Query Limit 100, large partition",
        dynamodb_cases.query_pages,
        "lean",
    ),
    Case(
        "dynamodb_query_count",
        "dynamodb",
        "dynamodb Query COUNT, whole large partition",
        dynamodb_cases.query_count,
        "lean",
        "latency",
        shows_rate=False,
    ),
    Case(
        "apigw_trivial",
        "apigateway",
        "apigateway GET -> Lambda proxy (trivial), 1 connection",
        apigw_cases.trivial_latency,
        "lean",
        "latency",
    ),
    Case(
        "apigw_crud",
        "apigateway",
        "apigateway GET -> Lambda -> DynamoDB GetItem, 1 connection",
        apigw_cases.crud_latency,
        "lean",
        "latency",
    ),
    Case(
        "apigw_crud_c8",
        "apigateway",
        "apigateway GET -> Lambda -> DynamoDB GetItem, 8 connections",
        apigw_cases.crud_throughput,
        "lean",
    ),
    *(
        Case(
            f"deploy_{example.rsplit('/', 1)[-1].replace('-', '_')}",
            "examples",
            f"deploy {example} (CreateStack -> CREATE_COMPLETE)",
            functools.partial(deploy_cases.deploy_time, example=example),
            "lean",
            "latency",
            shows_rate=False,
        )
        for example in ("feedback", "s3-ingest", *(f"patterns/{p}" for p in deploy_cases.PATTERNS))
    ),
    Case(
        "feedback_flow",
        "examples",
        "feedback POST -> item readable in DynamoDB, 1 at a time",
        deploy_cases.flow_latency,
        "lean",
        "latency",
        shows_rate=False,
    ),
    Case(
        "feedback_load_c8",
        "examples",
        "feedback POST /feedback sustained (wrk, 8 connections)",
        deploy_cases.flow_throughput,
        "lean",
    ),
)


def select(spec: str) -> list[Case]:
    """`all`, or comma-separated groups (sts, sqs, sns) and case ids. Unknown names raise ValueError."""
    wanted = {w.strip() for w in spec.split(",") if w.strip()} or {"all"}
    known = {"all"} | {c.group for c in CASES} | {c.id for c in CASES}
    if unknown := wanted - known:
        raise ValueError(f"unknown case(s) {', '.join(sorted(unknown))}; known: {', '.join(sorted(known))}")
    return [c for c in CASES if {"all", c.group, c.id} & wanted]
