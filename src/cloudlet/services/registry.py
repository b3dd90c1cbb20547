"""SERVICES: every service cloudlet serves, as an explicit tuple; each is imported on first use.

A service whose models map to None is routed and parsed (so clients get well-formed answers) but
answers `NotImplemented` for every operation until its implementation lands.
"""

from __future__ import annotations

from cloudlet.services.apigateway import SPEC as APIGATEWAY
from cloudlet.services.cloudformation import SPEC as CLOUDFORMATION
from cloudlet.services.dynamodb import SPEC as DYNAMODB
from cloudlet.services.events import SPEC as EVENTS
from cloudlet.services.lambda_ import SPEC as LAMBDA
from cloudlet.services.logs import SPEC as LOGS
from cloudlet.services.s3 import SPEC as S3
from cloudlet.services.sns import SPEC as SNS
from cloudlet.services.spec import ServiceSpec
from cloudlet.services.sqs import SPEC as SQS
from cloudlet.services.sts import SPEC as STS

SERVICES: tuple[ServiceSpec, ...] = (
    STS,
    SQS,
    SNS,
    LAMBDA,
    S3,
    EVENTS,
    ServiceSpec("scheduler", {"scheduler": None}, "EventBridge Scheduler"),
    ServiceSpec("pipes", {"pipes": None}, "EventBridge Pipes"),
    DYNAMODB,
    APIGATEWAY,
    ServiceSpec("kinesis", {"kinesis": None}, "Kinesis Data Streams"),
    ServiceSpec("firehose", {"firehose": None}, "Data Firehose"),
    LOGS,
    ServiceSpec("cloudwatch", {"cloudwatch": None}, "CloudWatch metrics and alarms"),
    ServiceSpec("xray", {"xray": None}, "X-Ray"),
    CLOUDFORMATION,
    ServiceSpec("iam", {"iam": None}, "IAM (stored)"),
)


def by_name() -> dict[str, ServiceSpec]:
    return {spec.name: spec for spec in SERVICES}


def select(names: tuple[str, ...] | None) -> tuple[ServiceSpec, ...]:
    """The enabled specs; STS is always on (clients call it first). Unknown names raise ValueError."""
    if names is None:
        return SERVICES
    known = by_name()
    unknown = [n for n in names if n not in known]
    if unknown:
        raise ValueError(f"unknown service(s): {', '.join(unknown)}; known: {', '.join(known)}")
    wanted = set(names) | {"sts"}
    return tuple(spec for spec in SERVICES if spec.name in wanted)
