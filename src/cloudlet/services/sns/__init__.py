"""SNS: topics (standard and FIFO), subscriptions with filter policies, fan-out to SQS, HTTP/S, e-mail,
SMS and Lambda, retries by delivery policy, subscription dead-letter queues, signed messages.

Deviations from AWS: topic policies are stored, not enforced; mobile push is not implemented.
"""

from cloudlet.services.spec import ServiceSpec

SPEC = ServiceSpec(
    "sns",
    {"sns": "cloudlet.services.sns.operations"},
    "Simple Notification Service",
    validation_error="InvalidParameter",
    setup="cloudlet.services.sns.engine:setup",
    deviations=(
        "Topic policies (Policy attribute, AddPermission) are stored and returned, not enforced.",
        "Mobile push (platform applications and endpoints) is not implemented.",
        "Accounts are out of the SMS sandbox; SMS and e-mail land in the local outbox (/_cloudlet/outbox).",
    ),
)
