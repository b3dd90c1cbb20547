"""CloudWatch Logs: log groups and streams, PutLogEvents/GetLogEvents/FilterLogEvents with filter
patterns, retention expiry on the one clock, tags; `api.append` for other services, and the
`/_cloudlet/logs/tail` follower endpoint behind `cloudlet logs --follow`.

Deviations from AWS are listed in SPEC.deviations (→ docs/coverage.md) and docs/logs.md.
"""

from cloudlet.services.spec import ServiceSpec

SPEC = ServiceSpec(
    "logs",
    {"logs": "cloudlet.services.logs.operations"},
    "CloudWatch Logs",
    # CloudWatch Logs answers constraint violations with InvalidParameterException
    # ("1 validation error detected: ...").
    validation_error="InvalidParameterException",
    setup="cloudlet.services.logs.engine:setup",
    deviations=(
        "Metric filters, subscription filters, Logs Insights queries, Live Tail, exports, data protection "
        "and account policies are not implemented.",
        "KMS keys are stored on the log group; events are not encrypted.",
        "Filter-pattern terms match as case-sensitive substrings; regex patterns refuse parentheses, as AWS "
        "does, but otherwise follow Python's `re`.",
        "`storedBytes` counts message bytes of unexpired events, updated at once.",
        "GetLogEvents follows the direction of a `nextToken` whatever `startFromHead` says.",
    ),
)
