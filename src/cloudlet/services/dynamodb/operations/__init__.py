"""DynamoDB operations: one function per operation, `(ctx, request) -> response`, grouped by resource in
the modules below; each module lists its operation functions in `__all__`."""

from cloudlet.services.dynamodb.operations.batch import *  # noqa: F403
from cloudlet.services.dynamodb.operations.items import *  # noqa: F403
from cloudlet.services.dynamodb.operations.partiql import *  # noqa: F403
from cloudlet.services.dynamodb.operations.queries import *  # noqa: F403
from cloudlet.services.dynamodb.operations.tables import *  # noqa: F403
from cloudlet.services.dynamodb.operations.transactions import *  # noqa: F403
