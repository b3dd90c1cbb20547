"""SQS: standard and FIFO queues, dead-letter queues and redrive, long polling; durable on SQLite.

Deviations from AWS: queue policies (Policy, AddPermission) are stored and returned but not enforced;
KMS attributes are stored, messages are not encrypted; ApproximateNumberOf* counts are exact.
"""

from cloudlet.services.spec import ServiceSpec

SPEC = ServiceSpec(
    "sqs",
    {"sqs": "cloudlet.services.sqs.operations"},
    "Simple Queue Service",
    # A missing required parameter is MissingParameter (query code of MissingRequiredParameterException).
    validation_error="MissingParameter",
    check_enums=False,
    setup="cloudlet.services.sqs.engine:setup",
    prepare="cloudlet.services.sqs.operations.common:queue_url_from_path",
    deviations=(
        "Queue policies (Policy attribute, AddPermission) are stored and returned, not enforced.",
        "KMS attributes are stored; message bodies are not encrypted at rest.",
        "ApproximateNumberOf* counts are exact, not approximate.",
    ),
)
