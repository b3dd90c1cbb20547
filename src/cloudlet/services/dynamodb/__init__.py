"""DynamoDB and DynamoDB Streams on SQLite: tables with secondary indexes, the expression languages,
conditional and transactional writes, TTL, streams and stream-triggered functions.
"""

from cloudlet.services.spec import ServiceSpec

SPEC = ServiceSpec(
    "dynamodb",
    {
        "dynamodb": "cloudlet.services.dynamodb.operations",
        "dynamodbstreams": "cloudlet.services.dynamodb.stream_operations",
    },
    "DynamoDB and DynamoDB Streams",
    validation_error="ValidationException",
    setup="cloudlet.services.dynamodb.engine:setup",
)
