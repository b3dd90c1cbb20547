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
    observes_calls=True,
    deviations=(
        "Bus resource policies (PutPermission) are stored and returned, not enforced.",
        "A target's RoleArn is stored, not assumed.",
        '"AWS API Call via CloudTrail" events need no trail; userIdentity is the account root and'
        " requestParameters use the request's member names.",
        "A connection's secret is kept with the connection; its SecretArn is not served by Secrets Manager.",
        "API destination and OAuth endpoints may be plain http:// for local hosts.",
        "Targets other than SQS, SNS, Lambda, event buses, CloudWatch Logs and API destinations go to the"
        " dead-letter queue as NO_RESOURCE; TraceHeader is not passed on; retries have no jitter.",
        "Partner event sources and global endpoints are not implemented.",
    ),
)
