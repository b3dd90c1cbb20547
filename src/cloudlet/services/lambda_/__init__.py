"""Lambda: Python functions in warm worker processes over the real Runtime API (awslambdaric),
synchronous and asynchronous invocation with retries, destinations and dead-letter queues, versions
and aliases, layers, function URLs, SQS event source mappings; function output in CloudWatch Logs.

Deviations from AWS: Python runtimes run on cloudlet's own interpreter; resource policies are stored,
not enforced; container images are not supported.
"""

from cloudlet.services.spec import ServiceSpec

SPEC = ServiceSpec(
    "lambda",
    {"lambda": "cloudlet.services.lambda_.operations"},
    "Lambda",
    setup="cloudlet.services.lambda_.engine:setup",
    deviations=(
        "Python runtimes run on cloudlet's own Python interpreter, whatever the Runtime says.",
        "Resource policies (AddPermission) are stored and returned, not enforced.",
    ),
)
