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
    deviations=(
        "Table, index and stream status changes complete within the call (CREATING/UPDATING/DELETING are"
        " answered, the next DescribeTable says ACTIVE).",
        "TTL deletes an item as soon as the clock passes its expiry (AWS: within days).",
        "Each stream has one shard that never splits.",
        "Nothing is throttled unless the switch `POST /_cloudlet/dynamodb/throttle` is on for a table;"
        " ReturnItemCollectionMetrics is not returned.",
        "Backups, global tables, imports/exports, Kinesis streaming destinations and resource policies are"
        " not implemented.",
        "PartiQL: a SELECT whose partition key condition is not a single equality (IN, OR) scans the table;"
        " ReturnConsumedCapacity of PartiQL statements is that of the item operation it becomes.",
    ),
)
