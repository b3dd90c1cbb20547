"""EventBridge: event buses, rules with event patterns and schedules, targets (SQS, SNS, Lambda, other
buses, CloudWatch Logs, API destinations) with input transformation, retries and dead-letter queues,
archives and replays, and the events AWS services put on the default bus (S3 objects, API calls).

Deviations from AWS: resource policies (PutPermission) are stored, not enforced; targets' RoleArn is
stored, not assumed.
"""

from cloudlet.services.spec import ServiceSpec

SPEC = ServiceSpec(
    "events",
    {"events": "cloudlet.services.events.operations"},
    "EventBridge",
    validation_error="ValidationException",
    setup="cloudlet.services.events.engine:setup",
    deviations=(
        "Bus resource policies (PutPermission) are stored and returned, not enforced.",
        "A target's RoleArn is stored, not assumed.",
    ),
)
